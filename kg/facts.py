"""Plain facts the extractor finds: no RDF here, so extraction is tested on its own."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Segment:
    """A sentence or clause of the source, with its English counterpart."""

    id: str  # e.g. "p7-s2" or "p7-s2-c1", unique within the document
    kind: str  # "sentence" or "clause"
    paragraph: int
    sentence: int
    start: int
    end: int
    text: str  # exact source text; text == document[start:end]
    lang: str  # language of ``text``
    en: str = ""  # aligned English, when the document has it
    en_start: int = -1
    en_end: int = -1
    cue: str = ""  # statement cue (指出, 强调 …) of the paragraph
    parent: str = ""  # the sentence a clause belongs to


@dataclass
class Entity:
    """Something the plan names: a technology, sector, organization, platform …"""

    key: str  # stable identity: the lexicon's canonical form, else the zh (or en) name
    zh: str
    en: str
    cls: str
    en_source: str  # "lexicon", "aligned-text", "composed" or "partial"
    origin: str  # "lexicon", "pattern" or "quote"
    classes: tuple[str, ...] = ()
    note: str = ""
    # Other names of it (the lexicon's variants: 党中央 for 中共中央), as (lang, text).
    alt: tuple[tuple[str, str], ...] = ()

    @property
    def kinds(self) -> tuple[str, ...]:
        """Every class the entity has (``classes``, else ``cls``)."""
        return self.classes or (self.cls,)


@dataclass
class Unit:
    """A Task, Measure, Goal, Target, Guarantee or Principle: a stretch of text that mentions entities."""

    id: str  # readable local id, e.g. "task/3-2", "task/3-2/measure/4"
    kind: str  # "Task", "Measure", "Goal", "Target", "Guarantee" or "Principle"
    zh: str
    en: str
    segment: str  # Segment.id
    ordinal: int = 0
    parent: str = ""  # Unit.id of the task, goal or guarantee above
    section: str = ""  # Section.id
    pillar: str = ""  # local name of the framework pillar, when known
    year: int = 0  # target year of a goal
    mentions: list[str] = field(default_factory=list)  # Entity.key
    form: str = "clause"  # how the text writes it: "item" (after a list marker), "clause" or "goal"
    year_source: str = ""  # for a goal: "stated" (到2025年) or "period" (the end of “十四五”时期)
    subarea: str = ""  # SubArea.id of the heading this measure follows, when the task nests one
    en_source: str = ""  # "aligned-text" when ``en`` comes from the source's English


@dataclass
class Indicator:
    """A number a plan sets as a target: 比2020年下降13.5%, 达到50%以上, about 700,000 km."""

    id: str
    unit_id: str  # the Goal, Target or Measure that states it
    segment: str
    metric: str  # what is measured, as the text names it
    value: float
    unit: str  # %, 亿亩, km …; "" for a plain count
    comparator: str = "equal"  # equal, atLeast, atMost, about, moreThan, lessThan
    change: str = ""  # "increase" or "decrease" when the value is a change from a baseline
    baseline_year: int = 0
    baseline_value: float | None = None
    year: int = 0  # target year, from the goal it belongs to
    text: str = ""  # the span as read (normalised; its place in the file is its segment's)


@dataclass
class SubArea:
    """A heading inside a task (完善法律法规体系) with the actions that follow it."""

    id: str
    task: str  # Unit.id
    ordinal: int
    zh: str
    en: str
    segment: str


@dataclass
class Section:
    """A cue paragraph whose enumerated items are tasks or guarantees."""

    id: str
    ordinal: int
    zh: str
    en: str
    segment: str
    kind: str  # "tasks" or "guarantees"
    stated_count: int = 0  # how many items the heading says it lists (七项重点任务 → 7)
    group: str = ""  # framework pillar group it covers
    step: str = ""  # id of the strategic-path step it follows


@dataclass
class PathStep:
    id: str
    ordinal: int
    zh: str
    en: str
    segment: str


@dataclass
class Plan:
    title_zh: str
    title_en: str
    alias: str
    segment: str
    issuers: list[str] = field(default_factory=list)  # Entity.key
    agency: str = ""  # Entity.key of the news agency
    place: str = ""
    date: str = ""  # ISO date, or --MM-DD when the text gives no year
    framework: str = ""  # local name of the framework, when the text states it
    framework_segment: str = ""
    pillars: list[str] = field(default_factory=list)  # pillar local names


@dataclass
class Relation:
    """A relation the text states between two things it names, and where it says so.

    Ends are written ``entity:<key>``, ``unit:<id>``, ``pillar:<local name>`` or ``plan``."""

    subject: str
    predicate: str  # local name of the ontology's property, or "skos:exactMatch"
    object: str
    segment: str  # Segment.id of the sentence or clause that states it
    rule: str  # which rule of the genre found it: "role", "role-frame", "pillar-target", "same-name"


@dataclass
class DocumentFacts:
    slug: str
    path: str
    layout: str
    sha256: str
    text: str
    plan: Plan
    segments: dict[str, Segment] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)
    units: list[Unit] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    path_steps: list[PathStep] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    subareas: list[SubArea] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the reader could not find, one line each

    def of_kind(self, kind: str) -> list[Unit]:
        return [u for u in self.units if u.kind == kind]


def to_json(facts: DocumentFacts) -> dict:
    """The facts as plain JSON data (the build keeps them to reuse for an unchanged report).

    dataclasses.asdict would copy every value deeply; the fact classes hold only strings,
    numbers and lists or tuples of them, so each is its fields' dict, copied once."""

    def plain(x):
        if isinstance(x, list):
            return [plain(v) for v in x]
        if isinstance(x, dict):
            return {k: plain(v) for k, v in x.items()}
        if hasattr(x, "__dataclass_fields__"):
            return dict(vars(x))
        return x

    return {k: plain(v) for k, v in vars(facts).items()}


def from_json(data: dict) -> DocumentFacts:
    """DocumentFacts back from ``to_json``'s data."""
    d = dict(data)
    d["plan"] = Plan(**d["plan"])
    d["segments"] = {k: Segment(**v) for k, v in d["segments"].items()}
    d["entities"] = {
        k: Entity(**{**v, "classes": tuple(v.get("classes", ())), "alt": tuple(map(tuple, v.get("alt", ())))})
        for k, v in d["entities"].items()
    }
    d["units"] = [Unit(**u) for u in d["units"]]
    d["sections"] = [Section(**x) for x in d["sections"]]
    d["path_steps"] = [PathStep(**x) for x in d["path_steps"]]
    d["indicators"] = [Indicator(**x) for x in d["indicators"]]
    d["subareas"] = [SubArea(**x) for x in d["subareas"]]
    d["relations"] = [Relation(**x) for x in d["relations"]]
    return DocumentFacts(**d)
