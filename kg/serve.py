"""A read-only SPARQL 1.1 Protocol endpoint (Starlette, run by uvicorn) and its query page.

The server reads each request, refuses what kg.guard refuses (updates with 403; SERVICE,
remote FROM and unknown graph parameters with 400), negotiates the format, and hands the
query to a pool of worker processes (kg.workers) that hold the store. A query past its
time limit gets 503 and its worker is replaced.

Formats: SELECT and ASK as SPARQL JSON, XML, CSV and TSV; CONSTRUCT and DESCRIBE (and the
service description) as Turtle, RDF/XML, N-Triples, N-Quads and JSON-LD. ``Accept`` is
read with q-values and wildcards by python-mimeparse; every negotiated answer says
``Vary: Accept``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import parse_qs

from kg import page
from kg import query as q
from kg.errors import KGError
from kg.guard import UpdateRefused, graph_parameter_refusal

# Media types, least preferred first: on a tie (*/*, text/*, application/*) the last wins.
RESULT_TYPES = {
    "text/tab-separated-values": "tsv",
    "text/csv": "csv",
    "application/xml": "xml",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/sparql-results+json": "json",
}
GRAPH_TYPES = {
    "text/plain": "nt",
    "application/xml": "rdf",
    "application/x-turtle": "ttl",
    "application/json": "jsonld",
    "application/ld+json": "jsonld",
    "application/n-quads": "nq",
    "application/n-triples": "nt",
    "application/rdf+xml": "rdf",
    "text/turtle": "ttl",
}
MEDIA = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "ttl": "text/turtle; charset=utf-8",
    "nt": "application/n-triples",
    "nq": "application/n-quads",
    "jsonld": "application/ld+json",
    "rdf": "application/rdf+xml",
}
DEFAULT_FORMAT = {"results": "json", "graph": "ttl"}
MAX_BODY = 100_000
# A file of a corpus view's plans/ folder: a page (kg.corpus_view.page_name) or vis-network.
PLAN_FILE = re.compile(r"[0-9A-Za-z\u3400-\u9fff_-]+(?:\.min)?\.(?:html|js|css)")


KINDS = {"results": RESULT_TYPES, "graph": GRAPH_TYPES}


@functools.lru_cache(maxsize=512)
def negotiate(accept: str, kind: str) -> str | None:
    """The best format for an Accept header (q-values and wildcards) and a kind of answer
    ("results" or "graph"); None when nothing fits. Clients send the same few headers, so
    the answers are kept."""
    import mimeparse

    kinds = KINDS[kind]
    if not accept.strip():
        return DEFAULT_FORMAT[kind]
    try:
        best = mimeparse.best_match(list(kinds), accept)
    except (ValueError, IndexError):  # a header mimeparse cannot read is read as "anything"
        return DEFAULT_FORMAT[kind]
    return kinds[best] if best else None


def dataset_description(void_ttl: Path | None) -> tuple[str, str | None]:
    """The build's VoID/DCAT description (void.ttl) and its dataset's IRI, when there is one."""
    import pyoxigraph as ox

    from kg.void import VOID

    if void_ttl is None or not void_ttl.is_file():
        return "", None
    text = void_ttl.read_text(encoding="utf-8")
    found = sorted(
        t.subject.value for t in ox.parse(text.encode(), format=ox.RdfFormat.TURTLE) if t.predicate == VOID.vocabulary
    )
    return text, (found[0] if found else None)


def service_description(endpoint: str, graphs: set[str], dataset: tuple[str, str | None] = ("", None)) -> str:
    """The endpoint described in Turtle (SPARQL 1.1 Service Description), with the build's
    VoID/DCAT description and the endpoint it is served at (void:sparqlEndpoint)."""
    from kg.void import VOID

    named = "".join(f"    sd:namedGraph [ a sd:NamedGraph ; sd:name <{g}> ] ;\n" for g in sorted(graphs))
    void_text, dataset_iri = dataset
    served = f"<{dataset_iri}> <{VOID.sparqlEndpoint.value}> <{endpoint}> .\n" if dataset_iri else ""
    return (
        void_text
        + served
        + f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix formats: <http://www.w3.org/ns/formats/> .

<{endpoint}> a sd:Service ;
  sd:endpoint <{endpoint}> ;
  sd:supportedLanguage sd:SPARQL11Query ;
  sd:resultFormat formats:SPARQL_Results_JSON , formats:SPARQL_Results_XML , formats:SPARQL_Results_CSV ,
    formats:SPARQL_Results_TSV , formats:Turtle , formats:N-Triples , formats:N-Quads , formats:RDF_XML ,
    formats:JSON-LD ;
  sd:feature sd:UnionDefaultGraph ;
  sd:defaultDataset [ a sd:Dataset ;
    sd:defaultGraph [ a sd:Graph ] ;
{named}  ] .
"""
    )


def _graph_in(fmt: str, turtle: str) -> bytes:
    """A Turtle document in another graph format."""
    import pyoxigraph as ox

    if fmt == "ttl":
        return turtle.encode()
    triples = list(ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE))
    out = {"nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS, "jsonld": ox.RdfFormat.JSON_LD}
    out["rdf"] = ox.RdfFormat.RDF_XML
    if fmt == "nq":
        triples = [ox.Quad(t.subject, t.predicate, t.object) for t in triples]
    return ox.serialize(triples, format=out[fmt]) or b""


def create_app(pool, graphs: set[str], graph_html: Path | None = None, cors: tuple[str, ...] = ()):
    """The ASGI app: the protocol in front of ``pool`` (a started kg.workers.Pool).

    ``graphs``: the named graphs the workers' store holds (graph parameters must name them).
    ``cors``: the origins whose pages may read the answers ("*" for any); none by default,
    so a web page the user happens to visit cannot use the endpoint on their machine.
    """
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.cors import CORSMiddleware
    from starlette.requests import Request
    from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
    from starlette.routing import Route

    from kg.workers import Request as Job

    query_html = query_page(q.library())

    def error(status: int, message: str, vary: bool = False) -> Response:
        headers = {"Vary": "Accept"} if vary else None
        return PlainTextResponse(message.rstrip("\n") + "\n", status_code=status, headers=headers)

    async def read_form(request: Request) -> dict[str, list[str]] | Response:
        """The parameters a POST carries, or the error response that refuses it."""
        too_big = error(413, f"request body over {MAX_BODY} bytes")
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > MAX_BODY:
            return too_big
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return too_big
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return error(400, "the request body is not UTF-8")
        if ctype == "application/sparql-query":
            return {"query": [text]}
        if ctype == "application/sparql-update":
            return {"update": [text]}
        if ctype in ("application/x-www-form-urlencoded", ""):
            return parse_qs(text, keep_blank_values=True)
        return error(415, f"unsupported content type {ctype!r}: use application/sparql-query or a form")

    dataset = dataset_description(graph_html.with_name("void.ttl") if graph_html is not None else None)

    def describe(request: Request) -> Response:
        accept = request.headers.get("accept", "")
        fmt = negotiate(accept, "graph")
        if fmt is None:
            return error(406, f"the service description is a graph; it cannot be sent as {accept}", vary=True)
        body = _graph_in(fmt, service_description(str(request.url_for("sparql")), graphs, dataset))
        return Response(body, media_type=MEDIA[fmt], headers={"Vary": "Accept"})

    async def sparql(request: Request) -> Response:
        params = parse_qs(request.url.query, keep_blank_values=True)
        if request.method == "POST":
            form = await read_form(request)
            if isinstance(form, Response):
                return form
            for key, values in form.items():
                params.setdefault(key, []).extend(values)
        if "update" in params:
            return error(403, "SPARQL updates are refused: this endpoint is read-only")
        queries = params.get("query", [])
        if not queries:
            if request.method in ("GET", "HEAD"):
                return describe(request)
            return error(400, "no query: send query=… or a body of type application/sparql-query")
        if len(queries) > 1:
            return error(400, "one query per request")
        text = queries[0]
        default_graphs = params.get("default-graph-uri") or None
        named_graphs = params.get("named-graph-uri") or None
        for key, iris in (("default-graph-uri", default_graphs), ("named-graph-uri", named_graphs)):
            refusal = graph_parameter_refusal(key, iris or [], graphs)
            if refusal:
                return error(400, refusal)
        try:
            kind = q.inspect(text, graphs)
        except UpdateRefused as e:
            return error(403, str(e))
        except KGError as e:
            return error(400, str(e))
        accept = request.headers.get("accept", "")
        graph_result = kind in ("CONSTRUCT", "DESCRIBE")
        fmt = negotiate(accept, "graph" if graph_result else "results")
        if fmt is None:
            return error(406, f"cannot answer a {kind} query as {accept}", vary=True)
        job = Job(
            text,
            fmt,
            tuple(default_graphs) if default_graphs else None,
            tuple(named_graphs) if named_graphs else None,
        )
        reply = await pool.run(job)
        if reply.status != 200:
            response = error(reply.status, reply.body.decode("utf-8", "replace"), vary=True)
            if reply.retry_after:
                response.headers["Retry-After"] = str(reply.retry_after)
            return response
        return Response(reply.body, media_type=MEDIA[fmt], headers={"Vary": "Accept"})

    async def index(request: Request) -> Response:
        return HTMLResponse(query_html)

    async def graph(request: Request) -> Response:
        if graph_html is None or not graph_html.exists():
            return error(404, "no network view here: run `kg build` (it writes graph.html) and serve its folder")
        return FileResponse(graph_html, media_type="text/html")

    async def plan_page(request: Request) -> Response:
        """A corpus view's page of one plan (graph.html links plans/<id>.html), and the
        vis-network files beside them; nothing but a plain file name of that folder."""
        name = request.path_params["name"]
        folder = graph_html.parent / "plans" if graph_html is not None else None
        if folder is None or not PLAN_FILE.fullmatch(name) or not (folder / name).is_file():
            return error(404, "no such page")
        media = {"html": "text/html", "js": "text/javascript", "css": "text/css"}[name.rsplit(".", 1)[1]]
        return FileResponse(folder / name, media_type=media)

    async def with_slash(request: Request) -> Response:
        """/sparql/ → /sparql, by a relative redirect (never to whatever Host says)."""
        path = request.url.path.rstrip("/") or "/"
        query = f"?{request.url.query}" if request.url.query else ""
        return Response(status_code=308, headers={"Location": path + query})

    routes = [
        Route("/", index),
        Route("/sparql", sparql, methods=["GET", "HEAD", "POST"], name="sparql"),
        Route("/sparql/", with_slash, methods=["GET", "HEAD", "POST"]),
        Route("/graph", graph),
        Route("/graph/", with_slash),
        Route("/plans/{name}", plan_page),
    ]
    middleware = []
    if cors:
        middleware.append(
            Middleware(
                CORSMiddleware, allow_origins=list(cors), allow_methods=["GET", "HEAD", "POST"], allow_headers=["*"]
            )
        )
    app = Starlette(routes=routes, middleware=middleware)
    app.router.redirect_slashes = False  # Starlette's own redirect is absolute, built from Host
    return app


def query_page(library: dict) -> str:
    """The offline query page: pick a named query, edit it, run it, see the table."""
    named = {
        name: {"title": nq.title, "title_zh": nq.title_zh, "description": nq.description, "text": nq.text}
        for name, nq in library.items()
        if not nq.params
    }
    with_params = {
        name: {
            "title": nq.title,
            "title_zh": nq.title_zh,
            "description": nq.description + " (parameters take their defaults here)",
            "text": q.with_values(nq.text, q.bind(nq, {})),
        }
        for name, nq in library.items()
        if nq.params
    }
    return page.fill(
        "query.html",
        {"__QUERIES__": page.script_json({**named, **with_params}), "__TITLE__": escape("digital-china-kg SPARQL")},
    )


@dataclass(frozen=True)
class Settings:
    """What `kg serve` is told on its command line."""

    host: str = "127.0.0.1"
    port: int = 8000
    timeout: float = 30.0
    workers: int = 1
    memory_mb: int = 2048
    queue: int = 0  # requests that may wait for a worker; 0: the pool's default (32 per worker)
    cors: tuple[str, ...] = ()
    access_log: bool = False
    idle: float = 10.0  # seconds a connection may stay silent before its first request (half that between requests)
    quiet: bool = False  # -q: no notes on stderr (warnings still)


# An on-disk store up to this size is copied into each worker's memory: the named queries
# answer ~1.5× faster there than on RocksDB (bench/bench_serve.py). A larger one (a corpus)
# is read from disk, the workers sharing it through the page cache rather than each
# holding gigabytes.
IN_MEMORY_MB = 64


def start_pool(store, settings: Settings, path: Path | None = None):
    """A started worker pool: each worker opens the on-disk store at ``path`` read-only (and
    copies it into memory when it is small), or holds a copy of ``store`` (sent to it as
    N-Quads) when there is none."""
    import pyoxigraph as ox

    from kg.workers import Pool

    pool = Pool(
        str(path) if path is not None else store.dump(format=ox.RdfFormat.N_QUADS),
        settings.workers,
        settings.timeout,
        memory_mb=settings.memory_mb,
        max_waiting=settings.queue or None,
        in_memory=path is not None and folder_mb(path) <= IN_MEMORY_MB,
    )
    pool.start()
    return pool


def folder_mb(path: Path) -> float:
    """The size of the files under ``path``, in megabytes."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def serve(store, settings: Settings, graph_html: Path | None, path: Path | None = None) -> None:
    """Run the endpoint until interrupted; the workers stop with it."""
    import sys

    from kg import httpd

    graphs = q.graph_names(store)
    pool = start_pool(store, settings, path)
    denied, why = pool.network_denied()
    if denied:
        if not settings.quiet:
            print("query workers run with the network denied (seccomp)", file=sys.stderr)
    else:
        warning = f"kg: warning: query workers can reach the network ({why}); only the guard refuses SERVICE"
        print(warning, file=sys.stderr)
    try:
        app = create_app(pool, graphs, graph_html, settings.cors)
        limits = httpd.Limits(header_timeout=settings.idle, keep_alive=settings.idle / 2)
        httpd.run(app, settings.host, settings.port, settings.access_log, limits)
    finally:
        pool.close()
