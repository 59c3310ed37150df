"""How each language writes the genre's small forms: list markers, lead words before an
item or a heading, stated counts, clause joins, outline headings.

The phases ask a Language; they never test which language the text is in. A new language
is a new subclass here and a rule set in ``kg.extract.rules``.
"""

from __future__ import annotations

import re

from kg.extract.vocab import alternation
from kg.lexicon import en_marker, zh_number

NUMERAL = "[一二三四五六七八九十两]+"


class Language:
    """One language's answers. ``words`` is its part of genre.toml."""

    code = ""
    # An outline: 一、section heading / （一）item, or None where the language has none.
    section_re: re.Pattern | None = None
    item_re: re.Pattern | None = None

    def __init__(self, vocab: dict) -> None:
        self.vocab = vocab
        self.words = vocab[self.code]

    def labels(self, text: str) -> dict[str, str]:
        """The text as a label in this language: zh=… or en=…, the other left empty."""
        return {"zh": "", "en": "", self.code: text}

    def inline_marker_starts(self, text: str) -> list[int]:
        """Offsets inside a sentence where a list marker may stand (besides its start)."""
        return []

    def marker_at(self, text: str) -> tuple[int, int]:
        """The ordinal of the list marker ``text`` opens with and the marker's length, or (0, 0)."""
        return 0, 0

    def item_lead(self, text: str) -> int:
        """Length of the lead words an item drops (English "to", "the need to")."""
        return 0

    def heading_lead(self, text: str) -> int:
        """Length of the lead words a heading drops after its cue (要, "The plan stresses")."""
        return 0

    def stated_count(self, text: str) -> int:
        """The number of items a heading says it lists (三方面, 九项), else 0."""
        return 0

    def guarantee_heading(self, intro: str, head_en: str) -> bool:
        """A list introduced by ``intro`` is of guarantees (保障措施, "safeguards")."""
        return any(c in intro for c in self.words["guarantee_cues"])

    def joins_next(self, clause: str) -> bool:
        """A clause that opens on a preposition (在…，以…) belongs to the clause after it."""
        return False


class Chinese(Language):
    code = "zh"
    section_re = re.compile(rf"^(?P<n>{NUMERAL})[、.．]\s*(?P<title>.{{1,60}})$")
    item_re = re.compile(rf"^[（(](?P<n>{NUMERAL})[）)]\s*")
    _marker = re.compile(rf"^(?:(?P<a>{NUMERAL})是|第(?P<b>{NUMERAL})[，,、：:]?)")
    _inline = re.compile(r"[；;：:]\s*")
    _count = re.compile(rf"(?P<n>{NUMERAL}|\d+)(?:个)?(?:方面|项|大|条|点)")

    def inline_marker_starts(self, text: str) -> list[int]:
        return [m.end() for m in self._inline.finditer(text)]

    def marker_at(self, text: str) -> tuple[int, int]:
        m = self._marker.match(text)
        if not m:
            return 0, 0
        return zh_number(m.group("a") or m.group("b")), m.end()

    def heading_lead(self, text: str) -> int:
        return 1 if text.startswith("要") and len(text) > 3 else 0

    def stated_count(self, text: str) -> int:
        m = self._count.search(text)
        return zh_number(m.group("n")) if m else 0

    def joins_next(self, clause: str) -> bool:
        return clause.startswith(tuple(self.words["prepositions"]))


class English(Language):
    code = "en"
    _inline = re.compile(
        r",\s*(?:and\s+)?(?=the\s+(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)\s+is\b)",
        re.IGNORECASE,
    )
    _item_lead = re.compile(r"(?:to|the need to)\s+", re.IGNORECASE)

    def __init__(self, vocab: dict) -> None:
        super().__init__(vocab)
        cues = alternation(self.words["cue_verbs"])
        self._heading_lead = re.compile(
            rf"^(?:According to the \w+,?|The \w+ (?:{cues})(?: the need)?(?: that| to)?)\s*", re.IGNORECASE
        )

    def inline_marker_starts(self, text: str) -> list[int]:
        return [m.end() for m in self._inline.finditer(text)]

    def marker_at(self, text: str) -> tuple[int, int]:
        return en_marker(text)

    def item_lead(self, text: str) -> int:
        m = self._item_lead.match(text)
        return m.end() if m else 0

    def heading_lead(self, text: str) -> int:
        m = self._heading_lead.match(text)
        return m.end() if m else 0

    def guarantee_heading(self, intro: str, head_en: str) -> bool:
        return super().guarantee_heading(intro, head_en) or any(
            c in head_en.lower() for c in self.words["guarantee_cues"]
        )
