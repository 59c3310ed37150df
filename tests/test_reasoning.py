"""The ontology plus the extracted data is consistent under HermiT (owlready2)."""

from __future__ import annotations

import pytest

from kg import build, export, graph, resources

owlready2 = pytest.importorskip("owlready2")


def _reason(tmp_path, lexicon_path=None) -> int:
    """Load ontology + data as RDF/XML into a fresh owlready2 world and run HermiT."""
    ds = build.dataset([resources.default_corpus()], lexicon_path=lexicon_path)
    full = export.with_ontology(ds, graph.load_ontology(resources.ontology_file()))
    path = tmp_path / "full.rdf"
    path.write_bytes(export.serialize(full, "rdfxml"))
    world = owlready2.World()
    world.get_ontology(path.as_uri()).load()
    # xsd:gYear (targetYear) is outside the OWL 2 datatype map: HermiT treats its values as opaque.
    owlready2.sync_reasoner_hermit(world, debug=0, ignore_unsupported_datatypes=True)
    return len(list(world.individuals()))


def test_ontology_and_data_are_consistent(tmp_path):
    assert _reason(tmp_path) > 500


def test_the_ontology_alone_declares_the_required_terms():
    g = graph.load_ontology(resources.ontology_file())
    from rdflib import OWL, RDF, RDFS

    classes = {str(c).rsplit("#", 1)[-1] for c in g.subjects(RDF.type, OWL.Class)}
    required = {"Plan", "Pillar", "Foundation", "Domain", "Capability", "Environment", "Task", "Measure", "Goal"}
    required |= {"Guarantee", "Organization", "Technology", "Sector", "Initiative"}
    assert required <= classes
    props = {"hasPillar", "hasTask", "hasMeasure", "hasGoal", "hasGuarantee", "mentions", "issuedBy", "targetYear"}
    for name in props:
        node = graph.ONT[name]
        assert (node, RDFS.range, None) in g, name
        langs = {lit.language for lit in g.objects(node, RDFS.label)}
        assert langs == {"zh", "en"}, name
    for cls in g.subjects(RDF.type, OWL.Class):
        if str(cls).startswith(str(graph.ONT)):
            assert {lit.language for lit in g.objects(cls, RDFS.label)} == {"zh", "en"}, cls
            assert len(list(g.objects(cls, graph.SKOS.definition))) == 2, cls


def test_a_term_typed_into_two_disjoint_classes_is_inconsistent(tmp_path, lex):
    bad = tmp_path / "lexicon.tsv"
    text = resources.lexicon_file().read_text(encoding="utf-8")
    bad.write_text(
        text.replace(
            "北斗\tBeiDou Navigation Satellite System|Beidou|BeiDou\tTechnology",
            "北斗\tBeiDou\tTechnology|Organization",
        ),
        encoding="utf-8",
    )
    assert "Technology|Organization" in bad.read_text(encoding="utf-8")
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        _reason(tmp_path, bad)
