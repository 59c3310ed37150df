"""SHACL Core, evaluated on kg.rdf graphs: the gate's shapes without rdflib.

Why: on the bundled plan pyshacl cost a fifth of a gated build's CPU (importing rdflib and
its SPARQL parser, converting every term, then walking rdflib's store), and a corpus pays
it once per report. The shapes a plan's graph needs use a handful of Core components, and
each is a few lines over Graph's lookups. The components below follow SHACL §4: value
types, cardinality, string length and language (not sh:pattern), logical, shape-based,
sh:in and sh:hasValue; not value ranges, property pairs or sh:closed. Targets follow
§2.1.3, paths §2.3.1.

What this module does not implement it never guesses at: ``unsupported`` names the SHACL
terms of a shapes file that fall outside it, and kg.shapes then gives the whole file to
pyshacl, the reference engine (tests compare the two on the same graphs).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kg.rdf import RDF, RDFS, XSD, BlankNode, Graph, Literal, NamedNode, local_name, sort_key

SH = "http://www.w3.org/ns/shacl#"
SEVERITIES = {SH + "Violation": "error", SH + "Warning": "warning", SH + "Info": "info"}


@functools.cache
def sh(name: str) -> NamedNode:
    return NamedNode(SH + name)


# The SHACL terms evaluated here. Constraint parameters are checked in _CHECKS; the rest
# shape the graph of shapes (targets, paths, severities, messages, SPARQL parts run by
# kg.shapes on Oxigraph, documentation).
_STRUCTURE = {
    "NodeShape", "PropertyShape", "Shape", "path", "inversePath", "alternativePath", "zeroOrMorePath",
    "oneOrMorePath", "zeroOrOnePath", "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf",
    "target", "SPARQLTarget", "select", "sparql", "SPARQLConstraint", "prefixes", "declare", "prefix",
    "namespace", "PrefixDeclaration", "message", "severity", "Violation", "Warning", "Info", "deactivated",
    "name", "description", "order", "group", "PropertyGroup", "defaultValue", "IRI", "BlankNode", "Literal",
    "BlankNodeOrIRI", "BlankNodeOrLiteral", "IRIOrLiteral",
}  # fmt: skip

_NODE_KINDS = {
    "IRI": (NamedNode,),
    "BlankNode": (BlankNode,),
    "Literal": (Literal,),
    "BlankNodeOrIRI": (BlankNode, NamedNode),
    "BlankNodeOrLiteral": (BlankNode, Literal),
    "IRIOrLiteral": (NamedNode, Literal),
}

# Lexical forms of the XSD datatypes sh:datatype checks for well-formedness (XSD 1.1 Part 2);
# a literal of another datatype is taken as well-formed, as pyshacl does for types it does not know.
_YEAR = r"-?(?:[1-9][0-9]{3,}|0[0-9]{3})"
_ZONE = r"(?:Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
_DATE = _YEAR + r"-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?"
_LEXICAL = {
    XSD.integer: r"[+-]?[0-9]+",
    XSD.nonNegativeInteger: r"\+?[0-9]+|-0+",
    XSD.positiveInteger: r"\+?0*[1-9][0-9]*",
    XSD.int: r"[+-]?[0-9]+",
    XSD.long: r"[+-]?[0-9]+",
    XSD.decimal: r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)",
    XSD.double: r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?INF|NaN",
    XSD.float: r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?INF|NaN",
    XSD.boolean: r"true|false|1|0",
    XSD.gYear: _YEAR + _ZONE,
    XSD.gYearMonth: _YEAR + r"-(?:0[1-9]|1[0-2])" + _ZONE,
    XSD.date: _DATE + _ZONE,
    XSD.dateTime: _DATE + "T" + _TIME + _ZONE,
}
_LEXICAL = {dt: re.compile(pattern) for dt, pattern in _LEXICAL.items()}


@dataclass(frozen=True)
class Result:
    """One validation result: what kg.check turns into a finding."""

    severity: str  # "error", "warning" or "info"
    focus: object  # the focus node (a pyoxigraph term)
    path: str  # the result path, as a SPARQL property path of local names ("" for a node shape)
    message: str
    value: object = None  # the value node that failed; None when the count of values failed


def unsupported(shapes: Graph) -> list[str]:
    """The SHACL terms of ``shapes`` this module does not evaluate (sorted local names), and
    "sparql on a property shape" when one has a SPARQL constraint (its $PATH is not substituted here)."""
    known = _STRUCTURE | set(_CHECKS) | {"property"}
    named = {t.predicate.value for t in shapes} | {t.object.value for t in shapes if isinstance(t.object, NamedNode)}
    out = {n[len(SH) :] for n in named if n.startswith(SH) and n[len(SH) :] not in known}
    if any(shapes.value(shape, sh("path")) is not None for shape in shapes.subjects(sh("sparql"))):
        out.add("sparql on a property shape")
    return sorted(out)


# A SELECT run elsewhere (kg.shapes: on Oxigraph): (query text, $this or None) → solutions,
# each a dict of variable name → term.
Select = Callable[[str, object], list[dict]]


class Validator:
    """The shapes of one shapes graph, run on data graphs. SPARQL-based targets and node
    shapes' SPARQL constraints (SHACL §5, with $this pre-bound) go to ``select``."""

    def __init__(self, shapes: Graph, select: Select | None = None) -> None:
        self.shapes = shapes
        self.select = select

    # -- targets ------------------------------------------------------------------

    def shapes_with_targets(self) -> list:
        """Every shape with a Core target or a SPARQL one, in a fixed order."""
        found = set()
        for p in ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "target"):
            found.update(self.shapes.subjects(sh(p)))
        for shape in self.shapes.subjects(RDF.type, RDFS.Class):  # implicit class targets
            if _is_shape(self.shapes, shape):
                found.add(shape)
        return sorted(found, key=sort_key)

    def focus_nodes(self, shape, data: Graph) -> list:
        """The focus nodes of ``shape``'s targets in ``data``: Core ones, and SPARQL ones
        (SHACL-AF) through ``select``."""
        s = self.shapes
        found = set(s.objects(shape, sh("targetNode")))
        classes = set(s.objects(shape, sh("targetClass")))
        if RDFS.Class in s.objects(shape, RDF.type):
            classes.add(shape)
        for cls in classes:
            found.update(_instances(data, cls))
        for p in s.objects(shape, sh("targetSubjectsOf")):
            found.update(data.subjects(p))
        for p in s.objects(shape, sh("targetObjectsOf")):
            found.update(o for _, o in data.subject_objects(p))
        for target in s.objects(shape, sh("target")):
            query = s.value(target, sh("select"))
            if query is not None and self.select is not None:
                rows = self.select(prefixes(s, target) + query.value, None)
                found.update(row["this"] for row in rows if "this" in row)
        return sorted(found, key=sort_key)

    # -- validation ---------------------------------------------------------------

    def validate(self, shape, focus_nodes: Iterable, data: Graph) -> list[Result]:
        """The results of ``shape`` on each of ``focus_nodes`` (top-level results only:
        what a nested sh:node, sh:or or sh:property finds is reported as its parent's one)."""
        out: list[Result] = []
        for focus in focus_nodes:
            out.extend(self._shape(shape, focus, data, frozenset()))
        return out

    def conforms(self, shape, node, data: Graph, active: frozenset) -> bool:
        """Whether ``node`` conforms to ``shape``: no result of any severity (SHACL §2.3)."""
        if (shape, node) in active:  # a recursive shape: SHACL leaves it undefined; taken as conforming
            return True
        return not self._shape(shape, node, data, active | {(shape, node)})

    def _shape(self, shape, focus, data: Graph, active: frozenset) -> list[Result]:
        s = self.shapes
        if s.value(shape, sh("deactivated")) == Literal(True):
            return []
        path = s.value(shape, sh("path"))
        values = _sorted(evaluate_path(s, path, focus, data)) if path is not None else [focus]
        severity = SEVERITIES.get(getattr(s.value(shape, sh("severity")), "value", SH + "Violation"), "error")
        messages = sorted(o.value for o in s.objects(shape, sh("message")) if isinstance(o, Literal))
        shown = render_path(s, path) if path is not None else ""
        out: list[Result] = []
        for name, check in _CHECKS.items():
            for param in s.objects(shape, sh(name)):
                for failed, default in check(self, data, focus, values, param, active):
                    message = messages[0] if messages else default
                    out.append(Result(severity, focus, shown, message, failed))
        for prop in s.objects(shape, sh("property")):
            out.extend(self._shape(prop, focus, data, active))
        for constraint in s.objects(shape, sh("sparql")):
            out.extend(self._sparql(constraint, focus, severity, messages))
        return out

    def _sparql(self, constraint, focus, severity: str, messages: list[str]) -> list[Result]:
        """A node shape's SPARQL constraint: each solution with $this bound to ``focus`` is
        a result, its message filled from the solution's {?var} / {$var}."""
        s = self.shapes
        query = s.value(constraint, sh("select"))
        if query is None or self.select is None or s.value(constraint, sh("deactivated")) == Literal(True):
            return []
        own = sorted(o.value for o in s.objects(constraint, sh("message")) if isinstance(o, Literal))
        template = (own or messages or [""])[0]
        out = []
        for row in self.select(prefixes(s, constraint) + query.value, focus):
            path = row.get("path")
            message = _fill(template, row)
            shown = local_name(path) if path is not None else ""
            out.append(Result(severity, focus, shown, message, row.get("value", focus)))  # §5.3.2
        return out


def _fill(template: str, row: dict) -> str:
    """A SPARQL constraint's message with {?var} / {$var} replaced by the solution's values."""
    return re.sub(r"\{[?$](\w+)\}", lambda m: row[m.group(1)].value if m.group(1) in row else "", template)


def prefixes(shapes: Graph, node) -> str:
    """The PREFIX lines a SPARQL-based shape declares through sh:prefixes / sh:declare."""
    lines = set()
    for owner in shapes.objects(node, sh("prefixes")):
        for decl in shapes.objects(owner, sh("declare")):
            prefix, namespace = shapes.value(decl, sh("prefix")), shapes.value(decl, sh("namespace"))
            if prefix is not None and namespace is not None:
                lines.add(f"PREFIX {prefix.value}: <{namespace.value}>")
    return "\n".join(sorted(lines)) + "\n"


def _is_shape(shapes: Graph, node) -> bool:
    kinds = set(shapes.objects(node, RDF.type))
    return bool(kinds & {sh("NodeShape"), sh("PropertyShape")}) or shapes.value(node, sh("path")) is not None


def _sorted(nodes: Iterable) -> list:
    return sorted(set(nodes), key=sort_key)


def _instances(data: Graph, cls) -> set:
    """SHACL instances of ``cls``: typed by it or by a subclass (rdfs:subClassOf in ``data``)."""
    found, todo, seen = set(), [cls], {cls}
    while todo:
        c = todo.pop()
        found.update(data.subjects(RDF.type, c))
        for sub in data.subjects(RDFS.subClassOf, c):
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return found


def _is_instance(data: Graph, node, cls) -> bool:
    todo, seen = list(data.objects(node, RDF.type)), set()
    while todo:
        c = todo.pop()
        if c == cls:
            return True
        if c not in seen:
            seen.add(c)
            todo.extend(data.objects(c, RDFS.subClassOf))
    return False


# -- paths (SHACL §2.3.1) ---------------------------------------------------------------


def evaluate_path(shapes: Graph, path, focus, data: Graph) -> set:
    """The value nodes of ``focus`` by ``path`` (an IRI or a path node of ``shapes``)."""
    return _step(shapes, path, {focus}, data, inverse=False)


def _step(shapes: Graph, path, nodes: set, data: Graph, inverse: bool) -> set:
    if isinstance(path, NamedNode):
        if inverse:
            return {s for n in nodes for s in data.subjects(path, n)}
        return {o for n in nodes for o in data.objects(n, path)}
    sequence = shapes.items(path) if shapes.value(path, RDF.first) is not None else None
    if sequence is not None:
        for part in reversed(sequence) if inverse else sequence:
            nodes = _step(shapes, part, nodes, data, inverse)
        return nodes
    if (inner := shapes.value(path, sh("inversePath"))) is not None:
        return _step(shapes, inner, nodes, data, not inverse)
    if (alternatives := shapes.value(path, sh("alternativePath"))) is not None:
        return set().union(*(_step(shapes, p, nodes, data, inverse) for p in shapes.items(alternatives)))
    for name, include_start, repeat in (("zeroOrMorePath", True, True), ("oneOrMorePath", False, True),
                                        ("zeroOrOnePath", True, False)):  # fmt: skip
        inner = shapes.value(path, sh(name))
        if inner is None:
            continue
        reached: set = set(nodes) if include_start else set()
        frontier = nodes
        while frontier:
            frontier = _step(shapes, inner, frontier, data, inverse) - reached
            reached |= frontier
            if not repeat:
                break
        return reached
    raise ValueError(f"not a SHACL path: {path}")


def render_path(shapes: Graph, path) -> str:
    """A path as SPARQL writes it, with local names: ``wasDerivedFrom``, ``^mentions/layout``."""
    if isinstance(path, NamedNode):
        return local_name(path)
    if shapes.value(path, RDF.first) is not None:
        return "/".join(render_path(shapes, p) for p in shapes.items(path))
    if (inner := shapes.value(path, sh("inversePath"))) is not None:
        return "^" + render_path(shapes, inner)
    if (alternatives := shapes.value(path, sh("alternativePath"))) is not None:
        return "(" + "|".join(render_path(shapes, p) for p in shapes.items(alternatives)) + ")"
    for name, mark in (("zeroOrMorePath", "*"), ("oneOrMorePath", "+"), ("zeroOrOnePath", "?")):
        if (inner := shapes.value(path, sh(name))) is not None:
            return "(" + render_path(shapes, inner) + ")" + mark
    return ""


# -- constraint components (SHACL §4) ----------------------------------------------------
# Each takes (validator, data, focus, value nodes, parameter, shapes being checked) and
# yields (the failing value node, or None for the focus node; a default message).

Failures = Iterable[tuple[object, str]]


def _class(v: Validator, data: Graph, focus, values, cls, active) -> Failures:
    for value in values:
        if isinstance(value, Literal) or not _is_instance(data, value, cls):
            yield value, f"value is not an instance of {local_name(cls)}"


def _datatype(v: Validator, data: Graph, focus, values, dt, active) -> Failures:
    for value in values:
        ok = isinstance(value, Literal) and value.datatype == dt
        lexical = _LEXICAL.get(dt)
        if ok and lexical is not None and not lexical.fullmatch(value.value):
            ok = False  # ill-formed: "20x5"^^xsd:gYear is not a gYear
        if not ok:
            yield value, f"value does not have datatype {local_name(dt)}"


def _node_kind(v: Validator, data: Graph, focus, values, kind, active) -> Failures:
    allowed = _NODE_KINDS.get(local_name(kind), ())
    for value in values:
        if not isinstance(value, allowed):
            yield value, f"value is not of node kind {local_name(kind)}"


def _min_count(v: Validator, data: Graph, focus, values, n, active) -> Failures:
    if len(values) < int(n.value):
        yield None, f"fewer than {n.value} values ({len(values)})"


def _max_count(v: Validator, data: Graph, focus, values, n, active) -> Failures:
    if len(values) > int(n.value):
        yield None, f"more than {n.value} values ({len(values)})"


def _has_value(v: Validator, data: Graph, focus, values, wanted, active) -> Failures:
    if wanted not in values:
        yield None, f"no value {wanted.value}"


def _in(v: Validator, data: Graph, focus, values, members, active) -> Failures:
    allowed = set(v.shapes.items(members))
    for value in values:
        if value not in allowed:
            yield value, "value is not one of the allowed values"


def _node(v: Validator, data: Graph, focus, values, shape, active) -> Failures:
    for value in values:
        if not v.conforms(shape, value, data, active):
            yield value, f"value does not conform to {local_name(shape) or 'a node shape'}"


def _not(v: Validator, data: Graph, focus, values, shape, active) -> Failures:
    for value in values:
        if v.conforms(shape, value, data, active):
            yield value, "value conforms to a shape it must not"


def _logical(name: str, ok: Callable[[int, int], bool]):
    def check(v: Validator, data: Graph, focus, values, members, active) -> Failures:
        shapes = v.shapes.items(members)
        for value in values:
            if not ok(sum(v.conforms(s, value, data, active) for s in shapes), len(shapes)):
                yield value, f"value does not conform to {name} of the shapes"

    return check


def _min_length(v: Validator, data: Graph, focus, values, n, active) -> Failures:
    for value in values:
        if isinstance(value, BlankNode) or len(value.value) < int(n.value):
            yield value, f"value is shorter than {n.value}"


def _max_length(v: Validator, data: Graph, focus, values, n, active) -> Failures:
    for value in values:
        if isinstance(value, BlankNode) or len(value.value) > int(n.value):
            yield value, f"value is longer than {n.value}"


def _language_in(v: Validator, data: Graph, focus, values, members, active) -> Failures:
    ranges = [m.value.lower() for m in v.shapes.items(members)]
    for value in values:
        tag = value.language.lower() if isinstance(value, Literal) and value.language else ""
        if not tag or not any(tag == r or tag.startswith(r + "-") or r == "*" for r in ranges):
            yield value, f"language is not one of {', '.join(ranges)}"


def _unique_lang(v: Validator, data: Graph, focus, values, flag, active) -> Failures:
    if flag != Literal(True):
        return
    seen: dict[str, int] = {}
    for value in values:
        if isinstance(value, Literal) and value.language:
            seen[value.language.lower()] = seen.get(value.language.lower(), 0) + 1
    for tag in sorted(t for t, n in seen.items() if n > 1):
        yield None, f"more than one value in language {tag}"


_CHECKS: dict[str, Callable[..., Failures]] = {
    "class": _class,
    "datatype": _datatype,
    "nodeKind": _node_kind,
    "minCount": _min_count,
    "maxCount": _max_count,
    "hasValue": _has_value,
    "in": _in,
    "node": _node,
    "not": _not,
    "and": _logical("all", lambda n, total: n == total),
    "or": _logical("any", lambda n, total: n >= 1),
    "xone": _logical("exactly one", lambda n, total: n == 1),
    "minLength": _min_length,
    "maxLength": _max_length,
    "languageIn": _language_in,
    "uniqueLang": _unique_lang,
}
