"""Resource pages of the built dataset as a reader meets them (issue 11): labels in the page's
language with a fallback, each quote shown once, and under a fact only that fact's evidence.

Before: the quote under "took place in Astana" on the December 2014 visit was Astana's own
(the embassy's move to the new capital in 2008), and Kazakhstan's page showed one event's
long quote up to four times.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from rdflib import Literal, URIRef

from diplokg.config import Settings
from diplokg.server.app import create_app
from diplokg.server.linked_data import Resource, page_language, title

VISIT = "/resource/visit-2014-12-hollande-kazakhstan"
# graph/france-kazakhstan-2015.ttl, res:astana: the quote that makes Astana the capital.
ASTANA_QUOTE = "dans la nouvelle capitale, Astana"
BLOCKQUOTE = re.compile(r'<blockquote class="evidence" id="([^"]+)">(.*?)</blockquote>', re.DOTALL)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(workers=2))) as c:
        yield c


def page(client: TestClient, path: str, **headers: str) -> str:
    response = client.get(path, headers={"Accept": "text/html", **headers})
    assert response.status_code == 200
    text: str = response.text
    return text


def row(html: str, text: str) -> str:
    rows: list[str] = [r for r in re.findall(r"<tr[^>]*>.*?</tr>", html, re.DOTALL) if text in r]
    assert len(rows) == 1, (text, len(rows))
    return rows[0]


def quotes_of(html: str, part: str) -> str:
    """The quotes shown in `part` of the page `html`, those it links back to included."""
    shown = dict(BLOCKQUOTE.findall(html))
    own = [body for _, body in BLOCKQUOTE.findall(part)]
    linked = [shown[a] for a in re.findall(r'class="evidence-ref"><a href="#([^"]+)"', part)]
    return "\n".join(own + linked)


# -- the language of the labels -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("requested", "accept", "expected"),
    [
        pytest.param(None, None, "en", id="default"),
        pytest.param("fr", None, "fr", id="query"),
        pytest.param("FR", "en", "fr", id="query-wins"),
        pytest.param("de", None, "en", id="unknown-query"),
        pytest.param(None, "fr-FR,fr;q=0.9,en;q=0.8", "fr", id="accept-language"),
        pytest.param(None, "de, en;q=0.5, fr;q=0.7", "fr", id="by-quality"),
        pytest.param(None, "de", "en", id="none-we-have"),
        pytest.param(None, "fr;q=0, en", "en", id="refused"),
    ],
)
def test_the_page_language(requested: str | None, accept: str | None, expected: str) -> None:
    assert page_language(requested, accept) == expected


def test_an_english_page_shows_english_labels(client: TestClient) -> None:
    person = page(client, "/resource/francois-hollande")
    assert "has office holding" in person and "a exercé" not in person
    visit = page(client, VISIT)
    assert '<span lang="en">official visit</span>' in visit
    assert "visite officielle</span>" not in visit
    # The resource's own labels are all listed, whatever the language.
    assert "Visite officielle du Président Hollande à Astana et Almaty" in visit


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        pytest.param("/resource/francois-hollande?lang=fr", {}, id="query"),
        pytest.param("/resource/francois-hollande", {"Accept-Language": "fr"}, id="header"),
    ],
)
def test_a_french_page_shows_french_labels(
    client: TestClient, path: str, headers: dict[str, str]
) -> None:
    person = page(client, path, **headers)
    assert '<span lang="fr">a exercé</span>' in person
    assert "has office holding</span>" not in person
    assert "<strong>fr</strong>" in person  # the language switch says which is shown


def test_a_label_missing_in_the_language_falls_back() -> None:
    iri = URIRef("https://w3id.org/diplokg/resource/x")
    only_english = Resource(iri, [], [], {iri: [Literal("only English", lang="en")]}, {})
    assert title(only_english, "fr") == "only English"
    both = Resource(iri, [], [], {iri: [Literal("un", lang="fr"), Literal("one", lang="en")]}, {})
    assert (title(both, "fr"), title(both, "en")) == ("un", "one")


def test_resource_pages_vary_with_accept_language(client: TestClient) -> None:
    response = client.get(VISIT, headers={"Accept": "text/html"})
    assert {"Accept", "Accept-Language"} <= set(response.headers["Vary"].split(", "))


# -- quotes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", [VISIT, "/resource/kazakhstan", "/resource/francois-hollande", "/resource/astana"]
)
def test_each_quote_is_shown_once_and_later_places_link_back(client: TestClient, path: str) -> None:
    html = page(client, path)
    quotes = BLOCKQUOTE.findall(html)
    marks = [re.search(r"<mark>(.*?)</mark>", body, re.DOTALL) for _, body in quotes]
    shown = Counter(m.group(1) for m in marks if m is not None)
    assert shown and max(shown.values()) == 1, shown.most_common(3)
    anchors = {anchor for anchor, _ in quotes}
    for target in re.findall(r'<p class="evidence-ref"><a href="#([^"]+)">', html):
        assert target in anchors


def test_kazakhstan_page_links_back_to_a_quote_it_already_shows(client: TestClient) -> None:
    # A visit to Kazakhstan is the subject of several of its facts (took place in, between
    # countries...): its quote is shown under the first, and referred to from the others.
    html = page(client, "/resource/kazakhstan")
    assert html.count('<p class="evidence-ref">') > 0


def test_a_fact_shows_only_its_own_evidence(client: TestClient) -> None:
    visit = page(client, VISIT)
    took_place = [
        r
        for r in re.findall(r"<tr[^>]*>.*?</tr>", visit, re.DOTALL)
        if 'href="/ontology#tookPlaceIn"' in r
    ]
    assert any('href="/resource/astana"' in r for r in took_place)
    assert not any("<blockquote" in r for r in took_place)
    assert ASTANA_QUOTE not in visit
    # Astana's quote belongs to Astana's own facts: its page, and Kazakhstan's capital row.
    assert ASTANA_QUOTE in page(client, "/resource/astana")
    kazakhstan = page(client, "/resource/kazakhstan")
    assert ASTANA_QUOTE in quotes_of(kazakhstan, row(kazakhstan, "/ontology#capitalOf"))


def test_an_incoming_fact_shows_its_subjects_quote(client: TestClient) -> None:
    # Astana's page: the visit took place there, and the visit's quote says so.
    astana = page(client, "/resource/astana")
    rows = [
        r
        for r in re.findall(r"<tr[^>]*>.*?</tr>", astana, re.DOTALL)
        if 'href="/resource/visit-2014-12-hollande-kazakhstan"' in r
    ]
    assert "s’est rendu en visite officielle à Astana et Almaty" in rows[0]
    assert all('class="evidence-ref"' in r for r in rows[1:])  # the same quote, once
