"""Every set of pages with gold (synthetic, held-out, blind) is loadable and scoreable.

No score of a held-out or blind set is asserted here: those sets measure the drafter and are
never tuned on (their READMEs). What is checked is that each gold file can serve as a measure:
it parses, it has its page, its quotes are the page's words, the concepts it uses from the
ontology's schemes exist, and the scorer reads every one of its facts (the gold scored against
itself has no error).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Namespace, URIRef

from diplokg.draft.score import score_graphs

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "draft"
# Every folder of pages with their gold: the synthetic pages, held-out set #1, the blind sets.
PAGE_SETS = sorted({p.parent.parent for p in DATA.glob("**/gold/*.ttl")})

OA = Namespace("http://www.w3.org/ns/oa#")
DKG = Namespace("https://w3id.org/diplokg/ontology#")
# properties whose values are concepts of the ontology's schemes
CONCEPT_PROPS = (
    DKG.indicator,
    DKG.unit,
    DKG.dateQualifier,
    DKG.valueQualifier,
    DKG.interpretationKind,
)
GOLDS = sorted(DATA.glob("**/gold/*.ttl"))


def _name(path: Path) -> str:
    return str(path.relative_to(DATA))


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(REPO / "ontology" / "diplokg.ttl", format="turtle")


def unknown_concepts(gold: Graph, ontology: Graph) -> set[str]:
    """The values of CONCEPT_PROPS that neither the ontology nor the file itself describes."""
    described = set(ontology.subjects()) | set(gold.subjects())
    return {
        str(o)
        for prop in CONCEPT_PROPS
        for o in gold.objects(None, prop)
        if isinstance(o, URIRef) and o not in described
    }


def test_the_sets_are_found() -> None:
    names = {p.relative_to(DATA).as_posix() for p in PAGE_SETS}
    assert {".", "heldout"} <= names


@pytest.mark.parametrize("folder", PAGE_SETS, ids=lambda p: p.name)
def test_each_page_has_its_gold_and_each_gold_its_page(folder: Path) -> None:
    pages = {p.stem for p in (folder / "pages").glob("*.txt")}
    golds = {p.stem for p in (folder / "gold").glob("*.ttl")}
    assert pages and pages == golds


@pytest.mark.parametrize("path", GOLDS, ids=_name)
def test_each_gold_file_is_a_valid_measure(
    path: Path, ontology: Graph, project_context: Graph
) -> None:
    gold = Graph().parse(path, format="turtle")
    text = (path.parent.parent / "pages" / f"{path.stem}.txt").read_text(encoding="utf-8")
    assert [str(q) for q in gold.objects(None, OA.exact) if str(q) not in text] == []
    assert unknown_concepts(gold, ontology) == set()
    score = score_graphs(gold, gold, project_context)
    assert score.rows["events"].tp > 0
    assert {n: (r.fp, r.fn) for n, r in score.rows.items() if (r.fp, r.fn) != (0, 0)} == {}


def test_an_unknown_concept_is_found(ontology: Graph) -> None:
    gold = Graph().parse(
        data="""@prefix dkg: <https://w3id.org/diplokg/ontology#> .
@prefix res: <https://w3id.org/diplokg/resource/> .
res:f a dkg:EconomicFigure ; dkg:indicator res:indicator-nowhere , res:indicator-exports .
""",
        format="turtle",
    )
    assert unknown_concepts(gold, ontology) == {
        "https://w3id.org/diplokg/resource/indicator-nowhere"
    }
