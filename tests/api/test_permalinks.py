"""Permalinks: a query recorded on a data version answers the same after the data changes.

Exactly the issue's scenario: build a small project in a temporary folder, record a permalink,
change a fact, rebuild, and the permalink still answers as before while the plain query
answers the new data. Then the record, its citations, and every refusal.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from diplokg.build import build
from diplokg.config import Settings
from diplokg.permalinks import (
    Permalink,
    Quota,
    QuotaExceeded,
    citation,
    load,
    normalise,
    record,
)
from diplokg.server.app import create_app
from diplokg.versions import current_version, find

if TYPE_CHECKING:
    from tests.conftest import TourProject


JSON_RESULTS = {"Accept": "application/sparql-results+json"}


def starts(body: bytes) -> list[str]:
    return [b["start"]["value"] for b in json.loads(body)["results"]["bindings"]]


def test_a_permalink_answers_as_before_after_the_data_changed(
    tmp_path: Path, tour_project: TourProject
) -> None:
    settings = tour_project.make(tmp_path)
    with TestClient(create_app(settings)) as client:
        created = client.post("/api/permalinks", json={"query": tour_project.start_query})
        assert created.status_code == 201
        link = created.json()
        assert starts(client.get(f"/p/{link['id']}", headers=JSON_RESULTS).content) == [
            "2014-12-05"
        ]
    old = link["version"]
    assert old == current_version(settings.dist_dir)

    tour_project.change_a_fact(settings, "2014-12-04")  # a curator corrects the start date
    build(settings)
    assert current_version(settings.dist_dir) != old

    with TestClient(create_app(settings)) as client:  # the server restarted on the new build
        plain = client.get(
            "/sparql", params={"query": tour_project.start_query}, headers=JSON_RESULTS
        )
        assert starts(plain.content) == ["2014-12-04"]
        again = client.get(f"/p/{link['id']}", headers=JSON_RESULTS)
        assert again.status_code == 200
        assert starts(again.content) == ["2014-12-05"]
        assert again.headers["Link"] == f'</api/permalinks/{link["id"]}>; rel="describedby"'
        # Recording the same query now is another permalink, on the new version.
        now = client.post("/api/permalinks", json={"query": tour_project.start_query}).json()
        assert now["id"] != link["id"] and now["version"] == current_version(settings.dist_dir)
        assert starts(client.get(f"/p/{now['id']}", headers=JSON_RESULTS).content) == ["2014-12-04"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, tour_project: TourProject) -> Settings:
    return tour_project.make(tmp_path_factory.mktemp("permalinks"))


@pytest.fixture(scope="module")
def client(project: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(project)) as test_client:
        yield test_client


def test_the_same_query_on_the_same_version_is_the_same_link(
    client: TestClient, project: Settings, tour_project: TourProject
) -> None:
    first = client.post("/api/permalinks", json={"query": tour_project.start_query})
    # the same text with other line ends and trailing blanks
    second = client.post("/api/permalinks", json={"query": tour_project.start_query + "  \r\n\r\n"})
    assert second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert second.headers["Location"] == f"/p/{first.json()['id']}"
    stored = load(project.permalinks_dir, first.json()["id"])
    assert stored is not None and stored.query == tour_project.start_query
    # creating it kept its version
    assert find(project.versions_dir, stored.version) is not None


def test_the_record_and_its_citations(client: TestClient, tour_project: TourProject) -> None:
    link = client.post("/api/permalinks", json={"query": tour_project.start_query}).json()
    record_ = client.get(f"/api/permalinks/{link['id']}").json()
    assert record_ == link
    assert set(record_) == {
        "id", "url", "query", "version", "version_iri", "created", "sparql", "citation",
    }  # fmt: skip
    assert record_["url"] == f"http://testserver/p/{link['id']}"
    assert record_["sparql"] == f"http://testserver/v/{link['version']}/sparql"
    bibtex, text = record_["citation"]["bibtex"], record_["citation"]["text"]
    assert bibtex.startswith(f"@misc{{diplokg-{link['id']},")
    for field in ("author", "title", "publisher", "version", "year", "url", "urldate", "note"):
        assert re.search(rf"^  {field} +=", bibtex, re.M), field
    assert f"version   = {{{link['version']}}}" in bibtex
    assert link["version"] in text and link["url"] in text
    assert f"accessed {dt.datetime.now(dt.UTC).date().isoformat()}" in text


def test_browsers_get_the_editor_on_that_version_and_the_cite_box(
    client: TestClient, tour_project: TourProject
) -> None:
    link = client.post("/api/permalinks", json={"query": tour_project.start_query}).json()
    page = client.get(f"/p/{link['id']}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    config = re.search(
        r'<script type="application/json" id="permalink-config">(.*?)</script>', page.text
    )
    assert config is not None
    assert json.loads(config.group(1)) == {
        "id": link["id"],
        "endpoint": f"/v/{link['version']}/sparql",
        "version": link["version"],
        "query": tour_project.start_query,
    }
    assert '<section class="cite"' in page.text and "@misc{diplokg-" in page.text
    box = client.get(f"/p/{link['id']}/cite").text
    assert box.startswith('<section class="cite"') and link["url"] in box
    editor = client.get("/", headers={"Accept": "text/html"}).text
    assert '<script src="/static/cite.js"></script>' in editor


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        pytest.param({"query": ""}, 400, id="empty"),
        pytest.param({"query": "SELECT * WHERE { ?s ?p }"}, 400, id="syntax-error"),
        pytest.param({"query": "INSERT DATA { <a:b> <a:c> <a:d> }"}, 403, id="update"),
        pytest.param(
            {"query": "SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }"},
            400,
            id="service",
        ),
        pytest.param({"query": "ASK {}", "version": "ffffffffffff"}, 404, id="unknown-version"),
        pytest.param({"query": "ASK {}", "version": "../../etc"}, 404, id="hostile-version"),
        pytest.param({"version": "x"}, 422, id="no-query"),
    ],
)
def test_what_cannot_be_recorded(client: TestClient, payload: dict[str, str], status: int) -> None:
    response = client.post("/api/permalinks", json=payload)
    assert response.status_code == status, response.text


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param(b"not json", 422, id="not-json"),
        pytest.param(b'{"query": 1}', 422, id="query-not-a-string"),
        pytest.param(b'{"query": "' + b"x" * 400_000 + b'"}', 413, id="too-large"),
    ],
)
def test_bad_bodies(client: TestClient, body: bytes, status: int) -> None:
    response = client.post(
        "/api/permalinks", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == status, response.text
    assert "detail" in response.json()


def test_unknown_and_gone_permalinks(client: TestClient, project: Settings, tmp_path: Path) -> None:
    for path in ("/p/000000000000", "/api/permalinks/000000000000", "/p/..%2Fbuild", "/p/x/cite"):
        assert client.get(path).status_code == 404, path
    # A permalink to a version no longer kept (pruned by hand) is gone, not wrong.
    gone = Permalink("0123456789ab", "ASK {}", "abcdefabcdef", "2025-01-01T00:00:00Z")
    (project.permalinks_dir / f"{gone.id}.json").write_text(
        json.dumps(vars(gone)), encoding="utf-8"
    )
    assert client.get(f"/p/{gone.id}", headers=JSON_RESULTS).status_code == 410
    assert client.get(f"/p/{gone.id}", headers={"Accept": "text/html"}).status_code == 410


def test_a_server_of_a_plain_file_has_no_version_to_cite(tmp_path: Path) -> None:
    data = tmp_path / "one.nt"
    data.write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    with TestClient(create_app(Settings(root=tmp_path), data)) as client:
        response = client.post("/api/permalinks", json={"query": "ASK {}"})
        assert response.status_code == 409


def test_ids_are_content_hashes(tmp_path: Path) -> None:
    now = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
    one, new = record(tmp_path, "ASK {}\r\n", "aaaaaaaaaaaa", now)
    assert new and one.created == "2025-03-01T12:00:00Z"
    assert record(tmp_path, "ASK {}", "aaaaaaaaaaaa")[0] == one
    assert record(tmp_path, "ASK {}", "bbbbbbbbbbbb")[0].id != one.id
    assert record(tmp_path, "ASK { }", "aaaaaaaaaaaa")[0].id != one.id  # the text is the text
    assert normalise("  SELECT\r\n * {}  \n\n") == "  SELECT\n * {}"
    shutil.rmtree(tmp_path)
    assert load(tmp_path, one.id) is None


def test_citation_strings() -> None:
    link = Permalink("0123456789ab", "ASK {}", "abcdefabcdef", "2025-03-01T12:00:00Z")
    cited = citation(link, "https://example.org/p/0123456789ab", dt.date(2031, 5, 2))
    assert cited.text == (
        "diplokg project. diplokg: France–Kazakhstan relations, SPARQL query 0123456789ab "
        "(dataset version abcdefabcdef, recorded 2025-03-01). "
        "https://example.org/p/0123456789ab (accessed 2031-05-02)."
    )
    assert cited.bibtex == (
        "@misc{diplokg-0123456789ab,\n"
        "  author    = {{diplokg project}},\n"
        "  title     = {{diplokg: France–Kazakhstan relations, SPARQL query 0123456789ab}},\n"
        "  publisher = {diplokg project},\n"
        "  version   = {abcdefabcdef},\n"
        "  year      = {2025},\n"
        "  date      = {2025-03-01},\n"
        "  url       = {https://example.org/p/0123456789ab},\n"
        "  urldate   = {2031-05-02},\n"
        "  note      = {Dataset version abcdefabcdef "
        "(https://w3id.org/diplokg/dataset/version/abcdefabcdef)}\n"
        "}\n"
    )


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_one_client_records_a_bounded_number_of_permalinks_an_hour(tmp_path: Path) -> None:
    clock = FakeClock()
    quota = Quota(max_bytes=0, per_client_hour=2, clock=clock)
    for text in ("ASK {}", "ASK { ?s ?p ?o }"):
        assert record(tmp_path, text, "aaaaaaaaaaaa", quota=quota, client="one")[1]
    clock.now += 600
    with pytest.raises(QuotaExceeded) as refused:
        record(tmp_path, "ASK { ?s ?p 1 }", "aaaaaaaaaaaa", quota=quota, client="one")
    assert refused.value.status == 429 and refused.value.retry_after == 3000
    assert len(list(tmp_path.glob("*.json"))) == 2  # nothing written for the refused one
    # What was recorded before is given back whatever the quota; other clients are not charged.
    assert not record(tmp_path, "ASK {}", "aaaaaaaaaaaa", quota=quota, client="one")[1]
    assert record(tmp_path, "ASK { ?s ?p 1 }", "aaaaaaaaaaaa", quota=quota, client="two")[1]
    clock.now += 3000  # an hour after the first record
    assert record(tmp_path, "ASK { ?s ?p 2 }", "aaaaaaaaaaaa", quota=quota, client="one")[1]


def test_the_records_stay_within_their_room_counting_those_already_there(tmp_path: Path) -> None:
    first, _ = record(tmp_path, "ASK {}", "aaaaaaaaaaaa")
    size = (tmp_path / f"{first.id}.json").stat().st_size
    quota = Quota(max_bytes=2 * size + 10, per_client_hour=0)
    assert record(tmp_path, "ASK { }", "aaaaaaaaaaaa", quota=quota, client="c")[1]
    with pytest.raises(QuotaExceeded) as refused:
        record(tmp_path, "ASK {  }", "aaaaaaaaaaaa", quota=quota, client="c")
    assert refused.value.status == 507 and "full" in refused.value.message
    assert record(tmp_path, "ASK {}", "aaaaaaaaaaaa", quota=quota, client="c")[0] == first


def test_the_server_refuses_new_permalinks_past_its_bounds(
    tmp_path: Path, tour_project: TourProject
) -> None:
    settings = dataclasses.replace(tour_project.make(tmp_path), max_permalinks_per_client_hour=1)
    with TestClient(create_app(settings)) as client:
        first = client.post("/api/permalinks", json={"query": tour_project.start_query})
        assert first.status_code == 201
        second = client.post("/api/permalinks", json={"query": "ASK {}"})
        assert second.status_code == 429, second.text
        assert int(second.headers["Retry-After"]) > 3000
        assert "permalinks in the last hour" in second.json()["detail"]
        assert client.get(f"/p/{first.json()['id']}", headers=JSON_RESULTS).status_code == 200
    full = dataclasses.replace(settings, max_permalink_bytes=1)
    with TestClient(create_app(full)) as client:
        refused = client.post("/api/permalinks", json={"query": "ASK { ?s ?p ?o }"})
        assert refused.status_code == 507, refused.text
        again = client.post("/api/permalinks", json={"query": tour_project.start_query})
        assert again.status_code == 200  # recorded before: the same link, whatever the room
    assert len(list(settings.permalinks_dir.glob("*.json"))) == 1
