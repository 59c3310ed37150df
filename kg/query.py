"""SPARQL over the graph: the named-query library, safe parameter binding, read-only
evaluation in pyoxigraph with a timeout, and the result formats.

Every query is read by kg.guard before anything evaluates it: updates, SERVICE, and
FROM / FROM NAMED with an IRI that names no graph of the dataset are refused, because
pyoxigraph would otherwise reach the network. Nothing here imports rdflib: a query
answered from a build costs pyoxigraph's import and the query itself.
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

from kg import guard
from kg.errors import KGError
from kg.formats import GRAPH_FORMATS, RESULT_FORMATS
from kg.namespaces import PREFIXES, XSD, compact, expand, query_prefixes
from kg.table import render as render_table

MAX_QUERY_CHARS = guard.MAX_QUERY_CHARS


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
    """'-' for standard input, an existing FILE, NAME of a named query, or the SPARQL text.

    A file is looked for first, so a file named select-tasks.rq is read, not parsed as
    SPARQL; a name ending in .rq that is no file is "no such file"."""
    if arg == "-":
        return stdin_text or "", None
    path = Path(arg)
    try:
        is_file = "\n" not in arg and path.is_file()
    except OSError:  # too long, or otherwise no name a file could have
        is_file = False
    if is_file:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise KGError(f"{path}: cannot read the query: {e}") from None
        return text, parse_header(path.stem, text)
    if arg.endswith(".rq"):
        raise KGError(f"{arg}: no such file")
    named = library()
    if arg in named:
        return named[arg].text, named[arg]
    if re.search(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE|PREFIX|BASE|INSERT|DELETE|LOAD|CLEAR|DROP|CREATE)\b", arg, re.I):
        return arg, None
    raise KGError(f"no named query, file or SPARQL text {arg!r}; `kg queries` lists the named queries")


# -- inspection: nothing evaluates a query that kg.guard has not passed -----------------


def inspect(text: str, local_graphs: set[str] | frozenset[str] = frozenset()) -> str:
    """The query form (SELECT, CONSTRUCT, ASK or DESCRIBE) of a query it is safe to run."""
    return _inspect(text, frozenset(local_graphs))


@functools.lru_cache(maxsize=512)
def _inspect(text: str, local_graphs: frozenset[str]) -> str:
    return guard.inspect(text, local_graphs)


# -- parameters ------------------------------------------------------------------------


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


def with_values(text: str, bindings: dict) -> str:
    """The query with ``VALUES ?p { term }`` opening its WHERE clause, one per parameter,
    and the WHERE clause of each subquery: a subquery sees only what it binds itself, and
    the substitution this stands for (SEP-0007) binds the name everywhere.

    The terms are serialized by pyoxigraph (N-Triples syntax, escaped), so a value
    is always one RDF term: it cannot close a string or a group and add SPARQL. A FILTER or
    BIND inside a nested group (a UNION branch) is evaluated before the VALUES joins and
    sees the parameter unbound: the named queries use theirs in the top group, a
    subquery or an OPTIONAL.
    """
    if not bindings:
        return text
    depth, seen_where, seen_construct, top = 0, False, False, None
    inserts: list[int] = []
    subquery_at: int | None = None  # the depth of a subquery's SELECT whose group is next
    for tok in guard.tokens(text):
        word = tok.text.upper() if tok.kind == "word" else ""
        if word == "CONSTRUCT":
            seen_construct = True
        elif word == "WHERE" and depth == 0:
            seen_where = True
        elif word == "SELECT" and depth > 0:
            subquery_at = depth
        elif tok.kind == "other" and tok.text == "{":
            if depth == 0 and top is None and (seen_where or not seen_construct):
                top = tok.start + 1
                inserts.append(top)
            elif subquery_at is not None and depth == subquery_at:
                inserts.append(tok.start + 1)
                subquery_at = None
            depth += 1
        elif tok.kind == "other" and tok.text == "}":
            depth = max(0, depth - 1)
    if top is None:
        raise KGError("cannot find the WHERE clause to bind the parameters in")
    values = " ".join(f"VALUES ?{name} {{ {term} }}" for name, term in sorted(bindings.items()))
    for at in sorted(inserts, reverse=True):
        text = text[:at] + " " + values + " " + text[at:]
    return text


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

    from kg import builddir

    path = store_path(data, inferred)
    if path is not None:
        return builddir.open_store(path.parent), str(path)
    where = builddir.locate(data)
    if where is not None and where.is_dir():
        on_disk = builddir.open_store(where)
        if on_disk is not None:  # and what HermiT inferred: a copy in memory, with that graph added
            store = in_memory(on_disk)
            store.bulk_load(path=str(where / builddir.INFERRED_FILE), format=ox.RdfFormat.TRIG)
            return with_union(store), f"{where / builddir.STORE}, {where / builddir.INFERRED_FILE}"
    store = ox.Store()
    candidates = [] if where is None else _build_files(where, inferred) if where.is_dir() else [where]
    if candidates:
        for path in candidates:
            fmt = ox.RdfFormat.from_extension(path.suffix.lstrip(".")) if path.suffix else None
            if fmt is None:
                raise KGError(f"{path}: unknown RDF format; use .trig, .nq, .ttl, .nt, .jsonld or .rdf")
            try:
                store.bulk_load(path=str(path), format=fmt)
            except (SyntaxError, ValueError, OSError) as e:
                raise KGError(f"{path}: cannot load: {e}") from None
        return with_union(store), ", ".join(str(p) for p in candidates)
    from kg import build, rdf, resources

    store.bulk_extend(build.dataset([]).with_ontology(rdf.load_ontology(resources.ontology_file())).quads)
    return with_union(store), "the bundled plan, built in memory"


def store_path(data: str | None = None, inferred: bool = False) -> Path | None:
    """The on-disk store load_store opens read-only for ``data``, if it opens one: a build
    with a store, unless HermiT's inferences are asked for (they are not in the store)."""
    from kg import builddir

    where = builddir.locate(data)
    if where is None or not where.is_dir() or not (where / builddir.STORE).is_dir():
        return None
    if inferred and (where / builddir.INFERRED_FILE).exists():
        return None
    return where / builddir.STORE


def _build_files(folder: Path, inferred: bool) -> list[Path]:
    """A build's graph, and what HermiT inferred when asked for and there."""
    from kg import builddir

    extra = folder / builddir.INFERRED_FILE
    return [folder / builddir.FULL_FILE] + ([extra] if inferred and extra.exists() else [])


def in_memory(store):
    """A copy of ``store`` (an on-disk one, say) in memory, where queries run faster."""
    import pyoxigraph as ox

    copy = ox.Store()
    copy.bulk_extend(store.quads_for_pattern(None, None, None, None))
    return copy


def has_union(store) -> bool:
    """Whether the store's default graph holds the union of its named graphs (kg build
    writes it; with_union adds it to a store loaded from files)."""
    import pyoxigraph as ox

    return next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None


def with_union(store):
    """The store with the union of its named graphs, each triple once, as its default graph."""
    store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    return store


def graph_names(store) -> set[str]:
    return {g.value for g in store.named_graphs()}


# -- evaluation ------------------------------------------------------------------------


@dataclass
class Result:
    kind: str  # "solutions", "boolean" or "graph"
    payload: bytes  # SPARQL JSON results, or N-Triples


@dataclass(frozen=True)
class Dataset:
    """The protocol's graph parameters: the graphs to take as the default graph and as the
    named graphs (None: the store's own union default graph and all its named graphs)."""

    default: tuple[str, ...] | None = None
    named: tuple[str, ...] | None = None


_SYNTAX = re.compile(r"^error at (\d+):(\d+): (.*)$", re.S)


def syntax_message(error: str, text: str = "") -> str:
    """pyoxigraph's parse error as one line: line, column, what stands there, what was expected."""
    m = _SYNTAX.match(error.strip())
    if not m:
        return "malformed SPARQL: " + " ".join(error.split())[:200]
    line, col = int(m.group(1)), int(m.group(2))
    what = " ".join(m.group(3).split())
    if len(what) > 120:
        what = what[:117] + "…"
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    near = lines[line - 1][col - 1 : col + 19].strip() if 0 < line <= len(lines) else ""
    shown = f" near {near!r}" if near else " at the end of the query"
    return f"malformed SPARQL at line {line}, column {col}{shown}: {what}"


_PREFIXES = query_prefixes()


def evaluate(store, text: str, dataset: Dataset | None = None) -> Result:
    """One query on the store, with the standard prefixes predeclared; the result serialized."""
    import pyoxigraph as ox

    # The default graph is the union of the named graphs, each triple once (with_union),
    # unless the protocol's default-graph-uri names graphs. A store without it (written by
    # an earlier kg) takes Oxigraph's union, which counts a triple once per graph.
    graphs: dict = {} if has_union(store) else {"use_default_graph_as_union": True}
    if dataset is not None and dataset.default is not None:
        graphs = {"default_graph": [ox.NamedNode(g) for g in dataset.default]}
    if dataset is not None and dataset.named is not None:
        graphs["named_graphs"] = [ox.NamedNode(g) for g in dataset.named]
    try:
        result = store.query(text, prefixes=_PREFIXES, **graphs)
        if isinstance(result, ox.QueryTriples):
            return Result("graph", result.serialize(format=ox.RdfFormat.N_TRIPLES) or b"")
        kind = "boolean" if isinstance(result, ox.QueryBoolean) else "solutions"
        return Result(kind, result.serialize(format=ox.QueryResultsFormat.JSON))
    except SyntaxError as e:
        raise KGError(syntax_message(str(e), text)) from None
    except RuntimeError as e:
        raise KGError(f"query failed: {' '.join(str(e).split())}") from None
    except (ValueError, OSError) as e:
        raise KGError(f"query failed: {' '.join(str(e).split())}") from None


class QueryTimeout(KGError):
    pass


def run_with_timeout(fn, timeout: float | None):
    """Run ``fn`` in a forked child that is killed when ``timeout`` seconds pass.

    A thread cannot be stopped, and pyoxigraph has no deadline of its own: a process can.
    (Waiting uses poll(), which has no ceiling on descriptor numbers, unlike select().)
    Where there is no fork, the query runs in this process without a time limit.
    """
    if not timeout or not hasattr(os, "fork"):
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
    poller = select.poll()
    poller.register(read_fd, select.POLLIN | select.POLLHUP)
    status = 0
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not poller.poll(remaining * 1000):
                os.kill(pid, signal.SIGKILL)
                raise QueryTimeout(f"the query ran past the {timeout:g} s timeout and was stopped")
            chunk = os.read(read_fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_fd)
        _, status = os.waitpid(pid, 0)
    if not chunks:
        how = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit code {os.WEXITSTATUS(status)}"
        raise KGError(f"the query crashed the process that ran it ({how})")
    outcome, value = pickle.loads(b"".join(chunks))
    if outcome == "error":
        raise KGError(value)
    return value


def run(
    store,
    text: str,
    bindings: dict | None = None,
    timeout: float | None = None,
    dataset: Dataset | None = None,
    graphs: set[str] | None = None,
) -> Result:
    """Inspect, bind, then evaluate (in a child process when a timeout is set).

    The parameters open the WHERE clause, and each subquery's, as VALUES blocks
    (with_values), in every query form: the text other engines get and the query page
    shows. pyoxigraph's own substitutions (SEP-0007) were not used by its optimizer: at
    1,000 plans goal-targets took 5.3 s with them and 0.07 s with VALUES, and CONSTRUCT
    ignores them. ``graphs``: the store's named graphs, when the caller already knows them.
    """
    graphs = graph_names(store) if graphs is None else graphs
    inspect(text, graphs)
    if bindings:
        text = with_values(text, bindings)
        inspect(text, graphs)
    return run_with_timeout(lambda: evaluate(store, text, dataset), timeout)


# -- output ----------------------------------------------------------------------------


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
                row.append(compact(value["value"]))
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
        if fmt in ("nt", "nq"):  # the triples of a graph result are N-Quads in the default graph
            return result.payload
        triples = list(ox.parse(result.payload, format=ox.RdfFormat.N_TRIPLES))
        rdf = {"ttl": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD, "rdf": ox.RdfFormat.RDF_XML}[fmt]
        return ox.serialize(triples, format=rdf, prefixes=dict(PREFIXES)) or b""
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
