"""Fixtures of the drafting tests: the synthetic pages, drafted once per session.

The pages under tests/data/draft/pages/ and their gold facts under tests/data/draft/gold/ are
synthetic (tests/data/draft/README.md). Drafting loads the French model once (a few seconds).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Graph

from diplokg.config import Settings
from diplokg.draft.drafter import DraftResult, draft_page

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "draft"
PAGES = sorted((DATA / "pages").glob("*.txt"))


@pytest.fixture(scope="session")
def project_context() -> Graph:
    """The repository's curated graph, which the score reads entities' countries from."""
    graph = Graph()
    for path in sorted((REPO / "graph").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="session")
def drafted() -> dict[str, DraftResult]:
    """Each synthetic page drafted against the repository's graph, nothing written."""
    settings = Settings(root=REPO)
    return {p.stem: draft_page(p, settings, write=False) for p in PAGES}


def _gold(name: str) -> Graph:
    return Graph().parse(DATA / "gold" / f"{name}.ttl", format="turtle")


@pytest.fixture(scope="session")
def gold() -> Callable[[str], Graph]:
    """`gold(name)`: the hand-written gold facts of the synthetic page `name`."""
    return _gold
