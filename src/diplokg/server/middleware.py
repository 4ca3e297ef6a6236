"""HTTP semantics applied to every response of the app, whatever route produced it.

- `HEAD` is answered as `GET` without a body (RFC 9110 section 9.3.2), on every route.
- `If-None-Match` is evaluated as RFC 9110 section 13.1.2 says: `*`, a list of entity tags,
  weak comparison; a match on `GET`/`HEAD` gives 304 (`not_modified`, which
  `diplokg.server.responses.answer` applies to the engine's answers itself; here it covers
  every other answer that carries an `ETag`, such as the dumps).
- A `Location` pointing at the host the client named is made relative, so that a forged
  `Host` header never comes back as an absolute redirect (Starlette's trailing-slash
  redirects build one from it).
- `X-Content-Type-Options: nosniff` on every answer; on HTML, a Content-Security-Policy
  that the bundled editor satisfies (its scripts and styles are files of this server; its
  configuration is a JSON data block, which CSP does not treat as script) and no framing.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "KEPT_BY_304",
    "HttpSemantics",
    "etag_matches",
    "not_modified",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Headers a 304 keeps (RFC 9110 section 15.4.5), lower-case.
KEPT_BY_304 = frozenset({"etag", "cache-control", "vary", "content-location", "date", "expires"})
_ENTITY_TAG = re.compile(r'\s*(?:W/)?("[^"]*")\s*(?:,|$)')


def etag_matches(if_none_match: str, etag: str | None) -> bool:
    """Whether `If-None-Match` matches the current representation's `etag` (weak comparison).

    >>> etag_matches('W/"a", "b"', '"a"')
    True
    >>> etag_matches('"ab"', '"a"')
    False
    """
    value = if_none_match.strip()
    if value == "*":
        return etag is not None
    if etag is None:
        return False
    opaque = etag[2:] if etag.startswith("W/") else etag
    pos = 0
    while pos < len(value):
        m = _ENTITY_TAG.match(value, pos)
        if m is None or m.end() == pos:
            return False  # not a list of entity tags: no match, the full answer is sent
        if m.group(1) == opaque:
            return True
        pos = m.end()
    return False


def not_modified(method: str, if_none_match: str | None, etag: str | None) -> bool:
    """Whether a request gets 304 Not Modified: a GET or HEAD whose `If-None-Match` matches."""
    return (
        method in ("GET", "HEAD")
        and if_none_match is not None
        and etag_matches(if_none_match, etag)
    )


def _header(scope: Scope, name: bytes) -> str | None:
    values = [v.decode("latin-1") for k, v in scope.get("headers", []) if k == name]
    return ", ".join(values) if values else None


DRAFTS_HEADER = "X-Diplokg-Drafts"


class DraftsFlag:
    """Pure ASGI middleware: every HTTP answer of a server whose dataset holds the graph
    `draft` (built with --include-drafts) says so in `X-Diplokg-Drafts`. `holds_drafts` is
    asked at each request: the served dataset may be swapped for a rebuild with or without."""

    def __init__(self, app: ASGIApp, graph: str, holds_drafts: Callable[[], bool]) -> None:
        self.app = app
        self.holds_drafts = holds_drafts
        self.value = f"included; graph=<{graph}>; machine drafts, not reviewed".encode()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not self.holds_drafts():
            await self.app(scope, receive, send)
            return

        async def send_flagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    *message.get("headers", []),
                    (DRAFTS_HEADER.lower().encode(), self.value),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_flagged)


class HttpSemantics:
    """Pure ASGI middleware for HEAD, If-None-Match, relative redirects and safety headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method == "HEAD":
            scope = dict(scope, method="GET")
        conditional = _header(scope, b"if-none-match")
        host = _header(scope, b"host")
        quiet = method == "HEAD"

        async def send_wrapper(message: Message) -> None:
            nonlocal quiet
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                status = message["status"]
                etag = next((v.decode("latin-1") for k, v in headers if k.lower() == b"etag"), None)
                if status == 200 and not_modified(method, conditional, etag):
                    status, quiet = 304, True
                    headers = [
                        (k, v) for k, v in headers if k.decode("latin-1").lower() in KEPT_BY_304
                    ]
                headers = self._secure(_relative_location(headers, host))
                message = {**message, "status": status, "headers": headers}
            elif message["type"] == "http.response.body" and quiet:
                if message.get("more_body", False):
                    return
                message = {**message, "body": b""}
            await send(message)

        await self.app(scope, receive, send_wrapper)

    @staticmethod
    def _secure(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        names = {k.lower() for k, _ in headers}
        out = list(headers)
        if b"x-content-type-options" not in names:
            out.append((b"x-content-type-options", b"nosniff"))
        ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
        if ctype.lower().startswith(b"text/html"):
            if b"content-security-policy" not in names:
                out.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
            if b"x-frame-options" not in names:
                out.append((b"x-frame-options", b"DENY"))
        return out


def _relative_location(
    headers: list[tuple[bytes, bytes]], host: str | None
) -> list[tuple[bytes, bytes]]:
    out = []
    for name, value in headers:
        if name.lower() == b"location":
            target = urlsplit(value.decode("latin-1"))
            if target.scheme in ("http", "https") and (host is None or target.netloc == host):
                relative = (target.path or "/") + (f"?{target.query}" if target.query else "")
                value = relative.encode("latin-1")
        out.append((name, value))
    return out
