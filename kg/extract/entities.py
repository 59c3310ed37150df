"""Entities: names the plan uses (from the lexicon, name patterns and quotes), and which
task, measure, goal or target mentions which of them."""

from __future__ import annotations

import math
import re
from collections.abc import Container

from kg.extract.context import Context
from kg.extract.coverage import Disjoint, Nested
from kg.facts import Entity, Relation, Unit
from kg.genre import load as load_genre
from kg.lexicon import EN_STOPWORDS, ZH_MARKER, Lexicon, Term, content_words
from kg.text import CJK, Paragraph, Sentence

QUOTE_RE = re.compile(r"“([^“”]{1,24})”")
TITLE_RE = re.compile(r"《((?:[^《》]|《[^《》]*》)+)》")
EN_QUOTE_RE = re.compile(r"[\"“]([^\"“”]{1,80})[\"”]")

# The rules for names read their words from ontology/genre.toml ([zh.names]).
_NAMES = load_genre()["zh"]["names"]
SINGLE_CHAR_ORGS = tuple(_NAMES.get("single_char_org_suffixes", []))
ORG_PREFIXES = tuple(_NAMES.get("single_char_org_prefixes", []))
ORG_FOLLOWERS = tuple(_NAMES.get("single_char_org_followers", []))
NOT_ORG_ENDINGS = frozenset(_NAMES.get("not_org_endings", []))
SUFFIX_CLASSES: dict[str, str] = _NAMES["suffix_classes"] | dict.fromkeys(SINGLE_CHAR_ORGS, "Organization")
DOCUMENT_HEADS = tuple(load_genre()["zh"]["plan_heads"]) + tuple(_NAMES.get("document_heads", []))
TOPIC_JOINS = tuple(_NAMES.get("topic_list_joins", []))
STRICT_SUFFIXES: dict[str, int] = _NAMES.get("strict_suffixes", {})
EN_HEADS: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _NAMES["en_heads"].items()}
_SUFFIXES = tuple(sorted(SUFFIX_CLASSES, key=len, reverse=True))
_SUFFIX_RE = re.compile("|".join(map(re.escape, _SUFFIXES)))
LEAD_WORDS = sorted(set(_NAMES["lead_words"].split()), key=len, reverse=True)
GENERIC_STEMS = set(_NAMES["generic_stems"])
NAME_FOLLOWERS = _NAMES["followers"]
FOLLOWER_WORDS = tuple(_NAMES.get("follower_words", []))
NAME_BREAKS = _NAMES["breaks"]
INNER_BREAKS = _NAMES.get("inner_breaks", [])
MODALS = tuple(_NAMES.get("modals", []))
LEAD_VERBS = tuple(w for w in LEAD_WORDS if len(w) >= 2)  # 要夯实 is a modal; 应对 is a word


# -- entities -------------------------------------------------------------------------


def add_lexicon_entity(ctx: Context, term: Term) -> Entity:
    entities = ctx.facts.entities
    if term.key not in entities:
        entities[term.key] = Entity(
            key=term.key,
            zh=term.zh,
            en=term.en,
            cls=term.classes[0],
            classes=term.classes,
            en_source="lexicon",
            origin="lexicon",
            note=term.note,
            alt=tuple(("zh", v) for v in term.variants if v != term.zh)
            + tuple(("en", v) for v in term.en_variants if v != term.en),
        )
    return entities[term.key]


def add_entity(
    ctx: Context, name: str, cls: str, origin: str, s: Sentence | None, en_hint: str = "", windows=None
) -> Entity:
    """A named entity the lexicon lacks; its English from the aligned text, else composed.

    A Chinese name whose English can only be composed partly keeps no English label:
    a label the text does not give is left out rather than invented.
    """
    entities = ctx.facts.entities
    if name in entities:
        return entities[name]
    en, source = "", ""
    if en_hint:
        en, source = en_hint, "aligned-text"
    elif s is not None and s.en and windows is not None:
        en = windows(s).get(name, "")
        source = "aligned-text" if en else ""
    if not en:
        en, complete = ctx.lex.translate(name)
        source = "composed" if complete else ""
        if not complete:
            en = ""
    entities[name] = Entity(key=name, zh=name, en=en, cls=cls, classes=(cls,), en_source=source, origin=origin)
    return entities[name]


def entity_for_name(ctx: Context, name: str, cls: str, s: Sentence | None) -> Entity:
    term = ctx.lex.forms.get(name)
    if term:
        return add_lexicon_entity(ctx, term)
    return add_entity(ctx, name, cls, "pattern", s)


def entity_for_en_name(ctx: Context, name: str) -> Entity:
    name = re.sub(r"^the\s+", "", name.strip(), flags=re.IGNORECASE)
    bare = re.sub(r"\s*\([^)]*\)$", "", name)
    term = ctx.lex.en_forms.get(name.lower()) or ctx.lex.en_forms.get(bare.lower())
    if term:
        return add_lexicon_entity(ctx, term)
    entities = ctx.facts.entities
    if name not in entities:
        entities[name] = Entity(
            key=name, zh="", en=name, cls="Organization", en_source="aligned-text", origin="pattern"
        )
    return entities[name]


# -- mentions --------------------------------------------------------------------------


def run(ctx: Context) -> None:
    """Each unit's mentions: the names in its own text."""
    windows_cache: dict[int, dict[str, str]] = {}

    def windows(s: Sentence) -> dict[str, str]:
        if id(s) not in windows_cache:
            names = [(a, n) for a, _, n in suffix_names(s.span.text, ctx.lex.forms) if n not in ctx.lex.forms]
            windows_cache[id(s)] = english_windows(names, len(s.span.text), s.en_text, ctx.lex)
        return windows_cache[id(s)]

    covered: set[int] = set()  # the sentences some unit's text lies in
    for unit in ctx.facts.units:
        p, s = ctx.sentence_of(unit.segment)
        covered.add(id(s))
        seg = ctx.facts.segments[unit.segment]
        text = ctx.doc.text[seg.start : seg.end]
        unit.mentions = sorted(set(ctx.rules.mentions(ctx, unit, text, p, s, windows)))
    # The sentences no unit holds (the preamble, the statements around the sections) name
    # things too: the plan mentions them, each with the sentence that does.
    for p, s in ctx.sentences():
        if id(s) in covered:
            continue
        text = ctx.doc.text[s.span.start : s.span.end]
        probe = Unit(id="", kind="Statement", zh=text, en=s.en_text if ctx.lang == "zh" else text, segment="")
        keys = sorted(set(ctx.rules.mentions(ctx, probe, text, p, s, windows)))
        if keys:
            seg = ctx.sentence_segment(p, s)
            ctx.facts.relations += [Relation("plan", "mentions", f"entity:{k}", seg.id, "plan-text") for k in keys]


def sentence_quotes(ctx: Context, s: Sentence) -> tuple[dict[str, int], int, list[str]]:
    """The quoted names of a sentence (each → where it is first quoted), how many quotes it
    has, and the quotes of its English: read once per sentence (the cache keeps the sentence,
    so its id is not reused), where reading them for each of its units grew with the square
    of their number (a task sentence of 4,000 clauses)."""
    found = ctx.quotes.get(id(s))
    if found is None:
        quoted = QUOTE_RE.findall(s.span.text)
        first: dict[str, int] = {}
        for k, name in enumerate(quoted):
            first.setdefault(name, k)
        found = ctx.quotes[id(s)] = (first, len(quoted), list(EN_QUOTE_RE.findall(s.en_text)) if s.en else [], s)
    return found[0], found[1], found[2]


def chinese_mentions(ctx: Context, unit: Unit, text: str, p: Paragraph, s: Sentence, windows) -> list[str]:
    """Quoted names, names ending in a known suffix and lexicon terms in the unit's text."""
    lex = ctx.lex
    keys = []
    taken = Disjoint(len(text))
    zh_quotes, zh_count, en_quotes = sentence_quotes(ctx, s)
    # Names: quoted names and names ending in a known suffix, longest first.
    names: list[tuple[int, int, str, str, str]] = []
    for m in QUOTE_RE.finditer(text):
        name = m.group(1)
        if name in ctx.excluded_quotes or re.fullmatch(r"[\d.%]+|十[一二三四五六七八九]五", name):
            continue
        hint = ""
        if name in zh_quotes and len(en_quotes) == zh_count:
            hint = en_quotes[zh_quotes[name]]
        names.append((m.start(1), m.end(1), name, "quote", hint))
    plan = ctx.facts.plan
    for m in TITLE_RE.finditer(text):
        if cited_document(m.group(1), plan.title_zh, plan.alias):
            names.append((m.start(1), m.end(1), m.group(1), "title", ""))
    title = plan.title_zh
    for start, end, name in suffix_names(text, lex.forms):
        if title and name in title:
            continue  # the plan itself (…国家科技创新规划 in 《“十三五”国家科技创新规划》), not a thing it names
        names.append((start, end, name, "pattern", ""))
    for start, end, name, origin, hint in sorted(names, key=lambda x: (-(x[1] - x[0]), x[0])):
        if taken.overlaps(start, end):
            continue
        taken.add(start, end)
        term = lex.forms.get(name) or next(
            (lex.forms[name[i:]] for i in range(1, len(name) - 3) if origin == "pattern" and name[i:] in lex.forms),
            None,
        )
        if term:
            keys.append(add_lexicon_entity(ctx, term).key)
        elif origin == "quote":
            keys.append(add_entity(ctx, name, "Initiative", "quote", s, hint, windows).key)
        elif origin == "title":
            keys.append(add_entity(ctx, name, "LegalInstrument", "title", s, "", windows).key)
        else:
            suffix = _SUFFIX_RE.findall(name)[-1]
            keys.append(add_entity(ctx, name, SUFFIX_CLASSES[suffix], "pattern", s, "", windows).key)
    # Lexicon terms, longest first; glossary words only block shorter matches.
    lex_taken = Disjoint(len(text))
    longest = lex.longest
    candidates = []
    for i in range(len(text)):
        for n in range(min(longest, len(text) - i), 1, -1):
            piece = text[i : i + n]
            if piece in lex.forms:
                candidates.append((i, i + n, lex.forms[piece]))
            elif piece in lex.gloss:
                candidates.append((i, i + n, None))
    for start, end, term in sorted(candidates, key=lambda x: (-(x[1] - x[0]), x[2] is None, x[0])):
        if lex_taken.overlaps(start, end):
            continue
        lex_taken.add(start, end)
        # A term inside a longer name (大数据 in 国家文化大数据体系) is part of that name, not a
        # mention of its own; the unit mentions it when it also stands alone in the text, or
        # when the name opens on it and goes on with a list (网络安全 in 网络安全法律法规和政策体系).
        inside = taken.holder(start, end)
        if term is not None and (inside is None or (inside[0] == start and _is_topic(text[end : inside[1]]))):
            keys.append(add_lexicon_entity(ctx, term).key)
    return keys


def _is_topic(rest: str) -> bool:
    """Whether what follows a term inside a name is a list of kinds the term is the topic of
    (法律法规和政策体系: short words joined by 和), not a phrase that holds 与 (参与分配机制)."""
    parts = re.split("|".join(map(re.escape, TOPIC_JOINS)), rest) if TOPIC_JOINS else [rest]
    return len(parts) >= 2 and all(2 <= len(p) <= 4 for p in parts)


def cited_document(title: str, plan_title: str, alias: str) -> bool:
    """Whether 《title》 names another document: not the plan itself or its short name, not a bare
    document word (《规划》), and ending like a document (法, 条例, 规划 …), which 《人民日报》 does not."""
    if title in (plan_title, alias) or title in DOCUMENT_HEADS or len(title) < 3:
        return False
    return title.endswith(DOCUMENT_HEADS)


def english_mentions(ctx: Context, unit: Unit, text: str, p: Paragraph, s: Sentence, windows) -> list[str]:
    """Lexicon terms in the unit's English label."""
    keys = []
    low = unit.en.lower()
    taken = Nested()
    # Longest first: a term inside a longer one ("network security" in "Central Committee for
    # Network Security and …") is part of that name, as in Chinese.
    for en, term in sorted(ctx.lex.en_forms.items(), key=lambda kv: (-len(kv[0]), kv[0])):
        if en not in low:
            continue  # most forms: no pattern made and run for them (1,000 English tasks read in 1.07 s, now 0.20)
        for m in re.finditer(rf"(?<![a-z0-9]){re.escape(en)}(?![a-z0-9])", low):
            if not taken.holds(m.start(), m.end()):
                keys.append(add_lexicon_entity(ctx, term).key)
            taken.add(m.start(), m.end())
    return keys


# -- names by pattern -------------------------------------------------------------------


def _strip_lead(name: str) -> str:
    changed = True
    while changed and name:
        changed = False
        marker = ZH_MARKER.match(name)  # 二是构建…: a list marker opens no name
        if marker and len(name) > marker.end():
            name = name[marker.end() :]
            changed = True
            continue
        if name.startswith(MODALS) and name[1:].startswith(LEAD_VERBS):
            name = name[1:]  # 要夯实…, 应加快…: a modal before a lead verb (not 要素)
            changed = True
            continue
        for w in LEAD_WORDS:
            if name.startswith(w) and len(name) > len(w):
                name = name[len(w) :]
                changed = True
                break
    return name


def suffix_names(text: str, known: Container[str] = ()) -> list[tuple[int, int, str]]:
    """Names ending in 平台/体系/机制/…: from the suffix back to a clause break, 的, or a lead verb."""
    out = []
    for m in _SUFFIX_RE.finditer(text):
        end = m.end()
        follower = text[end : end + 1]
        goes_on = follower and CJK.match(follower) and follower not in NAME_FOLLOWERS
        followers = FOLLOWER_WORDS + (ORG_FOLLOWERS + LEAD_VERBS if m.group() in SINGLE_CHAR_ORGS else ())
        if _SUFFIX_RE.match(text, end) or (goes_on and not text.startswith(followers, end)):
            continue  # 体制机制, 体系化, 体制改革: the name goes on
        start = end - len(m.group())
        # Look back at most 40 characters: a name is never longer, and the scan stays linear.
        limit = max(0, start - 40)
        while start > limit and text[start - 1] not in NAME_BREAKS:
            start -= 1
        name = text[start:end]
        cut = max((name.rfind(w) + len(w) for w in INNER_BREAKS if w in name), default=0)
        name = _strip_lead(name[cut:])
        head, joined, tail = name.partition("和")
        if joined and head in known and tail:
            name = tail  # 数字基础设施和数据资源体系: a known term, then the name
        start = end - len(name)
        if m.group() in SINGLE_CHAR_ORGS and (not name.startswith(ORG_PREFIXES) or name[-2:] in NOT_ORG_ENDINGS):
            continue  # 国家数据局 is a body; 新发展格局, 中西部 are not
        if m.group() in STRICT_SUFFIXES:
            cut = max((name.rfind(w) + len(w) for w in LEAD_VERBS if w in name[1:]), default=0)
            name = name[cut:]
            start = end - len(name)
            if len(name) > STRICT_SUFFIXES[m.group()] or re.search(r"\d", name):
                continue  # 科学合理提高最低工资标准 is a level, not a standard
        stem = name
        while stem.endswith(_SUFFIXES):
            stem = stem[: -len(next(x for x in _SUFFIXES if stem.endswith(x)))]
        if len(stem) < 2 or stem in GENERIC_STEMS:
            continue
        if re.search("[和与及]", stem) and any(stem.endswith(g) for g in GENERIC_STEMS):
            continue  # 重大任务和重大工程: a list of generic words, not a name
        if stem.endswith(tuple(TOPIC_JOINS)):
            continue  # 制度和标准: kinds of thing in a list, no name
        out.append((start, end, name))
    # 数字化标准 inside 数字化标准工作指南 (工作 may follow a name): the longer name only.
    kept, reach = [], -1
    for n in sorted(set(out), key=lambda n: (n[0], -n[1])):
        if n[1] > reach:
            kept.append(n)
            reach = n[1]
    return sorted(kept, key=lambda n: n[1])


# How far from its proportional place in the English a name's window may start, in words:
# a translation keeps the order of the names, so their English lies near it. A sentence of
# up to this many words is searched whole.
WINDOW_BAND = 100


def english_windows(names: list[tuple[int, str]], zh_length: int, en: str, lex: Lexicon) -> dict[str, str]:
    """For the names of one sentence (each with its offset in the sentence's ``zh_length``
    characters), the windows of its English that best match their glossary translations;
    the best-matching name chooses first, and no two names share a window (so a name never
    takes its neighbour's English).

    Each name looks within WINDOW_BAND words of its proportional place, and each window's
    words are the last one's and one more: searching every window of the sentence for every
    name grew with names × words (400 names in a sentence took 22 s)."""
    words = re.findall(r"[A-Za-z][A-Za-z'-]*|\d+", en)
    lowered = [w.lower() for w in words]
    stems = [content_words(w) for w in words]  # a window's content words: its words' together
    candidates = []
    for offset, name in names:
        want = content_words(lex.translate(name)[0])
        suffix = next((sfx for sfx in sorted(EN_HEADS, key=len, reverse=True) if name.endswith(sfx)), "")
        heads = EN_HEADS.get(suffix, ())
        if not want:
            continue
        centre = offset * len(words) / max(1, zh_length)
        first = max(0, math.floor(centre) - WINDOW_BAND)
        for i in range(first, min(len(words), math.ceil(centre) + WINDOW_BAND + 1)):
            if lowered[i] in EN_STOPWORDS:
                continue
            have: set[str] = set()
            headed = not heads
            best = 0.4  # the least score a window must have
            for j in range(i + 1, min(len(words), i + len(want) + 5) + 1):
                last = lowered[j - 1]
                have |= stems[j - 1]
                headed = headed or last.startswith(heads)
                if not headed or last in EN_STOPWORDS:
                    continue
                score = len(want & have) / len(want | have) if have else 0.0
                # A longer window from i that scores no better never wins: the shorter one
                # comes first, and if another name's window overlaps it, it overlaps the
                # longer one too.
                if score >= best:
                    candidates.append((-score, j - i, i, name, j))
                    best = math.nextafter(score, 1.0)
    chosen: dict[str, str] = {}
    taken = Disjoint(len(words))
    for _, _, i, name, j in sorted(set(candidates)):
        if name in chosen or taken.overlaps(i, j):
            continue
        chosen[name] = " ".join(words[i:j])
        taken.add(i, j)
    return chosen
