"""What decides whether dist/ is up to date: the inputs' and the build code's hashes, the key.

Every reader of dist/ runs this check first (`diplokg.build.ensure_built`): it imports nothing
of the build wing but this module, so that an up-to-date dist/ costs its readers a few
milliseconds rather than the import of rdflib, the reasoners and pySHACL.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from diplokg.__version__ import __version__
from diplokg.config import Settings, shown

__all__ = [
    "DEFAULT_REASONER",
    "REASONERS",
    "SHARED_CODE",
    "Progress",
    "Reasoner",
    "build_key",
    "build_lock",
    "code_hashes",
    "draft_files",
    "input_files",
    "input_hashes",
    "to_stderr",
]

Progress = Callable[[str], None]  # called with one line per step
Reasoner = Literal["owlrl", "reasonable"]
REASONERS: tuple[Reasoner, ...] = ("owlrl", "reasonable")
# reasonable is the default because tests/build/test_reasoning.py shows that it gives the same
# filtered closure as owlrl on our graph, more than ten times faster (benchmarks/reasoning.py).
DEFAULT_REASONER: Reasoner = "reasonable"


def to_stderr(line: str) -> None:
    """The progress of a build started by a reader of dist/ (the server's start, the Python
    API, the commands that read the dataset): one line per step on stderr, paths under the
    current folder relative to it, as the command line prints them (`config.shown`)."""
    print(shown(line), file=sys.stderr)


def draft_files(settings: Settings) -> list[Path]:
    """The files `--include-drafts` reads (`diplokg.build.drafts`): drafts, their page texts,
    change sets."""
    folder = settings.drafts_dir
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.ttl")) + sorted(folder.glob("*.txt"))
    return files + sorted((folder / "changes").glob("*.ttl"))


def input_files(settings: Settings) -> list[Path]:
    """The files whose content decides the build (ontology, shapes, rules, texts, curated
    Turtle, and the canned queries, whose default answers the build writes; with
    `include_drafts`, graph/drafts/ too)."""
    files = [settings.ontology_file, settings.shapes_file, *sorted(settings.rules_dir.glob("*.rq"))]
    files += sorted(settings.queries_dir.glob("*.rq"))
    files += sorted(settings.graph_dir.glob("*.txt")) + sorted(settings.graph_dir.glob("*.ttl"))
    if settings.include_drafts:  # graph/drafts/: drafts, their texts, change sets
        files += draft_files(settings)
    return [f for f in files if f.is_file()]


def input_hashes(settings: Settings) -> dict[str, str]:
    """SHA-256 of each input file, keyed by its path relative to the project root; with
    `include_drafts`, the flag too (it is part of the cache key)."""
    hashes = {
        f.relative_to(settings.root).as_posix(): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in input_files(settings)
    }
    if settings.include_drafts:
        hashes["--include-drafts"] = "true"
    return hashes


# Beside the build wing itself (this folder), the shared modules whose code decides what a
# build writes: how RDF is parsed and serialised (rdfio, formats), the prefixes and graph
# names (namespaces), the file names and media types of dist/ (dataset), the search index's
# schema and text folding (search), the label a search hit is called by (terms), what a kept
# copy of dist/ holds (versions), how canned queries are read, checked and answered (queries,
# protocol, results, rdfxml; sparql_text, which explains a query's syntax error).
# tests/project/test_layout.py checks that the build imports no other shared module but config and
# errors.
SHARED_CODE = (
    "dataset.py",
    "formats.py",
    "namespaces.py",
    "protocol.py",
    "queries.py",
    "rdfio.py",
    "rdfxml.py",
    "results.py",
    "search.py",
    "sparql_text.py",
    "terms.py",
    "versions.py",
)


def code_hashes() -> dict[str, str]:
    """SHA-256 of every file of the build wing's package folder and of `SHARED_CODE`, keyed by
    the path relative to the diplokg package: editing any of them invalidates dist/."""
    wing = Path(__file__).resolve().parent
    package = wing.parent
    files = [f for f in wing.rglob("*") if f.is_file() and "__pycache__" not in f.parts]
    files += [package / name for name in SHARED_CODE]
    return {
        f.relative_to(package).as_posix(): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in sorted(files)
    }


def build_key(hashes: dict[str, str], reasoner: Reasoner) -> str:
    """One hash of everything a build depends on, stored in build.json to skip needless builds:
    the inputs, the reasoner, and the code of the build (`code_hashes`)."""
    blob = json.dumps(
        {"inputs": hashes, "reasoner": reasoner, "diplokg": __version__, "code": code_hashes()},
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


@contextmanager
def build_lock(dist: Path) -> Iterator[None]:
    """Serialise builds of one dist/ across processes (server and tests may start together)."""
    parent = dist.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
