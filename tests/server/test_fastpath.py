"""The fast path (`diplokg.server.fastpath`): which queries the server process answers itself,
and that such an answer is the one a worker gives, byte for byte, in every results format.

The recognizer's rules are in the module's docstring. A query goes to a worker unless it is
one of the shapes listed there; rdflib's SPARQL parser is the independent judge of what a
query is (its algebra), for the generated near-miss queries.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from rdflib import BNode, Literal, URIRef, Variable
from rdflib.plugins.sparql import prepareQuery

from diplokg.config import Settings
from diplokg.formats import RESULT_FORMATS
from diplokg.protocol import QueryRejected, check_query
from diplokg.server.engine import TRUNCATED_HEADER
from diplokg.server.fastpath import MAX_ROWS, MAX_SCANNED, is_cheap, is_cheap_query

if TYPE_CHECKING:
    from tests.conftest import RunningServer, Serve
    from tests.server.conftest import Health

EX = "http://example.org/"
PREFIX = f"PREFIX ex: <{EX}>\n"

# Answered in the server process.
CHEAP = {
    "ask-one-pattern": 'ASK { ?s ?p "node 7"@en }',
    "ask-where-dot": f"ask where {{ <{EX}n1> ?p ?o . }}",
    "ask-graph": f"ASK {{ GRAPH <{EX}chain> {{ ?s <{EX}next> ?o }} }}",
    "ask-a": "ASK { ?s a ?o }",
    "ask-datatype": f'{PREFIX}ASK {{ ?s ?p "x"^^ex:type }}',
    "ask-prefixed": f"{PREFIX}ASK {{ ex:n5 ex:next ?o }}",
    "ask-base": f"BASE <{EX}> ASK {{ <n5> ?p ?o }}",
    "ask-dollar": "ASK { $s ?p 'node 1'@en }",
    "select-limit": f"SELECT ?s {{ ?s <{EX}next> ?o }} LIMIT 10",
    "select-star-offset": f"SELECT * WHERE {{ ?s ?p <{EX}n5> }} OFFSET 1 LIMIT 5",
    "select-offset-first": "SELECT ?s ?p { ?s ?p ?o } OFFSET 900 LIMIT 100",
    "select-limit-0": "SELECT ?s { ?s ?p ?o } LIMIT 0",
    "select-graph": f"SELECT ?s ?p {{ GRAPH <{EX}labels> {{ ?s ?p ?l }} }} LIMIT 100",
    "select-keyword-in-string": 'SELECT ?s { ?s ?p "FILTER OPTIONAL ORDER BY" } LIMIT 1',
}

# Sent to a worker, one query per rejection class.
NOT_CHEAP = {
    "filter": "ASK { ?s ?p ?o FILTER(STRLEN(STR(?o)) > 1000) }",
    # an object may be a literal of any length (the attack: 100 of 150 KB took 485 ms here)
    "select-object": "SELECT ?o { ?s ?p ?o } LIMIT 1",
    "select-star-object": "SELECT * { ?s ?p ?o } LIMIT 1",
    # columns the pattern does not bind (the attack: a thousand of them took 13-20 ms here)
    "select-unbound-column": "SELECT ?s ?z { ?s ?p ?o } LIMIT 3",
    # a syntax error, which only a worker may explain (rdflib's parser, unbounded)
    "select-repeated-projection": "SELECT ?s ?s { ?s ?p ?o } LIMIT 1",
    "filter-in-select": "SELECT ?s { ?s ?p ?o FILTER(?o = 1) } LIMIT 1",
    "optional": "ASK { ?s ?p ?o OPTIONAL { ?o ?q ?r } }",
    "union": "ASK { { ?s ?p ?o } UNION { ?o ?p ?s } }",
    "minus": "ASK { ?s ?p ?o MINUS { ?s ?q ?r } }",
    "bind": "ASK { ?s ?p ?o BIND(1 AS ?x) }",
    "values": "ASK { ?s ?p ?o } VALUES ?s { <http://example.org/n1> }",
    "values-inside": "ASK { VALUES ?s { <http://example.org/n1> } ?s ?p ?o }",
    "sub-select": "ASK { { SELECT ?s { ?s ?p ?o } LIMIT 1 } }",
    "two-patterns": "ASK { ?s ?p ?o . ?o ?q ?r }",
    "semicolon": "ASK { ?s ?p ?o ; ?q ?r }",
    "comma": "ASK { ?s ?p ?o , ?r }",
    "path-sequence": f"ASK {{ ?s <{EX}next>/<{EX}next> ?o }}",
    "path-star": f"ASK {{ ?s <{EX}next>* ?o }}",
    "path-inverse": f"ASK {{ ?s ^<{EX}next> ?o }}",
    "repeated-variable": "ASK { ?s ?p ?s }",
    "repeated-variable-dollar": "ASK { ?s ?s $s }",
    "blank-node-label": "ASK { _:b ?p _:b }",
    "blank-node-brackets": "ASK { [] ?p ?o }",
    "blank-node-property-list": "ASK { [ ?p ?o ] ?q ?r }",
    "graph-variable": "ASK { GRAPH ?g { ?s ?p ?o } }",
    "from": f"ASK FROM <{EX}chain> {{ ?s ?p ?o }}",
    "from-named": f"ASK FROM NAMED <{EX}chain> {{ GRAPH <{EX}chain> {{ ?s ?p ?o }} }}",
    "comment": "ASK { ?s ?p ?o } # a comment",
    "comment-hiding-filter": "ASK { ?s ?p ?o #\n FILTER(true) }",
    "brace-in-string": 'ASK { ?s ?p "} FILTER(true) {" }',
    "escape-in-string": 'ASK { ?s ?p "a\\"b" }',
    "long-string": 'ASK { ?s ?p """x""" }',
    "escape-in-iri": "ASK { <http://example.org/\\u006E1> ?p ?o }",
    "number": "ASK { ?s ?p 1 }",
    "boolean": "ASK { ?s ?p true }",
    "literal-subject": 'ASK { "x" ?p ?o }',
    "triple-term": "ASK { ?s ?p <<( ?a ?b ?c )>> }",
    "distinct": "SELECT DISTINCT ?s { ?s ?p ?o } LIMIT 1",
    "reduced": "SELECT REDUCED ?s { ?s ?p ?o } LIMIT 1",
    "order-by": "SELECT ?s { ?s ?p ?o } ORDER BY ?s LIMIT 1",
    "group-by": "SELECT ?s { ?s ?p ?o } GROUP BY ?s LIMIT 1",
    "aggregate": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o } LIMIT 1",
    "expression": "SELECT (STR(?s) AS ?t) { ?s ?p ?o } LIMIT 1",
    "no-limit": "SELECT ?s { ?s ?p ?o }",
    "offset-only": "SELECT ?s { ?s ?p ?o } OFFSET 1",
    "limit-too-large": f"SELECT ?s {{ ?s ?p ?o }} LIMIT {MAX_ROWS + 1}",
    "huge-offset": "SELECT ?s { ?s ?p ?o } OFFSET 1000000000 LIMIT 1",
    "scan-too-long": f"SELECT ?s {{ ?s ?p ?o }} OFFSET {MAX_SCANNED} LIMIT 1",
    "limit-exponent": "SELECT ?s { ?s ?p ?o } LIMIT 1e1",
    "ask-limit": "ASK { ?s ?p ?o } LIMIT 1",
    "construct": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1",
    "describe": "DESCRIBE <http://example.org/n1>",
    "upper-case-a": "ASK { ?s A ?o }",
    "non-ascii-variable": "ASK { ?s ?p ?é }",
    "trailing-dots": "ASK { ?s ?p ?o .. }",
}


def lexed(query: str, **dataset: Any) -> Any:
    return check_query(
        query,
        max_bytes=100_000,
        max_depth=64,
        dataset_graphs=[f"{EX}chain", f"{EX}labels"],
        **dataset,
    )


# ---------------------------------------------------------------------------------------------
# The recognizer (unit)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", CHEAP.values(), ids=CHEAP.keys())
def test_cheap_shapes_are_recognized(query: str) -> None:
    assert is_cheap_query(query, lexed(query))


@pytest.mark.parametrize("query", NOT_CHEAP.values(), ids=NOT_CHEAP.keys())
def test_every_other_shape_goes_to_a_worker(query: str) -> None:
    try:
        info = lexed(query)
    except QueryRejected:  # refused before either path: not answered here either
        return
    assert not is_cheap_query(query, info)


def test_protocol_dataset_and_length_go_to_a_worker() -> None:
    query = CHEAP["ask-one-pattern"]
    info = lexed(query, default_graph_uris=[f"{EX}chain"])
    assert not is_cheap_query(query, info, protocol_dataset=True)
    long_query = "ASK { ?s ?p " + '"' + "x" * 5000 + '" }'
    assert is_cheap(lexed(long_query).tokens)  # the shape alone is cheap
    assert not is_cheap_query(long_query, lexed(long_query))


# The judge of the property test: rdflib's algebra of the query, or None when rdflib cannot
# parse it. Cheap means: ASK or SELECT (a Slice within the bounds over a projection) of one
# basic graph pattern of one triple, optionally inside GRAPH <iri>, no blank node, no variable
# twice, no dataset clause.


def _one_triple(node: Any) -> bool:
    if node.name == "Graph":
        if not isinstance(node.term, URIRef):
            return False
        node = node.p
    if node.name != "BGP" or len(node.triples) != 1:
        return False
    s, p, o = node.triples[0]
    terms = (s, p, o)
    if any(isinstance(t, BNode) for t in terms):
        return False
    if isinstance(s, Literal) or isinstance(p, Literal):
        return False
    names = [t for t in terms if isinstance(t, Variable)]
    return len(names) == len(set(names))


def judged_cheap(query: str) -> bool | None:
    try:
        algebra = prepareQuery(query).algebra
    except Exception:
        return None
    if algebra.get("datasetClause"):
        return False
    node = algebra.p
    if algebra.name == "AskQuery":
        return node.name == "Project" and _one_triple(node.p)
    if algebra.name != "SelectQuery" or node.name != "Slice" or node.length is None:
        return False
    if node.length > MAX_ROWS or node.start + node.length > MAX_SCANNED:
        return False
    return node.p.name == "Project" and _one_triple(node.p.p)


BASES = [
    "ASK { ?s ?p ?o }",
    "ASK { ?s <http://example.org/next> ?o . }",
    'ASK { ?s ?p "node 7"@en }',
    "ASK WHERE { GRAPH <http://example.org/chain> { ?s ?p ?o } }",
    "SELECT ?s ?o { ?s ?p ?o } LIMIT 10",
    "SELECT * { ?s a ?o } OFFSET 20 LIMIT 5",
    'PREFIX ex: <http://example.org/> SELECT ?s { ?s ex:next "x"^^ex:t } LIMIT 100',
]
FRAGMENTS = [
    "?s",
    "?p",
    "?o",
    "$s",
    "?x",
    "_:b",
    "[]",
    "[",
    "]",
    "(",
    ")",
    "{",
    "}",
    ".",
    ";",
    ",",
    "a",
    "A",
    "*",
    "/",
    "|",
    "^",
    "^^",
    "+",
    "?",
    "!",
    "1",
    "-1",
    "1.5",
    "true",
    "@en",
    '"x"',
    "'y'",
    '"{"',
    '"}"',
    '"#"',
    '"\\""',
    '"""z"""',
    "<http://example.org/n1>",
    "<http://example.org/\\u006E1>",
    "ex:n1",
    "_:x",
    ":n1",
    "ex:",
    "# c\n",
    "FILTER(?o)",
    "FILTER",
    "OPTIONAL",
    "UNION",
    "MINUS",
    "BIND(1 AS ?z)",
    "VALUES ?s { <http://e/a> }",
    "GRAPH",
    "GRAPH ?g {",
    "SERVICE <http://e/> {",
    "FROM <http://example.org/chain>",
    "FROM NAMED <http://example.org/chain>",
    "DISTINCT",
    "REDUCED",
    "ORDER BY ?s",
    "GROUP BY ?s",
    "HAVING(true)",
    "(COUNT(*) AS ?n)",
    "LIMIT",
    "OFFSET",
    "LIMIT 5",
    "LIMIT 101",
    "OFFSET 999",
    "LIMIT 0",
    "OFFSET 1000000",
    "SELECT",
    "ASK",
    "WHERE",
    "CONSTRUCT",
    "PREFIX ex: <http://example.org/>",
    "BASE <http://example.org/>",
    "<<(",
    ")>>",
    "{|",
    "|}",
    "<n1>",
    "?s ?s",
    "?o ?p ?s",
    "EXISTS",
    "NOT",
    "IN",
    "=",
]


def near_misses(count: int, seed: int = 16) -> Iterator[str]:
    """Queries made from `BASES` by one to three random edits: a fragment inserted, a piece
    deleted, repeated, or replaced by a fragment."""
    rng = random.Random(seed)
    for _ in range(count):
        pieces = rng.choice(BASES).split(" ")
        for _ in range(rng.randint(1, 3)):
            edit = rng.randrange(4)
            at = rng.randrange(len(pieces) + (edit == 0))
            if edit == 0:
                pieces.insert(at, rng.choice(FRAGMENTS))
            elif edit == 1 and len(pieces) > 1:
                del pieces[at]
            elif edit == 2:
                pieces.insert(at, pieces[at])
            else:
                pieces[at] = rng.choice(FRAGMENTS)
        yield " ".join(pieces)


def test_near_miss_queries_are_answered_here_only_when_rdflib_reads_them_as_cheap() -> None:
    accepted = refused = 0
    for query in near_misses(4000):
        try:
            info = lexed(query)
        except QueryRejected:
            continue
        if not is_cheap_query(query, info):
            refused += 1
            continue
        accepted += 1
        verdict = judged_cheap(query)
        if verdict is None:  # not SPARQL rdflib reads: pyoxigraph must refuse it too, at once
            import pyoxigraph as ox

            with pytest.raises(SyntaxError):
                ox.Store().query(query)
        else:
            assert verdict, query
    # Both sides were exercised: the edits make cheap queries and near misses.
    assert accepted >= 50 and refused >= 2000, (accepted, refused)


def test_the_judge_finds_what_a_wrong_recognizer_would_accept() -> None:
    # The property test can fail: each of these is a near miss rdflib reads as not cheap.
    for name in ("repeated-variable", "blank-node-label", "graph-variable", "filter", "from"):
        assert judged_cheap(NOT_CHEAP[name]) is False, name
    assert judged_cheap(CHEAP["select-offset-first"]) is True


# ---------------------------------------------------------------------------------------------
# The server: which path answered, and the same bytes from both
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(serve: Serve, chain: Path) -> Iterator[RunningServer]:
    with serve(Settings(workers=2, max_result_rows=50), chain) as running:
        yield running


@pytest.fixture(scope="module")
def client(
    server: RunningServer, fast_path_ready: Callable[[httpx.Client], None]
) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        fast_path_ready(c)
        yield c


def counted(c: httpx.Client, health: Health, request: Any) -> tuple[httpx.Response, int, int]:
    """The response to `request()`, and how much the fast-path and query counters grew."""
    before = health(c)["stats"]
    response = request()
    after = health(c)["stats"]
    return (
        response,
        after["fast_path"] - before["fast_path"],
        after["queries"] - before["queries"],
    )


@pytest.mark.server
@pytest.mark.parametrize("name", NOT_CHEAP.keys())
def test_each_rejection_class_is_answered_by_a_worker(
    client: httpx.Client, health: Health, name: str
) -> None:
    query = NOT_CHEAP[name]
    response, fast, queries = counted(
        client, health, lambda: client.get("/sparql", params={"query": query})
    )
    assert fast == 0, (name, response.status_code)
    if response.status_code == 200:
        assert queries == 1  # it was run, by a worker


@pytest.mark.server
def test_a_protocol_dataset_sends_a_cheap_query_to_a_worker(
    client: httpx.Client, health: Health
) -> None:
    params = {"query": "ASK { ?s ?p 'protocol dataset' }", "default-graph-uri": f"{EX}chain"}
    response, fast, queries = counted(client, health, lambda: client.get("/sparql", params=params))
    assert response.status_code == 200 and (fast, queries) == (0, 1)


@pytest.mark.server
def test_a_client_over_its_budget_is_answered_by_a_worker(
    server: RunningServer, client: httpx.Client, health: Health
) -> None:
    # An over-budget client shares one worker whatever it sends; the server process is no
    # way around that (the attack: the 429 needs a query in flight, which a fast-path answer
    # never leaves). Its bucket is emptied as its queries would have emptied it.
    budgets = server.app.state.engine.budgets
    query = "ASK { ?s ?p 'over budget' }"
    _, fast, _ = counted(client, health, lambda: client.get("/sparql", params={"query": query}))
    assert fast == 1  # within budget: answered here
    bucket = budgets._bucket("127.0.0.1")
    kept, bucket.tokens = bucket.tokens, -budgets.capacity
    try:
        assert budgets.over_budget("127.0.0.1")
        query = "ASK { ?s ?p 'over budget, again' }"
        response, fast, queries = counted(
            client, health, lambda: client.get("/sparql", params={"query": query})
        )
    finally:
        bucket.tokens = kept
    assert response.status_code == 200 and (fast, queries) == (0, 1)


def _headers(response: httpx.Response) -> dict[str, str]:
    skip = {"x-request-id", "date"}
    return {k: v for k, v in response.headers.items() if k not in skip}


@pytest.mark.server
@pytest.mark.parametrize("fmt", RESULT_FORMATS, ids=lambda f: f.key)
@pytest.mark.parametrize("name", CHEAP.keys())
def test_an_answer_from_the_server_process_is_a_workers_byte_for_byte(
    client: httpx.Client, health: Health, name: str, fmt: Any
) -> None:
    """The same query with a comment goes to a worker (comments are refused): same status,
    body, ETag, headers; then If-None-Match and HEAD on the fast path."""
    query = CHEAP[name]
    accept = {"Accept": fmt.media_type}
    here, fast, _ = counted(
        client, health, lambda: client.get("/sparql", params={"query": query}, headers=accept)
    )
    assert fast == 1, name
    there, fast, queries = counted(
        client,
        health,
        lambda: client.get("/sparql", params={"query": query + "\n# worker"}, headers=accept),
    )
    assert (fast, queries) == (0, 1)
    assert here.status_code == there.status_code == 200
    assert here.content == there.content
    assert _headers(here) == _headers(there)
    assert here.headers["content-type"].startswith(fmt.media_type)
    # Conditional and HEAD requests of a new text (no cache): answered here too.
    again = query.replace("{", "{ ", 1)
    etag = here.headers["etag"]
    cond, fast, _ = counted(
        client,
        health,
        lambda: client.get(
            "/sparql", params={"query": again}, headers={**accept, "If-None-Match": etag}
        ),
    )
    assert (cond.status_code, cond.content, fast) == (304, b"", 1)
    head, fast, _ = counted(
        client,
        health,
        lambda: client.head("/sparql", params={"query": again + " "}, headers=accept),
    )
    assert (head.status_code, head.content, fast) == (200, b"", 1)
    assert head.headers["etag"] == etag


@pytest.mark.server
def test_the_row_limit_holds_on_the_fast_path(client: httpx.Client, health: Health) -> None:
    # The server keeps 50 rows at most (max_result_rows): LIMIT 100 is cut, and says so.
    query = "SELECT ?s ?p { ?s ?p ?o } LIMIT 100"
    here, fast, _ = counted(client, health, lambda: client.get("/sparql", params={"query": query}))
    assert fast == 1
    assert here.headers[TRUNCATED_HEADER] == "rows=50"
    assert len(here.json()["results"]["bindings"]) == 50
    there = client.get("/sparql", params={"query": query + " # worker"})
    assert there.content == here.content and there.headers["etag"] == here.headers["etag"]


@pytest.mark.server
def test_a_query_error_on_the_fast_path_is_the_workers(
    server: RunningServer, client: httpx.Client, health: Health
) -> None:
    # An undeclared prefix: pyoxigraph's syntax error, handed to a worker, which explains it
    # (the explanation may ask rdflib's parser: never in the server process).
    bad = "ASK { ?s nope:p ?o }"
    here, fast, _ = counted(client, health, lambda: client.get("/sparql", params={"query": bad}))
    there = client.get("/sparql", params={"query": bad + " # worker"})
    assert fast == 0
    assert here.status_code == there.status_code == 400
    assert here.text == there.text
    # Nothing stays in flight for the client: its budget was settled.
    assert server.app.state.engine.budgets.in_flight("127.0.0.1") == 0
