"""An attack on the fast path (`diplokg.server.fastpath`): queries crafted to look cheap, and a
flood of the costliest queries it does answer, against `diplokg serve` on 127.0.0.1.

The dataset is synthetic and large enough that a scan shows (`--quads`, 400,000 by default,
written once into build/bench/attack/, git-ignored): subjects <http://example.org/sN>, ten
predicates, literal objects, in 40 named graphs. Two parts, each bounded in time:

- each crafted query once: which path answered it (the `/health` counter `stats.fast_path`),
  its status and its time; a query that looks cheap but is not must go to a worker;
- a cheap client (`ASK { ?s ?p "cheap N" }`, one connection) alone, then while another client
  floods (8 connections) the costliest query the fast path accepts (OFFSET 900 LIMIT 100 as
  SPARQL JSON, a new text each time), then while it floods the same query through the workers
  (a comment sends it there): the cheap client's p50 and p99 in each case.

Prints figures; asserts nothing. The alternative is the worker path of the same server.

    .venv/bin/python benchmarks/fastpath_attack.py [--quads 400000] [--seconds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

from endpoint import BIN, Conn, Run, Server, load

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "bench" / "attack"
EX = "http://example.org/"

CRAFTED = {
    "cheap ASK (control)": 'ASK { ?s ?p "cheap 0" }',
    "ASK with FILTER, scans all": 'ASK { ?s ?p ?o FILTER(STR(?o) = "nothing") }',
    "FILTER hidden after a comment": 'ASK { ?s ?p ?o #\n FILTER(STR(?o) = "nothing") }',
    "FILTER inside a string": "ASK { ?s ?p \"} FILTER(STR(?o) = 'x') {\" }",
    "huge OFFSET": "SELECT ?s { ?s ?p ?o } OFFSET 100000000 LIMIT 1",
    "OFFSET at the bound": "SELECT ?s { ?s ?p ?o } OFFSET 900 LIMIT 100",
    "GRAPH variable": 'ASK { GRAPH ?g { ?s ?p "nothing" } }',
    "blank nodes, repeated": "ASK { _:b ?p _:b }",
    "repeated variable ?s ?s ?s": "ASK { ?s ?s ?s }",
    "repeated variable ?s ?p ?s": "ASK { ?s ?p ?s }",
    "LIMIT 0 after a large OFFSET": "SELECT ?s { ?s ?p ?o } OFFSET 900 LIMIT 0",
    "a keyword": "ASK { ?s a ?o }",
    "language tag": 'ASK { ?s ?p "value 7"@en }',
    "datatype": f'ASK {{ ?s ?p "7"^^<{EX}type> }}',
    "unicode escape in an IRI": "ASK { <http://example.org/\\u0073\\u0031> ?p ?o }",
    "unicode escape in a string": 'ASK { ?s ?p "value \\u0037" }',
    "property path": f"ASK {{ ?s <{EX}p0>/<{EX}p1> ?o }}",
    "sub-select": "ASK { { SELECT ?s { ?s ?p ?o } ORDER BY ?o LIMIT 1 } }",
    "DISTINCT": "SELECT DISTINCT ?o { ?s ?p ?o } LIMIT 10",
    "VALUES": "SELECT ?s { ?s ?p ?o } LIMIT 10 VALUES ?o { 1 }",
}


def dataset(quads: int) -> Path:
    path = WORK / f"attack-{quads}.nq"
    if path.is_file():
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        for i in range(quads):
            out.write(
                f'<{EX}s{i // 10}> <{EX}p{i % 10}> "value {i}"@en <{EX}g{i % 40}> .\n'
                if i % 2
                else f'<{EX}s{i // 10}> <{EX}p{i % 10}> "{i}"^^<{EX}type> <{EX}g{i % 40}> .\n'
            )
    tmp.replace(path)
    return path


async def health(port: int) -> dict[str, int]:
    conn = Conn(port)
    try:
        _, body = await conn.get("/health")
        return dict(json.loads(body)["stats"])
    finally:
        conn.close()


async def crafted(port: int) -> None:
    print("| crafted query | path | status | ms |")
    print("|---|---|---:|---:|")
    conn = Conn(port, "10.9.0.1")
    for name, query in CRAFTED.items():
        before = (await health(port))["fast_path"]
        started = time.perf_counter()
        status, _ = await conn.get("/sparql?query=" + urllib.parse.quote(query), timeout=60)
        ms = (time.perf_counter() - started) * 1000
        fast = (await health(port))["fast_path"] - before
        print(f"| {name} | {'fast path' if fast else 'worker'} | {status} | {ms:.1f} |")
    conn.close()


async def flood(port: int, queries: Iterator[str], seconds: float) -> int:
    """8 connections of one client sending `queries` until `seconds` pass."""
    stop = time.perf_counter() + seconds
    sent = 0

    async def one() -> None:
        nonlocal sent
        conn = Conn(port, "10.9.0.2")
        while time.perf_counter() < stop:
            target = "/sparql?query=" + urllib.parse.quote(next(queries))
            try:
                await conn.get(target, timeout=seconds + 30)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                conn.close()
            sent += 1
        conn.close()

    await asyncio.gather(*(one() for _ in range(8)))
    return sent


async def cheap_while(port: int, seconds: float, flooding: Iterator[str] | None) -> tuple[Run, int]:
    cheap = (f'ASK {{ ?s ?p "cheap {i}" }}' for i in itertools.count())
    if flooding is None:
        return await load(port, "/sparql", cheap, 1, seconds), 0
    task = asyncio.ensure_future(flood(port, flooding, seconds + 0.5))
    await asyncio.sleep(0.3)
    run = await load(port, "/sparql", cheap, 1, seconds)
    return run, await task


def costly(comment: bool) -> Iterator[str]:
    for i in itertools.count():
        text = f"SELECT ?s ?p ?o {{ ?s ?p ?o }} OFFSET {900 - i % 50} LIMIT 100"
        yield text + (f" # {i}" if comment else "")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quads", type=int, default=400_000)
    ap.add_argument("--seconds", type=float, default=8.0)
    args = ap.parse_args()
    print(f"# load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    data = dataset(args.quads)
    cmd = [str(BIN / "diplokg"), "serve", "--port", "{port}", "--data", str(data)]
    cmd += ["--trusted-proxy", "127.0.0.1", "--store-dir", str(WORK / "stores")]
    server = Server("diplokg", cmd, "/sparql", {"DIPLOKG_ROOT": str(ROOT)})
    server.start()
    try:
        time.sleep(1.0)  # the server process opens its read-only store after the first query
        print(f"\n## Crafted queries ({args.quads:,} quads in 40 graphs)\n")
        asyncio.run(crafted(server.port))
        print("\n## A cheap client while another floods (8 connections, SPARQL JSON)\n")
        print("| flood | cheap answers | p50 ms | p99 ms | errors | flood requests |")
        print("|---|---:|---:|---:|---|---:|")
        cases: list[tuple[str, Iterator[str] | None]] = [
            ("none", None),
            ("OFFSET 900 LIMIT 100, fast path", costly(comment=False)),
            ("the same through the workers", costly(comment=True)),
        ]
        for name, queries in cases:
            run, sent = asyncio.run(cheap_while(server.port, args.seconds, queries))
            print(
                f"| {name} | {len(run.latencies)} | {run.pct(0.5):.2f} | {run.pct(0.99):.2f} | "
                f"{run.errors} | {sent} |"
            )
    finally:
        server.stop()
    print(f"\n# load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
