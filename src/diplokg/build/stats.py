"""`diplokg stats`: what the built dataset holds, per named graph, per class, and in evidence."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from diplokg.build.evidence import FACT_CLASSES
from diplokg.build.statements import statement_counts
from diplokg.namespaces import DKG, KNOWN_GRAPHS, NAMED_GRAPHS, compact_iri

if TYPE_CHECKING:
    import pyoxigraph


def dataset_stats(store: pyoxigraph.Store) -> dict[str, Any]:
    """Triples per named graph, instances per class (union), facts with evidence, and the
    asserted statements by what supports them."""

    def rows(query: str) -> list[tuple[str, int]]:
        solutions = store.query(query, use_default_graph_as_union=True)
        return [(str(s[0].value), int(s[1].value)) for s in solutions]  # type: ignore[union-attr]

    per_graph = rows("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    per_class = rows(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n) ?c"
    )
    roots = " ".join(f"<{c}>" for c in FACT_CLASSES)
    fact_rows = rows(
        f"""SELECT ?has (COUNT(DISTINCT ?f) AS ?n) WHERE {{
              VALUES ?root {{ {roots} }}
              ?f a ?root .
              BIND(EXISTS {{ ?f <{DKG.hasEvidence}> ?e }} AS ?has)
            }} GROUP BY ?has"""
    )
    evidence = {flag: n for flag, n in fact_rows}
    return {
        # the seven graphs of every build, and `draft` only when the dataset holds it
        "triples_per_graph": {
            name: dict(per_graph).get(str(iri), 0)
            for name, iri in KNOWN_GRAPHS.items()
            if name in NAMED_GRAPHS or str(iri) in dict(per_graph)
        },
        "instances_per_class": dict(per_class),
        "facts": sum(evidence.values()),
        "facts_with_evidence": evidence.get("true", 0),
        "statements": statement_counts(store),
    }


def _short(iri: str) -> str:
    return compact_iri(iri) or f"<{iri}>"


def format_stats(stats: Mapping[str, Any]) -> str:
    """The text `diplokg stats` prints."""
    lines = ["triples per named graph:"]
    lines += [f"  {name:<12} {n:>7}" for name, n in stats["triples_per_graph"].items()]
    lines.append(
        f"facts: {stats['facts']}, with evidence from the source text: "
        f"{stats['facts_with_evidence']}"
    )
    if "statements" in stats:
        traced = stats["statements"]
        lines.append(
            f"statements: {traced['statements']}, stated by words of the source text: "
            f"{traced['with_words']} (of which also interpreted: {traced['with_both']}), by an "
            f"interpretation only: {traced['with_interpretation_only']}, by nothing: "
            f"{traced['without_support']}"
        )
        kinds = ", ".join(f"{k} {n}" for k, n in traced["interpretations_by_kind"].items())
        lines.append(f"interpretations by kind: {kinds or 'none'}")
    lines.append("instances per class (union of all graphs):")
    lines += [f"  {_short(cls):<40} {n:>5}" for cls, n in stats["instances_per_class"].items()]
    return "\n".join(lines)
