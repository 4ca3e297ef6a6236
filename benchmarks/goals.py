"""The goals of issue 16, gathered from the benchmarks of one `make bench` run.

Each benchmark (`build.py`, `endpoint.py`, `api.py`) prints its own figures and records every
goal it measured with `record(script, rows)` in `build/bench/goals/<script>.json` (git-ignored);
`make bench` removes those files first (`python benchmarks/goals.py --reset`) and prints them
all at the end (`python benchmarks/goals.py`): each goal with its figure, the goal, the named
alternative measured in the same run (and the ratio to it), MET or MISSED, and the load average
of each benchmark (the machine may be shared). A goal a benchmark did not reach (it failed, or
was skipped) is printed as NOT MEASURED.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

FOLDER = Path(__file__).resolve().parents[1] / "build" / "bench" / "goals"

# Every goal of issue 16, in the order: key -> (script, what is measured). A run of
# `make bench` prints them all; one missing from the records is printed as NOT MEASURED.
EXPECTED = {
    "build-wall": ("build", "build of the collection from scratch: wall"),
    "build-peak": ("build", "build of the collection from scratch: peak RSS"),
    "rebuild-reuse": ("build", "rebuild after one page changed: pages remade"),
    "closure": ("build", "closure of a sample page = owlrl's"),
    "collection-canned": ("endpoint", "collection: canned (defaults) c=8: p99, errors"),
    "collection-adhoc": ("endpoint", "collection: ad hoc c=8: throughput"),
    "seed-start": ("endpoint", "seed: first answer after start"),
    "collection-start": ("endpoint", "collection: first answer after start (store loaded)"),
    "seed-memory": ("endpoint", "seed: memory after start"),
    "collection-memory": ("endpoint", "collection: memory after start"),
    "seed-isolation": ("endpoint", "seed: cheap query while two slow run: p99"),
    "collection-isolation": ("endpoint", "collection: cheap query while two slow run: p99"),
    "seed-notebook": ("api", "seed: load() + canned queries as DataFrames"),
    "collection-notebook": ("api", "collection: load() + canned queries as DataFrames"),
}


@dataclass(frozen=True)
class Goal:
    """One measured goal (`key` of `EXPECTED`): what was measured, the goal, the alternative's
    figure and the ratio to it ("" when the goal names no alternative), and whether it was met."""

    key: str
    figure: str
    measured: str
    goal: str
    alternative: str
    met: bool


def record(script: str, goals: list[Goal], note: str = "") -> None:
    """Write `goals` as `script`'s part of this run (atomically), with the load average."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    data = {"note": note, "load": load, "goals": [asdict(g) for g in goals]}
    path = FOLDER / f"{script}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)


def table() -> list[str]:
    """The Markdown table of every goal of this run, expected ones not measured included."""
    lines = [
        "| goal | measured | goal | alternative, same run (ratio) | |",
        "|---|---|---|---|---|",
    ]
    seen: set[str] = set()
    loads = []
    for script in ("build", "endpoint", "api"):
        path = FOLDER / f"{script}.json"
        if not path.is_file():
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        loads.append(f"{script}.py: load average at its end {data['load']}")
        if data["note"]:
            loads[-1] += f"; {data['note']}"
        for goal in data["goals"]:
            g = Goal(**goal)
            seen.add(g.key)
            verdict = "MET" if g.met else "MISSED"
            lines.append(
                f"| {g.figure} | {g.measured} | {g.goal} | {g.alternative or '-'} | {verdict} |"
            )
    for key, (script, figure) in EXPECTED.items():
        if key not in seen:
            lines.append(f"| {figure} | - | - | - | NOT MEASURED ({script}.py) |")
    return lines + [""] + [f"- {line}" for line in loads]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reset", action="store_true", help="forget the previous run's goals")
    args = parser.parse_args()
    if args.reset:
        shutil.rmtree(FOLDER, ignore_errors=True)
        return
    print("\n## Goals of issue 16, this run (`make bench`)\n")
    print("\n".join(table()))


if __name__ == "__main__":
    main()
