"""Time as intervals: every dated resource gets its bounds, computed from its dates at their
precision and the qualifiers the text attaches to them.

A date's bounds are the first and last day it can name: a day is itself, a month runs from its
first to its last day, a year from 1 January to 31 December. The qualifiers narrow them
(`ontology/diplokg.ttl`, scheme res:date-qualifiers, gives each rule in its skos:definition):
autumn is 22 September to 21 December; the end of a year its last four months, the end of a
month its last ten days (from the 21st); the start of a year its first four months, of a month
its first ten days; the start of the academic year ("rentrée") is September; "since" leaves the
end open. A relative date is bounded as the date it was resolved to.

A resource's `dkg:earliest` is the lowest bound of its date, start, signing date, period, start
of validity or stated lower bound (`dkg:notBefore`); its `dkg:latest` the highest bound of its
date, end, signing date, period, end of validity or stated upper bound (`dkg:notAfter`). A
start with no end, no upper bound and no date is open: no `dkg:latest`. A happening known only
to have been in session on a day (`dkg:inSessionOn`: the summit) gets no bounds of its own, only
that day inside its OWL-Time interval. Each resource also gets `time:hasTime`, an OWL-Time
`time:Instant` (one day) or `time:ProperInterval` with `time:hasBeginning` and `time:hasEnd`
instants carrying `time:inXSDDate`, and `dkg:datePrecision` (time:unitDay, unitMonth, unitYear).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from diplokg.namespaces import DKG, RES, TIME
from diplokg.rdfio import Triple

__all__ = ["Bounds", "bounds", "interval_triples"]

Bounds = tuple[dt.date | None, dt.date | None]

QUALIFIER = {
    "autumn": RES["qualifier-autumn"],
    "end": RES["qualifier-end-of-period"],
    "start": RES["qualifier-start-of-period"],
    "since": RES["qualifier-since"],
    "rentree": RES["qualifier-academic-year-start"],
}
PRECISION = {XSD.date: TIME.unitDay, XSD.gYearMonth: TIME.unitMonth, XSD.gYear: TIME.unitYear}
# The values a resource's dates are read from, and which bound each gives.
PRIMARY = (DKG.date, DKG.startDate, DKG.signedOn, DKG.period, DKG.validFrom)
LOWER = (DKG.date, DKG.startDate, DKG.signedOn, DKG.period, DKG.validFrom, DKG.notBefore)
UPPER = (DKG.date, DKG.endDate, DKG.signedOn, DKG.period, DKG.validUntil, DKG.notAfter)
DATED = frozenset({*LOWER, *UPPER, DKG.inSessionOn})


def _parse(value: Literal) -> tuple[int, int | None, int | None] | None:
    text = str(value)
    try:
        if value.datatype == XSD.date:
            day = dt.date.fromisoformat(text[:10])
            return day.year, day.month, day.day
        if value.datatype == XSD.gYearMonth:
            return int(text[:4]), int(text[5:7]), None
        if value.datatype == XSD.gYear:
            return int(text[:4]), None, None
    except ValueError:
        return None
    return None


def bounds(value: Literal, qualifiers: Iterable[Node] = ()) -> Bounds:
    """The first and last day `value` (a day, month or year) can name, narrowed by the
    qualifiers. (None, None) for a value that is not a calendar date.

    >>> bounds(Literal("2012", datatype=XSD.gYear), [QUALIFIER["end"]])
    (datetime.date(2012, 9, 1), datetime.date(2012, 12, 31))
    >>> bounds(Literal("2014-09", datatype=XSD.gYearMonth), [QUALIFIER["end"]])
    (datetime.date(2014, 9, 21), datetime.date(2014, 9, 30))
    """
    parsed = _parse(value)
    if parsed is None:
        return None, None
    year, month, day = parsed
    if day is not None and month is not None:
        return dt.date(year, month, day), dt.date(year, month, day)
    qualifiers = set(qualifiers)
    if month is not None:
        last = calendar.monthrange(year, month)[1]
        first, end = dt.date(year, month, 1), dt.date(year, month, last)
        if QUALIFIER["end"] in qualifiers:
            first = dt.date(year, month, min(21, last))
        elif QUALIFIER["start"] in qualifiers:
            end = dt.date(year, month, 10)
        return first, end
    if QUALIFIER["autumn"] in qualifiers:
        return dt.date(year, 9, 22), dt.date(year, 12, 21)
    if QUALIFIER["rentree"] in qualifiers:
        return dt.date(year, 9, 1), dt.date(year, 9, 30)
    if QUALIFIER["end"] in qualifiers:
        return dt.date(year, 9, 1), dt.date(year, 12, 31)
    if QUALIFIER["start"] in qualifiers:
        return dt.date(year, 1, 1), dt.date(year, 4, 30)
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _date(day: dt.date) -> Literal:
    return Literal(day.isoformat(), datatype=XSD.date)


def resource_bounds(values: dict[URIRef, list[Literal]], qualifiers: set[Node]) -> Bounds:
    """A resource's earliest and latest day from its date properties (see the module doc)."""

    def of(prop: URIRef) -> list[Bounds]:
        quals = qualifiers if prop in PRIMARY else set()
        return [bounds(v, quals) for v in values.get(prop, [])]

    lows = [low for prop in LOWER for low, _ in of(prop) if low is not None]
    highs = [high for prop in UPPER for _, high in of(prop) if high is not None]
    return (min(lows) if lows else None), (max(highs) if highs else None)


def interval_triples(triples: Iterable[Triple]) -> set[Triple]:
    """dkg:earliest, dkg:latest, dkg:datePrecision and the OWL-Time interval of every resource
    (under res:) that `triples` date."""
    values: dict[URIRef, dict[URIRef, list[Literal]]] = defaultdict(lambda: defaultdict(list))
    qualifiers: dict[URIRef, set[Node]] = defaultdict(set)
    # (the terms named once: `DKG.x` makes a new IRI, checked, at each use)
    res, qualifier = str(RES), DKG.dateQualifier
    for s, p, o in triples:
        if not isinstance(s, URIRef) or not str.startswith(s, res):
            continue
        if p in DATED and isinstance(o, Literal):
            values[s][p].append(o)  # type: ignore[index]
        elif p == qualifier:
            qualifiers[s].add(o)
    out: set[Triple] = set()
    for resource, props in values.items():
        earliest, latest = resource_bounds(props, qualifiers[resource])
        time = RES[f"time/{str(resource)[len(str(RES)) :]}"]
        if earliest is not None:
            out.add((resource, DKG.earliest, _date(earliest)))
        if latest is not None:
            out.add((resource, DKG.latest, _date(latest)))
        # a happening only known to be in session on a day has no date, so no precision
        primary = [v for prop in PRIMARY for v in props.get(prop, [])] or [
            v for prop in (*LOWER, *UPPER) for v in props.get(prop, [])
        ]
        units = {PRECISION[v.datatype] for v in primary if v.datatype in PRECISION}
        if units:
            # the coarsest unit among the resource's own dates
            coarsest = next(u for u in (TIME.unitYear, TIME.unitMonth, TIME.unitDay) if u in units)
            out.add((resource, DKG.datePrecision, coarsest))
        out.add((resource, TIME.hasTime, time))
        if earliest is not None and earliest == latest:
            out.add((time, RDF.type, TIME.Instant))
            out.add((time, TIME.inXSDDate, _date(earliest)))
            continue
        out.add((time, RDF.type, TIME.ProperInterval))
        for prop, day, part in (
            (TIME.hasBeginning, earliest, "beginning"),
            (TIME.hasEnd, latest, "end"),
        ):
            if day is not None:
                instant = URIRef(f"{time}/{part}")
                out.add((time, prop, instant))
                out.add((instant, RDF.type, TIME.Instant))
                out.add((instant, TIME.inXSDDate, _date(day)))
        for value in props.get(DKG.inSessionOn, []):
            day, _ = bounds(value)
            if day is not None:
                instant = URIRef(f"{time}/in-session")
                out.add((time, TIME.inside, instant))
                out.add((instant, RDF.type, TIME.Instant))
                out.add((instant, TIME.inXSDDate, _date(day)))
    return out
