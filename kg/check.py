"""The quality gate: OWL reasoning (HermiT), SHACL shapes, and SPARQL checks.

`kg build` runs it before it writes anything, so a graph that fails never reaches build/.

It scales to a corpus by checking each thing where it is cheap:
- the shapes and segment_texts, document by document (each document's graph with the
  ontology's class hierarchy), in the workers that read the reports when `kg build` runs
  several;
- the SPARQL checks, on the whole graph at once (Oxigraph), corpus-wide questions included,
  such as one entity typed two disjoint ways by two documents;
- HermiT, on the ontology and a sample: the documents, in graph order, up to
  REASONER_SAMPLE triples (every document of a small build). Beyond the sample, the
  inferred class memberships are those the class hierarchy implies.
"""

from __future__ import annotations

import heapq
import re
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from kg import resources
from kg.errors import GateFailed, KGError
from kg.namespaces import DOCUMENT_GRAPH, node_prefix
from kg.rdf import ONT, RDF, RDFS, Data, Graph, NamedNode, Quad, Triple, load_ontology, sort_key
from kg.reasoner import CONSISTENT, reason, superclasses
from kg.reasoner import display_label as _label
from kg.table import render

INFERRED_GRAPH = "inferred"
REASONER_SAMPLE = 20_000  # triples of documents HermiT reasons over, beside the ontology


@dataclass(frozen=True)
class Finding:
    gate: str  # "reasoner", "shapes" or "checks"
    severity: str  # "error", "warning" or "info"
    focus: str
    path: str
    message: str


@dataclass(frozen=True)
class KeptAnswer:
    """HermiT's answer to the last build, when it is this one's too (kg.held): the same
    ontology, HermiT (reasoner.identity) and sample (``sampled``: its document graphs, none
    changed, nor the statements they share with others; ``taken``: how many of them whole,
    Report.sample), which it found consistent, its memberships all of the sample's nodes and
    of the shared ones. ``held``: the prefixes
    (``<base><id>/``) of the documents held whole, beyond the sample, whose nodes'
    memberships the class hierarchy gives."""

    sampled: tuple[str, ...]
    taken: int
    held: frozenset[str]


@dataclass
class Report:
    consistent: bool | None = None  # None: reasoning skipped
    reasoner_note: str = ""
    inferred: list[tuple] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    sample: tuple[int, int] = (0, 0)  # documents HermiT reasoned over, of all
    # What a rebuild needs of this gate (kg.held): the document graphs in HermiT's sample, and
    # how many of HermiT's memberships are of other documents' nodes (beyond the hierarchy's).
    sampled: list[str] = field(default_factory=list)
    beyond: int = 0
    # Memberships of the nodes of a rebuild's absent reports: the last build's, copied into
    # the inferred files, not held (kg.held).
    inferred_kept: int = 0

    @property
    def inferred_count(self) -> int:
        return len(self.inferred) + self.inferred_kept

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def failed(self) -> bool:
        """The graph is wrong: inconsistent, or a structural check failed."""
        return self.consistent is False or bool(self.errors)

    def fails(self, strict: bool = False) -> bool:
        """Whether the gate refuses the graph; ``strict`` refuses extraction-quality warnings too."""
        return self.failed or (strict and bool(self.warnings))

    def count(self, gate: str, severity: str) -> int:
        return sum(1 for f in self.findings if f.gate == gate and f.severity == severity)


# -- shapes ---------------------------------------------------------------------------


def shacl(full: Graph, store=None) -> list[Finding]:
    """SHACL results (kg.shapes): a Violation is an error, a Warning a warning."""
    from kg import shapes

    store = store if store is not None else memory_store(full)
    found = [
        Finding("shapes", severity, focus, path, message)
        for severity, focus, path, message in shapes.validate(full, store, lambda node: _label(full, node))
    ]
    return sorted(found, key=lambda f: (f.severity, f.focus, f.path, f.message))


def memory_store(*parts: Iterable[Triple]):
    """An in-memory store of the triples of ``parts`` (each once), in its default graph."""
    import pyoxigraph as ox

    store = ox.Store()
    store.extend(Quad(s, p, o) for part in parts for s, p, o in part)
    return store


# -- SPARQL checks ------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    name: str
    title: str
    severity: str
    query: str
    # "node": a finding on a node (its first column) depends only on what the graphs that
    # name that node state (their documents' own nodes, the ontology), so a rebuild asks
    # again only of the nodes the changed reports name (Scope); "corpus": asked whole.
    scope: str = "corpus"

    def focused(self, nodes: Iterable[str]) -> str:
        """The query asked of ``nodes`` alone (IRIs): a VALUES block of its first column's
        variable, where a line ``# VALUES`` marks it (inside the subquery that reads every
        node), else opening the first WHERE clause."""
        variable = re.search(r"SELECT\s+(?:DISTINCT\s+)?(\?\w+)", self.query, flags=re.IGNORECASE)
        if variable is None:
            raise KGError(f"check {self.name}: a check of scope node selects its node first")
        block = f"VALUES {variable.group(1)} {{ {' '.join(f'<{n}>' for n in sorted(nodes))} }}"
        marked = re.search(r"^[ \t]*# VALUES[ \t]*$", self.query, flags=re.MULTILINE)
        if marked is not None:
            return self.query[: marked.start()] + block + self.query[marked.end() :]
        where = re.search(r"WHERE\s*\{", self.query, flags=re.IGNORECASE)
        if where is None:
            raise KGError(f"check {self.name}: no WHERE clause")
        return self.query[: where.end()] + "\n  " + block + self.query[where.end() :]


@dataclass(frozen=True)
class Scope:
    """What a rebuild's checks ask again: the nodes (IRIs) the changed and removed reports'
    graphs name, old and new; every other node's findings of a node-scope check are
    ``kept``'s (the last build's, by check name)."""

    nodes: frozenset
    kept: dict


def load_checks(folder: Path | None = None) -> list[Check]:
    """queries/checks/*.rq: each row a query returns is a problem, as ROBOT's verify."""
    folder = folder or resources.data_dir("queries") / "checks"
    checks = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        header = dict(re.findall(r"^#\s*(\w+):\s*(.+)$", text, flags=re.MULTILINE))
        severity = header.get("severity", "error").strip()
        if severity not in ("error", "warning", "info"):
            raise KGError(f"{path}: severity must be error, warning or info, not {severity!r}")
        scope = header.get("scope", "corpus").strip()
        if scope not in ("node", "corpus"):
            raise KGError(f"{path}: scope must be node or corpus, not {scope!r}")
        checks.append(Check(path.stem, header.get("title", path.stem).strip(), severity, text, scope))
    return checks


def checks_key(folder: Path | None = None) -> str:
    """A hash of the checks and of the code that runs them: the last build's findings are
    kept (Scope) only while it is the same."""
    folder = folder or resources.data_dir("queries") / "checks"
    return resources.files_digest([Path(__file__), *sorted(folder.glob("*.rq"))]).hexdigest()


def sparql_checks(
    full: Graph | None = None, checks: list[Check] | None = None, store=None, scope: Scope | None = None
) -> list[Finding]:
    """The checks' findings on ``full`` (or on ``store``, when given, which holds it), in the
    checks' order. With ``scope`` (a rebuild's), a node-scope check is asked of its nodes
    alone and the last build's findings on every other node are kept: the same findings."""
    store = store if store is not None else memory_store(full or ())
    found = []
    for check in checks if checks is not None else load_checks():
        if scope is None or check.scope != "node" or check.name not in scope.kept:
            found += _check_findings(store, check)
            continue
        kept = [f for f in scope.kept[check.name] if f.focus not in scope.nodes]
        asked = _check_findings(store, check, check.focused(scope.nodes)) if scope.nodes else []
        found += sorted(kept + asked, key=lambda f: (f.focus, f.message))
    return found


def _check_findings(store, check: Check, query: str | None = None) -> list[Finding]:
    try:
        solutions = store.query(query or check.query)
        variables = solutions.variables
        rows = [[row[v] for v in variables] for row in solutions]
    except (SyntaxError, ValueError, OSError) as e:
        raise KGError(f"check {check.name}: {e}") from None
    findings = []
    for values in rows:
        focus = values[0].value if values and values[0] is not None else ""
        message = " ".join(str(v.value) for v in values[1:] if v is not None)
        findings.append(
            Finding("checks", check.severity, str(focus), check.name, f"{check.title}: {message}".rstrip(": "))
        )
    # In one order whatever the query's (or the engine's, for a query without ORDER BY).
    return sorted(findings, key=lambda f: (f.focus, f.message))


# -- all gates ----------------------------------------------------------------------


def shapes_graph(doc: Iterable[Triple], ontology: Graph) -> Graph:
    """One document's graph with the ontology's class hierarchy (what targets by class and
    sh:class need; the framework's individuals are in the document graph already)."""
    hierarchy = Graph(Triple(s, RDFS.subClassOf, o) for s, o in ontology.subject_objects(RDFS.subClassOf))
    # A Graph's statements merged with the hierarchy's, not a Triple made and sorted for
    # each of them (0.7 GB at a plan of 4 MB).
    return doc.plus(hierarchy) if isinstance(doc, Graph) else Graph([*doc, *hierarchy])


def document_shapes(doc: Iterable[Triple], ontology: Graph) -> list[Finding]:
    """The shapes' findings on one document's graph (with the class hierarchy), and
    segment_texts'."""
    return graph_shapes(shapes_graph(doc, ontology))


def graph_shapes(graph: Graph, store=None) -> list[Finding]:
    """document_shapes of a shapes_graph; ``store``: a store that holds it (or its document's
    graph and the whole ontology: a StoreView), which its SPARQL parts query."""
    return shacl(graph, store) + segment_texts(graph)


class StoreView:
    """A build's on-disk store as the gate queries it: its default graph the union of
    ``graphs`` (one document's graph and the ontology's, for that document's shapes), or of
    all its graphs. The gate reads the store the build writes, not an in-memory copy of the
    data: that copy was ~0.3 GB at a plan of 4 MB (+0.16 GB while it loaded), beside the
    ~0.6 GB of the build's own quads."""

    def __init__(self, store, graphs: Iterable[NamedNode] | None = None) -> None:
        from kg.query import has_union

        self.store = store
        if graphs is not None:
            self._options: dict = {"default_graph": list(graphs)}
        else:  # a corpus's store holds that union (kg.store.write_store); a plan's has none
            self._options = {} if has_union(store) else {"use_default_graph_as_union": True}

    def query(self, text: str, **options):
        return self.store.query(text, **self._options, **options)


SEGMENT_TEXT = "segment-text"
_SEGMENT_TEXT_TITLE = "a segment's text is not its source document's text at its offsets"


def segment_texts(graph: Graph) -> list[Finding]:
    """An error for each segment whose text (zhText, or enText when it has none) is not its
    source document's text (dckg:content) at its offsets [startOffset, endOffset): the
    provenance must quote the source. In Python, where slicing the text is one step: as a
    SPARQL constraint, SUBSTR counted the characters from the start of the whole text for
    every segment, quadratic in the document's length."""
    found = []
    for doc in graph.subjects(ONT.content):
        content = graph.value(doc, ONT.content).value
        for seg in graph.subjects(ONT.sourceDocument, doc):
            texts = graph.objects(seg, ONT.zhText) or graph.objects(seg, ONT.enText)
            for start in graph.objects(seg, ONT.startOffset):
                for end in graph.objects(seg, ONT.endOffset):
                    try:
                        a, b = int(start.value), int(end.value)
                    except ValueError:
                        a, b = -1, -1  # not a number: nothing in the text is there
                    quoted = content[a:b] if 0 <= a <= b else None
                    for text in texts:
                        if text.value != quoted:
                            found.append(Finding("checks", "error", seg.value, SEGMENT_TEXT,
                                                 f"{_SEGMENT_TEXT_TITLE}: [{start.value}, {end.value})"))  # fmt: skip
    return sorted(set(found), key=lambda f: (f.focus, f.message))


def facts_shapes(facts, base: str) -> list[Finding]:
    """document_shapes of a report's facts: what a worker runs after reading the report."""
    from kg import framework, graph

    ontology = load_ontology(resources.ontology_file())
    data = graph.build([facts], framework.load(resources.ontology_file()), base)
    return document_shapes(data.union(), ontology)


def _sample(data: Data | Mapping, names: list | None = None) -> tuple[list[Triple], int]:
    """The documents' triples HermiT reasons over (in graph order, up to REASONER_SAMPLE),
    and how many whole documents that is. A first document larger than that is cut there,
    at the end of a subject's triples (0 whole documents): HermiT's time and memory grow
    faster than the graph (7 s at 0.2 million triples, past the JVM's memory at 0.9).
    ``data``: the data, or its document graphs by name (kg.held.Graphs); ``names`` gets
    the graphs taken (with the first when it is cut)."""
    triples: list[Triple] = []
    taken = 0
    for name, graph in (data.graphs() if isinstance(data, Data) else data).items():
        if names is not None:
            names.append(name.value)
        if len(triples) + len(graph) > REASONER_SAMPLE:
            if not taken:
                statements = graph.statements
                end = min(REASONER_SAMPLE, len(statements))
                while 0 < end < len(statements) and statements[end].subject == statements[end - 1].subject:
                    end += 1
                triples.extend(Graph(statements[:end], presorted=True))
            elif names is not None:
                names.pop()
            break
        triples.extend(graph)
        taken += 1
    return triples, taken


def _hierarchy_memberships(data: Data, ontology: Graph, skip: set) -> list[Triple]:
    """Class memberships the class hierarchy implies for the individuals not in ``skip``,
    sorted (sort_key)."""
    above = superclasses(ontology)
    # The union's rdf:type statements (its predicate index, which the outputs use after),
    # not a pass reading every quad's terms: 0.3 s at 1,000 reports instead of 1.1. They
    # come in the order of their text, so a node's lie together, and the nodes in the
    # order of theirs: each node's classes are gathered as they come (no lookup per
    # statement), and its triples made sorted, by its classes' text (no sort of them all).
    # Most nodes share their set of classes with many others (every sentence, every task):
    # what a set implies is worked out once.
    implies: dict = {}
    out: list = []

    def add(node, asserted: frozenset) -> None:
        if isinstance(node, NamedNode) and node not in skip:
            implied = implies.get(asserted)
            if implied is None:
                implied = implies[asserted] = sorted(set().union(*map(above, asserted)) - asserted, key=str)
            out.extend(Triple(node, RDF.type, c) for c in implied)

    node, classes = None, []
    for t in data.union().statements_with(RDF.type):
        s = t.subject
        if s != node:
            if classes:
                add(node, frozenset(classes))
            node, classes = s, []
        classes.append(t.object)
    if classes:
        add(node, frozenset(classes))
    return out


def run(
    data: Data,
    ontology: Graph,
    require_reasoner: bool = False,
    reasoner: bool = True,
    shapes_found: list[Finding] | Callable[[], list[Finding]] | None = None,
    store=None,
    checks_found: tuple[list[Finding], float] | Callable[[], tuple[list[Finding], float]] | None = None,
    graphs: Mapping | None = None,
    kept: KeptAnswer | None = None,
) -> Report:
    """All three gates over the ontology plus the data. ``shapes_found``: the shapes'
    findings already made document by document (by the workers that read the reports), or
    a function that makes them; ``store``: a store of the ontology and the data (a StoreView
    of the build's), which the SPARQL checks query; without it, they query an in-memory
    store made here. The checks start first, on a thread of their own: Oxigraph evaluates a
    query without the GIL for much of its time, so they run while HermiT (a process of its
    own) and the shapes do: the gate of a 4 MB plan took 11 s instead of 14. (Four threads
    of checks at once were no faster there, and held ~0.1 GB more.) The report is the same
    whatever finishes first. ``checks_found``: the checks' findings and seconds, made
    already (kg build runs them as soon as its store is written), or a function that
    waits for them: not run again. ``graphs``: the document graphs by name, when ``data``
    does not hold them all (a rebuild's, kg.held: the memberships of the nodes of those it
    does not hold are then the caller's to add). ``kept``: what HermiT answered the last
    build, which holds for this one (kg.held): HermiT is not asked, and the memberships
    made are those of the nodes of the documents ``data`` holds whole (the caller adds the
    rest, the last build's)."""
    report = Report()
    union = data.union() if store is None and checks_found is None else None

    def run_checks() -> tuple[list[Finding], float]:
        if checks_found is not None:
            return checks_found() if callable(checks_found) else checks_found
        return timed_checks(store if store is not None else memory_store(ontology, union))

    with ThreadPoolExecutor(max_workers=1) as pool:  # waited for on the way out, even on an error
        checks = pool.submit(run_checks)
        start = time.perf_counter()
        _reason(report, data, ontology, require_reasoner, reasoner, graphs, kept)
        report.seconds["reasoner"] = time.perf_counter() - start
        start = time.perf_counter()
        if shapes_found is None:
            shapes_found = [f for graph in data.graphs().values() for f in document_shapes(graph, ontology)]
        elif callable(shapes_found):
            shapes_found = shapes_found()
        # A shared entity is in several document graphs: what is found on it, once.
        report.findings += sorted(set(shapes_found), key=lambda f: (f.severity, f.focus, f.path, f.message))
        report.seconds["shapes"] = time.perf_counter() - start
        found, report.seconds["checks"] = checks.result()
    report.findings += found
    return report


def _reason(
    report: Report,
    data: Data,
    ontology: Graph,
    require_reasoner: bool,
    reasoner: bool,
    graphs: Mapping | None = None,
    kept: KeptAnswer | None = None,
) -> None:
    """HermiT on the ontology and the sample, into ``report``; the class hierarchy's
    memberships for the individuals beyond the sample (of ``data``; run's ``graphs``).
    ``kept``: HermiT's answer is the last build's (run's)."""
    if not reasoner:
        report.reasoner_note = "OWL reasoning not requested"
        return
    graphs = data.graphs() if graphs is None else graphs
    total = len(graphs)
    if kept is not None:  # the last build's answer (kg.held): the memberships of the documents held
        report.consistent, report.reasoner_note, taken = True, CONSISTENT, kept.taken
        report.sampled = list(kept.sampled)
        base = data.prefixes.get("id", "")
        found = _hierarchy_memberships(data, ontology, set())
        report.inferred = [t for t in found if node_prefix(t.subject.value, base) in kept.held]
    else:
        sample, taken = _sample(graphs, report.sampled)
        report.consistent, report.inferred, report.reasoner_note = reason(Graph([*ontology, *sample]), require_reasoner)
        seen = {t.subject for t in sample}
        report.beyond = _beyond(report.inferred, seen, data.prefixes.get("id"), graphs)
        if taken < total:
            merge_inferred(report, _hierarchy_memberships(data, ontology, seen))
    report.sample = (taken, total)
    if taken < total:
        report.reasoner_note += f", on the ontology and {_sampled(report)}"
    if report.consistent is False:
        report.findings.append(Finding("reasoner", "error", "", "", report.reasoner_note))


def merge_inferred(report: Report, more: list) -> None:
    """``more`` memberships (sorted) into the report's: both sorted, so merged, not sorted
    again (~0.2 s at 1,000 reports); a membership both give (HermiT's of a node the sample
    names but does not describe) once."""
    merged: list = []
    for t in heapq.merge(report.inferred, more, key=sort_key):
        if not merged or merged[-1] != t:
            merged.append(t)
    report.inferred = merged


def _beyond(inferred: list, seen: set, base: str | None, graphs: Mapping) -> int:
    """How many of HermiT's memberships are of a document's node (``<base><id>/…``, its graph
    among ``graphs``) that the sample does not describe: kg.held keeps a document's
    memberships from the last build only where none are."""
    count = 0
    for t in inferred if base else ():
        prefix = node_prefix(t.subject.value, base) if t.subject not in seen else None
        count += prefix is not None and NamedNode(prefix + DOCUMENT_GRAPH) in graphs
    return count


def timed_checks(store, scope: Scope | None = None) -> tuple[list[Finding], float]:
    """sparql_checks on ``store`` (``scope``: a rebuild's, kg.store), and the seconds they took."""
    start = time.perf_counter()
    return sparql_checks(store=store, scope=scope), time.perf_counter() - start


def _sampled(report: Report) -> str:
    """What of the documents HermiT reasoned over, when not all of them."""
    taken, total = report.sample
    if taken == 0:
        return f"the first ~{REASONER_SAMPLE:,} triples of the first of {total} document(s)"
    return f"{taken} of {total} documents"


def inferred_dataset(report: Report, graph_iri: str) -> Data:
    """The inferred class memberships in a named graph of their own."""
    name = NamedNode(graph_iri)
    # report.inferred is sorted and each once (reason's, merged in _reason), and so are its
    # quads in one graph: a quad's text is its triple's and the graph's after.
    return Data([Quad(s, p, o, name) for s, p, o in report.inferred], {"dckg": str(ONT)}, presorted=True)


def summary(report: Report) -> dict:
    """The counts of a report (no timings: files that hold it stay byte-identical)."""
    return {
        "consistent": report.consistent,
        "inferred": report.inferred_count,
        "shape_violations": report.count("shapes", "error"),
        "shape_warnings": report.count("shapes", "warning"),
        "failed_checks": report.count("checks", "error"),
        "check_warnings": report.count("checks", "warning"),
    }


def failure(report: Report, strict: bool = False) -> GateFailed:
    what = []
    if report.consistent is False:
        what.append(f"inconsistent: {report.reasoner_note}")
    for severity, word in (("error", "failed"), ("warning", "warned")):
        if severity == "warning" and not strict:
            continue
        groups = _groups(report, {severity})
        if groups:
            names = ", ".join(f"{name} ({len(items)})" for (_, _, name), items in groups.items())
            what.append(f"{len(groups)} check(s) {word}: {names}")
    if strict and report.warnings and not report.failed:
        what.append("(--strict: warnings fail the gate)")
    return GateFailed("quality gate failed: " + "; ".join(what), format_report(report))


def _name(f: Finding) -> str:
    """A finding's check: the SPARQL check's file name, or the shape's message."""
    return f.path if f.gate == "checks" else (f.message or f.path or "shape")


def _groups(report: Report, severities: set[str]) -> dict[tuple[str, str, str], list[Finding]]:
    groups: dict[tuple[str, str, str], list[Finding]] = {}
    rank = {"error": 0, "warning": 1, "info": 2}
    for f in sorted(report.findings, key=lambda f: (rank[f.severity], f.gate, _name(f), f.focus)):
        if f.severity in severities:
            groups.setdefault((f.severity, f.gate, _name(f)), []).append(f)
    return groups


def _example(f: Finding) -> str:
    """The node and what the check says of it, shortened for one table cell."""
    text = f.focus or f.message
    if f.gate == "checks" and f.message and ": " in f.message:
        detail = f.message.split(": ", 1)[1]
        where = "/".join(f.focus.rstrip("/").split("/")[-2:]) if f.focus.startswith("http") else f.focus
        text = f"{detail} <{where}>" if where else detail
    text = " ".join(text.split())
    return text if len(text) <= 70 else text[:67] + "…"


def format_report(report: Report, verbose: bool = False, shown: int = 3) -> str:
    """Counts per gate, then each failing or warning check: name, count, first nodes with labels.

    ``verbose`` lists the notes (severity info) as well, and every node.
    """
    if report.consistent is None:
        reasoner = f"skipped ({report.reasoner_note})"
    elif report.consistent:
        reasoner = f"consistent, {report.inferred_count} inferred class memberships"
        if report.sample[0] < report.sample[1]:
            reasoner = f"consistent on the ontology and {_sampled(report)} (HermiT); "
            reasoner += f"{report.inferred_count} inferred class memberships"
    else:
        reasoner = "INCONSISTENT"
    lines = [
        f"reasoner  {reasoner} ({report.seconds.get('reasoner', 0):.2f} s)",
        f"shapes    {report.count('shapes', 'error')} violations, {report.count('shapes', 'warning')} warnings "
        f"({report.seconds.get('shapes', 0):.2f} s)",
        f"checks    {report.count('checks', 'error')} failed, {report.count('checks', 'warning')} warnings, "
        f"{report.count('checks', 'info')} notes ({report.seconds.get('checks', 0):.2f} s)",
    ]
    if report.consistent is False:
        lines.append(f"          {report.reasoner_note}")
    severities = {"error", "warning"} | ({"info"} if verbose else set())
    groups = _groups(report, severities)
    rows = []
    for (severity, gate, name), items in groups.items():
        items = [f for f in items if f.gate != "reasoner"]
        if not items:
            continue
        limit = len(items) if verbose else shown
        for k, f in enumerate(items[:limit]):
            first = k == 0
            rows.append([severity if first else "", gate if first else "", name if first else "",
                         str(len(items)) if first else "", _example(f)])  # fmt: skip
        if len(items) > limit:
            rows.append(["", "", "", "", f"… and {len(items) - limit} more (kg check -v lists them all)"])
    if rows:
        lines += ["", render(["severity", "gate", "check", "count", "first nodes"], rows)]
    return "\n".join(lines)
