"""A rebuild's graph without the kept reports' own statements.

After one report of 1,000 changed, a rebuild read the other 999 reports' 1.2 million quads
back from the last data.nq (~2.6 s), worked out the class hierarchy's memberships of all
their nodes again (~1.2 s), and let the quads go at the end (~1 s): for statements that
were the same as the last build's. Yet a kept report's own statements (about its own
nodes: kg.blocks) are one run of that file, and whatever the build makes of them is the
last build's too. So a rebuild holds only

- the changed reports' quads, and
- the shared statements (the last file's chunks, ~a tenth of it), without the changed and
  removed reports' quads among them;

and each kept report's own run is *absent*. kg.blocks copies its bytes into the new files
(Segmented's ``absent``); its graph is read from the last file only when something asks for
it (Graphs: the ontology page's examples, a plan page whose view changed); the class
memberships the gate inferred of its nodes are the last build's (``inferred``).

A kept report is read whole after all (*materialised*), and is then held as a changed one
is, when its statements are not one run of the last file, when a statement held is about
its nodes, or when HermiT reasons over it now or did in the last build (the sample: what
HermiT infers may be more than the hierarchy). A rebuild that cannot be made this way
(no index of the last file, no record of its gate, a store loaded whole) reads every
kept report back, as before.

Most edits of a report (a sentence added, a number or a date put right) name no entity it
did not name: what it states about other nodes than its own is what it stated (its
digest's ``shared`` hash, kg.digest.shared_key), so the shared statements are the last
build's too. Then (``narrow``) a rebuild holds the changed reports' graphs alone: every
flat file is the last one's segments, theirs written anew and the rest copied, shared
chunks included (kg.blocks' templates); the aggregates' rest is the last data.nt's chunks
(~2,000 triples at 1,000 reports); and the gate takes HermiT's answer as the last build's
when its sample is the same and holds no changed report. At 1,000 reports that took a
rebuild's CPU in the process from ~3.9 s to ~2.3 s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kg.namespaces import document_prefix, node_prefix
from kg.rdf import Data, Graph, NamedNode, prefix_range, sort_key

if TYPE_CHECKING:
    from kg.blocks import Previous, Segmented
    from kg.check import KeptAnswer

# Up to this many graphs dropped, their quads' lines are cut from the text (_parse); past it,
# each quad's graph is read (one search of the text per graph dropped).
FEW_DROPPED = 16
RECORD = "gate"  # the key of the gate's record in the flat files' index (kg.build)


@dataclass
class Held:
    """The data held (``data``), the kept reports' absent runs (graph IRI → statement count)
    and where they are in the last data.nq (graph IRI → (offset, length)); ``names``: every
    document graph, in their order; ``inferred``: the runs of the last build's inferred
    memberships (its inferred.ttl, ``inferred_source``) of the absent reports' nodes, by
    graph IRI, their counts (None: the gate is not run)."""

    data: Data = field(repr=False)
    absent: dict[str, int]
    runs: dict[str, tuple[int, int]] = field(repr=False)
    source: Path
    names: list = field(repr=False)
    inferred: dict[str, int] | None = field(default=None, repr=False)
    inferred_source: Path | None = None
    # A rebuild whose changed reports add the same shared statements as before (narrow):
    # the last files' chunks of them are copied too, not held (``chunks``: where they are
    # in data.nq; ``rest_source``, ``rest_chunks``: the file whose chunks hold their union,
    # and where), and every flat file is its last one's segments (``templates``: by kind
    # and syntax, kg.blocks.template) but the changed reports' runs; ``inferred_shared``:
    # the memberships of no document's node, copied; ``answer``: HermiT's is the last
    # build's (kg.check.KeptAnswer), on this sample.
    shared: bool = False
    chunks: list = field(default_factory=list, repr=False)
    rest_source: Path | None = None
    rest_chunks: list = field(default_factory=list, repr=False)
    templates: dict = field(default_factory=dict, repr=False)
    inferred_shared: int = 0
    answer: KeptAnswer | None = None
    _loaded: dict = field(default_factory=dict, repr=False)
    _graphs: Graphs | None = field(default=None, repr=False)
    _shared_graphs: dict | None = field(default=None, repr=False)

    def graphs(self) -> Graphs:
        """The document graphs, one Graphs for the gate and the outputs (an absent report's
        graph, once made, is not made again)."""
        if self._graphs is None:
            self._graphs = Graphs(self)
        return self._graphs

    def kept_inferred(self) -> list:
        """The memberships of ``inferred``'s runs, read (sorted): for a gate whose HermiT
        inferred more of some document's nodes (kg.check.Report.beyond), where the runs
        cannot be copied as they are."""
        from kg.errors import KGError

        assert self.inferred is not None and self.inferred_source is not None
        found = _kept_inferred(self.inferred_source, self.absent, self.data.prefixes.get("id", ""))
        if found is None or len(found) != sum(self.inferred.values()):
            raise KGError(f"{self.inferred_source}: changed during the build; build again")
        return found

    def rest(self) -> list:
        """The statements about no document's own nodes (kg.digest's rest), when they are
        the last build's (``shared``): read from rest_source's chunks, data.nt's (its union:
        ~2,000 triples at 1,000 reports, not the ~0.11 million quads of data.nq's), as
        Quads of the default graph (N-Triples read as N-Quads)."""
        assert self.shared and self.rest_source is not None
        return _parse(self.rest_source, self.rest_chunks)

    def segmented(self, data: Data, kind: str) -> Segmented:
        """``data`` (the held graphs, of a kind of flat file: "data", "full" or "inferred")
        cut as the last files of that kind were (``shared``: ``templates``), the held
        reports' runs written from it and every other segment copied."""
        from kg import blocks

        template = {dataset: found for (of, dataset), found in self.templates.items() if of == kind}
        return blocks.Segmented(data, template=template, held=frozenset(g.value for g in self.data.graphs()))

    def partial(self, name: NamedNode) -> Graph | None:
        """What ``data`` holds of the graph ``name``, beside its own run: when the shared
        statements are not held, the last build's of that graph (read from data.nq's
        chunks once, when first asked)."""
        if not self.shared:
            return self.data.graphs().get(name)
        if name in self.data.graphs():
            return self.data.graphs()[name]
        if self._shared_graphs is None:
            self._shared_graphs = Data(_parse(self.source, self.chunks), self.data.prefixes, presorted=True).graphs()
        return self._shared_graphs.get(name)

    def own_graph(self, name: NamedNode) -> Graph:
        """The statements of the graph ``name`` about its own nodes (kg.digest.own_part): an
        absent report's run as it is, without the rest of its graph."""
        if name.value in self.absent:
            return Graph(self.own(name.value), presorted=True)
        statements = self.graphs()[name].statements
        first, end = prefix_range(statements, document_prefix(name.value) or "")
        return Graph(statements[first:end], presorted=True)

    def own(self, owner: str) -> list:
        """The absent run of ``owner``, read from the last data.nq."""
        if owner not in self._loaded:
            offset, length = self.runs[owner]
            self._loaded[owner] = _parse(self.source, [(offset, length)])
        return self._loaded[owner]


class Graphs(Mapping):
    """Every document graph by name (Data.graphs' order): a held one as the data has it, an
    absent report's made when asked (its own run read back, beside its statements held)."""

    def __init__(self, held: Held) -> None:
        self.held = held
        self._made: dict = {}
        self._names = frozenset(held.names)

    def __contains__(self, name) -> bool:  # without making the graph (Mapping's would)
        return name in self._names

    def __getitem__(self, name: NamedNode) -> Graph:
        held = self.held
        partial = held.partial(name)
        if name.value not in held.absent:
            if partial is None:
                raise KeyError(name)
            return partial
        if name not in self._made:
            own = Graph(held.own(name.value), presorted=True)
            self._made[name] = own.plus(partial) if partial is not None else own
        return self._made[name]

    def __iter__(self) -> Iterator[NamedNode]:
        return iter(self.held.names)

    def __len__(self) -> int:
        return len(self.held.names)


def _parse(path: Path, ranges: list[tuple[int, int]], drop: frozenset = frozenset()) -> list:
    """The quads of byte ranges of an N-Quads file, in their order (whole lines each), but
    those of the graphs ``drop`` (IRIs): their lines are cut from the text before it is
    parsed (reading each quad's graph after took ~0.2 s at 1,000 reports). A quad of a
    graph ends its line with `` <graph> .``; so does a quad of the default graph whose
    object is that IRI, which is parsed to tell."""
    import pyoxigraph as ox

    with open(path, "rb") as f:
        parts = []
        for offset, length in ranges:
            f.seek(offset)
            parts.append(f.read(length))
    body = b"".join(parts)
    cuts = []
    for graph in sorted(drop):
        tail = f" <{graph}> .\n".encode()
        at = body.find(tail)
        while at >= 0:
            start, end = body.rfind(b"\n", 0, at) + 1, at + len(tail)
            quad = next(iter(ox.parse(body[start:end], format=ox.RdfFormat.N_QUADS)))
            if isinstance(quad.graph_name, NamedNode) and quad.graph_name.value == graph:
                cuts.append((start, end))
            at = body.find(tail, end)
    if cuts:
        kept, last = [], 0
        for start, end in sorted(cuts):
            kept.append(body[last:start])
            last = end
        kept.append(body[last:])
        body = b"".join(kept)
    return list(ox.parse(body, format=ox.RdfFormat.N_QUADS, lenient=True))


def sample_graphs(names: list, sizes: Mapping, limit: int) -> list:
    """The document graphs HermiT's sample takes (kg.check._sample), told their sizes: the
    first ones whose statements add up to at most ``limit``, or the first alone (cut)."""
    taken: list = []
    total = 0
    for name in names:
        total += sizes[name]
        if total > limit:
            return taken or [name]
        taken.append(name)
    return taken


def lean(
    last,
    kept: frozenset,
    fresh: Data,
    digests: dict,
    gate: dict | None,
    inferred: list | None,
    limit: int,
) -> Held | None:
    """The Held of a rebuild, or None when it cannot be made so. ``last``: the last data.nq
    (a kg.blocks.Previous); ``kept``: the graphs of the reports kept; ``fresh``: the graph of
    the reports read again; ``digests``: the kept reports' (kg.digest), by graph; ``gate``:
    what the last build's gate recorded, and its ``inferred`` files (kg.blocks.Previous
    each, inferred.ttl's first), when this build runs the gate (else None: no memberships
    needed); ``limit``: HermiT's sample."""
    if last is None or not last.intact():
        return None
    if gate is not None and (not inferred or not all(p is not None and p.intact() for p in inferred)):
        return None
    if any(g not in digests for g in kept):
        return None
    segments = last.runs()
    if segments is None:
        return None
    chunks = _chunk_ranges(segments)
    runs = {owner: found for owner, found in segments.items() if not owner.startswith("#")}
    kept_iris = {g.value for g in kept}
    if any(owner not in runs for owner in kept_iris):
        return None
    # The graphs of the last build's reports read again or removed: their quads are left out.
    dropped = frozenset(runs) - kept_iris
    # Graph order (Data.graphs): every document's, the kept and the read again.
    names = sorted(set(kept) | set(fresh.graphs()), key=sort_key)
    read_whole: set = set()
    if gate is not None:
        if not isinstance(gate, dict) or gate.get("beyond") != 0 or not isinstance(gate.get("sample"), list):
            return None
        sizes = {g: digests[g]["triples"] for g in kept} | {g: len(graph) for g, graph in fresh.graphs().items()}
        read_whole = {g.value for g in sample_graphs(names, sizes, limit)}  # HermiT's sample now
        read_whole |= set(gate["sample"])  # and the last build's
    read_whole |= {owner for owner in kept_iris if len(runs[owner]) > 1}
    read_whole &= kept_iris
    while True:
        ranges = chunks + [(offset, length) for owner in read_whole for _, offset, length in runs[owner]]
        if len(dropped) <= FEW_DROPPED:
            quads = _parse(last.path, sorted(ranges), dropped)
        else:
            quads = [q for q in _parse(last.path, sorted(ranges))
                     if not isinstance(g := q.graph_name, NamedNode) or g.value in kept_iris]  # fmt: skip
        data = Data(quads, fresh.prefixes, presorted=True).plus(fresh)
        absent = {owner: runs[owner][0][0] for owner in sorted(kept_iris - read_whole)}
        crowded = _crowded(data.quads, absent)
        if not crowded:
            break
        read_whole |= crowded  # statements held about their nodes: read them whole
    held = Held(data, absent, {o: tuple(runs[o][0][1:]) for o in absent}, last.path, names)
    if gate is not None:
        assert inferred is not None
        found = inferred[0].runs()
        if found is None or any(len(found.get(o, ())) > 1 for o in absent):
            return None
        held.inferred = {o: found[o][0][0] for o in absent if o in found}
        held.inferred_source = inferred[0].path
    return held


def narrow(
    previous: Callable[[str], Previous | None],
    flat: Mapping[str, tuple[str, bool]],
    kept: frozenset,
    fresh: Data,
    digests: dict,
    was: dict,
    gate: dict | None,
    limit: int,
) -> Held | None:
    """The Held of a rebuild whose changed reports state about other nodes than their own
    what they stated last time (kg.digest.shared_key: the entities they name, unchanged):
    the shared statements are the last build's, so only the changed reports' graphs are
    held, and every flat file is the last one with their runs written anew (kg.blocks'
    templates). Else None (lean then). ``previous``: the last build's file of a name
    (Since.previous); ``flat``: the flat files this build writes, name → (kind: "data",
    "full" or "inferred"; whether its syntax is a dataset's); ``kept``, ``fresh``,
    ``digests``, ``gate``, ``limit``: lean's; ``was``: the changed reports' digests in the
    last build, by graph.

    It holds when, beside what lean needs: no report was added or removed; each document
    is one run of the last files; no statement about a document's nodes is outside its
    graph (each digest's prefix); and, with the gate, the last one found the graph
    consistent with the HermiT there is now (reasoner.identity), on the sample this build
    takes too, no changed report in it (its answer is then this build's)."""
    from kg import blocks, digest
    from kg.builddir import DATA_FILE
    from kg.check import KeptAnswer
    from kg.reasoner import identity

    last = previous(DATA_FILE)
    segments = last.runs() if last is not None and last.intact() else None
    if segments is None or any(g not in digests for g in kept):
        return None
    runs = {owner: found for owner, found in segments.items() if not owner.startswith("#")}
    changed = fresh.graphs()
    touched = {g.value for g in changed}
    if set(runs) != {g.value for g in kept} | touched or any(len(found) != 1 for found in runs.values()):
        return None
    if any(digests[g].get("prefix") != digest.own_prefix(g) for g in kept):
        return None
    for g, graph in changed.items():
        old, prefix = was.get(g), digest.own_prefix(g)
        if not isinstance(old, dict) or prefix is None or old.get("prefix") != prefix:
            return None
        if old.get("shared") != digest.shared_key(graph, prefix):
            return None
    names = sorted(set(kept) | set(changed), key=sort_key)
    answer = None
    if gate is not None:
        if not isinstance(gate, dict) or gate.get("consistent") is not True or gate.get("beyond") != 0:
            return None
        sizes = {g: digests[g]["triples"] for g in kept} | {g: len(graph) for g, graph in changed.items()}
        sampled = [g.value for g in sample_graphs(names, sizes, limit)]
        taken = gate.get("taken")
        if sampled != gate.get("sample") or not isinstance(taken, int) or touched & set(sampled):
            return None
        hermit = identity()
        if hermit is None or gate.get("hermit") != hermit:
            return None
        answer = KeptAnswer(tuple(sampled), taken, frozenset(document_prefix(g.value) for g in changed))
    templates: dict = {}
    for name, kind in flat.items():
        found = blocks.template(previous(name))
        if found is None or templates.setdefault(kind, found) != found:
            return None
        owners = {owner for owner, _ in found if not owner.startswith("#")}
        if not touched <= owners <= set(runs):
            return None
    chunks = _chunk_ranges(segments)
    union = previous("data.nt") if "data.nt" in flat else None
    union_runs = union.runs() if union is not None else None
    rest_chunks = _chunk_ranges(union_runs) if union_runs is not None else chunks
    absent = {owner: runs[owner][0][0] for owner in sorted({g.value for g in kept})}
    held = Held(fresh, absent, {o: tuple(runs[o][0][1:]) for o in absent}, last.path, names, shared=True,
                chunks=chunks, rest_source=union.path if union_runs is not None else last.path,
                rest_chunks=rest_chunks, templates=templates, answer=answer)  # fmt: skip
    inferred = [found for (kind, _), found in templates.items() if kind == "inferred"]
    if gate is not None:
        if not inferred:
            return None
        held.inferred = {owner: count for owner, count in inferred[0] if owner in absent}
        held.inferred_shared = sum(count for owner, count in inferred[0] if owner.startswith("#"))
    return held


def _chunk_ranges(segments: dict) -> list[tuple[int, int]]:
    """Where the shared chunks are in a last file (its Previous.runs): (offset, length), in order."""
    return sorted((at, length) for key, found in segments.items() if key.startswith("#") for _, at, length in found)


def _crowded(quads: list, absent: dict) -> set:
    """The absent runs' graphs about whose nodes a quad held speaks."""
    out = set()
    for owner in absent:
        first, end = prefix_range(quads, document_prefix(owner))
        if end != first:
            out.add(owner)
    return out


def _kept_inferred(path: Path, absent: dict, base: str) -> list | None:
    """The last build's inferred memberships of the absent reports' nodes, in its order
    (sorted), from its inferred.ttl (None: it cannot be read)."""
    import pyoxigraph as ox

    prefixes = {document_prefix(owner) for owner in absent}
    out = []
    try:
        for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            if node_prefix(t.subject.value, base) in prefixes:
                out.append(t.triple)
    except (OSError, SyntaxError, ValueError):
        return None
    return out
