"""SHACL validation of the ontology plus the data: SHACL Core by pyshacl, SHACL-SPARQL by Oxigraph.

Why two engines: pyshacl evaluates SPARQL-based targets and constraints with rdflib's SPARQL
engine, once per focus node, and that was nine tenths of its time on the bundled plan. Here
the SPARQL parts of the shapes file run on pyoxigraph instead, with the same semantics:

- a ``sh:SPARQLTarget``'s SELECT gives the shape's focus nodes, handed to pyshacl as
  ``sh:targetNode`` (so ``sh:node``, ``sh:or`` and the Core constraints stay pyshacl's);
- a node shape's ``sh:sparql`` constraint runs once per focus node with ``$this`` pre-bound
  (SHACL §5.3.1; Oxigraph's substitutions follow SEP-0007, the same pre-binding), and each
  solution is a result whose message fills ``{?var}`` / ``{$var}`` from the solution.

Everything else (property shapes with ``sh:sparql``, SPARQL-based constraint components) is
left to pyshacl untouched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import pyoxigraph as ox

from kg import resources
from kg.rdf import Graph, NamedNode, Triple, local_name

SH = "http://www.w3.org/ns/shacl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
SEVERITIES = {SH + "Violation": "error", SH + "Warning": "warning", SH + "Info": "info"}

# One result: (severity, focus IRI or text, path local name, message).
Result = tuple[str, str, str, str]


def shapes_graph(path=None):
    """The shapes file, as the rdflib graph pyshacl reads."""
    from rdflib import Graph as RGraph

    return RGraph().parse(path or resources.data_dir("ontology") / "shapes.ttl", format="turtle")


def _sh(name: str):
    from rdflib import URIRef

    return URIRef(SH + name)


def _prefixes(shapes, node) -> str:
    """The PREFIX lines a SPARQL-based shape declares through sh:prefixes / sh:declare."""
    lines = []
    for owner in shapes.objects(node, _sh("prefixes")):
        for decl in shapes.objects(owner, _sh("declare")):
            prefix, namespace = shapes.value(decl, _sh("prefix")), shapes.value(decl, _sh("namespace"))
            if prefix is not None and namespace is not None:
                lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(sorted(set(lines))) + "\n"


def _select(store, text: str, substitutions: dict | None = None) -> list[dict]:
    """A SELECT's solutions as variable name → term (unbound names left out)."""
    from kg.errors import KGError

    try:
        solutions = store.query(text, substitutions=substitutions)
        names = [v.value for v in solutions.variables]
        return [{n: row[n] for n in names if row[n] is not None} for row in solutions]
    except (SyntaxError, ValueError, OSError) as e:
        raise KGError(f"shapes: a SPARQL query of the shapes file fails: {' '.join(str(e).split())}") from None


def _focus_nodes(shapes, shape, data: Graph) -> list:
    """The focus nodes of a shape from its Core targets (class with subclasses, subjects
    of, objects of, node, implicit class), as pyoxigraph terms."""
    from rdflib import URIRef

    from kg.rdf import TYPE, sort_key, to_oxigraph

    found = []
    classes = set(shapes.objects(shape, _sh("targetClass")))
    if (shape, URIRef(RDF_TYPE), URIRef("http://www.w3.org/2000/01/rdf-schema#Class")) in shapes:
        classes.add(shape)
    todo = [to_oxigraph(c) for c in classes]
    seen = set(todo)
    while todo:  # every subclass's instances are instances too
        cls = todo.pop()
        found.extend(data.subjects(TYPE, cls))
        for sub in data.subjects(NamedNode(SUBCLASS), cls):
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    for p in shapes.objects(shape, _sh("targetSubjectsOf")):
        found.extend(data.subjects(to_oxigraph(p)))
    for p in shapes.objects(shape, _sh("targetObjectsOf")):
        found.extend(o for _, o in data.subject_objects(to_oxigraph(p)))
    found.extend(to_oxigraph(n) for n in shapes.objects(shape, _sh("targetNode")))
    return sorted(set(found), key=sort_key)


def _message(template: str, row: dict) -> str:
    return re.sub(r"\{[?$](\w+)\}", lambda m: row[m.group(1)].value if m.group(1) in row else "", template)


def split_sparql(shapes, store, data: Graph) -> list[Result]:
    """Run the SPARQL targets and node-shape SPARQL constraints of ``shapes`` on ``store``,
    and take them out of ``shapes``: targets become sh:targetNode, constraints results."""
    from rdflib import Literal as RLiteral

    from kg.rdf import to_rdflib

    for shape, target in list(shapes.subject_objects(_sh("target"))):
        query = shapes.value(target, _sh("select"))
        if query is None:
            continue
        for row in _select(store, _prefixes(shapes, target) + str(query)):
            if "this" in row:
                shapes.add((shape, _sh("targetNode"), to_rdflib(row["this"])))
        shapes.remove((shape, _sh("target"), target))
    results: list[Result] = []
    for shape, constraint in list(shapes.subject_objects(_sh("sparql"))):
        query = shapes.value(constraint, _sh("select"))
        deactivated = shapes.value(constraint, _sh("deactivated")) == RLiteral(True)
        if query is None or shapes.value(shape, _sh("path")) is not None:
            continue  # property shapes and ASK constraints stay pyshacl's
        shapes.remove((shape, _sh("sparql"), constraint))
        if deactivated or shapes.value(shape, _sh("deactivated")) == RLiteral(True):
            continue
        severity = SEVERITIES.get(str(shapes.value(shape, _sh("severity")) or SH + "Violation"), "error")
        template = str(shapes.value(constraint, _sh("message")) or shapes.value(shape, _sh("message")) or "")
        text = _prefixes(shapes, constraint) + str(query)
        for focus in _focus_nodes(shapes, shape, data):
            for row in _select(store, text, {ox.Variable("this"): focus}):
                path = row.get("path")
                results.append(
                    (severity, focus.value, local_name(path) if path is not None else "", _message(template, row))
                )
    return results


def _needed(shapes, data: Graph) -> Iterable[Triple]:
    """What pyshacl has to see of ``data``: the triples whose property the shapes name, with
    the types and the class hierarchy. All of it when a shape is closed or still holds SPARQL
    (either may read any property). Labels and provenance, which no Core shape reads, need
    not be converted to rdflib's terms: on the bundled plan the step is ~15 % faster."""
    from rdflib import Literal as RLiteral
    from rdflib import URIRef

    # split_sparql unlinked the SPARQL it ran; what is still linked is pyshacl's to run.
    sparql = (None, _sh("sparql"), None) in shapes or (None, _sh("target"), None) in shapes
    components = (None, URIRef(RDF_TYPE), _sh("ConstraintComponent")) in shapes
    if sparql or components or (None, _sh("closed"), RLiteral(True)) in shapes:
        return data
    named = {str(n) for triple in shapes for n in triple if isinstance(n, URIRef)}
    named |= {RDF_TYPE, SUBCLASS}
    return [t for t in data if t.predicate.value in named]


def validate(data: Graph, store, label: Callable[[NamedNode], str]) -> list[tuple[str, str, str, str]]:
    """(severity, focus, path, message) of every result, top-level results only.

    ``store`` holds the same triples as ``data`` (the SPARQL parts run there); ``label``
    names a focus node for the report."""
    import pyshacl
    from rdflib import URIRef

    from kg.rdf import rdflib_graph

    shapes = shapes_graph()
    found = [
        (severity, f"{label(NamedNode(focus))} <{focus}>", path, message)
        for severity, focus, path, message in split_sparql(shapes, store, data)
    ]
    # The data graph is built here for this call alone, so pyshacl may work on it in place:
    # its copy (forced in advanced mode) was a quarter of the shapes' time.
    _, results, _ = pyshacl.validate(
        rdflib_graph(_needed(shapes, data)), shacl_graph=shapes, inference="none", advanced=True, inplace=True
    )
    # Top-level results only: nested sh:detail results repeat what their parent says.
    for r in results.objects(None, _sh("result")):
        focus = results.value(r, _sh("focusNode"))
        path = results.value(r, _sh("resultPath"))
        found.append(
            (
                SEVERITIES.get(str(results.value(r, _sh("resultSeverity"))), "error"),
                f"{label(NamedNode(str(focus)))} <{focus}>" if isinstance(focus, URIRef) else str(focus or ""),
                local_name(str(path)) if path is not None else "",
                str(results.value(r, _sh("resultMessage")) or ""),
            )
        )
    return found
