"""Serialize the graph: RDF formats, GraphML and GEXF for Gephi, CSV for Neo4j.

Every serialization is deterministic (sorted), and every file is written to a
temporary name and renamed, so a failed run never leaves half a file behind.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rdflib import OWL, RDF, RDFS, Dataset, Graph, Literal, URIRef

from kg.errors import KGError
from kg.graph import ONT, ONTOLOGY_IRI, PREFIXES


@dataclass(frozen=True)
class Format:
    name: str
    ext: str
    media_type: str
    description: str


FORMATS = {
    f.name: f
    for f in (
        Format("ttl", "ttl", "text/turtle", "Turtle"),
        Format("nt", "nt", "application/n-triples", "N-Triples (sorted)"),
        Format("trig", "trig", "application/trig", "TriG, one named graph per document"),
        Format("nq", "nq", "application/n-quads", "N-Quads, one named graph per document (sorted)"),
        Format("jsonld", "jsonld", "application/ld+json", "JSON-LD with a context"),
        Format("rdfxml", "rdf", "application/rdf+xml", "RDF/XML (opens in Protégé)"),
        Format("graphml", "graphml", "application/graphml+xml", "GraphML network (Gephi, Cytoscape, yEd)"),
        Format("gexf", "gexf", "application/gexf+xml", "GEXF network (Gephi)"),
        Format("csv", "", "text/csv", "nodes.csv and edges.csv for Neo4j import (into a directory)"),
        Format("csv-nodes", "csv", "text/csv", "the nodes CSV alone"),
        Format("csv-edges", "csv", "text/csv", "the edges CSV alone"),
    )
}
RDF_FORMATS = ("ttl", "nt", "trig", "nq", "jsonld", "rdfxml")


def atomic_write(path: Path, data: bytes) -> None:
    """Write beside the target, then rename over it."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as e:
        raise KGError(f"{path.parent}: cannot write here: {e.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise KGError(f"{path}: cannot write: {e.strerror}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def with_ontology(ds: Dataset, ontology: Graph) -> Dataset:
    """A copy of the dataset with the ontology in a named graph of its own."""
    out = Dataset()
    for prefix, ns in ds.namespaces():
        out.bind(prefix, ns, override=True)
    g = out.graph(ONTOLOGY_IRI)
    for t in sorted(ontology):
        g.add(t)
    for src in sorted(_named(ds), key=lambda x: str(x.identifier)):
        dst = out.graph(src.identifier)
        for t in sorted(src):
            dst.add(t)
    return out


def _named(ds: Dataset) -> list[Graph]:
    return [g for g in ds.graphs() if len(g) and g.identifier != URIRef("urn:x-rdflib:default")]


def union(ds: Dataset) -> Graph:
    """All named graphs in one graph, triples added in sorted order."""
    g = Graph()
    for prefix, ns in ds.namespaces():
        g.bind(prefix, ns, override=True)
    for t in sorted({t for src in _named(ds) for t in src}):
        g.add(t)
    return g


def serialize(ds: Dataset, fmt: str) -> bytes:
    """One serialization of a dataset (quads formats) or of its union (triples formats)."""
    if fmt == "trig":
        return ds.serialize(format="trig").encode()
    if fmt == "nq":
        return _sorted_lines(ds.serialize(format="nquads"))
    g = union(ds)
    if fmt == "nt":
        return _sorted_lines(g.serialize(format="nt"))
    if fmt == "ttl":
        return g.serialize(format="turtle").encode()
    if fmt == "jsonld":
        context = {prefix: str(ns) for prefix, ns in sorted(g.namespaces()) if prefix in PREFIXES or prefix == "id"}
        data = json.loads(g.serialize(format="json-ld", context=context, auto_compact=True))
        data = _sort_jsonld(data)
        return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()
    if fmt == "rdfxml":
        return _sorted_rdfxml(g.serialize(format="xml")).encode()
    if fmt in ("graphml", "gexf"):
        return network_bytes(g, fmt)
    if fmt == "csv-nodes":
        return csv_tables(g)[0]
    if fmt == "csv-edges":
        return csv_tables(g)[1]
    raise KGError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")


def _sorted_rdfxml(text: str) -> str:
    """rdflib writes one rdf:Description per subject in set order: put them in sorted order."""
    head, _, rest = text.partition("  <rdf:Description")
    body, _, tail = rest.rpartition("  </rdf:Description>")
    blocks = ("  <rdf:Description" + body + "  </rdf:Description>").split("\n  <rdf:Description")
    blocks = [blocks[0]] + ["  <rdf:Description" + b for b in blocks[1:]]
    return head + "\n".join(sorted(b.rstrip("\n") for b in blocks)) + tail


def _sorted_lines(text: str) -> bytes:
    lines = sorted({line for line in text.splitlines() if line.strip()})
    return ("\n".join(lines) + "\n").encode()


def _sort_jsonld(data, ordered: bool = False):
    """Sort node objects and value arrays (never an @list, whose order is meaning)."""
    if isinstance(data, dict):
        return {k: _sort_jsonld(v, ordered=k == "@list") for k, v in data.items()}
    if isinstance(data, list):
        items = [_sort_jsonld(x) for x in data]
        return items if ordered else sorted(items, key=lambda n: json.dumps(n, sort_keys=True, ensure_ascii=False))
    return data


# -- networks -------------------------------------------------------------------

_SKIP_TYPES = {OWL.NamedIndividual}
_PROVENANCE = {ONT.Sentence, ONT.Clause, ONT.SourceDocument}


def _local(iri) -> str:
    s = str(iri)
    return s.rsplit("#", 1)[-1] if "#" in s else s.rsplit("/", 1)[-1]


def network(g: Graph):
    """A networkx MultiDiGraph of the individuals and the relations between them.

    Provenance nodes are folded into attributes of what they support (source_zh,
    source_en, paragraph), so the network shows the plan, not its sentences.
    """
    import networkx as nx

    individuals = sorted(
        s for s in set(g.subjects(RDF.type, OWL.NamedIndividual)) if not (set(g.objects(s, RDF.type)) & _PROVENANCE)
    )
    keep = set(individuals)
    net = nx.MultiDiGraph()
    for node in individuals:
        types = sorted(_local(t) for t in g.objects(node, RDF.type) if t not in _SKIP_TYPES)
        attrs = {"iri": str(node), "class": types[0] if types else "", "classes": " ".join(types)}
        for lit in g.objects(node, RDFS.label):
            if isinstance(lit, Literal) and lit.language in ("zh", "en"):
                attrs[f"label_{lit.language}"] = str(lit)
        attrs["label"] = attrs.get("label_zh") or attrs.get("label_en") or _local(node)
        for prop in (ONT.targetYear, ONT.ordinal):
            value = g.value(node, prop)
            if value is not None:
                attrs[_local(prop)] = str(value)
        seg = g.value(node, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))
        if seg is not None:
            for prop, key in ((ONT.zhText, "source_zh"), (ONT.enText, "source_en"), (ONT.paragraph, "paragraph")):
                value = g.value(seg, prop)
                if value is not None:
                    attrs[key] = str(value)
        net.add_node(str(node), **attrs)
    for s, p, o in sorted(g):
        if s in keep and o in keep and p != RDF.type:
            net.add_edge(str(s), str(o), key=_local(p), relation=_local(p), iri=str(p))
    return net


def network_bytes(g: Graph, fmt: str) -> bytes:
    import networkx as nx

    net = network(g)
    buf = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(net, buf, encoding="utf-8", prettyprint=True)
    else:
        # GEXF wants one value type per attribute across nodes; all ours are strings.
        nx.write_gexf(net, buf, encoding="utf-8", prettyprint=True)
    return buf.getvalue()


def csv_tables(g: Graph) -> tuple[bytes, bytes]:
    """Neo4j admin-import CSVs: nodes with :ID and :LABEL, edges with :START_ID, :END_ID, :TYPE."""
    net = network(g)
    columns = [
        "iri:ID",
        ":LABEL",
        "label_zh",
        "label_en",
        "targetYear",
        "ordinal",
        "paragraph",
        "source_zh",
        "source_en",
    ]
    nodes = io.StringIO()
    w = csv.writer(nodes, lineterminator="\n")
    w.writerow(columns)
    for node, attrs in net.nodes(data=True):
        labels = ";".join(attrs["classes"].split())
        w.writerow([node, labels] + [attrs.get(c, "") for c in columns[2:]])
    edges = io.StringIO()
    w = csv.writer(edges, lineterminator="\n")
    w.writerow([":START_ID", ":END_ID", ":TYPE"])
    for s, o, attrs in net.edges(data=True):
        w.writerow([s, o, attrs["relation"]])
    return nodes.getvalue().encode(), edges.getvalue().encode()
