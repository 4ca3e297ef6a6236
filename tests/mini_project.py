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
from diplokg.namespaces import DKG, RES

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


# The start date of the December 2014 visit: the fact the version and permalink tests change.
VISIT = RES["visit-2014-12-hollande-kazakhstan"]
START_QUERY = f"SELECT ?start WHERE {{ <{VISIT}> <{DKG.startDate}> ?start }}"


def change_a_fact(settings: Settings, day: str) -> None:
    """Correct the start date of the December 2014 visit in the curated file, as a curator
    would (the version and permalink tests rebuild afterwards)."""
    facts = settings.graph_dir / "tour.ttl"
    text = facts.read_text(encoding="utf-8")
    old = next(d for d in ("2014-12-05", "2014-12-04", "2014-12-03") if f'startDate "{d}"' in text)
    facts.write_text(text.replace(f'startDate "{old}"', f'startDate "{day}"'), encoding="utf-8")
