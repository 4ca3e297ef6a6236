"""The build pipeline: from the hand-written inputs to a checked dist/, rebuilt only when needed.

Steps: parse the ontology and each document's curated Turtle; resolve evidence quotes to
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
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph
from rdflib.namespace import RDF

from diplokg.__version__ import __version__
from diplokg.build.dist import write_dist
from diplokg.build.merge import Merged, merge
from diplokg.build.reason import DEFAULT_REASONER, REASONERS, Reasoner
from diplokg.build.search_index import Describer
from diplokg.build.sources import Text, source_text
from diplokg.build.units import (
    DocumentFiles,
    SharedInputs,
    Unit,
    make_units,
    ontology_lines,
    prune_cache,
)
from diplokg.build.validate import Problem, report
from diplokg.config import Settings
from diplokg.dataset import DATASET_FILE, open_store, read_manifest
from diplokg.errors import InputError, ValidationFailed
from diplokg.namespaces import (
    DKG,
    GRAPH_ASSERTED,
    GRAPH_DERIVED,
    GRAPH_ENRICHMENT,
    GRAPH_EVIDENCE,
    GRAPH_INFERRED,
)
from diplokg.rdfio import parse_turtle
from diplokg.versions import keep

if TYPE_CHECKING:
    import pyoxigraph

Progress = Callable[[str], None]  # called with one line per step


def _quiet(line: str) -> None:
    """The default progress: say nothing (the CLI passes `print`)."""


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr)


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
    files = [settings.ontology_file, settings.shapes_file, *sorted(settings.rules_dir.glob("*.rq"))]
    files += sorted(settings.graph_dir.glob("*.txt")) + sorted(settings.graph_dir.glob("*.ttl"))
    return [f for f in files if f.is_file()]


def input_hashes(settings: Settings) -> dict[str, str]:
    """SHA-256 of each input file, keyed by its path relative to the project root."""
    return {
        f.relative_to(settings.root).as_posix(): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in input_files(settings)
    }


# Beside the build wing itself (this folder), the shared modules whose code decides what a
# build writes: how RDF is parsed and serialised (rdfio, formats), the prefixes and graph
# names (namespaces), the file names and media types of dist/ (dataset), the search index's
# schema and text folding (search), the label a search hit is called by (terms), what a kept
# copy of dist/ holds (versions). tests/test_layout.py checks that the build imports no other
# shared module but config and errors.
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
    """The named graphs of a build, what reasoning and validation said, and what was reused."""

    merged: Merged
    ontology: Graph
    documents: list[Document]
    texts: list[tuple[Text, list[tuple[int, int]]]]
    reused: list[str]  # the documents whose unit came from the cache
    keys: set[str]  # the cache keys of the units

    @property
    def problems(self) -> list[Problem]:
        return self.merged.problems


@contextmanager
def _step(progress: Progress, name: str, detail: Callable[[], str]) -> Iterator[None]:
    started = time.perf_counter()
    yield
    progress(f"{name:<9} {detail()}  ({time.perf_counter() - started:.2f} s)")


# What a unit does, in the order of the progress lines.
UNIT_STEPS = ("parse", "evidence", "reason", "derive", "validate")


def _seconds(units: Iterable[Unit], reused: set[str], step: str) -> float:
    return sum(u.seconds.get(step, 0.0) for u in units if u.name not in reused)


def assemble(
    settings: Settings,
    reasoner: Reasoner = DEFAULT_REASONER,
    progress: Progress = _quiet,
    workers: int | None = None,
) -> Assembled:
    """Make (or reuse) every document's unit and merge them; no file of dist/ is written."""
    documents = discover(settings)
    shared = SharedInputs(
        settings.ontology_file, settings.shapes_file, settings.rules_dir, reasoner
    )
    code = json.dumps({"diplokg": __version__, "code": code_hashes()}, sort_keys=True)
    started = time.perf_counter()
    files = [DocumentFiles(d.name, d.text, d.facts, d.enrichment) for d in documents]
    made = make_units(files, shared, code, settings.build_cache_dir, workers)
    units = made.units
    reused = set(made.reused)
    progress(
        f"{'units':<9} {len(units)} document(s): reused {len(reused)} from the cache, "
        f"made {len(units) - len(reused)}  ({time.perf_counter() - started:.2f} s)"
    )
    # Each step's line gives the seconds the made units spent in it, added up over the
    # worker processes.
    merge_started = time.perf_counter()
    ontology = parse_turtle(settings.ontology_file)
    merged = merge(units, ontology_lines(ontology), settings.build_cache_dir)
    merge_seconds = time.perf_counter() - merge_started
    graphs = merged.graphs
    traced = sum(1 for line in graphs[GRAPH_EVIDENCE] if line.endswith(_STATEMENT_LINE_END))
    lines = {
        "parse": f"{len(documents)} document(s), {len(ontology) + merged.parsed} triples",
        "evidence": f"{len(graphs[GRAPH_EVIDENCE])} triples, {traced} statements traced",
        "reason": (
            f"{reasoner}: {len(graphs[GRAPH_ASSERTED])} asserted + "
            f"{len(graphs[GRAPH_ENRICHMENT])} enrichment -> {len(graphs[GRAPH_INFERRED])} "
            "inferred: " + " ".join(f"{k}={v}" for k, v in merged.inferred_kinds.items())
        ),
        "derive": f"{len(graphs[GRAPH_DERIVED])} triples ({len(shared_rules(settings))} rules)",
        "validate": f"{len(merged.problems)} problem(s)",
    }
    for step in UNIT_STEPS:
        progress(f"{step:<9} {lines[step]}  ({_seconds(units, reused, step):.2f} s)")
    quads = sum(len(v) for v in graphs.values())
    progress(f"{'merge':<9} {len(units)} unit(s), {quads} quads  ({merge_seconds:.2f} s)")
    single = len(documents) == 1
    texts = [
        (source_text(doc, unit.text, unit.sources, single), unit.sentences)
        for doc, unit in zip(documents, units, strict=True)
    ]
    return Assembled(merged, ontology, documents, texts, made.reused, {u.key for u in units})


_STATEMENT_LINE_END = f" <{RDF.type}> <{RDF.Statement}> <{GRAPH_EVIDENCE}> .\n"


def shared_rules(settings: Settings) -> list[Path]:
    return sorted(settings.rules_dir.glob("*.rq"))


def build(
    settings: Settings,
    reasoner: Reasoner | None = None,
    dist: Path | None = None,
    force: bool = False,
    progress: Progress = _quiet,
    workers: int | None = None,
) -> Path:
    """Build dist/ unless it is up to date; return its folder. Raises ValidationFailed (exit 1)
    or another DiplokgError (exit 2); either way the previous dist/ is left whole.

    Each document's work is reused from the build's cache when its files, the shared inputs
    and the build's code are unchanged (`diplokg.build.units`); the progress says how many."""
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
    built = assemble(settings, reasoner, progress, workers)
    if built.problems:
        raise ValidationFailed("validation failed:\n" + report(built.problems))
    merged = built.merged
    with _step(progress, "write", lambda: f"{dist}: {len(written)} files"):
        written = write_dist(
            dist,
            merged.graphs,
            ontology=built.ontology,
            sources=sorted({text.source for text, _ in built.texts}),
            describe=Describer(built.ontology, merged.names),
            quotes=merged.quotes,
            documents=[doc.name for doc in built.documents],
            texts=built.texts,
            inferred_kinds=merged.inferred_kinds,
            hashes=hashes,
            key=key,
            reasoner=reasoner,
            reifies=merged.reifies,
            workers=workers or os.cpu_count() or 1,
        )
    prune_cache(settings.build_cache_dir, built.keys)
    if versions is not None:
        with _step(progress, "keep", lambda: f"version {kept.id if kept else '-'} in {versions}"):
            kept = keep(dist, versions)
    n = len(built.documents)
    progress(
        f"reused    {len(built.reused)} of {n} document(s) (parse, evidence, reason, derive, "
        f"validate); made {n - len(built.reused)}; the dumps merged from {n} unit(s)"
    )
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


def ensure_built(settings: Settings | None = None, progress: Progress = _to_stderr) -> Path:
    """The path of dist/dataset.nq, building first only if an input's content changed.

    A rebuild reports its steps on stderr by default: the server and notebooks that call this
    should show why their start takes seconds.
    """
    settings = settings or Settings()
    dist = settings.dist_dir
    with _build_lock(dist):
        manifest = read_manifest(dist)
        reasoner = DEFAULT_REASONER
        if manifest is not None and manifest.get("reasoner") in REASONERS:
            reasoner = manifest["reasoner"]
        if manifest is None or manifest.get("key") != build_key(input_hashes(settings), reasoner):
            build(
                settings,
                reasoner=reasoner,
                force=True,
                progress=progress,
            )
    return dist / DATASET_FILE


def load_store(settings: Settings | None = None) -> pyoxigraph.Store:
    """An in-memory Oxigraph store holding the built dataset (built first if an input changed).

    Query it with `use_default_graph_as_union=True` to see the served default graph.
    """
    return open_store(ensure_built(settings))
