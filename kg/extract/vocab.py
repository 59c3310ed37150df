"""Regexes made from the genre's vocabulary (kg.genre) for the extraction phases."""

from __future__ import annotations

import re


def alternation(words, boundary: bool = False) -> str:
    """A regex alternation of ``words``, longest first, so a longer word wins."""
    parts = [re.escape(w) for w in sorted(set(words), key=len, reverse=True)]
    body = "|".join(parts) or "(?!)"
    return rf"\b(?:{body})\b" if boundary else f"(?:{body})"
