"""Reading many reports at once: inputs from files and folders, extraction in worker
processes, and a failure reported for its document rather than stopping the rest.

Files are read (and standard input taken) in this process; only the extraction, which is
pure computation on the text, runs in the workers. The facts come back in input order,
so a build with one worker and a build with eight write the same bytes.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from kg import framework, lexicon, resources, text
from kg.errors import KGError
from kg.facts import DocumentFacts


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


def _extract(job: tuple[str, str, bytes]) -> DocumentFacts | str:
    """One document's facts, or the one-line reason it has none."""
    from kg.build import read_content

    path, content, raw = job
    lex, frameworks, scorer = _READER
    try:
        return read_content(content, path, lex, frameworks, scorer, raw)
    except KGError as e:
        return str(e)


def read_corpus(
    paths: Sequence[str | Path], lexicon_path: str | Path | None = None, jobs: int = 1, fail_fast: bool = True
) -> tuple[list[DocumentFacts], list[Failure]]:
    """The facts of every input, and the inputs that failed (file and reason). With
    ``fail_fast`` the first failure is an error instead."""
    failures: list[Failure] = []

    def failed(path: str, reason: str) -> None:
        if fail_fast:
            raise KGError(reason)
        failures.append(Failure(path, reason))

    jobs_in: list[tuple[str, str, bytes]] = []
    seen: dict[str, str] = {}
    inputs = expand(paths or [resources.default_corpus()])
    for path in inputs:
        try:
            raw = text.read_bytes(path)
            content = text.read_text(path, raw)
        except KGError as e:
            failed(path, str(e))
            continue
        slug = text.slug_for(path)
        if slug in seen:
            failed(path, f"{path}: has the same document id {slug!r} as {seen[slug]}; rename one of them")
            continue
        seen[slug] = path
        jobs_in.append((path, content, raw))
    lex_path = str(lexicon_path) if lexicon_path else None
    _load(lex_path)
    workers = max(1, min(jobs, len(jobs_in)))
    if workers == 1:
        results = [_extract(job) for job in jobs_in]
    else:
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        spawned = {"initializer": _load, "initargs": (lex_path,)} if method == "spawn" else {}
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method), **spawned) as pool:
            results = list(pool.map(_extract, jobs_in, chunksize=1))
    docs = []
    for (path, _, _), result in zip(jobs_in, results):
        if isinstance(result, str):
            failed(path, result)
        else:
            docs.append(result)
    order = {path: k for k, path in enumerate(inputs)}
    return docs, sorted(failures, key=lambda f: order.get(f.path, len(order)))


def default_jobs() -> int:
    return os.cpu_count() or 1
