"""Reasoning earns its keep: each inference the queries rely on, and the axiom it needs.

Each case names a triple the document's facts entail and the ontology axiom(s) that entail it;
the test shows the triple in the inferred graph, then removes the axiom from a copy of the
ontology and shows the triple gone from the whole closure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib import namespace as ns
from rdflib.namespace import FOAF, ORG, OWL, RDF, RDFS

from diplokg.build.reason import Inference, infer, is_noise, kinds
from diplokg.namespaces import DKG, RES, SCHEMA
from diplokg.rdfio import Triple

Axiom = tuple[URIRef, URIRef, URIRef]


@pytest.fixture(scope="module")
def seed_inference(seed_facts: tuple[Graph, Graph], ontology: Graph) -> Inference:
    asserted, enrichment = seed_facts
    return infer(ontology, [asserted, enrichment])


@pytest.fixture(scope="module")
def without(
    ontology: Graph, copy_graph: Callable[[Graph], Graph]
) -> Callable[[Iterable[Axiom]], Graph]:
    """`without(axioms)`: a copy of the ontology without `axioms` (each must be there, so the
    test stays honest)."""

    def ablate(axioms: Iterable[Axiom]) -> Graph:
        copy = copy_graph(ontology)
        for axiom in axioms:
            if axiom[1] == OWL.propertyChainAxiom:
                assert (axiom[0], axiom[1], None) in copy, axiom
                copy.remove((axiom[0], axiom[1], None))
            else:
                assert axiom in copy, axiom
                copy.remove(axiom)
        return copy

    return ablate


CHAIN = URIRef("urn:any-chain")  # stands for "the property chain axiom of this property"
CASES = [
    pytest.param(
        (RES["francois-hollande"], RDF.type, SCHEMA.Person),
        [(DKG.Person, RDFS.subClassOf, SCHEMA.Person)],
        id="type-schema-person",
    ),
    pytest.param(
        (RES["francois-hollande"], RDF.type, FOAF.Person),
        [(DKG.Person, RDFS.subClassOf, FOAF.Person)],
        id="type-foaf-person",
    ),
    pytest.param(
        (RES["astana-opera"], RDF.type, ORG.Organization),
        [(DKG.Organisation, RDFS.subClassOf, ORG.Organization)],
        id="type-org-organization",
    ),
    pytest.param(
        (RES["concert-astana-opera-2014"], SCHEMA.performer, RES["astana-opera"]),
        [(DKG.performer, RDFS.subPropertyOf, SCHEMA.performer)],
        id="subproperty-schema-performer",
    ),
    pytest.param(
        (RES["francois-hollande"], DKG.participatedIn, RES["visit-2014-12-hollande-kazakhstan"]),
        [(DKG.hasParticipant, OWL.inverseOf, DKG.participatedIn)],
        id="inverse-participated-in",
    ),
    pytest.param(
        (RES["office-president-france"], DKG.officeHeldBy, RES["francois-hollande"]),
        [(DKG.officeHeldBy, OWL.inverseOf, DKG.holdsOffice)],
        id="inverse-office-held-by",
    ),
    pytest.param(
        (RES["francois-hollande"], DKG.holdsOffice, RES["office-president-france"]),
        [(DKG.holdsOffice, OWL.propertyChainAxiom, CHAIN)],
        id="chain-holds-office",
    ),
    pytest.param(
        (RES.rennes, DKG.pairedWith, RES.almaty),
        [(DKG.pairedWith, RDF.type, OWL.SymmetricProperty)],
        id="symmetric-paired-with",
    ),
    pytest.param(
        (RES.kazakhstan, DKG.hasDiplomaticRelationsWith, RES.france),
        [(DKG.hasDiplomaticRelationsWith, RDF.type, OWL.SymmetricProperty)],
        id="symmetric-diplomatic-relations",
    ),
    pytest.param(
        (RES["opera-bastille"], DKG.locatedIn, RES.france),
        [(DKG.locatedIn, RDF.type, OWL.TransitiveProperty)],
        id="transitive-located-in",
    ),
    pytest.param(
        (RES["visit-2014-12-hollande-kazakhstan"], DKG.tookPlaceIn, RES.kazakhstan),
        [(DKG.tookPlaceIn, OWL.propertyChainAxiom, CHAIN)],
        id="chain-visit-in-kazakhstan",
    ),
    pytest.param(
        (RES["concert-astana-opera-2014"], DKG.tookPlaceIn, RES.paris),
        [(DKG.tookPlaceIn, OWL.propertyChainAxiom, CHAIN)],
        id="chain-concert-in-paris",
    ),
    pytest.param(
        (RES["concert-astana-opera-2014"], DKG.tookPlaceIn, RES.france),
        [(DKG.tookPlaceIn, OWL.propertyChainAxiom, CHAIN)],
        id="chain-concert-in-france",
    ),
    pytest.param(
        (RES["astana-opera"], DKG.basedIn, RES.kazakhstan),
        [(DKG.basedIn, OWL.propertyChainAxiom, CHAIN)],
        id="chain-based-in",
    ),
]


@pytest.mark.parametrize(("entailed", "axioms"), CASES)
def test_inference_needs_its_axiom(
    seed_inference: Inference,
    entailed: Triple,
    axioms: list[Axiom],
    seed_facts: tuple[Graph, Graph],
    without: Callable[[Iterable[Axiom]], Graph],
) -> None:
    asserted, enrichment = seed_facts
    assert entailed not in asserted and entailed not in enrichment
    assert entailed in seed_inference.inferred
    ablated = infer(without(axioms), [asserted, enrichment])
    assert entailed not in ablated.closure


VISIT = RES["visit-2014-12-hollande-kazakhstan"]
PROTOCOL = RES["protocol-2012-11-chymkent-aerodrome"]


@pytest.mark.parametrize(
    ("statement", "entailed", "axiom"),
    [
        pytest.param(
            (PROTOCOL, RDF.type, DKG.Protocol),
            (PROTOCOL, RDF.type, DKG.Agreement),
            (DKG.Protocol, RDFS.subClassOf, DKG.Agreement),
            id="protocol-is-an-agreement",
        ),
        pytest.param(
            (VISIT, DKG.tookPlaceIn, RES.astana),
            (VISIT, RDF.type, DKG.Event),
            (DKG.tookPlaceIn, RDFS.domain, DKG.Event),
            id="domain",
        ),
        pytest.param(
            (VISIT, DKG.tookPlaceIn, RES.astana),
            (RES.astana, RDF.type, DKG.Place),
            (DKG.tookPlaceIn, RDFS.range, DKG.Place),
            id="range",
        ),
    ],
)
def test_typing_from_one_statement(
    statement: Triple,
    entailed: Triple,
    axiom: Axiom,
    ontology: Graph,
    without: Callable[[Iterable[Axiom]], Graph],
) -> None:
    # In the seed graph these resources are typed by several routes at once (the protocol
    # also by the domain of dkg:party), so each axiom is shown on one statement alone.
    data = Graph()
    data.add(statement)
    assert entailed in infer(ontology, [data]).inferred
    assert entailed not in infer(without([axiom]), [data]).closure


def test_reasonable_gives_owlrl_filtered_closure_on_our_graph(
    seed_inference: Inference, seed_facts: tuple[Graph, Graph], ontology: Graph
) -> None:
    # This equality is what allows `reasonable` to be the default reasoner.
    asserted, enrichment = seed_facts
    reference = infer(ontology, [asserted, enrichment], "owlrl")
    assert reference.errors == []
    assert set(reference.inferred) == set(seed_inference.inferred)


def string_typed_copies(closure: Iterable[Triple], given: Iterable[Triple]) -> list[Triple]:
    """Triples whose object is typed xsd:string and that the input did not state so."""
    stated = set(given)
    return [
        t
        for t in closure
        if isinstance(t[2], Literal) and t[2].datatype == ns.XSD.string and t not in stated
    ]


def test_reasonable_output_has_no_string_typed_copies(
    seed_inference: Inference, seed_facts: tuple[Graph, Graph], ontology: Graph
) -> None:
    asserted, enrichment = seed_facts
    given = [t for g in (asserted, enrichment, ontology) for t in g]
    assert string_typed_copies(seed_inference.closure, given) == []


def test_raw_reasonable_output_has_string_typed_copies() -> None:
    # What the normalisation undoes: reasonable's own output types plain literals.
    import reasonable

    data = Graph()
    data.add((RES.paris, RDFS.label, Literal("Paris")))
    engine = reasonable.PyReasoner()
    engine.from_graph(data)
    assert string_typed_copies(engine.reason(), data) != []


EX = "http://example.org/"
LIST_NODE = BNode("ontology-list")


@pytest.mark.parametrize(
    ("triple", "noise"),
    [
        pytest.param((Literal("x"), OWL.sameAs, Literal("x")), True, id="literal-subject"),
        pytest.param((RES.paris, OWL.sameAs, RES.paris), True, id="same-as-self"),
        pytest.param((DKG.City, RDFS.subClassOf, DKG.City), True, id="subclass-self"),
        pytest.param((ns.XSD.string, RDF.type, RDFS.Datatype), True, id="builtin-subject"),
        pytest.param((RES.paris, RDF.type, OWL.Thing), True, id="thing-typing"),
        pytest.param((DKG.tookPlaceIn, RDFS.domain, OWL.Thing), True, id="thing-domain"),
        pytest.param((RES.paris, RDF["_1"], RES.france), True, id="container-membership"),
        pytest.param((LIST_NODE, RDF.type, RDF.List), True, id="ontology-blank-node"),
        pytest.param((RES.paris, DKG.locatedIn, RES.france), False, id="fact"),
        pytest.param((RES.paris, RDF.type, SCHEMA.Place), False, id="alignment-type"),
        pytest.param((DKG.City, RDFS.subClassOf, SCHEMA.Place), False, id="schema-entailment"),
        pytest.param((RES.paris, OWL.sameAs, URIRef(EX + "paris")), False, id="same-as-other"),
    ],
)
def test_noise_rule(triple: Triple, noise: bool) -> None:
    assert is_noise(triple, frozenset({LIST_NODE})) is noise


@pytest.fixture(scope="module")
def noisy(ontology: Graph) -> Callable[[Iterable[Triple]], list[Triple]]:
    """`noisy(graph)`: the triples of `graph` the noise rule would drop."""
    bnodes = frozenset(t for triple in ontology for t in triple if isinstance(t, BNode))

    def drop(graph: Iterable[Triple]) -> list[Triple]:
        return [t for t in graph if is_noise(t, bnodes)]

    return drop


def test_inferred_graph_holds_no_noise(
    seed_inference: Inference, noisy: Callable[[Iterable[Triple]], list[Triple]]
) -> None:
    assert noisy(seed_inference.inferred) == []


def test_noise_check_finds_axiomatic_triples(
    seed_inference: Inference, noisy: Callable[[Iterable[Triple]], list[Triple]]
) -> None:
    # The unfiltered closure is full of noise: the check above is able to fail.
    found = noisy(seed_inference.closure)
    assert (RES.paris, RDF.type, OWL.Thing) in found


def test_inferred_graph_repeats_no_input(
    seed_inference: Inference, seed_facts: tuple[Graph, Graph], ontology: Graph
) -> None:
    asserted, enrichment = seed_facts
    inputs = {t for g in (asserted, enrichment, ontology) for t in g}
    assert not inputs & seed_inference.inferred
    # the same check on the unfiltered closure finds every input
    assert inputs <= seed_inference.closure


def test_kinds_count_each_rule_once() -> None:
    e = URIRef
    a, b, c = e(EX + "a"), e(EX + "b"), e(EX + "c")
    p, q, sym, tr, sub, sup, ch = (e(EX + n) for n in ("p", "q", "sym", "tr", "sub", "sup", "ch"))
    head, rest = BNode("l1"), BNode("l2")
    full = Graph()
    for triple in [
        (p, OWL.inverseOf, q),
        (sym, RDF.type, OWL.SymmetricProperty),
        (tr, RDF.type, OWL.TransitiveProperty),
        (sub, RDFS.subPropertyOf, sup),
        (ch, OWL.propertyChainAxiom, head),
        (head, RDF.first, p),
        (head, RDF.rest, rest),
        (rest, RDF.first, tr),
        (rest, RDF.rest, RDF.nil),
        (a, p, b),
        (a, sym, b),
        (a, tr, b),
        (b, tr, c),
        (a, sub, b),
    ]:
        full.add(triple)
    inferred = Graph()
    for triple in [
        (a, RDF.type, e(EX + "C")),  # types
        (a, sup, b),  # subproperty
        (b, q, a),  # inverses
        (b, sym, a),  # symmetric
        (a, tr, c),  # transitive
        (a, ch, c),  # chains: a p b, b tr c
        (e(EX + "C"), RDFS.subClassOf, e(EX + "D")),  # other
    ]:
        inferred.add(triple)
        full.add(triple)
    assert kinds(inferred, set(full)) == {
        "types": 1,
        "subproperty": 1,
        "inverses": 1,
        "symmetric": 1,
        "transitive": 1,
        "chains": 1,
        "other": 1,
    }


def test_reasoners_agree_on_a_chain_of_three() -> None:
    # Our ontology's chains have two steps; a longer one goes through the general rule.
    e = URIRef
    p, q, r, c = (e(EX + n) for n in ("p", "q", "r", "c"))
    a, b, d, f = (e(EX + n) for n in ("a", "b", "d", "f"))
    steps = [BNode("s1"), BNode("s2"), BNode("s3")]
    data = Graph()
    data.add((c, OWL.propertyChainAxiom, steps[0]))
    for node, step, rest in zip(steps, (p, q, r), [*steps[1:], RDF.nil], strict=True):
        data.add((node, RDF.first, step))
        data.add((node, RDF.rest, rest))
    for triple in [(a, p, b), (b, q, d), (d, r, f)]:
        data.add(triple)
    reasoned = {name: infer(Graph(), [data], name).inferred for name in ("owlrl", "reasonable")}
    assert (a, c, f) in reasoned["reasonable"]
    assert reasoned["reasonable"] == reasoned["owlrl"]
