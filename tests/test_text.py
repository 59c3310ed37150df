from __future__ import annotations

import json

import pytest

from kg.errors import KGError
from kg.text import RESERVED_IDS, Span, align, language, read_text, segment, slug_for, split_clauses, split_sentences


def test_read_text_strips_bom(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes("\ufeff《规划》指出,要加强。".encode())
    assert read_text(p) == "《规划》指出,要加强。"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"  \n\t\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("中共中央、国务院印发《数字中国建设整体布局规划》".encode("gbk"), "GB18030"),
    ],
)
def test_read_text_refuses_what_is_not_a_plan_text(tmp_path, content, message):
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    with pytest.raises(KGError, match=message):
        read_text(p)


def test_read_text_missing_and_directory(tmp_path):
    with pytest.raises(KGError, match="no such file"):
        read_text(tmp_path / "nope.txt")
    with pytest.raises(KGError, match="directory"):
        read_text(tmp_path)


def test_language():
    assert language("《规划》指出,要夯实数字中国建设基础。推进IPv6规模部署") == "zh"
    assert language("The Plan points out that the foundation should be consolidated.") == "en"
    assert language("2025 — 2035") == ""


def test_an_id_kg_names_under_the_base_itself_is_not_a_documents():
    """A report named for what kg mints directly under the base IRI (the entities, the
    dataset, the inferred graph) gets another id: its nodes would be among those."""
    from kg import check, graph, void

    base = "https://example.org/id/"
    minted = {graph._Builder(base, ()).entity_iri("x").value[len(base) :].split("/")[0],
              void.dataset_iri(base).value[len(base) :], check.INFERRED_GRAPH}  # fmt: skip
    assert minted == set(RESERVED_IDS)
    for name in minted:
        assert slug_for(f"reports/{name}.zh.txt") == f"{name}-report"
    assert slug_for("reports/entity-list.txt") == "entity-list"


def test_slug_drops_language_tags():
    assert slug_for("corpus/digital-china-overall-layout-plan.zh-en.txt") == "digital-china-overall-layout-plan"
    assert slug_for("x/sci-tech-innovation-13th-fyp.zh.txt") == "sci-tech-innovation-13th-fyp"


def test_chinese_sentences_and_clauses_keep_exact_offsets():
    text = "前言。《规划》提出，到2025年，基本形成格局；数字中国建设取得进展。“清朗”、“净网”系列行动！"
    span = Span(0, len(text), text)
    sentences = split_sentences(span, "zh")
    assert [s.text for s in sentences] == [
        "前言。",
        "《规划》提出，到2025年，基本形成格局；数字中国建设取得进展。",
        "“清朗”、“净网”系列行动！",
    ]
    for s in sentences:
        assert text[s.start : s.end] == s.text
    clauses = split_clauses(sentences[1], "zh")
    assert [c.text for c in clauses] == ["《规划》提出", "到2025年", "基本形成格局", "数字中国建设取得进展"]
    for c in clauses:
        assert text[c.start : c.end] == c.text


def test_ascii_and_full_width_punctuation_split_alike():
    ascii_ = "加快5G网络建设,深入推进IPv6规模部署;推进移动物联网发展."
    full = "加快5G网络建设，深入推进IPv6规模部署；推进移动物联网发展。"
    a = [c.text for c in split_clauses(Span(0, len(ascii_), ascii_), "zh")]
    b = [c.text for c in split_clauses(Span(0, len(full), full), "zh")]
    assert a == b == ["加快5G网络建设", "深入推进IPv6规模部署", "推进移动物联网发展"]


def test_english_sentences_respect_abbreviations_and_quotes():
    text = 'It issued the "Plan", i.e., a notice. Second, build it. The U.S. side agreed. Done'
    got = [s.text for s in split_sentences(Span(0, len(text), text), "en")]
    assert got == ['It issued the "Plan", i.e., a notice.', "Second, build it.", "The U.S. side agreed.", "Done"]


def test_clause_breaks_are_not_taken_inside_quotes_or_title_marks():
    text = "发挥《规划，纲要》作用,推进“清朗,净网”行动"
    assert [c.text for c in split_clauses(Span(0, len(text), text), "zh")] == [
        "发挥《规划，纲要》作用",
        "推进“清朗,净网”行动",
    ]


def test_layouts():
    assert segment("中文段落。\nAn English paragraph.\n第二段。\nSecond one.").layout == "zh-en"
    assert segment("中文段落。\n第二段。").layout == "zh"
    assert segment("An English paragraph.\nAnother.").layout == "en"
    assert segment("中文段落。\nAn English paragraph.\n第二段。").layout == "mixed"


def test_alignment_is_not_one_to_one(plan_path):
    doc = segment(read_text(plan_path), str(plan_path))
    framework = next(p for p in doc.paragraphs if "2522" in p.span.text)
    # One Chinese sentence, two English sentences in the machine translation.
    assert len(framework.sentences) == 1 and len(framework.translation.sentences) == 2
    assert len(framework.sentences[0].en) == 2
    # Every Chinese sentence of a translated paragraph gets English, in order.
    for p in doc.paragraphs:
        ends = [s.en[-1].end for s in p.sentences]
        assert all(s.en for s in p.sentences)
        assert ends == sorted(ends)
    # The enumerated task sentences align with their English ordinals.
    p = next(p for p in doc.paragraphs if "一是做强做优做大数字经济" in p.span.text)
    for s in p.sentences:
        if s.span.text.startswith("三是"):
            assert s.en_text.startswith("Third")


def test_align_handles_empty_sides():
    a = [Span(0, 2, "一二")]
    assert align(a, []) == [([0], [])]
    assert align([], a) == [([], [0])]


def _spans(texts: list[str]) -> list[Span]:
    out, pos = [], 0
    for t in texts:
        out.append(Span(pos, pos + len(t), t))
        pos += len(t) + 1
    return out


def test_a_long_paragraph_aligns_along_its_diagonal():
    """1,500 sentence pairs in one paragraph: the banded programme still finds the 1:1
    path (the full table took 54 s and 350 MB here; the band keeps it linear)."""
    import random

    rng = random.Random(7)
    lengths = [rng.randint(8, 40) for _ in range(1500)]
    zh = _spans(["字" * k for k in lengths])
    en = _spans(["word " * (k // 2 + 1) for k in lengths])
    beads = align(zh, en)
    assert beads == [([i], [i]) for i in range(1500)]


def test_the_band_finds_what_the_full_table_finds():
    """On paragraphs of up to 80 units, with noise in the lengths, the banded programme
    gives the same alignment as the full table."""
    import random

    rng = random.Random(11)
    for _ in range(40):
        m = rng.randint(1, 80)
        n = max(1, m + rng.randint(-3, 3))
        zh = _spans(["字" * rng.randint(2, 40) for _ in range(m)])
        en = _spans(["w " * rng.randint(1, 25) for _ in range(n)])
        assert align(zh, en) == align(zh, en, band=None)


# -- English reading in linear time (the hardening issue's attacks) ------------------------

import re  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from kg import text as text_module  # noqa: E402


def _sentence_break_by_slices(text: str, i: int) -> bool:
    """The slicing form _en_sentence_break replaced (quadratic in a line's periods)."""
    ch = text[i]
    if ch not in ".!?":
        return False
    if not re.match(r"[\"'”’)]*\s+[\"“(]?[A-Z0-9]", text[i + 1 :]):
        return False
    if ch == ".":
        word = re.search(r"([A-Za-z.]+)$", text[:i])
        if word and (word.group(1).lower() in text_module.EN_ABBREVIATIONS or len(word.group(1)) == 1):
            return False
    return True


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='ab.!? "”)(AZ09eg', max_size=30))
def test_a_sentence_break_is_what_the_slicing_form_found(line):
    for i in range(len(line)):
        assert text_module._en_sentence_break(line, i) == _sentence_break_by_slices(line, i), (line, i)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["of", "the", "in", "and", "data", "Small", "G20", "x-y", "(of", "data-of", ",", "\n"]),
                max_size=12).map(" ".join))  # fmt: skip
def test_a_list_opening_is_found_at_the_end_as_in_the_whole_clause(clause):
    whole = text_module._LIST_OPENS.search(clause)
    end = text_module._LIST_OPENS.search(text_module._last_words(clause, 5))
    assert (whole and whole.group(1)) == (end and end.group(1)), clause
    assert bool(whole) == bool(end)


def test_a_long_clause_is_searched_only_at_its_end(monkeypatch):
    seen = []
    real = text_module._LIST_OPENS

    class Recorder:
        def search(self, s):
            seen.append(len(s))
            return real.search(s)

    monkeypatch.setattr(text_module, "_LIST_OPENS", Recorder())
    clause = "We will develop " + "data " * 4000 + "of the x"
    sentence = Span(0, len(clause), clause)
    text_module._join_word_lists(sentence, [sentence])
    assert seen and max(seen) < 40


def test_a_line_of_many_english_sentences_and_a_long_clause_build(tmp_path):
    """The attacks: a line full of periods ("We will do A." 6,000 times took 243 s: one
    sentence, as "A." is an initial, and one clause whose list search grew with the square
    of its length; 8,000 times here), and a clause of 4,000 words (10 s). Both now build;
    a line of 6,000 real sentences is read as 6,000."""
    from conftest import run_kg_process

    title = "The State Council issued the Digital Economy Plan.\n"
    periods = tmp_path / "periods.txt"
    periods.write_text(title + "We will do A. " * 8000 + "\n", encoding="utf-8")
    long_clause = tmp_path / "clause.txt"
    long_clause.write_text(title + "We will develop " + "data " * 4000 + "x, and more.\n", encoding="utf-8")
    for path in (periods, long_clause):
        result = run_kg_process("build", "--skip-checks", "-q", "--out", str(tmp_path / path.stem), str(path))
        assert result.returncode == 0, result.stderr
    document = segment(title + "We will act now. " * 6000 + "\n", "sentences.txt")
    assert [len(p.sentences) for p in document.paragraphs] == [1, 6000]


def _split_by_characters(text, offset, is_break):
    """The loop over every character that _split replaced."""
    spans = []
    depth, quote, start = 0, False, 0
    for i, ch in enumerate(text):
        if ch in text_module.OPENERS:
            depth += 1
        elif ch in text_module.CLOSERS:
            depth = max(0, depth - 1)
        elif ch == '"':
            quote = not quote
        if depth == 0 and not quote and is_break(text, i):
            spans.append(text_module._trim(text, start, i + 1, offset))
            start = i + 1
    spans.append(text_module._trim(text, start, len(text), offset))
    return [s for s in spans if s.text]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="数据。！？!?.,，;；:：“”《》（）()\"' Aa1 etc\n", max_size=40), st.sampled_from(["zh", "en"]))
def test_sentences_and_clauses_split_as_the_loop_over_every_character(line, lang):
    span = Span(5, 5 + len(line), line)
    brk = text_module._zh_sentence_break if lang == "zh" else text_module._en_sentence_break
    assert split_sentences(span, lang) == _split_by_characters(line, 5, brk)
    breaks = text_module.ZH_CLAUSE_BREAK if lang == "zh" else text_module.EN_CLAUSE_BREAK

    def clause_break(t, i):
        return t[i] in breaks and not (lang == "en" and text_module._ETC.match(t, i + 1))

    assert text_module._split(line, 5, clause_break, breaks) == _split_by_characters(line, 5, clause_break)


def test_a_sentence_naming_terms_many_times_builds(tmp_path):
    """The attack: one sentence of many clauses, read as one unit, each clause naming a
    lexicon term. Each term found was checked against every one found in the unit before:
    20,000 Chinese clauses took 36 s to build and 40,000 English ones 66 s, growing with the
    square (the 80,000 and 100,000 here would take ~580 s and ~410 s, past the 300 s the
    subprocess is given). Now ~8 s and ~6 s (kg.extract.coverage)."""
    from conftest import run_kg_process

    zh = tmp_path / "zh.txt"
    zh.write_text("中共中央、国务院印发《数字经济发展规划》。\n一、重点任务\n（一）建设数字基础设施。一是"
                  + "加强数据建设，" * 80000 + "完善平台。\n", encoding="utf-8")  # fmt: skip
    en = tmp_path / "en.txt"
    en.write_text("The State Council issued the Digital Economy Plan.\nFirst, we will strengthen "
                  + "data security, " * 100000 + "and more.\n", encoding="utf-8")  # fmt: skip
    for path in (zh, en):
        result = run_kg_process("build", "--skip-checks", "-q", "--out", str(tmp_path / path.stem), str(path))
        assert result.returncode == 0, result.stderr
        summary = json.loads((tmp_path / path.stem / "summary.json").read_text(encoding="utf-8"))
        assert summary["classes"]["(named entities)"] >= 1, summary["classes"]  # the term was found


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(1, 8)), max_size=30))
def test_coverage_answers_as_the_scans_it_replaced(intervals):
    """kg.extract.coverage against the scans over every interval taken that it replaced:
    Disjoint (overlap, and the interval that holds another) and Nested (held by any)."""
    from kg.extract.coverage import Disjoint, Nested

    disjoint, taken = Disjoint(40), []
    nested, seen = Nested(), []
    for start, length in sorted(intervals, key=lambda x: -x[1]):  # longest first, as the reader adds them
        end = start + length
        overlaps = any(start < b and a < end for a, b in taken)
        assert disjoint.overlaps(start, end) == overlaps
        holders = [(a, b) for a, b in taken if a <= start and end <= b]
        assert disjoint.holder(start, end) == (holders[0] if holders else None)
        if not overlaps:
            disjoint.add(start, end)
            taken.append((start, end))
        assert nested.holds(start, end) == any(a <= start and end <= b for a, b in seen)
        nested.add(start, end)
        seen.append((start, end))


def test_a_sentence_of_thousands_of_names_builds(tmp_path):
    """The attack: one bilingual sentence naming 2,000 platforms. Every name searched every
    window of the English for its translation: 400 names took 22 s to read, growing with
    names × words (2,000 would take ~9 minutes). Now each name looks near its proportional
    place (kg.extract.entities.WINDOW_BAND): ~4 s."""
    from conftest import run_kg_process

    digits = "零一二三四五六七八九"
    names = ["".join(digits[int(c)] for c in str(i)) + "号数据交易平台" for i in range(2000)]
    path = tmp_path / "names.txt"
    path.write_text(
        "中共中央、国务院印发《数字经济发展规划》\nThe CPC Central Committee and the State Council issued the Digital"
        " Economy Plan\n《规划》指出，要夯实数字基础。一是建设" + "、".join(names) + "。\nThe Plan points out that we"
        " should consolidate the digital foundation. First, build "
        + ", ".join(f"data trading platform number {i}" for i in range(2000)) + ".\n",
        encoding="utf-8",
    )  # fmt: skip
    result = run_kg_process("build", "--skip-checks", "-q", "--out", str(tmp_path / "out"), str(path))
    assert result.returncode == 0, result.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["classes"]["Platform"] == 2000


def _windows_of_every_window(names, en, lex):
    """The search english_windows replaced: every window of the sentence for every name."""
    from kg.extract.entities import EN_HEADS, EN_STOPWORDS
    from kg.lexicon import content_words

    words = re.findall(r"[A-Za-z][A-Za-z'-]*|\d+", en)
    candidates = []
    for name in names:
        want = content_words(lex.translate(name)[0])
        suffix = next((sfx for sfx in sorted(EN_HEADS, key=len, reverse=True) if name.endswith(sfx)), "")
        heads = EN_HEADS.get(suffix, ())
        if not want:
            continue
        for i in range(len(words)):
            for j in range(i + 1, min(len(words), i + len(want) + 5) + 1):
                window = words[i:j]
                if heads and not any(w.lower().startswith(heads) for w in window):
                    continue
                if window[0].lower() in EN_STOPWORDS or window[-1].lower() in EN_STOPWORDS:
                    continue
                have = content_words(" ".join(window))
                score = len(want & have) / len(want | have) if have else 0.0
                if score >= 0.4:
                    candidates.append((-score, j - i, i, name, j))
    chosen, taken = {}, []
    for _, _, i, name, j in sorted(candidates):
        if name in chosen or any(i < b and a < j for a, b in taken):
            continue
        chosen[name] = " ".join(words[i:j])
        taken.append((i, j))
    return chosen


_LEX = None
_NAMES = ["数据交易平台", "算力中心", "国家数据局", "数字政府平台", "公共服务体系", "数据中心"]
_WORDS = ["data", "trading", "platform", "national", "computing", "power", "center", "the", "of", "and", "digital",
          "government", "public", "service", "system", "bureau", "1"]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_NAMES), max_size=6), st.lists(st.sampled_from(_WORDS), max_size=60))
def test_name_windows_are_those_of_every_window(names, words):
    """Within WINDOW_BAND words a sentence is searched whole: english_windows (each window
    grown a word at a time, a longer window that scores no better left out) chooses what
    the search of every window chose."""
    global _LEX
    from kg import lexicon, resources
    from kg.extract.entities import english_windows

    _LEX = _LEX or lexicon.load(resources.lexicon_file())
    en = " ".join(words)
    placed = [(4 * k, name) for k, name in enumerate(names)]
    assert english_windows(placed, 4 * len(names) + 1, en, _LEX) == _windows_of_every_window(names, en, _LEX)


_READ_ATTACKS = """
import sys
from kg import framework, lexicon, resources
from kg.corpus import read_content
lex = lexicon.load(resources.lexicon_file())
read = lambda text: read_content(text, "attack.txt", lex, framework.load(resources.ontology_file()),
                                 lexicon.anchor_scorer(lex))
digits = "零一二三四五六七八九"
number = lambda i: "".join(digits[int(c)] for c in str(i))
tasks = read("中共中央、国务院印发《数字经济发展规划》\\n《规划》指出，要夯实数字基础。一是建设数字基础设施。"
             + "".join(f"{'一二三四五六七八九'[i % 9]}是建设平台{number(i)}。加强数据建设。"
                       for i in range(12000)) + "\\n")
targets = read("The State Council issued the Digital Economy Plan.\\nBy 2025, "
               + ", ".join(f"the share of item {i} will reach {i}%" for i in range(16000)) + ".\\n")
head = "中共中央、国务院印发《数字经济发展规划》\\n《规划》指出，要夯实数字基础。一是建设数字基础设施。"
path = read(head + "按照" * 100000 + "建设平台。二是发展数字经济。\\n")
aspects = read(head + "从" * 50000 + "建设平台。二是发展数字经济。\\n")
clauses = read(head + "加强数据建设，" * 3000 + "完善平台。二是发展数字经济。\\n")
bilingual = read("中共中央、国务院印发《数字经济发展规划》\\nThe CPC Central Committee and the State Council issued the"
                 " Digital Economy Plan\\n《规划》指出，要夯实数字基础。一是建设数字基础设施。"
                 + "".join(f"加强数据建设{number(i)}，" for i in range(14000)) + "完善平台。二是发展数字经济。\\n"
                 "The Plan points out that we should consolidate the digital foundation. First, build digital"
                 " infrastructure. " + "".join(f"strengthen data construction {i}, " for i in range(14000))
                 + "and improve platforms. Second, develop the digital economy.\\n")
print(len(tasks.of_kind("Task")), len(tasks.of_kind("Measure")), len(targets.indicators),
      len(path.of_kind("Task")), len(aspects.of_kind("Task")), len(clauses.of_kind("Measure")),
      sum(bool(u.en) for u in bilingual.of_kind("Measure")))
"""


def test_a_paragraph_of_many_lists_and_a_sentence_of_many_targets_read_in_linear_time():
    """The attacks, read in a process of their own given 150 s: a paragraph that repeats
    一是 … 九是 (each list took the rest of the paragraph into its last item, and all of it
    before as its heading: 4,000 items took 57 s, the 12,000 here ~510 s), and an English
    sentence of 16,000 targets (each read all the text before it: 4,000 took 26 s, these
    ~410 s). Now ~2 s and ~3 s. Every list item is a task with its one measure. And the
    hardening issue's 按照 × 100,000 (154 s), 从 × 50,000 (50 s) and a task of 3,000 clauses
    (over 240 s) in a task of a plan: under a second each. And a bilingual task sentence of
    14,000 clauses: each measure read every bead of the sentence's alignment and all its
    quotes (2,000 took 2.4 s, growing with the square: these ~120 s); now ~7 s."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", _READ_ATTACKS], capture_output=True, text=True, timeout=150)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["12000", "12000", "16000", "2", "2", "3002", "14002"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="《》年x", max_size=30), st.lists(st.integers(0, 30), max_size=8))
def test_in_title_is_what_reading_all_the_text_before_found(text, offsets):
    from kg.extract.goals import _in_title

    inside = _in_title(text)
    for at in sorted(set(min(o, len(text)) for o in offsets)):
        before = text[:at]
        assert inside(at) == ("《" in before and "》" not in before.rsplit("《", 1)[-1])
