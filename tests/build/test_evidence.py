"""Evidence: quotes resolve to code-point offsets, sentences, and Web Annotations."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as ns
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from diplokg.build.evidence import (
    Quote,
    Source,
    evidence_graph,
    locate,
    sentence_spans,
    strip_quotes,
)
from diplokg.errors import EvidenceError
from diplokg.namespaces import DKG, OA, RES
from diplokg.rdfio import parse_turtle

if TYPE_CHECKING:
    from tests.build.conftest import MiniDocument

REPO = Path(__file__).resolve().parents[2]
SEED = "france-kazakhstan-2015"

SEED_TEXT = (REPO / "graph" / f"{SEED}.txt").read_text(encoding="utf-8")


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "M. Idrissov a été reçu par M. Fabius le 10 juin 2014 à Paris. Nos relations.",
            ["M. Idrissov a été reçu par M. Fabius le 10 juin 2014 à Paris.", "Nos relations."],
            id="abbreviation-M",
        ),
        pytest.param(
            "Avec 4,22 Md€ d’importations. Nos entreprises.",
            ["Avec 4,22 Md€ d’importations.", "Nos entreprises."],
            id="decimal-comma",
        ),
        pytest.param(
            "Une enveloppe de 364.731 € en 2014. La suite.",
            ["Une enveloppe de 364.731 € en 2014.", "La suite."],
            id="thousands-dot",
        ),
        pytest.param("Mise à jour : 10.06.15", ["Mise à jour : 10.06.15"], id="date-dots"),
        pytest.param(
            "Titre\n\nPremier paragraphe.\nSecond",
            ["Titre", "Premier paragraphe.", "Second"],
            id="line-breaks",
        ),
        pytest.param(
            "le 5 décembre 2014 ; le Premier ministre a reçu son homologue.",
            ["le 5 décembre 2014 ; le Premier ministre a reçu son homologue."],
            id="semicolon-joins",
        ),
        pytest.param(
            "deux masters (relations internationales). 50 étudiants y étudient.",
            ["deux masters (relations internationales).", "50 étudiants y étudient."],
            id="digit-starts-sentence",
        ),
        pytest.param(
            "Il est venu. et puis reparti.",
            ["Il est venu. et puis reparti."],
            id="lowercase-goes-on",
        ),
    ],
)
def test_sentence_spans(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_seed_sentence_holding_the_state_visit() -> None:
    # The document's long sentence on high-level visits runs from "Les visites" to "Akhmetov."
    # and is not cut at "M. Idrissov" nor at its semicolons.
    quote = "s’est rendu en visite officielle à Astana et Almaty les 5 et 6 décembre 2014"
    start = SEED_TEXT.index(quote)
    (holding,) = [(a, b) for a, b in sentence_spans(SEED_TEXT) if a <= start < b]
    sentence = SEED_TEXT[holding[0] : holding[1]]
    assert sentence.startswith("Les visites de haut niveau se sont ainsi multipliées")
    assert sentence.endswith("par le Premier ministre, Serik Akhmetov.")


TEXT = "Le 5 juin, A. Le 6 juin, B. Le 5 juin, C."


@pytest.mark.parametrize(
    ("quote", "expected"),
    [
        pytest.param(Quote("A."), (11, 13), id="unique"),
        pytest.param(Quote("Le 5 juin", prefix="B. "), (28, 37), id="prefix-disambiguates"),
        pytest.param(Quote("Le 5 juin", suffix=", A"), (0, 9), id="suffix-disambiguates"),
    ],
)
def test_locate(quote: Quote, expected: tuple[int, int]) -> None:
    start, end = locate(TEXT, quote, "res:fact")
    assert (start, end) == expected
    assert TEXT[start:end] == quote.exact


@pytest.mark.parametrize(
    ("quote", "message"),
    [
        pytest.param(Quote("Le 7 juin"), "quote not found", id="not-found"),
        pytest.param(Quote("Le 5 juin"), "found 2 times", id="ambiguous"),
        pytest.param(Quote("Le 5 juin", prefix="Z "), "quote not found", id="wrong-prefix"),
        pytest.param(Quote(""), "empty quote", id="empty"),
    ],
)
def test_locate_fails_naming_the_fact(quote: Quote, message: str) -> None:
    with pytest.raises(EvidenceError, match=message) as info:
        locate(TEXT, quote, "res:visit-x")
    assert "res:visit-x" in str(info.value)


@pytest.fixture
def mini_source(mini_doc: MiniDocument) -> Source:
    text = mini_doc.text_path.read_text(encoding="utf-8")
    return Source(parse_turtle(mini_doc.facts_path), text, "mini.ttl")


@pytest.fixture
def mini_evidence(mini_source: Source, ontology: Graph) -> Graph:
    return evidence_graph([mini_source], ontology)


def test_annotation_shape_for_one_quote(mini_doc: MiniDocument, mini_evidence: Graph) -> None:
    text = mini_doc.text_path.read_text(encoding="utf-8")
    exact = "M. Idrissov a été reçu par M. Fabius le 10 juin 2014 à Paris"
    start = text.index(exact)
    end = start + len(exact)
    sentence = exact + "."
    s_start = text.index(sentence)
    fact = RES["reception-2014-06-10"]
    note = RES["evidence/reception-2014-06-10/1"]
    target, quote, position = (URIRef(f"{note}/{part}") for part in ("target", "quote", "position"))

    def count(n: int) -> Literal:
        return Literal(n, datatype=ns.XSD.nonNegativeInteger)

    expected = Graph()
    for triple in [
        (fact, DKG.hasEvidence, note),
        (note, RDF.type, OA.Annotation),
        (note, OA.hasBody, fact),
        (note, OA.motivatedBy, OA.describing),
        (note, OA.hasTarget, target),
        (note, DKG.sentence, Literal(sentence)),
        (note, DKG.sentenceStart, count(s_start)),
        (note, DKG.sentenceEnd, count(s_start + len(sentence))),
        # the third sentence: after the title "Présentation" and the sentence of the visit
        (note, DKG.sentenceNumber, Literal(3, datatype=ns.XSD.positiveInteger)),
        (target, RDF.type, OA.SpecificResource),
        (target, OA.hasSource, RES["mini-page"]),
        (target, OA.hasSelector, quote),
        (target, OA.hasSelector, position),
        (quote, RDF.type, OA.TextQuoteSelector),
        (quote, OA.exact, Literal(exact)),
        (quote, OA.prefix, Literal(text[start - 32 : start])),
        (quote, OA.suffix, Literal(text[end : end + 32])),
        (position, RDF.type, OA.TextPositionSelector),
        (position, OA.start, count(start)),
        (position, OA.end, count(end)),
    ]:
        expected.add(triple)
    produced = Graph()
    evidence = mini_evidence
    for s, p, o in evidence:
        if str(s).startswith(str(note)) or (s == fact and p == DKG.hasEvidence):
            produced.add((s, p, o))
    assert isomorphic(produced, expected)


def test_quotes_of_one_fact_are_numbered_by_offset(
    mini_doc: MiniDocument, mini_evidence: Graph
) -> None:
    # The agreement quotes "un accord" first in the Turtle, but "octobre 2009" comes first
    # in the text, so it is evidence number 1.
    text = mini_doc.text_path.read_text(encoding="utf-8")
    evidence = mini_evidence

    def exact(n: int) -> str:
        selector = URIRef(f"{RES[f'evidence/agreement-2009/{n}']}/quote")
        return str(evidence.value(selector, OA.exact))

    assert (exact(1), exact(2)) == ("octobre 2009", "un accord")
    assert text.index("ont signé en octobre 2009") < text.index("un accord")


def test_fact_without_quote_fails_naming_it(mini_source: Source, ontology: Graph) -> None:
    source = mini_source
    source.facts.remove((RES["reception-2014-06-10"], DKG.quote, None))
    with pytest.raises(EvidenceError, match=r"reception-2014-06-10.*no dkg:quote"):
        evidence_graph([source], ontology)


def test_fact_quoted_in_two_documents_is_numbered_across_them(
    mini_source: Source, ontology: Graph
) -> None:
    # A later version of the page quoting the same reception: its evidence continues at 2.
    later_text = "Mise à jour 2017. M. Idrissov a été reçu par M. Fabius le 10 juin 2014 à Paris."
    later = Graph()
    later.add((RES["later-page"], RDF.type, DKG.SourceDocument))
    fact = RES["reception-2014-06-10"]
    later.add((fact, DKG.quote, Literal("M. Idrissov a été reçu par M. Fabius")))
    evidence = evidence_graph([mini_source, Source(later, later_text, "later.ttl")], ontology)
    targets = {
        n: evidence.value(
            URIRef(f"{RES[f'evidence/reception-2014-06-10/{n}']}/target"), OA.hasSource
        )
        for n in (1, 2)
    }
    assert targets == {1: RES["mini-page"], 2: RES["later-page"]}


def test_strip_quotes_removes_quotes_and_their_nodes(mini_doc: MiniDocument) -> None:
    facts = parse_turtle(mini_doc.facts_path)
    before = len(facts)
    strip_quotes(facts)
    assert (None, DKG.quote, None) not in facts
    assert (None, OA.exact, None) not in facts
    # 3 literal quotes (Hollande's holding, the visit, the reception) and 6 quote nodes, each
    # with its link and oa:exact: France and Kazakhstan (+1 dkg:states each), Fabius's and
    # Idrissov's holdings (+3 each), "un accord" (+2), "octobre 2009" (+ oa:prefix, +1)
    assert before - len(facts) == 3 + (3 + 3) + (5 + 5) + 4 + 4


def offset_mismatches(evidence: Graph, text: str) -> list[str]:
    """Selectors whose oa:exact is not the text between their annotation's offsets."""
    bad = []
    for note in evidence.subjects(RDF.type, OA.Annotation):
        start = int(cast(Literal, evidence.value(URIRef(f"{note}/position"), OA.start)))
        end = int(cast(Literal, evidence.value(URIRef(f"{note}/position"), OA.end)))
        exact = str(evidence.value(URIRef(f"{note}/quote"), OA.exact))
        s_start = int(cast(Literal, evidence.value(note, DKG.sentenceStart)))
        s_end = int(cast(Literal, evidence.value(note, DKG.sentenceEnd)))
        if text[start:end] != exact or not s_start <= start < end <= s_end:
            bad.append(str(note))
    return bad


@pytest.fixture(scope="module")
def seed_evidence(ontology: Graph) -> Graph:
    return evidence_graph(
        [Source(parse_turtle(REPO / "graph" / f"{SEED}.ttl"), SEED_TEXT, f"{SEED}.ttl")], ontology
    )


def test_seed_offsets_cut_out_each_quote(seed_evidence: Graph) -> None:
    assert len(set(seed_evidence.subjects(RDF.type, OA.Annotation))) > 0
    assert offset_mismatches(seed_evidence, SEED_TEXT) == []


def test_offset_check_finds_a_shifted_offset(
    seed_evidence: Graph, copy_graph: Callable[[Graph], Graph]
) -> None:
    tampered = copy_graph(seed_evidence)
    position = next(iter(tampered.subjects(RDF.type, OA.TextPositionSelector)))
    start = int(cast(Literal, tampered.value(position, OA.start)))
    tampered.set((position, OA.start, Literal(start + 1, datatype=ns.XSD.nonNegativeInteger)))
    assert len(offset_mismatches(tampered, SEED_TEXT)) == 1


def test_state_visit_evidence_quotes_the_document(seed_evidence: Graph) -> None:
    visit = RES["visit-2014-12-hollande-kazakhstan"]
    notes = sorted(cast(URIRef, n) for n in seed_evidence.objects(visit, DKG.hasEvidence))
    exacts = {str(seed_evidence.value(URIRef(f"{n}/quote"), OA.exact)) for n in notes}
    # "... François Hollande ... et s’est rendu en visite officielle à Astana et Almaty les 5 et 6
    # décembre 2014"
    words = "s’est rendu en visite officielle à Astana et Almaty les 5 et 6 décembre 2014"
    assert [e for e in exacts if words in e]
