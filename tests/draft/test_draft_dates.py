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
        # constructions added for pages nobody tuned the grammar to (issue 14)
        ("le 3 et le 4 avril 2017", "2017-04-03", "2017-04-04", ()),
        ("courant mai 2014", "2014-05", None, ()),
        ("courant 2013", "2013", None, ()),
        ("d’octobre 2013 à février 2014", "2013-10", "2014-02", ()),
        ("d'octobre 2013 à février 2014", "2013-10", "2014-02", ()),
        ("entre mars et mai 2015", "2015-03", "2015-05", ()),
        ("au cours de l’année 2012", "2012", None, ()),
        ("à la fin du mois de juin 2013", "2013-06", None, ("end-of-period",)),
        ("au début du mois de mars 2011", "2011-03", None, ("start-of-period",)),
        ("à la mi-juin 2013", "2013-06", None, ("middle-of-period",)),
        ("à la fin de l’année 2012", "2012", None, ("end-of-period",)),
        ("dans les années 1990", "1990", "1999", ()),
        ("le 31 décembre dernier", "2014-12-31", None, ("relative-date",)),
        ("il y a deux ans", "2013", None, ("relative-date",)),
        ("il y a 3 ans", "2012", None, ("relative-date",)),
        # hyphenated spans, relative months and seasons (the synthetic Peru, Ethiopia, Laos pages)
        ("(21-23 février 2018)", "2018-02-21", "2018-02-23", ()),
        ("les 12-13 octobre 2018", "2018-10-12", "2018-10-13", ()),
        ("les 3–4 juillet 2017", "2017-07-03", "2017-07-04", ()),
        ("du 30 juin-2 juillet 2016", "2016-06-30", "2016-07-02", ()),
        ("le mois dernier", "2015-05", None, ("relative-date",)),
        ("le mois prochain", "2015-07", None, ("relative-date",)),
        ("l’automne dernier", "2014", None, ("autumn", "relative-date")),
        ("le printemps prochain", "2016", None, ("spring", "relative-date")),
        ("à partir de 2016", "2016", None, ("since",)),
        ("à partir du 1er janvier 2016", "2016-01-01", None, ("since",)),
        ("jusqu’en 2018", "2018", None, ("until",)),
        ("jusqu'au 4 mai 2018", "2018-05-04", None, ("until",)),
        ("en hiver de 2011", "2011", None, ("winter",)),
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


@pytest.mark.parametrize(
    ("text", "phrase", "first", "last", "source"),
    [
        # the nearest date with a year before it in its sentence
        (
            "En 2017, il s’est rendu à Hanoï le 4 avril.",
            "le 4 avril",
            "2017-04-04",
            None,
            "En 2017",
        ),
        # else the nearest after it in its sentence
        (
            "Le 4 avril, il a reçu son homologue à Paris en 2017.",
            "Le 4 avril",
            "2017-04-04",
            None,
            "en 2017",
        ),
        # else the last one before it in its paragraph
        (
            "Il est venu en mai 2016. Il est revenu les 3 et 4 octobre.",
            "les 3 et 4 octobre",
            "2016-10-03",
            "2016-10-04",
            "en mai 2016",
        ),
        # else the last one before it in the page
        (
            "Visite en 2019.\n\nLe 15 juillet, accord signé.",
            "Le 15 juillet",
            "2019-07-15",
            None,
            "en 2019",
        ),
        ("En 2021, du 2 au 5 juin.", "du 2 au 5 juin", "2021-06-02", "2021-06-05", "En 2021"),
    ],
    ids=["sentence-before", "sentence-after", "paragraph", "page", "day-range"],
)
def test_a_day_without_a_year_takes_the_year_of_another_date(
    text: str, phrase: str, first: str, last: str | None, source: str
) -> None:
    (found,) = [d for d in find_dates(text) if d.text == phrase]
    assert (found.first, found.last) == (first, last)
    assert found.year_from is not None and found.year_from.text == source


def test_a_day_without_a_year_and_no_other_date_is_not_read() -> None:
    assert find_dates("Il s’est rendu à Hanoï le 4 avril.") == []
    assert find_dates("Il est arrivé 4 avril.") == []  # no article: not a date phrase


@pytest.mark.parametrize(
    ("first", "qualifiers", "lo", "hi"),
    [
        ("2018", ("until",), date.min, date(2018, 12, 31)),
        ("2016", ("since",), date(2016, 1, 1), date.max),
    ],
)
def test_since_and_until_leave_one_side_open(
    first: str, qualifiers: tuple[str, ...], lo: date, hi: date
) -> None:
    assert bounds(first, None, qualifiers) == (lo, hi)


def test_a_dash_span_whose_end_comes_first_is_no_date() -> None:
    """ "28-2 mars" is no span (and no day of March either: the rule reads the pair or nothing)."""
    assert [d.text for d in find_dates("les 28-2 mars 2016", UPDATED)] == []
    assert [d.text for d in find_dates("les 2-28 mars 2016", UPDATED)] == ["les 2-28 mars 2016"]


@pytest.mark.parametrize(
    ("text", "phrase", "value", "anchor"),
    [
        (
            "Il arrive à Lima le 3 mai 2019. Le lendemain, il signe un accord.",
            "Le lendemain",
            "2019-05-04",
            "le 3 mai 2019",
        ),
        (
            "Visite du 3 au 5 mai 2019 ; le lendemain, retour à Paris.",
            "le lendemain",
            "2019-05-06",
            "du 3 au 5 mai 2019",
        ),
        ("Accord signé le 1er mars 2016, la veille de la visite.", "la veille", None, None),
        (
            "Il arrive le 1er mars 2016 ; la veille, le ministre a reçu.",
            "la veille",
            "2016-02-29",
            "le 1er mars 2016",
        ),
        (
            "Le ministre vient le 30 décembre 2018 ; le surlendemain, il part.",
            "le surlendemain",
            "2019-01-01",
            "le 30 décembre 2018",
        ),
    ],
    ids=["day-after", "after-a-span", "veille-de-is-no-date", "day-before", "two-days-after"],
)
def test_the_next_day_counts_from_the_date_before_it(
    text: str, phrase: str, value: str | None, anchor: str | None
) -> None:
    found = [d for d in find_dates(text, UPDATED) if d.text == phrase]
    if value is None:
        assert found == []
        assert find_dates(text, UPDATED) != []  # the anchor itself is read
        return
    (expr,) = found
    assert (expr.first, expr.last) == (value, None)
    assert expr.day_from is not None and expr.day_from.text == anchor


def test_the_next_day_needs_a_day_before_it_in_its_paragraph() -> None:
    assert [d.text for d in find_dates("En 2019, visite.\nLe lendemain, accord.")] == ["En 2019"]
    assert [d.text for d in find_dates("En mai 2019 il vient ; le lendemain, accord.")] == [
        "En mai 2019"
    ]


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
