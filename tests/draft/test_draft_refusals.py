"""What `diplokg draft` refuses, with exit 2 and one line naming the page, writing nothing: an
empty page, a page not in French, a page with no update date, a page whose other country cannot
be found (no country is ever invented). And no label of a draft has an empty "()"."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDFS

from diplokg.cli import main
from diplokg.draft.drafter import build_draft, looks_french
from diplokg.draft.gazetteer import gazetteer_from_graph
from diplokg.draft.writer import write_turtle

REPO = Path(__file__).resolve().parents[2]

# SYNTHETIC pages, written for these tests.
GHANA_EN = (
    "United Kingdom and Ghana\n\nThe United Kingdom and Ghana have close relations. The "
    "Foreign Secretary visited Accra on 12 March 2019 and met the President of Ghana. The two "
    "countries signed a memorandum on trade in 2018.\n"
)
GHANA_FR = (
    "La France et le Ghana\n\nLe Président ghanéen, M. Kofi Mensah, s’est rendu à Paris le "
    "3 mars 2019.\n"
)
UPDATED = "\nMise à jour : 12.09.19\n"
NO_COUNTRY = "Le Ministre de la Culture s’est rendu à Lyon le 5 mai 2011." + UPDATED


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the repository's ontology and curated graph, with no draft."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "ontology", root / "ontology")
    shutil.copytree(REPO / "graph", root / "graph", ignore=shutil.ignore_patterns("drafts"))
    return root


def _draft(project: Path, text: str, *options: str) -> tuple[int, Path]:
    page = project.parent / "page.txt"
    page.write_text(text, encoding="utf-8")
    return main(["--root", str(project), "draft", str(page), *options]), page


def _refused(project: Path, capsys: pytest.CaptureFixture[str], text: str, *options: str) -> str:
    code, page = _draft(project, text, *options)
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and str(page) in err
    assert not (project / "graph" / "drafts").exists()
    return err


@pytest.mark.parametrize("text", ["", "  \n\n\t \n"])
def test_an_empty_page_is_refused(
    project: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    assert "is empty: nothing to draft" in _refused(project, capsys, text)


def test_a_page_not_in_french_is_refused(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _refused(project, capsys, GHANA_EN + UPDATED, "--country", "ghana")
    assert "not in French" in err


def test_the_language_rule() -> None:
    assert not looks_french(GHANA_EN)
    assert looks_french(GHANA_FR)
    assert looks_french((REPO / "graph" / "france-kazakhstan-2015.txt").read_text("utf-8"))


def test_a_page_with_no_update_date_is_refused_unless_given(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _refused(project, capsys, GHANA_FR)
    assert "no update date" in err and "--updated YYYY-MM-DD" in err
    code, _ = _draft(project, GHANA_FR, "--updated", "2019-09-12", "--stdout")
    assert code == 0
    assert "France et Ghana (2019)" in capsys.readouterr().out


def test_a_page_naming_no_other_country_is_refused_not_invented(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _refused(project, capsys, NO_COUNTRY)
    assert "no partner country" in err and "--country SLUG" in err
    code, _ = _draft(project, NO_COUNTRY, "--country", "ghana", "--stdout")
    out = capsys.readouterr().out
    assert code == 0 and "res:ghana" in out and "non-identifie" not in out


def test_build_draft_never_invents_a_country() -> None:
    graph = Graph()
    for path in sorted((REPO / "graph").glob("*.ttl")):
        graph.parse(path, format="turtle")
    gaz = gazetteer_from_graph(graph, REPO / "graph" / "reference" / "wikidata.tsv")
    with pytest.raises(Exception, match="no partner country"):
        build_draft(NO_COUNTRY, gaz, name="construction", updated=date(2019, 9, 1))
    # the draft's name may still name it
    named = build_draft(NO_COUNTRY, gaz, name="france-ghana-2011", updated=date(2019, 9, 1))
    assert named.document.countries == ("france", "ghana")


def test_no_label_has_an_empty_parenthesis() -> None:
    # build_draft with no update date (the API allows it): the document's label had "()"
    graph = Graph()
    for path in sorted((REPO / "graph").glob("*.ttl")):
        graph.parse(path, format="turtle")
    gaz = gazetteer_from_graph(graph, REPO / "graph" / "reference" / "wikidata.tsv")
    drafted = build_draft(GHANA_FR, gaz, name="france-ghana-2019")
    turtle = write_turtle(drafted, gaz, taken=set())
    labels = [str(o) for o in Graph().parse(data=turtle, format="turtle").objects(None, RDFS.label)]
    assert "France et Ghana" in labels
    assert [label for label in labels if "()" in label] == []
