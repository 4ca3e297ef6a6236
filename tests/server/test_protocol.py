"""SPARQL 1.1 Protocol: request decoding, content negotiation, datasets, base IRI, clients.

Expected answers come from the W3C protocol test data (data0..data3: each graph
`kasei:dataN.rdf` holds one triple, `kasei:dataN.rdf a foaf:Document`) and from the
Protocol and Results specifications.
"""

from __future__ import annotations

import csv
import io
import json
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import rdflib
from rdflib.compare import isomorphic
from rdflib.namespace import FOAF, RDF
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, SPARQLWrapper

from diplokg.config import Settings
from diplokg.formats import GRAPH_FORMATS, RESULT_FORMATS, Format
from diplokg.namespaces import SD
from diplokg.protocol import (
    QueryRejected,
    check_query,
    inspect_query,
    negotiate,
    parse_request,
)

if TYPE_CHECKING:
    from tests.conftest import RunningServer, Serve


KASEI = "http://kasei.us/2009/09/sparql/data/"  # the W3C protocol data's base
DOCS = [rdflib.URIRef(f"{KASEI}data{i}.rdf") for i in range(4)]
GRAPHS = [str(d) for d in DOCS]
SRX = "{http://www.w3.org/2005/sparql-results#}"
SELECT_DOCS = f"SELECT ?doc {{ GRAPH ?g {{ ?doc a <{FOAF.Document}> }} }} ORDER BY ?doc"
CONSTRUCT_ALL = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


def expected_graph() -> rdflib.Graph:
    g = rdflib.Graph()
    for doc in DOCS:
        g.add((doc, RDF.type, FOAF.Document))
    return g


@pytest.fixture(scope="module")
def server(serve: Serve, protocol_dataset: Path) -> Iterator[RunningServer]:
    with serve(Settings(workers=2), protocol_dataset) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=20) as c:
        yield c


def post_query(
    client: httpx.Client, query: str, accept: str | None = None, params: str = ""
) -> httpx.Response:
    headers = {"Content-Type": "application/sparql-query"}
    if accept:
        headers["Accept"] = accept
    return client.post("/sparql" + params, content=query.encode("utf-8"), headers=headers)


# ---------------------------------------------------------------------------------------------
# Content negotiation (unit)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "formats", "expected"),
    [
        (None, RESULT_FORMATS, "json"),
        ("*/*", RESULT_FORMATS, "json"),
        ("text/csv", RESULT_FORMATS, "csv"),
        ("text/tab-separated-values", RESULT_FORMATS, "tsv"),
        ("application/json", RESULT_FORMATS, "json"),
        (
            "application/sparql-results+xml, application/sparql-results+json;q=0.9",
            RESULT_FORMATS,
            "xml",
        ),
        ("application/sparql-results+json;q=0.2, text/csv;q=0.8", RESULT_FORMATS, "csv"),
        ("text/*", RESULT_FORMATS, "csv"),
        (None, GRAPH_FORMATS, "turtle"),
        ("application/rdf+xml", GRAPH_FORMATS, "rdfxml"),
        ("text/plain", GRAPH_FORMATS, "ntriples"),
        ("application/ld+json", GRAPH_FORMATS, "jsonld"),
        ("application/n-quads, */*;q=0.1", GRAPH_FORMATS, "nquads"),
    ],
    ids=[
        "none-json",
        "any-json",
        "csv",
        "tsv",
        "generic-json",
        "xml-preferred",
        "q-values",
        "text-wildcard",
        "graph-default-turtle",
        "rdfxml",
        "text-plain-ntriples",
        "jsonld",
        "nquads-over-wildcard",
    ],
)
def test_negotiate_picks_the_preferred_format(
    accept: str, formats: tuple[Format, ...], expected: str
) -> None:
    assert negotiate(accept, formats).key == expected


@pytest.mark.parametrize(
    ("accept", "formats"),
    [("image/png", RESULT_FORMATS), ("text/csv", GRAPH_FORMATS), ("text/csv;q=0", RESULT_FORMATS)],
    ids=["png", "csv-for-graph", "q-zero"],
)
def test_negotiate_refuses_unusable_accept_with_406(
    accept: str, formats: tuple[Format, ...]
) -> None:
    with pytest.raises(QueryRejected) as info:
        negotiate(accept, formats)
    assert info.value.status == 406


# ---------------------------------------------------------------------------------------------
# Request decoding (unit)
# ---------------------------------------------------------------------------------------------

FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("method", "qs", "ctype", "body", "status"),
    [
        ("PUT", b"query=ASK%20%7B%7D", FORM, b"", 405),
        ("DELETE", b"", None, b"", 405),
        ("GET", b"query=ASK%20%7B%7D&query=SELECT%20*%20%7B%7D", None, b"", 400),
        ("POST", b"query=ASK%20%7B%7D", "application/sparql-query", b"ASK {}", 400),
        ("POST", b"", "text/plain", b"ASK {}", 415),
        ("POST", b"", None, b"query=ASK%20%7B%7D", 415),
        ("POST", b"", "application/sparql-query; charset=UTF-16", "ASK {}".encode("utf-16"), 415),
        ("POST", b"", "application/sparql-query", b"ASK { \xff }", 400),
        ("POST", b"", FORM, b"query=ASK%20%7B%FF%7D", 400),
        ("GET", b"query=ASK%20%7B%FF%7D", None, b"", 400),
        ("GET", b"update=CLEAR%20ALL", None, b"", 403),
        ("POST", b"", FORM, b"update=CLEAR%20ALL", 403),
        ("POST", b"", "application/sparql-update", b"CLEAR ALL", 403),
        ("GET", b"query=", None, b"", 400),
    ],
    ids=[
        "put",
        "delete",
        "two-queries",
        "query-in-url-and-body",
        "wrong-media-type",
        "missing-media-type",
        "utf16-charset",
        "invalid-utf8-direct",
        "invalid-utf8-form",
        "invalid-utf8-get",
        "update-get",
        "update-form",
        "update-direct",
        "empty-query",
    ],
)
def test_parse_request_refuses_malformed_requests(
    method: str, qs: bytes, ctype: str | None, body: bytes, status: int
) -> None:
    with pytest.raises(QueryRejected) as info:
        parse_request(method, qs, ctype, body)
    assert info.value.status == status


def test_parse_request_wrong_method_names_the_allowed_ones() -> None:
    with pytest.raises(QueryRejected) as info:
        parse_request("PUT", b"", None, b"")
    assert info.value.headers["Allow"] == "GET, POST"


def test_form_body_is_decoded_exactly_once() -> None:
    body = urllib.parse.urlencode({"query": 'SELECT ("50%41" AS ?x) {}'}).encode()
    req = parse_request("POST", b"", FORM + "; charset=UTF-8", body)
    assert req.query == 'SELECT ("50%41" AS ?x) {}'


def test_dataset_parameters_come_from_url_and_form() -> None:
    qs = b"default-graph-uri=" + urllib.parse.quote(GRAPHS[1], safe="").encode()
    body = b"query=ASK%20%7B%7D&named-graph-uri=" + urllib.parse.quote(GRAPHS[2]).encode()
    req = parse_request("POST", qs, FORM, body)
    assert (req.query, req.default_graph_uris, req.named_graph_uris) == (
        "ASK {}",
        (GRAPHS[1],),
        (GRAPHS[2],),
    )


def test_get_without_query_asks_for_the_service_description() -> None:
    assert parse_request("GET", b"", None, b"").query is None


# ---------------------------------------------------------------------------------------------
# Query inspection (unit)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("# SELECT in a comment\nASK {}", "ASK"),
        ("PREFIX ex: <http://example.org/>\nBASE <http://b/>\nconstruct WHERE {}", "CONSTRUCT"),
        ('SELECT ("DESCRIBE" AS ?x) {}', "SELECT"),
        ("DESCRIBE <http://example.org/>", "DESCRIBE"),
    ],
    ids=["comment", "prologue-lowercase", "keyword-in-string", "describe"],
)
def test_inspect_query_finds_the_form(query: str, form: str) -> None:
    assert inspect_query(query, 200).form == form


@pytest.mark.parametrize(
    "query",
    [
        'SELECT ?service { ?service ?p "SERVICE" } # SERVICE <http://x/>',
        "PREFIX service: <http://example.org/> SELECT * { service:a ?p ?o }",
        'SELECT * { ?s ?p "x"@service }',
    ],
    ids=["variable-string-comment", "prefix-named-service", "language-tag"],
)
def test_service_as_a_name_is_not_the_keyword(query: str) -> None:
    assert inspect_query(query, 200).service is False


def test_from_prefixed_names_are_resolved() -> None:
    info = inspect_query(
        "PREFIX d: <http://kasei.us/2009/09/sparql/data/>\n"
        "ASK FROM d:data1.rdf FROM NAMED <data2.rdf> {}",
        200,
        base_iri=KASEI,
    )
    assert (info.from_graphs, info.from_named_graphs) == ([GRAPHS[1]], [GRAPHS[2]])


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }", 400),
        ("select * { service silent <http://x/> { ?s ?p ?o } }", 400),
        ("ASK FROM <file:///etc/passwd> {}", 400),
        ("ASK FROM NAMED <http://example.org/elsewhere> {}", 400),
        ("LOAD <http://example.org/data.ttl>", 403),
        ("INSERT DATA { <http://a> <http://b> <http://c> }", 403),
        ("PREFIX ex: <http://example.org/> DELETE WHERE { ?s ?p ?o }", 403),
        ("hello", 400),
        ("ASK {}" + " " * 40_000, 413),
        ("SELECT * " + "{" * 201 + "}" * 201, 400),
    ],
    ids=[
        "service",
        "service-silent-lowercase",
        "from-file",
        "from-named-outside",
        "load",
        "insert",
        "delete-with-prefix",
        "not-a-query",
        "too-large",
        "too-deep",
    ],
)
def test_check_query_refuses_before_evaluation(query: str, status: int) -> None:
    with pytest.raises(QueryRejected) as info:
        check_query(query, max_bytes=32 * 1024, max_depth=200, dataset_graphs=GRAPHS)
    assert info.value.status == status


def test_check_query_accepts_graphs_of_the_dataset() -> None:
    info = check_query(
        f"ASK FROM <{GRAPHS[3]}> FROM NAMED <{GRAPHS[1]}> {{}}",
        max_bytes=1024,
        max_depth=200,
        dataset_graphs=GRAPHS,
        default_graph_uris=[GRAPHS[0]],
    )
    assert info.has_dataset_clause


# ---------------------------------------------------------------------------------------------
# Over HTTP: result formats
# ---------------------------------------------------------------------------------------------


def _rows_json(body: bytes) -> list[str]:
    return [b["doc"]["value"] for b in json.loads(body)["results"]["bindings"]]


def _rows_xml(body: bytes) -> list[str]:
    root = ET.fromstring(body)
    return [u.text or "" for u in root.iter(SRX + "uri")]


def _rows_csv(body: bytes) -> list[str]:
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert rows[0] == ["doc"]
    return [r[0] for r in rows[1:]]


def _rows_tsv(body: bytes) -> list[str]:
    lines = body.decode().splitlines()
    assert lines[0] == "?doc"
    return [line.strip("<>") for line in lines[1:]]


@pytest.mark.parametrize(
    ("accept", "media_type", "reader"),
    [
        ("application/sparql-results+json", "application/sparql-results+json", _rows_json),
        ("application/sparql-results+xml", "application/sparql-results+xml", _rows_xml),
        ("text/csv", "text/csv", _rows_csv),
        ("text/tab-separated-values", "text/tab-separated-values", _rows_tsv),
    ],
    ids=["json", "xml", "csv", "tsv"],
)
def test_select_answers_in_the_accepted_format(
    client: httpx.Client,
    accept: str,
    media_type: str,
    reader: Callable[[bytes], list[str]],
) -> None:
    r = post_query(client, SELECT_DOCS, accept)
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media_type
    assert reader(r.content) == GRAPHS


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
    ],
    ids=["json", "xml"],
)
def test_ask_answers_in_the_accepted_format(
    client: httpx.Client, accept: str, media_type: str
) -> None:
    r = post_query(client, f"ASK {{ GRAPH ?g {{ <{GRAPHS[2]}> a ?t }} }}", accept)
    assert r.headers["content-type"].split(";")[0] == media_type
    if media_type.endswith("json"):
        assert json.loads(r.content)["boolean"] is True
    else:
        boolean = ET.fromstring(r.content).find(SRX + "boolean")
        assert boolean is not None and boolean.text == "true"


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
        ("application/trig", "trig"),
        ("application/n-quads", "nquads"),
    ],
    ids=["turtle", "ntriples", "jsonld", "rdfxml", "trig", "nquads"],
)
def test_construct_answers_in_the_accepted_format(
    client: httpx.Client, accept: str, rdflib_format: str
) -> None:
    r = post_query(client, CONSTRUCT_ALL, accept)
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == accept
    ds = rdflib.Dataset()
    ds.parse(data=r.content, format=rdflib_format)
    got = rdflib.Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        got.add((s, p, o))
    assert isomorphic(got, expected_graph())


def test_describe_answers_turtle(client: httpx.Client) -> None:
    r = post_query(client, f"DESCRIBE <{GRAPHS[1]}>", "text/turtle")
    g = rdflib.Graph().parse(data=r.content, format="turtle")
    assert r.headers["content-type"].startswith("text/turtle")
    assert set(g) == {(DOCS[1], RDF.type, FOAF.Document)}


@pytest.mark.parametrize(
    ("query", "accept"),
    [(SELECT_DOCS, "image/png"), (CONSTRUCT_ALL, "text/csv")],
    ids=["select-png", "construct-csv"],
)
def test_unusable_accept_gets_406(client: httpx.Client, query: str, accept: str) -> None:
    assert post_query(client, query, accept).status_code == 406


# ---------------------------------------------------------------------------------------------
# Over HTTP: dataset, base IRI, encodings
# ---------------------------------------------------------------------------------------------


def _ask(client: httpx.Client, query: str, params: str = "") -> bool:
    r = post_query(client, query, "application/sparql-results+json", params)
    assert r.status_code == 200, r.text
    answer = json.loads(r.content)["boolean"]
    assert isinstance(answer, bool)
    return answer


def _param(name: str, n: int) -> str:
    return f"{name}={urllib.parse.quote(GRAPHS[n], safe='')}"


@pytest.mark.parametrize(
    ("query", "params", "expected"),
    [
        (f"ASK {{ <{GRAPHS[3]}> a ?t }}", "", True),
        (f"ASK {{ <{GRAPHS[3]}> a ?t }}", "?" + _param("default-graph-uri", 1), False),
        (f"ASK {{ <{GRAPHS[1]}> a ?t }}", "?" + _param("default-graph-uri", 1), True),
        (f"ASK {{ GRAPH ?g {{ <{GRAPHS[3]}> a ?t }} }}", "?" + _param("named-graph-uri", 1), False),
        ("ASK { ?s ?p ?o }", "?" + _param("named-graph-uri", 1), False),
        (
            f"ASK FROM <{GRAPHS[3]}> {{ <{GRAPHS[1]}> a ?t }}",
            "?" + _param("default-graph-uri", 1),
            True,
        ),
        (f"ASK FROM <{GRAPHS[3]}> {{ <{GRAPHS[1]}> a ?t }}", "", False),
        (f"ASK FROM NAMED <{GRAPHS[2]}> {{ GRAPH ?g {{ <{GRAPHS[1]}> a ?t }} }}", "", False),
    ],
    ids=[
        "union-default-graph",
        "default-graph-uri-hides-others",
        "default-graph-uri-shows-its-graph",
        "named-graph-uri-hides-others",
        "named-only-empty-default",
        "protocol-overrides-from",
        "from-restricts",
        "from-named-restricts",
    ],
)
def test_dataset_is_the_one_requested(
    client: httpx.Client, query: str, params: str, expected: bool
) -> None:
    assert _ask(client, query, params) is expected


def test_graph_outside_the_dataset_is_refused(client: httpx.Client) -> None:
    params = "?default-graph-uri=" + urllib.parse.quote("http://example.org/elsewhere", safe="")
    r = post_query(client, "ASK {}", None, params)
    assert r.status_code == 400
    assert "not a graph of this dataset" in r.text


def test_relative_iris_resolve_against_the_endpoint(
    server: RunningServer, client: httpx.Client
) -> None:
    r = post_query(client, "CONSTRUCT { <s> <p> 1 } WHERE {}", "application/n-triples")
    base = server.sparql
    expected = rdflib.Graph()
    expected.add(
        (
            rdflib.URIRef(urllib.parse.urljoin(base, "s")),
            rdflib.URIRef(urllib.parse.urljoin(base, "p")),
            rdflib.Literal(1),
        )
    )
    assert isomorphic(rdflib.Graph().parse(data=r.content, format="nt"), expected)


TEXT = "é中𝄞 «Astana»"


@pytest.mark.parametrize("method", ["GET", "POST-form", "POST-direct"])
def test_utf8_round_trip(client: httpx.Client, method: str) -> None:
    query = f'SELECT ("{TEXT}" AS ?x) {{}}'
    accept = {"Accept": "application/sparql-results+json"}
    if method == "GET":
        r = client.get("/sparql", params={"query": query}, headers=accept)
    elif method == "POST-form":
        r = client.post("/sparql", data={"query": query}, headers=accept)
    else:
        r = post_query(client, query, accept["Accept"])
    assert json.loads(r.content)["results"]["bindings"][0]["x"]["value"] == TEXT


def test_form_percent_sequences_survive(client: httpx.Client) -> None:
    r = client.post(
        "/sparql",
        data={"query": 'SELECT ("50%41" AS ?x) {}'},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert json.loads(r.content)["results"]["bindings"][0]["x"]["value"] == "50%41"


@pytest.mark.parametrize(
    ("method", "params", "headers", "body", "status"),
    [
        ("PUT", {"query": "ASK {}"}, {}, b"", 405),
        ("GET", [("query", "ASK {}"), ("query", "ASK {}")], {}, None, 400),
        ("POST", {}, {"Content-Type": "text/plain"}, b"ASK {}", 415),
        ("POST", {}, {}, b"ASK {}", 415),
        (
            "POST",
            {},
            {"Content-Type": "application/sparql-query; charset=UTF-16"},
            "ASK {}".encode("utf-16"),
            415,
        ),
        ("POST", {}, {"Content-Type": "application/sparql-query"}, b"ASK {\xff}", 400),
        ("GET", {"query": "ASK {"}, {}, None, 400),
        ("GET", {"query": "SELECT ?x { ?x ?p }"}, {}, None, 400),
        ("POST", {}, {"Content-Type": "application/sparql-update"}, b"CLEAR ALL", 403),
    ],
    ids=[
        "wrong-method",
        "two-queries",
        "wrong-media-type",
        "missing-media-type",
        "utf16",
        "invalid-utf8",
        "syntax-error",
        "syntax-error-2",
        "update",
    ],
)
def test_malformed_requests_get_4xx_with_a_short_message(
    client: httpx.Client,
    method: str,
    params: dict[str, str],
    headers: dict[str, str],
    body: bytes | None,
    status: int,
) -> None:
    r = client.request(method, "/sparql", params=params, headers=headers, content=body)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("text/plain")
    assert 0 < len(r.text) < 400
    assert "Traceback" not in r.text


# ---------------------------------------------------------------------------------------------
# Service description
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [("text/turtle", "turtle"), ("application/rdf+xml", "xml"), ("application/ld+json", "json-ld")],
    ids=["turtle", "rdfxml", "jsonld"],
)
def test_service_description_names_the_real_address_and_graphs(
    server: RunningServer, client: httpx.Client, accept: str, rdflib_format: str
) -> None:
    r = client.get("/sparql", headers={"Accept": accept})
    assert r.headers["content-type"].split(";")[0] == accept
    g = rdflib.Graph().parse(data=r.content, format=rdflib_format)
    assert list(g.objects(None, SD.endpoint)) == [rdflib.URIRef(server.sparql)]
    names = {str(g.value(n, SD.name)) for n in g.subjects(RDF.type, SD.NamedGraph)}
    assert names == set(GRAPHS)
    assert (None, SD.feature, SD.BasicFederatedQuery) not in g  # SERVICE is refused here
    assert (None, SD.supportedLanguage, SD.SPARQL11Query) in g


def test_service_description_follows_the_host_the_client_used(
    server: RunningServer, client: httpx.Client
) -> None:
    port = server.url.rsplit(":", 1)[1]
    r = client.get("/sparql", headers={"Accept": "text/turtle", "Host": f"localhost:{port}"})
    g = rdflib.Graph().parse(data=r.content, format="turtle")
    assert list(g.objects(None, SD.endpoint)) == [rdflib.URIRef(f"http://localhost:{port}/sparql")]


# ---------------------------------------------------------------------------------------------
# Real clients over 127.0.0.1
# ---------------------------------------------------------------------------------------------


def _converted(sw: SPARQLWrapper) -> Any:
    """What SPARQLWrapper's convert() gives for the return format asked for (a dict for JSON,
    the body for Turtle)."""
    return sw.query().convert()


def test_sparqlwrapper_select_ask_construct(server: RunningServer) -> None:
    sw = SPARQLWrapper(server.sparql)
    sw.setQuery(SELECT_DOCS)
    sw.setReturnFormat(JSON)
    rows = _converted(sw)["results"]["bindings"]
    assert [row["doc"]["value"] for row in rows] == GRAPHS

    sw.setQuery(f"ASK {{ GRAPH ?g {{ <{GRAPHS[0]}> a <{FOAF.Document}> }} }}")
    assert _converted(sw)["boolean"] is True

    sw.setQuery(CONSTRUCT_ALL)
    sw.setReturnFormat("turtle")
    g = rdflib.Graph().parse(data=_converted(sw), format="turtle")
    assert isomorphic(g, expected_graph())


def test_sparqlwrapper_post(server: RunningServer) -> None:
    sw = SPARQLWrapper(server.sparql)
    sw.setMethod("POST")
    sw.setQuery('SELECT ("50%41 é" AS ?x) {}')
    sw.setReturnFormat(JSON)
    assert _converted(sw)["results"]["bindings"][0]["x"]["value"] == "50%41 é"


def test_rdflib_sparqlstore(server: RunningServer) -> None:
    graph = rdflib.Graph(store=SPARQLStore(server.sparql, returnFormat="json"))
    rows = graph.query(SELECT_DOCS)
    assert [row.doc for row in rows] == DOCS  # type: ignore[union-attr]
    assert set(graph.triples((None, RDF.type, None))) == set(expected_graph())
    assert len(graph) == 4


# ---------------------------------------------------------------------------------------------
# Loading the dataset
# ---------------------------------------------------------------------------------------------


def test_store_is_loaded_once_per_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from diplokg.server import stores

    settings = Settings(store_dir=tmp_path / "stores")
    data = tmp_path / "d.nq"
    data.write_text(f"<{GRAPHS[0]}> <{RDF.type}> <{FOAF.Document}> <{GRAPHS[0]}> .\n")
    first = stores.open_store(data, settings)
    assert first.graphs == {GRAPHS[0]: 1}

    def no_reload(path: Path, directory: Path) -> None:
        raise AssertionError("the store was loaded again")

    monkeypatch.setattr(stores, "_load", no_reload)
    assert stores.open_store(data, settings) == first
    monkeypatch.undo()
    data.write_text(f"<{GRAPHS[1]}> <{RDF.type}> <{FOAF.Document}> <{GRAPHS[1]}> .\n")
    changed = stores.open_store(data, settings)
    assert changed.path != first.path
    assert changed.graphs == {GRAPHS[1]: 1}


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("bad.nq", f"<{GRAPHS[0]}> <{RDF.type}> .\n", "bad.nq:1"),
        ("bad.ttl", "@prefix ex: <http://example.org/> .\n\nex:a ex:b ex:c ;;; ] .\n", "bad.ttl:3"),
        ("data.csv", "a,b,c\n", "data.csv"),
        ("missing.nq", None, "missing.nq"),
    ],
    ids=["nquads-syntax", "turtle-syntax", "unknown-format", "missing"],
)
def test_bad_data_file_is_named_with_its_line(
    tmp_path: Path, name: str, text: str | None, where: str
) -> None:
    from diplokg.errors import InputError
    from diplokg.server.engine import QueryEngine

    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    with pytest.raises(InputError) as info:
        QueryEngine.from_file(path, Settings())
    assert str(info.value).startswith(str(tmp_path / where))


def test_large_answer_arrives_whole(client: httpx.Client) -> None:
    """About 1 MB crosses the worker pipe in many chunks (uvloop makes pipes non-blocking)."""
    filler = "é" * 10_000
    values = " ".join(str(i) for i in range(50))
    query = f'SELECT ?i (CONCAT(STR(?i), "{filler}") AS ?big) {{ VALUES ?i {{ {values} }} }}'
    r = post_query(client, query, "application/sparql-results+json")
    rows = json.loads(r.content)["results"]["bindings"]
    assert len(rows) == 50
    assert all(row["big"]["value"] == row["i"]["value"] + filler for row in rows)
