"""Read the inputs, extract, build the dataset, and write every output at once."""

from __future__ import annotations

import functools
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from kg import corpus, export, framework, heap, outdir, resources, store
from kg.errors import KGError
from kg.facts import DocumentFacts
from kg.namespaces import DEFAULT_BASE
from kg.progress import Progress
from kg.rdf import ONTOLOGY_IRI, Data, Graph, NamedNode, load_ontology


def read_documents(paths: Sequence[str | Path], lexicon_path: str | Path | None = None) -> list[DocumentFacts]:
    """Extract the facts of each input file (or folder of them); every file must hold a plan."""
    return corpus.read_corpus(paths, lexicon_path)[0]


def dataset(paths: Sequence[str | Path], base: str = DEFAULT_BASE, lexicon_path: str | Path | None = None) -> Data:
    """The data of the inputs: one named graph per document."""
    from kg import graph

    return graph.build(read_documents(paths, lexicon_path), framework.load(resources.ontology_file()), base)


STORE = "store"  # the on-disk Oxigraph store (RocksDB) the read commands open
PLAN_PAGES = "plans"  # a corpus view's page of each plan


def output_names(checked: bool = True, files: bool = True) -> list[str]:
    """The files a build writes (``checked``: the gate ran, so inferred.* too; ``files``: the
    flat RDF files besides the store and data.nq, the build's own record that the other
    read commands read)."""
    names = [STORE, PLAN_PAGES, *flat_files(files, checked)]
    names += ["ontology.ttl", "ontology.owl", "ontology.html", "graph.html", "overview.svg", "overview.png"]
    names += ["void.ttl", "summary.json", "timings.json", "build.json", "facts.json"]
    return names


def flat_files(files: bool = True, checks: bool = False) -> dict[str, tuple[str, str]]:
    """The flat RDF files a build writes, name → (what they hold: "data", "full" or
    "inferred"; their syntax): data.nq always; the other data.* and full.* with ``files``;
    inferred.* when the gate runs (``checks``)."""
    out = {}
    for fmt in export.RDF_FORMATS:
        ext = export.FORMATS[fmt].ext
        if files or fmt == "nq":
            out[f"data.{ext}"] = ("data", fmt)
        if files and fmt != "nq":
            out[f"full.{ext}"] = ("full", fmt)
    if checks:
        out |= {"inferred.ttl": ("inferred", "ttl"), "inferred.trig": ("inferred", "trig")}
    return out


def rdf_files(
    data: Data,
    full: Data,
    files: bool = True,
    since: Since | None = None,
    index: dict | None = None,
    copies=None,
    rest: list | None = None,
    owned: dict | None = None,
    held=None,
) -> Iterator[tuple[str, outdir.Content]]:
    """The flat RDF files: data.* and, with ``files``, full.* (``full``: the data with the
    ontology's graph, data.with_ontology, as the store got it); without ``files``, data.nq
    alone, the build's own record that the other read commands read. ``since``: the last
    build, whose files' runs of unchanged reports are copied (kg.blocks); ``index`` gets
    each file's index, for the next build; ``copies``: a kg.blocks.Copies, on whose thread
    those runs are copied (the caller waits for it before the files are swapped in); ``rest``
    gets the quads of the shared segments, once the first file is asked for; ``owned``:
    graph IRI → the statements it holds about its own nodes, where known (kg.blocks);
    ``held``: a rebuild's kg.held.Held, when ``data`` holds only some reports: the kept
    reports' runs are copied from the last files (its ``absent``), and the shared chunks
    too when they are the last build's (its templates; ``rest`` is then left to it)."""
    from kg import blocks

    if held is not None and held.shared:
        segmented = {"data": held.segmented(data, "data"), "full": held.segmented(full, "full")}
    else:
        absent = held.absent if held is not None else None
        texts: dict = {}  # the shared chunks' keys, made once for the four cuts (kg.blocks)
        data_cut = blocks.Segmented(data, texts=texts, owned=owned, absent=absent)
        # The document graphs made now, along the runs the cut found (Data.split_along: the
        # gate and the outputs read them after); full.*'s cut is made by counting in them, as
        # its document graphs are data's when nothing about a document's nodes was left out of
        # them for the ontology's graph (with_graph; it states nothing about them).
        segments = data_cut.cut(True)[1]
        data.split_along((NamedNode(s.owner) if s.owner else None, s.start, s.end) for s in segments)
        if rest is not None:  # the statements about no document's own nodes, for kg.digest
            rest.extend(q for s in segments if s.owner is None for q in data.quads[s.start : s.end])
        nodes = f"<{data.prefixes.get('id')}"
        same = "id" in data.prefixes and not any(str(q.subject).startswith(nodes) for q in full.dropped)
        segmented = {
            "data": data_cut,
            "full": blocks.Segmented(full, data.graphs() if same else None, texts, absent=absent),
        }

    def write(kind: str, fmt: str, path: Path) -> None:
        previous = since.previous(path.name) if since is not None else None
        sibling = path.with_name(f"data{path.suffix}")
        if previous is None and kind == "full" and index is not None and sibling.name in index:
            # A build from nothing: full.*'s runs are data.*'s, just written, with the same
            # bytes (the same statements and prefixes), and its chunks the same but where
            # the ontology's graph lies; they are copied from it, not serialized again.
            previous = blocks.Previous(sibling, index[sibling.name], frozenset())
        made = blocks.write(segmented[kind], fmt, path, previous, copies)
        if index is not None:
            index[path.name] = made

    for name, (kind, fmt) in flat_files(files).items():
        yield name, functools.partial(write, kind, fmt)


def inferred_files(
    report, base: str, documents: frozenset, since: Since | None, index: dict, copies=None, absent: dict | None = None,
    held=None,
) -> Iterator[tuple[str, outdir.Content]]:  # fmt: skip
    """inferred.ttl and inferred.trig: the gate's memberships in a graph of their own, cut as
    the flat files are (kg.blocks: a document's nodes' run copied from the last file when
    unchanged), each document's by its nodes (``documents``: the document graphs); ``index``
    gets each file's index; ``absent``: the runs ``report`` does not hold (kg.held);
    ``held``: a rebuild's kg.held.Held whose shared statements are the last build's: the
    memberships of the other nodes than its reports' are copied (its templates)."""
    from kg import blocks, check

    inferred = check.inferred_dataset(report, f"{base}{check.INFERRED_GRAPH}")
    inferred.prefixes["id"] = base  # where the documents' nodes are (not written: kg.blocks)
    if held is not None and held.shared:
        cut = held.segmented(inferred, "inferred")
    else:
        cut = blocks.Segmented(inferred, texts={}, absent=absent, by_subject=documents)

    def write(path: Path) -> None:
        previous = since.previous(path.name) if since is not None else None
        index[path.name] = blocks.write(cut, path.suffix[1:], path, previous, copies)

    for name in ("inferred.ttl", "inferred.trig"):
        yield name, write


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
    parts=None,
    graphs=None,
) -> Iterator[tuple[str, outdir.Content]]:
    """(file name, bytes) for everything `kg build` writes but the store (kg.store), the
    flat RDF files (rdf_files), build.json and facts.json, one file at a time: the caller
    writes each and lets it go, so a large plan never holds every serialization in memory at
    once. ``notes`` collects warnings; ``failed``: the reports skipped, listed in
    summary.json; ``files``: whether the flat RDF files were written (void.ttl lists them);
    ``reports``: read_corpus's log: whether each report is in the build (built or failed) in
    summary.json; how this run got its facts (read, or kept from the last build) and the
    seconds it took in timings.json, the one file that is not the same bytes from run to run.
    ``previous_pages``: the last build's plans/ folder, whose unchanged pages are kept;
    ``unchanged``: the document graphs that are the same as that build's; ``parts``: the
    data as its aggregates read it (kg.digest.Parts), when the caller made them; ``graphs``:
    the document graphs by name, when ``data`` does not hold them all (kg.held)."""
    from kg import check, corpus_view, digest, docs, stats, viz, void

    if parts is None:
        parts = digest.make(data, digest.Classes.of(ontology))
    yield "ontology.ttl", resources.ontology_file().read_bytes()
    yield "ontology.owl", export.serialize(Data([]).with_ontology(ontology), "rdfxml")
    yield "ontology.html", docs.render(ontology, parts).encode()
    summary = stats.summarize(parts)
    described = void.turtle(parts, base, files=files)
    graphs = data.graphs() if graphs is None else graphs
    if len(graphs) > 1:
        # A corpus: graph.html is its index, each plan a page of its own (with its overview
        # there); one network of every plan's nodes, or a picture of it, would show nothing.
        index = corpus_view.index_page(parts).encode()
        del parts
        pages = functools.partial(corpus_view.write_plan_pages, graphs, previous=previous_pages, unchanged=unchanged)
        views = {"graph.html": index, PLAN_PAGES: pages}
        view_notes: list[str] = []
    else:
        del parts
        views, view_notes = viz.build_views(data)
    yield from views.items()
    del views
    if notes is not None:
        notes.extend(view_notes)
    yield "void.ttl", described
    if report is not None:
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
    file ~2.5 s. Without a usable last data.nq, the kept reports' quads are made too (their
    facts then made from their JSON). ``fresh``: _fresh's graph of the reports read again
    (None exactly when there is no last build): a report's quads are its own (graph.build
    makes each report's alone), so the parts give the quads of making them all."""
    from kg import builddir, graph

    frameworks = framework.load(resources.ontology_file())
    if since is None or fresh is None:
        return graph.build(_facts(docs), frameworks, base)
    last = since.previous(builddir.DATA_FILE)
    kept = since.kept(names) if last is not None and last.intact() else frozenset()
    if kept:
        import pyoxigraph as ox

        try:
            quads = [
                q
                for q in ox.parse(path=str(last.path), format=ox.RdfFormat.N_QUADS, lenient=True)
                if q.graph_name in kept
            ]
            return Data(quads, fresh.prefixes, presorted=True).plus(fresh)
        except (OSError, SyntaxError, ValueError):
            pass  # made below
    others = graph.build(_facts(d for d in docs if names[d.path] not in since.changed), frameworks, base)
    return others.plus(fresh)


def _held(since: Since, names: dict, fresh: Data, digests: dict, checks: bool, was: dict, files: bool):
    """A rebuild's kg.held.Held (the kept reports' own statements left in the last files;
    the shared ones too when the changed reports add what they did: held.narrow), or None
    when the last build left what it needs no more (its index, its gate's record), or for
    one report: a plan's own views (graph.html, the overview) are drawn from its whole
    graph, and there is no other report's to leave out. ``was``: the changed reports'
    digests in the last build, by graph; ``files``: kg build's."""
    from kg import blocks, builddir, check, held

    if len(names) < 2:
        return None
    gate = (since.files or {}).get(held.RECORD) if checks else None
    if checks and gate is None:
        return None
    flat = {name: (kind, blocks.is_dataset(fmt)) for name, (kind, fmt) in flat_files(files, checks).items()}
    narrow = held.narrow(since.previous, flat, since.kept(names), fresh, digests, was, gate, check.REASONER_SAMPLE)
    if narrow is not None:
        return narrow
    inferred = [since.previous("inferred.ttl"), since.previous("inferred.trig")] if checks else None
    last = since.previous(builddir.DATA_FILE)
    return held.lean(last, since.kept(names), fresh, digests, gate, inferred, check.REASONER_SAMPLE)


def _facts(docs: Iterable[DocumentFacts | corpus.KeptReport]) -> Iterator[DocumentFacts]:
    """Each report's facts, a kept report's made from their JSON, one at a time."""
    for d in docs:
        yield d.facts() if isinstance(d, corpus.KeptReport) else d


def _in_process_shapes(graphs, ontology: Graph, names: dict, checked: dict, store: Callable[[], object]) -> list:
    """The shapes of the reports read in this process, each on its own graph (of ``graphs``,
    by name) and the ontology's in the ``store`` (a function that gives it, waiting for it
    when there is one to check), into ``checked``; then every report's findings (the
    workers' too)."""
    from kg import check

    todo = [path for path in names if path not in checked]
    for path in todo:
        view = check.StoreView(store(), [names[path], ONTOLOGY_IRI])
        checked[path] = check.graph_shapes(check.shapes_graph(graphs[names[path]], ontology), view)
    return [f if isinstance(f, check.Finding) else check.Finding(**f) for fs in checked.values() for f in fs]


def _gate(
    data: Data,
    ontology: Graph,
    names: dict[str, NamedNode],
    checked: dict[str, list],
    log: Sequence[dict],
    found: Future,
    require_reasoner: bool,
    strict: bool,
    held=None,
):
    """The quality gate, on the store the build has just written (into its staging folder):
    the SPARQL checks kg.store runs on it (``found``: their Future, whose result is [the
    store, their findings]); the shapes of the reports read in this process (no worker
    checked them; ``names``: each report's path → its graph), into ``checked``, each
    querying its own graph and the ontology's; HermiT. HermiT and the class hierarchy come
    first, while the checks may still run (~1.3 s at 1,000 reports); the shapes and the
    findings wait for them. ``held``: a rebuild's kg.held.Held, when ``data`` does not hold
    every report. Raises GateFailed (nothing is swapped in); returns the report."""
    from kg import check

    opened: list = []  # [the store, the checks' findings], once they are in

    def wait() -> list:
        if not opened:
            result = found.result()
            opened.extend(result)
            result.clear()  # the Future keeps no handle on the store
        return opened

    graphs = held.graphs() if held is not None else data.graphs()

    def shapes() -> list:
        return _in_process_shapes(graphs, ontology, names, checked, lambda: wait()[0])

    kept = held.answer if held is not None else None  # HermiT's answer the last build's (kg.held.narrow)
    report = check.run(data, ontology, require_reasoner=require_reasoner, shapes_found=shapes,
                       checks_found=lambda: wait()[1], graphs=graphs if held is not None else None,
                       kept=kept)  # fmt: skip
    if held is not None and (held.inferred or held.inferred_shared):
        # The absent reports' memberships: the last build's runs, copied (inferred_files);
        # read and merged when HermiT inferred more of some report's nodes than the hierarchy.
        if report.beyond:  # then inferred_files writes them from the report, not copied
            check.merge_inferred(report, held.kept_inferred())
        else:
            report.inferred_kept = sum((held.inferred or {}).values()) + held.inferred_shared
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
    from kg import blocks, builddir, check, digest, graph, reasoner
    from kg import held as kg_held

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
    # The changed reports' digests in the last build (kg.held.narrow).
    was: dict = {}
    for d in docs:
        entry = None if isinstance(d, corpus.KeptReport) else kept.get(d.path)
        if entry is not None and entry[3] is not None:
            was[d.path] = entry[3][0]
    del kept  # the last build's facts, as parsed JSON: a corpus's is hundreds of MB
    if not docs:
        raise KGError(f"no report could be read; the first: {failures[0].reason}" if failures else "no report given")
    names = {d.path: graph.graph_name(d, base) for d in docs}
    since = _since(out, base, names, log, files_index)
    # What the kept reports' graphs gave the aggregates (kg.digest): their graphs are the
    # last build's when it had the same base (since).
    kept_reports = [d for d in docs if isinstance(d, corpus.KeptReport) and d.digest] if since is not None else []
    kept_digests = {names[d.path]: d.digest for d in kept_reports}
    kept_texts = {names[d.path]: d.digest_json for d in kept_reports}  # written back as they were read
    del kept_reports
    # A rebuild's changed reports' graph first: the store's update starts from it (kg.store).
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
        # It is written on a thread while the flat files are written (store.start_store), or a
        # rebuild's update of the last one starts there at once, before the graph is made
        # (store.start_update); leaving this generator early (an error) waits for the thread
        # before the folder is removed.
        nonlocal data
        with ThreadPoolExecutor(max_workers=1) as pool, blocks.Copies() as copies:
            where: list[Path] = []
            update: list[store.Update] = []

            def into_store(path: Path) -> None:
                where.append(path)
                if since is not None and fresh[0] is not None:
                    started = store.start_update(
                        fresh[0], names, since.store, since.changed, ontology, path, pool, checks
                    )
                    if started is not None:
                        update.append(started)

            yield STORE, into_store
            # A rebuild that updates the last store holds only the changed reports' quads and
            # the shared ones (kg.held); else the graph is made whole.
            assert since is not None or not update
            held = None
            if update:
                held = _held(since, names, fresh[0], kept_digests, checks, {names[p]: d for p, d in was.items()}, files)
            data = held.data if held is not None else _dataset(reports[0], names, base, since, fresh[0])
            full = data.with_ontology(ontology)  # made once: the store and the flat full.* files
            # Whether two graphs hold a triple: as in the last store when the shared
            # statements are the last build's (the changed reports' own are theirs alone).
            repeats = update[0].applied.result() if held is not None and held.shared else None
            repeats = store.has_repeats(full) if repeats is None else repeats
            # [the store's load, the gate's checks, a rebuild's compaction]
            loading = update[0].take(repeats) if update else None
            if loading is None and held is not None:  # the store is loaded whole: every quad is needed
                held = None
                data = _dataset(reports[0], names, base, since, fresh[0])
                full = data.with_ontology(ontology)
                repeats = store.has_repeats(full)
            del reports[:], fresh[:]
            heap.give_back()  # the facts (~0.1 GB at a plan of 4 MB), which the outputs reuse
            if loading is None:
                loading = store.start_store(full, where[0], pool, checks, repeats)
            del update[:], into_store
            graphs = held.graphs() if held is not None else None
            rest: list = []  # the shared segments' quads (kg.digest's rest), from cutting the files
            owned = {g.value: d["own"] for g, d in kept_digests.items()}  # the kept reports' (kg.digest)
            flat = rdf_files(data, full, files, since, index, copies, rest, owned, held)
            del full  # the flat files and the store's thread hold it, then let it go
            yield from flat
            del flat
            loaded, found, compacted = loading
            loading.clear()
            loaded.result()  # the store first: what its load raised, if it did
            heap.trim()  # what the loader's thread freed (~0.08 GB at 4 MB), before the gate's
            if checks:
                assert checked is not None and found is not None
                gated.append(_gate(data, ontology, names, checked, log, found, require_reasoner, strict, held))
            del loaded, found
            record = {"writer": blocks.writer_key(), "files": index}
            if gated:  # the inferred files (their index in facts.json) and the gate's record (kg.held)
                g = gated[0]
                documents = frozenset(n.value for n in names.values())
                copied = held.inferred if held is not None and not g.beyond else None  # (_gate)
                yield from inferred_files(g, base, documents, since, index, copies, copied, held)
                hermit = reasoner.identity() if g.consistent is not None else None
                record[kg_held.RECORD] = {"sample": g.sampled, "taken": g.sample[0], "beyond": g.beyond,
                                          "inferred": g.inferred_count, "consistent": g.consistent,
                                          "hermit": hermit}  # fmt: skip
            if held is not None and held.shared:
                rest = held.rest()
            own = held.own_graph if held is not None else None
            parts = digest.make(data, digest.Classes.of(ontology), kept_digests, rest, graphs, own)
            del rest
            digests = {path: kept_texts[g] if parts.digests[g] is kept_digests.get(g) else parts.digests[g]
                       for path, g in names.items() if g in parts.digests}  # fmt: skip
            yield corpus.FACTS_FILE, corpus.kept_record(texts.pop(), key, checked, record, digests)
            del digests
            report = gated[0] if gated else None
            pages = out / PLAN_PAGES if (out / PLAN_PAGES).is_dir() else None
            unchanged = since.kept(names) if since is not None else frozenset()
            made = outputs(data, ontology, report, base, notes, failures, files, log, pages, unchanged, parts, graphs)
            del parts
            for name, blob in made:
                if name == "summary.json":
                    summary.update(json.loads(blob))
                if name == "timings.json":
                    summary["timings"] = json.loads(blob)["reports"]
                yield name, blob
            if compacted is not None:
                compacted.result()  # the store compacted and closed before the folder is swapped in
            copies.wait()  # the flat files whole (their unchanged runs copied meanwhile)
        yield builddir.MANIFEST, manifest

    # Every name a build may write: what this one does not write is dropped, never carried over.
    removal = outdir.replace(out, written(), set(output_names()), background=True)
    # The graph let go while the old build is removed: a large one by a detached process
    # (outdir.DETACH_ABOVE; freeing a corpus's 2.2 GB took 0.7-2.2 s here), a small one on
    # a thread, joined.
    if data is not None:
        data.let_go()
    data = None
    if removal is not None:
        removal.join()
    return summary, (gated[0] if gated else None)
