"""Issue 12's protections on issue 15's routes (the merge of both).

`/v/{version}/sparql` is the same protocol handler as `/sparql` (checks, limits, HEAD,
If-None-Match, the Host header, the service description at its own address); the kept
versions' engines charge the same per-client budgets, and so does recording a permalink; the
absolute addresses of `/v/`, the permalink records and the annotations' JSON-LD never come from
an unchecked Host header; the new pages carry the safety headers.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import rdflib
from fastapi.testclient import TestClient

from diplokg.build import build
from diplokg.config import Settings
from diplokg.namespaces import SD
from diplokg.permalinks import load
from diplokg.server.app import create_app
from diplokg.server.middleware import CONTENT_SECURITY_POLICY
from diplokg.versions import current_version

if TYPE_CHECKING:
    from tests.conftest import TourProject


JSON_RESULTS = {"Accept": "application/sparql-results+json"}
SLUG = "document-tour"


@pytest.fixture(scope="module")
def two_versions(
    tmp_path_factory: pytest.TempPathFactory, tour_project: TourProject
) -> tuple[Settings, str, str]:
    settings = tour_project.make(tmp_path_factory.mktemp("hardened-versions"))
    old = current_version(settings.dist_dir)
    tour_project.change_a_fact(settings, "2014-12-04")
    build(settings)
    new = current_version(settings.dist_dir)
    assert old is not None and new is not None and old != new
    return settings, old, new


@pytest.fixture(scope="module")
def client(two_versions: tuple[Settings, str, str]) -> Iterator[TestClient]:
    settings, _, _ = two_versions
    with TestClient(create_app(settings)) as test_client:
        yield test_client


class Spy:
    """Records the client keys the budgets are asked to grant worker time to."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, budgets: Any) -> None:
        self.keys: list[str] = []
        grant = budgets.grant

        def recorded(key: str, deadline_s: float) -> Any:
            self.keys.append(key)
            return grant(key, deadline_s)

        monkeypatch.setattr(budgets, "grant", recorded)


# ---------------------------------------------------------------------------------------------
# /v/{version}/sparql goes the way of /sparql
# ---------------------------------------------------------------------------------------------


def test_a_kept_version_answers_head_and_if_none_match(
    client: TestClient, two_versions: tuple[Settings, str, str], tour_project: TourProject
) -> None:
    _, old, _ = two_versions
    url = f"/v/{old}/sparql"
    get = client.get(url, params={"query": tour_project.start_query}, headers=JSON_RESULTS)
    assert get.status_code == 200
    etag = get.headers["ETag"]
    head = client.head(url, params={"query": tour_project.start_query}, headers=JSON_RESULTS)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    for header in (etag, "*", f'"nope", W/{etag}'):
        again = client.get(
            url,
            params={"query": tour_project.start_query},
            headers={**JSON_RESULTS, "If-None-Match": header},
        )
        assert again.status_code == 304 and again.content == b""
        assert again.headers["ETag"] == etag


@pytest.mark.parametrize(
    ("query", "status"),
    [
        pytest.param("ASK { " + "{ " * 300 + "}" * 300 + " }", 400, id="too-deep"),
        pytest.param("ASK { <a:b> <a:c> '" + "x" * 40_000 + "' }", 413, id="too-large"),
        pytest.param("INSERT DATA { <a:b> <a:c> <a:d> }", 403, id="update"),
        pytest.param("ASK { SERVICE <http://example.org/> { ?s ?p ?o } }", 400, id="service"),
        pytest.param("ASK { GRAPH <http://example.org/g> { ?s ?p ?o } }", 200, id="fine"),
    ],
)
def test_a_kept_version_checks_queries_as_sparql_does(
    client: TestClient, two_versions: tuple[Settings, str, str], query: str, status: int
) -> None:
    _, old, _ = two_versions
    kept = client.post(f"/v/{old}/sparql", data={"query": query}, headers=JSON_RESULTS)
    main = client.post("/sparql", data={"query": query}, headers=JSON_RESULTS)
    assert kept.status_code == main.status_code == status, kept.text
    if status != 200:
        assert kept.text == main.text


def test_a_kept_version_describes_itself_at_its_own_address(
    client: TestClient, two_versions: tuple[Settings, str, str]
) -> None:
    _, old, _ = two_versions
    r = client.get(f"/v/{old}/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    assert list(g.objects(None, SD.endpoint)) == [
        rdflib.URIRef(f"http://testserver/v/{old}/sparql")
    ]
    assert "Host" in r.headers["vary"]
    # Relative IRIs resolve against that address, and the answer is not shared.
    relative = client.get(
        f"/v/{old}/sparql",
        params={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"},
        headers={"Accept": "application/n-triples"},
    )
    assert f"<http://testserver/v/{old}/s>" in relative.text
    assert "Host" in relative.headers["vary"]
    assert relative.headers["cache-control"].startswith("private")


@pytest.mark.parametrize(
    "path",
    ["/v/{old}/sparql?query=ASK%7B%7D", "/v/", "/v/{old}", "/document/document-tour.jsonld"],
    ids=["version-sparql", "versions", "version", "jsonld"],
)
def test_a_host_that_is_no_host_is_refused(
    client: TestClient, two_versions: tuple[Settings, str, str], path: str
) -> None:
    _, old, _ = two_versions
    url = path.format(old=old)
    r = client.get(url, headers={"Host": "a b", "Accept": "application/ld+json"})
    assert r.status_code == 400, r.text
    assert "a b" not in r.text


@pytest.mark.parametrize(
    "path",
    ["/v/", "/v/{old}", "/document/document-tour.jsonld"],
    ids=["versions", "version", "jsonld"],
)
def test_absolute_addresses_vary_with_the_host(
    client: TestClient, two_versions: tuple[Settings, str, str], path: str
) -> None:
    _, old, _ = two_versions
    r = client.get(path.format(old=old), headers={"Host": "mirror.example:8080"})
    assert r.status_code == 200
    assert "http://mirror.example:8080/" in r.text and "testserver" not in r.text
    assert "Host" in r.headers["vary"]


def test_public_url_names_every_address_whatever_the_host(
    two_versions: tuple[Settings, str, str], tour_project: TourProject
) -> None:
    settings, old, _ = two_versions
    public = Settings(root=settings.root, public_url="https://kg.example.org")
    with TestClient(create_app(public)) as c:
        evil = {"Host": "evil.example"}
        sd = c.get(f"/v/{old}/sparql", headers={**evil, "Accept": "text/turtle"})
        assert f"<https://kg.example.org/v/{old}/sparql>" in sd.text
        assert "Host" not in sd.headers["vary"]
        link = c.post(
            "/api/permalinks", json={"query": tour_project.start_query}, headers=evil
        ).json()
        assert link["url"] == f"https://kg.example.org/p/{link['id']}"
        record = c.get(f"/api/permalinks/{link['id']}", headers=evil)
        assert "evil" not in record.text and "Host" not in record.headers.get("vary", "")
        listing = c.get("/v/", headers=evil)
        assert "evil" not in listing.text and "https://kg.example.org/v/" in listing.text
        jsonld = c.get(f"/document/{SLUG}.jsonld", headers=evil)
        assert jsonld.json()["id"] == f"https://kg.example.org/document/{SLUG}"


# ---------------------------------------------------------------------------------------------
# Budgets
# ---------------------------------------------------------------------------------------------


def test_kept_versions_and_permalinks_charge_the_clients_budget(
    two_versions: tuple[Settings, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, old, _ = two_versions
    app = create_app(settings)
    with TestClient(app) as c:
        spy = Spy(monkeypatch, app.state.engine.budgets)
        on_old = c.get(
            f"/v/{old}/sparql", params={"query": "ASK { ?s ?p 'kept' }"}, headers=JSON_RESULTS
        )
        assert on_old.status_code == 200
        # Opening the kept version, then its query: both charged to this client.
        assert spy.keys == ["testclient", "testclient"]
        created = c.post("/api/permalinks", json={"query": "ASK { ?s ?p 'cited' }"})
        assert created.status_code == 201
        assert spy.keys == ["testclient"] * 3


def test_a_client_over_its_budget_cannot_open_a_version_or_record_around_it(
    two_versions: tuple[Settings, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, old, _ = two_versions
    app = create_app(settings)
    with TestClient(app) as c:
        budgets = app.state.engine.budgets
        monkeypatch.setattr(budgets, "over_budget", lambda key: True)
        monkeypatch.setattr(budgets, "in_flight", lambda key: 1)  # and a query running
        opened = c.get(f"/v/{old}/sparql", params={"query": "ASK {}"}, headers=JSON_RESULTS)
        assert opened.status_code == 429 and "Retry-After" in opened.headers
        query = "ASK { ?s ?p 'over budget' }"
        refused = c.post("/api/permalinks", json={"query": query})
        assert refused.status_code == 429 and "Retry-After" in refused.headers
        assert not any(
            (p := load(settings.permalinks_dir, f.stem)) is not None and p.query == query
            for f in settings.permalinks_dir.glob("*.json")
        )


# ---------------------------------------------------------------------------------------------
# Safety headers on the new pages; permalinks revalidate
# ---------------------------------------------------------------------------------------------


def test_the_new_pages_carry_the_safety_headers(
    client: TestClient, tour_project: TourProject
) -> None:
    link = client.post("/api/permalinks", json={"query": tour_project.start_query}).json()
    html = {"Accept": "text/html"}
    for url in ("/document/", f"/document/{SLUG}", "/search?q=Astana", f"/p/{link['id']}"):
        r = client.get(url, headers=html)
        assert r.status_code == 200, url
        assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, url
        assert r.headers["x-frame-options"] == "DENY", url
        assert r.headers["x-content-type-options"] == "nosniff", url
        assert "<script>" not in r.text and " style=" not in r.text, url
    for url in ("/api/search?q=Astana", f"/api/permalinks/{link['id']}", "/v/"):
        assert client.get(url).headers["x-content-type-options"] == "nosniff", url


def test_a_permalinks_answer_revalidates(client: TestClient, tour_project: TourProject) -> None:
    link = client.post("/api/permalinks", json={"query": tour_project.start_query}).json()
    first = client.get(f"/p/{link['id']}", headers=JSON_RESULTS)
    etag = first.headers["ETag"]
    again = client.get(f"/p/{link['id']}", headers={**JSON_RESULTS, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    head = client.head(f"/p/{link['id']}", headers=JSON_RESULTS)
    assert head.status_code == 200 and head.content == b""


# ---------------------------------------------------------------------------------------------
# A rebuild while serving (issue 12 picks it up) makes another version current
# ---------------------------------------------------------------------------------------------


def test_a_rebuild_while_serving_moves_the_current_version(
    tmp_path: Path, tour_project: TourProject
) -> None:
    settings = tour_project.make(tmp_path)
    old = current_version(settings.dist_dir)
    serving = Settings(root=settings.root, reload_check_s=0.1)
    with TestClient(create_app(serving)) as c:
        assert c.get("/v/").json()["current"] == old
        before = c.get("/health").json()["dataset"]
        tour_project.change_a_fact(settings, "2014-12-04")
        build(settings)
        new = current_version(settings.dist_dir)
        assert new != old
        deadline = time.monotonic() + 30
        while c.get("/health").json()["dataset"] == before:
            assert time.monotonic() < deadline, "the rebuild was not picked up"
            time.sleep(0.1)
        assert c.get("/v/").json()["current"] == new
        # The version served before is answered from its kept copy, with its own data...
        on_old = c.get(
            f"/v/{old}/sparql", params={"query": tour_project.start_query}, headers=JSON_RESULTS
        )
        assert [b["start"]["value"] for b in on_old.json()["results"]["bindings"]] == ["2014-12-05"]
        on_new = c.get(
            f"/v/{new}/sparql", params={"query": tour_project.start_query}, headers=JSON_RESULTS
        )
        assert [b["start"]["value"] for b in on_new.json()["results"]["bindings"]] == ["2014-12-04"]
        # ...and a permalink recorded now cites the version that answered it.
        link = c.post("/api/permalinks", json={"query": tour_project.start_query}).json()
        assert link["version"] == new
