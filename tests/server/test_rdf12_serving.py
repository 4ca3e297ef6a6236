"""Issue 13's RDF 1.2 dump served with the machinery of issues 12 and 15 (the merge of both).

Given no file, the server loads the build's dataset-rdf12.nq: the same quads as dataset.nq plus,
for each statement's reifier, `rdf:reifies <<( s p o )>>`. Its store is cached and verified as
any other; the rebuild watcher watches that file; a kept version keeps it and is served from it,
so an old version answers a triple-term query as the current one does; a graph holding a triple
term is refused in the formats that cannot carry one (406), never taken for a failing store; the
page of a reifier shows.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from diplokg.build import build
from diplokg.build.statements import REIFIES
from diplokg.config import Settings
from diplokg.dataset import DATASET_FILE, RDF12_FILE, read_manifest, served_file
from diplokg.namespaces import DKG, GRAPH_EVIDENCE, GRAPH_VERSION, RDF, RES
from diplokg.server.app import create_app
from diplokg.server.stores import META, open_store, verify
from diplokg.versions import current_version, find

if TYPE_CHECKING:
    from tests.conftest import TourProject

VISIT = RES["visit-2014-12-hollande-kazakhstan"]  # the fact `tour_project.change_a_fact` changes
JSON_RESULTS = {"Accept": "application/sparql-results+json"}
# The start date of the December 2014 visit, read through the RDF 1.2 form of its reifier.
REIFIED_START = (
    f"SELECT ?start WHERE {{ ?r <{REIFIES}> <<( <{VISIT}> <{DKG.startDate}> ?start )>> }}"
)


COUNT_REIFIERS = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?r a <{RDF.Statement}> }}"
COUNT_REIFIES = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?r <{REIFIES}> ?t }}"


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory, tour_project: TourProject) -> Settings:
    return tour_project.make(tmp_path_factory.mktemp("rdf12-serving"))


@pytest.fixture(scope="module")
def client(tour: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(tour)) as test_client:
        yield test_client


def _values(client: TestClient, url: str, query: str, name: str) -> list[str]:
    answer = client.get(url, params={"query": query}, headers=JSON_RESULTS)
    assert answer.status_code == 200, answer.text
    return [row[name]["value"] for row in answer.json()["results"]["bindings"]]


def test_a_build_is_served_from_its_rdf12_dump(tour: Settings) -> None:
    assert served_file(tour.dist_dir) == tour.dist_dir / RDF12_FILE
    # a folder without it (a build before the event model) is served from dataset.nq
    (tour.root / "older").mkdir()
    assert served_file(tour.root / "older") == tour.root / "older" / DATASET_FILE


def test_both_dumps_carry_the_same_version_and_the_same_id(tour: Settings) -> None:
    manifest = read_manifest(tour.dist_dir)
    assert manifest is not None
    plain = (tour.dist_dir / DATASET_FILE).read_text(encoding="utf-8").splitlines(True)
    rdf12 = (tour.dist_dir / RDF12_FILE).read_text(encoding="utf-8").splitlines(True)
    version = [line for line in plain if line.endswith(f"<{GRAPH_VERSION}> .\n")]
    assert len(version) == 6 and set(version) <= set(rdf12)
    # the id, as README's check computes it, from either dump: the version graph left out, and
    # from the RDF 1.2 one its rdf:reifies lines too
    rest = [line for line in rdf12 if line not in version and f" <{REIFIES}> " not in line]
    assert rest == [line for line in plain if line not in version]
    digest = hashlib.sha256("".join(rest).encode()).hexdigest()[:12]
    assert digest == manifest["version"]


def test_the_store_of_the_rdf12_dump_is_verified_and_reused(tour: Settings, tmp_path: Path) -> None:
    settings = Settings(root=tour.root, store_dir=tmp_path / "stores")
    dump = served_file(tour.dist_dir)
    stored = open_store(dump, settings)
    assert verify(stored.path.parent, stored.digest) is None
    lines = dump.read_text(encoding="utf-8").splitlines()
    assert stored.quads == len(lines)  # one quad a line, triple terms included
    # the evidence graph: what build.json counts, plus one rdf:reifies per reifier
    manifest = read_manifest(tour.dist_dir)
    assert manifest is not None
    reifiers = sum(1 for line in lines if f"<{RDF.type}> <{RDF.Statement}>" in line)
    assert reifiers > 0
    evidence = manifest["counts"]["triples_per_graph"]["evidence"]
    assert stored.graphs[str(GRAPH_EVIDENCE)] == evidence + reifiers
    # opened again: the same store, not loaded a second time
    written = (stored.path.parent / META).stat().st_mtime_ns
    again = open_store(dump, settings)
    assert again.path == stored.path
    assert (again.path.parent / META).stat().st_mtime_ns == written


def test_the_endpoint_answers_triple_term_queries(client: TestClient) -> None:
    assert client.app.state.data_path.name == RDF12_FILE  # type: ignore[attr-defined]
    assert client.app.state.engine.source.name == RDF12_FILE  # type: ignore[attr-defined]
    reifies = _values(client, "/sparql", COUNT_REIFIES, "n")
    assert reifies == _values(client, "/sparql", COUNT_REIFIERS, "n") and int(reifies[0]) > 0
    assert _values(client, "/sparql", REIFIED_START, "start") == ["2014-12-05"]


def test_a_triple_term_in_a_graph_format_that_cannot_carry_it_is_a_406(
    client: TestClient,
) -> None:
    construct = f"CONSTRUCT {{ ?r <{REIFIES}> ?t }} WHERE {{ ?r <{REIFIES}> ?t }}"
    engine = client.app.state.engine  # type: ignore[attr-defined]
    for media in ("application/ld+json", "application/rdf+xml"):
        answer = client.get("/sparql", params={"query": construct}, headers={"Accept": media})
        assert answer.status_code == 406, (media, answer.text)
        assert "triple term" in answer.text
    # the client's choice of format, not the store: no repair, the server is healthy
    assert engine.stats["store_repairs"] == 0 and engine.store_problem is None
    assert client.get("/health").json()["status"] == "ok"
    turtle = client.get("/sparql", params={"query": construct}, headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and "<<(" in turtle.text


def test_the_page_of_a_reifier(client: TestClient) -> None:
    slug = "statement/visit-2014-12-hollande-kazakhstan/dkg-startDate/2014-12-05-date"
    page = client.get(f"/resource/{slug}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    # its RDF 1.1 form is shown (the triple term says the same again)
    for words in ("rdf:subject", "rdf:predicate", "rdf:object", "2014-12-05"):
        assert words in page.text, words
    turtle = client.get(f"/resource/{slug}", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and "<<(" in turtle.text
    assert client.get(f"/resource/{slug}.jsonld").status_code == 406


def test_a_rebuild_while_serving_and_the_kept_version_both_speak_rdf12(
    tmp_path: Path, tour_project: TourProject
) -> None:
    settings = tour_project.make(tmp_path)
    old = current_version(settings.dist_dir)
    serving = Settings(root=settings.root, reload_check_s=0.1)
    with TestClient(create_app(serving)) as c:
        before = c.get("/health").json()["dataset"]
        tour_project.change_a_fact(settings, "2014-12-04")
        build(settings)
        new = current_version(settings.dist_dir)
        assert old is not None and new not in (None, old)
        # the watcher watches the file it serves: the new RDF 1.2 dump is picked up
        deadline = time.monotonic() + 30
        while c.get("/health").json()["dataset"] == before:
            assert time.monotonic() < deadline, "the rebuild was not picked up"
            time.sleep(0.1)
        assert _values(c, "/sparql", REIFIED_START, "start") == ["2014-12-04"]
        # the old version is served from its kept RDF 1.2 copy: triple terms answer there too
        kept = find(settings.versions_dir, old)
        assert kept is not None and kept.dataset.name == RDF12_FILE
        assert _values(c, f"/v/{old}/sparql", REIFIED_START, "start") == ["2014-12-05"]
        assert _values(c, f"/v/{new}/sparql", REIFIED_START, "start") == ["2014-12-04"]
        listed = json.loads(c.get("/v/").text)
        assert listed["current"] == new
