"""The canned queries' default answers written by the build (issue 16): exactly what a worker
sends, served from dist/answers/ without a worker, and never when they might not be exact.

Each answer file is compared byte for byte, ETag included, with what `diplokg.results.run_job`
(the worker's function) gives on the server's own on-disk store of the served dump, for every
canned query and every results format.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from diplokg import queries
from diplokg.build import build, ensure_built
from diplokg.build.precompute import answer_files
from diplokg.config import Settings
from diplokg.dataset import ANSWERS_INDEX, served_file
from diplokg.formats import RESULT_FORMATS, by_key
from diplokg.queries import load_catalogue
from diplokg.results import Job, run_job
from diplokg.server.app import create_app
from diplokg.server.stores import Stored, open_store

if TYPE_CHECKING:
    from tests.conftest import TourProject


SEED_QUERIES = sorted(load_catalogue(Settings().queries_dir))
FORMATS = [f.key for f in RESULT_FORMATS]


@pytest.fixture(scope="module")
def seed_dist() -> Path:
    return ensure_built(Settings()).parent


@pytest.fixture(scope="module")
def index(seed_dist: Path) -> dict[str, Any]:
    answers: dict[str, Any] = json.loads((seed_dist / ANSWERS_INDEX).read_text(encoding="utf-8"))
    return answers


@pytest.fixture(scope="module")
def stored(seed_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Stored:
    settings = Settings(store_dir=tmp_path_factory.mktemp("stores"))
    return open_store(served_file(seed_dist), settings)


@pytest.fixture(scope="module")
def store(stored: Stored) -> ox.Store:
    return ox.Store.read_only(str(stored.path))


def test_every_canned_query_has_its_default_answer(index: dict[str, Any], stored: Stored) -> None:
    assert sorted(index["answers"]) == SEED_QUERIES
    assert index["skipped"] == {}
    assert index["dataset"] == stored.digest  # the id the server gives the served file
    assert index["limits"] == {"max_rows": 10_000, "max_bytes": 16 * 1024 * 1024}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", SEED_QUERIES)
def test_an_answer_file_is_what_a_worker_sends(
    name: str, fmt: str, seed_dist: Path, index: dict[str, Any], stored: Stored, store: ox.Store
) -> None:
    entry = index["answers"][name]["formats"][fmt]
    text = load_catalogue(Settings().queries_dir)[name].render({})
    settings = Settings()
    job = Job(
        query=text,
        form="SELECT",
        fmt=fmt,
        default_graph=None,
        named_graphs=None,
        union=True,
        base_iri=None,
        max_rows=settings.max_result_rows,
        max_bytes=settings.max_response_bytes,
        dataset_id=stored.digest,
    )
    status, body, truncated, etag = run_job(store, job)
    assert status == "ok"
    assert (seed_dist / entry["file"]).read_bytes() == body
    assert (entry["etag"], entry["truncated"]) == (etag, truncated)


def test_the_build_records_every_answer_file(seed_dist: Path, index: dict[str, Any]) -> None:
    manifest = json.loads((seed_dist / "build.json").read_text(encoding="utf-8"))
    listed = {f["file"] for e in index["answers"].values() for f in e["formats"].values()}
    assert listed | {ANSWERS_INDEX} <= set(manifest["files"])


# --- served without a worker ------------------------------------------------------------------


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, tour_project: TourProject) -> Settings:
    root = tmp_path_factory.mktemp("precomputed")
    settings = tour_project.make(root)
    return Settings(root=settings.root, store_dir=root / "stores")


@pytest.fixture
def client(project: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(project)) as test_client:
        yield test_client


def _no_worker(monkeypatch: pytest.MonkeyPatch, client: TestClient) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]

    async def refused(*args: object, **kwargs: object) -> object:
        raise AssertionError("a worker was asked")

    monkeypatch.setattr(engine, "_run", refused)


@pytest.mark.parametrize("fmt", FORMATS)
def test_rest_and_sparql_answer_defaults_from_the_files(
    fmt: str, project: Settings, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = json.loads((project.dist_dir / ANSWERS_INDEX).read_text(encoding="utf-8"))
    name = sorted(index["answers"])[0]
    entry = index["answers"][name]["formats"][fmt]
    body = (project.dist_dir / entry["file"]).read_bytes()
    _no_worker(monkeypatch, client)
    rest = client.get(f"/api/queries/{name}", params={"format": fmt})
    text = load_catalogue(project.queries_dir)[name].render({})
    accept = {"Accept": by_key(fmt).media_type}
    sparql = client.get("/sparql", params={"query": text}, headers=accept)
    for answer in (rest, sparql):
        assert answer.status_code == 200
        assert answer.content == body
        assert answer.headers["ETag"] == entry["etag"]
        assert answer.headers["Cache-Control"] == "public, max-age=300"
    assert client.get("/health").json()["stats"]["precomputed"] >= 1


def test_parameters_or_other_limits_run_the_query(project: Settings, client: TestClient) -> None:
    answer = client.get("/api/queries/events", params={"year": "2014"})
    assert answer.status_code == 200
    stats = client.get("/health").json()["stats"]
    assert (stats["queries"], stats["precomputed"]) == (1, 0)
    limited = Settings(root=project.root, store_dir=project.store_dir, max_result_rows=3)
    with TestClient(create_app(limited)) as other:
        assert other.get("/health").json()["precomputed"] == 0
        assert other.get("/api/queries/figures").status_code == 200
        assert other.get("/health").json()["stats"]["precomputed"] == 0


def test_a_damaged_answer_file_is_not_sent(tmp_path: Path, tour_project: TourProject) -> None:
    settings = tour_project.make(tmp_path / "project")
    settings = Settings(root=settings.root, store_dir=tmp_path / "stores")
    index = json.loads((settings.dist_dir / ANSWERS_INDEX).read_text(encoding="utf-8"))
    name = sorted(index["answers"])[0]
    entry = index["answers"][name]["formats"]["json"]
    good = (settings.dist_dir / entry["file"]).read_bytes()
    # Damaged before the start, the file would be rebuilt (ensure_built checks every output
    # against build.json, tests/build/test_dataset.py); damaged while served, the engine's own
    # check of the answer's bytes is what keeps it from being sent.
    with TestClient(create_app(settings)) as client:
        (settings.dist_dir / entry["file"]).write_bytes(good.replace(b"}", b"} ", 1))
        answer = client.get(f"/api/queries/{name}", params={"format": "json"})
        assert answer.status_code == 200
        assert answer.content == good  # run by a worker, the same bytes
        assert client.get("/health").json()["stats"]["precomputed"] == 0


def test_an_answer_with_blank_nodes_is_not_written(tmp_path: Path) -> None:
    data = tmp_path / "data.nq"
    data.write_text(
        '_:b <http://example.org/p> "x" <http://example.org/g> .\n'
        '<http://example.org/s> <http://example.org/p> "y" <http://example.org/g> .\n',
        encoding="utf-8",
    )
    folder = tmp_path / "queries"
    folder.mkdir()
    (folder / "subjects.rq").write_text(
        "#+ title: Subjects\nSELECT ?s WHERE { ?s ?p ?o } ORDER BY ?o\n", encoding="utf-8"
    )
    (folder / "objects.rq").write_text(
        "#+ title: Objects\nSELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o\n", encoding="utf-8"
    )
    files = answer_files(data, Settings(root=tmp_path))
    index = json.loads(files[ANSWERS_INDEX])
    assert sorted(index["answers"]) == ["objects"]
    assert "blank nodes" in index["skipped"]["subjects"]


# --- the catalogue as the build checked it ----------------------------------------------------


def test_the_recorded_catalogue_is_read_without_parsing(
    project: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    record = json.loads((project.dist_dir / ANSWERS_INDEX).read_text(encoding="utf-8"))
    folder = tmp_path / "queries"
    shutil.copytree(project.queries_dir, folder)
    parsed = load_catalogue(folder)

    def refused(path: Path) -> object:
        raise AssertionError(f"{path} was parsed")

    monkeypatch.setattr(queries, "parse_query_file", refused)
    queries._cache.clear()
    recorded = load_catalogue(folder, record=record["catalogue"])
    assert recorded == parsed
    assert {q.form for q in recorded.values()} == {q.form for q in parsed.values()}
    # a file changed since the build: parsed again (and refused here, so it shows)
    first = sorted(folder.glob("*.rq"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    queries._cache.clear()
    with pytest.raises(AssertionError, match="was parsed"):
        load_catalogue(folder, record=record["catalogue"])
    monkeypatch.undo()


def test_a_rebuild_writes_the_same_answers(tmp_path: Path, project: Settings) -> None:
    again = build(project, dist=tmp_path / "dist", force=True)
    for path in sorted((project.dist_dir / "answers").iterdir()):
        assert (again / "answers" / path.name).read_bytes() == path.read_bytes(), path.name
