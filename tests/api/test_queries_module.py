"""The canned-query catalogue: headers, typed parameters bound by VALUES, clear load errors."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import rdflib
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import XSD

from diplokg.config import Settings
from diplokg.errors import InputError
from diplokg.namespaces import RES
from diplokg.queries import CannedQuery, Param, ParameterError, load_catalogue

DATA = Path(__file__).parents[1] / "data" / "web"
QUERIES = DATA / "queries"
HOLLANDE_VISIT = RES["visit-hollande-2014-12"]
MITTERRAND_VISIT = RES["visit-mitterrand-1993"]

GOOD_BODY = "SELECT ?x WHERE { ?x ?p ?o . }\n"


@pytest.fixture(scope="module")
def catalogue() -> dict[str, CannedQuery]:
    return load_catalogue(QUERIES)


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    ds = Dataset(default_union=True)
    ds.parse(DATA / "dataset.trig", format="trig")
    return ds


def _visits(dataset: Dataset, query: str) -> list[URIRef]:
    return [row[0] for row in dataset.query(query)]  # type: ignore[index, misc]


def test_catalogue_reads_every_file_and_its_header(catalogue: dict[str, CannedQuery]) -> None:
    assert sorted(catalogue) == ["places", "visits"]
    visits = catalogue["visits"]
    assert visits.title == "Visits to a place"
    assert visits.description.startswith("Visits that took place in a country or a city")
    assert visits.tags == ("timeline", "fixture")
    assert visits.form == "SELECT"
    assert catalogue["places"].form == "CONSTRUCT"
    assert visits.params == (
        Param("place", "iri", "kazakhstan", "the place, as a resource slug or a full IRI"),
        Param("year", "year", None, "only the visits of this year"),
    )
    assert not visits.text.startswith("#+")
    assert visits.source.startswith("#+ title: Visits to a place")


def test_default_directory_is_the_project_queries_folder() -> None:
    # The real catalogue (queries/*.rq) loads without error, whatever it holds.
    expected = {p.stem for p in Settings().queries_dir.glob("*.rq")}
    assert set(load_catalogue()) == expected


def test_render_binds_defaults_in_a_trailing_values_block(
    catalogue: dict[str, CannedQuery],
) -> None:
    text = catalogue["visits"].render({})
    assert text.startswith(catalogue["visits"].text.rstrip())
    assert text.rstrip().endswith(f"VALUES (?place) {{ (<{RES['kazakhstan']}>) }}")


def test_render_with_no_bindings_is_the_query_as_written() -> None:
    query = CannedQuery("q", "Q", "", (), (Param("x", "iri"),), GOOD_BODY)
    assert query.render({}) == GOOD_BODY


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({}, [MITTERRAND_VISIT, HOLLANDE_VISIT], id="default-kazakhstan"),
        pytest.param({"year": "2014"}, [HOLLANDE_VISIT], id="year-2014"),
        pytest.param({"year": ""}, [MITTERRAND_VISIT, HOLLANDE_VISIT], id="year-left-blank"),
        pytest.param({"year": "2000"}, [], id="year-without-visit"),
        pytest.param({"place": "astana"}, [HOLLANDE_VISIT], id="city-slug"),
        pytest.param({"place": str(RES["almaty"])}, [HOLLANDE_VISIT], id="full-iri"),
        pytest.param(
            {"place": "res:kazakhstan", "year": "1993"}, [MITTERRAND_VISIT], id="prefixed"
        ),
    ],
)
def test_rendered_query_runs_on_another_engine(
    catalogue: dict[str, CannedQuery],
    dataset: Dataset,
    params: dict[str, str],
    expected: list[URIRef],
) -> None:
    # Visits from the document: Mitterrand in Kazakhstan (September 1993); Hollande in Astana
    # and Almaty, hence Kazakhstan (5-6 December 2014). rdflib here, pyoxigraph on the server.
    assert _visits(dataset, catalogue["visits"].render(params)) == expected


@pytest.mark.parametrize(
    ("ptype", "value", "term"),
    [
        pytest.param("iri", "france", f"<{RES['france']}>", id="iri-slug"),
        pytest.param("iri", "urn:x:1", "<urn:x:1>", id="iri-urn"),
        pytest.param("string", 'say "hi"\n', '"say \\"hi\\"\\n"', id="string-escaped"),
        pytest.param("integer", "-42", "-42", id="integer"),
        pytest.param("decimal", "6.4", f'"6.4"^^<{XSD.decimal}>', id="decimal"),
        pytest.param("boolean", "True", "true", id="boolean"),
        pytest.param("date", "2014-12-05", f'"2014-12-05"^^<{XSD.date}>', id="date"),
        pytest.param("year", "2014", "2014", id="year"),
    ],
)
def test_parameter_types_make_sparql_terms(ptype: str, value: str, term: str) -> None:
    assert Param("p", ptype).term(value) == term


@pytest.mark.parametrize(
    ("ptype", "value"),
    [
        pytest.param("iri", "not an iri", id="iri-space"),
        pytest.param("iri", "http://x/>} DROP ALL", id="iri-injection"),
        pytest.param("integer", "4.5", id="integer-decimal"),
        pytest.param("integer", "1; DROP", id="integer-injection"),
        pytest.param("decimal", "six", id="decimal-word"),
        pytest.param("boolean", "yes", id="boolean-yes"),
        pytest.param("date", "2014-13-01", id="date-month-13"),
        pytest.param("date", "05/12/2014", id="date-french-order"),
        pytest.param("year", "14", id="year-two-digits"),
    ],
)
def test_bad_values_raise_value_error_naming_the_parameter(ptype: str, value: str) -> None:
    with pytest.raises(ValueError, match=r"parameter 'when'"):
        Param("when", ptype).term(value)


def test_unknown_parameter_is_named(catalogue: dict[str, CannedQuery]) -> None:
    with pytest.raises(ParameterError, match=r"unknown parameter 'country'.*place, year"):
        catalogue["visits"].render({"country": "france"})


def test_string_parameter_cannot_escape_its_literal(dataset: Dataset) -> None:
    query = CannedQuery(
        "q",
        "Q",
        "",
        (),
        (Param("label", "string"),),
        "SELECT DISTINCT ?x WHERE { ?x <http://www.w3.org/2000/01/rdf-schema#label> ?l . "
        "BIND(STR(?l) AS ?label) }",
    )
    hostile = 'x" ) } SELECT * WHERE { ?s ?p ?o } #'
    rendered = query.render({"label": hostile})
    rdflib.plugins.sparql.prepareQuery(rendered)  # still one well-formed query
    assert list(dataset.query(rendered)) == []
    found = dataset.query(query.render({"label": "Astana"}))
    assert [row[0] for row in found] == [RES["astana"]]  # type: ignore[index]


HEADER = "#+ title: T\n"


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        pytest.param(GOOD_BODY, "missing the '#\\+ ' YAML header", 1, id="no-header"),
        pytest.param(
            "#+ title: [unclosed\n" + GOOD_BODY, "malformed YAML header", 2, id="bad-yaml"
        ),
        pytest.param("#+ - a list\n" + GOOD_BODY, "at least a 'title'", 1, id="not-a-mapping"),
        pytest.param("#+title: T\n" + GOOD_BODY, "must start with '#\\+ '", 1, id="no-space"),
        pytest.param(
            HEADER + "#+ params: [{name: x, type: colour}]\n" + GOOD_BODY,
            "unknown type 'colour'",
            None,
            id="unknown-type",
        ),
        pytest.param(
            HEADER + "#+ params: [{name: y, type: iri}]\n" + GOOD_BODY,
            "'y' is not a variable of the query",
            None,
            id="param-not-in-query",
        ),
        pytest.param(
            HEADER + "#+ params: [{name: x, type: year, default: 'soon'}]\n" + GOOD_BODY,
            "bad default",
            None,
            id="bad-default",
        ),
        pytest.param(
            HEADER + "#+ params: [{name: x}, {name: x}]\n" + GOOD_BODY,
            "declared twice",
            None,
            id="duplicate-param",
        ),
        pytest.param(
            HEADER + "SELECT ?x WHERE {\n  ?x ?p\n}\n", "SPARQL syntax error", 3, id="syntax"
        ),
    ],
)
def test_malformed_files_are_named(
    tmp_path: Path, text: str, message: str, line: int | None
) -> None:
    (tmp_path / "broken.rq").write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        load_catalogue(tmp_path)
    assert info.value.path.name == "broken.rq"
    assert "broken.rq" in str(info.value)
    if line is not None:
        assert info.value.line == line


def test_catalogue_is_cached_until_a_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "one.rq"
    path.write_text("#+ title: First\n" + GOOD_BODY, encoding="utf-8")
    first = load_catalogue(tmp_path)
    assert load_catalogue(tmp_path)["one"] is first["one"]  # parsed once
    path.write_text("#+ title: Second title\n" + GOOD_BODY, encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert load_catalogue(tmp_path)["one"].title == "Second title"


def test_yaml_typed_defaults_become_text(tmp_path: Path) -> None:
    (tmp_path / "dated.rq").write_text(
        "#+ title: Dated\n#+ params:\n#+   - {name: day, type: date, default: 2014-12-05}\n"
        "SELECT ?day WHERE { BIND(?day AS ?d) }\n",
        encoding="utf-8",
    )
    query = load_catalogue(tmp_path)["dated"]
    assert query.params[0].default == "2014-12-05"
    results = rdflib.Graph().query(query.render({}))
    assert [row[0] for row in results] == [  # type: ignore[index]
        Literal("2014-12-05", datatype=XSD.date)
    ]


@pytest.mark.parametrize(
    ("param", "schema"),
    [
        pytest.param(
            Param("y", "year", "2014"),
            {"type": "integer", "minimum": 0, "maximum": 9999, "default": 2014},
            id="year",
        ),
        pytest.param(
            Param("b", "boolean", "False"), {"type": "boolean", "default": False}, id="bool"
        ),
        pytest.param(
            Param("n", "decimal", "6.4"), {"type": "number", "default": 6.4}, id="decimal"
        ),
        pytest.param(
            Param("c", "iri", "france"),
            {"type": "string", "format": "iri", "default": "france"},
            id="iri",
        ),
        pytest.param(Param("d", "date"), {"type": "string", "format": "date"}, id="no-default"),
    ],
)
def test_parameter_schema_for_openapi(param: Param, schema: dict[str, Any]) -> None:
    assert param.schema() == schema


def test_empty_string_is_a_value_for_a_string_parameter() -> None:
    query = CannedQuery("q", "Q", "", (), (Param("x", "string"), Param("y", "iri")), GOOD_BODY)
    rendered = query.render({"x": "", "y": ""})
    assert rendered.rstrip().endswith('VALUES (?x) { ("") }')
