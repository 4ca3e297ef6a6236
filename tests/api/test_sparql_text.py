"""Queries as people type them (issue 11): our prefixes need no declaration in the API, and a
query that does not parse gets one line naming the line, the column and the offending text,
the same from the Python API, the endpoint and a canned query file.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from diplokg.config import Settings
from diplokg.errors import QueryError
from diplokg.namespaces import PREFIXES
from diplokg.server.app import create_app
from diplokg.sparql_text import add_prefixes, declared_prefixes, explain_syntax_error

WEB = Path(__file__).parents[1] / "data" / "web"
DKG_LINE = f"PREFIX dkg: <{PREFIXES['dkg']}>"


def explain(query: str) -> str:
    with pytest.raises(SyntaxError) as caught:
        ox.Store().query(query)
    return str(explain_syntax_error(query, str(caught.value)))


# -- our prefixes ------------------------------------------------------------------------------


def test_an_undeclared_prefix_of_ours_is_added() -> None:
    text = add_prefixes("SELECT ?t WHERE { ?t a dkg:Treaty ; rdfs:label ?l }")
    assert declared_prefixes(text) == {"dkg", "rdfs"}
    assert text.startswith(f"{DKG_LINE} PREFIX rdfs: <{PREFIXES['rdfs']}> SELECT")
    ox.Store().query(text)  # it parses


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("PREFIX dkg: <http://example.org/> SELECT * { ?s a dkg:X }", id="own"),
        pytest.param("SELECT * { ?s a foo:X }", id="not-ours"),
        pytest.param("SELECT * { ?s ?p _:b }", id="blank-node"),
        pytest.param('SELECT * { ?s ?p "dkg:Treaty" . ?s ?q <dkg:x> }', id="in-strings-and-iris"),
        pytest.param("SELECT * { ?s ?p 'open }", id="open-string"),
    ],
)
def test_prefixes_are_added_only_where_missing_and_ours(query: str) -> None:
    assert add_prefixes(query) == query


# -- one line for each mistake ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param(
            "SELECT ?t WHERE {\n  ?t a dkg:Treaty\n}",
            f"syntax error at line 2, column 8: prefix 'dkg:' is not declared (add {DKG_LINE})",
            id="our-prefix",
        ),
        pytest.param(
            "SELECT ?t WHERE { ?t a foo:Treaty }",
            "syntax error at line 1, column 24: prefix 'foo:' is not declared "
            "(add PREFIX foo: <…>)",
            id="unknown-prefix",
        ),
        pytest.param(
            "SELECT ?t WHERE { ?t a dgk:Treaty }",
            "syntax error at line 1, column 24: prefix 'dgk:' is not declared "
            "(did you mean dkg:? else add PREFIX dgk: <…>)",
            id="typo-of-our-prefix",
        ),
        pytest.param(
            "SELECT ?t WHERE { ?t a DKG:Treaty }",
            "syntax error at line 1, column 24: prefix 'DKG:' is not declared "
            "(did you mean dkg:? else add PREFIX DKG: <…>)",
            id="our-prefix-in-capitals",
        ),
        pytest.param(
            "SELECT ?x WHERE {\n  ?x ?p ?o .\n  ?x <http://a/b> ?y ?z .\n}",
            "syntax error at line 3, column 22: near '?z .'",
            id="a-term-too-many",
        ),
        pytest.param(
            "SELECT ?x WHERE {\n  ?x ?p ?o\n",
            "syntax error at line 1, column 17: this '{' is never closed",
            id="unclosed-brace",
        ),
        pytest.param(
            "SELEC ?x WHERE { ?x ?p ?o }",
            "syntax error at line 1, column 1: unexpected 'SELEC': "
            "expected SELECT, ASK, CONSTRUCT or DESCRIBE",
            id="misspelt-form",
        ),
        pytest.param(  # Oxigraph's reason, not "the query ends too early after '5'"
            "SELECT ?s ?s { ?s ?p ?o } LIMIT 5",
            "syntax error: Duplicated variable name in SELECT",
            id="duplicated-projection",
        ),
        pytest.param(
            "SELECT ?s { ?s ?p ?o } LIMIT 99999999999999999999999999",
            "syntax error: The query limit should be a non negative integer",
            id="limit-too-large",
        ),
        pytest.param(
            "PREFIX a: <http://a/>\nBASE <http://b/>",
            "syntax error at line 2, column 6: the query ends after '<http://b/>': "
            "expected SELECT, ASK, CONSTRUCT or DESCRIBE",
            id="declarations-only",
        ),
        pytest.param(
            "SELECT ?x WHERE { ?x ?p ?o } LIMT 3",
            "syntax error at line 1, column 30: near 'LIMT 3'",
            id="misspelt-keyword",
        ),
        pytest.param(
            "INSERT DATA { <http://a/s> <http://a/p> 1 }",
            "INSERT: SPARQL Update is not accepted: this graph is read-only",
            id="update",
        ),
    ],
)
def test_a_syntax_error_is_one_line_with_line_column_and_text(query: str, expected: str) -> None:
    assert explain(query) == expected


def test_oxigraphs_own_message_is_not_passed_on() -> None:
    # Oxigraph lists character classes (`['A' ..= 'Z' | ...]`) over several lines.
    found = explain("SELECT ?x WHERE { ?x ?p ?o . FILTER(?x = ) }")
    assert "\n" not in found and "..=" not in found
    assert found.startswith("syntax error at line 1, column ")


def test_positions_are_those_of_the_text_as_written() -> None:
    query = "SELECT ?t WHERE { ?t a dkg:Treaty . ?t ?p }"
    full = add_prefixes(query)
    with pytest.raises(SyntaxError) as caught:
        ox.Store().query(full)
    problem = explain_syntax_error(full, str(caught.value), hidden=len(full) - len(query))
    assert (problem.line, problem.column) == (1, 37)  # `?t ?p }`, in the user's text


# -- the Python API ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kg():  # type: ignore[no-untyped-def]
    from diplokg import KnowledgeGraph

    return KnowledgeGraph.load(WEB / "dataset.trig", settings=Settings(root=WEB))


def test_the_documented_query_runs_in_the_api(kg) -> None:  # type: ignore[no-untyped-def]
    # README: kg.sparql("SELECT ?t WHERE { ?t a dkg:Treaty }"), without a PREFIX line.
    frame = kg.sparql("SELECT ?v WHERE { ?v a dkg:Visit } ORDER BY ?v")
    assert frame["v"].str.rsplit("/", n=1).str[-1].tolist() == [
        "visit-hollande-2014-12",
        "visit-mitterrand-1993",
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        pytest.param(
            "SELECT ?t WHERE { ?t a foo:X }", "prefix 'foo:' is not declared", id="prefix"
        ),
        pytest.param(
            "SELECT ?t WHERE { ?t a dgk:Treaty }",
            r"prefix 'dgk:' is not declared \(did you mean dkg:\?",
            id="prefix-typo",
        ),
        pytest.param("SELECT ?v WHERE { ?v a dkg:Visit", "line 1, column 17", id="syntax"),
        pytest.param("INSERT DATA { <http://a/s> <http://a/p> 1 }", "read-only", id="update"),
    ],
)
def test_the_api_raises_the_same_one_line_message(kg, query: str, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QueryError, match=message) as caught:
        kg.sparql(query)
    assert "\n" not in str(caught.value)


# -- the endpoint ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("sparql-text-root")
    shutil.copytree(WEB / "queries", root / "queries")
    with TestClient(create_app(Settings(root=root, workers=1), WEB / "dataset.trig")) as c:
        yield c


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        pytest.param(
            "SELECT ?t WHERE { ?t a dkg:Treaty }",
            400,
            f"syntax error at line 1, column 24: prefix 'dkg:' is not declared (add {DKG_LINE})",
            id="undeclared-prefix",
        ),
        pytest.param(
            "SELECT ?t WHERE { ?t a dgk:Treaty }",
            400,
            "syntax error at line 1, column 24: prefix 'dgk:' is not declared "
            "(did you mean dkg:? else add PREFIX dgk: <…>)",
            id="prefix-typo",
        ),
        pytest.param(
            "SELEC ?x WHERE { ?x ?p ?o }",
            400,
            "syntax error at line 1, column 1: unexpected 'SELEC': "
            "expected SELECT, ASK, CONSTRUCT or DESCRIBE",
            id="misspelt-form",
        ),
        pytest.param(
            "SELECT ?x WHERE {\n  ?x ?p ?o .\n  ?x <http://a/b> ?y ?z .\n}",
            400,
            "syntax error at line 3, column 22: near '?z .'",
            id="syntax",
        ),
        pytest.param(
            "INSERT DATA { <http://a/s> <http://a/p> 1 }",
            403,
            "INSERT: SPARQL Update is not accepted: this endpoint is read-only",
            id="insert-data",
        ),
        pytest.param(
            "PREFIX a: <http://a/>\nDELETE WHERE { ?s a:p ?o }",
            403,
            "DELETE: SPARQL Update is not accepted: this endpoint is read-only",
            id="delete-after-a-prefix",
        ),
    ],
)
def test_the_endpoint_answers_one_line(
    client: TestClient, query: str, status: int, message: str
) -> None:
    response = client.post("/sparql", data={"query": query})
    assert response.status_code == status
    assert response.text == message + "\n"


def test_a_canned_query_file_names_its_line_and_column(tmp_path: Path) -> None:
    from diplokg.errors import InputError
    from diplokg.queries import load_catalogue

    (tmp_path / "broken.rq").write_text(
        "#+ title: Broken\nSELECT ?t WHERE {\n  ?t a dkg:Treaty\n}\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as caught:
        load_catalogue(tmp_path)
    assert caught.value.line == 3
    assert str(caught.value).endswith(
        f"broken.rq:3: SPARQL syntax error at column 8: prefix 'dkg:' is not declared "
        f"(add {DKG_LINE})"
    )


def test_a_turtle_file_with_a_typo_of_our_prefix_says_which(tmp_path: Path) -> None:
    from diplokg.errors import InputError
    from diplokg.rdfio import parse_turtle

    path = tmp_path / "typo.ttl"
    path.write_text(f"@prefix dkg: <{PREFIXES['dkg']}> .\n<http://a/x> a dgk:Treaty .\n")
    with pytest.raises(InputError, match=r'Prefix "dgk:" not bound \(did you mean dkg:\?\)'):
        parse_turtle(path)
    path.write_text("<http://a/x> a foo:Treaty .\n")  # nothing of ours is near `foo`
    with pytest.raises(InputError) as caught:
        parse_turtle(path)
    assert "did you mean" not in str(caught.value)
