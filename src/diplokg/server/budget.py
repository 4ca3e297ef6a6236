"""Per-client budgets of worker time, so that a few clients cannot take every worker.

A client is its network address (an IPv6 address by its /64, which one subscriber usually
holds whole), or, when the connection comes from a proxy named by `--trusted-proxy`, the
first address in `X-Forwarded-For` that is not one of the trusted proxies, read from the
right. Each client has a token bucket of worker-seconds: `client_budget_s` at most, refilled
at `client_budget_rate` per second. A query may run for as long as its client has tokens
(never longer than the deadline); a client whose tokens fall below `over_budget_timeout_s`
is over budget: its queries get that short deadline, at most one of them may be in flight,
and together all over-budget clients hold at most one worker.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

__all__ = ["Budgets", "ClientKey", "Grant", "client_key", "current_client"]

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]

# The client of the request being served, for the engine (set by `ClientKey`).
current_client: ContextVar[str | None] = ContextVar("diplokg_client", default=None)


def _address_key(text: str) -> str | None:
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


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


@dataclass
class Grant:
    """What a client may spend on one query: its deadline, reserved from its bucket."""

    key: str
    deadline: float
    over_budget: bool


@dataclass
class _Bucket:
    tokens: float
    updated: float
    in_flight: int = 0


class Budgets:
    """Token buckets of worker-seconds by client key, bounded in number."""

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

    def over_budget(self, key: str) -> bool:
        return self._bucket(key).tokens < self.short

    def in_flight(self, key: str) -> int:
        bucket = self._buckets.get(key)
        return bucket.in_flight if bucket else 0

    def grant(self, key: str, deadline_s: float) -> Grant:
        """Reserve up to `deadline_s` worker-seconds; the short deadline when over budget."""
        bucket = self._bucket(key)
        over = bucket.tokens < self.short
        deadline = self.short if over else min(deadline_s, bucket.tokens)
        bucket.tokens -= deadline
        bucket.in_flight += 1
        return Grant(key, deadline, over)

    def settle(self, grant: Grant, used_s: float) -> None:
        """Give back what the query did not use of its reservation."""
        bucket = self._bucket(grant.key)
        bucket.tokens = min(self.capacity, bucket.tokens + grant.deadline - used_s)
        bucket.in_flight = max(0, bucket.in_flight - 1)

    def retry_after(self, key: str) -> int:
        """Seconds until the client is back within budget."""
        missing = self.short - self._bucket(key).tokens
        return max(1, math.ceil(missing / self.rate)) if self.rate > 0 else 60

    def summary(self) -> dict[str, int]:
        over = sum(1 for key in list(self._buckets) if self.over_budget(key))
        return {"clients": len(self._buckets), "over_budget": over}
