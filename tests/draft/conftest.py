"""Shared fixtures of the drafting tests: the synthetic pages, drafted once per session.

The pages under tests/data/draft/pages/ and their gold facts under tests/data/draft/gold/ are
synthetic (tests/data/draft/README.md). Drafting loads the French model once (a few seconds).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from diplokg.config import Settings
from diplokg.draft.drafter import DraftResult, draft_page

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "draft"
PAGES = sorted((DATA / "pages").glob("*.txt"))
PAGE_NAMES = [p.stem for p in PAGES]
# The five pages the first drafting rules were written while looking at (scored 1.00 on events);
# the later pages exercise the constructions those rules missed (tests/data/draft/README.md).
TUNED_PAGES = [
    "france-brazil-2013",
    "france-japan-2018",
    "france-norway-2019",
    "france-senegal-2016",
    "france-uzbekistan-2012",
]
# Written with their gold before the drafter was run on them (commit f77382e), for constructions
# no rule handled yet (tests/data/draft/README.md): the date grammar's part of them is met and
# unit-tested (test_draft_dates.py); their other constructions are open work, so the goals are
# not asserted on them; `benchmarks/draft.py --set synthetic` reports their scores.
OPEN_PAGES = ["france-ethiopia-2017", "france-laos-2014", "france-peru-2019"]
LATER_PAGES = [name for name in PAGE_NAMES if name not in TUNED_PAGES + OPEN_PAGES]
# Every folder of pages with their gold: the synthetic pages, held-out set #1, the blind sets.
PAGE_SETS = sorted({p.parent.parent for p in DATA.glob("**/gold/*.ttl")})


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


def gold(name: str) -> Graph:
    """The hand-written gold facts of a synthetic page."""
    return Graph().parse(DATA / "gold" / f"{name}.ttl", format="turtle")
