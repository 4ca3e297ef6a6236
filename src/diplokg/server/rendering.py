"""Pages and JSON documents built off the event loop, charged to their client, and cached.

A page (`/document/{slug}`, `/resource/{slug}`, `/ontology`, `/api/events`, ...) takes from
milliseconds to most of a second to build: on the event loop, a few clients asking for the
largest one held every other answer, `/sparql`'s cheap queries among them, for as long. So:

- `off_loop` runs the CPU-bound part (a Jinja2 template, JSON or CSV encoding) in a small
  thread pool of its own (`RENDER_THREADS`), one build at a time per client, and charges the
  time it took to the client's budget of worker time (`diplokg.server.budget`) as a query's
  is charged: a client that renders pages without end goes over budget like one that queries
  without end.
- `PageCache`, an ASGI middleware, keeps the answers of the routes it is given (the app's
  `diplokg.server.app._cached_pages`), keyed by what they depend on and nothing else: the
  path (its parameters), the query parameters the route reads, the format negotiated from
  `Accept` among those it offers, the request headers it reads as written (a resource page's
  `Accept-Language`, the event table's `Accept`), the Host when the server has no
  `--public-url` (pages may write absolute addresses), and the served dataset's id (a rebuild
  changes it). A query string the route does not read (`?b=1`, `?b=2`, ...) is the same
  page. Identical requests arriving together wait for one build. Bounded in bytes (LRU).
  An uncached page asked by a client over its budget while one of its builds is running is
  refused (429), as its query would be.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar, copy_context
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qsl

from diplokg.formats import Format
from diplokg.protocol import QueryRejected, negotiate
from diplokg.server.budget import Budgets, current_client

if TYPE_CHECKING:
    from diplokg.config import Settings
    from diplokg.server.engine import QueryEngine

__all__ = ["PageCache", "Route", "json_bytes", "off_loop"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]
T = TypeVar("T")

RENDER_THREADS = 2
CACHE_MAX_BYTES = 64 * 1024 * 1024
CACHE_MAX_ENTRY = 8 * 1024 * 1024
INTERNAL_CLIENT = "internal"

_executor: ThreadPoolExecutor | None = None
_per_client: dict[str, asyncio.Semaphore] = {}
_users: Counter[str] = Counter()
# The budgets to charge (set by PageCache for its requests; none: nothing is charged).
current_budgets: ContextVar[Budgets | None] = ContextVar("diplokg_render_budgets", default=None)
stats = {"renders": 0, "render_seconds": 0.0}


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(RENDER_THREADS, thread_name_prefix="diplokg-render")
    return _executor


async def off_loop(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(*args, **kwargs)` in the render threads, one at a time for the requesting client,
    its duration (seconds) charged to that client's budget; returns what `fn` returns and
    raises what it raises."""
    who = current_client.get() or INTERNAL_CLIENT
    budgets = current_budgets.get()
    gate = _per_client.get(who)
    if gate is None:
        gate = _per_client[who] = asyncio.Semaphore(1)
    _users[who] += 1
    try:
        async with gate:
            grant = budgets.grant(who, float("inf"), "page") if budgets is not None else None
            if grant is not None and budgets is not None:
                budgets.start(grant)
            started = time.monotonic()
            try:
                context = copy_context()
                return await asyncio.get_running_loop().run_in_executor(
                    _pool(), lambda: context.run(fn, *args, **kwargs)
                )
            finally:
                used = time.monotonic() - started
                stats["renders"] += 1
                stats["render_seconds"] += used
                if grant is not None and budgets is not None:
                    budgets.settle(grant, used)
    finally:
        _users[who] -= 1
        if _users[who] <= 0:
            del _users[who]
            _per_client.pop(who, None)


def json_bytes(content: Any) -> bytes:
    """JSON as Starlette's JSONResponse writes it (UTF-8, compact)."""
    return json.dumps(
        content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")


# --------------------------------------------------------------------------------------------
# The cache
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """A cached route: its path pattern, the query parameters it reads, the formats it
    negotiates from `Accept` (empty: it does not look at `Accept`), and the request headers
    (lower-case names) whose values it reads as they are (`accept-language`)."""

    pattern: re.Pattern[str]
    reads: tuple[str, ...] = ()
    offers: Sequence[Format] | None = None
    varies: tuple[str, ...] = ()


@dataclass
class _Entry:
    start: Message
    body: bytes
    size: int


class PageCache:
    """ASGI middleware: the answers of `routes` cached, built once for identical requests."""

    def __init__(
        self,
        app: ASGIApp,
        engine: QueryEngine,
        settings: Settings,
        routes: Sequence[Route],
        max_bytes: int = CACHE_MAX_BYTES,
    ) -> None:
        self.app = app
        self.engine = engine
        self.settings = settings
        self.routes = tuple(routes)
        self.max_bytes = max_bytes
        self.size = 0
        self.entries: OrderedDict[tuple[Any, ...], _Entry] = OrderedDict()
        self._building: dict[tuple[Any, ...], asyncio.Future[None]] = {}
        self.stats = {"hits": 0, "misses": 0, "refused": 0}

    def key(self, scope: Scope) -> tuple[Any, ...] | None:
        """What the answer depends on, or None when it is not a cached route (or the client
        accepts none of its formats: the route answers that itself)."""
        if scope.get("method") != "GET":
            return None
        path = scope["path"]
        route = next((r for r in self.routes if r.pattern.fullmatch(path)), None)
        if route is None:
            return None
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
        }
        params: tuple[tuple[str, str], ...] = ()
        if route.reads:
            try:
                query = scope.get("query_string", b"").decode("utf-8")
                pairs = parse_qsl(query, keep_blank_values=True, errors="strict")
            except UnicodeDecodeError:
                return None
            params = tuple(sorted((k, v) for k, v in pairs if k in route.reads))
        variant = ""
        if route.offers is not None:
            try:
                variant = negotiate(headers.get("accept"), route.offers).key
            except QueryRejected:
                return None
        # A page writes the address it was asked at (`public_base`): its scheme and Host.
        base = "" if self.settings.public_url else f"{scope.get('scheme')}://{headers.get('host')}"
        varies = tuple(headers.get(name, "") for name in route.varies)
        return (route.pattern.pattern, path, params, variant, varies, base, self.engine.dataset_id)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        key = self.key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        while True:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
                self.stats["hits"] += 1
                await send(entry.start)
                await send({"type": "http.response.body", "body": entry.body})
                return
            building = self._building.get(key)
            if building is None:
                break
            await asyncio.shield(building)  # the same page, being built: its answer, once
            if key not in self.entries:  # not cacheable: build it for this request
                break
        who = current_client.get() or INTERNAL_CLIENT
        budgets = self.engine.budgets
        if budgets.over_budget(who) and who in _users:
            self.stats["refused"] += 1
            await _refuse(send, budgets.retry_after(who))
            return
        self.stats["misses"] += 1
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        mine = key not in self._building
        if mine:
            self._building[key] = done
        token = current_budgets.set(budgets)
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        keep = True

        async def capture(message: Message) -> None:
            nonlocal start, size, keep
            if message["type"] == "http.response.start":
                start = message
                keep = message["status"] == 200
            elif message["type"] == "http.response.body" and keep:
                body = message.get("body", b"")
                size += len(body)
                if size > CACHE_MAX_ENTRY:
                    keep = False
                    chunks.clear()
                else:
                    chunks.append(body)
            await send(message)

        try:
            await self.app(scope, receive, capture)
            if keep and start is not None:
                self._put(key, _Entry(start, b"".join(chunks), size + 512 + len(repr(key))))
        finally:
            current_budgets.reset(token)
            if mine:
                self._building.pop(key, None)
                done.set_result(None)

    def _put(self, key: tuple[Any, ...], entry: _Entry) -> None:
        old = self.entries.pop(key, None)
        if old is not None:
            self.size -= old.size
        self.entries[key] = entry
        self.size += entry.size
        while self.size > self.max_bytes and self.entries:
            _, evicted = self.entries.popitem(last=False)
            self.size -= evicted.size

    def clear(self) -> None:
        self.entries.clear()
        self.size = 0


async def _refuse(send: Any, retry_after: int) -> None:
    body = json_bytes(
        {
            "detail": "this client is over its budget of worker time and has a page being "
            "built; retry later"
        }
    )
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(retry_after).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
