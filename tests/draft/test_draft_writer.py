"""The draft's Turtle: parses with rdflib and pyoxigraph; every quote is the page's words,
found once (or told apart by its prefix/suffix); every fact is marked as a draft."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal
from rdflib.namespace import RDF

from diplokg.build.evidence import Quote, locate
from diplokg.draft.drafter import DraftResult
from diplokg.draft.facts import Span
from diplokg.draft.writer import disambiguate
from diplokg.namespaces import DKG, OA, RES

DATA = Path(__file__).resolve().parents[1] / "data" / "draft"
PAGE_NAMES = [p.stem for p in sorted((DATA / "pages").glob("*.txt"))]


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_parses_with_rdflib_and_oxigraph(name: str, drafted: dict[str, DraftResult]) -> None:
    turtle = drafted[name].turtle
    graph = Graph().parse(data=turtle, format="turtle")
    store = ox.Store()
    store.load(turtle.encode("utf-8"), format=ox.RdfFormat.TURTLE)
    assert len(store) == len(graph) > 0


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_every_quote_is_found_once_in_the_page(name: str, drafted: dict[str, DraftResult]) -> None:
    text = (DATA / "pages" / f"{name}.txt").read_text(encoding="utf-8")
    graph = Graph().parse(data=drafted[name].turtle, format="turtle")
    quotes = list(graph.subject_objects(DKG.quote))
    assert quotes
    for fact, node in quotes:
        assert isinstance(node, BNode)
        exact = str(graph.value(node, OA.exact))
        prefix = str(graph.value(node, OA.prefix) or "")
        suffix = str(graph.value(node, OA.suffix) or "")
        locate(text, Quote(exact, prefix, suffix), str(fact))  # raises unless exactly once
        assert list(graph.objects(node, DKG.states)), f"{fact}: a quote states nothing"


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_every_fact_is_a_draft_with_a_confidence(
    name: str, drafted: dict[str, DraftResult]
) -> None:
    graph = Graph().parse(data=drafted[name].turtle, format="turtle")
    for fact in set(graph.subjects(DKG.quote, None)):
        assert (fact, DKG.status, RES["status-draft"]) in graph
        confidence = graph.value(fact, DKG.confidence)
        assert isinstance(confidence, Literal) and 0 <= float(confidence) <= 1


def test_interpretations_are_typed(drafted: dict[str, DraftResult]) -> None:
    graph = Graph().parse(data=drafted["france-senegal-2016"].turtle, format="turtle")
    interpretations = list(graph.objects(None, DKG.interpretation))
    assert interpretations
    for node in interpretations:
        assert (node, RDF.type, DKG.Interpretation) in graph
        assert graph.value(node, DKG.interpretationKind) is not None
        assert list(graph.objects(node, DKG.concerns))


def test_words_found_twice_get_a_prefix() -> None:
    text = "le Premier ministre a reçu X ; le Premier ministre a reçu Y"
    second = text.rindex("le Premier ministre")
    prefix, suffix = disambiguate(text, Span(second, second + len("le Premier ministre")))
    assert prefix and not suffix
    assert text.count(prefix + "le Premier ministre") == 1


def test_words_found_once_need_nothing() -> None:
    assert disambiguate("une seule fois", Span(0, 4)) == ("", "")
