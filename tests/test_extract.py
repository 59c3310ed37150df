"""The extractor on the bundled plan, the second plan, and variants: no RDF involved."""

from __future__ import annotations

import pytest

from kg.build import read_documents
from kg.errors import KGError

EXPECTED_PILLARS = {
    "打通数字基础设施大动脉": "DigitalInfrastructure",
    "畅通数据资源大循环": "DataResourceSystem",
    "做强做优做大数字经济": "DigitalEconomy",
    "发展高效协同的数字政务": "DigitalGovernment",
    "打造自信繁荣的数字文化": "DigitalCulture",
    "构建普惠便捷的数字社会": "DigitalSociety",
    "建设绿色智慧的数字生态文明": "DigitalEcologicalCivilization",
    "构筑自立自强的数字技术创新体系": "DigitalTechnologyInnovationSystem",
    "筑牢可信可控的数字安全屏障": "DigitalSecurityBarrier",
    "建设公平规范的数字治理生态": "DomesticEnvironment",
    "构建开放共赢的数字领域国际合作格局": "InternationalEnvironment",
}


def test_plan_title_issuers_dateline(facts):
    plan = facts.plan
    assert plan.title_zh == "数字中国建设整体布局规划"
    assert plan.title_en == "Overall Layout Plan for Digital China Construction"
    assert plan.alias == "规划"
    assert plan.issuers == ["中共中央", "国务院"]
    assert plan.agency == "新华社" and plan.place == "北京" and plan.date == "--02-27"
    assert facts.layout == "zh-en"


def test_framework_and_pillars(facts):
    assert facts.plan.framework == "Framework2522"
    assert len(facts.plan.pillars) == 11
    seg = facts.segments[facts.plan.framework_segment]
    assert "“2522”" in seg.text and "两大基础" in seg.text and seg.en.startswith("The Plan specifies")


def test_eleven_tasks_each_under_its_pillar(facts):
    tasks = facts.of_kind("Task")
    assert {t.zh: t.pillar for t in tasks} == EXPECTED_PILLARS
    assert [t.id for t in tasks][:3] == ["task/1-1", "task/1-2", "task/2-1"]
    en = {t.zh: t.en for t in tasks}
    assert en["打通数字基础设施大动脉"] == "open the digital infrastructure arteries"
    assert en["构筑自立自强的数字技术创新体系"] == "build a self-reliant digital technology innovation system"


def test_sections_follow_groups_and_strategic_path(facts):
    assert [s.zh for s in facts.path_steps] == ["夯实基础", "赋能全局", "强化能力", "优化环境"]
    assert facts.path_steps[0].en == "consolidating the foundation"
    tasks = [s for s in facts.sections if s.kind == "tasks"]
    assert [s.group for s in tasks] == ["TwoFoundations", "FiveInOne", "TwoCapabilities", "TwoEnvironments"]
    assert [s.step for s in tasks] == ["step/1", "step/2", "step/3", "step/4"]
    assert [s.kind for s in facts.sections].count("guarantees") == 1


def test_five_guarantees(facts):
    assert [g.zh for g in facts.of_kind("Guarantee")] == [
        "加强组织领导",
        "健全体制机制",
        "保障资金投入",
        "强化人才支撑",
        "营造良好氛围",
    ]
    assert facts.of_kind("Guarantee")[0].en == "strengthen organizational leadership"


def test_goals_and_targets(facts):
    goals = {g.year: g for g in facts.of_kind("Goal")}
    assert sorted(goals) == [2025, 2035]
    assert goals[2025].zh.startswith("基本形成横向打通")
    assert goals[2035].zh == "数字化发展水平进入世界前列,数字中国建设取得重大成就"
    targets = [t for t in facts.of_kind("Target") if t.parent == "goal/2025"]
    assert len(targets) == 13 and targets[0].zh == "数字基础设施高效联通"
    assert targets[0].en == "Digital infrastructure is efficiently connected"


def test_measures_are_clauses_with_exact_offsets(facts):
    measures = facts.of_kind("Measure")
    assert len(measures) > 100
    by_task = {}
    for m in measures:
        by_task.setdefault(m.parent, []).append(m)
    assert all(by_task.get(t.id) for t in facts.of_kind("Task") + facts.of_kind("Guarantee"))
    first = by_task["task/1-1"]
    assert [m.zh for m in first[:4]] == [
        "加快5G网络与千兆光网协同建设",
        "深入推进IPv6规模部署和应用",
        "推进移动物联网全面发展",
        "大力推进北斗规模应用",
    ]
    assert first[3].en == "vigorously promote the scale application of Beidou"
    # A clause opening with a preposition stays with the clause it qualifies.
    assert any(m.zh.startswith("在农业、工业") and m.zh.endswith("加快数字技术创新应用") for m in measures)
    for unit in facts.units:
        seg = facts.segments[unit.segment]
        assert facts.text[seg.start : seg.end] == seg.text
        if unit.kind == "Measure":
            assert seg.text == unit.zh


def test_entities_classes_labels_and_mentions(facts):
    ents = facts.entities
    assert len(ents) >= 60
    expected = {
        "北斗": "Technology",
        "IPv6": "Technology",
        "联合国": "Organization",
        "上合组织": "Organization",
        "农业": "Sector",
        "国家智慧教育平台": "Platform",
        "国土空间基础信息平台": "Platform",
        "国家文化大数据体系": "System",
        "数据产权制度": "Mechanism",
        "数字丝绸之路": "Initiative",
        "清朗": "Initiative",
        "一件事一次办": "Initiative",
        "数字中国建设峰会": "Event",
        "边缘数据中心": "Infrastructure",
    }
    for key, cls in expected.items():
        assert ents[key].cls == cls, key
    assert ents["绿灯"].en == "green light" and ents["绿灯"].en_source == "aligned-text"  # a quoted name
    assert ents["清朗"].en == "Qinglang" and ents["清朗"].en_source == "lexicon"  # its official name
    assert ents["国家智慧教育平台"].en == "national intelligent education platform"
    mentioned = {k for u in facts.units for k in u.mentions}
    mentioned |= {r.object.removeprefix("entity:") for r in facts.relations if r.rule == "plan-text"}  # the preamble
    for key, ent in ents.items():
        assert ent.zh and ent.en, key
        assert key in mentioned or key in facts.plan.issuers or key == facts.plan.agency, key
    measure = next(u for u in facts.units if u.zh.startswith("积极参与联合国"))
    assert {"联合国", "世界贸易组织", "二十国集团", "亚太经合组织", "金砖国家", "上合组织"} <= set(measure.mentions)


def test_second_plan_generalizes(second_facts):
    f = second_facts
    assert f.layout == "zh"
    assert f.plan.title_zh == "“十三五”国家科技创新规划"
    assert f.plan.issuers == ["国务院"]
    tasks = f.of_kind("Task")
    assert len(tasks) == 6
    assert tasks[0].zh == "围绕构筑国家先发优势，加强兼顾当前和长远的重大战略布局"
    assert tasks[5].zh == "围绕夯实创新的群众和社会基础，加强科普和创新文化建设"
    assert [g.zh for g in f.of_kind("Guarantee")] == [
        "落实和完善创新政策法规",
        "完善科技创新投入机制",
        "加强规划实施与管理",
    ]
    goals = f.of_kind("Goal")
    assert [(g.year, g.zh) for g in goals] == [(2020, "“十三五”科技创新的总体目标")]
    assert len(f.of_kind("Target")) == 3
    assert not f.plan.framework  # no framework sentence, no pillars invented
    assert all(not t.pillar for t in tasks)


def test_chinese_only_version_keeps_the_structure(chinese_only):
    f = read_documents([chinese_only])[0]
    assert f.layout == "zh"
    assert {t.zh: t.pillar for t in f.of_kind("Task")} == EXPECTED_PILLARS
    assert len(f.of_kind("Guarantee")) == 5
    assert all(not u.en for u in f.units)  # no English to take labels from


def test_full_width_punctuation_gives_the_same_structure(tmp_path, chinese_only, facts):
    text = chinese_only.read_text(encoding="utf-8").replace(",", "，").replace("(", "（").replace(")", "）")
    p = tmp_path / "plan.fullwidth.txt"
    p.write_text(text, encoding="utf-8")
    f = read_documents([p])[0]
    assert [t.zh.replace("，", ",") for t in f.of_kind("Task")] == [t.zh for t in facts.of_kind("Task")]
    assert len(f.of_kind("Measure")) == len(facts.of_kind("Measure"))
    assert sorted(g.year for g in f.of_kind("Goal")) == [2025, 2035]


def test_english_only(english_only):
    f = read_documents([english_only])[0]
    assert f.layout == "en"
    assert f.plan.title_en == "Overall Layout Plan for Digital China Construction"
    assert f.plan.issuers == ["中共中央", "国务院"]
    assert sorted(g.year for g in f.of_kind("Goal")) == [2025, 2035]
    assert {"5G网络", "IPv6", "北斗", "联合国"} <= set(f.entities)
    assert len(f.of_kind("Task")) == 11


def test_an_english_report_with_a_few_chinese_lines_stays_english(english_only, tmp_path):
    """An English report that carries its Chinese title and a Chinese quote is read as the
    English report it is: the Chinese lines made the whole text Chinese (every English
    paragraph after the title then its translation or lost), and no plan was found."""
    lines = english_only.read_text(encoding="utf-8").splitlines()
    middle = len(lines) // 2
    mixed = ["数字中国建设整体布局规划", *lines[:middle], "《规划》强调，要加强组织实施。", *lines[middle:]]
    p = tmp_path / "plan-with-chinese-title.txt"
    p.write_text("\n".join(mixed), encoding="utf-8")
    plain, f = read_documents([english_only])[0], read_documents([p])[0]
    assert f.layout == "en" and f.plan.title_en == plain.plan.title_en
    assert [t.en for t in f.of_kind("Task")] == [t.en for t in plain.of_kind("Task")]
    assert len(f.of_kind("Measure")) == len(plain.of_kind("Measure"))


def test_text_without_a_plan_is_refused(tmp_path):
    p = tmp_path / "weather.txt"
    p.write_text("今天天气很好。\nThe weather is fine today.", encoding="utf-8")
    with pytest.raises(KGError, match="no plan found"):
        read_documents([p])


def test_generic_rules_on_a_crafted_plan(tmp_path):
    p = tmp_path / "crafted.txt"
    p.write_text(
        "国家发展改革委印发《智慧城市试点行动方案》\n"
        "《方案》指出，要推进城市数字化。一是建设城市数据中台。完善城市运行管理平台，建立数据共享机制。"
        "二是推广“一网通办”。推进政务服务事项网上办理。\n"
        "《方案》提出，到2027年，城市运行效率显著提升。",
        encoding="utf-8",
    )
    f = read_documents([p])[0]
    assert f.plan.title_zh == "智慧城市试点行动方案"
    assert f.plan.issuers == ["国家发展改革委"]
    assert [t.zh for t in f.of_kind("Task")] == ["建设城市数据中台", "推广“一网通办”"]
    assert f.entities["城市运行管理平台"].cls == "Platform"
    assert f.entities["数据共享机制"].cls == "Mechanism"
    assert f.entities["一网通办"].cls == "Initiative"
    assert [g.year for g in f.of_kind("Goal")] == [2027]


def test_principles(facts, second_facts):
    assert [u.zh for u in facts.of_kind("Principle")] == [
        "坚持以习近平新时代中国特色社会主义思想特别是习近平总书记关于网络强国的重要思想为指导",
        "坚持稳中求进工作总基调",
    ]
    assert facts.of_kind("Principle")[1].en == "adhere to the general keynote of seeking progress in a stable manner"
    assert [u.zh for u in second_facts.of_kind("Principle")] == ["坚持创新是引领发展的第一动力"]
    # A 坚持 clause inside a task or guarantee is its measure, not a principle of the plan.
    assert not any(u.zh.startswith("坚持和加强党") for u in facts.of_kind("Principle"))


def test_windows_line_endings_keep_structure_and_offsets(tmp_path, plan_path, facts):
    p = tmp_path / "plan.crlf.txt"
    p.write_bytes(plan_path.read_text(encoding="utf-8").replace("\n", "\r\n").encode("utf-8"))
    f = read_documents([p])[0]
    assert [t.zh for t in f.of_kind("Task")] == [t.zh for t in facts.of_kind("Task")]
    assert len(f.of_kind("Measure")) == len(facts.of_kind("Measure"))
    for seg in f.segments.values():
        assert f.text[seg.start : seg.end] == seg.text


def test_two_names_of_a_sentence_never_share_an_english_phrase(facts, lex):
    from kg.extract.entities import english_windows as _english_windows

    en = (
        "take part in platforms for cooperation in the digital field, "
        "build a new platform for open cooperation in the digital field"
    )
    got = _english_windows([(0, "数字领域合作平台"), (9, "数字领域开放合作新平台")], 20, en, lex)
    assert got["数字领域开放合作新平台"] == "new platform for open cooperation in the digital field"
    assert got.get("数字领域合作平台") != got["数字领域开放合作新平台"]
    assert facts.entities["数字领域开放合作新平台"].en == "new platform for open cooperation in the digital field"
    assert facts.entities["数字领域合作平台"].en_source == "composed"
