"""A damaged dist/ is noticed (`diplokg.dataset`): every entry point either rebuilds, naming the
damaged file, or refuses with the file named; none reads part of the data, none prints a
traceback."""

from __future__ import annotations

import dataclasses
import errno
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from diplokg import DamagedDist, KnowledgeGraph
from diplokg.build import build, ensure_built
from diplokg.build import pipeline as pipeline_module
from diplokg.cli import main
from diplokg.config import Settings
from diplokg.dataset import (
    DATASET_FILE,
    MANIFEST,
    RDF12_FILE,
    SEARCH_FILE,
    VERIFIED_FILE,
    check_outputs,
    load_manifest,
    served_file,
    verify_dist,
)
from diplokg.namespaces import NAMED_GRAPHS
from diplokg.server import stores
from diplokg.server.app import create_app

if TYPE_CHECKING:
    from tests.build.conftest import MiniDocument


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, mini_doc: MiniDocument) -> Path:
    """A built mini project, copied (with its files' times) by each test."""
    root = tmp_path_factory.mktemp("damaged")
    build(mini_doc.make(root), progress=lambda line: None)
    return root


@pytest.fixture
def project(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    root = tmp_path / "project"
    shutil.copytree(template, root)  # copy2 keeps modification times: build.json stays last
    monkeypatch.setenv("DIPLOKG_ROOT", str(root))
    return Settings(root=root, store_dir=tmp_path / "stores", workers=1)


def damage(dist: Path, name: str, how: str) -> str:
    """Damage `dist/name` (`truncate` to half, `edit` one byte in place, `delete`); what the
    message about it says."""
    path = dist / name
    data = path.read_bytes()
    if how == "truncate":
        path.write_bytes(data[: len(data) // 2])
        if name == MANIFEST:
            return f"{path}: damaged: not valid JSON"
        return f"{path}: damaged: {len(data) // 2:,} bytes where build.json records {len(data):,}"
    if how == "edit":
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1 :])
        return f"{path}: damaged: its content is not what build.json records (sha256)"
    path.unlink()
    return f"{path}: damaged: missing"


def served_sizes(dist: Path) -> dict[str, int]:
    """The triples of each named graph of the file the server loads from `dist` (the RDF 1.2
    dump: build.json's counts plus the evidence graph's `rdf:reifies` lines)."""
    import pyoxigraph as ox

    sizes: dict[str, int] = {}
    for quad in ox.parse(path=served_file(dist), format=ox.RdfFormat.N_QUADS):
        name = str(quad.graph_name.value)
        sizes[name] = sizes.get(name, 0) + 1
    return sizes


def quads(dist: Path) -> int:
    """The quads build.json records, all graphs together."""
    manifest = json.loads((dist / MANIFEST).read_text(encoding="utf-8"))
    return sum(manifest["counts"]["triples_per_graph"].values())


def assert_whole(dist: Path) -> None:
    verify_dist(dist, full=True)  # every output hashed and equal to what build.json records


DAMAGES = [
    pytest.param(DATASET_FILE, "truncate", id="dataset-truncated"),
    pytest.param("merged.ttl", "truncate", id="merged-truncated"),
    pytest.param(MANIFEST, "truncate", id="build-json-truncated"),
]


# -- entry points that rebuild ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "how"),
    [
        *DAMAGES,
        pytest.param(DATASET_FILE, "edit", id="dataset-edited-in-place"),
        pytest.param("merged.rdf", "delete", id="dump-deleted"),
        pytest.param(RDF12_FILE, "edit", id="served-rdf12-edited-in-place"),
        pytest.param(SEARCH_FILE, "truncate", id="search-index-truncated"),
        pytest.param("documents/mini.txt", "delete", id="source-text-copy-deleted"),
    ],
)
def test_build_rebuilds_a_damaged_dist_and_names_the_file(
    project: Settings, capsys: pytest.CaptureFixture[str], name: str, how: str
) -> None:
    said = damage(project.dist_dir, name, how)
    assert main(["build"]) == 0
    out = capsys.readouterr().out
    assert f"rebuild   {said}" in out
    assert "up to date" not in out
    assert_whole(project.dist_dir)


@pytest.mark.parametrize(("name", "how"), DAMAGES)
def test_stats_rebuilds_first(
    project: Settings, capsys: pytest.CaptureFixture[str], name: str, how: str
) -> None:
    said = damage(project.dist_dir, name, how)
    assert main(["stats"]) == 0
    captured = capsys.readouterr()
    assert f"rebuild   {said}" in captured.err
    assert "Traceback" not in captured.err
    counts = json.loads((project.dist_dir / MANIFEST).read_text())["counts"]
    assert f"  asserted     {counts['asserted']:>7}" in captured.out.splitlines()
    assert_whole(project.dist_dir)


@pytest.mark.parametrize(("name", "how"), DAMAGES)
def test_query_rebuilds_first(
    project: Settings, capsys: pytest.CaptureFixture[str], name: str, how: str
) -> None:
    query = project.root / "count.rq"
    query.write_text("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }\n")
    said = damage(project.dist_dir, name, how)
    assert main(["query", str(query), "--format", "csv"]) == 0
    captured = capsys.readouterr()
    assert f"rebuild   {said}" in captured.err
    assert captured.out.split() == ["n", str(quads(project.dist_dir))]


@pytest.mark.parametrize(("name", "how"), DAMAGES)
def test_the_python_api_rebuilds_first(
    project: Settings, capsys: pytest.CaptureFixture[str], name: str, how: str
) -> None:
    said = damage(project.dist_dir, name, how)
    kg = KnowledgeGraph.load(settings=project)
    assert f"rebuild   {said}" in capsys.readouterr().err
    assert repr(kg) == f"<KnowledgeGraph: embedded Oxigraph store, {quads(project.dist_dir)} quads>"


@pytest.mark.parametrize(("name", "how"), DAMAGES)
def test_the_server_rebuilds_first(
    project: Settings, capsys: pytest.CaptureFixture[str], name: str, how: str
) -> None:
    said = damage(project.dist_dir, name, how)
    app = create_app(project)  # no file given: the built dataset, through ensure_built
    try:
        assert f"rebuild   {said}" in capsys.readouterr().err
        counts = json.loads((project.dist_dir / MANIFEST).read_text())["counts"]
        per_graph = counts["triples_per_graph"].items()
        expected = {str(NAMED_GRAPHS[n]): c for n, c in per_graph if c}  # no empty graph in a store
        # The server loads the RDF 1.2 dump: the same graphs, the evidence graph with one
        # `rdf:reifies` triple more per reifier.
        served = served_sizes(project.dist_dir)
        evidence = str(NAMED_GRAPHS["evidence"])
        assert {g: n for g, n in served.items() if g != evidence} == {
            g: n for g, n in expected.items() if g != evidence
        }
        assert served[evidence] > expected[evidence]
        assert app.state.engine.graph_sizes == served
    finally:
        app.state.engine.close()


def test_ensure_built_checks_the_dataset_in_full(project: Settings) -> None:
    # Same size, and its time put back: only a full hash of the file about to be read sees it.
    path = project.dist_dir / DATASET_FILE
    times = path.stat()
    damage(project.dist_dir, DATASET_FILE, "edit")
    os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))
    manifest = load_manifest(project.dist_dir)
    assert manifest is not None
    check_outputs(project.dist_dir, manifest)  # a stat each: this one passes it
    lines: list[str] = []
    ensure_built(project, progress=lines.append)
    assert (
        lines[0]
        == f"rebuild   {path}: damaged: its content is not what build.json records (sha256)"
    )
    assert_whole(project.dist_dir)


def test_ensure_built_checks_the_served_file_in_full(project: Settings) -> None:
    # The server loads the RDF 1.2 dump, not dataset.nq: it is hashed in full too.
    path = project.dist_dir / RDF12_FILE
    assert served_file(project.dist_dir) == path
    times = path.stat()
    damage(project.dist_dir, RDF12_FILE, "edit")
    os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))
    lines: list[str] = []
    ensure_built(project, progress=lines.append)
    assert (
        lines[0]
        == f"rebuild   {path}: damaged: its content is not what build.json records (sha256)"
    )
    assert_whole(project.dist_dir)


def _hashed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files of dist/ hashed in full from here on."""
    import diplokg.dataset as dataset_module

    names: list[str] = []
    real = dataset_module.file_sha256

    def counted(path: Path) -> str:
        names.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(dataset_module, "file_sha256", counted)
    return names


def test_ensure_built_hashes_an_unchanged_file_once(
    project: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The collection's dataset and served dump are 0.4 GB each: read at the first call, then
    # trusted from their verified-stamp (build/verified.json) while they are unchanged.
    hashed = _hashed(monkeypatch)
    ensure_built(project)
    assert sorted(hashed) == sorted([DATASET_FILE, RDF12_FILE])
    stamps = json.loads((project.root / "build" / VERIFIED_FILE).read_text())
    manifest = load_manifest(project.dist_dir)
    assert manifest is not None
    assert (
        stamps[str((project.dist_dir / DATASET_FILE).resolve())]["sha256"]
        == (manifest["files"][DATASET_FILE])
    )
    hashed.clear()
    lines: list[str] = []
    assert ensure_built(project, progress=lines.append) == project.dist_dir / DATASET_FILE
    assert (hashed, lines) == ([], [])
    # a full check ignores the stamps
    check_outputs(
        project.dist_dir, manifest, full=True, verified=project.root / "build" / VERIFIED_FILE
    )
    assert DATASET_FILE in hashed


@pytest.mark.parametrize("name", [DATASET_FILE, RDF12_FILE])
def test_a_stamped_file_edited_with_its_size_and_time_kept_is_hashed_again(
    project: Settings, name: str
) -> None:
    # Stamped first; then the same number of bytes changed and its modification time put
    # back: its change time (st_ctime, which cannot be set back) is no longer the stamp's.
    ensure_built(project, progress=lambda line: None)
    assert (project.root / "build" / VERIFIED_FILE).is_file()
    path = project.dist_dir / name
    times = path.stat()
    damage(project.dist_dir, name, "edit")
    os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (times.st_size, times.st_mtime_ns)
    lines: list[str] = []
    ensure_built(project, progress=lines.append)
    assert (
        lines[0]
        == f"rebuild   {path}: damaged: its content is not what build.json records (sha256)"
    )
    assert_whole(project.dist_dir)


def test_a_stamp_of_other_bytes_is_not_trusted(
    project: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stamp whose sha256 is not what build.json records (a stamp of an earlier build, or a
    # forged one) does not spare the file its hash.
    ensure_built(project, progress=lambda line: None)
    stamps_file = project.root / "build" / VERIFIED_FILE
    stamps = json.loads(stamps_file.read_text())
    for stamp in stamps.values():
        stamp["sha256"] = "0" * 64
    stamps_file.write_text(json.dumps(stamps))
    hashed = _hashed(monkeypatch)
    ensure_built(project, progress=lambda line: None)
    assert sorted(hashed) == sorted([DATASET_FILE, RDF12_FILE])


def test_an_intact_dist_is_not_rebuilt(project: Settings) -> None:
    lines: list[str] = []
    assert ensure_built(project, progress=lines.append) == project.dist_dir / DATASET_FILE
    assert lines == []


# -- entry points that cannot rebuild: they refuse, naming the file ---------------------------


@pytest.mark.parametrize(
    ("name", "how", "read"),
    [
        pytest.param(DATASET_FILE, "truncate", DATASET_FILE, id="dataset-truncated"),
        pytest.param(DATASET_FILE, "edit", DATASET_FILE, id="dataset-edited-in-place"),
        pytest.param(MANIFEST, "truncate", DATASET_FILE, id="build-json-truncated"),
        pytest.param("merged.ttl", "truncate", "merged.ttl", id="merged-truncated"),
    ],
)
def test_loading_a_damaged_file_by_path_is_refused(
    project: Settings, name: str, how: str, read: str
) -> None:
    said = damage(project.dist_dir, name, how)
    with pytest.raises(DamagedDist) as refused:
        KnowledgeGraph.load(project.dist_dir / read, settings=project)
    assert str(refused.value) == said


def test_another_intact_file_of_a_damaged_dist_still_loads(project: Settings) -> None:
    damage(project.dist_dir, "merged.ttl", "truncate")
    kg = KnowledgeGraph.load(project.dist_dir / DATASET_FILE, settings=project)
    assert repr(kg).endswith(f"{quads(project.dist_dir)} quads>")


@pytest.mark.parametrize(("name", "how"), [DAMAGES[0], DAMAGES[2]])
def test_serving_a_damaged_file_is_refused(
    project: Settings, capsys: pytest.CaptureFixture[str], name: str, how: str
) -> None:
    said = damage(project.dist_dir, name, how)
    code = main(["serve", "--data", str(project.dist_dir / DATASET_FILE), "--port", "9"])
    assert code == 2
    err = capsys.readouterr().err
    assert f"diplokg: {said}" in err
    assert "Traceback" not in err


def test_publishing_a_damaged_file_is_refused(
    project: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    said = damage(project.dist_dir, DATASET_FILE, "truncate")
    data = str(project.dist_dir / DATASET_FILE)
    assert main(["publish", "--store", "http://127.0.0.1:9/q", "--data", data, "--dry-run"]) == 2
    assert f"diplokg: {said}" in capsys.readouterr().err


def test_a_damaged_dist_that_cannot_be_rewritten_is_named(
    project: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def read_only(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(pipeline_module, "write_dist", read_only)
    said = damage(project.dist_dir, DATASET_FILE, "truncate")
    assert main(["stats"]) == 2
    err = capsys.readouterr().err
    assert f"diplokg: {said}; cannot rebuild it: Read-only file system" in err
    assert "Traceback" not in err


# -- the server's store cache -----------------------------------------------------------------


@pytest.fixture
def damaged_bytes(project: Settings) -> Iterator[tuple[Path, Path]]:
    """The dataset truncated in dist/, and the same bytes in a folder without build.json."""
    damage(project.dist_dir, DATASET_FILE, "truncate")
    elsewhere = project.root / "elsewhere" / DATASET_FILE
    elsewhere.parent.mkdir()
    # Cut at a line end, so that the file parses: a store is then loaded from it.
    data = (project.dist_dir / DATASET_FILE).read_bytes()
    data = data[: data.rindex(b"\n") + 1]
    (project.dist_dir / DATASET_FILE).write_bytes(data)
    elsewhere.write_bytes(data)
    yield project.dist_dir / DATASET_FILE, elsewhere


def test_a_store_loaded_from_the_same_damaged_bytes_is_not_reused(
    project: Settings, damaged_bytes: tuple[Path, Path]
) -> None:
    in_dist, elsewhere = damaged_bytes
    loaded = stores.open_store(elsewhere, project)  # any file may be served: no build.json
    assert loaded.path.is_dir()
    with pytest.raises(DamagedDist, match=f"^{re.escape(str(in_dist))}: damaged: "):
        stores.open_store(in_dist, project)


def test_a_damaged_dump_is_not_downloaded(project: Settings) -> None:
    damage(project.dist_dir, "merged.ttl", "truncate")
    app = create_app(project, project.dist_dir / DATASET_FILE)
    with TestClient(app) as client:
        response = client.get("/dumps/merged.ttl")
        assert response.status_code == 503
        assert "merged.ttl is damaged" in response.json()["detail"]
        assert client.get("/dumps/merged.nt").status_code == 200


def test_a_dataset_damaged_while_served_is_not_swapped_in(
    project: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings = dataclasses.replace(project, reload_check_s=0.05)
    path = project.dist_dir / DATASET_FILE
    count = {"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"}
    accept = {"Accept": "text/csv"}
    with TestClient(create_app(settings, path)) as client:
        assert client.get("/sparql", params=count, headers=accept).text.split() == [
            "n",
            str(quads(project.dist_dir)),
        ]
        data = path.read_bytes()
        with caplog.at_level(logging.WARNING, logger="diplokg.engine"):
            path.write_bytes(data[: data.index(b"\n", len(data) // 2) + 1])  # parses, in part
            deadline = time.monotonic() + 30
            while not any("damaged" in r.getMessage() for r in caplog.records):
                assert time.monotonic() < deadline, "the watcher never refused the damaged file"
                time.sleep(0.05)
        answer = client.get("/sparql", params=count, headers=accept)
        assert answer.text.split() == ["n", str(quads(project.dist_dir))]


@pytest.mark.parametrize(
    "name",
    [
        DATASET_FILE,
        pytest.param(RDF12_FILE, id="served-rdf12"),
        pytest.param(SEARCH_FILE, id="search-index"),
        pytest.param("documents/mini.txt", id="source-text-copy"),
    ],
)
def test_a_damaged_kept_version_is_not_served(project: Settings, name: str) -> None:
    (kept,) = (project.root / "versions").iterdir()  # the build kept its version
    other = kept.parent / "0123456789ab"  # a copy under another id, so the kept copy is read
    shutil.copytree(kept, other)
    damage(other, name, "truncate")
    with TestClient(create_app(project, project.dist_dir / DATASET_FILE)) as client:
        response = client.get("/v/0123456789ab/sparql", params={"query": "ASK {}"})
        assert response.status_code == 503
        assert "the kept copy of this version is damaged: " in response.text
