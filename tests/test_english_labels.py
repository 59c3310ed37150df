"""English that matches the source: one English clause per measure, lists not cut, official names."""

from __future__ import annotations

import re
from collections import Counter

from conftest import read_plan

from kg.extract.english import split_english
from kg.text import Span, split_clauses

KINDS = ("Task", "Measure", "Goal", "Target", "Guarantee")
DANGLING = re.compile(r"\b(?:of|and|the|to|in|for|with|a|an|by|on|or)$", re.IGNORECASE)


def test_no_english_label_is_shared_or_cut_off(facts):
    units = [u for u in facts.units if u.kind in KINDS]
    assert len(units) == 163 and all(u.en for u in units)
    shared = Counter(u.en for u in units)
    assert [u.id for u in units if shared[u.en] > 1] == []  # was 9 (4 clauses, each on 2–3 measures)
    assert [u.id for u in units if DANGLING.search(u.en.rstrip(" .,;"))] == []  # was "…innovation of small"
    by_id = {u.id: u.en for u in units}
    assert by_id["task/2-1/measure/7"].endswith("of small, medium and large enterprises")
    assert by_id["guarantee/1/measure/10"] == "form a working force"
    assert by_id["guarantee/3/measure/3"].endswith("platform, etc")  # etc stays with its clause


def test_split_english_at_the_joins_before_verbs():
    text = "hold a series of events in the digital field, promote the concept of digitization, and create an atmosphere"
    assert split_english(text, [17, 10, 25]) == [
        "hold a series of events in the digital field",
        "promote the concept of digitization",
        "create an atmosphere",
    ]
    assert split_english("strengthen resource integration and synergy of forces to form a working force", [9, 6]) == [
        "strengthen resource integration and synergy of forces",
        "form a working force",
    ]
    assert split_english("the scale and quality of data resources", [5, 5]) is None  # no verb opens a clause


def test_a_list_of_single_words_is_one_phrase():
    text = "improve the mechanism of innovation of small, medium and large enterprises, play the role of cases"
    clauses = [c.text for c in split_clauses(Span(0, len(text), text), "en")]
    assert clauses == [
        "improve the mechanism of innovation of small, medium and large enterprises",
        "play the role of cases",
    ]
    text = "strengthen the coordination of legislation, study and formulate a plan"  # a verb: two clauses
    assert len(split_clauses(Span(0, len(text), text), "en")) == 2


def test_a_list_of_names_is_one_phrase():
    text = "join the Asian Development Bank, the World Bank, OECD and other lenders, train skilled staff"
    clauses = [c.text for c in split_clauses(Span(0, len(text), text), "en")]
    assert clauses == ["join the Asian Development Bank, the World Bank, OECD and other lenders", "train skilled staff"]
    # Words that are no names: a longer opener does not join them.
    text = "seek progress in a stable manner, complete, accurate and comprehensive implementation of the concept"
    assert len(split_clauses(Span(0, len(text), text), "en")) == 3
    text = "lay out disciplines in the field of digital, train innovative, application-oriented and complex talents"
    assert len(split_clauses(Span(0, len(text), text), "en")) == 3


def test_one_english_clause_per_measure_in_a_text_of_our_own(tmp_path):
    facts = read_plan(
        tmp_path,
        "国务院印发《城市数据发展规划》。\nThe State Council issued the Urban Data Development Plan.\n"
        "《规划》部署了两方面重点任务。一是加强数据安全保护，健全数据共享机制。二是建设城市数据平台，形成数据服务合力。\n"
        "The Plan deploys two key tasks. First, strengthen data security protection and improve the data sharing "
        "mechanism. Second, build an urban data platform to form a joint force of data services.\n",
        "bilingual.txt",
    )
    en = {u.zh: u.en for u in facts.units if u.kind == "Measure"}
    assert en["加强数据安全保护"] == "strengthen data security protection"
    assert en["健全数据共享机制"] == "improve the data sharing mechanism"
    assert en["建设城市数据平台"] == "build an urban data platform"
    assert en["形成数据服务合力"] == "form a joint force of data services"


def test_official_names_of_campaigns_and_bodies(facts):
    assert facts.entities["清朗"].en == "Qinglang" and facts.entities["净网"].en == "Jingwang"
    assert facts.entities["国家产融合作平台"].en == "National Industry-Finance Cooperation Platform"


def test_a_composed_label_the_aligned_text_does_not_bear_out_is_a_finding():
    from kg import build, check, rdf, resources

    data = build.dataset([resources.default_corpus()])
    full = rdf.Graph([*rdf.load_ontology(resources.ontology_file()), *data.union()])
    found = [f for f in check.sparql_checks(full) if f.path == "label-not-in-aligned-text"]
    assert [f.focus.rsplit("/", 1)[-1] for f in found] == ["数字领域合作平台"]  # "digital field cooperation platform"
    assert found[0].severity == "info"
