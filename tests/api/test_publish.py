"""`diplokg publish` against a live Oxigraph server, and against a proxy that fails on purpose.

Expected counts come from tests/data/publish/dataset.trig, counted by hand: the ontology graph
holds 3 + 3 + 4 = 10 triples, the asserted graph 5 + 4 + 6 = 15, the evidence graph 1, the
inferred graph 2.
"""

from __future__ import annotations

import http.client
import re
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from rdflib import Dataset, Graph, Literal
from rdflib.compare import isomorphic

from diplokg.cli import main
from diplokg.errors import InputError
from diplokg.namespaces import DKG, NAMED_GRAPHS, RDFS, RES, XSD
from diplokg.publish import (
    PublishError,
    Store,
    batches,
    canned_queries,
    load_graphs,
    publish,
)

DATA = Path(__file__).parents[1] / "data" / "publish"
DATASET = DATA / "dataset.trig"
QUERIES = DATA / "queries"
ALL_GRAPHS = list(NAMED_GRAPHS)
# the fixture has no derived graph (codings, levels, bounds) nor version graph: each counts as
# empty, like enrichment
EXPECTED_COUNTS = {
    "asserted": 15,
    "inferred": 2,
    "enrichment": 0,
    "evidence": 1,
    "ontology": 10,
    "derived": 0,
    "version": 0,
}
OXIGRAPH = Path(sys.executable).parent / "oxigraph"

pytestmark = pytest.mark.server


@dataclass
class Oxigraph:
    """An `oxigraph serve` process on 127.0.0.1 over a store folder that survives restarts."""

    location: Path
    free_port: Callable[[], int]  # the `free_port` fixture
    union: bool = True
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.port = self.free_port()
        command = [str(OXIGRAPH), "serve", "--location", str(self.location)]
        command += ["--bind", f"127.0.0.1:{self.port}"]
        if self.union:
            command.append("--union-default-graph")
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.base}/query", params={"query": "ASK {}"}, timeout=1)
                return
            except httpx.TransportError:
                if self.process.poll() is not None:
                    assert self.process.stderr is not None  # stderr=PIPE
                    raise RuntimeError(self.process.stderr.read().decode()) from None
                time.sleep(0.05)
        raise RuntimeError("oxigraph did not answer within 30 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def args(self, *, graph_store: bool = True, update: bool = True) -> list[str]:
        out = ["--store", f"{self.base}/query"]
        if graph_store:
            out += ["--graph-store", f"{self.base}/store"]
        if update:
            out += ["--update", f"{self.base}/update"]
        return out

    def store(self, **kwargs: object) -> Store:
        return Store(
            query=f"{self.base}/query",
            graph_store=f"{self.base}/store",
            update=f"{self.base}/update",
            **kwargs,  # type: ignore[arg-type]
        )

    def graph(self, name: str) -> Graph:
        """A named graph as the store holds it (empty if the store has no such graph)."""
        response = httpx.get(
            f"{self.base}/store",
            params={"graph": str(NAMED_GRAPHS[name])},
            headers={"Accept": "application/n-triples"},
        )
        graph = Graph()
        if response.status_code != 404:
            response.raise_for_status()
            graph.parse(data=response.text, format="nt")
        return graph

    def graph_names(self) -> set[str]:
        response = httpx.post(
            f"{self.base}/query",
            data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
            headers={"Accept": "application/sparql-results+json"},
        )
        return {b["g"]["value"] for b in response.json()["results"]["bindings"]}


def _oxigraph(tmp_path: Path, free_port: Callable[[], int], union: bool) -> Iterator[Oxigraph]:
    server = Oxigraph(tmp_path / "oxigraph", free_port, union=union)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def oxigraph(tmp_path: Path, free_port: Callable[[], int]) -> Iterator[Oxigraph]:
    """A fresh store per test: oxigraph starts in a fraction of a second."""
    yield from _oxigraph(tmp_path, free_port, union=True)


@pytest.fixture
def oxigraph_no_union(tmp_path: Path, free_port: Callable[[], int]) -> Iterator[Oxigraph]:
    yield from _oxigraph(tmp_path, free_port, union=False)


# Literals a store gives back in another form of the same value. Oxigraph (and so our embedded
# engine) writes decimals in canonical form and keeps xsd:integer for the integer subtypes.
DECIMAL_AS_WRITTEN = Literal("4.50", datatype=XSD.decimal)
DECIMAL_CANONICAL = Literal("4.5", datatype=XSD.decimal)
OFFSET = Literal("3351", datatype=XSD.nonNegativeInteger)
OXIGRAPH_REWRITES = {
    DECIMAL_AS_WRITTEN: DECIMAL_CANONICAL,
    OFFSET: Literal("3351", datatype=XSD.integer),
}


def expected_graph(name: str, rewrites: dict[Literal, Literal] = OXIGRAPH_REWRITES) -> Graph:
    """A named graph of the fixture as a store gives it back, its literals rewritten."""
    dataset = Dataset()
    dataset.parse(DATASET)
    graph = Graph()
    for s, p, o in dataset.graph(NAMED_GRAPHS[name]):
        graph.add((s, p, rewrites.get(o, o) if isinstance(o, Literal) else o))
    return graph


def run_cli(*argv: str) -> int:
    return main(["publish", *argv])


# --------------------------------------------------------------------------------------------
# The data, without a server


def test_load_graphs_counts_each_named_graph_of_the_fixture() -> None:
    graphs = load_graphs(DATASET, ALL_GRAPHS)
    assert {g.name: g.count for g in graphs} == EXPECTED_COUNTS
    assert [g.iri for g in graphs] == [str(NAMED_GRAPHS[n]) for n in ALL_GRAPHS]


def test_load_graphs_rejects_an_unknown_graph_name() -> None:
    with pytest.raises(PublishError, match=r"unknown graph name.*asserted-typo"):
        load_graphs(DATASET, ["asserted-typo"])


def test_load_graphs_refuses_triples_outside_named_graphs(tmp_path: Path) -> None:
    merged = tmp_path / "merged.nt"
    merged.write_text('<urn:a> <urn:p> "no graph" .\n')
    with pytest.raises(InputError, match=r"merged\.nt: 1 triples are outside any named graph"):
        load_graphs(merged, ALL_GRAPHS)


def test_load_graphs_names_file_and_line_of_bad_rdf() -> None:
    with pytest.raises(InputError, match=r"bad-line-3\.nq:3: bad RDF"):
        load_graphs(DATA / "bad-line-3.nq", ["asserted"])


BNODE_LINES = [
    "<urn:a> <urn:p> _:list1 .\n",
    "_:list1 <urn:first> <urn:x> .\n",
    "_:list1 <urn:rest> _:list2 .\n",
    "_:list2 <urn:first> <urn:y> .\n",
    "<urn:b> <urn:p> _:other .\n",
    '<urn:c> <urn:p> "a literal naming _:list1 inside" .\n',
    "<urn:d> <urn:p> <urn:e> .\n",
]


@pytest.mark.parametrize("size", [1, 2, 3, 100], ids=lambda s: f"size-{s}")
def test_batches_keep_triples_linked_by_blank_nodes_together(size: int) -> None:
    parts = batches(BNODE_LINES, size)
    assert sorted(line for part in parts for line in part) == sorted(BNODE_LINES)
    chain = {BNODE_LINES[i] for i in range(4)}
    assert any(chain <= set(part) for part in parts)
    if size == 1:  # "_:" inside a literal is no blank node: that triple travels alone
        assert [BNODE_LINES[5]] in parts
    # A batch is never larger than asked unless one blank-node group is.
    assert all(len(part) <= max(size, len(chain)) for part in parts)


def test_an_endpoint_url_with_credentials_is_refused() -> None:
    with pytest.raises(PublishError, match="credentials in an endpoint URL"):
        Store(query="https://user:secret@store.example.org/sparql")


def test_dry_run_contacts_nothing(
    capsys: pytest.CaptureFixture[str], free_port: Callable[[], int]
) -> None:
    port = free_port()  # nothing listens there
    code = run_cli(
        "--store",
        f"http://127.0.0.1:{port}/query",
        "--update",
        f"http://127.0.0.1:{port}/update",
        "--data",
        str(DATASET),
        "--queries",
        str(QUERIES),
        "--batch-size",
        "5",
        "--dry-run",
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "asserted    15       3" in out  # 15 triples in batches of 5
    assert "4 canned queries" in out


def test_a_password_variable_that_is_not_set_is_an_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DIPLOKG_TEST_UNSET", raising=False)
    code = run_cli(
        "--store",
        "http://127.0.0.1:9/query",
        "--update",
        "http://127.0.0.1:9/update",
        "--user",
        "admin",
        "--password-env",
        "DIPLOKG_TEST_UNSET",
        "--data",
        str(DATASET),
    )
    assert code == 2
    assert "DIPLOKG_TEST_UNSET (--password-env) is not set" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# Round trips against a live Oxigraph


def test_publish_round_trip_verifies_counts_and_canned_queries(
    oxigraph: Oxigraph, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_cli(*oxigraph.args(), "--data", str(DATASET), "--queries", str(QUERIES))
    out = capsys.readouterr().out
    assert code == 0, out
    for name in ALL_GRAPHS:
        assert isomorphic(oxigraph.graph(name), expected_graph(name)), name
    # Every triple arrives; two literals come back in another form of the same value.
    assert "asserted    15            15                yes    14" in out
    assert "evidence    1             1                 yes    0" in out
    assert "ontology    10            10                yes    10" in out
    trade = (RES["diplomatic-relations"], DKG.tradeVolumeBillionEuro)
    assert (*trade, DECIMAL_CANONICAL) in oxigraph.graph("asserted")
    start = f"<{RES['evidence-1']}> <http://www.w3.org/ns/oa#start>"
    assert f'only here: {start} "3351"^^<{XSD.nonNegativeInteger}>' in out
    assert f'only in store: {start} "3351"^^<{XSD.integer}>' in out
    for query in canned_queries(QUERIES):
        assert query in out
    assert " NO" not in out


@pytest.mark.parametrize(
    ("graph_store", "update", "method"),
    [
        (True, True, "replace by graph-store into staging graphs, then MOVE"),
        (False, True, "replace by update into staging graphs, then MOVE"),
        (True, False, "replace by graph-store PUT, one request per graph"),
    ],
    ids=["gsp-and-update", "update-only-insert-data", "gsp-only-put"],
)
def test_replace_is_idempotent_and_leaves_no_staging_graph(
    oxigraph: Oxigraph,
    capsys: pytest.CaptureFixture[str],
    graph_store: bool,
    update: bool,
    method: str,
) -> None:
    argv = [
        *oxigraph.args(graph_store=graph_store, update=update),
        "--data",
        str(DATASET),
        "--queries",
        str(QUERIES),
        "--batch-size",
        "4",
    ]
    assert run_cli(*argv) == 0
    assert run_cli(*argv, "--replace") == 0
    assert method in capsys.readouterr().out
    non_empty = {str(NAMED_GRAPHS[n]) for n, c in EXPECTED_COUNTS.items() if c}
    assert oxigraph.graph_names() == non_empty
    for name in ALL_GRAPHS:
        assert isomorphic(oxigraph.graph(name), expected_graph(name)), name


def _grown_dataset(tmp_path: Path, extra: int) -> Path:
    """The fixture plus `extra` labels in the asserted graph: a newer version to publish."""
    dataset = Dataset()
    dataset.parse(DATASET)
    asserted = dataset.graph(NAMED_GRAPHS["asserted"])
    for i in range(extra):
        asserted.add((RES[f"extra-{i}"], RDFS.label, Literal(f"extra {i}", lang="en")))
    path = tmp_path / "grown.nq"
    dataset.serialize(path, format="nquads")
    return path


def test_replace_removes_triples_that_are_gone_and_merge_keeps_them(
    oxigraph: Oxigraph, tmp_path: Path
) -> None:
    grown = _grown_dataset(tmp_path, 3)
    store = oxigraph.store()
    publish(load_graphs(grown, ["asserted"]), store)
    assert len(oxigraph.graph("asserted")) == 15 + 3
    publish(load_graphs(DATASET, ["asserted"]), store, mode="merge")
    assert len(oxigraph.graph("asserted")) == 15 + 3
    publish(load_graphs(DATASET, ["asserted"]), store, mode="replace")
    assert isomorphic(oxigraph.graph("asserted"), expected_graph("asserted"))


def test_merge_by_insert_data_adds_the_graphs(oxigraph: Oxigraph) -> None:
    store = Store(query=f"{oxigraph.base}/query", update=f"{oxigraph.base}/update")
    method = publish(load_graphs(DATASET, ALL_GRAPHS), store, mode="merge", batch_size=3)
    assert method == "merge by update"
    for name in ALL_GRAPHS:
        assert isomorphic(oxigraph.graph(name), expected_graph(name)), name


def test_blank_nodes_survive_batching(oxigraph: Oxigraph, tmp_path: Path) -> None:
    path = tmp_path / "bnodes.nq"
    asserted = str(NAMED_GRAPHS["asserted"])
    path.write_text("".join(line.replace(" .\n", f" <{asserted}> .\n") for line in BNODE_LINES))
    publish(load_graphs(path, ["asserted"]), oxigraph.store(), batch_size=1)
    expected = Graph().parse(data="".join(BNODE_LINES), format="nt")
    assert isomorphic(oxigraph.graph("asserted"), expected)


def test_server_stopped_mid_way_leaves_the_published_graphs_whole(
    oxigraph: Oxigraph, tmp_path: Path
) -> None:
    publish(load_graphs(DATASET, ALL_GRAPHS), oxigraph.store())
    grown = load_graphs(_grown_dataset(tmp_path, 30), ALL_GRAPHS)
    seen: list[tuple[str, int]] = []

    def stop_after_second_batch(graph: str, number: int, total: int) -> None:
        seen.append((graph, number))
        if number == 2:
            oxigraph.stop()

    with pytest.raises(PublishError) as failure:
        publish(
            grown,
            oxigraph.store(retries=2, retry_delay=0),
            batch_size=10,
            on_batch=stop_after_second_batch,
        )
    message = str(failure.value)
    assert "writing batch 3/5 of graph 'asserted'" in message
    assert "cannot reach the store" in message
    assert "Nothing was replaced" in message
    assert "may remain in the store" in message
    assert seen == [("ontology", 1), ("asserted", 1), ("asserted", 2)]
    oxigraph.start()
    for name in ALL_GRAPHS:
        assert isomorphic(oxigraph.graph(name), expected_graph(name)), name
    # The next run completes the publication and sweeps the staging graphs left behind.
    publish(grown, oxigraph.store())
    assert len(oxigraph.graph("asserted")) == 15 + 30
    non_empty = {str(NAMED_GRAPHS[n]) for n, c in EXPECTED_COUNTS.items() if c}
    assert oxigraph.graph_names() == non_empty


def test_unreachable_store_is_one_clear_error(free_port: Callable[[], int]) -> None:
    port = free_port()
    store = Store(
        query=f"http://127.0.0.1:{port}/query",
        update=f"http://127.0.0.1:{port}/update",
        retries=1,
        retry_delay=0,
    )
    with pytest.raises(PublishError, match=r"cannot reach the store at http://127\.0\.0\.1") as exc:
        publish(load_graphs(DATASET, ALL_GRAPHS), store)
    assert "after 2 attempts" in str(exc.value)
    assert exc.value.exit_code == 2


def test_an_endpoint_that_does_not_exist_is_a_404_error(
    oxigraph: Oxigraph, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--store", f"{oxigraph.base}/query", "--graph-store", f"{oxigraph.base}/no-such"]
    code = run_cli(*argv, "--update", f"{oxigraph.base}/update", "--data", str(DATASET))
    err = capsys.readouterr().err
    assert code == 2
    assert "no such endpoint (HTTP 404)" in err
    assert f"{oxigraph.base}/no-such" in err
    assert "Nothing was replaced" in err
    assert oxigraph.graph_names() == set()


def test_verification_reports_a_store_that_differs(
    oxigraph: Oxigraph, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bad fixture for the equality check: a store that lost one triple after publishing."""
    argv = [*oxigraph.args(), "--data", str(DATASET), "--queries", str(QUERIES)]
    assert run_cli(*argv) == 0
    # Someone deletes a triple behind our back.
    treaty = RES["strategic-partnership-treaty"]
    httpx.post(
        f"{oxigraph.base}/update",
        data={
            "update": f"DELETE DATA {{ GRAPH <{NAMED_GRAPHS['asserted']}> "
            f'{{ <{treaty}> <{RDFS.label}> "Strategic partnership treaty"@en }} }}'
        },
    ).raise_for_status()
    from diplokg.publish import PublishReport, print_report, verify

    graphs = load_graphs(DATASET, ALL_GRAPHS)
    report = verify(
        graphs,
        oxigraph.store(),
        DATASET,
        canned_queries(QUERIES),
        PublishReport("replace", "none", graphs),
    )
    assert report.store_counts["asserted"] == 14
    assert not report.ok
    differing = {q.name for q in report.queries if not q.equal}
    assert differing == {"dated-events", "typed-values"}
    print_report(report, sys.stdout)
    out = capsys.readouterr().out
    assert "asserted    15            14                NO     13" in out
    assert (
        f'only here: <{treaty}> "Strategic partnership treaty"@en '
        '"2008-06-11"^^<http://www.w3.org/2001/XMLSchema#date>' in out
    )


def test_a_store_whose_default_graph_is_not_the_union_is_flagged(
    oxigraph_no_union: Oxigraph, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*oxigraph_no_union.args(), "--data", str(DATASET), "--queries", str(QUERIES)]
    assert run_cli(*argv) == 1
    captured = capsys.readouterr()
    assert "asserted    15            15                yes" in captured.out
    assert "dated-events      SELECT  3          0              NO" in captured.out
    assert "oxigraph serve --union-default-graph" in captured.out
    assert "does not answer as the embedded dataset" in captured.err


# --------------------------------------------------------------------------------------------
# A store that requires credentials or fails on purpose: a small proxy in front of Oxigraph


StartProxy = Callable[..., str]


class _Proxy(BaseHTTPRequestHandler):
    """Forwards to Oxigraph; checks Basic credentials; may answer writes with a fixed error."""

    upstream: str
    credentials: str | None
    write_status: int | None

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _handle(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.credentials and self.headers.get("Authorization") != self.credentials:
            return self._answer(401, b"unauthorized", {"WWW-Authenticate": 'Basic realm="x"'})
        is_write = self.path.startswith(("/store", "/update"))
        if self.write_status and is_write:
            return self._answer(self.write_status, b"Parser error: store says no")
        connection = http.client.HTTPConnection(self.upstream, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "authorization"}
        connection.request(self.command, self.path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
        content_type = response.getheader("Content-Type", "text/plain")
        self._answer(response.status, content, {"Content-Type": content_type})
        connection.close()

    def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _handle


@pytest.fixture
def proxy(oxigraph: Oxigraph) -> Iterator[StartProxy]:
    servers: list[ThreadingHTTPServer] = []

    def start(credentials: str | None = None, write_status: int | None = None) -> str:
        handler = type(
            "Handler",
            (_Proxy,),
            {
                "upstream": f"127.0.0.1:{oxigraph.port}",
                "credentials": credentials,
                "write_status": write_status,
            },
        )
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _proxy_args(base: str) -> list[str]:
    return [
        "--store",
        f"{base}/query",
        "--graph-store",
        f"{base}/store",
        "--update",
        f"{base}/update",
    ]


# "diplokg:s3cret" in Basic form
S3CRET = "Basic ZGlwbG9rZzpzM2NyZXQ="


@pytest.mark.parametrize(
    ("password", "code"), [("s3cret", 0), ("wrong-pass", 2)], ids=["right-password", "wrong"]
)
def test_credentials_come_from_the_environment_and_are_never_printed(
    oxigraph: Oxigraph,
    proxy: StartProxy,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    password: str,
    code: int,
) -> None:
    base = proxy(credentials=S3CRET)
    monkeypatch.setenv("DIPLOKG_TEST_PASSWORD", password)
    argv = [*_proxy_args(base), "--user", "diplokg", "--password-env", "DIPLOKG_TEST_PASSWORD"]
    assert run_cli(*argv, "--data", str(DATASET), "--queries", str(QUERIES)) == code
    captured = capsys.readouterr()
    assert password not in captured.out + captured.err
    if code == 2:
        assert "refused the credentials (HTTP 401)" in captured.err
        assert oxigraph.graph_names() == set()
    else:
        assert isomorphic(oxigraph.graph("asserted"), expected_graph("asserted"))


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (500, "the store answered HTTP 500"),
        (400, "the store answered HTTP 400"),
        (403, "refused the credentials (HTTP 403)"),
    ],
    ids=["store-error-500", "rdf-rejected-400", "forbidden-403"],
)
def test_a_store_that_refuses_writes_leaves_the_published_graphs_as_they_were(
    oxigraph: Oxigraph,
    proxy: StartProxy,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    status: int,
    message: str,
) -> None:
    publish(load_graphs(DATASET, ALL_GRAPHS), oxigraph.store())
    base = proxy(write_status=status)
    grown = _grown_dataset(tmp_path, 5)
    assert run_cli(*_proxy_args(base), "--data", str(grown)) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "writing batch 1/1 of graph 'asserted'" in err
    assert "Nothing was replaced" in err
    for name in ALL_GRAPHS:
        assert isomorphic(oxigraph.graph(name), expected_graph(name)), name


def test_a_failed_merge_says_what_was_added(
    oxigraph: Oxigraph, proxy: StartProxy, capsys: pytest.CaptureFixture[str]
) -> None:
    base = proxy(write_status=500)
    code = run_cli(*_proxy_args(base), "--merge", "--data", str(DATASET), "--graphs", "asserted")
    err = capsys.readouterr().err
    assert code == 2
    assert "writing batch 1/1 of graph 'asserted'" in err
    assert "Merging is additive" in err
    assert oxigraph.graph_names() == set()


def test_the_built_dataset_answers_every_canned_query_alike_on_oxigraph(
    oxigraph: Oxigraph, capsys: pytest.CaptureFixture[str]
) -> None:
    """The real thing: dist/dataset.nq (built if stale) and the project's canned queries."""
    from diplokg.queries import load_catalogue

    catalogue = load_catalogue()
    assert catalogue, "queries/ holds no canned query to compare"
    code = run_cli(*oxigraph.args())
    out, err = capsys.readouterr()
    assert code == 0, out + err
    for name in catalogue:
        assert re.search(rf"^{re.escape(name)} +(SELECT|ASK|CONSTRUCT) ", out, re.M), name


def test_a_graph_the_dataset_no_longer_holds_is_emptied_by_replace(
    oxigraph: Oxigraph, tmp_path: Path
) -> None:
    publish(load_graphs(DATASET, ALL_GRAPHS), oxigraph.store())
    asserted = load_graphs(DATASET, ["asserted"])[0]
    only_asserted = tmp_path / "only-asserted.nq"
    only_asserted.write_text("".join(f"{t[:-3]} <{asserted.iri}> .\n" for t in asserted.lines))
    nothing = load_graphs(only_asserted, ["inferred"])
    assert nothing[0].count == 0
    publish(nothing, oxigraph.store())
    assert len(oxigraph.graph("inferred")) == 0
    assert isomorphic(oxigraph.graph("asserted"), expected_graph("asserted"))


def test_https_certificates_are_verified() -> None:
    """A store whose certificate no authority signed is refused.

    The key pair in tests/data/publish/untrusted-*.pem is a throwaway, self-signed for
    127.0.0.1 (openssl req -x509 -newkey rsa:2048 -nodes -days 36500), protecting nothing.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(DATA / "untrusted-cert.pem", DATA / "untrusted-key.pem")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"https://127.0.0.1:{server.server_address[1]}"
    try:
        store = Store(query=f"{base}/query", update=f"{base}/update", retries=0)
        with pytest.raises(PublishError, match="CERTIFICATE_VERIFY_FAILED"):
            publish(load_graphs(DATASET, ALL_GRAPHS), store)
    finally:
        server.shutdown()
        server.server_close()
