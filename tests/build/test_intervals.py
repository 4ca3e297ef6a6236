"""Time as intervals: each date's first and last possible day at its precision, narrowed by the
page's qualifiers, and the OWL-Time intervals the build writes."""

from __future__ import annotations

import datetime as dt

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from diplokg.build.intervals import QUALIFIER, bounds, interval_triples
from diplokg.namespaces import DKG, RES, TIME
from diplokg.rdfio import Triple

D = dt.date


def day(text: str) -> Literal:
    return Literal(text, datatype=XSD.date)


def month(text: str) -> Literal:
    return Literal(text, datatype=XSD.gYearMonth)


def year(text: str) -> Literal:
    return Literal(text, datatype=XSD.gYear)


@pytest.mark.parametrize(
    ("value", "qualifiers", "expected"),
    [
        # "le 11 juin 2012"
        pytest.param(day("2012-06-11"), [], (D(2012, 6, 11), D(2012, 6, 11)), id="day"),
        # "en septembre 1993"
        pytest.param(month("1993-09"), [], (D(1993, 9, 1), D(1993, 9, 30)), id="month"),
        pytest.param(month("2012-02"), [], (D(2012, 2, 1), D(2012, 2, 29)), id="leap-february"),
        # "En 2008"
        pytest.param(year("2008"), [], (D(2008, 1, 1), D(2008, 12, 31)), id="year"),
        # "depuis fin 2012": the last four months of the year
        pytest.param(year("2012"), ["end"], (D(2012, 9, 1), D(2012, 12, 31)), id="end-of-year"),
        # "11 Md€ de stock fin septembre 2014": the last ten days of the month
        pytest.param(
            month("2014-09"), ["end"], (D(2014, 9, 21), D(2014, 9, 30)), id="end-of-month"
        ),
        pytest.param(year("2014"), ["start"], (D(2014, 1, 1), D(2014, 4, 30)), id="start-of-year"),
        pytest.param(
            month("2014-09"), ["start"], (D(2014, 9, 1), D(2014, 9, 10)), id="start-of-month"
        ),
        # "organisée à l'automne 2013"
        pytest.param(year("2013"), ["autumn"], (D(2013, 9, 22), D(2013, 12, 21)), id="autumn"),
        # "depuis la rentrée 2014": September
        pytest.param(year("2014"), ["rentree"], (D(2014, 9, 1), D(2014, 9, 30)), id="rentree"),
        # a qualifier narrows a period, never a day
        pytest.param(day("2012-06-11"), ["end"], (D(2012, 6, 11), D(2012, 6, 11)), id="day-end"),
        pytest.param(Literal("2014-12-05"), [], (None, None), id="not-a-calendar-date"),
    ],
)
def test_bounds(
    value: Literal, qualifiers: list[str], expected: tuple[dt.date | None, dt.date | None]
) -> None:
    assert bounds(value, [QUALIFIER[q] for q in qualifiers]) == expected


def test_end_of_2012_never_sorts_before_11_june_2012() -> None:
    # "porté par Marek Halter depuis fin 2012" and "le 11 juin 2012"
    end_of_2012, _ = bounds(year("2012"), [QUALIFIER["end"]])
    june, _ = bounds(day("2012-06-11"))
    assert june is not None and end_of_2012 is not None and end_of_2012 > june


def interval(*statements: tuple[URIRef, Node]) -> set[Triple]:
    return interval_triples([(RES.x, p, o) for p, o in statements])


def test_a_span_gets_a_proper_interval() -> None:
    # "les 5 et 6 décembre 2014"
    out = interval((DKG.startDate, day("2014-12-05")), (DKG.endDate, day("2014-12-06")))
    assert (RES.x, DKG.earliest, day("2014-12-05")) in out
    assert (RES.x, DKG.latest, day("2014-12-06")) in out
    assert (RES.x, DKG.datePrecision, TIME.unitDay) in out
    time = RES["time/x"]
    assert (RES.x, TIME.hasTime, time) in out
    assert (time, RDF.type, TIME.ProperInterval) in out
    assert (time, TIME.hasBeginning, RES["time/x/beginning"]) in out
    assert (RES["time/x/end"], TIME.inXSDDate, day("2014-12-06")) in out


def test_a_day_gets_an_instant() -> None:
    out = interval((DKG.date, day("1992-01-25")))
    assert (RES["time/x"], RDF.type, TIME.Instant) in out
    assert (RES["time/x"], TIME.inXSDDate, day("1992-01-25")) in out


def test_since_leaves_the_end_open() -> None:
    # "50 étudiants y étudient depuis la rentrée 2014"
    out = interval(
        (DKG.validFrom, year("2014")),
        (DKG.dateQualifier, QUALIFIER["since"]),
        (DKG.dateQualifier, QUALIFIER["rentree"]),
    )
    assert (RES.x, DKG.earliest, day("2014-09-01")) in out
    assert not [t for t in out if t[1] == DKG.latest]
    assert not [t for t in out if t[1] == TIME.hasEnd]
    assert (RES.x, DKG.datePrecision, TIME.unitYear) in out


def test_validity_bounds_a_state() -> None:
    # "son ambassade, jusqu'alors sise à Almaty": until 2008
    out = interval((DKG.validUntil, year("2008")))
    assert (RES.x, DKG.latest, day("2008-12-31")) in out
    assert not [t for t in out if t[1] == DKG.earliest]


def test_in_session_gives_no_bounds_of_its_own() -> None:
    # "le 24 mars 2014 en marge du Sommet": the summit was in session that day
    out = interval((DKG.inSessionOn, day("2014-03-24")))
    assert not [t for t in out if t[1] in (DKG.earliest, DKG.latest, DKG.datePrecision)]
    assert (RES["time/x"], TIME.inside, RES["time/x/in-session"]) in out
    assert (RES["time/x/in-session"], TIME.inXSDDate, day("2014-03-24")) in out


def test_stated_bounds_count() -> None:
    # the Kazakh season "A l'automne 2014": not after the end of 2014
    out = interval(
        (DKG.startDate, year("2014")),
        (DKG.dateQualifier, QUALIFIER["autumn"]),
        (DKG.notAfter, year("2014")),
    )
    assert (RES.x, DKG.earliest, day("2014-09-22")) in out
    assert (RES.x, DKG.latest, day("2014-12-31")) in out


def test_only_our_resources_are_dated() -> None:
    from rdflib import URIRef

    assert (
        interval_triples([(URIRef("http://example.org/x"), DKG.date, day("2014-01-01"))]) == set()
    )
