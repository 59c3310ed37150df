"""Where the bundled ontology, lexicon, queries and corpus live, installed or in a checkout."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The bundled folder ``name``: inside the wheel (kg/data/NAME) or at the checkout's root."""
    for candidate in (_PACKAGE / "data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled data folder {name!r} is missing from this installation")


def ontology_file() -> Path:
    return data_dir("ontology") / "digital-china.ttl"


def lexicon_file() -> Path:
    return data_dir("ontology") / "lexicon.tsv"


def default_corpus() -> Path:
    return data_dir("corpus") / "digital-china-overall-layout-plan.zh-en.txt"


def files_digest(files: Iterable[Path]):
    """A SHA-256 of files' names and bytes, in the order given: the key of what was made
    from them (kept facts, plan pages), which changes when any of them does."""
    import hashlib

    digest = hashlib.sha256()
    for f in files:
        digest.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return digest
