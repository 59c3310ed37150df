"""Mentions a reader would count: a name inside a longer name is part of it; actor
categories are not organizations; legal systems are legal instruments."""

from __future__ import annotations

from conftest import read_plan


def _mentions(facts, words: str) -> list[str]:
    (unit,) = [u for u in facts.units if u.kind == "Measure" and u.zh == words]
    return unit.mentions


def test_a_name_inside_a_longer_name_is_no_mention_of_its_own(facts):
    assert _mentions(facts, "建设国家文化大数据体系") == ["国家文化大数据体系"]  # not 大数据
    assert _mentions(facts, "完善国家智慧教育平台") == ["国家智慧教育平台"]  # not 教育
    # 互联网 stands alone in 互联网诊疗 as well as inside 互联网医院: both are mentions.
    assert set(_mentions(facts, "规范互联网诊疗和互联网医院发展")) == {"互联网", "互联网医院"}


def test_nested_and_standalone_in_a_text_of_our_own(tmp_path):
    facts = read_plan(
        tmp_path,
        "国务院印发《城市数据发展规划》。\n《规划》部署了两方面重点任务。"
        "一是建设城市大数据平台。二是推进大数据与实体经济融合。\n",
        "plan.txt",
    )
    by_text = {u.zh: u.mentions for u in facts.units if u.kind == "Task"}
    assert "大数据" not in by_text["建设城市大数据平台"] and "城市大数据平台" in by_text["建设城市大数据平台"]
    assert "大数据" in by_text["推进大数据与实体经济融合"]


def test_actor_categories_are_not_organizations(facts):
    for name in ("企业", "高等学校", "研究机构", "各有关部门"):
        ent = facts.entities.get(name)
        if ent is not None:
            assert "Stakeholder" in ent.classes and "Organization" not in ent.classes, name
    assert "Organization" in facts.entities["联合国"].classes


def test_legal_systems_are_legal_instruments(facts):
    assert "LegalInstrument" in facts.entities["法律制度"].classes


def test_genre_name_patterns_and_span_edges(facts):
    """…规划, …指南, …工程, …试点 are names; a condition (…条件下) or a verb inside a clause
    (纳入, 推进) ends the span before the name."""
    assert facts.entities["数字领域立法规划"].cls == "LegalInstrument"
    assert facts.entities["数字化标准工作指南"].cls == "LegalInstrument"
    assert "关键核心技术攻关新型举国体制" in facts.entities
    assert facts.entities["数字中国建设综合试点"].cls == "Initiative"  # …综合试点工作: 工作 may follow a name
    assert not any(k.startswith("社会主义市场经济条件下") for k in facts.entities)


def test_name_patterns_in_a_text_of_our_own(tmp_path):
    facts = read_plan(
        tmp_path,
        "国务院印发《乡村建设规划》。\n《规划》部署了两方面重点任务。"
        "一是实施国家黑土地保护工程，把义务教育纳入城镇发展规划。二是开展乡村治理试点，抓好重大任务和重大工程。\n",
        "plan.txt",
    )
    names = {k: e.cls for k, e in facts.entities.items()}
    assert names.get("国家黑土地保护工程") == "Initiative" and names.get("乡村治理试点") == "Initiative"
    assert names.get("城镇发展规划") == "LegalInstrument"  # not 义务教育纳入城镇发展规划
    assert not [k for k in names if "重大工程" in k]  # a list of generic words is no name


def test_domain_terms_the_plan_names(facts):
    for name, cls in (("数字健康", "Sector"), ("数字孪生流域", "Infrastructure"), ("数据跨境流动", "DataResource")):
        assert facts.entities[name].cls == cls, name


def test_the_preamble_yields_mentions_of_the_plan(facts):
    """Sentences no task or measure holds name things too: the plan mentions them, each with its sentence."""
    plan_text = [r for r in facts.relations if r.rule == "plan-text"]
    named = {r.object.removeprefix("entity:") for r in plan_text}
    assert {"数字基础设施", "数据资源体系", "数字技术创新体系"} <= named  # 夯实数字基础设施和数据资源体系 …
    assert (
        "数字中国建设整体布局规划" not in named and "数字中国建设整体布局规划" not in facts.entities
    )  # the plan itself
    assert all(r.subject == "plan" and r.predicate == "mentions" for r in plan_text)
    assert all(facts.segments[r.segment].kind == "sentence" for r in plan_text)


def test_preamble_and_lists_in_a_text_of_our_own(tmp_path):
    facts = read_plan(
        tmp_path,
        "国务院印发《城市数据发展规划》。\n《规划》指出，要夯实数字基础设施和城市数据资源体系，部署了十大重点工程。\n"
        "《规划》部署了两方面重点任务。一是建设城市数据平台。二是完善城市数据标准。\n",
    )
    named = {r.object.removeprefix("entity:") for r in facts.relations if r.rule == "plan-text"}
    assert {"数字基础设施", "城市数据资源体系", "十大重点工程"} <= named  # not …和城市数据资源体系, not 了十大…
    assert "城市数据发展规划" not in facts.entities
