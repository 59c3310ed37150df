from __future__ import annotations

import pytest

from kg.errors import KGError
from kg.lexicon import anchor_scorer, content_words, en_marker, load, zh_marker, zh_number


def test_bundled_lexicon_has_terms_and_glossary(lex):
    assert lex.forms["北斗"].classes == ("Technology",)
    assert lex.forms["党中央"] is lex.forms["中共中央"]  # a variant maps to its canonical term
    assert lex.en_forms["beidou"].key == "北斗"
    assert lex.gloss["平台"] == "platform"


def test_translate_composes_from_glossary_and_says_when_it_cannot(lex):
    assert lex.translate("国家数据资源库") == ("national data repositories", True)
    text, complete = lex.translate("国家魑魅平台")
    assert not complete and "魑魅" in text and text.startswith("national")


def test_malformed_rows_name_their_line(tmp_path):
    p = tmp_path / "lex.tsv"
    p.write_text("# comment\n北斗\tBeiDou\tTechnology\n坏行\n", encoding="utf-8")
    with pytest.raises(KGError, match=r"lex.tsv:3"):
        load(p)
    p.write_text("北斗\tBeiDou\ttechnology\n", encoding="utf-8")
    with pytest.raises(KGError, match="not a class name"):
        load(p)
    p.write_text("北斗\tBeiDou\tTechnology\n北斗\tBeidou\tTechnology\n", encoding="utf-8")
    with pytest.raises(KGError, match="already defined"):
        load(p)


def test_a_term_may_carry_several_classes(tmp_path):
    p = tmp_path / "lex.tsv"
    p.write_text("北斗\tBeiDou\tTechnology|Organization\n", encoding="utf-8")
    assert load(p).forms["北斗"].classes == ("Technology", "Organization")


def test_numerals_and_markers():
    assert [zh_number(x) for x in ("一", "两", "十", "十二", "二十", "二十三", "7", "abc")] == [
        1,
        2,
        10,
        12,
        20,
        23,
        7,
        0,
    ]
    assert zh_marker("三是打造自信繁荣的数字文化") == 3
    assert zh_marker("十一是加强") == 11
    assert zh_marker("是一") == 0
    assert en_marker("Secondly, smooth the circulation")[0] == 2
    assert en_marker("The second is to build a barrier")[0] == 2
    assert en_marker("One is to build")[0] == 1
    assert en_marker("Firstborn") == (0, 0)


def test_anchor_scorer_rewards_shared_anchors(lex):
    score = anchor_scorer(lex)
    zh = "一是加快5G网络与千兆光网协同建设,大力推进北斗规模应用"
    assert score(zh, "First, accelerate the 5G network and gigabit optical network, promote Beidou") > score(
        zh, "Second, improve the rules and regulations"
    )


def test_content_words_ignore_stopwords_and_stem():
    assert content_words("the national platforms of data") == {"natio", "platf", "data"}
