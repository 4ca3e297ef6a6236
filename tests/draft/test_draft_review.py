"""review driven by scripted answers on a temporary copy of a curated file."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from diplokg.draft.drafter import DraftResult
from diplokg.draft.review import review
from diplokg.errors import InputError
from diplokg.namespaces import DKG, RES

CURATED = """@prefix dkg: <https://w3id.org/diplokg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix res: <https://w3id.org/diplokg/resource/> .

res:document-france-senegal-2016 a dkg:SourceDocument ;
    rdfs:label "La France et le Sénégal"@fr , "France and Senegal"@en .
"""


@pytest.fixture
def files(tmp_path: Path, drafted: dict[str, DraftResult]) -> tuple[Path, Path]:
    draft = tmp_path / "france-senegal-2016.draft.ttl"
    draft.write_text(drafted["france-senegal-2016"].turtle, encoding="utf-8")
    curated = tmp_path / "france-senegal-2016.ttl"
    curated.write_text(CURATED, encoding="utf-8")
    return draft, curated


def _facts(draft: Path) -> list[str]:
    """The facts a review walks (entities come with the facts that name them)."""
    from diplokg.draft.review import _facts as facts

    return [str(f) for f in facts(Graph().parse(draft, format="turtle"))]


def test_accept_reject_then_quit(files: tuple[Path, Path]) -> None:
    draft, curated = files
    answers, shown = iter(["a", "r", "q"]), list[str]()
    outcome = review(draft, curated, ask=lambda _: next(answers), say=shown.append)
    assert len(outcome.accepted) == 1 and len(outcome.rejected) == 1 and outcome.skipped
    assert any("quote: «" in line for line in shown)
    written = Graph().parse(curated, format="turtle")
    accepted = RES[outcome.accepted[0]]
    rejected = RES[outcome.rejected[0]]
    assert (accepted, None, None) in written and (rejected, None, None) not in written
    assert (accepted, DKG.status, None) not in written  # the draft markers are dropped
    assert (accepted, DKG.confidence, None) not in written
    assert (accepted, DKG.quote, None) in written  # the evidence travels with the fact
    assert "Accepted from a machine draft" in curated.read_text(encoding="utf-8")


def test_an_edit_replaces_the_fact(files: tuple[Path, Path]) -> None:
    draft, curated = files
    edit = 'res:my-visit a dkg:Visit ; dkg:date "2016-02-03"^^xsd:date .'
    answers = iter(["e", edit, "", "q"])
    outcome = review(draft, curated, ask=lambda _: next(answers), say=lambda _: None)
    assert len(outcome.edited) == 1
    written = Graph().parse(curated, format="turtle")
    assert (RES["my-visit"], None, None) in written


def test_a_bad_edit_is_refused_and_nothing_is_written(files: tuple[Path, Path]) -> None:
    draft, curated = files
    answers = iter(["e", "this is not turtle", ""])
    with pytest.raises(InputError):
        review(draft, curated, ask=lambda _: next(answers), say=lambda _: None)
    assert curated.read_text(encoding="utf-8") == CURATED


def test_rejecting_everything_writes_nothing(files: tuple[Path, Path]) -> None:
    draft, curated = files
    outcome = review(draft, curated, ask=lambda _: "r", say=lambda _: None)
    assert outcome.written is None and len(outcome.rejected) == len(_facts(draft))
    assert curated.read_text(encoding="utf-8") == CURATED


def test_a_fact_without_confidence_or_comment_is_shown_without_none() -> None:
    # a curated fact (no dkg:confidence) with an interpretation that has no comment
    from diplokg.draft.review import describe

    graph = Graph().parse(
        format="turtle",
        data="""@prefix dkg: <https://w3id.org/diplokg/ontology#> .
@prefix res: <https://w3id.org/diplokg/resource/> .
res:v a dkg:Visit ; dkg:sourceActor res:office-x ;
    dkg:interpretation [ a dkg:Interpretation ; dkg:interpretationKind res:dating-from-context ] .
""",
    )
    shown = describe(graph, RES["v"])
    assert "None" not in shown
    assert shown.splitlines()[0] == "v"
    assert "interpretation: res:dating-from-context" in shown
