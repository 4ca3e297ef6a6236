"""Search: the spellings a researcher half remembers, accents and case, quotes, hostile input.

On the built dataset (dist/search.sqlite, built if stale); the expected resources are the
labels and skos:altLabels of graph/france-kazakhstan-2015.ttl ("Nazarbaev" is an altLabel of
res:nursultan-nazarbayev, "Shymkent" the English label of res:chymkent, "Bolashak" the English
label of res:bolashak-programme; the page writes "Nazarbaïev", "Chymkent", "Bolachak").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from diplokg.api import KnowledgeGraph
from diplokg.build import ensure_built
from diplokg.cli import main
from diplokg.config import Settings
from diplokg.dataset import SEARCH_FILE
from diplokg.namespaces import RES
from diplokg.search import KINDS, SearchError, fts_query, search, words
from diplokg.server.app import create_app

TEXT = "france-kazakhstan-2015"


@pytest.fixture(scope="module")
def index() -> Path:
    return ensure_built(Settings()).parent / SEARCH_FILE


@pytest.fixture(scope="module")
def source_text() -> str:
    return (Settings().graph_dir / f"{TEXT}.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    # The built dataset, served with a throwaway root (queries, versions, permalinks).
    root = tmp_path_factory.mktemp("search-root")
    app = create_app(Settings(root=root), ensure_built(Settings()))
    with TestClient(app) as test_client:
        yield test_client


def iris(index: Path, text: str, limit: int = 5) -> list[str]:
    return [h.iri for h in search(index, text, limit=limit).hits]


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        pytest.param("Nazarbaev", "nursultan-nazarbayev", id="Nazarbaev"),
        pytest.param("Nazarbaïev", "nursultan-nazarbayev", id="Nazarbaïev"),
        pytest.param("Nazarbayev", "nursultan-nazarbayev", id="Nazarbayev"),
        pytest.param("Shymkent", "chymkent", id="Shymkent"),
        pytest.param("Chymkent", "chymkent", id="Chymkent"),
        pytest.param("Bolashak", "bolashak-programme", id="Bolashak"),
        pytest.param("Bolachak", "bolashak-programme", id="Bolachak"),
    ],
)
def test_spellings_find_their_resource(index: Path, text: str, slug: str) -> None:
    hits = search(index, text, limit=5).hits
    assert str(RES[slug]) in [h.iri for h in hits if h.kind == "resource"]
    assert hits[0].kind == "resource"  # a label ranks above every quote and sentence


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        pytest.param("nazarbaiev", "nursultan-nazarbayev", id="accent-dropped"),
        pytest.param("NAZARBAEV", "nursultan-nazarbayev", id="upper-case"),
        pytest.param("shymKENT", "chymkent", id="mixed-case"),
        pytest.param("aerodrome chymkent", "chymkent-aerodrome", id="aérodrome-without-accent"),
        pytest.param("AÉRODROME", "chymkent-aerodrome", id="accented-capitals"),
        pytest.param("Nazarb", "nursultan-nazarbayev", id="prefix-of-the-last-word"),
    ],
)
def test_accents_case_and_prefixes_do_not_matter(index: Path, text: str, slug: str) -> None:
    assert iris(index, text, limit=3)[0] == str(RES[slug])


def test_a_french_adjective_finds_labels_quotes_and_sentences(index: Path) -> None:
    results = search(index, "kazakhstanais")
    kinds = {h.kind for h in search(index, "kazakhstanais", limit=100).hits}
    assert {"resource", "quote", "sentence"} <= kinds
    # "kazakhstanais" as a prefix: "franco-kazakhstanaises", "kazakhstanaise" too
    assert any("<mark>kazakhstanaises</mark>" in h.snippet for h in results.hits)


def test_a_word_only_in_a_quote(index: Path, source_text: str) -> None:
    """ "solennellement" is in no label: the quote that holds it comes first, linked to its fact
    and to its place in the text."""
    hits = search(index, "solennellement").hits
    assert [h.kind for h in hits] == ["quote", "sentence"]
    quote = hits[0]
    assert quote.iri == str(RES["inauguration-2014-12-institut-sorbonne-kazakhstan"])
    assert "<mark>solennellement</mark>" in quote.snippet
    assert quote.start is not None and quote.end is not None
    assert "solennellement" in source_text[quote.start : quote.end]
    assert quote.url == f"/document/document-{TEXT}#char={quote.start},{quote.end}"


def test_labels_rank_above_quotes_above_sentences(index: Path) -> None:
    hits = search(index, "Astana", limit=100).hits
    assert hits[0].iri == str(RES.astana)
    order = [KINDS.index(h.kind) for h in hits]
    best = {kind: order.index(KINDS.index(kind)) for kind in ("resource", "quote", "sentence")}
    assert best["resource"] < best["quote"] < best["sentence"]


def test_near_spellings_when_no_entry_holds_the_word(index: Path) -> None:
    results = search(index, "Nazarbajev")
    assert results.near
    assert results.hits[0].iri == str(RES["nursultan-nazarbayev"])
    assert all(h.near for h in results.hits)
    # short words get no near spellings: they would match nearly anything
    assert search(index, "Naza").total == 0 or not search(index, "Naza").near


@pytest.mark.parametrize(
    "text",
    [
        '"',
        '"Nazarbaev',
        "AND",
        "OR NOT",
        "*",
        "Naz*",
        "NEAR(Hollande Astana, 2)",
        "label:Astana",
        "{names quote}: x",
        "^Astana",
        "Astana -Almaty",
        ")(",
        "'; DROP TABLE entries; --",
        "\x00",
        "🙂",
        "a" * 5000,
        " ".join(["Astana"] * 100),
    ],
)
def test_hostile_input_never_fails(index: Path, client: TestClient, text: str) -> None:
    search(index, text)
    response = client.get("/api/search", params={"q": text})
    assert response.status_code == 200
    assert client.get("/search", params={"q": text}).status_code == 200


def test_query_text_is_never_fts_syntax() -> None:
    assert fts_query('Nazarbaev "AND" pr*') == '"Nazarbaev" "AND" "pr"*'
    assert fts_query("NEAR(a b)") == '"NEAR" "a" "b"*'
    assert fts_query(' *" ^ ') is None
    assert words("l’aérodrome de Chymkent") == ["l", "aérodrome", "de", "Chymkent"]


def test_the_api_answers_json_with_marked_snippets(client: TestClient) -> None:
    response = client.get("/api/search", params={"q": "Bolashak", "limit": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "Bolashak"
    assert body["limit"] == 2 and len(body["hits"]) == 2 and body["total"] > 2
    hit = body["hits"][0]
    assert set(hit) == {
        "kind", "label", "iri", "snippet", "score", "type", "document", "start", "end", "url",
        "near",
    }  # fmt: skip
    assert "<mark>Bolashak</mark>" in hit["snippet"]
    more = client.get("/api/search", params={"q": "Bolashak", "limit": 2, "offset": 2}).json()
    assert [h["iri"] for h in more["hits"]] != [h["iri"] for h in body["hits"]]
    assert client.get("/api/search", params={"q": "x", "limit": 1000}).status_code == 400


def test_snippets_escape_the_text(index: Path) -> None:
    # A quote with an apostrophe and « » comes back escaped, only <mark> as markup.
    for hit in search(index, "Bolachak", limit=20).hits:
        assert re.sub(r"</?mark>", "", hit.snippet).count("<") == 0


def test_the_search_page_and_the_box_on_every_page(client: TestClient) -> None:
    page = client.get("/search", params={"q": "Shymkent"}, headers={"Accept": "text/html"}).text
    assert '<a href="/resource/chymkent">Shymkent</a>' in page
    assert "<mark>Shymkent</mark>" in page
    for path in ("/", "/resource/chymkent", "/ontology", "/dumps/", "/document/"):
        html = client.get(path, headers={"Accept": "text/html"}).text
        assert '<form class="site-search" action="/search" role="search">' in html, path


def test_kg_search_is_a_dataframe() -> None:
    with KnowledgeGraph.load() as kg:
        frame = kg.search("Nazarbaev")
    assert list(frame.columns) == [
        "kind", "label", "iri", "snippet", "score", "type", "document", "start", "end", "url",
        "near",
    ]  # fmt: skip
    assert frame.loc[0, "iri"] == str(RES["nursultan-nazarbayev"])
    assert "**Nazarbaev**" in frame.loc[0, "snippet"]  # type: ignore[operator]


def test_kg_search_needs_the_built_dataset(tmp_path: Path) -> None:
    data = tmp_path / "one.nt"
    data.write_text(f'<{RES.x}> <http://www.w3.org/2000/01/rdf-schema#label> "x" .\n')
    with KnowledgeGraph.load(data) as kg, pytest.raises(SearchError, match="built dataset"):
        kg.search("x")


def test_search_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "Shymkent", "--limit", "3"]) == 0
    out = capsys.readouterr().out
    assert "/resource/chymkent" in out and "**Shymkent**" in out
    assert main(["search", "solennellement", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert records[0]["kind"] == "quote"
    assert main(["search", '"']) == 0
    assert "(no rows)" in capsys.readouterr().out


@pytest.mark.parametrize("module", ["diplokg.search", "diplokg.permalinks"])
def test_the_examples_in_docstrings_run(module: str) -> None:
    import doctest
    import importlib

    failures, tried = doctest.testmod(importlib.import_module(module))
    assert tried > 0 and failures == 0
