"""Shared helpers for the build tests: small projects in a temporary folder, parsed inputs.

Imported by tests/test_build.py, test_reasoning.py, test_validation.py and test_evidence.py
(`from build_fixtures import ...`). A project is the repository's ontology and shapes with a
chosen document under graph/, so the failure tests run against the real ontology.
"""

from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path

from rdflib import Graph

from diplokg.build.evidence import strip_quotes
from diplokg.config import Settings
from diplokg.rdfio import parse_turtle

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "build"
MINI_TEXT = DATA / "mini.txt"
MINI_FACTS = DATA / "mini.ttl"
SEED = "france-kazakhstan-2015"


def make_project(
    root: Path, facts: str | None = None, text: str | None = None, name: str = "mini"
) -> Settings:
    """A project under `root`: the repository's ontology, shapes and rules, one document `name`.

    `facts` and `text` replace the mini fixture's Turtle and source text; `text=""` leaves the
    source text out altogether.
    """
    (root / "ontology").mkdir(parents=True, exist_ok=True)
    (root / "graph").mkdir(exist_ok=True)
    for source in ("diplokg.ttl", "shapes.ttl"):
        shutil.copy(REPO / "ontology" / source, root / "ontology" / source)
    shutil.copytree(REPO / "ontology" / "rules", root / "ontology" / "rules", dirs_exist_ok=True)
    if text != "":
        body = text if text is not None else MINI_TEXT.read_text(encoding="utf-8")
        (root / "graph" / f"{name}.txt").write_text(body, encoding="utf-8")
    body = facts if facts is not None else MINI_FACTS.read_text(encoding="utf-8")
    (root / "graph" / f"{name}.ttl").write_text(body, encoding="utf-8")
    return Settings(root=root)


def mini_facts(extra: str = "") -> str:
    """The mini fixture's Turtle with `extra` Turtle statements appended."""
    return MINI_FACTS.read_text(encoding="utf-8") + "\n" + extra


@cache
def ontology() -> Graph:
    """The repository's ontology (parse once per test session; callers must not modify it)."""
    return parse_turtle(REPO / "ontology" / "diplokg.ttl")


@cache
def seed_facts() -> tuple[Graph, Graph]:
    """The seed document's asserted graph (quotes stripped) and its enrichment graph."""
    asserted = parse_turtle(REPO / "graph" / f"{SEED}.ttl")
    strip_quotes(asserted)
    enrichment = parse_turtle(REPO / "graph" / f"{SEED}.enrichment.ttl")
    return asserted, enrichment


def copy_graph(graph: Graph) -> Graph:
    """A modifiable copy of a cached graph."""
    out = Graph()
    for triple in graph:
        out.add(triple)
    return out
