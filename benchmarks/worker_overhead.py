"""What a diplokg worker adds to the engine on the ad hoc mix of `benchmarks/endpoint.py`.

The same 300 ad hoc queries on the seed's served dump (`dist/dataset-rdf12.nq`, in memory), in
one process: pyoxigraph's query and SPARQL JSON serializer alone (what `oxigraph serve` does
per request) against `diplokg.results.run_job` (bounded rows, the asked format, the ETag), CPU
seconds twice each, then a cProfile of `run_job`. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/worker_overhead.py   (after `diplokg build`)
"""

from __future__ import annotations

import cProfile
import itertools
import pstats
import sys
import time
from pathlib import Path

import pyoxigraph as ox
from endpoint import adhoc_queries

from diplokg.results import Job, run_job

ROOT = Path(__file__).resolve().parents[1]
QUERIES = list(itertools.islice(adhoc_queries(), 300))


def engine_alone(store: ox.Store) -> None:
    for query in QUERIES:
        answer = store.query(query, use_default_graph_as_union=True)
        answer.serialize(format=ox.QueryResultsFormat.JSON)


def worker(store: ox.Store) -> None:
    for query in QUERIES:
        form = "ASK" if query.startswith("ASK") else "SELECT"
        run_job(store, Job(query, form, "json", None, None, True, None, 10_000, 64 << 20, "x"))


def main() -> int:
    store = ox.Store()
    store.load(path=ROOT / "dist" / "dataset-rdf12.nq", format=ox.RdfFormat.N_QUADS)
    seconds: dict[str, float] = {}
    for name, work in [("pyoxigraph query + serializer", engine_alone), ("run_job", worker)] * 2:
        started = time.process_time()
        work(store)
        seconds[name] = min(seconds.get(name, float("inf")), time.process_time() - started)
    for name, cpu in seconds.items():
        print(f"{name:32} {cpu:.3f} s CPU for {len(QUERIES)} queries")
    ratio = seconds["run_job"] / seconds["pyoxigraph query + serializer"]
    print(f"run_job / engine alone: {ratio:.2f}x")
    profile = cProfile.Profile()
    profile.enable()
    worker(store)
    profile.disable()
    pstats.Stats(profile, stream=sys.stdout).sort_stats("tottime").print_stats(6)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
