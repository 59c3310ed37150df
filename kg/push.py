"""Put the graph into a triple store through the SPARQL 1.1 Graph Store Protocol.

One HTTP PUT per named graph replaces that graph whole (so a push is atomic per graph
and idempotent); a GET of each graph afterwards checks that the store holds exactly the
triples sent (compared triple by triple; blank nodes up to renaming). Graphs are read
from the build's store and sent one at a time, so a corpus of thousands of graphs never
sits in memory whole; and a push resumes: a graph whose remote copy already holds exactly
the triples it would send is left alone, so a push stopped part-way sends the rest.

Careful with the store and with secrets: only the URL the user gives is contacted; a
redirect to another host (which would carry the credentials there) is refused; every
reply has a size limit and a deadline for the whole of it, so a slow or huge reply
cannot hold the push; a password in the URL never appears in a message; and when a push
fails part-way, the message says which graphs were already replaced.
"""

from __future__ import annotations

import base64
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from kg.errors import KGError

MAX_REPLY = 1 << 20  # a reply to a PUT; a GET of a graph may be a few times what was sent


@dataclass(frozen=True)
class Pushed:
    graph: str
    sent: int
    stored: int
    replaced: bool = True  # False: the remote copy already held these triples, and was left alone


def _auth_header(user: str | None, token: str | None) -> dict[str, str]:
    if user and token:
        raise KGError("give --user or --token, not both")
    if user:
        if ":" not in user:
            raise KGError("--user takes NAME:PASSWORD")
        return {"Authorization": "Basic " + base64.b64encode(user.encode()).decode()}
    if token:
        return {"Authorization": f"Bearer {token}"}
    return {}


def redact(url: str) -> str:
    """The URL without a user name or password in it."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


class _SameOrigin(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only within the origin the user named: elsewhere, the request's
    Authorization header would go to a host the user never chose."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if _origin(newurl) != _origin(req.full_url):
            raise KGError(
                f"{req.get_method()} {redact(req.full_url)}: the store redirected to {redact(newurl)}, another "
                "host; refused (the credentials would go there). Give --endpoint the final URL"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_SameOrigin)


def _read(response, limit: int, deadline: float, what: str) -> bytes:
    chunks, size = [], 0
    while True:
        if time.monotonic() > deadline:
            raise KGError(f"{what}: the reply took longer than the timeout")
        chunk = response.read1(1 << 16)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise KGError(f"{what}: the reply is over {limit} bytes; refused")
        chunks.append(chunk)


def _request(
    method: str, url: str, headers: dict, body: bytes | None, timeout: float, limit: int, missing_ok: bool = False
) -> bytes | None:
    """The reply's body; None for a 404 when ``missing_ok`` (a graph the store does not hold)."""
    what = f"{method} {redact(url)}"
    deadline = time.monotonic() + timeout
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with _OPENER.open(req, timeout=timeout) as response:
            return _read(response, limit, deadline, what)
    except urllib.error.HTTPError as e:
        if missing_ok and e.code == 404:
            return None
        detail = e.read(4096).decode("utf-8", "replace").strip().splitlines()
        raise KGError(f"{what}: HTTP {e.code} {e.reason}" + (f": {detail[0][:200]}" if detail else "")) from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise KGError(f"cannot reach {redact(url)}: {reason}") from None


def graph_url(endpoint: str, graph: str) -> str:
    return f"{endpoint}{'&' if '?' in endpoint else '?'}graph={quote(graph, safe='')}"


def _graphs(store, graph: str | None) -> Iterator[tuple[str, list]]:
    """(target graph, its triples sorted) one graph at a time; with ``graph``, every graph's
    triples together, into that one."""
    import pyoxigraph as ox

    def triples(name) -> set:
        return {ox.Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, name)}

    names = sorted(store.named_graphs(), key=lambda g: g.value)
    if graph is not None:
        union: set = set()
        for name in names:
            union |= triples(name)
        if names:
            yield graph, sorted(union, key=str)
        return
    for name in names:
        yield name.value, sorted(triples(name), key=str)


def push(
    store,
    endpoint: str,
    graph: str | None = None,
    user: str | None = None,
    token: str | None = None,
    timeout: float = 120.0,
    tick: Callable[[], None] | None = None,
) -> Iterator[Pushed]:
    """Send every named graph of ``store`` (or their union, into ``graph``) to ``endpoint``,
    one at a time, each as it is done; ``tick`` is called once per graph (a progress bar)."""
    import pyoxigraph as ox

    if urlsplit(endpoint).scheme not in ("http", "https") or not urlsplit(endpoint).netloc:
        raise KGError(
            f"--endpoint {redact(endpoint)!r}: give the store's Graph Store Protocol URL, "
            "e.g. http://127.0.0.1:7878/store"
        )
    headers = _auth_header(user, token)
    accept = {**headers, "Accept": "application/n-triples"}
    replaced: list[str] = []
    empty = True
    for name, ordered in _graphs(store, graph):
        empty = False
        body = ox.serialize(ordered, format=ox.RdfFormat.N_TRIPLES) or b""
        url = graph_url(endpoint, name)
        limit = 4 * len(body) + MAX_REPLY
        try:
            before = _request("GET", url, accept, None, timeout, limit, missing_ok=True)
            if before is not None and not _difference(ordered, list(ox.parse(before, format=ox.RdfFormat.N_TRIPLES))):
                if tick:
                    tick()
                yield Pushed(name, len(ordered), len(ordered), replaced=False)  # already there: resumed
                continue
            _request("PUT", url, {**headers, "Content-Type": "application/n-triples"}, body, timeout, MAX_REPLY)
            replaced.append(name)
            back = _request("GET", url, accept, None, timeout, limit) or b""
            stored = list(ox.parse(back, format=ox.RdfFormat.N_TRIPLES))
            problem = _difference(ordered, stored)
        except (KGError, SyntaxError) as e:
            problem = str(e)
            stored = []
        if problem:
            done = ", ".join(replaced[:5]) + (f" and {len(replaced) - 5} more" if len(replaced) > 5 else "")
            already = f"; already replaced: {done}" if done else "; no graph was replaced"
            raise KGError(f"{name}: {problem}{already}")
        if tick:
            tick()
        yield Pushed(name, len(ordered), len(stored))
    if empty:
        raise KGError("nothing to push: the dataset has no named graph")


def _difference(sent: list, stored: list) -> str:
    """What differs between the triples sent and those the store gives back ('' if nothing).
    Triples without blank nodes must match exactly; those with them, up to renaming."""
    import pyoxigraph as ox

    def ground(ts):
        return {str(t) for t in ts if not any(isinstance(x, ox.BlankNode) for x in (t.subject, t.object))}

    ground_sent, ground_stored = ground(sent), ground(stored)
    missing, extra = ground_sent - ground_stored, ground_stored - ground_sent
    if missing or extra:
        parts = []
        if extra:
            parts.append(f"holds {len(extra)} triples that were not sent (e.g. {sorted(extra)[0][:120]})")
        if missing:
            parts.append(f"lacks {len(missing)} that were (e.g. {sorted(missing)[0][:120]})")
        return "the store " + " and ".join(parts)
    with_blanks = [t for t in sent if str(t) not in ground_sent]
    stored_blanks = [t for t in stored if str(t) not in ground_stored]
    if len(set(map(str, with_blanks))) != len(set(map(str, stored_blanks))):
        return f"sent {len(with_blanks)} triples with blank nodes but the store holds {len(stored_blanks)}"
    if with_blanks and not _isomorphic(with_blanks, stored_blanks):
        return "the triples with blank nodes differ from those sent"
    return ""


def _isomorphic(a: list, b: list) -> bool:
    import pyoxigraph as ox
    from rdflib import Graph
    from rdflib.compare import isomorphic

    def graph(ts) -> Graph:
        return Graph().parse(data=ox.serialize(ts, format=ox.RdfFormat.N_TRIPLES) or b"", format="nt")

    return isomorphic(graph(a), graph(b))
