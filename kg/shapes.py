"""SHACL validation of a graph against the bundled shapes (ontology/shapes.ttl).

Two engines, one answer:
- kg.shacl evaluates SHACL Core on kg.rdf graphs, and hands the SPARQL-based parts (SPARQL
  targets, node shapes' SPARQL constraints, with $this pre-bound as SHACL §5.3.1 says) to
  Oxigraph. It needs no rdflib: on the bundled plan it takes milliseconds where pyshacl
  took ~0.55 s, a fifth of a gated build, and a corpus paid that once per report.
- pyshacl, the reference engine, gets the whole shapes file whenever it uses a SHACL term
  kg.shacl does not implement: a constraint is never skipped because it is new.

tests/test_shapes.py runs both on the same graphs and compares their results.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from kg import resources, shacl
from kg.errors import KGError
from kg.rdf import Graph, NamedNode, local_name

# One result: (severity, focus as the report names it, path, message).
Result = tuple[str, str, str, str]


def shapes_file() -> Path:
    return resources.data_dir("ontology") / "shapes.ttl"


def load(path: str | Path | None = None) -> Graph:
    """The shapes file as a Graph, read once per process."""
    return _load(str(Path(path or shapes_file()).resolve()))


@functools.lru_cache(maxsize=4)
def _load(path: str) -> Graph:
    import pyoxigraph as ox

    try:
        return Graph(q.triple for q in ox.parse(path=path, format=ox.RdfFormat.TURTLE))
    except (SyntaxError, ValueError, OSError) as e:
        raise KGError(f"shapes file {path}: {' '.join(str(e).split())}") from None


def engine(path: str | Path | None = None) -> str:
    """Which engine validates with the shapes in ``path``: "kg.shacl" or "pyshacl"."""
    return "pyshacl" if shacl.unsupported(load(path)) else "kg.shacl"


def validate(data: Graph, store, label: Callable[[NamedNode], str], path: str | Path | None = None) -> list[Result]:
    """(severity, focus, path, message) of every top-level result of the shapes on ``data``.

    ``store`` holds the same triples as ``data`` (the SPARQL parts run there); ``label``
    names a focus node for the report."""
    shapes = load(path)
    if shacl.unsupported(shapes):
        return _pyshacl(Path(path or shapes_file()), data, label)
    validator = shacl.Validator(shapes, selector(store))
    return [
        (r.severity, _name(r.focus, label), r.path, r.message)
        for shape in validator.shapes_with_targets()
        for r in validator.validate(shape, validator.focus_nodes(shape, data), data)
    ]


def selector(store) -> shacl.Select:
    """The shapes' SPARQL parts on ``store``: a SELECT, with $this pre-bound when a focus
    node is given, as solutions (variable name → term, unbound names left out)."""
    import pyoxigraph as ox

    this = ox.Variable("this")

    def select(text: str, focus) -> list[dict]:
        try:
            solutions = store.query(text, substitutions={this: focus} if focus is not None else None)
            names = [v.value for v in solutions.variables]
            return [{n: row[n] for n in names if row[n] is not None} for row in solutions]
        except (SyntaxError, ValueError, OSError) as e:
            raise KGError(f"shapes: a SPARQL query of the shapes file fails: {' '.join(str(e).split())}") from None

    return select


def _name(focus, label: Callable[[NamedNode], str]) -> str:
    return f"{label(focus)} <{focus.value}>" if isinstance(focus, NamedNode) else str(focus.value)


def _pyshacl(path: Path, data: Graph, label: Callable[[NamedNode], str]) -> list[Result]:
    """pyshacl on the whole shapes file (SHACL-AF's SPARQL targets in its advanced mode)."""
    import pyshacl
    from rdflib import Graph as RGraph
    from rdflib import URIRef

    from kg.rdf import rdflib_graph, to_oxigraph

    sh = lambda name: URIRef(shacl.SH + name)  # noqa: E731
    shapes = RGraph().parse(path, format="turtle")
    # The data graph is built for this call alone, so pyshacl may work on it in place.
    _, results, _ = pyshacl.validate(
        rdflib_graph(data), shacl_graph=shapes, inference="none", advanced=True, inplace=True
    )
    found = []
    # Top-level results only: nested sh:detail results repeat what their parent says.
    for r in results.objects(None, sh("result")):
        focus = results.value(r, sh("focusNode"))
        result_path = results.value(r, sh("resultPath"))
        found.append(
            (
                shacl.SEVERITIES.get(str(results.value(r, sh("resultSeverity"))), "error"),
                _name(to_oxigraph(focus), label) if focus is not None else "",
                local_name(str(result_path)) if isinstance(result_path, URIRef) else "",
                str(results.value(r, sh("resultMessage")) or ""),
            )
        )
    return found
