"""Exact rows of every canned query (`queries/*.rq`) on the built dataset.

Each expected table is written from the 2015 France–Kazakhstan page (the sentence is quoted
beside it) and from the reference tables behind the enrichment graph, not copied from the
output. A row is a tuple of strings: IRIs shortened with the project's prefixes, literals by
their lexical form, None for an unbound column.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from diplokg.build import ensure_built, load_store
from diplokg.config import Settings
from diplokg.namespaces import DKG, GRAPH, PREFIXES
from diplokg.queries import CannedQuery, Param, load_catalogue

Row = tuple[str | None, ...]

ISSUE_4_QUERIES = (
    "timeline",
    "agreements",
    "office-holders",
    "education-culture",
    "economic-indicators",
    "decentralised-cooperation",
    "cultural-seasons",
    "by-country",
    "evidence",
    "entity-card",
    "statistics",
)


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return load_store(Settings())


@pytest.fixture(scope="module")
def catalogue() -> dict[str, CannedQuery]:
    return load_catalogue(Settings().queries_dir)


@pytest.fixture(scope="module")
def source_text() -> str:
    return (Settings().graph_dir / "france-kazakhstan-2015.txt").read_text(encoding="utf-8")


def short(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> str | None:
    """A result term as the tests write it: `res:paris`, `2014-12`, None."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        for prefix, base in PREFIXES.items():
            if term.value.startswith(base):
                return f"{prefix}:{term.value[len(base) :]}"
        return term.value
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def run(
    store: ox.Store, catalogue: dict[str, CannedQuery], name: str, **params: str
) -> tuple[list[str], list[Row]]:
    """The column names and rows of canned query `name` rendered with `params`."""
    text = catalogue[name].render(params)
    solutions = store.query(text, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    columns = [v.value for v in solutions.variables]
    rows = [tuple(short(s[v]) for v in solutions.variables) for s in solutions]
    return columns, rows


def rows_of(
    store: ox.Store, catalogue: dict[str, CannedQuery], name: str, **params: str
) -> list[Row]:
    return run(store, catalogue, name, **params)[1]


# --- the catalogue itself ----------------------------------------------------------------


def test_catalogue_has_the_issue_4_queries(catalogue: dict[str, CannedQuery]) -> None:
    assert set(ISSUE_4_QUERIES) <= set(catalogue)


QUERY_FILES = sorted(p.stem for p in Settings().queries_dir.glob("*.rq"))


@pytest.mark.parametrize("name", QUERY_FILES)
def test_query_file_has_header_and_parses(name: str, catalogue: dict[str, CannedQuery]) -> None:
    query = catalogue[name]
    assert query.title and query.description and query.tags
    for param in query.params:
        assert param.description, f"{name}: parameter {param.name} has no description"
    # pyoxigraph parses it as written, and with every parameter bound
    ox.Store().query(query.text)
    sample = {"iri": "kazakhstan", "class": "Treaty", "property": "targetActor", "year": "2014"}
    ox.Store().query(query.render({p.name: sample[p.type] for p in query.params}))


def prefix_problems(text: str) -> list[str]:
    """What is wrong with a query's PREFIX block: out of the namespaces.py order, a namespace
    that is not ours, a prefix the query never uses."""
    declared = re.findall(r"^PREFIX (\w+): <([^>]+)>$", text, flags=re.MULTILINE)
    names = [p for p, _ in declared]
    problems = []
    if names != [p for p in PREFIXES if p in names]:
        problems.append(f"out of order: {names}")
    problems += [
        f"{p}: is not <{PREFIXES.get(p)}>" for p, iri in declared if PREFIXES.get(p) != iri
    ]
    body = re.sub(r"^PREFIX .*$", "", text, flags=re.MULTILINE)
    problems += [f"{p}: unused" for p in names if not re.search(rf"\b{p}:", body)]
    return problems


@pytest.mark.parametrize("name", QUERY_FILES)
def test_prefix_block_follows_namespaces_order_and_is_used(
    name: str, catalogue: dict[str, CannedQuery]
) -> None:
    assert prefix_problems(catalogue[name].text) == []


def test_prefix_check_can_fail() -> None:
    text = (
        "PREFIX res: <https://w3id.org/diplokg/resource/>\n"
        "PREFIX dkg: <https://w3id.org/diplokg/ontology#>\n"
        "PREFIX rdfs: <http://example.org/not-rdfs#>\n"
        "SELECT ?s WHERE { ?s a dkg:Visit }\n"
    )
    assert prefix_problems(text) == [
        "out of order: ['res', 'dkg', 'rdfs']",
        "rdfs: is not <http://www.w3.org/2000/01/rdf-schema#>",
        "res: unused",
        "rdfs: unused",
    ]


def unprojected_params(query: CannedQuery) -> list[str]:
    """Parameters the top-level SELECT does not list. Virtuoso refuses a trailing VALUES on such
    a variable (`SQ200: No column type`), so the rendered query would not run there."""
    head = re.search(r"^SELECT(.*?)^WHERE", query.text, flags=re.MULTILINE | re.DOTALL)
    if head is None or head.group(1).split() == ["*"]:
        return []
    listed = set(re.findall(r"\?(\w+)", head.group(1)))
    return [p.name for p in query.params if p.name not in listed]


@pytest.mark.parametrize("name", QUERY_FILES)
def test_every_parameter_is_projected(name: str, catalogue: dict[str, CannedQuery]) -> None:
    assert unprojected_params(catalogue[name]) == []


def test_portability_checks_can_fail() -> None:
    hidden = CannedQuery(
        name="hidden",
        title="A parameter the SELECT does not list",
        description="",
        tags=(),
        params=(Param("country", "iri"), Param("year", "year")),
        text="SELECT ?event ?year\nWHERE {\n  ?event ?p ?country .\n  ?event ?q ?year .\n}\n",
    )
    assert unprojected_params(hidden) == ["country"]
    assert virtuoso_hazards(hidden) == []
    text = "SELECT ?kind ?x\nWHERE {\n  ?s a ?kind .\n  BIND(1 AS ?x)\n}\n"
    bound = CannedQuery("bound", "A BIND beside a parameter", "", (), (Param("kind", "iri"),), text)
    assert virtuoso_hazards(bound) == ["BIND"]


def virtuoso_hazards(query: CannedQuery) -> list[str]:
    """Constructs after which Virtuoso 7.2 mishandles a trailing VALUES (it overwrites the
    parameter instead of joining on it): any BIND in a query that takes parameters."""
    return ["BIND"] if query.params and re.search(r"\bBIND\s*\(", query.text) else []


# figures-by-year computes its `year` from the period: there is no other way to bind it
VIRTUOSO_HAZARDS = {"figures-by-year": ["BIND"]}


@pytest.mark.parametrize("name", QUERY_FILES)
def test_parameters_survive_virtuoso(name: str, catalogue: dict[str, CannedQuery]) -> None:
    assert virtuoso_hazards(catalogue[name]) == VIRTUOSO_HAZARDS.get(name, [])


@pytest.mark.parametrize("name", QUERY_FILES)
def test_every_query_runs_unbound(
    name: str, catalogue: dict[str, CannedQuery], store: ox.Store
) -> None:
    """As written, with no VALUES block, every query gives a non-empty full answer."""
    solutions = store.query(catalogue[name].text, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    assert list(solutions), f"{name} gives no row unbound"


# --- timeline -----------------------------------------------------------------------------

PM_FR = ("res:office-prime-minister-france", "Prime Minister of France")
PM_KZ = ("res:office-prime-minister-kazakhstan", "Prime Minister of Kazakhstan")
MFA_FR = ("res:office-minister-foreign-affairs-france", "Minister of Foreign Affairs of France")
PRESIDENT_KZ = ("res:office-president-kazakhstan", "President of Kazakhstan")
HOLLANDE = ("res:francois-hollande", "François Hollande")
NAZARBAYEV = ("res:nursultan-nazarbayev", "Nazarbayev")
IDRISSOV = ("res:erlan-idrissov", "Idrissov")
NONE2: tuple[None, None] = (None, None)
KAZAKHSTAN = ("res:kazakhstan", "Kazakhstan")
FRANCE = ("res:france", "France")
NETHERLANDS = ("res:netherlands", "Netherlands")
PARIS = ("res:paris", "Paris")
ASTANA = ("res:astana", "Astana")
HAGUE = ("res:the-hague", "The Hague")
HEAD_OF_STATE = "head of state"
HEAD_OF_GOVERNMENT = "head of government"
MINISTER = "minister"
IN_PARIS = [(PARIS, "stated"), (FRANCE, "inferred")]
IN_ASTANA = [(ASTANA, "stated"), (KAZAKHSTAN, "inferred")]
IN_KAZAKHSTAN = [(KAZAKHSTAN, "stated")]


def day(date: str) -> tuple[str, None, str, str, str, None]:
    """date, end, precision, earliest, latest, inSessionOn of a one-day event."""
    return (date, None, "day", date, date, None)


# ((date, end, precision, earliest, latest, inSessionOn), event, label, kind, source, target,
#  level, [(place, status)]). Source and target are the actors as the page gives them: who went
# or received, and where to or whom; the level is the lowest rank among their offices.
TIMELINE_EVENTS = [
    # "Le Président Mitterrand s'est rendu au Kazakhstan en septembre 1993."
    (("1993-09", None, "month", "1993-09-01", "1993-09-30", None),
     "res:visit-1993-09-mitterrand-kazakhstan", "President Mitterrand's visit to Kazakhstan",
     "visit", ("res:francois-mitterrand", "Mitterrand"), KAZAKHSTAN, HEAD_OF_STATE,
     IN_KAZAKHSTAN),
    # "depuis la visite du Président Nazarbaïev à Paris en 2008"
    (("2008", None, "year", "2008-01-01", "2008-12-31", None),
     "res:visit-2008-nazarbayev-paris", "President Nazarbayev's visit to Paris", "visit",
     NAZARBAYEV, FRANCE, HEAD_OF_STATE, IN_PARIS),
    # "le Premier ministre a reçu son homologue à Paris le 11 juin 2012, ..."
    (day("2012-06-11"), "res:reception-2012-06-11-prime-ministers",
     "The Prime Minister receives his counterpart in Paris (June 2012)",
     "reception", PM_FR, PM_KZ, HEAD_OF_GOVERNMENT, IN_PARIS),
    # "le Ministre de la Défense s'est rendu au Kazakhstan les 15 et16 juillet 2012"
    (("2012-07-15", "2012-07-16", "day", "2012-07-15", "2012-07-16", None),
     "res:visit-2012-07-minister-defence-kazakhstan",
     "The Minister of Defence's visit to Kazakhstan", "visit",
     ("res:office-minister-defence-france", "Minister of Defence of France"), KAZAKHSTAN,
     MINISTER, IN_KAZAKHSTAN),
    # "François Hollande a rencontré pour la 1ère fois son homologue kazakhstanais le
    # 21 novembre 2012 à Paris": the page names the office of his counterpart
    (day("2012-11-21"), "res:meeting-2012-11-21-hollande-nazarbayev",
     "First meeting of President Hollande and his Kazakh counterpart", "meeting", HOLLANDE,
     PRESIDENT_KZ, HEAD_OF_STATE, IN_PARIS),
    # "le Ministre des affaires étrangères a effectué le 1er mars 2013 une visite à Astana, où
    # il a eu des consultations avec son homologue M. Idrissov et a été reçu par le Président
    # Nazarbaïev ainsi que par le Premier ministre, Serik Akhmetov." A minister received by a
    # head of state: a ministerial event.
    (day("2013-03-01"), "res:consultation-2013-03-01-foreign-ministers",
     "Consultations of the foreign ministers in Astana", "consultation", MFA_FR, IDRISSOV,
     MINISTER, IN_ASTANA),
    (day("2013-03-01"), "res:reception-2013-03-01-akhmetov",
     "Prime Minister Serik Akhmetov receives the Minister of Foreign Affairs",
     "reception", ("res:serik-akhmetov", "Serik Akhmetov"), MFA_FR, MINISTER, IN_ASTANA),
    (day("2013-03-01"), "res:reception-2013-03-01-nazarbayev",
     "President Nazarbayev receives the Minister of Foreign Affairs", "reception",
     NAZARBAYEV, MFA_FR, MINISTER, IN_ASTANA),
    (day("2013-03-01"), "res:visit-2013-03-01-minister-foreign-affairs-astana",
     "The Minister of Foreign Affairs' visit to Astana", "visit", MFA_FR, KAZAKHSTAN,
     MINISTER, IN_ASTANA),
    # "La Ministre du Commerce extérieur s'est quant à elle rendue au Kazakhstan le 24 mai 2013"
    (day("2013-05-24"), "res:visit-2013-05-24-minister-foreign-trade-kazakhstan",
     "The Minister of Foreign Trade's visit to Kazakhstan", "visit",
     ("res:office-minister-foreign-trade-france", "Minister of Foreign Trade of France"),
     KAZAKHSTAN, MINISTER, IN_KAZAKHSTAN),
    # "suivie par la Ministre déléguée en charge de la francophonie les 17 et 18 septembre 2013"
    (("2013-09-17", "2013-09-18", "day", "2013-09-17", "2013-09-18", None),
     "res:visit-2013-09-minister-delegate-francophonie-kazakhstan",
     "The Minister Delegate for Francophonie's visit to Kazakhstan", "visit",
     ("res:office-minister-delegate-francophonie-france",
      "Minister Delegate for Francophonie of France"), KAZAKHSTAN, "minister delegate",
     IN_KAZAKHSTAN),
    # "le Premier ministre a reçu son homologue à Paris ..., le 20 septembre 2013"
    (day("2013-09-20"), "res:reception-2013-09-20-prime-ministers",
     "The Prime Minister receives his counterpart in Paris (September 2013)",
     "reception", PM_FR, PM_KZ, HEAD_OF_GOVERNMENT, IN_PARIS),
    # "puis une seconde fois le 24 mars 2014 en marge du Sommet sur la Sécurité Nucléaire à
    # La Haye": the summit was in session that day (no date of its own, so it sorts by that
    # day and before the meeting, which has bounds); The Hague is in the Netherlands
    # (places.tsv).
    ((None, None, None, None, None, "2014-03-24"), "res:nuclear-security-summit-2014",
     "Nuclear Security Summit", "summit", NONE2, NONE2, None,
     [(HAGUE, "stated"), (NETHERLANDS, "inferred")]),
    (day("2014-03-24"), "res:meeting-2014-03-24-hollande-nazarbayev",
     "Second meeting of President Hollande and his Kazakh counterpart, on the margins of the "
     "Nuclear Security Summit", "meeting", HOLLANDE, PRESIDENT_KZ, HEAD_OF_STATE,
     [(HAGUE, "stated"), (NETHERLANDS, "inferred")]),
    # "M. Idrissov a été reçu par M. Fabius le 10 juin 2014 à Paris."
    (day("2014-06-10"), "res:reception-2014-06-10-fabius-idrissov",
     "Fabius receives Idrissov in Paris", "reception", ("res:laurent-fabius", "Fabius"),
     IDRISSOV, MINISTER, IN_PARIS),
    # "puis par le Secrétaire d'Etat chargé du Commerce extérieur, ... les 16 et 17 octobre
    # derniers" (read against the update date, 10.06.15: October 2014)
    (("2014-10-16", "2014-10-17", "day", "2014-10-16", "2014-10-17", None),
     "res:visit-2014-10-secretary-of-state-foreign-trade-kazakhstan",
     "The Secretary of State for Foreign Trade's visit to Kazakhstan", "visit",
     ("res:office-secretary-of-state-foreign-trade-france",
      "Secretary of State for Foreign Trade, the Development of Tourism and French Nationals "
      "Abroad"), KAZAKHSTAN, "secretary of state", IN_KAZAKHSTAN),
    # "le Premier ministre a reçu son homologue à Paris ... et le 17 novembre 2014"
    (day("2014-11-17"), "res:reception-2014-11-17-prime-ministers",
     "The Prime Minister receives his counterpart in Paris (November 2014)",
     "reception", PM_FR, PM_KZ, HEAD_OF_GOVERNMENT, IN_PARIS),
    # "s'est rendu en visite officielle à Astana et Almaty les 5 et 6 décembre 2014"
    (("2014-12-05", "2014-12-06", "day", "2014-12-05", "2014-12-06", None),
     "res:visit-2014-12-hollande-kazakhstan",
     "President Hollande's official visit to Astana and Almaty", "official visit", HOLLANDE,
     KAZAKHSTAN, HEAD_OF_STATE,
     [(("res:almaty", "Almaty"), "stated"), (ASTANA, "stated"), (KAZAKHSTAN, "inferred")]),
]  # fmt: skip


# The French labels, in the page's own words where it names the event.
EVENT_LABELS_FR = {
    "res:visit-1993-09-mitterrand-kazakhstan": "Visite du Président Mitterrand au Kazakhstan",
    "res:visit-2008-nazarbayev-paris": "Visite du Président Nazarbaïev à Paris",
    "res:reception-2012-06-11-prime-ministers":
        "Le Premier ministre reçoit son homologue à Paris (juin 2012)",
    "res:visit-2012-07-minister-defence-kazakhstan":
        "Visite du Ministre de la Défense au Kazakhstan",
    "res:meeting-2012-11-21-hollande-nazarbayev":
        "Première rencontre du Président Hollande et de son homologue kazakhstanais",
    "res:consultation-2013-03-01-foreign-ministers":
        "Consultations des ministres des affaires étrangères à Astana",
    "res:reception-2013-03-01-akhmetov":
        "Le Premier ministre Serik Akhmetov reçoit le Ministre des affaires étrangères",
    "res:reception-2013-03-01-nazarbayev":
        "Le Président Nazarbaïev reçoit le Ministre des affaires étrangères",
    "res:visit-2013-03-01-minister-foreign-affairs-astana":
        "Visite du Ministre des affaires étrangères à Astana",
    "res:visit-2013-05-24-minister-foreign-trade-kazakhstan":
        "Visite de la Ministre du Commerce extérieur au Kazakhstan",
    "res:visit-2013-09-minister-delegate-francophonie-kazakhstan":
        "Visite de la Ministre déléguée en charge de la francophonie au Kazakhstan",
    "res:reception-2013-09-20-prime-ministers":
        "Le Premier ministre reçoit son homologue à Paris (septembre 2013)",
    "res:meeting-2014-03-24-hollande-nazarbayev":
        "Deuxième rencontre du Président Hollande et de son homologue kazakhstanais, en marge "
        "du Sommet sur la Sécurité Nucléaire",
    "res:nuclear-security-summit-2014": "Sommet sur la Sécurité Nucléaire",
    "res:reception-2014-06-10-fabius-idrissov": "M. Fabius reçoit M. Idrissov à Paris",
    "res:visit-2014-10-secretary-of-state-foreign-trade-kazakhstan":
        "Visite du Secrétaire d’Etat chargé du Commerce extérieur au Kazakhstan",
    "res:reception-2014-11-17-prime-ministers":
        "Le Premier ministre reçoit son homologue à Paris (novembre 2014)",
    "res:visit-2014-12-hollande-kazakhstan":
        "Visite officielle du Président Hollande à Astana et Almaty",
}  # fmt: skip

COUNTRIES = (FRANCE[0], KAZAKHSTAN[0], NETHERLANDS[0])


def timeline_rows(events: list[tuple[Any, ...]]) -> list[Row]:
    """One expected row per event and place, in the query's column order. The last column is
    the country the event took place in."""
    rows: list[Row] = []
    for when, event, label, kind, source, target, level, places in events:
        (country,) = [p for (p, _), _ in places if p in COUNTRIES]
        for (place, place_label), status in places:
            rows.append(
                (*when, event, label, EVENT_LABELS_FR[event], kind, *source, *target, place,
                 place_label, status, level, country)
            )  # fmt: skip
    return rows


def test_timeline_columns(store: ox.Store, catalogue: dict[str, CannedQuery]) -> None:
    columns, _ = run(store, catalogue, "timeline")
    assert columns == [
        "date", "end", "precision", "earliest", "latest", "inSessionOn", "event", "eventLabel",
        "eventLabelFr", "kindLabel", "source", "sourceLabel", "target", "targetLabel", "place",
        "placeLabel", "placeStatus", "levelLabel", "country",
    ]  # fmt: skip


def test_timeline_lists_every_visit_and_meeting_class(
    store: ox.Store, catalogue: dict[str, CannedQuery]
) -> None:
    """The timeline names its classes (fast, and portable to Virtuoso): they must be every
    subclass of dkg:Visit, dkg:Meeting and dkg:Summit in the ontology."""
    block = re.search(r"VALUES \?kind \{(.*?)\}", catalogue["timeline"].text, flags=re.DOTALL)
    assert block is not None
    listed = set(block.group(1).split())
    solutions = store.query(
        "SELECT DISTINCT ?c WHERE { VALUES ?root { dkg:Visit dkg:Meeting dkg:Summit } "
        "?c <http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?root }",
        prefixes={"dkg": str(DKG)},
        use_default_graph_as_union=True,
    )
    assert isinstance(solutions, ox.QuerySolutions)
    assert listed == {f"dkg:{s[0].value[len(str(DKG)) :]}" for s in solutions}


def test_timeline(store: ox.Store, catalogue: dict[str, CannedQuery]) -> None:
    assert rows_of(store, catalogue, "timeline") == timeline_rows(TIMELINE_EVENTS)


@pytest.mark.parametrize(
    ("country", "events"),
    [
        pytest.param(
            "kazakhstan",
            [e for e in TIMELINE_EVENTS if (KAZAKHSTAN, "stated") in e[7]
             or (KAZAKHSTAN, "inferred") in e[7]],
            id="kazakhstan-stated-and-inferred",
        ),
        pytest.param(
            "france", [e for e in TIMELINE_EVENTS if (FRANCE, "inferred") in e[7]], id="france"
        ),
        pytest.param(
            "netherlands", [e for e in TIMELINE_EVENTS if (HAGUE, "stated") in e[7]],
            id="a-third-country",
        ),
        pytest.param("afghanistan", [], id="no-visit-to-afghanistan"),
    ],
)  # fmt: skip
def test_timeline_by_country(
    store: ox.Store,
    catalogue: dict[str, CannedQuery],
    country: str,
    events: list[tuple[Any, ...]],
) -> None:
    assert rows_of(store, catalogue, "timeline", country=country) == timeline_rows(events)


def test_timeline_country_cases_are_not_vacuous() -> None:
    """The filter data above is not vacuous: 10 events in Kazakhstan, 5 only by inference;
    2 in the Netherlands."""
    in_kz = [e for e in TIMELINE_EVENTS if any(p == KAZAKHSTAN for p, _ in e[7])]
    assert len(in_kz) == 10
    assert sum((KAZAKHSTAN, "inferred") in e[7] for e in in_kz) == 5
    assert sum(any(p == NETHERLANDS for p, _ in e[7]) for e in TIMELINE_EVENTS) == 2


# --- agreements ---------------------------------------------------------------------------

BOTH = [FRANCE, KAZAKHSTAN]
# (kind, agreement, label, parties, signed, subject, supplements, count)
AGREEMENTS = [
    # "21 accords entre établissements d'enseignement supérieur français et kazakhstanais ont
    # également été signés" (during the December 2014 visit)
    ("inter-university agreement", "res:inter-university-agreements-2014-12",
     "21 agreements between French and Kazakh higher-education institutions",
     [("res:french-higher-education-institutions", "French higher-education institutions"),
      ("res:kazakh-higher-education-institutions", "Kazakh higher-education institutions")],
     "2014-12", "cooperation between higher-education institutions", NONE2, "21"),
    # "l'Accord de coopération dans le domaine de la culture et des arts de septembre 1993"
    ("intergovernmental agreement", "res:agreement-1993-09-culture-arts",
     "Agreement on cooperation in culture and the arts", BOTH, "1993-09",
     "cooperation in culture and the arts", NONE2, None),
    # "Les deux pays ont signé en octobre 2009 un accord bilatéral sur le transit ferroviaire et
    # aérien sans escale de nos matériels militaires de retour d'Afghanistan"
    ("intergovernmental agreement", "res:agreement-2009-10-military-transit",
     "Bilateral agreement on the non-stop rail and air transit of military equipment "
     "returning from Afghanistan", BOTH, "2009-10",
     "non-stop rail and air transit of French military equipment returning from Afghanistan",
     NONE2, None),
    # "la signature en septembre 2013 d'un mémorandum entre le PRES Sorbonne Paris Cité (SPC) et
    # l'université nationale pédagogique Abaï d'Almaty"
    ("memorandum", "res:memorandum-2013-09-spc-abai",
     "Memorandum between PRES Sorbonne Paris Cité and Abai National Pedagogical University "
     "of Almaty",
     [("res:abai-university", "Abai National Pedagogical University of Almaty"),
      ("res:pres-sorbonne-paris-cite", "PRES Sorbonne Paris Cité")],
     "2013-09", "the Institut Sorbonne Kazakhstan", NONE2, None),
    # "complété en novembre 2012 par un protocole mettant à notre disposition l'aérodrome de
    # Chymkent"
    ("protocol", "res:protocol-2012-11-chymkent-aerodrome",
     "Protocol making the Shymkent aerodrome available", BOTH, "2012-11",
     "making the Shymkent aerodrome available to France as an air-rail platform to ease the "
     "withdrawal of the equipment",
     ("res:agreement-2009-10-military-transit",
      "Bilateral agreement on the non-stop rail and air transit of military equipment "
      "returning from Afghanistan"), None),
    # "le Traité d'Amitié, d'Entente et de Coopération de septembre 1992"
    ("treaty", "res:treaty-1992-09-friendship",
     "Treaty of Friendship, Understanding and Cooperation", BOTH, "1992-09",
     "friendship, understanding and cooperation", NONE2, None),
    # "la signature d'un traité de partenariat stratégique en juin 2008"
    ("treaty", "res:treaty-2008-06-strategic-partnership", "Treaty of Strategic Partnership",
     BOTH, "2008-06", "strategic partnership", NONE2, None),
]  # fmt: skip


KIND_CLASSES = {
    "inter-university agreement": "dkg:InterUniversityAgreement",
    "intergovernmental agreement": "dkg:IntergovernmentalAgreement",
    "memorandum": "dkg:Memorandum",
    "protocol": "dkg:Protocol",
    "treaty": "dkg:Treaty",
}


AGREEMENT_LABELS_FR = {
    "res:inter-university-agreements-2014-12":
        "21 accords entre établissements d’enseignement supérieur français et kazakhstanais",
    "res:agreement-1993-09-culture-arts":
        "Accord de coopération dans le domaine de la culture et des arts",
    "res:agreement-2009-10-military-transit":
        "Accord bilatéral sur le transit ferroviaire et aérien sans escale de matériels "
        "militaires de retour d’Afghanistan",
    "res:memorandum-2013-09-spc-abai":
        "Mémorandum entre le PRES Sorbonne Paris Cité et l’université nationale pédagogique "
        "Abaï d’Almaty",
    "res:protocol-2012-11-chymkent-aerodrome":
        "Protocole sur la mise à disposition de l’aérodrome de Chymkent",
    "res:treaty-1992-09-friendship": "Traité d’Amitié, d’Entente et de Coopération",
    "res:treaty-2008-06-strategic-partnership": "Traité de partenariat stratégique",
}  # fmt: skip


def agreement_rows(agreements: list[tuple[Any, ...]]) -> list[Row]:
    return [
        (KIND_CLASSES[kind], kind, agreement, label, AGREEMENT_LABELS_FR[agreement], party,
         party_label, signed, "month",
         subject, *supplements, count)
        for kind, agreement, label, parties, signed, subject, supplements, count in agreements
        for party, party_label in parties
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        pytest.param(None, AGREEMENTS, id="all"),
        pytest.param("dkg:Treaty", [a for a in AGREEMENTS if a[0] == "treaty"], id="treaties"),
        pytest.param("dkg:Protocol", [AGREEMENTS[4]], id="protocols"),
        # the kind is the one the page's wording gives, never the general class
        pytest.param("dkg:Agreement", [], id="no-agreement-is-only-an-agreement"),
        pytest.param("dkg:Visit", [], id="not-an-agreement-class"),
    ],
)
def test_agreements(
    store: ox.Store,
    catalogue: dict[str, CannedQuery],
    kind: str | None,
    expected: list[tuple[Any, ...]],
) -> None:
    params = {"kind": kind} if kind else {}
    assert rows_of(store, catalogue, "agreements", **params) == agreement_rows(expected)


# --- office holders -----------------------------------------------------------------------

PRESIDENT_FR = ("res:office-president-france", "President of the French Republic")
PRESIDENT_KZ = ("res:office-president-kazakhstan", "President of Kazakhstan")
MFA_KZ = (
    "res:office-minister-foreign-affairs-kazakhstan",
    "Minister of Foreign Affairs of Kazakhstan",
)
FABIUS = ("res:laurent-fabius", "Fabius")
AKHMETOV = ("res:serik-akhmetov", "Serik Akhmetov")
AYRAULT = ("res:jean-marc-ayrault", "Jean-Marc Ayrault")
MASSIMOV = ("res:karim-massimov", "Karim Massimov")
DOC, ENR = "document", "enrichment"

CONSULTATION = (
    "res:consultation-2013-03-01-foreign-ministers",
    "Consultations of the foreign ministers in Astana",
)
RECEPTION_AKHMETOV = (
    "res:reception-2013-03-01-akhmetov",
    "Prime Minister Serik Akhmetov receives the Minister of Foreign Affairs",
)
RECEPTION_NAZARBAYEV = (
    "res:reception-2013-03-01-nazarbayev",
    "President Nazarbayev receives the Minister of Foreign Affairs",
)
VISIT_ASTANA = (
    "res:visit-2013-03-01-minister-foreign-affairs-astana",
    "The Minister of Foreign Affairs' visit to Astana",
)
MEETING_2012 = (
    "res:meeting-2012-11-21-hollande-nazarbayev",
    "First meeting of President Hollande and his Kazakh counterpart",
)
MEETING_2014 = (
    "res:meeting-2014-03-24-hollande-nazarbayev",
    "Second meeting of President Hollande and his Kazakh counterpart, on the margins of the "
    "Nuclear Security Summit",
)
RECEPTION_PM_2012 = (
    "res:reception-2012-06-11-prime-ministers",
    "The Prime Minister receives his counterpart in Paris (June 2012)",
)
RECEPTION_PM_2013 = (
    "res:reception-2013-09-20-prime-ministers",
    "The Prime Minister receives his counterpart in Paris (September 2013)",
)
RECEPTION_PM_2014 = (
    "res:reception-2014-11-17-prime-ministers",
    "The Prime Minister receives his counterpart in Paris (November 2014)",
)
RECEPTION_IDRISSOV = (
    "res:reception-2014-06-10-fabius-idrissov",
    "Fabius receives Idrissov in Paris",
)
VISIT_HOLLANDE = (
    "res:visit-2014-12-hollande-kazakhstan",
    "President Hollande's official visit to Astana and Almaty",
)

H_HOLLANDE_DOC = "res:holding-hollande-president-france"
H_HOLLANDE_ENR = "res:term-francois-hollande-president-france"
H_NAZARBAYEV_DOC = "res:holding-nazarbayev-president-kazakhstan"
H_NAZARBAYEV_ENR = "res:term-nursultan-nazarbayev-president-kazakhstan"
H_FABIUS = "res:term-laurent-fabius-minister-foreign-affairs-france"
H_IDRISSOV_DOC = "res:holding-idrissov-minister-foreign-affairs-kazakhstan"
H_IDRISSOV_ENR = "res:term-erlan-idrissov-minister-foreign-affairs-kazakhstan"
H_AKHMETOV_DOC = "res:holding-akhmetov-prime-minister-kazakhstan"
H_AKHMETOV_ENR = "res:term-serik-akhmetov-prime-minister-kazakhstan"
H_AYRAULT = "res:term-jean-marc-ayrault-prime-minister-france"

# (date, event, office, person, source, holding). Document rows: a person the page names with
# the office; enrichment rows: office-holders.tsv, for the same events and for the offices the
# page names alone.
OFFICE_HOLDERS = [
    ("1993-09", ("res:visit-1993-09-mitterrand-kazakhstan", "President Mitterrand's visit to Kazakhstan"),  # noqa: E501
     PRESIDENT_FR, ("res:francois-mitterrand", "Mitterrand"), DOC, "res:holding-mitterrand-president-france"),  # noqa: E501
    # "Créé en 1996 par le Président Nazarbaev"
    ("1996", ("res:creation-1996-bolashak", "Creation of the Bolashak programme"),
     PRESIDENT_KZ, NAZARBAYEV, DOC, H_NAZARBAYEV_DOC),
    ("1996", ("res:creation-1996-bolashak", "Creation of the Bolashak programme"),
     PRESIDENT_KZ, NAZARBAYEV, ENR, H_NAZARBAYEV_ENR),
    ("2008", ("res:visit-2008-nazarbayev-paris", "President Nazarbayev's visit to Paris"),
     PRESIDENT_KZ, NAZARBAYEV, DOC, H_NAZARBAYEV_DOC),
    ("2008", ("res:visit-2008-nazarbayev-paris", "President Nazarbayev's visit to Paris"),
     PRESIDENT_KZ, NAZARBAYEV, ENR, H_NAZARBAYEV_ENR),
    ("2012-06-11", RECEPTION_PM_2012, PM_FR, AYRAULT, ENR, H_AYRAULT),
    ("2012-06-11", RECEPTION_PM_2012, PM_KZ, MASSIMOV, ENR, "res:term-karim-massimov-prime-minister-kazakhstan-1"),  # noqa: E501
    ("2012-07-15", ("res:visit-2012-07-minister-defence-kazakhstan", "The Minister of Defence's visit to Kazakhstan"),  # noqa: E501
     ("res:office-minister-defence-france", "Minister of Defence of France"),
     ("res:jean-yves-le-drian", "Jean-Yves Le Drian"), ENR, "res:term-jean-yves-le-drian-minister-defence-france"),  # noqa: E501
    ("2012-11-21", MEETING_2012, PRESIDENT_FR, HOLLANDE, DOC, H_HOLLANDE_DOC),
    ("2012-11-21", MEETING_2012, PRESIDENT_FR, HOLLANDE, ENR, H_HOLLANDE_ENR),
    # "son homologue kazakhstanais": the page names the office alone, the table its holder
    ("2012-11-21", MEETING_2012, PRESIDENT_KZ, NAZARBAYEV, ENR, H_NAZARBAYEV_ENR),
    ("2013-03-01", CONSULTATION, MFA_FR, FABIUS, ENR, H_FABIUS),
    ("2013-03-01", CONSULTATION, MFA_KZ, IDRISSOV, DOC, H_IDRISSOV_DOC),
    ("2013-03-01", CONSULTATION, MFA_KZ, IDRISSOV, ENR, H_IDRISSOV_ENR),
    ("2013-03-01", RECEPTION_AKHMETOV, MFA_FR, FABIUS, ENR, H_FABIUS),
    ("2013-03-01", RECEPTION_AKHMETOV, PM_KZ, AKHMETOV, DOC, H_AKHMETOV_DOC),
    ("2013-03-01", RECEPTION_AKHMETOV, PM_KZ, AKHMETOV, ENR, H_AKHMETOV_ENR),
    ("2013-03-01", RECEPTION_NAZARBAYEV, MFA_FR, FABIUS, ENR, H_FABIUS),
    ("2013-03-01", RECEPTION_NAZARBAYEV, PRESIDENT_KZ, NAZARBAYEV, DOC, H_NAZARBAYEV_DOC),
    ("2013-03-01", RECEPTION_NAZARBAYEV, PRESIDENT_KZ, NAZARBAYEV, ENR, H_NAZARBAYEV_ENR),
    ("2013-03-01", VISIT_ASTANA, MFA_FR, FABIUS, ENR, H_FABIUS),
    ("2013-05-24", ("res:visit-2013-05-24-minister-foreign-trade-kazakhstan", "The Minister of Foreign Trade's visit to Kazakhstan"),  # noqa: E501
     ("res:office-minister-foreign-trade-france", "Minister of Foreign Trade of France"),
     ("res:nicole-bricq", "Nicole Bricq"), ENR, "res:term-nicole-bricq-minister-foreign-trade-france"),  # noqa: E501
    ("2013-09-17", ("res:visit-2013-09-minister-delegate-francophonie-kazakhstan", "The Minister Delegate for Francophonie's visit to Kazakhstan"),  # noqa: E501
     ("res:office-minister-delegate-francophonie-france", "Minister Delegate for Francophonie of France"),  # noqa: E501
     ("res:yamina-benguigui", "Yamina Benguigui"), ENR, "res:term-yamina-benguigui-minister-delegate-francophonie-france"),  # noqa: E501
    ("2013-09-20", RECEPTION_PM_2013, PM_FR, AYRAULT, ENR, H_AYRAULT),
    ("2013-09-20", RECEPTION_PM_2013, PM_KZ, AKHMETOV, ENR, H_AKHMETOV_ENR),
    ("2014-03-24", MEETING_2014, PRESIDENT_FR, HOLLANDE, DOC, H_HOLLANDE_DOC),
    ("2014-03-24", MEETING_2014, PRESIDENT_FR, HOLLANDE, ENR, H_HOLLANDE_ENR),
    # "puis une seconde fois ...": the same "homologue kazakhstanais", named by the table only
    ("2014-03-24", MEETING_2014, PRESIDENT_KZ, NAZARBAYEV, ENR, H_NAZARBAYEV_ENR),
    ("2014-06-10", RECEPTION_IDRISSOV, MFA_FR, FABIUS, ENR, H_FABIUS),
    ("2014-06-10", RECEPTION_IDRISSOV, MFA_KZ, IDRISSOV, ENR, H_IDRISSOV_ENR),
    ("2014-10-16", ("res:visit-2014-10-secretary-of-state-foreign-trade-kazakhstan", "The Secretary of State for Foreign Trade's visit to Kazakhstan"),  # noqa: E501
     ("res:office-secretary-of-state-foreign-trade-france", "Secretary of State for Foreign Trade, the Development of Tourism and French Nationals Abroad"),  # noqa: E501
     ("res:matthias-fekl", "Matthias Fekl"), ENR, "res:term-matthias-fekl-secretary-of-state-foreign-trade-france"),  # noqa: E501
    ("2014-11-17", RECEPTION_PM_2014, PM_FR, ("res:manuel-valls", "Manuel Valls"), ENR, "res:term-manuel-valls-prime-minister-france"),  # noqa: E501
    ("2014-11-17", RECEPTION_PM_2014, PM_KZ, MASSIMOV, ENR, "res:term-karim-massimov-prime-minister-kazakhstan-2"),  # noqa: E501
    # "Lors de la visite du Président de la République en décembre 2014, qui a solennellement
    # inauguré l'Institut Sorbonne Kazakhstan"
    ("2014-12", ("res:inauguration-2014-12-institut-sorbonne-kazakhstan", "Inauguration of the Institut Sorbonne Kazakhstan"),  # noqa: E501
     PRESIDENT_FR, HOLLANDE, ENR, H_HOLLANDE_ENR),
    ("2014-12-05", VISIT_HOLLANDE, PRESIDENT_FR, HOLLANDE, DOC, H_HOLLANDE_DOC),
    ("2014-12-05", VISIT_HOLLANDE, PRESIDENT_FR, HOLLANDE, ENR, H_HOLLANDE_ENR),
]  # fmt: skip


OFFICE_LABELS_FR = {
    "res:office-president-france": "Président de la République",
    "res:office-president-kazakhstan": "Président du Kazakhstan",
    "res:office-prime-minister-france": "Premier ministre",
    "res:office-prime-minister-kazakhstan": "Premier ministre du Kazakhstan",
    "res:office-minister-defence-france": "Ministre de la Défense",
    "res:office-minister-foreign-affairs-france": "Ministre des affaires étrangères",
    "res:office-minister-foreign-affairs-kazakhstan": "Ministre des affaires étrangères du Kazakhstan",  # noqa: E501
    "res:office-minister-foreign-trade-france": "Ministre du Commerce extérieur",
    "res:office-minister-delegate-francophonie-france": "Ministre déléguée en charge de la francophonie",  # noqa: E501
    "res:office-secretary-of-state-foreign-trade-france":
        "Secrétaire d’Etat chargé du Commerce extérieur, du Développement du tourisme et des "
        "Français de l’étranger",
}  # fmt: skip


def office_rows(entries: list[tuple[Any, ...]]) -> list[Row]:
    return [
        (date, *event, *office, OFFICE_LABELS_FR[office[0]], *person, source, holding)
        for date, event, office, person, source, holding in entries
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({}, OFFICE_HOLDERS, id="all"),
        pytest.param(
            {"person": "laurent-fabius"}, [e for e in OFFICE_HOLDERS if e[3] == FABIUS],
            id="fabius-only-from-enrichment",
        ),
        pytest.param(
            {"office": "office-prime-minister-france"},
            [e for e in OFFICE_HOLDERS if e[2] == PM_FR], id="office-named-alone",
        ),
        pytest.param({"person": "patricia-kaas"}, [], id="not-an-office-holder"),
    ],
)  # fmt: skip
def test_office_holders(
    store: ox.Store,
    catalogue: dict[str, CannedQuery],
    params: dict[str, str],
    expected: list[tuple[Any, ...]],
) -> None:
    assert rows_of(store, catalogue, "office-holders", **params) == office_rows(expected)


def test_office_holders_fixture_is_not_vacuous() -> None:
    """Fabius is never named with his office by the page: all his rows are enrichment."""
    fabius = [e for e in OFFICE_HOLDERS if e[3] == FABIUS]
    assert len(fabius) == 5 and {e[4] for e in fabius} == {ENR}


# --- education and culture ----------------------------------------------------------------

EMBASSY = ("res:embassy-france-kazakhstan", "Embassy of France in Kazakhstan")
ACADEMY = ("res:academy-public-administration", "Academy of Public Administration")
ENA = ("res:ena", "ENA (École nationale d’administration)")
ISK = ("res:institut-sorbonne-kazakhstan", "Institut Sorbonne Kazakhstan")
ELITES = ("res:elite-training-partnerships", "Partnerships for training elites")
COOPERATION = (
    "res:scientific-educational-cultural-cooperation",
    "France–Kazakhstan scientific, educational and cultural cooperation",
)
JOINT_MASTERS = (
    "res:joint-masters-ena-academy",
    "Joint master's of the ENA and the Academy of Public Administration",
)
LANGUAGE = (
    "res:programme-french-language-promotion",
    "Strengthening the cultural network and promoting French",
)
BOLASHAK = ("res:bolashak-programme", "Bolashak programme")
TRAINING = (
    "res:programme-senior-civil-servants-training",
    "Training programme for senior civil servants",
)

EDUCATION_CULTURE = [
    # "Un programme de formation des hauts fonctionnaires entre l'Académie de la Fonction
    # Publique et l'ENA a abouti en 2011 à un mastère commun entre les deux établissements."
    ("degree programme", *JOINT_MASTERS, "offered by", *ACADEMY),
    ("degree programme", *JOINT_MASTERS, "offered by", *ENA),
    # "l'Institut Sorbonne Kazakhstan avec deux masters (relations internationales et conduite
    # du changement)"
    ("degree programme", "res:masters-change-management", "Institut Sorbonne Kazakhstan master's in change management", "offered by", *ISK),  # noqa: E501
    ("degree programme", "res:masters-international-relations", "Institut Sorbonne Kazakhstan master's in international relations", "offered by", *ISK),  # noqa: E501
    # "des partenariats (programme présidentiel de bourses Bolachak*, fondation Soros,
    # entreprises françaises, universités kazakhstanaises)"
    ("partnership", *ELITES, "partner", *BOLASHAK),
    ("partnership", *ELITES, "partner", "res:french-companies", "French companies"),
    ("partnership", *ELITES, "partner", "res:kazakh-universities", "Kazakh universities"),
    ("partnership", *ELITES, "partner", "res:soros-foundation", "Soros Foundation"),
    # "Notre coopération scientifique, éducative et culturelle repose sur le Traité d'Amitié..."
    ("partnership", *COOPERATION, "partner", *FRANCE),
    ("partnership", *COOPERATION, "partner", *KAZAKHSTAN),
    # "Le soutien à la coopération décentralisée ... complète le dispositif français de
    # coopération culturelle et technique": no organisation named
    ("programme", "res:decentralised-cooperation-support", "Support for decentralised cooperation", None, None, None),  # noqa: E501
    # "le poste œuvre au renforcement du réseau culturel (Alliances françaises) et à la
    # promotion du français"
    ("programme", *LANGUAGE, "managed by", *EMBASSY),
    ("programme", *LANGUAGE, "supports", "res:alliances-francaises", "Alliances françaises"),
    # "Le projet d'« Institut Sorbonne Kazakhstan » porté par Marek Halter"
    ("project", "res:institut-sorbonne-kazakhstan-project", 'The "Institut Sorbonne Kazakhstan" project', "carried by", "res:marek-halter", "Marek Halter"),  # noqa: E501
    # "Créé en 1996 par le Président Nazarbaev, le programme « Bolachak » est un programme de
    # bourses, géré par la Fondation Bolachak"
    ("scholarship programme", *BOLASHAK, "created by", *NAZARBAYEV),
    ("scholarship programme", *BOLASHAK, "managed by", "res:bolashak-foundation", "Bolashak Foundation"),  # noqa: E501
    # "bénéficiant de cours de français et d'une bourse du gouvernement kazakhstanais"
    ("scholarship programme", "res:institut-sorbonne-kazakhstan-grants", "Kazakh government grants for Institut Sorbonne Kazakhstan students", "funded by", "res:government-kazakhstan", "Government of Kazakhstan"),  # noqa: E501
    # "les journées culturelles « Rencontres d'automne » et la « Semaine de la Francophonie »",
    # organised by "le poste"
    ("series of cultural events", "res:rencontres-d-automne", "Autumn Encounters", "organised by", *EMBASSY),  # noqa: E501
    ("series of cultural events", "res:semaine-de-la-francophonie", "Francophonie Week", "organised by", *EMBASSY),  # noqa: E501
    ("training programme", *TRAINING, "between", *ACADEMY),
    ("training programme", *TRAINING, "between", *ENA),
]  # fmt: skip


ITEM_LABELS_FR = {
    "res:joint-masters-ena-academy": "Mastère commun de l’ENA et de l’Académie de la Fonction Publique",  # noqa: E501
    "res:masters-change-management": "Master en conduite du changement de l’Institut Sorbonne Kazakhstan",  # noqa: E501
    "res:masters-international-relations": "Master en relations internationales de l’Institut Sorbonne Kazakhstan",  # noqa: E501
    "res:elite-training-partnerships": "Partenariats pour la formation des élites",
    "res:scientific-educational-cultural-cooperation": "Coopération scientifique, éducative et culturelle franco-kazakhstanaise",  # noqa: E501
    "res:decentralised-cooperation-support": "Soutien à la coopération décentralisée",
    "res:programme-french-language-promotion": "Renforcement du réseau culturel et promotion du français",  # noqa: E501
    "res:institut-sorbonne-kazakhstan-project": "Projet d’« Institut Sorbonne Kazakhstan »",
    "res:bolashak-programme": "programme « Bolachak »",
    "res:institut-sorbonne-kazakhstan-grants": "Bourses du gouvernement kazakhstanais pour les étudiants de l’Institut Sorbonne Kazakhstan",  # noqa: E501
    "res:rencontres-d-automne": "Rencontres d’automne",
    "res:semaine-de-la-francophonie": "Semaine de la Francophonie",
    "res:programme-senior-civil-servants-training": "Programme de formation des hauts fonctionnaires",  # noqa: E501
}  # fmt: skip


def test_education_culture(store: ox.Store, catalogue: dict[str, CannedQuery]) -> None:
    rows = rows_of(store, catalogue, "education-culture")
    assert rows == [
        (kind, item, label, ITEM_LABELS_FR[item], *rest)
        for kind, item, label, *rest in EDUCATION_CULTURE
    ]
    # the economic strategic partnership is neither education nor culture
    assert all(row[1] != "res:strategic-partnership" for row in rows)


# --- figures ------------------------------------------------------------------------------

ECONOMIC_INDICATORS = [
    # "volume des échanges commerciaux de 6 Md€ en 2014, dont 666 M€ d'exportations depuis la
    # France"
    ("2014", "year", "res:figure-2014-exports-france-to-kazakhstan", "exports", "666000000",
     "EUR", None, "France", "Kazakhstan", None, None, None, "666 M€"),
    # "Avec 4,22 Md€ d'importations, la France est le cinquième client du Kazakhstan (6,4% de
    # ses ventes)."
    ("2014", "year", "res:figure-2014-imports-france-from-kazakhstan", "imports", "4220000000",
     "EUR", None, "Kazakhstan", "France", None, None, None, "4,22 Md€"),
    ("2014", "year", "res:figure-2014-france-customer-rank", "rank among customers", "5",
     "rank", None, "Kazakhstan", "France", "5", "France", None, None),
    # "le pays est le premier partenaire commercial de la France en Asie centrale (volume des
    # échanges commerciaux de 6 Md€ en 2014, ...)": backed by the 2014 figures
    ("2014", "year", "res:figure-trading-partner-rank", "rank among trading partners", "1",
     "rank", None, None, None, "1", "Kazakhstan", "Central Asia", None),
    ("2014", "year", "res:figure-2014-france-share-of-kazakh-sales", "share of sales", "6.4",
     "percent", None, "Kazakhstan", "France", None, None, None, "6,4%"),
    ("2014", "year", "res:figure-2014-trade-volume", "trade volume", "6000000000", "EUR", None,
     None, None, None, None, None, "6 Md€"),
    # "Nos entreprises y ont fait de nous le 3ème investisseur (11 Md€ de stock fin septembre
    # 2014 – contre des investissements kazakhstanais en France de moins de 3 M USD à la même
    # date)."
    ("2014-09", "month", "res:figure-2014-09-french-investment-stock",
     "investment stock", "11000000000", "EUR", None, "France", "Kazakhstan", None,
     None, None, "11 Md€"),
    ("2014-09", "month", "res:figure-2014-09-kazakh-investment-in-france",
     "investment stock", "3000000", "USD", "less than", "Kazakhstan", "France", None,
     None, None, "moins de 3 M USD"),
    ("2014-09", "month", "res:figure-2014-09-france-investor-rank", "rank among investors",
     "3", "rank", None, "France", "Kazakhstan", "3", "France", None, None),
]  # fmt: skip


def test_economic_indicators(store: ox.Store, catalogue: dict[str, CannedQuery]) -> None:
    assert rows_of(store, catalogue, "economic-indicators") == ECONOMIC_INDICATORS


FIGURES_BY_YEAR = [
    # "Avec une enveloppe de 364.731 € en 2014 renouvelée au même niveau en 2015, le poste"
    (2014, "budget", "res:figure-2014-cultural-budget", "The post's budget in 2014", "364731", "EUR", "364.731 €"),  # noqa: E501
    (2014, "economic figure", "res:figure-2014-09-france-investor-rank", "France, third-largest investor in Kazakhstan", "3", "rank", None),  # noqa: E501
    (2014, "economic figure", "res:figure-2014-09-french-investment-stock", "Stock of French investment in Kazakhstan, end of September 2014", "11000000000", "EUR", "11 Md€"),  # noqa: E501
    (2014, "economic figure", "res:figure-2014-09-kazakh-investment-in-france", "Kazakh investment in France, end of September 2014", "3000000", "USD", "moins de 3 M USD"),  # noqa: E501
    (2014, "economic figure", "res:figure-2014-exports-france-to-kazakhstan", "French exports to Kazakhstan in 2014", "666000000", "EUR", "666 M€"),  # noqa: E501
    (2014, "economic figure", "res:figure-2014-france-customer-rank", "France, Kazakhstan's fifth-largest customer", "5", "rank", None),  # noqa: E501
    (2014, "economic figure", "res:figure-2014-france-share-of-kazakh-sales", "France's share of Kazakhstan's sales", "6.4", "percent", "6,4%"),  # noqa: E501
    (2014, "economic figure", "res:figure-2014-imports-france-from-kazakhstan", "French imports from Kazakhstan", "4220000000", "EUR", "4,22 Md€"),  # noqa: E501
    (2014, "economic figure", "res:figure-2014-trade-volume", "France–Kazakhstan trade volume in 2014", "6000000000", "EUR", "6 Md€"),  # noqa: E501
    (2014, "economic figure", "res:figure-trading-partner-rank", "Kazakhstan, France's leading trading partner in Central Asia", "1", "rank", None),  # noqa: E501
    # "50 étudiants y étudient depuis la rentrée 2014"
    (2014, "student figure", "res:figure-institut-sorbonne-kazakhstan-students", "Students of the Institut Sorbonne Kazakhstan since the 2014 academic year", "50", "students", None),  # noqa: E501
    (2015, "budget", "res:figure-2015-cultural-budget", "The post's budget in 2015", "364731", "EUR", None),  # noqa: E501
    # "Chaque année, une quarantaine d'étudiants viennent ainsi étudier en France"
    (2015, "student figure", "res:figure-bolashak-students-to-france", "Bolashak students coming to study in France each year", "40", "students", "une quarantaine"),  # noqa: E501
]  # fmt: skip


@pytest.mark.parametrize("year", [None, 2014, 2015, 1993], ids=lambda y: str(y or "all"))
def test_figures_by_year(
    store: ox.Store, catalogue: dict[str, CannedQuery], year: int | None
) -> None:
    params = {"year": str(year)} if year else {}
    expected = [(str(y), *rest) for y, *rest in FIGURES_BY_YEAR if year in (None, y)]
    assert rows_of(store, catalogue, "figures-by-year", **params) == expected


# --- decentralised cooperation, cultural seasons ------------------------------------------


def test_decentralised_cooperation(store: ox.Store, catalogue: dict[str, CannedQuery]) -> None:
    # "relance des jumelages Almaty-Rennes ; rapprochements Oskemen-Lyon et Atyrau-Marseille ;
    # action de Nice en matière de formation en hôtellerie-tourisme et de Cannes dans le
    # domaine évènementiel"
    assert rows_of(store, catalogue, "decentralised-cooperation") == [
        ("res:city-pair-atyrau-marseille", "Atyrau–Marseille rapprochement", "rapprochement",
         "res:atyrau", "Atyrau", "res:marseille", "Marseille", None, None),
        ("res:city-pair-oskemen-lyon", "Oskemen–Lyon rapprochement", "rapprochement",
         "res:oskemen", "Oskemen", "res:lyon", "Lyon", None, None),
        ("res:city-pair-almaty-rennes", "Almaty–Rennes twinning", "twinning", "res:almaty",
         "Almaty", "res:rennes", "Rennes", "relaunched", None),
        ("res:cooperation-action-cannes", "Cannes's action in the events industry",
         "cooperation action", None, None, "res:cannes", "Cannes", None, "events industry"),
        ("res:cooperation-action-nice", "Nice's action in hotel and tourism training",
         "cooperation action", None, None, "res:nice", "Nice", None,
         "hotel and tourism training"),
    ]  # fmt: skip


CROSSED = "France–Kazakhstan crossed cultural seasons"
FRENCH_SEASON = (
    "2013",
    "automne 2013",
    "res:french-season-2013",
    "French Season",
    CROSSED,
    "France",
)
KAZAKH_SEASON = (
    "2014",
    "automne 2014",
    "res:kazakh-season-2014",
    "Kazakh Season",
    CROSSED,
    "Kazakhstan",
)


def test_cultural_seasons(store: ox.Store, catalogue: dict[str, CannedQuery]) -> None:
    # "La Saison française, organisée à l'automne 2013, ... deux concerts de l'Orchestre
    # National de Lille, représentations du Ballet Prejlocaj, exposition sur Napoléon et
    # concert de Patricia Kaas. A l'automne 2014, la Saison kazakhstanaise a débuté avec une
    # représentation du ballet d'Astana au palais des Congrès et s'est poursuivie par ...
    # concert de l'opéra d'Astana au palais Bastille et présentation d'un village folklorique
    # kazakhstanais sur la place du Palais royal."
    assert rows_of(store, catalogue, "cultural-seasons") == [
        (*FRENCH_SEASON, "res:concert-patricia-kaas-2013", "Patricia Kaas concert", "concert",
         None, "res:patricia-kaas", "Patricia Kaas", None, None),
        (*FRENCH_SEASON, "res:concerts-orchestre-national-de-lille-2013",
         "Two concerts of the Orchestre National de Lille", "concert", "2",
         "res:orchestre-national-de-lille", "Orchestre National de Lille", None, None),
        (*FRENCH_SEASON, "res:exhibition-napoleon-2013", "Exhibition on Napoleon", "exhibition",
         None, None, None, None, None),
        (*FRENCH_SEASON, "res:performances-ballet-preljocaj-2013",
         "Performances of the Ballet Preljocaj", "performance", None, "res:ballet-preljocaj",
         "Ballet Preljocaj", None, None),
        (*KAZAKH_SEASON, "res:concert-astana-opera-2014",
         "Astana Opera concert at the Opéra Bastille", "concert", None, "res:astana-opera",
         "Astana Opera", "Opéra Bastille", "Paris"),
        (*KAZAKH_SEASON, "res:performance-astana-ballet-2014",
         "Astana Ballet performance at the Palais des Congrès", "performance", None,
         "res:astana-ballet", "Astana Ballet", "Palais des Congrès", "Paris"),
        (*KAZAKH_SEASON, "res:presentation-kazakh-folk-village-2014",
         "Presentation of a Kazakh folk village", "presentation", None, None, None,
         "Place du Palais-Royal", "Paris"),
    ]  # fmt: skip


# --- by country ---------------------------------------------------------------------------


def by_country_rows(country: tuple[str, str], events: list[tuple[Any, ...]]) -> list[Row]:
    return [(*country, *event) for event in events]


# (date, precision, event, label, kind, status, via, via label)
EVENTS_IN_KAZAKHSTAN = [
    ("1993-09", "month", "res:visit-1993-09-mitterrand-kazakhstan", "President Mitterrand's visit to Kazakhstan", "visit", "stated", *KAZAKHSTAN),  # noqa: E501
    # "la transformation de notre bureau d'ambassade à Almaty en Consulat général"
    ("2010", "year", "res:transformation-2010-consulate-general", "The embassy office in Almaty becomes a Consulate General", "transformation", "inferred", "res:almaty", "Almaty"),  # noqa: E501
    ("2012-07-15", "day", "res:visit-2012-07-minister-defence-kazakhstan", "The Minister of Defence's visit to Kazakhstan", "visit", "stated", *KAZAKHSTAN),  # noqa: E501
    ("2013-03-01", "day", *CONSULTATION, "consultation", "inferred", *ASTANA),
    ("2013-03-01", "day", *RECEPTION_AKHMETOV, "reception", "inferred", *ASTANA),
    ("2013-03-01", "day", *RECEPTION_NAZARBAYEV, "reception", "inferred", *ASTANA),
    ("2013-03-01", "day", *VISIT_ASTANA, "visit", "inferred", *ASTANA),
    ("2013-05-24", "day", "res:visit-2013-05-24-minister-foreign-trade-kazakhstan", "The Minister of Foreign Trade's visit to Kazakhstan", "visit", "stated", *KAZAKHSTAN),  # noqa: E501
    ("2013-09-17", "day", "res:visit-2013-09-minister-delegate-francophonie-kazakhstan", "The Minister Delegate for Francophonie's visit to Kazakhstan", "visit", "stated", *KAZAKHSTAN),  # noqa: E501
    ("2014-10-16", "day", "res:visit-2014-10-secretary-of-state-foreign-trade-kazakhstan", "The Secretary of State for Foreign Trade's visit to Kazakhstan", "visit", "stated", *KAZAKHSTAN),  # noqa: E501
    # "Lors de la visite du Président de la République en décembre 2014, qui a solennellement
    # inauguré l'Institut Sorbonne Kazakhstan, 21 accords ... ont également été signés"
    ("2014-12", "month", "res:inauguration-2014-12-institut-sorbonne-kazakhstan", "Inauguration of the Institut Sorbonne Kazakhstan", "inauguration", "stated", *KAZAKHSTAN),  # noqa: E501
    ("2014-12", "month", "res:signing-2014-12-inter-university-agreements", "Signing of 21 inter-university agreements during the presidential visit", "signing", "stated", *KAZAKHSTAN),  # noqa: E501
    ("2014-12-05", "day", *VISIT_HOLLANDE, "official visit", "inferred", "res:almaty", "Almaty"),
    ("2014-12-05", "day", *VISIT_HOLLANDE, "official visit", "inferred", *ASTANA),
]  # fmt: skip

IN_FRANCE = [
    ("2008", "year", "res:visit-2008-nazarbayev-paris", "President Nazarbayev's visit to Paris", "visit", "inferred", *PARIS),  # noqa: E501
    ("2012-06-11", "day", *RECEPTION_PM_2012, "reception", "inferred", *PARIS),
    ("2012-11-21", "day", *MEETING_2012, "meeting", "inferred", *PARIS),
    ("2013-09-20", "day", *RECEPTION_PM_2013, "reception", "inferred", *PARIS),
    ("2014-06-10", "day", *RECEPTION_IDRISSOV, "reception", "inferred", *PARIS),
    # the Kazakh season's venues, read as Paris venues: "A l'automne 2014", so after 10 June
    # and before 17 November (autumn starts on 22 September)
    ("2014", "year", "res:concert-astana-opera-2014", "Astana Opera concert at the Opéra Bastille", "concert", "inferred", "res:opera-bastille", "Opéra Bastille"),  # noqa: E501
    ("2014", "year", "res:performance-astana-ballet-2014", "Astana Ballet performance at the Palais des Congrès", "performance", "inferred", "res:palais-des-congres", "Palais des Congrès"),  # noqa: E501
    ("2014", "year", "res:presentation-kazakh-folk-village-2014", "Presentation of a Kazakh folk village", "presentation", "inferred", "res:place-du-palais-royal", "Place du Palais-Royal"),  # noqa: E501
    ("2014-11-17", "day", *RECEPTION_PM_2014, "reception", "inferred", *PARIS),
]  # fmt: skip

# "une seconde fois le 24 mars 2014 en marge du Sommet sur la Sécurité Nucléaire à La Haye": The
# Hague is in the Netherlands (places.tsv); the summit, in session that day, sorts first.
IN_NETHERLANDS = [
    (None, None, "res:nuclear-security-summit-2014", "Nuclear Security Summit", "summit", "inferred", *HAGUE),  # noqa: E501
    ("2014-03-24", "day", *MEETING_2014, "meeting", "inferred", *HAGUE),
]  # fmt: skip


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param(
            {}, by_country_rows(KAZAKHSTAN, EVENTS_IN_KAZAKHSTAN), id="default-kazakhstan"
        ),
        pytest.param(
            {"country": "kazakhstan"},
            by_country_rows(KAZAKHSTAN, EVENTS_IN_KAZAKHSTAN),
            id="kazakhstan",
        ),
        pytest.param({"country": "france"}, by_country_rows(FRANCE, IN_FRANCE), id="france"),
        pytest.param(
            {"country": "netherlands"},
            by_country_rows(NETHERLANDS, IN_NETHERLANDS),
            id="a-third-country",
        ),
        # The Hague is a city, not a country
        pytest.param({"country": "the-hague"}, [], id="the-hague-is-no-country"),
        pytest.param({"country": "afghanistan"}, [], id="nothing-happened-in-afghanistan"),
    ],
)
def test_by_country(
    store: ox.Store, catalogue: dict[str, CannedQuery], params: dict[str, str], expected: list[Row]
) -> None:
    assert rows_of(store, catalogue, "by-country", **params) == expected


def test_by_country_unbound_gives_each_event_its_countries(
    store: ox.Store, catalogue: dict[str, CannedQuery]
) -> None:
    """As written, a row per event and country, countries in the order of their labels."""
    solutions = store.query(catalogue["by-country"].text, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    rows = [tuple(short(s[v]) for v in solutions.variables) for s in solutions]
    assert rows == (
        by_country_rows(FRANCE, IN_FRANCE)
        + by_country_rows(KAZAKHSTAN, EVENTS_IN_KAZAKHSTAN)
        + by_country_rows(NETHERLANDS, IN_NETHERLANDS)
    )


# --- evidence -----------------------------------------------------------------------------

FIRST_SENTENCE = (
    "Sur le plan politique, les relations franco-kazakhstanaises ont été initiées au lendemain "
    "de l’indépendance (établissement des relations diplomatiques le 25 janvier 1992)."
)
MITTERRAND_SENTENCE = "Le Président Mitterrand s’est rendu au Kazakhstan en septembre 1993."


def evidence_row(text: str, resource: str, n: int, quote: str, sentence: str) -> tuple[str, ...]:
    """The row the page itself gives for `quote`: offsets found in the text file."""
    start = text.index(quote)
    assert text.find(quote, start + 1) == -1, "ambiguous quote in the test"
    return (
        f"res:{resource}", quote, str(start), str(start + len(quote)), sentence,
        str(text.index(sentence)), "res:document-france-kazakhstan-2015",
        f"res:evidence/{resource}/{n}",
    )  # fmt: skip


def test_evidence_for_a_fact_with_three_quotes(
    store: ox.Store, catalogue: dict[str, CannedQuery], source_text: str
) -> None:
    fact = "establishment-diplomatic-relations-1992"
    rows = rows_of(store, catalogue, "evidence", resource=fact)
    # "Sur le plan politique" states the domain, the next clause the two parties, the
    # parenthesis the kind of event and its date
    assert rows == [
        evidence_row(source_text, fact, 1, "Sur le plan politique", FIRST_SENTENCE),
        evidence_row(source_text, fact, 2, "les relations franco-kazakhstanaises ont été "
                     "initiées au lendemain de l’indépendance", FIRST_SENTENCE),
        evidence_row(source_text, fact, 3, "établissement des relations diplomatiques le "
                     "25 janvier 1992", FIRST_SENTENCE),
    ]  # fmt: skip
    for row in rows:  # the offsets cut the quote out of the text file
        assert source_text[int(row[2] or 0) : int(row[3] or 0)] == row[1]


def test_evidence_for_an_office_holding(
    store: ox.Store, catalogue: dict[str, CannedQuery], source_text: str
) -> None:
    # the title and the name, and the visit he went on as President
    holding = "holding-mitterrand-president-france"
    assert rows_of(store, catalogue, "evidence", resource=holding) == [
        evidence_row(
            source_text,
            holding,
            1,
            "Le Président Mitterrand s’est rendu au Kazakhstan",
            MITTERRAND_SENTENCE,
        )
    ]


def test_evidence_is_empty_for_a_resource_the_page_does_not_quote(
    store: ox.Store, catalogue: dict[str, CannedQuery]
) -> None:
    # The page says "La Haye", never the Netherlands (places.tsv puts The Hague there); the
    # Secretary of State's name comes from office-holders.tsv
    assert rows_of(store, catalogue, "evidence", resource="netherlands") == []
    assert rows_of(store, catalogue, "evidence", resource="matthias-fekl") == []


def test_evidence_unbound_covers_every_annotation(
    store: ox.Store, catalogue: dict[str, CannedQuery], source_text: str
) -> None:
    solutions = store.query(catalogue["evidence"].text, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    rows = [tuple(short(s[v]) for v in solutions.variables) for s in solutions]
    annotations = store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?a a <http://www.w3.org/ns/oa#Annotation> } }"
    )
    assert isinstance(annotations, ox.QuerySolutions)
    assert len(rows) == int(next(iter(annotations))[0].value)
    for row in rows:
        start, end, sentence, sentence_start = (
            int(row[2] or 0),
            int(row[3] or 0),
            row[4],
            int(row[5] or 0),
        )
        assert source_text[start:end] == row[1]
        assert source_text[sentence_start : sentence_start + len(sentence or "")] == sentence


# --- entity card --------------------------------------------------------------------------

PERSON_TYPES = ["prov:Agent", "foaf:Person", "schema:Person"]  # dkg:Person's superclasses
TERM_FEKL = "res:term-matthias-fekl-secretary-of-state-foreign-trade-france"
TERM_FEKL_LABEL = (
    "Matthias Fekl: Secretary of State for Foreign Trade, Tourism and French Nationals Abroad "
    "of France, term from 2014-09-04"
)
SECRETARY = (
    "res:office-secretary-of-state-foreign-trade-france",
    "Secretary of State for Foreign Trade, the Development of Tourism and French Nationals Abroad",
)
FEKL_VISIT = "res:coding/visit-2014-10-secretary-of-state-foreign-trade-kazakhstan"
CODING_FEKL_042 = f"{FEKL_VISIT}/042/office-secretary-of-state-foreign-trade-france/kazakhstan"
CODING_FEKL_043 = f"{FEKL_VISIT}/043/kazakhstan/office-secretary-of-state-foreign-trade-france"
KAAS_CONCERT = ("res:concert-patricia-kaas-2013", "Patricia Kaas concert")

ENTITY_CARDS = {
    # "concert de Patricia Kaas": named once, as the performer of a French season concert
    "patricia-kaas": [
        ("out", "asserted", "rdf:type", "type", "dkg:Person", None, "person"),
        ("out", "asserted", "rdfs:label", "label", "Patricia Kaas", "en", None),
        ("out", "asserted", "rdfs:label", "label", "Patricia Kaas", "fr", None),
        # her name in the text is the evidence of her type (a mention)
        ("out", "evidence", "dkg:hasEvidence", "has evidence", "res:evidence/patricia-kaas/1",
         None, None),
        *[("out", "inferred", "rdf:type", "type", t, None, None) for t in PERSON_TYPES],
        ("out", "inferred", "dkg:participatedIn", "participated in", KAAS_CONCERT[0], None,
         KAAS_CONCERT[1]),
        ("in", "asserted", "dkg:performer", "performer", KAAS_CONCERT[0], None, KAAS_CONCERT[1]),
        ("in", "evidence", "oa:hasBody", "hasBody", "res:evidence/patricia-kaas/1", None, None),
        ("in", "inferred", "schema:performer", "performer", KAAS_CONCERT[0], None, KAAS_CONCERT[1]),
        ("in", "inferred", "dkg:hasParticipant", "has participant", KAAS_CONCERT[0], None,
         KAAS_CONCERT[1]),
    ],
    # not named by the page: office-holders.tsv gives him as the Secretary of State who went to
    # Kazakhstan on 16-17 October 2014
    "matthias-fekl": [
        ("out", "enrichment", "rdf:type", "type", "dkg:Person", None, "person"),
        ("out", "enrichment", "rdfs:label", "label", "Matthias Fekl", "en", None),
        ("out", "enrichment", "rdfs:label", "label", "Matthias Fekl", "fr", None),
        ("out", "enrichment", "prov:wasDerivedFrom", "wasDerivedFrom",
         "res:reference-office-holders", None, "Reference table of office holders"),
        *[("out", "inferred", "rdf:type", "type", t, None, None) for t in PERSON_TYPES],
        ("out", "inferred", "org:holds", "holds", SECRETARY[0], None, SECRETARY[1]),
        # his country, through his office (holdsOffice ∘ officeOf)
        ("out", "inferred", "dkg:actorCountry", "actor's country", "res:france", None, "France"),
        ("out", "inferred", "dkg:hasOfficeHolding", "has office holding", TERM_FEKL, None,
         TERM_FEKL_LABEL),
        ("out", "inferred", "dkg:holdsOffice", "holds office", SECRETARY[0], None, SECRETARY[1]),
        # the codings of the visit the page gives by the office alone show its holder
        ("in", "derived", "dkg:sourceActorHolder", "source actor's holder", CODING_FEKL_042,
         None, f"CAMEO 042 Make a visit: {SECRETARY[1]} → Kazakhstan"),
        ("in", "derived", "dkg:targetActorHolder", "target actor's holder", CODING_FEKL_043,
         None, f"CAMEO 043 Host a visit: Kazakhstan → {SECRETARY[1]}"),
        ("in", "enrichment", "dkg:holder", "holder", TERM_FEKL, None, TERM_FEKL_LABEL),
        ("in", "inferred", "org:heldBy", "heldBy", SECRETARY[0], None, SECRETARY[1]),
        ("in", "inferred", "org:member", "member", TERM_FEKL, None, TERM_FEKL_LABEL),
        ("in", "inferred", "dkg:officeHeldBy", "office held by", SECRETARY[0], None,
         SECRETARY[1]),
    ],
}  # fmt: skip


@pytest.mark.parametrize("resource", sorted(ENTITY_CARDS))
def test_entity_card_of_a_person(
    store: ox.Store, catalogue: dict[str, CannedQuery], resource: str
) -> None:
    rows = rows_of(store, catalogue, "entity-card", resource=resource)
    assert rows == [(f"res:{resource}", *row) for row in ENTITY_CARDS[resource]]


def test_entity_card_of_a_fact_shows_its_evidence(
    store: ox.Store, catalogue: dict[str, CannedQuery]
) -> None:
    rows = rows_of(store, catalogue, "entity-card", resource="visit-1993-09-mitterrand-kazakhstan")
    evidence = [row[1:4] + row[5:6] for row in rows if row[2] == "evidence"]
    note = "res:evidence/visit-1993-09-mitterrand-kazakhstan/1"
    assert evidence == [
        ("out", "evidence", "dkg:hasEvidence", note),
        ("in", "evidence", "oa:hasBody", note),
    ]
    # "Le Président Mitterrand s'est rendu au Kazakhstan": stated, and in Central Asia inferred
    places = [row[1:3] + row[5:6] for row in rows if row[3] == "dkg:tookPlaceIn"]
    assert places == [
        ("out", "asserted", "res:kazakhstan"),
        ("out", "inferred", "res:central-asia"),
    ]


# --- Wikidata links -----------------------------------------------------------------------

REFERENCE = Settings().root / "graph" / "reference"
# (resource, English label, Wikidata id): the reference table's rows for what the page names;
# the relation and the source are read from the table itself.
WIKIDATA = [
    ("res:afghanistan", "Afghanistan", "Q889"),
    ("res:almaty", "Almaty", "Q35493"),
    ("res:astana", "Astana", "Q1520"),
    ("res:central-asia", "Central Asia", "Q27275"),
    ("res:europe", "Europe", "Q46"),
    ("res:france", "France", "Q142"),
    ("res:domain-francophonie", "Francophonie and the French language", "Q1003588"),
    ("res:francois-hollande", "François Hollande", "Q157"),
    ("res:government-kazakhstan", "Government of Kazakhstan", "Q3814905"),
    ("res:kazakhstan", "Kazakhstan", "Q232"),
    ("res:francois-mitterrand", "Mitterrand", "Q2038"),
    # the country places.tsv puts The Hague in
    ("res:netherlands", "Netherlands", "Q55"),
    ("res:paris", "Paris", "Q90"),
    ("res:office-president-kazakhstan", "President of Kazakhstan", "Q5256775"),
    ("res:office-president-france", "President of the French Republic", "Q191954"),
    ("res:office-prime-minister-france", "Prime Minister of France", "Q1587677"),
    ("res:office-prime-minister-kazakhstan", "Prime Minister of Kazakhstan", "Q2416315"),
    ("res:chymkent", "Shymkent", "Q485496"),
]


def wikidata_rows(entries: list[tuple[str, str, str]]) -> list[Row]:
    lines = (REFERENCE / "wikidata.tsv").read_text(encoding="utf-8").splitlines()[1:]
    table = {qid: (match, source) for _, _, qid, match, source in (li.split("\t") for li in lines)}
    return [
        (resource, label, f"skos:{table[qid][0]}Match", f"wd:{qid}", table[qid][1])
        for resource, label, qid in entries
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({}, WIKIDATA, id="all"),
        pytest.param({"resource": "chymkent"}, [WIKIDATA[-1]], id="close-match"),
        pytest.param({"resource": "the-hague"}, [], id="not-linked"),
    ],
)
def test_wikidata_links(
    store: ox.Store,
    catalogue: dict[str, CannedQuery],
    params: dict[str, str],
    expected: list[tuple[str, str, str]],
) -> None:
    rows = rows_of(store, catalogue, "wikidata-links", **params)
    assert rows == wikidata_rows(expected)
    # the table's French government row names nothing the graph holds
    assert "wd:Q1450662" not in {row[3] for row in rows}


# --- statistics ---------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's own N-Quads parser
def test_statistics_against_an_independent_count(
    store: ox.Store, catalogue: dict[str, CannedQuery]
) -> None:
    """Triples per graph and resources per class, counted again with rdflib from the dump."""
    dataset = Dataset()
    dataset.parse(ensure_built(Settings()), format="nquads")
    expected: list[Row] = []
    for name in sorted(
        str(g.identifier)[len(str(GRAPH)) :]
        for g in dataset.graphs()
        if str(g.identifier).startswith(str(GRAPH))
    ):
        expected.append(("triples", name, None, None, str(len(dataset.graph(GRAPH[name])))))
    types: dict[URIRef, set[object]] = {}
    for s, _, o, _ in dataset.quads((None, RDF.type, None, None)):
        if isinstance(o, URIRef) and str(o).startswith(str(DKG)):
            types.setdefault(o, set()).add(s)
    ontology = dataset.graph(GRAPH["ontology"])
    for cls in sorted(types):
        labels = ontology.objects(cls, RDFS.label)
        label = next(
            (str(x) for x in labels if isinstance(x, Literal) and x.language == "en"), None
        )
        expected.append(
            ("resources", None, f"dkg:{cls[len(str(DKG)) :]}", label, str(len(types[cls])))
        )
    assert rows_of(store, catalogue, "statistics") == expected


def test_statistics_class_counts_from_the_page(
    store: ox.Store, catalogue: dict[str, CannedQuery]
) -> None:
    """Counts a reader makes from the page and the reference tables."""
    counts = {
        row[2]: row[4] for row in rows_of(store, catalogue, "statistics") if row[0] == "resources"
    }
    assert {cls: counts.get(cls) for cls in (
        "dkg:Visit", "dkg:OfficialVisit", "dkg:Meeting", "dkg:Reception", "dkg:Summit",
        "dkg:Agreement", "dkg:Treaty", "dkg:CityPair", "dkg:Country", "dkg:Person",
        "dkg:EconomicFigure", "dkg:CulturalSeason", "dkg:Signing", "dkg:InteractionEvent",
    )} == {
        # Mitterrand 1993, Nazarbayev 2008, Defence 2012, Foreign Affairs 2013, Foreign Trade
        # 2013, Francophonie 2013, Secretary of State 2014, Hollande's official visit 2014
        "dkg:Visit": "8",
        "dkg:OfficialVisit": "1",
        # two presidential meetings, six receptions, one consultation
        "dkg:Meeting": "9",
        # three by the Prime Minister, Nazarbayev's, Akhmetov's, Fabius's
        "dkg:Reception": "6",
        "dkg:Summit": "1",
        # treaties of 1992 and 2008, agreements of 1993 and 2009, protocol of 2012, memorandum
        # of 2013, the 21 inter-university agreements as one batch
        "dkg:Agreement": "7",
        "dkg:Treaty": "2",
        "dkg:CityPair": "3",
        # France, Kazakhstan, Afghanistan, and the Netherlands (The Hague's, from places.tsv)
        "dkg:Country": "4",
        # 8 named by the page (Mitterrand, Hollande, Nazarbayev, Akhmetov, Idrissov, Fabius,
        # Halter, Kaas) and 7 from office-holders.tsv (Ayrault, Valls, Massimov, Le Drian,
        # Bricq, Benguigui, Fekl)
        "dkg:Person": "15",
        "dkg:EconomicFigure": "9",
        "dkg:CulturalSeason": "3",  # the crossed seasons, the French and the Kazakh season
        # one signing for each of the seven agreements above
        "dkg:Signing": "7",
        # 8 visits, 2 meetings, 6 receptions, 1 consultation, 7 signings, and the
        # establishment of diplomatic relations
        "dkg:InteractionEvent": "25",
    }  # fmt: skip
    # one row per named graph: ontology, asserted, enrichment, evidence, inferred, derived, and
    # the one that says its version
    assert Counter(row[0] for row in rows_of(store, catalogue, "statistics"))["triples"] == 7


# --- why, evidence coverage, coded events -------------------------------------------------

PM_SENTENCE_START = "Les visites de haut niveau se sont ainsi multipliées"


def test_why_gives_the_words_and_the_interpretation(
    store: ox.Store, catalogue: dict[str, CannedQuery], source_text: str
) -> None:
    # "le Premier ministre a reçu son homologue à Paris le 11 juin 2012": the words state that
    # he received his counterpart; that the counterpart is the office of Prime Minister of
    # Kazakhstan is a counterpart resolution.
    columns, rows = run(
        store,
        catalogue,
        "why",
        subject="reception-2012-06-11-prime-ministers",
        predicate="dkg:targetActor",
        object="office-prime-minister-kazakhstan",
    )
    got = [dict(zip(columns, row, strict=True)) for row in rows]
    assert [(r["support"], r["quote"], r["kind"]) for r in got] == [
        ("words", "le Premier ministre a reçu son homologue à Paris", None),
        ("interpretation", None, "res:interpretation-counterpart-resolution"),
    ]
    words = got[0]
    assert source_text[int(words["start"] or 0) : int(words["end"] or 0)] == words["quote"]
    assert (words["sentence"] or "").startswith(PM_SENTENCE_START)
    # the title "Présentation", then the five sentences before this one
    assert words["sentenceNumber"] == "6"
    assert {r["statement"] for r in got} == {
        "res:statement/reception-2012-06-11-prime-ministers/dkg-targetActor/"
        "office-prime-minister-kazakhstan"
    }


def test_why_of_a_literal_reads_the_object_column(
    store: ox.Store, catalogue: dict[str, CannedQuery]
) -> None:
    # "s'est rendu en visite officielle à Astana et Almaty les 5 et 6 décembre 2014"
    rows = rows_of(
        store,
        catalogue,
        "why",
        subject="visit-2014-12-hollande-kazakhstan",
        predicate="dkg:startDate",
    )
    assert [(row[2], row[3]) for row in rows] == [("2014-12-05", "words")]
    assert "les 5 et 6 décembre 2014" in (rows[0][4] or "")


def test_why_is_empty_for_a_statement_the_page_does_not_make(
    store: ox.Store, catalogue: dict[str, CannedQuery]
) -> None:
    # the page never says the Prime Minister received the French President
    assert (
        rows_of(
            store,
            catalogue,
            "why",
            subject="reception-2012-06-11-prime-ministers",
            predicate="dkg:targetActor",
            object="office-president-france",
        )
        == []
    )


def test_evidence_coverage(store: ox.Store, catalogue: dict[str, CannedQuery]) -> None:
    _, rows = run(store, catalogue, "evidence-coverage")
    support = {row[1]: int(row[4] or 0) for row in rows if row[0] == "statements"}
    assert set(support) == {"words", "words and interpretation", "interpretation"}
    reifiers = store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://www.w3.org/1999/02/22-rdf-syntax-ns#"
        "Statement> }",
        use_default_graph_as_union=True,
    )
    assert isinstance(reifiers, ox.QuerySolutions)
    assert sum(support.values()) == int(next(iter(reifiers))[0].value)
    kinds = {row[2]: int(row[4] or 0) for row in rows if row[0] == "interpretations"}
    # "son homologue" (the Prime Ministers three times, the Presidents twice, the foreign
    # ministers), "octobre derniers" read against the update date
    assert kinds["res:interpretation-counterpart-resolution"] >= 6
    assert kinds["res:interpretation-relative-date"] == 1


def test_coded_events(store: ox.Store, catalogue: dict[str, CannedQuery]) -> None:
    columns, rows = run(store, catalogue, "coded-events")
    got = [dict(zip(columns, row, strict=True)) for row in rows]
    # 25 interaction events, each coded both ways
    assert len(got) == 50
    assert len({r["event"] for r in got}) == 25
    # "le Premier ministre a reçu son homologue à Paris le 11 juin 2012": the French side hosts
    # (043, stated), the Kazakh Prime Minister visits (042, derived); the table names both
    # holders
    reception = [r for r in got if r["event"] == "res:reception-2012-06-11-prime-ministers"]
    assert [
        (r["cameo"], r["sourceCountry"], r["targetCountry"], r["sourceHolder"], r["derivation"])
        for r in reception
    ] == [
        ("042", "KAZ", "FRA", "res:karim-massimov", "derived"),
        ("043", "FRA", "KAZ", "res:jean-marc-ayrault", "stated"),
    ]
    # in date order by their bounds
    assert [r["earliest"] for r in got] == sorted(r["earliest"] for r in got)  # type: ignore[type-var]
