from __future__ import annotations

import io

import networkx as nx
import pytest
from rdflib import Dataset, Graph

from kg import export, graph, rdf, resources
from kg.errors import KGError


@pytest.fixture(scope="module")
def ds(facts, frameworks):
    return graph.build([facts], frameworks)


@pytest.mark.parametrize(("fmt", "parser"), [("ttl", "turtle"), ("nt", "nt"), ("rdfxml", "xml")])
def test_triple_formats_round_trip(ds, fmt, parser):
    data = export.serialize(ds, fmt)
    g = Graph().parse(data=data, format=parser)
    assert len(g) == len(ds.union()) > 5000


@pytest.mark.parametrize(("fmt", "parser"), [("trig", "trig"), ("nq", "nquads"), ("jsonld", "json-ld")])
def test_quad_formats_keep_the_named_graph(ds, fmt, parser):
    back = Dataset().parse(data=export.serialize(ds, fmt), format=parser)
    sizes = {str(g.identifier): len(g) for g in back.graphs() if len(g)}
    assert sizes == {"https://w3id.org/digital-china-kg/id/digital-china-overall-layout-plan/graph": len(ds.union())}


def test_jsonld_expands_to_the_same_quads_in_pyld(ds):
    """JSON-LD keeps each document's named graph: pyld, a reader not ours, gives back every quad."""
    import json

    from pyld import jsonld

    doc = json.loads(export.serialize(ds, "jsonld"))
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads"})
    import pyoxigraph as ox

    back = set(map(str, ox.parse(nquads, format=ox.RdfFormat.N_QUADS)))
    assert back == set(map(str, ds.quads)) and len(back) > 5000


def test_with_ontology_adds_the_ontology_graph_and_holds_each_triple_once(ds):
    full = ds.with_ontology(rdf.load_ontology(resources.ontology_file()))
    names = {g.value for g in full.graphs()}
    assert "https://w3id.org/digital-china-kg/ontology" in names
    triples = [q.triple for q in full.quads]
    assert len(triples) == len(set(triples))


def test_network_exports(ds):
    net = export.network(ds.union())
    tasks = [n for n, a in net.nodes(data=True) if a["class"] == "Task"]
    assert len(tasks) == 11
    assert all("source_zh" in net.nodes[t] and "label_en" in net.nodes[t] for t in tasks)
    assert not any(a["class"] in ("Sentence", "Clause") for _, a in net.nodes(data=True))
    back = nx.read_graphml(io.BytesIO(export.serialize(ds, "graphml")))
    assert back.number_of_nodes() == net.number_of_nodes() and back.number_of_edges() == net.number_of_edges()
    gexf = nx.read_gexf(io.BytesIO(export.serialize(ds, "gexf")))
    assert gexf.number_of_nodes() == net.number_of_nodes()


def test_csv_for_neo4j(ds):
    nodes, edges = export.csv_tables(ds.union())
    node_lines = nodes.decode().splitlines()
    assert node_lines[0].startswith("iri:ID,:LABEL,label_zh,label_en")
    assert edges.decode().splitlines()[0] == ":START_ID,:END_ID,:TYPE,iri"
    assert any(",hasTask" in line for line in edges.decode().splitlines())
    assert any("Technology" in line and "北斗" in line for line in node_lines)


def test_unknown_format(ds):
    with pytest.raises(KGError, match="unknown format"):
        export.serialize(ds, "xlsx")


def test_atomic_write_leaves_no_partial_file(tmp_path):
    target = tmp_path / "out.ttl"
    target.write_text("old")
    with pytest.raises(KGError):
        export.atomic_write(tmp_path / "missing-dir" / "x.ttl", b"new")
    export.atomic_write(target, b"new")
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.ttl"]
