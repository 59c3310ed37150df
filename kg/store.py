"""The build's on-disk Oxigraph store (RocksDB): loaded whole by the bulk loader on a thread
while kg build writes the flat files, or, on a rebuild, a checkpoint of the last one
brought up to date; and the gate's SPARQL checks on it, run on that thread as soon as it
is in (Oxigraph loads, queries and compacts without the GIL)."""

from __future__ import annotations

import bisect
import itertools
import json
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from pathlib import Path

from kg.rdf import ONTOLOGY_IRI, Data, DefaultGraph, Graph, NamedNode, Triple, sort_key

SOURCE_BATCH = 125_000  # quads per file the loader reads beside the flat files (start_store)
# A rebuild updates a copy of the last store when at most this share of its documents
# changed; past it, the bulk loader is as quick.
UPDATE_SHARE = 0.25
# An updated store is compacted (_compact: 9.4-9.6 s at 1,000 reports here, the longest
# part of the rebuild that does it) once the graphs replaced or dropped since it was last
# compacted or loaded whole reach this share of its graphs. In between RocksDB's own
# compactions keep it in shape, and what the updates cost the queries is a step, not a
# slope: at 1,000 reports the five corpus queries took 0.34-0.70 s on a compacted store,
# 0.51-0.74 s after 10 updates of one report, 0.52-0.86 s after 20 and 0.51-0.84 s after
# 30. At 1 % (every 11th rebuild) the compaction added 0.87 s to each rebuild on average.
COMPACT_SHARE = 0.05
UPDATES = "kg-updates.json"  # in the store's folder, when it is not compact: {"replaced": n}
# In the store's folder: the gate's SPARQL checks' findings on it, {"key": check.checks_key(),
# "findings": {check: [[focus, message], …]}}, which a rebuild's update keeps for the nodes
# no changed report names (kg.check.Scope).
CHECKS = "kg-checks.json"


def _updatable(changes: int, graphs: int) -> bool:
    """Whether ``changes`` graphs dropped or replaced, of ``graphs``, are few enough for an
    update (UPDATE_SHARE)."""
    return changes <= UPDATE_SHARE * max(1, graphs)


def write_store(path: Path, sources: Sequence[Path], blank: Sequence = ()) -> None:
    """The dataset (with the ontology's graph) as an Oxigraph store at ``path``, by the bulk
    loader: read commands open it read-only instead of parsing RDF files at start (and the
    gate queries it before the build is swapped in).

    When some triple is held by two graphs (a corpus: every report's graph describes the
    entities it shares with the others), the default graph is the union of the named
    graphs, each triple once. Oxigraph's own union (use_default_graph_as_union) counts a
    triple once per graph that holds it: at 1,000 reports `organizations` multiplied its
    rows past a minute, and a COUNT counted each report's copy. When no triple repeats (a
    plan, whose graph refers to the ontology's without copying it), that union is the
    same thing, so the default graph stays empty and kg.query takes Oxigraph's: the store
    is half the size and loads in half the time (the bulk loader takes ~10 µs a quad).

    ``sources``: store_sources' files of the quads (and of the union, when it is kept) but
    ``blank`` (those that hold a blank node), which the bulk loader reads without holding
    the GIL (start_store loads them on a thread while kg build writes the flat files); they
    are removed here."""
    import pyoxigraph as ox

    try:
        shutil.rmtree(path, ignore_errors=True)  # what an update given up on left
        store = ox.Store(str(path))
        for source in sources:
            # lenient: the files were written by pyoxigraph from terms it had checked.
            store.bulk_load(path=str(source), format=ox.RdfFormat.N_QUADS, lenient=True)
        store.bulk_extend(blank)
        store.flush()  # (optimize() would take a third longer again, for no faster query here)
        del store  # closes the database before the folder is swapped in
    finally:
        for folder in {source.parent for source in sources or ()}:
            shutil.rmtree(folder, ignore_errors=True)


def start_store(full: Data, path: Path, pool: Executor, checks: bool, repeats: bool) -> list[Future | None]:
    """write_store, on ``pool``'s thread: the bulk loader reads store_sources' files without
    the GIL (~6 s of a 4 MB plan's build, beside the ~8 s of its flat files), in batches
    that hold no more than bulk_extend's. Returns [the store's load, the gate's SPARQL checks
    on it (``checks``; _checks_on), None (no compaction: the bulk loader leaves the store
    compact)], Futures on that thread, in the order of Update.take's; each one's result()
    raises what it raised. ``repeats``: has_repeats of ``full``."""
    sources, blank = store_sources(full, path, repeats)
    loaded = pool.submit(write_store, path, sources, blank)
    return [loaded, pool.submit(_checks_on, path) if checks else None, None]


@dataclass
class Update:
    """A rebuild's update of the last store (start_update), under way on the store's thread:
    ``applied``'s result is the kind of store it updated (whether its default graph holds
    the union: has_repeats), or None when the update did not apply (nothing is then left at
    its path but what write_store clears); ``found``: the gate's checks on it;
    ``compacted``: its compaction when due, after the checks (_compact_held);
    ``holder``: [the updated store, whether its compaction is due, the checks' Scope]."""

    applied: Future
    found: Future | None
    compacted: Future
    holder: list

    def take(self, repeats: bool) -> list[Future | None] | None:
        """[done, the checks, the compaction] (start_store's order) when the update applied
        to a store of the kind this build's graph makes (``repeats``); else None, the checks
        and the compaction waited for and the store let go."""
        if self.applied.result() == repeats:
            done: Future = Future()
            done.set_result(None)
            return [done, self.found, self.compacted]
        if self.found is not None and (result := self.found.result()) is not None:
            result.clear()
        self.compacted.result()
        self.holder.clear()
        return None


def start_update(
    fresh: Data,
    names: dict[str, NamedNode],
    last: Path,
    changed: frozenset,
    ontology: Graph,
    path: Path,
    pool: Executor,
    checks: bool,
) -> Update | None:
    """A rebuild's update of the last store (``last``) into ``path`` (_update_store;
    ``changed``: the graphs of the reports read again, ``names``: every report's path → its
    graph), and the gate's SPARQL checks on it, started on ``pool``'s thread as soon as the
    changed reports' graph (``fresh``) is made: before the build's whole graph is read back
    and made (~1.5 s at 1,000 reports), which the checks (~2-3 s there, without the GIL)
    then run beside. Its compaction, when due (COMPACT_SHARE), follows the checks (which
    query the updated store as it is) on that thread; the build takes all three when its
    graph is made and of the same kind (Update.take). None when more
    reports changed than an update is for (UPDATE_SHARE; the store is then loaded whole,
    and the changed graphs' quads are not copied here for nothing)."""
    graphs = {*names.values(), ONTOLOGY_IRI}
    if not _updatable(len(changed), len(graphs)):
        return None
    # The changed graphs' quads as the store holds them: with what the ontology's graph
    # states left out (Data.with_graph), as it is of the whole graph's.
    added = [q for q in fresh.with_ontology(ontology).quads if q.graph_name in changed]
    holder: list = []
    applied = pool.submit(_update_into, holder, added, graphs, path, last, changed)
    found = pool.submit(_checks_held, holder, path) if checks else None
    return Update(applied, found, pool.submit(_compact_held, holder), holder)


def _update_into(holder: list, added: list, graphs: set, path: Path, last: Path, changed: frozenset) -> bool | None:
    """_update_store, the store, whether its compaction is due and the checks' Scope put into
    ``holder``; the kind of store it updated, or None."""
    store, repeats, due, scope = _update_store(added, graphs, path, last, changed)
    if store is None:
        return None
    holder.extend([store, due, scope])
    return repeats


def _checks_held(holder: list, path: Path) -> list | None:
    """_checks_of the store in ``holder`` (at ``path``), or None when it is empty (no update)."""
    return _checks_of(holder[0], path, holder[2]) if holder else None


def _store_quads(full: Data, repeats: bool) -> Iterable:
    """What the store holds: the quads, and the union in the default graph when a triple
    repeats (``repeats``: has_repeats of ``full``; write_store). The union's statements
    are given as Triples, which N-Quads writes as quads of the default graph: a Quad made
    of each one's three terms took ~9.6 s at 1,000 reports (each term read is a new
    object), its .triple ~1 s (_as_quad makes the Quad where one is needed)."""
    if not repeats:
        return full.quads
    return itertools.chain(full.quads, (t if isinstance(t, Triple) else t.triple for t in full.union().statements))


def _as_quad(statement):
    """A quad: a Triple as one of the default graph."""
    import pyoxigraph as ox

    return statement if isinstance(statement, ox.Quad) else ox.Quad(*statement, ox.DefaultGraph())


def store_sources(full: Data, near: Path, repeats: bool) -> tuple[list[Path], list]:
    """The store's quads (_store_quads) as N-Quads files of SOURCE_BATCH quads each, in a
    folder beside ``near``, for write_store's ``sources``; and the quads that hold a blank
    node, which are given to it from Python (``blank``): the loader gives each blank node of
    a file it reads a fresh name, so an OWL list of the ontology would be cut in two where
    it spans two files, and no two builds' stores would hold the same quads. The files are
    written with the GIL (~0.7 s at a plan of 4 MB); the bulk loader then reads them
    without it, in batches as bounded as bulk_extend's (a single file of 0.9 million quads
    held +0.7 GB while it loaded)."""
    import pyoxigraph as ox

    folder = Path(tempfile.mkdtemp(prefix=".store-load-", dir=near.parent))
    paths: list[Path] = []
    blank: list = []
    try:
        quads = iter(_store_quads(full, repeats))
        while batch := list(itertools.islice(quads, SOURCE_BATCH)):
            text = ox.serialize(batch, format=ox.RdfFormat.N_QUADS)
            if b"_:" in text:  # a blank node, or those two characters in a literal
                kept = []
                for q in batch:
                    if _has_blank(q):
                        blank.append(_as_quad(q))
                    else:
                        kept.append(q)
                text = ox.serialize(kept, format=ox.RdfFormat.N_QUADS)
            paths.append(folder / f"{len(paths):05d}.nq")
            paths[-1].write_bytes(text)
            del text
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    if not paths:
        folder.rmdir()  # nothing to read (write_store removes the folders of the files it reads)
    return paths, blank


def _has_blank(q) -> bool:
    import pyoxigraph as ox

    return isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)


def has_repeats(data: Data) -> bool:
    """Whether two of the named graphs hold the same triple: the quads are sorted subject
    first and graph last, so its quads are neighbours (no union made to count them). The
    entities' quads are read first: that is where a corpus repeats (the entities reports
    share), so the answer is mostly found there without reading the rest (~0.6 s at 1,000
    reports); the rest is read when it is not."""
    quads = data.quads
    base = data.prefixes.get("id")
    start = bisect.bisect_left(quads, f"<{base}entity/", key=sort_key) if base else 0
    # Neighbours (k - 1, k): from the entities on, then the quads before them. The pair
    # across where the parts meet has two subjects (a subject's quads lie on one side).
    return _repeat_in(quads, max(start, 1), len(quads)) or _repeat_in(quads, 1, start)


def _repeat_in(quads: list, begin: int, end: int) -> bool:
    """Whether quads[k - 1] and quads[k], for some k in [begin, end), are two named graphs'
    quads of one triple."""
    last = quads[begin - 1] if 0 < begin <= len(quads) else None
    last = None if last is None or isinstance(last.graph_name, DefaultGraph) else last.triple
    for k in range(begin, end):
        q = quads[k]
        if isinstance(q.graph_name, DefaultGraph):
            continue
        t = q.triple
        if t == last:
            return True
        last = t
    return False


def _update_store(
    added: list, graphs: set, path: Path, last: Path, changed: frozenset
) -> tuple[object | None, bool | None, bool, object]:
    """The last build's store (``last``), copied to ``path`` (a RocksDB checkpoint: hard links, no
    bytes copied) and brought up to the new build: the graphs not among ``graphs`` (the
    removed documents') and the changed ones dropped, the changed ones' quads (``added``)
    put in, and the default graph's union kept each triple once when it has one. The quads
    are then those a bulk load of the build's graph would write (tests compare the two), if
    that graph is of the same kind (start_update's caller sees to it). Returns the store,
    open, for _compact, its kind (whether its default graph holds the union) and whether
    its compaction is due (COMPACT_SHARE; when it is not, the graphs replaced since the
    last one are written to UPDATES in its folder), and the checks' kg.check.Scope: the
    nodes the dropped and added quads name, and the last store's findings (CHECKS), or None
    when it has none of these checks'; None, and nothing to keep, when it does not apply:
    too many changes, or a store that cannot be read."""
    import pyoxigraph as ox

    from kg.query import has_union

    try:
        old = ox.Store.read_only(str(last))
        repeats = has_union(old)
        gone = {g for g in old.named_graphs() if g not in graphs}
        if not _updatable(len(gone) + len(changed), len(graphs)):
            return None, repeats, False, None
        replaced = _replaced(last) + len(gone) + len(changed)
        old.backup(str(path))
        del old
        store = ox.Store(str(path))
        default = ox.DefaultGraph()
        dropped: set = set()
        for name in sorted(gone | changed, key=lambda n: n.value):
            dropped.update(q.triple for q in store.quads_for_pattern(None, None, None, name))
            store.remove_graph(name)
        store.bulk_extend(added)
        if repeats:
            fresh = {q.triple for q in added}
            for t in dropped - fresh:  # out of the union unless another graph still holds it
                held = store.quads_for_pattern(t.subject, t.predicate, t.object, None)
                if not any(not isinstance(q.graph_name, ox.DefaultGraph) for q in held):
                    store.remove(ox.Quad(t.subject, t.predicate, t.object, default))
            store.bulk_extend([ox.Quad(t.subject, t.predicate, t.object, default) for t in fresh])
        store.flush()
        due = replaced >= COMPACT_SHARE * len(graphs)
        if not due:
            (path / UPDATES).write_text(json.dumps({"replaced": replaced}) + "\n", encoding="utf-8")
        return store, repeats, due, _scope(last, dropped, added)
    except (OSError, ValueError, RuntimeError):
        return None, None, False, None


def _scope(last: Path, dropped: set, added: list):
    """The checks' Scope of an update: the IRIs the dropped triples and the added quads name,
    and the findings the last store's checks left (CHECKS), when they are these checks'."""
    import pyoxigraph as ox

    from kg import check

    try:
        record = json.loads((last / CHECKS).read_text(encoding="utf-8"))
        if record["key"] != check.checks_key():
            return None
        by_name = {c.name: c for c in check.load_checks()}
        kept = {
            name: [check.Finding("checks", by_name[name].severity, focus, name, message) for focus, message in rows]
            for name, rows in record["findings"].items()
            if name in by_name
        }
    except (OSError, ValueError, KeyError, TypeError):
        return None
    nodes = set()
    for t in itertools.chain(dropped, added):
        for term in (t.subject, t.object):
            if isinstance(term, ox.NamedNode):
                nodes.add(term.value)
    return check.Scope(frozenset(nodes), kept)


def _replaced(store: Path) -> int:
    """The graphs replaced or dropped in the store at ``store`` since it was last compacted
    or loaded whole (its UPDATES; none written: none)."""
    try:
        record = json.loads((store / UPDATES).read_text(encoding="utf-8"))
        return max(0, int(record["replaced"]))
    except FileNotFoundError:
        return 0
    except (OSError, ValueError, TypeError, KeyError):
        return 1 << 30  # unreadable: compacted now


def _compact_held(holder: list) -> None:
    """_compact the updated store in ``holder`` when its compaction is due; else let go of
    it (the checks' result holds it while the gate queries it)."""
    held = list(holder)
    if held and held[1]:
        _compact(holder)
    holder.clear()


def _compact(holder: list) -> None:
    """Compact the updated store (``holder``: [it, due, …]; emptied, so that no reference
    outlives this call and the database is closed when the Future is done), as the bulk
    loader leaves one: the updates' deleted quads and small files slow the queries as
    they add up (COMPACT_SHARE). It runs on the store's thread right after the checks,
    without the GIL, while the build's graph is read back and the flat files, the gate and
    the other outputs are made."""
    store = holder[0]
    holder.clear()
    store.optimize()
    del store


def _checks_on(path: Path) -> list:
    """The gate's SPARQL checks on the store the build has just written (at ``path``, in its
    staging folder), run on the store's thread as soon as it is in, while the flat files
    are written (Oxigraph answers without the GIL: ~2 s at 1,000 reports, ~7 s at a plan of
    4 MB, hidden behind them). Returns [the store, opened read-write, which the gate then
    queries for the shapes too (a second handle cannot be opened beside it); (the checks'
    findings, their seconds)]: a list, so that the gate can let go of the store."""
    import pyoxigraph as ox

    # Read-write, as the build wrote it: no other process has it, and it answered the
    # checks of a 4 MB plan in 7 s where a read-only handle took 10.
    return _checks_of(ox.Store(str(path)), path)


def _checks_of(store, path: Path, scope=None) -> list:
    """_checks_on, on a store already open (a rebuild's, updated: ``scope``, its Scope);
    their findings written beside it (CHECKS), for the next rebuild's."""
    from kg import check

    found, seconds = check.timed_checks(check.StoreView(store), scope)
    by_name: dict = {c.name: [] for c in check.load_checks()}
    for f in found:
        by_name[f.path].append([f.focus, f.message])
    record = {"findings": by_name, "key": check.checks_key()}
    (path / CHECKS).write_text(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    return [store, (found, seconds)]
