"""Serialize the graph: RDF formats, GraphML and GEXF for Gephi, CSV for Neo4j.

Every serialization is deterministic (sorted), and every file is written to a
temporary name and renamed, so a failed run never leaves half a file behind.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

from kg.errors import KGError
from kg.formats import EXPORT_FORMATS, RDF_FORMATS, Format  # noqa: F401 (re-exported)
from kg.rdf import ONT, OWL, PROV, RDFS, TYPE, Data, Graph, Literal, local_name

FORMATS = EXPORT_FORMATS


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


def serialize(data: Data, fmt: str) -> bytes:
    """One serialization of the data: the datasets (TriG, N-Quads, JSON-LD) with their named
    graphs, the rest the union of the graphs.

    pyoxigraph writes the RDF syntaxes, fed with sorted statements so that the bytes are the
    same on every run; JSON-LD is its expanded form, each document's graph named.
    """
    if fmt not in FORMATS or fmt == "csv":
        raise KGError(f"unknown format {fmt!r}; choose from {', '.join(f for f in FORMATS if f != 'csv')}")
    if fmt in ("graphml", "gexf"):
        return network_bytes(data.union(), fmt)
    if fmt in ("csv-nodes", "csv-edges"):
        return csv_tables(data.union())[0 if fmt == "csv-nodes" else 1]
    import pyoxigraph as ox

    rdf_format = {
        "ttl": ox.RdfFormat.TURTLE,
        "nt": ox.RdfFormat.N_TRIPLES,
        "trig": ox.RdfFormat.TRIG,
        "nq": ox.RdfFormat.N_QUADS,
        "rdfxml": ox.RdfFormat.RDF_XML,
        "jsonld": ox.RdfFormat.JSON_LD,
    }[fmt]
    statements = data.quads if rdf_format.supports_datasets else data.union().triples
    # Data IRIs hold slashes, which a prefixed name must escape: keep them whole.
    prefixes = {k: v for k, v in data.prefixes.items() if k != "id"}
    out = ox.serialize(statements, format=rdf_format, prefixes=prefixes)
    return out if out.endswith(b"\n") else out + b"\n"


# -- networks -------------------------------------------------------------------

_SKIP_TYPES = {OWL.NamedIndividual}
_PROVENANCE = {ONT.Sentence, ONT.Clause, ONT.SourceDocument}


_DERIVED = PROV.wasDerivedFrom
_SOURCE_TEXT = ((ONT.zhText, "source_zh"), (ONT.enText, "source_en"), (ONT.paragraph, "paragraph"))


def network(g: Graph):
    """A networkx MultiDiGraph of the individuals and the relations between them.

    Provenance nodes are folded into attributes of what they support (source_zh,
    source_en, paragraph), so the network shows the plan, not its sentences.
    """
    import networkx as nx

    individuals = sorted(
        (s for s in g.subjects(TYPE, OWL.NamedIndividual) if not (set(g.types(s)) & _PROVENANCE)),
        key=lambda n: n.value,
    )
    keep = set(individuals)
    net = nx.MultiDiGraph()
    for node in individuals:
        types = sorted(local_name(t) for t in g.types(node) if t not in _SKIP_TYPES)
        attrs = {"iri": node.value, "class": types[0] if types else "", "classes": " ".join(types)}
        for lit in g.objects(node, RDFS.label):
            if isinstance(lit, Literal) and lit.language in ("zh", "en"):
                attrs[f"label_{lit.language}"] = lit.value
        attrs["label"] = attrs.get("label_zh") or attrs.get("label_en") or local_name(node)
        for prop in (ONT.targetYear, ONT.ordinal):
            value = g.value(node, prop)
            if value is not None:
                attrs[local_name(prop)] = value.value
        seg = g.value(node, _DERIVED)
        if seg is not None:
            for prop, key in _SOURCE_TEXT:
                value = g.value(seg, prop)
                if value is not None:
                    attrs[key] = value.value
        net.add_node(node.value, **attrs)
    # Edges in the order of their IRIs, as a reader scans a table.
    edges = sorted((s.value, p.value, o.value) for s, p, o in g if s in keep and o in keep and p != TYPE)
    for s, p, o in edges:
        name = local_name(p)
        net.add_edge(s, o, key=name, relation=name, iri=p)
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
