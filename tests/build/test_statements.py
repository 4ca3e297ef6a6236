"""Evidence per statement: every asserted statement traced to the words that state it or to a
typed interpretation, its reifier in RDF 1.1 and RDF 1.2, and the failures that stop a build."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from diplokg.build import build, statements
from diplokg.build.evidence import Source, annotate
from diplokg.cli import main
from diplokg.config import Settings
from diplokg.errors import EvidenceError
from diplokg.namespaces import DKG, OA, RES
from diplokg.rdfio import parse_turtle
from diplokg.server.app import _default_data

if TYPE_CHECKING:
    from tests.build.conftest import MiniDocument
    from tests.conftest import TourProject

REPO = Path(__file__).resolve().parents[2]
MINI_FACTS = REPO / "tests" / "data" / "build" / "mini.ttl"

BAD = Path(__file__).parents[1] / "data" / "statements"
TEXT = (REPO / "tests" / "data" / "build" / "mini.txt").read_text(encoding="utf-8")


@pytest.fixture
def mini_support(ontology: Graph) -> statements.Support:
    return statements.collect([Source(parse_turtle(MINI_FACTS), TEXT, "mini.ttl")], ontology)


# --- what supports each statement ------------------------------------------------------------


def test_a_sole_plain_quote_states_every_statement_of_its_node(
    mini_support: statements.Support,
) -> None:
    # "M. Idrissov a été reçu par M. Fabius le 10 juin 2014 à Paris" is the reception's only
    # quote, a plain string: it states the reception's source, target, place and date.
    support = mini_support
    reception = RES["reception-2014-06-10"]
    start = TEXT.index("M. Idrissov a été reçu par M. Fabius le 10 juin 2014 à Paris")
    for predicate, obj in [
        (DKG.sourceActor, RES["laurent-fabius"]),
        (DKG.targetActor, RES["erlan-idrissov"]),
        (DKG.tookPlaceIn, RES.paris),
        (DKG.date, Literal("2014-06-10", datatype=XSD.date)),
    ]:
        spans = support.stated[(reception, predicate, obj)]
        assert {span[1] for _, span in spans} == {start}, predicate


def test_explicit_states_split_a_node_between_its_quotes(mini_support: statements.Support) -> None:
    # "un accord" states the kind and the parties, "octobre 2009" (after "ont signé en ") the date
    support = mini_support
    agreement = RES["agreement-2009"]

    def quoted(predicate: URIRef, obj: object) -> set[str]:
        spans = support.stated[(agreement, predicate, obj)]  # type: ignore[index]
        return {TEXT[span[1] : span[2]] for _, span in spans}

    assert quoted(DKG.signedOn, Literal("2009-10", datatype=XSD.gYearMonth)) == {"octobre 2009"}
    assert quoted(DKG.party, RES.france) == {"un accord"}
    assert quoted(RDF.type, DKG.IntergovernmentalAgreement) == {"un accord"}


def test_an_interpretation_supports_what_it_concerns(mini_support: statements.Support) -> None:
    # "reçu par M. Fabius": that he is the Minister of Foreign Affairs is a reading
    support = mini_support
    statement = (
        RES["holding-fabius"],
        DKG.holdingOf,
        RES["office-minister-foreign-affairs-france"],
    )
    assert statement not in support.stated
    (reading,) = support.interpreted[statement]
    assert reading.kind == RES["interpretation-reading-of-the-phrase"]
    assert "Minister of Foreign Affairs" in str(reading.comment)


def test_an_entity_type_is_stated_by_its_first_mention(mini_support: statements.Support) -> None:
    # "Le Président François Hollande s’est rendu": the person's name, where the text first has it
    support = mini_support
    spans = support.stated[(RES["francois-hollande"], RDF.type, DKG.Person)]
    assert [TEXT[a:b] for _, (_, a, b) in spans] == ["François Hollande"]
    assert RES["francois-hollande"] in support.mentions


def test_naming_and_the_source_document_are_not_traced(mini_support: statements.Support) -> None:
    support = mini_support
    predicates = {p for _, p, _ in support.statements}
    assert not predicates & statements.EXEMPT_PREDICATES
    assert not {s for s, _, _ in support.statements} & {RES["mini-page"]}


# --- the evidence graph ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mini_evidence(ontology: Graph) -> Graph:
    sources = [Source(parse_turtle(MINI_FACTS), TEXT, "mini.ttl")]
    support = statements.collect(sources, ontology)
    annotations, notes = annotate(sources, ontology, support.mentions)
    return annotations + statements.statement_graph(support, notes, ontology)


def test_reifier_iri_names_subject_predicate_and_object() -> None:
    iri = statements.statement_iri(
        RES["visit-2014-12-hollande-kazakhstan"],
        DKG.startDate,
        Literal("2014-12-05", datatype=XSD.date),
    )
    assert iri == RES["statement/visit-2014-12-hollande-kazakhstan/dkg-startDate/2014-12-05-date"]
    assert (
        statements.statement_iri(RES.paris, RDF.type, DKG.City)
        == RES["statement/paris/rdf-type/dkg-City"]
    )
    # a long literal is cut and keeps a short hash, so that two long texts stay apart
    long_a = statements.statement_iri(RES.x, DKG.subject, Literal("a" * 80 + "1"))
    long_b = statements.statement_iri(RES.x, DKG.subject, Literal("a" * 80 + "2"))
    assert long_a != long_b
    assert len(str(long_a)) < len(str(RES.x)) + 80


def test_reifier_links_the_statement_to_its_words(mini_evidence: Graph) -> None:
    statement = (RES["agreement-2009"], DKG.signedOn, Literal("2009-10", datatype=XSD.gYearMonth))
    reifier = statements.statement_iri(*statement)
    assert (reifier, RDF.type, RDF.Statement) in mini_evidence
    assert (reifier, RDF.subject, statement[0]) in mini_evidence
    assert (reifier, RDF.predicate, statement[1]) in mini_evidence
    assert (reifier, RDF.object, statement[2]) in mini_evidence
    (note,) = mini_evidence.objects(reifier, DKG.statedBy)
    assert (note, OA.hasBody, reifier) in mini_evidence
    exact = mini_evidence.value(URIRef(f"{note}/quote"), OA.exact)
    assert str(exact) == "octobre 2009"


def test_interpretations_get_iris_kinds_and_labels(mini_evidence: Graph) -> None:
    statement = (RES["office-president-france"], DKG.officeOf, RES.france)
    reifier = statements.statement_iri(*statement)
    (interpretation,) = mini_evidence.objects(reifier, DKG.interpretedBy)
    assert interpretation == RES["interpretation/office-president-france/1"]
    assert (interpretation, RDF.type, DKG.Interpretation) in mini_evidence
    kind = mini_evidence.value(interpretation, DKG.interpretationKind)
    assert kind == RES["interpretation-page-perspective"]
    labels = {
        cast(Literal, lit).language for lit in mini_evidence.objects(interpretation, RDFS.label)
    }
    assert labels == {"en", "fr"}
    assert (RES["office-president-france"], DKG.interpretation, interpretation) in mini_evidence


def test_rdf12_lines_reify_the_same_statements(mini_evidence: Graph) -> None:
    lines = statements.rdf12_lines(mini_evidence)
    reifiers = set(mini_evidence.subjects(RDF.type, RDF.Statement))
    assert len(lines) == len(reifiers)
    store = ox.Store()
    store.load("".join(lines).encode("utf-8"), format=ox.RdfFormat.N_QUADS)
    statement = (RES["agreement-2009"], DKG.party, RES.kazakhstan)
    ask = (
        f"ASK {{ GRAPH ?g {{ <{statements.statement_iri(*statement)}> "
        f"<{RDF}reifies> <<( <{statement[0]}> <{statement[1]}> <{statement[2]}> )>> }} }}"
    )
    assert store.query(ask)


def test_strip_removes_the_claims_and_interpretation_nodes() -> None:
    facts = parse_turtle(MINI_FACTS)
    statements.strip_states(facts)
    statements.strip_interpretations(facts)
    assert (None, DKG.interpretation, None) not in facts
    assert (None, DKG.interpretationKind, None) not in facts
    assert (None, DKG.concerns, None) not in facts
    # the curated statements themselves stay
    assert (RES["holding-fabius"], DKG.holdingOf, None) in facts


# --- what stops a build ------------------------------------------------------------------------

FAILURES = [
    pytest.param(
        "unsupported-statement.ttl",
        "res:agreement-2009 dkg:domain res:domain-culture: no quote states it",
        id="unsupported-statement",
    ),
    pytest.param(
        "unknown-kind.ttl",
        "res:agreement-2009: interpretation of unknown kind res:interpretation-guesswork",
        id="unknown-kind",
    ),
    pytest.param(
        "quote-claims-too-much.ttl",
        "res:agreement-2009: a quote states dkg:supplements, which res:agreement-2009 does not "
        "have",
        id="quote-claims-too-much",
    ),
    pytest.param(
        "interpretation-as-text.ttl",
        'res:agreement-2009 dkg:interpretation "The agreement is about culture."@en: an '
        "interpretation is a dkg:Interpretation node",
        id="interpretation-as-text",
    ),
    pytest.param(
        "entity-never-named.ttl",
        "res:lyon rdf:type dkg:City: no quote states it",
        id="entity-never-named",
    ),
]


@pytest.mark.parametrize(("fixture", "message"), FAILURES)
def test_build_stops_naming_file_subject_predicate_and_object(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fixture: str,
    message: str,
    mini_doc: MiniDocument,
) -> None:
    mini_doc.make(tmp_path, facts=mini_doc.facts((BAD / fixture).read_text(encoding="utf-8")))
    monkeypatch.setenv("DIPLOKG_ROOT", str(tmp_path))
    assert main(["build"]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert str(tmp_path / "graph" / "mini.ttl") in err
    assert not (tmp_path / "dist").exists()


def test_every_fixture_file_is_a_failure_case() -> None:
    assert sorted(p.name for p in BAD.glob("*.ttl")) == sorted(str(p.values[0]) for p in FAILURES)


def test_the_mini_document_passes(tmp_path: Path, ontology: Graph) -> None:
    # the same check that the fixtures above fail
    with_text = [Source(parse_turtle(MINI_FACTS), TEXT, "mini.ttl")]
    assert len(statements.collect(with_text, ontology).statements) > 0
    bad = parse_turtle(MINI_FACTS) + parse_turtle(BAD / "unsupported-statement.ttl")
    with pytest.raises(EvidenceError, match="res:domain-culture"):
        statements.collect([Source(bad, TEXT, "mini.ttl")], ontology)


# --- the built dataset: both forms, and a check that can fail --------------------------------


@pytest.fixture(scope="module")
def seed_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("seed")
    for folder in ("ontology", "graph"):
        shutil.copytree(REPO / folder, root / folder)
    return build(Settings(root=root), progress=lambda line: None)


UNTRACED = """
PREFIX dkg: <https://w3id.org/diplokg/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?s ?p ?o WHERE {
  GRAPH <https://w3id.org/diplokg/graph/asserted> { ?s ?p ?o . }
  FILTER(?p NOT IN (rdfs:label, skos:altLabel, skos:prefLabel, rdfs:comment, dkg:dateNote))
  FILTER NOT EXISTS { ?s a dkg:SourceDocument . }
  FILTER NOT EXISTS {
    ?r rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
    { ?r dkg:statedBy ?a . } UNION { ?r dkg:interpretedBy ?i . }
  }
}"""


def test_every_asserted_statement_of_the_seed_is_traced(seed_dist: Path) -> None:
    store = ox.Store()
    store.load(path=seed_dist / "dataset.nq", format=ox.RdfFormat.N_QUADS)
    assert list(store.query(UNTRACED, use_default_graph_as_union=True)) == []  # type: ignore[arg-type]
    # and the check finds a statement whose support is taken away
    reifier = statements.statement_iri(
        RES["visit-1993-09-mitterrand-kazakhstan"], DKG.tookPlaceIn, RES.kazakhstan
    )
    store.update(f"DELETE WHERE {{ GRAPH ?g {{ <{reifier}> <{DKG.statedBy}> ?a }} }}")
    found = [
        (s["s"].value, s["p"].value, s["o"].value)
        for s in store.query(UNTRACED, use_default_graph_as_union=True)  # type: ignore[union-attr]
    ]
    assert found == [
        (str(RES["visit-1993-09-mitterrand-kazakhstan"]), str(DKG.tookPlaceIn), str(RES.kazakhstan))
    ]


def test_rdf11_dumps_hold_no_triple_term_and_the_rdf12_dump_does(seed_dist: Path) -> None:
    plain = (seed_dist / "dataset.nq").read_text(encoding="utf-8")
    rdf12 = (seed_dist / "dataset-rdf12.nq").read_text(encoding="utf-8")
    assert "<<(" not in plain
    # the RDF 1.2 dump is the RDF 1.1 dump plus one rdf:reifies quad per reifier
    extra = set(rdf12.splitlines()) - set(plain.splitlines())
    reifiers = plain.count(f"<{RDF.type}> <{RDF.Statement}>")
    assert len(extra) == reifiers > 700
    assert all(f"<{RDF}reifies> <<( " in line for line in extra)
    assert set(plain.splitlines()) <= set(rdf12.splitlines())
    store = ox.Store()
    store.load(path=seed_dist / "dataset-rdf12.nq", format=ox.RdfFormat.N_QUADS)
    # "Le Président Mitterrand s’est rendu au Kazakhstan en septembre 1993": the RDF 1.2 reifier
    # of the visit's place leads to the same words as the RDF 1.1 one
    why = f"""SELECT ?exact WHERE {{
        ?r <{RDF}reifies> <<( <{RES["visit-1993-09-mitterrand-kazakhstan"]}> <{DKG.tookPlaceIn}>
                              <{RES.kazakhstan}> )>> ;
           <{DKG.statedBy}>/<{OA.hasTarget}>/<{OA.hasSelector}>/<{OA.exact}> ?exact .
    }}"""
    rows = [s["exact"].value for s in store.query(why, use_default_graph_as_union=True)]  # type: ignore[union-attr]
    assert rows == ["Le Président Mitterrand s’est rendu au Kazakhstan en septembre 1993"]


def test_the_served_store_is_the_rdf12_dump(seed_dist: Path) -> None:
    settings = Settings(root=seed_dist.parent)
    assert _default_data(settings) == seed_dist / "dataset-rdf12.nq"


# --- resource pages show each statement's support ----------------------------------------------


def test_resource_page_shows_the_words_and_interpretations_of_each_statement(
    tmp_path_factory: pytest.TempPathFactory, tour_project: TourProject
) -> None:
    from fastapi.testclient import TestClient

    from diplokg.server.app import create_app

    project = tour_project.make(tmp_path_factory.mktemp("why-pages"))
    app = create_app(project, project.dist_dir / "dataset-rdf12.nq")
    with TestClient(app) as client:
        page = client.get(
            "/resource/visit-2008-nazarbayev-paris", headers={"Accept": "text/html"}
        ).text
    # tour.ttl: "la visite du Président Nazarbaïev à Paris en 2008" states the guest; that the
    # host is France is an implied party ("A visit to Paris is a visit to France, the host.")
    rows = {row.split("</td>", 1)[0]: row for row in page.split('<tr class="')[1:]}
    guest = next(row for key, row in rows.items() if "guest" in key)
    assert '<ul class="why"' in guest
    assert '<q lang="fr">la visite du Président Nazarbaïev à Paris en 2008</q>' in guest
    host = next(row for key, row in rows.items() if ">host<" in key)
    assert "implied party" in host
    assert "A visit to Paris is a visit to France, the host." in host
