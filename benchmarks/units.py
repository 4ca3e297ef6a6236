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

`--against REF` (a git commit or branch, e.g. `main`) measures the units of the code at REF too,
in the same run: each code in its own process (the REF's `src/` exported with `git archive`
into a temporary folder and put first on the path; this script is the same for both), the two
alternating `--rounds` times, and prints the ratio of their CPU per unit and function calls.
`--collection N` also makes every unit of an N-page synthetic collection, written into
`build/bench-units-N/` (kept for the next run), with `diplokg.build.units.make_units` (worker
processes, no cache) and prints its wall seconds and the CPU seconds of the workers.

Run: `.venv/bin/python benchmarks/units.py [--repeat 5] [--pages 600] [--profile 25]
[--against main [--rounds 2]] [--collection 60]`. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from collection import write_collection

from diplokg.build import shacl, validate
from diplokg.build.pipeline import discover
from diplokg.build.units import DocumentFiles, SharedInputs, make_unit, make_units
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


def collection_units(pages: int) -> dict[str, float]:
    """Wall seconds of `make_units` over an N-page collection and the CPU seconds of its
    workers (and of this process), every unit made (no cache)."""
    folder = ROOT / "build" / f"bench-units-{pages}"
    if not (folder / "graph").is_dir():
        write_collection(folder, pages=pages, countries=max(1, pages // 3))
    settings = Settings(root=folder)
    documents = [DocumentFiles(d.name, d.text, d.facts, d.enrichment) for d in discover(settings)]
    shared = SharedInputs(
        settings.ontology_file, settings.shapes_file, settings.rules_dir, "reasonable"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu, wall = time.process_time(), time.perf_counter()
    make_units(documents, shared, "bench", None)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {
        "pages": len(documents),
        "wall": time.perf_counter() - wall,
        "cpu": workers + time.process_time() - cpu,
    }


def _this_code(args: argparse.Namespace) -> None:
    """Measure the code on the path; one JSON object a line (`--json`), else readable lines."""
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="diplokg-units-") as tmp:
        write_collection(Path(tmp), pages=2, countries=1)
        pages = {
            "seed": _unit_inputs(Settings(root=ROOT), 0),
            "synthetic": _unit_inputs(Settings(root=Path(tmp)), 1),
        }
        if not args.json:
            print(
                f"# load average {os.getloadavg()[0]:.2f}, {cores} cores, {args.repeat} units each"
            )
        original = shacl.Pattern.of
        for name, (doc, shared) in pages.items():
            for variant in ("Pattern", "store") if not args.json else ("Pattern",):
                # the alternative: every SPARQL target run by the store, as before issue 16
                shacl.Pattern.of = original if variant == "Pattern" else (lambda select: None)  # type: ignore[method-assign]
                validate._CHECKERS.clear()  # a checker reads its targets once
                cpu, steps, calls = measure(doc, shared, args.repeat)
                phase = cpu * args.pages / cores
                if args.json:
                    print(json.dumps({"page": name, "cpu": cpu, "calls": calls, "steps": steps}))
                    continue
                print(
                    f"{name:9} targets by {variant:7}: CPU {cpu * 1000:5.0f} ms/unit, "
                    f"{calls} calls; {args.pages} units on {cores} cores ~ {phase:5.0f} s "
                    f"(goal for the whole build 60 s: {'MET' if phase <= 60 else 'MISSED'}); "
                    "steps (wall ms) " + " ".join(f"{k} {v * 1000:.0f}" for k, v in steps.items())
                )
            shacl.Pattern.of = original  # type: ignore[method-assign]
            validate._CHECKERS.clear()
        if args.collection:
            found = collection_units(args.collection)
            if args.json:
                print(json.dumps({"page": f"collection-{args.collection}", **found}))
            else:
                print(
                    f"collection of {found['pages']:.0f} pages: make_units {found['wall']:.1f} s "
                    f"wall, {found['cpu']:.1f} s CPU ({found['cpu'] / found['pages'] * 1000:.0f} "
                    "ms/unit)"
                )
        if args.profile:
            doc, shared = pages["synthetic"]
            profile = cProfile.Profile()
            profile.enable()
            make_unit(doc, shared, "bench")
            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(args.profile)


def _against(args: argparse.Namespace) -> None:
    """This code and the code at `args.against`, each in its own processes, alternating."""
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="diplokg-units-ref-") as tmp:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.against, "src"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        codes = {"this": str(ROOT / "src"), args.against: str(Path(tmp) / "src")}
        command = [sys.executable, __file__, "--json", "--repeat", str(args.repeat)]
        if args.collection:
            command += ["--collection", str(args.collection)]
        results: dict[str, dict[str, list[dict[str, float]]]] = {code: {} for code in codes}
        print(f"# {cores} cores, {args.repeat} units each, {args.rounds} round(s): this code")
        print(f"# against the code at {args.against}")
        for round_ in range(args.rounds):
            for code, path in codes.items():
                load = os.getloadavg()[0]
                env = {**os.environ, "PYTHONPATH": path}
                out = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
                for line in out.stdout.splitlines():
                    found = json.loads(line)
                    results[code].setdefault(found["page"], []).append(found)
                print(f"# round {round_ + 1} {code}: load average {load:.2f} at its start")
        for page in results["this"]:
            new, old = results["this"][page], results[args.against][page]
            if page.startswith("collection"):
                n, o = min(r["cpu"] for r in new), min(r["cpu"] for r in old)
                pages = new[0]["pages"]
                print(
                    f"{page}: workers' CPU {n:.1f} s ({n / pages * 1000:.0f} ms/unit) against "
                    f"{o:.1f} s ({o / pages * 1000:.0f} ms/unit) at {args.against}: "
                    f"{o / n:.2f}x; wall {min(r['wall'] for r in new):.1f} s against "
                    f"{min(r['wall'] for r in old):.1f} s"
                )
                continue
            n, o = min(r["cpu"] for r in new), min(r["cpu"] for r in old)
            calls_n, calls_o = new[0]["calls"], old[0]["calls"]
            phase = n * args.pages / cores
            print(
                f"{page:9}: CPU {n * 1000:4.0f} ms/unit against {o * 1000:4.0f} at "
                f"{args.against} ({o / n:.2f}x; best of {args.rounds}), calls {calls_n} against "
                f"{calls_o} ({calls_o / calls_n:.2f}x); {args.pages} units on {cores} cores "
                f"~ {phase:.0f} s against {o * args.pages / cores:.0f} s (goal for the whole "
                f"build 60 s: {'MET' if phase <= 60 else 'MISSED'})"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--profile", type=int, default=0, help="top N functions of one unit")
    parser.add_argument("--against", help="a git commit or branch to measure in the same run")
    parser.add_argument("--rounds", type=int, default=2, help="with --against: alternations")
    parser.add_argument("--collection", type=int, default=0, help="make N pages' units too")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.against:
        _against(args)
    else:
        _this_code(args)


if __name__ == "__main__":
    main()
