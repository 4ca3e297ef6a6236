"""dateparser, the named alternative to our date grammar, on phrases of the seed page and the
synthetic pages: where it is wrong, and where both agree (issue 14: "use dateparser only where
it is right"). dateparser is a development dependency; the drafter does not use it.

Its answers are pinned with a fixed `RELATIVE_BASE` (the seed page's update date), since it
fills what a phrase leaves out from "today".
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from dateparser import search

from diplokg.draft.dates import find_dates

UPDATED = date(2015, 6, 10)
SETTINGS = {"RELATIVE_BASE": datetime(2015, 6, 10)}


def dateparser_dates(text: str) -> list[tuple[str, datetime]]:
    return search.search_dates(text, languages=["fr"], settings=SETTINGS) or []


def ours(text: str) -> list[tuple[str, str | None]]:
    return [(d.first, d.last) for d in find_dates(text, UPDATED)]


@pytest.mark.parametrize(
    "text",
    [
        "Avec 4,22 Md€ d’importations",  # seed page
        "(6,4% de ses ventes)",  # seed page
        "la part de marché de la France est de 1,9 %",  # Japan page
    ],
)
def test_dateparser_reads_numbers_as_dates(text: str) -> None:
    assert dateparser_dates(text), "dateparser finds a date in a number"
    assert ours(text) == []


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("les 15 et 16 juillet 2012", "2012-07-15", "2012-07-16"),  # seed page
        ("les 6 et 7 novembre 2011", "2011-11-06", "2011-11-07"),  # Uzbekistan page
        ("le 3 et le 4 octobre 2018", "2018-10-03", "2018-10-04"),  # Armenia page
        ("du 30 juin au 2 juillet 2016", "2016-06-30", "2016-07-02"),  # Norway page
    ],
)
def test_dateparser_has_no_day_spans(text: str, first: str, last: str) -> None:
    found = dateparser_dates(text)
    days = {d.date().isoformat() for _, d in found}
    assert not {first, last} <= days, "dateparser does not give both days of the span"
    assert ours(text) == [(first, last)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("en octobre 2009", "2009-10"),  # seed page
        ("courant mai 2019", "2019-05"),  # Armenia page
        ("en 2008", "2008"),  # seed page
    ],
)
def test_dateparser_invents_a_day_for_a_month_or_a_year(text: str, value: str) -> None:
    ((_, found),) = dateparser_dates(text)
    assert found.date().isoformat().startswith(value) and len(value) < 10
    assert ours(text) == [(value, None)]


@pytest.mark.parametrize(
    "text",
    [
        "à l’automne 2013",  # seed page: a season, which dateparser turns into a day
        "fin septembre 2014",  # seed page: the end of a month, read as its last day
        "d’octobre 2019 à février 2020",  # Armenia page: a span of months, read as two days
    ],
)
def test_dateparser_loses_what_the_words_qualify(text: str) -> None:
    assert all(isinstance(d, datetime) for _, d in dateparser_dates(text))
    (found,) = find_dates(text, UPDATED)
    assert found.qualifiers or found.last  # ours keeps the season, the part or the span


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("le 21 novembre 2012", "2012-11-21"),  # seed page
        ("le 24 mars 2014", "2014-03-24"),  # seed page
        ("le 12 juillet 2018", "2018-07-12"),  # Japan page
    ],
)
def test_where_dateparser_is_right_both_agree(text: str, day: str) -> None:
    ((_, found),) = dateparser_dates(text)
    assert found.date().isoformat() == day
    assert ours(text) == [(day, None)]
