"""Connection, header and read limits for uvicorn's httptools protocol, and the server run.

uvicorn 0.54 under httptools has none of these: `h11_max_incomplete_event_size` applies to
h11 only, `timeout_keep_alive` starts only after a first response, and `limit_concurrency`
answers 503 only once a whole request head has been read. So `LimitedHttpTools` adds:

- `max_header_bytes`: a request line and headers larger than this get 431 and the
  connection is closed, whether they arrive in one read or many (httptools joins header
  pieces by copying, so a 192 MB header held the loop for 25 s);
- `header_timeout_s`: a request head must arrive whole within this time of the connection
  or of the request's first byte (slowloris), else 408 and close;
- `body_timeout_s`: a request body must arrive whole within this time of its head
  (half-sent POST bodies), else 408 and close;
- `max_connections` open connections in all, `max_connections_per_client` from one address:
  past either, 503 and close at once, before anything is read. The total is kept below the
  process's file-descriptor limit, so that workers can always be started.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from diplokg.config import Settings

if TYPE_CHECKING:
    import uvicorn

__all__ = ["LimitedHttpTools", "effective_max_connections", "protocol_for", "uvicorn_config"]

log = logging.getLogger("diplokg.limits")

FD_RESERVE = 64  # descriptors kept for the store, logs, and each worker's pipes
FD_PER_WORKER = 6
LINGER_S = 1.0  # reading and dropping what a refused client still sends


def effective_max_connections(settings: Settings) -> int:
    """`max_connections`, lowered to fit the file-descriptor limit with room for workers."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    workers = settings.workers + settings.max_long_queries
    room = soft - FD_RESERVE - FD_PER_WORKER * workers
    return max(1, min(settings.max_connections, room))


def _response(status: bytes, text: str) -> bytes:
    body = text.encode()
    return (
        b"HTTP/1.1 " + status + b"\r\ncontent-type: text/plain; charset=utf-8\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\nconnection: close\r\n\r\n" + body
    )


class LimitedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits of this module (`settings` set per app)."""

    settings: Settings = Settings(root=Path())  # set per app by uvicorn_config
    max_connections: int = 1024
    per_client: ClassVar[Counter[str]] = Counter()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_bytes = 0
        self._head_parsed = 0  # the request line and headers httptools handed over
        self._in_head = True
        self._timer: asyncio.TimerHandle | None = None
        self._peer: str | None = None
        self._draining = False

    # ---- connections -----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._peer = self.client[0] if self.client else None
        counts = type(self).per_client
        if self._peer is not None:
            counts[self._peer] += 1
        too_many = len(self.connections) > self.max_connections
        if self._peer is not None and counts[self._peer] > self.settings.max_connections_per_client:
            too_many = True
        if too_many:
            self._refuse(b"503 Service Unavailable", "too many connections; retry later\n")
            return
        self._arm(self.settings.header_timeout_s, "the request head did not arrive in time\n")

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        counts = type(self).per_client
        if self._peer is not None:
            counts[self._peer] -= 1
            if counts[self._peer] <= 0:
                del counts[self._peer]
            self._peer = None
        super().connection_lost(exc)

    def _refuse(self, status: bytes, text: str) -> None:
        """Answer `status` and close; what the client is still sending is read and dropped
        for a moment first, so that the kernel does not reset the answer away."""
        self._disarm()
        if self._draining or self.transport.is_closing():
            return
        self._draining = True
        self.transport.write(_response(status, text))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_S, self.transport.close)

    # ---- timers ----------------------------------------------------------------------------

    def _arm(self, delay: float, text: str) -> None:
        self._disarm()
        self._timer = self.loop.call_later(delay, self._refuse, b"408 Request Timeout", text)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # ---- parsing ---------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._draining:
            return
        if self._in_head:
            self._head_bytes += len(data)
            # httptools may already hold up to one read of the head: refuse before it copies
            # more than the limit and that read.
            if self._head_bytes > self.settings.max_header_bytes + len(data):
                self._refuse(b"431 Request Header Fields Too Large", "request head too large\n")
                return
        if self.transport.is_closing():
            return
        super().data_received(data)
        if self._in_head and self._head_bytes > self.settings.max_header_bytes:
            self._refuse(b"431 Request Header Fields Too Large", "request head too large\n")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_parsed = 0
        if not self._in_head:  # a new request on a kept-alive connection
            self._in_head = True
            self._head_bytes = 0
            self._arm(self.settings.header_timeout_s, "the request head did not arrive in time\n")

    # A head that arrives in one read is parsed whole within one `data_received`, before the
    # byte count there can refuse it: the parser's pieces are counted too, and checked once
    # the head is complete, whatever the number of reads (URL and headers alike).
    def on_url(self, url: bytes) -> None:
        self._head_parsed += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_parsed += len(name) + len(value) + 4  # ": " and CRLF
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if self._draining:  # a request pipelined behind a refused one
            return
        self._in_head = False
        self._head_bytes = 0
        if self._head_parsed > self.settings.max_header_bytes:
            self._refuse(b"431 Request Header Fields Too Large", "request head too large\n")
            return
        self._arm(self.settings.body_timeout_s, "the request body did not arrive in time\n")
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._draining:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._draining:
            return
        self._disarm()
        super().on_message_complete()


def protocol_for(settings: Settings) -> type[LimitedHttpTools]:
    """The protocol class carrying `settings` (uvicorn instantiates it per connection)."""
    return type(
        "DiplokgHttpTools",
        (LimitedHttpTools,),
        {
            "settings": settings,
            "max_connections": effective_max_connections(settings),
            "per_client": Counter(),
        },
    )


def uvicorn_config(app: Any, settings: Settings, **kwargs: Any) -> uvicorn.Config:
    """A uvicorn Config serving `app` with this module's limits. uvicorn's own reading of
    X-Forwarded-For and X-Forwarded-Proto is off: it trusts any peer on 127.0.0.1 by default,
    which would give each header value a budget of its own; `--trusted-proxy` names the
    proxies whose X-Forwarded-For we read (`diplokg.server.budget`), `--public-url` the
    scheme and host of a public address."""
    import uvicorn

    assert httptools is not None  # the limits need the httptools parser
    return uvicorn.Config(
        app,
        http=protocol_for(settings),
        timeout_keep_alive=max(1, round(settings.keep_alive_s)),
        proxy_headers=False,
        **kwargs,
    )
