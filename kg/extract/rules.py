"""A rule set per language: which readers each phase runs on a text in that language.

Chinese and English plan reports are written differently: a Chinese report announces its
plan as 国务院印发《…》 and lists tasks as 一是…/（一）…/N方面任务，包括…; an English one
says "the State Council issued the … Plan" and "First, …". The phases stay the same; the
rule set of the document's main language says how each is read. Nothing downstream checks
the language itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kg.extract import english, entities, goals, indicators, plan, structure
from kg.extract.language import Chinese, English, Language

Reader = Callable[..., None]


@dataclass(frozen=True)
class RuleSet:
    """The readers of one language, each a function of the Context."""

    language: type[Language]
    plan: Reader  # title, short name, issuers, date
    structure: tuple[Reader, ...]  # the list forms the language writes, in the order they are read
    principles: Reader | None
    goals: Reader
    indicators: indicators.Reader
    mentions: Reader
    english: Reader | None  # English labels from an aligned translation, when the text has one
    translation: type[Language] | None = None  # the language of that translation


CHINESE = RuleSet(
    language=Chinese,
    plan=plan.read_chinese,
    structure=(
        structure.find_path,
        structure.find_marker_runs,
        structure.find_outline_items,
        structure.find_inline_lists,
        structure.find_subareas,
    ),
    principles=structure.find_principles,
    goals=goals.read_chinese,
    indicators=indicators.CHINESE,
    mentions=entities.chinese_mentions,
    english=english.from_translation,
    translation=English,
)

ENGLISH = RuleSet(
    language=English,
    plan=plan.read_english,
    structure=(structure.find_marker_runs,),
    principles=None,
    goals=goals.read_english,
    indicators=indicators.ENGLISH,
    mentions=entities.english_mentions,
    english=None,
)

RULES = {"zh": CHINESE, "en": ENGLISH}


def for_layout(layout: str) -> RuleSet:
    """The rule set of a document's main language: English for an English-only text, else
    Chinese (a bilingual text is read in Chinese and takes its English from the translation)."""
    return RULES["en" if layout == "en" else "zh"]
