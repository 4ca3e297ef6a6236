"""Endpoint benchmark (issue 5): `diplokg serve` against `oxigraph serve-read-only` and plain
rdflib-endpoint, on the same dataset and the same queries, all on 127.0.0.1.

Prints requests/s, p50, p99 and errors for a mix of canned queries and a mix of unique ad
hoc queries at concurrency 1, 8 and 32, with ratios to Oxigraph; the p99 of a cheap query
while two slow queries run; the time from process start to the first answer; and the same
on a synthetic dataset of one million triples of the same shape (load time, memory). Then
the abuse scenario of issue 12: the success ratio and p99 of a cheap-query client while
several clients (other loopback addresses) loop deadline-long queries, against Oxigraph too;
the peak memory of the server's processes during a memory-hungry query; and the query
checker's lexer on adversarial inputs at two sizes.

    python benchmarks/endpoint.py                   # 20 s per cell, as in the issue
    python benchmarks/endpoint.py --seconds 3       # shorter, on a busy machine
    python benchmarks/endpoint.py --only-abuse --abuse-seconds 10

The load generator is a minimal HTTP/1.1 keep-alive client on asyncio, so that the client
costs the same, and little, for every server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CONCURRENCY = (1, 8, 32)
MILLION = 1_000_000
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


# --------------------------------------------------------------------------------------------
# Dataset and queries
# --------------------------------------------------------------------------------------------


def dataset_file(work: Path) -> tuple[Path, str]:
    """The built dataset if present; else the curated graph and ontology in named graphs."""
    built = ROOT / "dist" / "dataset.nq"
    if built.is_file():
        return built, "dist/dataset.nq (built)"
    import pyoxigraph as ox

    from diplokg.namespaces import GRAPH_ASSERTED, GRAPH_ENRICHMENT, GRAPH_ONTOLOGY

    sources = [(ROOT / "ontology" / "diplokg.ttl", GRAPH_ONTOLOGY)]
    for ttl in sorted((ROOT / "graph").glob("*.ttl")):
        sources.append((ttl, GRAPH_ENRICHMENT if "enrichment" in ttl.name else GRAPH_ASSERTED))
    store = ox.Store()
    for path, graph in sources:
        if path.is_file():
            store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph))
    out = work / "dataset.nq"
    store.dump(str(out), format=ox.RdfFormat.N_QUADS)
    return out, "graph/*.ttl + ontology (dist/ not built)"


def million_file(small: Path, work: Path) -> tuple[Path, int]:
    """Copies of the dataset, resources and blank nodes renamed per copy, to 1M quads."""
    lines = [ln for ln in small.read_text(encoding="utf-8").splitlines() if ln.strip()]
    resource = re.compile(r"<(https://w3id\.org/diplokg/resource/[^>]*)>")
    bnode = re.compile(r"_:([A-Za-z0-9]+)")
    out = work / "million.nq"
    seen: set[str] = set()
    with out.open("w", encoding="utf-8") as f:
        for k in range(math.ceil(MILLION / max(1, len(lines))) * 3):
            for line in lines:
                line = resource.sub(lambda m, k=k: f"<{m.group(1)}-c{k}>", line)
                line = bnode.sub(lambda m, k=k: f"_:{m.group(1)}c{k}", line)
                if line not in seen:
                    seen.add(line)
                    f.write(line + "\n")
                    if len(seen) >= MILLION:
                        return out, len(seen)
    return out, len(seen)


def canned_queries(data: Path) -> tuple[list[str], str]:
    """The catalogue as the canned-query API runs it (defaults bound); else a fixed set.

    Parameters without a default stay unbound (the query runs as written), except
    `resource`: an unbound entity card is a dump of the dataset, so it gets the most described
    resource, as a user opening a card would.
    """
    from diplokg.queries import load_catalogue

    catalogue = load_catalogue(ROOT / "queries") if any((ROOT / "queries").glob("*.rq")) else {}
    if catalogue:
        subject = _most_described(data)
        texts = []
        for query in catalogue.values():
            given = {p.name: subject for p in query.params if p.name == "resource"}
            texts.append(query.render(given))
        return texts, f"{len(texts)} canned queries (queries/*.rq, defaults bound)"
    return [
        PREFIXES + "SELECT ?class (COUNT(?s) AS ?n) { ?s a ?class } GROUP BY ?class "
        "ORDER BY DESC(?n)",
        PREFIXES + 'SELECT ?s ?label { ?s rdfs:label ?label FILTER(LANG(?label) = "fr") } '
        "ORDER BY ?s LIMIT 100",
        "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
        "SELECT ?p (COUNT(*) AS ?n) { ?s ?p ?o } GROUP BY ?p ORDER BY DESC(?n) LIMIT 20",
        PREFIXES + "SELECT ?e ?d { ?e ?when ?d FILTER(DATATYPE(?d) = xsd:date) } ORDER BY ?d",
        PREFIXES + "SELECT ?s ?p ?o ?label { ?s ?p ?o OPTIONAL { ?o rdfs:label ?label } "
        'FILTER(CONTAINS(STR(?s), "hollande")) } ORDER BY ?s ?p',
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s a ?c ; ?p ?o } LIMIT 200",
        "ASK { ?s ?p ?o }",
    ], "8 representative queries (queries/ empty)"


def _most_described(data: Path) -> str:
    import pyoxigraph as ox

    from diplokg.namespaces import RES

    store = ox.Store()
    store.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    rows = store.query(
        "SELECT ?s (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } "
        f'FILTER(STRSTARTS(STR(?s), "{RES}")) }} GROUP BY ?s ORDER BY DESC(?n) ?s LIMIT 1'
    )
    assert isinstance(rows, ox.QuerySolutions)
    return next((str(r["s"].value) for r in rows), str(RES))


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


# --------------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    cmd: list[str]
    path: str
    port: int
    prepare: Callable[[], float] | None = None
    env: dict[str, str] | None = None
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    first_answer_s: float = math.nan
    prepare_s: float = 0.0

    @property
    def url_path(self) -> str:
        return self.path

    def start(self) -> None:
        if self.prepare is not None:
            self.prepare_s = self.prepare()
        self.started_at = time.perf_counter()
        self.proc = subprocess.Popen(
            self.cmd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
            env={**os.environ, **(self.env or {})},
        )
        deadline = self.started_at + 600
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}")
            status = asyncio.run(_probe(self.port, self.path))
            if status == 200:
                self.first_answer_s = time.perf_counter() - self.started_at
                return
            time.sleep(0.005)
        raise RuntimeError(f"{self.name} did not answer")

    def memory_mb(self) -> float:
        assert self.proc is not None
        root = psutil.Process(self.proc.pid)
        procs = [root, *root.children(recursive=True)]
        total = 0
        for p in procs:
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
        return total / 1e6

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def make_servers(data: Path, work: Path, tag: str, which: list[str], args: argparse.Namespace):
    servers: list[Server] = []
    if "diplokg" in which:
        port = free_port()
        cmd = [str(BIN / "diplokg"), "serve", "--port", str(port), "--data", str(data)]
        if args.workers:
            cmd += ["--workers", str(args.workers)]
        if args.max_pending:
            cmd += ["--max-pending", str(args.max_pending)]
        # A private store folder: the first start loads the store (cold), a restart opens it.
        cmd += ["--store-dir", str(work / f"diplokg-stores-{tag}")]
        servers.append(Server("diplokg", cmd, "/sparql", port))
    if "oxigraph" in which:
        port = free_port()
        location = work / f"oxigraph-{tag}"

        def load(location: Path = location) -> float:
            shutil.rmtree(location, ignore_errors=True)
            t = time.perf_counter()
            subprocess.run(
                [str(BIN / "oxigraph"), "load", "--location", str(location), "--file", str(data)],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            return time.perf_counter() - t

        cmd = [str(BIN / "oxigraph"), "serve-read-only", "--location", str(location)]
        cmd += ["--bind", f"127.0.0.1:{port}", "--union-default-graph"]
        servers.append(Server("oxigraph", cmd, "/query", port, prepare=load))
    if "rdflib-endpoint" in which:
        port = free_port()
        cmd = [sys.executable, __file__, "--serve-rdflib", str(data), "--port", str(port)]
        servers.append(Server("rdflib-endpoint", cmd, "/sparql", port))
    return servers


def serve_rdflib(data: Path, port: int) -> None:
    """Plain rdflib-endpoint 0.6.3 as shipped, over an rdflib Dataset with union default."""
    import rdflib
    import uvicorn
    from rdflib_endpoint import SparqlEndpoint

    ds = rdflib.Dataset(default_union=True)
    ds.parse(str(data), format="nquads")
    app = SparqlEndpoint(graph=ds, path="/sparql")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


# --------------------------------------------------------------------------------------------
# Load generator
# --------------------------------------------------------------------------------------------


class Conn:
    """One keep-alive HTTP/1.1 connection; handles Content-Length and chunked bodies."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, target: str, timeout: float = 60) -> tuple[int, bytes]:
        return await asyncio.wait_for(self._get(target), timeout)

    async def _get(self, target: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        request = (
            f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nAccept: {ACCEPT}\r\n\r\n"
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
        status, _ = await conn.get(path + "?query=" + urllib.parse.quote(CHEAP_QUERY), timeout=2)
        return status
    except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
        return 0
    finally:
        conn.close()


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return math.nan
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(q * len(data)))] * 1000


async def load(port: int, path: str, queries: Iterator[str], concurrency: int, seconds: float):
    run = Run()
    stop = time.perf_counter() + seconds

    async def client() -> None:
        conn = Conn(port)
        while time.perf_counter() < stop:
            target = path + "?query=" + urllib.parse.quote(next(queries))
            t = time.perf_counter()
            try:
                status, _ = await conn.get(target, timeout=seconds + 10)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                run.errors += 1
                conn.close()
                continue
            if status == 200:
                run.latencies.append(time.perf_counter() - t)
            else:
                run.errors += 1
        conn.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    run.seconds = time.perf_counter() - t0
    return run


def cycle(items: list[str]) -> Iterator[str]:
    while True:
        yield from items


async def cheap_under_slow(port: int, path: str, seconds: float) -> Run:
    """p99 of a cheap query, one client, while two slow queries run (not waited for)."""
    slow = [Conn(port), Conn(port)]
    target = path + "?query=" + urllib.parse.quote(SLOW_QUERY)
    tasks = [asyncio.ensure_future(c.get(target, timeout=seconds + 5)) for c in slow]
    await asyncio.sleep(0.3)  # let both start
    # Unique text, so that no cache answers for the engine.
    cheap = (f'ASK {{ ?s ?p "cheap {i}" }}' for i in itertools.count())
    run = await load(port, path, cheap, 1, seconds)
    for t in tasks:
        t.cancel()
    for c in slow:
        c.close()
    return run


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b and not math.isnan(a) and not math.isnan(b) else "-"


def _oxigraph_runs(rows: list[tuple[str, str, int, str, Run]]) -> dict[tuple[str, int], Run]:
    return {(mix, conc): run for mix, _, conc, server, run in rows if server == "oxigraph"}


def print_table(title: str, rows: list[tuple[str, str, int, str, Run]]) -> None:
    print(f"\n## {title}\n")
    print("| mix | conc | server | req/s | p50 ms | p99 ms | errors | req/s vs ox | p99 vs ox |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    ox = _oxigraph_runs(rows)
    for mix, _, conc, server, run in rows:
        ref = ox.get((mix, conc))
        print(
            f"| {mix} | {conc} | {server} | {run.rps:.0f} | {run.pct(0.5):.1f} | "
            f"{run.pct(0.99):.1f} | {run.errors} | "
            f"{ratio(run.rps, ref.rps) if ref else '-'} | "
            f"{ratio(run.pct(0.99), ref.pct(0.99)) if ref else '-'} |"
        )


def goals(rows: list[tuple[str, str, int, str, Run]]) -> list[str]:
    out = []
    ox = _oxigraph_runs(rows)
    for mix, _, conc, server, run in rows:
        if server != "diplokg" or (mix, conc) not in ox:
            continue
        ref = ox[(mix, conc)]
        need = 1.0 if mix == "canned" else 0.5
        tp = run.rps / ref.rps if ref.rps else math.nan
        p99 = run.pct(0.99) / ref.pct(0.99) if ref.latencies else math.nan
        ok = tp >= need and p99 <= 2 and run.errors == 0
        out.append(
            f"{'MET ' if ok else 'MISS'} {mix:6} c={conc:<2}: throughput {tp:.2f}x "
            f"(goal >= {need}x), p99 {p99:.2f}x (goal <= 2x), errors {run.errors}"
        )
    return out


def bench(
    data: Path,
    work: Path,
    tag: str,
    which: list[str],
    args: argparse.Namespace,
    concurrencies: tuple[int, ...],
    extras: bool,
) -> None:
    canned, canned_src = canned_queries(data)
    rows: list[tuple[str, str, int, str, Run]] = []
    facts: list[str] = []
    for server in make_servers(data, work, tag, which, args):
        print(f"# {tag}: starting {server.name} ...", file=sys.stderr, flush=True)
        try:
            server.start()
        except RuntimeError as exc:
            print(f"# {server.name}: {exc}", file=sys.stderr)
            server.stop()
            continue
        try:
            prep = (
                f" (after a {server.prepare_s:.2f} s `oxigraph load`)" if server.prepare_s else ""
            )
            facts.append(
                f"{server.name}: first answer {server.first_answer_s:.2f} s after process "
                f"start{prep}; memory after start {server.memory_mb():.0f} MB"
            )
            for mix in ("canned", "adhoc"):
                for conc in concurrencies:
                    queries = cycle(canned) if mix == "canned" else adhoc_queries()
                    print(f"#   {mix} c={conc}", file=sys.stderr, flush=True)
                    run = asyncio.run(load(server.port, server.path, queries, conc, args.seconds))
                    rows.append((mix, canned_src, conc, server.name, run))
            facts.append(f"{server.name}: memory after the runs {server.memory_mb():.0f} MB")
            if server.name == "diplokg":
                server.stop()
                server.start()
                facts.append(
                    f"diplokg: restart on the same data: first answer {server.first_answer_s:.2f} s"
                    " after process start (store already loaded)"
                )
            if extras:
                run = asyncio.run(cheap_under_slow(server.port, server.path, args.seconds))
                facts.append(
                    f"{server.name}: cheap query while two slow queries run: "
                    f"{len(run.latencies)} answers, p50 {run.pct(0.5):.1f} ms, "
                    f"p99 {run.pct(0.99):.1f} ms, errors {run.errors}"
                )
        finally:
            server.stop()
    print_table(f"{tag}: {data.name}; canned mix = {canned_src}", rows)
    print()
    for line in facts:
        print(f"- {line}")
    print()
    for line in goals(rows):
        print(f"- {line}")


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
    """A cheap-query client (127.0.0.1) while `attackers` clients (127.0.0.2...) loop
    deadline-long queries; the cheap run and the number of long queries sent."""
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
    """Peak RSS (MB) of the server's processes while `query` runs, and its HTTP status."""
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
        peak = max(peak, server.memory_mb())
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
        ratio = times[1] / times[0] / 8 if times[0] else math.nan
        out.append(
            f"lexer on {unit!r} x2000: {times[0] * 1000:.1f} ms, x16000: {times[1] * 1000:.1f} ms;"
            f" time per character at 8n over n: {ratio:.2f} (1.0 is linear)"
        )
    return out


def abuse(data: Path, work: Path, which: list[str], args: argparse.Namespace) -> None:
    print("\n## Abuse: cheap queries while clients loop deadline-long queries\n")
    lines: list[str] = []
    for server in make_servers(data, work, "abuse", which, args):
        print(f"# abuse: starting {server.name} ...", file=sys.stderr, flush=True)
        try:
            server.start()
        except RuntimeError as exc:
            print(f"# {server.name}: {exc}", file=sys.stderr)
            server.stop()
            continue
        try:
            run, sent = asyncio.run(
                cheap_under_abuse(server.port, server.path, args.abuse_seconds, args.attackers)
            )
            total = len(run.latencies) + run.errors
            ok = len(run.latencies) / total if total else 0.0
            p99 = run.pct(0.99)
            met = ok >= 0.99 and p99 < 1000
            lines.append(
                f"{'MET ' if met else 'MISS'} {server.name}: cheap queries {ok:.1%} answered "
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seconds", type=float, default=20.0, help="duration of each cell")
    ap.add_argument(
        "--servers", default="diplokg,oxigraph,rdflib-endpoint", help="comma-separated subset"
    )
    ap.add_argument("--workers", type=int, default=None, help="diplokg serve --workers")
    ap.add_argument("--max-pending", type=int, default=None, help="diplokg serve --max-pending")
    ap.add_argument("--skip-million", action="store_true")
    ap.add_argument(
        "--million-servers", default="diplokg,oxigraph", help="servers for the 1M-triple run"
    )
    ap.add_argument("--abuse-seconds", type=float, default=30.0, help="duration of the abuse run")
    ap.add_argument("--attackers", type=int, default=4, help="clients looping long queries")
    ap.add_argument("--only-abuse", action="store_true", help="run only the abuse scenario")
    ap.add_argument("--serve-rdflib", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve_rdflib:
        serve_rdflib(args.serve_rdflib, args.port)
        return 0

    print(f"# {os.cpu_count()} CPUs; {args.seconds:g} s per cell; 127.0.0.1 only")
    with tempfile.TemporaryDirectory(prefix="diplokg-bench-") as tmp:
        work = Path(tmp)
        data, source = dataset_file(work)
        n = sum(1 for line in data.open(encoding="utf-8") if line.strip())
        print(f"# dataset: {source}, {n} quads")
        abuse_servers = [s for s in args.servers.split(",") if s != "rdflib-endpoint"]
        if args.only_abuse:
            abuse(data, work, abuse_servers, args)
            return 0
        bench(data, work, "dataset", args.servers.split(","), args, CONCURRENCY, extras=True)
        abuse(data, work, abuse_servers, args)
        if not args.skip_million:
            t = time.perf_counter()
            big, size = million_file(data, work)
            print(
                f"\n# synthetic dataset: {size} quads, generated in {time.perf_counter() - t:.1f} s"
            )
            bench(big, work, "1M", args.million_servers.split(","), args, (8,), extras=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
