"""`build --include-drafts`: the machine drafts of `graph/drafts/` in their own named graph.

With the flag, the build reads `graph/drafts/*.ttl` (each with its page text: `graph/drafts/
<name>.txt`, else the text its `dkg:sourceFile` names, beside it or in `graph/`) and
`graph/drafts/changes/*.ttl` (change sets of `diplokg diff`). The drafts go through the lint
(in `pipeline.assemble`) and the same evidence machinery as curated files: every statement of
a draft fact must be stated by a quote (`dkg:states`) or concerned by an interpretation.
Everything the drafts bring — their facts, their evidence and reifiers, what reasoning and the
rules derive only because of them — goes to `https://w3id.org/diplokg/graph/draft`, an eighth
graph that only a build with the flag holds. Without the flag none of it is read. The server
marks every answer of a dataset that holds that graph (`diplokg.server.middleware`), and
resource pages mark draft facts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import RDF

from diplokg.build import intervals, rules, statements
from diplokg.build.evidence import Source, annotate, strip_quotes
from diplokg.build.freshness import draft_files
from diplokg.build.reason import Reasoner, infer
from diplokg.config import Settings
from diplokg.errors import InputError
from diplokg.namespaces import DKG
from diplokg.rdfio import Triple, parse_turtle

__all__ = ["Draft", "draft_files", "draft_graph", "read_drafts"]


@dataclass(frozen=True)
class Draft:
    """One draft file, parsed, and the page text its quotes are found in."""

    path: Path
    graph: Graph
    text: Path


def _text_for(draft: Path, graph: Graph, settings: Settings) -> Path:
    names = [draft.with_suffix(".txt"), settings.graph_dir / f"{draft.stem}.txt"]
    for doc in graph.subjects(RDF.type, DKG.SourceDocument):
        source_file = graph.value(doc, DKG.sourceFile)
        if source_file is not None:
            names += [draft.parent / str(source_file), settings.graph_dir / str(source_file)]
    for name in names:
        if name.is_file():
            return name
    raise InputError(draft, "the page text of this draft is not found beside it nor in graph/")


def read_drafts(settings: Settings) -> list[Draft]:
    """The drafts of `graph/drafts/`, parsed, each with its page text."""
    folder = settings.drafts_dir
    found = []
    for path in sorted(folder.glob("*.ttl")) if folder.is_dir() else []:
        graph = parse_turtle(path)
        found.append(Draft(path, graph, _text_for(path, graph, settings)))
    return found


def draft_graph(
    settings: Settings,
    drafts: Iterable[Draft],
    ontology: Graph,
    curated: Iterable[Graph],
    known: set[Triple],
    reasoner: Reasoner,
) -> Graph:
    """The named graph `draft` (module docstring). `curated` are the asserted and enrichment
    graphs, `known` every triple the build holds without drafts (closure and derived), so that
    only what the drafts add is kept."""
    out = Graph()
    sources = [
        Source(draft.graph, draft.text.read_text(encoding="utf-8"), str(draft.path))
        for draft in drafts
    ]
    if sources:
        support = statements.collect(sources, ontology)
        annotations, notes = annotate(sources, ontology, support.mentions)
        out += annotations
        out += statements.statement_graph(support, notes, ontology)
        for source in sources:
            statements.strip_states(source.facts)
            strip_quotes(source.facts)
            statements.strip_interpretations(source.facts)
            out += source.facts
    folder = settings.drafts_dir
    for path in sorted((folder / "changes").glob("*.ttl")) if folder.is_dir() else []:
        out += parse_turtle(path)
    curated = list(curated)
    with_drafts = infer(ontology, [*curated, out], reasoner)
    derived = rules.derive(rules.load_rules(settings.rules_dir), with_drafts.closure)
    derived |= intervals.interval_triples(with_drafts.closure)
    seen = set(known)
    for graph in curated:
        seen.update(graph)
    for triple in [*with_drafts.inferred, *derived]:
        if triple not in seen:
            out.add(triple)
    return out
