"""Benchmark: what one document unit of the build costs (`diplokg.build.units.make_unit`).

Makes the unit of the seed page and of one synthetic page (`benchmarks/collection.py`, written
into a temporary folder) `--repeat` times in this process, after one unit that parses the
shared inputs, and prints for each: the CPU seconds per unit (`time.process_time`, less
sensitive than wall time to a shared machine, not immune to it), the wall seconds of each step
(`Unit.seconds`), the function calls per unit (cProfile: counted work, the same on a busy
machine), and what a collection's unit phase would take at that CPU cost: `--pages` units on
`os.cpu_count()` cores. The named alternative, in the same run: the same unit with the SHACL
SPARQL target run by a pyoxigraph store (the checker before issue 16) instead of
`shacl.Pattern`. `--profile N` prints the N most expensive functions (own time) of one unit.

Run: `.venv/bin/python benchmarks/units.py [--repeat 5] [--pages 600] [--profile 25]`.
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from collection import write_collection

from diplokg.build import shacl, validate
from diplokg.build.pipeline import discover
from diplokg.build.units import DocumentFiles, SharedInputs, make_unit
from diplokg.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def _unit_inputs(settings: Settings, index: int) -> tuple[DocumentFiles, SharedInputs]:
    doc = discover(settings)[index]
    shared = SharedInputs(
        settings.ontology_file, settings.shapes_file, settings.rules_dir, "reasonable"
    )
    return DocumentFiles(doc.name, doc.text, doc.facts, doc.enrichment), shared


def measure(
    doc: DocumentFiles, shared: SharedInputs, repeat: int
) -> tuple[float, dict[str, float], int]:
    """CPU seconds per unit, wall seconds per step (mean), function calls of one unit."""
    make_unit(doc, shared, "bench")  # the shared inputs, parsed once per process
    steps: dict[str, float] = {}
    started = time.process_time()
    for _ in range(repeat):
        unit = make_unit(doc, shared, "bench")
        for step, seconds in unit.seconds.items():
            steps[step] = steps.get(step, 0.0) + seconds / repeat
    cpu = (time.process_time() - started) / repeat
    profile = cProfile.Profile()
    profile.enable()
    make_unit(doc, shared, "bench")
    profile.disable()
    return cpu, steps, pstats.Stats(profile, stream=io.StringIO()).total_calls  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--profile", type=int, default=0, help="top N functions of one unit")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="diplokg-units-") as tmp:
        write_collection(Path(tmp), pages=2, countries=1)
        pages = {
            "seed": _unit_inputs(Settings(root=ROOT), 0),
            "synthetic": _unit_inputs(Settings(root=Path(tmp)), 1),
        }
        print(f"# load average {os.getloadavg()[0]:.2f}, {cores} cores, {args.repeat} units each")
        original = shacl.Pattern.of
        for name, (doc, shared) in pages.items():
            for variant in ("Pattern", "store"):
                # the alternative: every SPARQL target run by the store, as before issue 16
                shacl.Pattern.of = original if variant == "Pattern" else (lambda select: None)  # type: ignore[method-assign]
                validate._CHECKERS.clear()  # a checker reads its targets once
                cpu, steps, calls = measure(doc, shared, args.repeat)
                phase = cpu * args.pages / cores
                print(
                    f"{name:9} targets by {variant:7}: CPU {cpu * 1000:5.0f} ms/unit, "
                    f"{calls} calls; {args.pages} units on {cores} cores ~ {phase:5.0f} s "
                    f"(goal for the whole build 60 s: {'MET' if phase <= 60 else 'MISSED'}); "
                    "steps (wall ms) " + " ".join(f"{k} {v * 1000:.0f}" for k, v in steps.items())
                )
            shacl.Pattern.of = original  # type: ignore[method-assign]
            validate._CHECKERS.clear()
        if args.profile:
            doc, shared = pages["synthetic"]
            profile = cProfile.Profile()
            profile.enable()
            make_unit(doc, shared, "bench")
            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(args.profile)


if __name__ == "__main__":
    main()
