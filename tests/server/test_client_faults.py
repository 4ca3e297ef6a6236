"""The protocol as real clients use it (issue 12, part 2), and client errors as client errors.

Each case comes from a public bug report of another SPARQL server or client, replayed here:
HEAD, the Service Description in every offered format, XML that round-trips every string,
RDF/XML that always parses, truncation that keeps answers parseable (test_security.py),
If-None-Match per RFC 9110, the Host header, and log lines a client cannot forge.
"""

from __future__ import annotations

import logging
import socket
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from diplokg.config import Settings
from diplokg.formats import GRAPH_FORMATS, Format
from diplokg.namespaces import SD
from diplokg.server.middleware import CONTENT_SECURITY_POLICY, etag_matches

if TYPE_CHECKING:
    from tests.conftest import RunningServer, Serve


SRX = "{http://www.w3.org/2005/sparql-results#}"
XSD = "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"


@pytest.fixture(scope="module")
def server(serve: Serve, protocol_dataset: Path) -> Iterator[RunningServer]:
    with serve(Settings(workers=2), protocol_dataset) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=20) as c:
        yield c


def query(client: httpx.Client, text: str, accept: str, **headers: str) -> httpx.Response:
    return client.get("/sparql", params={"query": text}, headers={"Accept": accept, **headers})


# ---------------------------------------------------------------------------------------------
# HEAD (RFC 9110 9.3.2)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/sparql?query=ASK%7B%7D", "/sparql", "/health", "/", "/api/queries", "/ontology"],
    ids=["query", "service-description", "health", "editor", "api", "ontology"],
)
def test_head_is_answered_like_get_without_a_body(client: httpx.Client, url: str) -> None:
    get = client.get(url)
    head = client.head(url)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


# ---------------------------------------------------------------------------------------------
# Service description in every format it is offered in
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", GRAPH_FORMATS, ids=[f.key for f in GRAPH_FORMATS])
def test_service_description_in_every_offered_format(
    server: RunningServer, client: httpx.Client, fmt: Format
) -> None:
    r = client.get("/sparql", headers={"Accept": fmt.media_type})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == fmt.media_type
    quads = list(ox.parse(r.content, format=ox.RdfFormat.from_media_type(fmt.media_type)))
    endpoints = {q.object.value for q in quads if q.predicate.value == str(SD.endpoint)}
    assert endpoints == {server.sparql}
    assert "Host" in r.headers["vary"]


# ---------------------------------------------------------------------------------------------
# XML
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["a\rb", "a\r\nb", "tab\there", "é\r"], ids=["cr", "crlf", "tab", "u"]
)
def test_xml_results_round_trip_every_string(client: httpx.Client, text: str) -> None:
    literal = text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    r = query(
        client,
        f'SELECT ?x WHERE {{ VALUES ?x {{ "{literal}" }} }}',
        "application/sparql-results+xml",
    )
    assert r.status_code == 200
    literal_element = ET.fromstring(r.content).find(f".//{SRX}literal")
    assert literal_element is not None and literal_element.text == text


@pytest.mark.parametrize(
    ("text", "accept"),
    [
        ('SELECT ?x WHERE { VALUES ?x { "a\\u0001b" } }', "application/sparql-results+xml"),
        (
            'CONSTRUCT { <http://ex.org/s> <http://ex.org/p> "a\\u0008" } WHERE {}',
            "application/rdf+xml",
        ),
    ],
    ids=["results", "rdfxml"],
)
def test_characters_xml_cannot_carry_are_refused_not_garbled(
    client: httpx.Client, text: str, accept: str
) -> None:
    r = query(client, text, accept)
    assert r.status_code == 406
    assert "XML 1.0 cannot carry" in r.text
    assert query(client, text, "application/json, text/turtle").status_code == 200


RDFXML_CASES = {
    "digit-local-part": "CONSTRUCT { <http://ex.org/s> <http://ex.org/p/1a> 'o' } WHERE {}",
    "class-without-name": "CONSTRUCT { <http://ex.org/s> a <http://ex.org/C/1> } WHERE {}",
    "blank-nodes-and-literals": (
        "CONSTRUCT { _:b <http://ex.org/p#q> 'x'@en-us, 1, 'a\\rb' . "
        "<http://ex.org/s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#_1> _:b } WHERE {}"
    ),
}


@pytest.mark.parametrize("text", RDFXML_CASES.values(), ids=RDFXML_CASES.keys())
def test_rdfxml_is_well_formed_and_holds_the_graph(client: httpx.Client, text: str) -> None:
    r = query(client, text, "application/rdf+xml")
    assert r.status_code == 200, r.text
    ET.fromstring(r.content)  # well-formed
    nt = query(client, text, "application/n-triples")
    expected = rdflib.Graph().parse(data=nt.text, format="nt")
    assert isomorphic(rdflib.Graph().parse(data=r.content, format="xml"), expected)


def test_rdfxml_refuses_a_predicate_no_xml_name_can_end(client: httpx.Client) -> None:
    r = query(
        client,
        'CONSTRUCT { <http://ex.org/s> <http://ex.org/p/1> "o" } WHERE {}',
        "application/rdf+xml",
    )
    assert r.status_code == 406
    assert "<http://ex.org/p/1> cannot be written in RDF/XML" in r.text


# ---------------------------------------------------------------------------------------------
# If-None-Match (RFC 9110 13.1.2)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "etag", "matches"),
    [
        ("*", '"a"', True),
        ('"a"', '"a"', True),
        ('W/"a"', '"a"', True),
        ('"x", W/"a" , "y"', '"a"', True),
        ('"ab"', '"a"', False),
        ('"a,b"', '"a"', False),
        ('"b", "a"', 'W/"a"', True),
        ("a", '"a"', False),
        ("*", None, False),
    ],
    ids=[
        "star",
        "equal",
        "weak",
        "list",
        "substring",
        "comma-in-tag",
        "list-weak-etag",
        "unquoted",
        "star-none",
    ],
)
def test_etag_matches_as_rfc_9110_says(header: str, etag: str, matches: bool) -> None:
    assert etag_matches(header, etag) is matches


def test_if_none_match_over_http(client: httpx.Client) -> None:
    text = "ASK { ?s ?p ?o } # if-none-match"
    etag = query(client, text, "application/sparql-results+json").headers["ETag"]
    for header, status in [
        ("*", 304),
        (f'"nope", {etag}', 304),
        (f"W/{etag}", 304),
        (etag[:-2] + '"', 200),
    ]:
        r = query(client, text, "application/sparql-results+json", **{"If-None-Match": header})
        assert r.status_code == status, header
        if status == 304:
            assert r.content == b""
            assert r.headers["ETag"] == etag


@pytest.mark.parametrize("route", ["rest", "ontology"])
def test_if_none_match_is_read_the_same_on_every_route(client: httpx.Client, route: str) -> None:
    url = client.get("/api/queries").json()[0]["url"] if route == "rest" else "/ontology.ttl"
    first = client.get(url)
    etag = first.headers.get("ETag")
    assert first.status_code == 200 and etag
    for header, status in [
        ("*", 304),
        (f'"nope", W/{etag}', 304),
        (etag + "x", 200),  # not a list of entity tags, though it holds this one
        (etag[:-2] + '"', 200),
    ]:
        for method in (client.get, client.head):
            r = method(url, headers={"If-None-Match": header})
            assert r.status_code == status, (method, header)
            if status == 304:
                assert r.content == b"" and r.headers["ETag"] == etag


# ---------------------------------------------------------------------------------------------
# Host header
# ---------------------------------------------------------------------------------------------


def test_redirects_never_name_the_host_the_client_sent(client: httpx.Client) -> None:
    r = client.get("/api/queries/", headers={"Host": "evil.example"}, follow_redirects=False)
    assert r.status_code in (301, 307, 308)
    assert r.headers["location"].startswith("/")
    assert "evil" not in r.headers["location"]


def test_answers_using_the_host_vary_on_it_and_are_not_shared(client: httpx.Client) -> None:
    relative = query(client, "CONSTRUCT { <s> <p> 1 } WHERE {}", "application/n-triples")
    assert "Host" in relative.headers["vary"]
    assert relative.headers["cache-control"].startswith("private")
    absolute = query(client, "ASK { <http://ex.org/s> ?p ?o }", "application/sparql-results+json")
    assert "Host" not in absolute.headers["vary"]
    assert absolute.headers["cache-control"].startswith("public")


def test_public_url_names_the_endpoint_whatever_the_host(
    tmp_path: Path, serve: Serve, protocol_dataset: Path
) -> None:
    settings = Settings(workers=1, public_url="https://sparql.example.org")
    with serve(settings, protocol_dataset) as running, httpx.Client(base_url=running.url) as c:
        r = c.get("/sparql", headers={"Accept": "text/turtle", "Host": "evil.example"})
        g = rdflib.Graph().parse(data=r.content, format="turtle")
        assert list(g.objects(None, SD.endpoint)) == [
            rdflib.URIRef("https://sparql.example.org/sparql")
        ]
        assert "Host" not in r.headers["vary"]
        nt = query(
            c, "CONSTRUCT { <s> <p> 1 } WHERE {}", "application/n-triples", Host="evil.example"
        )
        assert "https://sparql.example.org/s" in nt.text


# ---------------------------------------------------------------------------------------------
# Client errors: 4xx and one log line, never a traceback
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "headers"),
    [
        (XSD + "SELECT (xsd:int(1) AS ?x) {}", {}),
        (XSD + "SELECT (xsd:integer() AS ?x) {}", {}),
        ("SELECT (<http://ex.org/f>(1) AS ?x) {}", {}),
        ("CONSTRUCT { <s> <p> 1 } WHERE {}", {"Host": "exa%20mple"}),
        ("CONSTRUCT { <s> <p> 1 } WHERE {}", {"Host": "a b"}),
    ],
    ids=["unsupported-function", "wrong-arity", "unknown-function", "percent-host", "space-host"],
)
def test_client_errors_are_4xx_with_one_log_line(
    client: httpx.Client, caplog: pytest.LogCaptureFixture, text: str, headers: dict[str, str]
) -> None:
    with caplog.at_level(logging.INFO):
        r = query(client, text, "application/sparql-results+json, text/turtle", **headers)
    assert r.status_code == 400, r.text
    assert len(r.text.splitlines()) == 1
    records = [rec for rec in caplog.records if rec.name.startswith("diplokg")]
    assert [rec.exc_info for rec in records] == [None]
    assert records[0].getMessage().startswith("GET /sparql 400 ")


def test_hang_up_mid_body_is_one_log_line(
    server: RunningServer, client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    port = int(server.url.rsplit(":", 1)[1])
    with caplog.at_level(logging.INFO):
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(
                b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                b"Content-Length: 1000\r\n\r\nASK {"
            )
        client.get("/health")  # a later request: the hang-up has been handled
        for _ in range(100):
            if any("POST /sparql" in rec.getMessage() for rec in caplog.records):
                break
            client.get("/health")
    records = [rec for rec in caplog.records if rec.name.startswith(("diplokg", "uvicorn"))]
    assert all(rec.exc_info is None for rec in records)
    assert any(rec.getMessage().startswith("POST /sparql 499 ") for rec in records)


def test_log_lines_cannot_be_forged(client: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    from diplokg.server.logs import SafeFormatter

    with caplog.at_level(logging.INFO, logger="diplokg.endpoint"):
        client.get("/no%0Awhere%00%1b[31m")
    record = [rec for rec in caplog.records if rec.name == "diplokg.endpoint"][-1]
    line = SafeFormatter("%(message)s").format(record)
    assert "\n" not in line and "\x00" not in line and "\x1b" not in line
    assert "/no\\x0awhere\\x00\\x1b[31m" in line


# ---------------------------------------------------------------------------------------------
# HTML answers carry safety headers
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/", "/ontology", "/dumps/", "/no-such-page"],
    ids=["editor", "ontology", "dumps", "404"],
)
def test_html_answers_carry_safety_headers(client: httpx.Client, url: str) -> None:
    r = client.get(url, headers={"Accept": "text/html"})
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert r.headers["x-frame-options"] == "DENY"
