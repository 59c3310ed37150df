"""Relations between the things a plan names, by rules of the genre.

- **Who does what.** In a unit's text, an organization followed by a role verb
  (统筹协调, 牵头, 负责, 指导, 督促落实 …, from genre.toml) acts on what the words between
  them name after "对…的": the plan when they name its subject (数字中国建设 in
  《数字中国建设整体布局规划》), an entity when they name one, else the unit itself.
  "发挥X作用" gives X a role in the unit.
- **Targets and their pillars.** A plan's targets restate its pillars ("数字基础设施高效
  联通"): a target is linked to the one pillar whose labels and tasks share the most
  distinctive character pairs (or words, in English) with it, when exactly one does.
- **Participation.** A list of organizations followed by a multilateral frame
  (…等多边框架下的合作) places what the clause says under each: dckg:cooperatesThrough.
- **Part of.** In one sentence, clauses opening with verbs of a broad-to-narrow chain
  (实施…战略，建设…体系，形成…数据库) name things each part of the one before; "以X为核心
  的Y" makes X part of Y (genre.toml).
- **Technology in a sector.** A clause with 应用/运用/赋能, a technology, and sectors named
  after 在 (…等重点领域): the technology dckg:appliedIn each sector.
- **One concept, two nodes.** An entity named exactly as a pillar of the plan's framework
  is the same concept: skos:exactMatch (owl:sameAs would merge an Entity with a Pillar,
  which the ontology declares disjoint).

Each relation keeps the segment that states it: the graph writes that as provenance.
"""

from __future__ import annotations

import re
from collections import Counter

from kg.extract.context import Context
from kg.extract.coverage import Disjoint
from kg.facts import Entity, Relation, Unit
from kg.lexicon import ZH_MARKER

ACTS_IN = "actsIn"
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_WORD = re.compile(r"[a-z]{4,}")


def run(ctx: Context) -> None:
    rules = ctx.words.get("relations", {})
    found: list[Relation] = []
    found += roles(ctx, rules)
    found += participation(ctx, rules)
    found += part_of(ctx, rules)
    found += applied_in(ctx, rules)
    found += pillar_targets(ctx, rules)
    found += same_names(ctx)
    ctx.facts.relations.extend(_most_specific(found, {u.id: u.parent for u in ctx.facts.units}))


def _most_specific(found: list[Relation], parents: dict[str, str]) -> list[Relation]:
    """Each relation once; where a task's text holds its measures' (一是…，…), the measure that
    says it, not the task around it, is the relation's end and its provenance."""

    def ancestors(end: str) -> set[str]:
        out, unit = set(), end.removeprefix("unit:") if end.startswith("unit:") else ""
        while parents.get(unit):
            unit = parents[unit]
            out.add(f"unit:{unit}")
        return out

    covered = {(a, r.predicate, r.object) for r in found for a in ancestors(r.subject)}
    covered |= {(r.subject, r.predicate, a) for r in found for a in ancestors(r.object)}
    # Measures first, so that a relation both a task and its measure state keeps the measure's words.
    order = sorted(found, key=lambda r: -max(len(ancestors(r.subject)), len(ancestors(r.object))))
    seen: set = set()
    out = []
    for r in order:
        key = (r.subject, r.predicate, r.object)
        if key not in seen and key not in covered:
            seen.add(key)
            out.append(r)
    position = {id(r): i for i, r in enumerate(found)}
    return sorted(out, key=lambda r: position[id(r)])


# -- who does what -------------------------------------------------------------------------


def _forms(ctx: Context, cls: str) -> list[tuple[str, Entity]]:
    """(surface form, entity) for every entity of class ``cls`` the document names, longest
    form first: its names, and the lexicon's variants of them."""
    forms = []
    for ent in ctx.facts.entities.values():
        if cls not in ent.kinds:
            continue
        term = ctx.lex.terms.get(ent.key)
        if ctx.lang == "zh":
            names = {ent.zh, ent.key} | (set(term.variants) if term else set())
        else:
            names = {ent.en} | {form for form, t in ctx.lex.en_forms.items() if term is not None and t is term}
        forms += [(n, ent) for n in names if n]
    return sorted(forms, key=lambda f: (-len(f[0]), f[0]))  # the same order in every process


def _mentions(text: str, forms: list[tuple[str, Entity]], fold: bool) -> list[tuple[int, int, Entity]]:
    """Non-overlapping occurrences of the forms in ``text``, longest first."""
    hay = text.lower() if fold else text
    taken: list[tuple[int, int, Entity]] = []
    covered = Disjoint(len(hay))
    for form, ent in forms:
        needle = form.lower() if fold else form
        if not needle:
            continue
        # Left to right, each search from the end of the last occurrence: what finditer of
        # the escaped form finds, without escaping and compiling a pattern per form and unit
        # (~1 million of each for a 4 MB plan).
        start = hay.find(needle)
        while start >= 0:
            end = start + len(needle)
            if not covered.overlaps(start, end):
                covered.add(start, end)
                taken.append((start, end, ent))
            start = hay.find(needle, end)
    return sorted(taken, key=lambda t: t[0])


def _thing_acted_on(ctx: Context, phrase: str, unit: Unit, trims: list[str]) -> str:
    """The plan, an entity, or the unit: what the words between an organization and its verb name."""
    words = sorted(trims, key=len, reverse=True)
    changed = True
    while changed and phrase:
        changed = False
        for w in words:
            if w and phrase.startswith(w):
                phrase, changed = phrase[len(w) :].strip(" ,，、"), True
            if w and phrase.endswith(w):
                phrase, changed = phrase[: -len(w)].strip(" ,，、"), True
    if len(phrase) >= 2:
        plan = ctx.facts.plan
        words = set(re.findall(r"[a-z]{3,}", phrase.lower())) - set(trims)
        title_words = set(re.findall(r"[a-z]{3,}", (plan.title_en or "").lower()))
        if phrase in (plan.title_zh or "") or (words and words <= title_words):
            return "plan"
        for ent in ctx.facts.entities.values():
            if phrase in (ent.zh, ent.key) or (ent.en and phrase.lower() == ent.en.lower()):
                return f"entity:{ent.key}"
    return f"unit:{unit.id}"


def roles(ctx: Context, rules: dict) -> list[Relation]:
    verbs: dict[str, str] = rules.get("role_verbs", {})
    frames: list[list[str]] = rules.get("role_frames", [])
    trims: list[str] = rules.get("object_trims", [])
    nouns: list[str] = [n.lower() for n in rules.get("noun_after_verb", [])]
    forms = _forms(ctx, "Organization")
    if not forms or not (verbs or frames):
        return []
    fold = ctx.lang != "zh"
    verb_re = re.compile("|".join(re.escape(v) for v in sorted(verbs, key=len, reverse=True)), re.I)
    out: list[Relation] = []
    for unit in ctx.facts.units:
        seg = ctx.facts.segments[unit.segment]
        text = ctx.doc.text[seg.start : seg.end]
        orgs = _mentions(text, forms, fold)
        if not orgs:
            continue
        last: tuple[int, int, str] | None = None  # (organization's start, verb's end, what it acts on)
        for m in verb_re.finditer(text):
            if any(text[m.end() :].lower().startswith(n) for n in nouns):
                continue  # 指导意见, 负责人: a noun, not the organization's verb
            before = [o for o in orgs if o[1] <= m.start()]
            if not before:
                continue
            start, end, ent = before[-1]
            between = text[end : m.start()]
            if re.search(r"[。；;!?！？]", between) or len(between) > 30:
                continue  # another sentence, or too far to be the organization's verb
            predicate = verbs[next(v for v in verbs if v.lower() == m.group(0).lower())]
            if (
                last
                and last[0] == start
                and len(text[last[1] : m.start()]) <= 8
                and "，" not in text[last[1] : m.start()]
            ):
                target = last[2]  # 对X的统筹协调、整体推进、督促落实: every verb of the list acts on X
            elif fold:  # English: the thing acted on follows the verb (coordination of X)
                after = re.split(r"[,.;:]", text[m.end() :], maxsplit=1)[0]
                target = _thing_acted_on(ctx, re.sub(r"^\w*", "", after).strip(), unit, trims)
            else:
                target = _thing_acted_on(ctx, between.strip(), unit, trims)
            last = (start, m.end(), target)
            out.append(Relation(f"entity:{ent.key}", predicate, target, seg.id, "role"))
        for opener, closer in frames:
            for start, end, ent in orgs:
                head = text[max(0, start - len(opener) - 4) : start]
                tail = text[end : end + len(closer) + 2] if closer else ""
                if opener.lower() in head.lower() and (not closer or closer in tail):
                    out.append(Relation(f"entity:{ent.key}", ACTS_IN, f"unit:{unit.id}", seg.id, "role-frame"))
    return out


def participation(ctx: Context, rules: dict) -> list[Relation]:
    """A list of organizations followed by a multilateral frame: the unit cooperates through each."""
    frames = [f.lower() for f in rules.get("body_frames", [])]
    separators = set(rules.get("body_separators", "、，, "))
    forms = _forms(ctx, "Organization")
    if not frames or not forms:
        return []
    fold = ctx.lang != "zh"
    out = []
    for unit in ctx.facts.units:
        seg = ctx.facts.segments[unit.segment]
        text = ctx.doc.text[seg.start : seg.end]
        orgs = _mentions(text, forms, fold)
        runs: list[list[tuple[int, int, Entity]]] = []
        for org in orgs:
            gap = text[runs[-1][-1][1] : org[0]] if runs else None
            if gap is not None and len(gap) <= 6 and all(ch in separators for ch in gap):
                runs[-1].append(org)
            else:
                runs.append([org])
        for run in runs:
            # The frame follows within a few words ("…SCO and other multilateral frameworks").
            after = text[run[-1][1] : run[-1][1] + 20 + max(map(len, frames))].lower()
            if len(run) >= 2 and any(f in after for f in frames):
                out += [Relation(f"unit:{unit.id}", "cooperatesThrough", f"entity:{ent.key}", seg.id, "participation")
                        for _, _, ent in run]  # fmt: skip
    return out


def _name_at_end(text: str, names: list[str]) -> str:
    """The longest known name ``text`` ends with ("" if none)."""
    return next((n for n in names if text.endswith(n)), "")


def part_of(ctx: Context, rules: dict) -> list[Relation]:
    """Part-of chains (实施A，建设B，形成C: C ⊂ B ⊂ A) and frames (以X为核心的Y: X ⊂ Y), in one sentence."""
    chain: list[str] = rules.get("part_of_chain", [])
    adverbs = tuple(rules.get("part_of_adverbs", []))
    frames: list[str] = rules.get("part_of_frames", [])
    if ctx.lang != "zh" or not (chain or frames):
        return []
    names = sorted((e.zh for e in ctx.facts.entities.values() if e.zh), key=len, reverse=True)
    frame_re = re.compile(r"以([^，,。；;]{2,30}?)为(?:" + "|".join(map(re.escape, frames)) + r")的([^，,。；;]{2,40})")
    out: list[Relation] = []
    for p, s in ctx.sentences():
        text = s.span.text
        found: list[tuple[str, str]] = []
        previous: tuple[int, str] | None = None  # (rank of the verb, the name it governs)
        for clause in re.split(r"[，,；;]", text):
            body = clause.strip()
            marker = ZH_MARKER.match(body)
            if marker:
                body = body[marker.end() :]
            while body.startswith(adverbs):
                body = body[len(next(a for a in adverbs if body.startswith(a))) :]
            verb = next((v for v in chain if body.startswith(v)), None)
            name = _name_at_end(body.rstrip("。"), names) if verb else ""
            if not name:
                previous = None
                continue
            rank = chain.index(verb)
            if previous and previous[0] < rank and previous[1] != name:
                found.append((name, previous[1]))
            previous = (rank, name)
        for m in frame_re.finditer(text):
            part, whole = _name_at_end(m.group(1), names), next((n for n in names if m.group(2).startswith(n)), "")
            if part and whole and part != whole:
                found.append((part, whole))
        if found:
            seg = ctx.sentence_segment(p, s)
            key = {e.zh: e.key for e in ctx.facts.entities.values()}
            out += [Relation(f"entity:{key[a]}", "partOf", f"entity:{key[b]}", seg.id, "part-of") for a, b in found]
    return out


def applied_in(ctx: Context, rules: dict) -> list[Relation]:
    """A technology applied in the sectors a clause names after 在 (…等重点领域 / 行业 / 中)."""
    words: list[str] = rules.get("apply_words", [])
    frames: list[str] = rules.get("sector_frames", [])
    if ctx.lang != "zh" or not words or not frames:
        return []
    tech_forms, sector_forms = _forms(ctx, "Technology"), _forms(ctx, "Sector")
    frame_re = re.compile(r"在([^，,。；;]{2,60}?)(?:等)?(?:重点|相关|各)?(?:" + "|".join(map(re.escape, frames)) + ")")
    out = []
    for unit in ctx.facts.units:
        seg = ctx.facts.segments[unit.segment]
        text = ctx.doc.text[seg.start : seg.end]
        if not any(w in text for w in words):
            continue
        techs = _mentions(text, tech_forms, False)
        for m in frame_re.finditer(text):
            items = m.group(1)
            # The sectors are the items of the list after 在 (农业、工业…), not words inside
            # longer ones (能源 in 新能源); a technology in that list is a field, not applied.
            sectors = [e for a, b, e in _mentions(items, sector_forms, False) if _as_item(items + "等", a, b)]
            used = [e for a, b, e in techs if b <= m.start() or a >= m.end()]
            out += [Relation(f"entity:{t.key}", "appliedIn", f"entity:{s.key}", seg.id, "applied-in")
                    for t in used for s in sectors]  # fmt: skip
    return out


# -- targets and their pillars ---------------------------------------------------------------


def _features(text: str, zh: bool) -> set[str]:
    """Character pairs of the Chinese runs, or the longer words of English, of ``text``."""
    if zh:
        return {run[i : i + 2] for run in _CJK.findall(text) for i in range(len(run) - 1)}
    return set(_WORD.findall(text.lower()))


_ITEM_EDGE = "、，,；;和与及等 "


def _as_item(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    return (not before or before in _ITEM_EDGE) and (not after or after in _ITEM_EDGE)


def _names(text: str, label: str) -> bool:
    """Whether ``text`` names ``label``: anywhere for a long label; a short one (经济, 社会)
    only as an item of a list, so 社会 in 社会主义 does not count."""
    if not label:
        return False
    if len(label) > 2:
        return label in text
    return any(_as_item(text, m.start(), m.end()) for m in re.finditer(re.escape(label), text))


def _without_inner_words(text: str, short: set[str]) -> str:
    """``text`` with each short pillar word that sits inside a longer word blanked out."""
    for label in short:
        for m in re.finditer(re.escape(label), text):
            if not _as_item(text, m.start(), m.end()):
                text = text[: m.start()] + " " * len(label) + text[m.end() :]
    return text


def pillar_targets(ctx: Context, rules: dict) -> list[Relation]:
    facts = ctx.facts
    fw = next((f for f in ctx.frameworks if f.name == facts.plan.framework), None)
    if fw is None or not facts.plan.pillars:
        return []
    zh = ctx.lang == "zh"
    pillars = {m.name: m for g in fw.groups for m in g.members if m.name in facts.plan.pillars}
    texts: dict[str, list[str]] = {}
    for name, m in pillars.items():
        texts[name] = ([m.zh, *m.alt_zh] if zh else [m.en]) + [
            (u.zh if zh else u.en) for u in facts.of_kind("Task") if u.pillar == name
        ]
    features = {name: set().union(*(_features(t, zh) for t in ts if t)) for name, ts in texts.items()}
    spread = Counter(f for fs in features.values() for f in fs)
    share = float(rules.get("pillar_pair_share", 0.34))
    limit = max(1, int(share * len(pillars)))
    short = {x for m in pillars.values() for x in (m.zh, *m.alt_zh) if x and len(x) <= 2} if zh else set()
    out = []
    for target in facts.of_kind("Target"):
        text = (target.zh if zh else target.en) or target.en or target.zh
        # A target that names pillars outright (经济、政治、文化 …) concerns each of them.
        named = sorted(
            n for n, m in pillars.items() if any(_names(text, x) for x in ([m.zh, *m.alt_zh] if zh else [m.en]))
        )
        if named:
            out += [Relation(f"unit:{target.id}", "concernsPillar", f"pillar:{n}", target.segment, "pillar-target")
                    for n in named]  # fmt: skip
            continue
        cleaned = _without_inner_words(text, short) if zh else text
        mine = _features(cleaned, zh)
        shared = {name: {f for f in mine & fs if spread[f] <= limit} for name, fs in features.items()}
        # One shared pair is evidence only as the target's subject, where the genre puts the
        # pillar (政务数字化…, 数据要素…); elsewhere (…现代化基础…) it is a common word.
        scores = {
            name: len(fs) if len(fs) > 1 or any(cleaned.lower().startswith(f) for f in fs) else 0
            for name, fs in shared.items()
        }
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        if ranked and ranked[0][1] > 0 and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
            out.append(Relation(f"unit:{target.id}", "concernsPillar", f"pillar:{ranked[0][0]}", target.segment,
                                "pillar-target"))  # fmt: skip
    return out


# -- one concept, two nodes -----------------------------------------------------------------


def same_names(ctx: Context) -> list[Relation]:
    facts = ctx.facts
    fw = next((f for f in ctx.frameworks if f.name == facts.plan.framework), None)
    if fw is None:
        return []
    by_name = {}
    for m in (m for g in fw.groups for m in g.members):
        by_name[m.zh] = m.name
        by_name[m.en.lower()] = m.name
    out = []
    for ent in facts.entities.values():
        for name in (ent.zh, ent.en.lower() if ent.en else ""):
            if name and name in by_name:
                where = facts.plan.framework_segment or facts.plan.segment
                out.append(Relation(f"entity:{ent.key}", "skos:exactMatch", f"pillar:{by_name[name]}", where,
                                    "same-name"))  # fmt: skip
                break
    return out
