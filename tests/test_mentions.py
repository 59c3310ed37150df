"""Mentions a reader would count: a name inside a longer name is part of it; actor
categories are not organizations; legal systems are legal instruments."""

from __future__ import annotations

from conftest import read_plan


def _classes(tmp_path, tasks: str, opening: str = "国务院印发《城市数据发展规划》。") -> dict[str, str]:
    """Each entity's class, from a plan of our own: ``opening``, then two tasks."""
    facts = read_plan(tmp_path, f"{opening}\n《规划》部署了两方面重点任务。{tasks}\n", "plan.txt")
    return {k: e.cls for k, e in facts.entities.items()}


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
    names = _classes(
        tmp_path,
        "一是实施国家黑土地保护工程，把义务教育纳入城镇发展规划。二是开展乡村治理试点，抓好重大任务和重大工程。",
        "国务院印发《乡村建设规划》。",
    )
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


def test_bodies_named_by_one_character(tmp_path):
    """…局, …部, …委 name a body when a jurisdiction opens the name; alone, they end common words."""
    names = _classes(
        tmp_path,
        "一是国家城市数据局牵头建设数据平台，构建新发展格局，全部纳入统计。"
        "二是中央城市工作委统筹推进数据工作，推动产业向中西部转移，国务院部署推进。",
    )
    assert names.get("国家城市数据局") == "Organization" and names.get("中央城市工作委") == "Organization"
    assert not [k for k in names if k.endswith(("格局", "全部", "中西部", "部署"))]


def test_documents_the_plan_cites_are_legal_instruments(tmp_path):
    names = _classes(
        tmp_path,
        "一是贯彻《中华人民共和国数据安全法》，落实《城市数据管理条例》。二是在《人民日报》发布数据，宣传《规划》。",
        "国务院印发《城市数据发展规划》（以下简称《规划》）。",
    )
    assert names.get("中华人民共和国数据安全法") == "LegalInstrument"
    assert names.get("城市数据管理条例") == "LegalInstrument"
    assert "人民日报" not in names and "规划" not in names and "城市数据发展规划" not in names


def test_standards_are_named_by_their_field_not_a_level(tmp_path):
    names = _classes(
        tmp_path, "一是制定数据分类分级标准。二是科学合理提高城乡居民基本医疗保险财政补助标准，完善制度和标准。"
    )
    assert names.get("数据分类分级标准") == "LegalInstrument"
    assert not [k for k in names if k.endswith("补助标准") or k.startswith("制度")]  # a level; a list of kinds


def test_a_term_a_list_of_kinds_is_about_is_mentioned(facts):
    """网络安全法律法规和政策体系 is about 网络安全; 数据要素按价值贡献参与分配机制 holds 与 but no list."""
    assert "网络安全" in _mentions(facts, "完善网络安全法律法规和政策体系")
    assert _mentions(facts, "建立数据要素按价值贡献参与分配机制") == ["数据要素按价值贡献参与分配机制"]


def test_an_english_name_inside_a_longer_one_is_no_mention(tmp_path):
    facts = read_plan(
        tmp_path,
        "The State Council issued the Urban Data Plan.\nThe Plan deploys two key tasks. First, the Ministry of "
        "Industry and Information Technology will build data platforms. Second, develop industry and big data.\n",
        "plan.en.txt",
    )
    first, second = (u for u in facts.units if u.kind == "Task")
    assert "工业和信息化部" in first.mentions and "工业" not in first.mentions
    assert "工业" in second.mentions
