"""Benchmark: building the whole collection, from scratch and after one page changed.

Generates the synthetic collection (`benchmarks/collection.py`, default 600 pages), then:

1. builds it from scratch (`diplokg build --force`, no cache): wall time, and the peak resident
   memory of the build's process tree (the build and its worker processes, sampled every
   50 ms from /proc);
2. changes one page and builds again: wall time and what the build says it reused;
3. checks the closure of a sample page against owlrl's (`reason.infer` with each reasoner on
   the page's asserted and enrichment graphs: the same filtered inferred triples);
4. prints each figure with the goal of issue 16 and MET or MISSED, and the load average
   (the machine may be shared: the figures are wall times), and records the goals for
   `benchmarks/goals.py` (the summary `make bench` prints last).

Run: `.venv/bin/python benchmarks/build.py [--pages 600] [--quick] [--folder DIR] [--keep]`
(`--quick`: 60 pages; the goals are set for 600).
Profile a build of a generated collection in one process (`--workers 1` makes the units in
the building process, so the profiler sees them):
`DIPLOKG_ROOT=DIR .venv/bin/pyinstrument -m diplokg.cli build --force --workers 1`, or
`py-spy record -o build.svg -- .venv/bin/diplokg build --force` (`--subprocesses` for the
workers). Figures are printed, never asserted: tests do not time anything.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from collection import quad_count, write_collection
from goals import Goal, record

GOAL_SECONDS = 60.0
GOAL_GB = 4.0


def _tree_rss(root: int) -> int:
    """Resident bytes of process `root` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        total += rss.get(pid, 0)
        pending.extend(children.get(pid, ()))
    return total


def run_build(root: Path, *extra: str) -> tuple[float, int, str]:
    """`diplokg build --force` on the project in `root`: seconds, peak bytes, its output.

    Each progress line of the output ends with the peak RSS of the tree sampled while that
    step ran (from the line before it to this one: `[peak 1.23 GB]`), so the output says
    which step holds the memory."""
    env = {**os.environ, "DIPLOKG_ROOT": str(root), "PYTHONUNBUFFERED": "1"}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "diplokg.cli", "build", "--force", *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peak = 0
    step_peak = 0  # since the last progress line
    lock = threading.Lock()
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, step_peak
        while not done.is_set():
            rss = _tree_rss(process.pid)
            with lock:
                peak = max(peak, rss)
                step_peak = max(step_peak, rss)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        with lock:
            seen, step_peak = step_peak, 0
        lines.append(f"{line.rstrip()}  [peak {seen / 1e9:.2f} GB]" if seen else line.rstrip())
    process.wait()
    output = "\n".join(lines) + "\n"
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"build failed ({process.returncode}):\n{output}")
    return seconds, peak, output


def change_one_page(root: Path) -> str:
    """Edit the French label of one page's official visit, as a curator would; return the page."""
    page = sorted((root / "graph").glob("*.txt"))[len(list((root / "graph").glob("*.txt"))) // 2]
    facts = page.with_suffix(".ttl")
    text = facts.read_text(encoding="utf-8")
    facts.write_text(text.replace('"Visite officielle', '"Visite d’État', 1), encoding="utf-8")
    return page.stem


def owlrl_sample(root: Path) -> tuple[str, bool, int, float, float]:
    """Whether reasonable and owlrl infer the same on one page: (page, same, inferred, seconds
    of reasonable, seconds of owlrl)."""
    from rdflib import Graph

    from diplokg.build import statements
    from diplokg.build.evidence import strip_quotes
    from diplokg.build.reason import infer
    from diplokg.rdfio import parse_turtle

    page = sorted((root / "graph").glob("*.txt"))[0]
    ontology = parse_turtle(root / "ontology" / "diplokg.ttl")
    facts = parse_turtle(page.with_suffix(".ttl"))
    statements.strip_states(facts)
    strip_quotes(facts)
    statements.strip_interpretations(facts)
    enrichment = parse_turtle(page.with_name(f"{page.stem}.enrichment.ttl"))
    graphs: list[Graph] = [facts, enrichment]
    started = time.perf_counter()
    fast = infer(ontology, graphs, "reasonable").inferred
    fast_s = time.perf_counter() - started
    reference = infer(ontology, graphs, "owlrl").inferred
    reference_s = time.perf_counter() - started - fast_s
    return page.stem, fast == reference, len(reference), fast_s, reference_s


def _verdict(met: bool) -> str:
    return "MET" if met else "MISSED"


def _steps(output: str) -> str:
    keep = ("units", "parse", "evidence", "reason", "derive", "validate", "merge", "write")
    return "\n".join(f"    {line}" for line in output.splitlines() if line.startswith(keep))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=None, help="default 600")
    parser.add_argument("--quick", action="store_true", help="60 pages")
    parser.add_argument("--countries", type=int, default=200)
    parser.add_argument("--folder", type=Path, default=None, help="default: a temporary one")
    parser.add_argument("--keep", action="store_true", help="keep the generated folder")
    args = parser.parse_args()
    args.pages = args.pages or (60 if args.quick else 600)
    folder = args.folder or Path(tempfile.mkdtemp(prefix="diplokg-collection-"))
    try:
        started = time.perf_counter()
        write_collection(folder, args.pages, args.countries)
        shutil.rmtree(folder / "build", ignore_errors=True)
        shutil.rmtree(folder / "dist", ignore_errors=True)
        print(f"collection: {args.pages} pages written in {time.perf_counter() - started:.1f} s")
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        seconds, peak, output = run_build(folder)
        quads = quad_count(folder / "dist")
        print(f"from scratch ({quads:,} quads):")
        print(_steps(output))
        changed = change_one_page(folder)
        again, again_peak, again_output = run_build(folder)
        reused = next((ln for ln in again_output.splitlines() if ln.startswith("reused")), "")
        print(f"after changing {changed}:")
        print(_steps(again_output))
        print(f"    {reused}")
        page, same, inferred, fast_s, reference_s = owlrl_sample(folder)
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        made = re.search(r"made (\d+)", reused)
        size = f"{args.pages} pages, {quads:,} quads"
        goals = [
            Goal(
                "build-wall",
                f"build of the collection from scratch ({size}): wall",
                f"{seconds:.1f} s",
                f"<= {GOAL_SECONDS:.0f} s",
                "",
                seconds <= GOAL_SECONDS,
            ),
            Goal(
                "build-peak",
                "build of the collection from scratch: peak RSS, build + workers",
                f"{peak / 1e9:.2f} GB",
                f"<= {GOAL_GB:.0f} GB",
                "",
                peak <= GOAL_GB * 1e9,
            ),
            Goal(
                "rebuild-reuse",
                f"rebuild after {changed} changed: pages remade ({again:.1f} s; {reused})",
                made.group(1) if made else "?",
                "1",
                f"from scratch {seconds:.1f} s ({again / seconds:.2f}x)",
                made is not None and made.group(1) == "1",
            ),
            Goal(
                "closure",
                f"closure of {page} = owlrl's ({inferred} inferred)",
                "yes" if same else "NO",
                "yes",
                f"owlrl {reference_s:.2f} s, reasonable {fast_s:.2f} s "
                f"({reference_s / fast_s:.1f}x)",
                same,
            ),
        ]
        print()
        print(f"{'figure':<64}{'measured':>12}  {'goal':<10}verdict")
        for g in goals:
            print(
                f"{g.figure[:63]:<64}{g.measured:>12}  {g.goal:<10}{'MET' if g.met else 'MISSED'}"
            )
        print(f"rebuild after one page changed: {again:.1f} s, peak {again_peak / 1e9:.2f} GB")
        note = "" if args.pages == 600 else f"{args.pages} pages, not 600: a quick run"
        record("build", goals, note)
    finally:
        if not args.keep and args.folder is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
