"""The annotated source text, `/document/{slug}`: on evidence per statement, small and real.

Two datasets, both in the event model's shape (issue 13, section 4): annotation bodies are
rdf:Statement reifiers, stated or interpreted. tests/data/document/ is small, with nested and
overlapping spans. The real build (graph/) also names the fact itself a body of each of its
annotations, beside the statements the words state: the view lists those statements, not the
fact's other triples, and the statements only an interpretation supports, with their notes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from diplokg.build import ensure_built
from diplokg.config import Settings
from diplokg.dataset import served_file, source_texts
from diplokg.namespaces import RES
from diplokg.server.app import create_app
from diplokg.server.documents import Passage, paragraph_spans, paragraphs
from diplokg.server.linked_data import VALUES_BYTES, value_batches

FIXTURE = Path(__file__).parents[1] / "data" / "document"
FIXTURE_SLUG = "document-fixture"
SEED_SLUG = "document-france-kazakhstan-2015"
# The visit's quote in graph/france-kazakhstan-2015.ttl; the same words also state that the
# President's office holding is attested at the visit.
HOLLANDE_QUOTE = "et s’est rendu en visite officielle à Astana et Almaty les 5 et 6 décembre 2014"
VISIT_LABEL = "President Hollande's official visit to Astana and Almaty"


def fixture_dist(root: Path) -> Path:
    """A dist/ as the build writes it, from tests/data/document: dataset.nq, the text in
    documents/, build.json listing it."""
    dist = root / "dist"
    (dist / "documents").mkdir(parents=True)
    quads = ox.parse(path=FIXTURE / "dataset.trig", format=ox.RdfFormat.TRIG)
    ox.serialize(quads, str(dist / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    text = (FIXTURE / "fixture.txt").read_text(encoding="utf-8")
    (dist / "documents" / "fixture.txt").write_text(text, encoding="utf-8")
    manifest: dict[str, Any] = {
        "version": "0123456789ab",
        "texts": [
            {
                "name": "fixture",
                "file": "documents/fixture.txt",
                "source": str(RES[FIXTURE_SLUG]),
                "sha256": hashlib.sha256(text.encode()).hexdigest(),
                "characters": len(text),
            }
        ],
    }
    # As the build records its outputs: a reader checks them before it trusts them.
    written = [dist / "dataset.nq", dist / "documents" / "fixture.txt"]
    names = [path.relative_to(dist).as_posix() for path in written]
    manifest["files"] = {
        name: hashlib.sha256(path.read_bytes()).hexdigest()
        for name, path in zip(names, written, strict=True)
    }
    manifest["sizes"] = {
        name: path.stat().st_size for name, path in zip(names, written, strict=True)
    }
    (dist / "build.json").write_text(json.dumps(manifest), encoding="utf-8")
    return dist


@pytest.fixture(scope="module")
def fixture_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("document-fixture")
    app = create_app(Settings(root=root), fixture_dist(root) / "dataset.nq")
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def seed_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("document-seed")
    # the file `diplokg serve` serves: the RDF 1.2 dump of the build
    app = create_app(Settings(root=root), served_file(ensure_built(Settings()).parent))
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def fixture_text() -> str:
    return (FIXTURE / "fixture.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed_text() -> str:
    return (Settings().graph_dir / "france-kazakhstan-2015.txt").read_text(encoding="utf-8")


class Page(HTMLParser):
    """The pieces of the text (data-s and their text), the passage panels (data-s, data-e,
    visible text), as a browser would read them."""

    def __init__(self) -> None:
        super().__init__()
        self.pieces: list[tuple[int, str, str | None]] = []  # start, text, passages
        self.passages: dict[str, dict[str, str]] = {}
        self._piece: tuple[int, list[str], str | None] | None = None
        self._passage: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "span" and "data-s" in found and self._passage is None:
            self._piece = (int(str(found["data-s"])), [], found.get("data-p"))
        if tag == "article":
            number = str(found["id"]).removeprefix("passage-")
            self._passage = number
            self.passages[number] = {
                "s": str(found["data-s"]),
                "e": str(found["data-e"]),
                "text": "",
            }

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._piece is not None:
            start, text, passages = self._piece
            self.pieces.append((start, "".join(text), passages or None))
            self._piece = None
        if tag == "article":
            self._passage = None

    def handle_data(self, data: str) -> None:
        if self._piece is not None:
            self._piece[1].append(data)
        if self._passage is not None:
            self.passages[self._passage]["text"] += data + " "


def read_page(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def passages_with(page: Page, text: str, exact: str) -> list[dict[str, str]]:
    """The panels of the passages whose span is `exact` (two facts may quote the same words)."""
    start = text.index(exact)
    found = [
        p
        for p in page.passages.values()
        if (int(p["s"]), int(p["e"])) == (start, start + len(exact))
    ]
    assert found, exact
    return found


def passage_with(page: Page, text: str, exact: str) -> dict[str, str]:
    (found,) = passages_with(page, text, exact)
    return found


# --------------------------------------------------------------------------------------------
# Cutting the text
# --------------------------------------------------------------------------------------------


def test_paragraphs_are_split_on_blank_lines() -> None:
    text = "Title\n\nOne line\nand another.\n \n\nLast.\n"
    assert [text[a:b] for a, b in paragraph_spans(text)] == [
        "Title",
        "One line\nand another.",
        "Last.",
    ]


def _passage(number: int, start: int, end: int) -> Passage:
    return Passage(number, RES[f"a{number}"], start, end, "", [], [], [], [], [], True)


def test_nested_and_overlapping_spans_cut_the_text_into_pieces() -> None:
    text = "abcdefghij"
    # 1 = [1,8), 2 = [2,4) nested in 1, 3 = [6,10) overlapping 1
    (paragraph,) = paragraphs(text, [_passage(1, 1, 8), _passage(2, 2, 4), _passage(3, 6, 10)])
    assert [(p.text, p.passages) for p in paragraph.pieces] == [
        ("a", ()),
        ("b", (1,)),
        ("cd", (1, 2)),
        ("ef", (1,)),
        ("gh", (1, 3)),
        ("ij", (3,)),
    ]


# --------------------------------------------------------------------------------------------
# Evidence per statement (tests/data/document)
# --------------------------------------------------------------------------------------------


def test_fixture_offsets_are_those_of_the_text(fixture_text: str) -> None:
    store = ox.Store()
    store.load(path=FIXTURE / "dataset.trig", format=ox.RdfFormat.TRIG)
    rows = store.query(
        "PREFIX oa: <http://www.w3.org/ns/oa#> SELECT ?exact ?start ?end WHERE { GRAPH ?g { "
        "?t oa:hasSelector ?q , ?p . ?q oa:exact ?exact . ?p oa:start ?start ; oa:end ?end } }",
    )
    assert isinstance(rows, ox.QuerySolutions)
    found = [tuple(getattr(r[v], "value", "") for v in ("exact", "start", "end")) for r in rows]
    assert len(found) == 5
    for exact, start, end in found:
        assert fixture_text[int(start) : int(end)] == exact


def test_the_text_is_shown_whole_in_its_paragraphs(
    fixture_client: TestClient, fixture_text: str
) -> None:
    response = fixture_client.get(f"/document/{FIXTURE_SLUG}", headers={"Accept": "text/html"})
    assert response.status_code == 200
    page = read_page(response.text)
    for start, piece, _ in page.pieces:
        assert fixture_text[start : start + len(piece)] == piece
    shown = "".join(piece for _, piece, _ in page.pieces)
    assert shown == "".join(fixture_text[a:b] for a, b in paragraph_spans(fixture_text))
    assert response.text.count("<p data-s=") == 3


def test_each_span_is_highlighted_with_the_passages_covering_it(
    fixture_client: TestClient, fixture_text: str
) -> None:
    page = read_page(fixture_client.get(f"/document/{FIXTURE_SLUG}").text)
    covered = {piece: passages for _, piece, passages in page.pieces}
    # "Le Président Hollande" is a mention inside "... s’est rendu en visite": two passages.
    assert covered["Le Président Hollande"] == "1 2"
    # "visite" is covered by "... s’est rendu en visite" and "visite officielle à Astana".
    assert covered["visite"] == "2 3"
    assert covered["à Astana"] == "3 4"  # where two spans overlap
    assert covered["Une visite"] is None


def test_a_span_lists_the_statements_it_states(
    fixture_client: TestClient, fixture_text: str
) -> None:
    page = read_page(fixture_client.get(f"/document/{FIXTURE_SLUG}").text)
    visit = passage_with(page, fixture_text, "Le Président Hollande s’est rendu en visite")
    assert "source actor" in visit["text"] and "François Hollande" in visit["text"]
    assert "stated" in visit["text"]
    # only its own statements, not the visit's place or date (another quote states those)
    assert "took place in" not in visit["text"].split("derived statement")[0]
    assert "per fact" not in visit["text"]
    place = passage_with(page, fixture_text, "à Astana le 5 décembre 2014")
    assert "took place in" in place["text"] and "Astana" in place["text"]
    assert "2014-12-05" in place["text"]


def test_derived_statements_are_marked(fixture_client: TestClient, fixture_text: str) -> None:
    html = fixture_client.get(f"/document/{FIXTURE_SLUG}").text
    article = re.search(r'<article class="passage" id="passage-4".*?</article>', html, re.S)
    assert article is not None
    derived = re.search(r'<details class="derived">(.*?)</details>', article.group(0), re.S)
    assert derived is not None
    rows = derived.group(1)
    assert '<tr class="derived">' in rows and '<tr class="stated">' not in rows
    assert "/resource/kazakhstan" in rows  # inferred: took place in Kazakhstan
    assert "earliest" in rows  # the derived graph: the date bound


def test_interpretations_are_marked(fixture_client: TestClient, fixture_text: str) -> None:
    html = fixture_client.get(f"/document/{FIXTURE_SLUG}").text
    page = read_page(html)
    meeting = passage_with(page, fixture_text, "Il a rencontré son homologue")
    # stated by the quote and read by an interpretation: both shown
    assert "target actor" in meeting["text"] and "President of Kazakhstan" in meeting["text"]
    assert "counterpart resolution" in meeting["text"]
    assert '"son homologue": the President of Kazakhstan (the office).' in meeting["text"]
    # a statement no quote states, only an interpretation: listed, marked
    assert "venue city" in meeting["text"] and "Paris" in meeting["text"]
    article = re.search(r'<article class="passage" id="passage-5".*?</article>', html, re.S)
    assert article is not None
    assert '<tr class="interpretation">' in article.group(0)


def test_the_facts_in_reading_order(fixture_client: TestClient, fixture_text: str) -> None:
    html = fixture_client.get(f"/document/{FIXTURE_SLUG}").text
    index = re.search(r'<nav class="facts-index".*?</nav>', html, re.S)
    assert index is not None
    links = re.findall(r'<a href="#char=(\d+),(\d+)" data-p="(\d+)">', index.group(0))
    starts = [(int(a), int(b)) for a, b, _ in links]
    assert starts == sorted(starts) and len(starts) == 5
    assert [n for _, _, n in links] == ["1", "2", "3", "4", "5"]


def test_machines_get_web_annotations(fixture_client: TestClient, fixture_text: str) -> None:
    response = fixture_client.get(
        f"/document/{FIXTURE_SLUG}", headers={"Accept": "application/ld+json"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    body = response.json()
    assert body["@context"][0] == "http://www.w3.org/ns/anno.jsonld"
    assert body["type"] == "AnnotationCollection" and body["total"] == 5
    items = body["first"]["items"]
    for item in items:
        assert item["type"] == "Annotation"
        quote, position = item["target"]["selector"]
        assert quote["type"] == "TextQuoteSelector" and position["type"] == "TextPositionSelector"
        assert fixture_text[position["start"] : position["end"]] == quote["exact"]
        assert item["target"]["source"] == str(RES[FIXTURE_SLUG])
    visit = next(i for i in items if i["id"] == str(RES["evidence/visit/1"]))
    assert {
        (b["rdf:subject"]["id"], b["rdf:predicate"]["id"], b["rdf:object"]["id"])
        for b in visit["body"]
    } == {
        (str(RES.visit), "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
         "https://w3id.org/diplokg/ontology#Visit"),
        (str(RES.visit), "https://w3id.org/diplokg/ontology#sourceActor", str(RES.hollande)),
    }  # fmt: skip
    assert all(b["type"] == "rdf:Statement" for b in visit["body"])
    assert all(b["dkg:statedBy"] == [{"id": visit["id"]}] for b in visit["body"])
    meeting = next(i for i in items if i["id"] == str(RES["evidence/meeting/1"]))
    (counterpart,) = [b for b in meeting["body"] if "dkg:interpretedBy" in b]
    (reading,) = counterpart["dkg:interpretedBy"]
    assert reading["rdfs:comment"] == '"son homologue": the President of Kazakhstan (the office).'
    assert reading["dkg:interpretationKind"] == {
        "id": str(RES["interpretation-counterpart-resolution"])
    }
    same = fixture_client.get(f"/document/{FIXTURE_SLUG}.jsonld").json()
    assert same == body


def test_the_plain_text_for_rfc_5147_fragments(
    fixture_client: TestClient, fixture_text: str
) -> None:
    for response in (
        fixture_client.get(f"/document/{FIXTURE_SLUG}", headers={"Accept": "text/plain"}),
        fixture_client.get(f"/document/{FIXTURE_SLUG}.txt"),
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        assert response.text == fixture_text


def test_unknown_documents_and_files_served_without_texts(
    fixture_client: TestClient, tmp_path: Path
) -> None:
    assert fixture_client.get("/document/nothing-here").status_code == 404
    assert fixture_client.get("/document/nothing-here.txt").status_code == 404
    app = create_app(Settings(root=tmp_path), FIXTURE / "dataset.trig")
    with TestClient(app) as client:
        assert client.get(f"/document/{FIXTURE_SLUG}").status_code == 404
        assert "No source text" in client.get("/document/").text


# --------------------------------------------------------------------------------------------
# The real build: evidence per statement
# --------------------------------------------------------------------------------------------


def test_the_build_lists_its_texts() -> None:
    dist = ensure_built(Settings()).parent
    (text,) = source_texts(dist)
    source = (Settings().graph_dir / "france-kazakhstan-2015.txt").read_text(encoding="utf-8")
    assert text.read() == source
    assert text.sha256 == hashlib.sha256(source.encode()).hexdigest()
    assert text.source == str(RES[SEED_SLUG]) and text.characters == len(source)


def test_every_quote_of_the_page_is_highlighted(seed_client: TestClient, seed_text: str) -> None:
    html = seed_client.get(f"/document/{SEED_SLUG}", headers={"Accept": "text/html"}).text
    page = read_page(html)
    annotations = seed_client.get(f"/document/{SEED_SLUG}.jsonld").json()["first"]["items"]
    # One annotation per quote of graph/france-kazakhstan-2015.ttl (143 `dkg:quote` values, no
    # two of one fact at the same place), and one per mention (section 4: an entity whose
    # rdf:type no quote states and no interpretation concerns is found by its name in the
    # text): 56 such entities, but 4 of them (the Astana Opera, the Astana Ballet, the
    # Government of Kazakhstan, the Kazakh universities) are named exactly where their own
    # quote stands, which is then their only annotation. 143 + 56 - 4 = 195.
    assert len(page.passages) == len(annotations) == 195
    for passage in page.passages.values():
        start, end = int(passage["s"]), int(passage["e"])
        assert any(p is not None and s < end and s + len(t) > start for s, t, p in page.pieces), (
            start,
            end,
        )
    for start, piece, _ in page.pieces:
        assert seed_text[start : start + len(piece)] == piece


def test_each_span_of_the_seed_lists_the_statements_it_states(
    seed_client: TestClient, seed_text: str
) -> None:
    page = read_page(seed_client.get(f"/document/{SEED_SLUG}").text)
    found = passages_with(page, seed_text, HOLLANDE_QUOTE)
    texts = [" ".join(p["text"].split()) for p in found]
    (text,) = [t for t in texts if f"evidence of {VISIT_LABEL}" in t]
    stated = text.split("derived statement")[0]
    # what the words state: the kind of visit, its places and days
    for words in ("official visit", "took place in", "Astana", "Almaty", "2014-12-05", "stated"):
        assert words in stated, words
    # who visited is read, not stated, in these words: listed with its interpretation
    assert "source actor François Hollande interpretation coreference" in stated
    assert "per fact" not in text  # the view knows each statement's support
    # the visit took place in Kazakhstan: inferred, marked derived
    assert "derived statement" in text and "took place in Kazakhstan derived" in text
    # the same words as evidence of Hollande's office holding state one statement of it only
    (holding,) = [t for t in texts if t != text]
    own = holding.split("derived statement")[0]
    assert f"attested at {VISIT_LABEL} stated" in own
    assert "holder" not in own


def test_the_seed_as_json_ld_names_the_statements(seed_client: TestClient) -> None:
    items = seed_client.get(f"/document/{SEED_SLUG}.jsonld").json()["first"]["items"]
    visit = next(
        i for i in items if i["id"] == str(RES["evidence/visit-2014-12-hollande-kazakhstan/1"])
    )
    # the bodies: the statements the words state, and the fact they are about
    statements = [b for b in visit["body"] if b.get("type") == "rdf:Statement"]
    assert {b["id"] for b in visit["body"]} - {b["id"] for b in statements} == {
        str(RES["visit-2014-12-hollande-kazakhstan"])
    }
    assert all(
        b["rdf:subject"] == {"id": str(RES["visit-2014-12-hollande-kazakhstan"])}
        and b["dkg:statedBy"] == [{"id": visit["id"]}]
        for b in statements
    )
    assert {"id": str(RES.astana)} in [
        b["rdf:object"] for b in statements if b["rdf:predicate"]["id"].endswith("#tookPlaceIn")
    ]
    # "le Premier ministre a reçu son homologue à Paris": stated, and read as the office
    reception = next(
        i
        for i in items
        if i["id"].startswith(str(RES["evidence/reception-2012-06-11-prime-ministers/"]))
        and i["target"]["selector"][0]["exact"].endswith("son homologue à Paris")
    )
    (counterpart,) = [
        b
        for b in reception["body"]
        if b.get("rdf:predicate") == {"id": "https://w3id.org/diplokg/ontology#targetActor"}
    ]
    (note,) = counterpart["dkg:interpretedBy"]
    assert note["rdfs:comment"].startswith('The text names the offices only: "son homologue"')
    assert note["dkg:interpretationKind"] == {
        "id": str(RES["interpretation-counterpart-resolution"])
    }


def test_the_seed_marks_interpretations(seed_client: TestClient, seed_text: str) -> None:
    page = read_page(seed_client.get(f"/document/{SEED_SLUG}").text)
    found = passages_with(page, seed_text, "a été reçu par le Président Nazarbaïev")
    holding = next(p["text"] for p in found if "Nazarbayev as President" in p["text"])
    assert "interpretation reading of the phrase" in " ".join(holding.split())
    assert '"le Président Nazarbaïev", who creates a Kazakh scholarship programme' in holding


def test_resource_pages_link_each_quote_to_its_place(
    seed_client: TestClient, seed_text: str
) -> None:
    html = seed_client.get(
        "/resource/visit-2014-12-hollande-kazakhstan", headers={"Accept": "text/html"}
    ).text
    links = re.findall(rf'<a class="passage" href="/document/{SEED_SLUG}#char=(\d+),(\d+)">', html)
    assert (
        str(seed_text.index(HOLLANDE_QUOTE)),
        str(seed_text.index(HOLLANDE_QUOTE) + len(HOLLANDE_QUOTE)),
    ) in links
    for start, end in links:
        assert seed_text[int(start) : int(end)]  # a real span of the text
    assert seed_client.get(f"/document/{SEED_SLUG}").status_code == 200


def test_a_page_about_many_statements_asks_in_batches_under_the_query_limit() -> None:
    # the seed's annotations name 742 bodies (statements, facts): 74 KB of IRIs, over the
    # endpoint's 32 KiB query limit
    terms = [RES[f"statement/{n:04d}/" + "x" * 90] for n in range(800)]
    batches = value_batches(terms)
    assert len(batches) > 1
    assert all(len(b) <= VALUES_BYTES < Settings().max_query_bytes // 2 for b in batches)
    assert sorted(" ".join(batches).split()) == sorted(t.n3() for t in terms)


def test_the_document_index(seed_client: TestClient) -> None:
    html = seed_client.get("/document/", headers={"Accept": "text/html"}).text
    assert f'<a href="/document/{SEED_SLUG}">' in html
