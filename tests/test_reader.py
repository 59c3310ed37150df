"""The reader on short crafted plan reports, one per form of the genre: each text must
give the facts listed with it. No RDF here: the phases return plain facts."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.build import read_documents
from kg.errors import KGError
from kg.normalise import normalise

TRADITIONAL = """首頁 > 新聞 > 政策
原標題：國務院辦公廳印發《“十五五”數字鄉村發展規劃》
2026-03-05 來源：示例網
新華社北京3月4日電 國務院辦公廳日前印發《“十五五”數字鄉村發展規劃》（以下簡稱《規劃》）。
《規劃》提出，到2030年，鄉村數字基礎設施覆蓋率達到95%以上，農村寬帶接入用戶比2025年增長20%。
《規劃》提出三項重點任務。一是建設鄉村數字基礎設施，推進光纖網絡建設；二是發展智慧農業，推廣物聯網應用；三是提升鄉村治理數字化水平。
"""

OUTLINE = """国家发展改革委、国家数据局、工业和信息化部印发《示例算力行动方案》
近日，国家发展改革委、国家数据局、工业和信息化部印发《示例算力行动方案》。
一、总体要求
（一）指导思想。坚持创新驱动，统筹发展和安全。
（二）主要目标。到２０２７年，算力规模超过３００EFLOPS，建成１０个左右国家算力枢纽。
二、重点任务
（三）推进“人工智能＋”行动。建设一批示范平台，培育应用场景。
三、加强组织实施
（四）加强组织领导。各地区要抓好落实。
"""

LISTS = """新华社北京5月6日电 中共中央、国务院近日印发《示例发展纲要》（以下简称《纲要》）。
《纲要》明确了到2028年和2035年的主要目标，部署了四方面重点任务，包括建设数据平台、培育数字产业、完善治理体系、扩大开放合作。
《纲要》从加强党的领导、强化资金保障、健全评估机制等三方面提出了保障措施。
"""

ENGLISH = (
    "BEIJING, March 3 -- The State Council and the Central Committee of the Communist Party of China "
    "have jointly issued a plan on digital villages, state media said.\n"
    "By 2027, broadband coverage in villages will reach over 95 percent, the plan said.\n"
    "The plan sets out its tasks. First, build rural networks. Second, develop smart agriculture. "
    "Third, improve village governance.\n"
)


def read(tmp_path: Path, text: str, name: str = "plan.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_documents([path])[0]


def test_traditional_characters_behind_page_headers(tmp_path):
    facts = read(tmp_path, TRADITIONAL)
    plan = facts.plan
    assert plan.title_zh == "“十五五”数字乡村发展规划"
    assert plan.alias == "规划"
    assert plan.issuers == ["国务院办公厅"]
    assert plan.date == "2026-03-05" and plan.agency == "新华社"
    assert [(g.year, g.year_source) for g in facts.of_kind("Goal")] == [(2030, "stated")]
    assert [t.zh for t in facts.of_kind("Task")] == [
        "建设乡村数字基础设施，推进光纤网络建设",
        "发展智慧农业，推广物联网应用",
        "提升乡村治理数字化水平",
    ]
    by_value = {i.value: i for i in facts.indicators}
    assert by_value[95].unit == "%" and by_value[95].comparator == "atLeast"
    assert by_value[20].change == "increase" and by_value[20].baseline_year == 2025
    # Provenance points at the characters as published, traditional ones included.
    for seg in facts.segments.values():
        assert facts.text[seg.start : seg.end] == seg.text
    title_seg = facts.segments[plan.segment]
    assert title_seg.text == "“十五五”數字鄉村發展規劃"
    # A Chinese-only text gets no invented English.
    assert all(not u.en for u in facts.units)


def test_outline_sections_items_and_full_width_forms(tmp_path):
    facts = read(tmp_path, OUTLINE)
    assert facts.plan.issuers == ["国家发展改革委", "国家数据局", "工业和信息化部"]
    tasks = facts.of_kind("Task")
    assert [t.zh for t in tasks] == ["指导思想", "主要目标", "推进“人工智能+”行动"]
    assert [g.zh for g in facts.of_kind("Guarantee")] == ["加强组织领导"]
    assert [s.zh for s in facts.sections] == ["总体要求", "重点任务", "加强组织实施"]
    assert [g.year for g in facts.of_kind("Goal")] == [2027]
    (compute, hubs) = sorted(facts.indicators, key=lambda i: i.value, reverse=True)
    assert (compute.value, compute.unit, compute.comparator) == (300, "EFLOPS", "moreThan")
    assert (hubs.value, hubs.comparator, hubs.metric) == (10, "about", "国家算力枢纽")
    assert facts.entities["人工智能+"].origin == "quote"


def test_inline_lists_are_checked_against_their_stated_count(tmp_path):
    facts = read(tmp_path, LISTS)
    assert facts.plan.issuers == ["中共中央", "国务院"] and facts.plan.date == "--05-06"
    assert sorted(g.year for g in facts.of_kind("Goal")) == [2028, 2035]
    assert [t.zh for t in facts.of_kind("Task")] == ["建设数据平台", "培育数字产业", "完善治理体系", "扩大开放合作"]
    assert [g.zh for g in facts.of_kind("Guarantee")] == ["加强党的领导", "强化资金保障", "健全评估机制"]
    wrong = read(tmp_path, LISTS.replace("四方面重点任务", "五方面重点任务"), "wrong.txt")
    assert wrong.of_kind("Task") == []
    assert any("could not be told apart" in n for n in wrong.notes)


def test_english_only_report(tmp_path):
    facts = read(tmp_path, ENGLISH, "plan.en.txt")
    plan = facts.plan
    assert facts.layout == "en"
    assert plan.title_en == "plan on digital villages"
    assert plan.issuers == ["国务院", "中共中央"]  # the lexicon's keys for the State Council and the CPC CC
    assert plan.date == "--03-03"
    assert [g.year for g in facts.of_kind("Goal")] == [2027]
    assert [t.en for t in facts.of_kind("Task")] == [
        "build rural networks",
        "develop smart agriculture",
        "improve village governance",
    ]
    (ind,) = facts.indicators
    assert (ind.value, ind.unit, ind.comparator) == (95, "%", "moreThan")


NESTED = """国务院印发《示例治理规划》。
《规划》提出，要做好三方面工作。一是优化治理环境。完善法规体系，加强立法统筹，研究制定立法规划。提升治理水平，健全综合治理体系，构建有序格局。二是推进设施建设。加快5G网络、千兆光网建设，推进物联网发展，推进北斗应用。三是加强合作。
"""


def test_a_task_that_nests_a_level_gives_sub_areas(tmp_path):
    facts = read(tmp_path, NESTED)
    subs = [(s.task, s.zh) for s in facts.subareas]
    assert subs == [("task/1-1", "完善法规体系"), ("task/1-1", "提升治理水平")]
    under = {u.zh for u in facts.units if u.subarea == facts.subareas[1].id}
    assert under == {"健全综合治理体系", "构建有序格局"}
    # A plain list of measures (with a list and figures in its first clause) is not a level.
    assert not [s for s in facts.subareas if s.task == "task/1-2"]


def test_a_period_in_a_title_is_not_a_goal(tmp_path):
    facts = read(
        tmp_path, "国务院印发《示例规划（2024—2035年）》。\n《规划》提出，要建设平台。一是建设平台。二是培育产业。\n"
    )
    assert facts.of_kind("Goal") == []
    assert facts.plan.title_zh == "示例规划（2024—2035年）"


@pytest.mark.parametrize(
    "text",
    [
        "中共中央印发《规划》\n一是。二是建设平台。\n",
        "The plan. First. Second, build it.\n",
        "《规划》提出：一是\n",
        "到2025年。\n",
    ],
)
def test_bare_markers_and_fragments_never_crash(tmp_path, text):
    try:
        read(tmp_path, text)
    except KGError as e:
        assert "\n" not in str(e)


def test_a_text_with_no_plan_says_what_is_missing(tmp_path):
    with pytest.raises(KGError, match="no plan found: no title, issuer, task or goal"):
        read(tmp_path, "今天天气很好。我们去公园散步。\n")


def test_normalisation_keeps_every_offset():
    text = "國務院印發《規劃》，目標１０％＋\x1c\u3000完成。"
    out = normalise(text)
    assert len(out) == len(text)
    assert out == "国务院印发《规划》，目标10%+  完成。"


NOTICE = """国务院关于印发“十五五”数字乡村发展规划的通知
国发〔2026〕8号
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
现将《“十五五”数字乡村发展规划》印发给你们，请认真贯彻执行。
国务院
2026年3月4日
“十五五”数字乡村发展规划
一、总体要求
到2030年，乡村数字基础设施覆盖率达到95%以上。
二、重点任务
（一）建设乡村数字基础设施。推进光纤网络建设。
（二）发展智慧农业。推广物联网应用。
"""


def test_the_notice_a_plans_full_text_is_published_under_names_its_issuers(tmp_path):
    """国务院关于印发…的通知 heads the full text of a plan: its issuers are the bodies before
    关于 (the notice's body only says 现将《…》印发给你们); a heading that names several
    bodies apart by a space names them all, as a news report's lead may."""
    f = read(tmp_path, NOTICE)
    assert f.plan.title_zh == "“十五五”数字乡村发展规划" and f.plan.issuers == ["国务院"]
    assert f.plan.date == "2026-03-04"
    heading = "中共中央办公厅 国务院办公厅关于印发《“十五五”数字乡村发展规划》的通知"
    joint = read(tmp_path, NOTICE.replace("国务院关于印发“十五五”数字乡村发展规划的通知", heading))
    assert joint.plan.issuers == ["中共中央办公厅", "国务院办公厅"]
    other = read(tmp_path, NOTICE.replace("关于印发“十五五”数字乡村发展规划的通知", "关于印发另一项规划的通知"))
    assert other.plan.issuers == []  # a notice about another plan names no issuer of this one
    lead = "新华社北京3月4日电 中共中央办公厅 国务院办公厅印发了《“十五五”数字乡村发展规划》。\n"
    news = read(tmp_path, lead + "《规划》提出，到2030年，乡村数字基础设施覆盖率达到95%以上。\n")
    assert news.plan.issuers == ["中共中央办公厅", "国务院办公厅"]


def test_the_items_of_a_section_headed_as_guarantees_are_guarantees(tmp_path):
    """五、保障措施 (a guarantee head) as 六、加强组织实施 (a guarantee cue): its items are
    guarantees, not tasks."""
    text = NOTICE.replace("（二）发展智慧农业。推广物联网应用。\n",
                          "（二）发展智慧农业。推广物联网应用。\n三、保障措施\n（一）加强组织领导。建立协调推进机制。\n"
                          "（二）强化资金保障。加大财政投入。\n")  # fmt: skip
    f = read(tmp_path, text)
    assert [u.zh for u in f.of_kind("Task")] == ["建设乡村数字基础设施", "发展智慧农业"]
    assert [u.zh for u in f.of_kind("Guarantee")] == ["加强组织领导", "强化资金保障"]


def test_an_english_issuer_is_named_without_the_day_it_acted_on(tmp_path):
    """ "The General Office … on Monday issued a guideline on …", and a passive form after a
    dateline, "A plan on … was made public by … on Monday": the body is named alone."""
    goal = "The plan says that by 2030, the coverage of rural digital infrastructure will reach more than 95 percent.\n"
    lead = "BEIJING, March 4 (Xinhua) -- The General Office of the State Council on Monday issued a guideline "
    active = read(tmp_path, lead + "on accelerating the development of digital villages.\n" + goal)
    assert active.plan.title_en == "guideline on accelerating the development of digital villages"
    assert [active.entities[k].en for k in active.plan.issuers] == ["General Office of the State Council"]
    lead = "BEIJING, March 4 (Xinhua) -- A plan on the development of digital villages was made public by "
    passive = read(tmp_path, lead + "the General Office of the State Council on Monday.\n" + goal)
    assert passive.plan.title_en == "plan on the development of digital villages"
    assert [passive.entities[k].en for k in passive.plan.issuers] == ["General Office of the State Council"]
    assert passive.plan.date == "--03-04" and [g.year for g in passive.of_kind("Goal")] == [2030]
    # An appositive after the body ("China's cabinet"), or before it ("China's top economic planner").
    for lead, issuer in [
        ("The State Council, China's cabinet, has issued a guideline ", "State Council"),
        ("China's top economic planner, the National Development and Reform Commission, released a guideline ",
         "National Development and Reform Commission"),
    ]:  # fmt: skip
        f = read(tmp_path, "BEIJING, March 4 (Xinhua) -- " + lead + "on digital villages.\n" + goal)
        assert f.plan.title_en == "guideline on digital villages"
        assert [f.entities[k].en for k in f.plan.issuers] == [issuer]


@pytest.mark.parametrize(
    "lead, issuers, date, agency",
    [
        ("新华社北京3月4日电（记者张三、李四）国务院办公厅日前印发", ["国务院办公厅"], "--03-04", "新华社"),
        ("人民网北京3月4日电 据国务院网站消息，国务院办公厅近日印发", ["国务院办公厅"], "--03-04", "人民网"),
        ("记者3月4日从国家发展改革委获悉，国家发展改革委等部门近日联合印发", ["国家发展改革委"], "--03-04", ""),
        ("3月4日，国家发展改革委、国家数据局印发", ["国家发展改革委", "国家数据局"], "--03-04", ""),
        ("日前，经国务院同意，国务院办公厅印发", ["国务院办公厅"], "", ""),
    ],
)
def test_a_chinese_lead_in_its_forms(tmp_path, lead, issuers, date, agency):
    """A dateline of any agency (社, 网, 报, 台) with the reporters in brackets after it, or a
    lead that opens on its date: the issuers without the byline, the date, the agency."""
    f = read(tmp_path, lead + "《数字乡村发展规划》。\n《规划》提出，到2030年，乡村数字基础设施覆盖率达到95%以上。\n")
    assert f.plan.title_zh == "数字乡村发展规划"
    assert [f.entities[k].zh for k in f.plan.issuers] == issuers
    assert f.plan.date == date and (f.entities[f.plan.agency].zh if f.plan.agency else "") == agency


@pytest.mark.parametrize("head", ["Published: 4 March 2026", "Updated: March 4, 2026", "Xinhua | 2026-03-04 20:11:32"])
def test_an_english_pages_date_in_its_forms(tmp_path, head):
    body = "The General Office of the State Council issued a guideline on digital villages on Wednesday.\n"
    assert read(tmp_path, head + "\n" + body).plan.date == "2026-03-04"


@pytest.mark.parametrize(
    "when, year, source",
    [
        ("2027年底前，", 2027, "stated"),
        ("到2025年底，", 2025, "stated"),
        ("到2030年前后，", 2030, "stated"),
        ("到“十五五”末，", 2030, "period"),
        ("2018年前三季度，", None, ""),  # the first three quarters: no goal
    ],
)
def test_a_chinese_goal_year_in_its_forms(tmp_path, when, year, source):
    lead = "新华社北京3月4日电 国务院办公厅日前印发《数字乡村发展规划》（以下简称《规划》）。\n"
    f = read(tmp_path, lead + f"《规划》提出，{when}乡村数字基础设施覆盖率达到95%以上。\n")
    goals = [(g.year, g.year_source, g.zh) for g in f.of_kind("Goal")]
    assert goals == ([(year, source, "乡村数字基础设施覆盖率达到95%以上")] if year else [])


@pytest.mark.parametrize(
    "goal, years",
    [
        ("Before 2030, the coverage of rural digital infrastructure should reach more than 95 percent.",
         [(2030, "stated")]),
        ("By 2027, the coverage of rural digital infrastructure will reach over 95 percent, and by 2035 digital "
         "villages will be basically built.", [(2027, "stated"), (2035, "stated")]),
        ("The coverage of rural digital infrastructure will reach 95 percent by the end of the 15th Five-Year Plan "
         "period (2026-2030).", [(2030, "period")]),
    ],
)  # fmt: skip
def test_an_english_goal_year_in_its_forms(tmp_path, goal, years):
    """ "Before 2030", "by 2035" later in the sentence (a year, not a count of villages), and
    the end of a five-year plan's period (its last year, inferred from the period)."""
    lead = (
        "BEIJING, March 4 (Xinhua) -- The General Office of the State Council issued a guideline on digital villages.\n"
    )
    f = read(tmp_path, lead + goal + "\n")
    assert [(g.year, g.year_source) for g in f.of_kind("Goal")] == years
    assert all(i.value < 1000 for i in f.indicators)


def test_corner_brackets_are_quotation_marks(tmp_path):
    """A Hong Kong or Taiwan text quotes with 「」 and 『』: read as “” and ‘’, its plan's
    title and its quoted names are those of the same text quoted the mainland's way."""
    plain = read(tmp_path, TRADITIONAL)
    corner = read(tmp_path, TRADITIONAL.replace("“", "「").replace("”", "」"), "corner.txt")
    assert corner.plan.title_zh == plain.plan.title_zh == "“十五五”数字乡村发展规划"
    assert sorted(corner.entities) == sorted(plain.entities)
    assert normalise("『数字』「中国」") == "‘数字’“中国”"


def test_a_report_saved_as_markdown_reads_as_it_does_plain(tmp_path):
    """A web page saved as Markdown puts # marks before its headings: the rules that read a
    line's start (the dateline, the issuer's sentence) read past them."""
    text = TRADITIONAL.replace("2026-03-05 來源：示例網\n", "")  # the date is the dateline's
    plain = read(tmp_path, text)
    marked = text.replace("原標題", "# 原標題").replace("新華社北京", "## 新華社北京")
    f = read(tmp_path, marked)
    assert (f.plan.title_zh, f.plan.issuers, f.plan.date) == (plain.plan.title_zh, plain.plan.issuers, plain.plan.date)
    assert plain.plan.date == "--03-04" and len(f.of_kind("Task")) == len(plain.of_kind("Task")) == 3
    assert normalise("## 标题\n#1 不是标题") == "   标题\n#1 不是标题"  # marks alone, one for one


def test_the_indicators_query_returns_typed_numbers(tmp_path):
    from conftest import run_kg

    from kg import query as q

    plan = tmp_path / "plan.txt"
    plan.write_text(TRADITIONAL, encoding="utf-8")
    result = run_kg("build", str(plan), "--skip-checks", "--quiet", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    store = q.load_store(str(tmp_path / "out"))[0]
    named = q.library()["indicators"]
    header, body = q.rows(q.run(store, named.text, q.bind(named, {})))
    rows = [dict(zip(header, row)) for row in body]
    assert [(r["value"], r["unit"], r["comparator"], r["year"]) for r in rows] == [
        ("95", "%", "atLeast", "2030"),
        ("20", "%", "equal", "2030"),
    ]
    assert rows[1]["change"] == "increase" and rows[1]["baseline_year"] == "2025"
    assert rows[0]["metric"] == "乡村数字基础设施覆盖率"
