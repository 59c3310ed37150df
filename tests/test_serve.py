"""`kg serve` as a real server on loopback, spoken to by real SPARQL clients."""

from __future__ import annotations

import http.client as http_client
import json
import os
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import start_kg_serve
from rdflib import Graph, URIRef
from test_query import Listener

TASKS = "SELECT ?t WHERE { ?t a <https://w3id.org/digital-china-kg/ontology#Task> }"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def serving(built):
    base, _, proc = start_kg_serve(built, "--timeout", "2", "--workers", "2")
    yield base, proc
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def server(serving):
    return serving[0]


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


DOC_GRAPH = "https://w3id.org/digital-china-kg/id/digital-china-overall-layout-plan/graph"
ONTOLOGY_GRAPH = "https://w3id.org/digital-china-kg/ontology"
BEIDOU = "<https://w3id.org/digital-china-kg/id/entity/北斗>"


def test_clients_at_their_defaults_get_construct_and_describe(server):
    """SPARQLWrapper and rdflib's SPARQLStore ask for RDF/XML by default."""
    from rdflib.plugins.stores.sparqlstore import SPARQLStore
    from SPARQLWrapper import SPARQLWrapper

    sw = SPARQLWrapper(server + "/sparql")
    sw.setQuery("CONSTRUCT { ?t a <urn:task> } WHERE { ?t a <https://w3id.org/digital-china-kg/ontology#Task> }")
    assert len(sw.query().convert()) == 11
    sw.setQuery(f"DESCRIBE {BEIDOU}")
    described = sw.query().convert()
    assert any(str(o) == "北斗" for o in described.objects())
    store = Graph(store=SPARQLStore(server + "/sparql"))
    g = store.query(f"CONSTRUCT {{ {BEIDOU} ?p ?o }} WHERE {{ {BEIDOU} ?p ?o }}").graph
    assert len(g) >= 5
    assert len(list(store.query(f"DESCRIBE {BEIDOU}"))) >= 5


@pytest.mark.parametrize(
    ("accept", "media", "parser"),
    [
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/n-quads", "application/n-quads", "nquads"),
        ("application/*", "application/rdf+xml", "xml"),
        ("text/*", "text/turtle", "turtle"),
        ("*/*;q=0.1, application/ld+json", "application/ld+json", "json-ld"),
    ],
)
def test_graph_formats_and_wildcards(server, accept, media, parser):
    query = f"CONSTRUCT {{ {BEIDOU} ?p ?o }} WHERE {{ {BEIDOU} ?p ?o }}"
    status, headers, body = http(
        "GET", server + "/sparql?" + urllib.parse.urlencode({"query": query}), headers={"Accept": accept}
    )
    assert status == 200 and headers["content-type"].startswith(media) and _varies_on_accept(headers)
    g = Graph().parse(data=body, format=parser) if parser != "nquads" else _nquads(body)
    assert len(g) >= 5


def _varies_on_accept(headers: dict) -> bool:
    return "Accept" in [v.strip() for v in headers.get("vary", "").split(",")]


def _nquads(body: bytes) -> Graph:
    from rdflib import Dataset

    ds = Dataset()
    ds.parse(data=body, format="nquads")
    return Graph().parse(data=ds.serialize(format="nt"), format="nt")


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("text/*", "text/csv"),
        ("application/*", "application/sparql-results+json"),
        ("application/json", "application/sparql-results+json"),
        ("text/csv;q=0.2, application/sparql-results+xml;q=0.8", "application/sparql-results+xml"),
    ],
)
def test_result_wildcards_and_vary(server, accept, media):
    status, headers, _ = http(
        "GET", server + "/sparql?" + urllib.parse.urlencode({"query": TASKS}), headers={"Accept": accept}
    )
    assert status == 200 and headers["content-type"].startswith(media) and _varies_on_accept(headers)


def test_head_answers_like_get_without_a_body(server):
    status, headers, body = http("HEAD", server + "/sparql")
    assert status == 200 and headers["content-type"].startswith("text/turtle") and body == b""
    status, headers, body = http("HEAD", server + "/sparql?" + urllib.parse.urlencode({"query": TASKS}))
    assert status == 200 and headers["content-type"].startswith("application/sparql-results+json") and body == b""


@pytest.mark.parametrize(("accept", "parser"), [("application/rdf+xml", "xml"), ("application/ld+json", "json-ld")])
def test_service_description_is_negotiated(server, accept, parser):
    status, headers, body = http("GET", server + "/sparql", headers={"Accept": accept})
    assert status == 200 and headers["content-type"].startswith(accept) and _varies_on_accept(headers)
    g = Graph().parse(data=body, format=parser)
    names = {str(o) for o in g.objects(predicate=URIRef("http://www.w3.org/ns/sparql-service-description#name"))}
    assert names == {DOC_GRAPH, ONTOLOGY_GRAPH}


def test_graph_parameters_choose_the_dataset(server):
    def rows(query: str, **params) -> list[dict]:
        url = server + "/sparql?" + urllib.parse.urlencode({"query": query, **params})
        status, _, body = http("GET", url)
        assert status == 200, body
        return json.loads(body)["results"]["bindings"]

    assert len(rows(TASKS, **{"default-graph-uri": DOC_GRAPH})) == 11
    assert rows(TASKS, **{"default-graph-uri": ONTOLOGY_GRAPH}) == []
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert [r["g"]["value"] for r in rows(graphs, **{"named-graph-uri": ONTOLOGY_GRAPH})] == [ONTOLOGY_GRAPH]
    assert len(rows(graphs)) == 2


def test_curl(server):
    query = f"CONSTRUCT {{ {BEIDOU} ?p ?o }} WHERE {{ {BEIDOU} ?p ?o }}"
    out = subprocess.run(
        ["curl", "-sS", "-D", "-", "-H", "Accept: application/rdf+xml", "--data-urlencode", f"query={query}",
         server + "/sparql"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert out.startswith("HTTP/1.1 200") and "content-type: application/rdf+xml" in out.lower()
    assert "<rdf:RDF" in out
    out = subprocess.run(["curl", "-sS", "-I", server + "/sparql"], capture_output=True, text=True, check=True).stdout
    assert out.startswith("HTTP/1.1 200") and "vary: accept" in out.lower()
    out = subprocess.run(
        ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--data-urlencode", "query=DELETE WHERE { ?s ?p ?o }",
         server + "/sparql"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert out == "403"


def test_unacceptable_format_is_406(server):
    status, _, _ = http(
        "GET", server + "/sparql?" + urllib.parse.urlencode({"query": TASKS}), headers={"Accept": "image/png"}
    )
    assert status == 406


def test_service_description(server):
    status, headers, body = http("GET", server + "/sparql")
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=body, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert len(list(g.triples((None, None, None)))) > 5
    assert any(str(p) == sd + "endpoint" for p in g.predicates())
    # The build's VoID/DCAT description, with the endpoint that serves it.
    void = "http://rdfs.org/ns/void#"
    dataset = URIRef("https://w3id.org/digital-china-kg/id/dataset")
    assert g.value(dataset, URIRef(void + "sparqlEndpoint")) == URIRef(server + "/sparql")
    assert int(g.value(dataset, URIRef(void + "triples"))) > 5000


def test_no_cors_by_default(server):
    """A page from elsewhere cannot read the answers unless --cors names its origin."""
    _, headers, _ = http(
        "GET", server + "/sparql?" + urllib.parse.urlencode({"query": TASKS}), headers={"Origin": "http://example.org"}
    )
    assert "access-control-allow-origin" not in {k.lower() for k in headers}


def test_cors_for_the_origins_named(built):
    base, _, proc = start_kg_serve(built, "--workers", "1", "--cors", "http://example.org")
    try:
        url = base + "/sparql?" + urllib.parse.urlencode({"query": TASKS})
        _, headers, _ = http("GET", url, headers={"Origin": "http://example.org"})
        assert headers.get("access-control-allow-origin") == "http://example.org"
        _, headers, _ = http("GET", url, headers={"Origin": "http://elsewhere.example"})
        assert "access-control-allow-origin" not in {k.lower() for k in headers}
        status, headers, _ = http(
            "OPTIONS",
            base + "/sparql",
            headers={"Origin": "http://example.org", "Access-Control-Request-Method": "POST"},
        )
        assert status == 200 and "POST" in headers.get("access-control-allow-methods", "")
    finally:
        proc.terminate()
        proc.wait(10)


def test_security_headers_and_relative_redirects(server):
    status, headers, _ = http("GET", server + "/sparql?" + urllib.parse.urlencode({"query": TASKS}))
    assert status == 200 and headers["x-content-type-options"] == "nosniff"
    for path in ("/", "/graph"):
        status, headers, _ = http("GET", server + path)
        csp = headers.get("content-security-policy", "")
        assert status == 200 and "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
    conn = http_client.HTTPConnection(server.removeprefix("http://"), timeout=10)
    conn.request("GET", "/sparql/?query=ASK%7B%7D", headers={"Host": "evil.example"})
    r = conn.getresponse()
    assert r.status == 308 and r.getheader("location") == "/sparql?query=ASK%7B%7D"


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
    assert status == 403 and b"updates are refused" in body


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
    assert status == 400 and b"line 3, column" in body


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (its query workers)."""
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def _cpu_seconds(pids: set[int]) -> float:
    """User and system CPU time used so far by these processes."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_a_timed_out_worker_is_killed_and_replaced(serving):
    """After a 503 the CPU the query held is freed, and a fresh worker takes its place."""
    base, proc = serving
    before = _children(proc.pid)
    status, _, body = http("GET", base + "/sparql?" + urllib.parse.urlencode({"query": RUNAWAY}))
    assert status == 503 and b"timeout" in body
    for _ in range(6):
        assert http("GET", base + "/sparql?" + urllib.parse.urlencode({"query": TASKS}))[0] == 200
    # One worker gone, a new one in its place: started in the background, so on a loaded
    # machine it may come after those queries (they are answered by the others meanwhile).
    deadline = time.monotonic() + 20
    while not ((after := _children(proc.pid)) - before) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(before - after) >= 1 and len(after - before) >= 1
    tree = after | {proc.pid}
    # Once the replacement holds the store, the server idles: the runaway query no longer
    # burns a core (it would use a second of CPU each second).
    deadline = time.monotonic() + 20
    while True:
        used = _cpu_seconds(tree)
        time.sleep(1.0)
        burned = _cpu_seconds(tree) - used
        if burned < 0.3 or time.monotonic() > deadline:
            break
    assert burned < 0.3


def test_cheap_queries_answer_while_an_expensive_one_runs(server):
    slow: list[int] = []
    thread = threading.Thread(
        target=lambda: slow.append(http("GET", server + "/sparql?" + urllib.parse.urlencode({"query": RUNAWAY}))[0])
    )
    thread.start()
    time.sleep(0.3)
    for _ in range(5):
        status, _, body = http("GET", server + "/sparql?" + urllib.parse.urlencode({"query": TASKS}))
        assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 11
    assert thread.is_alive() and not slow  # answered while the expensive query still ran
    thread.join(30)
    assert slow == [503]


def test_runaway_query_is_stopped(server):
    query = RUNAWAY
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
        page.wait_for_selector("#error:has-text('refused')")
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


def test_the_network_view_runs_under_its_content_security_policy(server):
    """The CSP allows nothing from elsewhere and no eval: the view must still draw."""
    from browser import open_page

    with open_page(server) as page:
        page.goto(server + "/graph")
        page.wait_for_selector("canvas")
        page.wait_for_timeout(500)
        assert page.evaluate("() => document.querySelectorAll('canvas').length") >= 1
        assert page.errors == [] and page.blocked == []


def test_unusable_request_bodies(server):
    status, _, _ = http("POST", server + "/sparql", b"SELECT * {}", {"Content-Type": "image/png"})
    assert status == 415
    status, _, body = http("POST", server + "/sparql", b"SELECT \xff", {"Content-Type": "application/sparql-query"})
    assert status == 400 and b"not UTF-8" in body


def _one_query(built, *options: str) -> str:
    """Start kg serve with ``options``, answer one query, stop it: what it printed on stderr."""
    base, _, proc = start_kg_serve(built, "--workers", "1", *options, stderr=subprocess.PIPE)
    try:
        assert http("GET", base + "/sparql?" + urllib.parse.urlencode({"query": TASKS}))[0] == 200
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    return err


def test_access_log_prints_a_line_per_request(built):
    err = _one_query(built, "--access-log")
    lines = [line for line in err.splitlines() if "GET /sparql?query=" in line]
    assert lines and lines[-1].rstrip().endswith("200 OK")
    assert "with 1 query worker;" in err


def test_quiet_serve_says_nothing_but_warnings(built):
    """-q: no banner and no notes on stderr; the endpoint answers as ever."""
    err = _one_query(built, "-q")
    assert "serving" not in err and "network denied" not in err and "Traceback" not in err


def test_an_rdf_file_is_served_without_another_builds_view_or_description(built, tmp_path):
    """--data FILE serves that file: not the view or the VoID description of whatever ./build holds."""
    import shutil

    shutil.copytree(built, tmp_path / "build")  # a build in the working folder …
    data = tmp_path / "other.nq"
    shutil.copy(built / "data.nq", data)  # … and the file actually served
    base, _, proc = start_kg_serve(data, "-q", cwd=tmp_path)
    try:
        _, _, body = http("GET", base + "/sparql", headers={"Accept": "text/turtle"})
        assert b"sparqlEndpoint" not in body and b"sparql-service-description" in body
        assert http("GET", base + "/graph")[0] == 404
    finally:
        proc.terminate()
        proc.wait(10)


def test_large_replies_under_concurrent_clients(built):
    """Replies larger than a pipe holds (every triple, ~2 MB of JSON), ten clients at once: each
    is read whole. (The reply pipe was non-blocking after the event loop watched it, and one
    in ten such replies was reported as a crashed worker.)"""
    import concurrent.futures
    import http.client

    _, port, proc = start_kg_serve(built, "--workers", "2")
    query = urllib.parse.urlencode({"query": "SELECT * WHERE { ?s ?p ?o }"})

    def client(_: int) -> list[tuple[int, int]]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        out = []
        for _ in range(3):
            conn.request("GET", f"/sparql?{query}", headers={"Accept": "application/sparql-results+json"})
            r = conn.getresponse()
            out.append((r.status, len(r.read())))
        return out

    try:
        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            replies = [x for rs in pool.map(client, range(10)) for x in rs]
    finally:
        proc.terminate()
        proc.wait(10)
    assert [s for s, _ in replies] == [200] * 30
    assert min(n for _, n in replies) > 1_000_000 and len({n for _, n in replies}) == 1
