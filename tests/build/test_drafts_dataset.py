"""The dataset with drafts lives in its own folder (dist-drafts/): a plain build, a plain
command or a plain server never sees a draft after `build --include-drafts`, and every command
that reads the dataset reads the drafts' one with --include-drafts (README: "Drafts").

The draft is tests/data/drafts-dataset/: the page's 1993 visit drafted under a draft's IRI."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from diplokg.cli import main
from diplokg.config import Settings
from diplokg.dataset import MANIFEST
from diplokg.namespaces import GRAPH_DRAFT, RES
from diplokg.server.app import create_app
from diplokg.server.middleware import DRAFTS_HEADER

REPO = Path(__file__).resolve().parents[2]
DRAFT_EVENT = str(RES["visit-draft-1993-mitterrand"])
CURATED_EVENT = str(RES["visit-1993-09-mitterrand-kazakhstan"])


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project with one draft, built first with --include-drafts only."""
    root = tmp_path_factory.mktemp("drafts-dataset")
    for folder in ("ontology", "queries"):
        shutil.copytree(REPO / folder, root / folder)
    shutil.copytree(REPO / "graph", root / "graph", ignore=shutil.ignore_patterns("drafts"))
    (root / "graph" / "drafts").mkdir()
    shutil.copy(
        REPO / "tests" / "data" / "drafts-dataset" / "france-kazakhstan-2015.ttl",
        root / "graph" / "drafts",
    )
    assert main(["--root", str(root), "build", "--include-drafts"]) == 0
    return root


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def _events(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_drafts_build_leaves_dist_alone(project: Path) -> None:
    assert (project / "dist-drafts" / MANIFEST).is_file()
    assert not (project / "dist").exists()  # nothing plain was asked for yet
    assert Settings(root=project, include_drafts=True).dist_dir == project / "dist-drafts"
    assert Settings(root=project).dist_dir == project / "dist"
    assert (
        Settings(root=project, include_drafts=True).versions_dir != Settings(project).versions_dir
    )


def test_plain_commands_never_see_a_draft_and_the_flag_shows_it(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = ["--root", str(project)]
    drafts_manifest = (project / "dist-drafts" / MANIFEST).read_bytes()
    plain_stats = _run(capsys, *root, "stats")
    assert "draft" not in plain_stats
    assert (project / "dist" / MANIFEST).is_file()
    # the plain rebuild of dist/ did not touch the drafts' dataset
    assert (project / "dist-drafts" / MANIFEST).read_bytes() == drafts_manifest
    drafts_stats = _run(capsys, *root, "stats", "--include-drafts")
    assert "draft" in drafts_stats
    exported = _run(capsys, *root, "export", "--format", "ntriples", "--graph", "draft", "-o", "-")
    assert exported == ""  # the plain dataset's graph `draft` is empty
    exported = _run(
        capsys,
        *root,
        "export",
        "--include-drafts",
        "--format",
        "ntriples",
        "--graph",
        "draft",
        "-o",
        "-",
    )
    assert f"<{DRAFT_EVENT}>" in exported
    query = ["query", "entity-card", "--param", "resource=visit-draft-1993-mitterrand"]
    assert main([*root, *query]) == 2  # the plain graph has no such resource
    assert "no resource 'visit-draft-1993-mitterrand'" in capsys.readouterr().err
    assert DRAFT_EVENT in _run(capsys, *root, *query, "--format", "csv", "--include-drafts")
    assert DRAFT_EVENT not in _run(capsys, *root, "search", "brouillon", "--format", "csv")
    found = _run(capsys, *root, "search", "brouillon", "--format", "csv", "--include-drafts")
    assert DRAFT_EVENT in found


def test_events_say_which_rows_are_drafts(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = ["--root", str(project)]
    plain = _events(_run(capsys, *root, "events"))
    assert "status" not in plain[0]
    assert {r["event_id"] for r in plain} >= {CURATED_EVENT}
    assert DRAFT_EVENT not in {r["event_id"] for r in plain}
    drafted = _events(_run(capsys, *root, "events", "--include-drafts"))
    assert list(drafted[0])[-1] == "status"
    status = {r["event_id"]: r["status"] for r in drafted}
    assert status[DRAFT_EVENT] == "draft"
    assert status[CURATED_EVENT] == "curated"
    assert len(drafted) == len(plain) + sum(r["event_id"] == DRAFT_EVENT for r in drafted)


@pytest.fixture(scope="module")
def plain_client(project: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(root=project))) as client:
        yield client


def test_a_plain_server_never_serves_drafts(project: Path, plain_client: TestClient) -> None:
    answer = plain_client.get("/api/events")
    assert answer.status_code == 200
    assert DRAFTS_HEADER.lower() not in answer.headers
    rows = answer.json()
    assert DRAFT_EVENT not in {r["event_id"] for r in rows}
    assert all("status" not in r for r in rows)
    graphs = plain_client.get(
        "/sparql",
        params={"query": f"ASK {{ GRAPH <{GRAPH_DRAFT}> {{ ?s ?p ?o }} }}"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert graphs.json()["boolean"] is False


def test_a_drafts_server_marks_draft_rows(project: Path) -> None:
    with TestClient(create_app(Settings(root=project, include_drafts=True))) as client:
        answer = client.get("/api/events")
        assert answer.headers[DRAFTS_HEADER].startswith("included")
        status = {r["event_id"]: r["status"] for r in answer.json()}
        assert status[DRAFT_EVENT] == "draft" and status[CURATED_EVENT] == "curated"
        csv_rows = _events(client.get("/api/events", params={"format": "csv"}).text)
        assert list(csv_rows[0])[-1] == "status"
