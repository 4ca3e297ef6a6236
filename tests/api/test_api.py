"""The Python API: typed DataFrames from canned and ad hoc queries, resources, evidence, the
actor network; embedded and over HTTP (our endpoint and an Oxigraph server) alike.

Expected values are read from the fixture document (tests/data/api/graph/tour.ttl, tour.txt)
and the ontology, never copied from the API's own output.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pandas as pd
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from diplokg import KnowledgeGraph, api
from diplokg.api import UnknownQueryError, UnknownResourceError
from diplokg.config import Settings
from diplokg.errors import InputError, QueryError
from diplokg.namespaces import DKG, NAMED_GRAPHS, RES

if TYPE_CHECKING:
    from tests.conftest import Serve, TourProject


REPO = Path(__file__).resolve().parents[2]
TOUR = REPO / "tests" / "data" / "api" / "graph" / "tour.ttl"
TOUR_ENRICHMENT = TOUR.with_name("tour.enrichment.ttl")
ONTOLOGY = REPO / "ontology" / "diplokg.ttl"

# The events of tour.ttl with a level (derived from the ranks of their actors' offices): slug,
# date as written, precision of its datatype. The signing and the establishment of relations are
# between countries, which have no rank.
EVENTS = [
    ("visit-2008-nazarbayev-paris", "2008", "year"),
    ("meeting-2012-11-21-hollande-nazarbayev", "2012-11-21", "day"),
    ("reception-2013-09-20-prime-ministers", "2013-09-20", "day"),
    ("reception-2014-06-10-fabius-idrissov", "2014-06-10", "day"),
    ("visit-2014-12-hollande-kazakhstan", "2014-12-05", "day"),
]


def _label(path: Path, slug: str, lang: str = "en") -> str:
    graph = Graph().parse(path)
    if path == TOUR:  # the fixture's enrichment names the foreign ministers' offices
        graph.parse(TOUR_ENRICHMENT)
    labels = [
        str(o)
        for o in graph.objects(RES[slug], RDFS.label)
        if isinstance(o, Literal) and o.language == lang
    ]
    assert len(labels) == 1, (slug, labels)
    return labels[0]


def _timestamp(text: str) -> pd.Timestamp:
    parts = [int(p) for p in text.split("-")] + [1, 1]
    return pd.Timestamp(parts[0], parts[1], parts[2])


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory, tour_project: TourProject) -> Settings:
    return tour_project.make(tmp_path_factory.mktemp("api-project"))


@pytest.fixture(scope="module")
def kg(settings: Settings) -> KnowledgeGraph:
    return KnowledgeGraph.load(settings=settings)


@pytest.fixture(scope="module")
def dataset(settings: Settings) -> Dataset:
    found = Dataset()
    found.parse(settings.dist_dir / "dataset.nq", format="nquads")
    return found


def _slugs(values: pd.Series) -> list[str]:
    return [str(v)[len(str(RES)) :] for v in values]


# -- loading and the catalogue ----------------------------------------------------------------


def test_load_holds_every_quad_of_the_built_dataset(kg: KnowledgeGraph, dataset: Dataset) -> None:
    quads = len(list(dataset.quads((None, None, None, None))))
    frame = kg.sparql("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert frame["n"].tolist() == [quads]
    assert repr(kg) == f"<KnowledgeGraph: embedded Oxigraph store, {quads} quads>"


def test_a_large_dataset_is_opened_from_its_store_on_disk(
    settings: Settings, kg: KnowledgeGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api, "ON_DISK_BYTES", 0)  # every file is "large"
    on_disk = KnowledgeGraph.load(
        settings=Settings(root=settings.root, store_dir=tmp_path / "stores")
    )
    assert next((tmp_path / "stores").iterdir())  # the store was loaded there
    assert repr(on_disk) == repr(kg)  # the quads counted when it was loaded
    for name in kg.catalogue:  # the same rows (the stores break ORDER BY's ties differently)
        frames = [g.query(name) for g in (on_disk, kg)]
        first, second = [f.sort_values(list(f.columns)).reset_index(drop=True) for f in frames]
        pd.testing.assert_frame_equal(first, second)
    with pytest.raises(InputError, match=r"bad\.nt"):
        bad = tmp_path / "bad.nt"
        bad.write_text("<http://a> <http://b> .\n", encoding="utf-8")
        KnowledgeGraph.load(bad, settings=Settings(store_dir=tmp_path / "stores"))


def test_load_names_a_missing_or_malformed_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"missing\.nq"):
        KnowledgeGraph.load(tmp_path / "missing.nq")
    bad = tmp_path / "bad.nt"
    bad.write_text("<http://a> <http://b> .\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.nt"):
        KnowledgeGraph.load(bad)
    with pytest.raises(InputError, match="unknown RDF file extension"):
        KnowledgeGraph.load(bad.rename(tmp_path / "bad.rdfz"))


def test_queries_lists_the_catalogue_with_parameters(kg: KnowledgeGraph) -> None:
    catalogue = kg.queries
    assert catalogue.index.tolist() == ["events", "figures", "places"]
    assert catalogue.loc["events", "title"] == "Events by level"
    assert catalogue.loc["events", "params"] == "year: year, level: iri"
    assert catalogue.loc["events", "tags"] == "timeline, fixture"
    assert catalogue.loc["figures", "params"] == ""


def test_unknown_query_lists_the_available_ones(kg: KnowledgeGraph) -> None:
    with pytest.raises(UnknownQueryError) as caught:
        kg.query("timelime")
    assert isinstance(caught.value, QueryError)
    assert isinstance(caught.value, KeyError)
    assert str(caught.value) == "unknown query 'timelime' (available: events, figures, places)"


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"year": "20x4"}, "year"),
        ({"level": "not an iri"}, "level"),
        ({"colour": "red"}, "colour"),
    ],
    ids=["badly-typed-year", "badly-typed-iri", "unknown-parameter"],
)
def test_bad_parameter_raises_value_error_naming_it(
    kg: KnowledgeGraph, params: dict[str, str], named: str
) -> None:
    with pytest.raises(ValueError, match=f"'{named}'"):
        kg.query("events", **params)


# -- typing -----------------------------------------------------------------------------------


def test_dates_become_datetimes_with_their_precision_beside(kg: KnowledgeGraph) -> None:
    frame = kg.query("events").sort_values(["date", "event"], kind="stable")
    assert list(frame.columns[:4]) == ["event", "event_label", "date", "date_precision"]
    assert frame["date"].dtype == "datetime64[ns]"
    found = zip(_slugs(frame["event"]), frame["date"], frame["date_precision"], strict=True)
    assert list(found) == [(slug, _timestamp(date), precision) for slug, date, precision in EVENTS]


def test_iris_get_their_english_label_beside(kg: KnowledgeGraph) -> None:
    frame = kg.query("events", level="rank-head-of-state")
    expected = {s for s in [e[0] for e in EVENTS] if "nazarbayev" in s or "hollande" in s}
    assert set(_slugs(frame["event"])) == expected
    assert set(frame["level_label"]) == {_label(ONTOLOGY, "rank-head-of-state")}
    for event, label in zip(_slugs(frame["event"]), frame["event_label"], strict=True):
        assert label == _label(TOUR, event)


def test_labels_follow_the_chosen_language(settings: Settings) -> None:
    french = KnowledgeGraph.load(settings=settings, lang="fr")
    frame = french.query("events", level="rank-head-of-state", year="2012")
    assert frame["event_label"].tolist() == [
        _label(TOUR, "meeting-2012-11-21-hollande-nazarbayev", "fr")
    ]
    assert frame["level_label"].tolist() == [_label(ONTOLOGY, "rank-head-of-state", "fr")]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"year": 2014},
            ["reception-2014-06-10-fabius-idrissov", "visit-2014-12-hollande-kazakhstan"],
        ),
        ({"year": "2014", "level": "rank-minister"}, ["reception-2014-06-10-fabius-idrissov"]),
        ({"level": "res:rank-head-of-government"}, ["reception-2013-09-20-prime-ministers"]),
    ],
    ids=["year", "year-and-level", "prefixed-level"],
)
def test_parameters_select_rows(
    kg: KnowledgeGraph, params: dict[str, object], expected: list[str]
) -> None:
    assert _slugs(kg.query("events", **params)["event"]) == expected


def test_numbers_are_numbers_and_query_labels_are_kept(kg: KnowledgeGraph) -> None:
    frame = kg.query("figures")
    # tour.ttl: 6.4 (a decimal, percent) and 6000000000 (an integer, EUR), both for 2014
    assert frame["value"].dtype == "float64"
    assert frame["value"].tolist() == [6.4, 6_000_000_000.0]
    assert frame["currency"].tolist() == [None, "EUR"]
    assert frame["unit_label"].tolist() == [_label(ONTOLOGY, "unit-percent"), None]
    assert frame["period"].tolist() == [pd.Timestamp(2014, 1, 1)] * 2
    assert frame["period_precision"].tolist() == ["year", "year"]
    assert "figure_label" not in frame.columns  # the query returns ?figureLabel itself


@pytest.mark.parametrize(
    ("values", "dtype", "expected"),
    [
        ("1 UNDEF 3", "Int64", [1, pd.NA, 3]),
        ("1 2.5", "float64", [1.0, 2.5]),
        ("true false", "boolean", [True, False]),
        ('"a" "b"@en', "object", ["a", "b"]),
        ('<http://example.org/x> "x"', "object", ["http://example.org/x", "x"]),
        ('"2014-09"^^xsd:gYearMonth "2014-12-05Z"^^xsd:date', "datetime64[ns]", None),
    ],
    ids=["integers-with-unbound", "integer-and-decimal", "booleans", "strings", "mixed", "dates"],
)
def test_sparql_types_each_column(
    kg: KnowledgeGraph, values: str, dtype: str, expected: list[object] | None
) -> None:
    frame = kg.sparql(
        "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
        f"SELECT ?x WHERE {{ VALUES ?x {{ {values} }} }}"
    )
    assert str(frame["x"].dtype) == dtype
    if expected is None:
        assert frame["x"].tolist() == [pd.Timestamp(2014, 9, 1), pd.Timestamp(2014, 12, 5)]
        assert frame["x_precision"].tolist() == ["month", "day"]
    else:
        assert frame["x"].astype(object).tolist() == expected


def test_ask_and_construct(kg: KnowledgeGraph, dataset: Dataset) -> None:
    assert kg.sparql(f"ASK {{ ?s a <{DKG.Treaty}> }}")["boolean"].tolist() == [True]
    assert kg.sparql(f"ASK {{ ?s a <{DKG.Protocol}> }}")["boolean"].tolist() == [False]
    frame = kg.query("places")
    assert [c for c in frame.columns if not c.endswith("_label")] == [
        "subject",
        "predicate",
        "object",
    ]
    events = {s for s, _, _, _ in dataset.quads((None, RDF.type, DKG.Event, None))}
    expected = {
        (str(s), str(o))
        for s, _, o, _ in dataset.quads((None, DKG.tookPlaceIn, None, None))
        if s in events
    }
    assert set(zip(frame["subject"], frame["object"], strict=True)) == expected
    assert set(frame["predicate"]) == {str(DKG.tookPlaceIn)}


def test_bad_sparql_is_a_query_error(kg: KnowledgeGraph) -> None:
    with pytest.raises(QueryError, match=r"syntax error at line 1, column 17: this '\{' is never"):
        kg.sparql("SELECT ?x WHERE { ?x ")


# -- resources, evidence, network ----------------------------------------------------------------


def test_describe_gives_every_triple_about_a_resource_with_its_graph(
    kg: KnowledgeGraph, dataset: Dataset
) -> None:
    visit = RES["visit-2008-nazarbayev-paris"]
    frame = kg.describe("visit-2008-nazarbayev-paris")
    names = {str(iri): name for name, iri in NAMED_GRAPHS.items()}
    expected = {
        (str(s), str(p), str(o), names[str(g)])
        for s, p, o, g in dataset.quads((None, None, None, None))
        if visit in (s, o)
    }
    # literal objects are typed (dates as their lexical form in this mixed column)
    assert {
        (s, p, str(o), g)
        for s, p, o, g in zip(
            frame["subject"], frame["predicate"], frame["object"], frame["graph"], strict=True
        )
    } == expected
    actor = frame[frame["predicate"] == str(DKG.sourceActor)]
    assert actor["object_label"].tolist() == [_label(TOUR, "nursultan-nazarbayev")]
    assert actor["graph"].tolist() == ["asserted"]


def test_describe_an_unknown_resource(kg: KnowledgeGraph) -> None:
    with pytest.raises(UnknownResourceError, match="visit-2008-nazarbayev-pari") as caught:
        kg.describe("visit-2008-nazarbayev-pari")
    assert isinstance(caught.value, LookupError)
    with pytest.raises(ValueError, match="resource"):
        kg.describe("not a resource")


def test_evidence_gives_quotes_offsets_and_sentences(
    kg: KnowledgeGraph, tour_project: TourProject
) -> None:
    text = tour_project.source_text.read_text(encoding="utf-8")
    frame = kg.evidence("reception-2013-09-20-prime-ministers")
    # tour.ttl quotes this reception twice
    assert frame["quote"].tolist() == [
        "le Premier ministre a reçu son homologue à Paris",
        "le 20 septembre 2013",
    ]
    assert str(frame["start"].dtype) == "Int64"
    for quote, start, end, sentence in zip(
        frame["quote"], frame["start"], frame["end"], frame["sentence"], strict=True
    ):
        assert text[start:end] == quote
        assert quote in sentence
        assert sentence in text
        assert sentence.startswith("Les visites de haut niveau")
    assert set(frame["source"]) == {str(RES["document-tour"])}
    assert set(frame["source_label"]) == {_label(TOUR, "document-tour")}


def test_evidence_of_several_resources_and_of_none(kg: KnowledgeGraph) -> None:
    # the foreign minister's office comes from the enrichment: no words of the text
    frame = kg.evidence(
        ["treaty-2008-06-strategic-partnership", "res:office-minister-foreign-affairs-france"]
    )
    assert _slugs(frame["resource"]) == ["treaty-2008-06-strategic-partnership"]
    assert frame["quote"].tolist() == [
        "la signature d’un traité de partenariat stratégique en juin 2008"
    ]


def test_to_networkx_links_actors_through_events(kg: KnowledgeGraph) -> None:
    network = kg.to_networkx()
    edges = {(_slug(u), _slug(v), d["role"]) for u, v, d in network.edges(data=True)}
    # each actor as the page gives it: who acts and on whom (source, target), and who is the
    # guest and who the host of a visit, meeting or reception; countries are not nodes
    assert edges == {
        ("meeting-2012-11-21-hollande-nazarbayev", "francois-hollande", "sourceActor"),
        ("meeting-2012-11-21-hollande-nazarbayev", "francois-hollande", "host"),
        ("meeting-2012-11-21-hollande-nazarbayev", "office-president-kazakhstan", "targetActor"),
        ("meeting-2012-11-21-hollande-nazarbayev", "office-president-kazakhstan", "guest"),
        ("visit-2008-nazarbayev-paris", "nursultan-nazarbayev", "sourceActor"),
        ("visit-2008-nazarbayev-paris", "nursultan-nazarbayev", "guest"),
        ("visit-2014-12-hollande-kazakhstan", "francois-hollande", "sourceActor"),
        ("visit-2014-12-hollande-kazakhstan", "francois-hollande", "guest"),
        ("reception-2013-09-20-prime-ministers", "office-prime-minister-france", "sourceActor"),
        ("reception-2013-09-20-prime-ministers", "office-prime-minister-france", "host"),
        ("reception-2013-09-20-prime-ministers", "office-prime-minister-kazakhstan", "targetActor"),
        ("reception-2013-09-20-prime-ministers", "office-prime-minister-kazakhstan", "guest"),
        ("reception-2014-06-10-fabius-idrissov", "laurent-fabius", "sourceActor"),
        ("reception-2014-06-10-fabius-idrissov", "laurent-fabius", "host"),
        ("reception-2014-06-10-fabius-idrissov", "erlan-idrissov", "targetActor"),
        ("reception-2014-06-10-fabius-idrissov", "erlan-idrissov", "guest"),
        ("relocation-2008-embassy", "embassy-france-kazakhstan", "relocated"),
        ("francois-hollande", "office-president-france", "holdsOffice"),
        ("nursultan-nazarbayev", "office-president-kazakhstan", "holdsOffice"),
        # the foreign ministers' offices from the enrichment (tour.enrichment.ttl)
        ("laurent-fabius", "office-minister-foreign-affairs-france", "holdsOffice"),
        ("erlan-idrissov", "office-minister-foreign-affairs-kazakhstan", "holdsOffice"),
    }  # fmt: skip
    types = {_slug(n): d["type"] for n, d in network.nodes(data=True)}
    assert types == {
        **dict.fromkeys(
            ["francois-hollande", "nursultan-nazarbayev", "laurent-fabius", "erlan-idrissov"],
            "person",
        ),
        **dict.fromkeys(
            [
                "office-president-france",
                "office-president-kazakhstan",
                "office-prime-minister-france",
                "office-prime-minister-kazakhstan",
                "office-minister-foreign-affairs-france",
                "office-minister-foreign-affairs-kazakhstan",
            ],
            "office",
        ),
        "embassy-france-kazakhstan": "organisation",
        **dict.fromkeys([slug for slug, _, _ in EVENTS] + ["relocation-2008-embassy"], "event"),
    }
    for node, data in network.nodes(data=True):
        assert data["label"] == _label(TOUR, _slug(node))
    assert network.nodes[str(RES["visit-2008-nazarbayev-paris"])]["date"] == "2008"


def _slug(iri: str) -> str:
    return iri[len(str(RES)) :]


# -- the same API over HTTP -----------------------------------------------------------------------


@pytest.fixture(scope="module", params=["diplokg", "oxigraph"])
def remote(
    request: pytest.FixtureRequest,
    settings: Settings,
    tmp_path_factory: pytest.TempPathFactory,
    serve: Serve,
    free_port: Callable[[], int],
) -> Iterator[KnowledgeGraph]:
    """Our endpoint, and an Oxigraph server (union default graph), over the fixture dataset."""
    data = settings.dist_dir / "dataset.nq"
    if request.param == "diplokg":
        with (
            serve(settings, data) as server,
            KnowledgeGraph.remote(server.sparql, queries_dir=settings.queries_dir) as kg,
        ):
            yield kg
        return
    # the `oxigraph` CLI that the dev extra installs beside this interpreter
    oxigraph = str(Path(sys.executable).with_name("oxigraph"))
    location = tmp_path_factory.mktemp("oxigraph-store")
    subprocess.run(
        [oxigraph, "load", "--location", str(location), "--file", str(data)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    port = free_port()
    process = subprocess.Popen(
        [
            *(oxigraph, "serve-read-only", "--location", str(location)),
            *("--bind", f"127.0.0.1:{port}", "--union-default-graph"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/query"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url, params={"query": "ASK {}"}, timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("oxigraph server did not start") from None
                time.sleep(0.1)
        with KnowledgeGraph.remote(url, queries_dir=settings.queries_dir) as kg:
            yield kg
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.mark.server
@pytest.mark.parametrize(
    ("method", "argument"),
    [
        ("query", "events"),
        ("query", "figures"),
        ("describe", "meeting-2012-11-21-hollande-nazarbayev"),
        ("evidence", "reception-2013-09-20-prime-ministers"),
    ],
    ids=["events", "figures", "describe", "evidence"],
)
def test_remote_gives_the_frames_of_the_embedded_graph(
    kg: KnowledgeGraph, remote: KnowledgeGraph, method: str, argument: str
) -> None:
    local = getattr(kg, method)(argument)
    far = getattr(remote, method)(argument)
    order = list(local.columns)
    pd.testing.assert_frame_equal(
        far[order].sort_values(order[:4]).reset_index(drop=True),
        local.sort_values(order[:4]).reset_index(drop=True),
    )


@pytest.mark.server
def test_remote_network_and_ask(kg: KnowledgeGraph, remote: KnowledgeGraph) -> None:
    local, far = kg.to_networkx(), remote.to_networkx()
    assert sorted(far.edges(keys=True)) == sorted(local.edges(keys=True))
    assert dict(far.nodes(data=True)) == dict(local.nodes(data=True))
    assert remote.sparql(f"ASK {{ ?s a <{DKG.Treaty}> }}")["boolean"].tolist() == [True]


@pytest.mark.server
def test_remote_bad_query_is_a_query_error(remote: KnowledgeGraph) -> None:
    with pytest.raises(QueryError, match="400"):
        remote.sparql("SELECT ?x WHERE { ?x ")


def test_remote_unreachable_endpoint_is_a_query_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with (
        KnowledgeGraph.remote(f"http://127.0.0.1:{port}/sparql", timeout=5) as far,
        pytest.raises(QueryError, match=f"127.0.0.1:{port}"),
    ):
        far.sparql("ASK {}")


def test_a_resource_given_as_iri_or_prefixed_name(kg: KnowledgeGraph) -> None:
    by_slug = kg.evidence("treaty-2008-06-strategic-partnership")
    by_iri = kg.evidence(str(URIRef(RES["treaty-2008-06-strategic-partnership"])))
    by_prefix = kg.evidence("res:treaty-2008-06-strategic-partnership")
    pd.testing.assert_frame_equal(by_slug, by_iri)
    pd.testing.assert_frame_equal(by_slug, by_prefix)
