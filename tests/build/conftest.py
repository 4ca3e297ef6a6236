"""Fixtures of the build tests: small projects in a temporary folder, parsed inputs.

A mini project is the repository's ontology, shapes and rules with one short document under
graph/ (tests/data/build/mini.ttl and mini.txt), so the failure tests run against the real
ontology. The parsed ontology and seed facts are read once per session.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Graph

from diplokg.build.evidence import strip_quotes
from diplokg.config import Settings
from diplokg.rdfio import parse_turtle

REPO = Path(__file__).resolve().parents[2]
SEED = "france-kazakhstan-2015"


class MiniDocument:
    """The mini document (tests/data/build) and projects made of it."""

    data = REPO / "tests" / "data" / "build"
    text_path = data / "mini.txt"
    facts_path = data / "mini.ttl"

    def facts(self, extra: str = "") -> str:
        """The mini fixture's Turtle with `extra` Turtle statements appended."""
        return self.facts_path.read_text(encoding="utf-8") + "\n" + extra

    def make(
        self, root: Path, facts: str | None = None, text: str | None = None, name: str = "mini"
    ) -> Settings:
        """A project under `root`: the repository's ontology, shapes and rules, one document
        `name`. `facts` and `text` replace the mini fixture's Turtle and source text; `text=""`
        leaves the source text out altogether."""
        (root / "ontology").mkdir(parents=True, exist_ok=True)
        (root / "graph").mkdir(exist_ok=True)
        for source in ("diplokg.ttl", "shapes.ttl"):
            shutil.copy(REPO / "ontology" / source, root / "ontology" / source)
        rules = REPO / "ontology" / "rules"
        shutil.copytree(rules, root / "ontology" / "rules", dirs_exist_ok=True)
        if text != "":
            body = text if text is not None else self.text_path.read_text(encoding="utf-8")
            (root / "graph" / f"{name}.txt").write_text(body, encoding="utf-8")
        body = facts if facts is not None else self.facts_path.read_text(encoding="utf-8")
        (root / "graph" / f"{name}.ttl").write_text(body, encoding="utf-8")
        return Settings(root=root)


@pytest.fixture(scope="session")
def mini_doc() -> MiniDocument:
    """The mini document: `mini_doc.make(root)` makes a project of it; see MiniDocument."""
    return MiniDocument()


@pytest.fixture(scope="session")
def ontology() -> Graph:
    """The repository's ontology, parsed once per session (callers must not modify it)."""
    return parse_turtle(REPO / "ontology" / "diplokg.ttl")


@pytest.fixture(scope="session")
def seed_facts() -> tuple[Graph, Graph]:
    """The seed document's asserted graph (quotes stripped) and its enrichment graph, parsed
    once per session (callers must not modify them)."""
    asserted = parse_turtle(REPO / "graph" / f"{SEED}.ttl")
    strip_quotes(asserted)
    enrichment = parse_turtle(REPO / "graph" / f"{SEED}.enrichment.ttl")
    return asserted, enrichment


def _copy_graph(graph: Graph) -> Graph:
    out = Graph()
    for triple in graph:
        out.add(triple)
    return out


@pytest.fixture(scope="session")
def copy_graph() -> Callable[[Graph], Graph]:
    """`copy_graph(graph)`: a modifiable copy of a session-wide graph."""
    return _copy_graph
