"""The vocabulary: terms, their translations and classes, read from a TSV file.

The lexicon holds words, never the structure of a plan. Rows whose class is
``-`` are glossary words, used to translate compound names the lexicon lacks.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import KGError

GLOSSARY = "-"
_WORD = re.compile(r"[a-z0-9]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_PUNCT = {"“": '"', "”": '"', "《": '"', "》": '"', "（": "(", "）": ")", "、": ",", "，": ","}
EN_STOPWORDS = frozenset("a an the of for and or to in on at by with from as its their this that is are be".split())


@dataclass(frozen=True)
class Term:
    key: str  # canonical zh form, or the en form for an English-only entry
    zh: str
    en: str
    classes: tuple[str, ...]
    variants: tuple[str, ...]
    note: str = ""
    en_variants: tuple[str, ...] = ()  # every English form, the label first


@dataclass
class Lexicon:
    terms: dict[str, Term] = field(default_factory=dict)  # by canonical key
    forms: dict[str, Term] = field(default_factory=dict)  # every zh variant -> term
    gloss: dict[str, str] = field(default_factory=dict)  # zh word -> en, for composing
    en_forms: dict[str, Term] = field(default_factory=dict)  # lower-cased en -> term

    @functools.cached_property
    def longest(self) -> int:
        """Length of the longest term or glossary word: how far a longest-match scan looks.

        Cached: read it only once the lexicon is loaded.
        """
        return max((len(w) for w in (*self.forms, *self.gloss)), default=1)

    def translate(self, zh: str) -> tuple[str, bool]:
        """Compose an English name from glossary words, longest first; report completeness.

        Unknown characters are kept, so a partial translation is visible as such.
        """
        words: list[str] = []
        i, complete = 0, True
        longest = self.longest
        while i < len(zh):
            ch = zh[i]
            for n in range(min(longest, len(zh) - i), 0, -1):
                piece = zh[i : i + n]
                en = self.gloss.get(piece)
                if en is None and piece in self.forms:
                    en = self.forms[piece].en
                if en is not None:
                    words.append(en)
                    i += n
                    break
            else:
                if _CJK.match(ch):
                    words.append(ch)
                    complete = False
                    i += 1
                else:  # Latin, digits and punctuation pass through, a run at a time
                    run = re.match(r"[^\u3400-\u9fff\uf900-\ufaff]+", zh[i:]).group()
                    words.append("".join(_PUNCT.get(c, c) for c in run))
                    i += len(run)
        text = " ".join(w for w in words if w.strip())
        text = re.sub(r'(?:(?<=^)|(?<=\s))"\s+(.*?)\s+"', r'"\1"', text)  # " a b " -> "a b"
        text = re.sub(r"(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])", "", text)  # keep unknown runs whole
        return text, complete


def content_words(text: str) -> set[str]:
    """Stems of the content words of an English phrase, for fuzzy comparison."""
    return {w[:5] for w in _WORD.findall(text.lower()) if w not in EN_STOPWORDS}


def load(path: str | Path) -> Lexicon:
    """Parse the TSV; a malformed row is an error that names its line."""
    lex = Lexicon()
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise KGError(f"{p}: cannot read the lexicon: {e}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 3 or not cols[0].strip() or not cols[1].strip() or not cols[2].strip():
            raise KGError(f"{p}:{n}: a lexicon row needs zh, en and class separated by tabs")
        zh_forms = tuple(v.strip() for v in cols[0].split("|") if v.strip())
        en_forms = tuple(v.strip() for v in cols[1].split("|") if v.strip())
        en = en_forms[0] if en_forms else ""
        classes = tuple(c.strip() for c in cols[2].split("|") if c.strip())
        note = cols[3].strip() if len(cols) > 3 else ""
        if classes == (GLOSSARY,):
            for form in zh_forms:
                lex.gloss[form] = en
            continue
        if not all(re.fullmatch(r"[A-Z][A-Za-z]+", c) for c in classes):
            raise KGError(f"{p}:{n}: class {cols[2]!r} is not a class name")
        key = zh_forms[0]
        if key in lex.terms:
            raise KGError(f"{p}:{n}: {key} is already defined; give extra classes as Class1|Class2")
        term = Term(key=key, zh=key, en=en, classes=classes, variants=zh_forms, note=note, en_variants=en_forms)
        lex.terms[key] = term
        for form in zh_forms:
            lex.forms[form] = term
        for form in en_forms:
            lex.en_forms.setdefault(form.lower(), term)
    return lex


_ASCII_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]*[A-Za-z0-9]|[0-9]")
ZH_NUMERALS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}
EN_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
    "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "one": 1,
}  # fmt: skip
ZH_MARKER = re.compile(r"^(十[一二三四五六七八九]?|[一二三四五六七八九])是")
EN_MARKER = re.compile(
    r"^(?:(?P<a>first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)(?:ly)?\b(?!-),?"
    r"|(?P<b>one) is\b|the (?P<c>first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth) is\b)"
    r"(?:\s+(?:is\s+)?to\b)?\s*",
    re.IGNORECASE,
)


def zh_number(text: str) -> int:
    """Value of a small Chinese numeral (一 … 十九); 0 when it is not one."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in ZH_NUMERALS for ch in text):
        return 0
    if len(text) == 1:
        return ZH_NUMERALS[text]
    if text[0] == "十":
        return 10 + ZH_NUMERALS.get(text[1], 0)
    if len(text) >= 2 and text[1] == "十":
        return ZH_NUMERALS[text[0]] * 10 + (ZH_NUMERALS.get(text[2], 0) if len(text) > 2 else 0)
    return 0


def zh_marker(text: str) -> int:
    m = ZH_MARKER.match(text)
    return zh_number(m.group(1)) if m else 0


def en_marker(text: str) -> tuple[int, int]:
    """Ordinal of an English enumeration marker and the length of the marker, or (0, 0)."""
    m = EN_MARKER.match(text)
    if not m:
        return 0, 0
    word = (m.group("a") or m.group("b") or m.group("c")).lower()
    return EN_ORDINALS[word], m.end()


def anchor_scorer(lex: Lexicon):
    """Score how strongly a Chinese and an English text share anchors, for alignment."""
    en_of = {f: tuple(e for e, t2 in lex.en_forms.items() if t2 is t) for f, t in lex.forms.items() if len(f) >= 2}
    pattern = re.compile("|".join(map(re.escape, sorted(en_of, key=len, reverse=True)))) if en_of else None

    @functools.lru_cache(maxsize=4096)
    def terms_in(zh: str) -> frozenset[str]:
        return frozenset(pattern.findall(zh)) if pattern else frozenset()

    # Each side's features once per text: the aligner compares every text with the dozens
    # of texts in its band.
    @functools.lru_cache(maxsize=8192)
    def zh_side(zh: str) -> tuple:
        tokens = tuple(tok.lower() for tok in set(_ASCII_TOKEN.findall(zh)))
        return tokens, "“" in zh, zh_marker(zh), tuple(en_of[form] for form in terms_in(zh))

    @functools.lru_cache(maxsize=8192)
    def en_side(en: str) -> tuple:
        return en.lower(), '"' in en or "“" in en, en_marker(en)[0]

    def score(zh: str, en: str) -> float:
        tokens, quoted, n, terms = zh_side(zh)
        low, en_quoted, m = en_side(en)
        s = 0.0
        for tok in tokens:
            if tok in low:
                s += 1.0
        if quoted and en_quoted:
            s += 1.0
        if n:
            s += 1.5 if m == n else (-0.5 if m else 0.0)
        for english in terms:
            if any(e in low for e in english):
                s += 0.5
        return s

    return score
