"""The plan phase: title, short name, issuers, date, news agency.

A plan report announces its plan with an issue verb and a title (国务院印发《…》, "the
State Council issued the … Plan"). The title is found wherever that sentence stands:
after a headline, a 原标题 line, an edition line or site navigation.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter

from kg.extract.context import Context
from kg.extract.entities import EN_QUOTE_RE, TITLE_RE, entity_for_en_name, entity_for_name
from kg.extract.vocab import alternation
from kg.text import Paragraph, Sentence, Span


def dateline_re(words: dict) -> re.Pattern:
    """新华社北京2月27日电, 人民网北京3月4日电: an agency (a name ending as one does), a place,
    a date (``words``: the genre's Chinese words)."""
    return _dateline_re(tuple(words["agency_suffixes"]))


@functools.cache
def _dateline_re(suffixes: tuple[str, ...]) -> re.Pattern:
    return re.compile(
        rf"(?P<agency>[\u4e00-\u9fff]{{1,6}}(?:{alternation(list(suffixes))}))(?P<place>[\u4e00-\u9fff]{{2,4}}?)"
        r"(?:(?P<y>\d{4})年)?(?P<m>\d{1,2})月(?P<d>\d{1,2})日电"
    )


# A parenthesis before an issuer: the reporters after a dateline, （记者张三）.
_ASIDE = re.compile(r"[（(][^（）()]*[）)]")
FULL_DATE_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)(?:年|-|/|\.)(\d{1,2})(?:月|-|/|\.)(\d{1,2})(?!\d)")
ALIAS_RE = re.compile(r"以下简称[“《\"]([^”》\"]{1,20})[”》\"]")
EN_ALIAS_RE = re.compile(r"hereinafter referred to as (?:the )?[\"“]([^\"”]{1,40})[\"”]", re.IGNORECASE)
MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?P<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
EN_DATELINE_RE = re.compile(rf"^[A-Z][A-Za-z.]+(?:\.com)?,?\s+{_MONTH}\s+(?P<d>\d{{1,2}})\b(?!,?\s*\d{{4}})")
EN_FULL_DATE_RE = re.compile(
    rf"\b{_MONTH}\s+(?P<d>\d{{1,2}}),\s*(?P<y>(?:19|20)\d\d)\b"  # March 4, 2026
    rf"|\b(?P<d2>\d{{1,2}})\s+{_MONTH.replace('mon>', 'mon2>')}\s+(?P<y2>(?:19|20)\d\d)\b"  # 4 March 2026
)
HEAD_PARAGRAPHS = 8  # how far into a report its lead may stand


def run(ctx: Context) -> None:
    ctx.rules.plan(ctx)
    plan = ctx.facts.plan
    if not plan.segment:
        p, s = next(ctx.sentences())
        plan.segment = ctx.sentence_segment(p, s).id
        ctx.facts.notes.append("no plan title found")
    if not plan.issuers:
        ctx.facts.notes.append("no issuer found")


# -- Chinese -----------------------------------------------------------------------------


def read_chinese(ctx: Context) -> None:
    w = ctx.words
    verbs = alternation(w["issue_verbs"])
    heads = tuple(w["plan_heads"])
    issued = re.compile(rf"(?:{verbs})了?$")
    # A verb right before the title: only that many characters are read (all the text before
    # each title was read, quadratic in a sentence of thousands of titles).
    reach = max(map(len, w["issue_verbs"]), default=0) + 1
    titles: list[tuple[Paragraph, Sentence, re.Match, bool]] = []
    for p, s in ctx.sentences():
        for m in TITLE_RE.finditer(s.span.text):
            before = s.span.text[max(0, m.start() - reach) : m.start()]
            titles.append((p, s, m, bool(issued.search(before))))
    plan = ctx.facts.plan

    def names_a_plan(title: str) -> bool:
        bare = re.sub(r"[（(][^（）()]*[）)]$", "", title)
        return bare.endswith(heads) and bare not in heads

    chosen = next(((p, s, m) for p, s, m, iss in titles if iss and names_a_plan(m.group(1))), None)
    if chosen is None:  # the title the short name refers back to: 《X》（以下简称《规划》）
        chosen = next(
            ((p, s, m) for p, s, m, _ in titles if ALIAS_RE.match(s.span.text[m.end() : m.end() + 64].lstrip("（("))),
            None,
        )
    if chosen is None:
        counts = Counter(m.group(1) for _, _, m, _ in titles if names_a_plan(m.group(1)))
        if counts:
            best = counts.most_common(1)[0][0]
            chosen = next((p, s, m) for p, s, m, _ in titles if m.group(1) == best)
    if chosen is None:
        return
    p, s, m = chosen
    title = m.group(1)
    plan.title_zh = title
    plan.segment = ctx.part_segment(p, s, Span(s.span.start + m.start(1), s.span.start + m.end(1), title)).id
    if s.en:
        em = EN_QUOTE_RE.search(s.en_text)
        plan.title_en = em.group(1) if em else ""
    for _, t, tm, iss in titles:
        if tm.group(1) != title:
            continue
        am = ALIAS_RE.search(t.span.text, tm.end())
        if am and not plan.alias:
            plan.alias = am.group(1)
        if iss and not plan.issuers:
            plan.issuers = _zh_issuers(ctx, t, tm)
    if not plan.issuers:
        plan.issuers = _notice_issuers(ctx, title)
    if not plan.alias:
        short = next(
            (h for h in sorted(heads, key=len, reverse=True) if re.sub(r"[（(].*$", "", title).endswith(h)), ""
        )
        if short and f"《{short}》" in ctx.doc.text:
            plan.alias = short
    _zh_date(ctx, p.number)
    _cues(ctx)


def _zh_issuers(ctx: Context, s: Sentence, m: re.Match) -> list[str]:
    """The bodies named before the issue verb: 中共中央、国务院印发, 中办国办印发, 国务院办公厅日前印发."""
    w = ctx.words
    text = s.span.text[: m.start()]
    text = re.sub(rf"(?:{alternation(w['issue_verbs'])})了?$", "", text)
    text = re.sub(rf"(?:{alternation(w['notice_openers'])})$", "", text)  # …办公厅关于印发《…》的通知
    chunks = re.split(r"[,，;；:：。 ]", text)
    text = chunks.pop()
    # Bodies set apart by a space before it (中共中央办公厅 国务院办公厅印发): each whole chunk
    # the lexicon knows as a body, back to the first it does not (the dateline).
    while chunks and (term := ctx.lex.forms.get(chunks[-1])) is not None and "Organization" in term.classes:
        text = f"{chunks.pop()}、{text}"
    dm = dateline_re(w).match(text)
    if dm:
        text = text[dm.end() :]
    text = _ASIDE.sub("", text)
    times = sorted(w["time_words"], key=len, reverse=True)
    changed = True
    while changed:
        changed = False
        for word in times:
            if text.endswith(word) and len(text) > len(word):
                text, changed = text[: -len(word)], True
            if text.startswith(word) and len(text) > len(word):
                text, changed = text[len(word) :], True
    return _issuer_keys(ctx, _split_names(ctx, text), s)


def _issuer_keys(ctx: Context, names: list[str], s: Sentence) -> list[str]:
    """The entities of ``names`` that are bodies (the lexicon knows them, or they end as an
    organization does), in order, each once."""
    keys: dict[str, None] = {}  # in order, each once (a list's `in` was quadratic in the names)
    for name in names:
        term = ctx.lex.forms.get(name)
        if term or (len(name) >= 2 and name.endswith(tuple(ctx.words["org_suffixes"]))):
            keys.setdefault(entity_for_name(ctx, name, "Organization", s).key)
    return list(keys)


NOTICE_REACH = 12  # the sentences at the head of a text where a notice's heading is looked for


def _notice_issuers(ctx: Context, title: str) -> list[str]:
    """The bodies that head the notice a plan's full text is published under, when its
    heading names the plan: 国务院关于印发“十四五”数字经济发展规划的通知, 中共中央办公厅
    国务院办公厅关于印发《…》的通知 (its issuers are not before an issue verb right before
    the title, as a news report's are: the notice's body says 现将《…》印发给你们)."""
    w = ctx.words
    heading = re.compile(
        rf"(?P<orgs>[^，,。；;：:]{{2,80}}?)(?:{alternation(w['notice_openers'])})"
        rf"(?:{alternation(w['issue_verbs'])})(?P<title>.+)(?:{alternation(w['notice_heads'])})"
    )
    bare = title.strip("《》")
    for _, s in itertools.islice(ctx.sentences(), NOTICE_REACH):
        m = heading.fullmatch(s.span.text.strip())
        if m and m.group("title").strip("《》") == bare:
            names = [n for part in m.group("orgs").split() for n in _split_names(ctx, part)]
            return _issuer_keys(ctx, names, s)
    return []


def _split_names(ctx: Context, text: str) -> list[str]:
    """Cut a run of names at 、和与及, never inside a name the lexicon knows (工业和信息化部)."""
    names, current, i = [], "", 0
    longest = ctx.lex.longest
    while i < len(text):
        hit = next(
            (text[i : i + n] for n in range(min(longest, len(text) - i), 1, -1) if text[i : i + n] in ctx.lex.forms),
            "",
        )
        if hit and not current:
            names.append(hit)
            i += len(hit)
        elif text[i] in "、和与及暨":
            if current:
                names.append(current)
            current = ""
            i += 1
        else:
            current += text[i]
            i += 1
    if current:
        names.append(current)
    return names


def _zh_date(ctx: Context, lead: int) -> None:
    """A full date in the page's head (an edition or source line before the dateline) wins;
    else the dateline's month and day (新华社北京2月27日电); without a dateline, the date the
    lead opens on (``lead``: its paragraph's number)."""
    plan = ctx.facts.plan
    head = ctx.doc.paragraphs[: lead + HEAD_PARAGRAPHS]
    dateline = None
    dateline_at = dateline_re(ctx.words)
    for p in head:
        dm = dateline_at.match(p.span.text) or next(
            (m for s in p.sentences if (m := dateline_at.match(s.span.text))), None
        )
        if dm:
            dateline = (p, dm)
            break
    for p in head:
        if dateline and p.number >= dateline[0].number:
            break
        if len(p.span.text) > 60:
            continue
        dm = FULL_DATE_RE.search(p.span.text)
        if dm and (date := _iso_date(*map(int, dm.groups()))):
            plan.date = date
            break
    found = None  # the dateline's date, or else the date a lead opens on
    if dateline:
        p, found = dateline
        s = next(t for t in p.sentences if dateline_at.match(t.span.text)) if p.sentences else None
        plan.agency = entity_for_name(ctx, found.group("agency"), "Organization", s).key
        plan.place = found.group("place")
    elif 0 < lead <= len(ctx.doc.paragraphs):  # 3月4日，…印发; 记者3月4日从…获悉
        prefixes = alternation(ctx.words["lead_date_prefixes"])
        opening = rf"(?:{prefixes})?(?:(?P<y>\d{{4}})年)?(?P<m>\d{{1,2}})月(?P<d>\d{{1,2}})日"
        found = re.match(opening, ctx.doc.paragraphs[lead - 1].span.text)
    if found and not plan.date:
        plan.date = _iso_date(found.group("y"), int(found.group("m")), int(found.group("d")))


def _iso_date(year: int | str | None, month: int, day: int) -> str:
    """YYYY-MM-DD, or --MM-DD without a year; "" when the month or the day is none."""
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return ""
    return f"{int(year):04d}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"


def _cues(ctx: Context) -> None:
    """Which paragraphs open with the plan's short name and a statement cue: 《规划》指出，…"""
    plan = ctx.facts.plan
    forms = tuple(f"《{x}》" for x in {plan.title_zh, plan.alias} if x)
    cues = sorted(ctx.words["cues"], key=len, reverse=True)
    for p in ctx.doc.paragraphs:
        if not p.sentences:
            continue
        text = p.sentences[0].span.text
        for form in forms:
            if text.startswith(form):
                rest = text[len(form) :]
                cue = next((c for c in cues if rest.startswith(c)), "")
                if cue:
                    ctx.cues[p.number] = cue
                break


# -- English -----------------------------------------------------------------------------


def read_english(ctx: Context) -> None:
    w = ctx.words
    plan = ctx.facts.plan
    found = _en_title(ctx)
    if found:
        p, s, span = found
        plan.title_en = span.text
        plan.segment = ctx.part_segment(p, s, span).id
    am = EN_ALIAS_RE.search(ctx.doc.text)
    plan.alias = am.group(1) if am else ""
    for _, s in list(ctx.sentences())[:40]:
        names = _en_issuers(w, s.span.text)
        if names:
            plan.issuers = []
            for n in names:
                key = entity_for_en_name(ctx, n).key
                if key not in plan.issuers:
                    plan.issuers.append(key)
            break
    _en_date(ctx)


def _en_title(ctx: Context) -> tuple[Paragraph, Sentence, Span] | None:
    """The plan's name: the noun phrase an issue verb takes ("unveiled an action plan for …"),
    or the subject of a passive one ("The … outline for … was unveiled")."""
    w = ctx.words
    heads = alternation(w["plan_heads"], boundary=True)
    verbs = alternation(w["issue_verbs"], boundary=True)
    breaks = alternation(w["name_breaks"], boundary=True)
    evaluative = alternation(w["evaluative"], boundary=True)
    # A name: optional modifiers (words, quoted words, numbers), a head, an optional complement.
    mod = r"(?:[\"“][^\"”]{1,60}[\"”]|[\w'’-]+)"
    name = rf"(?P<name>(?:{mod}\s+){{0,8}}?{heads}(?:\s*[（(][\d\s–—-]+[）)])?)"
    comp = r"(?P<comp>\s+(?:for|on|of)\s+[^,.;:()\"“”]+?)?"
    quoted = rf"[\"“](?P<q>[^\"”]{{0,120}}?{heads}[^\"”]{{0,80}})[\"”]"
    active = re.compile(
        rf"{verbs}\s+(?:(?:the|a|an|its)\s+)?(?:{quoted}|{name}{comp})(?=\s*(?:[,.;(]|{breaks}|$))", re.IGNORECASE
    )
    passive = re.compile(
        rf"^(?:.*?\s(?:--|—|–)\s+)?(?:(?:the|a|an)\s+)?{name}{comp}\s+(?:was|were|has been|have been)\s+{verbs}",
        re.IGNORECASE,
    )  # after a dateline, if any: "BEIJING, March 4 (Xinhua) -- A plan on … was made public"
    for p, s in ctx.sentences():
        text = s.span.text
        for rx in (active, passive):
            m = rx.search(text)
            if not m:
                continue
            group = "q" if m.groupdict().get("q") else "name"
            start, end = m.start(group), m.end(group)
            if group == "name" and m.group("comp"):
                end = m.end("comp")
            piece = text[start:end]
            em = re.match(rf"(?:{evaluative})\s+", piece, re.IGNORECASE)
            if em:
                start += em.end()
            piece = text[start:end].rstrip()
            if not re.search(heads, piece, re.IGNORECASE):
                continue
            end = start + len(piece)
            return p, s, Span(s.span.start + start, s.span.start + end, piece)
    return None


def _en_issuers(w: dict, text: str) -> list[str]:
    """Bodies named as issuers: "released by A and B", "issued by six authorities, including A,
    B and C", "A and B issued …"."""
    verbs = alternation(w["issue_verbs"], boundary=True)
    collectives = alternation(w["collectives"], boundary=True)
    heads = alternation(w["org_heads"], boundary=True)
    # When: "on Monday", "on March 4", "recently" … between an issuer and its verb, or after it.
    day = rf"on\s+(?:{alternation(w['weekdays'])}|{alternation(w['months'])}\s+\d{{1,2}})"
    filler = rf"(?:{day}|{alternation(w['issuer_fillers'], boundary=True)})"
    m = re.search(rf"{verbs}\s+by\s+(?:[\w-]+\s+)?{collectives},?\s+including\s+(?P<x>.+)", text, re.IGNORECASE)
    if not m:
        m = re.search(rf"{verbs}\s+by\s+(?P<x>.+)", text, re.IGNORECASE)
    if m:
        run = re.split(
            r"[.;:]\s|[.;:]$|,\s+(?=[a-z])(?!the\b|and\b)|\s+(?:in|on|to|with|for|amid)\s+(?=[a-z0-9])", m.group("x")
        )[0]
    else:
        m = re.search(rf"(?P<x>.+?),?\s+(?:{filler}\s+)*{verbs}", text, re.IGNORECASE)
        if not m:
            return []
        subject = re.split(r"\s(?:--|—|–)\s", m.group("x"))[-1]  # after a dateline: "BEIJING, March 3 --"
        # The bodies that end the subject, back over an appositive after them ("The State
        # Council, China's cabinet, has issued"; "China's top economic planner, the National
        # Development and Reform Commission, released").
        kept: list[str] = []
        for chunk in reversed(subject.split(",")):
            chunk = re.sub(r"^\s*(?:and\s+)?(?:the|The)\s+", "", chunk).strip()
            if chunk[:1].isupper() and re.search(heads, chunk) and not re.search(r"['’]s\b", chunk):
                kept.insert(0, chunk)
            elif kept:
                break
        run = ", ".join(kept)
    run = re.sub(r"\s*\((?![A-Z]{2,}\))[^)]*\)", "", run).rstrip(" .;,")
    pieces = [x.strip() for x in re.split(r",\s*(?:and\s+)?|\s+and\s+", run) if x.strip()]
    names: list[str] = []
    current = ""
    for piece in pieces:
        piece = re.sub(r"^(?:the|jointly)\s+", "", piece, flags=re.IGNORECASE).rstrip(" .")
        piece = re.sub(rf"(?:\s+{filler})+$", "", piece, flags=re.IGNORECASE)
        starts_org = piece[:1].isupper() and bool(re.search(heads, piece))
        if re.search(r"['’]s\b", piece) and not (starts_org and not piece.startswith("China")):
            # "China's Cabinet" describes the body before it; "the country's systems …" ends the list
            if piece[:1].islower():
                break
            continue
        if current and re.search(heads, current) and starts_org:
            names.append(current)
            current = piece
        else:  # "Ministry of Industry" and "Information Technology": one name cut at "and"
            current = f"{current} and {piece}" if current else piece
    if current:
        names.append(current)
    return [n for n in names if n[:1].isupper() and re.search(heads, n)]


def _en_date(ctx: Context) -> None:
    plan = ctx.facts.plan
    for p in ctx.doc.paragraphs[:HEAD_PARAGRAPHS]:
        text = p.span.text
        if len(text) <= 100:
            dm = FULL_DATE_RE.search(text)
            if dm and (date := _iso_date(*map(int, dm.groups()))):
                plan.date = date
                return
            em = EN_FULL_DATE_RE.search(text)
            if em:
                month, day, year = (
                    em.group("mon") or em.group("mon2"),
                    em.group("d") or em.group("d2"),
                    em.group("y") or em.group("y2"),
                )
                plan.date = f"{int(year):04d}-{MONTHS[month.lower()[:3]]:02d}-{int(day):02d}"
                return
        dm = EN_DATELINE_RE.match(text)
        if dm:
            mo = MONTHS[dm.group("mon").lower()[:3]]
            plan.date = f"--{mo:02d}-{int(dm.group('d')):02d}"
            return
