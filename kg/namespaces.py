"""The project's namespaces and prefixes as plain strings, and IRI compaction and expansion.

Every module that names an IRI takes it from here: the graph, the exports, the docs, the
query path and the server. Plain strings, so the query path needs no RDF library to load.
"""

from __future__ import annotations

ONTOLOGY_NS = "https://w3id.org/digital-china-kg/ontology#"
ONTOLOGY_IRI = ONTOLOGY_NS.rstrip("#")
DEFAULT_BASE = "https://w3id.org/digital-china-kg/id/"
# A document's graph is <base><id>/graph, and its own nodes <base><id>/…: what a rebuild
# keeps of a report is told by that prefix (kg.blocks, kg.digest, kg.held).
DOCUMENT_GRAPH = "graph"


def document_prefix(graph: str) -> str | None:
    """``<base><id>/`` of a document graph's IRI ``<base><id>/graph``; None for any other."""
    return graph[: -len(DOCUMENT_GRAPH)] if graph.endswith("/" + DOCUMENT_GRAPH) else None


def node_prefix(iri: str, base: str) -> str | None:
    """``<base><id>/`` of a node ``<base><id>/…`` (a document's own, when a document has that
    id); None for an IRI not of that form under ``base``."""
    if not iri.startswith(base):
        return None
    cut = iri.find("/", len(base))
    return iri[: cut + 1] if cut >= 0 else None


RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
ORG = "http://www.w3.org/ns/org#"

# The prefixes every output binds and every query may use without declaring them.
PREFIXES: dict[str, str] = {
    "dckg": ONTOLOGY_NS,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "org": ORG,
}


def query_prefixes(base: str = DEFAULT_BASE) -> dict[str, str]:
    """The prefixes a query gets predeclared: the standard ones, the ontology's and ``id:``."""
    return {**PREFIXES, "id": base}


_LONGEST_FIRST = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


def compact(iri: str) -> str:
    """``dckg:Task`` for the ontology's Task IRI; an IRI in no known namespace stays as it is."""
    for prefix, ns in _LONGEST_FIRST:
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def expand(value: str) -> str:
    """A prefixed name (dckg:Task) or <IRI> as a full IRI; anything else is returned as given."""
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        return value[1:-1]
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return value
