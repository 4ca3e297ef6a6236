"""Benchmark: the notebook API (`KnowledgeGraph`) against the alternatives a researcher would
reach for, on the seed and on the collection (600 pages, `benchmarks/projects.py`).

The goal of issue 16: `KnowledgeGraph.load()` plus every canned query (default parameters) as
typed, labelled DataFrames, in <= 0.5 s on the seed and <= 10 s on the collection. Each run is
a fresh process (a new notebook session: empty label cache, pandas and diplokg imported before
the clock starts, their import time reported apart), `--repeat` runs, the median kept. The
alternative measured in the same run: raw pyoxigraph, the same queries' answers put in
DataFrames as strings (no typing, no labels): on the seed a store read into memory from
`dist/dataset.nq`, on the collection the same on-disk store the API opens (`Store.read_only`),
as reading seven million quads into memory takes minutes. A session still running at twelve
times its goal (30 s at least) is stopped and reported as such. The collection's store is loaded
once before timing, by a first `KnowledgeGraph.load(keep_answers=True)`, which keeps the typed
answers of the canned queries for their defaults beside it (`diplokg.api.StoredAnswers`; its
time is reported: once per build), as `benchmarks/endpoint.py`'s servers' stores are loaded
before they are timed.

On the seed it also times, in this process (best of `--repeat`), loading into an rdflib Dataset
with a union default graph, and the queries over HTTP through `KnowledgeGraph.remote` against
our endpoint on 127.0.0.1 (in-process server, a free port; first run, then the runs its answer
cache serves); with `--rdflib`, rdflib's own SPARQL engine into `pd.DataFrame(result.bindings)`
(slow: minutes, which is why the API embeds Oxigraph). It prints seconds and ratios, and records
the goals for `benchmarks/goals.py`; nothing is asserted (tests never time anything).

Run: `.venv/bin/python benchmarks/api.py [--repeat 5] [--quick] [--only seed|collection]
[--rdflib]` (`--quick`: a 60-page collection, 3 runs).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

GOAL_S = {"seed": 0.5, "collection": 10.0}


def best(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    """The shortest wall time of `repeat` runs of `work`, and its last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return min(times), result


def raw_frames(store: Any, texts: dict[str, str]) -> dict[str, Any]:
    """pyoxigraph answers as DataFrames of N-Triples strings: no typing, no labels."""
    import pandas as pd

    frames = {}
    for name, text in texts.items():
        solutions = store.query(text, use_default_graph_as_union=True)
        names = [v.value for v in solutions.variables]
        rows = [[None if t is None else str(t) for t in solution] for solution in solutions]
        frames[name] = pd.DataFrame(rows, columns=names)
    return frames


def child(kind: str, root: str, store_dir: str, store: str) -> None:
    """One timed session in this fresh process; prints one JSON line."""
    started = time.perf_counter()
    import pandas  # noqa: F401  (a notebook has it already)
    import pyoxigraph as ox

    from diplokg import KnowledgeGraph
    from diplokg.config import Settings

    imports = time.perf_counter() - started
    settings = Settings(root=Path(root), store_dir=Path(store_dir))
    started = time.perf_counter()
    if kind == "notebook":
        kg = KnowledgeGraph.load(settings=settings)
        print(json.dumps({"step": "load()", "seconds": time.perf_counter() - started}), flush=True)
        frames = {}
        for name in sorted(kg.catalogue):  # each step printed: a stopped session shows where
            begun = time.perf_counter()
            frames[name] = kg.query(name)
            step = {"step": name, "seconds": time.perf_counter() - begun, "rows": len(frames[name])}
            print(json.dumps(step), flush=True)
    else:
        from diplokg.queries import load_catalogue

        texts = {n: q.render({}) for n, q in sorted(load_catalogue(settings.queries_dir).items())}
        if store:
            db = ox.Store.read_only(store)
        else:
            db = ox.Store()
            db.load(path=settings.dist_dir / "dataset.nq", format=ox.RdfFormat.N_QUADS)
        frames = raw_frames(db, texts)
    seconds = time.perf_counter() - started
    rows = sum(len(f) for f in frames.values())
    print(
        json.dumps({"seconds": seconds, "imports": imports, "queries": len(frames), "rows": rows})
    )


def session(kind: str, root: Path, store_dir: Path, store: str, limit: float) -> dict[str, Any]:
    """One fresh-process session; stopped after `limit` seconds (then "seconds" is None)."""
    try:
        run = subprocess.run(
            [sys.executable, __file__, "--child", kind, str(root), str(store_dir), store],
            capture_output=True,
            text=True,
            check=False,
            timeout=limit,
        )
    except subprocess.TimeoutExpired as stopped:
        out = stopped.stdout or b""
        text = out.decode() if isinstance(out, bytes) else out
        return {
            "seconds": None,
            "imports": math.nan,
            "queries": 0,
            "rows": 0,
            "steps": _steps(text),
        }
    if run.returncode != 0:
        raise SystemExit(f"{kind} session failed:\n{run.stderr}")
    lines = run.stdout.strip().splitlines()
    result: dict[str, Any] = json.loads(lines[-1])
    result["steps"] = _steps(run.stdout)
    return result


def _steps(stdout: str) -> list[dict[str, Any]]:
    """The steps a notebook session printed (load(), then each query) before it ended."""
    steps = []
    for line in stdout.splitlines():
        try:
            found = json.loads(line)
        except ValueError:
            continue
        if isinstance(found, dict) and "step" in found:
            steps.append(found)
    return steps


def slowest(runs: list[dict[str, Any]], limit: float) -> str:
    """The last run's slowest steps, and the step a stopped run was in."""
    steps = runs[-1].get("steps", [])
    top = sorted(steps, key=lambda s: -s["seconds"])[:4]
    text = ", ".join(f"{s['step']} {s['seconds']:.2f} s" for s in top)
    if runs[-1]["seconds"] is None:
        last = steps[-1]["step"] if steps else "the imports"
        text += f"; stopped at {limit:.0f} s in the step after {last}"
    return text


def sessions(
    kind: str, repeat: int, root: Path, store_dir: Path, store: str, limit: float
) -> list[dict[str, Any]]:
    """`repeat` sessions, or fewer: one stopped at `limit` is not tried again."""
    done = []
    for _ in range(repeat):
        done.append(session(kind, root, store_dir, store, limit))
        if done[-1]["seconds"] is None:
            break
    return done


def summary(runs: list[dict[str, Any]], limit: float) -> tuple[float, str]:
    """The median seconds (inf when a run was stopped) and how to print it."""
    if any(r["seconds"] is None for r in runs):
        return math.inf, f"over {limit:.0f} s (stopped)"
    times = [r["seconds"] for r in runs]
    median = statistics.median(times)
    return median, f"{median:.2f} s ({min(times):.2f}-{max(times):.2f}, {runs[0]['rows']} rows)"


def seed_extras(repeat: int, with_rdflib: bool) -> None:
    """The seed's in-process comparisons: rdflib's load, raw pyoxigraph, HTTP, rdflib SPARQL."""
    import pandas as pd
    from rdflib import Dataset

    from diplokg import KnowledgeGraph
    from diplokg.build import ensure_built
    from diplokg.config import Settings
    from diplokg.queries import load_catalogue

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.conftest
    from tests.conftest import serve_app as serve

    settings = Settings()
    data = ensure_built(settings)
    texts = {n: q.render({}) for n, q in sorted(load_catalogue(settings.queries_dir).items())}

    def load_rdflib() -> Dataset:
        dataset = Dataset(default_union=True)
        dataset.parse(data, format="nquads")
        return dataset

    t_ox_load, kg = best(repeat, lambda: KnowledgeGraph.load(data, settings=settings))
    t_rdf_load, dataset = best(repeat, load_rdflib)

    def api_frames() -> dict[str, pd.DataFrame]:
        fresh = KnowledgeGraph(kg.backend)  # an empty label cache, as a new session has
        return {name: fresh.sparql(text) for name, text in texts.items()}

    t_api, _ = best(repeat, api_frames)
    with serve(settings, data) as server, KnowledgeGraph.remote(server.sparql) as far:

        def remote_frames() -> dict[str, pd.DataFrame]:
            fresh = KnowledgeGraph(far.backend)
            return {name: fresh.sparql(text) for name, text in texts.items()}

        t_cold, _ = best(1, remote_frames)  # the endpoint caches answers: first run is cold
        t_remote, _ = best(repeat, remote_frames)
    steps = [
        ("load: KnowledgeGraph.load(dataset.nq)", t_ox_load, t_ox_load),
        ("load: rdflib Dataset.parse", t_rdf_load, t_ox_load),
        ("queries -> typed DataFrames (embedded)", t_api, t_api),
        ("queries -> typed DataFrames (HTTP, cold)", t_cold, t_api),
        ("queries -> typed DataFrames (HTTP, cached)", t_remote, t_api),
    ]
    if with_rdflib:

        def rdflib_frames() -> int:
            rows = 0
            for text in texts.values():
                result = dataset.query(text)
                rows += len(pd.DataFrame([dict(r) for r in result.bindings]))
            return rows

        t_rdf, _ = best(1, rdflib_frames)
        steps.append(("queries -> rdflib SPARQL DataFrames (1 run)", t_rdf, t_api))
    print(f"\nseed, in this process (best of {repeat}):")
    print(f"{'step':<46}{'seconds':>10}{'ratio':>10}")
    for label, seconds, reference in steps:
        print(f"{label:<46}{seconds:>10.3f}{seconds / reference:>10.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=None, help="sessions per figure (5)")
    parser.add_argument("--quick", action="store_true", help="a 60-page collection, 3 runs")
    parser.add_argument("--pages", type=int, default=None, help="pages of the collection (600)")
    parser.add_argument("--only", choices=["seed", "collection"], default=None)
    parser.add_argument("--rdflib", action="store_true", help="also time rdflib's SPARQL engine")
    parser.add_argument("--child", nargs=4, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    from goals import Goal, record
    from projects import collection, seed

    from diplokg import KnowledgeGraph
    from diplokg.config import Settings
    from diplokg.dataset import DATASET_FILE
    from diplokg.server.stores import open_store

    repeat = args.repeat or (3 if args.quick else 5)
    pages = args.pages or (60 if args.quick else 600)
    print(f"# load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    measured = []
    for name in ("seed", "collection"):
        if args.only not in (None, name):
            continue
        project = seed() if name == "seed" else collection(pages)
        store_dir = project.work / "stores"  # the endpoint benchmark's servers' stores
        store = ""  # the seed's file is read into memory, as KnowledgeGraph.load reads it
        if name == "collection":  # the store KnowledgeGraph.load opens (dataset.nq's)
            # A first session, through the same public call: the store loaded and the default
            # answers kept beside it (`StoredAnswers`), once per content.
            started = time.perf_counter()
            settings = Settings(root=project.root, store_dir=store_dir)
            with KnowledgeGraph.load(settings=settings, keep_answers=True) as first:
                kept = len(first.catalogue)
            loading = time.perf_counter() - started
            print(
                f"# {name}: first KnowledgeGraph.load() (store loaded and {kept} default answers"
                f" kept, when not already there): {loading:.1f} s"
            )
            store = str(open_store(settings.dist_dir / DATASET_FILE, settings).path)
        limit = max(30.0, 12 * GOAL_S[name])  # a session past it is stopped: MISSED anyway
        notebook = sessions("notebook", repeat, project.root, store_dir, "", limit)
        raw = sessions("raw", repeat, project.root, store_dir, store, limit)
        ours, ours_text = summary(notebook, limit)
        theirs, theirs_text = summary(raw, limit)
        imports = statistics.median(r["imports"] for r in notebook)  # nan when stopped
        print(
            f"\n{name} ({project.quads:,} quads), fresh process each, median of {len(notebook)}:\n"
            f"  KnowledgeGraph.load() + every canned query -> typed DataFrames: {ours_text}; "
            f"imports before it {imports:.2f} s\n"
            f"  raw pyoxigraph ({'on-disk store' if store else 'read into memory'}) -> string "
            f"DataFrames: {theirs_text}"
        )
        print(f"  notebook's slowest steps (last run): {slowest(notebook, limit)}")
        ratio = f"{ours / theirs:.2f}x" if math.isfinite(ours) and math.isfinite(theirs) else "-"
        measured.append(
            Goal(
                f"{name}-notebook",
                f"{name}: load() + every canned query as DataFrames (fresh process"
                + (f", imports apart: {imports:.2f} s)" if math.isfinite(imports) else ")"),
                ours_text,
                f"<= {GOAL_S[name]:g} s",
                f"raw pyoxigraph {theirs_text} ({ratio})",
                ours <= GOAL_S[name],
            )
        )
        if name == "seed":
            seed_extras(repeat, args.rdflib)
    note = "" if pages == 600 or args.only == "seed" else f"a collection of {pages} pages"
    record("api", measured, note)


if __name__ == "__main__":
    main()
