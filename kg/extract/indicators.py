"""Indicators: the numbers a plan sets as targets, as typed data.

比2020年下降13.5% → metric, value 13.5, unit %, change "decrease", baseline year 2020;
达到50%以上 → comparator atLeast; 从55.3%提高到60% → baseline value 55.3;
100个左右国家骨干冷链物流基地 → a count of what follows; "about 700,000 km by 2035".
Years are never values. A plain count (14所高等学校) is not an indicator unless a
comparator goes with it: the genre states targets with one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from kg.extract.context import Context
from kg.extract.vocab import alternation
from kg.facts import Indicator, Unit
from kg.text import Span

NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
ZH_BREAK = "，,；;。：:（）()“”《》"
ZH_METRIC_LEADS = ("确保", "推动", "推进", "实现", "力争", "使", "让", "全国", "其中", "并")


@dataclass(frozen=True)
class _Patterns:
    """The vocabulary's alternations for one language, built once per document."""

    w: dict
    units: str
    cmp_before: str
    rx: re.Pattern
    change: str = ""
    target_cue: re.Pattern | None = None

    @classmethod
    def chinese(cls, vocab: dict) -> _Patterns:
        w = vocab["zh"]["indicators"]
        units, cmp_before = alternation(w["units"]), alternation(w["comparators_before"])
        counters, cmp_after = alternation(w["counters"]), alternation(w["comparators_after"])
        rx = re.compile(
            rf"(?P<before>{cmp_before})?(?P<num>{NUMBER})(?:(?P<unit>{units})|(?P<counter>{counters}))"
            rf"(?P<after>{cmp_after})?"
        )
        return cls(w, units, cmp_before, rx, change=alternation(w["decrease"] + w["increase"]))

    @classmethod
    def english(cls, vocab: dict) -> _Patterns:
        w = vocab["en"]["indicators"]
        units, cmp_before = alternation(w["units"]), alternation(w["comparators_before"], boundary=True)
        rx = re.compile(
            rf"(?:(?P<cmp>{cmp_before})\s+)?(?P<num>{NUMBER})(?:\s*(?P<unit>{units})(?![A-Za-z])|"
            rf"\s+(?P<noun>(?:[a-z][\w-]*\s+){{0,3}}?[a-z][\w-]*s)\b)"
        )
        cue = re.compile(alternation(vocab["en"]["target_cues"], boundary=True), re.IGNORECASE)
        return cls(w, units, cmp_before, rx, target_cue=cue)


def states_target(vocab: dict, text: str, cue: re.Pattern | None = None) -> bool:
    """An English sentence sets a target when it has a target year or a target cue (will,
    should, is expected to …), and no past cue (had reached, last year …)."""
    low = text.lower()
    if any(c in low for c in vocab["en"]["past_cues"]):
        return False
    cue = cue or re.compile(alternation(vocab["en"]["target_cues"], boundary=True), re.IGNORECASE)
    return bool(re.search(r"\bby (?:the end of )?(?:19|20)\d\d\b", low) or cue.search(low))


Found = list[tuple[int, int, dict]]  # (start, end, Indicator fields) within a unit's text


@dataclass(frozen=True)
class Reader:
    """A language's indicator rules: its patterns, which texts set targets, how numbers are read."""

    patterns: Callable[[dict], _Patterns]
    sets_targets: Callable[[dict, str, _Patterns], bool]
    find: Callable[[_Patterns, str, Unit], Found]


def run(ctx: Context) -> None:
    """Indicators of every goal, target and measure; a number is read once, by its first unit."""
    seen: set[int] = set()
    reader: Reader = ctx.rules.indicators
    pats = reader.patterns(ctx.vocab)
    order = {"Goal": 0, "Target": 1, "Measure": 2}
    units = sorted((u for u in ctx.facts.units if u.kind in order), key=lambda u: order[u.kind])
    years = {u.id: u.year for u in ctx.facts.units if u.kind == "Goal"}
    for unit in units:
        seg = ctx.facts.segments[unit.segment]
        text = ctx.doc.text[seg.start : seg.end]
        if not reader.sets_targets(ctx.vocab, text, pats):
            continue
        found = reader.find(pats, text, unit)
        p, s = ctx.sentence_of(unit.segment)
        for start, end, fields in found:
            if seg.start + start in seen:
                continue
            seen.add(seg.start + start)
            span = Span(seg.start + start, seg.start + end, ctx.doc.text[seg.start + start : seg.start + end])
            ctx.facts.indicators.append(
                Indicator(
                    id="",  # numbered below, in text order
                    unit_id=unit.id,
                    segment=ctx.part_segment(p, s, span).id,
                    year=years.get(unit.id) or years.get(unit.parent) or unit.year,
                    text=span.text,
                    **fields,
                )
            )
    ctx.facts.indicators.sort(key=lambda i: (ctx.facts.segments[i.segment].start, i.text))
    for k, ind in enumerate(ctx.facts.indicators, 1):
        ind.id = f"indicator/{k}"


def _value(text: str) -> float:
    return float(text.replace(",", ""))


def _is_year(text: str, start: int, end: int) -> bool:
    digits = text[start:end]
    return bool(re.fullmatch(r"(?:19|20)\d\d", digits)) and text[end : end + 1] in ("年", "")


# How far before a figure its comparator, its clause and its metric are looked for, in
# characters: a unit of thousands of figures read all the text before each one (4,000 in
# one English sentence took 26 s, growing with the square). A metric is a few words.
LOOK_BACK = 300


# -- Chinese ------------------------------------------------------------------------------


def _zh_indicators(pats: _Patterns, text: str, unit: Unit) -> Found:
    w = pats.w
    units, change, cmp_before = pats.units, pats.change, pats.cmp_before
    after, before = w["comparators_after"], w["comparators_before"]
    out = []
    for m in pats.rx.finditer(text):
        if _is_year(text, m.start("num"), m.end("num")) or (m.start() > 0 and text[m.start() - 1].isdigit()):
            continue
        if re.match(rf"(?:{change})(?:到|至)", text[m.end() :]):
            continue  # 从55.3%提高到60%: the first number is the baseline of the second
        prefix = text[max(0, m.start() - LOOK_BACK) : m.start()]
        cmp_word = m.group("before") or ""
        if not cmp_word:
            tail = re.search(rf"(?:{cmp_before})(?:到|至)?$", prefix)
            cmp_word = re.sub(r"[到至]$", "", tail.group()) if tail else ""
        comparator = after.get(m.group("after") or "") or before.get(cmp_word) or "equal"
        if m.group("counter") and comparator == "equal":
            continue  # a plain count: 14所高等学校
        clause_start = max((prefix.rfind(c) for c in ZH_BREAK), default=-1) + 1
        clause = prefix[clause_start:]
        fields: dict = {"value": _value(m.group("num")), "unit": m.group("unit") or "", "comparator": comparator}
        bm = re.search(r"比((?:19|20)\d\d)年", clause)
        if bm:
            fields["baseline_year"] = int(bm.group(1))
        cm = re.search(rf"({change})(?:了)?(?:到|至)?(?:{cmp_before})?$", clause)
        if cm:
            fields["change"] = "decrease" if any(cm.group(1).startswith(x) for x in w["decrease"]) else "increase"
        fm = re.search(rf"从({NUMBER})(?:{units})?({change})(?:到|至)$", clause)
        if fm:
            fields["baseline_value"] = _value(fm.group(1))
            fields["change"] = "decrease" if any(fm.group(2).startswith(x) for x in w["decrease"]) else "increase"
        # What is measured: the noun after a count (100个左右国家骨干冷链物流基地), else the subject before.
        follow = re.match(rf"[^{ZH_BREAK}、]*", text[m.end() :]).group()
        subject = re.split(
            rf"比(?:19|20)\d\d年|(?:分别)?(?:{change})(?=\d|到|至|了|$)|(?:{cmp_before})(?=\d|$)|从{NUMBER}|、", clause
        )[0]
        if ("、" in clause and "分别" in clause) or not subject:
            subject = clause.split("比")[0].split("分别")[0]
        subject = subject.strip()
        for lead in ZH_METRIC_LEADS:
            subject = subject.removeprefix(lead)
        subject = re.sub(r"(?:稳步|稳定|进一步|大幅|持续)$", "", subject)
        metric = follow if (m.group("counter") or len(follow) >= 4 or not subject) and follow else subject
        fields["metric"] = metric.strip() or unit.zh[:30]
        out.append((m.start("num") - len(m.group("before") or ""), m.end(), fields))
    return out


# -- English -------------------------------------------------------------------------------


_EN_YEAR_BEFORE = re.compile(
    r"\b(?:by|in|before|since|until|after|from|through)\s+(?:the\s+(?:end|middle)\s+of\s+)?$", re.IGNORECASE
)


def _en_indicators(pats: _Patterns, text: str, unit: Unit) -> Found:
    cmp_before, cmp = pats.w["comparators_before"], pats.cmp_before
    out = []
    for m in pats.rx.finditer(text):
        prefix = text[max(0, m.start() - LOOK_BACK) : m.start()]
        num_start = m.start("num")
        if _is_year(text, num_start, m.end("num")) or text[m.end("num") : m.end("num") + 1] == "-":
            continue
        if re.fullmatch(r"(?:19|20)\d\d", m.group("num")) and _EN_YEAR_BEFORE.search(prefix):
            continue  # "… and by 2035 digital villages will be built": a year, not a count
        if num_start > 0 and (text[num_start - 1].isalnum() or text[num_start - 1] in "-/"):
            continue
        noun = m.group("noun") or ""
        if noun and re.match(r"(?:years?|months?|days?|times|per)\b", noun):
            continue
        unit_word = m.group("unit") or ""
        comparator = cmp_before.get((m.group("cmp") or "").lower(), "equal")
        if not comparator or comparator == "equal":
            lead = re.search(rf"(?:{cmp})\s*$", prefix, re.IGNORECASE)
            if lead:
                comparator = cmp_before.get(lead.group().strip().lower(), "equal")
        of = re.match(r"\s+of\s+((?:the\s+)?[^,.;]+?)(?=,|\.|;|\s+(?:and|by|with|in)\s|$)", text[m.end() :])
        if noun:
            metric = noun
        elif of:
            metric = of.group(1)
        elif re.search(r"\bof\s*$", prefix):  # "a total computing power of over 300 EFLOPS"
            words = re.sub(r"\s*of\s*$", "", prefix).split()
            metric = " ".join(words[-4:])
            metric = re.sub(r"^.*\b(?:a|an|the|achieve|reach)\s+", "", metric)
        else:
            subject = re.split(r",\s*", prefix)[-1]
            subject = re.sub(
                r"\s+(?:will|should|is|are|has|have|to)\b.*$|\s+(?:reach|achieve|exceed|of)\s*$", "", subject
            )
            metric = re.sub(r"^(?:the|a|an)\s+", "", subject.strip(), flags=re.IGNORECASE)
        fields = {
            "value": _value(m.group("num")),
            "unit": unit_word.replace("per cent", "%").replace("percent", "%"),
            "comparator": comparator,
            "metric": metric.strip(),
        }
        out.append((m.start(), m.end(), fields))
    return out


# A Chinese report states its targets in the goal and measure clauses themselves; an English
# one mixes them with figures already reached, so only sentences that set a target are read.
CHINESE = Reader(_Patterns.chinese, lambda vocab, text, pats: True, _zh_indicators)
ENGLISH = Reader(
    _Patterns.english, lambda vocab, text, pats: states_target(vocab, text, pats.target_cue), _en_indicators
)
