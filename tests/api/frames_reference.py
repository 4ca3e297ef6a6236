"""The notebook's typing as it was before issue 16 made it per column: one `kind` and one
conversion per cell, labels read by a SPARQL query per 200 IRIs, pyoxigraph terms converted one
by one. Kept as the reference the faster path must equal (`test_notebook_paths.py`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from diplokg.frames import LABEL_SUFFIXES, PRECISION, Answer, _python, _timestamp, kind
from diplokg.namespaces import sparql_prefixes
from diplokg.terms import JsonTerm, TextLabel, from_oxigraph, pick_label


def column(name: str, terms: list[JsonTerm | None]) -> dict[str, Any]:
    kinds = {kind(t) for t in terms if t is not None}
    if kinds == {"integer", "number"}:
        kinds = {"number"}
    only = kinds.pop() if len(kinds) == 1 else None
    if only == "temporal":
        stamps = [None if t is None else _timestamp(t) for t in terms]
        if all(s is not None for s, t in zip(stamps, terms, strict=True) if t is not None):
            precision = [None if t is None else PRECISION[t["datatype"]] for t in terms]
            return {
                name: pd.Series(stamps, dtype="datetime64[ns]"),
                f"{name}_precision": pd.Series(precision, dtype="object"),
            }
        return {name: pd.Series([None if t is None else t["value"] for t in terms], dtype=object)}
    if only == "integer":
        ints = [None if t is None else int(t["value"]) for t in terms]
        return {name: pd.array(ints, dtype="Int64")}
    if only == "number":
        return {name: pd.Series([None if t is None else float(t["value"]) for t in terms])}
    if only == "boolean":
        return {name: pd.array([None if t is None else _python(t) for t in terms], "boolean")}
    return {name: pd.Series([None if t is None else _python(t) for t in terms], dtype=object)}


def holds(answer: Answer, name: str, values: list[str | None]) -> bool:
    pairs = [(row.get(name), value) for row, value in zip(answer.rows, values, strict=True)]
    pairs = [(term, value) for term, value in pairs if value is not None]
    return bool(pairs) and all(term is not None and term["value"] == value for term, value in pairs)


def to_frame(answer: Answer, labels: Callable[[list[str]], Mapping[str, str]]) -> pd.DataFrame:
    if answer.boolean is not None:
        return pd.DataFrame({"boolean": pd.array([answer.boolean], dtype="boolean")})
    columns: dict[str, Any] = {}
    for name in answer.variables:
        terms = [row.get(name) for row in answer.rows]
        columns.update(column(name, terms))
        iris = sorted({t["value"] for t in terms if t is not None and t["type"] == "uri"})
        if not iris or any(f"{name}{suffix}" in answer.variables for suffix in LABEL_SUFFIXES):
            continue
        found = labels(iris)
        values = [
            found.get(t["value"]) if t is not None and t["type"] == "uri" else None for t in terms
        ]
        if found and not any(holds(answer, other, values) for other in answer.variables):
            columns[f"{name}_label"] = pd.Series(values, dtype=object)
    return pd.DataFrame(columns, index=pd.RangeIndex(len(answer.rows)))


def run(store: Any, query: str) -> Answer:
    """A SELECT on the union default graph, each term converted on its own."""
    result = store.query(query, use_default_graph_as_union=True)
    variables = [v.value for v in result.variables]
    rows = [
        {
            name: from_oxigraph(t)
            for name, t in zip(variables, solution, strict=True)
            if t is not None
        }
        for solution in result
    ]
    return Answer(variables, rows)


def labeller(store: Any, lang: str = "en") -> Callable[[list[str]], dict[str, str]]:
    """Labels by SPARQL, 200 IRIs per query, as `KnowledgeGraph.labels` read them."""
    cache: dict[str, str | None] = {}

    def labels(iris: list[str]) -> dict[str, str]:
        missing = [iri for iri in iris if iri not in cache]
        for start in range(0, len(missing), 200):
            batch = missing[start : start + 200]
            values = " ".join(f"<{iri}>" for iri in batch)
            answer = run(
                store,
                f"{sparql_prefixes()}SELECT ?resource ?label WHERE {{\n"
                f"  VALUES ?resource {{ {values} }}\n"
                "  ?resource rdfs:label ?label .\n}",
            )
            found: dict[str, list[TextLabel]] = {}
            for row in answer.rows:
                term = row["label"]
                found.setdefault(row["resource"]["value"], []).append(
                    TextLabel(term["value"], term.get("xml:lang"))
                )
            for iri in batch:
                chosen = pick_label(found.get(iri, []), lang)
                cache[iri] = None if chosen is None else chosen.text
        return {iri: label for iri in iris if (label := cache.get(iri)) is not None}

    return labels
