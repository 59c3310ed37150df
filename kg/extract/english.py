"""The English phase: English labels from the aligned English of a bilingual source.

Only a text that has English gets English labels here. A Chinese-only report gets none:
a label the source does not give is left out, not invented (entities may still carry the
lexicon's English, which is vocabulary, not a translation of this text).
"""

from __future__ import annotations

import bisect
import re

from kg.extract.context import Context
from kg.extract.goals import EN_YEAR_RE
from kg.extract.structure import strip_cue
from kg.lexicon import anchor_scorer, en_marker
from kg.text import Sentence, Span, align, clause_verbs, split_clauses


def run(ctx: Context) -> None:
    """English labels where the language's rules read them from a translation."""
    if ctx.rules.english:
        ctx.rules.english(ctx)


def from_translation(ctx: Context) -> None:
    """Each fact's English: the aligned English of its sentence, clause or list item."""
    facts = ctx.facts
    if not any(s.en for _, s in ctx.sentences()):
        return
    english = _Aligner(ctx)
    for unit in facts.units:
        if unit.en:
            continue
        _, s = ctx.sentence_of(unit.segment)
        if not s.en:
            continue
        span = ctx.span_of(unit.segment)
        if unit.form == "goal":
            em = EN_YEAR_RE.search(s.en_text)
            en = s.en_text[em.end() :] if em else strip_en_cue(ctx, s.en_text)
            unit.en = en.rstrip(" .")
        elif unit.form == "item" and _starts_sentence(ctx, s, span):
            unit.en = strip_en_marker(s.en_text)
        else:
            en = english.clause(s, span)
            if en_marker(en)[0]:  # the first clause of an item: "First, strengthen …"
                en = strip_en_marker(en.lstrip())
            unit.en = strip_en_cue(ctx, en) if unit.kind == "Principle" else en
        unit.en_source = "aligned-text" if unit.en else ""
    for sec in facts.sections:
        _, s = ctx.sentence_of(sec.segment)
        sec.en = strip_en_cue(ctx, s.en_text) if s.en and sec.zh else ""
    for sub in facts.subareas:
        _, s = ctx.sentence_of(sub.segment)
        sub.en = english.clause(s, ctx.span_of(sub.segment)) if s.en else ""
    if facts.path_steps:
        _, s = ctx.sentence_of(facts.path_steps[0].segment)
        items = _english_list(s.en_text, r"path of\s+", len(facts.path_steps))
        for step, en in zip(facts.path_steps, items):
            step.en = en


def _starts_sentence(ctx: Context, s: Sentence, span: Span) -> bool:
    """The item is its whole sentence (after the marker), not a piece of a longer one."""
    return ctx.doc.text[span.end : s.span.end].strip(" 。.;；!！?？") == ""


class _Aligner:
    """Clause alignment, computed once per sentence however many units it holds."""

    def __init__(self, ctx: Context) -> None:
        self.scorer = anchor_scorer(ctx.lex)
        self.cache: dict[int, tuple] = {}

    def clause(self, s: Sentence, clause: Span) -> str:
        """The English clause(s) aligned with a Chinese clause (or run of clauses). Only the
        beads of the Chinese clauses it overlaps are read: reading every bead of the
        sentence for each of its clauses grew with the square of their number (a task
        sentence of 4,000 clauses took 2.4 s, doubling it four times that)."""
        if id(s) not in self.cache:
            zh_clauses = s.clauses
            en_clauses = [c for e in s.en for c in split_clauses(e, "en")]
            beads = align(zh_clauses, en_clauses, self.scorer) if en_clauses else []
            bead_of = [0] * len(zh_clauses)  # each Chinese clause is in one bead
            for k, (zi, _) in enumerate(beads):
                for i in zi:
                    bead_of[i] = k
            bounds = ([c.start for c in zh_clauses], [c.end for c in zh_clauses])
            self.cache[id(s)] = (zh_clauses, en_clauses, beads, bead_of, bounds)
        zh_clauses, en_clauses, beads, bead_of, (starts, ends) = self.cache[id(s)]
        if not en_clauses:
            return s.en_text
        # The clauses are in order and do not overlap: those that overlap ``clause`` are a run.
        first = bisect.bisect_right(ends, clause.start)
        last = bisect.bisect_left(starts, clause.end)
        picked: list[str] = []
        for zi, ei in (beads[k] for k in sorted({bead_of[i] for i in range(first, last)})):
            inside = [i for i in zi if zh_clauses[i].start < clause.end and clause.start < zh_clauses[i].end]
            if not inside:
                continue
            texts = [en_clauses[j].text for j in ei]
            if len(inside) < len(zi) and texts:
                # Several Chinese clauses share this English; give each its own part of it.
                pieces = split_english(", ".join(texts), [len(zh_clauses[i].text) for i in zi])
                if pieces:
                    texts = [pieces[zi.index(i)] for i in inside]
            for text in texts:
                if text not in picked:
                    picked.append(text)
        return ", ".join(picked) or s.en_text


_JOINS = re.compile(r"(?:,\s+(?:and\s+)?|\s+and\s+|\s+to\s+)([a-z]+)\b", re.IGNORECASE)


def split_english(text: str, weights: list[int]) -> list[str] | None:
    """``text`` cut into one part per weight at the joins before a verb that opens a clause
    ("… rights and improve …", "… forces to form …", "…, promote …, and create …"), the cuts
    nearest the weights' shares of its length; None when the text has too few such joins."""
    verbs = clause_verbs()
    joins = [(m.start(), m.start(1)) for m in _JOINS.finditer(text) if m.group(1).lower() in verbs and m.start() > 0]
    k = len(weights)
    if len(joins) < k - 1:
        return None
    total = sum(weights) or 1
    cuts: list[tuple[int, int]] = []
    share = 0
    for w in weights[:-1]:
        share += w
        goal = share / total * len(text)
        options = [j for j in joins if not cuts or j[0] > cuts[-1][0]]
        left = k - 1 - len(cuts)  # cuts still to make, each needing a join after this one
        options = options[: len(options) - (left - 1)] if left > 1 else options
        if not options:
            return None
        cuts.append(min(options, key=lambda j: abs(j[0] - goal)))
    pieces, start = [], 0
    for end, next_start in cuts:
        pieces.append(text[start:end].strip(" ,;"))
        start = next_start
    pieces.append(text[start:].strip(" ,;"))
    return pieces if all(pieces) else None


def strip_en_cue(ctx: Context, en: str) -> str:
    span = strip_cue(ctx.translation, Span(0, len(en), en), "")
    en = re.sub(r"^(?:it is necessary to|we should|to)\s+", "", span.text, flags=re.IGNORECASE)
    return en.rstrip(" .;")


def strip_en_marker(en: str) -> str:
    _, length = en_marker(en)
    text = en[length:]
    text = re.sub(r"^(?:to|the need to)\s+", "", text, flags=re.IGNORECASE)
    return text.rstrip(" .;")


def _english_list(en: str, anchor: str, n: int) -> list[str]:
    """The n items of an English list that follows ``anchor`` ("A, B, C and D")."""
    m = re.search(anchor, en, re.IGNORECASE)
    if not m or n < 1:
        return []
    items: list[str] = []
    for part in re.split(r",\s*", en[m.end() :]):
        items.extend(x.strip() for x in re.split(r"\s+and\s+", part) if x.strip())
        if len(items) >= n:
            break
    return items[:n] if len(items) >= n else []
