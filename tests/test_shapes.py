"""kg.shacl against pyshacl, the reference engine: the same shapes on the same graphs give
the same results (focus, path, value, severity, message)."""

from __future__ import annotations

import random
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import Graph as RGraph
from rdflib import URIRef

from kg import build, check, rdf, resources, shacl, shapes
from kg.rdf import RDFS, Triple

SH = shacl.SH
EX = "http://example.org/"

# Every component and path form kg.shacl implements, each with a message so that the two
# engines' messages compare too, on data where each passes for some nodes and fails for others.
COMPONENT_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Cls a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property
  [ sh:path ex:p ; sh:minCount 1 ; sh:maxCount 2 ; sh:message "count" ] ,
  [ sh:path ex:p ; sh:class ex:Kind ; sh:message "class" ] ,
  [ sh:path ex:year ; sh:datatype xsd:gYear ; sh:message "gYear" ] ,
  [ sh:path ex:n ; sh:datatype xsd:integer ; sh:severity sh:Warning ; sh:message "integer" ] ,
  [ sh:path ex:p ; sh:nodeKind sh:IRI ; sh:message "kind" ] ,
  [ sh:path ex:label ; sh:languageIn ( "zh" "en" ) ; sh:uniqueLang true ; sh:message "lang" ] ,
  [ sh:path ex:label ; sh:minLength 2 ; sh:maxLength 6 ; sh:severity sh:Info ; sh:message "length" ] ,
  [ sh:path ex:colour ; sh:in ( ex:red ex:green ) ; sh:message "in" ] ,
  [ sh:path ex:colour ; sh:hasValue ex:red ; sh:message "hasValue" ] ,
  [ sh:path [ sh:inversePath ex:p ] ; sh:maxCount 0 ; sh:message "inverse" ] ,
  [ sh:path ( ex:p ex:q ) ; sh:minCount 1 ; sh:message "sequence" ] ,
  [ sh:path [ sh:alternativePath ( ex:q ex:r ) ] ; sh:minCount 1 ; sh:message "alternative" ] ,
  [ sh:path [ sh:zeroOrMorePath ex:next ] ; sh:maxCount 2 ; sh:message "star" ] ,
  [ sh:path [ sh:oneOrMorePath ex:next ] ; sh:node ex:Named ; sh:message "plus" ] ,
  [ sh:path [ sh:zeroOrOnePath ex:next ] ; sh:maxCount 1 ; sh:message "optional" ] .
ex:Named a sh:NodeShape ; sh:property [ sh:path ex:label ; sh:minCount 1 ] .
ex:Logic a sh:NodeShape ; sh:targetSubjectsOf ex:colour ; sh:severity sh:Warning ; sh:message "logic" ;
  sh:or ( ex:Named [ sh:property [ sh:path ex:q ; sh:minCount 1 ] ] ) ;
  sh:not [ sh:property [ sh:path ex:colour ; sh:hasValue ex:green ] ] .
ex:Both a sh:NodeShape ; sh:targetObjectsOf ex:p ; sh:message "and/xone" ;
  sh:and ( ex:Named [ sh:nodeKind sh:IRI ] ) ;
  sh:xone ( [ sh:class ex:Kind ] [ sh:property [ sh:path ex:q ; sh:minCount 1 ] ] ) .
ex:Node a sh:NodeShape ; sh:targetNode ex:c , ex:nowhere ; sh:node ex:Named ; sh:message "node" .
ex:Off a sh:NodeShape ; sh:targetClass ex:Thing ; sh:deactivated true ; sh:property [ sh:path ex:p ; sh:minCount 9 ] .
ex:Thing2 a sh:NodeShape , rdfs:Class ; sh:property [ sh:path ex:p ; sh:minCount 1 ; sh:message "implicit" ] .
"""

COMPONENT_DATA = """
@prefix ex: <http://example.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Sub rdfs:subClassOf ex:Thing . ex:SubKind rdfs:subClassOf ex:Kind .
ex:a a ex:Thing ; ex:p ex:b , ex:c ; ex:year "2025"^^xsd:gYear ; ex:n "12"^^xsd:integer ;
  ex:label "数字中国"@zh , "Digital"@en ; ex:colour ex:red ; ex:next ex:b .
ex:b a ex:Sub , ex:SubKind ; ex:p ex:a , ex:c , "lit" ; ex:year "2025" ;
  ex:n "1.5"^^xsd:integer ; ex:label "x"@fr , "甲"@zh , "乙"@zh ; ex:colour ex:blue , ex:green ;
  ex:next ex:c ; ex:q ex:d .
ex:c a ex:Kind ; ex:label "丙丙"@zh ; ex:next ex:d ; ex:r ex:a .
ex:d ex:next ex:e .
ex:e a ex:Thing2 .
"""


def _theirs(data: RGraph, shapes_graph: RGraph) -> set[tuple]:
    """pyshacl's top-level results as (focus, path IRI or None, value, severity, message)."""
    _, results, _ = pyshacl.validate(data, shacl_graph=shapes_graph, inference="none", advanced=True)
    sh = lambda name: URIRef(SH + name)  # noqa: E731
    out = set()
    for r in results.objects(None, sh("result")):
        path = results.value(r, sh("resultPath"))
        value = results.value(r, sh("value"))
        out.add(
            (
                str(results.value(r, sh("focusNode"))),
                str(path) if isinstance(path, URIRef) else None,
                str(value) if value is not None else None,
                shacl.SEVERITIES[str(results.value(r, sh("resultSeverity")))],
                str(results.value(r, sh("resultMessage"))),
            )
        )
    return out


def _ours(data: rdf.Graph, shapes_graph: rdf.Graph, select=None) -> set[tuple]:
    v = shacl.Validator(shapes_graph, select)
    out = set()
    for shape in v.shapes_with_targets():
        for r in v.validate(shape, v.focus_nodes(shape, data), data):
            out.add(
                (
                    r.focus.value,
                    _path_iri(shapes_graph, r),
                    r.value.value if r.value is not None else None,
                    r.severity,
                    r.message,
                )
            )
    return out


def _path_iri(shapes_graph: rdf.Graph, r: shacl.Result) -> str | None:
    """The IRI of a result's path when it is one property (what pyshacl's resultPath is then)."""
    if not r.path or any(c in r.path for c in "^/|()*+?"):
        return None
    found = {o.value for _, o in shapes_graph.subject_objects(shacl.sh("path")) if isinstance(o, rdf.NamedNode)}
    return next(iri for iri in sorted(found) if rdf.local_name(rdf.NamedNode(iri)) == r.path)


def _parse(text: str) -> rdf.Graph:
    return rdf.Graph(q.triple for q in ox.parse(text, format=ox.RdfFormat.TURTLE))


def test_every_component_and_path_gives_pyshacls_results():
    ours = _ours(_parse(COMPONENT_DATA), _parse(COMPONENT_SHAPES))
    theirs = _theirs(RGraph().parse(data=COMPONENT_DATA, format="turtle"), RGraph().parse(data=COMPONENT_SHAPES))
    assert ours == theirs
    # The cases fail where they should: each message appears, the deactivated shape's never.
    messages = {m for *_, m in ours}
    expected = {"count", "class", "gYear", "integer", "kind", "lang", "length", "in", "hasValue", "inverse"}
    expected |= {"sequence", "alternative", "star", "plus", "optional", "logic", "and/xone", "node", "implicit"}
    assert messages == expected


def test_an_ill_formed_literal_fails_sh_datatype():
    """SHACL §4.1.2: a literal whose lexical form is not of its datatype fails. (pyshacl
    checks only the datatypes rdflib converts, and lets "20x5"^^xsd:gYear pass.)"""
    years = ", ".join(f'"{y}"^^xsd:gYear' for y in ("20x5", "-0044", "2025+08:00", "2025+15:00"))
    data = _parse(COMPONENT_DATA + f"ex:a ex:year {years} .")
    failed = {r[2] for r in _ours(data, _parse(COMPONENT_SHAPES)) if r[4] == "gYear"}
    assert failed == {"20x5", "2025+15:00", "2025"}  # "2025" (ex:b's) is a plain string


def test_the_engine_reports_the_terms_it_does_not_implement():
    assert shacl.unsupported(_parse(COMPONENT_SHAPES)) == []
    odd = COMPONENT_SHAPES + (
        'ex:X a sh:NodeShape ; sh:targetNode ex:a ; sh:closed true ; sh:property [ sh:path ex:p ; sh:pattern "^a" ] .'
    )
    assert shacl.unsupported(_parse(odd)) == ["closed", "pattern"]


def test_a_shapes_file_beyond_the_engine_goes_to_pyshacl_whole(tmp_path):
    path = tmp_path / "shapes.ttl"
    path.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .\n"
        "ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;\n"
        '  sh:property [ sh:path ex:label ; sh:pattern "^D" ; sh:message "pattern" ] .\n',
        encoding="utf-8",
    )
    data = _parse(COMPONENT_DATA)
    assert shapes.engine(path) == "pyshacl" and shapes.engine() == "kg.shacl"
    found = shapes.validate(data, check.memory_store(data), lambda node: "x", path)
    assert sorted({(focus, path, message) for _, focus, path, message in found}) == [
        ("x <http://example.org/a>", "label", "pattern"),  # "数字中国"@zh does not start with D
        ("x <http://example.org/b>", "label", "pattern"),  # an instance through a subclass
    ]


@pytest.fixture(scope="module")
def plan_graph() -> rdf.Graph:
    """The bundled plan's graph with the ontology's class hierarchy, as the gate validates it."""
    data = build.dataset([resources.default_corpus()]).union()
    ontology = rdf.load_ontology(resources.ontology_file())
    hierarchy = [Triple(s, RDFS.subClassOf, o) for s, o in ontology.subject_objects(RDFS.subClassOf)]
    return rdf.Graph([*data, *hierarchy])


def _both_on(triples: list[Triple]) -> tuple[set, set]:
    """The bundled shapes on ``triples``: kg.shacl (SPARQL parts on Oxigraph) and pyshacl."""
    data = rdf.Graph(triples)
    ours = _ours(data, shapes.load(), shapes.selector(check.memory_store(data)))
    theirs = _theirs(rdf.rdflib_graph(data), RGraph().parse(shapes.shapes_file(), format="turtle"))
    return ours, theirs


# Properties the bundled shapes read: what the perturbations below drop and add.
TOUCHED = ["hasMeasure", "inSection", "hasTask", "targetYear", "issuedBy", "layout", "sourceDocument", "zhText"]


@pytest.mark.parametrize("seed", range(4))
def test_the_bundled_shapes_give_pyshacls_results_on_a_perturbed_plan(plan_graph, seed):
    """Drop a random tenth of the triples of the properties the shapes read (and of labels
    and types), and give some values a wrong kind: both engines find the same problems."""
    rng = random.Random(seed)
    names = {rdf.ONT[n] for n in TOUCHED} | {rdf.LABEL, rdf.TYPE, rdf.PROV.wasDerivedFrom}
    kept, touched = [], []
    for t in plan_graph:
        (touched if t.predicate in names and rng.random() < 0.1 else kept).append(t)
    for t in touched[: len(touched) // 3]:  # a third come back with a literal for their object
        kept.append(Triple(t.subject, t.predicate, rdf.Literal("2025")))
    ours, theirs = _both_on(kept)
    assert ours == theirs
    assert len(ours) >= 5  # the perturbation is seen at all


def test_the_bundled_plan_passes_both(plan_graph):
    ours, theirs = _both_on(list(plan_graph))
    assert ours == theirs == set()


DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus-dev"


@pytest.mark.skipif(not DEV.is_dir(), reason="../shared/corpus-dev is not here")
def test_the_bundled_shapes_give_pyshacls_results_on_every_dev_report():
    """Twenty real reports of the genre, each with what its extraction misses (hundreds of
    warnings in all): the two engines find the same."""
    ontology = rdf.load_ontology(resources.ontology_file())
    hierarchy = [Triple(s, RDFS.subClassOf, o) for s, o in ontology.subject_objects(RDFS.subClassOf)]
    found = 0
    for path in sorted(DEV.glob("*.txt")):
        ours, theirs = _both_on([*build.dataset([path]).union(), *hierarchy])
        assert ours == theirs, path.name
        found += len(ours)
    assert found > 100
