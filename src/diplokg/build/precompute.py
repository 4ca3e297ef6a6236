"""The canned queries' answers for their default parameters, computed when dist/ is written.

The dataset is read-only, so a canned query's answer for its default parameters is a file of
dist/ like the dumps. The build runs each query once, on the dataset file the server serves
(loaded into an in-memory Oxigraph store, 332 bytes a quad: an on-disk one, bulk-loaded as
the server loads it, ran the queries 8x slower, 127 s instead of 16 s on 60 pages), with
`diplokg.results`, the functions the server's workers run, within the server's default
limits, and writes the answer in every SPARQL results format with its ETag: byte for byte
what a worker would send (a test compares them for every query and format). `diplokg serve`
answers `GET /api/queries/{name}` without parameters, and `/sparql` when the query is that
rendered text, from these files; a query that scans the whole dataset costs its seconds once,
at build time.

Not written: the answer of a query that fails, and one holding a blank node (each load of a
store labels blank nodes anew, so the server's store would not give the same labels). The
index also records the catalogue as the build checked it (`diplokg.queries.record`), so that
the server does not parse it again at every start.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from diplokg.config import Settings
from diplokg.dataset import ANSWERS_DIR, ANSWERS_INDEX, dataset_digest
from diplokg.formats import NQUADS, RESULT_FORMATS, RESULTS_TSV, Format
from diplokg.queries import CannedQuery, load_catalogue, record
from diplokg.results import etag, select_answers

__all__ = ["answer_files", "answer_name", "usable"]


def answer_name(name: str, fmt: Format) -> str:
    """The file of dist/ holding canned query `name`'s default answer in `fmt`."""
    return f"{ANSWERS_DIR}/{name}.{fmt.extension}"


def _has_blank_node(tsv: bytes) -> bool:
    import pyoxigraph as ox

    def blank(term: object) -> bool:
        if isinstance(term, ox.BlankNode):
            return True
        if isinstance(term, ox.Triple):
            return any(blank(t) for t in (term.subject, term.predicate, term.object))
        return False

    solutions = ox.parse_query_results(tsv, format=RESULTS_TSV.results)
    assert isinstance(solutions, ox.QuerySolutions)
    return any(blank(term) for solution in solutions for term in solution if term is not None)


def _answers(
    store: Any, query: CannedQuery, settings: Settings, dataset: str
) -> tuple[dict[str, bytes], dict[str, Any]] | str:
    """The files of one query's default answer and its index entry, or why there are none."""
    text = query.render({})
    try:
        answers = select_answers(
            store,
            text,
            RESULT_FORMATS,
            max_rows=settings.max_result_rows,
            max_bytes=settings.max_response_bytes,
        )
    except (SyntaxError, ValueError, OSError, RuntimeError) as exc:
        return f"the query failed: {str(exc).splitlines()[0] if str(exc) else exc!r}"
    tsv = answers[RESULTS_TSV.key]
    if isinstance(tsv, tuple) and _has_blank_node(tsv[0]):
        return "the answer holds blank nodes, whose labels each load of a store chooses anew"
    files: dict[str, bytes] = {}
    formats: dict[str, Any] = {}
    for fmt in RESULT_FORMATS:
        answer = answers[fmt.key]
        if isinstance(answer, str):  # the worker's 406: asked live, it says so again
            continue
        body, truncated = answer
        name = answer_name(query.name, fmt)
        files[name] = body
        formats[fmt.key] = {
            "file": name,
            "bytes": len(body),
            "sha256": hashlib.sha256(body).hexdigest(),
            "etag": etag(body, dataset),
            "truncated": truncated,
        }
    entry = {"query": hashlib.sha256(text.encode("utf-8")).hexdigest(), "formats": formats}
    return files, entry


def answer_files(served: Path, settings: Settings) -> dict[str, bytes]:
    """The answer files of every canned query of `settings.queries_dir` with its default
    parameters on the dataset file `served`, and their index (`ANSWERS_INDEX`), by path in
    dist/. Raises InputError for a malformed query, as the server would at start-up."""
    import pyoxigraph as ox

    catalogue = load_catalogue(settings.queries_dir)
    dataset = dataset_digest(served)
    store = ox.Store()
    store.load(path=str(served), format=NQUADS.rdf)
    files: dict[str, bytes] = {}
    answers: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    for name, query in sorted(catalogue.items()):
        if query.form != "SELECT":
            skipped[name] = f"a {query.form} query: only SELECT answers are written"
            continue
        found = _answers(store, query, settings, dataset)
        if isinstance(found, str):
            skipped[name] = found
            continue
        files.update(found[0])
        answers[name] = found[1]
    index = {
        "dataset": dataset,
        "served": served.name,
        "limits": _limits(settings),
        "catalogue": record(catalogue),
        "answers": answers,
        "skipped": skipped,
    }
    files[ANSWERS_INDEX] = (json.dumps(index, indent=2, sort_keys=True) + "\n").encode()
    return files


def _limits(settings: Settings) -> dict[str, int]:
    """The limits an answer was cut to: a server with others cannot use it."""
    return {"max_rows": settings.max_result_rows, "max_bytes": settings.max_response_bytes}


def usable(index: Mapping[str, Any], settings: Settings) -> bool:
    """Whether a server with `settings` sends the answers of `index` as they are."""
    return bool(index.get("limits") == _limits(settings))
