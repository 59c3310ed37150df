"""The aggregates made from a digest per document graph and the rest (kg.digest) count what
the union holds, counted here directly; a rebuild makes the digests of the changed graphs
alone."""

from __future__ import annotations

import heapq
import json

import pytest
from conftest import run_kg

from kg import digest, docs, framework, resources, stats, void
from kg.rdf import ONT, OWL, RDF, TYPE, Graph, NamedNode, Triple, load_ontology


@pytest.fixture(scope="module")
def two(facts, second_facts):
    from kg import graph

    return graph.build([facts, second_facts], framework.load(resources.ontology_file()))


@pytest.fixture(scope="module")
def ontology():
    return load_ontology(resources.ontology_file())


def _void_counts(data, base: str) -> dict:
    counted = {void.VOID[k]: k for k in ("triples", "entities", "classes", "properties")}
    return {counted[t.predicate]: int(t.object.value) for t in void.describe(data, base)
            if t.subject == void.dataset_iri(base) and t.predicate in counted}  # fmt: skip


def _direct(data, ontology) -> dict:
    """What the aggregates count, counted on the union itself."""
    union = data.union()
    classes = digest.Classes.of(ontology)
    ours = {c for counted in classes.up.values() for c in counted}
    below = {c: {s for k in classes.below[c] for s in union.subjects(TYPE, k)} for c in ours}
    return {
        "triples": len(union),
        "classes": {c: len(union.subjects(TYPE, ONT[c])) for c in stats.CLASSES if c != "Pillar"},
        "named": len(set(union.subjects(ONT.labelSource)) & set(union.subjects(ONT.origin))),
        "void": {
            "triples": len(union),
            "entities": len(union.subjects(TYPE, OWL.NamedIndividual)),
            "classes": len(union.distinct_objects(TYPE)),
            "properties": len(union.predicates()),
        },
        "deep": {c: len(nodes) for c, nodes in below.items()},
        "least": {c: heapq.nsmallest(3, nodes, key=lambda n: n.value) for c, nodes in below.items()},
    }


def _from_parts(parts, data, base: str) -> dict:
    summary = stats.summarize(parts)
    return {
        "triples": summary["triples"],
        "classes": {c: summary["classes"].get(c, 0) for c in stats.CLASSES if c != "Pillar"},
        "named": summary["classes"]["(named entities)"],
        "void": _void_counts(parts, base),
    }


def test_the_digests_and_the_rest_count_what_the_union_holds(two, ontology):
    base = "https://w3id.org/digital-china-kg/id/"
    classes = digest.Classes.of(ontology)
    parts = digest.make(two, classes)
    assert len(parts.digests) == 2 and all(d["prefix"] for d in parts.digests.values())
    assert 0 < len(parts.rest) < len(two.union()) // 2  # the entities and the framework's individuals
    direct = _direct(two, ontology)
    assert _from_parts(parts, two, base) == {k: direct[k] for k in ("triples", "classes", "named", "void")}
    assert direct["classes"]["Task"] > 0 and direct["classes"]["Organization"] > 0
    for c in direct["deep"]:
        rest = {s for k in classes.below[c] for s in parts.rest.subjects(TYPE, k)}
        assert parts.typed(c, deep=True) + len(rest) == direct["deep"][c], c
        assert digest.least_nodes(parts, classes.below[c]) == direct["least"][c], c
    # The ontology page made from the parts is the page made from the union's counts.
    page = docs.render(ontology, parts)
    assert f"<tr><th>instances</th><td>{direct['deep'][ONT.Task]} ({direct['classes']['Task']} directly)" in page


def test_what_the_rest_says_of_a_documents_node_is_not_counted_twice(two, ontology):
    """A graph beside the documents' that states their nodes' classes again (as kg stats
    --inferred reads the inferred graph): those documents are counted as rest, once."""
    union = two.union()
    tasks = union.subjects(TYPE, ONT.Task)[:5]
    extra = Graph([Triple(t, TYPE, ONT.Task) for t in tasks] + [Triple(t, TYPE, OWL.Thing) for t in tasks])
    data = two.with_graph(NamedNode("https://w3id.org/digital-china-kg/id/inferred"), extra)
    parts = digest.make(data, digest.Classes.of(ontology))
    assert any(d["prefix"] is None for g, d in parts.digests.items() if g.value.endswith("/graph"))
    summary = stats.summarize(parts)
    assert summary["classes"]["Task"] == len(union.subjects(TYPE, ONT.Task))
    assert summary["triples"] == len(data.union()) == len(union) + len(tasks)  # the Thing statements are new
    assert [d["triples"] for d in summary["documents"]] == [len(g) for g in data.graphs().values()]


def test_a_rebuild_makes_the_digests_of_the_changed_graphs_alone(tmp_path, two_reports, second_plan_path, monkeypatch):
    folder = two_reports
    made: list[str] = []
    of_graph = digest.of_graph
    monkeypatch.setattr(digest, "of_graph", lambda name, *a: made.append(name.value) or of_graph(name, *a))
    out = tmp_path / "build"

    def build(where) -> None:
        r = run_kg("build", str(folder), "--jobs", "1", "--skip-checks", "-q", "--out", str(where))
        assert r.returncode == 0, r.stderr

    build(out)
    assert len(made) == 2
    record = json.loads((out / "facts.json").read_text(encoding="utf-8"))
    assert record["digests"] == digest.key() and all("digest" in d for d in record["documents"].values())
    second = folder / second_plan_path.name
    second.write_text(second.read_text(encoding="utf-8") + "\n《规划》强调，要加强组织实施。\n", encoding="utf-8")
    made.clear()
    build(out)
    assert len(made) == 1 and made[0].endswith("/graph")  # the changed report's graph
    made.clear()
    build(fresh := tmp_path / "fresh")
    assert len(made) == 2
    for name in ("summary.json", "void.ttl", "ontology.html", "graph.html", "facts.json"):
        assert (out / name).read_bytes() == (fresh / name).read_bytes(), name
    # A digest kept by another kg.digest is made again.
    facts = out / "facts.json"
    facts.write_text(facts.read_text(encoding="utf-8").replace(digest.key(), "0" * 64), encoding="utf-8")
    made.clear()
    build(out)
    assert len(made) == 2 and (out / "facts.json").read_bytes() == (fresh / "facts.json").read_bytes()


def test_a_node_is_looked_up_in_its_documents_own_statements_or_the_rest(two, ontology):
    parts = digest.make(two, digest.Classes.of(ontology))
    first, second = parts.in_order()
    task = parts.own(second).subjects(TYPE, ONT.Task)[0]
    assert parts.graph_of(task) is parts.own(second)
    entity = next(s for s in parts.rest.subjects(TYPE, ONT.Organization))
    assert parts.graph_of(entity) is parts.rest
    assert parts.graph_of(RDF.type) is parts.rest
    # Every own node of the first document sorts before every one of the second.
    assert max(s.value for s in parts.own(first).subjects(TYPE)) < min(
        s.value for s in parts.own(second).subjects(TYPE)
    )
