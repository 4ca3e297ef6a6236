"""What runs in a worker process: open the store read-only, then evaluate and serialize jobs.

Everything that costs time per answer happens here, not on the server's event loop: the
evaluation, the row and byte limits, the re-serialization into the format asked for, the
truncation flag, XML escaping and the ETag. The worker also bounds itself: its address space
may grow by at most `memory_cap` bytes once the store is open (an allocation past it aborts
the process, which the server reports as the query's fault), and it dies with the server
(a thread watches a pipe only the server holds open; Linux's parent-death signal covers the
forkserver in between).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import io
import json
import os
import resource
import signal
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
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
from diplokg.server.rdfxml import XmlError, rdf_xml, xml_safe

TRUNCATED_IRI = "urn:diplokg:truncated"

_PR_SET_PDEATHSIG = 1


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


def run_job(store: ox.Store, job: Job) -> tuple[Any, ...]:
    """Evaluate one query and serialize it.

    Returns ("ok", body, truncated_rows | None, etag), ("error", status, message) for what
    the client caused, or ("store", message) when reading the store failed.
    """
    kwargs: dict[str, Any] = {"base_iri": job.base_iri}
    if job.default_graph is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graph]
    elif job.union:
        kwargs["use_default_graph_as_union"] = True
    if job.named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    try:
        results = store.query(job.query, **kwargs)
    except SyntaxError as exc:
        # Explained here, where a slow explanation is bounded by the query's deadline.
        from diplokg.sparql_text import explain_syntax_error

        problem = explain_syntax_error(job.query, str(exc))
        return ("error", 403 if problem.read_only else 400, str(problem))
    except (ValueError, RuntimeError) as exc:
        # Raised while planning: an unsupported function, a wrong number of arguments, an
        # invalid base IRI. The store has not been read yet, so the query is at fault.
        return ("error", 400, "query error: " + _first_line(exc))
    fmt = by_key(job.fmt)
    try:
        if isinstance(results, ox.QueryBoolean):
            body: bytes = results.serialize(format=fmt.results) or b""
            truncated = None
        elif isinstance(results, ox.QuerySolutions):
            body, truncated = _serialize_solutions(results, job, fmt)
        else:
            body, truncated = _serialize_triples(results, job, fmt)
        if fmt.xml:
            body = xml_safe(body)
    except (XmlError, Uncarried) as exc:
        return ("error", 406, str(exc))
    except (SyntaxError, ValueError) as exc:
        return ("error", 400, "query error: " + _first_line(exc))
    except (OSError, RuntimeError) as exc:  # RocksDB: I/O or corruption
        return ("store", _first_line(exc))
    if truncated is not None:
        body = flag_truncation(body, fmt, truncated)
    tag = hashlib.blake2b(body, digest_size=12, key=job.dataset_id.encode()[:64]).hexdigest()
    return ("ok", body, truncated, f'"{tag}"')


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()
    return text[0][:300] if text else type(exc).__name__


def _fill(out: _BoundedLines, serialize: Any) -> None:
    """Run a serializer into `out`; a stop caused by out's limits is expected, nothing else."""
    try:
        serialize()
    except (_Full, OSError):  # pyoxigraph reports the writer's exception as an OSError
        if not out.full:
            raise


def _serialize_solutions(
    results: ox.QuerySolutions, job: Job, fmt: Format
) -> tuple[bytes, int | None]:
    # TSV has a header line then one line per solution, and round-trips every term exactly.
    out = _BoundedLines(job.max_rows + 1, job.max_bytes)
    _fill(out, lambda: results.serialize(out, format=RESULTS_TSV.results))
    if not out.full and fmt is RESULTS_TSV:
        return out.getvalue(), None
    lines = out.kept_lines()
    rows = len(lines) - 1
    while True:
        tsv = b"\n".join(lines[: rows + 1]) + b"\n"
        parsed = ox.parse_query_results(tsv, format=RESULTS_TSV.results)
        body = parsed.serialize(format=fmt.results) or b""
        if len(body) <= job.max_bytes or rows == 0:
            break
        rows = max(0, min(rows - 1, int(rows * job.max_bytes / len(body) * 0.95)))
        out.full = True
    return body, rows if out.full else None


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
    quads = list(ox.parse(ntriples, format=NTRIPLES.rdf))
    if fmt is RDFXML:  # pyoxigraph's writer can produce ill-formed XML (see rdfxml.py)
        return rdf_xml((ox.Triple(q.subject, q.predicate, q.object) for q in quads), _prefixes())
    prefixes = _prefixes() if fmt in (TURTLE, TRIG) else None
    if fmt is JSON_LD and any(isinstance(q.object, ox.Triple) for q in quads):
        raise Uncarried("the answer holds a triple term, which JSON-LD 1.1 cannot carry")
    return ox.serialize(quads, format=fmt.rdf, prefixes=prefixes) or b""


def _prefixes() -> dict[str, str]:
    from diplokg.namespaces import PREFIXES

    return PREFIXES


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


# --------------------------------------------------------------------------------------------
# The process
# --------------------------------------------------------------------------------------------


def _die_with(server_alive: Connection, server_pid: int) -> None:
    """Exit as soon as the server is gone, whatever this process is doing."""
    if os.getppid() != server_pid:  # forked by the forkserver: die with it too
        with contextlib.suppress(Exception):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() == 1:  # the parent died before the signal was armed
        os._exit(0)

    def watch() -> None:
        with contextlib.suppress(Exception):
            server_alive.poll(None)  # readable only at EOF: nobody writes to this pipe
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="diplokg-server-watch").start()


def _address_space() -> int:
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def worker_main(
    conn: Connection,
    errors: Connection,
    server_alive: Connection,
    server_pid: int,
    store_path: str,
    memory_cap: int,
) -> None:
    """Serve jobs from `conn` until it closes; one query at a time."""
    # One line on stderr when an allocation fails, not a backtrace, and into a pipe the
    # server reads, so that the server can tell the client why its query stopped.
    os.environ["RUST_BACKTRACE"] = "0"
    os.dup2(errors.fileno(), sys.stderr.fileno())
    _die_with(server_alive, server_pid)
    try:
        store = ox.Store.read_only(store_path)
        store.query("ASK { ?s ?p ?o }")  # the first read maps what every query needs
    except Exception as exc:  # a missing or damaged store: the server rebuilds it
        conn.send(("failed", _first_line(exc)))
        return
    baseline = _address_space()
    if memory_cap > 0:
        limit = baseline + memory_cap
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    conn.send(("ready", baseline))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = run_job(store, job)
        except MemoryError:
            reply = ("memory",)
        except Exception as exc:  # reported as a 500; the text stays in the server log
            reply = ("crash", f"{type(exc).__name__}: {_first_line(exc)}")
        conn.send(reply)
