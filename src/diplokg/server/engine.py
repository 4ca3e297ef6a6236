"""The query engine: pyoxigraph in worker processes, behind limits, a deadline and a cache.

The dataset is loaded into an on-disk pyoxigraph store, once per content (a restart on the
same data only opens it); each worker process opens it read-only and runs the query text as
given. Processes, not threads: pyoxigraph cannot be
interrupted mid-query, so a query past its deadline (or whose client hung up) is stopped by
killing its worker and starting another. The event loop only routes bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import multiprocessing
import os
import re
import shutil
import tempfile
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from diplokg.config import Settings
from diplokg.errors import InputError
from diplokg.formats import NQUADS, NTRIPLES, RESULTS_JSON, TRIG, TURTLE, by_key, rdf_format_of
from diplokg.protocol import QueryRejected, check_query, formats_for, negotiate

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    import rdflib

__all__ = ["QueryEngine", "QueryRejected", "QueryResult"]

TRUNCATED_HEADER = "X-Diplokg-Truncated"
TRUNCATED_IRI = "urn:diplokg:truncated"
CACHE_MAX_BYTES = 64 * 1024 * 1024
CACHE_MAX_ENTRY = 4 * 1024 * 1024
CACHE_CONTROL = "public, max-age=300"

# The syntaxes a dataset file may be served from.
_SERVABLE = (TRIG.rdf, NQUADS.rdf, TURTLE.rdf, NTRIPLES.rdf)


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


# --------------------------------------------------------------------------------------------
# Worker side (runs in the child processes)
# --------------------------------------------------------------------------------------------


class _Full(Exception):
    """Raised by the bounded writer to stop a serializer once a limit is reached."""


class _BoundedLines(io.BytesIO):
    """A write target that keeps at most `max_lines` lines and `max_bytes` bytes.

    Line-based formats (TSV results, N-Triples) hold one row or triple per line, so counting
    newlines counts rows without a Python loop over the results.
    """

    def __init__(self, max_lines: int, max_bytes: int) -> None:
        super().__init__()
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self.lines = 0
        self.full = False

    def write(self, data: Any) -> int:
        written = super().write(data)
        self.lines += bytes(data).count(b"\n")
        if self.lines > self.max_lines or self.tell() > self.max_bytes:
            self.full = True
            raise _Full
        return written

    def kept_lines(self) -> list[bytes]:
        """Whole lines written, at most max_lines of them and within max_bytes."""
        lines = self.getvalue().split(b"\n")[:-1]  # the last piece is partial or empty
        kept: list[bytes] = []
        size = 0
        for line in lines[: self.max_lines]:
            size += len(line) + 1
            if size > self.max_bytes:
                break
            kept.append(line)
        return kept


@dataclass(frozen=True)
class _Job:
    query: str
    form: str
    fmt: str
    default_graph: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    union: bool
    base_iri: str | None
    max_rows: int
    max_bytes: int


def _run_job(store: ox.Store, job: _Job) -> tuple[Any, ...]:
    """Evaluate one query and serialize it; returns ("ok", body, truncated_rows | None)."""
    kwargs: dict[str, Any] = {"base_iri": job.base_iri}
    if job.default_graph is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graph]
    elif job.union:
        kwargs["use_default_graph_as_union"] = True
    if job.named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    try:
        results = store.query(job.query, **kwargs)
    except SyntaxError as exc:
        return ("error", 400, "syntax error: " + str(exc).splitlines()[0][:300])
    try:
        if isinstance(results, ox.QueryBoolean):
            return ("ok", results.serialize(format=by_key(job.fmt).results), None)
        if isinstance(results, ox.QuerySolutions):
            return _serialize_solutions(results, job)
        return _serialize_triples(results, job)
    except (SyntaxError, ValueError) as exc:
        return ("error", 400, "query error: " + str(exc).splitlines()[0][:300])


def _fill(out: _BoundedLines, serialize: Any) -> None:
    """Run a serializer into `out`; a stop caused by out's limits is expected, nothing else."""
    try:
        serialize()
    except (_Full, OSError):  # pyoxigraph reports the writer's exception as an OSError
        if not out.full:
            raise


def _serialize_solutions(results: ox.QuerySolutions, job: _Job) -> tuple[Any, ...]:
    # TSV has a header line then one line per solution, and round-trips every term exactly.
    out = _BoundedLines(job.max_rows + 1, job.max_bytes)
    _fill(out, lambda: results.serialize(out, format=ox.QueryResultsFormat.TSV))
    if not out.full and job.fmt == "tsv":
        return ("ok", out.getvalue(), None)
    lines = out.kept_lines()
    rows = len(lines) - 1
    fmt = by_key(job.fmt).results
    while True:
        tsv = b"\n".join(lines[: rows + 1]) + b"\n"
        parsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
        body = parsed.serialize(format=fmt) or b""
        if len(body) <= job.max_bytes or rows == 0:
            break
        rows = max(0, min(rows - 1, int(rows * job.max_bytes / len(body) * 0.95)))
        out.full = True
    return ("ok", body, rows if out.full else None)


def _serialize_triples(results: ox.QueryTriples, job: _Job) -> tuple[Any, ...]:
    out = _BoundedLines(job.max_rows, job.max_bytes)
    _fill(out, lambda: results.serialize(out, format=ox.RdfFormat.N_TRIPLES))
    if not out.full and job.fmt == "ntriples":
        return ("ok", out.getvalue(), None)
    lines = out.kept_lines()
    rows = len(lines)
    fmt = by_key(job.fmt).rdf
    while True:
        nt = b"\n".join(lines[:rows]) + b"\n"
        quads = ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)
        prefixes = _prefixes() if job.fmt in ("turtle", "trig", "rdfxml") else None
        body = ox.serialize(quads, format=fmt, prefixes=prefixes) or b""
        if len(body) <= job.max_bytes or rows == 0:
            break
        rows = max(0, min(rows - 1, int(rows * job.max_bytes / len(body) * 0.95)))
        out.full = True
    return ("ok", body, rows if out.full else None)


def _prefixes() -> dict[str, str]:
    from diplokg.namespaces import PREFIXES

    return PREFIXES


def _worker_main(conn: Connection, store_path: str) -> None:
    """Serve jobs from `conn` until it closes; one query at a time."""
    store = ox.Store.read_only(store_path)
    conn.send(("ready",))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = _run_job(store, job)
        except Exception as exc:  # reported as a 500; the text stays in the server log
            reply = ("crash", f"{type(exc).__name__}: {exc}")
        conn.send(reply)


# --------------------------------------------------------------------------------------------
# Parent side
# --------------------------------------------------------------------------------------------


class _Worker:
    """One child process and its pipe, read by a reader callback on the event loop."""

    def __init__(self, ctx: Any, store_path: str) -> None:
        parent, child = ctx.Pipe(duplex=True)
        self.conn: Connection = parent
        self.process: BaseProcess = ctx.Process(
            target=_worker_main, args=(child, store_path), daemon=True, name="diplokg-worker"
        )
        self.process.start()
        child.close()
        self.ready = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reply: asyncio.Future[Any] | None = None

    def _on_readable(self) -> None:
        reply = self._reply
        try:
            message = self.conn.recv()
        except (EOFError, OSError) as exc:
            self._detach()
            if reply is not None and not reply.done():
                reply.set_exception(EOFError(str(exc)))
            return
        if reply is not None and not reply.done():
            reply.set_result(message)

    def _detach(self) -> None:
        if self._loop is not None:
            with contextlib.suppress(Exception):
                self._loop.remove_reader(self.conn.fileno())
            self._loop = None

    @staticmethod
    def _expire(reply: asyncio.Future[Any]) -> None:
        if not reply.done():
            reply.set_exception(TimeoutError())

    async def call(self, message: Any, timeout: float) -> Any:
        """Send `message` (None: just wait) and await the reply; TimeoutError past `timeout`.

        The reader stays registered for the worker's life and the deadline is a timer, so
        a query costs no task and no epoll registration.
        """
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._detach()
            loop.add_reader(self.conn.fileno(), self._on_readable)
            # uvloop makes the fd non-blocking; Connection.recv needs it blocking to read a
            # whole message once its first bytes are in.
            os.set_blocking(self.conn.fileno(), True)
            self._loop = loop
        reply: asyncio.Future[Any] = loop.create_future()
        self._reply = reply
        timer = loop.call_later(timeout, self._expire, reply)
        try:
            if message is not None:
                self.conn.send(message)
            return await reply
        finally:
            timer.cancel()
            self._reply = None

    def kill(self) -> None:
        self._detach()
        with contextlib.suppress(Exception):
            self.process.kill()
        with contextlib.suppress(Exception):
            self.conn.close()
        with contextlib.suppress(Exception):
            self.process.join(timeout=1)


class _ResultCache:
    """A byte-bounded LRU of answers: the dataset is read-only, so an answer stays right."""

    def __init__(self, max_bytes: int = CACHE_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.entries: OrderedDict[tuple[Any, ...], QueryResult] = OrderedDict()

    def get(self, key: tuple[Any, ...]) -> QueryResult | None:
        hit = self.entries.get(key)
        if hit is not None:
            self.entries.move_to_end(key)
        return hit

    def put(self, key: tuple[Any, ...], value: QueryResult) -> None:
        if len(value.body) > CACHE_MAX_ENTRY:
            return
        old = self.entries.pop(key, None)
        if old is not None:
            self.size -= len(old.body)
        self.entries[key] = value
        self.size += len(value.body)
        while self.size > self.max_bytes and self.entries:
            _, evicted = self.entries.popitem(last=False)
            self.size -= len(evicted.body)


def _load_store(path: Path, directory: Path) -> dict[str, int]:
    """Bulk-load an RDF file into an on-disk store; returns its named graphs and sizes."""
    fmt = rdf_format_of(path)
    if fmt not in _SERVABLE:
        raise InputError(path, "unknown RDF format; use .trig, .nq, .ttl or .nt")
    store = ox.Store(str(directory))
    try:
        store.bulk_load(path=str(path), format=fmt)
    except SyntaxError as exc:
        line = _error_line(str(exc))
        raise InputError(path, str(exc).splitlines()[0], line) from None
    store.flush()
    counts = store.query(
        "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    )
    assert isinstance(counts, ox.QuerySolutions)
    graphs = {
        row["g"].value: int(row["n"].value) for row in counts if isinstance(row["g"], ox.NamedNode)
    }
    del store
    return graphs


def _stored(path: Path) -> tuple[Path, dict[str, int], str]:
    """The on-disk store of an RDF file, loaded once per content and pyoxigraph version.

    Stores live in $TMPDIR/diplokg-stores/<hash>/; a restart on unchanged data only opens
    one. A store is built beside its final place and renamed into it, so a reader never
    sees half a store, and two servers starting together do not clash.
    """
    if not path.is_file():
        raise InputError(path, "no such file")
    h = hashlib.blake2b(digest_size=12)
    h.update(ox.__version__.encode() + path.suffix.lower().encode())
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    digest = h.hexdigest()
    root = Path(tempfile.gettempdir()) / "diplokg-stores"
    final = root / digest
    meta = final / "graphs.json"
    if not meta.is_file():
        root.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=f".{digest}-", dir=root))
        try:
            graphs = _load_store(path, building / "store")
            (building / "graphs.json").write_text(json.dumps(graphs), encoding="utf-8")
            try:
                building.rename(final)
            except OSError:  # another process finished first; use its store
                shutil.rmtree(building, ignore_errors=True)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
    graphs = json.loads(meta.read_text(encoding="utf-8"))
    return final / "store", graphs, digest


def _error_line(message: str) -> int | None:
    match = re.search(r"(?:at |line )(\d+)", message)
    return int(match.group(1)) if match else None


class QueryEngine:
    """Run SPARQL queries on a read-only dataset, safely, from async code."""

    def __init__(
        self,
        store_dir: str,
        graph_sizes: dict[str, int],
        settings: Settings,
        dataset_id: str,
    ) -> None:
        self.settings = settings
        self.graph_sizes = dict(graph_sizes)
        self.named_graphs: tuple[str, ...] = tuple(graph_sizes)
        self.dataset_id = dataset_id
        self._store_dir = store_dir
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(["diplokg.server.engine"])
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._waiters: deque[asyncio.Future[_Worker]] = deque()
        self._cache = _ResultCache()
        self._closed = False
        self.stats = {
            "queries": 0,
            "cache_hits": 0,
            "timed_out": 0,
            "cancelled": 0,
            "rejected_busy": 0,
            "crashed": 0,
        }
        for _ in range(max(1, settings.workers)):
            self._spawn()

    # ---- construction ------------------------------------------------------------------------

    @classmethod
    def from_file(cls, path: Path, settings: Settings) -> QueryEngine:
        """Load TriG, N-Quads, Turtle or N-Triples (once per content) and start the workers."""
        store_dir, graphs, digest = _stored(Path(path))
        return cls(str(store_dir), graphs, settings, dataset_id=digest)

    def _spawn(self) -> _Worker:
        worker = _Worker(self._ctx, self._store_dir)
        self._all.add(worker)
        self._idle.append(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        self._all.discard(worker)
        if worker in self._idle:
            self._idle.remove(worker)
        if not self._closed:
            self._release(self._spawn_unlisted())

    def _spawn_unlisted(self) -> _Worker:
        worker = _Worker(self._ctx, self._store_dir)
        self._all.add(worker)
        return worker

    # ---- worker pool -------------------------------------------------------------------------

    def _busy(self) -> QueryRejected:
        self.stats["rejected_busy"] += 1
        return QueryRejected(
            503, "the endpoint is busy; retry in a few seconds", {"Retry-After": "2"}
        )

    async def _acquire(self) -> _Worker:
        """An idle worker, or a place in a bounded queue for one (503 when full or too long)."""
        if self._closed:
            raise QueryRejected(503, "the endpoint is shutting down")
        if self._idle:
            return self._idle.pop()
        if len(self._waiters) >= self.settings.max_pending:
            raise self._busy()
        loop = asyncio.get_running_loop()
        turn: asyncio.Future[_Worker] = loop.create_future()
        self._waiters.append(turn)
        timer = loop.call_later(self.settings.query_timeout_s, _Worker._expire, turn)
        try:
            return await turn
        except TimeoutError:
            raise self._busy() from None
        except asyncio.CancelledError:
            # Handed a worker in the same instant the client went away: give it back.
            if turn.done() and not turn.cancelled() and turn.exception() is None:
                self._release(turn.result())
            raise
        finally:
            timer.cancel()
            with contextlib.suppress(ValueError):
                self._waiters.remove(turn)

    def _release(self, worker: _Worker) -> None:
        """Hand the worker to the oldest query still waiting, else make it idle."""
        if self._closed:
            worker.kill()
            return
        while self._waiters:
            turn = self._waiters.popleft()
            if not turn.done():
                turn.set_result(worker)
                return
        self._idle.append(worker)

    async def _run(self, job: _Job) -> tuple[Any, ...]:
        worker = await self._acquire()
        try:
            if not worker.ready:
                await worker.call(None, self.settings.query_timeout_s)
                worker.ready = True
            reply = await worker.call(job, self.settings.query_timeout_s)
        except TimeoutError:
            self.stats["timed_out"] += 1
            self._replace(worker)
            raise QueryRejected(
                503,
                f"the query did not finish within {self.settings.query_timeout_s:g} s "
                "and was stopped",
            ) from None
        except (EOFError, OSError):
            self.stats["crashed"] += 1
            self._replace(worker)
            return ("crash", "worker process died")
        except asyncio.CancelledError:
            # The client went away: the only way to stop pyoxigraph is to stop its process.
            self.stats["cancelled"] += 1
            self._replace(worker)
            raise
        self._release(worker)
        return tuple(reply)

    # ---- public API --------------------------------------------------------------------------

    async def execute(
        self,
        query: str,
        *,
        accept: str | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        base_iri: str | None = None,
    ) -> QueryResult:
        """Check, run and serialize one query; QueryRejected for anything refused.

        Internal failures raise RuntimeError (the endpoint answers 500 with a request id).
        """
        s = self.settings
        info = check_query(
            query,
            max_bytes=s.max_query_bytes,
            max_depth=s.max_nesting_depth,
            dataset_graphs=self.named_graphs,
            default_graph_uris=default_graph_uris,
            named_graph_uris=named_graph_uris,
            base_iri=base_iri,
        )
        assert info.form is not None
        fmt = negotiate(accept, formats_for(info.form))
        dgs = tuple(default_graph_uris)
        ngs = tuple(named_graph_uris)
        key = (query, fmt.key, dgs, ngs, base_iri)
        self.stats["queries"] += 1
        cached = self._cache.get(key)
        if cached is not None:
            self.stats["cache_hits"] += 1
            return cached
        protocol_dataset = bool(dgs or ngs)
        job = _Job(
            query=query,
            form=info.form,
            fmt=fmt.key,
            # named-graph-uri alone leaves the default graph empty (SPARQL 1.1 Protocol 2.1.4)
            default_graph=dgs if protocol_dataset else None,
            named_graphs=ngs if protocol_dataset else None,
            union=not protocol_dataset and not info.has_dataset_clause,
            base_iri=base_iri,
            max_rows=s.max_result_rows,
            max_bytes=s.max_response_bytes,
        )
        reply = await self._run(job)
        if reply[0] == "error":
            raise QueryRejected(int(reply[1]), str(reply[2]))
        if reply[0] != "ok":
            raise RuntimeError(f"query failed in worker: {reply[1]}")
        body: bytes = reply[1]
        truncated: int | None = reply[2]
        headers = {"Cache-Control": CACHE_CONTROL, "Vary": "Accept"}
        if truncated is not None:
            body = _flag_truncation(body, fmt.key, truncated)
            headers[TRUNCATED_HEADER] = f"rows={truncated}"
        tag = hashlib.blake2b(body, digest_size=12, key=self.dataset_id.encode()).hexdigest()
        headers["ETag"] = f'"{tag}"'
        result = QueryResult(200, fmt.media_type, body, headers)
        self._cache.put(key, result)
        return result

    def load(self) -> dict[str, int]:
        """Workers, idle workers and queued queries, for /health."""
        return {"workers": len(self._all), "idle": len(self._idle), "pending": len(self._waiters)}

    async def select(self, query: str) -> list[dict[str, rdflib.term.Identifier]]:
        """Rows of a SELECT as rdflib terms (unbound variables absent)."""
        from diplokg.terms import to_rdflib  # rdflib stays out of the worker processes

        result = await self.execute(query, accept=RESULTS_JSON.media_type)
        doc = json.loads(result.body)
        if "results" not in doc:
            raise QueryRejected(400, "not a SELECT query")
        return [
            {name: to_rdflib(term) for name, term in row.items()}
            for row in doc["results"]["bindings"]
        ]

    async def ask(self, query: str) -> bool:
        result = await self.execute(query, accept=RESULTS_JSON.media_type)
        doc = json.loads(result.body)
        if "boolean" not in doc:
            raise QueryRejected(400, "not an ASK query")
        return bool(doc["boolean"])

    async def graph(self, query: str) -> rdflib.Graph:
        """The triples of a CONSTRUCT or DESCRIBE as an rdflib Graph."""
        import rdflib

        result = await self.execute(query, accept=NTRIPLES.media_type)
        if result.media_type != NTRIPLES.media_type:
            raise QueryRejected(400, "not a CONSTRUCT or DESCRIBE query")
        g = rdflib.Graph()
        g.parse(data=result.body.decode("utf-8"), format="nt")
        return g

    def close(self) -> None:
        """Stop the workers (the store stays on disk for the next start on the same data)."""
        self._closed = True
        for worker in list(self._all):
            worker.kill()
        self._all.clear()
        self._idle.clear()


def _flag_truncation(body: bytes, fmt: str, rows: int) -> bytes:
    """Say in the body itself that the answer was cut, in the syntax of each format."""
    note = f"truncated: only the first {rows} results are included (limit of this endpoint)"
    if fmt == "json":
        head = b'{"head":{'
        if body.startswith(head):
            link = json.dumps([TRUNCATED_IRI]).encode()
            flag = json.dumps(note).encode()
            return b'{"truncated":' + flag + b',"head":{"link":' + link + b"," + body[len(head) :]
        return body
    if fmt == "xml":
        return body.replace(b"</head>", f'<link href="{TRUNCATED_IRI}"/></head>'.encode(), 1)
    if fmt in ("csv", "tsv"):
        return body + f"# {note}\n".encode()
    if fmt in ("turtle", "ntriples", "trig", "nquads"):
        return f"# {note}\n".encode() + body
    if fmt == "rdfxml":
        decl_end = body.find(b"?>") + 2 if body.startswith(b"<?xml") else 0
        return body[:decl_end] + f"\n<!-- {note} -->".encode() + body[decl_end:]
    if fmt == "jsonld":
        return b'{"truncated":' + json.dumps(note).encode() + b',"@graph":' + body + b"}"
    return body
