"""A read-only SPARQL 1.1 Protocol endpoint (Starlette, run by uvicorn) and its query page.

Every query goes through kg.query: inspected before it runs (no update, no SERVICE,
no remote FROM), evaluated by pyoxigraph in a child process that a timeout kills.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from urllib.parse import parse_qs

from kg import query as q
from kg.errors import KGError

RESULT_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "text/turtle": "ttl",
    "application/x-turtle": "ttl",
    "application/n-triples": "nt",
    "text/plain": "nt",
    "application/ld+json": "jsonld",
}
MEDIA = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "ttl": "text/turtle; charset=utf-8",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
}
MAX_BODY = 100_000


def negotiate(accept: str, kinds: dict[str, str], default: str) -> str | None:
    """The best format for an Accept header (q-values honoured); None when nothing fits."""
    if not accept.strip():
        return default
    offers = []
    for k, part in enumerate(accept.split(",")):
        media, *params = [x.strip() for x in part.split(";")]
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        offers.append((-weight, k, media.lower()))
    for neg_weight, _, media in sorted(offers):
        if neg_weight == 0:
            continue
        if media in kinds:
            return kinds[media]
        if media in ("*/*", "application/*", "text/*"):
            return default
    return None


def service_description(endpoint: str, graphs: set[str]) -> str:
    named = "".join(f"    sd:namedGraph [ a sd:NamedGraph ; sd:name <{g}> ] ;\n" for g in sorted(graphs))
    return f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix formats: <http://www.w3.org/ns/formats/> .

<{endpoint}> a sd:Service ;
  sd:endpoint <{endpoint}> ;
  sd:supportedLanguage sd:SPARQL11Query ;
  sd:resultFormat formats:SPARQL_Results_JSON , formats:SPARQL_Results_XML , formats:SPARQL_Results_CSV ,
    formats:SPARQL_Results_TSV , formats:Turtle , formats:N-Triples , formats:JSON-LD ;
  sd:feature sd:UnionDefaultGraph ;
  sd:defaultDataset [ a sd:Dataset ;
    sd:defaultGraph [ a sd:Graph ] ;
{named}  ] .
"""


def create_app(store, timeout: float = 30.0, graph_html: Path | None = None):
    """The ASGI app over ``store`` (a pyoxigraph Store that kg.query.load_store gave)."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.middleware import Middleware
    from starlette.middleware.cors import CORSMiddleware
    from starlette.requests import Request
    from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
    from starlette.routing import Route

    graphs = q.graph_names(store)
    page = query_page(q.library())

    def error(status: int, message: str) -> Response:
        return PlainTextResponse(message + "\n", status_code=status)

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
            if request.method == "GET":
                return Response(service_description(str(request.url_for("sparql")), graphs), media_type=MEDIA["ttl"])
            return error(400, "no query: send query=… or a body of type application/sparql-query")
        if len(queries) > 1:
            return error(400, "one query per request")
        text = queries[0]
        for key in ("default-graph-uri", "named-graph-uri"):
            for iri in params.get(key, []):
                if iri not in graphs:
                    return error(400, f"{key} <{iri}> is refused: it names no graph of this dataset")
        if params.get("default-graph-uri") or params.get("named-graph-uri"):
            return error(400, "default-graph-uri and named-graph-uri are not supported: use FROM in the query")
        try:
            kind = q.inspect(text, graphs)
        except KGError as e:
            return error(400, str(e))
        accept = request.headers.get("accept", "")
        if kind in ("CONSTRUCT", "DESCRIBE"):
            fmt = negotiate(accept, GRAPH_TYPES, "ttl")
        else:
            fmt = negotiate(accept, RESULT_TYPES, "json")
        if fmt is None:
            return error(406, f"cannot answer a {kind} query as {accept}")
        try:
            result = await run_in_threadpool(q.run, store, text, None, timeout)
            body = q.format_result(result, fmt)
        except q.QueryTimeout as e:
            return error(503, str(e))
        except KGError as e:
            return error(400, str(e))
        return Response(body, media_type=MEDIA[fmt])

    async def index(request: Request) -> Response:
        return HTMLResponse(page)

    async def graph(request: Request) -> Response:
        if graph_html is None or not graph_html.exists():
            return error(404, "no network view here: run `kg build` (it writes graph.html) and serve its folder")
        return FileResponse(graph_html, media_type="text/html")

    routes = [
        Route("/", index),
        Route("/sparql", sparql, methods=["GET", "POST"], name="sparql"),
        Route("/graph", graph),
    ]
    middleware = [Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"], allow_headers=["*"])]
    return Starlette(routes=routes, middleware=middleware)


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
    data = json.dumps({**named, **with_params}, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
    page = (Path(__file__).parent / "templates" / "query.html").read_text(encoding="utf-8")
    return page.replace("__QUERIES__", data).replace("__TITLE__", escape("digital-china-kg SPARQL"))


def serve(store, host: str, port: int, timeout: float, graph_html: Path | None) -> None:
    import uvicorn

    uvicorn.run(create_app(store, timeout, graph_html), host=host, port=port, log_level="warning", access_log=False)
