"""What a query may do, decided from its tokens before anything evaluates it.

pyoxigraph follows SERVICE over HTTP and has no switch to stop it, so every query is
read here first, the way Oxigraph reads it: strings (with their escapes), IRIs and
comments (which end at CR or LF) are skipped, so a keyword inside them is no keyword, and
a keyword outside them is found however deeply it is nested (subqueries, EXISTS,
OPTIONAL, SILENT). Refused: updates and LOAD, SERVICE, and FROM / FROM NAMED that name a
graph the dataset does not hold. A tokenizer is enough for this and costs microseconds;
rdflib's parser (and pyparsing) is never imported on the query path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.errors import KGError
from kg.namespaces import query_prefixes

MAX_QUERY_CHARS = 100_000
# Oxigraph's parser recurses on operator chains: 8,000 `+` overflow its stack, 500 `/` in a
# property path take 5 s and 1,000 take 48 s. Analysts' queries stay far below these bounds.
MAX_OPERATORS = 256
MAX_DEPTH = 64
_OPERATORS = set("+-*/|&=!<>^")

_TOKEN = re.compile(
    r"""
    (?P<ws>[\x20\t\r\n]+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              | '''(?:[^'\\]|\\.|'(?!''))*'''
              | "(?:[^"\\\r\n]|\\.)*"
              | '(?:[^'\\\r\n]|\\.)*')
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
  | (?P<bnode>_:\w[\w.\-]*)
  | (?P<var>[?$]\w+)
  | (?P<pname>(?:[^\W\d_][\w.\-]*)?:[\w.\-:%\\]*)
  | (?P<word>[A-Za-z_][\w\-]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_QUERY_FORMS = {"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"}
_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


class UpdateRefused(KGError):
    """An update (or LOAD) sent as a query: the endpoint answers it 403, like update=."""


@dataclass(frozen=True)
class Token:
    kind: str  # string, iri, bnode, var, pname, word or other (whitespace and comments are dropped)
    text: str
    start: int


def tokens(text: str) -> list[Token]:
    """The query's tokens, strings, IRIs and comments each taken whole."""
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind in ("ws", "comment"):
            continue
        out.append(Token(kind, m.group(), m.start()))
    return out


def position(text: str, char: int) -> tuple[int, int]:
    """Line and column (both from 1) of a character offset; CR, LF and CRLF end a line."""
    before = text[:char].replace("\r\n", "\n").replace("\r", "\n")
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def _at(text: str, tok: Token) -> str:
    """Where a token stands, for a message (computed only when one is written)."""
    return "at line {}, column {}".format(*position(text, tok.start))


def _unescape(iri: str) -> str:
    """An IRI with its \\u and \\U escapes read, as Oxigraph reads them."""
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), iri)


def _iri_of(tok: Token, prefixes: dict[str, str]) -> str | None:
    if tok.kind == "iri":
        return _unescape(tok.text[1:-1])
    if tok.kind == "pname":
        prefix, _, local = tok.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local
    return None


def inspect(text: str, local_graphs: frozenset[str] | set[str] = frozenset()) -> str:
    """The query form (SELECT, CONSTRUCT, ASK or DESCRIBE) of a query that is safe to run;
    otherwise a KGError that says what is refused, at which line and column."""
    if len(text) > MAX_QUERY_CHARS:
        raise KGError(f"the query is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}")
    toks = tokens(text)
    if not toks:
        raise KGError("the query is empty")
    _check_shape(text, toks)
    prefixes = dict(query_prefixes())
    form = ""
    for i, tok in enumerate(toks):
        if tok.kind == "pname":
            prefix = tok.text.partition(":")[0]
            declaring = i > 0 and toks[i - 1].kind == "word" and toks[i - 1].text.upper() == "PREFIX"
            if prefix not in prefixes and not declaring:
                line, col = position(text, tok.start)
                raise KGError(
                    f"undeclared prefix {prefix + ':'!r} at line {line}, column {col}: add PREFIX {prefix}: <…>"
                )
            continue
        if tok.kind != "word":
            continue
        word = tok.text.upper()
        if word == "PREFIX" and i + 2 < len(toks) and toks[i + 1].kind == "pname" and toks[i + 2].kind == "iri":
            prefixes[toks[i + 1].text.rstrip(":")] = _unescape(toks[i + 2].text[1:-1])
        elif word in _QUERY_FORMS and not form:
            form = word
        elif word in _UPDATE_WORDS:
            raise UpdateRefused(f"SPARQL updates are refused ({word} {_at(text, tok)}): the graph is read-only")
        elif word == "SERVICE":
            raise KGError(f"SERVICE is refused ({_at(text, tok)}): a query never reaches the network")
        elif word == "FROM":
            k = i + 1
            if k < len(toks) and toks[k].kind == "word" and toks[k].text.upper() == "NAMED":
                k += 1
            iri = _iri_of(toks[k], prefixes) if k < len(toks) else None
            if iri is None or iri not in local_graphs:
                shown = f"<{iri}>" if iri else (toks[k].text if k < len(toks) else "")
                raise KGError(
                    f"FROM {shown} is refused ({_at(text, tok)}): it names no graph of this dataset,"
                    " and remote data is not fetched"
                )
    if not form:
        raise KGError("not a SPARQL query: no SELECT, CONSTRUCT, ASK or DESCRIBE in it")
    return form


def _check_shape(text: str, toks: list[Token]) -> None:
    """Bound nesting and operator chains before the engine parses anything."""
    depth = operators = 0
    for tok in toks:
        if tok.kind != "other":
            continue
        if tok.text in "({[":
            depth += 1
            if depth > MAX_DEPTH:
                line, col = position(text, tok.start)
                raise KGError(f"the query nests deeper than {MAX_DEPTH} levels (line {line}, column {col})")
        elif tok.text in ")}]":
            depth = max(0, depth - 1)
        elif tok.text in _OPERATORS:
            operators += 1
            if operators > MAX_OPERATORS:
                raise KGError(f"the query has more than {MAX_OPERATORS} operators; split it into smaller queries")


def graph_parameter_refusal(key: str, iris: list[str], local_graphs: set[str]) -> str | None:
    """Why a protocol graph parameter (default-graph-uri, named-graph-uri) is refused, or None."""
    for iri in iris:
        if iri not in local_graphs:
            return f"{key} <{iri}> is refused: it names no graph of this dataset, and remote data is not fetched"
    return None
