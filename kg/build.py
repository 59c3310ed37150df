"""Read the inputs, extract, build the dataset, and write every output at once."""

from __future__ import annotations

import bisect
import functools
import itertools
import json
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from kg import corpus, export, framework, heap, outdir, resources
from kg.errors import KGError
from kg.facts import DocumentFacts
from kg.namespaces import DEFAULT_BASE
from kg.progress import Progress
from kg.rdf import ONTOLOGY_IRI, Data, DefaultGraph, Graph, NamedNode, load_ontology, sort_key


def read_documents(paths: Sequence[str | Path], lexicon_path: str | Path | None = None) -> list[DocumentFacts]:
    """Extract the facts of each input file (or folder of them); every file must hold a plan."""
    return corpus.read_corpus(paths, lexicon_path)[0]


def dataset(paths: Sequence[str | Path], base: str = DEFAULT_BASE, lexicon_path: str | Path | None = None) -> Data:
    """The data of the inputs: one named graph per document."""
    from kg import graph

    return graph.build(read_documents(paths, lexicon_path), framework.load(resources.ontology_file()), base)


STORE_BATCH = 250_000  # quads per call of the store's bulk loader
SOURCE_BATCH = 125_000  # quads per file the loader reads beside the flat files (start_store)
STORE = "store"  # the on-disk Oxigraph store (RocksDB) the read commands open
PLAN_PAGES = "plans"  # a corpus view's page of each plan


def output_names(checked: bool = True, files: bool = True) -> list[str]:
    """The files a build writes (``checked``: the gate ran, so inferred.* too; ``files``: the
    flat RDF files besides the store and data.nq, the build's own record that the other
    read commands read)."""
    names = [STORE, PLAN_PAGES, "data.nq"]
    for fmt in export.RDF_FORMATS if files else ():
        ext = export.FORMATS[fmt].ext
        names += ([f"data.{ext}"] if fmt != "nq" else []) + ([f"full.{ext}"] if fmt != "nq" else [])
    names += ["ontology.ttl", "ontology.owl", "ontology.html", "graph.html", "overview.svg", "overview.png"]
    names += ["void.ttl", "summary.json", "timings.json", "build.json", "facts.json"]
    names += ["inferred.ttl", "inferred.trig"] if checked else []
    return names


def rdf_files(
    data: Data, full: Data, files: bool = True, since: Since | None = None, index: dict | None = None
) -> Iterator[tuple[str, outdir.Content]]:
    """The flat RDF files: data.* and, with ``files``, full.* (``full``: the data with the
    ontology's graph, data.with_ontology, as the store got it); without ``files``, data.nq
    alone, the build's own record that the other read commands read. ``since``: the last
    build, whose files' runs of unchanged reports are copied (kg.blocks); ``index`` gets
    each file's index, for the next build."""
    from kg import blocks

    data_cut = blocks.Segmented(data)
    # The document graphs made now, along the runs the cut found (Data.split_along: the
    # gate and the outputs read them after); full.*'s cut is made by counting in them, as
    # its document graphs are data's when nothing about a document's nodes was left out of
    # them for the ontology's graph (with_graph; it states nothing about them).
    data.split_along((NamedNode(s.owner) if s.owner else None, s.start, s.end) for s in data_cut.cut(True)[1])
    nodes = f"<{data.prefixes.get('id')}"
    same = "id" in data.prefixes and not any(str(q.subject).startswith(nodes) for q in full.dropped)
    segmented = {"data": data_cut, "full": blocks.Segmented(full, data.graphs() if same else None)}

    def write(kind: str, fmt: str, path: Path) -> None:
        made = blocks.write(segmented[kind], fmt, path, since.previous(path.name) if since is not None else None)
        if index is not None:
            index[path.name] = made

    for fmt in export.RDF_FORMATS:
        ext = export.FORMATS[fmt].ext
        if files or fmt == "nq":
            yield f"data.{ext}", functools.partial(write, "data", fmt)
        if files and fmt != "nq":
            yield f"full.{ext}", functools.partial(write, "full", fmt)


def outputs(
    data: Data,
    ontology: Graph,
    report=None,
    base: str = DEFAULT_BASE,
    notes: list[str] | None = None,
    failed: Sequence[corpus.Failure] = (),
    files: bool = True,
    reports: Sequence[dict] = (),
    previous_pages: Path | None = None,
    unchanged: frozenset = frozenset(),
) -> Iterator[tuple[str, outdir.Content]]:
    """(file name, bytes) for everything `kg build` writes but the store (write_store), the
    flat RDF files (rdf_files), build.json and facts.json, one file at a time: the caller
    writes each and lets it go, so a large plan never holds every serialization in memory at
    once. ``notes`` collects warnings; ``failed``: the reports skipped, listed in
    summary.json; ``files``: whether the flat RDF files were written (void.ttl lists them);
    ``reports``: read_corpus's log: whether each report is in the build (built or failed) in
    summary.json; how this run got its facts (read, or kept from the last build) and the
    seconds it took in timings.json, the one file that is not the same bytes from run to run.
    ``previous_pages``: the last build's plans/ folder, whose unchanged pages are kept;
    ``unchanged``: the document graphs that are the same as that build's."""
    from kg import check, corpus_view, docs, stats, viz, void

    data.by_graph({*stats.READ, *void.READ, *corpus_view.READ})  # one pass for the three of them
    yield "ontology.ttl", resources.ontology_file().read_bytes()
    yield "ontology.owl", export.serialize(Data([]).with_ontology(ontology), "rdfxml")
    yield "ontology.html", docs.render(ontology, data.union()).encode()
    # The summary and VoID while the union's lookups the page made are there (the views let
    # go of them): made after, they made the lookups again (~0.4 s at 1,000 reports).
    summary = stats.summarize(data)
    described = void.turtle(data, base, files=files)
    if len(data.graphs()) > 1:
        # A corpus: graph.html is its index, each plan a page of its own (with its overview
        # there); one network of every plan's nodes, or a picture of it, would show nothing.
        # The index reads the labels off the union's lookups the ontology's page made.
        index = corpus_view.index_page(data).encode()
        data.union().forget()  # those lookups (~0.2 GB at 1,000 reports), not needed again
        pages = functools.partial(corpus_view.write_plan_pages, data, previous=previous_pages, unchanged=unchanged)
        views = {"graph.html": index, PLAN_PAGES: pages}
        view_notes: list[str] = []
    else:
        data.union().forget()  # the page's lookups over the union, before the view's network
        views, view_notes = viz.build_views(data)
    yield from views.items()
    del views
    if notes is not None:
        notes.extend(view_notes)
    yield "void.ttl", described
    if report is not None:
        inferred = check.inferred_dataset(report, f"{base}{check.INFERRED_GRAPH}")
        yield "inferred.ttl", functools.partial(export.write, inferred, "ttl")
        yield "inferred.trig", functools.partial(export.write, inferred, "trig")
        summary["checks"] = check.summary(report)
    summary["failed"] = [{"path": f.path, "reason": f.reason} for f in failed]
    summary["reports"] = [{"path": r["path"], "status": "failed" if r["status"] == "failed" else "built"}
                          for r in reports]  # fmt: skip
    yield "summary.json", _json(summary)
    timings = {
        "reports": list(reports),
        "seconds": round(sum(r["seconds"] for r in reports), 4),
        "cpu_seconds": round(sum(r["cpu_seconds"] for r in reports), 4),
    }
    yield "timings.json", _json(timings)


def _json(record: dict) -> bytes:
    return (json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


@dataclass(frozen=True)
class Since:
    """The last build's store, and which of this build's document graphs were read again
    (new or changed); every other document graph is the same as in that store. ``files``:
    the index of its flat files (kg.blocks), when they were written by this writer."""

    store: Path
    changed: frozenset
    files: dict | None = None

    def previous(self, name: str):
        """The last build's flat file ``name`` with its index (a kg.blocks.Previous), or None
        when that build did not write it (or its index is of another writer)."""
        from kg import blocks

        index = (self.files or {}).get("files", {}).get(name)
        if index is None:
            return None
        return blocks.Previous(self.store.parent / name, index, frozenset(n.value for n in self.changed))

    def kept(self, names: dict[str, NamedNode]) -> frozenset:
        """The document graphs (of ``names``: path → graph) that are those of the last build."""
        return frozenset(names.values()) - self.changed


# A rebuild updates a copy of the last store when at most this share of its documents
# changed; past it, the bulk loader is as quick.
UPDATE_SHARE = 0.25


def write_store(full: Data, path: Path, sources: Sequence[Path] | None = None, blank: Sequence = ()) -> None:
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

    ``sources``: store_sources' files of these quads but ``blank`` (those that hold a blank
    node), which the bulk loader reads without holding the GIL (start_store loads them on a
    thread while kg build writes the flat files); they are removed here. Without them, the
    quads are given from Python, batch by batch."""
    import pyoxigraph as ox

    try:
        shutil.rmtree(path, ignore_errors=True)  # what an update given up on left
        store = ox.Store(str(path))
        if sources is not None:
            for source in sources:
                # lenient: the files were written by pyoxigraph from terms it had checked.
                store.bulk_load(path=str(source), format=ox.RdfFormat.N_QUADS, lenient=True)
            store.bulk_extend(blank)
        else:
            # In batches: the bulk loader buffers up to ~2 GB before it writes (1.1 GB over
            # the quads themselves at 1,000 reports); a quarter million quads a batch hold
            # ~0.25 GB, load faster, and leave queries as fast (smaller batches make more
            # files to read).
            quads = iter(_store_quads(full, _repeats(full)))
            while batch := list(itertools.islice(quads, STORE_BATCH)):
                store.bulk_extend(batch)
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
    compact)], Futures on that thread, in the order of start_update's; each one's result()
    raises what it raised. ``repeats``: _repeats of ``full``."""
    sources, blank = store_sources(full, path, repeats)
    loaded = pool.submit(write_store, full, path, sources=sources, blank=blank)
    return [loaded, pool.submit(_checks_on, path) if checks else None, None]


@dataclass
class Update:
    """A rebuild's update of the last store (start_update), under way on the store's thread:
    ``applied``'s result is the kind of store it updated (whether its default graph holds
    the union: _repeats), or None when the update did not apply (nothing is then left at
    its path but what write_store clears); ``found``: the gate's checks on it;
    ``holder``: [the updated store], for the compaction."""

    applied: Future
    found: Future | None
    holder: list

    def take(self, pool: Executor, repeats: bool) -> list[Future | None] | None:
        """[done, the checks, the compaction] (start_store's order) when the update applied
        to a store of the kind this build's graph makes (``repeats``); else None, the checks
        waited for and the store let go."""
        if self.applied.result() == repeats:
            done: Future = Future()
            done.set_result(None)
            return [done, self.found, pool.submit(_compact, self.holder)]
        if self.found is not None and (result := self.found.result()) is not None:
            result.clear()
        self.holder.clear()
        return None


def start_update(
    fresh: Data, names: dict[str, NamedNode], since: Since, ontology: Graph, path: Path, pool: Executor, checks: bool
) -> Update | None:
    """A rebuild's update of the last store into ``path`` (_update_store), and the gate's
    SPARQL checks on it, started on ``pool``'s thread as soon as the changed reports'
    graph (``fresh``) is made: before the build's whole graph is read back and made
    (~1.5 s at 1,000 reports), which the checks (~2-3 s there, without the GIL) then run
    beside. Its compaction is started when the build's graph is made and of the same kind
    (Update.take). The checks query the updated store as it is (~10 % slower than
    compacted), and the compaction (~3 s, without the GIL) runs after them, while the gate
    and the other outputs are made. None when more reports changed than an update is for
    (UPDATE_SHARE; the store is then loaded whole, and the changed graphs' quads are not
    copied here for nothing)."""
    if len(since.changed) > UPDATE_SHARE * max(1, len(names) + 1):
        return None
    # The changed graphs' quads as the store holds them: with what the ontology's graph
    # states left out (Data.with_graph), as it is of the whole graph's.
    added = [q for q in fresh.with_ontology(ontology).quads if q.graph_name in since.changed]
    graphs = {*names.values(), ONTOLOGY_IRI}
    holder: list = []
    applied = pool.submit(_update_into, holder, added, graphs, path, since)
    found = pool.submit(_checks_held, holder) if checks else None
    return Update(applied, found, holder)


def _update_into(holder: list, added: list, graphs: set, path: Path, since: Since) -> bool | None:
    """_update_store, the store put into ``holder``; the kind of store it updated, or None."""
    store, repeats = _update_store(added, graphs, path, since)
    if store is None:
        return None
    holder.append(store)
    return repeats


def _checks_held(holder: list) -> list | None:
    """_checks_of the store in ``holder``, or None when it is empty (no update)."""
    return _checks_of(holder[0]) if holder else None


def _store_quads(full: Data, repeats: bool) -> Iterable:
    """What the store holds: the quads, and the union in the default graph when a triple
    repeats (``repeats``: _repeats of ``full``; write_store)."""
    import pyoxigraph as ox

    if not repeats:
        return full.quads
    default = ox.DefaultGraph()
    return itertools.chain(full.quads, (ox.Quad(t.subject, t.predicate, t.object, default) for t in full.union()))


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
                    (blank if _has_blank(q) else kept).append(q)
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


def _repeats(data: Data) -> bool:
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


def _update_store(added: list, graphs: set, path: Path, since: Since) -> tuple[object | None, bool | None]:
    """The last build's store, copied to ``path`` (a RocksDB checkpoint: hard links, no
    bytes copied) and brought up to the new build: the graphs not among ``graphs`` (the
    removed documents') and the changed ones dropped, the changed ones' quads (``added``)
    put in, and the default graph's union kept each triple once when it has one. The quads
    are then those a bulk load of the build's graph would write (tests compare the two), if
    that graph is of the same kind (start_update's caller sees to it). Returns the store,
    open, for _compact, and its kind (whether its default graph holds the union); None,
    and nothing to keep, when it does not apply: too many changes, or a store that cannot
    be read."""
    import pyoxigraph as ox

    from kg.query import has_union

    try:
        old = ox.Store.read_only(str(since.store))
        repeats = has_union(old)
        gone = {g for g in old.named_graphs() if g not in graphs}
        if len(gone) + len(since.changed) > UPDATE_SHARE * max(1, len(graphs)):
            return None, repeats
        old.backup(str(path))
        del old
        store = ox.Store(str(path))
        default = ox.DefaultGraph()
        dropped: set = set()
        for name in sorted(gone | since.changed, key=lambda n: n.value):
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
        return store, repeats
    except (OSError, ValueError, RuntimeError):
        return None, None


def _compact(holder: list) -> None:
    """Compact the updated store (``holder``: [it]; popped, so that no reference outlives this
    call and the database is closed when the Future is done), as the bulk loader leaves
    one: the update's small files and deleted quads made queries ~1.6× slower at 1,000
    reports. Oxigraph compacts without the GIL: the flat files are written meanwhile."""
    store = holder.pop()
    store.optimize()
    del store


def _since(
    out: Path, base: str, names: dict[str, NamedNode], log: Sequence[dict], files: dict | None = None
) -> Since | None:
    """What a rebuild into ``out`` may start its store from: the last build's, when it had
    the same base IRI (its other documents' graphs are then the same: their facts were
    kept, which needs the same reader, lexicon and ontology); and its flat files, with their
    index (``files``, from load_kept). ``names``: each report's path → its graph."""
    from kg import builddir

    store = out / STORE
    try:
        record = json.loads((out / builddir.MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not store.is_dir() or not isinstance(record, dict) or record.get("base") != base:
        return None
    read = {r["path"] for r in log if r["status"] == "read"}
    return Since(store, frozenset(g for path, g in names.items() if path in read), files)


def _fresh(docs: Sequence[DocumentFacts | corpus.KeptReport], names: dict, base: str, since: Since | None):
    """A rebuild's graph of the reports read again (new or changed), or None (no last build)."""
    from kg import graph

    if since is None:
        return None
    frameworks = framework.load(resources.ontology_file())
    return graph.build(_facts(d for d in docs if names[d.path] in since.changed), frameworks, base)


def _dataset(
    docs: Sequence[DocumentFacts | corpus.KeptReport], names: dict, base: str, since: Since | None, fresh: Data | None
) -> Data:
    """The build's graph (``names``: each report's path → its graph). A rebuild takes the
    quads of the reports it kept from the last build's data.nq (the same reader made them,
    and the file is the size its index says), in their order there, and makes only the
    others': at 1,000 reports making every report's quads again took ~4 s, reading the
    file ~2.5 s. Without a usable last build, every report's quads are made (a kept
    report's facts then made from their JSON). ``fresh``: _fresh's graph of the others,
    when made already."""
    from kg import builddir, graph

    frameworks = framework.load(resources.ontology_file())

    def made() -> Data:
        # Every report's quads made; the fresh ones' are made already. A report's quads are
        # its own (graph.build makes each report's alone), so the two parts give the quads
        # of making them all.
        if fresh is None or since is None:
            return graph.build(_facts(docs), frameworks, base)
        others = graph.build(_facts(d for d in docs if names[d.path] not in since.changed), frameworks, base)
        return others.plus(fresh)

    last = since.previous(builddir.DATA_FILE) if since is not None else None
    kept = since.kept(names) if since is not None and last is not None and last.intact() else frozenset()
    if not kept:
        return made()
    import pyoxigraph as ox

    try:
        quads = [
            q for q in ox.parse(path=str(last.path), format=ox.RdfFormat.N_QUADS, lenient=True) if q.graph_name in kept
        ]
    except (OSError, SyntaxError, ValueError):
        return made()
    if fresh is None:
        fresh = graph.build(_facts(d for d in docs if names[d.path] not in kept), frameworks, base)
    return Data(quads, fresh.prefixes, presorted=True).plus(fresh)


def _facts(docs: Iterable[DocumentFacts | corpus.KeptReport]) -> Iterator[DocumentFacts]:
    """Each report's facts, a kept report's made from their JSON, one at a time."""
    for d in docs:
        yield d.facts() if isinstance(d, corpus.KeptReport) else d


def _in_process_shapes(data: Data, ontology: Graph, names: dict, checked: dict, store: Callable[[], object]) -> list:
    """The shapes of the reports read in this process, each on its own graph and the
    ontology's in the ``store`` (a function that gives it, waiting for it when there is
    one to check), into ``checked``; then every report's findings (the workers' too)."""
    from kg import check

    todo = [path for path in names if path not in checked]
    graphs = data.graphs() if todo else {}
    for path in todo:
        view = check.StoreView(store(), [names[path], ONTOLOGY_IRI])
        checked[path] = check.graph_shapes(check.shapes_graph(graphs[names[path]], ontology), view)
    return [f if isinstance(f, check.Finding) else check.Finding(**f) for fs in checked.values() for f in fs]


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
    return _checks_of(ox.Store(str(path)))


def _checks_of(store) -> list:
    """_checks_on, on a store already open (a rebuild's, updated)."""
    from kg import check

    return [store, check.timed_checks(check.StoreView(store))]


def _gate(
    data: Data,
    ontology: Graph,
    names: dict[str, NamedNode],
    checked: dict[str, list],
    log: Sequence[dict],
    found: Future,
    require_reasoner: bool,
    strict: bool,
):
    """The quality gate, on the store the build has just written (into its staging folder):
    the SPARQL checks _checks_on runs on it (``found``: their Future, whose result is [the
    store, their findings]); the shapes of the reports read in this process (no worker
    checked them; ``names``: each report's path → its graph), into ``checked``, each
    querying its own graph and the ontology's; HermiT. HermiT and the class hierarchy come
    first, while the checks may still run (~1.3 s at 1,000 reports); the shapes and the
    findings wait for them. Raises GateFailed (nothing is swapped in); returns the report."""
    from kg import check

    opened: list = []  # [the store, the checks' findings], once they are in

    def wait() -> list:
        if not opened:
            result = found.result()
            opened.extend(result)
            result.clear()  # the Future keeps no handle on the store
        return opened

    def shapes() -> list:
        return _in_process_shapes(data, ontology, names, checked, lambda: wait()[0])

    report = check.run(data, ontology, require_reasoner=require_reasoner, shapes_found=shapes,
                       checks_found=lambda: wait()[1])  # fmt: skip
    opened.clear()  # the store closed before the folder is swapped in (unless its compaction holds it)
    heap.give_back()  # what the checks' thread held (~0.1 GB at 4 MB), before the view's network
    report.seconds["shapes"] += sum(r["check_seconds"] for r in log)  # with the workers'
    if report.fails(strict):
        raise check.failure(report, strict)
    return report


def check_writable(out: Path) -> None:
    """Fail before the work when the output folder cannot be written."""
    probe = out
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise KGError(f"{out}: not a directory")
    try:
        tempfile.TemporaryFile(dir=probe).close()
    except OSError as e:
        raise KGError(f"{out}: cannot write the build here: {e.strerror}") from None


@heap.collector_paused
def run(
    paths: Sequence[str | Path],
    out: Path,
    base: str = DEFAULT_BASE,
    lexicon_path: str | Path | None = None,
    checks: bool = True,
    require_reasoner: bool = False,
    notes: list[str] | None = None,
    strict: bool = False,
    jobs: int = 1,
    fail_fast: bool = True,
    files: bool = True,
    progress: bool = False,
    scheduler: str | None = None,
):
    """Build, pass the quality gate, write everything; returns (summary, report or None).

    With ``fail_fast`` off, a report that cannot be read is skipped and listed in the
    summary's ``failed``; the others are built."""
    from kg import blocks, builddir, check, graph

    base = graph.check_base(base)
    check_writable(out)
    outdir.check_folder(out, set(output_names(checked=True)))  # a build replaces its folder whole
    key = corpus.reader_key(lexicon_path)
    kept, files_index = corpus.load_kept(out, key) if out.is_dir() else ({}, None)
    inputs = corpus.expand(paths or [resources.default_corpus()])
    log: list[dict] = []
    # The gate's shapes run on each report in the worker that reads it (kg.check).
    shapes_of = functools.partial(check.facts_shapes, base=base) if checks else None
    checked: dict[str, list] | None = {} if checks else None
    with Progress(len(inputs), "reading", "report", progress) as tick:
        docs, failures = corpus.read_corpus(
            inputs, lexicon_path, jobs, fail_fast, kept, tick, log, shapes_of, checked, scheduler
        )
    del kept  # the last build's facts, as parsed JSON: a corpus's is hundreds of MB
    if not docs:
        raise KGError(f"no report could be read; the first: {failures[0].reason}" if failures else "no report given")
    names = {d.path: graph.graph_name(d, base) for d in docs}
    since = _since(out, base, names, log, files_index)
    # A rebuild's changed reports' graph first: the store's update starts from it (start_update).
    fresh = [_fresh(docs, names, base, since)]
    ontology = load_ontology(resources.ontology_file())
    manifest = builddir.manifest(docs, base, lexicon_path, resources.ontology_file())
    # The facts as the text facts.json keeps; the facts themselves are let go once the graph
    # is made: nothing after needs them, and they were an eighth of a large plan's peak
    # (0.12 GB of 4 MB; the text is 0.05).
    texts = [corpus.facts_texts(docs)]  # popped when facts.json is written
    reports = [docs]  # popped when the graph is made
    del docs
    data: Data | None = None  # the build's graph, made in written()
    summary: dict = {}
    gated: list = []  # the gate's report
    index: dict = {}  # each flat file's runs (kg.blocks), kept in facts.json for the next build

    def written() -> Iterator[tuple[str, outdir.Content]]:
        # The store first: the gate queries it, in the staging folder. A build that fails
        # the gate is never swapped in (its staging folder is removed; the last build stays).
        # It is written on a thread while the flat files are written (start_store), or a
        # rebuild's update of the last one starts there at once, before the graph is made
        # (start_update); leaving this generator early (an error) waits for the thread
        # before the folder is removed.
        nonlocal data
        with ThreadPoolExecutor(max_workers=1) as pool:
            where: list[Path] = []
            update: list[Update] = []

            def store(path: Path) -> None:
                where.append(path)
                if since is not None and fresh[0] is not None:
                    started = start_update(fresh[0], names, since, ontology, path, pool, checks)
                    update.extend([started] if started is not None else [])

            yield STORE, store
            data = _dataset(reports.pop(), names, base, since, fresh.pop())
            heap.give_back()  # the facts (~0.1 GB at a plan of 4 MB), which the outputs reuse
            full = data.with_ontology(ontology)  # made once: the store and the flat full.* files
            repeats = _repeats(full)
            # [the store's load, the gate's checks, a rebuild's compaction]
            loading = update[0].take(pool, repeats) if update else None
            if loading is None:
                loading = start_store(full, where[0], pool, checks, repeats)
            del update[:], store
            flat = rdf_files(data, full, files, since, index)
            del full  # the flat files and the store's thread hold it, then let it go
            yield from flat
            del flat
            loaded, found, compacted = loading
            loading.clear()
            loaded.result()  # the store first: what its load raised, if it did
            heap.trim()  # what the loader's thread freed (~0.08 GB at 4 MB), before the gate's
            if checks:
                assert checked is not None and found is not None
                gated.append(_gate(data, ontology, names, checked, log, found, require_reasoner, strict))
            del loaded, found
            record = {"writer": blocks.writer_key(), "files": index}
            yield corpus.FACTS_FILE, corpus.kept_record(texts.pop(), key, checked, record)
            report = gated[0] if gated else None
            pages = out / PLAN_PAGES if (out / PLAN_PAGES).is_dir() else None
            unchanged = since.kept(names) if since is not None else frozenset()
            for name, blob in outputs(data, ontology, report, base, notes, failures, files, log, pages, unchanged):
                if name == "summary.json":
                    summary.update(json.loads(blob))
                if name == "timings.json":
                    summary["timings"] = json.loads(blob)["reports"]
                yield name, blob
            if compacted is not None:
                compacted.result()  # the store compacted and closed before the folder is swapped in
        yield builddir.MANIFEST, manifest

    # Every name a build may write: what this one does not write is dropped, never carried over.
    removal = outdir.replace(out, written(), set(output_names()), background=True)
    # The graph let go while the old build is removed (the first holds the GIL, the second
    # mostly waits on the system: ~0.5 s and ~0.3-0.6 s at 1,000 reports, side by side).
    if data is not None:
        data.let_go()
    data = None
    if removal is not None:
        removal.join()
    return summary, (gated[0] if gated else None)
