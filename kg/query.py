"""SPARQL over the graph: the named-query library, safe parameter binding, read-only
evaluation in pyoxigraph with a timeout, and the result formats.

Every query is parsed and inspected before anything evaluates it: updates, SERVICE,
and FROM / FROM NAMED with an IRI that names no graph of the dataset are refused,
because both pyoxigraph and rdflib would otherwise fetch remote data.
"""

from __future__ import annotations

import functools
import json
import os
import pickle
import re
import select
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from kg.errors import KGError
from kg.graph import PREFIXES
from kg.table import render as render_table

RESULT_FORMATS = ("table", "csv", "tsv", "json", "xml")
GRAPH_FORMATS = ("ttl", "nt", "jsonld")
MAX_QUERY_CHARS = 100_000
XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # iri, string, year or integer
    default: str
    description: str


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    title_zh: str
    description: str
    description_zh: str
    params: tuple[Param, ...]
    text: str


_PARAM = re.compile(r"^#\s*param:\s*(\w+)\s+(iri|string|year|integer)(?:\s+(\S+))?\s*(?:—|--)?\s*(.*)$", re.M)


def parse_header(name: str, text: str) -> NamedQuery:
    header = {}
    for key, value in re.findall(r"^#\s*([\w@]+):\s*(.+)$", text, flags=re.M):
        header.setdefault(key, value.strip())
    params = tuple(Param(n, t, d or "", desc.strip()) for n, t, d, desc in _PARAM.findall(text))
    return NamedQuery(
        name=name,
        title=header.get("title", name),
        title_zh=header.get("title@zh", ""),
        description=header.get("description", ""),
        description_zh=header.get("description@zh", ""),
        params=params,
        text=text,
    )


def library(folder: Path | None = None) -> dict[str, NamedQuery]:
    """The named queries: queries/*.rq (the checks in queries/checks/ are not among them)."""
    from kg import resources

    folder = folder or resources.data_dir("queries")
    return {p.stem: parse_header(p.stem, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.rq"))}


def resolve(arg: str, stdin_text: str | None = None) -> tuple[str, NamedQuery | None]:
    """NAME of a named query, a FILE, '-' for standard input, or the SPARQL text itself."""
    if arg == "-":
        return stdin_text or "", None
    named = library()
    if arg in named:
        return named[arg].text, named[arg]
    if re.search(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE|PREFIX|BASE|INSERT|DELETE|LOAD|CLEAR|DROP|CREATE)\b", arg, re.I):
        return arg, None
    path = Path(arg)
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise KGError(f"{path}: cannot read the query: {e}") from None
        return text, parse_header(path.stem, text)
    raise KGError(f"no named query, file or SPARQL text {arg!r}; `kg queries` lists the named queries")


# -- inspection: nothing evaluates a query that this has not passed ------------------


def _position(text: str, char: int) -> tuple[int, int]:
    line = text.count("\n", 0, char) + 1
    return line, char - (text.rfind("\n", 0, char) + 1) + 1


def _walk(node):
    from rdflib.plugins.sparql.parserutils import CompValue

    yield node
    if isinstance(node, CompValue):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
        for value in node:
            yield from _walk(value)


def inspect(text: str, local_graphs: set[str] = frozenset()) -> str:
    """The query form (SELECT, CONSTRUCT, ASK or DESCRIBE) of a query it is safe to run."""
    return _inspect(text, frozenset(local_graphs))


@functools.lru_cache(maxsize=512)
def _inspect(text: str, local_graphs: frozenset[str]) -> str:
    # Parsing with rdflib costs about 10 ms; a server sees the same queries again and again.
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
    from rdflib.plugins.sparql.parserutils import CompValue

    if len(text) > MAX_QUERY_CHARS:
        raise KGError(f"the query is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}")
    if not text.strip():
        raise KGError("the query is empty")
    try:
        tree = parseQuery(text)
    except ParseException as e:
        try:
            parseUpdate(text)
        except ParseException:
            line, col = _position(text, e.loc)
            raise KGError(f"malformed SPARQL at line {line}, column {col}: {e.msg}") from None
        raise KGError("SPARQL updates are refused: the graph is read-only") from None
    except Exception as e:  # rdflib raises a few other types for bad IRIs and prefixes
        raise KGError(f"malformed SPARQL: {e}") from None
    kind = ""
    for node in _walk(tree):
        if not isinstance(node, CompValue):
            continue
        if node.name.endswith("Query") and not kind:
            kind = node.name.removesuffix("Query").upper()
        if node.name == "ServiceGraphPattern":
            raise KGError(f"SERVICE <{node.get('term')}> is refused: a query never reaches the network")
        if node.name == "DatasetClause":
            iri = str(node.get("default") or node.get("named"))
            if iri not in local_graphs:
                raise KGError(
                    f"FROM <{iri}> is refused: it names no graph of this dataset, and remote data is not fetched"
                )
    return kind or "SELECT"


# -- parameters ------------------------------------------------------------------------


def expand(value: str) -> str:
    """A prefixed name (dckg:Task) or <IRI> as a full IRI."""
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        return value[1:-1]
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return str(PREFIXES[prefix]) + local
    return value


def checked_iri(value: str, what: str) -> str:
    """A full IRI from an IRI, <IRI> or known prefixed name; anything else is refused."""
    iri = expand(value)
    if not re.match(r"^[a-z][a-z0-9+.-]*:[^\s<>\"{}|\\^`]*$", iri, re.I):
        raise KGError(f"{what}: {value!r} is not an IRI or a known prefixed name")
    return iri


def bind(named: NamedQuery | None, given: dict[str, str]) -> dict:
    """The parameters as RDF terms (pyoxigraph), checked against their declared types."""
    import pyoxigraph as ox

    declared = {p.name: p for p in (named.params if named else ())}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        names = ", ".join(declared) or "none"
        raise KGError(f"unknown parameter {unknown[0]!r}; this query's parameters: {names}")
    out = {}
    for name, param in declared.items():
        value = given.get(name, param.default)
        if not value:
            raise KGError(f"parameter {name!r} is required: --param {name}=VALUE ({param.description})")
        if param.type == "iri":
            term = ox.NamedNode(checked_iri(value, f"parameter {name!r}"))
        elif param.type == "year":
            if not re.fullmatch(r"\d{4}", value):
                raise KGError(f"parameter {name!r}: {value!r} is not a year")
            term = ox.Literal(value, datatype=ox.NamedNode(XSD + "gYear"))
        elif param.type == "integer":
            if not re.fullmatch(r"-?\d+", value):
                raise KGError(f"parameter {name!r}: {value!r} is not an integer")
            term = ox.Literal(value, datatype=ox.NamedNode(XSD + "integer"))
        else:
            term = ox.Literal(value)
        out[name] = term
    return out


_STRING = (
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    + r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    + r'|"(?:[^"\\\n]|\\.)*"'
    + r"|'(?:[^'\\\n]|\\.)*'"
)
_TOKEN = re.compile(
    r"(?P<comment>#[^\n]*)|(?P<string>"
    + _STRING
    + r")|(?P<iri><[^<>\"{}|^`\\\s]*>)|(?P<where>\bWHERE\b)|(?P<brace>[{}])",
    re.I,
)


def with_values(text: str, bindings: dict) -> str:
    """The query with ``VALUES ?p { term }`` opening its WHERE clause, one per parameter.

    The terms are serialized by pyoxigraph (N-Triples syntax, escaped), so a value
    is always one RDF term: it cannot close a string or a group and add SPARQL.
    """
    if not bindings:
        return text
    depth, seen_where, insert_at = 0, False, None
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "where" and depth == 0:
            seen_where = True
        elif kind == "brace" and m.group() == "{":
            if depth == 0 and (seen_where or not re.search(r"\bCONSTRUCT\b", text[: m.start()], re.I)):
                insert_at = m.end()
                break
            depth += 1
        elif kind == "brace":
            depth = max(0, depth - 1)
    if insert_at is None:
        raise KGError("cannot find the WHERE clause to bind the parameters in")
    values = " ".join(f"VALUES ?{name} {{ {term} }}" for name, term in sorted(bindings.items()))
    return text[:insert_at] + " " + values + " " + text[insert_at:]


def parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise KGError(f"--param {pair!r}: write it as name=value")
        out[name.strip()] = value
    return out


# -- the dataset -------------------------------------------------------------------------


def load_store(data: str | None = None, inferred: bool = False):
    """A pyoxigraph store: from a build folder or an RDF file, else the bundled plan built in memory.

    Returns (store, where it came from).
    """
    import pyoxigraph as ox

    store = ox.Store()
    candidates = []
    if data:
        path = Path(data)
        if path.is_dir():
            if not (path / "full.trig").exists():
                raise KGError(f"{path}: no full.trig here; run `kg build --out {path}` first")
            candidates = [path / "full.trig"] + (
                [path / "inferred.trig"] if inferred and (path / "inferred.trig").exists() else []
            )
        elif path.is_file():
            candidates = [path]
        else:
            raise KGError(f"{path}: no such file or build folder")
    elif Path("build/full.trig").exists():
        candidates = [Path("build/full.trig")] + (
            [Path("build/inferred.trig")] if inferred and Path("build/inferred.trig").exists() else []
        )
    if candidates:
        for path in candidates:
            fmt = ox.RdfFormat.from_extension(path.suffix.lstrip(".")) if path.suffix else None
            if fmt is None:
                raise KGError(f"{path}: unknown RDF format; use .trig, .nq, .ttl, .nt, .jsonld or .rdf")
            try:
                store.bulk_load(path=str(path), format=fmt)
            except (SyntaxError, ValueError, OSError) as e:
                raise KGError(f"{path}: cannot load: {e}") from None
        _default_is_union(store)
        return store, ", ".join(str(p) for p in candidates)
    from kg import build, export, graph, resources

    ds = export.with_ontology(build.dataset([]), graph.load_ontology(resources.ontology_file()))
    snap = export.Snapshot(ds)
    store.bulk_extend(ox.Quad(*map(snap.ox, q)) for q in snap.quads)
    _default_is_union(store)
    return store, "the bundled plan, built in memory"


def _default_is_union(store) -> None:
    """Copy every named graph's triples into the default graph.

    The default graph is then the RDF merge of the named graphs (each triple once),
    as rdflib's union is; Oxigraph's own union option repeats a triple held by two
    graphs, which would double counts. GRAPH and FROM still see the named graphs.
    """
    import pyoxigraph as ox

    triples = {(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, None)}
    store.bulk_extend(ox.Quad(s, p, o, ox.DefaultGraph()) for s, p, o in triples)


def graph_names(store) -> set[str]:
    return {g.value for g in store.named_graphs()}


# -- evaluation ------------------------------------------------------------------------


@dataclass
class Result:
    kind: str  # "solutions", "boolean" or "graph"
    payload: bytes  # SPARQL JSON results, or N-Triples


def evaluate(store, text: str, substitutions: dict | None = None) -> Result:
    import pyoxigraph as ox

    try:
        result = store.query(text, substitutions=substitutions or None)
        if isinstance(result, ox.QueryTriples):
            return Result("graph", result.serialize(format=ox.RdfFormat.N_TRIPLES) or b"")
        kind = "boolean" if isinstance(result, ox.QueryBoolean) else "solutions"
        return Result(kind, result.serialize(format=ox.QueryResultsFormat.JSON))
    except SyntaxError as e:
        raise KGError(f"malformed SPARQL: {e}") from None
    except RuntimeError as e:
        if "projection" in str(e):
            raise KGError(
                f"{e}: a parameter of a SELECT query must be in its SELECT clause (pyoxigraph binds it there)"
            ) from None
        raise KGError(f"query failed: {e}") from None
    except (ValueError, OSError) as e:
        raise KGError(f"query failed: {e}") from None


class QueryTimeout(KGError):
    pass


def run_with_timeout(fn, timeout: float | None):
    """Run ``fn`` in a forked child that is killed when ``timeout`` seconds pass.

    A thread cannot be stopped, and pyoxigraph has no deadline of its own: a process can.
    """
    if not timeout:
        return fn()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, exit without running the parent's cleanup
        os.close(read_fd)
        try:
            payload = pickle.dumps(("ok", fn()))
        except KGError as e:
            payload = pickle.dumps(("error", str(e)))
        except BaseException as e:
            payload = pickle.dumps(("error", f"query failed: {type(e).__name__}: {e}"))
        with os.fdopen(write_fd, "wb") as out:
            out.write(payload)
        os._exit(0)
    os.close(write_fd)
    deadline = time.monotonic() + timeout
    chunks = []
    try:
        while True:
            remaining = deadline - time.monotonic()
            ready = select.select([read_fd], [], [], max(0.0, remaining))[0] if remaining > 0 else []
            if not ready:
                os.kill(pid, signal.SIGKILL)
                raise QueryTimeout(f"the query ran past the {timeout:g} s timeout and was stopped")
            chunk = os.read(read_fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_fd)
        os.waitpid(pid, 0)
    status, value = pickle.loads(b"".join(chunks))
    if status == "error":
        raise KGError(value)
    return value


def run(store, text: str, bindings: dict | None = None, timeout: float | None = None) -> Result:
    """Inspect, bind, then evaluate (in a child process when a timeout is set).

    SELECT, ASK and DESCRIBE take the parameters as pyoxigraph substitutions (SEP-0007:
    the term replaces the variable everywhere). pyoxigraph ignores substitutions in a
    CONSTRUCT, so there they open the WHERE clause as a VALUES block.
    """
    import pyoxigraph as ox

    graphs = graph_names(store)
    kind = inspect(text, graphs)
    substitutions = None
    if bindings and kind == "CONSTRUCT":
        text = with_values(text, bindings)
        inspect(text, graphs)
    elif bindings:
        substitutions = {ox.Variable(name): term for name, term in bindings.items()}
    return run_with_timeout(lambda: evaluate(store, text, substitutions), timeout)


# -- output ----------------------------------------------------------------------------


def _compact(iri: str) -> str:
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(str(kv[1]))):
        if iri.startswith(str(ns)):
            return f"{prefix}:{iri[len(str(ns)) :]}"
    return iri


def rows(result: Result) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a SELECT result as plain strings (prefixed IRIs)."""
    data = json.loads(result.payload)
    if result.kind == "boolean":
        return ["ask"], [[str(data["boolean"]).lower()]]
    variables = data["head"]["vars"]
    out = []
    for binding in data["results"]["bindings"]:
        row = []
        for var in variables:
            value = binding.get(var)
            if value is None:
                row.append("")
            elif value["type"] == "uri":
                row.append(_compact(value["value"]))
            else:
                row.append(value["value"])
        out.append(row)
    return variables, out


def format_result(result: Result, fmt: str) -> bytes:
    import pyoxigraph as ox

    if result.kind == "graph":
        fmt = "ttl" if fmt in ("table",) else fmt
        if fmt not in GRAPH_FORMATS:
            raise KGError(f"--format {fmt} is for SELECT and ASK; a graph result takes {', '.join(GRAPH_FORMATS)}")
        triples = list(ox.parse(result.payload, format=ox.RdfFormat.N_TRIPLES))
        rdf = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}[fmt]
        prefixes = {k: str(v) for k, v in PREFIXES.items()} if fmt != "nt" else None
        return ox.serialize(triples, format=rdf, prefixes=prefixes) or b""
    if fmt in GRAPH_FORMATS:
        raise KGError(
            f"--format {fmt} is for CONSTRUCT and DESCRIBE; a SELECT or ASK takes {', '.join(RESULT_FORMATS)}"
        )
    if fmt == "table":
        header, body = rows(result)
        text = render_table(header, body, [False] * len(header))
        return (text + f"\n({len(body)} row{'s' if len(body) != 1 else ''})\n").encode()
    formats = {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV, "xml": ox.QueryResultsFormat.XML}
    if fmt == "json":
        return result.payload + b"\n"
    if fmt not in formats:
        raise KGError(f"unknown format {fmt!r}; choose from {', '.join(RESULT_FORMATS + GRAPH_FORMATS)}")
    return ox.parse_query_results(result.payload, format=ox.QueryResultsFormat.JSON).serialize(format=formats[fmt])
