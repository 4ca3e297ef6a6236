"""Uniting the document units (`diplokg.build.units`) into the named graphs of the dataset.

Each named graph is the union of the units' sorted N-Quads lines, plus the ontology's. Three
things are decided only here, because they depend on more than one document:

- numbering: a fact quoted in several documents has its annotations numbered over the
  documents in name order, then by offset (`res:evidence/<fact>/<n>`), and a subject
  interpreted in several documents its interpretations over the keys of all of them
  (`res:interpretation/<subject>/<n>`); a unit numbers its own from 1, so the merge shifts
  the numbers of the subjects other documents share, in that unit's evidence lines only;
- the inferred graph leaves out what any document (or the ontology) states, and the derived
  graph what the ontology, any document or reasoning states;
- a triple inferred in several units counts once, under the first kind of rule any of them
  gives it (`reason.kinds`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import URIRef

from diplokg.build.reason import KINDS
from diplokg.build.search_index import QuoteRecord
from diplokg.build.statements import term_key
from diplokg.build.units import Unit
from diplokg.build.validate import Problem
from diplokg.namespaces import (
    GRAPH_ASSERTED,
    GRAPH_DERIVED,
    GRAPH_ENRICHMENT,
    GRAPH_EVIDENCE,
    GRAPH_INFERRED,
    GRAPH_ONTOLOGY,
    RES,
)
from diplokg.rdfio import Triple, triple_of

__all__ = ["Merged", "merge"]

_NUMBERED = re.compile(
    "<" + re.escape(str(RES)) + r"(evidence|interpretation)/([^>]*)/(\d+)((?:/[a-z-]+)?)>"
)
# (kind of IRI, slug) -> the number each local number becomes
Renumbering = dict[tuple[str, str], dict[int, int]]


@dataclass
class Merged:
    """The named graphs of a build (but the version's) and what the units reported."""

    graphs: dict[URIRef, list[str]]  # graph -> its sorted N-Quads lines
    inferred_kinds: Counter[str]
    problems: list[Problem]
    reasoner_errors: list[str]
    parsed: int
    statements: int
    names: list[Triple]
    quotes: list[QuoteRecord]
    reifies: list[str]  # the RDF 1.2 lines of every reifier, sorted


def renumbering(units: Sequence[Unit]) -> list[Renumbering]:
    """For each unit, the numbers of its annotations and interpretations that must change
    because other documents number the same subjects (empty for most units)."""
    out: list[Renumbering] = [{} for _ in units]
    seen: Counter[str] = Counter()
    for index, unit in enumerate(units):
        for fact, count in unit.annotations.items():
            shift = seen[fact]
            if shift:
                slug = fact[len(str(RES)) :]
                out[index][("evidence", slug)] = {n: n + shift for n in range(1, count + 1)}
            seen[fact] += count
    where: dict[str, list[int]] = {}
    for index, unit in enumerate(units):
        for subject in unit.readings:
            where.setdefault(subject, []).append(index)
    for subject, indexes in where.items():
        if len(indexes) < 2:
            continue
        # the order `statements._reading_iris` gives them: by key, then by document
        entries = sorted(
            (key, index, n)
            for index in indexes
            for n, key in enumerate(units[index].readings[subject], start=1)
        )
        slug = term_key(URIRef(subject))
        for number, (_, index, n) in enumerate(entries, start=1):
            if number != n:
                out[index].setdefault(("interpretation", slug), {})[n] = number
    return out


def _renumber(lines: list[str], changes: Renumbering) -> list[str]:
    """`lines` with the numbers `changes` gives, sorted again (only those lines that name a
    renumbered subject are looked at)."""
    slugs = "|".join(sorted({re.escape(slug) for _, slug in changes}, key=len, reverse=True))
    named = re.compile(f"/(?:evidence|interpretation)/(?:{slugs})/\\d")

    def replace(match: re.Match[str]) -> str:
        kind, slug, number, rest = match.groups()
        new = changes.get((kind, slug), {}).get(int(number))
        if new is None:
            return match.group(0)
        return f"<{RES}{kind}/{slug}/{new}{rest}>"

    out = [_NUMBERED.sub(replace, line) if named.search(line) else line for line in lines]
    out.sort()
    return out


def merge(units: Sequence[Unit], ontology: list[str], cache: Path | None = None) -> Merged:
    """The named graphs of `units` (in document order) with the ontology graph's `ontology`
    lines; the units' lines are read from `cache` one unit at a time when they are there."""
    # each graph's lines, unit after unit: sorted runs that one sort merges
    union: dict[URIRef, list[str]] = {
        g: [] for g in (GRAPH_ASSERTED, GRAPH_ENRICHMENT, GRAPH_EVIDENCE, GRAPH_DERIVED)
    }
    inferred: dict[str, int] = {}
    reifies: set[str] = set()
    for unit, changes in zip(units, renumbering(units), strict=True):
        quads, unit_reifies, unit_kinds = unit.lines(cache)
        for graph, lines in union.items():
            own = quads[str(graph)]
            lines += _renumber(own, changes) if changes and graph == GRAPH_EVIDENCE else own
        for line, kind in unit_kinds.items():
            inferred[line] = min(kind, inferred.get(line, kind))
        reifies.update(unit_reifies)
        del quads, unit_reifies, unit_kinds
    for lines in union.values():
        lines.sort()
        lines[:] = dict.fromkeys(lines)  # the same statement from several documents, once
    given = {triple_of(line) for line in ontology}
    given.update(triple_of(line) for g in (GRAPH_ASSERTED, GRAPH_ENRICHMENT) for line in union[g])
    inferred = {line: kind for line, kind in inferred.items() if triple_of(line) not in given}
    given.update(triple_of(line) for line in inferred)
    derived = [line for line in union[GRAPH_DERIVED] if triple_of(line) not in given]
    kinds: Counter[str] = Counter({kind: 0 for kind in KINDS})
    for kind in inferred.values():
        kinds[KINDS[kind]] += 1
    graphs = {
        GRAPH_ONTOLOGY: ontology,
        GRAPH_ASSERTED: union[GRAPH_ASSERTED],
        GRAPH_ENRICHMENT: union[GRAPH_ENRICHMENT],
        GRAPH_EVIDENCE: union[GRAPH_EVIDENCE],
        GRAPH_INFERRED: sorted(inferred),
        GRAPH_DERIVED: derived,
    }
    return Merged(
        graphs=graphs,
        inferred_kinds=kinds,
        problems=list(dict.fromkeys(p for unit in units for p in unit.problems)),
        reasoner_errors=sorted({e for unit in units for e in unit.reasoner_errors}),
        parsed=sum(unit.parsed for unit in units),
        statements=sum(unit.statements for unit in units),
        names=[t for unit in units for t in unit.names],
        quotes=[q for unit in units for q in unit.quotes],
        reifies=sorted(reifies),
    )
