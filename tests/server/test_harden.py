"""What an attacker on 127.0.0.1 found in the public endpoint, each reproduced: escaped IRIs
past the dataset checker, pages built on the event loop without a cache, budgets reserved
up front, the request-head limit skipped in one read, a killed worker answered as 500,
permalinks created cross-site, and /health showing paths and process ids."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import httpx
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from diplokg.api import EmbeddedBackend
from diplokg.config import Settings
from diplokg.protocol import LexedQuery, QueryRejected, check_query, inspect_query
from diplokg.server import rendering, responses
from diplokg.server.app import create_app
from diplokg.server.budget import Budgets

if TYPE_CHECKING:
    from tests.conftest import RunningServer, Serve, TourProject
    from tests.server.conftest import Health, InThread, WaitFor

EX = "http://example.org/"  # the namespace of the `chain` dataset (tests/server/conftest.py)
# 80^4 rows through a regex: seconds of work, as test_abuse.py's slow query.
_VALUES = " ".join(str(i) for i in range(80))
SLOW = (
    "SELECT (COUNT(*) AS ?n) { "
    + " ".join(f"VALUES ?{v} {{ {_VALUES} }}" for v in "abcd")
    + ' FILTER(REGEX(CONCAT("aaaaaaaaaaaaaaaaaaaaaaaa", STR(?a + ?b + ?c + ?d)), "^(a+)+$")) }'
)


LABELS = f"{EX}labels"
CHAIN = f"{EX}chain"
GRAPHS = (CHAIN, LABELS)


def _check(query: str, **kwargs: Any) -> LexedQuery:
    return check_query(query, max_bytes=32 * 1024, max_depth=50, dataset_graphs=GRAPHS, **kwargs)


# ---------------------------------------------------------------------------------------------
# 1. \u and \U escapes in IRIs
# ---------------------------------------------------------------------------------------------


def test_escaped_from_iri_is_decoded_before_the_dataset_check() -> None:
    info = _check(r"SELECT (COUNT(*) AS ?n) FROM <http\u003A//example.org/labels> {?s ?p ?o}")
    assert info.from_graphs == [LABELS] and info.has_dataset_clause


@pytest.mark.parametrize(
    "query",
    [
        r"ASK FROM <http\u003A//127.0.0.1:8791/g> {}",
        r"ASK FROM NAMED <http\U0000003A//127.0.0.1:8791/g> {}",
        r"PREFIX g: <http\u003A//127.0.0.1:8791/> ASK FROM g:x {}",
        r"BASE <http\u003A//127.0.0.1:8791/> ASK FROM <g> {}",
    ],
    ids=["from-u", "from-named-U", "prefix", "base"],
)
def test_escaped_iri_outside_the_dataset_is_refused(query: str) -> None:
    with pytest.raises(QueryRejected) as refused:
        _check(query)
    assert refused.value.status == 400
    assert "<http://127.0.0.1:8791/" in refused.value.message


def test_escaped_base_resolves_as_decoded() -> None:
    info = _check(r"BASE <http\u003A//example.org/> ASK FROM <labels> { ?s ?p <x> }", base_iri=None)
    assert info.from_graphs == [LABELS]
    # absolute once decoded: the answer does not depend on the endpoint's address
    assert inspect_query(r"ASK { <http\u003A//x/> ?p ?o }", 50, "http://b/").uses_base is False


def test_from_without_a_readable_iri_is_refused_and_never_union() -> None:
    query = "ASK FROM ?g {}"
    assert inspect_query(query, 50).has_dataset_clause
    with pytest.raises(QueryRejected) as refused:
        _check(query)
    assert refused.value.status == 400


def test_embedded_api_respects_from() -> None:
    store = ox.Store()
    for graph, n in ((CHAIN, 3), (LABELS, 1)):
        for i in range(n):
            store.add(
                ox.Quad(
                    ox.NamedNode(f"{EX}s{i}"),
                    ox.NamedNode(f"{EX}p"),
                    ox.Literal(str(i)),
                    ox.NamedNode(graph),
                )
            )
    backend = EmbeddedBackend(store)
    count = f"SELECT (COUNT(*) AS ?n) FROM <{LABELS}> {{ ?s ?p ?o }}"
    assert int(backend.run(count).rows[0]["n"]["value"]) == 1
    assert int(backend.run("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }").rows[0]["n"]["value"]) == 4


# ---------------------------------------------------------------------------------------------
# Over HTTP: one server for 1, 4, 5, 6 and 7
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(
    chain: Path, tmp_path_factory: pytest.TempPathFactory, serve: Serve
) -> Iterator[RunningServer]:
    settings = Settings(
        workers=2,
        query_timeout_s=30,
        long_query_s=60,
        max_header_bytes=2048,
        store_dir=tmp_path_factory.mktemp("stores"),
        root=tmp_path_factory.mktemp("root"),
    )
    with serve(settings, chain) as running:
        yield running


@pytest.fixture
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c


def _count(client: httpx.Client, query: str) -> httpx.Response:
    return client.get(
        "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )


def test_escaped_from_restricts_the_answer_over_http(client: httpx.Client) -> None:
    r = _count(client, r"SELECT (COUNT(*) AS ?n) FROM <http\u003A//example.org/labels> {?s ?p ?o}")
    assert r.status_code == 200, r.text
    assert r.json()["results"]["bindings"][0]["n"]["value"] == "100"  # the labels graph only


def test_escaped_from_outside_the_dataset_gets_400(client: httpx.Client) -> None:
    r = _count(client, r"SELECT (COUNT(*) AS ?n) FROM <http\u003A//127.0.0.1:8791/g> {?s ?p ?o}")
    assert r.status_code == 400
    assert "not a graph of this dataset" in r.text


def _port(server: RunningServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


def _exchange(server: RunningServer, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", _port(server))) as sock:
        sock.sendall(data)
        sock.settimeout(15)
        received = b""
        while chunk := sock.recv(65536):  # the server closes the connection
            received += chunk
        return received


@pytest.mark.parametrize(
    "head",
    [
        b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 5000 + b"\r\n\r\n",
        b"GET /health?" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"X-Many: aaaaaaaa\r\n" * 300 + b"\r\n",
    ],
    ids=["one-header", "url", "many-headers"],
)
def test_head_past_the_limit_in_one_read_gets_431(server: RunningServer, head: bytes) -> None:
    assert len(head) < 16 * 1024  # one read of the socket
    assert _exchange(server, head).startswith(b"HTTP/1.1 431")


def test_head_past_the_limit_after_a_kept_alive_request_gets_431(server: RunningServer) -> None:
    small = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
    big = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 5000 + b"\r\n\r\n"
    with socket.create_connection(("127.0.0.1", _port(server))) as sock:
        sock.settimeout(15)
        sock.sendall(small)
        first = b""
        while b"\r\n\r\n" not in first:
            first += sock.recv(65536)
        head, _, body = first.partition(b"\r\n\r\n")
        length = int(
            next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")).split(
                b":"
            )[1]
        )
        while len(body) < length:
            body += sock.recv(65536)
        assert head.startswith(b"HTTP/1.1 200")
        sock.sendall(big)
        second = b""
        while chunk := sock.recv(65536):
            second += chunk
    assert second.startswith(b"HTTP/1.1 431")


def test_head_within_the_limit_in_one_read_is_served(server: RunningServer) -> None:
    head = (
        b"GET /health HTTP/1.1\r\nHost: x\r\nX-Small: "
        + b"a" * 1500
        + b"\r\nConnection: close\r\n\r\n"
    )
    assert _exchange(server, head).startswith(b"HTTP/1.1 200")


def test_permalinks_need_a_json_content_type(client: httpx.Client) -> None:
    body = json.dumps({"query": "ASK {}"})
    r = client.post("/api/permalinks", content=body, headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    assert "application/json" in r.json()["detail"]
    r = client.post("/api/permalinks", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 409  # past the media type: this server serves a file, no version


def test_health_shows_no_paths_or_process_ids(server: RunningServer, client: httpx.Client) -> None:
    engine = server.app.state.engine
    report = client.get("/health")
    text = report.text
    assert str(engine._stored.path) not in text and str(engine._stored.path.parent) not in text
    body = report.json()
    assert "pids" not in body["pool"] and "path" not in body["store"]
    pids = {worker.pid for worker in engine.pool.workers}
    assert pids and not pids & set(_numbers(body))
    assert body["status"] == "ok" and body["workers"] >= 1 and "idle" in body["pool"]


def _numbers(value: Any) -> Iterator[int]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _numbers(item)
    elif isinstance(value, list):
        for item in value:
            yield from _numbers(item)
    elif isinstance(value, int):
        yield value


def test_a_worker_killed_mid_query_gets_503_with_retry_after(
    server: RunningServer,
    client: httpx.Client,
    wait_for: WaitFor,
    in_thread: InThread,
    health: Health,
) -> None:
    engine = server.app.state.engine
    thread, out = in_thread(
        lambda: client.post(
            "/sparql", content=SLOW, headers={"Content-Type": "application/sparql-query"}
        )
    )
    wait_for(lambda: health(client)["pool"]["busy"] == 1, "the slow query running")
    (worker,) = list(engine._running)
    worker.process.kill()  # as the OOM killer or kill -9 would
    thread.join(30)
    r = out[0]
    assert r.status_code == 503
    assert r.text == "the query's worker stopped; try again\n"
    assert int(r.headers["Retry-After"]) >= 1
    assert -worker.process.exitcode == signal.SIGKILL
    assert health(client)["stats"]["worker_deaths"] == 1


# ---------------------------------------------------------------------------------------------
# 3. Budgets charge what was spent, not what might be
# ---------------------------------------------------------------------------------------------


def test_a_fresh_clients_concurrent_queries_are_within_budget() -> None:
    now = [0.0]
    budgets = Budgets(20, 0.2, 0.5, clock=lambda: now[0])
    grants = [budgets.grant("a", 10) for _ in range(3)]
    for grant in grants:
        budgets.start(grant)
    assert [g.deadline for g in grants] == [10, 10, 10]  # none shortened
    assert not budgets.over_budget("a")  # nothing spent yet: no 429
    now[0] = 4.0  # three queries running 4 s each: 12 worker-seconds spent so far
    assert budgets.available("a") == pytest.approx(8)  # the bucket was full: no refill
    now[0] = 7.0  # 21 spent: over budget while they still run
    assert budgets.over_budget("a")
    for grant in grants:
        budgets.settle(grant, 7.0)
    assert budgets.available("a") == pytest.approx(-1)  # 20 - 21: what was spent
    assert budgets.over_budget("a") and budgets.in_flight("a") == 0


def test_a_cheap_query_costs_what_it_took() -> None:
    now = [0.0]
    budgets = Budgets(20, 0.0, 0.5, clock=lambda: now[0])
    grant = budgets.grant("a", 10)
    budgets.start(grant)
    now[0] = 0.01
    budgets.settle(grant, 0.01)
    assert budgets.available("a") == pytest.approx(19.99)


def test_queries_in_flight_reserve_nothing_so_the_next_ones_are_answered(
    chain: Path, tmp_path: Path, serve: Serve
) -> None:
    settings = Settings(workers=2, query_timeout_s=10, store_dir=tmp_path / "stores")
    with serve(settings, chain) as running, httpx.Client(base_url=running.url, timeout=60) as c:
        budgets = running.app.state.engine.budgets
        # Two queries of this client granted and waiting for a worker, as under load: they
        # have spent nothing, so its next queries are neither refused nor shortened.
        held = [budgets.grant("127.0.0.1", 10) for _ in range(2)]
        try:
            codes = [_count(c, f"ASK {{ <{EX}n{n}> <{EX}next> ?x }}").status_code for n in range(3)]
            assert codes == [200, 200, 200]
            assert running.app.state.engine.stats["rejected_budget"] == 0
            assert budgets.grant("127.0.0.1", 10).deadline == 10
        finally:
            for grant in held:
                budgets.settle(grant, 0.0)


# ---------------------------------------------------------------------------------------------
# 2. Pages: off the event loop, cached by what they depend on, charged to the client
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, tour_project: TourProject) -> Settings:
    return tour_project.make(tmp_path_factory.mktemp("pages"))


# a test client of the tour project's app, and the (template, thread name) of each render
Pages = tuple[TestClient, list[tuple[str, str]]]


@pytest.fixture
def pages(project: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Pages]:
    renders: list[tuple[str, str]] = []
    real = responses.render

    def spy(template: str, **context: Any) -> str:
        renders.append((template, threading.current_thread().name))
        return real(template, **context)

    monkeypatch.setattr(responses, "render", spy)
    with TestClient(create_app(project)) as test_client:
        yield test_client, renders


def test_pages_render_off_the_event_loop(pages: Pages) -> None:
    client, renders = pages
    r = client.get("/ontology", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert [t for t, _ in renders] == ["ontology.html"]
    assert renders[0][1].startswith("diplokg-render")


def test_a_cached_page_is_not_rendered_again_whatever_unused_parameters_say(
    pages: Pages,
) -> None:
    client, renders = pages
    first = client.get("/ontology?b=1", headers={"Accept": "text/html"})
    second = client.get("/ontology?b=2", headers={"Accept": "text/html"})
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert len(renders) == 1  # the second is a cache hit: no rendering at all
    turtle = client.get("/ontology?b=3", headers={"Accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")  # another variant


def test_event_table_is_cached_by_the_parameter_it_reads(
    pages: Pages, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _ = pages
    encoded: list[str] = []
    real = rendering.json_bytes

    def spy(content: Any) -> bytes:
        encoded.append(threading.current_thread().name)
        return real(content)

    monkeypatch.setattr(rendering, "json_bytes", spy)
    a = client.get("/api/events?x=1")
    b = client.get("/api/events?x=2")
    assert a.status_code == b.status_code == 200 and a.content == b.content
    assert len(encoded) == 1 and encoded[0].startswith("diplokg-render")
    csv = client.get("/api/events?format=csv&x=1")
    assert csv.headers["content-type"].startswith("text/csv")


def test_rendering_is_charged_to_the_client(pages: Pages, monkeypatch: pytest.MonkeyPatch) -> None:
    client, _ = pages
    budgets = cast(Any, client.app).state.engine.budgets
    charged: list[tuple[str, str, float]] = []
    real = budgets.settle

    def spy(grant: Any, used: float) -> None:
        charged.append((grant.key, grant.what, used))
        real(grant, used)

    monkeypatch.setattr(budgets, "settle", spy)
    assert client.get("/ontology", headers={"Accept": "text/html"}).status_code == 200
    renders = [c for c in charged if c[1] == "page"]  # the render's, beside the queries'
    assert len(renders) == 1 and renders[0][0] == "testclient" and renders[0][2] > 0
    assert any(c[1] == "query" and c[0] == "testclient" for c in charged)


# ---------------------------------------------------------------------------------------------
# Second attack (30 Nov 2026, evening): the priority steps, proxy headers, the page cache key
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def idle_thread() -> Iterator[int]:
    """The native id of a thread that waits until the test ends (its nice value starts at 0)."""
    ready, done = threading.Event(), threading.Event()
    tid: list[int] = []

    def wait() -> None:
        tid.append(threading.get_native_id())
        ready.set()
        done.wait(30)

    thread = threading.Thread(target=wait, daemon=True)
    thread.start()
    ready.wait(10)
    yield tid[0]
    done.set()
    thread.join(10)


def _stepper_running(
    tid: int, age_s: float, monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, list[float]]:
    """A worker's stepper whose query runs in thread `tid` since `age_s` seconds, and the
    timer values it arms (recorded, not armed)."""
    from diplokg.server.worker import _Stepper

    stepper = _Stepper(cast(Any, None), cast(Any, None), ((0.1, 5), (0.5, 19)))
    stepper.running, stepper.step, stepper.started = tid, 0, time.monotonic() - age_s
    armed: list[float] = []
    monkeypatch.setattr(signal, "setitimer", lambda which, seconds: armed.append(seconds))
    return stepper, armed


def test_an_alarm_handled_after_the_next_query_started_does_not_lower_it(
    idle_thread: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The 0.1 s alarm of the query before, handled once this one (just started) runs.
    stepper, armed = _stepper_running(idle_thread, 0.0, monkeypatch)
    stepper._alarm(signal.SIGALRM, None)
    assert os.getpriority(os.PRIO_PROCESS, idle_thread) == 0
    assert stepper.lowered == 0 and stepper.step == 0
    assert len(armed) == 1 and 0 < armed[0] <= 0.1  # re-armed for what is left


def test_an_alarm_due_lowers_the_running_query(
    idle_thread: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    stepper, armed = _stepper_running(idle_thread, 0.2, monkeypatch)  # past the 0.1 s step
    stepper._alarm(signal.SIGALRM, None)
    assert os.getpriority(os.PRIO_PROCESS, idle_thread) == 5
    assert stepper.lowered == idle_thread and stepper.step == 1
    assert armed == [pytest.approx(0.4)]  # the next step, at 0.5 s


@pytest.mark.parametrize("text", ["0", "-1", "nan", "inf", "abc"])
def test_duration_options_must_be_positive_seconds(text: str) -> None:
    from diplokg.server.serve import seconds

    with pytest.raises(ValueError):
        seconds(text)
    assert seconds("0.5") == 0.5


def test_forwarded_headers_are_ignored_without_a_trusted_proxy(client: httpx.Client) -> None:
    # uvicorn's proxy headers trusted any peer on 127.0.0.1 by default: X-Forwarded-Proto set
    # the scheme written into answers (and X-Forwarded-For the client, so its budget).
    r = client.get(
        "/sparql",
        headers={
            "Accept": "text/turtle",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "9.9.9.9",
        },
    )
    assert r.status_code == 200
    assert "sd:endpoint <http://127.0.0.1" in r.text or "<http://127.0.0.1" in r.text
    assert "https://127.0.0.1" not in r.text


def test_a_cached_page_is_kept_apart_by_the_scheme_it_was_asked_with(pages: Pages) -> None:
    client, renders = pages
    for url in ("https://testserver/ontology", "http://testserver/ontology"):
        assert client.get(url, headers={"Accept": "text/html"}).status_code == 200
    assert len(renders) == 2  # one page per scheme: each writes its own address
    client.get("https://testserver/ontology", headers={"Accept": "text/html"})
    assert len(renders) == 2
