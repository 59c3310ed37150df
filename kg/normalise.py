"""Normalise a plan report without moving a character.

The reader works on a normalised copy of the text (simplified characters, half-width
letters, digits and symbols, no control characters), but provenance must point at the
source as published. So every change here maps one character to one character: offsets
into the normalised text are offsets into the original.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Full-width forms folded to ASCII: letters, digits and the symbols a number or a name uses.
# Chinese punctuation (，。；：（）《》“”) is kept: the genre's rules read it.
_FOLD = {chr(c): chr(c - 0xFEE0) for c in range(0xFF10, 0xFF1A)}  # ０-９
_FOLD.update({chr(c): chr(c - 0xFEE0) for c in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_FOLD.update({chr(c): chr(c - 0xFEE0) for c in range(0xFF41, 0xFF5B)})  # ａ-ｚ
_FOLD.update({"＋": "+", "％": "%", "．": ".", "－": "-", "／": "/", "＆": "&", "＝": "=", "＠": "@", "＃": "#"})
_FOLD.update({"\u3000": " ", "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ", "\u200b": " "})
_FOLD.update({"〜": "~", "～": "~"})
# Corner brackets, the quotation marks of traditional-character texts (Hong Kong, Taiwan),
# as the mainland's: 「十四五」 is “十四五”, as its characters become simplified ones.
_FOLD.update({"「": "“", "」": "”", "『": "‘", "』": "’"})
_KEEP = {"\n", "\r", "\t"}


@functools.cache
def _converter():
    """OpenCC's traditional-to-simplified converter, loaded once (about 7 ms)."""
    import opencc

    return opencc.OpenCC("t2s")


def _is_control(ch: str) -> bool:
    """A control, format or separator character other than a line break or a tab."""
    return ch not in _KEEP and unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")


def _table(text: str, fold: bool) -> dict[int, str]:
    """A str.translate table for the characters ``text`` holds: controls to spaces, and the
    full-width forms to ASCII when ``fold``. Each distinct character is looked at once, so
    the work per character is translate's, in C."""
    table = {ord(ch): " " for ch in set(text) if _is_control(ch)}
    if fold:
        table.update((ord(k), v) for k, v in _FOLD.items())
    return table


def to_simplified(text: str) -> str:
    """Traditional characters to simplified, one character for one.

    OpenCC converts phrases as well as characters; where a phrase would change the
    length of a line, that line is converted character by character instead.
    """
    if not text or text.isascii():
        return text
    cc = _converter()
    out = cc.convert(text)
    if len(out) == len(text):
        return out
    lines = []
    for line in text.splitlines(keepends=True):
        conv = cc.convert(line)
        if len(conv) != len(line):
            conv = "".join(c if len(c := cc.convert(ch)) == 1 else ch for ch in line)
        lines.append(conv)
    return "".join(lines)


def without_controls(text: str) -> str:
    """The published text with control and format characters (other than line breaks and
    tabs) as spaces, one for one. This is the text the graph quotes: a control character is
    no part of what a plan says, and RDF tools choke on it (HermiT fails on \\x1c)."""
    if text.isprintable():
        return text
    return text.translate(_table(text, fold=False))


# A Markdown heading's marks at a line's start (# 标题, ## Title): a report saved from a web
# page as Markdown wears them, and the rules that read a line's start (the dateline
# 新华社北京2月21日电, a list marker) would not see past them.
_HEADING_MARKS = re.compile(r"^([ \t]*)(#{1,6})(?=[ \t])", re.MULTILINE)


def normalise(text: str) -> str:
    """The text the rules read: same length as ``text``, character for character."""
    folded = text.translate(_table(text, fold=True))
    if "#" in folded:
        folded = _HEADING_MARKS.sub(lambda m: m.group(1) + " " * len(m.group(2)), folded)
    out = to_simplified(folded)
    assert len(out) == len(text)
    return out
