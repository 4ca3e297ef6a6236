"""Benchmark: owlrl against reasonable on our graph and on synthetic graphs of the same shape.

For each graph and reasoner, a fresh process computes the filtered inferred graph
(`diplokg.build.reason.infer`) and reports wall time, peak resident memory and a digest of the
inferred triples; the parent prints the ratios and whether both reasoners inferred the same
triples. The synthetic graphs repeat the seed document's asserted and enrichment graphs, each
copy with its own resource IRIs, until they hold about 10k and 100k asserted triples.
Then the whole seed build (`diplokg build --force`, all steps and formats, process start
included) is timed with each reasoner.

Run: `.venv/bin/python benchmarks/reasoning.py [--sizes 10000 100000] [--max-owlrl 100000]`.
Figures are printed, never asserted: tests do not time anything.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.term import Node

from diplokg.build.reason import Reasoner

REPO = Path(__file__).resolve().parents[1]
SEED = "france-kazakhstan-2015"


def _graphs(copies: int) -> tuple[Graph, Graph]:
    """The ontology and `copies` renamed copies of the seed facts (asserted + enrichment)."""
    from diplokg.build import statements
    from diplokg.build.evidence import strip_quotes
    from diplokg.namespaces import RES
    from diplokg.rdfio import parse_turtle

    ontology = parse_turtle(REPO / "ontology" / "diplokg.ttl")
    facts = parse_turtle(REPO / "graph" / f"{SEED}.ttl")
    # What the build reasons over (build/units.py): the facts without the statements' states,
    # quotes and interpretations, which are evidence, not assertions.
    statements.strip_states(facts)
    strip_quotes(facts)
    statements.strip_interpretations(facts)
    facts += parse_turtle(REPO / "graph" / f"{SEED}.enrichment.ttl")
    if copies == 1:
        return ontology, facts
    own = {s for s in facts.subjects() if isinstance(s, URIRef) and s.startswith(str(RES))}
    synthetic = Graph()
    for k in range(copies):

        def rename(term: Node, k: int = k) -> Node:
            return URIRef(f"{term}-copy{k}") if term in own else term

        for s, p, o in facts:
            synthetic.add((rename(s), p, rename(o)))
    return ontology, synthetic


def child(reasoner: Reasoner, copies: int) -> None:
    """Measure one reasoner on one graph; print one JSON line."""
    from diplokg.build.reason import infer
    from diplokg.rdfio import ntriples_lines

    ontology, facts = _graphs(copies)
    started = time.perf_counter()
    result = infer(ontology, [facts], reasoner)
    seconds = time.perf_counter() - started
    digest = hashlib.sha256("".join(ntriples_lines(result.inferred)).encode()).hexdigest()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mb": peak_mb,
                "asserted": len(facts),
                "inferred": len(result.inferred),
                "digest": digest,
            }
        )
    )


def measure(reasoner: str, copies: int) -> dict[str, float | int | str]:
    run = subprocess.run(
        [sys.executable, __file__, "--child", reasoner, "--copies", str(copies)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float | int | str] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def seed_build(reasoner: str) -> float:
    """Wall time of `diplokg build --force` on the seed document, process start included."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "diplokg.cli",
                "build",
                "--force",
                "--reasoner",
                reasoner,
                "--dist",
                str(Path(tmp) / "dist"),
            ],
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--max-owlrl", type=int, default=100_000, help="skip owlrl above this")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--copies", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.copies)
        return

    seed = measure("reasonable", 1)
    per_copy = int(seed["asserted"])
    plan = [("seed graph", 1)] + [
        (f"synthetic ~{size // 1000}k", max(1, round(size / per_copy))) for size in args.sizes
    ]
    print("reasoning (filtered inferred graph), one fresh process per run")
    header = f"{'graph':<16}{'asserted':>9}{'inferred':>9}"
    header += f"{'owlrl s':>9}{'MB':>7}{'reasonable s':>14}{'MB':>7}{'ratio':>8}  same closure"
    print(header)
    for label, copies in plan:
        fast = seed if copies == 1 else measure("reasonable", copies)
        if int(fast["asserted"]) > args.max_owlrl:
            print(
                f"{label:<16}{fast['asserted']:>9}{fast['inferred']:>9}{'skipped':>16}"
                f"{fast['seconds']:>14.2f}{fast['peak_mb']:>7.0f}"
            )
            continue
        ref = measure("owlrl", copies)
        ratio = float(ref["seconds"]) / float(fast["seconds"])
        print(
            f"{label:<16}{fast['asserted']:>9}{fast['inferred']:>9}"
            f"{ref['seconds']:>9.2f}{ref['peak_mb']:>7.0f}"
            f"{fast['seconds']:>14.2f}{fast['peak_mb']:>7.0f}{ratio:>7.1f}x"
            f"  {'yes' if ref['digest'] == fast['digest'] else 'NO'}"
        )
    print()
    print("whole seed build (diplokg build --force: parse, evidence, reason, validate, write;")
    print("process start and imports included)")
    times = {r: seed_build(r) for r in ("owlrl", "reasonable")}
    for reasoner, seconds in times.items():
        print(f"  --reasoner {reasoner:<11} {seconds:6.2f} s")
    print(f"  ratio owlrl/reasonable  {times['owlrl'] / times['reasonable']:6.1f}x")


if __name__ == "__main__":
    main()
