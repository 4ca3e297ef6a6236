"""The two projects the serving benchmarks measure: the seed, and the collection.

The seed is this repository's own build (`dist/`, built first if an input changed). The
collection is `benchmarks/collection.py`'s synthetic collection of 600 pages (about five million
quads), written once into `build/bench/collection-<pages>/` (git-ignored) and built there with
`diplokg build`: later runs find it built (the build's own freshness check), and reuse the
stores the servers loaded from it, so that a run measures serving, not loading.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from collection import refresh_shared, write_collection

from diplokg.build import ensure_built
from diplokg.config import Settings
from diplokg.dataset import served_file

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "build" / "bench"


@dataclass(frozen=True)
class Project:
    """A built project: its name in the report, its root, and the file the server serves."""

    name: str
    root: Path
    served: Path
    work: Path  # where the benchmarks keep the stores they load from it

    @property
    def quads(self) -> int:
        with self.served.open("rb") as handle:
            return sum(1 for _ in handle)

    @property
    def settings(self) -> Settings:
        return Settings(root=self.root)


def seed() -> Project:
    dist = ensure_built(Settings()).parent
    return Project("seed", ROOT, served_file(dist), BENCH / "seed")


def collection(pages: int) -> Project:
    """The collection of `pages` pages, written and built when missing or out of date."""
    root = BENCH / f"collection-{pages}"
    if not (root / "graph").is_dir():
        print(f"# writing the collection of {pages} pages into {root}", file=sys.stderr)
        write_collection(root, pages)
    else:  # the pages are kept; the ontology and the canned queries are the checkout's
        refresh_shared(root)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "diplokg.cli", "build"],
        env={**os.environ, "DIPLOKG_ROOT": str(root)},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    if seconds > 5:
        print(f"# built the collection in {seconds:.0f} s", file=sys.stderr)
    return Project("collection", root, served_file(root / "dist"), root / "bench")
