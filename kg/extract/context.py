"""What every extraction phase reads and adds to: the document, the vocabulary, the facts so far."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kg.extract.language import Language
from kg.facts import DocumentFacts, Plan, Segment
from kg.framework import FrameworkDef
from kg.lexicon import Lexicon
from kg.text import Document, Paragraph, Sentence, Span

if TYPE_CHECKING:
    from kg.extract.rules import RuleSet


@dataclass
class Context:
    """One document on its way through the phases.

    ``facts`` is the result being built; ``cues`` maps a paragraph to the statement cue
    it opens with (指出, 强调 …), once the plan phase has found the plan's short name.
    ``rules`` are the readers of the document's main language and ``language`` its small
    forms; ``translation`` is the language of an aligned translation, if the rules read one.
    """

    doc: Document
    lex: Lexicon
    vocab: dict
    frameworks: list[FrameworkDef]
    facts: DocumentFacts
    rules: RuleSet
    language: Language
    translation: Language | None = None
    cues: dict[int, str] = field(default_factory=dict)
    excluded_quotes: set[str] = field(default_factory=set)
    used_paragraphs: set[int] = field(default_factory=set)
    guarantees: int = 0  # guarantee units made so far (they are numbered through the document)
    quotes: dict[int, tuple] = field(default_factory=dict)  # entities.sentence_quotes, by id of sentence

    @classmethod
    def start(
        cls, doc: Document, lex: Lexicon, vocab: dict, frameworks: list[FrameworkDef], raw: bytes, rules: RuleSet
    ) -> Context:
        facts = DocumentFacts(
            slug=doc.slug,
            path=doc.path,
            layout=doc.layout,
            sha256=hashlib.sha256(raw).hexdigest(),
            text=doc.source or doc.text,
            plan=Plan(title_zh="", title_en="", alias="", segment=""),
        )
        return cls(
            doc=doc,
            lex=lex,
            vocab=vocab,
            frameworks=list(frameworks),
            facts=facts,
            rules=rules,
            language=rules.language(vocab),
            translation=rules.translation(vocab) if rules.translation else None,
        )

    @property
    def lang(self) -> str:
        """The code of the document's main language (zh for a bilingual text)."""
        return self.language.code

    @property
    def words(self) -> dict:
        """The vocabulary of the document's main language."""
        return self.language.words

    def labels(self, text: str) -> dict[str, str]:
        """The text as a fact's label in the document's own language (zh=…, en=…); the
        English phase adds English to a Chinese text's facts where the source has it."""
        return self.language.labels(text)

    def sentences(self):
        """Every (paragraph, sentence) in text order."""
        for p in self.doc.paragraphs:
            for s in p.sentences:
                yield p, s

    def cue(self, p: Paragraph) -> str:
        return self.cues.get(p.number, "")

    # -- provenance segments ----------------------------------------------------

    def sentence_segment(self, p: Paragraph, s: Sentence) -> Segment:
        sid = f"p{p.number}-s{s.number}"
        segments = self.facts.segments
        if sid not in segments:
            en = s.en
            segments[sid] = Segment(
                id=sid,
                kind="sentence",
                paragraph=p.number,
                sentence=s.number,
                start=s.span.start,
                end=s.span.end,
                text=self.source(s.span),
                lang=p.lang,
                en=s.en_text,
                en_start=en[0].start if en else -1,
                en_end=en[-1].end if en else -1,
                cue=self.cue(p),
            )
        return segments[sid]

    def part_segment(self, p: Paragraph, s: Sentence, span: Span) -> Segment:
        """A clause-level segment: the exact span, its sentence's English, a link to the sentence."""
        parent = self.sentence_segment(p, s)
        if (span.start, span.end) == (s.span.start, s.span.end):
            return parent
        sid = f"{parent.id}-c{span.start - s.span.start}-{span.end - s.span.start}"
        segments = self.facts.segments
        if sid not in segments:
            segments[sid] = Segment(
                id=sid,
                kind="clause",
                paragraph=p.number,
                sentence=s.number,
                start=span.start,
                end=span.end,
                text=self.source(span),
                lang=p.lang,
                en=parent.en,
                en_start=parent.en_start,
                en_end=parent.en_end,
                cue=self.cue(p),
                parent=parent.id,
            )
        return segments[sid]

    def source(self, span: Span) -> str:
        """The published text of a span (the rules read its normalised copy)."""
        return (self.doc.source or self.doc.text)[span.start : span.end]

    def sentence_of(self, segment_id: str) -> tuple[Paragraph, Sentence]:
        seg = self.facts.segments[segment_id]
        p = self.doc.paragraphs[seg.paragraph - 1]
        return p, p.sentences[seg.sentence - 1]

    def span_of(self, segment_id: str) -> Span:
        seg = self.facts.segments[segment_id]
        return Span(seg.start, seg.end, self.doc.text[seg.start : seg.end])
