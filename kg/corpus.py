"""Reading many reports at once: inputs from files and folders, extraction in worker
processes, and a failure reported for its document rather than stopping the rest.

Files are read (and standard input taken) in this process; only the extraction, which is
pure computation on the text, runs in the workers. The facts come back in input order,
so a build with one worker and a build with eight write the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from kg import framework, lexicon, resources, text
from kg.errors import KGError
from kg.extract import extract
from kg.facts import DocumentFacts
from kg.normalise import normalise, without_controls
from kg.reflow import reflow


@dataclass(frozen=True)
class Failure:
    path: str
    reason: str


def expand(paths: Sequence[str | Path]) -> list[str]:
    """The inputs: each file as given, each folder's ``*.txt`` files (recursively, sorted)."""
    out: list[str] = []
    for path in paths:
        p = Path(path)
        if str(path) != "-" and p.is_dir():
            found = sorted(str(f) for f in p.rglob("*.txt") if f.is_file())
            if not found:
                raise KGError(f"{path}: a folder with no *.txt report in it")
            out.extend(found)
        else:
            out.append(str(path))
    return out


# The vocabulary each worker reads with: loaded once, before the workers start (a forked
# worker shares it) or by the initializer (a spawned one).
_READER: tuple | None = None


def _load(lexicon_path: str | None) -> None:
    global _READER
    lex = lexicon.load(lexicon_path or resources.lexicon_file())
    _READER = (lex, framework.load(resources.ontology_file()), lexicon.anchor_scorer(lex))


# The most units, sentences and clauses, and relations one report may give: what its graph
# and the build's memory grow with. The bundled plan repeated up to the 4 MiB a report may
# be (kg.text.MAX_BYTES) gives ~77,000 (0.9 million quads, ~0.9 GB built); a text of bare
# list items gives that many in a tenth of the bytes, and 4 MiB of them would need ~3 GB.
MAX_PARTS = 80_000


def read_content(content: str, path: str, lex, frameworks, scorer, raw: bytes | None = None) -> DocumentFacts:
    """The facts of one decoded report: normalise, segment, extract (no file needed).
    A report that gives more than MAX_PARTS is refused, as one over MAX_BYTES is."""
    source = without_controls(content)
    read = reflow(normalise(content))
    doc = text.segment(read.text, path, scorer, source=source)
    raw = content.encode("utf-8", "surrogatepass") if raw is None else raw
    facts = extract(doc, lex, frameworks, raw)
    read.to_source(facts, source)  # a hard-wrapped text's segments, at their place in the file
    parts = len(facts.units) + len(facts.segments) + len(facts.relations)
    if parts > MAX_PARTS:
        raise KGError(
            f"{path}: {parts:,} units, sentences and relations is more than a plan report gives"
            f" (at most {MAX_PARTS:,}); split it"
        )
    return facts


def _extract(job: tuple) -> tuple[DocumentFacts | str, float, float, list | None]:
    """One document's facts, or the one-line reason it has none; with the wall and CPU
    seconds it took, and what ``check`` (the job's fourth item, or None) found in them."""
    path, content, raw, check = job
    lex, frameworks, scorer = _READER
    wall, cpu = time.perf_counter(), time.process_time()
    found = None
    try:
        result: DocumentFacts | str = read_content(content, path, lex, frameworks, scorer, raw)
        if check is not None:
            checking = time.perf_counter()
            found = (check(result), time.perf_counter() - checking)
    except KGError as e:
        result = str(e)
    return result, time.perf_counter() - wall, time.process_time() - cpu, found


FACTS_FILE = "facts.json"
# What the facts of a report depend on besides its bytes: the reader's code and vocabulary.
# (And of what the gate keeps per report with them: the RDF of the facts, and the shapes.)
_READER_CODE = ("extract", "text.py", "normalise.py", "reflow.py", "corpus.py", "lexicon.py", "facts.py",
                "framework.py", "genre.py", "graph.py", "check.py", "shapes.py", "shacl.py")  # fmt: skip


def reader_key(lexicon_path: str | Path | None = None) -> str:
    """A hash of the reader (its modules, the lexicon, the genre's vocabulary, the ontology):
    facts kept from an earlier build are reused only while it is the same."""
    package = Path(__file__).resolve().parent
    files = sorted(
        p
        for name in _READER_CODE
        for p in ((package / name).rglob("*.py") if (package / name).is_dir() else [package / name])
    )
    files += [Path(lexicon_path) if lexicon_path else resources.lexicon_file(), resources.ontology_file(),
              resources.data_dir("ontology") / "genre.toml", resources.data_dir("ontology") / "shapes.ttl"]  # fmt: skip
    return resources.files_digest(files).hexdigest()


@dataclass(frozen=True)
class KeptReport:
    """A report whose facts the last build kept for the same bytes: what a rebuild needs of
    it (its path, hash and id), without reading its facts. Their JSON text goes back into
    facts.json as it was (``json``); the facts are made only when asked (``facts``): when
    the last build's quads of it cannot be used."""

    path: str
    sha256: str
    slug: str
    json: str | bytes  # the facts as facts.json holds them (its bytes, as load_kept keeps them)
    digest: dict | None = None  # what its graph gives the aggregates (kg.digest), when kept
    digest_json: str = ""  # and as facts.json holds it

    def facts(self) -> DocumentFacts:
        from kg.facts import from_json

        return from_json(json.loads(self.json))


# SHA-256, findings or None, the facts' JSON (bytes), (the digest, its JSON text) or None
Kept = tuple[str, "list | None", "str | bytes", "tuple[dict, str] | None"]
_DOCUMENTS = '{"documents":{'
_FACTS = ',"facts":'


def load_kept(folder: Path, key: str) -> tuple[dict[str, Kept], dict | None]:
    """path → (SHA-256, findings data or None, the facts' JSON text, its graph's digest with
    its text, or None) from the build in ``folder``, when its reader was ``key`` (a digest when it was
    made by this kg.digest); and the index of its flat files (kg.blocks), when they were
    written by this writer (else None). facts.json holds a report a line
    (kept_record), its facts last: each line's few fields are read, its facts kept as the
    bytes they are, neither parsed nor decoded (read as text, 45 MB at 1,000 reports took
    0.38 s before a field was read)."""
    from kg import blocks

    try:
        raw = (folder / FACTS_FILE).read_bytes()
        lines = raw.split(b"\n")
        if lines[0] != _DOCUMENTS.encode() or len(lines) < 3:
            return _load_whole(json.loads(raw), key)  # as kg wrote it before a report a line
        record = json.loads(_DOCUMENTS.encode() + lines[-2])  # "},"files":…,"reader":…}": the rest
    except (OSError, ValueError):
        return {}, None
    if not isinstance(record, dict) or record.get("reader") != key:
        return {}, None
    from kg import digest

    files = record.get("files")
    if not isinstance(files, dict) or files.get("writer") != blocks.writer_key():
        files = None
    digests = record.get("digests") == digest.key()
    kept: dict[str, Kept] = {}
    decoder = json.JSONDecoder()
    facts_at = _FACTS.encode()
    try:
        for entry in lines[1:-2]:
            # The fields before the facts, decoded; the facts' bytes (no "facts" key in them:
            # a string in JSON holds no bare quote).
            if not entry:
                continue
            cut = entry.find(facts_at)
            end = len(entry) - 1 if entry.endswith(b",") else len(entry)
            if cut < 0 or entry[end - 1 : end] != b"}":
                raise ValueError("not a report's entry")
            line = entry[:cut].decode("utf-8") + _FACTS + "0}"  # the facts' place held by a 0
            path, at = decoder.raw_decode(line, 0)
            if not line.startswith(":{", at) or not line.endswith("}"):
                raise ValueError("not a report's entry")
            fields: dict = {}
            at += 2
            texts: dict = {}
            while not line.startswith(_FACTS[1:], at):  # "digest", "findings", "sha256", then "facts"
                name, at = decoder.raw_decode(line, at)
                start = at + 1
                fields[name], at = decoder.raw_decode(line, start)
                texts[name] = line[start:at]
                at += 1  # the comma
            if at != len(line) - len(_FACTS) - 1:  # the "facts" this line's fields end at: the one put here
                raise ValueError("not a report's entry")
            facts = entry[cut + len(facts_at) : end - 1]
            found = fields.get("digest") if digests else None
            found = (found, texts["digest"]) if isinstance(found, dict) else None
            kept[path] = (fields["sha256"], fields.get("findings"), facts, found)
    except (ValueError, KeyError, TypeError, IndexError):
        return {}, None
    return kept, files


def _load_whole(data, key: str) -> tuple[dict[str, Kept], dict | None]:
    """load_kept of a facts.json read whole (one line: an earlier kg's), without a file index."""
    if not isinstance(data, dict) or data.get("reader") != key:
        return {}, None
    try:
        kept = {p: (d["sha256"], d.get("findings"), _dumps(d["facts"]), None) for p, d in data["documents"].items()}
    except (KeyError, TypeError, AttributeError):
        return {}, None
    return kept, None


def facts_texts(docs: list[DocumentFacts | KeptReport]) -> dict[str, tuple[str, str | bytes]]:
    """path → (SHA-256, the facts as JSON text) of each report: what kept_record writes,
    made early so that a build can let the facts go (the text is a third of them as
    objects); a kept report's text as the last build wrote it."""
    from kg.facts import to_json

    return {d.path: (d.sha256, d.json if isinstance(d, KeptReport) else _dumps(to_json(d))) for d in docs}


def kept_record(
    texts: dict[str, tuple[str, str | bytes]],
    key: str,
    checked: dict[str, list] | None,
    files: dict | None = None,
    digests: dict[str, dict | str] | None = None,
) -> bytes:
    """facts.json: each report's facts (``texts``, from facts_texts), by path, for the next
    build to reuse; with what the gate found in each (``checked``: path → findings), when it
    ran; ``files``, the index of the flat files the next build copies runs of (kg.blocks);
    and ``digests``, path → what its graph gives the aggregates (kg.digest, or its JSON text
    as the last build wrote it). A report a
    line, its JSON spliced from its parts (without a second copy of the facts as one JSON
    value), its facts last; the rest on the last line but one."""
    from dataclasses import asdict

    # Encoded an entry at a time: the whole as one string too was +70 MB at a 4 MB plan.
    parts = [_DOCUMENTS.encode()]
    for number, path in enumerate(sorted(texts)):
        sha256, facts = texts[path]
        entry = "{"
        if digests is not None and path in digests:
            found = digests[path]
            entry += '"digest":' + (found if isinstance(found, str) else _dumps(found)) + ","
        if checked is not None and path in checked:
            found = [f if isinstance(f, dict) else asdict(f) for f in checked[path]]
            entry += '"findings":' + _dumps(found) + ","
        entry += '"sha256":' + _dumps(sha256) + _FACTS  # the facts last: load_kept
        body = facts if isinstance(facts, bytes) else facts.encode()  # a kept report's as they were read
        parts.append(f"{',' if number else ''}\n{_dumps(path)}:{entry}".encode() + body + b"}")
    parts.append(b"\n}")
    if digests is not None:
        from kg import digest

        parts.append(b',"digests":' + _dumps(digest.key()).encode())
    if files is not None:
        parts.append(b',"files":' + _dumps(files).encode())
    parts.append(f',"reader":{_dumps(key)}}}\n'.encode())
    return b"".join(parts)


def _by_path(kept: dict[str, Kept], inputs: list[str]) -> dict[str, Kept]:
    """``kept`` (load_kept: by the path each report was given as) by the paths given now.
    A report given by another path to the same file name (``reports/`` then ``./reports``
    or an absolute path, or the folder moved) is the same report when its bytes are (the
    caller checks them): its facts depend on its bytes and its name alone, but for the
    path they record, which is set to the one given now, as reading it again would."""
    if all(path in kept for path in inputs):
        return kept
    by_name: dict[str, str | None] = {}
    for old in kept:
        name = Path(old).name
        by_name[name] = None if name in by_name else old  # two of one name: neither is matched
    out = dict(kept)
    for path in inputs:
        old = by_name.get(Path(path).name) if path not in kept else None
        if old is not None:
            sha256, findings, facts, digest = kept[old]
            data = json.loads(facts)
            data["path"] = path
            out[path] = (sha256, findings, _dumps(data), digest)
    return out


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _run(jobs: list[tuple], lex_path: str | None, workers: int, scheduler: str | None) -> Iterator[tuple]:
    """_extract of each job, in order: in this process, in ``workers`` local processes, or on
    the workers of a Dask cluster. The outcome is the same whichever runs it."""
    if not jobs:
        return
    if scheduler:
        yield from _run_on_cluster(jobs, lex_path, scheduler)
        return
    _load(lex_path)
    if workers == 1:
        # No check here: in this process the caller checks the graph it builds anyway
        # (kg.build), where a check here would build each report's graph a second time.
        yield from map(_extract, [(*job[:3], None) for job in jobs])
        return
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    spawned = {"initializer": _load, "initargs": (lex_path,)} if method == "spawn" else {}
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method), **spawned) as pool:
        yield from pool.map(_extract, jobs, chunksize=1)


def _run_on_cluster(jobs: list[tuple], lex_path: str | None, scheduler: str) -> Iterator[tuple]:
    """The jobs on a Dask cluster: each carries its report's text, and the lexicon goes with
    them as bytes, so the workers need kg installed but none of the files."""
    try:
        from distributed import Client
    except ImportError:
        raise KGError("--scheduler needs Dask's distributed package: pip install 'digital-china-kg[cluster]'") from None
    lexicon_bytes = Path(lex_path).read_bytes() if lex_path else None
    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as e:
        raise KGError(f"--scheduler {scheduler}: cannot reach the Dask scheduler: {' '.join(str(e).split())}") from None
    with client:
        futures = client.map(_extract_shipped, jobs, lexicon=lexicon_bytes, pure=False)
        for future in futures:
            yield future.result()


def _extract_shipped(job: tuple, lexicon: bytes | None) -> tuple:
    """_extract on a cluster worker, with the lexicon the build sent (loaded once per worker)."""
    global _SHIPPED
    key = hashlib.sha256(lexicon).hexdigest() if lexicon is not None else ""
    if key != _SHIPPED:
        if lexicon is None:
            _load(None)
        else:
            import tempfile

            with tempfile.NamedTemporaryFile(suffix=".tsv") as f:
                f.write(lexicon)
                f.flush()
                _load(f.name)
        _SHIPPED = key
    return _extract(job)


_SHIPPED: str | None = None  # the lexicon a cluster worker has loaded (its hash; "" the bundled one)


def _unread(path: str) -> dict:
    """The log record of a report that failed before it could be read."""
    return {"path": path, "status": "failed", "seconds": 0.0, "cpu_seconds": 0.0, "check_seconds": 0.0}


def read_corpus(
    paths: Sequence[str | Path],
    lexicon_path: str | Path | None = None,
    jobs: int = 1,
    fail_fast: bool = True,
    kept: dict[str, tuple[str, dict, list | None]] | None = None,
    tick: Callable[[], None] | None = None,
    log: list[dict] | None = None,
    check: Callable[[DocumentFacts], list] | None = None,
    checked: dict[str, list] | None = None,
    scheduler: str | None = None,
) -> tuple[list[DocumentFacts | KeptReport], list[Failure]]:
    """The facts of every input, and the inputs that failed (file and reason). With
    ``fail_fast`` the first failure is an error instead. ``kept``: facts of an earlier build
    (load_kept), reused for a report whose bytes have not changed: such a report is a
    KeptReport, its facts made only when asked. ``tick`` is called once
    per report done (a progress bar); ``log`` gets one record per report: its path, status
    (read, kept or failed) and the seconds it took. ``check``, a picklable function of a
    report's facts, runs in the worker process after the reading (not when the reports
    are read in this process: the caller checks them then); ``checked`` gets path → what
    it found (for a kept report, what the last build found, as plain data). ``scheduler``: the
    address of a Dask scheduler whose workers read the reports instead of local processes."""
    failures: list[Failure] = []

    def failed(path: str, reason: str) -> None:
        if fail_fast:
            raise KGError(reason)
        failures.append(Failure(path, reason))

    unread: list[dict] = []  # reports that failed before extraction, for the log

    jobs_in: list[tuple[str, str, bytes]] = []
    seen: dict[str, str] = {}
    reusable: dict[int, str] = {}  # job → its id, for the jobs whose facts the last build kept for the same bytes
    inputs = expand(paths or [resources.default_corpus()])
    kept = _by_path(kept or {}, inputs)
    for path in inputs:
        try:
            raw = text.read_bytes(path)
            old = kept.get(path)
            reuse = bool(old) and old[0] == hashlib.sha256(raw).hexdigest() and (check is None or old[1] is not None)
            # Bytes the last build read are not decoded again (~0.5 ms a report).
            content = "" if reuse else text.read_text(path, raw)
        except KGError as e:
            failed(path, str(e))
            unread.append(_unread(path))
            continue
        slug = text.slug_for(path)
        if slug in seen:
            failed(path, f"{path}: has the same document id {slug!r} as {seen[slug]}; rename one of them")
            unread.append(_unread(path))
            continue
        seen[slug] = path
        if reuse:
            reusable[len(jobs_in)] = slug
        jobs_in.append((path, content, raw))
    results: list = [None] * len(jobs_in)
    times: list[tuple[float, float]] = [(0.0, 0.0)] * len(jobs_in)
    checking = [0.0] * len(jobs_in)  # of which in ``check``
    for k, slug in reusable.items():
        path = jobs_in[k][0]
        sha256, findings, facts_json, digest = kept[path]
        results[k] = KeptReport(path, sha256, slug, facts_json, *(digest or ()))
        if checked is not None and check is not None:
            checked[path] = findings
        if tick:
            tick()
    todo = [k for k in range(len(jobs_in)) if k not in reusable]
    lex_path = str(lexicon_path) if lexicon_path else None
    outcomes = _run([(*jobs_in[k], check) for k in todo], lex_path, max(1, min(jobs, len(todo))), scheduler)
    for k, (result, wall, cpu, found) in zip(todo, outcomes):
        results[k], times[k] = result, (wall, cpu)
        if checked is not None and found is not None:
            checked[jobs_in[k][0]], checking[k] = found
        if tick:
            tick()
    docs = []
    for k, ((path, _, _), result) in enumerate(zip(jobs_in, results)):
        status = "failed" if isinstance(result, str) else "kept" if k in reusable else "read"
        if log is not None:
            log.append({"path": path, "status": status, "seconds": round(times[k][0], 4),
                        "cpu_seconds": round(times[k][1], 4), "check_seconds": round(checking[k], 4)})  # fmt: skip
        if isinstance(result, str):
            failed(path, result)
        else:
            docs.append(result)
    order = {path: k for k, path in enumerate(inputs)}
    if log is not None:
        log[:] = sorted(log + unread, key=lambda r: order.get(r["path"], len(order)))
    return docs, sorted(failures, key=lambda f: order.get(f.path, len(order)))


def default_jobs() -> int:
    return os.cpu_count() or 1
