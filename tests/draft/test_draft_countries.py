"""Every country by its French name, and its adjective of nationality by rule or table."""

from __future__ import annotations

from pathlib import Path

import pytest

from diplokg.config import Settings
from diplokg.draft.countries import ascii_fold, world
from diplokg.draft.drafter import country_entity, partner_country
from diplokg.draft.gazetteer import Gazetteer, gazetteer_from_graph, slugify

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    from rdflib import Graph

    return gazetteer_from_graph(Graph(), Settings(root=REPO).graph_dir / "reference" / "x.tsv")


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Ghana", "ghana"),
        ("Azerbaïdjan", "azerbaijan"),
        ("Azerbaidjan", "azerbaijan"),
        ("Viêt Nam", "vietnam"),
        ("Vietnam", "vietnam"),
        ("Viet Nam", "vietnam"),
        ("Birmanie", "myanmar"),
        ("Côte d’Ivoire", "ivory-coast"),
        ("Côte d'Ivoire", "ivory-coast"),
        ("Arménie", "armenia"),
        ("Cambodge", "cambodia"),
        ("États-Unis", "united-states"),
    ],
)
def test_every_country_is_known_by_its_french_name(gaz: Gazetteer, name: str, slug: str) -> None:
    found = gaz.lookup(name)
    assert found is not None and (found.slug, found.cls) == (slug, "Country")


@pytest.mark.parametrize(
    ("adjective", "slug"),
    [
        # the rule: endings off, a suffix of nationality off, the stem of a one-word name
        ("ghanéen", "ghana"),
        ("ghanéennes", "ghana"),
        ("azerbaïdjanais", "azerbaijan"),
        ("azerbaïdjanaise", "azerbaijan"),
        ("vietnamien", "vietnam"),
        ("vietnamiennes", "vietnam"),
        ("mexicain", "mexico"),
        ("arménienne", "armenia"),
        ("cambodgiens", "cambodia"),
        ("tanzanienne", "tanzania"),
        ("togolais", "togo"),
        ("kényan", "kenya"),
        ("cubain", "cuba"),
        # a root in -stan or -ie, or a long stem, with no suffix
        ("ouzbek", "uzbekistan"),
        ("kazakhe", "kazakhstan"),
        ("mongole", "mongolia"),
        ("argentin", "argentina"),
        # the table of irregular forms
        ("allemande", "germany"),
        ("britanniques", "united-kingdom"),
        ("néerlandais", "netherlands"),
        ("sud-africain", "south-africa"),
        ("ivoirienne", "ivory-coast"),
    ],
)
def test_adjectives_of_nationality(gaz: Gazetteer, adjective: str, slug: str) -> None:
    assert gaz.adjective(adjective) == slug


@pytest.mark.parametrize(
    "word", ["malin", "ancien", "européen", "africain", "certain", "prochain", "Julien", "Alger"]
)
def test_words_that_are_no_adjective_of_nationality(gaz: Gazetteer, word: str) -> None:
    assert gaz.adjective(word) is None


def test_every_irregular_form_names_a_known_country() -> None:
    countries = world().countries
    assert set(world().irregular.values()) <= set(countries)
    assert len(countries) > 240


@pytest.mark.parametrize(
    ("words", "folded"),
    [("Đặng Thị Hồng", "Dang Thi Hong"), ("Ørsted", "Orsted"), ("Łódź", "Lodz"), ("cœur", "coeur")],
)
def test_letters_nfkd_does_not_decompose_are_transliterated(words: str, folded: str) -> None:
    assert ascii_fold(words) == folded
    assert slugify(words) == folded.lower().replace(" ", "-")


def test_the_partner_is_found_by_name_or_adjective(gaz: Gazetteer) -> None:
    text = "Le Président ghanéen a été reçu à Paris. La France et le Ghana coopèrent."
    assert partner_country(text, gaz) == "ghana"
    assert partner_country("Les relations franco-azerbaïdjanaises sont anciennes.", gaz) == (
        "azerbaijan"
    )


def test_an_unknown_country_becomes_a_new_entity(gaz: Gazetteer) -> None:
    assert country_entity("ghana", gaz).slug == "ghana"
    assert country_entity("Viet Nam", gaz).slug == "vietnam"
    new = country_entity("Nouvelle-Ruritanie", gaz)
    assert (new.slug, new.cls, new.label_fr) == (
        "nouvelle-ruritanie",
        "Country",
        "Nouvelle-Ruritanie",
    )
