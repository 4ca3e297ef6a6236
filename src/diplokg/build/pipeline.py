"""The build pipeline: from the hand-written inputs to a checked dist/, rebuilt only when needed.

Steps: parse the ontology and each document's curated Turtle; resolve evidence quotes to
offsets and trace every statement to its quote or interpretation; reason (OWL 2 RL) over
ontology + asserted + enrichment; derive the event codings, levels and date bounds (rules of
ontology/rules/ and the interval arithmetic); check consistency and SHACL; write every output
into a fresh folder that replaces dist/ only when all went well.
"""

from __future__ import annotations

import functools
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef

from diplokg.build import intervals, precompute, rules, statements
from diplokg.build.dist import write_dist
from diplokg.build.evidence import Source, annotate, strip_quotes
from diplokg.build.freshness import DEFAULT_REASONER, Progress, Reasoner, build_key, input_hashes
from diplokg.build.freshness import SHARED_CODE as SHARED_CODE  # where tests read it
from diplokg.build.reason import infer, kinds
from diplokg.build.sources import source_texts
from diplokg.build.validate import Problem, consistency_problems, report, shacl_problems
from diplokg.config import Settings
from diplokg.dataset import read_manifest
from diplokg.errors import InputError, ValidationFailed
from diplokg.namespaces import (
    DKG,
    GRAPH_ASSERTED,
    GRAPH_DERIVED,
    GRAPH_ENRICHMENT,
    GRAPH_EVIDENCE,
    GRAPH_INFERRED,
    GRAPH_ONTOLOGY,
)
from diplokg.rdfio import Triple, parse_turtle
from diplokg.versions import keep


def _quiet(line: str) -> None:
    """The default progress: say nothing (the CLI passes `print`)."""


ENRICHMENT_SUFFIX = ".enrichment.ttl"


@dataclass(frozen=True)
class Document:
    """One source document: its text, its curated facts and (optionally) their enrichment."""

    name: str
    text: Path
    facts: Path
    enrichment: Path | None


def discover(settings: Settings) -> list[Document]:
    """Every `graph/<doc>.txt` with its `<doc>.ttl` and optional `<doc>.enrichment.ttl`.

    A curated file without its source text is an error that names the facts left unanchored.
    """
    graph_dir = settings.graph_dir
    documents = []
    for text in sorted(graph_dir.glob("*.txt")):
        facts = text.with_suffix(".ttl")
        if not facts.is_file():
            raise InputError(facts, f"curated facts for {text.name} not found")
        enrichment = graph_dir / f"{text.stem}{ENRICHMENT_SUFFIX}"
        documents.append(
            Document(text.stem, text, facts, enrichment if enrichment.is_file() else None)
        )
    for facts in sorted(graph_dir.glob("*.ttl")):
        if facts.name.endswith(ENRICHMENT_SUFFIX):
            continue
        text = facts.with_suffix(".txt")
        if not text.is_file():
            quoted = sorted(str(f) for f in parse_turtle(facts).subjects(DKG.quote, None))
            named = ", ".join(quoted[:3]) + (" ..." if len(quoted) > 3 else "")
            raise InputError(text, f"source text not found; the quotes of {named} need it")
    return documents


@dataclass
class Assembled:
    """The named graphs of a build and what reasoning and validation said about them."""

    graphs: dict[URIRef, Graph]
    closure: set[Triple]
    reasoner_errors: list[str]
    inferred_kinds: Counter[str]
    documents: list[Document]
    problems: list[Problem] = field(default_factory=list)


def _graph(triples: Iterable[Triple]) -> Graph:
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    return graph


@contextmanager
def _step(progress: Progress, name: str, detail: Callable[[], str]) -> Iterator[None]:
    started = time.perf_counter()
    yield
    progress(f"{name:<9} {detail()}  ({time.perf_counter() - started:.2f} s)")


def assemble(
    settings: Settings, reasoner: Reasoner = DEFAULT_REASONER, progress: Progress = _quiet
) -> Assembled:
    """Parse, anchor evidence, reason and validate; no file is written."""
    documents = discover(settings)
    asserted, enrichment, evidence = Graph(), Graph(), Graph()
    with _step(progress, "parse", lambda: f"{len(documents)} document(s), {n_parsed} triples"):
        ontology = parse_turtle(settings.ontology_file)
        shapes = parse_turtle(settings.shapes_file)
        curated = [(doc, parse_turtle(doc.facts)) for doc in documents]
        for doc in documents:
            if doc.enrichment is not None:
                enrichment += parse_turtle(doc.enrichment)
        n_parsed = len(ontology) + sum(len(g) for _, g in curated) + len(enrichment)
    with _step(
        progress,
        "evidence",
        lambda: f"{len(evidence)} triples, {len(support.statements)} statements traced",
    ):
        sources = [
            Source(facts, doc.text.read_text(encoding="utf-8"), str(doc.facts))
            for doc, facts in curated
        ]
        support = statements.collect(sources, ontology)
        annotations, notes = annotate(sources, ontology, support.mentions)
        evidence += annotations
        evidence += statements.statement_graph(support, notes, ontology)
        for _, facts in curated:
            statements.strip_states(facts)
            strip_quotes(facts)
            statements.strip_interpretations(facts)
            asserted += facts
    with _step(
        progress,
        "reason",
        lambda: (
            f"{reasoner}: {len(asserted)} asserted + {len(enrichment)} enrichment -> "
            f"{len(result.inferred)} inferred: " + " ".join(f"{k}={v}" for k, v in counts.items())
        ),
    ):
        result = infer(ontology, [asserted, enrichment], reasoner)
        counts = kinds(result.inferred, result.closure)
    with _step(progress, "derive", lambda: f"{len(derived)} triples ({len(rule_set)} rules)"):
        rule_set = rules.load_rules(settings.rules_dir)
        derived = rules.derive(rule_set, result.closure)
        derived |= intervals.interval_triples(result.closure)
        derived -= result.closure
    graphs = {
        GRAPH_ONTOLOGY: ontology,
        GRAPH_ASSERTED: asserted,
        GRAPH_ENRICHMENT: enrichment,
        GRAPH_EVIDENCE: evidence,
        GRAPH_INFERRED: _graph(result.inferred),
        GRAPH_DERIVED: _graph(derived),
    }
    built = Assembled(graphs, result.closure, result.errors, counts, documents)
    with _step(progress, "validate", lambda: f"{len(built.problems)} problem(s)"):
        union = Graph()
        for graph in graphs.values():
            union += graph
        built.problems = consistency_problems(result.closure, result.errors)
        built.problems += shacl_problems(union, shapes, settings.shapes_file)
    return built


def build(
    settings: Settings,
    reasoner: Reasoner | None = None,
    dist: Path | None = None,
    force: bool = False,
    progress: Progress = _quiet,
) -> Path:
    """Build dist/ unless it is up to date; return its folder. Raises ValidationFailed (exit 1)
    or another DiplokgError (exit 2); either way the previous dist/ is left whole."""
    reasoner = reasoner or DEFAULT_REASONER
    dist = (dist or settings.dist_dir).resolve()
    hashes = input_hashes(settings)
    key = build_key(hashes, reasoner)
    manifest = read_manifest(dist)
    # The project's own dist/ (the one served) is kept by version, for permalinks.
    versions = settings.versions_dir if dist == settings.dist_dir.resolve() else None
    if not force and manifest is not None and manifest.get("key") == key:
        progress(f"up to date  {dist}")
        if versions is not None:
            keep(dist, versions)
        return dist
    started = time.perf_counter()
    built = assemble(settings, reasoner, progress)
    if built.problems:
        raise ValidationFailed("validation failed:\n" + report(built.problems))
    with _step(progress, "write", lambda: str(dist)):
        write_dist(
            dist,
            built.graphs,
            documents=[doc.name for doc in built.documents],
            texts=source_texts(built.documents, built.graphs[GRAPH_ASSERTED]),
            inferred_kinds=built.inferred_kinds,
            hashes=hashes,
            key=key,
            reasoner=reasoner,
            answers=functools.partial(precompute.answer_files, settings=settings),
        )
    if versions is not None:
        with _step(progress, "keep", lambda: f"version {kept.id if kept else '-'} in {versions}"):
            kept = keep(dist, versions)
    progress(f"built     in {time.perf_counter() - started:.2f} s")
    return dist
