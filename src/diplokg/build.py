"""`diplokg build`, `validate` and `stats`: from the hand-written inputs to a checked dist/.

Steps: parse the ontology and each document's curated Turtle; resolve evidence quotes to
offsets; reason (OWL 2 RL) over ontology + asserted + enrichment; check consistency and SHACL;
write every output into a fresh folder that replaces dist/ only when all went well.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef

from diplokg import __version__
from diplokg.config import Settings
from diplokg.dataset import read_manifest, write_dist
from diplokg.errors import InputError, ValidationFailed
from diplokg.evidence import Source, evidence_graph, strip_quotes
from diplokg.namespaces import (
    DKG,
    GRAPH_ASSERTED,
    GRAPH_ENRICHMENT,
    GRAPH_EVIDENCE,
    GRAPH_INFERRED,
    GRAPH_ONTOLOGY,
)
from diplokg.rdfio import Triple, parse_turtle
from diplokg.reason import DEFAULT_REASONER, Reasoner, infer, kinds
from diplokg.validate import Problem, consistency_problems, report, shacl_problems

Progress = Callable[[str], None]
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


def input_files(settings: Settings) -> list[Path]:
    """The files whose content decides the build (ontology, shapes, texts, curated Turtle)."""
    files = [settings.ontology_file, settings.shapes_file]
    files += sorted(settings.graph_dir.glob("*.txt")) + sorted(settings.graph_dir.glob("*.ttl"))
    if settings.include_drafts:
        from diplokg.draft.include import draft_files

        files += draft_files(settings)
    return [f for f in files if f.is_file()]


def input_hashes(settings: Settings) -> dict[str, str]:
    """SHA-256 of each input file, keyed by its path relative to the project root."""
    hashes = {
        f.relative_to(settings.root).as_posix(): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in input_files(settings)
    }
    if settings.include_drafts:  # the flag is part of the cache key
        hashes["--include-drafts"] = "true"
    return hashes


# The modules whose code decides what a build writes: editing one invalidates dist/ too.
_PIPELINE = ("build.py", "dataset.py", "evidence.py", "rdfio.py", "reason.py", "validate.py")


def build_key(hashes: dict[str, str], reasoner: Reasoner) -> str:
    """One hash of everything a build depends on, stored in build.json to skip needless builds:
    the inputs, the reasoner, and the code of the build pipeline."""
    here = Path(__file__).parent
    code = {name: hashlib.sha256((here / name).read_bytes()).hexdigest() for name in _PIPELINE}
    blob = json.dumps(
        {"inputs": hashes, "reasoner": reasoner, "diplokg": __version__, "code": code},
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass
class Assembled:
    """The five named graphs of a build and what reasoning and validation said about them."""

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
    settings: Settings, reasoner: Reasoner = DEFAULT_REASONER, progress: Progress = print
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
    with _step(progress, "evidence", lambda: f"{len(evidence)} triples"):
        sources = [
            Source(facts, doc.text.read_text(encoding="utf-8"), str(doc.facts))
            for doc, facts in curated
        ]
        evidence += evidence_graph(sources, ontology)
        for _, facts in curated:
            strip_quotes(facts)
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
    graphs = {
        GRAPH_ONTOLOGY: ontology,
        GRAPH_ASSERTED: asserted,
        GRAPH_ENRICHMENT: enrichment,
        GRAPH_EVIDENCE: evidence,
        GRAPH_INFERRED: _graph(result.inferred),
    }
    if settings.include_drafts:
        from diplokg.draft.include import GRAPH_DRAFT, draft_graph

        with _step(progress, "drafts", lambda: f"{len(graphs[GRAPH_DRAFT])} triples"):
            graphs[GRAPH_DRAFT] = draft_graph(
                settings, ontology, [asserted, enrichment], result, reasoner
            )
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
    progress: Progress = print,
) -> Path:
    """Build dist/ unless it is up to date; return its folder. Raises ValidationFailed (exit 1)
    or another DiplokgError (exit 2); either way the previous dist/ is left whole."""
    reasoner = reasoner or DEFAULT_REASONER
    dist = (dist or settings.dist_dir).resolve()
    hashes = input_hashes(settings)
    key = build_key(hashes, reasoner)
    manifest = read_manifest(dist)
    if not force and manifest is not None and manifest.get("key") == key:
        progress(f"up to date  {dist}")
        return dist
    started = time.perf_counter()
    built = assemble(settings, reasoner, progress)
    if built.problems:
        raise ValidationFailed("validation failed:\n" + report(built.problems))
    with _step(progress, "write", lambda: str(dist)):
        write_dist(built, dist, hashes=hashes, key=key, reasoner=reasoner)
    progress(f"built     in {time.perf_counter() - started:.2f} s")
    return dist


def cli_build(args: argparse.Namespace) -> int:
    """`diplokg build [--reasoner owlrl|reasonable] [--force] [--dist DIR]`."""
    settings = Settings(include_drafts=getattr(args, "include_drafts", False))
    build(
        settings,
        reasoner=args.reasoner,
        dist=Path(args.dist) if args.dist else None,
        force=args.force,
    )
    return 0


def cli_validate(args: argparse.Namespace) -> int:
    """`diplokg validate`: SHACL and consistency only; exit 1 with a report on violations."""
    built = assemble(Settings(), progress=lambda line: print(line, file=sys.stderr))
    if built.problems:
        print(f"{len(built.problems)} problem(s):\n{report(built.problems)}")
        return 1
    print("valid: no SHACL violation, consistent under OWL 2 RL")
    return 0


def cli_stats(args: argparse.Namespace) -> int:
    """`diplokg stats`: what the built graph holds (built first if an input changed)."""
    from diplokg.dataset import dataset_stats, format_stats, load_store

    print(format_stats(dataset_stats(load_store(Settings()))))
    return 0
