"""The query engine: pyoxigraph in worker processes, behind limits, deadlines, budgets, a cache.

The dataset is loaded into an on-disk store once per content (`diplokg.server.stores`);
worker processes (`diplokg.server.pool`, `diplokg.server.worker`) each open it read-only
and run the query text as given. Processes, not threads: pyoxigraph cannot be interrupted
mid-query, so a query past its deadline (or whose client hung up) is stopped by killing its
worker, and the pool starts another.

Workers start without blocking anything: `min_workers` (1) at once, in a thread, while the
server loads its web stack; the first query waits only for the first of them. More start on
demand, when queries are waiting, up to `workers`, and stay (a dead one is replaced).

Who gets a worker: a client may hold all workers but one; a client over its budget of
worker time (`diplokg.server.budget`) gets a short deadline, one query in flight, and a turn
after everyone else, and all such clients together hold one worker at most. A query that
runs past `long_query_s` moves to the long lane: it runs on at the lowest CPU priority while
a new worker takes its place, and at most `max_long_queries` run so at once. The worker lowers
the priority of the query itself, already after `diplokg.server.worker.DEMOTE_AFTER_S` (nice
5), so that a slow query never competes with the cheap ones as their equal for long.

A query that is provably cheap (one triple pattern: an ASK, or a SELECT of at most 100 rows;
`diplokg.server.fastpath` has the exact rules) is answered in this process, from the same store
opened read-only, with the worker's own `run_job`: the hop to a worker would be most of its
time, and it is bounded by its shape. Its time is charged to the client's budget as a worker's.

A canned query asked with its default parameters is answered from the file the build wrote
(`diplokg.build.precompute`) when the server serves that build's dataset with the same limits:
the same bytes and ETag a worker would give, without a worker.

The event loop only routes bytes: lexing a large query, parsing a large answer for a page,
and loading or checking a store happen in threads; serializing, flagging truncation, XML
escaping and the ETag happen in the worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import re
import time
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from diplokg.config import Settings
from diplokg.dataset import ANSWERS_INDEX, dist_of
from diplokg.formats import NTRIPLES, RESULTS_JSON, by_key
from diplokg.protocol import (
    LexedQuery,
    NotAQuery,
    QueryRejected,
    check_query,
    formats_for,
    negotiate,
)
from diplokg.results import TRUNCATED_IRI, Job, first_line, run_job
from diplokg.server.budget import Budgets, Grant, current_client
from diplokg.server.fastpath import FrontStore, is_cheap_query
from diplokg.server.pool import Pool, Worker
from diplokg.server.stores import Stored, open_store
from diplokg.server.worker import priority_steps

if TYPE_CHECKING:
    import rdflib

__all__ = ["TRUNCATED_HEADER", "TRUNCATED_IRI", "QueryEngine", "QueryRejected", "QueryResult"]

log = logging.getLogger("diplokg.engine")

TRUNCATED_HEADER = "X-Diplokg-Truncated"
CACHE_MAX_BYTES = 64 * 1024 * 1024
CACHE_MAX_ENTRY = 4 * 1024 * 1024
CACHE_ENTRY_OVERHEAD = 512  # the entry's objects, beyond its key, headers and body
CACHE_CONTROL = "public, max-age=300"
PRIVATE_CACHE_CONTROL = "private, max-age=300"
LEX_IN_THREAD_BYTES = 4096  # larger queries are checked off the event loop
PARSE_IN_THREAD_BYTES = 256 * 1024
INTERNAL_CLIENT = "internal"


@dataclass(frozen=True)
class QueryResult:
    """A serialized answer ready to send."""

    status: int
    media_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def etag(self) -> str | None:
        return self.headers.get("ETag")


class _ResultCache:
    """An LRU of answers bounded by what it holds: key digest, headers and body bytes.

    The dataset is read-only, so an answer stays right until the store is swapped.
    """

    def __init__(self, max_bytes: int = CACHE_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.entries: OrderedDict[bytes, tuple[QueryResult, int]] = OrderedDict()

    @staticmethod
    def key(*parts: Any) -> bytes:
        return hashlib.blake2b(
            repr(parts).encode("utf-8", "surrogatepass"), digest_size=32
        ).digest()

    @staticmethod
    def cost(key: bytes, value: QueryResult) -> int:
        headers = sum(len(k) + len(v) for k, v in value.headers.items())
        return len(key) + len(value.body) + len(value.media_type) + headers + CACHE_ENTRY_OVERHEAD

    def get(self, key: bytes) -> QueryResult | None:
        hit = self.entries.get(key)
        if hit is None:
            return None
        self.entries.move_to_end(key)
        return hit[0]

    def put(self, key: bytes, value: QueryResult) -> None:
        if len(value.body) > CACHE_MAX_ENTRY:
            return
        old = self.entries.pop(key, None)
        if old is not None:
            self.size -= old[1]
        cost = self.cost(key, value)
        self.entries[key] = (value, cost)
        self.size += cost
        while self.size > self.max_bytes and self.entries:
            _, (_, evicted) = self.entries.popitem(last=False)
            self.size -= evicted

    def clear(self) -> None:
        self.entries.clear()
        self.size = 0


@dataclass(frozen=True)
class _Answer:
    """A precomputed answer: its file in dist/, what it holds, and its headers' values."""

    path: Path
    media_type: str
    size: int
    sha256: str
    etag: str
    truncated: int | None


class _Answers:
    """The canned queries' default answers of the build whose dataset is served, by the cache
    key a live answer to the same request would have (see `QueryEngine.execute`)."""

    def __init__(self, stored: Stored, settings: Settings) -> None:
        self.index: dict[str, Any] = {}
        self.by_key: dict[bytes, _Answer] = {}
        self._checked: dict[Path, tuple[int, int, int]] = {}  # files whose bytes were hashed
        dist = dist_of(stored.source)
        if dist is None:
            return
        try:
            index = json.loads((dist / ANSWERS_INDEX).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if not isinstance(index, dict) or index.get("dataset") != stored.digest:
            return
        self.index = index
        from diplokg.build.precompute import usable
        from diplokg.queries import load_catalogue

        if not usable(index, settings):
            return
        catalogue = load_catalogue(settings.queries_dir, record=index.get("catalogue"))
        try:
            for name, entry in index.get("answers", {}).items():
                query = catalogue.get(name)
                if query is None:
                    continue
                text = query.render({})
                if hashlib.sha256(text.encode("utf-8")).hexdigest() != entry["query"]:
                    continue  # the query changed since the build: it runs live
                for key, answer in entry["formats"].items():
                    fmt = by_key(key)
                    cache_key = _ResultCache.key(text, fmt.key, (), (), None, stored.digest)
                    self.by_key[cache_key] = _Answer(
                        dist / answer["file"],
                        fmt.media_type,
                        int(answer["bytes"]),
                        str(answer["sha256"]),
                        str(answer["etag"]),
                        answer["truncated"],
                    )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            log.warning("%s is not an index this server reads (%r); no answer is used", dist, exc)
            self.by_key.clear()

    async def read(self, answer: _Answer) -> bytes | None:
        """The answer's bytes, or None when its file is not what the build wrote."""
        try:
            if answer.size > PARSE_IN_THREAD_BYTES:
                body = await asyncio.to_thread(answer.path.read_bytes)
            else:
                body = answer.path.read_bytes()
            st = os.stat(answer.path)
        except OSError:
            return None
        identity = (st.st_ino, st.st_size, st.st_mtime_ns)
        if self._checked.get(answer.path) != identity:
            if len(body) != answer.size or hashlib.sha256(body).hexdigest() != answer.sha256:
                log.warning("%s is not the answer the build wrote; running it", answer.path)
                return None
            self._checked[answer.path] = identity
        return body


class _LongLaneFull(Exception):
    pass


@dataclass(eq=False)
class _Waiter:
    grant: Grant
    seq: int
    turn: asyncio.Future[Worker]


@dataclass(eq=False)
class _Running:
    grant: Grant
    reply: asyncio.Future[Any]
    started: float
    timers: list[asyncio.TimerHandle] = field(default_factory=list)
    counted: bool = True  # against its client's share of the regular workers


class QueryEngine:
    """Run SPARQL queries on a read-only dataset, safely, from async code."""

    def __init__(
        self,
        stored: Stored,
        settings: Settings,
        budgets: Budgets | None = None,
        *,
        fork_first: bool = False,
    ) -> None:
        self.settings = settings
        self._stored = stored
        self.graph_sizes = dict(stored.graphs)
        self.named_graphs: tuple[str, ...] = tuple(stored.graphs)
        self._closed = False
        self._seq = 0
        self._idle: list[Worker] = []
        self._waiters: list[_Waiter] = []
        self._running: dict[Worker, _Running] = {}
        self._by_client: dict[str, int] = defaultdict(int)
        self._over_running = 0
        self._long = 0
        # Regular workers the demand has called for so far (queries running and waiting):
        # started on demand, kept afterwards.
        self._wanted = max(1, min(settings.min_workers, settings.workers))
        self._cache = _ResultCache()
        self._answers = _Answers(stored, settings)
        # Engines that serve one public (the kept versions beside the current one) share the
        # budgets of its clients: querying another version is no way around one's budget.
        if budgets is None:
            budgets = Budgets(
                settings.client_budget_s,
                settings.client_budget_rate,
                settings.over_budget_timeout_s,
            )
        self.budgets = budgets
        self.store_problem: str | None = None
        self._repairing: asyncio.Task[None] | None = None
        self._watch: asyncio.Task[None] | None = None
        self._source_state = _file_state(stored.source)
        self._front = FrontStore()
        self.stats = {
            "queries": 0,
            "cache_hits": 0,
            "precomputed": 0,
            "fast_path": 0,
            "timed_out": 0,
            "cancelled": 0,
            "rejected_busy": 0,
            "rejected_budget": 0,
            "long_stopped": 0,
            "out_of_memory": 0,
            "crashed": 0,
            "worker_deaths": 0,
            "store_swaps": 0,
            "store_repairs": 0,
        }
        self.pool = Pool(
            store_path=lambda: str(self._stored.path),
            memory_cap=max(0, settings.max_query_memory_mb) * 1024 * 1024,
            target=self._target,
            on_ready=self._release,
            on_message=self._message,
            on_eof=self._eof,
            on_store_failure=self._store_failed,
            priority_steps=priority_steps(settings.long_query_s),
        )
        self.pool.prestart(self._wanted, fork_first=fork_first)

    # ---- construction ------------------------------------------------------------------------

    @classmethod
    def from_file(
        cls,
        path: Path,
        settings: Settings,
        budgets: Budgets | None = None,
        *,
        fork_first: bool = False,
    ) -> QueryEngine:
        """Load TriG, N-Quads, Turtle or N-Triples (once per content) and start the workers;
        `budgets`: the client budgets to charge (default: the engine's own); `fork_first`: the
        first worker is forked from this process, which must have a single thread (see
        `diplokg.server.pool`)."""
        return cls(open_store(Path(path), settings), settings, budgets, fork_first=fork_first)

    @property
    def dataset_id(self) -> str:
        return self._stored.digest

    @property
    def source(self) -> Path:
        return self._stored.source

    def start(self) -> None:
        """Supervise the workers and watch the served file from the running event loop."""
        self._attach()

    def _attach(self) -> None:
        loop = asyncio.get_running_loop()
        self.pool.attach(loop)
        if self._watch is None or self._watch.get_loop() is not loop:
            self._watch = loop.create_task(self._watch_source())

    # ---- worker pool -------------------------------------------------------------------------

    def _target(self) -> int:
        """Workers the pool keeps: those the demand called for, and the long lane's."""
        return self._wanted + self._long

    def _demand(self) -> None:
        """Call for a worker per query running or waiting, up to `workers`."""
        wanted = len(self._running) - self._long + len(self._waiters)
        wanted = min(max(1, self.settings.workers), wanted)
        if wanted > self._wanted:
            self._wanted = wanted
            self.pool.wake()

    def _eligible(self, grant: Grant) -> bool:
        # A client may hold every regular worker but one; long queries are bounded apart.
        per_client = max(1, self.settings.workers - 1)
        if grant.key != INTERNAL_CLIENT and self._by_client[grant.key] >= per_client:
            return False
        return not (grant.over_budget and self._over_running >= 1)

    def _busy(self) -> QueryRejected:
        self.stats["rejected_busy"] += 1
        return QueryRejected(
            503, "the endpoint is busy; retry in a few seconds", {"Retry-After": "2"}
        )

    async def _acquire(self, grant: Grant) -> Worker:
        """A worker for `grant`, now or after those waiting before it (503 when full)."""
        if self._closed:
            raise QueryRejected(503, "the endpoint is shutting down")
        if self._idle and not self._waiters and self._eligible(grant):
            return self._take(self._idle.pop(), grant)
        if len(self._waiters) >= self.settings.max_pending:
            raise self._busy()
        loop = asyncio.get_running_loop()
        self._seq += 1
        waiter = _Waiter(grant, self._seq, loop.create_future())
        self._waiters.append(waiter)
        self._demand()
        self._dispatch()
        timer = loop.call_later(self.settings.query_timeout_s, _expire, waiter.turn)
        try:
            return await waiter.turn
        except TimeoutError:
            raise self._busy() from None
        except asyncio.CancelledError:
            # Handed a worker in the same instant the client went away: give it back.
            turn = waiter.turn
            if turn.done() and not turn.cancelled() and turn.exception() is None:
                self._give_back(turn.result(), grant)
            raise
        finally:
            timer.cancel()
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)

    def _take(self, worker: Worker, grant: Grant) -> Worker:
        worker.state = "busy"
        self._by_client[grant.key] += 1
        if grant.over_budget:
            self._over_running += 1
        return worker

    def _untake(self, grant: Grant) -> None:
        self._by_client[grant.key] -= 1
        if self._by_client[grant.key] <= 0:
            del self._by_client[grant.key]
        if grant.over_budget:
            self._over_running -= 1

    def _give_back(self, worker: Worker, grant: Grant) -> None:
        self._untake(grant)
        self._release(worker)

    def _dispatch(self) -> None:
        """Hand idle workers to waiting queries: within budget first, then in arrival order."""
        while self._idle and self._waiters:
            ready = [w for w in self._waiters if not w.turn.done() and self._eligible(w.grant)]
            if not ready:
                return
            waiter = min(ready, key=lambda w: (w.grant.over_budget, w.seq))
            self._waiters.remove(waiter)
            waiter.turn.set_result(self._take(self._idle.pop(), waiter.grant))

    def _release(self, worker: Worker) -> None:
        """A worker is free (or newly ready): to a waiting query, else idle."""
        if self._closed or worker.long or worker.store_path != str(self._stored.path):
            self._retire(worker, "retired")
            return
        worker.state = "idle"
        self._idle.append(worker)
        self._dispatch()

    def _retire(self, worker: Worker, reason: str) -> None:
        if worker.long:
            worker.long = False
            self._long -= 1
        with contextlib.suppress(ValueError):
            self._idle.remove(worker)
        self.pool.remove(worker, reason)

    # ---- replies and deaths ------------------------------------------------------------------

    def _message(self, worker: Worker, message: Any) -> None:
        running = self._running.get(worker)
        if running is not None and not running.reply.done():
            running.reply.set_result(message)

    def _eof(self, worker: Worker) -> None:
        running = self._running.get(worker)
        if running is not None and not running.reply.done():
            running.reply.set_exception(EOFError(worker.last_words()))
        elif worker.state == "idle":
            self._retire(worker, "exited")

    def _expire_job(self, worker: Worker) -> None:
        running = self._running.get(worker)
        if running is not None and not running.reply.done():
            running.reply.set_exception(TimeoutError())

    def _went_long(self, worker: Worker) -> None:
        running = self._running.get(worker)
        if running is None or running.reply.done():
            return
        if self._long >= self.settings.max_long_queries:
            running.reply.set_exception(_LongLaneFull())
            return
        worker.long = True
        self._long += 1
        # In the long lane it no longer holds one of the regular workers of its client.
        running.counted = False
        self._untake(running.grant)
        # Its query thread is at nice 19 by now: the worker lowers it (worker.priority_steps).
        self.pool.wake()  # the target grew by one: a new worker takes this one's place

    async def _run(self, job: Job, grant: Grant) -> tuple[Any, ...]:
        try:
            worker = await self._acquire(grant)
        except BaseException:
            self.budgets.settle(grant, 0.0)
            raise
        loop = asyncio.get_running_loop()
        running = _Running(grant, loop.create_future(), time.monotonic())
        self.budgets.start(grant)
        self._running[worker] = running
        running.timers.append(loop.call_later(grant.deadline, self._expire_job, worker))
        if grant.deadline > self.settings.long_query_s:
            running.timers.append(
                loop.call_later(self.settings.long_query_s, self._went_long, worker)
            )
        worker.send(job)
        try:
            reply = await running.reply
        except TimeoutError:
            self.stats["timed_out"] += 1
            self._retire(worker, "deadline")
            hint = " (this client is over its budget of worker time)" if grant.over_budget else ""
            raise QueryRejected(
                503,
                f"the query did not finish within {grant.deadline:g} s and was stopped{hint}",
                {"Retry-After": str(self.budgets.retry_after(grant.key))}
                if grant.over_budget
                else None,
            ) from None
        except _LongLaneFull:
            self.stats["long_stopped"] += 1
            self._retire(worker, "long lane full")
            raise QueryRejected(
                503,
                f"the query ran past {self.settings.long_query_s:g} s while "
                f"{self.settings.max_long_queries} long queries were running, and was stopped; "
                "retry later",
                {"Retry-After": "5"},
            ) from None
        except EOFError as exc:
            self._retire(worker, "exited")
            return await self._death(worker, str(exc))
        except asyncio.CancelledError:
            # The client went away: the only way to stop pyoxigraph is to stop its process.
            self.stats["cancelled"] += 1
            self._retire(worker, "cancelled")
            raise
        finally:
            for timer in running.timers:
                timer.cancel()
            self._running.pop(worker, None)
            if running.counted:
                self._untake(grant)
            self.budgets.settle(grant, time.monotonic() - running.started)
        self._release(worker)
        return tuple(reply)

    def _front_store(
        self, query: str, info: LexedQuery, protocol_dataset: bool, who: str
    ) -> ox.Store | None:
        """The store to answer `query` from in this process (`diplokg.server.fastpath`), when
        it is provably cheap, its client `who` is within its budget (an over-budget client
        shares one worker, whatever its queries) and that store is open; None: a worker
        answers it."""
        if self._closed or self.budgets.over_budget(who):
            return None
        if not is_cheap_query(query, info, protocol_dataset):
            return None
        return self._front.get(str(self._stored.path))

    def _run_here(self, store: ox.Store, job: Job, grant: Grant) -> tuple[Any, ...]:
        """`run_job` in this process, its time charged to the client as a worker's would be."""
        self.budgets.start(grant)
        started = time.monotonic()
        try:
            reply = run_job(store, job, explain=False)
        except MemoryError:
            reply = ("memory",)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # a panic of pyoxigraph's too: a 500, the text in the log
            reply = ("crash", f"{type(exc).__name__}: {first_line(exc)}")
        finally:
            self.budgets.settle(grant, time.monotonic() - started)
        if reply[0] != "syntax":  # else a worker answers it
            self.stats["fast_path"] += 1
        if reply[0] == "store":  # opened again once the store is repaired
            self._front.drop()
        return reply

    async def _death(self, worker: Worker, last_words: str) -> tuple[Any, ...]:
        """Why a worker died under a query: its memory cap, else a crash."""
        for _ in range(50):  # the exit status reaches us just after the pipe closes
            if worker.process.exitcode is not None:
                break
            await asyncio.sleep(0.01)
        aborted = worker.process.exitcode == -6  # SIGABRT: a failed allocation in Rust
        if "memory allocation" in last_words or (aborted and self.settings.max_query_memory_mb):
            return ("memory",)
        return ("died", f"worker process died ({worker.process.exitcode}): {last_words}")

    # ---- the store ---------------------------------------------------------------------------

    def _store_failed(self, why: str) -> None:
        """A worker could not open or read the store: check it, reload it if it fails."""
        self.store_problem = why
        log.warning("the store %s is failing: %s", self._stored.path, why)
        if self._repairing is None or self._repairing.done():
            with contextlib.suppress(RuntimeError):  # no loop yet: the first query repairs
                self._repairing = asyncio.get_running_loop().create_task(self._reopen())

    async def _reopen(self) -> None:
        try:
            # Its files passed the cheap check when opened: compare their bytes this time.
            stored = await asyncio.to_thread(
                open_store, self._stored.source, self.settings, thorough=True
            )
        except Exception as exc:
            self.store_problem = f"cannot reload the store: {exc}"
            log.error("%s", self.store_problem)
            return
        self.stats["store_repairs"] += 1
        self._swap(stored)
        self.store_problem = None
        self.pool.failures = 0  # the store is back: start workers again at once
        self.pool.wake()

    def _swap(self, stored: Stored) -> None:
        """Serve `stored` from now on; queries running on the old store finish there."""
        if stored.path == self._stored.path and stored.digest == self._stored.digest:
            return
        self._stored = stored
        self.graph_sizes.clear()
        self.graph_sizes.update(stored.graphs)
        self.named_graphs = tuple(stored.graphs)
        self._cache.clear()
        self._answers = _Answers(stored, self.settings)
        self._front.drop()
        self.stats["store_swaps"] += 1
        for worker in list(self._idle):
            self._retire(worker, "store swapped")
        log.info("now serving %s (dataset %s)", stored.source, stored.digest)

    async def _watch_source(self) -> None:
        """Pick up a rebuild of the served file (dist/ is replaced as a whole)."""
        while not self._closed:
            await asyncio.sleep(self.settings.reload_check_s)
            state = await asyncio.to_thread(_file_state, self._stored.source)
            if state is None or state == self._source_state:
                continue
            self._source_state = state
            try:
                stored = await asyncio.to_thread(open_store, self._stored.source, self.settings)
            except Exception as exc:  # a half-written file: the next change retries
                log.warning("cannot load the changed %s: %s", self._stored.source, exc)
                continue
            self._swap(stored)

    # ---- public API --------------------------------------------------------------------------

    async def execute(
        self,
        query: str,
        *,
        accept: str | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        base_iri: str | None = None,
        client: str | None = None,
    ) -> QueryResult:
        """Check, run and serialize one query; QueryRejected for anything refused.

        `client` names who asks, for budgets (default: the request's, see `ClientKey`).
        Internal failures raise RuntimeError (the endpoint answers 500 with a request id).
        """
        self._attach()
        s = self.settings
        check = (
            query,
            s.max_query_bytes,
            s.max_nesting_depth,
            self.named_graphs,
            default_graph_uris,
            named_graph_uris,
            base_iri,
        )
        if len(query) > LEX_IN_THREAD_BYTES:
            info = await asyncio.to_thread(_check, *check)
        else:
            info = _check(*check)
        assert info.form is not None
        fmt = negotiate(accept, formats_for(info.form))
        base = base_iri if info.uses_base else None
        if base is not None:
            try:
                ox.NamedNode(base)
            except ValueError:
                raise QueryRejected(
                    400,
                    f"the query has relative IRIs but {base!r} (from the Host header) is not a "
                    "valid base IRI; write absolute IRIs or add BASE",
                ) from None
        dgs = tuple(default_graph_uris)
        ngs = tuple(named_graph_uris)
        key = _ResultCache.key(query, fmt.key, dgs, ngs, base, self.dataset_id)
        self.stats["queries"] += 1
        cached = self._cache.get(key)
        if cached is not None:
            self.stats["cache_hits"] += 1
            return cached
        precomputed = self._answers.by_key.get(key)
        if precomputed is not None:
            body = await self._answers.read(precomputed)
            if body is not None:
                self.stats["precomputed"] += 1
                result = _result(
                    fmt.media_type, body, base, precomputed.truncated, precomputed.etag
                )
                self._cache.put(key, result)
                return result
        who = client or current_client.get() or INTERNAL_CLIENT
        if self.budgets.over_budget(who) and self.budgets.in_flight(who) >= 1:
            self.stats["rejected_budget"] += 1
            raise QueryRejected(
                429,
                "this client is over its budget of worker time and has a query running; "
                "retry later",
                {"Retry-After": str(self.budgets.retry_after(who))},
            )
        protocol_dataset = bool(dgs or ngs)
        job = Job(
            query=query,
            form=info.form,
            fmt=fmt.key,
            # named-graph-uri alone leaves the default graph empty (SPARQL 1.1 Protocol 2.1.4)
            default_graph=dgs if protocol_dataset else None,
            named_graphs=ngs if protocol_dataset else None,
            union=not protocol_dataset and not info.has_dataset_clause,
            base_iri=base,
            max_rows=s.max_result_rows,
            max_bytes=s.max_response_bytes,
            dataset_id=self.dataset_id,
        )
        store = self._front_store(query, info, protocol_dataset, who)
        grant = self.budgets.grant(who, s.query_timeout_s)
        reply = self._run_here(store, job, grant) if store is not None else None
        if reply is None or reply[0] == "syntax":  # a worker explains a syntax error
            if reply is not None:
                grant = self.budgets.grant(who, s.query_timeout_s)
            reply = await self._run(job, grant)
        if reply[0] == "error":
            raise QueryRejected(int(reply[1]), str(reply[2]))
        if reply[0] == "memory":
            self.stats["out_of_memory"] += 1
            raise QueryRejected(
                503,
                f"the query needed more than {s.max_query_memory_mb} MB of memory and was stopped",
            )
        if reply[0] == "died":  # killed from outside (the OOM killer, kill -9): not the query's
            self.stats["worker_deaths"] += 1
            log.warning("a worker died under a query from %s: %s", who, reply[1])
            raise QueryRejected(503, "the query's worker stopped; try again", {"Retry-After": "2"})
        if reply[0] == "store":
            self._store_failed(str(reply[1]))
            raise RuntimeError(f"reading the store failed: {reply[1]}")
        if reply[0] != "ok":
            self.stats["crashed"] += 1
            raise RuntimeError(f"query failed in worker: {reply[1]}")
        _, body, truncated, etag = reply
        result = _result(fmt.media_type, body, base, truncated, etag)
        self._cache.put(key, result)
        return result

    @property
    def catalogue_record(self) -> Any:
        """The catalogue as the build of the served dataset recorded it, if it did."""
        return self._answers.index.get("catalogue")

    def load(self) -> dict[str, int]:
        """Workers, idle workers and queued queries, for /health."""
        return {
            "workers": self.pool.alive,
            "idle": len(self._idle),
            "pending": len(self._waiters),
        }

    def health(self) -> dict[str, Any]:
        """What /health reports; "degraded" when short of workers or the store is failing."""
        pool = self.pool
        target = self._target()
        # Short of workers because starting them fails, or because nothing is repairing.
        short = pool.alive < target and (pool.failures > 0 or not pool.supervising)
        degraded = short or self.store_problem is not None
        return {
            "status": "degraded" if degraded else "ok",
            "graphs": len(self.named_graphs),
            "dataset": self.dataset_id,
            **self.load(),
            "pool": {
                "target": target,
                "alive": pool.alive,
                "idle": len(self._idle),
                "busy": len(self._running),
                "starting": pool.starting,
                "failed_starts": pool.failures,
                "last_error": _without_paths(pool.last_error),
                "spawn_fallbacks": pool.spawn_fallbacks,
                "started": pool.started,
                "long": self._long,
                "long_max": self.settings.max_long_queries,
            },
            "budgets": self.budgets.summary(),
            # The store's path and the workers' process ids are logged, never shown: /health
            # answers anyone (an orchestrator needs the states and counts only).
            "store": {"failing": self.store_problem is not None},
            "cache": {"entries": len(self._cache.entries), "bytes": self._cache.size},
            "precomputed": len(self._answers.by_key),
            "stats": self.stats,
        }

    async def _parse_json(self, body: bytes) -> Any:
        if len(body) > PARSE_IN_THREAD_BYTES:
            return await asyncio.to_thread(json.loads, body)
        return json.loads(body)

    async def select(self, query: str) -> list[dict[str, rdflib.term.Identifier]]:
        """Rows of a SELECT as rdflib terms (unbound variables absent)."""
        from diplokg.terms import to_rdflib  # rdflib stays out of the worker processes

        result = await self.execute(query, accept=RESULTS_JSON.media_type)
        doc = await self._parse_json(result.body)
        if "results" not in doc:
            raise QueryRejected(400, "not a SELECT query")
        return [
            {name: to_rdflib(term) for name, term in row.items()}
            for row in doc["results"]["bindings"]
        ]

    async def ask(self, query: str) -> bool:
        result = await self.execute(query, accept=RESULTS_JSON.media_type)
        doc = await self._parse_json(result.body)
        if "boolean" not in doc:
            raise QueryRejected(400, "not an ASK query")
        return bool(doc["boolean"])

    async def graph(self, query: str) -> rdflib.Graph:
        """The triples of a CONSTRUCT or DESCRIBE as an rdflib Graph."""
        import rdflib

        result = await self.execute(query, accept=NTRIPLES.media_type)
        if result.media_type != NTRIPLES.media_type:
            raise QueryRejected(400, "not a CONSTRUCT or DESCRIBE query")

        def parse() -> rdflib.Graph:
            return rdflib.Graph().parse(data=result.body.decode("utf-8"), format=NTRIPLES.rdflib)

        return await asyncio.to_thread(parse)

    def close(self) -> None:
        """Stop the workers (the store stays on disk for the next start on the same data)."""
        self._closed = True
        for task in (self._watch, self._repairing):
            if task is not None:
                task.cancel()
        self.pool.close()
        self._idle.clear()
        self._front.drop()


def _check(
    query: str,
    max_bytes: int,
    max_depth: int,
    graphs: Sequence[str],
    default_graph_uris: Sequence[str],
    named_graph_uris: Sequence[str],
    base_iri: str | None,
) -> LexedQuery:
    try:
        return check_query(
            query,
            max_bytes=max_bytes,
            max_depth=max_depth,
            dataset_graphs=graphs,
            default_graph_uris=default_graph_uris,
            named_graph_uris=named_graph_uris,
            base_iri=base_iri,
        )
    except NotAQuery:
        # where and what, as the API and the canned queries say it: `syntax error at line 1,
        # column 1: unexpected 'SELEC': expected SELECT, ASK, CONSTRUCT or DESCRIBE`
        from diplokg.sparql_text import explain_syntax_error

        # never rdflib's parser here: this runs in the server process, before any budget
        raise QueryRejected(400, str(explain_syntax_error(query, "", precise=False))) from None


def _result(
    media_type: str, body: bytes, base: str | None, truncated: int | None, etag: str
) -> QueryResult:
    """An answer with its headers: cacheable by anyone unless it depends on the Host."""
    headers = {"Cache-Control": CACHE_CONTROL, "Vary": "Accept"}
    if base is not None:  # the answer depends on the Host the client used
        headers = {"Cache-Control": PRIVATE_CACHE_CONTROL, "Vary": "Accept, Host"}
    if truncated is not None:
        headers[TRUNCATED_HEADER] = f"rows={truncated}"
    headers["ETag"] = etag
    return QueryResult(200, media_type, body, headers)


_PATH = re.compile(r"(?<![\w:/])/[^\s'\"]+")


def _without_paths(text: str | None) -> str | None:
    """`text` with absolute file paths replaced by `…` (a message for /health: paths are
    logged, not shown)."""
    return _PATH.sub("…", text) if text else text


def _expire(future: asyncio.Future[Any]) -> None:
    if not future.done():
        future.set_exception(TimeoutError())


def _file_state(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)
