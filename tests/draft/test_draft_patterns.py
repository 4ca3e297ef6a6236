"""The statement patterns on each synthetic page, scored against its hand-written gold."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Graph

from diplokg.draft.drafter import DraftResult
from diplokg.draft.score import GOALS, score_graphs

PAGES = Path(__file__).resolve().parents[1] / "data" / "draft" / "pages"
# The five pages the first drafting rules were written while looking at (scored 1.00 on events);
# the later pages exercise the constructions those rules missed (tests/data/draft/README.md).
TUNED_PAGES = [
    "france-brazil-2013",
    "france-japan-2018",
    "france-norway-2019",
    "france-senegal-2016",
    "france-uzbekistan-2012",
]
# Written with their gold before the drafter was run on them (commit f77382e), for constructions
# no rule handled yet (tests/data/draft/README.md): the date grammar's part of them is met and
# unit-tested (test_draft_dates.py); their other constructions are open work, so the goals are
# not asserted on them; `benchmarks/draft.py --set synthetic` reports their scores.
OPEN_PAGES = ["france-ethiopia-2017", "france-laos-2014", "france-peru-2019"]
LATER_PAGES = [
    p.stem for p in sorted(PAGES.glob("*.txt")) if p.stem not in TUNED_PAGES + OPEN_PAGES
]


@pytest.mark.parametrize("name", TUNED_PAGES)
def test_every_interaction_event_of_the_page_is_drafted(
    name: str, drafted: dict[str, DraftResult], project_context: Graph, gold: Callable[[str], Graph]
) -> None:
    draft = Graph().parse(data=drafted[name].turtle, format="turtle")
    score = score_graphs(draft, gold(name), project_context)
    events = score.rows["events"]
    assert (events.fp, events.fn) == (0, 0), (events.missed, events.spurious)
    assert score.rows["figures"].f1 == 1.0
    assert score.rows["entities"].f1 >= 0.9


@pytest.mark.parametrize("name", LATER_PAGES)
def test_the_goals_of_issue_14_on_the_later_pages(
    name: str, drafted: dict[str, DraftResult], project_context: Graph, gold: Callable[[str], Graph]
) -> None:
    """The pages written for the constructions the first rules missed (and the Mongolia page,
    written after the rules): each meets the goals, and its figures stay right."""
    draft = Graph().parse(data=drafted[name].turtle, format="turtle")
    score = score_graphs(draft, gold(name), project_context)
    for row, goal in GOALS.items():
        assert score.rows[row].f1 >= goal, (row, score.rows[row].missed, score.rows[row].spurious)
    assert score.rows["figures"].f1 == 1.0


def _events(result: DraftResult) -> list[tuple[str, str | None, str | None, str, str | None]]:
    return [
        (
            e.kind,
            e.source,
            e.target,
            e.date.first if e.date else "",
            e.date.last if e.date else None,
        )
        for e in result.draft.events
    ]


def test_a_state_visit_across_days_with_its_reception(drafted: dict[str, DraftResult]) -> None:
    events = _events(drafted["france-senegal-2016"])
    assert ("OfficialVisit", "amadou-diallo", "france", "2016-12-19", "2016-12-21") in events
    # "et a été reçu par le Président de la République à Paris": dated by the visit
    assert (
        "Reception",
        "office-president-france",
        "amadou-diallo",
        "2016-12-19",
        "2016-12-21",
    ) in events


def test_a_meeting_on_the_margins_of_the_general_assembly(drafted: dict[str, DraftResult]) -> None:
    (meeting,) = [e for e in drafted["france-senegal-2016"].draft.events if e.kind == "Meeting"]
    assert meeting.target == "office-minister-foreign-affairs-senegal"
    assert meeting.places == ["new-york"]
    assert meeting.margins_of is not None and "nations-unies" in meeting.margins_of


def test_an_ambassador_takes_office(drafted: dict[str, DraftResult]) -> None:
    holdings = {
        (h.holder, h.office, h.start.first if h.start else None)
        for h in drafted["france-senegal-2016"].draft.holdings
    }
    assert ("paul-lemaire", "office-ambassador-france-senegal", "2016-09-05") in holdings


def test_an_embassy_opens(drafted: dict[str, DraftResult]) -> None:
    (creation,) = [
        e for e in drafted["france-uzbekistan-2012"].draft.events if e.kind == "Creation"
    ]
    assert (creation.source, creation.created, creation.places) == (
        "france",
        "embassy-france-uzbekistan",
        ["tashkent"],
    )
    assert creation.date is not None and creation.date.first == "1992"


def test_relative_dates_and_seasons(drafted: dict[str, DraftResult]) -> None:
    events = drafted["france-japan-2018"].draft.events
    armed = next(e for e in events if e.source == "office-minister-defence-france")
    assert armed.date is not None and (armed.date.first, armed.date.relative) == (
        "2018-01-26",
        True,
    )
    economy = next(e for e in events if e.source == "office-minister-economy-france")
    assert economy.date is not None and economy.date.qualifiers == ("autumn",)


def test_a_pronoun_keeps_the_subject_of_the_sentence_before(
    drafted: dict[str, DraftResult],
) -> None:
    events = _events(drafted["france-brazil-2013"])
    assert (
        "Meeting",
        "office-president-france",
        "office-president-brazil",
        "2013-09-05",
        None,
    ) in events


def test_figures_in_whole_units_with_iso_currencies(drafted: dict[str, DraftResult]) -> None:
    figures = {
        (f.value, f.currency, f.unit, f.value_qualifier)
        for f in drafted["france-japan-2018"].draft.figures
    }
    assert (20_500_000_000, "EUR", None, None) in figures
    assert (1.9, None, "percent", None) in figures
    assert (13_000_000_000, "USD", None, "more-than") in figures
