"""Versions: a content hash per build, carried by the dumps and VoID, kept and served side by side.

A small project (tests/data/api) built in a temporary folder; a fact is changed and the
project rebuilt, as a curator would.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient
from rdflib import Dataset, Graph, Literal
from rdflib.namespace import OWL

from diplokg.build import build
from diplokg.build.versioning import version_triples
from diplokg.cli import main
from diplokg.config import Settings
from diplokg.dataset import read_manifest
from diplokg.namespaces import DATASET_IRI, DCAT3, GRAPH_VERSION, VERSIONS
from diplokg.permalinks import record
from diplokg.server.app import create_app
from diplokg.server.engine import QueryEngine
from diplokg.server.versions import VersionEngines
from diplokg.versions import current_version, find, kept

if TYPE_CHECKING:
    from tests.conftest import TourProject


def file_hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, tour_project: TourProject) -> Settings:
    return tour_project.make(tmp_path_factory.mktemp("versions"))


def test_the_version_id_is_a_hash_of_the_content(project: Settings) -> None:
    manifest = read_manifest(project.dist_dir)
    assert manifest is not None
    lines = (project.dist_dir / "dataset.nq").read_text(encoding="utf-8").splitlines(True)
    # Anyone can check it: the dataset without the lines of the version graph.
    rest = "".join(line for line in lines if not line.endswith(f"<{GRAPH_VERSION}> .\n"))
    assert manifest["version"] == hashlib.sha256(rest.encode()).hexdigest()[:12]
    assert manifest["version_iri"] == str(VERSIONS[manifest["version"]])
    assert current_version(project.dist_dir) == manifest["version"]


def test_the_dumps_and_void_carry_the_version(project: Settings) -> None:
    version = current_version(project.dist_dir)
    assert version is not None
    expected = set(version_triples(version))
    data = Dataset()
    data.parse(project.dist_dir / "dataset.nq", format="nquads")
    assert set(data.graph(GRAPH_VERSION)) == expected
    merged = Graph().parse(project.dist_dir / "merged.ttl")
    assert expected <= set(merged)
    void = Graph().parse(project.dist_dir / "void.ttl")
    assert (DATASET_IRI, OWL.versionIRI, VERSIONS[version]) in void
    assert (DATASET_IRI, DCAT3.version, Literal(version)) in void
    assert (DATASET_IRI, DCAT3.hasVersion, VERSIONS[version]) in void


def test_the_same_inputs_give_the_same_version_and_bytes(project: Settings, tmp_path: Path) -> None:
    again = build(project, dist=tmp_path / "dist", force=True)
    assert file_hashes(again) == file_hashes(project.dist_dir)  # search.sqlite included
    assert current_version(again) == current_version(project.dist_dir)


def test_a_changed_fact_is_a_new_version_and_the_old_one_is_kept(
    tmp_path: Path, tour_project: TourProject
) -> None:
    settings = tour_project.make(tmp_path)
    first = current_version(settings.dist_dir)
    assert first is not None
    first_dataset = (settings.dist_dir / "dataset.nq").read_bytes()
    first_rdf12 = (settings.dist_dir / "dataset-rdf12.nq").read_bytes()
    tour_project.change_a_fact(settings, "2014-12-04")
    build(settings)
    second = current_version(settings.dist_dir)
    assert second is not None and second != first
    assert {v.id for v in kept(settings.versions_dir)} == {first, second}
    old = find(settings.versions_dir, first)
    assert old is not None
    # Both dumps as they were; the version is served, as the current one, from the RDF 1.2 one.
    assert (old.path / "dataset.nq").read_bytes() == first_dataset
    assert old.dataset == old.path / "dataset-rdf12.nq"
    assert old.dataset.read_bytes() == first_rdf12
    names = {p.relative_to(old.path).as_posix() for p in old.path.rglob("*") if p.is_file()}
    assert names == {
        "dataset.nq",
        "dataset-rdf12.nq",
        "build.json",
        "void.ttl",
        "search.sqlite",
        "documents/tour.txt",
    }
    # Building again, even unchanged, keeps nothing twice; another dist/ keeps nothing.
    build(settings)
    build(settings, dist=tmp_path / "elsewhere", force=True)
    assert len(kept(settings.versions_dir)) == 2


def test_prune_spares_the_current_version_and_the_cited_ones(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tour_project: TourProject,
) -> None:
    settings = tour_project.make(tmp_path)
    cited = current_version(settings.dist_dir)
    assert cited is not None
    record(settings.permalinks_dir, tour_project.start_query, cited)
    tour_project.change_a_fact(settings, "2014-12-04")
    build(settings)
    dropped = current_version(settings.dist_dir)
    tour_project.change_a_fact(settings, "2014-12-03")
    build(settings)
    current = current_version(settings.dist_dir)
    assert len({cited, dropped, current}) == 3
    monkeypatch.setenv("DIPLOKG_ROOT", str(tmp_path))
    assert main(["versions"]) == 0
    listing = capsys.readouterr().out
    assert f"{current}" in listing and "current" in listing and "cited" in listing
    assert main(["versions", "--prune"]) == 0
    assert f"removed 1 version(s): {dropped}" in capsys.readouterr().out
    assert {v.id for v in kept(settings.versions_dir)} == {cited, current}


@pytest.fixture(scope="module")
def two_versions(
    tmp_path_factory: pytest.TempPathFactory, tour_project: TourProject
) -> tuple[Settings, str, str]:
    settings = tour_project.make(tmp_path_factory.mktemp("served-versions"))
    old = current_version(settings.dist_dir)
    tour_project.change_a_fact(settings, "2014-12-04")
    build(settings)
    new = current_version(settings.dist_dir)
    assert old is not None and new is not None
    return settings, old, new


@pytest.fixture(scope="module")
def client(two_versions: tuple[Settings, str, str]) -> Iterator[TestClient]:
    settings, _, _ = two_versions
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def starts(response: object) -> list[str]:
    body = response.json()  # type: ignore[attr-defined]
    return [b["start"]["value"] for b in body["results"]["bindings"]]


def test_kept_versions_are_served_side_by_side(
    client: TestClient, two_versions: tuple[Settings, str, str], tour_project: TourProject
) -> None:
    _, old, new = two_versions
    accept = {"Accept": "application/sparql-results+json"}
    assert starts(
        client.get("/sparql", params={"query": tour_project.start_query}, headers=accept)
    ) == ["2014-12-04"]
    on_old = client.get(
        f"/v/{old}/sparql", params={"query": tour_project.start_query}, headers=accept
    )
    assert on_old.status_code == 200 and starts(on_old) == ["2014-12-05"]
    on_new = client.post(
        f"/v/{new}/sparql", data={"query": tour_project.start_query}, headers=accept
    )
    assert starts(on_new) == ["2014-12-04"]
    # The old version's own data says which version it is.
    which = client.get(
        f"/v/{old}/sparql",
        params={"query": f"SELECT ?v WHERE {{ <{DATASET_IRI}> <{DCAT3.version}> ?v }}"},
        headers=accept,
    ).json()
    assert [b["v"]["value"] for b in which["results"]["bindings"]] == [old]


def test_the_versions_are_listed_and_unknown_ones_are_404(
    client: TestClient, two_versions: tuple[Settings, str, str]
) -> None:
    _, old, new = two_versions
    listing = client.get("/v/").json()
    assert listing["current"] == new
    assert {v["version"] for v in listing["versions"]} == {old, new}
    info = client.get(f"/v/{old}").json()
    assert info == {
        "version": old,
        "version_iri": str(VERSIONS[old]),
        "current": False,
        "sparql": f"http://testserver/v/{old}/sparql",
    }
    for version in ("ffffffffffff", "not-a-version", "..%2F..%2Fetc"):
        assert client.get(f"/v/{version}/sparql", params={"query": "ASK {}"}).status_code == 404
        assert client.get(f"/v/{version}").status_code == 404


def test_version_engines_stay_few(tmp_path: Path, tour_project: TourProject) -> None:
    # Three versions: two kept copies, and the current one, which is the engine's own.
    scratch = tour_project.make(tmp_path)
    for day in ("2014-12-03", "2014-12-02"):
        tour_project.change_a_fact(scratch, day)
        build(scratch)
    small = Settings(root=scratch.root, workers=1, max_open_versions=1)
    ids = [v.id for v in kept(small.versions_dir)]
    current = current_version(small.dist_dir)
    older = [v for v in ids if v != current]
    assert len(older) == 2

    async def use_both() -> list[list[str]]:
        engine = QueryEngine.from_file(small.dist_dir / "dataset.nq", small)
        engines = VersionEngines(engine, small, small.dist_dir)
        seen = []
        try:
            for version in older:
                async with engines.use(version) as opened:
                    assert await opened.engine.ask("ASK { ?s ?p ?o }")
                seen.append(engines.opened())
        finally:
            engines.close()
            engine.close()
        return seen

    assert asyncio.run(use_both()) == [[older[0]], [older[1]]]
