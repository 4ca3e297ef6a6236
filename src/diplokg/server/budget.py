"""Per-client budgets of worker time, so that a few clients cannot take every worker.

A client is its network address (an IPv6 address by its /64, which one subscriber usually
holds whole), or, when the connection comes from a proxy named by `--trusted-proxy`, the
first address in `X-Forwarded-For` that is not one of the trusted proxies, read from the
right. Each client has a token bucket of worker-seconds: `client_budget_s` at most, refilled
at `client_budget_rate` per second, charged with the time its queries (and pages) actually
took, and, while they run, with the time elapsed so far. A query may run for as long as its
client has tokens (never longer than the deadline); a client whose tokens fall below
`over_budget_timeout_s` is over budget: its queries get that short deadline, at most one of
them may be in flight, and together all over-budget clients hold at most one worker.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Budgets", "ClientKey", "Grant", "client_key", "current_client"]

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]

# The client of the request being served, for the engine (set by `ClientKey`).
current_client: ContextVar[str | None] = ContextVar("diplokg_client", default=None)


def _address_key(text: str) -> str | None:
    """The client key of an address (None if `text` is not one); remembered for short texts,
    since every request asks it again for the same few (its peer, the trusted proxies)."""
    if len(text) <= _CACHED_ADDRESS_CHARS:
        return _cached_address_key(text)
    return _parse_address_key(text)


_CACHED_ADDRESS_CHARS = 64  # an IPv6 address with brackets and spaces is well under this


def _parse_address_key(text: str) -> str | None:
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


# At most 4096 texts of at most 64 characters: a client cannot make it grow past that.
_cached_address_key = functools.lru_cache(maxsize=4096)(_parse_address_key)


def client_key(scope: Scope, trusted_proxies: Iterable[str] = ()) -> str:
    """Who sent this request, for budgets: its address, or the proxy's client when trusted."""
    client = scope.get("client")
    peer = str(client[0]) if client else "unknown"
    trusted = {t for t in (_address_key(p) for p in trusted_proxies) if t}
    key = _address_key(peer) or peer
    if key not in trusted:
        return key
    hops: list[str] = []
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-for":
            hops += value.decode("latin-1").split(",")
    for hop in reversed(hops):
        hop_key = _address_key(hop)
        if hop_key is None:
            return hop.strip()[:64] or key  # not an address: a key of its own, never a proxy
        if hop_key not in trusted:
            return hop_key
    return key


class ClientKey:
    """ASGI middleware: puts the request's client key in `current_client` for the engine."""

    def __init__(self, app: ASGIApp, trusted_proxies: Iterable[str] = ()) -> None:
        self.app = app
        self.trusted = tuple(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = current_client.set(client_key(scope, self.trusted))
        try:
            await self.app(scope, receive, send)
        finally:
            current_client.reset(token)


@dataclass(eq=False)
class Grant:
    """One query's (or page's) claim on a client's budget: its deadline, and when it began
    to use a worker (None while it waits for one). Nothing is reserved: the time is charged
    as it elapses and settled at the end (`Budgets.settle`)."""

    key: str
    deadline: float
    over_budget: bool
    started: float | None = None
    what: str = "query"  # or "page": a page built off the event loop


@dataclass
class _Bucket:
    tokens: float
    updated: float
    in_flight: int = 0
    running: list[Grant] = field(default_factory=list)


class Budgets:
    """Token buckets of worker-seconds by client key, bounded in number.

    Only time spent is charged: a query's worker-seconds are taken from its client's bucket
    when it ends (`settle`), and while it runs, the time elapsed so far counts as spent (so
    that a client running several long queries at once is over budget as soon as they have
    used its tokens, not only when they end). A client's queries waiting for a worker cost
    nothing; none is refused for what it might spend.
    """

    def __init__(
        self,
        capacity_s: float,
        rate: float,
        short_deadline_s: float,
        max_clients: int = 65_536,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = capacity_s
        self.rate = rate
        self.short = short_deadline_s
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def _bucket(self, key: str) -> _Bucket:
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(self.capacity, now)
            if len(self._buckets) > self.max_clients:
                self._forget()
        else:
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            self._buckets.move_to_end(key)
        return bucket

    def _forget(self) -> None:
        """Drop the least recent clients with nothing in flight (a full bucket is a new one)."""
        for key in list(self._buckets)[: max(1, len(self._buckets) // 8)]:
            if self._buckets[key].in_flight == 0:
                del self._buckets[key]

    def available(self, key: str) -> float:
        """Worker-seconds the client has left: its tokens less what its running queries have
        used so far (negative when it spent more than it had)."""
        bucket = self._bucket(key)
        now = self.clock()
        elapsed = sum(now - g.started for g in bucket.running if g.started is not None)
        return bucket.tokens - elapsed

    def over_budget(self, key: str) -> bool:
        return self.available(key) < self.short

    def in_flight(self, key: str) -> int:
        bucket = self._buckets.get(key)
        return bucket.in_flight if bucket else 0

    def grant(self, key: str, deadline_s: float, what: str = "query") -> Grant:
        """A claim of up to `deadline_s` worker-seconds, and at most what the client has left;
        the short deadline when it is over budget. Nothing is taken until `settle`."""
        available = self.available(key)
        over = available < self.short
        deadline = self.short if over else min(deadline_s, available)
        bucket = self._bucket(key)
        bucket.in_flight += 1
        return Grant(key, deadline, over, what=what)

    def start(self, grant: Grant) -> None:
        """The grant's query has a worker: its time counts from now."""
        grant.started = self.clock()
        self._bucket(grant.key).running.append(grant)

    def settle(self, grant: Grant, used_s: float) -> None:
        """Charge the `used_s` worker-seconds the query took; it is no longer in flight."""
        bucket = self._bucket(grant.key)
        bucket.tokens = min(self.capacity, bucket.tokens - used_s)
        bucket.in_flight = max(0, bucket.in_flight - 1)
        with contextlib.suppress(ValueError):
            bucket.running.remove(grant)

    def retry_after(self, key: str) -> int:
        """Seconds until the client is back within budget."""
        missing = self.short - self.available(key)
        return max(1, math.ceil(missing / self.rate)) if self.rate > 0 else 60

    def summary(self) -> dict[str, int]:
        over = sum(1 for key in list(self._buckets) if self.over_budget(key))
        return {"clients": len(self._buckets), "over_budget": over}
