"""The structure phase: framework, strategic path, sections, tasks, guarantees, measures,
sub-areas and principles, as the genre writes them.

List forms read here: 一是…二是… (at a sentence start, or after ；/： inside one), （一）…
items under 一、… sections, 第一…, "N方面任务，包括A、B、C" with the stated count
checked against the items, 从A、B等N方面…, and English "First, …" / "the first is …".
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from kg.extract.context import Context
from kg.extract.entities import QUOTE_RE
from kg.extract.language import NUMERAL, Language
from kg.extract.vocab import alternation
from kg.facts import PathStep, Section, SubArea, Unit
from kg.framework import GroupDef, PillarDef
from kg.lexicon import zh_number
from kg.text import Paragraph, Sentence, Span, split_clauses

_ITEM_KIND = {"tasks": "Task", "guarantees": "Guarantee"}


def run(ctx: Context) -> None:
    """The framework, then the list forms the language's rule set reads, then pillars and principles."""
    groups = find_framework(ctx)
    n_before = len(ctx.facts.units)
    for find in ctx.rules.structure:
        find(ctx)
    assign_pillars(ctx, groups)
    if ctx.rules.principles:
        ctx.rules.principles(ctx)
    if len(ctx.facts.units) == n_before:
        ctx.facts.notes.append("no enumerated tasks found")


# -- framework and strategic path ----------------------------------------------------------


def find_framework(ctx: Context) -> list[GroupDef]:
    """The sentence that lays the plan out by a declared framework, and the groups it names."""
    plan = ctx.facts.plan
    for p, s in ctx.sentences():
        text = s.span.text
        if "框架" not in text:
            continue
        quoted = QUOTE_RE.findall(text)
        for fw in ctx.frameworks:
            if not any(a in quoted for a in fw.alt_zh):
                continue
            found = []
            for g in fw.groups:
                if g.zh in quoted:
                    numeral = re.match(NUMERAL, g.zh)
                    if numeral and zh_number(numeral.group()) != len(g.members):
                        continue
                    found.append((text.index(f"“{g.zh}”"), g))
            if not found:
                continue
            plan.framework = fw.name
            plan.framework_segment = ctx.sentence_segment(p, s).id
            groups = [g for _, g in sorted(found, key=lambda x: x[0])]
            plan.pillars = [m.name for g in groups for m in g.members]
            ctx.excluded_quotes.update(quoted)
            return groups
    return []


def find_path(ctx: Context) -> None:
    """按照A、B、C的战略路径: the plan's strategic path, step by step."""
    w = ctx.words
    rx = re.compile(rf"(?:{alternation(w['path_openers'])})([^,，;；。]{{1,60}}?)的(?:{alternation(w['path_heads'])})")
    for p, s in ctx.sentences():
        m = rx.search(s.span.text)
        if not m:
            continue
        items = split_on(Span(s.span.start + m.start(1), s.span.start + m.end(1), m.group(1)), "、")
        for k, item in enumerate(items, 1):
            seg = ctx.part_segment(p, s, item)
            ctx.facts.path_steps.append(PathStep(id=f"step/{k}", ordinal=k, zh=item.text, en="", segment=seg.id))
        return


# -- enumerations --------------------------------------------------------------------------


@dataclass
class _Marker:
    para: int  # index into doc.paragraphs
    sent: int  # index into the paragraph's sentences
    start: int  # absolute offset of the marker
    n: int
    length: int
    at_sentence_start: bool
    at_paragraph_start: bool


@dataclass
class _Item:
    p: Paragraph
    head_sentence: Sentence
    head: Span
    body: list[tuple[Paragraph, Sentence]] = field(default_factory=list)


def _markers(ctx: Context) -> list[_Marker]:
    """Every list marker: at a sentence start, or after ；/： (zh) or a comma (en) inside one."""
    out = []
    for pi, p in enumerate(ctx.doc.paragraphs):
        for si, s in enumerate(p.sentences):
            text = s.span.text
            for k in [0, *ctx.language.inline_marker_starts(text)]:
                n, length = ctx.language.marker_at(text[k:])
                if n:
                    out.append(_Marker(pi, si, s.span.start + k, n, length, k == 0, k == 0 and si == 0))
    return out


def find_marker_runs(ctx: Context) -> None:
    """Runs of markers numbered 1, 2, 3 … in one paragraph, or one paragraph each."""
    markers = _markers(ctx)
    runs: list[list[_Marker]] = []
    for mk in markers:
        if runs and mk.n == runs[-1][-1].n + 1:
            last = runs[-1][-1]
            same_para = mk.para == last.para
            next_para = mk.at_paragraph_start and mk.para == last.para + 1 and last.at_paragraph_start
            if same_para or next_para:
                runs[-1].append(mk)
                continue
        if mk.n == 1:
            runs.append([mk])
    lists = [run for run in runs if len(run) >= 2]
    for k, run in enumerate(lists):
        last = lists[k - 1][-1] if k else None
        _add_run(ctx, run, lists[k + 1][0] if k + 1 < len(lists) else None, last)


def _add_run(
    ctx: Context, run: list[_Marker], next_list: _Marker | None = None, last_list: _Marker | None = None
) -> None:
    """One list's section and items. Its heading is read from the sentences before it in its
    paragraph, after the last marker of the list before (``last_list``) when that is in the
    same paragraph; its last item's sentences run to the end of the paragraph, or to
    ``next_list``, the first marker of the next list, when that opens a sentence of the same
    paragraph: they are that list's. (A paragraph that repeats 一是 … 九是 gave each list the
    rest of the paragraph as its last item's, and all of it before as its heading: the same
    sentences again and again, 4,000 items took 57 s to read, growing with the square.)"""
    paras = ctx.doc.paragraphs
    first = run[0]
    p0 = paras[first.para]
    marker_sentence = p0.sentences[first.sent]
    since = last_list.sent + 1 if last_list is not None and last_list.para == first.para else 0
    before = p0.sentences[min(since, max(0, first.sent - 1)) : first.sent]  # the sentence before, at least
    if not first.at_sentence_start:  # 《规划》从八个方面…：一是…；二是…: the opening is the heading
        head_p, head = p0, marker_sentence
        intro_text = marker_sentence.span.text[: first.start - marker_sentence.span.start]
    elif before:
        head_p, head = p0, before[-1]
        intro_text = " ".join(s.span.text for s in before)
    elif first.para > 0 and paras[first.para - 1].sentences:  # the heading closes the paragraph before
        head_p, head = paras[first.para - 1], paras[first.para - 1].sentences[-1]
        intro_text = head.span.text
    else:
        head_p, head = p0, marker_sentence
        intro_text = ""
    kind = "guarantees" if _is_guarantee(ctx, intro_text, head) else "tasks"
    span = None
    if not first.at_sentence_start:
        cut = first.start - head.span.start
        span = Span(head.span.start, first.start, head.span.text[:cut])
    section = _add_section(ctx, head_p, head, kind, intro_text, span)
    items = []
    for k, mk in enumerate(run):
        p = paras[mk.para]
        s = p.sentences[mk.sent]
        nxt = run[k + 1] if k + 1 < len(run) else None
        if mk.at_sentence_start:
            same_sentence_next = nxt is not None and nxt.para == mk.para and nxt.sent == mk.sent
            end = nxt.start if same_sentence_next else s.span.end
        else:
            end = nxt.start if nxt is not None and nxt.para == mk.para and nxt.sent == mk.sent else s.span.end
        head_span = _trim_item(ctx, Span(mk.start + mk.length, end, ctx.doc.text[mk.start + mk.length : end]))
        body = []
        if mk.at_sentence_start and not (nxt is not None and nxt.para == mk.para and nxt.sent == mk.sent):
            after = nxt or next_list
            stop = (
                after.sent if after is not None and after.para == mk.para and after.sent > mk.sent else len(p.sentences)
            )
            body = [(p, t) for t in p.sentences[mk.sent + 1 : stop]]
        items.append(_Item(p, s, head_span, body))
        ctx.used_paragraphs.add(p.number)
    ctx.used_paragraphs.add(head_p.number)
    _add_items(ctx, section, items)


def _trim_item(ctx: Context, span: Span) -> Span:
    """An item's text without its closing punctuation, a leading 要 or English "to"."""
    text, start = span.text, span.start
    lead = len(text) - len(text.lstrip(" ，,：:"))
    text, start = text[lead:], start + lead
    text = text.rstrip(" 。.!！?？;；，,")
    lead = ctx.language.item_lead(text)
    text, start = text[lead:], start + lead
    return Span(start, start + len(text), text)


def _is_guarantee(ctx: Context, intro: str, head: Sentence) -> bool:
    return ctx.language.guarantee_heading(intro, head.en_text or head.span.text)


def _add_section(
    ctx: Context, p: Paragraph, head: Sentence, kind: str, intro: str = "", span: Span | None = None
) -> Section:
    """A section headed by a cue sentence (its text without 《规划》指出, and 要)."""
    heading = strip_cue(ctx.language, span or head.span, ctx.cue(p))
    ordinal = len(ctx.facts.sections) + 1
    section = Section(
        id=f"section/{ordinal}",
        ordinal=ordinal,
        **ctx.labels(heading.text),
        segment=ctx.part_segment(p, head, heading).id,
        kind=kind,
        stated_count=ctx.language.stated_count(intro or head.span.text),
    )
    ctx.facts.sections.append(section)
    return section


def strip_cue(language: Language, span: Span, cue: str) -> Span:
    """The sentence without 《规划》指出, the language's heading lead (要, "The plan
    stresses"), and closing punctuation."""
    text, start = span.text, span.start
    if cue:
        i = text.find(cue) + len(cue)
        while i < len(text) and text[i] in ",，:： 了":
            i += 1
        text, start = text[i:], start + i
    lead = language.heading_lead(text)
    text, start = text[lead:], start + lead
    text = text.rstrip("。.!！?？;；:：")
    return Span(start, start + len(text), text)


def _unit_id(ctx: Context, section: Section, n: int) -> str:
    """task/<section>-<n>; guarantees are numbered through the document: guarantee/<n>."""
    if section.kind == "tasks":
        return f"task/{section.ordinal}-{n}"
    ctx.guarantees += 1  # counted as they are made: counting the units each time was quadratic
    return f"guarantee/{ctx.guarantees}"


def _add_items(ctx: Context, section: Section, items: list[_Item]) -> None:
    if section.stated_count and section.stated_count != len(items):
        ctx.facts.notes.append(
            f"{section.id} states {section.stated_count} items but lists {len(items)}: {section.zh[:30]}"
        )
    for n, item in enumerate(items, 1):
        head = item.head
        if not head.text:  # a bare marker: the item is named by its first clause
            clauses = [(p, s, c) for p, s in item.body for c in clauses_of(ctx, s)]
            if not clauses:
                continue
            p, s, head = clauses[0]
            item = _Item(p, s, head, item.body)
        unit = Unit(
            id=_unit_id(ctx, section, n),
            kind=_ITEM_KIND[section.kind],
            **ctx.labels(head.text),
            segment=ctx.part_segment(item.p, item.head_sentence, head).id,
            ordinal=n,
            section=section.id,
            form="item",
        )
        ctx.facts.units.append(unit)
        parts = [(p, s, c) for p, s in item.body for c in clauses_of(ctx, s)]
        if not parts:
            parts = [(item.p, item.head_sentence, c) for c in clauses_of(ctx, item.head_sentence, head)]
        for k, (p, s, c) in enumerate(parts, 1):
            add_part(ctx, "Measure", unit, k, p, s, c)


def add_part(ctx: Context, kind: str, parent: Unit, k: int, p: Paragraph, s: Sentence, span: Span) -> Unit:
    """A Measure or Target: one clause (or run of clauses) under a task, guarantee or goal."""
    unit = Unit(
        id=f"{parent.id}/{kind.lower()}/{k}",
        kind=kind,
        **ctx.labels(span.text),
        segment=ctx.part_segment(p, s, span).id,
        ordinal=k,
        parent=parent.id,
        section=parent.section,
        year=parent.year,
    )
    ctx.facts.units.append(unit)
    return unit


def clauses_of(ctx: Context, s: Sentence, within: Span | None = None) -> list[Span]:
    """Clauses, with a clause that opens on a preposition joined to the one after it.

    ``within``: only the clauses inside that span (an item that is part of a sentence),
    the first cut to start where it starts.
    """
    clauses = s.clauses or split_clauses(s.span, ctx.lang)
    if within is not None:
        clauses = [c for c in clauses if c.end > within.start and c.start < within.end]
        if clauses and clauses[0].start < within.start:
            first = clauses[0]
            cut = within.start - first.start
            clauses[0] = Span(within.start, first.end, first.text[cut:])
        if clauses and clauses[-1].end > within.end:
            last = clauses[-1]
            clauses[-1] = Span(last.start, within.end, last.text[: within.end - last.start])
        clauses = [_trim_item(ctx, c) for c in clauses]
    merged: list[Span] = []
    pending: Span | None = None
    for i, c in enumerate(clauses):
        if pending is not None:
            c = Span(pending.start, c.end, ctx.doc.text[pending.start : c.end])
            pending = None
        if i < len(clauses) - 1 and ctx.language.joins_next(c.text):
            pending = c
            continue
        merged.append(c)
    if pending is not None:
        merged.append(pending)
    return [c for c in merged if c.text.strip()]


# -- outline form: 一、section / （一）item --------------------------------------------------


def find_outline_items(ctx: Context) -> None:
    """The full text of a plan: 一、… section headings, （一）… items under them."""
    section_re, item_re = ctx.language.section_re, ctx.language.item_re
    if section_re is None or item_re is None:
        return
    paras = ctx.doc.paragraphs
    heads: list[tuple[int, int, str]] = []  # (paragraph index, n, "section" | "item")
    for i, p in enumerate(paras):
        if p.number in ctx.used_paragraphs or not p.sentences:
            continue
        text = p.span.text
        sm = section_re.match(text)
        if sm and "。" not in text.rstrip("。"):
            heads.append((i, zh_number(sm.group("n")), "section"))
            continue
        im = item_re.match(text)
        if im:
            heads.append((i, zh_number(im.group("n")), "item"))
    item_numbers = [n for _, n, kind in heads if kind == "item"]
    if len(item_numbers) < 2 or item_numbers[0] != 1:
        return
    section: Section | None = None
    items: list[_Item] = []
    expected = 1
    for k, (i, n, kind) in enumerate(heads):
        stop = heads[k + 1][0] if k + 1 < len(heads) else len(paras)
        if kind == "section":
            if section is not None and items:
                _add_items(ctx, section, items)
            items = []
            p = paras[i]
            title = section_re.match(p.span.text)
            span = Span(p.span.start + title.start("title"), p.span.end, title.group("title"))
            # A heading is about guarantees when it ends on one (十一、加强组织实施, 五、保障措施),
            # not when the word stands inside a task's name (消费能力保障支持行动).
            ends = (*ctx.words["guarantee_cues"], *ctx.words["guarantee_heads"])
            kind_ = "guarantees" if span.text.endswith(ends) else "tasks"
            section = _outline_section(ctx, p, span, kind_)
            continue
        if n != expected and n != 1:
            continue
        expected = n + 1
        p = paras[i]
        if section is None:
            section = _outline_section(ctx, p, None, "tasks")
        s0 = p.sentences[0]
        im = item_re.match(s0.span.text)
        head = _trim_item(ctx, Span(s0.span.start + im.end(), s0.span.end, s0.span.text[im.end() :]))
        body = [(p, t) for t in p.sentences[1:]]
        for j in range(i + 1, stop):
            body += [(paras[j], t) for t in paras[j].sentences]
            ctx.used_paragraphs.add(paras[j].number)
        ctx.used_paragraphs.add(p.number)
        items.append(_Item(p, s0, head, body))
    if section is not None and items:
        _add_items(ctx, section, items)


def _outline_section(ctx: Context, p: Paragraph, span: Span | None, kind: str) -> Section:
    ordinal = len(ctx.facts.sections) + 1
    s = p.sentences[0]
    if span is None:  # items before any heading: the section is the list itself
        span = Span(s.span.start, s.span.start, "")
    section = Section(
        id=f"section/{ordinal}",
        ordinal=ordinal,
        zh=span.text,
        en="",
        segment=ctx.part_segment(p, s, span).id if span.text else ctx.sentence_segment(p, s).id,
        kind=kind,
    )
    ctx.facts.sections.append(section)
    ctx.used_paragraphs.add(p.number)
    return section


# -- lists inside one sentence: N方面任务，包括A、B、C / 从A、B等N方面 ----------------------------


def find_inline_lists(ctx: Context) -> None:
    """N方面任务，包括A、B、C (the stated count checked) and 从A、B等N方面…保障."""
    w = ctx.words
    kinds = [(h, "tasks") for h in w["task_heads"]] + [(h, "guarantees") for h in w["guarantee_heads"]]
    heads = alternation([h for h, _ in kinds])
    kind_of = dict(kinds)
    counted = re.compile(
        rf"(?P<n>{NUMERAL}|\d+)(?:个)?(?:方面|项|大)(?:的)?(?P<head>{heads})[，,]?(?:包括|即|：|:)(?P<items>[^。]+)"
    )
    aspects = re.compile(
        rf"从(?P<items>[^从。；]{{2,300}}?)等?(?:(?P<n>{NUMERAL}|\d+)个?)?方面(?P<rest>[^。；]{{0,40}})"
    )
    for p, s in ctx.sentences():
        if p.number in ctx.used_paragraphs:
            continue
        text = s.span.text
        for m in counted.finditer(text):
            n = zh_number(m.group("n"))
            items = _list_items(
                Span(s.span.start + m.start("items"), s.span.start + m.end("items"), m.group("items")), n
            )
            if items:
                _add_list(ctx, p, s, kind_of[m.group("head")], items, n)
            else:
                ctx.facts.notes.append(f"a list of {n} {m.group('head')} whose items could not be told apart")
        for m in aspects.finditer(text):
            rest = m.group("rest")
            hm = re.search(heads, rest)
            if not hm:
                continue
            n = zh_number(m.group("n")) if m.group("n") else 0
            items = split_on(
                Span(s.span.start + m.start("items"), s.span.start + m.end("items"), m.group("items")), "、"
            )
            if n and n != len(items):
                continue
            _add_list(ctx, p, s, kind_of[hm.group()], items, n)


def _list_items(span: Span, n: int) -> list[Span]:
    """The n items of a list, cut at whichever of ；、，gives exactly n."""
    text = span.text.rstrip("。；;，, ")
    span = Span(span.start, span.start + len(text), text)
    for sep in ("；;", "、", "，,"):
        items = [i for i in split_on(span, sep) if i.text]
        if len(items) == n:
            return [Span(i.start, i.start + len(i.text.removesuffix("等")), i.text.removesuffix("等")) for i in items]
    return []


def _add_list(ctx: Context, p: Paragraph, s: Sentence, kind: str, items: list[Span], n: int) -> None:
    section = _add_section(ctx, p, s, kind)
    section.stated_count = n
    for k, item in enumerate(items, 1):
        unit = Unit(
            id=_unit_id(ctx, section, k),
            kind=_ITEM_KIND[kind],
            zh=item.text,
            en="",
            segment=ctx.part_segment(p, s, item).id,
            ordinal=k,
            section=section.id,
            form="clause",
        )
        ctx.facts.units.append(unit)
        add_part(ctx, "Measure", unit, 1, p, s, item)
    ctx.used_paragraphs.add(p.number)


# -- sub-areas ------------------------------------------------------------------------------


def find_subareas(ctx: Context) -> None:
    """A task that nests a level: sentences that open on a short, general heading clause
    (提升治理水平，…) and go on with two or more actions. Each is a sub-area, its heading and
    the measures after it. One such sentence among plain lists of measures is not a level."""
    w = ctx.words
    most, actions, count = w["subarea_heading_max"], w["subarea_min_actions"], w["subarea_min_count"]
    breaks = set(w["subarea_heading_breaks"])
    by_parent: dict[str, list[Unit]] = {}
    for u in ctx.facts.units:
        if u.kind == "Measure":
            by_parent.setdefault(u.parent, []).append(u)
    for task in (u for u in ctx.facts.units if u.kind == "Task"):
        groups: dict[str, list[Unit]] = {}
        for m in by_parent.get(task.id, []):
            groups.setdefault(ctx.facts.segments[m.segment].parent or m.segment, []).append(m)
        nested = [
            ms
            for ms in groups.values()
            if len(ms) > actions and len(ms[0].zh) <= most and not breaks.intersection(ms[0].zh)
        ]
        if len(nested) < count:
            continue
        for n, ms in enumerate(nested, 1):
            first = ms[0]
            sub = SubArea(
                id=f"{task.id}/subarea/{n}", task=task.id, ordinal=n, zh=first.zh, en="", segment=first.segment
            )
            ctx.facts.subareas.append(sub)
            for m in ms[1:]:
                m.subarea = sub.id


# -- pillars -----------------------------------------------------------------------------


def _similarity(a: str, b: str) -> float:
    """Character-bigram overlap, with a bonus for containment: cheap and script-agnostic."""
    if not a or not b:
        return 0.0
    if b in a or a in b:
        return 3.0 + min(len(a), len(b)) / 10
    ba = {a[i : i + 2] for i in range(len(a) - 1)}
    bb = {b[i : i + 2] for i in range(len(b) - 1)}
    return len(ba & bb) / max(1, min(len(ba), len(bb)))


def _match(tasks: list[Unit], pillars: list[PillarDef]) -> list[tuple[Unit, PillarDef]]:
    """Pair tasks with pillars by label similarity, keeping text order on ties."""
    if not tasks or not pillars:
        return []

    def sim(t: Unit, p: PillarDef) -> float:
        return max(_similarity(t.zh or t.en, label) for label in (p.zh, *p.alt_zh))

    if len(tasks) == len(pillars) and len(tasks) <= 7:
        best = max(
            itertools.permutations(range(len(pillars))),
            key=lambda perm: (
                sum(sim(t, pillars[i]) for t, i in zip(tasks, perm)),
                [-abs(k - i) for k, i in enumerate(perm)],
            ),
        )
        return [(t, pillars[i]) for t, i in zip(tasks, best)]
    return [(t, max(pillars, key=lambda p: sim(t, p))) for t in tasks if max(sim(t, p) for p in pillars) > 0]


def assign_pillars(ctx: Context, groups: list[GroupDef]) -> None:
    """Task sections follow the framework's groups; each task takes the best-matching pillar."""
    facts = ctx.facts
    task_sections = [s for s in facts.sections if s.kind == "tasks"]
    if groups and task_sections:
        if len(task_sections) == len(groups):
            pairs = list(zip(task_sections, groups))
        else:
            pairs = [
                (sec, max(groups, key=lambda g: max(_similarity(sec.zh, m.zh) for m in g.members)))
                for sec in task_sections
            ]
        tasks_of: dict[str, list[Unit]] = {}
        for u in facts.units:
            if u.kind == "Task":
                tasks_of.setdefault(u.section, []).append(u)
        for sec, group in pairs:
            sec.group = group.name
            for task, pillar in _match(tasks_of.get(sec.id, []), list(group.members)):
                task.pillar = pillar.name
    if facts.path_steps and task_sections:
        if len(facts.path_steps) == len(task_sections):
            for sec, step in zip(task_sections, facts.path_steps):
                sec.step = step.id
        else:
            for sec in task_sections:
                best = max(facts.path_steps, key=lambda st: _similarity(sec.zh, st.zh))
                if _similarity(sec.zh, best.zh) > 0:
                    sec.step = best.id


# -- principles ----------------------------------------------------------------------------


def find_principles(ctx: Context) -> None:
    """坚持… clauses the plan states outside its enumerations and goals: its principles."""
    used = {ctx.facts.segments[u.segment].paragraph for u in ctx.facts.units} | ctx.used_paragraphs
    n = 0
    for p in ctx.doc.paragraphs:
        cue = ctx.cue(p)
        if not cue or p.number in used:
            continue
        for s in p.sentences:
            for clause in clauses_of(ctx, s):
                span = strip_cue(ctx.language, clause, cue) if clause.start == s.span.start else clause
                if span.text.startswith("要坚持"):
                    span = Span(span.start + 1, span.end, span.text[1:])
                if not span.text.startswith("坚持") or len(span.text) < 5:
                    continue
                n += 1
                ctx.facts.units.append(
                    Unit(
                        id=f"principle/{n}",
                        kind="Principle",
                        zh=span.text,
                        en="",
                        segment=ctx.part_segment(p, s, span).id,
                        ordinal=n,
                    )
                )


# -- helpers -------------------------------------------------------------------------------


def split_on(span: Span, seps: str) -> list[Span]:
    """Cut a span at any of ``seps``; each piece trimmed, offsets exact."""
    out, start = [], 0
    text = span.text
    for i, ch in enumerate(text + seps[0]):
        if ch in seps:
            piece = text[start:i]
            lead = len(piece) - len(piece.lstrip())
            piece = piece.strip()
            if piece:
                out.append(Span(span.start + start + lead, span.start + start + lead + len(piece), piece))
            start = i + 1
    return out
