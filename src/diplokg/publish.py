"""Push the named graphs of the built dataset to an external triple store, then verify them.

The ways in are the two standard ones every store speaks: the SPARQL 1.1 Graph Store HTTP
Protocol (N-Triples bodies) and SPARQL 1.1 Update (`INSERT DATA`, `MOVE`). A `replace` run
stages every graph under a temporary graph name, checks the staged triple counts, and only
then swaps all graphs in with one Update request of `MOVE` statements, so a failure while
sending data leaves the published graphs as they were. (Oxigraph runs that request as one
transaction; Virtuoso 7.2 does not undo an earlier statement when a later one fails.) Without
an Update endpoint each graph is replaced by one Graph Store `PUT`: whole or not at all per
graph, one graph after another.

After writing, the store is checked the way a user would check it: triple counts per graph,
and every canned query run against the store and against the embedded dataset, row for row.
"""

from __future__ import annotations

import sys
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO
from urllib.parse import urlsplit

import httpx
import pyoxigraph as ox
from tqdm import tqdm

from diplokg.dataset import check_file
from diplokg.errors import DiplokgError, InputError, QueryError
from diplokg.formats import NTRIPLES, RESULTS_JSON
from diplokg.namespaces import GRAPH, KNOWN_GRAPHS, XSD
from diplokg.sparql_client import HttpFailure, SparqlClient, safe_url
from diplokg.terms import TermKey, from_oxigraph, key

__all__ = [
    "GraphPayload",
    "PublishError",
    "PublishReport",
    "QueryCheck",
    "Store",
    "batches",
    "canned_queries",
    "load_graphs",
    "plan_table",
    "print_report",
    "publish",
    "report_text",
    "verify",
]

Mode = Literal["replace", "merge"]
BatchHook = Callable[[str, int, int], None]  # graph name, batch number (1-based), batch count

DEFAULT_BATCH_SIZE = 2000
MAX_DIFF_ROWS = 10
_XSD_STRING = str(XSD.string)


class PublishError(DiplokgError):
    """The store could not be reached or refused a request; says what was and was not written."""


@dataclass(frozen=True)
class GraphPayload:
    """One named graph to publish: its short name, IRI and N-Triples lines."""

    name: str
    iri: str
    lines: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.lines)


@dataclass(frozen=True)
class Store:
    """The endpoints of a remote store; writing needs graph_store or update, or both."""

    query: str
    graph_store: str | None = None
    update: str | None = None
    auth: httpx.Auth | None = None
    retries: int = 3
    retry_delay: float = 0.5
    timeout: float = 60.0

    def __post_init__(self) -> None:
        for url in (self.query, self.graph_store, self.update):
            if url is None:
                continue
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise PublishError(f"not an http(s) endpoint URL: {safe_url(url)}")
            if parts.username or parts.password:
                raise PublishError(
                    "credentials in an endpoint URL are not accepted: "
                    "use --user and --password-env VAR"
                )


@dataclass(frozen=True)
class QueryCheck:
    """A canned query run on both sides; `ours`/`theirs` are normalised rows (or a boolean).

    `error` is the store's answer when it could not run the query at all.
    """

    name: str
    form: str
    ours: Counter[tuple[Any, ...]]
    theirs: Counter[tuple[Any, ...]]
    error: str = ""

    @property
    def equal(self) -> bool:
        return not self.error and self.ours == self.theirs

    def only_ours(self) -> list[tuple[Any, ...]]:
        return sorted((self.ours - self.theirs).elements(), key=repr)

    def only_theirs(self) -> list[tuple[Any, ...]]:
        return sorted((self.theirs - self.ours).elements(), key=repr)


@dataclass
class PublishReport:
    """What was written and what the verification found."""

    mode: Mode
    method: str
    graphs: list[GraphPayload]
    store_counts: dict[str, int] = field(default_factory=dict)
    # Each graph as the store gives it back, term by term: a store may rewrite a literal to
    # another form of the same value (canonical decimals, xsd:integer for its subtypes).
    contents: dict[str, QueryCheck] = field(default_factory=dict)
    queries: list[QueryCheck] = field(default_factory=list)
    union_default_graph: bool | None = None

    @property
    def counts_equal(self) -> bool:
        return all(self.store_counts.get(g.name) == g.count for g in self.graphs)

    @property
    def ok(self) -> bool:
        """Counts and canned queries decide; rewritten literals are reported, not failed."""
        return self.counts_equal and all(q.equal for q in self.queries)


# --------------------------------------------------------------------------------------------
# The data


def _read_quads(path: Path) -> list[ox.Quad]:
    if not path.is_file():
        raise InputError(path, "dataset file not found")
    try:
        return list(ox.parse(path=path))
    except SyntaxError as exc:
        raise InputError(path, f"bad RDF: {exc.msg}", exc.lineno) from None
    except ValueError as exc:
        raise InputError(path, f"cannot be read as an RDF dataset: {exc}") from None


def load_graphs(path: Path, names: Sequence[str]) -> list[GraphPayload]:
    """The named graphs `names` (short names from namespaces.KNOWN_GRAPHS) of a dataset file.

    A graph the file does not hold is published empty: replacing it empties it in the store.
    """
    unknown = [n for n in names if n not in KNOWN_GRAPHS]
    if unknown:
        known = ", ".join(KNOWN_GRAPHS)
        raise PublishError(f"unknown graph name(s) {', '.join(unknown)} (known: {known})")
    if path.is_file():
        check_file(path)  # an output of a build must be what the build wrote
    by_iri: dict[str, list[str]] = {str(KNOWN_GRAPHS[n]): [] for n in names}
    outside = 0
    for quad in _read_quads(path):
        graph = quad.graph_name
        if not isinstance(graph, ox.NamedNode):
            outside += 1
        elif graph.value in by_iri:
            by_iri[graph.value].append(f"{quad.triple} .\n")
    if outside:
        # A triples-only file (merged.nt, ...) would otherwise "replace" every graph with nothing.
        raise InputError(
            path,
            f"{outside} triples are outside any named graph: publish needs the dataset with "
            "its named graphs (dist/dataset.nq or dataset.trig)",
        )
    return [
        GraphPayload(n, str(KNOWN_GRAPHS[n]), tuple(sorted(by_iri[str(KNOWN_GRAPHS[n])])))
        for n in names
    ]


def _blank_labels(line: str) -> list[str]:
    # A line is "subject predicate object .", single-spaced; only the subject and the object
    # can be blank nodes, and a literal object may itself contain "_:" after a space.
    subject, _, rest = line.split(" ", 2)
    obj = rest.split(" ", 1)[0]
    return [term for term in (subject, obj) if term.startswith("_:")]


def batches(lines: Sequence[str], size: int) -> list[list[str]]:
    """Split N-Triples lines into batches of about `size`, keeping each blank node in one batch.

    Every request is a separate document to the store, so a blank node split across two
    requests would become two different nodes; triples linked by blank nodes travel together.
    """
    if size < 1:
        raise PublishError("the batch size must be at least 1")
    parent: dict[str, str] = {}

    def find(label: str) -> str:
        while parent.setdefault(label, label) != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    groups: dict[str, list[str]] = {}
    singles: list[list[str]] = []
    labelled: list[tuple[str, list[str]]] = []
    for line in lines:
        labels = _blank_labels(line)
        if not labels:
            singles.append([line])
            continue
        for other in labels[1:]:
            parent[find(other)] = find(labels[0])
        labelled.append((line, labels))
    for line, labels in labelled:
        groups.setdefault(find(labels[0]), []).append(line)
    out: list[list[str]] = []
    current: list[str] = []
    for group in [*groups.values(), *singles]:
        if current and len(current) + len(group) > size:
            out.append(current)
            current = []
        current.extend(group)
    if current:
        out.append(current)
    return out


# --------------------------------------------------------------------------------------------
# Talking to the store


class _Connection:
    """The SPARQL client with bounded retries; every failure becomes a PublishError saying what."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # Credentials go only to the origins of the write endpoints, never to another host
        # that happens to serve the query endpoint.
        self.client = SparqlClient(
            timeout=store.timeout,
            auth=store.auth,
            auth_origins=[u for u in (store.graph_store, store.update) if u],
            retries=store.retries,
            retry_delay=store.retry_delay,
        )

    def close(self) -> None:
        self.client.close()

    def request(
        self,
        method: str,
        url: str,
        what: str,
        *,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        try:
            return self.client.request(
                method, url, params=params, data=data, content=content, headers=headers
            )
        except HttpFailure as failure:
            if failure.response is None:
                exc = failure.cause
                last = f"cannot reach the store at {safe_url(url)} ({type(exc).__name__}: {exc})"
            else:
                last = _status_message(failure.response, url, what)
            tries = f" (after {self.store.retries + 1} attempts)" if failure.attempts > 1 else ""
            raise PublishError(f"{what}: {last}{tries}") from None

    def update(self, text: str, what: str) -> None:
        if self.store.update is None:
            raise AssertionError("no update endpoint")
        self.request("POST", self.store.update, what, data={"update": text})

    def select(self, text: str, what: str) -> dict[str, Any]:
        response = self.request(
            "POST",
            self.store.query,
            what,
            data={"query": text},
            headers={"Accept": RESULTS_JSON.media_type},
        )
        try:
            result: dict[str, Any] = response.json()
        except ValueError:
            raise PublishError(
                f"{what}: {safe_url(self.store.query)} did not answer with SPARQL JSON results "
                f"(Content-Type {response.headers.get('content-type', 'none')}); "
                "is --store the SPARQL query endpoint?"
            ) from None
        return result

    def count(self, graph_iri: str) -> int:
        result = self.select(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}",
            f"counting the triples of <{graph_iri}>",
        )
        return int(result["results"]["bindings"][0]["n"]["value"])


def _status_message(response: httpx.Response, url: str, what: str) -> str:
    code = response.status_code
    body = " ".join(response.text.split())[:300]
    if code in (401, 403):
        return (
            f"the store refused the credentials (HTTP {code}) at {safe_url(url)}: "
            "check --user, --password-env and --auth"
        )
    if code == 404:
        return f"no such endpoint (HTTP 404) at {safe_url(url)}: check the endpoint URL"
    return f"the store answered HTTP {code} at {safe_url(url)}: {body}"


def _insert_data(graph_iri: str, lines: Iterable[str]) -> str:
    # N-Triples is a subset of the triple syntax of SPARQL, so lines go in as they are.
    return f"INSERT DATA {{ GRAPH <{graph_iri}> {{\n{''.join(lines)}}} }}"


class _Writer:
    """Sends batches of one graph into some graph of the store, by GSP or by Update."""

    def __init__(self, connection: _Connection, progress: tqdm[Any], on_batch: BatchHook | None):
        self.connection = connection
        self.progress = progress
        self.on_batch = on_batch

    @property
    def method(self) -> str:
        return "graph-store" if self.connection.store.graph_store else "update"

    def add(self, graph: GraphPayload, target: str, parts: list[list[str]]) -> None:
        store = self.connection.store
        for number, part in enumerate(parts, start=1):
            what = f"writing batch {number}/{len(parts)} of graph '{graph.name}'"
            if store.graph_store:
                self.connection.request(
                    "POST",
                    store.graph_store,
                    what,
                    params={"graph": target},
                    content="".join(part).encode("utf-8"),
                    headers={"Content-Type": NTRIPLES.media_type},
                )
            else:
                self.connection.update(_insert_data(target, part), what)
            self.progress.update(len(part))
            if self.on_batch is not None:
                self.on_batch(graph.name, number, len(parts))

    def put(self, graph: GraphPayload) -> None:
        store = self.connection.store
        assert store.graph_store is not None
        self.connection.request(
            "PUT",
            store.graph_store,
            f"replacing graph '{graph.name}'",
            params={"graph": graph.iri},
            content="".join(graph.lines).encode("utf-8"),
            headers={"Content-Type": NTRIPLES.media_type},
        )
        self.progress.update(graph.count)
        if self.on_batch is not None:
            self.on_batch(graph.name, 1, 1)


_STAGING = str(GRAPH["staging-"])


def _staging_iri(run: str, graph: GraphPayload) -> str:
    return f"{_STAGING}{run}-{graph.name}"


def _stale_staging_graphs(connection: _Connection) -> list[str]:
    """Staging graphs an interrupted run left behind; the next commit drops them."""
    result = connection.select(
        f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
        f'FILTER(STRSTARTS(STR(?g), "{_STAGING}")) }}',
        "looking for staging graphs left by an interrupted run",
    )
    return sorted(b["g"]["value"] for b in result["results"]["bindings"])


def _drop(connection: _Connection, iris: Sequence[str]) -> str:
    """Best-effort removal of staging graphs; returns a sentence for the error message."""
    if not iris:
        return ""
    listed = ", ".join(f"<{i}>" for i in iris)
    try:
        connection.update(
            " ;\n".join(f"DROP SILENT GRAPH <{i}>" for i in iris), "dropping staging graphs"
        )
    except PublishError:
        return f" The staging graphs {listed} may remain in the store; drop them when it is back."
    return f" The staging graphs {listed} were dropped."


def _replace_staged(
    connection: _Connection, writer: _Writer, graphs: list[GraphPayload], batch_size: int
) -> None:
    run = uuid.uuid4().hex[:12]
    stale = _stale_staging_graphs(connection)
    staged: list[str] = []
    try:
        for graph in graphs:
            if not graph.count:
                continue
            target = _staging_iri(run, graph)
            staged.append(target)
            writer.add(graph, target, batches(graph.lines, batch_size))
            found = connection.count(target)
            if found != graph.count:
                raise PublishError(
                    f"graph '{graph.name}': the store holds {found} staged triples "
                    f"where {graph.count} were sent"
                )
        commit = [
            f"MOVE <{_staging_iri(run, g)}> TO <{g.iri}>"
            if g.count
            else f"DROP SILENT GRAPH <{g.iri}>"
            for g in graphs
        ]
        commit += [f"DROP SILENT GRAPH <{iri}>" for iri in stale]
        connection.update(" ;\n".join(commit), "moving the staged graphs into place")
    except PublishError as exc:
        raise PublishError(
            f"{exc}. Nothing was replaced: the published graphs are as they were."
            + _drop(connection, staged)
        ) from None


def _replace_by_put(writer: _Writer, graphs: list[GraphPayload]) -> None:
    done: list[str] = []
    for graph in graphs:
        try:
            writer.put(graph)
        except PublishError as exc:
            replaced = ", ".join(done) or "none"
            raise PublishError(
                f"{exc}. Graph '{graph.name}' and those after it were not replaced; "
                f"replaced: {replaced} (each graph is replaced whole or not at all)."
            ) from None
        done.append(graph.name)


def _merge(writer: _Writer, graphs: list[GraphPayload], batch_size: int) -> None:
    for graph in graphs:
        parts = batches(graph.lines, batch_size)
        try:
            writer.add(graph, graph.iri, parts)
        except PublishError as exc:
            raise PublishError(
                f"{exc}. Merging is additive: the batches before it were added; "
                "running the same --merge again completes it."
            ) from None


def publish(
    graphs: list[GraphPayload],
    store: Store,
    *,
    mode: Mode = "replace",
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: BatchHook | None = None,
    progress: bool | None = None,
) -> str:
    """Write `graphs` to `store`; returns the method used. Raises PublishError on any failure.

    `progress=None` shows a progress bar only on a terminal.
    """
    if not store.graph_store and not store.update:
        raise PublishError("give the store's --graph-store or --update endpoint (or both)")
    connection = _Connection(store)
    total = sum(g.count for g in graphs)
    try:
        # Fails early, before any write, on an unreachable store, bad credentials or a bad URL.
        connection.select("ASK { }", "checking the query endpoint")
        hidden = not sys.stderr.isatty() if progress is None else not progress
        with tqdm(total=total, unit="triple", desc="publish", disable=hidden) as bar:
            writer = _Writer(connection, bar, on_batch)
            if mode == "merge":
                _merge(writer, graphs, batch_size)
                return f"merge by {writer.method}"
            if store.update:
                _replace_staged(connection, writer, graphs, batch_size)
                return f"replace by {writer.method} into staging graphs, then MOVE"
            _replace_by_put(writer, graphs)
            return "replace by graph-store PUT, one request per graph"
    finally:
        connection.close()


# --------------------------------------------------------------------------------------------
# Verification


def _ox_term(term: Any) -> TermKey | None:
    """The comparison key of an Oxigraph term (of an unbound variable: None)."""
    if term is None:
        return None
    try:
        return key(from_oxigraph(term))
    except QueryError:  # a triple term: compared by its text
        return ("other", str(term))


def _ox_row(triple: ox.Triple) -> tuple[Any, ...]:
    return (_ox_term(triple.subject), _ox_term(triple.predicate), _ox_term(triple.object))


def _local_rows(local: ox.Store, text: str) -> tuple[str, list[str], Counter[tuple[Any, ...]]]:
    result = local.query(text, use_default_graph_as_union=True)
    if isinstance(result, ox.QueryBoolean):
        return "ASK", [], Counter({(bool(result),): 1})
    if isinstance(result, ox.QueryTriples):
        return "CONSTRUCT", [], Counter(_ox_row(t) for t in result)
    names = [v.value for v in result.variables]
    return "SELECT", names, Counter(tuple(_ox_term(s[n]) for n in names) for s in result)


def _remote_rows(
    connection: _Connection, what: str, form: str, names: list[str], text: str
) -> Counter[tuple[Any, ...]]:
    if form == "CONSTRUCT":
        response = connection.request(
            "POST",
            connection.store.query,
            what,
            data={"query": text},
            headers={"Accept": NTRIPLES.media_type},
        )
        try:
            triples = ox.parse(response.content, format=NTRIPLES.rdf)
            return Counter(_ox_row(t) for t in triples)
        except SyntaxError as exc:
            raise PublishError(f"{what}: the store's N-Triples do not parse: {exc.msg}") from None
    result = connection.select(text, what)
    if form == "ASK":
        return Counter({(bool(result.get("boolean")),): 1})
    return Counter(tuple(key(b.get(n)) for n in names) for b in result["results"]["bindings"])


def verify(
    graphs: list[GraphPayload],
    store: Store,
    dataset: Path,
    queries: Mapping[str, str],
    report: PublishReport,
) -> PublishReport:
    """Count each graph in the store and run every query on both sides; fills `report`."""
    connection = _Connection(store)
    try:
        for graph in graphs:
            report.store_counts[graph.name] = connection.count(graph.iri)
            sent = ox.parse("".join(graph.lines), format=NTRIPLES.rdf)
            back = _remote_rows(
                connection,
                f"reading graph '{graph.name}' back",
                "CONSTRUCT",
                [],
                f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph.iri}> {{ ?s ?p ?o }} }}",
            )
            report.contents[graph.name] = QueryCheck(
                graph.name, "CONSTRUCT", Counter(_ox_row(t) for t in sent), back
            )
        answer = connection.select("ASK { ?s ?p ?o }", "checking the store's default graph")
        report.union_default_graph = bool(answer.get("boolean"))
        local = ox.Store()
        local.extend(_read_quads(dataset))
        for name, text in queries.items():
            form, names, ours = _local_rows(local, text)
            try:
                what = f"running canned query '{name}' on the store"
                theirs = _remote_rows(connection, what, form, names, text)
            except PublishError as exc:
                report.queries.append(QueryCheck(name, form, ours, Counter(), str(exc)))
                continue
            report.queries.append(QueryCheck(name, form, ours, theirs))
    finally:
        connection.close()
    return report


# --------------------------------------------------------------------------------------------
# Printing


def plan_table(graphs: Sequence[GraphPayload], batch_size: int) -> str:
    """What a dry run would send: each graph's triples and number of batches."""
    rows = [(g.name, g.count, len(batches(g.lines, batch_size))) for g in graphs]
    return _table(("graph", "triples", "batches"), rows)


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(c) for c in headers], *[[str(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _term_text(term: Any) -> str:
    if term is None:
        return "UNDEF"
    if term[0] == "iri":
        return f"<{term[1]}>"
    if term[0] == "bnode":
        return "[]"
    if term[0] == "literal":
        value = term[1].replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        if term[3]:
            return f'"{value}"@{term[3]}'
        return f'"{value}"' if term[2] == _XSD_STRING else f'"{value}"^^<{term[2]}>'
    return str(term[-1])


def _row_text(row: tuple[Any, ...]) -> str:
    return " ".join(str(t).lower() if isinstance(t, bool) else _term_text(t) for t in row)


def report_text(report: PublishReport) -> str:
    """The verification tables, then every difference, row by row."""
    rows = [
        (
            g.name,
            g.count,
            report.store_counts.get(g.name, "?"),
            _mark(report.store_counts.get(g.name) == g.count),
            _unchanged(report.contents.get(g.name)),
        )
        for g in report.graphs
    ]
    headers = ("graph", "triples here", "triples in store", "equal", "returned as sent")
    lines = [_table(headers, rows)]
    if report.queries:
        lines.append("")
        qrows = [
            (
                q.name,
                q.form,
                sum(q.ours.values()),
                "error" if q.error else sum(q.theirs.values()),
                _mark(q.equal),
            )
            for q in report.queries
        ]
        lines.append(_table(("canned query", "form", "rows here", "rows in store", "equal"), qrows))
    for name, content in report.contents.items():
        if not content.equal:
            lines.append(f"\ngraph '{name}': triples the store gives back otherwise")
            lines += _row_lines(content)
    for q in report.queries:
        if q.error:
            lines.append(f"\n{q.name}: the store could not run it: {q.error}")
        elif not q.equal:
            lines.append(f"\n{q.name}: rows differ")
            lines += _row_lines(q)
    if report.union_default_graph is False:
        lines.append(
            "\nThe store's default graph is empty: canned queries need it to be the union of "
            "the named graphs (Oxigraph: `oxigraph serve --union-default-graph`)."
        )
    return "\n".join(lines) + "\n"


def print_report(report: PublishReport, out: TextIO) -> None:
    """Write `report_text(report)` to `out` (the CLI gives stdout)."""
    out.write(report_text(report))


def _row_lines(check: QueryCheck) -> list[str]:
    lines = []
    for label, rows in (("only here", check.only_ours()), ("only in store", check.only_theirs())):
        lines += [f"  {label}: {_row_text(row)}" for row in rows[:MAX_DIFF_ROWS]]
        if len(rows) > MAX_DIFF_ROWS:
            lines.append(f"  {label}: ... {len(rows) - MAX_DIFF_ROWS} more")
    return lines


def _unchanged(content: QueryCheck | None) -> str:
    if content is None:
        return "?"
    return str(sum((content.ours & content.theirs).values()))


def _mark(ok: bool) -> str:
    return "yes" if ok else "NO"


# --------------------------------------------------------------------------------------------
# What the verification compares


def canned_queries(directory: Path | None = None) -> dict[str, str]:
    """Every canned query rendered with its default parameters, by name."""
    from diplokg.queries import load_catalogue

    return {name: q.render({}) for name, q in sorted(load_catalogue(directory).items())}
