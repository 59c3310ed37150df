"""The genre's vocabulary (ontology/genre.toml) as plain data, loaded once.

Segmentation (kg.text) and the extraction phases (kg.extract) both read it, so it lives
below both: data flows one way, and the reader's first step needs no extraction module.
"""

from __future__ import annotations

import functools
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
