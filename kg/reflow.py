"""The text the reader reads: a hard-wrapped report's lines joined into its paragraphs, a
Chinese line's spaces about Latin words and numbers closed up; each fact kept at its place
in the file.

A report of the genre puts each paragraph on a line of its own, and the reader takes a line
as a paragraph. Text copied out of a PDF breaks every paragraph into lines of the page's
width instead: each sentence that crossed a line was cut in two, a title on two lines lost
its second half, a list item its end. On the 20 development reports wrapped as a page sets
them (bench/pdf_wrap.py: 36 Chinese characters or 72 columns a line), the reader got 77 of
108 fields right, against 107 as published.

So a text is taken as wrapped when its long lines are of one width (the page's) and most of
them end in the middle of a sentence, which a paragraph never does; then each line break
inside a paragraph is made a space: a break after a line that the next line's first word
would not have fitted onto (a page breaks a line only for want of room), before a line
that opens no new block (a heading, a list item, a news page's "Updated:" line, an
indented line, the other language); a page's number or running head between two lines of a
paragraph goes with the break. In English the space stands where the break stood: one
character for one, as kg.normalise does. Chinese sets no space between words (nor inside
13.5%), so there the breaks' characters move to the paragraph's end; so do the spaces some
pages set between a Chinese character and a Latin word or a number (到 2025 年: the dev
reports spaced so gave 86 of 108 fields). The segments the reader makes are then given
back their place in the file (Reflowed.to_source): their offsets and text are the file's,
line breaks and spaces and all. Reflowed, the dev reports give 107 of 108 fields either
way, as published. A text with nothing to reflow is returned as it is.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from kg import genre
from kg.text import CJK, language

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
RUNNING_HEAD = 3  # a short line that recurs this often is a page's running head or foot


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


@dataclass(frozen=True)
class Join:
    """A line break inside a paragraph: ``start``-``end`` in the text, from the end of line
    ``line`` to the start of line ``next`` (the line after it, or the first after a page's
    number or running head that cut the paragraph: those go with the break)."""

    start: int
    end: int
    line: int
    next: int


def breaks(text: str, lines: list[tuple[int, int, int]] | None = None) -> list[Join]:
    """The line breaks inside the paragraphs of a wrapped ``text`` (a break is "\\n",
    "\\r\\n" or "\\r", with the page furniture between two lines of a paragraph); none
    when the text is not wrapped. ``lines``: _lines of ``text``, when made already."""
    vocab = genre.load()
    words = vocab["layout"]
    ends = tuple(words["sentence_ends"])
    labels = "|".join(map(re.escape, [*vocab["zh"]["header_prefixes"], *words["page_labels"]]))
    block = re.compile("|".join([*(f"(?:{p})" for p in words["block_starts"]), rf"(?:{labels})\s*[:：]"]))
    folio = re.compile("|".join(f"(?:{p})" for p in words["page_numbers"]))
    lines = _lines(text) if lines is None else lines
    bodies = [text[s:e].strip() for s, e, _ in lines]
    widths = sorted(_columns(body) for body in bodies if body)
    if len(widths) < MIN_LINES:
        return []
    page = widths[int(WIDTH_QUANTILE * (len(widths) - 1))]
    if page > MAX_COLUMNS:
        return []
    wide = [body for body in bodies if body and _columns(body) >= WIDE_SHARE * page]
    open_lines = [body for body in wide if not body.endswith(ends)]
    if len(open_lines) < MIN_LINES or len(open_lines) < OPEN_SHARE * len(wide):
        return []
    # Page furniture: a page's number, or a short line that recurs (a running head or foot).
    counts = Counter(bodies)
    furniture = {
        k
        for k, body in enumerate(bodies)
        if body
        and (
            folio.fullmatch(body)
            or (counts[body] >= RUNNING_HEAD and _columns(body) < WIDE_SHARE * page and not body.endswith(ends))
        )
    }
    langs = [language(body) for body in bodies]
    out = []
    k = 0
    while k < len(lines) - 1:
        m = _past_furniture(k, bodies, furniture)
        body, after = bodies[k], bodies[m] if m < len(lines) else ""
        if (
            body
            and after
            and k not in furniture
            and not text[lines[m][0] : lines[m][1]][:1].isspace()  # an indented line opens a paragraph
            and not block.match(after)
            and langs[k] == langs[m]
            and not _fits(body, after, page, langs[k] == "en")
        ):
            out.append(Join(lines[k][1], lines[m][0], k, m))
            k = m
        else:
            k += 1
    return out


def _past_furniture(k: int, bodies: list[str], furniture: set[int]) -> int:
    """The line after line ``k``; past a page's furniture that follows it, with the blank
    lines about that, when there is some (a blank line alone ends a paragraph)."""
    m, crossed = k + 1, False
    while m < len(bodies) and (m in furniture or not bodies[m]):
        crossed = crossed or m in furniture
        m += 1
    return m if crossed else k + 1


_TOKEN = re.compile(r"[!-~]+|.")  # a Latin word (up to a space or a Chinese character), or one character


def _fits(line: str, after: str, page: int, english: bool) -> bool:
    """Whether the first word of ``after`` (a Latin word with its marks, or one character)
    would have fit at the end of ``line`` on a page ``page`` columns wide: then the line was
    not broken for want of room, and a paragraph ends there. English sets its words apart
    by a space; Chinese sets none, and a Chinese line may stop a character or two short of
    the edge (a mark that may not open a line is pulled back; its indent, folded to
    half-width spaces, is counted short), so such a line is full within SLACK columns."""
    token = _TOKEN.match(after).group()
    room = page - (0 if english else SLACK)
    return _columns(line) + (1 if english else 0) + _columns(token) <= room


@dataclass
class Reflowed:
    """The text the reader reads, and where each of its characters stands in the text given:
    ``starts`` (in the one) and ``sources`` (in the other) of each run of characters that
    moved together; a run in ``gaps`` is a paragraph's moved breaks, now spaces at its end,
    which stand for that end."""

    text: str
    starts: list[int] = field(default_factory=lambda: [0])
    sources: list[int] = field(default_factory=lambda: [0])
    gaps: set[int] = field(default_factory=set)

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the text given that ``start``-``end`` of the text read came from."""
        k = bisect.bisect_right(self.starts, start) - 1
        first = self.sources[k] + (0 if k in self.gaps else start - self.starts[k])
        if end <= start:
            return first, first
        k = bisect.bisect_right(self.starts, end - 1) - 1
        last = self.sources[k] if k in self.gaps else self.sources[k] + end - self.starts[k]
        return first, max(first, last)

    def to_source(self, facts, source: str) -> None:
        """Every segment of ``facts`` (read from this text) given its offsets and its exact
        text in ``source`` (the text as published); nothing to do when nothing moved."""
        if len(self.starts) == 1:
            return
        for key, seg in list(facts.segments.items()):
            start, end = self.source_span(seg.start, seg.end)
            en_start, en_end = self.source_span(seg.en_start, seg.en_end) if seg.en_start >= 0 else (-1, -1)
            facts.segments[key] = dataclasses.replace(
                seg, start=start, end=end, text=source[start:end], en_start=en_start, en_end=en_end
            )


# A space a Chinese line sets between a Chinese character and a Latin letter or a digit
# (到 2025 年, 推进 IPv6 部署): typesetting, not a word's end; the rules read 到2025年.
_SPACING = re.compile(rf"(?<={CJK.pattern})[ \t]{{1,2}}(?=[A-Za-z0-9])|(?<=[A-Za-z0-9%])[ \t]{{1,2}}(?={CJK.pattern})")


def _paragraphs(text: str, lines: list, found: list[Join]) -> list[tuple[list, int]]:
    """Each paragraph that has something to take out: its cuts, (start, end, moved) in
    order (a line break inside it; in Chinese, a space of _SPACING too), and where its
    moved characters go (the end of its last line's text). In Chinese, which sets no space
    between words nor inside a number, every cut moves there, so that what it cut is whole;
    in English a line break stays where it was, as a space (a paragraph's lines are of one
    language: breaks joins no other)."""
    joined = {join.line: join for join in found}
    out = []
    k = 0
    while k < len(lines):
        breaks_here = []
        first = k
        while k in joined:
            breaks_here.append(joined[k])
            k = joined[k].next
        chinese = language(text[lines[first][0] : lines[first][1]]) == "zh"
        cuts = []
        for n, line in enumerate([first, *(join.next for join in breaks_here)]):
            if chinese:
                cuts += [(m.start(), m.end(), True) for m in _SPACING.finditer(text, lines[line][0], lines[line][1])]
            if n < len(breaks_here):
                cuts.append((breaks_here[n].start, breaks_here[n].end, chinese))
        if cuts:
            out.append((cuts, lines[k][1]))
        k += 1
    return out


def reflow(text: str) -> Reflowed:
    """``text`` as the reader reads it: the line breaks inside a wrapped text's paragraphs
    made spaces, in place in English, at the paragraph's end in Chinese, where the spaces a
    Chinese line sets about Latin words and numbers go too (Reflowed says where each
    character came from)."""
    out = Reflowed(text)
    lines = _lines(text)
    paragraphs = _paragraphs(text, lines, breaks(text, lines))
    if not paragraphs:
        return out
    parts: list[str] = []
    pos = 0  # in ``text``, copied up to here
    for cuts, end in paragraphs:
        moved = 0  # the paragraph's characters taken out so far, put back at its end
        for start, stop, moves in cuts:
            parts.append(text[pos:start])
            if moves:
                moved += stop - start
                out.starts.append(stop - moved)
                out.sources.append(stop)
            else:
                parts.append(" " * (stop - start))  # a page's furniture in it too
            pos = stop
        if moved:
            parts += [text[pos:end], " " * moved]
            out.starts.append(end - moved)
            out.sources.append(end)
            out.gaps.add(len(out.starts) - 1)
            out.starts.append(end)
            out.sources.append(end)
            pos = end
    parts.append(text[pos:])
    out.text = "".join(parts)
    return out
