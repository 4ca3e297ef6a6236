"""Every error of the REST API is one line, `{"detail": "..."}`: FastAPI's own answer to a
parameter missing or out of bounds (a 422 with a JSON list of objects) is replaced app-wide;
and /api/events negotiates its format by Accept as /api/queries do (406 for what it cannot
give).

Before: `/api/search?limit=-1` (or 100000, or no `q`) gave 422 with FastAPI's list, and
`/api/events` with `Accept: image/png` gave JSON with 200."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from diplokg.config import Settings
from diplokg.events import COLUMNS
from diplokg.server.app import create_app


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(workers=1))) as c:
        yield c


@pytest.mark.parametrize(
    ("path", "params", "detail"),
    [
        pytest.param("/api/search", {}, "parameter 'q' is required", id="no-q"),
        pytest.param(
            "/api/search",
            {"q": "visit", "limit": "-1"},
            "parameter 'limit': input should be greater than or equal to 0 (got '-1')",
            id="negative-limit",
        ),
        pytest.param(
            "/api/search",
            {"q": "visit", "limit": "100000"},
            "parameter 'limit': input should be less than or equal to 100 (got '100000')",
            id="huge-limit",
        ),
        pytest.param(
            "/api/search",
            {"q": "visit", "offset": "x"},
            "parameter 'offset': input should be a valid integer",
            id="offset-not-a-number",
        ),
        pytest.param("/search", {"offset": "-3"}, "parameter 'offset': ", id="search-page"),
    ],
)
def test_a_bad_parameter_is_one_line(
    client: TestClient, path: str, params: dict[str, str], detail: str
) -> None:
    answer = client.get(path, params=params)
    assert answer.status_code == 400
    body = answer.json()
    assert list(body) == ["detail"] and isinstance(body["detail"], str)
    assert body["detail"].startswith(detail)
    assert "\n" not in body["detail"]


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        pytest.param(None, "application/json", id="none"),
        pytest.param("application/json", "application/json", id="json"),
        pytest.param("text/csv", "text/csv", id="csv"),
        pytest.param("application/x-ndjson", "application/x-ndjson", id="plover-jsonl"),
        pytest.param("text/html, text/csv;q=0.5", "text/csv", id="csv-second-choice"),
    ],
)
def test_events_follow_accept(client: TestClient, accept: str | None, media_type: str) -> None:
    headers = {"Accept": accept} if accept else {}
    answer = client.get("/api/events", headers=headers)
    assert answer.status_code == 200
    assert answer.headers["content-type"].split(";")[0] == media_type
    if media_type == "text/csv":
        assert answer.text.splitlines()[0] == ",".join(COLUMNS)
    elif media_type == "application/x-ndjson":
        assert "cameo_code" in json.loads(answer.text.splitlines()[0])
    else:
        assert set(answer.json()[0]) == set(COLUMNS)


def test_events_refuse_what_they_cannot_give(client: TestClient) -> None:
    answer = client.get("/api/events", headers={"Accept": "image/png"})
    assert answer.status_code == 406
    assert answer.json()["detail"].startswith("none of the accepted media types is available")
    # `format` still wins over Accept
    answer = client.get("/api/events", params={"format": "csv"}, headers={"Accept": "image/png"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
