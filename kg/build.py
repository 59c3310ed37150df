"""Read the inputs, extract, build the dataset, and write every output at once."""

from __future__ import annotations

import functools
import itertools
import json
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from kg import corpus, export, framework, outdir, resources
from kg.errors import KGError
from kg.facts import DocumentFacts
from kg.namespaces import DEFAULT_BASE
from kg.progress import Progress
from kg.rdf import Data, Graph, load_ontology


def read_documents(paths: Sequence[str | Path], lexicon_path: str | Path | None = None) -> list[DocumentFacts]:
    """Extract the facts of each input file (or folder of them); every file must hold a plan."""
    return corpus.read_corpus(paths, lexicon_path)[0]


def dataset(paths: Sequence[str | Path], base: str = DEFAULT_BASE, lexicon_path: str | Path | None = None) -> Data:
    """The data of the inputs: one named graph per document."""
    from kg import graph

    return graph.build(read_documents(paths, lexicon_path), framework.load(resources.ontology_file()), base)


STORE_BATCH = 250_000  # quads per call of the store's bulk loader
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


def outputs(
    data: Data,
    ontology: Graph,
    report=None,
    base: str = DEFAULT_BASE,
    notes: list[str] | None = None,
    failed: Sequence[corpus.Failure] = (),
    files: bool = True,
    reports: Sequence[dict] = (),
) -> Iterator[tuple[str, outdir.Content]]:
    """(file name, bytes) for everything `kg build` writes but build.json and facts.json, one
    file at a time: the caller writes each and lets it go, so a large plan never holds every
    serialization in memory at once. ``notes`` collects warnings; ``failed``: the reports
    skipped, listed in summary.json; ``files`` off: the store and data.nq, no other RDF file;
    ``reports``: read_corpus's log: whether each report is in the build (built or failed) in
    summary.json; how this run got its facts (read, or kept from the last build) and the
    seconds it took in timings.json, the one file that is not the same bytes from run to run."""
    from kg import check, docs, stats, viz, void

    full = data.with_ontology(ontology)
    yield STORE, functools.partial(write_store, full)
    for fmt in export.RDF_FORMATS:
        ext = export.FORMATS[fmt].ext
        if files or fmt == "nq":
            yield f"data.{ext}", functools.partial(export.write, data, fmt)
        if files and fmt != "nq":
            yield f"full.{ext}", functools.partial(export.write, full, fmt)
    del full
    yield "ontology.ttl", resources.ontology_file().read_bytes()
    yield "ontology.owl", export.serialize(Data([]).with_ontology(ontology), "rdfxml")
    yield "ontology.html", docs.render(ontology, data.union()).encode()
    data.union().forget()  # the page's lookups over a corpus's union (~0.2 GB), not needed again
    if len(data.graphs()) > 1:
        # A corpus: graph.html is its index, each plan a page of its own (with its overview
        # there); one network of every plan's nodes, or a picture of it, would show nothing.
        from kg import corpus_view

        views = {"graph.html": corpus_view.index_page(data).encode(),
                 PLAN_PAGES: functools.partial(corpus_view.write_plan_pages, data)}  # fmt: skip
        view_notes: list[str] = []
    else:
        views, view_notes = viz.build_views(data)
    yield from views.items()
    del views
    if notes is not None:
        notes.extend(view_notes)
    summary = stats.summarize(data)
    yield "void.ttl", void.turtle(data, base, files=files)
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


def write_store(full: Data, path: Path) -> None:
    """The dataset (with the ontology's graph) as an Oxigraph store at ``path``, by the bulk
    loader: read commands open it read-only instead of parsing RDF files at start.

    When some triple is held by two graphs (a corpus: every report's graph describes the
    entities it shares with the others), the default graph is the union of the named
    graphs, each triple once. Oxigraph's own union (use_default_graph_as_union) counts a
    triple once per graph that holds it: at 1,000 reports `organizations` multiplied its
    rows past a minute, and a COUNT counted each report's copy. When no triple repeats (a
    plan, whose graph refers to the ontology's without copying it), that union is the
    same thing, so the default graph stays empty and kg.query takes Oxigraph's: the store
    is half the size and loads in half the time (the bulk loader takes ~10 µs a quad)."""
    import pyoxigraph as ox

    store = ox.Store(str(path))
    default = ox.DefaultGraph()
    repeats = len(full.union()) < sum(1 for q in full.quads if not isinstance(q.graph_name, ox.DefaultGraph))
    union = (ox.Quad(t.subject, t.predicate, t.object, default) for t in full.union()) if repeats else ()
    # In batches: the bulk loader buffers up to ~2 GB before it writes (1.1 GB over the
    # quads themselves at 1,000 reports); a quarter million quads a batch hold ~0.25 GB,
    # load faster, and leave queries as fast (smaller batches make more files to read).
    quads = itertools.chain(full.quads, union)
    while batch := list(itertools.islice(quads, STORE_BATCH)):
        store.bulk_extend(batch)
    store.flush()  # (optimize() would take a third longer again, for no faster query here)
    del store  # closes the database before the folder is swapped in


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
    from kg import builddir, check, graph

    base = graph.check_base(base)
    check_writable(out)
    outdir.check_folder(out, set(output_names(checked=True)))  # a build replaces its folder whole
    key = corpus.reader_key(lexicon_path)
    kept = corpus.load_kept(out, key) if out.is_dir() else {}
    inputs = corpus.expand(paths or [resources.default_corpus()])
    log: list[dict] = []
    # The gate's shapes run on each report in the worker that reads it (kg.check).
    shapes_of = functools.partial(check.facts_shapes, base=base) if checks else None
    checked: dict[str, list] | None = {} if checks else None
    with Progress(len(inputs), "reading", "report", progress) as tick:
        docs, failures = corpus.read_corpus(
            inputs, lexicon_path, jobs, fail_fast, kept, tick, log, shapes_of, checked, scheduler
        )
    if not docs:
        raise KGError(f"no report could be read; the first: {failures[0].reason}" if failures else "no report given")
    data = graph.build(docs, framework.load(resources.ontology_file()), base)
    ontology = load_ontology(resources.ontology_file())
    report = None
    if checks:
        found = [f if isinstance(f, check.Finding) else check.Finding(**f)
                 for d in docs for f in (checked or {}).get(d.path, [])]  # fmt: skip
        report = check.run(data, ontology, require_reasoner=require_reasoner, shapes_found=found)
        report.seconds["shapes"] += sum(r["check_seconds"] for r in log)  # in the workers, with the reading
        if report.fails(strict):
            raise check.failure(report, strict)
    summary: dict = {}

    def written() -> Iterator[tuple[str, outdir.Content]]:
        for name, blob in outputs(data, ontology, report, base, notes, failures, files, log):
            if name == "summary.json":
                summary.update(json.loads(blob))
            if name == "timings.json":
                summary["timings"] = json.loads(blob)["reports"]
            yield name, blob
        yield builddir.MANIFEST, builddir.manifest(docs, base, lexicon_path, resources.ontology_file())
        yield corpus.FACTS_FILE, functools.partial(corpus.write_kept, docs, key, checked)

    # Every name a build may write: what this one does not write is dropped, never carried over.
    outdir.replace(out, written(), set(output_names()))
    return summary, report
