"""The dataset's description of itself, in VoID and DCAT: what a catalogue, a triple store's
dataset page or a harvester reads before the data.

`kg build` writes it to void.ttl; `kg serve` adds the endpoint it answers at. Counts come
from the data; the titles from the plans; the sources are the input files with their
SHA-256 (a report's URL is not in its text, so none is invented). No time stamp: the same
inputs give the same bytes.
"""

from __future__ import annotations

from kg import __version__
from kg.namespaces import ONTOLOGY_IRI, ONTOLOGY_NS, compact
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


def dataset_iri(base: str) -> NamedNode:
    return NamedNode(f"{base}dataset")


def describe(data, base: str, endpoint: str | None = None, files: bool = True) -> list[Triple]:
    """VoID + DCAT triples for ``data`` (a build's document graphs, a Data or its
    kg.digest.Parts); ``files`` off (a build with --no-files): data.nq is its only file to list."""
    from kg import digest

    parts = digest.parts_of(data)
    rest = parts.rest
    ds = dataset_iri(base)
    t: list[Triple] = []

    def add(s, p, o) -> None:
        t.append(Triple(s, p, o))

    add(ds, TYPE, VOID.Dataset)
    add(ds, TYPE, DCAT.Dataset)
    titles: dict = {"zh": set(), "en": set()}
    for plan in rest.subjects(TYPE, ONT.Plan):
        for lang in titles:
            titles[lang].add(rest.text(plan, language=lang))
    for d in parts.digests.values():
        for plan, found in d["void"]["plan_titles"]:
            texts = parts.texts(plan, found)
            for lang in titles:
                titles[lang].add(texts.get(lang, ""))
    for lang, intro in (("zh", "知识图谱:"), ("en", "Knowledge graph of ")):
        found = sorted(titles[lang] - {""})
        if found:
            add(ds, DCTERMS.title, Literal(intro + ("、" if lang == "zh" else "; ").join(found), language=lang))
    add(ds, DCTERMS.description, Literal(DESCRIPTION, language="en"))
    add(ds, DCTERMS.license, LICENSE)
    add(ds, DCTERMS.conformsTo, NamedNode(ONTOLOGY_IRI))
    add(ds, VOID.vocabulary, NamedNode(ONTOLOGY_NS))
    add(ds, VOID.uriSpace, Literal(base))
    add(ds, VOID.triples, Literal(parts.triples()))
    add(ds, VOID.entities, Literal(parts.typed(OWL.NamedIndividual) + len(rest.subjects(TYPE, OWL.NamedIndividual))))
    classes = {c for d in parts.digests.values() for c in d["types"]}
    classes |= {compact(c.value) for c in rest.distinct_objects(TYPE)}
    add(ds, VOID.classes, Literal(len(classes)))
    properties = {p for d in parts.digests.values() for p in d["uses"]} | {compact(p.value) for p in rest.predicates()}
    add(ds, VOID.properties, Literal(len(properties)))
    add(ds, DCTERMS.hasVersion, Literal(f"digital-china-kg {__version__}"))
    if endpoint:
        add(ds, VOID.sparqlEndpoint, NamedNode(endpoint))
    # Each document graph: its size, its source and its plan's titles (kg.digest: the
    # statements about them, as N-Triples, parsed at once).
    lines = []
    for name in sorted(parts.digests, key=sort_key):
        d = parts.digests[name]
        add(ds, VOID.subset, name)
        add(name, TYPE, VOID.Dataset)
        add(name, VOID.triples, Literal(d["triples"]))
        for source in d["void"]["sources"]:
            add(name, PROV.wasDerivedFrom, NamedNode(source))
            add(ds, DCTERMS.source, NamedNode(source))
        lines.extend(d["void"]["lines"])
    if lines:
        import pyoxigraph as ox

        t.extend(ox.parse("\n".join(lines).encode(), format=ox.RdfFormat.N_TRIPLES))
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
