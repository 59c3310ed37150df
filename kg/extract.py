"""Rules that turn a segmented plan report into plain facts.

The rules are about the genre, not about one plan: a title in 《》, issuers before
印发, a news dateline, statement cues (指出/强调/提出/明确), enumerations
(一是…二是…), target years (到2025年), a framework sentence with quoted,
numbered groups, a strategic path (按照…的战略路径), named things ending in
平台/体系/机制/…, and quoted initiative names. Vocabulary comes from the lexicon.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterable

from kg.errors import KGError
from kg.facts import DocumentFacts, Entity, PathStep, Plan, Section, Segment, Unit
from kg.framework import FrameworkDef, GroupDef, PillarDef
from kg.lexicon import (
    EN_STOPWORDS,
    Lexicon,
    anchor_scorer,
    content_words,
    en_marker,
    zh_marker,
    zh_number,
)
from kg.text import CJK, Document, Paragraph, Sentence, Span, align, split_clauses

# -- vocabulary of the genre (grammar words, not facts about any plan) ---------

CUES = ("指出", "强调", "提出", "明确", "要求", "部署", "描绘", "确立", "围绕", "从")
EN_CUES = re.compile(
    r"^(?:According to the \w+,?|The \w+ (?:points out|emphasizes|emphasises|proposes|specifies|states|stresses|"
    r"makes clear|clarifies|requires|puts forward|sets out)(?: the need)?(?: that| to)?)\s*",
    re.IGNORECASE,
)
ISSUE_VERBS = "印发|发布|颁布|出台|公布|印发实施"
TIME_WORDS = ("近日", "日前", "近期", "今天", "今日", "日")
GUARANTEE_CUES = ("保障", "落到实处", "组织实施", "抓好落实", "贯彻落实")
EN_GUARANTEE_CUES = ("into practice", "safeguard", "guarantee", "implementation")
PATH_RE = re.compile(r"(?:按照|遵循|沿着)([^,，;；。]+?)的(?:战略路径|总体路径|实施路径|推进路径|发展路径)")
YEAR_RE = re.compile(r"到(\d{4})年")
EN_YEAR_RE = re.compile(r"\b[Bb]y (\d{4})\b,?\s*")
FYP_RE = re.compile(r"“?(十[一二三四五六七八九]五)”?")
GOAL_CUE_RE = re.compile(r"(?:总体目标|主要目标|发展目标|奋斗目标)")
ASPECTS_RE = re.compile(
    r"从(?P<items>.+?)等?(?P<n>[一二三四五六七八九十两\d]+)(?:个)?方面(?:提出了?|作出了?|部署了?)?"
    r"(?P<what>保障措施|重点任务|主要任务|任务)"
)
QUOTE_RE = re.compile(r"“([^“”]{1,24})”")
TITLE_RE = re.compile(r"《((?:[^《》]|《[^《》]*》)+)》")
EN_QUOTE_RE = re.compile(r"[\"“]([^\"“”]{1,80})[\"”]")
DATELINE_RE = re.compile(
    r"^(?P<agency>[\u4e00-\u9fff]{1,6}社)(?P<place>[\u4e00-\u9fff]{2,4}?)"
    r"(?:(?P<y>\d{4})年)?(?P<m>\d{1,2})月(?P<d>\d{1,2})日电"
)
PREPOSITIONS = ("在", "以", "按照", "对", "为", "通过", "围绕", "根据", "依托", "面向", "针对", "结合", "从")

# Suffixes that end a name, and the class a name ending so belongs to.
SUFFIX_CLASSES = {
    "平台": "Platform",
    "体系": "System",
    "机制": "Mechanism",
    "制度": "Mechanism",
    "体制": "Mechanism",
    "战略": "Strategy",
    "行动": "Initiative",
    "中心": "Facility",
    "基地": "Facility",
    "数据库": "DataResource",
    "资源库": "DataResource",
    "委员会": "Organization",
    "机构": "Organization",
    "峰会": "Event",
}
EN_HEADS = {
    "平台": ("platform",),
    "体系": ("system", "framework"),
    "机制": ("mechanism",),
    "制度": ("system", "institution", "regime"),
    "体制": ("system", "institution"),
    "战略": ("strategy", "strategies"),
    "行动": ("action", "initiative", "campaign", "operation"),
    "中心": ("centre", "center"),
    "基地": ("base",),
    "数据库": ("database",),
    "资源库": ("repositor", "database"),
    "委员会": ("commission", "committee"),
    "机构": ("institution", "agenc", "bodies", "body"),
    "峰会": ("summit",),
}
_SUFFIXES = tuple(sorted(SUFFIX_CLASSES, key=len, reverse=True))
_SUFFIX_RE = re.compile("|".join(map(re.escape, _SUFFIXES)))
# Words that open a clause before the name it acts on: verbs, adverbs, quantifiers.
LEAD_WORDS = sorted(
    set(
        """加快 推进 推动 建设 建立 健全 完善 构建 打造 形成 实施 开展 发挥 参与 搭建 编制 制定 修订 优化
        提升 强化 加强 培育 发展 支持 引导 促进 提高 增强 拓展 运用 依托 利用 创新 规范 办好 举办 统筹
        布局 培养 鼓励 探索 围绕 普及 倡导 筑牢 构筑 打通 畅通 释放 研究 部署 汇聚 维护 净化 调整 落实
        深化 扩大 保障 用好 整合 贯彻 坚持 引领 做强 做优 做大 壮大 夯实 赋能 实现 提供 加大 设立 组建
        及时 积极 大力 深入 全面 切实 充分 高质量 系统 整体 着力 持续 不断 进一步 有效 共同 重点 率先
        稳步 逐步 统一 集中 认真 建立健全 深入实施 加快建设 加快构建 加快推进 加快建立
        一批 若干 各类 各级 一系列 多个 一些 有关 相关 系列 专项 各 以 在 对 为 将 把 从 向 与 和 及""".split()
    ),
    key=len,
    reverse=True,
)
GENERIC_STEMS = {"重大", "重要", "相关", "有关", "各项", "主要", "总体", "整体", "良好", "重点", "新型", "各类"}
# What may follow a name: anything but a Chinese character, or one of these words.
NAME_FOLLOWERS = "的和与及等为更是在将已均也都"
NAME_BREAKS = "的之等、“”‘’《》（）()「」，,；;：:。 "


_ITEM_KIND = {"tasks": "Task", "guarantees": "Guarantee"}


class _Alias:
    """How the text refers to the plan after introducing it (《规划》)."""

    def __init__(self, title: str, alias: str) -> None:
        self.forms = tuple(f"《{x}》" for x in {title, alias} if x)

    def cue(self, text: str) -> str:
        for form in self.forms:
            if text.startswith(form):
                rest = text[len(form) :]
                for cue in CUES:
                    if rest.startswith(cue):
                        return cue
        return ""


def _similarity(a: str, b: str) -> float:
    """Character-bigram overlap, with a bonus for containment: cheap and script-agnostic."""
    if not a or not b:
        return 0.0
    if b in a or a in b:
        return 3.0 + min(len(a), len(b)) / 10
    ba = {a[i : i + 2] for i in range(len(a) - 1)}
    bb = {b[i : i + 2] for i in range(len(b) - 1)}
    return len(ba & bb) / max(1, min(len(ba), len(bb)))


class Extractor:
    """One pass over one document; collects segments, entities and units."""

    def __init__(self, doc: Document, lex: Lexicon, frameworks: Iterable[FrameworkDef], raw: bytes) -> None:
        self.doc = doc
        self.lex = lex
        self.frameworks = list(frameworks)
        self.sha256 = hashlib.sha256(raw).hexdigest()
        self.segments: dict[str, Segment] = {}
        self.entities: dict[str, Entity] = {}
        self.units: list[Unit] = []
        self.sections: list[Section] = []
        self.path_steps: list[PathStep] = []
        self.zh = doc.layout != "en"
        self.excluded_quotes: set[str] = set()
        self.anchors = anchor_scorer(lex)
        self.en_windows: dict[int, dict[str, str]] = {}  # per sentence: its names' English

    # -- segments ----------------------------------------------------------

    def sentence_segment(self, p: Paragraph, s: Sentence, cue: str = "") -> Segment:
        sid = f"p{p.number}-s{s.number}"
        if sid not in self.segments:
            en = s.en
            self.segments[sid] = Segment(
                id=sid,
                kind="sentence",
                paragraph=p.number,
                sentence=s.number,
                start=s.span.start,
                end=s.span.end,
                text=s.span.text,
                lang=p.lang,
                en=s.en_text,
                en_start=en[0].start if en else -1,
                en_end=en[-1].end if en else -1,
                cue=cue,
            )
        return self.segments[sid]

    def part_segment(self, p: Paragraph, s: Sentence, span: Span, cue: str = "") -> Segment:
        """A clause-level segment: the exact span, its sentence's English, a link to the sentence."""
        parent = self.sentence_segment(p, s, cue)
        if (span.start, span.end) == (s.span.start, s.span.end):
            return parent
        sid = f"{parent.id}-c{span.start - s.span.start}-{span.end - s.span.start}"
        if sid not in self.segments:
            self.segments[sid] = Segment(
                id=sid,
                kind="clause",
                paragraph=p.number,
                sentence=s.number,
                start=span.start,
                end=span.end,
                text=span.text,
                lang=p.lang,
                en=parent.en,
                en_start=parent.en_start,
                en_end=parent.en_end,
                cue=cue,
                parent=parent.id,
            )
        return self.segments[sid]

    # -- the whole document --------------------------------------------------

    def run(self) -> DocumentFacts:
        plan = self.find_plan()
        alias = _Alias(plan.title_zh, plan.alias)
        cues = {p.number: alias.cue(p.sentences[0].span.text) if p.sentences else "" for p in self.doc.paragraphs}
        for p in self.doc.paragraphs:
            if cues[p.number]:
                for s in p.sentences:
                    self.sentence_segment(p, s, cues[p.number])
        groups = self.find_framework(plan, cues)
        self.find_path(cues)
        self.find_sections(cues)
        self.find_aspect_lists(cues)
        self.assign_pillars(groups)
        self.find_goals(cues)
        self.find_principles(cues)
        self.find_mentions()
        return DocumentFacts(
            slug=self.doc.slug,
            path=self.doc.path,
            layout=self.doc.layout,
            sha256=self.sha256,
            text=self.doc.text,
            plan=plan,
            segments=dict(sorted(self.segments.items(), key=lambda kv: (kv[1].start, kv[1].end, kv[0]))),
            entities=dict(sorted(self.entities.items())),
            units=self.units,
            sections=self.sections,
            path_steps=self.path_steps,
        )

    # -- the plan -----------------------------------------------------------

    def find_plan(self) -> Plan:
        paragraphs = self.doc.paragraphs
        if self.zh:
            for p in paragraphs[:4]:
                for s in p.sentences:
                    m = TITLE_RE.search(s.span.text)
                    if m:
                        return self._plan_from_title(p, s, m)
            raise KGError(f"{self.doc.path}: no plan found: no title in 《》 near the start of the text")
        for p in paragraphs[:4]:
            for s in p.sentences:
                m = EN_QUOTE_RE.search(s.span.text)
                if m and re.search(r"\b(Plan|Programme|Program|Outline|Strategy|Opinions)\b", m.group(1)):
                    return self._plan_from_en_title(p, s, m)
        raise KGError(f'{self.doc.path}: no plan found: no quoted "… Plan" title near the start of the text')

    def _plan_from_title(self, p: Paragraph, s: Sentence, m: re.Match) -> Plan:
        title = m.group(1)
        seg = self.part_segment(p, s, Span(s.span.start + m.start(1), s.span.start + m.end(1), title))
        en_title = ""
        if s.en:
            em = EN_QUOTE_RE.search(s.en_text)
            en_title = em.group(1) if em else ""
        plan = Plan(title_zh=title, title_en=en_title or self.lex.translate(title)[0], alias="", segment=seg.id)
        # The lead: dateline, alias, and issuers (from the headline or the lead sentence).
        for q in self.doc.paragraphs[: p.number + 2]:
            for t in q.sentences:
                text = t.span.text
                am = re.search(r"以下简称[“《]([^”》]+)[”》]", text)
                if am and not plan.alias:
                    plan.alias = am.group(1)
                dm = DATELINE_RE.match(text)
                if dm and not plan.agency:
                    plan.agency = self.entity_for_name(dm.group("agency"), "Organization", q, t).key
                    plan.place = dm.group("place")
                    month, day = int(dm.group("m")), int(dm.group("d"))
                    plan.date = (
                        f"{dm.group('y')}-{month:02d}-{day:02d}" if dm.group("y") else f"--{month:02d}-{day:02d}"
                    )
                if not plan.issuers and f"《{title}》" in text:
                    plan.issuers = self._issuers(q, t, title)
        return plan

    def _issuers(self, p: Paragraph, s: Sentence, title: str) -> list[str]:
        text = s.span.text
        m = re.search(rf"(?:{ISSUE_VERBS})了?《{re.escape(title)}》", text)
        if not m:
            return []
        before = re.split(r"[,，;；:：。 ]", text[: m.start()])[-1]
        for word in TIME_WORDS:
            before = before.removesuffix(word)
        names = [n for n in re.split(r"[、和与及]", before) if len(n) >= 2]
        return [self.entity_for_name(n, "Organization", p, s).key for n in names]

    def _plan_from_en_title(self, p: Paragraph, s: Sentence, m: re.Match) -> Plan:
        title = m.group(1)
        seg = self.part_segment(p, s, Span(s.span.start + m.start(1), s.span.start + m.end(1), title))
        plan = Plan(title_zh="", title_en=title, alias="", segment=seg.id)
        im = re.search(
            r"(?:^|\)\s*|,\s*)(?:Recently,?\s*)?(?:the\s+)?([A-Z][^,\"]*?)\s+(?:issued|released|published)\b",
            s.span.text,
        )
        if im:
            names = re.split(r",\s*|\s+and\s+(?:the\s+)?", im.group(1))
            plan.issuers = [self.entity_for_en_name(n.strip(), p, s).key for n in names if n.strip()]
        am = re.search(r'hereinafter referred to as (?:the )?"([^"]+)"', self.doc.text)
        plan.alias = am.group(1) if am else ""
        return plan

    def entity_for_name(self, name: str, cls: str, p: Paragraph, s: Sentence) -> Entity:
        term = self.lex.forms.get(name)
        if term:
            return self.add_lexicon_entity(term)
        return self.add_entity(name, cls, "pattern", p, s)

    def entity_for_en_name(self, name: str, p: Paragraph, s: Sentence) -> Entity:
        name = re.sub(r"^the\s+", "", name, flags=re.IGNORECASE)
        term = self.lex.en_forms.get(name.lower())
        if term:
            return self.add_lexicon_entity(term)
        key = name
        if key not in self.entities:
            self.entities[key] = Entity(
                key=key, zh="", en=name, cls="Organization", en_source="aligned-text", origin="pattern"
            )
        return self.entities[key]

    # -- framework and strategic path ------------------------------------------

    def find_framework(self, plan: Plan, cues: dict[int, str]) -> list[GroupDef]:
        """The sentence that lays the plan out by a declared framework, and the groups it names."""
        for p in self.doc.paragraphs:
            for s in p.sentences:
                text = s.span.text
                quoted = QUOTE_RE.findall(text)
                for fw in self.frameworks:
                    if not any(a in quoted for a in fw.alt_zh) or "框架" not in text:
                        continue
                    found = []
                    for g in fw.groups:
                        if g.zh in quoted:
                            numeral = re.match(r"[一二三四五六七八九十两]+", g.zh)
                            if numeral and zh_number(numeral.group()) != len(g.members):
                                continue
                            found.append((text.index(f"“{g.zh}”"), g))
                    if not found:
                        continue
                    seg = self.sentence_segment(p, s, cues.get(p.number, ""))
                    plan.framework = fw.name
                    plan.framework_segment = seg.id
                    groups = [g for _, g in sorted(found, key=lambda x: x[0])]
                    plan.pillars = [m.name for g in groups for m in g.members]
                    self.excluded_quotes.update(quoted)
                    return groups
        return []

    def find_path(self, cues: dict[int, str]) -> None:
        for p in self.doc.paragraphs:
            for s in p.sentences:
                m = PATH_RE.search(s.span.text)
                if not m:
                    continue
                items = _split_list(m.group(1), s.span.start + m.start(1))
                en_items = _english_list(s.en_text, r"path of\s+", len(items))
                for k, item in enumerate(items, 1):
                    seg = self.part_segment(p, s, item, cues.get(p.number, ""))
                    en = en_items[k - 1] if en_items else self.lex.translate(item.text)[0]
                    self.path_steps.append(PathStep(id=f"step/{k}", ordinal=k, zh=item.text, en=en, segment=seg.id))
                return

    # -- sections, tasks, guarantees, measures -----------------------------------

    def find_sections(self, cues: dict[int, str]) -> None:
        for p in self.doc.paragraphs:
            starts = [(k, self._marker(s.span.text)) for k, s in enumerate(p.sentences)]
            starts = [(k, n) for k, (n, _) in starts if n]
            if len(starts) < 2 or starts[0][1] != 1:
                continue
            intro = p.sentences[: starts[0][0]]
            head = intro[-1] if intro else p.sentences[0]
            kind = "guarantees" if self._is_guarantee(" ".join(s.span.text for s in intro), intro) else "tasks"
            section = self._add_section(p, head, kind, cues.get(p.number, ""))
            bounds = [k for k, _ in starts] + [len(p.sentences)]
            for (k, n), end in zip(starts, bounds[1:]):
                self._item(p, p.sentences[k], p.sentences[k + 1 : end], n, section, cues.get(p.number, ""))

    def _add_section(self, p: Paragraph, head: Sentence, kind: str, cue: str) -> Section:
        """A section headed by a cue sentence (its text without 《规划》指出, and 要)."""
        heading = self._strip_cue(head.span, cue)
        ordinal = len(self.sections) + 1
        seg = self.part_segment(p, head, heading, cue)
        section = Section(
            id=f"section/{ordinal}",
            ordinal=ordinal,
            zh=heading.text,
            en=self._strip_en_cue(head.en_text),
            segment=seg.id,
            kind=kind,
        )
        self.sections.append(section)
        return section

    def _unit_id(self, section: Section, n: int) -> str:
        """task/<section>-<n>; guarantees are numbered through the document: guarantee/<n>."""
        if section.kind == "tasks":
            return f"task/{section.ordinal}-{n}"
        return f"guarantee/{sum(u.kind == 'Guarantee' for u in self.units) + 1}"

    def _marker(self, text: str) -> tuple[int, int]:
        if self.zh:
            n = zh_marker(text)
            return (n, len(re.match(r"^[一二三四五六七八九十]+是", text).group())) if n else (0, 0)
        return en_marker(text)

    def _is_guarantee(self, intro: str, sentences: list[Sentence]) -> bool:
        if any(c in intro for c in GUARANTEE_CUES):
            return True
        en = " ".join(s.en_text or s.span.text for s in sentences).lower()
        return not self.zh and any(c in en for c in EN_GUARANTEE_CUES)

    def _strip_cue(self, span: Span, cue: str) -> Span:
        """The sentence without 《规划》指出, a leading 要, and closing punctuation."""
        text, start = span.text, span.start
        if cue:
            i = text.find(cue) + len(cue)
            while i < len(text) and text[i] in ",，:： 了":
                i += 1
            text, start = text[i:], start + i
        if self.zh and text.startswith("要") and len(text) > 3:
            text, start = text[1:], start + 1
        elif not self.zh:
            m = EN_CUES.match(text)
            if m:
                text, start = text[m.end() :], start + m.end()
        text = text.rstrip("。.!！?？;；")
        return Span(start, start + len(text), text)

    def _strip_en_cue(self, en: str) -> str:
        m = EN_CUES.match(en)
        en = en[m.end() :] if m else en
        en = re.sub(r"^(?:it is necessary to|we should|to)\s+", "", en, flags=re.IGNORECASE)
        return en.rstrip(" .;")

    def _item(self, p: Paragraph, head: Sentence, body: list[Sentence], n: int, section: Section, cue: str) -> None:
        _, marker_len = self._marker(head.span.text)
        text = head.span.text[marker_len:].rstrip("。.!！?？;；")
        span = Span(head.span.start + marker_len, head.span.start + marker_len + len(text), text)
        seg = self.part_segment(p, head, span, cue)
        kind = _ITEM_KIND[section.kind]
        uid = self._unit_id(section, n)
        en = _strip_en_marker(head.en_text) if self.zh else text
        unit = Unit(id=uid, kind=kind, zh=text if self.zh else "", en=en, segment=seg.id, ordinal=n, section=section.id)
        self.units.append(unit)
        clauses = [(s, c) for s in body for c in self._clauses(s)] or [
            (head, c) for c in self._clauses(head, marker_len)
        ]
        for k, (s, c) in enumerate(clauses, 1):
            self._add_part("Measure", unit, k, p, s, c, cue)

    def _add_part(self, kind: str, parent: Unit, k: int, p: Paragraph, s: Sentence, span: Span, cue: str) -> Unit:
        """A Measure or Target: one clause (or run of clauses) under a task, guarantee or goal."""
        unit = Unit(
            id=f"{parent.id}/{kind.lower()}/{k}",
            kind=kind,
            zh=span.text if self.zh else "",
            en=self.clause_english(s, span) if self.zh else span.text,
            segment=self.part_segment(p, s, span, cue).id,
            ordinal=k,
            parent=parent.id,
            section=parent.section,
            year=parent.year,
        )
        self.units.append(unit)
        return unit

    def _clauses(self, s: Sentence, skip: int = 0) -> list[Span]:
        """Clauses, with a clause that opens on a preposition joined to the one after it."""
        lang = "zh" if self.zh else "en"
        clauses = [c for c in (s.clauses or split_clauses(s.span, lang)) if c.end > s.span.start + skip]
        if skip:
            first = clauses[0]
            cut = s.span.start + skip - first.start
            if cut > 0:
                clauses[0] = Span(first.start + cut, first.end, first.text[cut:])
        merged: list[Span] = []
        pending: Span | None = None
        for c in clauses:
            if pending is not None:
                c = Span(pending.start, c.end, self.doc.text[pending.start : c.end])
                pending = None
            if self.zh and c.text.startswith(PREPOSITIONS) and c is not clauses[-1]:
                pending = c
                continue
            merged.append(c)
        if pending is not None:
            merged.append(pending)
        return [c for c in merged if c.text.strip()]

    def clause_english(self, s: Sentence, clause: Span) -> str:
        """The English clause(s) aligned with a Chinese clause (or run of clauses)."""
        if not s.en:
            return ""
        zh_clauses = s.clauses
        en_clauses = [c for e in s.en for c in split_clauses(e, "en")]
        if not en_clauses:
            return s.en_text
        beads = align(zh_clauses, en_clauses, self.anchors)
        picked: list[str] = []
        for zi, ei in beads:
            if any(zh_clauses[i].start < clause.end and clause.start < zh_clauses[i].end for i in zi):
                for j in ei:
                    if en_clauses[j].text not in picked:
                        picked.append(en_clauses[j].text)
        return ", ".join(picked) or s.en_text

    def find_aspect_lists(self, cues: dict[int, str]) -> None:
        """从A、B、C等三方面提出了保障措施: guarantees (or tasks) listed inside one sentence."""
        if not self.zh:
            return
        for p in self.doc.paragraphs:
            for s in p.sentences:
                m = ASPECTS_RE.search(s.span.text)
                if not m:
                    continue
                items = _split_list(m.group("items"), s.span.start + m.start("items"))
                if zh_number(m.group("n")) != len(items):
                    continue
                kind = "guarantees" if "保障" in m.group("what") else "tasks"
                section = self._add_section(p, s, kind, cues.get(p.number, ""))
                for n, item in enumerate(items, 1):
                    uid = self._unit_id(section, n)
                    unit = Unit(
                        id=uid,
                        kind=_ITEM_KIND[kind],
                        zh=item.text,
                        en=self.clause_english(s, item),
                        segment=self.part_segment(p, s, item, cues.get(p.number, "")).id,
                        ordinal=n,
                        section=section.id,
                    )
                    self.units.append(unit)
                    self._add_part("Measure", unit, 1, p, s, item, cues.get(p.number, ""))

    def assign_pillars(self, groups: list[GroupDef]) -> None:
        """Task sections follow the framework's groups; each task takes the best-matching pillar."""
        task_sections = [s for s in self.sections if s.kind == "tasks"]
        if groups and task_sections:
            if len(task_sections) == len(groups):
                pairs = list(zip(task_sections, groups))
            else:
                pairs = []
                for sec in task_sections:
                    best = max(groups, key=lambda g: max(_similarity(sec.zh, m.zh) for m in g.members))
                    pairs.append((sec, best))
            for sec, group in pairs:
                sec.group = group.name
                tasks = [u for u in self.units if u.kind == "Task" and u.section == sec.id]
                for task, pillar in _match(tasks, list(group.members)):
                    task.pillar = pillar.name
        if self.path_steps and task_sections:
            if len(self.path_steps) == len(task_sections):
                for sec, step in zip(task_sections, self.path_steps):
                    sec.step = step.id
            else:
                for sec in task_sections:
                    best = max(self.path_steps, key=lambda st: _similarity(sec.zh, st.zh))
                    if _similarity(sec.zh, best.zh) > 0:
                        sec.step = best.id

    # -- goals ----------------------------------------------------------------

    def find_principles(self, cues: dict[int, str]) -> None:
        """坚持… clauses the plan states outside its enumerations and goals: its principles."""
        if not self.zh:
            return
        used = {(self.segments[u.segment].paragraph) for u in self.units}
        n = 0
        for p in self.doc.paragraphs:
            cue = cues.get(p.number, "")
            if not cue or p.number in used:
                continue
            for s in p.sentences:
                for clause in self._clauses(s):
                    span = self._strip_cue(clause, cue) if clause.start == s.span.start else clause
                    if span.text.startswith("要坚持"):
                        span = Span(span.start + 1, span.end, span.text[1:])
                    if not span.text.startswith("坚持") or len(span.text) < 5:
                        continue
                    n += 1
                    self.units.append(
                        Unit(
                            id=f"principle/{n}",
                            kind="Principle",
                            zh=span.text,
                            en=self._strip_en_cue(self.clause_english(s, span)),
                            segment=self.part_segment(p, s, span, cue).id,
                            ordinal=n,
                        )
                    )

    def find_goals(self, cues: dict[int, str]) -> None:
        for p in self.doc.paragraphs:
            sentences = p.sentences
            starts = []
            for k, s in enumerate(sentences):
                m = YEAR_RE.search(s.span.text) if self.zh else EN_YEAR_RE.search(s.span.text)
                if m:
                    starts.append((k, int(m.group(1)), m))
            if not starts and self.zh:
                for k, s in enumerate(sentences):
                    gm = GOAL_CUE_RE.search(s.span.text)
                    fm = FYP_RE.search(s.span.text) or FYP_RE.search(self.doc.text[:300])
                    if gm and fm and k + 1 < len(sentences):
                        year = _fyp_end(fm.group(1))
                        starts.append((k, year, None))
                        break
            bounds = [k for k, _, _ in starts] + [len(sentences)]
            for (k, year, m), end in zip(starts, bounds[1:]):
                s = sentences[k]
                cue = cues.get(p.number, "")
                if m is not None:
                    rest = s.span.text[m.end() :].lstrip(",，: ")
                    off = s.span.start + len(s.span.text) - len(rest)
                    rest = rest.rstrip("。.；;")
                    span = Span(off, off + len(rest), rest)
                    target_sentences = sentences[k + 1 : end]
                else:
                    clause = next(c for c in s.clauses if GOAL_CUE_RE.search(c.text))
                    lead = re.match(r"^(?:[\u4e00-\u9fff]{2})了", clause.text)
                    cut = lead.end() if lead else 0
                    span = Span(clause.start + cut, clause.end, clause.text[cut:])
                    target_sentences = sentences[k + 1 : end]
                if not span.text:
                    continue
                seg = self.part_segment(p, s, span, cue)
                en = ""
                if self.zh and s.en:
                    em = EN_YEAR_RE.search(s.en_text)
                    en = s.en_text[em.end() :] if em else self._strip_en_cue(s.en_text)
                    en = en.rstrip(" .")
                uid = f"goal/{year}" if not any(u.id == f"goal/{year}" for u in self.units) else f"goal/{year}-{k}"
                goal = Unit(
                    id=uid,
                    kind="Goal",
                    zh=span.text if self.zh else "",
                    en=en if self.zh else span.text,
                    segment=seg.id,
                    year=year,
                )
                self.units.append(goal)
                pieces = [(t, piece) for t in target_sentences for piece in self._targets(t)]
                for n, (t, piece) in enumerate(pieces, 1):
                    self._add_part("Target", goal, n, p, t, piece, cue)

    def _targets(self, s: Sentence) -> list[Span]:
        """A target list is cut at semicolons when it has them, else at clause breaks."""
        if self.zh and re.search(r"[；;]", s.span.text):
            parts = [x for x in _split_on(s.span, "；;") if x.text]
            return [Span(x.start, x.start + len(x.text.rstrip("。")), x.text.rstrip("。")) for x in parts]
        return self._clauses(s)

    # -- entities ---------------------------------------------------------------

    def add_lexicon_entity(self, term) -> Entity:
        if term.key not in self.entities:
            self.entities[term.key] = Entity(
                key=term.key,
                zh=term.zh,
                en=term.en,
                cls=term.classes[0],
                classes=term.classes,
                en_source="lexicon",
                origin="lexicon",
                note=term.note,
            )
        return self.entities[term.key]

    def add_entity(
        self, name: str, cls: str, origin: str, p: Paragraph | None, s: Sentence | None, en_hint: str = ""
    ) -> Entity:
        if name in self.entities:
            return self.entities[name]
        en, source = "", ""
        if en_hint:
            en, source = en_hint, "aligned-text"
        elif s is not None and s.en:
            if id(s) not in self.en_windows:
                names = [n for _, _, n in _suffix_names(s.span.text) if n not in self.lex.forms]
                self.en_windows[id(s)] = _english_windows(names, s.en_text, self.lex)
            en = self.en_windows[id(s)].get(name, "")
            source = "aligned-text" if en else ""
        if not en:
            en, complete = self.lex.translate(name)
            source = "composed" if complete else "partial"
        self.entities[name] = Entity(key=name, zh=name, en=en, cls=cls, classes=(cls,), en_source=source, origin=origin)
        return self.entities[name]

    def find_mentions(self) -> None:
        by_segment = {}
        for p in self.doc.paragraphs:
            for s in p.sentences:
                by_segment[(p.number, s.number)] = (p, s)
        for unit in self.units:
            seg = self.segments[unit.segment]
            p, s = by_segment[(seg.paragraph, seg.sentence)]
            keys = self.mentions_in(seg.text, p, s) if self.zh else self.en_mentions_in(unit.en)
            unit.mentions = sorted(set(keys))

    def mentions_in(self, text: str, p: Paragraph, s: Sentence) -> list[str]:
        keys = []
        taken: list[tuple[int, int]] = []
        en_quotes = [q for q in EN_QUOTE_RE.findall(s.en_text)] if s.en else []
        zh_quotes = QUOTE_RE.findall(s.span.text)
        # Names: quoted names and names ending in a known suffix, longest first.
        names: list[tuple[int, int, str, str, str]] = []
        for m in QUOTE_RE.finditer(text):
            name = m.group(1)
            if name in self.excluded_quotes or re.fullmatch(r"[\d.%]+|十[一二三四五六七八九]五", name):
                continue
            hint = ""
            if name in zh_quotes and len(en_quotes) == len(zh_quotes):
                hint = en_quotes[zh_quotes.index(name)]
            names.append((m.start(1), m.end(1), name, "quote", hint))
        for start, end, name in _suffix_names(text):
            names.append((start, end, name, "pattern", ""))
        for start, end, name, origin, hint in sorted(names, key=lambda x: (-(x[1] - x[0]), x[0])):
            if any(start < b and a < end for a, b in taken):
                continue
            taken.append((start, end))
            term = self.lex.forms.get(name) or next(
                (
                    self.lex.forms[name[i:]]
                    for i in range(1, len(name) - 3)
                    if origin == "pattern" and name[i:] in self.lex.forms
                ),
                None,
            )
            if term:
                keys.append(self.add_lexicon_entity(term).key)
            elif origin == "quote":
                keys.append(self.add_entity(name, "Initiative", "quote", p, s, hint).key)
            else:
                suffix = _SUFFIX_RE.findall(name)[-1]
                keys.append(self.add_entity(name, SUFFIX_CLASSES[suffix], "pattern", p, s).key)
        # Lexicon terms, longest first; glossary words only block shorter matches.
        lex_taken: list[tuple[int, int]] = []
        longest = self.lex.longest
        candidates = []
        for i in range(len(text)):
            for n in range(min(longest, len(text) - i), 1, -1):
                piece = text[i : i + n]
                if piece in self.lex.forms:
                    candidates.append((i, i + n, self.lex.forms[piece]))
                elif piece in self.lex.gloss:
                    candidates.append((i, i + n, None))
        for start, end, term in sorted(candidates, key=lambda x: (-(x[1] - x[0]), x[2] is None, x[0])):
            if any(start < b and a < end for a, b in lex_taken):
                continue
            lex_taken.append((start, end))
            if term is not None and (start, end) not in taken:
                keys.append(self.add_lexicon_entity(term).key)
        return keys

    def en_mentions_in(self, text: str) -> list[str]:
        keys = []
        low = text.lower()
        for en, term in sorted(self.lex.en_forms.items(), key=lambda kv: -len(kv[0])):
            if re.search(rf"(?<![a-z0-9]){re.escape(en)}(?![a-z0-9])", low):
                keys.append(self.add_lexicon_entity(term).key)
        return keys


# -- helpers ------------------------------------------------------------------


def _split_on(span: Span, seps: str) -> list[Span]:
    out, start = [], 0
    text = span.text
    for i, ch in enumerate(text + seps[0]):
        if ch in seps:
            piece = text[start:i]
            lead = len(piece) - len(piece.lstrip())
            piece = piece.strip()
            out.append(Span(span.start + start + lead, span.start + start + lead + len(piece), piece))
            start = i + 1
    return out


def _split_list(text: str, offset: int) -> list[Span]:
    """Items of an enumeration joined by 、 (and a final 和/与/及 when no 、 separates it)."""
    return [s for s in _split_on(Span(offset, offset + len(text), text), "、") if s.text]


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


def _strip_en_marker(en: str) -> str:
    _, length = en_marker(en)
    text = en[length:]
    text = re.sub(r"^(?:to|the need to)\s+", "", text, flags=re.IGNORECASE)
    return text.rstrip(" .;")


def _fyp_end(period: str) -> int:
    """Last year of the n-th five-year plan period (十三五 → 2020)."""
    n = zh_number(period[:-1])
    start = 1953 + 5 * (n - 1) if n < 3 else 1966 + 5 * (n - 3)
    return start + 4


def _strip_lead(name: str) -> str:
    changed = True
    while changed and name:
        changed = False
        for w in LEAD_WORDS:
            if name.startswith(w) and len(name) > len(w):
                name = name[len(w) :]
                changed = True
                break
    return name


def _suffix_names(text: str) -> list[tuple[int, int, str]]:
    """Names ending in 平台/体系/机制/…: from the suffix back to a clause break, 的, or a lead verb."""
    out = []
    for m in _SUFFIX_RE.finditer(text):
        end = m.end()
        follower = text[end : end + 1]
        if _SUFFIX_RE.match(text, end) or (follower and CJK.match(follower) and follower not in NAME_FOLLOWERS):
            continue  # 体制机制, 体系化, 体制改革: the name goes on
        start = end - len(m.group())
        while start > 0 and text[start - 1] not in NAME_BREAKS:
            start -= 1
        name = _strip_lead(text[start:end])
        start = end - len(name)
        stem = name
        while stem.endswith(_SUFFIXES):
            stem = stem[: -len(next(x for x in _SUFFIXES if stem.endswith(x)))]
        if len(stem) < 2 or stem in GENERIC_STEMS:
            continue
        out.append((start, end, name))
    return out


def _english_windows(names: list[str], en: str, lex: Lexicon) -> dict[str, str]:
    """For the names of one sentence, the windows of its English that best match their
    glossary translations; the best-matching name chooses first, and no two names share
    a window (so a name never takes its neighbour's English)."""
    words = re.findall(r"[A-Za-z][A-Za-z'-]*|\d+", en)
    candidates = []
    for name in names:
        want = content_words(lex.translate(name)[0])
        suffix = next((sfx for sfx in sorted(EN_HEADS, key=len, reverse=True) if name.endswith(sfx)), "")
        heads = EN_HEADS.get(suffix, ())
        if not want:
            continue
        for i in range(len(words)):
            for j in range(i + 1, min(len(words), i + len(want) + 5) + 1):
                window = words[i:j]
                if heads and not any(w.lower().startswith(heads) for w in window):
                    continue
                if window[0].lower() in EN_STOPWORDS or window[-1].lower() in EN_STOPWORDS:
                    continue
                have = content_words(" ".join(window))
                score = len(want & have) / len(want | have) if have else 0.0
                if score >= 0.4:
                    candidates.append((-score, j - i, i, name, j))
    chosen: dict[str, str] = {}
    taken: list[tuple[int, int]] = []
    for _, _, i, name, j in sorted(candidates):
        if name in chosen or any(i < b and a < j for a, b in taken):
            continue
        chosen[name] = " ".join(words[i:j])
        taken.append((i, j))
    return chosen


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


def extract(doc: Document, lex: Lexicon, frameworks: Iterable[FrameworkDef], raw: bytes) -> DocumentFacts:
    """All facts of one document."""
    return Extractor(doc, lex, frameworks, raw).run()
