"""Each column once: a query that returns an IRI's label under another name (`?figure ?label`)
gets no `figure_label` beside it, and `diplokg query` does not print a `<col>_precision` that
the query's own `precision` repeats.

Before: `diplokg query figures-by-year --format csv` printed `figure,figure_label,label` (the
same labels twice) and `economic-indicators` `period,period_precision,precision`."""

from __future__ import annotations

import csv
import io

import pytest

from diplokg.cli import main
from diplokg.frames import Answer, format_frame, to_frame

FIGURE = "https://w3id.org/diplokg/resource/figure-2014-trade-volume"
YEAR = "http://www.w3.org/2001/XMLSchema#gYear"


def _uri(value: str) -> dict[str, str]:
    return {"type": "uri", "value": value}


def _literal(value: str, **extra: str) -> dict[str, str]:
    return {"type": "literal", "value": value, **extra}


def _labels(iris: list[str]) -> dict[str, str]:
    return {FIGURE: "trade volume in 2014"}


def test_a_label_the_query_returns_under_another_name_is_not_repeated() -> None:
    answer = Answer(
        ["figure", "label"],
        [{"figure": _uri(FIGURE), "label": _literal("trade volume in 2014", **{"xml:lang": "en"})}],
    )
    assert list(to_frame(answer, _labels).columns) == ["figure", "label"]


def test_a_label_column_is_added_when_no_variable_holds_it() -> None:
    answer = Answer(
        ["figure", "label"],
        [{"figure": _uri(FIGURE), "label": _literal("something else")}],
    )
    frame = to_frame(answer, _labels)
    assert list(frame.columns) == ["figure", "figure_label", "label"]
    assert frame["figure_label"].tolist() == ["trade volume in 2014"]


def test_the_printed_table_leaves_out_a_repeated_precision() -> None:
    answer = Answer(
        ["period", "precision"],
        [{"period": _literal("2014", datatype=YEAR), "precision": _literal("year")}],
    )
    frame = to_frame(answer, _labels)
    assert "period_precision" in frame.columns  # the DataFrame keeps it (dates are typed)
    printed = format_frame(frame, "csv")
    assert printed.splitlines() == ["period,precision", "2014,year"]
    other = Answer(["period"], [{"period": _literal("2014", datatype=YEAR)}])
    assert format_frame(to_frame(other, _labels), "csv").splitlines()[0] == (
        "period,period_precision"
    )


@pytest.mark.parametrize(
    "query", ["figures-by-year", "economic-indicators", "agreements", "wikidata-links"]
)
def test_the_cli_prints_each_column_once(query: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", query, "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    header = rows[0]
    columns = list(zip(*rows[1:], strict=True))
    repeated = [
        (header[i], header[j])
        for i in range(len(header))
        for j in range(i + 1, len(header))
        if columns[i] == columns[j] and any(columns[i])
    ]
    assert repeated == []
