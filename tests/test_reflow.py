"""A hard-wrapped report (text copied out of a PDF) is read as the report it is."""

from __future__ import annotations

from pdf_wrap import wrap_chinese as _wrap_chinese
from pdf_wrap import wrap_english as _wrap_english

from kg.build import read_documents
from kg.normalise import normalise
from kg.reflow import breaks, reflow


def test_a_report_as_published_is_left_as_it_is(plan_path, second_plan_path, english_only, chinese_only):
    for path in (plan_path, second_plan_path, english_only, chinese_only):
        text = normalise(path.read_text(encoding="utf-8"))
        assert breaks(text) == [] and reflow(text).text == text, path.name


def test_every_character_read_is_traced_to_its_place_in_the_file():
    """The text read is as long as the text given; each of its characters is the one at the
    place Reflowed gives in the text given, but the spaces the line breaks (and the page
    furniture inside a paragraph) became; no other character is lost or added."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    words = ["数字经济", "，", "。", "一、", "（二）", "13.5", "%", "the plan ", "develop", ". ", "\n", "\r\n", "  "]
    pieces = st.sampled_from(words)

    @settings(max_examples=300, deadline=None)
    @given(st.lists(pieces, max_size=300), st.integers(4, 40))
    def check(parts, width):
        text = "".join(parts)
        wrapped = _wrap_chinese(text, width) if width % 2 else _wrap_english(text, width + 20)
        for t in (text, wrapped):
            read = reflow(t)
            assert len(read.text) == len(t)
            if all(join.next == join.line + 1 for join in breaks(t)):  # no page furniture dropped
                assert "".join(read.text.split()) == "".join(t.split())
            for q, ch in enumerate(read.text):
                a, b = read.source_span(q, q + 1)
                if ch != " ":
                    assert t[a:b] == ch, (q, ch)

    check()


def test_a_wrapped_english_report_reads_as_published(english_only, tmp_path):
    wrapped = tmp_path / "wrapped.en.txt"  # beside english_only's plan.en.txt
    wrapped.write_text(_wrap_english(english_only.read_text(encoding="utf-8")), encoding="utf-8")
    plain, f = read_documents([english_only])[0], read_documents([wrapped])[0]
    assert f.plan.title_en == plain.plan.title_en and f.plan.issuers == plain.plan.issuers
    assert [t.en for t in f.of_kind("Task")] == [t.en for t in plain.of_kind("Task")]
    assert len(f.of_kind("Measure")) == len(plain.of_kind("Measure"))
    assert sorted(g.year for g in f.of_kind("Goal")) == sorted(g.year for g in plain.of_kind("Goal"))
    # The facts point at the file as it is: its line breaks where the reader read spaces.
    text = wrapped.read_text(encoding="utf-8")
    for seg in f.segments.values():
        assert text[seg.start : seg.end] == seg.text


def test_a_wrapped_chinese_report_keeps_its_structure(chinese_only, tmp_path):
    wrapped = tmp_path / "wrapped.zh.txt"  # beside chinese_only's plan.zh.txt
    wrapped.write_text(_wrap_chinese(chinese_only.read_text(encoding="utf-8")), encoding="utf-8")
    plain, f = read_documents([chinese_only])[0], read_documents([wrapped])[0]
    assert f.plan.title_zh == plain.plan.title_zh and f.plan.issuers == plain.plan.issuers
    assert len(f.of_kind("Task")) == len(plain.of_kind("Task"))
    assert sorted(g.year for g in f.of_kind("Goal")) == sorted(g.year for g in plain.of_kind("Goal"))
    assert [m.zh for m in f.of_kind("Measure")] == [m.zh for m in plain.of_kind("Measure")]
    assert [i.value for i in f.indicators] == [i.value for i in plain.indicators]
    # The facts point at the file as it is: the line breaks inside a sentence in its text.
    text = wrapped.read_text(encoding="utf-8")
    for seg in f.segments.values():
        assert text[seg.start : seg.end] == seg.text
    assert any("\n" in seg.text for seg in f.segments.values())


def test_a_heading_an_item_an_indented_line_or_the_other_language_opens_a_paragraph():
    full = "数" * 36  # a line as wide as the page
    text = "\n".join(
        [full, full, "（二）" + "据" * 33, full, "\u3000\u3000" + "字" * 34, full, full,
         "Build a digital infrastructure that is efficient, connected and secure,", full, "数" * 35 + "。"]
    )  # fmt: skip
    joined = {join.line for join in breaks(normalise(text))}  # the lines joined to the next
    # Not 1 (an item follows), 3 (an indented line follows), 6 (English follows) nor 7 (an
    # English line, before a Chinese one).
    assert joined == {0, 2, 4, 5, 8}


def test_a_page_number_or_running_head_inside_a_paragraph_is_read_past(chinese_only, tmp_path):
    """A PDF's page break puts its number and running head between two lines of a paragraph:
    the paragraph is read whole across them, and its sentences' text in the file holds them."""
    lines = _wrap_chinese(chinese_only.read_text(encoding="utf-8")).splitlines()
    paged: list[str] = []
    for k, line in enumerate(lines):
        paged.append(line)
        if k % 12 == 11:
            paged += [f"— {k // 12 + 1} —", "", "国务院公报 2023年第8号"]
    wrapped = tmp_path / "paged.zh.txt"
    wrapped.write_text("\n".join(paged) + "\n", encoding="utf-8")
    plain, f = read_documents([chinese_only])[0], read_documents([wrapped])[0]
    assert f.plan.title_zh == plain.plan.title_zh and f.plan.issuers == plain.plan.issuers
    assert [m.zh for m in f.of_kind("Measure")] == [m.zh for m in plain.of_kind("Measure")]
    assert [i.value for i in f.indicators] == [i.value for i in plain.indicators]
    text = wrapped.read_text(encoding="utf-8")
    assert all(text[seg.start : seg.end] == seg.text for seg in f.segments.values())
    assert any("国务院公报" in seg.text for seg in f.segments.values())


def test_a_chinese_text_spaced_about_its_latin_words_and_numbers_reads_as_one_not(chinese_only, tmp_path):
    """Some pages set a space between a Chinese character and a Latin word or a number
    (到 2025 年, 推进 IPv6 部署): the reader reads them closed up, and each segment's text
    in the file keeps them."""
    import re

    text = chinese_only.read_text(encoding="utf-8")
    spaced = re.sub(r"([\u4e00-\u9fff])([A-Za-z0-9])", r"\1 \2", text)
    spaced = re.sub(r"([A-Za-z0-9%])([\u4e00-\u9fff])", r"\1 \2", spaced)
    assert "到 2025 年" in spaced
    path = tmp_path / "spaced.zh.txt"
    path.write_text(spaced, encoding="utf-8")
    plain, f = read_documents([chinese_only])[0], read_documents([path])[0]
    assert sorted(g.year for g in f.of_kind("Goal")) == sorted(g.year for g in plain.of_kind("Goal"))
    assert [m.zh for m in f.of_kind("Measure")] == [m.zh for m in plain.of_kind("Measure")]
    assert [i.value for i in f.indicators] == [i.value for i in plain.indicators]
    assert sorted(f.entities) == sorted(plain.entities)
    assert all(spaced[seg.start : seg.end] == seg.text for seg in f.segments.values())
