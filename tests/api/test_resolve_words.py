"""A resource parameter given as a surname or another word of a label (`person=Hollande`)
names the one resource of the parameter's class (`class:` in the query's header) whose label
holds it; an unknown one is answered with resources of that class first; a resource page
nothing answers (`/resource/hollande`) names the resources near it.

Before: `GET /api/queries/office-holders?person=Hollande` gave 400 suggesting
"res:plover-mode-phone (phone)", and `/resource/hollande` a bare 404."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from diplokg.config import Settings
from diplokg.namespaces import DKG, RES
from diplokg.queries import Resolver
from diplokg.server.app import create_app

PERSON = str(DKG.Person)
HOLLANDE = str(RES["francois-hollande"])
VISIT = str(RES["visit-2014-12-hollande-kazakhstan"])
ROWS = [
    (HOLLANDE, "François Hollande", "fr"),
    (VISIT, "Visite du Président Hollande au Kazakhstan", "fr"),
    (str(RES["laurent-fabius"]), "Laurent Fabius", "fr"),
    (str(RES["plover-mode-phone"]), "phone", "en"),
    (str(RES["hollandia"]), "Hollandia", "en"),
]
TYPES = [(HOLLANDE, PERSON), (VISIT, str(DKG.Visit)), (str(RES["laurent-fabius"]), PERSON)]


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver(ROWS, TYPES)


def test_a_surname_names_the_person_of_the_expected_class(resolver: Resolver) -> None:
    assert resolver.iri("Hollande", of_class=PERSON) == HOLLANDE
    assert resolver.iri("hollande", of_class=PERSON) == HOLLANDE
    assert resolver.iri("FABIUS", of_class=PERSON) == str(RES["laurent-fabius"])


def test_a_word_in_several_labels_lists_them_shortest_label_first(resolver: Resolver) -> None:
    with pytest.raises(ValueError) as caught:
        resolver.iri("Hollande")  # no class: the person and the visit
    message = str(caught.value)
    assert message.startswith("'Hollande' is in the labels of 2 resources (res:francois-hollande")
    assert "res:visit-2014-12-hollande-kazakhstan" in message


def test_an_unknown_name_suggests_the_expected_class_first(resolver: Resolver) -> None:
    with pytest.raises(ValueError) as caught:
        resolver.iri("Holande", of_class=PERSON)
    message = str(caught.value)
    assert "did you mean res:francois-hollande (François Hollande)?" in message
    assert "hollandia" not in message and "phone" not in message


def test_a_missing_page_suggests_the_resources_near_it(resolver: Resolver) -> None:
    assert resolver.suggest("hollande").startswith(
        "; did you mean res:francois-hollande (François Hollande), "
    )
    assert resolver.suggest("zzzzzz") == ""


# -- the REST API and the pages, on the built dataset ------------------------------------------


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(workers=1))) as c:
        yield c


def test_rest_resolves_a_surname(client: TestClient) -> None:
    answer = client.get("/api/queries/office-holders", params={"person": "Hollande"})
    assert answer.status_code == 200, answer.text
    people = {b["person"]["value"] for b in answer.json()["results"]["bindings"]}
    assert people == {HOLLANDE}


def test_rest_suggests_persons_for_a_misspelt_one(client: TestClient) -> None:
    answer = client.get("/api/queries/office-holders", params={"person": "Holande"})
    assert answer.status_code == 400
    detail = answer.json()["detail"]
    assert "did you mean res:francois-hollande (François Hollande)" in detail
    assert "plover-mode" not in detail


@pytest.mark.parametrize("accept", ["application/json", "text/turtle", "text/html"])
def test_a_missing_resource_page_names_near_ones(client: TestClient, accept: str) -> None:
    answer = client.get("/resource/hollande", headers={"Accept": accept})
    assert answer.status_code == 404
    assert "did you mean res:francois-hollande (François Hollande)" in answer.text
