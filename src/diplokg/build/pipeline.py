"""The build pipeline: from the hand-written inputs to a checked dist/, rebuilt only when needed.

Steps: parse the ontology and each document's curated Turtle; lint them (ill-typed literals,
undeclared terms, untyped resources: `diplokg.build.lint`); resolve evidence quotes to
offsets and trace every statement to its quote or interpretation; reason (OWL 2 RL) over
ontology + asserted + enrichment; derive the event codings, levels and date bounds (rules of
ontology/rules/ and the interval arithmetic); check consistency and SHACL; write every output
into a fresh folder that replaces dist/ only when all went well.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, URIRef

from diplokg.__version__ import __version__
from diplokg.build import drafts, intervals, lint, rules, statements
from diplokg.build.dist import write_dist
from diplokg.build.evidence import Source, annotate, strip_quotes
from diplokg.build.reason import DEFAULT_REASONER, REASONERS, Reasoner, infer, kinds
from diplokg.build.sources import source_texts
from diplokg.build.validate import Problem, consistency_problems, report, shacl_problems
from diplokg.config import Settings, shown
from diplokg.dataset import (
    DATASET_FILE,
    check_outputs,
    load_manifest,
    open_store,
    served_file,
)
from diplokg.errors import DamagedDist, InputError, ValidationFailed, disk_full
from diplokg.namespaces import (
    DKG,
    GRAPH_ASSERTED,
    GRAPH_DERIVED,
    GRAPH_DRAFT,
    GRAPH_ENRICHMENT,
    GRAPH_EVIDENCE,
    GRAPH_INFERRED,
    GRAPH_ONTOLOGY,
)
from diplokg.rdfio import Triple, parse_turtle
from diplokg.versions import keep

if TYPE_CHECKING:
    import pyoxigraph

Progress = Callable[[str], None]  # called with one line per step


def _quiet(line: str) -> None:
    """The default progress: say nothing (the CLI passes `print`)."""


def _to_stderr(line: str) -> None:
    """The default progress of `ensure_built` (the server's start, the Python API, the
    commands that read the dataset): on stderr, paths under the current folder relative to
    it, as the command line prints them (`config.shown`)."""
    print(shown(line), file=sys.stderr)


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
            quoted = sorted({str(f) for f in parse_turtle(facts).subjects(DKG.quote, None)})
            named = ", ".join(quoted[:3]) + (" ..." if len(quoted) > 3 else "")
            raise InputError(text, f"source text not found; the quotes of {named} need it")
    return documents


def input_files(settings: Settings) -> list[Path]:
    """The files whose content decides the build (ontology, shapes, texts, curated Turtle)."""
    files = [settings.ontology_file, settings.shapes_file, *sorted(settings.rules_dir.glob("*.rq"))]
    files += sorted(settings.graph_dir.glob("*.txt")) + sorted(settings.graph_dir.glob("*.ttl"))
    if settings.include_drafts:  # graph/drafts/: drafts, their texts, change sets
        files += drafts.draft_files(settings)
    return [f for f in files if f.is_file()]


def input_hashes(settings: Settings) -> dict[str, str]:
    """SHA-256 of each input file, keyed by its path relative to the project root; with
    `include_drafts`, the flag too (it is part of the cache key)."""
    hashes = {
        f.relative_to(settings.root).as_posix(): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in input_files(settings)
    }
    if settings.include_drafts:
        hashes["--include-drafts"] = "true"
    return hashes


# Beside the build wing itself (this folder), the shared modules whose code decides what a
# build writes: how RDF is parsed and serialised (rdfio, formats), the prefixes and graph
# names (namespaces), the file names and media types of dist/ (dataset), the search index's
# schema and text folding (search), the label a search hit is called by (terms), what a kept
# copy of dist/ holds (versions). tests/project/test_layout.py checks that the build imports no
# other shared module but config and errors.
SHARED_CODE = (
    "dataset.py",
    "formats.py",
    "namespaces.py",
    "rdfio.py",
    "search.py",
    "terms.py",
    "versions.py",
)


def code_hashes() -> dict[str, str]:
    """SHA-256 of every file of the build wing's package folder and of `SHARED_CODE`, keyed by
    the path relative to the diplokg package: editing any of them invalidates dist/."""
    wing = Path(__file__).resolve().parent
    package = wing.parent
    files = [f for f in wing.rglob("*") if f.is_file() and "__pycache__" not in f.parts]
    files += [package / name for name in SHARED_CODE]
    return {
        f.relative_to(package).as_posix(): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in sorted(files)
    }


def build_key(hashes: dict[str, str], reasoner: Reasoner) -> str:
    """One hash of everything a build depends on, stored in build.json to skip needless builds:
    the inputs, the reasoner, and the code of the build (`code_hashes`)."""
    blob = json.dumps(
        {"inputs": hashes, "reasoner": reasoner, "diplokg": __version__, "code": code_hashes()},
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


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
        enriched = [
            (doc.enrichment, parse_turtle(doc.enrichment))
            for doc in documents
            if doc.enrichment is not None
        ]
        for _, graph in enriched:
            enrichment += graph
        drafted = drafts.read_drafts(settings) if settings.include_drafts else []
        n_parsed = len(ontology) + sum(len(g) for _, g in curated) + len(enrichment)
        n_parsed += sum(len(d.graph) for d in drafted)
    with _step(progress, "lint", lambda: f"{len(linted)} file(s), 0 problem(s)"):
        linted = [
            lint.Source(settings.ontology_file, ontology, "ontology"),
            lint.Source(settings.shapes_file, shapes, "shapes"),
            *(lint.Source(doc.facts, facts, document_text=doc.text) for doc, facts in curated),
            *(lint.Source(path, graph) for path, graph in enriched),
            *(lint.Source(path, Graph(), "rules") for path in rules.rule_files(settings.rules_dir)),
            *(lint.Source(d.path, d.graph, document_text=d.text) for d in drafted),
        ]
        lint.check(linted, root=settings.root)
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
    if settings.include_drafts:
        with _step(progress, "drafts", lambda: f"{len(drafted)} draft(s), {len(draft)} triples"):
            draft = drafts.draft_graph(
                settings,
                drafted,
                ontology,
                [asserted, enrichment],
                result.closure | derived,
                reasoner,
            )
            graphs[GRAPH_DRAFT] = draft
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
    # The project's own dist/ (the one served) is kept by version, for permalinks.
    versions = settings.versions_dir if dist == settings.dist_dir.resolve() else None
    if not force:
        try:
            manifest = load_manifest(dist)
            if manifest is not None and manifest.get("key") == key:
                check_outputs(dist, manifest)
                progress(f"up to date  {dist}")
                if versions is not None:
                    keep(dist, versions)
                return dist
        except DamagedDist as damage:
            progress(f"rebuild   {damage}")
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
        )
    if versions is not None:
        with _step(progress, "keep", lambda: f"version {kept.id if kept else '-'} in {versions}"):
            kept = keep(dist, versions)
    progress(f"built     in {time.perf_counter() - started:.2f} s")
    return dist


@contextmanager
def _build_lock(dist: Path) -> Iterator[None]:
    """Serialise builds of one dist/ across processes (server and tests may start together)."""
    parent = dist.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def ensure_built(
    settings: Settings | None = None,
    progress: Progress = _to_stderr,
    read: Collection[str] = (),
) -> Path:
    """The path of dist/dataset.nq, checked against build.json, building first if an input's
    content changed or a file of dist/ is damaged (the file is named in the progress). Every
    output gets a `stat`; the dataset, the file the server loads (`served_file`) and the
    outputs named in `read` (say, the search index) are hashed in full.

    A rebuild reports its steps on stderr by default: the server and notebooks that call this
    should show why their start takes seconds. Raises DamagedDist when dist/ is damaged and
    cannot be rewritten (a read-only folder).
    """
    settings = settings or Settings()
    dist = settings.dist_dir
    with _build_lock(dist):
        reasoner = DEFAULT_REASONER
        damage = None
        try:
            manifest = load_manifest(dist)
            if manifest is not None and manifest.get("reasoner") in REASONERS:
                reasoner = manifest["reasoner"]
            if manifest is not None and manifest.get("key") == build_key(
                input_hashes(settings), reasoner
            ):
                # hashed in full: the dataset and the file the server loads (the RDF 1.2
                # dump when there is one), and whatever the caller is about to read
                served = served_file(dist).name
                check_outputs(dist, manifest, read=[DATASET_FILE, served, *read])
                return dist / DATASET_FILE
        except DamagedDist as exc:
            damage = exc
            progress(f"rebuild   {damage}")
        try:
            build(settings, reasoner=reasoner, force=True, progress=progress)
        except OSError as exc:
            if damage is None or disk_full(exc):
                raise
            reason = f"{damage.reason}; cannot rebuild it: {exc.strerror or exc}"
            raise DamagedDist(damage.path, reason) from None
    return dist / DATASET_FILE


def load_store(settings: Settings | None = None) -> pyoxigraph.Store:
    """An in-memory Oxigraph store holding the built dataset (built first if an input changed).

    Query it with `use_default_graph_as_union=True` to see the served default graph.
    """
    return open_store(ensure_built(settings))
