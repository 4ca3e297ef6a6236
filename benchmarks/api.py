"""Benchmark: the notebook API (`KnowledgeGraph`) against the alternatives a researcher would
reach for, on the built dataset.

Timed, best of `--repeat` runs each: loading dist/dataset.nq (an Oxigraph store against an
rdflib Dataset with a union default graph); running every canned SELECT query of queries/ into
DataFrames, typed and labelled by the API against raw pyoxigraph results put in a DataFrame as
strings (what the typing and label look-ups cost); the same queries over HTTP through
`KnowledgeGraph.remote` against our endpoint on 127.0.0.1 (in-process server, a free port;
first run, then best of the runs its answer cache serves);
and, with `--rdflib`, rdflib's own SPARQL engine into `pd.DataFrame(result.bindings)` (slow:
minutes, which is why the API embeds Oxigraph). It prints seconds and ratios; nothing is
asserted (tests never time anything).

Run: `.venv/bin/python benchmarks/api.py [--repeat 3] [--rdflib]` (builds dist/ if needed).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyoxigraph as ox
from rdflib import Dataset

from diplokg import KnowledgeGraph
from diplokg.build import ensure_built
from diplokg.config import Settings
from diplokg.queries import load_catalogue

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.conftest


def best(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    """The shortest wall time of `repeat` runs of `work`, and its last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return min(times), result


def raw_frames(store: Any, texts: dict[str, str]) -> dict[str, pd.DataFrame]:
    """pyoxigraph answers as DataFrames of N-Triples strings: no typing, no labels."""
    frames = {}
    for name, text in texts.items():
        solutions = store.query(text, use_default_graph_as_union=True)
        names = [v.value for v in solutions.variables]
        rows = [[None if t is None else str(t) for t in solution] for solution in solutions]
        frames[name] = pd.DataFrame(rows, columns=names)
    return frames


def rdflib_frames(dataset: Dataset, texts: dict[str, str]) -> dict[str, pd.DataFrame]:
    frames = {}
    for name, text in texts.items():
        result = dataset.query(text)
        rows = [{str(k): v for k, v in row.items()} for row in result.bindings]
        frames[name] = pd.DataFrame(rows)
    return frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rdflib", action="store_true", help="also time rdflib's SPARQL engine")
    args = parser.parse_args()
    settings = Settings()
    data = ensure_built(settings)
    texts = {
        name: query.render({})
        for name, query in sorted(load_catalogue(settings.queries_dir).items())
        if query.form == "SELECT"
    }
    print(f"dataset: {data} ({sum(1 for _ in data.open(encoding='utf-8'))} quads)")
    print(f"queries: {len(texts)} canned SELECT queries, default parameters")

    def load_rdflib() -> Dataset:
        dataset = Dataset(default_union=True)
        dataset.parse(data, format="nquads")
        return dataset

    t_ox_load, kg = best(args.repeat, lambda: KnowledgeGraph.load(data, settings=settings))
    t_rdf_load, dataset = best(args.repeat, load_rdflib)

    def api_frames() -> dict[str, pd.DataFrame]:
        fresh = KnowledgeGraph(kg.backend)  # an empty label cache, as a new session has
        return {name: fresh.sparql(text) for name, text in texts.items()}

    t_api, frames = best(args.repeat, api_frames)
    store = ox.Store()
    store.load(path=data, format=ox.RdfFormat.N_QUADS)
    t_raw, raw = best(args.repeat, lambda: raw_frames(store, texts))
    rows = {"api": sum(len(f) for f in frames.values()), "raw": sum(len(f) for f in raw.values())}

    from tests.conftest import serve_app as serve

    with serve(settings, data) as server, KnowledgeGraph.remote(server.sparql) as far:

        def remote_frames() -> dict[str, pd.DataFrame]:
            fresh = KnowledgeGraph(far.backend)
            return {name: fresh.sparql(text) for name, text in texts.items()}

        t_cold, _ = best(1, remote_frames)  # the endpoint caches answers: first run is cold
        t_remote, remote = best(args.repeat, remote_frames)
    rows["remote"] = sum(len(f) for f in remote.values())
    steps = [
        ("load: KnowledgeGraph.load (Oxigraph)", t_ox_load, t_ox_load),
        ("load: rdflib Dataset.parse", t_rdf_load, t_ox_load),
        ("queries -> typed DataFrames (embedded)", t_api, t_api),
        ("queries -> raw pyoxigraph DataFrames", t_raw, t_api),
        ("queries -> typed DataFrames (HTTP, cold)", t_cold, t_api),
        ("queries -> typed DataFrames (HTTP, cached)", t_remote, t_api),
    ]
    if args.rdflib:
        t_rdf, rdf = best(1, lambda: rdflib_frames(dataset, texts))
        rows["rdflib"] = sum(len(f) for f in rdf.values())
        steps.append(("queries -> rdflib SPARQL DataFrames (1 run)", t_rdf, t_api))

    print(f"{'step':<44}{'seconds':>10}{'ratio':>10}")
    for label, seconds, reference in steps:
        print(f"{label:<44}{seconds:>10.3f}{seconds / reference:>10.2f}")
    print("rows: " + ", ".join(f"{k} {v}" for k, v in rows.items()))


if __name__ == "__main__":
    main()
