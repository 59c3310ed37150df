"""No outbound request, by two independent means: kg.guard refuses SERVICE, LOAD and remote
FROM as Oxigraph reads them, and kg.sandbox denies network sockets where queries run.

The differential fuzz builds queries with escapes, comments, strings and line breaks around
SERVICE and FROM; whatever the guard lets through is evaluated by pyoxigraph against a
listener on loopback, which must never see a connection."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import textwrap

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_query import Listener

from kg.errors import KGError
from kg.guard import inspect

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="seccomp is Linux only")


@pytest.fixture(scope="module")
def listener():
    lst = Listener()
    yield lst
    lst.close()


@pytest.fixture(scope="module")
def store():
    s = ox.Store()
    s.add(ox.Quad(ox.NamedNode("http://a/s"), ox.NamedNode("http://a/p"), ox.Literal("o")))
    return s


# What changes where a string, an IRI or a comment ends, or how a keyword is spelt.
LINE_ENDS = st.sampled_from(["\n", "\r", "\r\n", ""])
ESCAPES = st.sampled_from(
    ["\\u0022", "\\U00000022", "\\u00000022", "\\u0027", '\\"', "\\'", "\\\\", "\\n", "\\r", "\\u003E"]
)
TEXT = st.sampled_from(["a", " ", "SERVICE", "\n", "\r", '"', "'", "#", "<", ">", "}"])
COMMENT = st.builds(lambda body, end: "#" + "".join(body) + end, st.lists(TEXT, max_size=3), LINE_ENDS)
STRING = st.builds(
    lambda quote, parts, close: quote + "".join(parts) + (quote if close else ""),
    st.sampled_from(['"', "'", '"""', "'''"]),
    st.lists(st.one_of(ESCAPES, TEXT), max_size=4),
    st.booleans(),
)
IRI = st.builds(lambda parts: "<" + "".join(parts) + ">", st.lists(st.one_of(ESCAPES, TEXT), max_size=3))
PLAIN = st.sampled_from(
    [" ", "?x", "{", "}", "(", ")", ".", ";", "BIND(1 AS ?z)", "FILTER(?x<?y)", "FILTER(?x>?y)", "SERV\\u0049CE",
     "SILENT", "ex:", "_:b"]
)  # fmt: skip
SEGMENT = st.one_of(COMMENT, STRING, IRI, PLAIN)
SEGMENTS = st.lists(SEGMENT, max_size=4)
SHAPES = [
    "SELECT * WHERE {{ ?s ?p ?o {a} SERVICE <{url}> {{ ?s ?p ?o }} {b} }}",
    "SELECT * WHERE {{ ?s ?p ?o {a} SERVICE SILENT <{url}> {{ ?s ?p ?o }} {b} }}",
    "SELECT * WHERE {{ {a} OPTIONAL {{ ?s ?p ?o SERVICE <{url}> {{ ?s ?p ?o }} }} {b} }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ {a} SERVICE <{url}> {{ ?s ?p ?o }} }} {b} }}",
    "SELECT * {a} FROM <{url}g> {b} WHERE {{ ?s ?p ?o }}",
    "ASK {{ ?s ?p ?o {a} }} {b} SERVICE <{url}> {{ }}",
]


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    shape=st.sampled_from(SHAPES),
    before=SEGMENTS,
    last=SEGMENT,
    after=st.one_of(st.just([]), SEGMENTS),
)
def test_what_the_guard_passes_never_reaches_the_network(listener, store, shape, before, last, after):
    # ``last`` stands right before the keyword: where an unclosed comment or string would hide it.
    query = shape.format(a="".join([*before, last]), b="".join(after), url=f"http://127.0.0.1:{listener.port}/")
    try:
        inspect(query)
    except KGError:
        return  # refused before anything ran
    try:
        result = store.query(query)
        if not isinstance(result, ox.QueryBoolean):
            list(result)
    except (SyntaxError, OSError, RuntimeError, ValueError):
        pass
    # The listener counts a connection before it closes it, and a query that connected
    # returns only once it is closed: the count is up to date here.
    assert listener.connections == 0, query


def test_the_fuzz_would_see_a_connection(listener, store):
    """The listener works: a SERVICE the guard is not asked about does reach it."""
    with contextlib.suppress(OSError):
        list(store.query(f"SELECT * WHERE {{ ?s ?p ?o SERVICE <http://127.0.0.1:{listener.port}/> {{ ?s ?p ?o }} }}"))
    assert listener.connections == 1
    listener.connections = 0


@linux
def test_the_sandbox_denies_network_sockets_but_not_local_ones(listener):
    """A query that reaches the engine with SERVICE in it (the guard bypassed on purpose)
    cannot connect once the sandbox is on."""
    code = textwrap.dedent(f"""
        import multiprocessing, pyoxigraph as ox
        from kg import sandbox
        s = ox.Store()
        s.add(ox.Quad(ox.NamedNode("http://a/s"), ox.NamedNode("http://a/p"), ox.Literal("o")))
        assert sandbox.deny_network(), sandbox.REASON
        try:
            list(s.query("SELECT * WHERE {{ ?s ?p ?o SERVICE <http://127.0.0.1:{listener.port}/> {{ ?s ?p ?o }} }}"))
            print("connected")
        except PermissionError:
            print("denied")
        a, b = multiprocessing.Pipe()
        a.send("local")
        print(b.recv())
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["denied", "local"]
    assert listener.connections == 0


@linux
def test_kg_serve_workers_run_sandboxed(built):
    from conftest import start_kg_serve

    _, _, proc = start_kg_serve(built, "--workers", "1", stderr=subprocess.PIPE)
    proc.terminate()
    _, err = proc.communicate(timeout=10)
    assert "query workers run with the network denied (seccomp)" in err
