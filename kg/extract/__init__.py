"""The reader: a pipeline of phases from a segmented plan report to plain facts.

read and normalise → segment (kg.text) → plan → structure → goals and indicators →
entities → relations → English. Each phase is a function from the document and the facts found so
far (a Context) to new facts; the rule set of the document's main language
(kg.extract.rules) says how each phase reads it. The genre's vocabulary comes from ontology/genre.toml and
the lexicon, never from code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from kg.errors import KGError
from kg.extract import english, entities, goals, plan, relations, rules, structure
from kg.extract.context import Context
from kg.facts import DocumentFacts
from kg.framework import FrameworkDef
from kg.genre import load as load_genre
from kg.lexicon import Lexicon
from kg.text import Document

Phase = Callable[[Context], None]
PHASES: tuple[tuple[str, Phase], ...] = (
    ("plan", plan.run),
    ("structure", structure.run),
    ("goals", goals.run),
    ("entities", entities.run),
    ("relations", relations.run),
    ("english", english.run),
)


def extract(
    doc: Document, lex: Lexicon, frameworks: Iterable[FrameworkDef], raw: bytes, genre: dict | None = None
) -> DocumentFacts:
    """All facts of one document; a text with no plan in it is an error that says what is missing."""
    if not any(p.sentences for p in doc.paragraphs):
        raise KGError(f"{doc.path or doc.slug}: no paragraphs of Chinese or English text")
    ctx = Context.start(doc, lex, genre or load_genre(), list(frameworks), raw, rules.for_layout(doc.layout))
    for _, phase in PHASES:
        phase(ctx)
    facts = ctx.facts
    p = facts.plan
    if not (p.title_zh or p.title_en) and not p.issuers and not facts.units:
        raise KGError(f"{doc.path or doc.slug}: no plan found: no title, issuer, task or goal in the text")
    facts.segments = dict(sorted(facts.segments.items(), key=lambda kv: (kv[1].start, kv[1].end, kv[0])))
    facts.entities = dict(sorted(facts.entities.items()))
    return facts
