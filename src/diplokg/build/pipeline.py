"""The build pipeline: from the hand-written inputs to a checked dist/, rebuilt only when needed.

Steps: lint every input (ill-typed literals, undeclared terms, untyped resources:
`diplokg.build.lint`); then, per document (`diplokg.build.units`), parse its curated Turtle,
resolve evidence quotes to offsets and trace every statement to its quote or interpretation;
reason (OWL 2 RL) over ontology + asserted + enrichment; derive the event codings, levels and
date bounds (rules of ontology/rules/ and the interval arithmetic); check consistency and
SHACL; merge the units;
with `include_drafts`, make the draft graph (`diplokg.build.drafts`); write every output
into a fresh folder that replaces dist/ only when all went well.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from diplokg.__version__ import __version__
from diplokg.build import drafts, lint, precompute, rules
from diplokg.build.dist import write_dist
from diplokg.build.freshness import (
    DEFAULT_REASONER,
    Progress,
    Reasoner,
    build_key,
    code_hashes,
    input_hashes,
)
from diplokg.build.freshness import SHARED_CODE as SHARED_CODE  # where tests read it
from diplokg.build.merge import Merged, merge
from diplokg.build.search_index import NAMED, Describer, quote_records
from diplokg.build.sources import Text, source_text
from diplokg.build.units import (
    DocumentFiles,
    SharedInputs,
    Unit,
    make_units,
    ontology_lines,
    prune_cache,
)
from diplokg.build.validate import Problem, report, shape_problems
from diplokg.config import Settings
from diplokg.dataset import check_outputs, load_manifest
from diplokg.errors import DamagedDist, InputError, ValidationFailed
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
from diplokg.rdfio import Triple, nquads_lines, parse_turtle
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
            quoted = sorted({str(f) for f in parse_turtle(facts).subjects(DKG.quote, None)})
            named = ", ".join(quoted[:3]) + (" ..." if len(quoted) > 3 else "")
            raise InputError(text, f"source text not found; the quotes of {named} need it")
    return documents


@dataclass
class Assembled:
    """The named graphs of a build, what reasoning and validation said, and what was reused."""

    merged: Merged
    ontology: Graph
    documents: list[Document]
    texts: list[tuple[Text, list[tuple[int, int]]]]
    reused: list[str]  # the documents whose unit came from the cache
    keys: set[str]  # the cache keys of the units
    draft_problems: list[Problem] = field(default_factory=list)  # --include-drafts: SHACL

    @property
    def problems(self) -> list[Problem]:
        return self.merged.problems + self.draft_problems


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
    """Lint the inputs, make (or reuse) every document's unit and merge them, and with
    `settings.include_drafts` add the draft graph; no file of dist/ is written. Raises
    LintFailed (every lint problem, one a line) before any unit is made."""
    documents = discover(settings)
    drafted = drafts.read_drafts(settings) if settings.include_drafts else []
    with _step(progress, "lint", lambda: f"{n_linted} file(s), 0 problem(s)"):
        n_linted = _lint(settings, documents, drafted)
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
    draft_problems: list[Problem] = []
    if settings.include_drafts:
        with _step(progress, "drafts", lambda: f"{len(drafted)} draft(s), {len(draft)} triples"):
            draft, draft_problems = _drafts(settings, drafted, ontology, graphs, reasoner)
            graphs[GRAPH_DRAFT] = nquads_lines({GRAPH_DRAFT: draft})[GRAPH_DRAFT]
            merged.names += [t for t in draft if t[1] in NAMED]
            merged.quotes += quote_records(draft)
    single = len(documents) == 1
    texts = [
        (source_text(doc, unit.text, unit.sources, single), unit.sentences)
        for doc, unit in zip(documents, units, strict=True)
    ]
    keys = {u.key for u in units}
    return Assembled(merged, ontology, documents, texts, made.reused, keys, draft_problems)


def _lint(settings: Settings, documents: list[Document], drafted: list[drafts.Draft]) -> int:
    """Lint every input file together (a resource is typed when any file types it); raise
    LintFailed listing the problems; return how many files were read."""
    ontology = parse_turtle(settings.ontology_file)
    linted = [
        lint.Source(settings.ontology_file, ontology, "ontology"),
        lint.Source(settings.shapes_file, parse_turtle(settings.shapes_file), "shapes"),
        *(lint.Source(doc.facts, document_text=doc.text) for doc in documents),
        *(lint.Source(doc.enrichment) for doc in documents if doc.enrichment is not None),
        *(lint.Source(path, Graph(), "rules") for path in rules.rule_files(settings.rules_dir)),
        *(lint.Source(d.path, d.graph, document_text=d.text) for d in drafted),
    ]
    lint.check(linted, root=settings.root, cache=settings.build_cache_dir / "lint")
    return len(linted)


def _graph_of(lines: Iterable[str]) -> Graph:
    """The triples of N-Quads `lines` (of one named graph), as an rdflib graph."""
    from rdflib import Dataset

    data = Dataset()
    data.parse(data="".join(lines), format="nquads")
    out = Graph()
    for s, p, o, _ in data.quads((None, None, None, None)):
        out.add((s, p, o))
    return out


def _drafts(
    settings: Settings,
    drafted: list[drafts.Draft],
    ontology: Graph,
    graphs: dict[URIRef, list[str]],
    reasoner: Reasoner,
) -> tuple[Graph, list[Problem]]:
    """The draft graph (`drafts.draft_graph`) from the merged graphs, and the SHACL problems of
    the dataset with it."""
    asserted = _graph_of(graphs[GRAPH_ASSERTED])
    enrichment = _graph_of(graphs[GRAPH_ENRICHMENT])
    known: set[Triple] = set(ontology)
    for name in (GRAPH_INFERRED, GRAPH_DERIVED):
        known.update(_graph_of(graphs[name]))
    known.update(asserted)
    known.update(enrichment)
    draft = drafts.draft_graph(settings, drafted, ontology, [asserted, enrichment], known, reasoner)
    union: list[Triple] = [*ontology, *draft]
    nquads = [*ontology_lines(ontology), *nquads_lines({GRAPH_DRAFT: draft})[GRAPH_DRAFT]]
    for name, lines in graphs.items():
        if name != GRAPH_ONTOLOGY:
            union += _graph_of(lines)
            nquads += lines
    shapes = parse_turtle(settings.shapes_file)
    return draft, shape_problems(union, shapes, settings.shapes_file, nquads=nquads)


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
    built = assemble(settings, reasoner, progress, workers)
    if built.problems:
        raise ValidationFailed("validation failed:\n" + report(built.problems))
    merged = built.merged
    with _step(progress, "write", lambda: str(dist)):
        write_dist(
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
            answers=functools.partial(precompute.answer_files, settings=settings),
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
