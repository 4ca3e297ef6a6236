"""The VoID description says truthfully what may be reused: the project's licence (the
ontology's) for the graphs of our statements, the source document's rights (`dcterms:rights`
"Tous droits réservés" in graph/france-kazakhstan-2015.ttl) for its text and the quotes taken
from it; and the served VoID and Service Description name the endpoint (`void:sparqlEndpoint`).

Before: void.ttl gave the whole dataset `dcterms:license` MIT, copied from the ontology, though
it holds the page's text and quotes, and neither description named the endpoint."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS, VOID

from diplokg.build import ensure_built
from diplokg.build.dist import RIGHTS_IRI
from diplokg.config import Settings
from diplokg.dataset import VOID_FILE
from diplokg.namespaces import DATASET_IRI, NAMED_GRAPHS, RES
from diplokg.server.app import create_app

MIT = URIRef("https://opensource.org/licenses/MIT")  # ontology/diplokg.ttl's dcterms:license
DOCUMENT = RES["document-france-kazakhstan-2015"]
RESERVED = Literal("Tous droits réservés", lang="fr")  # graph/france-kazakhstan-2015.ttl


@pytest.fixture(scope="module")
def void() -> Graph:
    return Graph().parse(ensure_built(Settings()).parent / VOID_FILE)


def test_no_licence_is_given_to_the_publishers_text(void: Graph) -> None:
    assert (DATASET_IRI, DCTERMS.license, None) not in void
    assert (DATASET_IRI, DCTERMS.rights, RIGHTS_IRI) in void
    assert (DOCUMENT, DCTERMS.rights, RESERVED) in void
    assert (NAMED_GRAPHS["evidence"], DCTERMS.license, None) not in void
    assert (NAMED_GRAPHS["evidence"], DCTERMS.rights, RIGHTS_IRI) in void
    words = str(void.value(RIGHTS_IRI, RDFS.comment))
    assert str(MIT) in words and '"Tous droits réservés"' in words


def test_our_statements_are_under_the_projects_licence(void: Graph) -> None:
    for name in ("ontology", "asserted", "enrichment", "inferred", "derived"):
        assert (NAMED_GRAPHS[name], DCTERMS.license, MIT) in void, name


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(workers=1))) as c:
        yield c


def test_the_served_void_names_the_endpoint(client: TestClient) -> None:
    answer = client.get("/.well-known/void", headers={"Host": "kg.example.org"})
    assert answer.status_code == 200
    served = Graph().parse(data=answer.text, format="turtle")
    endpoint = URIRef("http://kg.example.org/sparql")
    assert (DATASET_IRI, VOID.sparqlEndpoint, endpoint) in served
    assert "Host" in answer.headers["vary"]
    assert (DATASET_IRI, DCTERMS.rights, RIGHTS_IRI) in served  # the file's content is kept


def test_the_served_void_follows_public_url() -> None:
    settings = Settings(workers=1, public_url="https://diplokg.example.org/")
    with TestClient(create_app(settings)) as c:
        served = Graph().parse(data=c.get("/.well-known/void").text, format="turtle")
    endpoint = URIRef("https://diplokg.example.org/sparql")
    assert (DATASET_IRI, VOID.sparqlEndpoint, endpoint) in served


def test_the_service_description_names_the_endpoint(client: TestClient) -> None:
    answer = client.get("/sparql", headers={"Accept": "text/turtle", "Host": "kg.example.org"})
    assert answer.status_code == 200
    sd = Graph().parse(data=answer.text, format="turtle")
    assert (DATASET_IRI, VOID.sparqlEndpoint, URIRef("http://kg.example.org/sparql")) in sd
