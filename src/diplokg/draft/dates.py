"""A French date grammar for the phrases ministry pages write, with the bounds each one allows.

`find_dates(text, updated)` returns every date expression of `text` as a `DateExpr`: its
offsets (Unicode code points, Python string indices), the words as written, the first and last
value at the precision the text gives (`2012-07-15`, `2014-09`, `2008`), the qualifiers the
words add (`end-of-period`, `autumn`, `since`...) and whether a missing year was read against
the page's update date. No day or month is ever invented: "en octobre 2009" stays a month.

The grammar (rules tried longest first at each position; the README lists them with examples):

- a day: "le 1er mars 2013", "le 21 novembre 2012";
- days of one month: "les 5 et 6 décembre 2014", "les 15 et16 juillet 2012" (the missing space
  as the 2015 Kazakhstan page writes it), "les 4, 5 et 6 mai 2016", "le 3 et le 4 avril 2017",
  "(21-23 février 2018)", "les 12-13 octobre 2018" (a hyphen or en dash; "30 juin-2 juillet
  2016" across months): first and last day;
- a span: "du 4 au 6 novembre 2015", "du 30 juin au 2 juillet 2016", "du 28 décembre 2015 au
  2 janvier 2016"; months: "de mars à mai 2015", "entre mars et mai 2015", "d'octobre 2013 à
  février 2014";
- a month: "en octobre 2009", "septembre 1993", "de septembre 1992";
- a year: "en 2008", "depuis 2010", "au cours de l'année 2012", "(en) 2013 et 2014" (a span of
  years), "de 2013 à 2015"; a decade: "dans les années 1990" (1990 to 1999);
- qualified: "fin septembre 2014", "à la fin du mois de juin 2013", "fin 2012", "début 2014",
  "mi-2015"; seasons "à l'automne 2013", "au printemps 2016", "à l'été 2012", "l'hiver 2011";
  "la rentrée 2014" (start of the academic year); any of them after "depuis", "dès" or "à
  partir de" adds `since`, after "jusqu'en"/"jusqu'à"/"jusqu'au" adds `until`; "courant mai
  2014", "courant 2013" (in the course of) are the month or year whole, with no qualifier;
- relative to the update date: "les 16 et 17 octobre derniers" (the last October before the
  update), "en mars dernier", "le 3 février prochain", "l'an dernier", "l'année dernière",
  "cette année", "il y a deux ans" (the update's year less two), "le mois dernier" (the month
  before the update's), "l'automne dernier" (the last autumn begun before the update);
- counted from the date before: "le lendemain", "la veille", "le surlendemain" are the day
  after (before, two days after) the last date written before them in their paragraph, when
  that date is a day (`day_from`; the day after a span is the day after its end); "au lendemain
  de …" is no date;
- a day without a year ("le 4 avril", "les 3 et 4 mai", "du 2 au 5 juin") takes the year of
  another date (`year_from`): the nearest date with a year before it in its sentence, else the
  nearest after it in its sentence, else the last one before it in its paragraph, else the last
  one before it in the page; with none, it is not read. The drafter flags each as an
  interpretation of kind dating-from-context.

Why not dateparser: on these pages it reads "4,22" and "6,4%" as dates, returns nothing for
day pairs, seasons and "fin septembre", and invents a day for a month (measured on the 2015
page; tests/draft/test_draft_dateparser.py shows each case). HeidelTime does better but is
GPL-3.0 and needs Java. The grammar is small enough to keep here and test phrase by phrase.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field, replace
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
UNTIL = "until"
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

_PARTS = (
    r"fin|début|debut|mi-?|courant|à la fin d[eu]|au début d[eu]|à la mi-?|"
    r"à la fin d['’]|au début d['’]|à la fin|au début"
)
_M = "(?P<{}>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")"
_D = r"(?P<{}>[0-3]?\d)(?:er|e)?"
_Y = r"(?P<{}>1[89]\d\d|20\d\d)"
_SP = r"[\s\u00a0\u202f]+"
_APOS = "['’]"
_REL = r"(?P<rel>derni(?:ères|ère|ers|er)|prochaine?s?)"
_NUMBER_WORDS = {"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6}
_NUMBER_WORDS.update({"sept": 7, "huit": 8, "neuf": 9, "dix": 10})
_N = "(?P<n>" + "|".join(_NUMBER_WORDS) + r"|\d{1,2})"
# rules whose year may be missing and then comes from another date (module docstring)
_YEARLESS = {"day-range", "day-dash", "day-pair", "day"}

_RULES: list[tuple[str, str]] = [
    # du 30 juin au 2 juillet 2016 / du 28 décembre 2015 au 2 janvier 2016 / du 4 au 6 mai 2015
    (
        "day-range",
        rf"\bdu{_SP}{_D.format('d1')}(?:{_SP}{_M.format('m1')}(?:{_SP}{_Y.format('y1')})?)?"
        rf"{_SP}au{_SP}{_D.format('d2')}{_SP}{_M.format('m2')}"
        rf"(?:{_SP}{_Y.format('y2')}|{_SP}{_REL})?",
    ),
    # (21-23 février 2018), les 12-13 octobre 2018, du 30 juin-2 juillet 2016: a hyphen or an
    # en dash between the days
    (
        "day-dash",
        rf"\b(?:(?:les?|du){_SP})?{_D.format('d1')}(?:{_SP}{_M.format('m1')})?\s*[-–]\s*"
        rf"{_D.format('d2')}{_SP}{_M.format('m2')}(?:{_SP}{_Y.format('y2')}|{_SP}{_REL})?",
    ),
    # les 15 et 16 juillet 2012, les 15 et16 juillet 2012, les 4, 5 et 6 mai,
    # les 16 et 17 octobre derniers, le 3 et le 4 avril 2017
    (
        "day-pair",
        rf"\b(?:les?{_SP})?{_D.format('d1')}(?:\s*,\s*(?:le{_SP})?[0-3]?\d(?:er)?)*\s*"
        rf"(?:et|&)\s*(?:le{_SP})?"
        rf"{_D.format('d2')}{_SP}{_M.format('m1')}(?:{_SP}{_Y.format('y1')}|{_SP}{_REL})?",
    ),
    # de mars à mai 2015 / entre mars et mai 2015 / d'octobre 2013 à février 2014
    (
        "month-range",
        rf"\b(?:de{_SP}|d{_APOS}|entre{_SP}){_M.format('m1')}(?:{_SP}{_Y.format('y1')})?"
        rf"{_SP}(?:à|et|au){_SP}(?:mois{_SP}d(?:e|{_APOS}){_SP}?)?{_M.format('m2')}{_SP}"
        rf"{_Y.format('y2')}",
    ),
    # le 1er mars 2013 / le 3 février prochain / 24 mars 2014
    (
        "day",
        rf"\b(?:le{_SP})?{_D.format('d1')}{_SP}{_M.format('m1')}"
        rf"(?:{_SP}{_Y.format('y1')}|{_SP}{_REL})?",
    ),
    # fin septembre 2014, début mars 2015, mi-juin 2013, à la fin du mois de juin 2013,
    # courant mai 2014
    (
        "part-month",
        rf"\b(?P<part>{_PARTS})(?:{_SP}?(?:du{_SP})?mois{_SP}d(?:e|{_APOS}))?"
        rf"\s*{_M.format('m1')}{_SP}{_Y.format('y1')}",
    ),
    # fin 2012, début 2014, mi-2015, courant 2013, à la fin de l'année 2012
    (
        "part-year",
        rf"\b(?P<part>{_PARTS})(?:{_SP}?(?:de{_SP})?l{_APOS}année)?\s*{_Y.format('y1')}",
    ),
    # dans les années 1990
    (
        "decade",
        rf"\b(?:dans{_SP}|durant{_SP}|depuis{_SP})?les{_SP}années{_SP}(?P<dec>1[89]\d0|20\d0)\b",
    ),
    # il y a deux ans, il y a trois mois
    ("ago", rf"\bil{_SP}y{_SP}a{_SP}{_N}{_SP}(?P<unit>ans?|années?)\b"),
    # à l'automne 2013, au printemps 2016, l'été 2012, en hiver 2011
    (
        "season",
        rf"\b(?:[àa]{_SP}l{_APOS}|l{_APOS}|au{_SP}|en{_SP})?(?P<season>automne|printemps|été|ete|hiver)"
        rf"(?:{_SP}d(?:e|{_APOS}))?{_SP}?{_Y.format('y1')}",
    ),
    # la rentrée 2014, la rentrée universitaire 2014
    (
        "rentree",
        rf"\b(?:la{_SP})?rentrée(?:{_SP}(?:universitaire|scolaire|académique))?(?:{_SP}de)?"
        rf"{_SP}{_Y.format('y1')}",
    ),
    # en mars dernier
    ("month-relative", rf"\b(?:en{_SP})?{_M.format('m1')}{_SP}{_REL}"),
    # le mois dernier, le mois prochain, le mois passé (the month before or after the update's)
    (
        "this-month-relative",
        rf"\b(?:le|au{_SP}cours{_SP}du|durant{_SP}le|dans{_SP}le){_SP}mois{_SP}"
        rf"(?P<mrel>dernier|passé|précédent|prochain|suivant)\b",
    ),
    # l'automne dernier, l'été prochain
    (
        "season-relative",
        rf"\b(?:[àa]{_SP}l{_APOS}|l{_APOS}|au{_SP}|cet{_SP}|ce{_SP})?"
        rf"(?P<season>automne|printemps|été|ete|hiver){_SP}(?P<srel>dernier|prochain)\b",
    ),
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
    # en 2008, depuis 2010, dès 1996, année 2015, au cours de l'année 2012
    (
        "year",
        rf"\b(?:(?:au{_SP}cours{_SP}de{_SP}|durant{_SP}|pendant{_SP})?l{_APOS}année|en|depuis"
        rf"|dès|de|d{_APOS}ici|avant|après|année){_SP}{_Y.format('y1')}\b"
        rf"(?![\s\u00a0]*(?:€|\$|%|M€|Md))",
    ),
]
_SINCE = re.compile(
    rf"\b(?:depuis|dès|à{_SP}partir)(?:{_SP}(?:la|le|l{_APOS}|de|du|d{_APOS}))?{_SP}?$",
    re.IGNORECASE,
)
_UNTIL = re.compile(rf"\bjusqu{_APOS}(?:à{_SP}la|à{_SP}l{_APOS}|en|à|au)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class DateExpr:
    """One date expression: offsets in code points, values at their precision, qualifiers.

    `first` and `last` are lexical forms of xsd:date (YYYY-MM-DD), xsd:gYearMonth (YYYY-MM)
    or xsd:gYear (YYYY); `last` is None unless the text gives a span. `relative` is True when
    the year was read against the update date ("octobre derniers"); `year_from` is the date
    expression a day without a year took its year from ("le 4 avril" after "en 2017");
    `day_from` the date "le lendemain", "la veille" or "le surlendemain" counts from.
    """

    start: int
    end: int
    text: str
    first: str
    last: str | None = None
    qualifiers: tuple[str, ...] = field(default=())
    relative: bool = False
    year_from: DateExpr | None = None
    day_from: DateExpr | None = None

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

    "since" leaves the latest day open (date.max), "until" the earliest (date.min). Raises
    ValueError on a malformed value.
    """
    lo, _ = _narrow(first, qualifiers)
    _, hi = _narrow(last or first, qualifiers)
    if SINCE in qualifiers:
        hi = date.max
    if UNTIL in qualifiers:
        lo = date.min
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


def find_dates(
    text: str, updated: date | None = None, sentences: list[tuple[int, int]] | None = None
) -> list[DateExpr]:
    """Every date expression of `text`, in order, none overlapping.

    `updated` (the page's update date) resolves relative dates; without it they are skipped.
    `sentences` (offsets; by default `diplokg.build.evidence.sentence_spans`) bound the context a
    day without a year takes its year from.

    >>> [d.first for d in find_dates("les 15 et16 juillet 2012 puis en 2014")]
    ['2012-07-15', '2014']
    >>> [(d.first, d.year_from.text) for d in find_dates("En 2017, puis le 4 avril.")[1:]]
    [('2017-04-04', 'En 2017')]
    """
    found: list[DateExpr] = []
    pending: list[tuple[str, dict[str, str], int, int]] = []
    for match in _COMPILED.finditer(text):
        rule = match.lastgroup
        if rule is None:
            continue
        groups = {
            k.split("__", 1)[1]: v
            for k, v in match.groupdict().items()
            if v is not None and k.startswith(rule + "__")
        }
        name = rule.replace("_", "-")
        start, end = match.span()
        if name in _YEARLESS and not ({"y1", "y2", "rel"} & set(groups)):
            if name != "day" or re.match(r"(?:le|les)\b", match.group(0), re.IGNORECASE):
                pending.append((name, groups, start, end))
            continue
        expr = _expression(text, name, groups, start, end, updated)
        if expr is not None:
            found.append(expr)
    for name, groups, start, end in pending:
        source = _year_source(text, found, start, sentences)
        if source is None:
            continue
        year = source.first[:4]
        expr = _expression(text, name, {**groups, "y1": year, "y2": year}, start, end, updated)
        if expr is not None:
            found.append(replace(expr, year_from=source))
    found += _next_days(text, sorted(found, key=lambda d: d.start))
    return sorted(found, key=lambda d: d.start)


# "le lendemain", "la veille", "le surlendemain" (not "au lendemain de l'indépendance"): a day
# counted from the date written before them.
_NEXT_DAY = re.compile(
    rf"\b(?P<word>le{_SP}lendemain|la{_SP}veille|le{_SP}surlendemain)\b(?!{_SP}(?:de|du|d{_APOS}))",
    re.IGNORECASE,
)
_SHIFTS = {"lendemain": 1, "veille": -1, "surlendemain": 2}


def _next_days(text: str, found: list[DateExpr]) -> list[DateExpr]:
    """ "Le lendemain" and the like: the day after (or before) the last date written before it in
    its paragraph, when that date is a day; the day after a span is the day after its end."""
    out = []
    for m in _NEXT_DAY.finditer(text):
        paragraph = text.rfind("\n", 0, m.start()) + 1
        before = [d for d in found if paragraph <= d.start and d.end <= m.start()]
        if not before or before[-1].precision != "day":
            continue
        anchor = before[-1]
        shift = _SHIFTS[m.group("word").split()[-1].lower()]
        base = date.fromisoformat((anchor.last or anchor.first) if shift > 0 else anchor.first)
        value = date.fromordinal(base.toordinal() + shift).isoformat()
        out.append(DateExpr(m.start(), m.end(), m.group(0), value, None, (), False, None, anchor))
    return out


def _expression(
    text: str, name: str, groups: dict[str, str], start: int, end: int, updated: date | None
) -> DateExpr | None:
    """The DateExpr of one match, with the "since"/"until" words before it; None if the words
    are no date ("le 31 février 2014") or need an update date that is missing."""
    try:
        read = _read(name, groups, updated)
    except ValueError:
        return None
    if read is None:
        return None
    first, last, qualifiers, relative = read
    words = text[start:end]
    before = text[max(0, start - 16) : start]
    if re.match(r"(?:depuis|dès)\b", words, re.IGNORECASE):
        qualifiers = [*qualifiers, SINCE]
    elif since := _SINCE.search(before):
        qualifiers = [*qualifiers, SINCE]
        start -= len(before) - since.start()
    elif until := _UNTIL.search(before):
        qualifiers = [*qualifiers, UNTIL]
        start -= len(before) - until.start()
    return DateExpr(start, end, text[start:end], first, last, tuple(qualifiers), relative)


def _year_source(
    text: str, found: list[DateExpr], at: int, sentences: list[tuple[int, int]] | None
) -> DateExpr | None:
    """The date a day without a year at offset `at` takes its year from (module docstring)."""
    if sentences is None:
        from diplokg.build.evidence import sentence_spans

        sentences = sentence_spans(text)
    s_start, s_end = next(((a, b) for a, b in sentences if a <= at < b), (at, at))
    p_start = text.rfind("\n", 0, at) + 1
    dated = [d for d in found if d.year_from is None]
    before = [d for d in dated if d.end <= at]
    in_sentence = [d for d in before if d.start >= s_start]
    if in_sentence:
        return in_sentence[-1]
    after = [d for d in dated if at < d.start < s_end]
    if after:
        return after[0]
    in_paragraph = [d for d in before if d.start >= p_start]
    if in_paragraph:
        return in_paragraph[-1]
    return before[-1] if before else None


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
    if rule == "day-dash":
        y2, relative = _year(g.get("y2"), month["m2"], rel, updated)
        if y2 is None:
            return None
        m1 = month.get("m1", month["m2"])
        y1 = y2 - 1 if m1 > month["m2"] else y2
        if (y1, m1, int(g["d1"])) >= (y2, month["m2"], int(g["d2"])):
            return None  # "2-1 mai" is no span
        return (
            _day(y1, m1, g["d1"]),
            _day(y2, month["m2"], g["d2"]),
            [RELATIVE] if relative else [],
            relative,
        )
    if rule == "this-month-relative":
        if updated is None:
            return None
        shift = -1 if g["mrel"].lower() in ("dernier", "passé", "précédent") else 1
        index = updated.year * 12 + updated.month - 1 + shift
        return f"{index // 12:04d}-{index % 12 + 1:02d}", None, [RELATIVE], True
    if rule == "season-relative":
        if updated is None:
            return None
        season = SEASONS[g["season"].lower()]
        (m, d), _ = _YEAR_PARTS[season]
        started = (updated.month, updated.day) >= (m, d)
        if g["srel"].lower() == "dernier":
            year = updated.year if started and season != WINTER else updated.year - 1
        else:
            year = updated.year + 1 if started else updated.year
        return f"{year:04d}", None, [season, RELATIVE], True
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
        return value, None, [part] if part else [], False
    if rule == "decade":
        return g["dec"], str(int(g["dec"]) + 9), [], False
    if rule == "ago":
        if updated is None:
            return None
        n = _NUMBER_WORDS.get(g["n"].lower()) or int(g["n"])
        return f"{updated.year - n:04d}", None, [RELATIVE], True
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


def _part(word: str) -> str | None:
    """The qualifier of "fin", "début", "mi-"; None for "courant" (the whole period)."""
    word = word.lower()
    if word.startswith(("fin", "à la fin")):
        return END
    if word.startswith(("début", "debut", "au début")):
        return START
    if word.startswith("courant"):
        return None
    return MIDDLE  # mi-, à la mi-


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
