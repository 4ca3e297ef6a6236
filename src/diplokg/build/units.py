"""The build per document: each document's share of every named graph, made once and reused.

A document unit is everything one source document contributes, computed from that document
and the shared inputs alone (ontology, shapes, rules, reasoner, the build's code): its
asserted, enrichment and evidence statements (quotes resolved in its own text), its OWL 2 RL
closure over the ontology, its derived statements, its consistency and SHACL problems, and
what the search index needs of it; every graph as sorted N-Quads lines. Because a unit
depends on nothing else, it is cached under its content hash (`build/cache/` beside
`dist/`), made in parallel worker processes, and a rebuild after one page changed remakes
that page's unit only (`Made.reused` says which were reused).

The merge (`diplokg.build.merge`) unites the units: statements shared by several documents
appear once; an annotation or interpretation numbered per document is renumbered when its
subject is quoted or interpreted in more than one document (the numbering then runs over the
documents in name order, as it always has); the inferred graph leaves out what any document
asserts, the derived graph what the union holds. A page relies on the entities it names as it
states them (every curated page declares the France, cities and offices it names), so the
union of the closures per document equals the closure of the union:
tests/build/test_units.py shows it on a sample of the synthetic collection, and the OWL 2 RL rules
that could join two documents without one of them stating the joining entity (inverse
functional properties, keys, maximum cardinalities) are not used by the ontology.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, fields, replace
from itertools import chain
from multiprocessing import get_context
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from diplokg.build import intervals, rules, statements
from diplokg.build.evidence import Source, annotation_triples, sentence_spans, strip_quotes
from diplokg.build.reason import KINDS, Ontology, Reasoner, infer, kind_of
from diplokg.build.search_index import NAMED, QuoteRecord, quote_records
from diplokg.build.shacl import Data
from diplokg.build.validate import Problem, consistency_problems, shape_index, shape_problems
from diplokg.namespaces import (
    DKG,
    GRAPH_ASSERTED,
    GRAPH_DERIVED,
    GRAPH_ENRICHMENT,
    GRAPH_EVIDENCE,
    GRAPH_INFERRED,
    GRAPH_ONTOLOGY,
)
from diplokg.rdfio import Triple, canonical_quads, nquads_lines, nt_term, parse_turtle

__all__ = [
    "DocumentFiles",
    "Made",
    "SharedInputs",
    "Unit",
    "make_units",
    "ontology_lines",
    "prune_cache",
    "unit_key",
]

# The graphs a unit holds, in the order their blank nodes are labelled (`canonical_quads`).
UNIT_GRAPHS = (GRAPH_ASSERTED, GRAPH_ENRICHMENT, GRAPH_EVIDENCE, GRAPH_INFERRED, GRAPH_DERIVED)


@dataclass(frozen=True)
class DocumentFiles:
    """The files of one source document (what `pipeline.Document` holds, picklable)."""

    name: str
    text: Path
    facts: Path
    enrichment: Path | None


@dataclass(frozen=True)
class SharedInputs:
    """What every unit reads beside its own document."""

    ontology: Path
    shapes: Path
    rules: Path
    reasoner: Reasoner


@dataclass
class Unit:
    """One document's share of the build (see the module's docstring)."""

    name: str
    key: str
    text: str
    parsed: int  # triples read from the curated file and its enrichment
    statements: int  # statements traced to words or an interpretation
    quads: dict[str, list[str]]  # graph IRI -> sorted N-Quads lines (but the inferred graph's)
    reifies: list[str]  # the RDF 1.2 lines of its reifiers (`statements.reifies_lines`)
    # inferred line -> index in reason.KINDS of the rule that explains it
    inferred_kinds: dict[str, int]
    # numbered per document, renumbered by the merge when shared with other documents
    annotations: dict[str, int]  # fact IRI -> its annotations here (numbered 1..n)
    readings: dict[str, list[tuple[str, str, str]]]  # subject IRI -> keys of its readings
    sources: list[tuple[str, str]]  # (dkg:SourceDocument, its dkg:sourceFile) declared
    sentences: list[tuple[int, int]]
    names: list[Triple]  # labels, names and types of asserted + enrichment (search index)
    quotes: list[QuoteRecord]
    problems: list[Problem] = field(default_factory=list)
    reasoner_errors: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # per step, when it was made
    # True: `quads`, `reifies` and `inferred_kinds` were left in the cache (`Unit.lines`), so
    # that a build holds one document's lines at a time, not the collection's
    stored: bool = False

    def lines(self, cache: Path | None) -> Lines:
        """Its N-Quads lines by graph, RDF 1.2 lines and inferred kinds, read from `cache`
        when they were left there."""
        if not self.stored:
            return self.quads, self.reifies, self.inferred_kinds
        if cache is None:
            raise ValueError(f"the lines of {self.name} are in a cache")
        with _cache_file(cache, self.key, "lines").open("rb") as handle:
            lines: Lines = pickle.load(handle)
        return lines


# A unit's heavy part: quads by graph, RDF 1.2 lines, inferred line -> kind.
Lines = tuple[dict[str, list[str]], list[str], dict[str, int]]


def _digest(parts: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def shared_key(shared: SharedInputs, code: str) -> str:
    """The hash of everything every unit depends on: the shared inputs and the build's code."""
    files = [shared.ontology, shared.shapes, *sorted(shared.rules.glob("*.rq"))]
    return _digest([code.encode(), shared.reasoner.encode(), *(f.read_bytes() for f in files)])


def unit_key(document: DocumentFiles, common: str) -> str:
    """The cache key of a document's unit: its own files' content and `common`."""
    own = [document.name.encode(), document.text.read_bytes(), document.facts.read_bytes()]
    own.append(document.enrichment.read_bytes() if document.enrichment else b"")
    return _digest([common.encode(), *own])


@dataclass
class _Parsed:
    """The shared inputs as every unit reads them, made once per process (`_shared`)."""

    ontology: Graph
    shapes: Graph
    rules: list[rules.Rule]
    reasoning: Ontology  # the ontology's triples and blank nodes, as `infer` reads them
    triples: list[Triple]  # the ontology's triples, blank nodes labelled by content
    nquads: list[str]  # their sorted N-Quads lines
    data: Data  # their index for the SHACL checker, the base of every unit's


_PARSED: dict[Path, _Parsed] = {}


def _shared(shared: SharedInputs) -> _Parsed:
    """The parsed ontology, shapes and rules, and what is read of the ontology alone, once
    per process."""
    if shared.ontology not in _PARSED:
        _PARSED.clear()
        ontology, shapes = parse_turtle(shared.ontology), parse_turtle(shared.shapes)
        triples = canonical_quads({GRAPH_ONTOLOGY: ontology})[GRAPH_ONTOLOGY]
        _PARSED[shared.ontology] = _Parsed(
            ontology=ontology,
            shapes=shapes,
            rules=rules.load_rules(shared.rules),
            reasoning=Ontology.of(ontology),
            triples=triples,
            nquads=nquads_lines({GRAPH_ONTOLOGY: triples})[GRAPH_ONTOLOGY],
            data=shape_index(triples, shapes),
        )
        if _IN_WORKER:
            gc.freeze()  # kept for the process: the collector need not scan them again
    return _PARSED[shared.ontology]


def make_unit(document: DocumentFiles, shared: SharedInputs, key: str) -> Unit:
    """Parse, trace, reason, derive and validate one document on its own."""
    parsed_inputs = _shared(shared)
    ontology, shapes, rule_set = parsed_inputs.ontology, parsed_inputs.shapes, parsed_inputs.rules
    ontology_nquads = parsed_inputs.nquads
    clock = _Clock()
    facts = parse_turtle(document.facts)
    enrichment = parse_turtle(document.enrichment) if document.enrichment else Graph()
    parsed = len(facts) + len(enrichment)
    text = document.text.read_text(encoding="utf-8")
    sources = [
        (str(s), str(facts.value(s, DKG.sourceFile) or ""))
        for s in facts.subjects(RDF.type, DKG.SourceDocument)
        if isinstance(s, URIRef)
    ]
    clock.lap("parse")
    source = Source(facts, text, str(document.facts))
    support = statements.collect([source], ontology)
    evidence, notes = annotation_triples([source], ontology, support.mentions)
    evidence |= statements.statement_triples(support, notes, ontology)
    statements.strip_states(facts)
    strip_quotes(facts)
    statements.strip_interpretations(facts)
    clock.lap("evidence")
    # their triples read once from rdflib's store (in its order), for every step that reads all
    facts_triples, enrichment_triples = list(facts), list(enrichment)
    result = infer(parsed_inputs.reasoning, [facts_triples, enrichment_triples], shared.reasoner)
    clock.lap("reason")
    derived = rules.derive(rule_set, result.closure)
    derived |= intervals.interval_triples(result.closure)
    derived -= result.closure
    graphs: dict[URIRef, Iterable[Triple]] = {
        GRAPH_ASSERTED: facts_triples,
        GRAPH_ENRICHMENT: enrichment_triples,
        GRAPH_EVIDENCE: evidence,
        GRAPH_INFERRED: result.inferred,
        GRAPH_DERIVED: derived,
    }
    clock.lap("derive")
    canon = canonical_quads(graphs)
    lines = nquads_lines({g: canon[g] for g in UNIT_GRAPHS if g != GRAPH_INFERRED})
    # the inferred lines written once, in the order of their triples (`_kinds_by_line`)
    inferred_lines = _lines_in_order(canon[GRAPH_INFERRED], GRAPH_INFERRED)
    lines[GRAPH_INFERRED] = sorted(inferred_lines)
    clock.lap("lines")
    problems = consistency_problems(result.closure, result.errors)
    problems += shape_problems(
        chain(*canon.values()),
        shapes,
        shared.shapes,
        nquads=chain(ontology_nquads, *lines.values()),
        base=parsed_inputs.data,
    )
    clock.lap("validate")
    unit = Unit(
        name=document.name,
        key=key,
        text=text,
        parsed=parsed,
        statements=len(support.statements),
        # the inferred lines are the keys of inferred_kinds
        quads={str(g): lines[g] for g in UNIT_GRAPHS if g != GRAPH_INFERRED},
        reifies=statements.reifies_lines(lines[GRAPH_EVIDENCE]),
        inferred_kinds=_kinds_by_line(canon[GRAPH_INFERRED], inferred_lines, result.closure),
        annotations=_annotation_counts(notes),
        readings=_reading_keys(support.readings),
        sources=sorted(sources),
        sentences=sentence_spans(text),
        # (the N-Triples form last: a label written alike in two languages sorts by its tag,
        # not in the order of the process's set)
        names=sorted(
            (t for g in (facts_triples, enrichment_triples) for t in g if t[1] in NAMED),
            key=lambda t: (str(t[0]), str(t[1]), str(t[2]), nt_term(t[2])),
        ),
        quotes=quote_records(evidence),
        problems=problems,
        reasoner_errors=result.errors,
    )
    clock.lap("extract")
    unit.seconds = clock.laps
    return unit


class _Clock:
    """Seconds spent in each step of a unit."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.laps[step] = now - self._last
        self._last = now


def _lines_in_order(triples: Sequence[Triple], graph: URIRef) -> list[str]:
    """The N-Quads line of each triple in `graph`, as `nquads_lines` writes it, unsorted."""
    name = nt_term(graph)
    return [f"{nt_term(s)} {nt_term(p)} {nt_term(o)} {name} .\n" for s, p, o in triples]


def _kinds_by_line(
    inferred: Sequence[Triple], lines: Sequence[str], closure: set[Triple]
) -> dict[str, int]:
    """Each inferred triple's N-Quads line (`lines`, in the order of `inferred`) and the index
    of its kind (`reason.kinds`)."""
    kind = kind_of(closure)
    return {line: KINDS.index(kind(t)) for t, line in zip(inferred, lines, strict=True)}


def _annotation_counts(notes: dict[tuple[URIRef, tuple[int, int, int]], URIRef]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for fact, _ in notes:
        counts[str(fact)] = counts.get(str(fact), 0) + 1
    return counts


def _reading_keys(readings: Sequence[statements.Reading]) -> dict[str, list[tuple[str, str, str]]]:
    """Each subject's readings in the order they are numbered (`statements._reading_iris`)."""
    by_subject: dict[str, list[statements.Reading]] = {}
    for reading in readings:
        items = by_subject.setdefault(str(reading.subject), [])
        if reading not in items:
            items.append(reading)
    return {s: sorted(r.key for r in items) for s, items in by_subject.items()}


# -- the cache and the workers -----------------------------------------------------------------


def _cache_file(cache: Path, key: str, part: str) -> Path:
    return cache / key[:2] / f"{key}.{part}.pickle"


def _load(cache: Path, key: str) -> Unit | None:
    """The unit `key` of `cache` without its lines (`Unit.lines` reads them), or None."""
    try:
        with _cache_file(cache, key, "unit").open("rb") as handle:
            unit = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    if not isinstance(unit, Unit):
        return None
    # (a unit pickled by a process that ran older code under a newer key lacks fields)
    whole = all(hasattr(unit, f.name) for f in fields(Unit))
    if not whole or unit.key != key or not _cache_file(cache, key, "lines").is_file():
        return None
    return unit


def _dump(path: Path, value: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".unit-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _store(cache: Path, unit: Unit) -> Unit:
    """Keep `unit` in `cache`, its lines apart; return it without them."""
    _dump(_cache_file(cache, unit.key, "lines"), unit.lines(None))
    light = replace(unit, quads={}, reifies=[], inferred_kinds={}, stored=True)
    _dump(_cache_file(cache, unit.key, "unit"), light)
    return light


# True in the worker processes of `make_units` (`_start_worker`).
_IN_WORKER = False


def _start_worker() -> None:
    """A worker's garbage collection: the young generation collected every 50,000
    allocations instead of 700, the shared inputs frozen once parsed (`_shared`), and one full
    collection after each unit (`_work`). A unit allocates millions of short-lived rdflib
    terms and tuples, nearly all freed by reference counting; with the default thresholds the
    collector scanned them about 1.5 times per unit, which cost about 15% of a unit's CPU
    (`benchmarks/units.py`; 442-457 ms against 376 ms per unit in one run), while collecting
    after each unit keeps the worker's peak memory where it was (92 MB after 20 units)."""
    global _IN_WORKER
    _IN_WORKER = True
    gc.set_threshold(50_000, 20, 100)


def _work(document: DocumentFiles, shared: SharedInputs, key: str, cache: Path | None) -> Unit:
    unit = make_unit(document, shared, key)
    if cache is not None and not unit.problems:
        unit = _store(cache, unit)
    if _IN_WORKER:
        gc.collect()
    return unit


@dataclass
class Made:
    """The units of a build, in document order, and which of them came from the cache."""

    units: list[Unit]
    reused: list[str]


def make_units(
    documents: Sequence[DocumentFiles],
    shared: SharedInputs,
    code: str,
    cache: Path | None,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> Made:
    """Every document's unit: from `cache` when its key is there, else made (in `workers`
    processes when more than one is to be made) and stored there."""
    common = shared_key(shared, code)
    keys = [unit_key(doc, common) for doc in documents]
    found: dict[int, Unit] = {}
    if cache is not None:
        for index, key in enumerate(keys):
            unit = _load(cache, key)
            if unit is not None:
                found[index] = unit
    reused = [documents[i].name for i in sorted(found)]
    missing = [i for i in range(len(documents)) if i not in found]
    workers = max(1, min(workers or os.cpu_count() or 1, len(missing)))
    if workers == 1:
        for index in missing:
            found[index] = _work(documents[index], shared, keys[index], cache)
    else:
        # spawn: a worker starts from a clean interpreter, never from a copy of this one
        with ProcessPoolExecutor(
            workers, mp_context=get_context("spawn"), initializer=_start_worker
        ) as pool:
            futures = {i: pool.submit(_work, documents[i], shared, keys[i], cache) for i in missing}
            for index, future in futures.items():
                found[index] = future.result()
    return Made([found[i] for i in range(len(documents))], reused)


def prune_cache(cache: Path, keep: set[str]) -> None:
    """Remove the units of `cache` that are not among the keys `keep` (the last build's);
    other folders of `cache` (the lint's, `lint/`) are left alone."""
    if not cache.is_dir():
        return
    # a unit's files are in the folder named by its key's first two characters
    for path in cache.glob("??/*.pickle"):
        if path.name.split(".")[0] not in keep:
            path.unlink(missing_ok=True)


def ontology_lines(ontology: Graph) -> list[str]:
    """The sorted N-Quads lines of the ontology graph, its blank nodes labelled by content."""
    return nquads_lines(canonical_quads({GRAPH_ONTOLOGY: ontology}))[GRAPH_ONTOLOGY]
