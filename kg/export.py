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

from kg import blocks
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
    same on every run, a run of statements at a time (kg.blocks: a rebuild copies the runs
    of the reports that did not change); JSON-LD is its expanded form, each document's
    graph named.
    """
    if fmt not in FORMATS or fmt == "csv":
        raise KGError(f"unknown format {fmt!r}; choose from {', '.join(f for f in FORMATS if f != 'csv')}")
    if fmt in ("graphml", "gexf"):
        return network_bytes(data.union(), fmt)
    if fmt in ("csv-nodes", "csv-edges"):
        return csv_tables(data.union())[0 if fmt == "csv-nodes" else 1]
    return blocks.serialize(data, fmt)


def write(data: Data, fmt: str, path: Path) -> None:
    """serialize(data, fmt), streamed into the file ``path``: the bytes of a corpus's N-Quads
    (hundreds of MB) are never held whole. The same bytes as serialize."""
    if fmt not in RDF_FORMATS:
        Path(path).write_bytes(serialize(data, fmt))
        return
    blocks.write(blocks.Segmented(data), fmt, path)


# -- networks -------------------------------------------------------------------

_SKIP_TYPES = {OWL.NamedIndividual}
_PROVENANCE = {ONT.Sentence, ONT.Clause, ONT.SourceDocument, ONT.RelationStatement}


_DERIVED = PROV.wasDerivedFrom
_SOURCE_TEXT = ((ONT.zhText, "source_zh"), (ONT.enText, "source_en"), (ONT.paragraph, "paragraph"))


def network(g: Graph):
    """A network (kg.network) of the individuals and the relations between them.

    Provenance nodes are folded into attributes of what they support (source_zh,
    source_en, paragraph), so the network shows the plan, not its sentences.
    """
    from kg.network import Network

    individuals = sorted(
        (s for s in g.subjects(TYPE, OWL.NamedIndividual) if not (set(g.types(s)) & _PROVENANCE)),
        key=lambda n: n.value,
    )
    keep = set(individuals)
    net = Network()
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
                attrs[local_name(prop)] = int(value.value)  # typed: an integer in every format
        seg = g.value(node, _DERIVED)
        if seg is not None:
            for prop, key in _SOURCE_TEXT:
                value = g.value(seg, prop)
                if value is not None:
                    attrs[key] = int(value.value) if key == "paragraph" else value.value
        net.add_node(node.value, **attrs)
    # Edges in the order of their IRIs, as a reader scans a table.
    # Read off the statements, the object tested first (most are literals): not a Triple
    # made and unpacked for each of a large plan's 0.9 million.
    edges = sorted(
        (t.subject.value, t.predicate.value, o.value)
        for t in g.statements
        if (o := t.object) in keep and t.subject in keep and t.predicate != TYPE
    )
    for number, (s, p, o) in enumerate(edges):
        name = local_name(p)
        # The key is the edge's id in GraphML and GEXF: unique, and stable for the same graph.
        net.add_edge(s, o, key=f"e{number}", relation=name, iri=p)
    return net


def network_bytes(g: Graph, fmt: str) -> bytes:
    import networkx as nx

    net = network(g).to_networkx()
    buf = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(net, buf, encoding="utf-8", prettyprint=True)
        return buf.getvalue()
    nx.write_gexf(net, buf, encoding="utf-8", prettyprint=True)
    return _plain_gexf(buf.getvalue())


def _plain_gexf(data: bytes) -> bytes:
    """networkx's GEXF without what is not the graph's: the day it was written (the same graph
    gives the same bytes) and networkx's own edge key (the edge's id already is that key)."""
    import xml.etree.ElementTree as ET

    ns = "http://www.gexf.net/1.2draft"
    ET.register_namespace("", ns)
    ET.register_namespace("xsi", "http://www.w3.org/2001/XMLSchema-instance")
    root = ET.fromstring(data)
    for meta in root.iter(f"{{{ns}}}meta"):
        meta.attrib.pop("lastmodifieddate", None)
    internal = set()
    for attributes in root.iter(f"{{{ns}}}attributes"):
        for attribute in list(attributes):
            if attribute.get("title") == "networkx_key":
                internal.add(attribute.get("id"))
                attributes.remove(attribute)
    for values in root.iter(f"{{{ns}}}attvalues"):
        for value in list(values):
            if value.get("for") in internal:
                values.remove(value)
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


# Neo4j admin import: a typed header (name:type), every class and superclass a label.
NODE_COLUMNS = ("label_zh", "label_en", "targetYear:int", "ordinal:int", "paragraph:int", "source_zh", "source_en")


def superclasses(ontology: Graph) -> dict[str, list[str]]:
    """Each class of the ontology's namespace → itself and its superclasses there, by local name."""
    from kg.namespaces import ONTOLOGY_NS
    from kg.rdf import OWL as OWL_
    from kg.rdf import RDFS as RDFS_
    from kg.rdf import NamedNode

    ours = [
        c for c in ontology.subjects(TYPE, OWL_.Class) if isinstance(c, NamedNode) and c.value.startswith(ONTOLOGY_NS)
    ]
    out = {}
    for cls in ours:
        seen, todo = [cls], [cls]
        while todo:
            for parent in ontology.objects(todo.pop(), RDFS_.subClassOf):
                if isinstance(parent, NamedNode) and parent.value.startswith(ONTOLOGY_NS) and parent not in seen:
                    seen.append(parent)
                    todo.append(parent)
        out[local_name(cls)] = sorted(local_name(c) for c in seen)
    return out


def csv_tables(g: Graph, ontology: Graph | None = None) -> tuple[bytes, bytes]:
    """Neo4j admin-import CSVs: nodes with :ID, :LABEL (each class with its superclasses, so
    `MATCH (p:Pillar)` finds the pillars) and typed columns; edges with :START_ID, :END_ID, :TYPE."""
    if ontology is None:
        from kg import rdf, resources

        ontology = rdf.load_ontology(resources.ontology_file())
    supers = superclasses(ontology)
    net = network(g)
    nodes = io.StringIO()
    w = csv.writer(nodes, lineterminator="\n")
    w.writerow(["iri:ID", ":LABEL", *NODE_COLUMNS])
    for node, attrs in net.nodes(data=True):
        labels = sorted({s for c in attrs["classes"].split() for s in supers.get(c, [c])})
        w.writerow([node, ";".join(labels)] + [attrs.get(c.split(":")[0], "") for c in NODE_COLUMNS])
    edges = io.StringIO()
    w = csv.writer(edges, lineterminator="\n")
    w.writerow([":START_ID", ":END_ID", ":TYPE", "iri"])
    for s, o, attrs in net.edges(data=True):
        w.writerow([s, o, attrs["relation"], attrs["iri"]])
    return nodes.getvalue().encode(), edges.getvalue().encode()
