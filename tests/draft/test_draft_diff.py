"""diff on a synthetic pair of editions: each kind of change, each side with its quote."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from diplokg.draft.diff import changeset_graph, diff_files
from diplokg.namespaces import DKG, RES

DATA = Path(__file__).resolve().parents[1] / "data" / "draft"

OLD = DATA / "editions" / "france-norway-2019.ttl"
NEW = DATA / "editions" / "france-norway-2021.ttl"


def test_each_kind_of_change() -> None:
    changes = {
        (
            c.kind,
            c.old.iri.rsplit("/", 1)[-1] if c.old else None,
            c.new.iri.rsplit("/", 1)[-1] if c.new else None,
        )
        for c in diff_files(OLD, NEW)
    }
    assert changes == {
        ("redated", "visit-2018-10-pm-oslo", "visit-2018-10-pm-oslo"),
        ("updated", "figure-2018-trade-volume", "figure-2020-trade-volume"),
        ("modified", "meeting-2019-05-14-economy", "meeting-2019-05-14-economy-paris"),
        ("reworded", "reception-2019-04-03-mfa", "reception-2019-04-03-mfa"),
        ("dropped", "consultation-2017-06-mfa", None),
        ("added", None, "signing-2020-11-energy"),
    }


def test_each_side_keeps_its_quote() -> None:
    redated = next(c for c in diff_files(OLD, NEW) if c.kind == "redated")
    assert redated.old is not None and redated.new is not None
    assert redated.old.quotes == ("Le Premier ministre s’est rendu à Oslo les 4 et 5 octobre 2018",)
    assert redated.new.quotes == ("Le Premier ministre s’est rendu à Oslo les 3 et 4 octobre 2018",)


def test_an_edition_against_itself_has_no_change() -> None:
    assert diff_files(NEW, NEW) == []


def test_the_change_set_is_rdf_the_endpoint_can_serve() -> None:
    graph = changeset_graph(diff_files(OLD, NEW), OLD, NEW)
    kinds = {str(o).rsplit("-", 1)[-1] for o in graph.objects(None, DKG.changeKind)}
    assert kinds == {"redated", "updated", "modified", "reworded", "dropped", "added"}
    assert (None, DKG.oldQuote, None) in graph and (None, DKG.newQuote, None) in graph
    turtle = graph.serialize(format="turtle")
    store = ox.Store()
    store.load(turtle.encode(), format=ox.RdfFormat.TURTLE)
    assert len(store) == len(Graph().parse(data=turtle, format="turtle"))
    assert str(RES["change-added"]) in turtle or "res:change-added" in turtle
