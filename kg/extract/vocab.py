"""The genre's vocabulary (ontology/genre.toml) as plain data, loaded once."""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path

from kg import resources
from kg.errors import KGError


@functools.cache
def load(path: str | None = None) -> dict:
    """genre.toml as a dict; a malformed file is an error that names it."""
    p = Path(path) if path else resources.data_dir("ontology") / "genre.toml"
    try:
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise KGError(f"{p}: cannot read the genre vocabulary: {e}") from None


def alternation(words, boundary: bool = False) -> str:
    """A regex alternation of ``words``, longest first, so a longer word wins."""
    parts = [re.escape(w) for w in sorted(set(words), key=len, reverse=True)]
    body = "|".join(parts) or "(?!)"
    return rf"\b(?:{body})\b" if boundary else f"(?:{body})"
