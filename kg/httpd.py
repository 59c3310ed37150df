"""Running the endpoint's ASGI app under uvicorn so that it degrades but never hangs.

- Connections are bounded (uvicorn answers 503 past ``max_connections``), and the process
  may hold that many descriptors (its soft RLIMIT_NOFILE is raised toward the hard one).
- A connection must send its first request's headers within ``header_timeout`` seconds,
  and an idle keep-alive connection is closed after ``keep_alive`` seconds: idle sockets
  cannot pile up. The event loop waits on epoll (uvloop or asyncio), never on select().
- Every response says ``X-Content-Type-Options: nosniff``; HTML pages carry a Content
  Security Policy that allows nothing from elsewhere and no framing.
- The access log goes to standard error, like every other line the server writes.
"""

from __future__ import annotations

import copy
import resource
from dataclasses import dataclass

HTML_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@dataclass(frozen=True)
class Limits:
    max_connections: int = 2048
    header_timeout: float = 10.0
    keep_alive: float = 5.0


def raise_descriptor_limit(wanted: int) -> int:
    """Raise the soft limit on open descriptors to ``wanted`` (or the hard limit); returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        return target
    return soft


def _protocol(header_timeout: float):
    """uvicorn's HTTP protocol with a deadline for the first request's headers."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as Base
    except ImportError:  # httptools missing: the pure-Python h11 protocol
        from uvicorn.protocols.http.h11_impl import H11Protocol as Base

    class Protocol(Base):
        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._first_request = self.loop.call_later(header_timeout, self._drop_if_silent)

        def _drop_if_silent(self) -> None:
            if self.cycle is None and not self.transport.is_closing():
                self.transport.close()

        def connection_lost(self, exc) -> None:
            self._first_request.cancel()
            super().connection_lost(exc)

    return Protocol


class SecurityHeaders:
    """ASGI middleware: nosniff on every response, a strict CSP on HTML."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-content-type-options", b"nosniff"))
                ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if ctype.startswith(b"text/html"):
                    headers.append((b"content-security-policy", HTML_CSP.encode()))
                    headers.append((b"x-frame-options", b"DENY"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def run(app, host: str, port: int, access_log: bool, limits: Limits = Limits()) -> None:
    import uvicorn

    raise_descriptor_limit(limits.max_connections + 256)
    log_config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    log_config["handlers"]["access"]["stream"] = "ext://sys.stderr"
    uvicorn.run(
        SecurityHeaders(app),
        host=host,
        port=port,
        http=_protocol(limits.header_timeout),
        limit_concurrency=limits.max_connections,
        timeout_keep_alive=limits.keep_alive,
        log_level="info" if access_log else "warning",
        access_log=access_log,
        use_colors=False,
        log_config=log_config,
    )
