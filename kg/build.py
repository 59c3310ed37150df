"""Read the inputs, extract, build the dataset, and write every output at once."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from pathlib import Path

from kg import export, framework, lexicon, resources, text
from kg.errors import KGError
from kg.extract import extract
from kg.facts import DocumentFacts
from kg.namespaces import DEFAULT_BASE
from kg.normalise import normalise, without_controls
from kg.rdf import Data, Graph, load_ontology


def read_documents(paths: Sequence[str | Path], lexicon_path: str | Path | None = None) -> list[DocumentFacts]:
    """Extract the facts of each input file; every file must hold a plan."""
    lex = lexicon.load(lexicon_path or resources.lexicon_file())
    frameworks = framework.load(resources.ontology_file())
    scorer = lexicon.anchor_scorer(lex)
    docs: list[DocumentFacts] = []
    seen: dict[str, str] = {}
    for path in paths or [resources.default_corpus()]:
        raw = text.read_bytes(path)
        content = text.read_text(path, raw)
        slug = text.slug_for(path)
        if slug in seen:
            raise KGError(f"{path}: has the same document id {slug!r} as {seen[slug]}; rename one of them")
        seen[slug] = str(path)
        docs.append(read_content(content, str(path), lex, frameworks, scorer, raw))
    return docs


def read_content(content: str, path: str, lex, frameworks, scorer, raw: bytes | None = None) -> DocumentFacts:
    """The facts of one decoded report: normalise, segment, extract (no file needed)."""
    source = without_controls(content)
    doc = text.segment(normalise(content), path, scorer, source=source)
    raw = content.encode("utf-8", "surrogatepass") if raw is None else raw
    return extract(doc, lex, frameworks, raw)


def dataset(paths: Sequence[str | Path], base: str = DEFAULT_BASE, lexicon_path: str | Path | None = None) -> Data:
    """The data of the inputs: one named graph per document."""
    from kg import graph

    return graph.build(read_documents(paths, lexicon_path), framework.load(resources.ontology_file()), base)


def outputs(
    data: Data, ontology: Graph, report=None, base: str = DEFAULT_BASE, notes: list[str] | None = None
) -> dict[str, bytes]:
    """File name → bytes, for everything `kg build` writes; ``notes`` collects warnings."""
    from kg import check, docs, stats, viz, void

    full = data.with_ontology(ontology)
    files: dict[str, bytes] = {}
    for fmt in export.RDF_FORMATS:
        ext = export.FORMATS[fmt].ext
        files[f"data.{ext}"] = export.serialize(data, fmt)
        if fmt != "nq":
            files[f"full.{ext}"] = export.serialize(full, fmt)
    files["ontology.ttl"] = resources.ontology_file().read_bytes()
    files["ontology.owl"] = export.serialize(Data([]).with_ontology(ontology), "rdfxml")
    files["ontology.html"] = docs.render(ontology, data.union()).encode()
    views, view_notes = viz.build_views(data)
    files.update(views)
    if notes is not None:
        notes.extend(view_notes)
    summary = stats.summarize(data)
    files["void.ttl"] = void.turtle(data, base)
    if report is not None:
        inferred = check.inferred_dataset(report, f"{base}{check.INFERRED_GRAPH}")
        files["inferred.ttl"] = export.serialize(inferred, "ttl")
        files["inferred.trig"] = export.serialize(inferred, "trig")
        summary["checks"] = check.summary(report)
    files["summary.json"] = (json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()
    return files


def write_all(out: Path, files: dict[str, bytes]) -> None:
    """Replace the folder ``out`` whole with ``files`` (kg.outdir: never file by file)."""
    from kg import outdir

    outdir.replace(out, files)


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
):
    """Build, pass the quality gate, write everything; returns (summary, report or None)."""
    from kg import builddir, check, graph

    check_writable(out)
    docs = read_documents(paths, lexicon_path)
    data = graph.build(docs, framework.load(resources.ontology_file()), base)
    ontology = load_ontology(resources.ontology_file())
    report = None
    if checks:
        report = check.run(data, ontology, require_reasoner=require_reasoner)
        if report.fails(strict):
            raise check.failure(report, strict)
    files = outputs(data, ontology, report, graph.check_base(base), notes)
    files[builddir.MANIFEST] = builddir.manifest(docs, graph.check_base(base), lexicon_path, resources.ontology_file())
    write_all(out, files)
    return json.loads(files["summary.json"]), report
