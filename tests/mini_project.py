"""A small project tree for the API, CLI and export tests, built once per test module.

The real ontology and shapes, with a four-paragraph document of the 2015 page (tests/data/api)
and fixture canned queries, so that a build takes seconds and every expected value can be
read in tests/data/api/graph/tour.ttl and tour.txt.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from diplokg.build import build
from diplokg.config import Settings

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "data" / "api"
SOURCE_TEXT = FIXTURES / "graph" / "tour.txt"


def make_project(root: Path, *, built: bool = True) -> Settings:
    """Copy the ontology and the fixtures under `root`; build dist/ unless `built` is False."""
    shutil.copytree(REPO / "ontology", root / "ontology")
    shutil.copytree(FIXTURES / "graph", root / "graph")
    shutil.copytree(FIXTURES / "queries", root / "queries")
    settings = Settings(root=root)
    if built:
        build(settings, progress=lambda line: None)
    return settings
