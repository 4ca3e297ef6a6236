"""Validation: the SHACL shapes and the OWL RL consistency checks, each shown able to fail."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from rdflib import Graph, URIRef

from diplokg.build import intervals, rules
from diplokg.build.evidence import Source, annotate, strip_quotes
from diplokg.build.reason import infer
from diplokg.build.shacl import Data, Shapes, Unsupported
from diplokg.build.statements import strip_interpretations, strip_states
from diplokg.build.validate import (
    Problem,
    consistency_problems,
    shacl_problems,
    shape_problems,
)
from diplokg.namespaces import NAMED_GRAPHS
from diplokg.rdfio import nquads_lines, parse_turtle

if TYPE_CHECKING:
    from tests.build.conftest import MiniDocument

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "build"
SHAPES = REPO / "ontology" / "shapes.ttl"


Validate = Callable[[Graph, Graph], list[Problem]]
# `union_of(facts, enrichment, text=None)`: the union the shapes are checked on and its
# consistency problems (`text`: the source text, the mini document's by default).
UnionOf = Callable[..., tuple[Graph, list[Problem]]]


@pytest.fixture(scope="module")
def union_of(ontology: Graph, mini_doc: MiniDocument) -> UnionOf:
    """The union the shapes are checked on, for one curated graph (quotes in) and its
    enrichment, and its consistency problems.

    The build's steps without the per-statement check (test_statements.py tests it): quotes to
    annotations, reasoning, the rules and the date bounds."""

    def union(
        facts: Graph, enrichment: Graph, text: Path | None = None
    ) -> tuple[Graph, list[Problem]]:
        words = (text or mini_doc.text_path).read_text(encoding="utf-8")
        evidence, _ = annotate([Source(facts, words, "test")], ontology, {})
        strip_states(facts)
        strip_quotes(facts)
        strip_interpretations(facts)
        result = infer(ontology, [facts, enrichment])
        derived = rules.derive(rules.load_rules(REPO / "ontology" / "rules"), result.closure)
        derived |= intervals.interval_triples(result.closure)
        found = Graph()
        for graph in (ontology, facts, enrichment, evidence, result.inferred, derived):
            for triple in graph:
                found.add(triple)
        return found, consistency_problems(result.closure, result.errors)

    return union


@pytest.fixture(scope="module")
def validate(union_of: UnionOf) -> Validate:
    """`validate(facts, enrichment)`: what `diplokg validate` reports for one curated graph
    (quotes in) and its enrichment: the consistency problems, then the shapes'."""

    def problems(facts: Graph, enrichment: Graph) -> list[Problem]:
        union, found = union_of(facts, enrichment)
        return found + shacl_problems(union, parse_turtle(SHAPES), SHAPES)

    return problems


@pytest.fixture(scope="module")
def invalid(validate: Validate, mini_doc: MiniDocument) -> list[Problem]:
    facts = parse_turtle(mini_doc.facts_path)
    facts += parse_turtle(DATA / "invalid.ttl")
    return validate(facts, parse_turtle(DATA / "invalid.enrichment.ttl"))


def test_mini_document_is_valid(validate: Validate, mini_doc: MiniDocument) -> None:
    assert validate(parse_turtle(mini_doc.facts_path), Graph()) == []


@pytest.mark.parametrize(
    ("focus", "message"),
    [
        pytest.param("res:visit-without-date", "needs a date or bounds", id="event-date"),
        pytest.param("res:creation-bounded-too-early", "between 1990 and 2016", id="bounds"),
        pytest.param("res:meeting-without-participant", "needs a source actor", id="source-actor"),
        pytest.param("res:meeting-without-participant", "needs a target actor", id="target-actor"),
        pytest.param("res:visit-without-host", "needs its host", id="host"),
        pytest.param("res:reception-by-a-stateless-actor", "of a known country", id="country"),
        pytest.param("res:nobody", "an actor needs a country", id="actor-country"),
        pytest.param("res:visit-coded-not-applicable", "takes a CAMEO code", id="not-applicable"),
        pytest.param("res:coding-of-nothing", "codes one event", id="coding"),
        pytest.param("res:visit-too-early", "between 1990 and 2016", id="date-range"),
        pytest.param("res:visit-with-untyped-date", "xsd:date, xsd:gYearMonth", id="date-type"),
        pytest.param("res:agreement-without-kind", "needs a kind", id="agreement-kind"),
        pytest.param("res:treaty-without-party", "needs its parties", id="agreement-party"),
        pytest.param("res:figure-without-period", "the period it refers to", id="figure-period"),
        pytest.param("res:figure-without-period", "a currency", id="figure-unit"),
        pytest.param("res:city-without-french-label", "label in French", id="label-fr"),
        pytest.param(
            "<http://example.org/lyon>", "under https://w3id.org/diplokg/resource/", id="iri"
        ),
        pytest.param("res:visit-unsourced", "a fact needs evidence", id="fact-evidence"),
        pytest.param(
            "res:paris", "is both a dkg:Person and a dkg:Place", id="disjoint-person-city"
        ),
        pytest.param("res:erlan-idrissov", "inferred the same as res:laurent-fabius", id="same-as"),
        pytest.param("res:impossible", "owl:Nothing", id="nothing"),
    ],
)
def test_each_violation_names_its_resource(
    invalid: list[Problem], focus: str, message: str
) -> None:
    assert [p for p in invalid if p.focus == focus and message in p.message], invalid


def test_valid_resources_of_the_bad_fixture_are_not_reported(invalid: list[Problem]) -> None:
    reported = {p.focus for p in invalid}
    assert "res:visit-2014-12-hollande-kazakhstan" not in reported
    assert "res:agreement-2009" not in reported


def test_problem_reads_as_one_line() -> None:
    problem = Problem("res:x", "dkg:date", "a date is an xsd:date")
    assert str(problem) == "res:x: dkg:date: a date is an xsd:date"


def _invalid_facts(mini_doc: MiniDocument) -> tuple[Graph, Graph]:
    facts = parse_turtle(mini_doc.facts_path)
    facts += parse_turtle(DATA / "invalid.ttl")
    return facts, parse_turtle(DATA / "invalid.enrichment.ttl")


def _mini(mini_doc: MiniDocument) -> tuple[Graph, Graph]:
    return parse_turtle(mini_doc.facts_path), Graph()


def _seed(mini_doc: MiniDocument) -> tuple[Graph, Graph, Path]:
    return (
        parse_turtle(REPO / "graph" / "france-kazakhstan-2015.ttl"),
        parse_turtle(REPO / "graph" / "france-kazakhstan-2015.enrichment.ttl"),
        REPO / "graph" / "france-kazakhstan-2015.txt",
    )


@pytest.mark.parametrize(
    "inputs",
    [
        pytest.param(_mini, id="mini"),
        pytest.param(_invalid_facts, id="bad-fixture"),
        pytest.param(_seed, id="seed"),
    ],
)
def test_the_build_s_checker_reports_what_pyshacl_reports(
    inputs: Callable[[MiniDocument], tuple[Graph, Graph] | tuple[Graph, Graph, Path]],
    union_of: UnionOf,
    mini_doc: MiniDocument,
) -> None:
    union, _ = union_of(*inputs(mini_doc))
    shapes = parse_turtle(SHAPES)
    lines = nquads_lines({NAMED_GRAPHS["asserted"]: union})[NAMED_GRAPHS["asserted"]]
    reference = shacl_problems(union, shapes, SHAPES)
    assert shape_problems(union, shapes, SHAPES, lines) == reference


def test_the_checker_finds_the_bad_fixture_s_problems(
    union_of: UnionOf, mini_doc: MiniDocument
) -> None:
    union, _ = union_of(*_invalid_facts(mini_doc))
    lines = nquads_lines({NAMED_GRAPHS["asserted"]: union})[NAMED_GRAPHS["asserted"]]
    assert len(shape_problems(union, parse_turtle(SHAPES), SHAPES, lines)) > 20


@pytest.mark.parametrize(
    "inputs",
    [pytest.param(_invalid_facts, id="bad-fixture"), pytest.param(_seed, id="seed")],
)
def test_the_data_on_the_ontology_s_index_is_checked_as_the_whole_union(
    inputs: Callable[[MiniDocument], tuple[Graph, Graph] | tuple[Graph, Graph, Path]],
    union_of: UnionOf,
    ontology: Graph,
    mini_doc: MiniDocument,
) -> None:
    """A unit indexes its own triples on a copy of the ontology's index, made once
    (`shacl.Data(triples, base)`): the same problems as the union indexed whole, and the
    base's index is left as it was for the next unit."""
    union, _ = union_of(*inputs(mini_doc))
    shapes = parse_turtle(SHAPES)
    base = Data(ontology)
    before = {k: set(v) for k, v in base.objects.items()}
    own = [t for t in union if t not in ontology]
    assert own and len(own) < len(union)
    whole = shape_problems(union, shapes, SHAPES)
    assert shape_problems(own, shapes, SHAPES, base=base) == whole
    assert base.objects == before
    if inputs is _invalid_facts:
        assert len(whole) > 20
    # a base indexed for no shape at all is indexed again for these
    narrow = Data(ontology, predicates=frozenset())
    assert shape_problems(own, shapes, SHAPES, base=narrow) == whole


def test_shapes_the_checker_does_not_know_go_to_pyshacl(
    union_of: UnionOf, mini_doc: MiniDocument
) -> None:
    shapes = parse_turtle(SHAPES)
    extra = parse_turtle(DATA / "invalid.ttl")
    union, _ = union_of(parse_turtle(mini_doc.facts_path), Graph())
    shapes.parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> .
            @prefix dkg: <https://w3id.org/diplokg/ontology#> .
            <urn:x:shape> a sh:NodeShape ; sh:targetClass dkg:Visit ;
                sh:property [ sh:path dkg:guest ; sh:maxLength 3 ; sh:message "short" ] .""",
        format="turtle",
    )
    with pytest.raises(Unsupported):
        Shapes(shapes)
    assert extra  # the fixture is there
    found = shape_problems(union, shapes, SHAPES, [])
    assert found == shacl_problems(union, shapes, SHAPES)
    assert any(p.message.startswith("short") for p in found)


# SELECTs of one variable over a basic graph pattern: the checker matches them itself.
_PATTERN_SELECTS = [
    # the resource shape's own target (ontology/shapes.ttl)
    """SELECT DISTINCT ?this WHERE { ?this a ?class .
        ?class <http://www.w3.org/2000/01/rdf-schema#isDefinedBy>
            <https://w3id.org/diplokg/ontology> . }""",
    # a join over two properties, the selected variable in object position
    """SELECT ?place WHERE { ?event <https://w3id.org/diplokg/ontology#tookPlaceIn> ?place .
        ?place a <https://w3id.org/diplokg/ontology#City> . }""",
    # a constant subject
    """SELECT ?class WHERE { <https://w3id.org/diplokg/ontology#Visit>
        <http://www.w3.org/2000/01/rdf-schema#subClassOf> ?class . }""",
    # a variable twice in one pattern (no such triple: the answer is empty on both sides)
    """SELECT ?x WHERE { ?x <http://www.w3.org/2000/01/rdf-schema#subClassOf> ?x . }""",
    # blank nodes as answers (the ontology's restrictions and lists)
    """SELECT ?list WHERE { ?list <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> ?item . }""",
]


def _store_answer(select: str, lines: list[str]) -> tuple[set[object], int]:
    """What the checker's store path (`validate._sparql`) answers, the reference: its IRIs,
    and how many blank nodes (Oxigraph labels the blank nodes it loads afresh)."""
    from rdflib import BNode

    from diplokg.build.validate import _sparql

    found = _sparql(lines)(select)
    return {t for t in found if not isinstance(t, BNode)}, len(found)


def test_a_sparql_target_of_a_basic_pattern_is_matched_as_the_store_matches_it(
    union_of: UnionOf, mini_doc: MiniDocument
) -> None:
    from diplokg.build.shacl import Data, Pattern

    union, _ = union_of(*_seed(mini_doc)[:2], _seed(mini_doc)[2])
    lines = nquads_lines({NAMED_GRAPHS["asserted"]: union})[NAMED_GRAPHS["asserted"]]
    data = Data(list(union))
    sizes = []
    for select in _PATTERN_SELECTS:
        pattern = Pattern.of(select)
        assert pattern is not None, select
        found = pattern.select(data)
        iris = {t for t in found if isinstance(t, URIRef)}
        assert (iris, len(found)) == _store_answer(select, lines), select
        sizes.append(len(found))
    # every select but the repeated variable's finds something, so the comparison says more
    # than "both empty"
    assert [n > 0 for n in sizes] == [True, True, True, False, True]
    assert sizes[0] > 100


def test_a_blank_node_a_sparql_target_selects_is_checked_as_pyshacl_checks_it(
    union_of: UnionOf, mini_doc: MiniDocument
) -> None:
    """The store labels blank nodes afresh, so the focus it returned for a blank node was a
    node the data does not hold (checked without its labels); the pattern keeps the data's."""
    facts, enrichment = _mini(mini_doc)
    facts.parse(
        data="""@prefix dkg: <https://w3id.org/diplokg/ontology#> .
            @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
            [] a dkg:City ; rdfs:label "Nowhere"@en , "Nulle part"@fr .""",
        format="turtle",
    )
    union, _ = union_of(facts, enrichment)
    shapes = parse_turtle(SHAPES)
    lines = nquads_lines({NAMED_GRAPHS["asserted"]: union})[NAMED_GRAPHS["asserted"]]
    found = shape_problems(union, shapes, SHAPES, lines)
    assert found == shacl_problems(union, shapes, SHAPES)
    assert [p.message for p in found if "label" in p.message] == []
    assert any(p.message.startswith("must be an IRI under") for p in found)


@pytest.mark.parametrize(
    "select",
    [
        "SELECT ?x WHERE { ?x a ?c . FILTER(?c != <urn:x:a>) }",
        "SELECT ?x WHERE { ?x ?p <urn:x:a> . }",
        'SELECT ?x WHERE { ?x <urn:x:p> "a literal" . }',
        "SELECT ?x ?y WHERE { ?x <urn:x:p> ?y . }",
        "SELECT ?x WHERE { ?x <urn:x:p> ?y . OPTIONAL { ?y <urn:x:q> ?z } }",
        "SELECT ?x WHERE { ?y <urn:x:p> ?z . }",
        "SELECT ?x FROM <urn:x:g> WHERE { ?x <urn:x:p> ?y . }",
        "not SPARQL at all",
    ],
)
def test_any_other_sparql_target_is_left_to_the_store(select: str) -> None:
    from diplokg.build.shacl import Pattern

    assert Pattern.of(select) is None


def test_a_target_the_checker_does_not_match_is_run_by_the_store(
    union_of: UnionOf, mini_doc: MiniDocument
) -> None:
    """A SPARQL target with a FILTER goes to the store and still reports its focus nodes."""
    shapes = parse_turtle(SHAPES)
    shapes.parse(
        data='''@prefix sh: <http://www.w3.org/ns/shacl#> .
            <urn:x:shape> a sh:NodeShape ;
                sh:target [ a sh:SPARQLTarget ; sh:select """
                    SELECT ?this WHERE { ?this a ?c .
                        FILTER(?c = <https://w3id.org/diplokg/ontology#City>) }""" ] ;
                sh:nodeKind sh:BlankNode ; sh:message "a city here must be a blank node" .''',
        format="turtle",
    )
    union, _ = union_of(*_mini(mini_doc))
    lines = nquads_lines({NAMED_GRAPHS["asserted"]: union})[NAMED_GRAPHS["asserted"]]
    found = shape_problems(union, shapes, SHAPES, lines)
    cities = [p for p in found if p.message == "a city here must be a blank node"]
    assert cities and cities == [
        p for p in shacl_problems(union, shapes, SHAPES) if p.message == cities[0].message
    ]


def test_consistency_problems_read_both_kinds_of_disjointness_from_the_closure() -> None:
    from rdflib import BNode
    from rdflib.namespace import OWL, RDF

    from diplokg.namespaces import DKG, RES

    a, b, c, d = (URIRef(f"urn:x:{n}") for n in "abcd")
    head, middle, last, axiom = BNode(), BNode(), BNode(), BNode()
    closure = {
        (a, OWL.disjointWith, b),
        (axiom, RDF.type, OWL.AllDisjointClasses),
        (axiom, OWL.members, head),
        (head, RDF.first, b),
        (head, RDF.rest, middle),
        (middle, RDF.first, c),
        (middle, RDF.rest, last),
        (last, RDF.first, d),
        (last, RDF.rest, RDF.nil),
        (RES.one, RDF.type, a),
        (RES.one, RDF.type, b),  # a and b: disjointWith
        (RES.two, RDF.type, b),
        (RES.two, RDF.type, d),  # b and d: the list's first and last members
        (RES.three, RDF.type, a),
        (RES.three, RDF.type, c),  # a and c: not declared disjoint
        (RES.four, RDF.type, OWL.Nothing),
        (RES.one, OWL.sameAs, RES.two),
        (RES.two, OWL.sameAs, RES.one),
        (RES.one, OWL.sameAs, DKG.Visit),  # not a curated resource
    }
    found = consistency_problems(closure, ["Disjoint classes: said above", "Other: kept"])
    assert found == [
        Problem("-", "owl 2 rl", "Other: kept"),
        Problem("res:four", "owl:Nothing", "cannot exist (owl:Nothing)"),
        Problem(
            "res:one", "owl:disjointWith", "is both a <urn:x:a> and a <urn:x:b>, declared disjoint"
        ),
        Problem("res:one", "owl:sameAs", "is inferred the same as res:two"),
        Problem(
            "res:two", "owl:disjointWith", "is both a <urn:x:b> and a <urn:x:d>, declared disjoint"
        ),
    ]
