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
from pathlib import Path

from rdflib import OWL, RDF, RDFS, XSD, BNode, Dataset, Graph, Literal, URIRef

from kg.errors import KGError
from kg.formats import EXPORT_FORMATS, RDF_FORMATS, Format  # noqa: F401 (re-exported)
from kg.graph import ONT, ONTOLOGY_IRI, PREFIXES

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


def with_ontology(ds: Dataset, ontology: Graph) -> Dataset:
    """A copy of the dataset with the ontology in a named graph of its own, each triple held
    once (Snapshot.with_ontology says how)."""
    return Snapshot.of(ds).with_ontology(ontology).ds


def _named(ds: Dataset) -> list[Graph]:
    return [g for g in ds.graphs() if len(g) and g.identifier != URIRef("urn:x-rdflib:default")]


def union(ds: Dataset) -> Graph:
    """All named graphs in one graph, triples added in sorted order."""
    g = Graph()
    for prefix, ns in ds.namespaces():
        g.bind(prefix, ns, override=True)
    for t in sorted_statements({t for src in _named(ds) for t in src}):
        g.add(t)
    return g


def _key(term) -> tuple:
    return (
        type(term).__name__,
        str(term),
        getattr(term, "language", None) or "",
        str(getattr(term, "datatype", "") or ""),
    )


def _statement_key(st: tuple) -> tuple:
    return tuple(map(_key, st))


def sorted_statements(statements) -> list[tuple]:
    """Triples or quads in one fixed order, by plain string keys (rdflib's own term
    comparisons are many times slower)."""
    return sorted(statements, key=_statement_key)


class Snapshot:
    """The statements of a dataset, sorted once, in the forms every writer needs.

    The pyoxigraph terms and statements are made once and shared: a build writes a dozen
    files from the same triples, and the snapshot with the ontology reuses the data's.
    """

    def __init__(self, quads: list[tuple], prefixes: dict[str, str], ds: Dataset | None = None, cache=None) -> None:
        self.quads = quads  # sorted by sorted_statements' key
        self.prefixes = prefixes
        self._ds = ds
        self._ox: dict = cache if cache is not None else {}
        self._triples: list[tuple] | None = None
        self._ox_quads: list | None = None
        self._ox_triples: list | None = None

    @classmethod
    def of(cls, ds: Dataset) -> Snapshot:
        prefixes = {prefix: str(ns) for prefix, ns in ds.namespaces() if prefix in PREFIXES or prefix == "id"}
        quads = {(s, p, o, g.identifier) for g in _named(ds) for s, p, o in g}
        return cls(sorted_statements(quads), prefixes, ds)

    def with_ontology(self, ontology: Graph) -> Snapshot:
        """This snapshot plus the ontology in its own named graph, each triple held once: what
        the ontology states (the framework a document graph copies, so that data-only exports
        stay readable) is left out of the document graphs."""
        import heapq

        onto = URIRef(ONTOLOGY_IRI)
        held = set(ontology)
        ours = sorted_statements((s, p, o, onto) for s, p, o in ontology)
        theirs = [q for q in self.quads if q[:3] not in held]
        merged = list(heapq.merge(ours, theirs, key=_statement_key))
        return Snapshot(merged, self.prefixes, None, self._ox)

    @property
    def ds(self) -> Dataset:
        """The snapshot as an rdflib Dataset (the network formats read one)."""
        if self._ds is None:
            ds = Dataset()
            for prefix, ns in self.prefixes.items():
                ds.bind(prefix, ns)
            for s, p, o, g in self.quads:
                ds.graph(g).add((s, p, o))
            self._ds = ds
        return self._ds

    @property
    def triples(self) -> list[tuple]:
        if self._triples is None:
            self._triples = sorted_statements({q[:3] for q in self.quads})
        return self._triples

    def ox(self, term):
        if term not in self._ox:
            self._ox[term] = oxigraph_term(term)
        return self._ox[term]

    def ox_quads(self) -> list:
        """The quads as pyoxigraph quads, made once for every format that writes them."""
        import pyoxigraph as ox

        if self._ox_quads is None:
            self._ox_quads = [ox.Quad(self.ox(s), self.ox(p), self.ox(o), self.ox(g)) for s, p, o, g in self.quads]
        return self._ox_quads

    def ox_triples(self) -> list:
        import pyoxigraph as ox

        if self._ox_triples is None:
            self._ox_triples = [ox.Triple(self.ox(s), self.ox(p), self.ox(o)) for s, p, o in self.triples]
        return self._ox_triples


def oxigraph_term(term):
    import pyoxigraph as ox

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype is not None:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def serialize(source: Dataset | Snapshot, fmt: str) -> bytes:
    """One serialization of a dataset (TriG, N-Quads) or of the union of its graphs.

    pyoxigraph writes the RDF syntaxes (tens of times faster than rdflib here), fed
    with sorted statements so that the bytes are the same on every run. Pass a
    Snapshot when writing several formats of one dataset, to sort once.
    """
    if fmt not in FORMATS or fmt == "csv":
        raise KGError(f"unknown format {fmt!r}; choose from {', '.join(f for f in FORMATS if f != 'csv')}")
    snap = source if isinstance(source, Snapshot) else Snapshot.of(source)
    if fmt in ("graphml", "gexf"):
        return network_bytes(union(snap.ds), fmt)
    if fmt in ("csv-nodes", "csv-edges"):
        return csv_tables(union(snap.ds))[0 if fmt == "csv-nodes" else 1]
    if fmt == "jsonld":
        return jsonld(snap.triples, snap.prefixes)
    import pyoxigraph as ox

    statements = snap.ox_quads() if fmt in ("trig", "nq") else snap.ox_triples()
    rdf_format = {
        "ttl": ox.RdfFormat.TURTLE,
        "nt": ox.RdfFormat.N_TRIPLES,
        "trig": ox.RdfFormat.TRIG,
        "nq": ox.RdfFormat.N_QUADS,
        "rdfxml": ox.RdfFormat.RDF_XML,
    }[fmt]
    # Data IRIs hold slashes, which a prefixed name must escape: keep them whole.
    prefixes = {k: v for k, v in snap.prefixes.items() if k != "id"}
    return ox.serialize(statements, format=rdf_format, prefixes=prefixes)


def jsonld(statements: list[tuple], prefixes: dict[str, str]) -> bytes:
    """Compact JSON-LD: one node object per subject, compact IRIs from the prefixes as context."""
    namespaces = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))

    def compact(iri: str) -> str:
        for prefix, ns in namespaces:
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns) :]}"
        return iri

    def ref(term) -> str:
        return f"_:{term}" if isinstance(term, BNode) else compact(str(term))

    def value(term) -> dict:
        if isinstance(term, (URIRef, BNode)):
            return {"@id": ref(term)}
        out = {"@value": str(term)}
        if term.language:
            out["@language"] = term.language
        elif term.datatype is not None and str(term.datatype) != str(XSD.string):
            out["@type"] = compact(str(term.datatype))
        return out

    nodes: dict = {}
    for s, p, o in statements:
        node = nodes.setdefault(s, {"@id": ref(s)})
        if p == RDF.type and not isinstance(o, Literal):
            node.setdefault("@type", []).append(ref(o))
        else:
            node.setdefault(compact(str(p)), []).append(value(o))
    doc = {"@context": dict(sorted(prefixes.items())), "@graph": list(nodes.values())}
    return (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


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
