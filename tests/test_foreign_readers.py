"""Every export read back by a reader that is not ours: Raptor's rapper and Serd's serdi for
the RDF syntaxes, networkx and igraph for GraphML, networkx for GEXF, the neo4j-admin import
header rules for the CSV, and the ontology's own metadata as an ontology catalogue reads it."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess

import networkx as nx
import pytest
from rdflib import OWL, RDF, RDFS, Graph, Namespace, URIRef
from rdflib.namespace import SKOS

from kg import export, resources
from kg.namespaces import ONTOLOGY_IRI, ONTOLOGY_NS

ONT = Namespace(ONTOLOGY_NS)
VOID = Namespace("http://rdfs.org/ns/void#")
RAPPER = {"ttl": "turtle", "nt": "ntriples", "trig": "trig", "nq": "nquads", "rdf": "rdfxml"}
SERDI = {"ttl": "turtle", "nt": "ntriples", "trig": "trig", "nq": "nquads"}


@pytest.fixture(scope="module")
def data(built):
    from kg.rdf import Data

    return Data.load([built / "data.nq"])


def _count(built, name: str) -> int:
    """How many statements the file holds, by pyoxigraph (the writer is pyoxigraph too; the
    readers below are not)."""
    import pyoxigraph as ox

    fmt = ox.RdfFormat.from_extension(name.rsplit(".", 1)[1])
    return sum(1 for _ in ox.parse(path=str(built / name), format=fmt))


@pytest.mark.skipif(shutil.which("rapper") is None, reason="rapper (raptor2-utils) is not installed")
@pytest.mark.parametrize("name", ["data.ttl", "data.nt", "data.trig", "data.nq", "data.rdf", "full.ttl", "full.trig",
                                  "full.rdf", "inferred.ttl", "void.ttl"])  # fmt: skip
def test_rapper_reads_every_rdf_file(built, name):
    syntax = RAPPER[name.rsplit(".", 1)[1]]
    r = subprocess.run(["rapper", "-i", syntax, "-c", str(built / name)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    m = re.search(r"returned (\d+) (triples|statements)", r.stderr)
    assert m and int(m.group(1)) == _count(built, name) > 0, r.stderr


@pytest.mark.skipif(shutil.which("serdi") is None, reason="serdi is not installed")
@pytest.mark.parametrize("name", ["data.ttl", "data.nt", "data.trig", "data.nq", "full.ttl", "void.ttl"])
def test_serdi_reads_every_turtle_family_file(built, name):
    syntax = SERDI[name.rsplit(".", 1)[1]]
    out_syntax = "nquads" if syntax in ("trig", "nquads") else "ntriples"
    r = subprocess.run(["serdi", "-i", syntax, "-o", out_syntax, str(built / name)], capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.splitlines()) == _count(built, name) > 0


def test_graphml_in_networkx_and_igraph(data, tmp_path):
    igraph = pytest.importorskip("igraph")
    graphml = export.serialize(data, "graphml")
    ids = re.findall(rb'<edge [^>]*id="([^"]+)"', graphml)
    assert len(ids) == len(set(ids)) > 300  # unique edge ids
    assert b'attr.name="ordinal" attr.type="long"' in graphml and b'attr.name="paragraph" attr.type="long"' in graphml
    net = nx.read_graphml(io.BytesIO(graphml))
    task = net.nodes["https://w3id.org/digital-china-kg/id/digital-china-overall-layout-plan/task/1-1"]
    assert task["ordinal"] == 1 and isinstance(task["paragraph"], int)
    (tmp_path / "g.graphml").write_bytes(graphml)  # igraph reads files
    g = igraph.Graph.Read_GraphML(str(tmp_path / "g.graphml"))
    assert g.vcount() == net.number_of_nodes() and g.ecount() == net.number_of_edges()
    assert {e["relation"] for e in g.es} >= {"hasTask", "hasMeasure", "mentions"}


def test_gexf_in_networkx_has_only_the_graph(data):
    gexf = export.serialize(data, "gexf")
    assert b"lastmodifieddate" not in gexf and b"networkx_key" not in gexf
    assert gexf == export.serialize(data, "gexf")  # the same graph, the same bytes, any day
    net = nx.read_gexf(io.BytesIO(gexf))
    assert net.number_of_nodes() == export.network(data.union()).number_of_nodes()
    assert net.number_of_edges() == export.network(data.union()).number_of_edges()


# The property types neo4j-admin database import accepts in a header (Neo4j 5 operations manual).
NEO4J_TYPES = {"int", "long", "float", "double", "boolean", "byte", "short", "char", "string", "point",
               "date", "localtime", "time", "localdatetime", "datetime", "duration"}  # fmt: skip


def _check_header(header: list[str], required: set[str]) -> dict[str, str]:
    """name:type columns as neo4j-admin reads them; returns name → type."""
    types = {}
    for field in header:
        name, _, kind = field.partition(":")
        if kind in ("ID", "LABEL", "START_ID", "END_ID", "TYPE"):
            types[field] = kind
            continue
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name), field
        assert (kind or "string") in NEO4J_TYPES or kind.rstrip("[]") in NEO4J_TYPES, field
        types[name] = kind or "string"
    assert required <= set(header), header
    return types


def test_neo4j_csv_has_typed_columns_and_every_superclass_as_a_label(data):
    nodes, edges = export.csv_tables(data.union())
    rows = list(csv.reader(io.StringIO(nodes.decode())))
    types = _check_header(rows[0], {"iri:ID", ":LABEL"})
    assert types["ordinal"] == types["paragraph"] == types["targetYear"] == "int"
    for row in rows[1:]:
        for name, value in zip(rows[0], row):
            if name.endswith(":int") and value:
                int(value)  # a typed column holds numbers
    labels = {row[0]: set(row[1].split(";")) for row in rows[1:]}
    assert labels[ONTOLOGY_NS + "DigitalEconomy"] == {"Domain", "Pillar"}
    assert {"Technology", "Entity"} <= labels["https://w3id.org/digital-china-kg/id/entity/北斗"]
    edge_rows = list(csv.reader(io.StringIO(edges.decode())))
    _check_header(edge_rows[0], {":START_ID", ":END_ID", ":TYPE"})
    ids = set(labels)
    assert all(r[0] in ids and r[1] in ids for r in edge_rows[1:])  # every edge joins two nodes


def test_the_ontology_has_version_iri_defined_by_and_leaves_foreign_terms_alone():
    g = Graph().parse(resources.ontology_file(), format="turtle")
    onto = URIRef(ONTOLOGY_IRI)
    version = g.value(onto, OWL.versionIRI)
    assert version is not None and str(version).startswith(ONTOLOGY_IRI + "/")
    assert str(version).endswith(str(g.value(onto, OWL.versionInfo)))
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.NamedIndividual):
        for term in g.subjects(RDF.type, kind):
            if str(term).startswith(ONTOLOGY_NS):
                assert (term, RDFS.isDefinedBy, onto) in g, term
            else:  # prov:, org:, dcterms: … are declared, not relabelled or redefined
                assert g.value(term, RDFS.label) is None and g.value(term, SKOS.definition) is None, term


def test_void_and_dcat_describe_the_build(built, data):
    g = Graph().parse(built / "void.ttl", format="turtle")
    dataset = URIRef("https://w3id.org/digital-china-kg/id/dataset")
    assert (dataset, RDF.type, VOID.Dataset) in g
    assert (dataset, RDF.type, URIRef("http://www.w3.org/ns/dcat#Dataset")) in g
    assert int(g.value(dataset, VOID.triples)) == len(data.union())
    assert g.value(dataset, URIRef("http://purl.org/dc/terms/license")) is not None
    subsets = set(g.objects(dataset, VOID.subset))
    assert {str(s) for s in subsets} == {n.value for n in data.graphs()}
    for subset in subsets:
        assert int(g.value(subset, VOID.triples)) == len(
            data.graphs()[next(n for n in data.graphs() if n.value == str(subset))]
        )
    titles = {str(t) for t in g.objects(dataset, URIRef("http://purl.org/dc/terms/title"))}
    assert any("数字中国建设整体布局规划" in t for t in titles)
    sources = list(g.objects(dataset, URIRef("http://purl.org/dc/terms/source")))
    assert sources and all(g.value(s, ONT.sha256) is not None for s in sources)
