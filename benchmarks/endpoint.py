"""Endpoint benchmark (issues 5, 12 and 16): `diplokg serve` against `oxigraph serve-read-only
--union-default-graph` (PyPI `oxigraph`, the reference engine), on the same data and the same
queries, in one run, all on 127.0.0.1; on the seed and on the collection (600 pages, about five
million quads, `benchmarks/projects.py`). It prints every serving figure of issue 16 with its
goal and MET or MISSED, and the load average (the machine may be shared).

For each dataset and server:

- start: seconds from process start to the first answer (`ASK { ?s ?p ?o }` on /sparql), with
  the store already loaded (several starts: median, range); diplokg's first start, which loads
  its store, is reported apart; then the memory of the process tree once every route is ready
  (diplokg assembles its REST and page routes in the background: asked once before measuring),
  as PSS (a page shared by forked processes is counted once, split between them) and as the
  sum of RSS;
- the canned mix (every canned query with its default parameters, rendered as the REST API
  renders them, sent to /sparql), the canned queries with parameters (resources and values
  of the dataset), and the ad hoc mix (no two queries alike); requests/s, p50, p99, errors;
- isolation: the p99 of a cheap query (never the same text, so no cache answers it) while two
  slow queries run.

Then, on the seed, the abuse scenario of issue 12 (cheap queries while clients loop deadline-long
queries, the peak memory of a memory-hungry query, the query checker's lexer).

Clients: every connection of the load generator presents itself as a client of its own, as
people at different addresses would (`X-Forwarded-For`, diplokg started with `--trusted-proxy
127.0.0.1`); with a single address, diplokg would give it all workers but one and its budget
of worker time, which is the protection of issue 12 at work, not the engine's speed. Oxigraph
ignores the header. Everything else is diplokg's defaults.

    python benchmarks/endpoint.py                 # 20 s per cell, seed and collection
    python benchmarks/endpoint.py --quick         # 3 s per cell, a 60-page collection
    python benchmarks/endpoint.py --only seed
    python benchmarks/endpoint.py --only seed --cells isolation,adhoc --skip-abuse

The load generator is a minimal HTTP/1.1 keep-alive client on asyncio, so that the client
costs the same, and little, for every server. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from goals import Goal, record
from projects import Project, collection, seed

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ACCEPT = "application/sparql-results+json, text/turtle;q=0.9"
PREFIXES = (
    "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
)
# Data independent and slow everywhere: 13 million REGEX evaluations.
_VALUES = " ".join(str(i) for i in range(60))
SLOW_QUERY = (
    "SELECT (COUNT(*) AS ?n) { "
    + " ".join(f"VALUES ?{v} {{ {_VALUES} }}" for v in "abcd")
    + ' FILTER(REGEX(CONCAT("aaaaaaaaaaaaaaaaaaaaaaaa", STR(?a + ?b + ?c + ?d)), "^(a+)+$")) }'
)
CHEAP_QUERY = "ASK { ?s ?p ?o }"
# Values of the canned queries' parameters that both datasets hold (the collection keeps the
# seed's French resources), for the mix "with parameters".
PARAMETERS = {
    "country": "france",
    "person": "francois-hollande",
    "resource": "francois-hollande",
    "subject": "francois-hollande",
    "year": "2014",
    "kind": "dkg:Treaty",
}

# The goals of issue 16 (and what the isolation goal compares with).
GOAL_START_S = {"seed": 0.5, "collection": 2.0}
GOAL_MEMORY_MB = {"seed": 150, "collection": 1000}
GOAL_CANNED_P99_MS = 1000
GOAL_ADHOC_RATIO = 1.0
GOAL_ISOLATION_RATIO = 3.0
# The cells a run may be limited to (--cells), and the cell of each load mix.
CELLS = ("start", "memory", "canned", "parameters", "adhoc", "isolation")
CELL_OF_MIX = {"canned": "canned", "canned, parameters": "parameters", "ad hoc": "adhoc"}


# --------------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------------


def canned_queries(project: Project) -> tuple[list[str], list[str]]:
    """The catalogue rendered with its defaults, and with `PARAMETERS` where a query has one."""
    from diplokg.queries import load_catalogue

    catalogue = load_catalogue(project.settings.queries_dir)
    defaults = [q.render({}) for _, q in sorted(catalogue.items())]
    bound = []
    for _, query in sorted(catalogue.items()):
        given = {p.name: PARAMETERS[p.name] for p in query.params if p.name in PARAMETERS}
        if given:
            bound.append(query.render(given))
    return defaults, bound


def adhoc_queries() -> Iterator[str]:
    """Never the same text twice: constants vary, as in hand-written exploration."""
    templates = [
        PREFIXES + "SELECT ?s ?o {{ ?s rdfs:label ?o FILTER(STRLEN(?o) > {n}) }} LIMIT {m}",
        "SELECT ?s ?p ?o {{ ?s ?p ?o }} OFFSET {n} LIMIT {m}",
        "SELECT ?p (COUNT(*) AS ?c) {{ ?s ?p ?o }} GROUP BY ?p HAVING(COUNT(*) > {n}) LIMIT {m}",
        PREFIXES + "SELECT ?s {{ ?s a ?c ; rdfs:label ?l }} ORDER BY ?l OFFSET {n} LIMIT {m}",
        'ASK {{ ?s ?p "{n}-{m}" }}',
    ]
    i = 0
    while True:
        yield templates[i % len(templates)].format(n=i % 97, m=10 + i)
        i += 1


def cycle(items: list[str]) -> Iterator[str]:
    while True:
        yield from items


# --------------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tree_memory_mb(pid: int) -> tuple[float, float]:
    """PSS and the sum of RSS of process `pid` and its descendants, in MB."""
    root = psutil.Process(pid)
    pss = rss = 0
    for process in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            info = process.memory_full_info()
            pss += info.pss
            rss += info.rss
    return pss / 1e6, rss / 1e6


@dataclass
class Server:
    name: str
    cmd: list[str]
    path: str
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    first_answer_s: float = math.nan

    def start(self) -> None:
        self.port = free_port()
        cmd = [part.replace("{port}", str(self.port)) for part in self.cmd]
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            cmd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
            env={**os.environ, **self.env},
        )
        deadline = started + 1800  # a first start may load five million quads
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}")
            if asyncio.run(_probe(self.port, self.path)) == 200:
                self.first_answer_s = time.perf_counter() - started
                return
            time.sleep(0.003)
        raise RuntimeError(f"{self.name} did not answer")

    def ready(self) -> None:
        """Every route ready: diplokg assembles its REST and page routes in the background."""
        if self.name == "diplokg":
            with contextlib.suppress(OSError):
                conn = socket.create_connection(("127.0.0.1", self.port), timeout=30)
                conn.sendall(b"GET /api/queries HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                while conn.recv(65536):
                    pass
                conn.close()
        time.sleep(1.0)

    def memory_mb(self) -> tuple[float, float]:
        assert self.proc is not None
        return tree_memory_mb(self.proc.pid)

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def diplokg_server(project: Project) -> Server:
    """`diplokg serve` as a user runs it in the project (its built dataset), with a private
    store folder kept between runs."""
    cmd = [str(BIN / "diplokg"), "serve", "--port", "{port}", "--trusted-proxy", "127.0.0.1"]
    cmd += ["--store-dir", str(project.work / "stores")]
    return Server("diplokg", cmd, "/sparql", {"DIPLOKG_ROOT": str(project.root)})


def oxigraph_server(project: Project) -> tuple[Server, float | None]:
    """`oxigraph serve-read-only` on a store loaded from the same file (kept between runs);
    the seconds `oxigraph load` took, when it had to load."""
    st = project.served.stat()
    location = project.work / f"oxigraph-{st.st_size}-{st.st_mtime_ns}"
    seconds = None
    if not (location / "CURRENT").is_file():
        for old in project.work.glob("oxigraph-*"):
            shutil.rmtree(old, ignore_errors=True)
        location.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        subprocess.run(
            [
                str(BIN / "oxigraph"),
                "load",
                "--location",
                str(location),
                "--file",
                str(project.served),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        seconds = time.perf_counter() - started
    cmd = [str(BIN / "oxigraph"), "serve-read-only", "--location", str(location)]
    cmd += ["--bind", "127.0.0.1:{port}", "--union-default-graph"]
    return Server("oxigraph", cmd, "/query"), seconds


# --------------------------------------------------------------------------------------------
# Load generator
# --------------------------------------------------------------------------------------------

_cells = itertools.count(1)


class Conn:
    """One keep-alive HTTP/1.1 connection; handles Content-Length and chunked bodies."""

    def __init__(self, port: int, client: str | None = None) -> None:
        self.port = port
        self.client = client
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, target: str, timeout: float = 60) -> tuple[int, bytes]:
        return await asyncio.wait_for(self._get(target), timeout)

    async def _get(self, target: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        forwarded = f"X-Forwarded-For: {self.client}\r\n" if self.client else ""
        request = (
            f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nAccept: {ACCEPT}\r\n"
            f"{forwarded}\r\n"
        )
        self.writer.write(request.encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                parts.append(chunk[:-2])
            body = b"".join(parts)
        else:
            body = await self.reader.read()
            self.close()
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _probe(port: int, path: str) -> int:
    conn = Conn(port)
    try:
        status, _ = await conn.get(path + "?query=" + urllib.parse.quote(CHEAP_QUERY), timeout=5)
        return status
    except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
        return 0
    finally:
        conn.close()


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return math.nan
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(q * len(data)))] * 1000


def clients(concurrency: int) -> list[str]:
    """An address per connection, new for every cell (each client starts within its budget)."""
    cell = next(_cells)
    return [f"10.{cell // 250}.{cell % 250}.{i + 1}" for i in range(concurrency)]


async def load(
    port: int, path: str, queries: Iterator[str], concurrency: int, seconds: float
) -> Run:
    run = Run()
    stop = time.perf_counter() + seconds

    async def client(address: str) -> None:
        conn = Conn(port, address)
        while time.perf_counter() < stop:
            target = path + "?query=" + urllib.parse.quote(next(queries))
            t = time.perf_counter()
            try:
                status, _ = await conn.get(target, timeout=seconds + 30)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                run.errors += 1
                run.statuses[0] = run.statuses.get(0, 0) + 1
                conn.close()
                continue
            if status == 200:
                run.latencies.append(time.perf_counter() - t)
            else:
                run.errors += 1
                run.statuses[status] = run.statuses.get(status, 0) + 1
        conn.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(client(a) for a in clients(concurrency)))
    run.seconds = time.perf_counter() - t0
    return run


async def cheap_under_slow(port: int, path: str, seconds: float) -> Run:
    """p99 of a cheap query, one client, while two slow queries (two other clients, each
    sending its slow query again as soon as it is answered, or refused at a deadline) run."""
    slow = [Conn(port, a) for a in clients(2)]
    target = path + "?query=" + urllib.parse.quote(SLOW_QUERY)
    done = asyncio.Event()

    async def keep_busy(conn: Conn) -> None:
        while not done.is_set():
            try:
                await conn.get(target, timeout=seconds + 30)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                conn.close()

    tasks = [asyncio.ensure_future(keep_busy(c)) for c in slow]
    await asyncio.sleep(0.8)  # both started and, past 0.5 s, in diplokg's long lane
    cheap = (f'ASK {{ ?s ?p "cheap {i}" }}' for i in itertools.count())
    run = await load(port, path, cheap, 1, seconds)
    done.set()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for c in slow:
        c.close()
    return run


# --------------------------------------------------------------------------------------------
# One dataset
# --------------------------------------------------------------------------------------------


@dataclass
class Figures:
    """What one dataset's runs measured, by server."""

    project: str
    quads: int
    starts: dict[str, list[float]] = field(default_factory=dict)
    cold_start_s: float | None = None
    oxigraph_load_s: float | None = None
    memory: dict[str, tuple[float, float]] = field(default_factory=dict)
    runs: list[tuple[str, int, str, Run]] = field(default_factory=list)  # mix, conc, server
    isolation: dict[str, Run] = field(default_factory=dict)

    def run(self, mix: str, conc: int, server: str) -> Run | None:
        return next((r for m, c, s, r in self.runs if (m, c, s) == (mix, conc, server)), None)


def bench(project: Project, args: argparse.Namespace, concurrencies: tuple[int, ...]) -> Figures:
    defaults, bound = canned_queries(project)
    figures = Figures(project.name, project.quads)
    dk = diplokg_server(project)
    ox, loaded = oxigraph_server(project)
    figures.oxigraph_load_s = loaded
    for server in (dk, ox):
        print(f"# {project.name}: starting {server.name} ...", file=sys.stderr, flush=True)
        starts = []
        try:
            if server is dk and not (project.work / "stores").is_dir():
                server.start()  # loads the store
                figures.cold_start_s = server.first_answer_s
                server.stop()
            for _ in range(args.starts if "start" in args.cells else 1):
                server.stop()
                server.start()
                starts.append(server.first_answer_s)
            if "start" in args.cells:
                figures.starts[server.name] = starts
            server.ready()
            if "memory" in args.cells:
                figures.memory[server.name] = server.memory_mb()
            mixes: list[tuple[str, Callable[[], Iterator[str]]]] = [
                ("canned", lambda: cycle(defaults)),
                ("canned, parameters", lambda: cycle(bound)),
                ("ad hoc", adhoc_queries),
            ]
            for mix, queries in mixes:
                if CELL_OF_MIX[mix] not in args.cells:
                    continue
                for conc in concurrencies if mix != "canned, parameters" else (8,):
                    print(f"#   {mix} c={conc}", file=sys.stderr, flush=True)
                    run = asyncio.run(load(server.port, server.path, queries(), conc, args.seconds))
                    figures.runs.append((mix, conc, server.name, run))
            if "isolation" in args.cells:
                print("#   isolation", file=sys.stderr, flush=True)
                figures.isolation[server.name] = asyncio.run(
                    cheap_under_slow(server.port, server.path, args.seconds)
                )
        finally:
            server.stop()
    print_figures(figures)
    return figures


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b and not math.isnan(a) and not math.isnan(b) else "-"


def _errors(run: Run) -> str:
    if not run.errors:
        return "0"
    detail = ", ".join(f"{n}×{'timeout' if s == 0 else s}" for s, n in sorted(run.statuses.items()))
    return f"{run.errors} ({detail})"


def print_figures(f: Figures) -> None:
    print(f"\n## {f.project}: {f.quads:,} quads\n")
    print("| mix | conc | server | req/s | p50 ms | p99 ms | errors | req/s vs ox | p99 vs ox |")
    print("|---|---:|---|---:|---:|---:|---|---:|---:|")
    for mix, conc, server, run in f.runs:
        ref = f.run(mix, conc, "oxigraph")
        print(
            f"| {mix} | {conc} | {server} | {run.rps:.0f} | {run.pct(0.5):.1f} | "
            f"{run.pct(0.99):.1f} | {_errors(run)} | "
            f"{ratio(run.rps, ref.rps) if ref else '-'} | "
            f"{ratio(run.pct(0.99), ref.pct(0.99)) if ref else '-'} |"
        )
    print()
    for name, starts in f.starts.items():
        spread = f"{min(starts):.2f}-{max(starts):.2f}" if starts else "-"
        median = statistics.median(starts) if starts else math.nan
        pss, rss = f.memory.get(name, (math.nan, math.nan))
        print(
            f"- {name}: first answer {median:.2f} s after process start (median of "
            f"{len(starts)}, {spread} s), store loaded; memory after start {pss:.0f} MB PSS, "
            f"{rss:.0f} MB RSS summed over its processes"
        )
    if f.cold_start_s is not None:
        print(f"- diplokg: first start, loading its store: first answer {f.cold_start_s:.1f} s")
    if f.oxigraph_load_s is not None:
        print(f"- oxigraph: `oxigraph load` took {f.oxigraph_load_s:.1f} s")
    for name, run in f.isolation.items():
        print(
            f"- {name}: a cheap query while two slow ones run: {len(run.latencies)} answers, "
            f"p50 {run.pct(0.5):.1f} ms, p99 {run.pct(0.99):.1f} ms, errors {_errors(run)}"
        )


def goals(f: Figures) -> list[Goal]:
    """Each serving goal of issue 16 measured on this dataset, beside Oxigraph's figure."""
    out = []
    name = f.project
    starts, ox_starts = f.starts.get("diplokg", []), f.starts.get("oxigraph", [])
    if starts:
        median = statistics.median(starts)
        ox = statistics.median(ox_starts) if ox_starts else math.nan
        goal = GOAL_START_S[name]
        out.append(
            Goal(
                f"{name}-start",
                f"{name}: first answer after start (store loaded), median of {len(starts)}",
                f"{median:.2f} s ({min(starts):.2f}-{max(starts):.2f})",
                f"<= {goal} s",
                f"Oxigraph {ox:.2f} s ({ratio(median, ox)})",
                median <= goal,
            )
        )
    if "diplokg" in f.memory:
        pss, rss = f.memory["diplokg"]
        ox_pss, _ = f.memory.get("oxigraph", (math.nan, math.nan))
        goal_mb = GOAL_MEMORY_MB[name]
        out.append(
            Goal(
                f"{name}-memory",
                f"{name}: memory after start, PSS (RSS summed over its processes)",
                f"{pss:.0f} MB ({rss:.0f} MB)",
                f"<= {goal_mb} MB",
                f"Oxigraph {ox_pss:.0f} MB ({ratio(pss, ox_pss)})",
                pss <= goal_mb,
            )
        )
    canned, ref = f.run("canned", 8, "diplokg"), f.run("canned", 8, "oxigraph")
    if canned:
        p99 = canned.pct(0.99)
        alternative = (
            f"Oxigraph p99 {ref.pct(0.99):.1f} ms, {ref.errors} errors "
            f"({ratio(p99, ref.pct(0.99))})"
            if ref
            else ""
        )
        out.append(
            Goal(
                f"{name}-canned",
                f"{name}: canned (defaults) c=8: p99, errors ({canned.rps:.0f} req/s)",
                f"{p99:.1f} ms, {_errors(canned)}",
                f"<= {GOAL_CANNED_P99_MS} ms, 0",
                alternative,
                p99 <= GOAL_CANNED_P99_MS and canned.errors == 0,
            )
        )
    adhoc, ref = f.run("ad hoc", 8, "diplokg"), f.run("ad hoc", 8, "oxigraph")
    if adhoc and ref and ref.rps:
        out.append(
            Goal(
                f"{name}-adhoc",
                f"{name}: ad hoc c=8: throughput (errors)",
                f"{adhoc.rps:.1f} req/s ({_errors(adhoc)})",
                f">= {GOAL_ADHOC_RATIO}x Oxigraph",
                f"Oxigraph {ref.rps:.1f} req/s ({_errors(ref)}) ({ratio(adhoc.rps, ref.rps)})",
                adhoc.rps / ref.rps >= GOAL_ADHOC_RATIO,
            )
        )
    mine, theirs = f.isolation.get("diplokg"), f.isolation.get("oxigraph")
    if mine and theirs:
        r = mine.pct(0.99) / theirs.pct(0.99)
        out.append(
            Goal(
                f"{name}-isolation",
                f"{name}: cheap query while two slow run: p99",
                f"{mine.pct(0.99):.1f} ms",
                f"<= {GOAL_ISOLATION_RATIO}x Oxigraph",
                f"Oxigraph {theirs.pct(0.99):.1f} ms ({ratio(mine.pct(0.99), theirs.pct(0.99))})",
                r <= GOAL_ISOLATION_RATIO,
            )
        )
    return out


# --------------------------------------------------------------------------------------------
# Abuse (issue 12): deadline-long queries looping, memory, the lexer
# --------------------------------------------------------------------------------------------

# An 820-byte query whose blank-node list of 400 items makes Oxigraph plan for seconds.
DEADLINE_QUERY = "SELECT * { ?s ?p (" + "[]" * 400 + ") }"
HUNDRED = "a" * 100
MEMORY_QUERY = (
    f'SELECT (STRLEN(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE("aaaaaaaaaa", "a", "{HUNDRED}"), '
    f'"a", "{HUNDRED}"), "a", "{HUNDRED}"), "a", "{HUNDRED}"), "a", "{HUNDRED}")) AS ?n) {{}}'
)
LEXER_INPUTS = ("a-", "a.", "<a", "'''a' ")


async def _looping_client(port: int, path: str, query: str, source: str, stop: float) -> int:
    """Sends `query` again and again from the loopback address `source` until `stop`."""
    sent = 0
    target = path + "?query=" + urllib.parse.quote(query)
    request = f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    while time.perf_counter() < stop:
        try:
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", port, local_addr=(source, 0)
            )
            writer.write(request)
            await asyncio.wait_for(reader.read(), max(0.1, stop - time.perf_counter() + 15))
            writer.close()
        except (TimeoutError, OSError):
            await asyncio.sleep(0.05)
        sent += 1
    return sent


async def cheap_under_abuse(
    port: int, path: str, seconds: float, attackers: int
) -> tuple[Run, int]:
    """A cheap-query client while `attackers` clients (127.0.0.2...) loop deadline-long
    queries; the cheap run and the number of long queries sent."""
    stop = time.perf_counter() + seconds
    loops = [
        asyncio.ensure_future(_looping_client(port, path, DEADLINE_QUERY, f"127.0.0.{i + 2}", stop))
        for i in range(attackers)
    ]
    await asyncio.sleep(min(2.0, seconds / 4))  # let them take what they can
    cheap = (f'ASK {{ ?s ?p "cheap {i}" }}' for i in itertools.count())
    run = await load(port, path, cheap, 1, max(1.0, stop - time.perf_counter()))
    sent = sum(await asyncio.gather(*loops))
    return run, sent


def peak_memory_during(server: Server, query: str, seconds: float) -> tuple[float, int]:
    """Peak RSS summed (MB) of the server's processes while `query` runs, and its status."""
    result: list[int] = []

    async def send() -> None:
        conn = Conn(server.port)
        try:
            status, _ = await conn.get(server.path + "?query=" + urllib.parse.quote(query), 120)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            status = 0
        result.append(status)
        conn.close()

    thread = threading.Thread(target=lambda: asyncio.run(send()), daemon=True)
    thread.start()
    peak = 0.0
    end = time.perf_counter() + seconds
    while thread.is_alive() and time.perf_counter() < end:
        peak = max(peak, server.memory_mb()[1])
        time.sleep(0.02)
    thread.join(timeout=120)
    return peak, result[0] if result else 0


def lexer_ratio() -> list[str]:
    """The query checker's lexer on adversarial inputs at n and 8n (ratio 1.0: linear)."""
    from diplokg.protocol import QueryRejected, inspect_query

    out = []
    for unit in LEXER_INPUTS:
        times = []
        for n in (2000, 16000):
            query = "SELECT * { " + unit * n + " }"
            t = time.perf_counter()
            with contextlib.suppress(QueryRejected):
                inspect_query(query, 10**6)
            times.append(time.perf_counter() - t)
        r = times[1] / times[0] / 8 if times[0] else math.nan
        out.append(
            f"lexer on {unit!r} x2000: {times[0] * 1000:.1f} ms, x16000: {times[1] * 1000:.1f} ms;"
            f" time per character at 8n over n: {r:.2f} (1.0 is linear)"
        )
    return out


def abuse(project: Project, args: argparse.Namespace) -> None:
    print("\n## Abuse (issue 12): cheap queries while clients loop deadline-long queries\n")
    lines: list[str] = []
    dk = diplokg_server(project)
    dk.cmd = [part for part in dk.cmd if part not in ("--trusted-proxy", "127.0.0.1")]
    for server in (dk, oxigraph_server(project)[0]):
        print(f"# abuse: starting {server.name} ...", file=sys.stderr, flush=True)
        try:
            server.start()
            run, sent = asyncio.run(
                cheap_under_abuse(server.port, server.path, args.abuse_seconds, args.attackers)
            )
            total = len(run.latencies) + run.errors
            ok = len(run.latencies) / total if total else 0.0
            p99 = run.pct(0.99)
            met = ok >= 0.99 and p99 < 1000
            lines.append(
                f"{'MET' if met else 'MISSED'} {server.name}: cheap queries {ok:.1%} answered "
                f"({len(run.latencies)} of {total}), p50 {run.pct(0.5):.1f} ms, p99 {p99:.1f} ms "
                f"while {args.attackers} clients sent {sent} deadline-long queries "
                "(goal: >= 99 % and p99 in milliseconds)"
            )
            if server.name == "diplokg":
                peak, status = peak_memory_during(server, MEMORY_QUERY, 60)
                lines.append(
                    f"diplokg: peak memory of the server's processes during a memory-hungry "
                    f"query: {peak:.0f} MB (answer {status}; --max-query-memory caps each worker)"
                )
        finally:
            server.stop()
    for line in lines + lexer_ratio():
        print(f"- {line}")


# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="3 s cells, a 60-page collection")
    ap.add_argument("--seconds", type=float, default=None, help="duration of each cell (20)")
    ap.add_argument("--starts", type=int, default=None, help="starts timed per server (5)")
    ap.add_argument("--pages", type=int, default=None, help="pages of the collection (600)")
    ap.add_argument("--only", choices=["seed", "collection"], default=None)
    ap.add_argument("--abuse-seconds", type=float, default=None, help="abuse run (20)")
    ap.add_argument("--attackers", type=int, default=4, help="clients looping long queries")
    ap.add_argument("--skip-abuse", action="store_true")
    ap.add_argument(
        "--cells",
        default=",".join(CELLS),
        help=f"the cells to run, comma-separated, among {','.join(CELLS)} (all)",
    )
    args = ap.parse_args(argv)
    args.cells = {c.strip() for c in args.cells.split(",") if c.strip()}
    if not args.cells <= set(CELLS):
        ap.error(f"--cells: unknown {', '.join(sorted(args.cells - set(CELLS)))}")
    args.seconds = args.seconds or (3.0 if args.quick else 20.0)
    args.starts = args.starts or (2 if args.quick else 5)
    args.pages = args.pages or (60 if args.quick else 600)
    args.abuse_seconds = args.abuse_seconds or (5.0 if args.quick else 20.0)
    full = (1, 8, 32) if not args.quick else (8,)

    load_before = os.getloadavg()
    print(f"# {os.cpu_count()} CPUs; {args.seconds:g} s per cell; 127.0.0.1 only")
    print(f"# load average at start: {' '.join(f'{x:.2f}' for x in load_before)}")
    results: list[Figures] = []
    if args.only in (None, "seed"):
        project = seed()
        results.append(bench(project, args, full))
        if not args.skip_abuse:
            abuse(project, args)
    if args.only in (None, "collection"):
        project = collection(args.pages)
        results.append(bench(project, args, (8,)))
    print("\n## Goals of issue 16 (serving), this run\n")
    print("| figure | measured | goal | alternative (ratio) | |")
    print("|---|---|---|---|---|")
    measured = [g for figures in results for g in goals(figures)]
    for g in measured:
        verdict = "MET" if g.met else "MISSED"
        print(f"| {g.figure} | {g.measured} | {g.goal} | {g.alternative} | {verdict} |")
    note = "" if args.pages == 600 else f"a collection of {args.pages} pages, not 600"
    if args.seconds < 20:
        note += ("; " if note else "") + f"{args.seconds:g} s cells"
    if args.cells != set(CELLS):
        note += ("; " if note else "") + f"only {', '.join(c for c in CELLS if c in args.cells)}"
    record("endpoint", measured, note)
    print(f"\n# load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
