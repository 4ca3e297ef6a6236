"""Resources named as people name them (issue 11): a canned-query parameter or an API call
takes a slug or a prefixed name in any case, a label in any case and without accents, a
class by its local name; an unknown one is refused, named, with the nearest resources.

Before: `country=Kazakhstan`, `kind=Treaty` and `country=atlantis` gave 200 with no row, and
`kg.evidence("nope")` an empty table where `kg.describe("nope")` raised.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from diplokg import KnowledgeGraph, ParameterError, UnknownResourceError
from diplokg.config import Settings
from diplokg.namespaces import DKG, RES
from diplokg.queries import Resolver
from diplokg.server.app import create_app

WEB = Path(__file__).parents[1] / "data" / "web"
HOLLANDE = str(RES["visit-hollande-2014-12"])
MITTERRAND = str(RES["visit-mitterrand-1993"])

ROWS = [
    (str(RES["francois-hollande"]), "François Hollande", "fr"),
    (str(RES["francois-hollande"]), "François Hollande", "en"),
    (str(RES["kazakhstan"]), "Kazakhstan", "en"),
    (str(RES["kazakhstan"]), "Kazakhstan", "fr"),
    (str(RES["astana"]), "Astana", "en"),
    (str(RES["astana-opera"]), "Astana", "en"),
    (str(RES["office-president-france"]), "Président de la République", "fr"),
    (str(RES["office-president-france"]), "President of France", "en"),
    (str(RES["paris-city"]), "Paris", "en"),
    (str(RES["paris-venue"]), "Paris", "en"),
    (str(DKG.Treaty), "treaty", "en"),
    (str(DKG.Treaty), "traité", "fr"),
    (str(DKG.tookPlaceIn), "took place in", "en"),
]


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver(ROWS)


@pytest.mark.parametrize(
    ("value", "classes", "expected"),
    [
        pytest.param(str(RES["kazakhstan"]), False, RES["kazakhstan"], id="full-iri"),
        pytest.param(f"<{RES['kazakhstan']}>", False, RES["kazakhstan"], id="iri-in-brackets"),
        pytest.param("res:kazakhstan", False, RES["kazakhstan"], id="prefixed"),
        pytest.param("RES:Kazakhstan", False, RES["kazakhstan"], id="prefixed-any-case"),
        pytest.param("kazakhstan", False, RES["kazakhstan"], id="slug"),
        pytest.param("Kazakhstan", False, RES["kazakhstan"], id="slug-capital"),
        pytest.param("francois hollande", False, RES["francois-hollande"], id="label-no-accent"),
        pytest.param("PRÉSIDENT DE LA RÉPUBLIQUE", False, RES["office-president-france"], id="fr"),
        pytest.param("Treaty", True, DKG.Treaty, id="class-local-name"),
        pytest.param("treaty", True, DKG.Treaty, id="class-any-case"),
        pytest.param("dkg:treaty", True, DKG.Treaty, id="class-prefixed-any-case"),
        pytest.param("traité", True, DKG.Treaty, id="class-label"),
        pytest.param("wd:Q2105", False, "http://www.wikidata.org/entity/Q2105", id="not-ours"),
        pytest.param("urn:x:1", False, "urn:x:1", id="other-scheme"),
    ],
)
def test_a_resource_is_found_by_the_names_people_type(
    resolver: Resolver, value: str, classes: bool, expected: str
) -> None:
    assert resolver.iri(value, classes=classes) == str(expected)


@pytest.mark.parametrize(
    ("value", "classes", "message"),
    [
        pytest.param(
            "kazakstan",
            False,
            "no resource 'kazakstan' in the graph; did you mean res:kazakhstan (Kazakhstan),",
            id="misspelt-slug",
        ),
        pytest.param(
            "res:hollande",
            False,
            "no resource 'res:hollande' in the graph; did you mean res:francois-hollande "
            "(François Hollande)?",
            id="wrong-prefixed-name",
        ),
        pytest.param(
            "Treatie",
            True,
            "no class 'Treatie' in the graph; did you mean dkg:Treaty (treaty)?",
            id="misspelt-class",
        ),
        pytest.param("zzz", False, "no resource 'zzz' in the graph", id="nothing-near"),
        pytest.param(
            "Paris",
            False,
            "'Paris' names 2 resources (res:paris-city (Paris), res:paris-venue (Paris)); "
            "give one's slug",
            id="ambiguous-label",
        ),
    ],
)
def test_an_unknown_name_is_refused_with_the_nearest_resources(
    resolver: Resolver, value: str, classes: bool, message: str
) -> None:
    with pytest.raises(ValueError) as caught:
        resolver.iri(value, classes=classes)
    assert str(caught.value).startswith(message)  # the nearest first; up to 3


def test_a_property_parameter_takes_a_property_by_its_local_name(resolver: Resolver) -> None:
    # `why`'s predicate (issue 13) is a property parameter: `tookPlaceIn` is dkg:tookPlaceIn,
    # and a misspelt one is answered with properties, never classes.
    assert resolver.iri("tookPlaceIn", properties=True) == str(DKG.tookPlaceIn)
    assert resolver.iri("tookplacein", properties=True) == str(DKG.tookPlaceIn)
    assert resolver.iri("took place in", properties=True) == str(DKG.tookPlaceIn)
    with pytest.raises(ValueError) as caught:
        resolver.iri("tookPlaceInn", properties=True)
    assert str(caught.value) == (
        "no property 'tookPlaceInn' in the graph; did you mean dkg:tookPlaceIn (took place in)?"
    )


def test_a_slug_wins_over_a_label(resolver: Resolver) -> None:
    # `astana` is the slug of res:astana and a label of two resources.
    assert resolver.iri("astana") == str(RES["astana"])


# -- the API on the built dataset ---------------------------------------------------------------


@pytest.fixture(scope="module")
def kg() -> KnowledgeGraph:
    return KnowledgeGraph.load(settings=Settings())


def test_the_api_finds_a_country_by_its_capitalised_slug(kg: KnowledgeGraph) -> None:
    expected = kg.query("timeline", country="kazakhstan")
    assert len(expected) > 0
    for name in ("Kazakhstan", "KAZAKHSTAN", "res:Kazakhstan", "kazakhstan "):
        assert kg.query("timeline", country=name).equals(expected), name


def test_the_api_finds_a_kind_by_its_local_name(kg: KnowledgeGraph) -> None:
    expected = kg.query("agreements", kind="dkg:Treaty")
    assert set(expected["kind"]) == {str(DKG.Treaty)}
    assert kg.query("agreements", kind="Treaty").equals(expected)
    assert kg.query("agreements", kind="treaty").equals(expected)


def test_the_api_refuses_an_unknown_country(kg: KnowledgeGraph) -> None:
    with pytest.raises(ParameterError) as caught:
        kg.query("timeline", country="atlantis")
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).startswith(
        "parameter 'country' (iri): no resource 'atlantis' in the graph"
    )
    with pytest.raises(ParameterError, match="did you mean res:kazakhstan"):
        kg.query("timeline", country="Kazakstan")


@pytest.mark.parametrize("method", ["describe", "evidence"])
def test_describe_and_evidence_refuse_an_unknown_resource_alike(
    kg: KnowledgeGraph, method: str
) -> None:
    with pytest.raises(UnknownResourceError) as caught:
        getattr(kg, method)("francois-holande")
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == (
        "no resource 'francois-holande' in the graph; did you mean res:francois-hollande "
        "(François Hollande)" + str(caught.value).split("(François Hollande)", 1)[1]
    )
    with pytest.raises(UnknownResourceError, match="no resource 'nope'"):
        getattr(kg, method)("nope")


def test_evidence_of_a_resource_that_states_nothing_is_an_empty_table(kg: KnowledgeGraph) -> None:
    # A person is no fact: the graph knows Yamina Benguigui, whose page has no quote of its own
    # (the event model gives a person the page names a mention as evidence, so the person here
    # is one the page never names: an office holder from graph/reference/office-holders.tsv).
    assert not kg.describe("Yamina Benguigui").empty
    frame = kg.evidence("Yamina Benguigui")
    assert frame.empty
    assert {"quote", "start", "end", "sentence", "source"} <= set(frame.columns)
    assert not kg.evidence("visit-2014-12-hollande-kazakhstan").empty


# -- the REST API ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("resolve-root")
    shutil.copytree(WEB / "queries", root / "queries")
    with TestClient(create_app(Settings(root=root, workers=1), WEB / "dataset.trig")) as c:
        yield c


def _visits(client: TestClient, place: str) -> list[str]:
    response = client.get("/api/queries/visits", params={"place": place})
    assert response.status_code == 200, response.text
    return [b["visit"]["value"] for b in response.json()["results"]["bindings"]]


@pytest.mark.parametrize(
    ("place", "expected"),
    [
        pytest.param("almaty", [HOLLANDE], id="slug"),
        pytest.param("Almaty", [HOLLANDE], id="capitalised"),
        pytest.param("RES:ALMATY", [HOLLANDE], id="prefixed"),
        pytest.param("Kazakhstan", [MITTERRAND, HOLLANDE], id="label"),
    ],
)
def test_rest_parameters_are_resolved(client: TestClient, place: str, expected: list[str]) -> None:
    assert _visits(client, place) == expected


def test_rest_refuses_an_unknown_resource_with_400(client: TestClient) -> None:
    response = client.get("/api/queries/visits", params={"place": "atlantis"})
    assert response.status_code == 400
    assert response.json()["detail"].startswith(
        "parameter 'place' (iri): no resource 'atlantis' in the graph"
    )
    response = client.get("/api/queries/visits", params={"place": "Almati"})
    assert response.status_code == 400
    assert "did you mean res:almaty (Almaty)" in response.json()["detail"]


def test_rest_reads_names_as_written_when_they_exceed_an_answer(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # With --max-rows below the number of names, the resolver would miss some: a slug still
    # works as written, and nothing is refused for a row it could not read.
    root = tmp_path_factory.mktemp("resolve-small")
    shutil.copytree(WEB / "queries", root / "queries")
    settings = Settings(root=root, workers=1, max_result_rows=5)
    with TestClient(create_app(settings, WEB / "dataset.trig")) as small:
        assert _visits(small, "almaty") == [HOLLANDE]
        assert _visits(small, "atlantis") == []
