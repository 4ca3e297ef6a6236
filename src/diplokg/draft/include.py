"""`build --include-drafts` and `serve --include-drafts`: drafts in their own named graph.

With the flag, the build reads `graph/drafts/*.ttl` (each with its page text: `graph/drafts/
<name>.txt`, else `graph/<name>.txt`) and `graph/drafts/changes/*.ttl` (change sets of
`diplokg diff`), anchors the drafts' quotes with the build's evidence machinery, reasons once
more with the drafts added, and puts everything the drafts bring — their facts, their
evidence, what reasoning derives only because of them — into `https://w3id.org/diplokg/graph/
draft`. Without the flag none of it is read. The server marks every answer of a dataset that
holds that graph with the header `X-Diplokg-Drafts`, and resource pages mark draft facts.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph
from rdflib.namespace import RDF

from diplokg.config import Settings
from diplokg.draft.drafter import DRAFTS_DIR
from diplokg.errors import InputError
from diplokg.evidence import Source, evidence_graph, strip_quotes
from diplokg.namespaces import DKG, GRAPH_DRAFT
from diplokg.rdfio import parse_turtle

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from diplokg.reason import Inference, Reasoner

HEADER = "X-Diplokg-Drafts"
HEADER_VALUE = f"included; graph=<{GRAPH_DRAFT}>; machine drafts, not reviewed"


def draft_files(settings: Settings) -> list[Path]:
    """The Turtle files `--include-drafts` reads: drafts, their page texts, change sets."""
    folder = settings.graph_dir / DRAFTS_DIR
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.ttl")) + sorted(folder.glob("*.txt"))
    return files + sorted((folder / "changes").glob("*.ttl"))


def _text_for(draft: Path, graph: Graph, settings: Settings) -> str:
    names = [draft.with_suffix(".txt"), settings.graph_dir / f"{draft.stem}.txt"]
    for doc in graph.subjects(RDF.type, DKG.SourceDocument):
        source_file = graph.value(doc, DKG.sourceFile)
        if source_file is not None:
            names += [draft.parent / str(source_file), settings.graph_dir / str(source_file)]
    for name in names:
        if name.is_file():
            return name.read_text(encoding="utf-8")
    raise InputError(draft, "the page text of this draft is not found beside it nor in graph/")


def draft_graph(
    settings: Settings,
    ontology: Graph,
    facts: Iterable[Graph],
    inference: Inference,
    reasoner: Reasoner,
) -> Graph:
    """The named graph `draft` (module docstring). `facts` and `inference` are the curated
    graphs and their reasoning, so that only what the drafts add is kept."""
    from diplokg.reason import infer

    folder = settings.graph_dir / DRAFTS_DIR
    out = Graph()
    sources = []
    for path in sorted(folder.glob("*.ttl")) if folder.is_dir() else []:
        graph = parse_turtle(path)
        sources.append(Source(graph, _text_for(path, graph, settings), str(path)))
    if sources:
        out += evidence_graph(sources, ontology)
    for source in sources:
        strip_quotes(source.facts)
        out += source.facts
    for path in sorted((folder / "changes").glob("*.ttl")) if folder.is_dir() else []:
        out += parse_turtle(path)
    curated = list(facts)
    known: set = set(inference.closure)
    for graph in curated:
        known.update(graph)
    with_drafts = infer(ontology, [*curated, out], reasoner)
    for triple in with_drafts.inferred:
        if triple not in known:
            out.add(triple)
    return out


def flag_drafts(app: ASGIApp) -> ASGIApp:
    """Wrap `app` so that every HTTP answer carries the `X-Diplokg-Drafts` header."""

    async def flagged(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def send_flagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((HEADER.lower().encode(), HEADER_VALUE.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, send_flagged)

    return flagged
