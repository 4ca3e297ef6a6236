"""Hostile queries cannot hurt the public endpoint (issue 5).

One test per case: the bad input, the status expected, and the server still answering a
cheap query right after. The server runs with a 1.5 s deadline and small limits so that the
cases stay fast; no test asserts a wall-clock time, only orderings and counters.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import logging
import socket
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pyoxigraph as ox
import pytest
import rdflib
import rdflib.plugins.sparql

from diplokg.config import Settings
from diplokg.server.engine import TRUNCATED_HEADER, TRUNCATED_IRI

if TYPE_CHECKING:
    from tests.conftest import RunningServer, Serve
    from tests.server.conftest import Health, InThread, WaitFor

SRX = "{http://www.w3.org/2005/sparql-results#}"
MAX_ROWS = 50
MAX_BYTES = 20_000
EX = "http://example.org/"  # the namespace of the `chain` dataset (tests/server/conftest.py)
SETTINGS = Settings(
    query_timeout_s=1.5,
    workers=3,
    min_workers=3,  # all started at once: the tests count them
    max_pending=2,
    max_result_rows=MAX_ROWS,
    max_response_bytes=MAX_BYTES,
    client_budget_s=10_000,  # every test comes from 127.0.0.1; budgets are tested apart
)
VALUES = " ".join(str(i) for i in range(60))
# Rust's regex engine does not backtrack, so the "catastrophic" pattern is made slow by
# evaluating it 60^4 = 13 million times.
SLOW_REGEX = (
    "SELECT (COUNT(*) AS ?n) { "
    + " ".join(f"VALUES ?{v} {{ {VALUES} }}" for v in "abcd")
    + ' FILTER(REGEX(CONCAT("aaaaaaaaaaaaaaaaaaaaaaaa", STR(?a + ?b + ?c + ?d)), "^(a+)+$")) }'
)


# Zero-or-more over any predicate: every pair of the 3,000-node chain, about 4.5 million.
SLOW_PATH = f"SELECT (COUNT(*) AS ?n) {{ ?x (<{EX}p>|!<{EX}p>)* ?y }}"
_counter = itertools.count()


@pytest.fixture(scope="module")
def server(chain: Path, serve: Serve) -> Iterator[RunningServer]:
    with serve(SETTINGS, chain) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def assert_alive(chain_length: int) -> Callable[[httpx.Client], None]:
    """`assert_alive(client)`: a cheap query never asked before (so not cached) is answered
    right."""

    def check(client: httpx.Client) -> None:
        n = next(_counter) % chain_length
        r = client.get(
            "/sparql",
            params={"query": f"SELECT ?next {{ <{EX}n{n}> <{EX}next> ?next }}"},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert r.status_code == 200, r.text
        expected = [{"next": {"type": "uri", "value": f"{EX}n{n + 1}"}}]
        assert r.json()["results"]["bindings"] == expected

    return check


def slow(server: RunningServer, query: str = SLOW_REGEX) -> httpx.Response:
    return httpx.post(
        server.sparql,
        content=query.encode(),
        headers={"Content-Type": "application/sparql-query"},
        timeout=30,
    )


# ---------------------------------------------------------------------------------------------
# Isolation
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", [SLOW_REGEX, SLOW_PATH], ids=["regex", "path-p-or-not-p"])
def test_query_past_the_deadline_is_killed_with_503(
    server: RunningServer,
    client: httpx.Client,
    query: str,
    assert_alive: Callable[[httpx.Client], None],
    wait_for: WaitFor,
    health: Health,
) -> None:
    before = health(client)["stats"]["timed_out"]
    r = slow(server, query)
    assert r.status_code == 503
    assert "did not finish within 1.5 s" in r.text
    after = health(client)
    assert after["stats"]["timed_out"] == before + 1
    wait_for(lambda: health(client)["workers"] == SETTINGS.workers, "worker replaced")
    assert_alive(client)


def test_cheap_query_answers_while_two_slow_queries_run(
    server: RunningServer,
    client: httpx.Client,
    assert_alive: Callable[[httpx.Client], None],
    wait_for: WaitFor,
    in_thread: InThread,
    health: Health,
) -> None:
    threads = [in_thread(lambda: slow(server)) for _ in range(2)]
    wait_for(lambda: health(client)["idle"] <= SETTINGS.workers - 2, "two slow queries running")
    assert_alive(client)
    assert all(t.is_alive() for t, _ in threads)  # answered before either slow one ended
    for t, out in threads:
        t.join()
        assert out[0].status_code == 503
    assert_alive(client)


def test_full_server_answers_503_with_retry_after(
    server: RunningServer,
    client: httpx.Client,
    assert_alive: Callable[[httpx.Client], None],
    wait_for: WaitFor,
    in_thread: InThread,
    health: Health,
) -> None:
    running = SETTINGS.workers + SETTINGS.max_pending
    threads = [in_thread(lambda: slow(server)) for _ in range(running)]
    wait_for(
        lambda: health(client)["pending"] == SETTINGS.max_pending,
        "every worker and queue slot taken",
    )
    r = client.post(
        "/sparql", content=b"ASK {}", headers={"Content-Type": "application/sparql-query"}
    )
    assert r.status_code == 503
    assert r.headers["Retry-After"].isdigit()
    for t, _ in threads:
        t.join()
    assert_alive(client)


def test_client_hang_up_cancels_its_query(
    server: RunningServer,
    client: httpx.Client,
    assert_alive: Callable[[httpx.Client], None],
    wait_for: WaitFor,
    health: Health,
) -> None:
    before = health(client)["stats"]["cancelled"]
    port = int(server.url.rsplit(":", 1)[1])
    request = (
        f"GET /sparql?query={urllib.parse.quote(SLOW_REGEX)} HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\nAccept: application/sparql-results+json\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(request)
        wait_for(lambda: health(client)["idle"] < SETTINGS.workers, "slow query running")
    wait_for(lambda: health(client)["stats"]["cancelled"] == before + 1, "query cancelled")
    wait_for(lambda: health(client)["idle"] == SETTINGS.workers, "worker replaced")
    assert_alive(client)


# ---------------------------------------------------------------------------------------------
# Limits
# ---------------------------------------------------------------------------------------------

ALL_LINKS = f"SELECT ?s ?o {{ ?s <{EX}next> ?o }}"


def _rows_json(body: bytes) -> int:
    return len(json.loads(body)["results"]["bindings"])


def _rows_xml(body: bytes) -> int:
    return len(ET.fromstring(body).findall(f"{SRX}results/{SRX}result"))


def _rows_csv(body: bytes) -> int:
    return len(list(csv.reader(io.StringIO(body.decode())))) - 1


def _rows_tsv(body: bytes) -> int:
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.TSV)
    assert isinstance(parsed, ox.QuerySolutions)
    return len(list(parsed))


@pytest.mark.parametrize(
    ("accept", "flag", "rows"),
    [
        ("application/sparql-results+json", f'"link":["{TRUNCATED_IRI}"]', _rows_json),
        ("application/sparql-results+xml", f'<link href="{TRUNCATED_IRI}"/>', _rows_xml),
        ("text/csv", None, _rows_csv),
        ("text/tab-separated-values", None, _rows_tsv),
    ],
    ids=["json", "xml", "csv", "tsv"],
)
def test_too_many_rows_are_cut_flagged_and_still_parse(
    client: httpx.Client,
    accept: str,
    flag: str | None,
    rows: Callable[[bytes], int],
    assert_alive: Callable[[httpx.Client], None],
) -> None:
    r = client.get("/sparql", params={"query": ALL_LINKS}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers[TRUNCATED_HEADER] == f"rows={MAX_ROWS}"
    if flag is not None:
        assert flag in r.text
    else:  # no line a CSV or TSV reader would take for a row
        assert "truncated" not in r.text
    assert rows(r.content) == MAX_ROWS
    assert_alive(client)


@pytest.mark.parametrize(
    ("accept", "fmt", "comment"),
    [
        ("text/turtle", ox.RdfFormat.TURTLE, True),
        ("application/trig", ox.RdfFormat.TRIG, True),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML, True),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES, False),
        ("application/n-quads", ox.RdfFormat.N_QUADS, False),
        ("application/ld+json", ox.RdfFormat.JSON_LD, False),
    ],
    ids=["turtle", "trig", "rdfxml", "ntriples", "nquads", "jsonld"],
)
def test_too_many_triples_are_cut_flagged_and_still_parse(
    client: httpx.Client,
    accept: str,
    fmt: ox.RdfFormat,
    comment: bool,
    assert_alive: Callable[[httpx.Client], None],
) -> None:
    r = client.get(
        "/sparql",
        params={"query": f"CONSTRUCT WHERE {{ ?s <{EX}next> ?o }}"},
        headers={"Accept": accept},
    )
    assert r.headers[TRUNCATED_HEADER] == f"rows={MAX_ROWS}"
    assert ("truncated" in r.text) is comment  # a comment only where every parser skips it
    assert len(list(ox.parse(r.content, format=fmt))) == MAX_ROWS
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.RDF_XML):
        rdflib_format = {"text/turtle": "turtle", "application/n-triples": "nt"}.get(accept, "xml")
        assert len(rdflib.Graph().parse(data=r.content, format=rdflib_format)) == MAX_ROWS
    assert_alive(client)


def test_small_result_is_not_flagged(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": ALL_LINKS + " LIMIT 5"})
    assert TRUNCATED_HEADER not in r.headers
    assert "truncated" not in r.text
    assert len(r.json()["results"]["bindings"]) == 5


def test_too_many_bytes_are_cut_and_flagged(
    client: httpx.Client, assert_alive: Callable[[httpx.Client], None]
) -> None:
    big = "x" * 1000
    query = f'SELECT ?s (CONCAT(STR(?s), "{big}") AS ?big) {{ ?s <{EX}next> ?o }} LIMIT 40'
    r = client.get("/sparql", params={"query": query})
    assert r.status_code == 200
    assert len(r.content) <= MAX_BYTES + 500  # the flag itself adds a few bytes
    rows = len(r.json()["results"]["bindings"])
    assert 0 < rows < 40
    assert r.headers[TRUNCATED_HEADER] == f"rows={rows}"
    assert_alive(client)


@pytest.mark.parametrize("how", ["direct", "form"])
def test_query_too_large_gets_413(
    client: httpx.Client, how: str, assert_alive: Callable[[httpx.Client], None]
) -> None:
    query = "ASK {} #" + "x" * (SETTINGS.max_query_bytes + 1)
    if how == "direct":
        r = client.post(
            "/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"}
        )
    else:
        r = client.post("/sparql", data={"query": query})
    assert r.status_code == 413
    assert_alive(client)


def test_deep_nesting_is_refused_before_parsing(
    client: httpx.Client,
    assert_alive: Callable[[httpx.Client], None],
    health: Health,
) -> None:
    query = "SELECT * WHERE " + "{" * 3000 + "}" * 3000  # Oxigraph's parser aborts on this
    r = client.post(
        "/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert r.status_code == 400
    assert "deeper than" in r.text
    assert health(client)["stats"]["crashed"] == 0
    assert_alive(client)


# ---------------------------------------------------------------------------------------------
# No outbound access
# ---------------------------------------------------------------------------------------------


class Listener:
    """Counts TCP connections made to a port on 127.0.0.1."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock  # bound to 127.0.0.1
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.connections = 0
        self._stop = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop = True
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener(bound_socket: Callable[[], socket.socket]) -> Iterator[Listener]:
    lst = Listener(bound_socket())
    yield lst
    lst.close()


def test_listener_sees_pyoxigraph_calling_out(listener: Listener, wait_for: WaitFor) -> None:
    """Control: the listener does catch a SERVICE call when nothing refuses it."""
    store = ox.Store()
    with pytest.raises(OSError):
        solutions = store.query(f"SELECT * {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}")
        assert isinstance(solutions, ox.QuerySolutions)
        list(solutions)
    wait_for(lambda: listener.connections > 0, "a connection")


def _outbound_cases(url: str) -> list[tuple[str, dict[str, str], int]]:
    quoted = urllib.parse.quote(url, safe="")
    return [
        (f"SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}", {}, 400),
        (f"SELECT * {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}", {}, 400),
        (f"SELECT * FROM <{url}> {{ ?s ?p ?o }}", {}, 400),
        (f"SELECT * FROM NAMED <{url}> {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}, 400),
        ("ASK { ?s ?p ?o }", {"default-graph-uri": url}, 400),
        ("ASK { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": url}, 400),
        (f"LOAD <{url}>", {}, 403),
        (f"SELECT * {{ GRAPH <{url}> {{ ?s ?p ?o }} }}", {}, 200),
        (f"DESCRIBE <{url}>", {}, 200),
        (f'SELECT (IRI("{quoted}") AS ?x) {{}}', {}, 200),
    ]


def test_no_query_makes_the_server_connect_out(
    server: RunningServer,
    client: httpx.Client,
    listener: Listener,
    assert_alive: Callable[[httpx.Client], None],
) -> None:
    for query, params, status in _outbound_cases(listener.url):
        r = client.get("/sparql", params={"query": query, **params})
        assert r.status_code == status, (query, r.text)
    time.sleep(0.2)  # give any stray connection time to land
    assert listener.connections == 0
    assert_alive(client)


def test_no_query_reads_a_local_file(
    server: RunningServer,
    client: httpx.Client,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    assert_alive: Callable[[httpx.Client], None],
) -> None:
    secret = tmp_path / "secret.ttl"
    secret.write_text('<http://example.org/a> <http://example.org/b> "s3cret" .\n')
    url = secret.as_uri()
    query = f"SELECT ?o FROM <{url}> {{ ?s ?p ?o }}"
    # Control: an rdflib Dataset, as rdflib-endpoint serves one, reads the file with
    # rdflib's default SPARQL_LOAD_GRAPHS, so the check below is shown able to fail.
    assert rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS is False  # turned off by create_app
    monkeypatch.setattr(rdflib.plugins.sparql, "SPARQL_LOAD_GRAPHS", True)
    assert [str(row[0]) for row in rdflib.Dataset(default_union=True).query(query)] == ["s3cret"]  # type: ignore[index]
    monkeypatch.undo()
    for q, params in [
        (query, {}),
        (f"SELECT ?o {{ GRAPH <{url}> {{ ?s ?p ?o }} }}", {}),
        ("SELECT ?o { ?s ?p ?o }", {"default-graph-uri": url}),
        ("SELECT ?o FROM <file:///etc/passwd> { ?s ?p ?o }", {}),
    ]:
        r = client.get("/sparql", params={"query": q, **params})
        assert r.status_code in (200, 400)
        assert "s3cret" not in r.text
        assert "root:" not in r.text
    assert_alive(client)


# ---------------------------------------------------------------------------------------------
# Updates
# ---------------------------------------------------------------------------------------------

COUNT_ALL = "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"


@pytest.mark.parametrize(
    ("method", "params", "headers", "body"),
    [
        ("GET", {"update": "CLEAR ALL"}, {}, None),
        ("POST", {}, {"Content-Type": "application/x-www-form-urlencoded"}, b"update=DROP%20ALL"),
        ("POST", {}, {"Content-Type": "application/sparql-update"}, b"CLEAR ALL"),
        ("POST", {}, {"Content-Type": "application/sparql-query"}, b"DROP ALL"),
        ("GET", {"query": f"INSERT DATA {{ <{EX}a> <{EX}b> <{EX}c> }}"}, {}, None),
        ("GET", {"query": f"DELETE WHERE {{ <{EX}n1> ?p ?o }}"}, {}, None),
        (
            "GET",
            {"query": f"WITH <{EX}chain> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}"},
            {},
            None,
        ),
    ],
    ids=[
        "get-update",
        "form-update",
        "direct-update",
        "update-as-query",
        "insert-data",
        "delete-where",
        "with-delete",
    ],
)
def test_updates_are_refused_and_change_nothing(
    client: httpx.Client,
    method: str,
    params: dict[str, str],
    headers: dict[str, str],
    body: bytes | None,
    chain_length: int,
    assert_alive: Callable[[httpx.Client], None],
) -> None:
    def count() -> int:
        r = client.get("/sparql", params={"query": COUNT_ALL + f" # {next(_counter)}"})
        return int(r.json()["results"]["bindings"][0]["n"]["value"])

    before = count()
    r = client.request(method, "/sparql", params=params, headers=headers, content=body)
    assert r.status_code == 403
    assert "read-only" in r.text
    assert count() == before == chain_length + 100
    assert_alive(client)


# ---------------------------------------------------------------------------------------------
# Errors, encodings, CORS, health, logs, caching
# ---------------------------------------------------------------------------------------------


def test_internal_error_is_500_with_request_id_only(
    server: RunningServer,
    client: httpx.Client,
    monkeypatch: pytest.MonkeyPatch,
    assert_alive: Callable[[httpx.Client], None],
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Connection refused by 10.1.2.3:5432 in /srv/secret.py")

    monkeypatch.setattr(server.app.state.engine, "execute", broken)
    r = client.get("/sparql", params={"query": "ASK {}"})
    assert r.status_code == 500
    rid = r.headers["X-Request-Id"]
    assert rid in r.text
    assert "Connection refused" not in r.text
    assert "10.1.2.3" not in r.text
    monkeypatch.undo()
    assert_alive(client)


def test_syntax_error_is_400_with_a_short_message(
    client: httpx.Client, assert_alive: Callable[[httpx.Client], None]
) -> None:
    r = client.get("/sparql", params={"query": "SELECT ?x WHERE { ?x ?y }"})
    assert r.status_code == 400
    assert r.text.startswith("syntax error")
    assert len(r.text) < 400
    assert_alive(client)


@pytest.mark.parametrize(
    ("method", "url", "headers", "body"),
    [
        ("POST", "/sparql", {"Content-Type": "application/sparql-query"}, b"ASK { \xc3\x28 }"),
        ("POST", "/sparql", {"Content-Type": "application/x-www-form-urlencoded"}, b"query=%C3%28"),
        ("GET", "/sparql?query=ASK%20%7B%C3%28%7D", {}, None),
    ],
    ids=["direct", "form", "get"],
)
def test_invalid_utf8_is_400(
    client: httpx.Client,
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes | None,
    assert_alive: Callable[[httpx.Client], None],
) -> None:
    r = client.request(method, url, headers=headers, content=body)
    assert r.status_code == 400
    assert "UTF-8" in r.text
    assert_alive(client)


def test_cors_allows_any_origin_without_credentials(client: httpx.Client) -> None:
    r = client.get(
        "/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://evil.example"}
    )
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in r.headers
    pre = client.options(
        "/sparql",
        headers={
            "Origin": "https://evil.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert pre.status_code == 200
    assert set(pre.headers["Access-Control-Allow-Methods"].replace(" ", "").split(",")) == {
        "GET",
        "POST",
    }
    assert "Access-Control-Allow-Credentials" not in pre.headers


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_cors_preflight_refuses_other_methods(
    client: httpx.Client, method: str, assert_alive: Callable[[httpx.Client], None]
) -> None:
    pre = client.options(
        "/sparql",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": method},
    )
    assert pre.status_code == 400
    assert_alive(client)


def test_health(client: httpx.Client, health: Health) -> None:
    doc = health(client)
    assert doc["status"] == "ok"
    assert doc["graphs"] == 2
    assert doc["workers"] == SETTINGS.workers


def test_each_request_logs_one_line_with_its_timing(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="diplokg.endpoint"):
        r = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    lines = [rec.getMessage() for rec in caplog.records if rec.name == "diplokg.endpoint"]
    assert len(lines) == 1
    assert lines[0].startswith("GET /sparql 200 ")
    assert lines[0].endswith(f"ms id={r.headers['X-Request-Id']}")


def test_repeated_query_is_cached_and_revalidated(client: httpx.Client, health: Health) -> None:
    query = f"SELECT ?o {{ <{EX}n7> ?p ?o }} # etag"
    first = client.get("/sparql", params={"query": query})
    hits = health(client)["stats"]["cache_hits"]
    second = client.get("/sparql", params={"query": query})
    assert health(client)["stats"]["cache_hits"] == hits + 1
    assert second.content == first.content
    assert second.headers["ETag"] == first.headers["ETag"]
    assert "max-age" in first.headers["Cache-Control"]
    again = client.get(
        "/sparql", params={"query": query}, headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    assert again.content == b""
    other = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    assert other.headers["ETag"] != first.headers["ETag"]
    assert json.loads(first.content)["results"]["bindings"][0]["o"]["value"] == f"{EX}n8"
