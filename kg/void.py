"""The dataset's description of itself, in VoID and DCAT: what a catalogue, a triple store's
dataset page or a harvester reads before the data.

`kg build` writes it to void.ttl; `kg serve` adds the endpoint it answers at. Counts come
from the data; the titles from the plans; the sources are the input files with their
SHA-256 (a report's URL is not in its text, so none is invented). No time stamp: the same
inputs give the same bytes.
"""

from __future__ import annotations

from kg import __version__
from kg.namespaces import ONTOLOGY_IRI, ONTOLOGY_NS
from kg.rdf import DCTERMS, ONT, OWL, PROV, TYPE, Data, Literal, NamedNode, Namespace, Triple, sort_key

VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
PREFIXES = {"void": str(VOID), "dcat": str(DCAT), "dcterms": str(DCTERMS), "prov": str(PROV), "dckg": ONTOLOGY_NS}
# The licence the project gives its ontology and its graphs; the reports keep their own rights.
LICENSE = NamedNode("https://creativecommons.org/licenses/by/4.0/")
# File in a build → (IANA media type, W3C format IRI).
DISTRIBUTIONS = {
    "full.trig": ("application/trig", FORMATS.TriG),
    "full.ttl": ("text/turtle", FORMATS.Turtle),
    "full.nt": ("application/n-triples", FORMATS["N-Triples"]),
    "full.jsonld": ("application/ld+json", FORMATS["JSON-LD"]),
    "full.rdf": ("application/rdf+xml", FORMATS.RDF_XML),
    "data.nq": ("application/n-quads", FORMATS["N-Quads"]),
}


DESCRIPTION = (
    "Plans read from their reports by digital-china-kg: framework, tasks, measures, goals, targets, "
    "indicators and the entities they name, each statement with provenance to its sentence."
)


# The predicates describe reads of each graph.
READ = (TYPE, DCTERMS.source, ONT.sha256, DCTERMS.title)


def dataset_iri(base: str) -> NamedNode:
    return NamedNode(f"{base}dataset")


def describe(data: Data, base: str, endpoint: str | None = None, files: bool = True) -> list[Triple]:
    """VoID + DCAT triples for ``data`` (a build's document graphs); ``files`` off (a build
    with --no-files): data.nq is its only file to list."""
    ds = dataset_iri(base)
    union = data.union()
    t: list[Triple] = []

    def add(s, p, o) -> None:
        t.append(Triple(s, p, o))

    add(ds, TYPE, VOID.Dataset)
    add(ds, TYPE, DCAT.Dataset)
    plans = union.subjects(TYPE, ONT.Plan)
    for lang, intro in (("zh", "知识图谱:"), ("en", "Knowledge graph of ")):
        titles = sorted({union.text(p, language=lang) for p in plans} - {""})
        if titles:
            add(ds, DCTERMS.title, Literal(intro + ("、" if lang == "zh" else "; ").join(titles), language=lang))
    add(ds, DCTERMS.description, Literal(DESCRIPTION, language="en"))
    add(ds, DCTERMS.license, LICENSE)
    add(ds, DCTERMS.conformsTo, NamedNode(ONTOLOGY_IRI))
    add(ds, VOID.vocabulary, NamedNode(ONTOLOGY_NS))
    add(ds, VOID.uriSpace, Literal(base))
    add(ds, VOID.triples, Literal(len(union)))
    add(ds, VOID.entities, Literal(len(union.subjects(TYPE, OWL.NamedIndividual))))
    add(ds, VOID.classes, Literal(len(union.distinct_objects(TYPE))))
    add(ds, VOID.properties, Literal(len(union.predicates())))
    add(ds, DCTERMS.hasVersion, Literal(f"digital-china-kg {__version__}"))
    if endpoint:
        add(ds, VOID.sparqlEndpoint, NamedNode(endpoint))
    # Each document graph: its size, its source and its plan's titles, from the statements
    # of the few predicates read (Data.by_graph), not an index of every graph.
    sizes: dict = {}
    sources: dict = {}  # graph → source documents
    plans: dict = {}  # graph → plans
    facts: dict = {}  # (graph, subject, predicate) → objects, for the few predicates read
    graphs = data.graphs()
    for g, found in data.by_graph(READ).items():
        sizes[g] = len(graphs[g])
        for q in found.get(TYPE, ()):
            if q.object == ONT.SourceDocument:
                sources.setdefault(g, []).append(q.subject)
            elif q.object == ONT.Plan:
                plans.setdefault(g, []).append(q.subject)
        for p in (DCTERMS.source, ONT.sha256, DCTERMS.title):
            for q in found.get(p, ()):
                facts.setdefault((g, q.subject, p), []).append(q.object)
    for name in sorted(sizes, key=sort_key):
        add(ds, VOID.subset, name)
        add(name, TYPE, VOID.Dataset)
        add(name, VOID.triples, Literal(sizes[name]))
        for source in sources.get(name, []):
            add(name, PROV.wasDerivedFrom, source)
            add(ds, DCTERMS.source, source)
            for p in (DCTERMS.source, ONT.sha256):
                for value in facts.get((name, source, p), [])[:1]:
                    add(source, p, value)
        for plan in plans.get(name, []):
            for title in facts.get((name, plan, DCTERMS.title), []):
                add(name, DCTERMS.title, title)
    for file, (media, fmt) in DISTRIBUTIONS.items() if files else [("data.nq", DISTRIBUTIONS["data.nq"])]:
        dist = NamedNode(f"{ds.value}/distribution/{file}")
        add(ds, DCAT.distribution, dist)
        add(dist, TYPE, DCAT.Distribution)
        add(dist, DCTERMS.title, Literal(file))
        add(dist, DCAT.mediaType, NamedNode(f"https://www.iana.org/assignments/media-types/{media}"))
        add(dist, DCTERMS["format"], fmt)
        add(dist, DCTERMS.license, LICENSE)
    return t


def turtle(data: Data, base: str, endpoint: str | None = None, files: bool = True) -> bytes:
    import pyoxigraph as ox

    triples = sorted(set(describe(data, base, endpoint, files)), key=sort_key)
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
