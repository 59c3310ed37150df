"""A report as text copied out of a PDF: each paragraph broken into lines of the page's width.

The development reports put a paragraph on a line; a report copied out of a PDF does not.
`bench/eval_corpus.py --wrapped` reads the development reports wrapped this way, and the
tests (tests/test_reflow.py) the bundled ones, to measure kg.reflow.
"""

from __future__ import annotations

import textwrap
import unicodedata


def wrap_english(text: str, width: int = 72) -> str:
    """Each paragraph-line broken at ``width`` columns, between words (a word cut at its
    hyphen, win-|win, would read "win- win"); a blank line kept."""
    lines = [
        line
        for paragraph in text.splitlines()
        for line in textwrap.wrap(paragraph, width, break_on_hyphens=False) or [""]
    ]
    return "\n".join(lines) + "\n"


def wrap_chinese(text: str, width: int = 36) -> str:
    """Each paragraph indented by two full-width spaces and cut where it reaches ``width``
    Chinese characters' width (a half-width digit or letter is half one), as a page sets
    it; a blank line kept."""
    lines: list[str] = []
    for paragraph in text.splitlines():
        if not paragraph.strip():
            lines.append("")
            continue
        line, used = "", 0
        for ch in "\u3000\u3000" + paragraph.strip():
            w = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
            if used + w > 2 * width:
                lines.append(line)
                line, used = "", 0
            line, used = line + ch, used + w
        lines.append(line)
    return "\n".join(lines) + "\n"


def wrap(text: str, lang: str) -> str:
    """``text`` wrapped as a page of its language sets it (``lang``: "zh" or "en")."""
    return wrap_chinese(text) if lang == "zh" else wrap_english(text)
