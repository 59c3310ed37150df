"""kg.guard: what a query may do, read from its tokens before anything evaluates it.

The tricky cases are those where a keyword hides in, or escapes from, a string, an IRI or
a comment; each is read here as Oxigraph reads it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kg.errors import KGError
from kg.guard import UpdateRefused, inspect, position, tokens

LOCAL = frozenset({"https://w3id.org/digital-china-kg/ontology", "http://local/g"})

REFUSED = [
    ("SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }", "SERVICE"),
    ("SELECT * WHERE { SERVICE SILENT <http://x/> { ?s ?p ?o } }", "SERVICE"),
    ("select * where { service <http://x/> { ?s ?p ?o } }", "SERVICE"),
    ("SELECT * WHERE { { SELECT ?s WHERE { SERVICE <http://x/> { ?s ?p ?o } } } }", "SERVICE"),
    ("SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE <http://x/> { ?s ?p ?o } } }", "SERVICE"),
    ("SELECT * WHERE { ?s ?p ?o FILTER NOT EXISTS { SERVICE ?svc { ?s ?p ?o } } }", "SERVICE"),
    ("SELECT * WHERE { OPTIONAL { SERVICE <http://x/> { ?s ?p ?o } } }", "SERVICE"),
    ("SELECT * WHERE { ?s ?p ?o # a comment\r SERVICE <http://x/> { ?s ?p ?o } }", "SERVICE"),  # CR ends it
    ('SELECT * WHERE { ?s ?p "a\\"" . SERVICE <http://x/> { ?s ?p ?o } }', "SERVICE"),  # escaped quote
    ("SELECT * WHERE { ?s ?p 'it''s' SERVICE <http://x/> {} }", "SERVICE"),
    ("SELECT*WHERE{SERVICE<http://x/>{?s ?p ?o}}", "SERVICE"),
    # An escape is read as Oxigraph reads it: \u takes four digits, and an escaped quote
    # never ends a string (rdflib read these as opening a """ string and let SERVICE pass).
    (
        'SELECT * WHERE { BIND("\\u00000022" AS ?x) SERVICE <http://x/> {?a ?b ?c} BIND("\\u00000022" AS ?y) }',
        "SERVICE",
    ),
    (
        'SELECT * WHERE { BIND("\\U00000022" AS ?x) SERVICE <http://x/> {?a ?b ?c} BIND("\\U00000022" AS ?y) }',
        "SERVICE",
    ),
    ("SELECT * WHERE { ?s ?p ?o # x\rSERVICE <http://x/> {?a ?b ?c} }", "SERVICE"),
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "update"),
    ("DELETE WHERE { ?s ?p ?o }", "update"),
    ("LOAD <http://x/data.ttl>", "update"),
    ("LOAD SILENT <file:///etc/passwd> INTO GRAPH <urn:g>", "update"),
    ("CLEAR ALL", "update"),
    ("PREFIX ex: <http://x/> WITH ex:g DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "update"),
    ("SELECT * FROM <http://x/data.ttl> WHERE { ?s ?p ?o }", "FROM"),
    ("SELECT * FROM NAMED <http://x/g> WHERE { GRAPH ?g { ?s ?p ?o } }", "FROM"),
    ("PREFIX ex: <http://x/> SELECT * FROM ex:g WHERE { ?s ?p ?o }", "FROM"),
    ("SELECT * WHERE { ?s foo:bar ?o }", "undeclared prefix"),
]

ALLOWED = [
    ('SELECT * WHERE { ?s ?p "SERVICE <http://x/> { }" }', "SELECT"),
    ("SELECT * WHERE { ?s ?p '''a ' SERVICE LOAD''' }", "SELECT"),
    ('SELECT * WHERE { ?s ?p """INSERT "" DATA""" }', "SELECT"),
    ("SELECT * WHERE { ?s ?p ?o } # SERVICE <http://x/> { }\n", "SELECT"),
    ("SELECT * WHERE { ?s <http://x/SERVICE> ?o . ?service ?load ?insert }", "SELECT"),
    ("SELECT * WHERE { ?s dckg:SERVICE ?o . ?s ?p _:load }", "SELECT"),
    ("SELECT * FROM <http://local/g> WHERE { ?s ?p ?o }", "SELECT"),
    ("SELECT * FROM <http\\u003A//local/g> WHERE { ?s ?p ?o }", "SELECT"),  # \u read as Oxigraph reads it
    ("SELECT * WHERE { ?s rdfs:label ?l ; skos:note ?n ; prov:wasDerivedFrom ?x ; org:memberOf ?y }", "SELECT"),
    ("SELECT * WHERE { ?s ?p ?o LATERAL { SELECT ?x WHERE { ?s ?q ?x } LIMIT 1 } }", "SELECT"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT"),
    ("DESCRIBE <http://x/a>", "DESCRIBE"),
    ("ASK { ?s ?p ?o FILTER(?s<?p&&?o>?s) }", "ASK"),
    ("PREFIX : <http://x/> SELECT * WHERE { :a :b ?c }", "SELECT"),
]


@pytest.mark.parametrize(("text", "why"), REFUSED)
def test_refused(text, why):
    with pytest.raises(KGError) as e:
        inspect(text, LOCAL)
    message = str(e.value)
    assert why in message and "\n" not in message
    assert isinstance(e.value, UpdateRefused) == (why == "update")


@pytest.mark.parametrize(("text", "form"), ALLOWED)
def test_allowed(text, form):
    assert inspect(text, LOCAL) == form


def test_refusals_name_line_and_column():
    with pytest.raises(KGError, match=r"line 3, column 3"):
        inspect("SELECT *\nWHERE {\n  SERVICE <http://x/> { ?s ?p ?o }\n}")
    assert position("a\r\nb\rc", 5) == (3, 1)


def test_tokens_take_strings_iris_and_comments_whole():
    kinds = [(t.kind, t.text) for t in tokens('SELECT ?x # c\n{ <a b> "x y" ex:p _:b1 }')]
    assert ("string", '"x y"') in kinds and ("pname", "ex:p") in kinds and ("bnode", "_:b1") in kinds
    assert all(t != "c" for _, t in kinds)  # the comment is gone
    assert ("other", "<") in kinds  # an IRI may not hold a space: "<a b>" is not one


def test_empty_and_oversized_queries():
    with pytest.raises(KGError, match="empty"):
        inspect("  # only a comment\n")
    with pytest.raises(KGError, match="limit"):
        inspect("SELECT * WHERE { ?s ?p ?o } #" + "x" * 100_001)


def test_the_query_path_never_imports_rdflib(built):
    code = (
        "import sys\n"
        "from kg.cli import main\n"
        f"sys.argv = ['kg', 'query', 'plan', '--data', {str(built)!r}, '--format', 'csv']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('rdflib', 'pyparsing', 'networkx', 'owlready2') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "[]" and "数字中国建设整体布局规划" in out
