"""The goals phase: one Goal per target year, its targets, and the numbers they set.

A goal is written 到2025年…, 展望2035年…, 2027年底前，…, "by 2025"; a period inside a title
(2024—2035年) is not one; 到“十五五”末 is the period's last year, marked as inferred from it.
A year stated again later adds to the same Goal. A plan that only speaks of its five-year
period (“十四五”时期的发展目标) gets a Goal for the period's last year, marked as inferred
from the period.
"""

from __future__ import annotations

import re

from kg.extract import indicators
from kg.extract.context import Context
from kg.extract.structure import add_part, clauses_of, split_on
from kg.extract.vocab import alternation
from kg.facts import Unit
from kg.lexicon import zh_number
from kg.text import Paragraph, Sentence, Span

FYP_RE = re.compile(r"“?(十[一二三四五六七八九]五)”?")
EN_YEAR_RE = re.compile(
    r"\b(?:[Bb]y|[Bb]efore|[Nn]o later than) (?:the end of |the middle of |the end of the year )?((?:19|20)\d\d)\b,?\s*"
)
# The end of a five-year plan's period: "by the end of the 15th Five-Year Plan period (2026-2030)".
EN_PERIOD_RE = re.compile(
    r"\b[Bb]y the end of the (\d{1,2})(?:st|nd|rd|th) Five-Year Plan(?: period)?(?: \(\d{4}\s*[-–]\s*\d{4}\))?,?\s*"
)


def run(ctx: Context) -> None:
    """Goals and targets by the language's rules, then the indicators in them."""
    ctx.rules.goals(ctx)
    indicators.run(ctx)


class _Goals:
    """The goals of one document by year, and the segments each already lists as targets,
    so a restatement is found and merged without scanning every unit again."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.by_year: dict[int, Unit] = {}
        self.targets: dict[str, set[str]] = {}

    def goal(self, year: int, p: Paragraph, s: Sentence, span: Span, source: str) -> tuple[Unit, bool]:
        """The Goal for ``year``: the one already found (a restatement), else a new one."""
        if year in self.by_year:
            return self.by_year[year], False
        ctx = self.ctx
        goal = Unit(
            id=f"goal/{year}",
            kind="Goal",
            **ctx.labels(span.text),
            segment=ctx.part_segment(p, s, span).id,
            year=year,
            form="goal",
            year_source=source,
        )
        ctx.facts.units.append(goal)
        self.by_year[year] = goal
        self.targets[goal.id] = set()
        return goal, True

    def add_targets(self, goal: Unit, pieces: list[tuple[Paragraph, Sentence, Span]]) -> None:
        have = self.targets[goal.id]
        for p, s, piece in pieces:
            segment = self.ctx.part_segment(p, s, piece).id
            if segment in have:
                continue
            have.add(segment)
            add_part(self.ctx, "Target", goal, len(have), p, s, piece)


def _targets(ctx: Context, s: Sentence) -> list[Span]:
    """A target list is cut at semicolons when it has them, else at clause breaks."""
    if re.search(r"[；;]", s.span.text):
        parts = split_on(s.span, "；;")
        return [Span(x.start, x.start + len(x.text.rstrip("。")), x.text.rstrip("。")) for x in parts if x.text]
    return clauses_of(ctx, s)


def read_chinese(ctx: Context) -> None:
    book = _Goals(ctx)
    w = ctx.words
    # 到2025年(底), 到2030年前后, 到2027年和2035年; a deadline, 2027年底前，; the end of a
    # five-year period, 到“十五五”末.
    prefixes = alternation(w["goal_year_prefixes"])
    year_re = re.compile(
        rf"(?:{prefixes})((?:19|20)\d\d)年(?:底|末)?(?:前后)?(?:(?:和|、|及|至)((?:19|20)\d\d)年)?"
        rf"|(?<![\d年])((?:19|20)\d\d)年(?:底|末)?前(?=[，,、：:])"
        rf"|(?:{prefixes})“?(?P<period>十[一二三四五六七八九]五)”?(?:时期)?末(?:期)?"
    )
    goal_cue = re.compile(alternation(w["goal_cues"]))
    paras = ctx.doc.paragraphs
    stated = False
    for pi, p in enumerate(paras):
        sentences = p.sentences
        starts = []
        for k, s in enumerate(sentences):
            titled = _in_title(s.span.text)
            for m in year_re.finditer(s.span.text):
                if titled(m.start()):
                    continue  # inside a title
                starts.append((k, m))
                break
        bounds = [k for k, _ in starts] + [len(sentences)]
        for (k, m), end in zip(starts, bounds[1:]):
            stated = True
            s = sentences[k]
            period = m.group("period")  # 到“十五五”末: the period's last year, inferred from it
            years = [_fyp_end(period)] if period else [int(y) for y in m.groups() if y]
            rest = s.span.text[m.end() :]
            if rest.startswith("的"):  # 明确了到2027年和2035年的主要目标: the goals are named, not stated
                end_at = next((c.end for c in s.clauses if c.end > s.span.start + m.start()), s.span.end)
                span = Span(s.span.start + m.start(), end_at, ctx.doc.text[s.span.start + m.start() : end_at])
            else:
                stripped = rest.lstrip(",，:： ")
                off = s.span.start + len(s.span.text) - len(stripped)
                stripped = stripped.rstrip("。.；;")
                span = Span(off, off + len(stripped), stripped)
            if not span.text:
                continue
            following = [(p, t) for t in sentences[k + 1 : end]]
            if end == len(sentences):  # dash bullets after the goal paragraph belong to it
                for q in paras[pi + 1 :]:
                    if not q.span.text.startswith(("——", "—", "-")):
                        break
                    following += [(q, t) for t in q.sentences]
            pieces = [(q, t, piece) for q, t in following for piece in _targets(ctx, t)]
            if not pieces and len(clauses_of(ctx, s, span)) > 1:
                pieces = [(p, s, c) for c in clauses_of(ctx, s, span)]
            source = "period" if period else "stated"
            for year in years:
                goal, new = book.goal(year, p, s, span, source)
                # A restatement (到2025年 again, later) adds what it says to the same goal.
                book.add_targets(goal, ([] if new else [(p, s, span)]) + pieces)
    if stated:
        return
    # A plan that states its goals only for its five-year period.
    head = ctx.doc.text[:300]
    for p in paras:
        for k, s in enumerate(p.sentences):
            gm = goal_cue.search(s.span.text)
            fm = FYP_RE.search(s.span.text) or FYP_RE.search(head)
            if not (gm and fm):
                continue
            clause = next((c for c in s.clauses if goal_cue.search(c.text)), None)
            if clause is None:
                continue
            lead = re.match(r"^(?:[\u4e00-\u9fff]{2})了", clause.text)
            cut = lead.end() if lead else 0
            span = Span(clause.start + cut, clause.end, clause.text[cut:])
            year = _fyp_end(fm.group(1))
            goal, _ = book.goal(year, p, s, span, "period")
            following = p.sentences[k + 1 :]
            pieces = [(p, t, piece) for t in following for piece in _targets(ctx, t)]
            if not pieces:
                after = Span(clause.end, s.span.end, ctx.doc.text[clause.end : s.span.end])
                pieces = [(p, s, c) for c in clauses_of(ctx, s, after)]
            book.add_targets(goal, pieces)
            return


def read_english(ctx: Context) -> None:
    """Goals from "by 2025" sentences; later sentences that state targets (will, should, is
    expected to …) with a number, in paragraphs with no year of their own, add to the last goal."""
    book = _Goals(ctx)
    cue = re.compile(alternation(ctx.words["target_cues"], boundary=True), re.IGNORECASE)
    last: Unit | None = None
    for p in ctx.doc.paragraphs:
        sentences = p.sentences
        starts = []
        for k, s in enumerate(sentences):
            years = _en_years(s.span.text)
            if years:
                starts.append((k, years))
        if not starts and last is not None:
            pieces = [
                (p, t, Span(t.span.start, t.span.start + len(t.span.text.rstrip(" .")), t.span.text.rstrip(" .")))
                for t in sentences
                if re.search(r"\d", t.span.text) and indicators.states_target(ctx.vocab, t.span.text, cue)
            ]
            book.add_targets(last, pieces)
            continue
        bounds = [k for k, _ in starts] + [len(sentences)]
        for (k, years), end in zip(starts, bounds[1:]):
            s = sentences[k]
            m = years[0][0]
            text = s.span.text
            if m.start() < 3:  # By 2035, X will …: the rest is the goal
                text = text[m.end() :]
            off = s.span.start + (len(s.span.text) - len(text) if m.start() < 3 else 0)
            text = text.rstrip(" .")
            span = Span(off, off + len(text), text)
            pieces = [(p, t, c) for t in sentences[k + 1 : end] for c in clauses_of(ctx, t)]
            for year, source in dict.fromkeys((year, source) for _, year, source in years):
                goal, new = book.goal(year, p, s, span, source)
                book.add_targets(goal, ([] if new else [(p, s, span)]) + pieces)
                last = goal


def _en_years(text: str) -> list[tuple[re.Match, int, str]]:
    """The goal years ``text`` states, in order: (match, year, "stated"), or "period" for the
    end of a five-year plan's period."""
    found = [(m, int(m.group(1)), "stated") for m in EN_YEAR_RE.finditer(text)]
    found += [(m, _plan_end(int(m.group(1))), "period") for m in EN_PERIOD_RE.finditer(text)]
    return sorted(found, key=lambda f: f[0].start())


def _fyp_end(period: str) -> int:
    """Last year of the n-th five-year plan period (十三五 → 2020)."""
    return _plan_end(zh_number(period[:-1]))


def _plan_end(n: int) -> int:
    """Last year of the n-th five-year plan period (13 → 2020; the third began in 1966)."""
    start = 1953 + 5 * (n - 1) if n < 3 else 1966 + 5 * (n - 3)
    return start + 4


def _in_title(text: str):
    """A test of whether an offset of ``text`` is inside 《…》 (after a 《 that no 》 has
    closed), for offsets asked in increasing order: it reads each stretch of the text once,
    not all the text before each offset (quadratic in a sentence of many years in titles)."""
    state = {"seen": 0, "open": False}

    def inside(at: int) -> bool:
        seen = state["seen"]
        opened = text.rfind("《", seen, at)
        if opened >= 0:
            state["open"] = text.find("》", opened, at) < 0
        elif state["open"]:
            state["open"] = text.find("》", seen, at) < 0
        state["seen"] = at
        return state["open"]

    return inside
