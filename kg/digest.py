"""What each document graph gives the build's aggregates (the summary, VoID, the corpus
index, the ontology page), as plain data a build keeps in facts.json for the next.

Each aggregate reads the whole build: at 1,000 reports ~1.8 s of a rebuild after one report
changed. What it reads falls in two parts:

- a document's *own* statements: those of its graph about its own nodes (``<base><slug>/…``
  in ``<base><slug>/graph``, as kg.blocks cuts them). No other graph states anything about
  those nodes, so what the union holds of them is the sum of what each document holds;
- the *rest*: the statements about the nodes of no document (the entities plans name, the
  framework's individuals), which any graph may hold. They are a tenth of a corpus.

So an aggregate is made from a digest per document graph (its counts and its own rows) and
the rest, read whole. A rebuild makes the digests of the graphs it read again and keeps the
others'. Where an aggregate shows a node (the ontology page's examples), the node's graph is
looked at (``Parts.own``): one document's, or a few, not all of them.

When the rest does state something about a document's node (``kg stats --inferred``: the
inferred graph; or a report whose id is a path of the base, such as ``entity``), that
document's statements are all taken as rest, so a count never takes a node twice.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kg.namespaces import ONTOLOGY_NS, compact, document_prefix
from kg.rdf import DCTERMS, ONT, OWL, RDFS, TYPE, Data, Graph, Literal, NamedNode, prefix_range, sort_key

PILLAR_CLASSES = (ONT.Foundation, ONT.Domain, ONT.Capability, ONT.Environment)
DOCUMENT_CLASSES = {ONT.Task: "tasks", ONT.Measure: "measures", ONT.Goal: "goals", ONT.Guarantee: "guarantees"}
UNIT_KINDS = {ONT.Task: "tasks", ONT.Measure: "measures", ONT.Goal: "goals", ONT.Target: "targets"}
_ONT = ONT.Entity.value.removesuffix("Entity")


def own_prefix(name) -> str | None:
    """``<base><slug>/`` of a document graph ``<base><slug>/graph``; None for any other graph."""
    return document_prefix(name.value) if isinstance(name, NamedNode) else None


def own_range(graph: Graph, prefix: str | None) -> tuple[int, int]:
    """Where the statements of ``graph`` about the nodes ``<prefix…>`` lie: together (sorted by
    their text, subject first; every such subject sorts before ``<prefix-without-its-slash>0``)."""
    if prefix is None:
        return 0, 0
    return prefix_range(graph.statements, prefix)


def own_part(graph: Graph, prefix: str | None) -> Graph:
    """The statements of ``graph`` about its document's own nodes (own_range)."""
    first, end = own_range(graph, prefix)
    return Graph(graph.statements[first:end], presorted=True)


@dataclass(frozen=True)
class Classes:
    """The ontology's own classes, as the ontology page counts their nodes: each class with
    every class below it (``below``: the class itself included), and for each class the
    ontology's classes it counts for (``up``)."""

    below: dict
    up: dict

    @classmethod
    def of(cls, ontology: Graph) -> Classes:
        ours = [c for c in ontology.subjects(TYPE, OWL.Class) if c.value.startswith(ONTOLOGY_NS)]
        below: dict = {}  # every class reached, ours or not

        def down(c) -> set:
            if c not in below:
                below[c] = set()  # a cycle stops here
                found = {c}
                for s in ontology.subjects(RDFS.subClassOf, c):
                    if isinstance(s, NamedNode):
                        found |= down(s)
                below[c] = found
            return below[c]

        for c in ours:
            down(c)
        up: dict = defaultdict(set)
        for c in ours:
            for m in below[c]:
                up[m].add(c)
        return cls(below, dict(up))


def key() -> str:
    """A hash of the code that makes a digest (with the prefixed names it keys classes by,
    and the Graph it reads): kept digests are used only while it is the same."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in ("digest.py", "namespaces.py", "rdf.py"):
        digest.update((package / name).read_bytes())
    return digest.hexdigest()


def shared_key(graph: Graph, prefix: str | None) -> str:
    """A hash of the graph's statements about no node of its own document (the entities it
    names, the framework's individuals): the statements it adds to the rest. A rebuild
    after a report changed with this the same leaves the rest as the last build's
    (kg.held's shared runs)."""
    import pyoxigraph as ox

    first, end = own_range(graph, prefix)
    part = graph.statements[:first] + graph.statements[end:]
    body = ox.serialize([s.triple if isinstance(s, ox.Quad) else s for s in part], format=ox.RdfFormat.N_TRIPLES)
    return hashlib.sha1(body).hexdigest()


def _first_text(graph: Graph, node, language: str) -> str:
    return graph.text(node, language=language) if node is not None else ""


def of_graph(name: NamedNode, graph: Graph, classes: Classes, prefix: str | None = None) -> dict:
    """The digest of one document graph (``graph``: all its statements; ``prefix``: its own
    nodes', own_prefix(name), or None to take them all as rest): plain data, JSON as it is,
    classes and predicates by their prefixed names (kg.namespaces.compact)."""
    own = own_part(graph, prefix)
    combos: dict = defaultdict(int)  # an own node's classes → how many own nodes have them
    statements = own.statements_with(TYPE)
    k = 0
    while k < len(statements):
        subject, j = statements[k].subject, k
        while j < len(statements) and statements[j].subject == subject:
            j += 1
        combos[frozenset(q.object for q in statements[k:j])] += 1
        k = j
    types: dict = defaultdict(int)
    deep: dict = defaultdict(int)
    pillars = 0
    for combo, n in combos.items():
        for t in combo:
            types[compact(t.value)] += n
        for c in set().union(*(classes.up.get(t, ()) for t in combo)):
            deep[compact(c.value)] += n
        if any(t in combo for t in PILLAR_CLASSES):
            pillars += n
    named = set(own.subjects(ONT.labelSource)) & set(own.subjects(ONT.origin))
    digest = {
        "triples": len(graph),
        "own": len(own),
        "shared": shared_key(graph, prefix),
        "types": dict(sorted(types.items())),
        "deep": dict(sorted(deep.items())),
        "uses": {compact(p.value): own.count(p) for p in sorted(own.predicates(), key=lambda p: p.value)},
        "named": len(named),
        "pillar_nodes": pillars,
    }
    digest.update(_rows(name, graph, prefix))
    return digest


def _rows(name: NamedNode, graph: Graph, prefix: str | None) -> dict:
    """What the document's own rows show: the summary's, VoID's and the index's."""
    members: dict = defaultdict(set)
    sources: list = []
    plans: list = []
    index_plan = None
    counts: dict = defaultdict(int)
    for q in graph.statements_with(TYPE):
        o = q.object
        if o in DOCUMENT_CLASSES or o == ONT.Plan:
            members[o].add(q.subject)
        if o == ONT.Plan:
            plans.append(q.subject)
            index_plan = q.subject
        elif o == ONT.SourceDocument:
            sources.append(q.subject)
        if o in UNIT_KINDS:
            counts[UNIT_KINDS[o]] += 1
    first_plan = min(members[ONT.Plan], key=sort_key) if members[ONT.Plan] else None

    def own(node) -> bool:
        return prefix is not None and isinstance(node, NamedNode) and node.value.startswith(prefix)

    def texts(node) -> dict | None:  # an own node's first label in each language; None: look in the rest
        if node is None:
            return {}
        if not own(node):
            return None
        return {lang: _first_text(graph, node, lang) for lang in ("zh", "en")}

    titles: dict = {}
    by_subject = defaultdict(list)
    for q in graph.statements_with(DCTERMS.title):
        by_subject[q.subject].append(q.object)
        if isinstance(q.object, Literal):
            titles.setdefault(q.object.language or "", q.object.value)
    void_lines = []
    for source in sources:
        for p in (DCTERMS.source, ONT.sha256):
            for value in graph.objects(source, p)[:1]:
                void_lines.append(f"{source} {p} {value} .")
    for plan in plans:
        for title in by_subject.get(plan, ()):
            void_lines.append(f"{name} {DCTERMS.title} {title} .")
    dates = [q.object.value for q in graph.statements_with(ONT.reportDate)]
    mentioned = sorted({q.object.value for q in graph.statements_with(ONT.mentions)})
    pillars: dict = {}
    for q in graph.statements_with(ONT.hasTask):
        if not own(q.subject):
            pillars.setdefault(q.subject.value, set()).add(q.object)
    pillar_rows = {}
    for pillar, tasks in sorted(pillars.items()):
        measures = {m for t in tasks for m in graph.objects(t, ONT.hasMeasure)}
        entities = {e.value for u in tasks | measures for e in graph.objects(u, ONT.mentions)}
        pillar_rows[pillar] = [len(measures), sorted(entities)]
    return {
        "summary": {
            "plan": first_plan.value if first_plan is not None else None,
            "plan_texts": texts(first_plan),
            **{key: len(members[cls]) for cls, key in DOCUMENT_CLASSES.items()},
        },
        "void": {
            "sources": [s.value for s in sources],
            "lines": void_lines,
            "plan_titles": [[p.value, texts(p)] for p in plans],
        },
        "index": {
            "plan": index_plan.value if index_plan is not None else None,
            "plan_texts": texts(index_plan),
            "titles": titles,
            "issuers": [q.object.value for q in graph.statements_with(ONT.issuedBy)],
            "date": dates[-1] if dates else "",
            "years": sorted({int(q.object.value) for q in graph.statements_with(ONT.targetYear)}),
            "counts": dict(sorted(counts.items())),
            "mentioned": mentioned,
        },
        "pillars": pillar_rows,
    }


def _document_of(ordered: list, value: str):
    """The graph of the document whose own node ``value`` is (``ordered``: [(prefix, graph)],
    sorted), or None: the last prefix not after it, when it starts it."""
    k = bisect.bisect_right(ordered, (value, chr(0x10FFFF))) - 1
    return ordered[k][1] if k >= 0 and value.startswith(ordered[k][0]) else None


@dataclass
class Parts:
    """The build as its aggregates read it: a digest per document graph (by name, in the
    names' order), the rest (the union of the statements about no document's own nodes),
    ``own``: a document graph's own statements, looked at for the few nodes an aggregate
    shows; and the ontology's ``classes`` the digests counted by."""

    digests: dict
    rest: Graph
    own: Callable[[NamedNode], Graph]
    classes: Classes
    _prefixes: list = field(default_factory=list)  # [(prefix, graph)], by the prefix
    _counts: dict = field(default_factory=dict)  # field → {name: ([graph, …] in_order, total)}

    def __post_init__(self) -> None:
        self._prefixes = sorted((p, g) for g in self.digests if (p := self.digests[g].get("prefix")) is not None)

    def _counted(self, field_: str) -> dict[str, tuple[list, int]]:
        """Each name a digest counts in ``field_`` ("types", "deep", "uses"): the graphs that
        count it, in_order, and their total. Made once for all the names: the ontology page
        asked each of ~100 classes and properties of all 1,000 digests (~0.5 s a build)."""
        found = self._counts.get(field_)
        if found is None:
            graphs: dict[str, list] = defaultdict(list)
            totals: dict[str, int] = defaultdict(int)
            for g in self.in_order():
                for name, n in self.digests[g][field_].items():
                    if n:
                        graphs[name].append(g)
                        totals[name] += n
            found = self._counts[field_] = {name: (graphs[name], totals[name]) for name in graphs}
        return found

    def holders(self, field_: str, name: str) -> list:
        """The document graphs whose digests count ``name`` in ``field_``, in_order."""
        return self._counted(field_).get(name, ([], 0))[0]

    def total(self, field_: str, name: str) -> int:
        """What the digests count of ``name`` in ``field_``, together."""
        return self._counted(field_).get(name, ([], 0))[1]

    def triples(self) -> int:
        """The union's statements: each document's own (no other graph holds them) and the rest's."""
        return sum(d["own"] for d in self.digests.values()) + len(self.rest)

    def typed(self, cls, deep: bool = False) -> int:
        """Nodes typed ``cls`` (``deep``: or a class below it, Classes.below; the rest's counted by the caller)."""
        return self.total("deep" if deep else "types", compact(cls.value))

    def in_order(self) -> list:
        """The document graphs by their own nodes' IRIs: every node of one sorts before every
        node of the next (no prefix starts another: a document id holds no slash)."""
        return [g for _, g in self._prefixes]

    def graph_of(self, node) -> Graph:
        """The statements about ``node``: its document's own, or the rest's."""
        g = _document_of(self._prefixes, node.value) if isinstance(node, NamedNode) else None
        return self.rest if g is None else self.own(g)

    def text(self, node, language: str = "") -> str:
        return self.graph_of(node).text(node, language=language)

    def texts(self, value: str | None, found: dict | None) -> dict:
        """A node's first label in Chinese and in English: ``found``, as its digest has them
        (an own node's), or read here (None: the node is the rest's); {} for no node."""
        if found is not None or value is None:
            return found or {}
        return {lang: self.text(NamedNode(value), lang) for lang in ("zh", "en")}


def make(
    data: Data,
    classes: Classes,
    kept: dict | None = None,
    rest: Iterable | None = None,
    graphs: Mapping | None = None,
    own_graph: Callable[[NamedNode], Graph] | None = None,
) -> Parts:
    """The Parts of ``data``: each document graph's digest, made now or taken from ``kept``
    (graph → its digest from the last build, for graphs that are the same); ``rest``: the
    quads about no document's own nodes in the quads' order, when the caller has them apart
    (kg.blocks' shared segments), else found here. ``graphs``: the document graphs by name,
    when ``data`` does not hold them all (kg.held; with ``rest``): a kept one is not read.
    ``own_graph``: a document graph's own statements (own_part), without the rest of it
    (kg.held.Held.own_graph: a kept report's run alone)."""
    graphs = data.graphs() if graphs is None else graphs
    prefixes = {g: own_prefix(g) for g in graphs}
    if rest is None:
        rest_quads: list = []
        for g, graph in graphs.items():
            p = prefixes[g]
            if p is None:
                rest_quads.extend(graph.statements)
                continue
            first, end = own_range(graph, p)
            rest_quads.extend(graph.statements[:first])
            rest_quads.extend(graph.statements[end:])
        if len(data.quads) != sum(len(graph) for graph in graphs.values()):  # the default graph's too
            rest_quads.extend(q for q in data.quads if not isinstance(q.graph_name, NamedNode))
        rest_quads.sort(key=sort_key)
    else:
        rest_quads = list(rest)
    # A document whose nodes the rest speaks of too: all its statements are rest.
    ordered = sorted((p, g) for g, p in prefixes.items() if p is not None)
    shared = set()
    last = None
    for q in rest_quads:
        s = q.subject
        if s == last or not isinstance(s, NamedNode):
            continue
        last = s
        if (g := _document_of(ordered, s.value)) is not None:
            shared.add(g)
    if shared:
        for g in sorted(shared, key=sort_key):
            first, end = own_range(graphs[g], prefixes[g])
            rest_quads.extend(graphs[g].statements[first:end])
            prefixes[g] = None
        rest_quads.sort(key=sort_key)
    union: list = []
    last_triple = None
    for q in rest_quads:
        t = q.triple
        if t != last_triple:
            union.append(q)
            last_triple = t
    digests: dict = {}
    for g in graphs:
        found = (kept or {}).get(g)
        if found is None or found.get("prefix") != prefixes[g]:
            found = of_graph(g, graphs[g], classes, prefixes[g])
            found["prefix"] = prefixes[g]
        digests[g] = found
    owns: dict = {}

    def own(g: NamedNode) -> Graph:
        if g not in owns:
            whole = own_graph is None or prefixes[g] is None
            owns[g] = own_part(graphs[g], prefixes[g]) if whole else own_graph(g)
        return owns[g]

    return Parts(digests, Graph(union, presorted=True), own, classes)


def parts_of(data) -> Parts:
    """``data`` as Parts (as they are, when they are), its digests made with the bundled
    ontology's classes: for a command that reads a build (kg stats) rather than makes one."""
    if isinstance(data, Parts):
        return data
    from kg import resources
    from kg.rdf import load_ontology

    return make(data, Classes.of(load_ontology(resources.ontology_file())))


def least_nodes(parts: Parts, classes: Iterable, n: int = 3) -> list:
    """The ``n`` nodes least by IRI typed any of ``classes``: the documents' in their order
    (the first with any holds the least), and the rest's."""
    found = []
    for cls in classes:
        found.extend(parts.rest.subjects(TYPE, cls))
    chosen = heapq.nsmallest(n, set(found), key=lambda node: node.value)
    holding = {g for c in classes for g in parts.holders("types", compact(c.value))}
    taken = 0
    for g in parts.in_order():
        if taken >= n:
            break
        if g not in holding:
            continue
        own = parts.own(g)
        nodes = {s for cls in classes for s in own.subjects(TYPE, cls)}
        chosen = heapq.nsmallest(n, set(chosen) | nodes, key=lambda node: node.value)
        taken += len(nodes)
    return chosen
