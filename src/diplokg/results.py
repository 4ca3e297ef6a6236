"""One query evaluated on a pyoxigraph store and its answer serialized within limits.

What the server's workers run for every query (`run_job`), and what the build runs to write the
canned queries' answers for their default parameters into dist/ (`select_answers`): the same
functions, so a precomputed answer is byte for byte the one a worker would send, ETag included.

Rows and bytes are counted while pyoxigraph streams TSV or N-Triples (one line per row), so a
huge result never materialises; the kept lines are re-serialized into the format asked for
(RDF/XML by `diplokg.rdfxml`, since pyoxigraph 0.5.13's can write ill-formed XML), XML escaped,
and a cut answer says so where its format has a place for it. Nothing here imports rdflib.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from diplokg.formats import (
    JSON_LD,
    NTRIPLES,
    RDFXML,
    RESULTS_JSON,
    RESULTS_TSV,
    RESULTS_XML,
    TRIG,
    TURTLE,
    Format,
    by_key,
)
from diplokg.rdfxml import XmlError, rdf_xml, xml_safe

__all__ = [
    "TRUNCATED_IRI",
    "Job",
    "Uncarried",
    "etag",
    "first_line",
    "flag_truncation",
    "run_job",
    "select_answers",
]

TRUNCATED_IRI = "urn:diplokg:truncated"


@dataclass(frozen=True)
class Job:
    """One query for a worker, with the limits and the dataset it is answered against."""

    query: str
    form: str
    fmt: str
    default_graph: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    union: bool
    base_iri: str | None
    max_rows: int
    max_bytes: int
    dataset_id: str = ""


class Uncarried(ValueError):
    """The answer holds what its format cannot carry: the client asked for the wrong one (406).

    A triple term (`<<( s p o )>>`, served from the RDF 1.2 dump) in a graph asked for as
    JSON-LD 1.1, which has no syntax for it; pyoxigraph's writer refuses it with an OSError,
    which would otherwise read as a failing store. RDF/XML says the same (`XmlError`)."""


class _Full(Exception):
    """Raised by the bounded writer to stop a serializer once a limit is reached."""


class _BoundedLines(io.BytesIO):
    """A write target that keeps at most `max_lines` lines and `max_bytes` bytes.

    Line-based formats (TSV results, N-Triples) hold one row or triple per line, so counting
    newlines counts rows without a Python loop over the results.
    """

    def __init__(self, max_lines: int, max_bytes: int) -> None:
        super().__init__()
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self.lines = 0
        self.full = False

    def write(self, data: Any) -> int:
        written = super().write(data)
        self.lines += bytes(data).count(b"\n")
        if self.lines > self.max_lines or self.tell() > self.max_bytes:
            self.full = True
            raise _Full
        return written

    def kept_lines(self) -> list[bytes]:
        """Whole lines written, at most max_lines of them and within max_bytes."""
        lines = self.getvalue().split(b"\n")[:-1]  # the last piece is partial or empty
        kept: list[bytes] = []
        size = 0
        for line in lines[: self.max_lines]:
            size += len(line) + 1
            if size > self.max_bytes:
                break
            kept.append(line)
        return kept


def _query_kwargs(job: Job) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"base_iri": job.base_iri}
    if job.default_graph is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graph]
    elif job.union:
        kwargs["use_default_graph_as_union"] = True
    if job.named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    return kwargs


def run_job(store: ox.Store, job: Job, *, explain: bool = True) -> tuple[Any, ...]:
    """Evaluate one query and serialize it.

    Returns ("ok", body, truncated_rows | None, etag), ("error", status, message) for what
    the client caused, or ("store", message) when reading the store failed. With
    `explain=False` a syntax error is returned as ("syntax", Oxigraph's message), unexplained:
    the explanation may take long (`explain_syntax_error`), so the server process leaves it to
    a worker.
    """
    try:
        results = store.query(job.query, **_query_kwargs(job))
    except SyntaxError as exc:
        if not explain:
            return ("syntax", first_line(exc))
        # Explained here, where a slow explanation is bounded by the query's deadline.
        from diplokg.sparql_text import explain_syntax_error

        problem = explain_syntax_error(job.query, str(exc))
        return ("error", 403 if problem.read_only else 400, str(problem))
    except (ValueError, RuntimeError) as exc:
        # Raised while planning: an unsupported function, a wrong number of arguments, an
        # invalid base IRI. The store has not been read yet, so the query is at fault.
        return ("error", 400, "query error: " + first_line(exc))
    fmt = by_key(job.fmt)
    try:
        if isinstance(results, ox.QuerySolutions):
            rows = _bounded_tsv(results, job.max_rows, job.max_bytes)
            body, truncated = _select_body(rows, fmt, job.max_bytes)
        else:
            if isinstance(results, ox.QueryBoolean):
                body, truncated = results.serialize(format=fmt.results) or b"", None
            else:
                body, truncated = _serialize_triples(results, job, fmt)
            body = _finish(body, fmt, truncated)
    except (XmlError, Uncarried) as exc:
        return ("error", 406, str(exc))
    except (SyntaxError, ValueError) as exc:
        return ("error", 400, "query error: " + first_line(exc))
    except (OSError, RuntimeError) as exc:  # RocksDB: I/O or corruption
        return ("store", first_line(exc))
    return ("ok", body, truncated, etag(body, job.dataset_id))


def select_answers(
    store: ox.Store, query: str, formats: Sequence[Format], *, max_rows: int, max_bytes: int
) -> dict[str, tuple[bytes, int | None] | str]:
    """A SELECT query on the union default graph, evaluated once and answered in each of
    `formats` as `run_job` answers it: by format key, (body, truncated rows or None), or the
    message of the 406 a worker would give for that format. Errors of the query itself raise.
    """
    results = store.query(query, use_default_graph_as_union=True)
    if not isinstance(results, ox.QuerySolutions):
        raise ValueError("not a SELECT query")
    rows = _bounded_tsv(results, max_rows, max_bytes)
    answers: dict[str, tuple[bytes, int | None] | str] = {}
    for fmt in formats:
        try:
            answers[fmt.key] = _select_body(rows, fmt, max_bytes)
        except XmlError as exc:
            answers[fmt.key] = str(exc)
    return answers


def etag(body: bytes, dataset_id: str) -> str:
    """The strong entity tag of an answer: a keyed hash of its bytes, the key naming the
    dataset (so that two datasets' equal bytes never share a tag)."""
    tag = hashlib.blake2b(body, digest_size=12, key=dataset_id.encode()[:64]).hexdigest()
    return f'"{tag}"'


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (at most 300 characters), for one-line errors."""
    text = str(exc).splitlines()
    return text[0][:300] if text else type(exc).__name__


def _fill(out: _BoundedLines, serialize: Any) -> None:
    """Run a serializer into `out`; a stop caused by out's limits is expected, nothing else."""
    try:
        serialize()
    except (_Full, OSError):  # pyoxigraph reports the writer's exception as an OSError
        if not out.full:
            raise


def _bounded_tsv(results: ox.QuerySolutions, max_rows: int, max_bytes: int) -> _BoundedLines:
    # TSV has a header line then one line per solution, and round-trips every term exactly.
    out = _BoundedLines(max_rows + 1, max_bytes)
    _fill(out, lambda: results.serialize(out, format=RESULTS_TSV.results))
    return out


def _select_body(out: _BoundedLines, fmt: Format, max_bytes: int) -> tuple[bytes, int | None]:
    """The answer in `fmt` from the TSV lines `out` kept: XML escaped, its cut flagged."""
    if not out.full and fmt is RESULTS_TSV:
        return out.getvalue(), None
    lines = out.kept_lines()
    rows = len(lines) - 1
    full = out.full
    while True:
        tsv = b"\n".join(lines[: rows + 1]) + b"\n"
        parsed = ox.parse_query_results(tsv, format=RESULTS_TSV.results)
        body = parsed.serialize(format=fmt.results) or b""
        if len(body) <= max_bytes or rows == 0:
            break
        rows = max(0, min(rows - 1, int(rows * max_bytes / len(body) * 0.95)))
        full = True
    truncated = rows if full else None
    return _finish(body, fmt, truncated), truncated


def _finish(body: bytes, fmt: Format, truncated: int | None) -> bytes:
    """An answer's bytes as sent: XML escaped (XmlError when XML cannot carry them), and
    flagged as cut where the format has a place for it."""
    if fmt.xml:
        body = xml_safe(body)
    return body if truncated is None else flag_truncation(body, fmt, truncated)


def _serialize_triples(results: ox.QueryTriples, job: Job, fmt: Format) -> tuple[bytes, int | None]:
    # N-Triples has one triple a line.
    out = _BoundedLines(job.max_rows, job.max_bytes)
    _fill(out, lambda: results.serialize(out, format=NTRIPLES.rdf))
    if not out.full and fmt is NTRIPLES:
        return out.getvalue(), None
    lines = out.kept_lines()
    rows = len(lines)
    while True:
        nt = b"\n".join(lines[:rows]) + b"\n"
        body = _graph_body(nt, fmt)
        if len(body) <= job.max_bytes or rows == 0:
            break
        rows = max(0, min(rows - 1, int(rows * job.max_bytes / len(body) * 0.95)))
        out.full = True
    return body, rows if out.full else None


def _graph_body(ntriples: bytes, fmt: Format) -> bytes:
    from diplokg.namespaces import PREFIXES  # text only: no rdflib in a worker

    quads = list(ox.parse(ntriples, format=NTRIPLES.rdf))
    if fmt is RDFXML:  # pyoxigraph's writer can produce ill-formed XML (see rdfxml.py)
        return rdf_xml((ox.Triple(q.subject, q.predicate, q.object) for q in quads), PREFIXES)
    prefixes = PREFIXES if fmt in (TURTLE, TRIG) else None
    if fmt is JSON_LD and any(isinstance(q.object, ox.Triple) for q in quads):
        raise Uncarried("the answer holds a triple term, which JSON-LD 1.1 cannot carry")
    return ox.serialize(quads, format=fmt.rdf, prefixes=prefixes) or b""


def flag_truncation(body: bytes, fmt: Format, rows: int) -> bytes:
    """Say in the body that the answer was cut, where the format has a place for it.

    SPARQL JSON and XML results have a link to metadata (`head.link`, `<link>`); Turtle and
    TriG have comments every parser skips, and RDF/XML an XML comment. CSV, TSV, N-Triples,
    N-Quads and JSON-LD have no such place (a line read as one row or statement, a member a
    JSON-LD processor rejects or drops), so only the X-Diplokg-Truncated header says it.
    """
    note = f"truncated: only the first {rows} results are included (limit of this endpoint)"
    if fmt is RESULTS_JSON:
        head = b'{"head":{'
        if body.startswith(head):
            link = json.dumps([TRUNCATED_IRI]).encode()
            return b'{"head":{"link":' + link + b"," + body[len(head) :]
        return body
    if fmt is RESULTS_XML:
        return body.replace(b"</head>", f'<link href="{TRUNCATED_IRI}"/></head>'.encode(), 1)
    if fmt in (TURTLE, TRIG):
        return f"# {note}\n".encode() + body
    if fmt is RDFXML:
        decl_end = body.find(b"?>") + 2 if body.startswith(b"<?xml") else 0
        return body[:decl_end] + f"\n<!-- {note} -->".encode() + body[decl_end:]
    return body
