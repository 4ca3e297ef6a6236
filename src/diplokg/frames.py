"""SPARQL answers as typed pandas DataFrames, and back to text for the command line.

Every engine's answer is first put in the terms of the SPARQL 1.1 JSON results format, so an
embedded store and a remote endpoint go through the same typing: dates become datetimes with
a `<col>_precision` column beside them (the start of the year or month they name, since a
`gYear` is a period, not a day), numbers become numbers, IRIs stay strings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from rdflib.namespace import XSD

from diplokg.namespaces import compact_iri
from diplokg.terms import JsonTerm

PRECISION = {
    str(XSD.date): "day",
    str(XSD.gYearMonth): "month",
    str(XSD.gYear): "year",
    str(XSD.dateTime): "time",
}
_INTEGERS = {
    str(XSD[name])
    for name in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
}
_DECIMALS = {str(XSD.decimal), str(XSD.double), str(XSD.float)}
_BOOLEAN = str(XSD.boolean)
# year, month, day of a date-like lexical form; a time zone, if any, is dropped
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?:Z|[+-]\d{2}:\d{2})?$")
LABEL_SUFFIXES = ("_label", "Label", "label")


@dataclass(frozen=True)
class Answer:
    """A query's answer: the variables and, per solution, the bound ones; or an ASK boolean."""

    variables: list[str]
    rows: list[dict[str, JsonTerm]] = field(default_factory=list)
    boolean: bool | None = None


def kind(term: JsonTerm) -> str:
    """iri, bnode, temporal, integer, number, boolean or text."""
    if term["type"] == "uri":
        return "iri"
    if term["type"] == "bnode":
        return "bnode"
    datatype = term.get("datatype", "")
    if datatype in PRECISION:
        return "temporal"
    if datatype in _INTEGERS:
        return "integer"
    if datatype in _DECIMALS:
        return "number"
    if datatype == _BOOLEAN:
        return "boolean"
    return "text"


def _timestamp(term: JsonTerm) -> pd.Timestamp | None:
    value = term["value"].strip()
    if term.get("datatype") == str(XSD.dateTime):
        try:
            stamp = pd.Timestamp(value)
        except (ValueError, OverflowError):
            return None
        return stamp.tz_convert(None) if stamp.tzinfo is not None else stamp
    match = _DATE.match(value)
    if match is None:
        return None
    year, month, day = match.groups()
    try:
        return pd.Timestamp(int(year), int(month or 1), int(day or 1))
    except (ValueError, OverflowError):
        return None


def _python(term: JsonTerm) -> Any:
    """The value of one term in a column of mixed kinds (dates keep their lexical form)."""
    found = kind(term)
    if found == "bnode":
        return f"_:{term['value']}"
    if found == "integer":
        return int(term["value"])
    if found == "number":
        return float(term["value"])
    if found == "boolean":
        return term["value"].strip() in ("true", "1")
    return term["value"]


# kind() of a term by its type and datatype: a column's terms share a few of them
_KINDS: dict[tuple[str, str], str] = {}
# the lexical forms of what a mixed column keeps as text (dates keep their lexical form)
_AS_VALUE = frozenset({"iri", "text", "temporal"})


def _kinds(terms: list[JsonTerm | None]) -> set[str]:
    """The kinds of the bound terms of a column, one `kind` call per distinct type+datatype."""
    signatures = {(t["type"], t.get("datatype", "")) for t in terms if t is not None}
    found = set()
    for signature in signatures:
        known = _KINDS.get(signature)
        if known is None:
            known = _KINDS[signature] = kind({"type": signature[0], "datatype": signature[1]})
        found.add(known)
    return found


def _column(name: str, terms: list[JsonTerm | None]) -> dict[str, Any]:
    """The typed column(s) for one variable: itself, plus `<name>_precision` for dates.

    One pass per column over its terms: their kinds from their distinct datatypes, then one
    conversion for the whole column (a date's timestamp computed once per distinct form)."""
    kinds = _kinds(terms)
    if kinds == {"integer", "number"}:
        kinds = {"number"}
    only = kinds.pop() if len(kinds) == 1 else None
    if only == "temporal":
        cache: dict[tuple[str, str], pd.Timestamp | None] = {}
        stamps: list[pd.Timestamp | None] = []
        missing = False
        for t in terms:
            if t is None:
                stamps.append(None)
                continue
            form = (t["value"], t["datatype"])
            if form in cache:
                stamp = cache[form]
            else:
                stamp = cache[form] = _timestamp(t)
            missing = missing or stamp is None
            stamps.append(stamp)
        if not missing:
            precision = [None if t is None else PRECISION[t["datatype"]] for t in terms]
            return {
                name: pd.Series(stamps, dtype="datetime64[ns]"),
                f"{name}_precision": pd.Series(precision, dtype="object"),
            }
        return {name: pd.Series([None if t is None else t["value"] for t in terms], dtype=object)}
    if only == "integer":
        ints = [None if t is None else int(t["value"]) for t in terms]
        return {name: pd.array(ints, dtype="Int64")}
    if only == "number":
        return {name: pd.Series([None if t is None else float(t["value"]) for t in terms])}
    if only == "boolean":
        return {name: pd.array([None if t is None else _python(t) for t in terms], "boolean")}
    if kinds <= _AS_VALUE and (only is None or only in _AS_VALUE):
        values = [None if t is None else t["value"] for t in terms]
        return {name: pd.Series(values, dtype=object)}
    return {name: pd.Series([None if t is None else _python(t) for t in terms], dtype=object)}


def _holds(have: list[str | None], values: list[str | None]) -> bool:
    """Whether a variable whose lexical forms are `have` holds `values` (the same lexical form
    wherever `values` has one, and some row has one)."""
    seen = False
    for form, value in zip(have, values, strict=True):
        if value is not None:
            if form != value:
                return False
            seen = True
    return seen


def to_frame(answer: Answer, labels: Callable[[list[str]], Mapping[str, str]]) -> pd.DataFrame:
    """The typed DataFrame of `answer`; `labels` maps IRIs to labels for the `<col>_label`
    columns added beside IRI columns whose labels the query did not already return: neither
    as `<col>_label`, `<col>Label` or `<col>label`, nor in another variable that holds the
    same labels (`?figure ?label` in figures-by-year: no `figure_label` beside `label`).

    `labels` is called once per IRI column, with the column's distinct IRIs, sorted."""
    if answer.boolean is not None:
        return pd.DataFrame({"boolean": pd.array([answer.boolean], dtype="boolean")})
    columns: dict[str, Any] = {}
    rows = answer.rows
    terms_of = {name: [row.get(name) for row in rows] for name in answer.variables}
    forms: dict[str, list[str | None]] = {}  # lexical forms, made when a label is compared

    def forms_of(name: str) -> list[str | None]:
        if name not in forms:
            forms[name] = [None if t is None else t["value"] for t in terms_of[name]]
        return forms[name]

    for name in answer.variables:
        terms = terms_of[name]
        columns.update(_column(name, terms))
        iris = sorted({t["value"] for t in terms if t is not None and t["type"] == "uri"})
        if not iris or any(f"{name}{suffix}" in answer.variables for suffix in LABEL_SUFFIXES):
            continue
        found = labels(iris)
        if not found:
            continue
        values = [
            found.get(t["value"]) if t is not None and t["type"] == "uri" else None for t in terms
        ]
        if not any(_holds(forms_of(other), values) for other in answer.variables):
            columns[f"{name}_label"] = pd.Series(values, dtype=object)
    return pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))


_FORMATS = {"year": "%Y", "month": "%Y-%m", "day": "%Y-%m-%d", "time": "%Y-%m-%dT%H:%M:%S"}


def date_text(stamp: pd.Timestamp, precision: str) -> str:
    """A date written at its precision: 2014, 2014-09 or 2014-12-05."""
    return str(stamp.strftime(_FORMATS[precision]))


def lexical(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with each date written at its precision, for text outputs where a year must
    not read as the first of January."""
    out = frame.copy()
    for name in frame.columns:
        precision = f"{name}_precision"
        if precision not in frame.columns:
            continue
        out[name] = pd.Series(
            [
                None if pd.isna(stamp) else date_text(stamp, str(level))
                for stamp, level in zip(frame[name], frame[precision], strict=True)
            ],
            index=frame.index,
            dtype=object,
        )
    return out


def shorten(value: Any) -> Any:
    """An IRI as a prefixed name when one of the project's prefixes covers it."""
    if not isinstance(value, str):
        return value
    return compact_iri(value) or value


def format_frame(frame: pd.DataFrame, fmt: str) -> str:
    """The text `diplokg query` prints: an aligned table, CSV, TSV or JSON records. A
    `<col>_precision` column is left out when another column says the same on every row (a
    query's own `precision`), so that each column is printed once."""
    text = lexical(frame)
    repeated = [
        name
        for name in text.columns
        if name.endswith("_precision")
        and any(
            other != name and text[other].astype(object).equals(text[name].astype(object))
            for other in text.columns
            if not other.endswith("_precision")
        )
    ]
    text = text.drop(columns=repeated)
    if fmt == "json":
        records = json.loads(text.to_json(orient="records", force_ascii=False))
        return json.dumps(records, indent=2, ensure_ascii=False) + "\n"
    if fmt in ("csv", "tsv"):
        return str(
            text.to_csv(index=False, sep="," if fmt == "csv" else "\t", float_format="%.15g")
        )
    if text.empty:
        return " ".join(text.columns) + "\n(no rows)\n"
    table = text.map(shorten).astype(object).where(text.notna(), "")
    count = f"({len(text)} row{'s' if len(text) != 1 else ''})"
    return f"{table.to_string(index=False, max_colwidth=60)}\n{count}\n"
