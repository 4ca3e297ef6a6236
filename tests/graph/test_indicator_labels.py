"""The indicators' English labels say what their French labels (and the page) say, no more:
`res:indicator-investment-stock` was "stock of direct investment" though neither "stock
d'investissements" nor the page ("11 Md€ de stock") says "direct"."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import RDFS, SKOS

from diplokg.namespaces import RES

ONTOLOGY = Path(__file__).resolve().parents[2] / "ontology" / "diplokg.ttl"
# Words that narrow what a figure measures, each with the French stems that would say it.
QUALIFIERS = {
    "direct": ("direct",),
    "foreign": ("étranger", "étrangère"),
    "net": ("net",),
    "gross": ("brut",),
    "total": ("total",),
    "annual": ("annuel", "chaque année", "par an"),
    "average": ("moyen",),
}


def added_qualifiers(graph: Graph) -> list[str]:
    """Each indicator whose English label has a qualifier its French label lacks."""
    found: list[str] = []
    for concept in sorted(graph.subjects(SKOS.inScheme, RES.indicators), key=str):
        labels = [o for o in graph.objects(concept, RDFS.label) if isinstance(o, Literal)]
        english = " ".join(str(o).lower() for o in labels if o.language == "en").split()
        french = " ".join(str(o).lower() for o in labels if o.language == "fr")
        for word, stems in QUALIFIERS.items():
            if word in english and not any(stem in french for stem in stems):
                found.append(f"{concept}: {word!r}")
    return found


def test_no_english_indicator_label_adds_a_qualifier() -> None:
    assert added_qualifiers(Graph().parse(ONTOLOGY)) == []


def test_the_check_finds_the_old_label() -> None:
    old = Graph()
    concept = RES["indicator-investment-stock"]
    old.add((concept, SKOS.inScheme, RES.indicators))
    old.add((concept, RDFS.label, Literal("stock of direct investment", lang="en")))
    old.add((concept, RDFS.label, Literal("stock d'investissements", lang="fr")))
    assert added_qualifiers(old) == [f"{concept}: 'direct'"]


def test_the_investment_stock_is_named_as_the_page_names_it() -> None:
    graph = Graph().parse(ONTOLOGY)
    labels = set(graph.objects(RES["indicator-investment-stock"], RDFS.label))
    assert Literal("investment stock", lang="en") in labels
    assert Literal("stock d'investissements", lang="fr") in labels
