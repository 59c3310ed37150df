"""The language rule sets: each language answers the genre's small forms its own way, and
the phases take every language-specific reading from the document's rule set."""

from __future__ import annotations

import dataclasses

import pytest

from kg import framework, genre, lexicon, resources
from kg.extract import extract, rules
from kg.extract.language import Chinese, English
from kg.normalise import normalise
from kg.text import segment

VOCAB = genre.load()
ZH, EN = Chinese(VOCAB), English(VOCAB)


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        (ZH, "三是加快建设", (3, 2)),
        (ZH, "第十，完善机制", (10, 3)),
        (ZH, "是加快建设", (0, 0)),
        (EN, "Second, build networks", (2, 8)),
        (EN, "Secondly, build", (2, 10)),
        (EN, "Second-hand cars sell", (0, 0)),
    ],
)
def test_list_markers(lang, text, expected):
    assert lang.marker_at(text) == expected


def test_inline_markers_stand_after_the_languages_own_breaks():
    text = "部署三方面任务：一是建设；二是发展"
    assert [text[k : k + 2] for k in ZH.inline_marker_starts(text)] == ["一是", "二是"]
    en = "It has three parts, the first is A, and the second is B"
    assert [en[k : k + 9] for k in EN.inline_marker_starts(en)] == ["the first", "the secon"]
    assert EN.inline_marker_starts(text) == []


def test_leads_counts_and_joins():
    assert ZH.heading_lead("要加快建设数字中国") == 1 and ZH.heading_lead("要求") == 0
    assert EN.heading_lead("The plan stresses the need to build roads") == len("The plan stresses the need to ")
    assert EN.item_lead("to build roads") == 3 and ZH.item_lead("to build") == 0
    assert ZH.stated_count("部署了九方面重点任务") == 9 and EN.stated_count("nine tasks") == 0
    assert ZH.joins_next("在农业领域") and not ZH.joins_next("加快建设")
    assert EN.guarantee_heading("", "Safeguards for implementation") and not ZH.guarantee_heading("", "保障")
    assert ZH.labels("数字中国") == {"zh": "数字中国", "en": ""}
    assert EN.labels("Digital China") == {"zh": "", "en": "Digital China"}


def test_rule_set_follows_the_main_language():
    assert rules.for_layout("en") is rules.ENGLISH
    assert rules.for_layout("zh") is rules.for_layout("zh-en") is rules.CHINESE


def test_phases_read_through_the_rule_set(monkeypatch):
    """Replacing a reader in the rule set changes what the phase finds: the phases hold no
    language rules of their own."""
    text = "国务院印发《示例规划》。《规划》提出，到2030年，覆盖率达到95%以上。"
    doc = segment(normalise(text), "x.txt", source=text)
    lex = lexicon.load(resources.lexicon_file())
    fws = framework.load(resources.ontology_file())
    facts = extract(doc, lex, fws, text.encode())
    assert facts.plan.title_zh == "示例规划" and [g.year for g in facts.of_kind("Goal")] == [2030]

    def no_goals(ctx):
        ctx.facts.notes.append("goals skipped")

    monkeypatch.setitem(rules.RULES, "zh", dataclasses.replace(rules.CHINESE, goals=no_goals))
    facts = extract(doc, lex, fws, text.encode())
    assert facts.of_kind("Goal") == [] and "goals skipped" in facts.notes
