"""`kg push` into a real Oxigraph server, and against a stub that checks authentication."""

from __future__ import annotations

import contextlib
import http.server
import subprocess
import sys
import threading
import time
import typing
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import run_kg, wait_for
from test_serve import free_port

OXIGRAPH = Path(sys.executable).with_name("oxigraph")


def _oxigraph(location: Path, *options: str):
    if not OXIGRAPH.exists():
        pytest.fail("the oxigraph server (PyPI package oxigraph) is not installed")
    port = free_port()
    proc = subprocess.Popen(
        [str(OXIGRAPH), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}", *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    wait_for(base + "/query?query=ASK%7B%7D", proc, "oxigraph serve")
    return base, proc


@pytest.fixture
def oxigraph(tmp_path):
    base, proc = _oxigraph(tmp_path / "store")
    yield base
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def oxigraph_union(tmp_path):
    base, proc = _oxigraph(tmp_path / "store", "--union-default-graph")
    yield base
    proc.terminate()
    proc.wait(10)


def _csv_rows(text: str) -> list[tuple]:
    """The rows of a CSV result as a multiset (a doubled row counts twice); the order inside a
    GROUP_CONCAT, which SPARQL leaves to the engine, is ignored."""
    import csv
    import io

    from test_query import GROUP_CONCAT_COLUMNS

    header, *rows = list(csv.reader(io.StringIO(text)))
    seps = [GROUP_CONCAT_COLUMNS.get(name) for name in header]
    out = [tuple(sorted(v.split(sep)) if sep else v for sep, v in zip(seps, row)) for row in rows]
    return sorted(out, key=repr)


def test_named_queries_give_the_same_rows_in_oxigraph(oxigraph_union, built):
    """Each triple is held in one graph, so Oxigraph's union default graph (which counts a
    triple once per graph) gives the rows `kg query` gives, for every named query."""
    import pyoxigraph as ox

    from kg import query as q

    quads = list(ox.parse(path=str(built / "full.trig"), format=ox.RdfFormat.TRIG))
    assert len(quads) == len({(x.subject, x.predicate, x.object) for x in quads})  # each triple in one graph
    r = run_kg("push", "--endpoint", oxigraph_union + "/store", "--data", str(built))
    assert r.returncode == 0, r.stderr
    compared = 0
    for name, named in q.library().items():
        if "CONSTRUCT" in named.text or "DESCRIBE" in named.text:
            continue
        ours = run_kg("query", name, "--data", str(built), "--format", "csv")
        assert ours.returncode == 0, ours.stderr
        text = q.with_values(named.text, q.bind(named, {}))
        req = urllib.request.Request(
            oxigraph_union + "/query",
            data=urllib.parse.urlencode({"query": text}).encode(),
            headers={"Accept": "text/csv", "Content-Type": "application/x-www-form-urlencoded"},
        )
        theirs = urllib.request.urlopen(req, timeout=30).read().decode()
        assert _csv_rows(ours.stdout) == _csv_rows(theirs), name
        if name == "strategic-path":
            assert len(_csv_rows(theirs)) == 4  # the four steps, once each
        compared += 1
    assert compared >= 8


def counts(base: str) -> dict[str, int]:
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    req = urllib.request.Request(
        base + "/query?" + urllib.parse.urlencode({"query": query}), headers={"Accept": "text/csv"}
    )
    lines = urllib.request.urlopen(req, timeout=10).read().decode().splitlines()[1:]
    return {g: int(n) for g, n in (line.split(",") for line in lines)}


def test_push_round_trips_through_oxigraph(oxigraph, built):
    from rdflib import Dataset

    local = Dataset().parse(built / "full.trig", format="trig")
    expected = {str(g.identifier): len(g) for g in local.graphs() if len(g)}
    r = run_kg("push", "--endpoint", oxigraph + "/store", "--data", str(built))
    assert r.returncode == 0, r.stderr
    assert counts(oxigraph) == expected
    assert f"{len(expected)} graph(s) replaced, 0 already there" in r.stdout
    # A second push finds every graph there already, and leaves it alone.
    r = run_kg("push", "--endpoint", oxigraph + "/store", "--data", str(built), "-v")
    assert r.returncode == 0 and counts(oxigraph) == expected
    assert f"0 graph(s) replaced, {len(expected)} already there" in r.stdout and "left alone" in r.stderr
    r = run_kg("push", "--endpoint", oxigraph + "/store", "--data", str(built), "--graph", "urn:kg:all")
    assert r.returncode == 0
    union = len({t for g in local.graphs() for t in g})
    assert counts(oxigraph)["urn:kg:all"] == union


class Stub(http.server.BaseHTTPRequestHandler):
    """A Graph Store stub: keeps what is PUT, returns it on GET (or less, when told to lie)."""

    stored: typing.ClassVar[dict] = {}
    auth: typing.ClassVar[list] = []
    get_auth: typing.ClassVar[list] = []
    drop_one = False
    mode = ""  # forge, redirect, drip, huge or fail-second: how the stub misbehaves
    redirect_to = ""

    def do_PUT(self):
        Stub.auth.append(self.headers.get("Authorization"))
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if Stub.mode == "fail-second" and len(Stub.stored) == 1:
            self.send_response(500)
            self.end_headers()
            return
        Stub.stored[self.path] = body
        self.send_response(204)
        self.end_headers()

    def do_GET(self):
        Stub.get_auth.append(self.headers.get("Authorization"))
        if Stub.mode == "redirect" and Stub.redirect_to not in self.path:
            self.send_response(302)
            self.send_header("Location", Stub.redirect_to + self.path)
            self.end_headers()
            return
        if Stub.mode == "drip":
            self.send_response(200)
            self.end_headers()
            for _ in range(30):
                self.wfile.write(b"<")
                self.wfile.flush()
                time.sleep(1)
            return
        if Stub.mode == "huge":
            chunk = b"#" * (1 << 20) + b"\n"
            try:
                self.send_response(200)
                self.end_headers()
                for _ in range(600):
                    self.wfile.write(chunk)
            except OSError:
                self.close_connection = True
            return
        body = Stub.stored.get(self.path, b"")
        if Stub.drop_one:
            body = b"\n".join(body.splitlines()[1:])
        if Stub.mode == "forge" and body:  # same count, one triple changed
            lines = body.splitlines()
            lines[0] = b'<urn:forged> <urn:p> "forged" .'
            body = b"\n".join(lines)
        self.send_response(200)
        self.send_header("Content-Type", "application/n-triples")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

    def handle(self):
        # The client hangs up on a reply it refuses: that is the point, not an error.
        with contextlib.suppress(OSError):
            super().handle()


@pytest.fixture
def stub():
    Stub.stored, Stub.auth, Stub.get_auth, Stub.drop_one, Stub.mode = {}, [], [], False, ""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/store"
    server.shutdown()


def test_basic_and_bearer_authentication(stub, built):
    assert run_kg("push", "--endpoint", stub, "--data", str(built), "--user", "admin:s3cret").returncode == 0
    assert set(Stub.auth) == set(Stub.get_auth) == {"Basic YWRtaW46czNjcmV0"}
    Stub.stored.clear()
    Stub.auth.clear()
    Stub.get_auth.clear()
    assert run_kg("push", "--endpoint", stub, "--data", str(built), env={"KG_PUSH_TOKEN": "tok"}).returncode == 0
    assert set(Stub.auth) == set(Stub.get_auth) == {"Bearer tok"}


def test_a_store_that_loses_triples_is_caught(stub, built):
    Stub.drop_one = True
    r = run_kg("push", "--endpoint", stub, "--data", str(built))
    assert r.returncode == 2 and "lacks 1 that were" in r.stderr and "already replaced: https://" in r.stderr


def test_forged_triples_are_caught_though_the_count_is_right(stub, built):
    Stub.mode = "forge"
    r = run_kg("push", "--endpoint", stub, "--data", str(built))
    assert r.returncode == 2 and "holds 1 triples that were not sent (e.g. <urn:forged>" in r.stderr


def test_a_redirect_to_another_host_gets_no_credentials(stub, built):
    other = stub.replace("127.0.0.1", "localhost")
    Stub.mode, Stub.redirect_to = "redirect", other.removesuffix("/store")
    r = run_kg("push", "--endpoint", stub, "--data", str(built), "--user", "admin:s3cret")
    assert r.returncode == 2 and "another host; refused" in r.stderr
    assert Stub.get_auth == ["Basic YWRtaW46czNjcmV0"]  # the first GET only: nothing went to localhost
    assert "s3cret" not in r.stderr and "YWRtaW46" not in r.stderr


def test_a_dripping_or_huge_reply_is_cut_off(stub, built):
    Stub.mode = "drip"
    start = time.monotonic()
    r = run_kg("push", "--endpoint", stub, "--data", str(built), "--timeout", "3")
    assert r.returncode == 2 and "longer than the timeout" in r.stderr
    assert time.monotonic() - start < 20
    Stub.mode = "huge"
    r = run_kg("push", "--endpoint", stub, "--data", str(built))
    assert r.returncode == 2 and "refused" in r.stderr and "bytes" in r.stderr


def test_a_failure_part_way_says_what_was_replaced(stub, built):
    Stub.mode = "fail-second"
    r = run_kg("push", "--endpoint", stub, "--data", str(built))
    assert r.returncode == 2 and "HTTP 500" in r.stderr and "already replaced: https://" in r.stderr


def test_a_password_in_the_url_never_shows(built):
    r = run_kg("push", "--endpoint", "http://admin:hunter2@127.0.0.1:9/store", "--data", str(built))
    assert r.returncode == 2 and "hunter2" not in r.stderr and "admin" not in r.stderr


def test_unreachable_and_bad_endpoint(built):
    r = run_kg("push", "--endpoint", "http://127.0.0.1:9/store", "--data", str(built))
    assert r.returncode == 2 and "cannot reach" in r.stderr and "Traceback" not in r.stderr
    r = run_kg("push", "--endpoint", "ftp://example/store", "--data", str(built))
    assert r.returncode == 2 and "Graph Store Protocol URL" in r.stderr
    r = run_kg("push", "--endpoint", "http://127.0.0.1:9/store", "--graph", "not an iri", "--data", str(built))
    assert r.returncode == 2 and "not an IRI" in r.stderr


def test_a_push_of_a_thousand_graphs_resumes(oxigraph, tmp_path):
    """1,000 graphs, streamed one at a time. A push stopped part-way (here: the remote copies
    of a few graphs damaged or dropped afterwards) sends again only what the store lacks."""
    lines = []
    for k in range(1000):
        g = f"<https://example.org/doc/{k:04d}/graph>"
        lines += [
            f'<https://example.org/doc/{k:04d}> <https://example.org/p> "report {k}" {g} .',
            f"<https://example.org/doc/{k:04d}> <https://example.org/q> <https://example.org/x{k % 7}> {g} .",
        ]
    data = tmp_path / "corpus.nq"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = oxigraph + "/store"
    r = run_kg("push", "--endpoint", store, "--data", str(data))
    assert r.returncode == 0 and "1000 graph(s) replaced, 0 already there" in r.stdout, r.stderr
    assert len(counts(oxigraph)) == 1000 and set(counts(oxigraph).values()) == {2}
    # Damage three graphs and drop two, as a push killed part-way (or another writer) would leave them.
    update = (
        "DELETE DATA { GRAPH <https://example.org/doc/0005/graph> { <https://example.org/doc/0005> "
        '<https://example.org/p> "report 5" } } ; '
        "INSERT DATA { GRAPH <https://example.org/doc/0500/graph> { <urn:x> <urn:y> <urn:z> } "
        "GRAPH <https://example.org/doc/0999/graph> { <urn:x> <urn:y> <urn:z> } } ; "
        "DROP GRAPH <https://example.org/doc/0001/graph> ; DROP GRAPH <https://example.org/doc/0700/graph>"
    )
    req = urllib.request.Request(
        oxigraph + "/update", data=update.encode(), headers={"Content-Type": "application/sparql-update"}
    )
    urllib.request.urlopen(req, timeout=10).read()
    r = run_kg("push", "--endpoint", store, "--data", str(data), "-v")
    assert r.returncode == 0 and "5 graph(s) replaced, 995 already there" in r.stdout, r.stderr
    replaced = {line.split(": ")[1] for line in r.stderr.splitlines() if "triples stored" in line}
    assert {g.rsplit("/", 2)[1] for g in replaced} == {"0001", "0005", "0500", "0700", "0999"}
    assert len(counts(oxigraph)) == 1000 and set(counts(oxigraph).values()) == {2}
