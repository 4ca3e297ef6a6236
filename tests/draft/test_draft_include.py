"""build --include-drafts: drafts in the named graph `draft`, only with the flag; the flag is in
the cache key; served answers carry X-Diplokg-Drafts; resource pages mark draft facts.

Ported to the layout of issue 10: the build's part is `diplokg.build.drafts`, the header is the
server's middleware (`diplokg.server.middleware.DraftsFlag`), the badge `linked_data`'s."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from starlette.types import Receive, Scope, Send

from diplokg.build import build
from diplokg.build.freshness import build_key, input_hashes
from diplokg.config import Settings
from diplokg.namespaces import GRAPH_ASSERTED, GRAPH_DRAFT, GRAPH_INFERRED, RES
from diplokg.server.linked_data import DRAFT, provenance
from diplokg.server.middleware import DRAFTS_HEADER as HEADER
from diplokg.server.middleware import DraftsFlag

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "draft"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("drafts-project")
    shutil.copytree(REPO / "ontology", root / "ontology")
    shutil.copytree(REPO / "graph", root / "graph", ignore=shutil.ignore_patterns("drafts"))
    (root / "graph" / "drafts").mkdir()
    shutil.copy(DATA / "build" / "france-kazakhstan-2015.ttl", root / "graph" / "drafts")
    (root / "graph" / "drafts" / "changes").mkdir()
    return root


def _graphs(dist: Path) -> set[str]:
    store = ox.Store()
    store.load(path=dist / "dataset.nq", format=ox.RdfFormat.N_QUADS)
    return {g.value for g in store.named_graphs()}


def test_drafts_are_read_only_with_the_flag(project: Path, tmp_path: Path) -> None:
    plain = build(Settings(root=project), dist=tmp_path / "plain", progress=lambda _: None)
    assert str(GRAPH_DRAFT) not in _graphs(plain)
    with_drafts = build(
        Settings(root=project, include_drafts=True),
        dist=tmp_path / "drafts",
        progress=lambda _: None,
    )
    assert str(GRAPH_DRAFT) in _graphs(with_drafts)
    store = ox.Store()
    store.load(path=with_drafts / "dataset.nq", format=ox.RdfFormat.N_QUADS)
    figure = ox.NamedNode(str(RES["figure-draft-2014-trade-volume"]))
    in_draft = list(store.quads_for_pattern(figure, None, None, ox.NamedNode(str(GRAPH_DRAFT))))
    assert in_draft and not list(
        store.quads_for_pattern(figure, None, None, ox.NamedNode(str(GRAPH_ASSERTED)))
    )
    evidence = ox.NamedNode("https://w3id.org/diplokg/ontology#hasEvidence")
    assert list(store.quads_for_pattern(figure, evidence, None, None))  # anchored in the page


def test_the_flag_is_part_of_the_cache_key(project: Path) -> None:
    plain = build_key(input_hashes(Settings(root=project)), "reasonable")
    drafts = build_key(input_hashes(Settings(root=project, include_drafts=True)), "reasonable")
    assert plain != drafts
    assert any(
        "drafts/" in name for name in input_hashes(Settings(root=project, include_drafts=True))
    )


def test_resource_pages_mark_draft_facts() -> None:
    assert provenance({GRAPH_DRAFT}) == DRAFT
    assert provenance({GRAPH_DRAFT, GRAPH_INFERRED}) == DRAFT
    assert provenance({GRAPH_ASSERTED, GRAPH_DRAFT}) != DRAFT


def test_every_answer_is_flagged() -> None:
    sent: list[MutableMapping[str, Any]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request"}

    flagged = DraftsFlag(app, graph=str(GRAPH_DRAFT), holds_drafts=lambda: True)
    asyncio.run(flagged({"type": "http"}, receive, send))
    headers = dict(sent[0]["headers"])
    assert HEADER.lower().encode() in headers
    # a server whose dataset holds no draft graph says nothing
    sent.clear()
    plain = DraftsFlag(app, graph=str(GRAPH_DRAFT), holds_drafts=lambda: False)
    asyncio.run(plain({"type": "http"}, receive, send))
    assert HEADER.lower().encode() not in dict(sent[0]["headers"])
