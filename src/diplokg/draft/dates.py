"""A French date grammar for the phrases ministry pages write, with the bounds each one allows.

`find_dates(text, updated)` returns every date expression of `text` as a `DateExpr`: its
offsets (Unicode code points, Python string indices), the words as written, the first and last
value at the precision the text gives (`2012-07-15`, `2014-09`, `2008`), the qualifiers the
words add (`end-of-period`, `autumn`, `since`...) and whether a missing year was read against
the page's update date. No day or month is ever invented: "en octobre 2009" stays a month.

The grammar (rules tried longest first at each position; the README lists them with examples):

- a day: "le 1er mars 2013", "le 21 novembre 2012";
- days of one month: "les 5 et 6 décembre 2014", "les 15 et16 juillet 2012" (the missing space
  as the 2015 Kazakhstan page writes it), "les 4, 5 et 6 mai 2016": first and last day;
- a span: "du 4 au 6 novembre 2015", "du 30 juin au 2 juillet 2016", "du 28 décembre 2015 au
  2 janvier 2016"; months: "de mars à mai 2015", "entre mars et mai 2015";
- a month: "en octobre 2009", "septembre 1993", "de septembre 1992";
- a year: "en 2008", "depuis 2010", "(en) 2013 et 2014" (a span of years), "de 2013 à 2015";
- qualified: "fin septembre 2014", "fin 2012", "début 2014", "mi-2015", "courant 2013";
  seasons "à l'automne 2013", "au printemps 2016", "à l'été 2012", "l'hiver 2011";
  "la rentrée 2014" (start of the academic year); any of them after "depuis"/"dès" adds `since`;
- relative to the update date: "les 16 et 17 octobre derniers" (the last October before the
  update), "en mars dernier", "le 3 février prochain", "l'an dernier", "l'année dernière",
  "cette année".

Why not dateparser: on these pages it reads "4,22" and "6,4%" as dates, returns nothing for
day pairs, seasons and "fin septembre", and invents a day for a month (measured on the 2015
page; /work/shared/reference/extraction-notes.md). HeidelTime does better but is GPL-3.0 and
needs Java. The grammar is small enough to keep here and test phrase by phrase.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date

MONTHS = {
    "janvier": 1,
    "février": 2,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "août": 8,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "décembre": 12,
    "decembre": 12,
}

# Qualifier slugs; the writer maps each to res:qualifier-<slug>.
AUTUMN, SPRING, SUMMER, WINTER = "autumn", "spring", "summer", "winter"
END, START, MIDDLE = "end-of-period", "start-of-period", "middle-of-period"
SINCE, ACADEMIC_YEAR, RELATIVE = "since", "academic-year-start", "relative-date"
SEASONS = {"automne": AUTUMN, "printemps": SPRING, "été": SUMMER, "ete": SUMMER, "hiver": WINTER}
# Bounds of each qualifier inside its period, as (month, day) pairs; the README states them.
# Seasons follow the astronomical seasons of the northern hemisphere (winter runs into the
# next year); "fin 2012" is September to December so that it never sorts before "11 juin 2012".
_YEAR_PARTS = {
    START: ((1, 1), (4, 30)),
    MIDDLE: ((5, 1), (8, 31)),
    END: ((9, 1), (12, 31)),
    SPRING: ((3, 20), (6, 20)),
    SUMMER: ((6, 21), (9, 21)),
    AUTUMN: ((9, 22), (12, 21)),
    WINTER: ((12, 21), (3, 20)),
    ACADEMIC_YEAR: ((9, 1), (10, 31)),
}
_MONTH_PARTS = {START: (1, 10), MIDDLE: (11, 20), END: (21, 31)}

_M = "(?P<{}>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")"
_D = r"(?P<{}>[0-3]?\d)(?:er|e)?"
_Y = r"(?P<{}>1[89]\d\d|20\d\d)"
_SP = r"[\s\u00a0\u202f]+"
_APOS = "['’]"
_REL = r"(?P<rel>derni(?:ères|ère|ers|er)|prochaine?s?)"

_RULES: list[tuple[str, str]] = [
    # du 30 juin au 2 juillet 2016 / du 28 décembre 2015 au 2 janvier 2016 / du 4 au 6 mai 2015
    (
        "day-range",
        rf"\bdu{_SP}{_D.format('d1')}(?:{_SP}{_M.format('m1')}(?:{_SP}{_Y.format('y1')})?)?"
        rf"{_SP}au{_SP}{_D.format('d2')}{_SP}{_M.format('m2')}"
        rf"(?:{_SP}{_Y.format('y2')}|{_SP}{_REL})?",
    ),
    # les 15 et 16 juillet 2012, les 15 et16 juillet 2012, les 4, 5 et 6 mai,
    # les 16 et 17 octobre derniers
    (
        "day-pair",
        rf"\b(?:les{_SP})?{_D.format('d1')}(?:\s*,\s*[0-3]?\d(?:er)?)*\s*(?:et|&)\s*"
        rf"{_D.format('d2')}{_SP}{_M.format('m1')}(?:{_SP}{_Y.format('y1')}|{_SP}{_REL})?",
    ),
    # de mars à mai 2015 / entre mars et mai 2015
    (
        "month-range",
        rf"\b(?:de|entre){_SP}{_M.format('m1')}(?:{_SP}{_Y.format('y1')})?{_SP}(?:à|et){_SP}"
        rf"{_M.format('m2')}{_SP}{_Y.format('y2')}",
    ),
    # le 1er mars 2013 / le 3 février prochain / 24 mars 2014
    (
        "day",
        rf"\b(?:le{_SP})?{_D.format('d1')}{_SP}{_M.format('m1')}"
        rf"(?:{_SP}{_Y.format('y1')}|{_SP}{_REL})?",
    ),
    # fin septembre 2014, début mars 2015, mi-juin 2013
    (
        "part-month",
        rf"\b(?P<part>fin|début|debut|mi-?|courant|à la fin d{_APOS}?e?|au début d{_APOS}?e?)"
        rf"\s*{_M.format('m1')}{_SP}{_Y.format('y1')}",
    ),
    # fin 2012, début 2014, mi-2015, courant 2013
    (
        "part-year",
        rf"\b(?P<part>fin|début|debut|mi-?|courant|à la fin d{_APOS}?e?|au début d{_APOS}?e?)"
        rf"\s*{_Y.format('y1')}",
    ),
    # à l'automne 2013, au printemps 2016, l'été 2012, en hiver 2011
    (
        "season",
        rf"\b(?:[àa]{_SP}l{_APOS}|l{_APOS}|au{_SP}|en{_SP})?(?P<season>automne|printemps|été|ete|hiver)"
        rf"(?:{_SP}d[e{_APOS}])?{_SP}?{_Y.format('y1')}",
    ),
    # la rentrée 2014, la rentrée universitaire 2014
    (
        "rentree",
        rf"\b(?:la{_SP})?rentrée(?:{_SP}(?:universitaire|scolaire|académique))?(?:{_SP}de)?"
        rf"{_SP}{_Y.format('y1')}",
    ),
    # en mars dernier
    ("month-relative", rf"\b(?:en{_SP})?{_M.format('m1')}{_SP}{_REL}"),
    # en octobre 2009, septembre 1993
    ("month", rf"\b(?:en{_SP}|d{_APOS}|de{_SP})?{_M.format('m1')}{_SP}{_Y.format('y1')}"),
    # de 2013 à 2015, entre 2013 et 2015, 2013-2014
    (
        "year-range",
        rf"\b(?:(?:de|entre|en){_SP})?{_Y.format('y1')}\s*(?:à|et|-|–)\s*{_Y.format('y2')}\b",
    ),
    # l'an dernier, l'année dernière, cette année, l'an prochain
    (
        "year-relative",
        rf"\b(?P<ryear>l{_APOS}an{_SP}dernier|l{_APOS}année{_SP}dernière|cette{_SP}année"
        rf"|l{_APOS}an{_SP}prochain|l{_APOS}année{_SP}prochaine|l{_APOS}an{_SP}passé"
        rf"|l{_APOS}année{_SP}passée)\b",
    ),
    # en 2008, depuis 2010, dès 1996, année 2015
    (
        "year",
        rf"\b(?:en|depuis|dès|de|d{_APOS}ici|avant|après|année){_SP}{_Y.format('y1')}\b"
        rf"(?![\s\u00a0]*(?:€|\$|%|M€|Md))",
    ),
]
_SINCE = re.compile(rf"\b(?:depuis|dès)(?:{_SP}(?:la|le|l{_APOS}))?{_SP}?$", re.IGNORECASE)


@dataclass(frozen=True)
class DateExpr:
    """One date expression: offsets in code points, values at their precision, qualifiers.

    `first` and `last` are lexical forms of xsd:date (YYYY-MM-DD), xsd:gYearMonth (YYYY-MM)
    or xsd:gYear (YYYY); `last` is None unless the text gives a span. `relative` is True when
    the year was read against the update date ("octobre derniers").
    """

    start: int
    end: int
    text: str
    first: str
    last: str | None = None
    qualifiers: tuple[str, ...] = field(default=())
    relative: bool = False

    @property
    def precision(self) -> str:
        """`day`, `month` or `year`: the precision of `first`."""
        return precision(self.first)

    @property
    def imprecise(self) -> bool:
        """True when the words say more than the calendar value holds (a qualifier)."""
        return bool(self.qualifiers)

    def bounds(self) -> tuple[date, date]:
        """The earliest and latest day the expression allows (see `bounds`)."""
        return bounds(self.first, self.last, self.qualifiers)


def precision(value: str) -> str:
    """`day`, `month` or `year` for a lexical xsd:date, xsd:gYearMonth or xsd:gYear."""
    return {10: "day", 7: "month", 4: "year"}[len(value)]


def bounds(
    first: str, last: str | None = None, qualifiers: tuple[str, ...] = ()
) -> tuple[date, date]:
    """Earliest and latest day of a date at its precision, narrowed by its qualifiers.

    >>> bounds("2012")
    (datetime.date(2012, 1, 1), datetime.date(2012, 12, 31))
    >>> bounds("2012", qualifiers=("end-of-period",))
    (datetime.date(2012, 9, 1), datetime.date(2012, 12, 31))
    >>> bounds("2014-09", qualifiers=("end-of-period",))
    (datetime.date(2014, 9, 21), datetime.date(2014, 9, 30))

    "since" leaves the latest day open (date.max). Raises ValueError on a malformed value.
    """
    lo, _ = _narrow(first, qualifiers)
    _, hi = _narrow(last or first, qualifiers)
    if SINCE in qualifiers:
        hi = date.max
    return lo, hi


def _narrow(value: str, qualifiers: tuple[str, ...]) -> tuple[date, date]:
    kind = precision(value)
    year = int(value[:4])
    if kind == "day":
        day = date.fromisoformat(value)
        return day, day
    if kind == "month":
        month = int(value[5:7])
        last_day = calendar.monthrange(year, month)[1]
        for q in qualifiers:
            if q in _MONTH_PARTS:
                a, b = _MONTH_PARTS[q]
                return date(year, month, a), date(year, month, min(b, last_day))
        return date(year, month, 1), date(year, month, last_day)
    for q in qualifiers:
        if q in _YEAR_PARTS:
            (m1, d1), (m2, d2) = _YEAR_PARTS[q]
            end_year = year + 1 if q == WINTER else year
            return date(year, m1, d1), date(end_year, m2, d2)
    return date(year, 1, 1), date(year, 12, 31)


def _renumbered(rules: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Each rule's group names made unique (`d1` -> `day_range__d1`) for one alternation."""
    out = []
    for name, body in rules:
        key = name.replace("-", "_")
        out.append((name, re.sub(r"\(\?P<(\w+)>", rf"(?P<{key}__\1>", body)))
    return out


_COMPILED = re.compile(
    "|".join(f"(?P<{n.replace('-', '_')}>{b})" for n, b in _renumbered(_RULES)), re.IGNORECASE
)


def find_dates(text: str, updated: date | None = None) -> list[DateExpr]:
    """Every date expression of `text`, in order, none overlapping.

    `updated` (the page's update date) resolves relative dates; without it they are skipped.

    >>> [d.first for d in find_dates("les 15 et16 juillet 2012 puis en 2014")]
    ['2012-07-15', '2014']
    """
    found: list[DateExpr] = []
    for match in _COMPILED.finditer(text):
        rule = match.lastgroup
        if rule is None:
            continue
        groups = {
            k.split("__", 1)[1]: v
            for k, v in match.groupdict().items()
            if v is not None and k.startswith(rule + "__")
        }
        try:
            expr = _read(rule.replace("_", "-"), groups, updated)
        except ValueError:  # "le 31 février 2014": not a date
            continue
        if expr is None:
            continue
        first, last, read, relative = expr
        qualifiers = tuple(read)
        start, end = match.span()
        since = _SINCE.search(text[max(0, start - 16) : start])
        if re.match(r"(?:depuis|dès)\b", match.group(0), re.IGNORECASE):
            qualifiers = (*qualifiers, SINCE)
        elif since:
            qualifiers = (*qualifiers, SINCE)
            start = start - (len(text[max(0, start - 16) : start]) - since.start())
        found.append(
            DateExpr(start, end, text[start:end], first, last, tuple(qualifiers), relative)
        )
    return found


def parse_date(phrase: str, updated: date | None = None) -> DateExpr | None:
    """The one date expression covering `phrase` (leading and trailing words allowed), or None.

    >>> parse_date("fin septembre 2014").first
    '2014-09'
    """
    found = find_dates(phrase, updated)
    return found[0] if found else None


Reading = tuple[str, str | None, list[str], bool]


def _read(rule: str, g: dict[str, str], updated: date | None) -> Reading | None:
    month = {k: MONTHS[v.lower()] for k, v in g.items() if k in ("m1", "m2")}
    rel = g.get("rel")
    if rule == "day-range":
        y2, relative = _year(g.get("y2"), month["m2"], rel, updated)
        if y2 is None:
            return None
        m1 = month.get("m1", month["m2"])
        y1 = int(g["y1"]) if "y1" in g else (y2 - 1 if m1 > month["m2"] else y2)
        return (
            _day(y1, m1, g["d1"]),
            _day(y2, month["m2"], g["d2"]),
            [RELATIVE] if relative else [],
            relative,
        )
    if rule == "day-pair":
        y, relative = _year(g.get("y1"), month["m1"], rel, updated)
        if y is None:
            return None
        first, last = _day(y, month["m1"], g["d1"]), _day(y, month["m1"], g["d2"])
        return first, last, [RELATIVE] if relative else [], relative
    if rule == "month-range":
        y2 = int(g["y2"])
        y1 = int(g["y1"]) if "y1" in g else y2
        return f"{y1:04d}-{month['m1']:02d}", f"{y2:04d}-{month['m2']:02d}", [], False
    if rule == "day":
        y, relative = _year(g.get("y1"), month["m1"], rel, updated)
        if y is None:
            return None
        return _day(y, month["m1"], g["d1"]), None, [RELATIVE] if relative else [], relative
    if rule in ("part-month", "part-year"):
        part = _part(g["part"])
        value = f"{int(g['y1']):04d}" + (f"-{month['m1']:02d}" if "m1" in month else "")
        return value, None, [part], False
    if rule == "season":
        return g["y1"], None, [SEASONS[g["season"].lower()]], False
    if rule == "rentree":
        return g["y1"], None, [ACADEMIC_YEAR], False
    if rule == "month-relative":
        y, relative = _year(None, month["m1"], rel, updated)
        if y is None:
            return None
        return f"{y:04d}-{month['m1']:02d}", None, [RELATIVE], True
    if rule == "month":
        return f"{int(g['y1']):04d}-{month['m1']:02d}", None, [], False
    if rule == "year-range":
        if int(g["y2"]) <= int(g["y1"]):
            return None
        return g["y1"], g["y2"], [], False
    if rule == "year-relative":
        if updated is None:
            return None
        words = g["ryear"].lower()
        shift = 0 if words.startswith("cette") else (1 if "prochain" in words else -1)
        return f"{updated.year + shift:04d}", None, [RELATIVE], True
    if rule == "year":
        return g["y1"], None, [], False
    return None


def _part(word: str) -> str:
    word = word.lower()
    if word.startswith(("fin", "à la fin")):
        return END
    if word.startswith(("début", "debut", "au début")):
        return START
    return MIDDLE  # mi-, courant


def _day(year: int, month: int, day: str) -> str:
    value = date(year, month, int(day))  # raises ValueError on "31 février"
    return value.isoformat()


def _year(
    written: str | None, month: int, rel: str | None, updated: date | None
) -> tuple[int | None, bool]:
    """The year as written, or read against the update date for "derniers"/"prochain"."""
    if written is not None:
        return int(written), False
    if rel is None or updated is None:
        return None, False
    if rel.lower().startswith("dernier") or rel.lower().startswith("derni"):
        # the last such month before the update (a month equal to the update's is this year)
        return (updated.year if month <= updated.month else updated.year - 1), True
    return (updated.year if month > updated.month else updated.year + 1), True
