"""Real clients against a running server on 127.0.0.1: SPARQLWrapper, rdflib's SPARQLStore, httpx.

The canned query text, rendered with its parameters, runs unchanged through these clients:
the same string a user would paste into another SPARQL endpoint.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDFS
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TURTLE, SPARQLWrapper

from diplokg.namespaces import DKG, RES
from diplokg.queries import load_catalogue

if TYPE_CHECKING:
    from tests.conftest import RunningServer


DATA = Path(__file__).parents[1] / "data" / "web"
HOLLANDE = RES["visit-hollande-2014-12"]
MITTERRAND = RES["visit-mitterrand-1993"]


def _wrapper(server: RunningServer, query: str, fmt: str = JSON) -> SPARQLWrapper:
    client = SPARQLWrapper(server.sparql)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client


def test_sparqlwrapper_runs_a_rendered_canned_query(web_server: RunningServer) -> None:
    query = load_catalogue(DATA / "queries")["visits"].render({"year": "2014"})
    result = _wrapper(web_server, query).queryAndConvert()
    assert isinstance(result, dict)
    rows = result["results"]["bindings"]
    assert [(r["visit"]["value"], r["date"]["value"]) for r in rows] == [
        (str(HOLLANDE), "2014-12-05")
    ]


def test_sparqlwrapper_csv_and_ask(web_server: RunningServer) -> None:
    query = load_catalogue(DATA / "queries")["visits"].render({})
    csv_text = _wrapper(web_server, query, CSV).queryAndConvert()
    assert isinstance(csv_text, bytes)
    lines = csv_text.decode("utf-8").strip().splitlines()
    assert lines[0] == "visit,label,date"
    assert [line.split(",")[0] for line in lines[1:]] == [str(MITTERRAND), str(HOLLANDE)]
    ask = _wrapper(
        web_server, f"ASK {{ <{RES['astana']}> <{DKG.locatedIn}> <{RES['kazakhstan']}> }}"
    )
    assert ask.queryAndConvert() == {"head": {}, "boolean": True}


def test_sparqlwrapper_construct_gives_a_graph(web_server: RunningServer) -> None:
    query = load_catalogue(DATA / "queries")["places"].render({})
    got = _wrapper(web_server, query, TURTLE).queryAndConvert()
    graph = Graph().parse(data=got, format="turtle") if isinstance(got, bytes) else got
    assert isinstance(graph, Graph)
    expected = Graph()
    for place in ("astana", "almaty", "kazakhstan"):
        expected.add((HOLLANDE, DKG.tookPlaceIn, RES[place]))
    expected.add((MITTERRAND, DKG.tookPlaceIn, RES["kazakhstan"]))
    assert isomorphic(graph, expected)


def test_sparqlstore_reads_the_endpoint_as_a_graph(web_server: RunningServer) -> None:
    graph = Graph(SPARQLStore(web_server.sparql, returnFormat="json"))
    assert set(graph.objects(RES["astana"], RDFS.label)) == {
        Literal("Astana", lang="fr"),
        Literal("Astana", lang="en"),
    }
    rows = graph.query(
        f"SELECT ?city WHERE {{ ?city <{DKG.locatedIn}> <{RES['kazakhstan']}> }} ORDER BY ?city"
    )
    assert [row[0] for row in rows] == [RES["almaty"], RES["astana"]]  # type: ignore[index]
    assert (URIRef(HOLLANDE), DKG.hasParticipant, RES["francois-hollande"]) in graph


def test_rest_api_over_a_socket(web_server: RunningServer) -> None:
    response = httpx.get(f"{web_server.url}/api/queries/visits", params={"format": "tsv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/tab-separated-values")
    first_column = [line.split("\t")[0] for line in response.text.strip().splitlines()[1:]]
    assert first_column == [f"<{MITTERRAND}>", f"<{HOLLANDE}>"]
