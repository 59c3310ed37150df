"""`kg serve` as a real server on loopback, spoken to by real SPARQL clients."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from conftest import KG, wait_for
from rdflib import Graph
from test_query import Listener

TASKS = "SELECT ?t WHERE { ?t a <https://w3id.org/digital-china-kg/ontology#Task> }"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(built):
    port = free_port()
    proc = subprocess.Popen(
        [*KG, "serve", "--data", str(built), "--port", str(port), "--timeout", "2"], stderr=subprocess.PIPE, text=True
    )
    base = f"http://127.0.0.1:{port}"
    wait_for(base + "/sparql", proc, "kg serve")
    yield base
    proc.terminate()
    proc.wait(10)


def http(method: str, url: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_sparqlwrapper_select_construct_ask(server):
    from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper

    sw = SPARQLWrapper(server + "/sparql")
    sw.setQuery(TASKS)
    sw.setReturnFormat(JSON)
    assert len(sw.query().convert()["results"]["bindings"]) == 11
    sw.setQuery("CONSTRUCT { ?t a <urn:task> } WHERE { ?t a <https://w3id.org/digital-china-kg/ontology#Task> }")
    sw.setReturnFormat(TURTLE)
    g = Graph().parse(data=sw.query().convert(), format="turtle")
    assert len(g) == 11
    sw.setQuery("ASK { ?s a <https://w3id.org/digital-china-kg/ontology#Plan> }")
    sw.setReturnFormat(JSON)
    assert sw.query().convert()["boolean"] is True
    sw.setMethod("POST")
    sw.setQuery(TASKS)
    assert len(sw.query().convert()["results"]["bindings"]) == 11


def test_rdflib_sparqlstore(server):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    g = Graph(store=SPARQLStore(server + "/sparql", returnFormat="json"))
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    rows = list(g.query(f"SELECT ?l WHERE {{ <https://w3id.org/digital-china-kg/id/entity/北斗> {label} ?l }}"))
    assert {str(r[0]) for r in rows} == {"北斗", "BeiDou Navigation Satellite System"}


def test_get_post_form_and_body(server):
    url = server + "/sparql?" + urllib.parse.urlencode({"query": TASKS})
    status, _, body = http("GET", url)
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 11
    form = urllib.parse.urlencode({"query": TASKS}).encode()
    status, _, body = http("POST", server + "/sparql", form, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 11
    status, _, body = http("POST", server + "/sparql", TASKS.encode(), {"Content-Type": "application/sparql-query"})
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 11


@pytest.mark.parametrize(
    ("accept", "media", "check"),
    [
        ("text/csv", "text/csv", lambda b: b.decode().splitlines()[0] == "t"),
        ("text/tab-separated-values", "text/tab-separated-values", lambda b: b.decode().splitlines()[0] == "?t"),
        ("application/sparql-results+xml", "application/sparql-results+xml", lambda b: b"sparql-results#" in b),
        ("text/html;q=0.5, text/csv;q=0.9", "text/csv", lambda b: b.startswith(b"t")),
        ("*/*", "application/sparql-results+json", lambda b: "results" in json.loads(b)),
    ],
)
def test_content_negotiation_for_results(server, accept, media, check):
    status, headers, body = http(
        "GET", server + "/sparql?" + urllib.parse.urlencode({"query": TASKS}), headers={"Accept": accept}
    )
    assert status == 200 and headers["content-type"].startswith(media) and check(body)


@pytest.mark.parametrize(
    ("accept", "parser"),
    [("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld")],
)
def test_content_negotiation_for_graphs(server, accept, parser):
    query = "DESCRIBE <https://w3id.org/digital-china-kg/id/entity/北斗>"
    status, headers, body = http(
        "GET", server + "/sparql?" + urllib.parse.urlencode({"query": query}), headers={"Accept": accept}
    )
    assert status == 200 and headers["content-type"].startswith(accept)
    assert len(Graph().parse(data=body, format=parser)) >= 5


def test_unacceptable_format_is_406(server):
    status, _, _ = http(
        "GET", server + "/sparql?" + urllib.parse.urlencode({"query": TASKS}), headers={"Accept": "image/png"}
    )
    assert status == 406


def test_service_description_and_cors(server):
    status, headers, body = http("GET", server + "/sparql")
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=body, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert len(list(g.triples((None, None, None)))) > 5
    assert any(str(p) == sd + "endpoint" for p in g.predicates())
    _, headers, _ = http(
        "GET", server + "/sparql?" + urllib.parse.urlencode({"query": TASKS}), headers={"Origin": "http://example.org"}
    )
    assert headers.get("access-control-allow-origin") == "*"
    status, headers, _ = http(
        "OPTIONS", server + "/sparql", headers={"Origin": "http://example.org", "Access-Control-Request-Method": "POST"}
    )
    assert status == 200 and "POST" in headers.get("access-control-allow-methods", "")


def test_updates_are_refused(server):
    status, _, body = http(
        "POST",
        server + "/sparql",
        urllib.parse.urlencode({"update": "CLEAR ALL"}).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 403 and b"read-only" in body
    status, _, _ = http("POST", server + "/sparql", b"DROP ALL", {"Content-Type": "application/sparql-update"})
    assert status == 403
    status, _, body = http(
        "GET", server + "/sparql?" + urllib.parse.urlencode({"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"})
    )
    assert status == 400 and b"updates are refused" in body


def test_service_and_remote_from_are_refused_and_nothing_connects(server):
    listener = Listener()
    try:
        for query in (
            f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}",
            f"SELECT * FROM <http://127.0.0.1:{listener.port}/data.ttl> WHERE {{ ?s ?p ?o }}",
        ):
            status, _, body = http("GET", server + "/sparql?" + urllib.parse.urlencode({"query": query}))
            assert status == 400 and b"refused" in body
        url = (
            server
            + "/sparql?"
            + urllib.parse.urlencode({"query": TASKS, "default-graph-uri": f"http://127.0.0.1:{listener.port}/g"})
        )
        status, _, _ = http("GET", url)
        assert status == 400
        time.sleep(0.5)
        assert listener.connections == 0
    finally:
        listener.close()


def test_malformed_query_names_the_position(server):
    status, _, body = http(
        "GET", server + "/sparql?" + urllib.parse.urlencode({"query": "SELECT * WHERE {\n ?s ?p \n}}"})
    )
    assert status == 400 and b"line 2, column" in body


def test_runaway_query_is_stopped(server):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    start = time.monotonic()
    status, _, body = http("GET", server + "/sparql?" + urllib.parse.urlencode({"query": query}))
    assert status == 503 and b"timeout" in body
    assert time.monotonic() - start < 15
    status, _, _ = http("GET", server + "/sparql?" + urllib.parse.urlencode({"query": TASKS}))
    assert status == 200  # and the server still answers


def test_request_size_is_bounded(server):
    big = ("SELECT * WHERE { ?s ?p ?o } #" + "x" * 200_000).encode()
    status, _, _ = http("POST", server + "/sparql", big, {"Content-Type": "application/sparql-query"})
    assert status == 413


def test_concurrent_clients(server):
    url = server + "/sparql?" + urllib.parse.urlencode({"query": TASKS})
    results: list[int] = []

    def client() -> None:
        for _ in range(5):
            status, _, body = http("GET", url)
            results.append(status if len(json.loads(body)["results"]["bindings"]) == 11 else -1)

    threads = [threading.Thread(target=client) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == [200] * 100


def test_query_page_is_one_offline_file(server):
    status, headers, body = http("GET", server + "/")
    page = body.decode()
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert '"pillars"' in page and "某一支柱下的任务" in page
    assert "src=" not in page and "<link" not in page  # every script and style inline


def test_query_page_in_a_real_browser(server):
    from browser import open_page, screenshot

    with open_page(server) as page:
        page.goto(server + "/")
        page.select_option("#named", "goals")
        assert "dckg:targetYear" in page.input_value("#query")
        page.click("#run")
        page.wait_for_selector("#results table")
        assert page.locator("#results table tr").count() == 3  # header and two goals
        assert "2035" in page.inner_text("#results")
        page.fill("#query", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
        page.click("#run")
        page.wait_for_function("document.getElementById('error').textContent.includes('refused')")
        page.select_option("#named", "pillars")
        page.click("#run")
        page.wait_for_selector("#results table")
        assert "数字基础设施" in page.inner_text("#results")
        path = screenshot(page, "query-page.png")
        assert path.stat().st_size > 10_000
        assert page.blocked == []
        # The one error logged is the refused query's 400 response, which the page shows.
        assert page.errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]


def test_the_network_view_is_served_once_built(server, built):
    status, headers, body = http("GET", server + "/graph")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert body == (built / "graph.html").read_bytes()


def test_unusable_request_bodies(server):
    status, _, _ = http("POST", server + "/sparql", b"SELECT * {}", {"Content-Type": "image/png"})
    assert status == 415
    status, _, body = http("POST", server + "/sparql", b"SELECT \xff", {"Content-Type": "application/sparql-query"})
    assert status == 400 and b"not UTF-8" in body
