from __future__ import annotations

import pytest
from rdflib import RDF, RDFS, Namespace, URIRef

from kg import graph
from kg.build import read_documents
from kg.errors import KGError
from kg.namespaces import ONTOLOGY_NS

ONT = Namespace(ONTOLOGY_NS)


def test_one_named_graph_per_document_and_shared_entities_merge(plan_path, second_plan_path, frameworks):
    docs = read_documents([plan_path, second_plan_path])
    ds = graph.build(docs, frameworks).rdflib()
    named = {str(g.identifier): g for g in ds.graphs() if len(g)}
    assert set(named) == {
        "https://w3id.org/digital-china-kg/id/digital-china-overall-layout-plan/graph",
        "https://w3id.org/digital-china-kg/id/sci-tech-innovation-13th-fyp/graph",
    }
    state_council = URIRef("https://w3id.org/digital-china-kg/id/entity/国务院")
    holders = [g for g in named.values() if (state_council, RDF.type, ONT.Organization) in g]
    assert len(holders) == 2  # the same IRI in both documents' graphs
    plans = {p for g in named.values() for p in g.subjects(ONT.issuedBy, state_council)}
    assert len(plans) == 2


def test_base_iri_is_configurable_and_checked(facts, frameworks):
    ds = graph.build([facts], frameworks, base="https://example.org/kg").rdflib()
    subjects = {str(s) for s, _, _, _ in ds.quads()}
    assert "https://example.org/kg/digital-china-overall-layout-plan/plan" in subjects
    with pytest.raises(KGError, match="--base"):
        graph.build([facts], frameworks, base="not an iri")


def test_iri_part_escapes_only_what_it_must():
    assert graph.iri_part("国家智慧教育平台") == "国家智慧教育平台"
    assert graph.iri_part("a b/c#d") == "a%20b%2Fc%23d"


def test_units_link_to_provenance_with_text_offsets_and_english(facts, frameworks):
    ds = graph.build([facts], frameworks).rdflib()
    g = next(g for g in ds.graphs() if len(g))
    task = URIRef("https://w3id.org/digital-china-kg/id/digital-china-overall-layout-plan/task/1-1")
    assert (ONT.DigitalInfrastructure, ONT.hasTask, task) in g
    seg = g.value(task, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))
    start, end = int(g.value(seg, ONT.startOffset)), int(g.value(seg, ONT.endOffset))
    assert facts.text[start:end] == str(g.value(seg, ONT.zhText)) == "打通数字基础设施大动脉"
    assert str(g.value(seg, ONT.enText)).startswith("First, open the digital infrastructure arteries")
    assert int(g.value(seg, ONT.paragraph)) == 7
    goal = URIRef("https://w3id.org/digital-china-kg/id/digital-china-overall-layout-plan/goal/2035")
    assert str(g.value(goal, ONT.targetYear)) == "2035"


def test_every_individual_has_both_labels_for_a_bilingual_plan(facts, frameworks):
    ds = graph.build([facts], frameworks).rdflib()
    g = next(g for g in ds.graphs() if len(g))
    from rdflib import OWL

    for node in set(g.subjects(RDF.type, OWL.NamedIndividual)):
        langs = {lit.language for lit in g.objects(node, RDFS.label)}
        assert {"zh", "en"} <= langs, node


def test_chinese_only_units_get_no_invented_english(second_facts, frameworks):
    ds = graph.build([second_facts], frameworks).rdflib()
    g = next(g for g in ds.graphs() if len(g))
    task = URIRef("https://w3id.org/digital-china-kg/id/sci-tech-innovation-13th-fyp/task/1-2")
    labels = {lit.language: str(lit) for lit in g.objects(task, RDFS.label)}
    assert set(labels) == {"zh"}
    assert g.value(task, ONT.labelSource) is None
