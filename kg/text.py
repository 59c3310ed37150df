"""Read a plan report, detect its layout, segment it and align Chinese with English.

Offsets are code-point indices into the decoded text (a BOM is not counted), so
``text[start:end]`` is always the exact span a fact was read from.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kg import genre
from kg.errors import KGError

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z]")
# Opening and closing brackets and quotes, ASCII and full-width; clause breaks are
# not taken inside them.
OPENERS = "“‘《（(「『【〔"
CLOSERS = "”’》）)」』】〕"
ZH_SENTENCE_END = "。！？!?"
ZH_CLAUSE_BREAK = ",，;；:："
EN_CLAUSE_BREAK = ",;:"
EN_ABBREVIATIONS = {
    "e.g",
    "i.e",
    "etc",
    "mr",
    "mrs",
    "dr",
    "no",
    "st",
    "vs",
    "u.s",
    "jan",
    "feb",
}
# The most a report may be. A plan of the genre is tens of KB (the bundled one 25 KB, the
# development corpus under 30 KB; a five-year plan's full text ~0.2 MB). 4 MiB is twenty
# times that, and what a build reads, checks and writes within a minute and 1 GB here (a
# 4 MB plan: 43 s, 0.86 GiB, in bench/bench_scale.py); at the earlier 20 MB, one file could hold a build for ~4
# minutes and ~4 GB.
MAX_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Span:
    """A stretch of the source text."""

    start: int
    end: int
    text: str


@dataclass
class Sentence:
    number: int  # 1-based within its paragraph
    span: Span
    clauses: list[Span]
    en: list[Span] = field(default_factory=list)  # aligned English sentences

    @property
    def en_text(self) -> str:
        return " ".join(s.text for s in self.en)


@dataclass
class Paragraph:
    number: int  # 1-based ordinal of the paragraph in its main language
    lang: str  # "zh" or "en"
    span: Span
    sentences: list[Sentence]
    translation: Paragraph | None = None


@dataclass
class Document:
    slug: str
    path: str
    text: str
    layout: str  # "zh-en", "zh", "en" or "mixed"
    paragraphs: list[Paragraph]  # main-language paragraphs; English ones hang off .translation
    source: str = ""  # the text as published; ``text`` is its normalised copy, offset for offset


# What kg names directly under the base IRI besides the documents: the entities
# (<base>entity/…, kg.graph), the dataset (kg.void) and the inferred graph (kg.check). A
# document's nodes are <base><id>/…, so a report named entity.txt would mint its nodes among
# the entities'; its id takes a suffix instead.
RESERVED_IDS = frozenset({"entity", "dataset", "inferred"})


def slug_for(path: str | Path) -> str:
    """A stable, readable document id from the file name (language tags dropped)."""
    if str(path) == "-":
        return "stdin"
    name = Path(path).name
    for suffix in (".txt", ".md"):
        name = name.removesuffix(suffix)
    name = re.sub(r"\.(zh-en|en-zh|zh|en)$", "", name)
    slug = re.sub(r"[^0-9A-Za-z\u3400-\u9fff]+", "-", name).strip("-").lower()
    return f"{slug}-report" if slug in RESERVED_IDS else slug or "document"


def read_bytes(path: str | Path) -> bytes:
    """The bytes of a plan report: a regular file, or ``-`` for standard input, at most
    MAX_BYTES of either. A FIFO, a device or a directory is refused before it is read, so
    nothing waits forever on a pipe or reads /dev/zero until memory runs out."""
    import stat
    import sys

    if str(path) == "-":
        data = sys.stdin.buffer.read(MAX_BYTES + 1)
        where = "standard input"
    else:
        p = Path(path)
        try:
            mode = p.stat().st_mode
        except FileNotFoundError:
            raise KGError(f"{p}: no such file") from None
        except OSError as e:
            raise KGError(f"{p}: cannot read: {e.strerror}") from None
        if stat.S_ISDIR(mode):
            raise KGError(f"{p}: is a directory, not a text file")
        if not stat.S_ISREG(mode):
            raise KGError(f"{p}: not a regular file (a pipe or a device); give a file, or - for standard input")
        try:
            with p.open("rb") as f:
                data = f.read(MAX_BYTES + 1)
        except OSError as e:
            raise KGError(f"{p}: cannot read: {e.strerror}") from None
        where = str(p)
    if len(data) > MAX_BYTES:
        limit = f"{MAX_BYTES:,} bytes ({MAX_BYTES / 2**20:g} MiB)"
        raise KGError(f"{where}: over {limit} is too large for a plan report; split it")
    return data


def read_text(path: str | Path, data: bytes | None = None) -> str:
    """Decode a plan report, refusing what cannot be one with a message that says why."""
    p = Path(path)
    data = read_bytes(path) if data is None else data
    if not data.strip():
        raise KGError(f"{p}: the file is empty")
    if b"\x00" in data or sum(b < 9 or 13 < b < 32 for b in data[:4096]) > 8:
        raise KGError(f"{p}: looks like a binary file, not UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        hint = ""
        try:
            decoded = data.decode("gb18030")
            if CJK.search(decoded):
                hint = f" It decodes as GBK/GB18030: convert it with `iconv -f GB18030 -t UTF-8 {p.name}`."
        except UnicodeDecodeError:
            pass
        raise KGError(f"{p}: not valid UTF-8 (byte {e.start}).{hint}") from None
    return text.removeprefix("\ufeff")


MAIN_SHARE = 4  # Chinese is the main language when it carries at least one part in this many of the text
CJK_WEIGHT = 4  # a Chinese character carries as much of a text as this many Latin letters


def language(text: str) -> str:
    """'zh' when Chinese characters carry the paragraph, else 'en' (or '' for neither)."""
    cjk = len(CJK.findall(text))
    latin = len(LATIN.findall(text))
    if cjk and cjk * CJK_WEIGHT >= latin:
        return "zh"
    if latin:
        return "en"
    return ""


def _split(text: str, offset: int, is_break: Callable[[str, int], bool], candidates: str) -> list[Span]:
    """Cut ``text`` after each break outside brackets and quotes; trim each piece.
    ``is_break`` is only ever true at one of ``candidates`` (or a closer): only those,
    brackets and quotes are visited, not every character (a loop over each character of a
    4 MB plan's sentences and clauses was 3 s of its 14 s of reading)."""
    spans: list[Span] = []
    depth = 0
    ascii_quote_open = False
    start = 0
    for m in _marks(candidates).finditer(text):
        i = m.start()
        ch = text[i]
        if ch in OPENERS:
            depth += 1
        elif ch in CLOSERS:
            depth = max(0, depth - 1)
        elif ch == '"':
            ascii_quote_open = not ascii_quote_open
        if depth == 0 and not ascii_quote_open and is_break(text, i):
            spans.append(_trim(text, start, i + 1, offset))
            start = i + 1
    spans.append(_trim(text, start, len(text), offset))
    return [s for s in spans if s.text]


@functools.lru_cache(maxsize=8)
def _marks(candidates: str) -> re.Pattern:
    """The characters _split visits: brackets, quotes and ``candidates``."""
    return re.compile("[" + "".join(re.escape(c) for c in sorted(set(OPENERS + CLOSERS + '"' + candidates))) + "]")


def _trim(text: str, start: int, end: int, offset: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(offset + start, offset + end, text[start:end])


def _zh_sentence_break(text: str, i: int) -> bool:
    if text[i] in ZH_SENTENCE_END:
        nxt = text[i + 1 : i + 2]
        return nxt not in ZH_SENTENCE_END and nxt not in CLOSERS
    # A closing quote right after a sentence end closes the sentence.
    return text[i] in CLOSERS and i > 0 and text[i - 1] in ZH_SENTENCE_END


_EN_NEXT_SENTENCE = re.compile(r"[\"'”’)]*\s+[\"“(]?[A-Z0-9]")
_WORD_OR_DOT = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.")


def _en_sentence_break(text: str, i: int) -> bool:
    """Whether the . ! or ? at ``i`` ends an English sentence: a capital or a digit follows
    after a space, and (for a period) the word before is no abbreviation nor one letter.
    Read in place, never by slicing the text on either side of ``i``: a slice per period,
    and a search of everything before it, grew with the square of a line's periods."""
    ch = text[i]
    if ch not in ".!?":
        return False
    if not _EN_NEXT_SENTENCE.match(text, i + 1):
        return False
    if ch == ".":
        start = i  # the run of letters and periods just before: the word the period ends
        while start > 0 and text[start - 1] in _WORD_OR_DOT:
            start -= 1
        word = text[start:i]
        if word and (word.lower() in EN_ABBREVIATIONS or len(word) == 1):
            return False
    return True


def split_sentences(span: Span, lang: str) -> list[Span]:
    if lang == "zh":
        return _split(span.text, span.start, _zh_sentence_break, ZH_SENTENCE_END)
    return _split(span.text, span.start, _en_sentence_break, ".!?")


def split_clauses(span: Span, lang: str) -> list[Span]:
    """Clauses of a sentence, without the closing punctuation of each."""
    breaks = ZH_CLAUSE_BREAK if lang == "zh" else EN_CLAUSE_BREAK
    enders = breaks + ZH_SENTENCE_END + ".!?"
    out = []

    def is_break(t: str, i: int) -> bool:
        # "…platform, etc, to guide …": etc closes the clause before it.
        return t[i] in breaks and not (lang == "en" and _ETC.match(t, i + 1))

    for s in _split(span.text, span.start, is_break, breaks):
        end = s.end
        while end > s.start and s.text[end - s.start - 1] in enders:
            end -= 1
        text = s.text[: end - s.start]
        start = s.start
        if lang == "en":
            m = re.match(r"(?:and|or|as well as)\s+", text)
            if m:
                start += m.end()
                text = text[m.end() :]
        if text.strip():
            out.append(Span(start, end, text))
    return _join_word_lists(span, _join_markers(span, out)) if lang == "en" else out


_MARKER_ONLY = re.compile(r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)(?:ly)?", re.IGNORECASE)


def _join_markers(sentence: Span, clauses: list[Span]) -> list[Span]:
    """ "First, strengthen …": a list marker is no clause of its own; it opens the next one."""
    out: list[Span] = []
    i = 0
    while i < len(clauses):
        c = clauses[i]
        if _MARKER_ONLY.fullmatch(c.text) and i + 1 < len(clauses):
            nxt = clauses[i + 1]
            c = Span(c.start, nxt.end, sentence.text[c.start - sentence.start : nxt.end - sentence.start])
            i += 1
        out.append(c)
        i += 1
    return out


_ETC = re.compile(r"\s*etc\b", re.IGNORECASE)
# A list opens after a function word and up to three words ("…innovation of small",
# "participate in the United Nations"), goes on with clauses of up to four words, and
# closes with "X and …" or "X or …" (X up to four words).
# (The last function word counts: greedy ".*" before it.) Items of more than one word are
# names: they open with "the", a capital or a digit ("the G20", "World Trade Organization").
_LIST_OPENS = re.compile(r".*\b(?:of|the|in|for|with|on|to|and|as)\s+[\w-]+((?:\s+[\w-]+){0,2})$", re.IGNORECASE)
_LIST_ITEM = re.compile(r"[\w-]+|(?:the\s+)?[A-Z0-9][\w-]*(?:\s+[\w-]+){0,3}")
_LIST_ENDS = re.compile(r"[\w-]+((?:\s+[\w-]+){0,3}?)\s+(?:and|or)\s+")
_NAME_START = re.compile(r"(?:the\s+)?[A-Z0-9]")


@functools.cache
def clause_verbs() -> frozenset[str]:
    """English verbs that open a clause (genre.toml [en.lists])."""
    return frozenset(w.lower() for w in genre.load().get("en", {}).get("lists", {}).get("clause_verbs", []))


def _join_word_lists(sentence: Span, clauses: list[Span]) -> list[Span]:
    """Put back together an English list the commas cut ("…innovation of small", "medium and
    large enterprises"; "participate in the United Nations", "the G20", "APEC and other …"):
    a clause ending in a function word and a short phrase, then short clauses, then "X and …",
    where no item opens with a verb that starts a clause of its own."""
    verbs = clause_verbs()

    def opens_clause(text: str) -> bool:
        return text.split(None, 1)[0].lower() in verbs

    out: list[Span] = []
    i = 0
    while i < len(clauses):
        c = clauses[i]
        j = i + 1
        opens = _LIST_OPENS.search(_last_words(c.text, 5))
        if opens:
            while (
                j < len(clauses)
                and _LIST_ITEM.fullmatch(clauses[j].text)
                and not _LIST_ENDS.match(clauses[j].text)
                and not opens_clause(clauses[j].text)
            ):
                j += 1
            last = _LIST_ENDS.match(clauses[j].text) if j < len(clauses) else None
            if last and _list_closes(clauses[i + 1 : j], clauses[j], opens, last, opens_clause):
                end = clauses[j].end
                c = Span(c.start, end, sentence.text[c.start - sentence.start : end - sentence.start])
                j += 1
            else:
                j = i + 1
        out.append(c)
        i = j
    return out


def _last_words(text: str, count: int) -> str:
    """The end of ``text`` from the start of its last ``count`` whitespace-separated words.
    What _LIST_OPENS finds lies there (a function word and up to three words at the end):
    searched for in a whole clause, its leading .* made a clause of 4,000 words take 8 s,
    growing with the square of its length."""
    i = len(text)
    for _ in range(count):
        while i > 0 and text[i - 1].isspace():
            i -= 1
        while i > 0 and not text[i - 1].isspace():
            i -= 1
    return text[i:]


def _list_closes(items: list[Span], closer: Span, opens, last, opens_clause) -> bool:
    """Whether ``closer`` ends the list ``opens`` found. With no item between, opener and closer
    are one word each ("of small", "medium and …"); a longer opener or closer ("in the United
    Nations", "SCO and …") only around a list of names."""
    if opens_clause(closer.text):
        return False
    if not (opens.group(1) or last.group(1)):
        return True
    names = bool(items) and all(_NAME_START.match(x.text) for x in items)
    return names and (not last.group(1) or bool(_NAME_START.match(closer.text)))


# -- alignment ---------------------------------------------------------------

Scorer = Callable[[str, str], float]

_MOVES = ((1, 1), (1, 2), (2, 1), (1, 3), (3, 1), (1, 0), (0, 1))
_MOVE_COST = {(1, 1): 0.0, (1, 2): 0.6, (2, 1): 0.6, (1, 3): 1.4, (3, 1): 1.4}
_SKIP_COST = 3.0


_BAND = 24


def align(
    zh: Sequence[Span], en: Sequence[Span], anchors: Scorer | None = None, band: int | None = _BAND
) -> list[tuple[list[int], list[int]]]:
    """Monotone many-to-many alignment of Chinese and English units.

    A length-based dynamic programme in the manner of Gale and Church, with the
    expected length ratio taken from the two texts themselves and a bonus for
    shared anchors (numbers, Latin terms, lexicon pairs, ordinal markers).

    Only cells within a band around the proportional diagonal are computed: a
    translation keeps its order, so the path stays near it, and the work grows with
    the number of units rather than with their product (2,000 sentence pairs in one
    paragraph took 54 s and 350 MB with the full table). ``band=None`` computes the
    full table (for comparison).
    """
    m, n = len(zh), len(en)
    if not m or not n:
        return [([i], []) for i in range(m)] + [([], [j]) for j in range(n)]
    total_zh = sum(len(s.text) for s in zh) or 1
    total_en = sum(len(s.text) for s in en) or 1
    ratio = total_en / total_zh
    # Wide enough that each row's cells overlap the next row's (the skips keep every
    # cell of the band reachable), and the whole table when the texts are short.
    width = max(m, n) if band is None else band + math.ceil(n / m)

    def cells(i: int) -> range:
        centre = i * n / m
        return range(max(0, math.floor(centre) - width), min(n, math.ceil(centre) + width) + 1)

    rows = [cells(i) for i in range(m + 1)]
    # Lengths by prefix sums, and the text of each run of up to three units made once: a
    # unit takes part in every cell of its row's band.
    zsum = list(itertools.accumulate((len(s.text) for s in zh), initial=0))
    esum = list(itertools.accumulate((len(s.text) for s in en), initial=0))
    ztexts: dict[tuple[int, int], str] = {}
    etexts: dict[tuple[int, int], str] = {}
    cost: list[dict[int, float]] = [{} for _ in range(m + 1)]
    back: list[dict[int, tuple[int, int]]] = [{} for _ in range(m + 1)]
    cost[0][0] = 0.0
    for i in range(m + 1):
        row = cost[i]
        for j in rows[i]:
            here = row.get(j)
            if here is None:
                continue
            for di, dj in _MOVES:
                a, b = i + di, j + dj
                if a > m or b > n or b not in rows[a]:
                    continue
                if di == 0 or dj == 0:
                    c = _SKIP_COST
                else:
                    zl, el = zsum[a] - zsum[i], esum[b] - esum[j]
                    c = 2.0 * abs(math.log((el + 8) / (ratio * zl + 8))) + _MOVE_COST[(di, dj)]
                    if anchors:
                        ztext = ztexts.get((i, a))
                        if ztext is None:
                            ztext = ztexts[i, a] = "".join(s.text for s in zh[i:a])
                        etext = etexts.get((j, b))
                        if etext is None:
                            etext = etexts[j, b] = " ".join(s.text for s in en[j:b])
                        c -= 0.5 * anchors(ztext, etext)
                total = here + c
                if total < cost[a].get(b, math.inf):
                    cost[a][b] = total
                    back[a][b] = (i, j)
    beads = []
    a, b = m, n
    while (a, b) != (0, 0):
        i, j = back[a][b]
        beads.append((list(range(i, a)), list(range(j, b))))
        a, b = i, j
    beads.reverse()
    return beads


def attach_english(zh_units: Sequence[Span], en_units: Sequence[Span], anchors: Scorer | None) -> list[list[Span]]:
    """For each Chinese unit, the English units aligned with it (shared when merged)."""
    out: list[list[Span]] = [[] for _ in zh_units]
    for zi, ei in align(zh_units, en_units, anchors):
        for i in zi:
            out[i] = [en_units[j] for j in ei]
    return out


# -- reading a document ------------------------------------------------------


def segment(text: str, path: str = "", anchors: Scorer | None = None, source: str | None = None) -> Document:
    """Paragraphs, sentences, clauses; English paragraphs paired with the Chinese before them.

    ``text`` is the normalised text the rules read; ``source`` the original (same length).
    """
    raw: list[tuple[str, Span]] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        span = _trim(line, 0, len(line), offset)
        offset += len(line)
        if not span.text:
            continue
        lang = language(span.text)
        if lang:
            raw.append((lang, span))
    # Chinese is the text's language when it carries a share of its text (a bilingual
    # report's half; a character weighs CJK_WEIGHT letters, as in language()): not when one
    # line is, an English report's Chinese title or quote.
    weight = {"zh": 0, "en": 0}
    for lang, span in raw:
        weight[lang] += CJK_WEIGHT * len(CJK.findall(span.text)) if lang == "zh" else len(LATIN.findall(span.text))
    main = "zh" if weight["zh"] and weight["zh"] * MAIN_SHARE >= weight["zh"] + weight["en"] else "en"
    paragraphs: list[Paragraph] = []
    for lang, span in raw:
        if lang == main:
            paragraphs.append(_paragraph(len(paragraphs) + 1, lang, span))
        elif main == "zh" and paragraphs and paragraphs[-1].translation is None:
            # English after Chinese: its translation. Chinese lines in an English report
            # translate nothing the reader reads; they are left out.
            paragraphs[-1].translation = _paragraph(paragraphs[-1].number, lang, span)
    translated = sum(p.translation is not None for p in paragraphs)
    if main == "en":
        layout = "en"
    elif translated == 0:
        layout = "zh"
    elif translated == len(paragraphs):
        layout = "zh-en"
    else:
        layout = "mixed"
    for p in paragraphs:
        if p.translation is not None:
            en_sents = [s.span for s in p.translation.sentences]
            for s, en in zip(
                p.sentences,
                attach_english([s.span for s in p.sentences], en_sents, anchors),
            ):
                s.en = en
    return Document(
        slug=slug_for(path) if path else "document",
        path=str(path),
        text=text,
        layout=layout,
        paragraphs=paragraphs,
        source=text if source is None else source,
    )


def _paragraph(number: int, lang: str, span: Span) -> Paragraph:
    sentences = [
        Sentence(number=k + 1, span=s, clauses=split_clauses(s, lang))
        for k, s in enumerate(split_sentences(span, lang))
    ]
    return Paragraph(number=number, lang=lang, span=span, sentences=sentences)
