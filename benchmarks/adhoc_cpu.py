"""CPU per query of the ad hoc mix (`benchmarks/endpoint.py`), diplokg against Oxigraph: counted
work, which a busy machine changes less than it changes throughput.

Both servers as `endpoint.py` starts them, on the seed's served dump (run `endpoint.py --only
seed` once first: it loads both stores); one client sends the same ad hoc queries to each, one
at a time (no two texts alike, so no cache answers), by template; the CPU seconds of each
server's process tree (the server process and its workers) are read before and after. Prints
milliseconds of CPU per query by template and in all, and the ratio; asserts nothing.

    .venv/bin/python benchmarks/adhoc_cpu.py [--queries 500]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import time
import urllib.parse

import psutil
from endpoint import Conn, Server, adhoc_queries, diplokg_server, oxigraph_server
from projects import seed

TEMPLATES = 5  # adhoc_queries() cycles through five templates


def tree_cpu(pid: int) -> float:
    root = psutil.Process(pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


async def send(server: Server, queries: list[str]) -> None:
    conn = Conn(server.port, "10.7.0.1")
    for query in queries:
        status, _ = await conn.get(server.path + "?query=" + urllib.parse.quote(query))
        if status != 200:
            raise RuntimeError(f"{server.name} answered {status} to {query!r}")
    conn.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--queries", type=int, default=500, help="per template and server")
    args = ap.parse_args()
    print(f"# load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    project = seed()
    every = list(itertools.islice(adhoc_queries(), TEMPLATES * (args.queries + 10)))
    warm, measured = every[: TEMPLATES * 10], every[TEMPLATES * 10 :]
    cpu: dict[str, list[float]] = {}
    for server in (diplokg_server(project), oxigraph_server(project)[0]):
        server.start()
        try:
            server.ready()
            asyncio.run(send(server, warm))
            cpu[server.name] = []
            for t in range(TEMPLATES):
                batch = measured[t::TEMPLATES]
                assert server.proc is not None
                before = tree_cpu(server.proc.pid)
                asyncio.run(send(server, batch))
                cpu[server.name].append((tree_cpu(server.proc.pid) - before) / len(batch))
        finally:
            server.stop()
        time.sleep(0.5)
    print("\n| template | diplokg ms CPU/query | Oxigraph ms CPU/query | ratio |")
    print("|---|---:|---:|---:|")
    for t in range(TEMPLATES):
        text = " ".join(measured[t].split())[-60:]
        mine, theirs = cpu["diplokg"][t] * 1000, cpu["oxigraph"][t] * 1000
        print(f"| `…{text}` | {mine:.2f} | {theirs:.2f} | {mine / theirs:.2f}x |")
    mine = sum(cpu["diplokg"]) / TEMPLATES * 1000
    theirs = sum(cpu["oxigraph"]) / TEMPLATES * 1000
    print(f"| all | {mine:.2f} | {theirs:.2f} | {mine / theirs:.2f}x |")
    print(f"\n# load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
