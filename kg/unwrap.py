"""Join the lines of a hard-wrapped report into its paragraphs, without moving a character.

A report of the genre puts each paragraph on a line of its own, and the reader takes a line
as a paragraph. Text copied out of a PDF breaks every paragraph into lines of the page's
width instead: each sentence that crossed a line was cut in two, a title on two lines lost
its second half, a list item its end. On the 20 development reports wrapped as a page sets
them (bench/pdf_wrap.py: 36 Chinese characters or 72 columns a line), the reader got 76 of
108 fields right, against 107 as published.

So a text is taken as wrapped when its long lines are of one width (the page's) and most of
them end in the middle of a sentence, which a paragraph never does; then each line break
inside a paragraph is made a space: a break after a line that the next line's first word
would not have fitted onto (a page breaks a line only for want of room), before a line
that opens no new block (a heading, a list item, an indented line, the other language).
One character for one, as kg.normalise does: offsets stay those of the source. A Chinese
word the page's edge cut keeps that space (国务院日前 印发), so a name, a title or a
number cut there can be missed: 94 of the 108 fields come out right. A text that is not
wrapped is returned as it is.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

from kg import genre

# A text is wrapped when, of its lines at least WIDE_SHARE of the page's width (the width
# WIDTH_QUANTILE of its lines reach), at least OPEN_SHARE end mid-sentence: at least
# MIN_LINES of them, on a page no wider than MAX_COLUMNS (a paragraph-per-line report's
# long lines are paragraphs, hundreds of characters, ending on a full stop).
WIDTH_QUANTILE = 0.95
WIDE_SHARE = 0.8
OPEN_SHARE = 0.6
MIN_LINES = 5
MAX_COLUMNS = 120
SLACK = 4  # columns a Chinese line may stop short of the page's edge (_fits)


def _columns(line: str) -> int:
    """The width of ``line`` as a page sets it: a Chinese character (or a full-width form)
    two columns, anything else one."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def _lines(text: str) -> list[tuple[int, int, int]]:
    """(start, end, end with its line break) of each line of ``text``."""
    out = []
    start = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        out.append((start, start + len(body), start + len(line)))
        start += len(line)
    return out


def _language(line: str) -> str:
    from kg.text import language

    return language(line)


def breaks(text: str) -> list[tuple[int, int]]:
    """The line breaks inside the paragraphs of a wrapped ``text``, as (start, end) offsets
    (a break is "\\n", "\\r\\n" or "\\r"); none when the text is not wrapped."""
    words = genre.load()["layout"]
    ends = tuple(words["sentence_ends"])
    block = re.compile("|".join(f"(?:{p})" for p in words["block_starts"]))
    lines = _lines(text)
    filled = [(text[s:e].strip(), k) for k, (s, e, _) in enumerate(lines)]
    widths = sorted(_columns(body) for body, _ in filled if body)
    if len(widths) < MIN_LINES:
        return []
    page = widths[int(WIDTH_QUANTILE * (len(widths) - 1))]
    if page > MAX_COLUMNS:
        return []
    wide = [body for body, _ in filled if body and _columns(body) >= WIDE_SHARE * page]
    open_lines = [body for body in wide if not body.endswith(ends)]
    if len(open_lines) < MIN_LINES or len(open_lines) < OPEN_SHARE * len(wide):
        return []
    out = []
    for (body, k), (after, _) in itertools.pairwise(filled):
        _, end, next_start = lines[k]
        line_after = text[next_start : lines[k + 1][1]]
        if (
            body
            and after
            and not line_after[:1].isspace()  # an indented line opens a paragraph
            and not block.match(after)
            and _language(body) == _language(after)
            and not _fits(body, after, page)
        ):
            out.append((end, next_start))
    return out


_TOKEN = re.compile(r"[!-~]+|.")  # a Latin word (up to a space or a Chinese character), or one character


def _fits(line: str, after: str, page: int) -> bool:
    """Whether the first word of ``after`` (a Latin word with its marks, or one character) would have fit at
    the end of ``line`` on a page ``page`` columns wide: then the line was not broken for
    want of room, and a paragraph ends there. A Chinese line may stop a character or two
    short of the edge (a mark that may not open a line is pulled back), so such a line is
    full within SLACK columns."""
    token = _TOKEN.match(after).group()
    latin = token[0].isascii() and line[-1].isascii()
    room = page - (0 if latin else SLACK)
    return _columns(line) + (1 if latin else 0) + _columns(token) <= room


def unwrap(text: str) -> str:
    """``text`` with the line breaks inside its paragraphs made spaces (when it is wrapped)."""
    found = breaks(text)
    if not found:
        return text
    parts = []
    last = 0
    for start, end in found:
        parts += [text[last:start], " " * (end - start)]
        last = end
    parts.append(text[last:])
    return "".join(parts)
