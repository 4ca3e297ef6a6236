"""The French date grammar: every phrase of the brief and more, with values and bounds."""

from __future__ import annotations

from datetime import date

import pytest

from diplokg.draft.dates import bounds, find_dates, parse_date

UPDATED = date(2015, 6, 10)


@pytest.mark.parametrize(
    ("phrase", "first", "last", "qualifiers"),
    [
        ("le 1er mars 2013", "2013-03-01", None, ()),
        ("le 21 novembre 2012", "2012-11-21", None, ()),
        ("les 15 et 16 juillet 2012", "2012-07-15", "2012-07-16", ()),
        ("les 15 et16 juillet 2012", "2012-07-15", "2012-07-16", ()),
        ("les 4, 5 et 6 mai 2016", "2016-05-04", "2016-05-06", ()),
        ("du 4 au 6 novembre 2015", "2015-11-04", "2015-11-06", ()),
        ("du 30 juin au 2 juillet 2016", "2016-06-30", "2016-07-02", ()),
        ("du 28 décembre 2015 au 2 janvier 2016", "2015-12-28", "2016-01-02", ()),
        ("en octobre 2009", "2009-10", None, ()),
        ("de septembre 1992", "1992-09", None, ()),
        ("entre mars et mai 2015", "2015-03", "2015-05", ()),
        ("en 2008", "2008", None, ()),
        ("En 2013 et 2014", "2013", "2014", ()),
        ("de 2013 à 2015", "2013", "2015", ()),
        ("fin septembre 2014", "2014-09", None, ("end-of-period",)),
        ("fin 2012", "2012", None, ("end-of-period",)),
        ("début 2014", "2014", None, ("start-of-period",)),
        ("mi-2015", "2015", None, ("middle-of-period",)),
        ("à l’automne 2013", "2013", None, ("autumn",)),
        ("A l’automne 2014", "2014", None, ("autumn",)),
        ("au printemps 2016", "2016", None, ("spring",)),
        ("depuis la rentrée 2014", "2014", None, ("academic-year-start", "since")),
        ("depuis fin 2012", "2012", None, ("end-of-period", "since")),
        ("dès 1996", "1996", None, ("since",)),
        ("les 16 et 17 octobre derniers", "2014-10-16", "2014-10-17", ("relative-date",)),
        ("en mars dernier", "2015-03", None, ("relative-date",)),
        ("le 3 février prochain", "2016-02-03", None, ("relative-date",)),
        ("l’an dernier", "2014", None, ("relative-date",)),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_phrase(phrase: str, first: str, last: str | None, qualifiers: tuple[str, ...]) -> None:
    found = parse_date(phrase, UPDATED)
    assert found is not None
    assert (found.first, found.last, found.qualifiers) == (first, last, qualifiers)
    assert phrase.endswith(found.text) or found.text in phrase


@pytest.mark.parametrize(
    "text", ["4,22 Md€", "6,4%", "364.731 €", "moins de 3 M USD", "11 Md€", "le 31 février 2014"]
)
def test_numbers_are_not_dates(text: str) -> None:
    """What dateparser reads as dates on the 2015 page (extraction-notes.md) is not one here."""
    assert find_dates(text, UPDATED) == []


def test_relative_dates_need_the_update_date() -> None:
    assert find_dates("les 16 et 17 octobre derniers") == []


def test_offsets_count_code_points() -> None:
    text = "Le Président s’est rendu à Astana le 5 décembre 2014."
    (found,) = find_dates(text)
    assert text[found.start : found.end] == "le 5 décembre 2014"


@pytest.mark.parametrize(
    ("first", "qualifiers", "lo", "hi"),
    [
        ("2012", (), date(2012, 1, 1), date(2012, 12, 31)),
        ("2012", ("end-of-period",), date(2012, 9, 1), date(2012, 12, 31)),
        ("2014-09", ("end-of-period",), date(2014, 9, 21), date(2014, 9, 30)),
        ("2013", ("autumn",), date(2013, 9, 22), date(2013, 12, 21)),
        ("2011", ("winter",), date(2011, 12, 21), date(2012, 3, 20)),
        ("2014", ("academic-year-start", "since"), date(2014, 9, 1), date.max),
        ("2016-02", (), date(2016, 2, 1), date(2016, 2, 29)),
    ],
)
def test_bounds(first: str, qualifiers: tuple[str, ...], lo: date, hi: date) -> None:
    assert bounds(first, None, qualifiers) == (lo, hi)


def test_end_of_a_year_never_sorts_before_a_day_of_its_summer() -> None:
    assert bounds("2012", None, ("end-of-period",))[0] > date(2012, 6, 11)
