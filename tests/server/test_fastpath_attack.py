"""Attacks on the fast path (`diplokg.server.fastpath`) and the server's query path: queries the
server process must not spend more than a seek on, checked without a clock.

The server runs in a thread of this process (`serve`), its workers in processes of their own:
a spy put on a function here sees the calls the server process makes, and none of a worker's.
rdflib's SPARQL parser (`diplokg.sparql_text._rdflib_offset`, which the explanation of a syntax
error asks for a position) takes tens of milliseconds on a 4 KB query; in the server process it
stops every client, and nothing bounds it (`diplokg.results.run_job`: "explained here, where a
slow explanation is bounded by the query's deadline", which holds in a worker only).
"""

from __future__ import annotations

import itertools
import string
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from diplokg import sparql_text
from diplokg.config import Settings
from diplokg.server.fastpath import MAX_CHARS

if TYPE_CHECKING:
    from tests.conftest import RunningServer, Serve
    from tests.server.conftest import Health


def _names() -> Iterator[str]:
    """?a, ?b, ... ?_, ?aa, ...: distinct variable names, shortest first."""
    alphabet = string.ascii_letters + string.digits + "_"
    for size in (1, 2, 3):
        for letters in itertools.product(alphabet, repeat=size):
            yield "".join(letters)


def _projection(prefix: str, suffix: str) -> str:
    """`prefix ?a ?b ... suffix` with as many distinct variables as `MAX_CHARS` allows."""
    names: list[str] = []
    for name in _names():
        if len(f"{prefix}{' '.join(f'?{n}' for n in [*names, name])}{suffix}") > MAX_CHARS:
            break
        names.append(name)
    return prefix + " ".join(f"?{n}" for n in names) + suffix


@pytest.fixture(scope="module")
def server(serve: Serve, chain: Path) -> Iterator[RunningServer]:
    with serve(Settings(workers=2), chain) as running:
        yield running


@pytest.fixture(scope="module")
def client(
    server: RunningServer, fast_path_ready: Callable[[httpx.Client], None]
) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as c:
        fast_path_ready(c)
        yield c


@pytest.fixture
def rdflib_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The queries rdflib's parser is asked about in this (the server's) process."""
    calls: list[str] = []
    real = sparql_text._rdflib_offset

    def spy(query: str) -> Any:
        calls.append(query)
        return real(query)

    monkeypatch.setattr(sparql_text, "_rdflib_offset", spy)
    return calls


def test_the_spy_sees_the_server_process(rdflib_parses: list[str]) -> None:
    # The spy can fail: the explanation of this error asks rdflib, here in this process.
    query = "SELECT ?x ?x { ?s ?p ?o } LIMIT 1"
    problem = sparql_text.explain_syntax_error(query, "error at 1:34: expected one of ...")
    assert problem.line == 1
    assert rdflib_parses == [query]


@pytest.mark.server
def test_a_duplicated_projection_is_not_explained_in_the_server_process(
    client: httpx.Client, rdflib_parses: list[str]
) -> None:
    # One triple pattern, LIMIT 1: the recognizer's shape; pyoxigraph refuses the repeated
    # variable of SELECT, and the explanation parses the query with rdflib (about 90 ms at
    # MAX_CHARS characters, 270-330 ms per request under load with two clients sending it).
    for query in (
        "SELECT ?x ?x { ?s ?p ?o } LIMIT 1",
        _projection("SELECT ", " ?a { ?s ?p ?o } LIMIT 1"),
    ):
        response = client.get("/sparql", params={"query": query})
        assert response.status_code == 400, response.text
        assert "syntax error" in response.text
    assert rdflib_parses == []


@pytest.mark.server
def test_a_query_without_a_form_is_not_parsed_by_rdflib_in_the_server_process(
    client: httpx.Client, rdflib_parses: list[str]
) -> None:
    # A prologue and nothing else: the checker's NotAQuery, explained on the event loop
    # (`engine._check`), where rdflib parses the whole prologue (66 ms at 4 KB, 128 ms at
    # 8 KB, before any budget or worker).
    prologue = " ".join(
        f"PREFIX {n}: <http://example.org/>" for n in itertools.islice(_names(), 40)
    )
    response = client.get("/sparql", params={"query": prologue})
    assert response.status_code == 400, response.text
    assert rdflib_parses == []


@pytest.mark.server
def test_a_projection_of_a_thousand_variables_goes_to_a_worker(
    client: httpx.Client, health: Health
) -> None:
    # 100 rows of ~1,000 columns: not "about 4 us a row" but 13-20 ms an answer on an idle
    # machine (CSV costliest), 85 ms under load; a new OFFSET makes each one a cache miss.
    query = _projection("SELECT ", " { ?s ?p ?o } OFFSET 7 LIMIT 100")
    before = health(client)["stats"]["fast_path"]
    response = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.text.count("\n") == 101  # the header and 100 rows
    assert health(client)["stats"]["fast_path"] == before
