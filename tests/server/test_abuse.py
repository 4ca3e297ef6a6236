"""The endpoint stays up for everyone under abuse (issue 12, part 1).

Each case is sent as an attacker would, on 127.0.0.1, bounded in count and time; tests assert
statuses, counters and orderings, never a wall-clock time. Distinct clients are told apart
by `X-Forwarded-For` from a proxy trusted for the test (127.0.0.1).
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from diplokg import cli
from diplokg.config import Settings
from diplokg.errors import DiskFull
from diplokg.server import stores
from diplokg.server.budget import Budgets, client_key
from diplokg.server.engine import QueryResult, _ResultCache
from diplokg.server.worker import DEMOTE_AFTER_S, DEMOTED_NICE, priority_steps

if TYPE_CHECKING:
    from tests.conftest import RunningServer, Serve
    from tests.server.conftest import Health, InThread, WaitFor

BIN = Path(sys.executable).parent
EX = "http://example.org/"  # the namespace of the `chain` dataset (tests/server/conftest.py)
HUNDRED = "a" * 100
# Each REPLACE multiplies the string by 100: 10^12 characters asked for, in 600 bytes.
MEMORY_HOG = (
    f'SELECT (STRLEN(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE("aaaaaaaaaa", "a", "{HUNDRED}"), '
    f'"a", "{HUNDRED}"), "a", "{HUNDRED}"), "a", "{HUNDRED}"), "a", "{HUNDRED}")) AS ?n) {{}}'
)
# 80^4 rows through a regex: about 18 s on a 2-core machine, well past every deadline below
# (60^4 took about 6 s there, as long as the long-lane test's deadline, and sometimes less).
_VALUES = " ".join(str(i) for i in range(80))
SLOW = (
    "SELECT (COUNT(*) AS ?n) { "
    + " ".join(f"VALUES ?{v} {{ {_VALUES} }}" for v in "abcd")
    + ' FILTER(REGEX(CONCAT("aaaaaaaaaaaaaaaaaaaaaaaa", STR(?a + ?b + ?c + ?d)), "^(a+)+$")) }'
)


def post_query(c: httpx.Client, query: str = SLOW, who: str | None = None) -> httpx.Response:
    """POST `query` (direct body), as client `who` (X-Forwarded-For) when given."""
    headers = {"Content-Type": "application/sparql-query"}
    if who is not None:
        headers["X-Forwarded-For"] = who
    return c.post("/sparql", content=query, headers=headers)


def cheap(client: httpx.Client, n: int, **headers: str) -> httpx.Response:
    return client.get(
        "/sparql",
        params={"query": f"ASK {{ <{EX}n{n}> <{EX}next> ?x }} # {time.monotonic_ns()}"},
        headers={"Accept": "application/sparql-results+json", **headers},
    )


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "stores"


# ---------------------------------------------------------------------------------------------
# Memory, deadlines and the pool
# ---------------------------------------------------------------------------------------------


def test_memory_hungry_query_is_stopped_and_its_worker_replaced(
    chain: Path,
    store_dir: Path,
    serve: Serve,
    wait_for: WaitFor,
    health: Health,
) -> None:
    settings = Settings(workers=2, min_workers=2, max_query_memory_mb=256, store_dir=store_dir)
    with serve(settings, chain) as running, httpx.Client(base_url=running.url, timeout=60) as c:
        r = c.get("/sparql", params={"query": MEMORY_HOG})
        assert r.status_code == 503
        assert "needed more than 256 MB" in r.text
        assert health(c)["stats"]["out_of_memory"] == 1
        wait_for(lambda: health(c)["workers"] == 2, "worker replaced")
        assert cheap(c, 1).status_code == 200


def _kill_one_by_deadline(c: httpx.Client) -> None:
    assert post_query(c).status_code == 503


def test_pool_repairs_itself_when_the_forkserver_socket_is_removed(
    chain: Path,
    store_dir: Path,
    serve: Serve,
    wait_for: WaitFor,
    health: Health,
) -> None:
    from multiprocessing import forkserver

    settings = Settings(
        workers=2, min_workers=2, query_timeout_s=0.8, long_query_s=5, store_dir=store_dir
    )
    with serve(settings, chain) as running, httpx.Client(base_url=running.url, timeout=60) as c:
        address = forkserver._forkserver._forkserver_address  # type: ignore[attr-defined]
        assert address and os.path.exists(address)
        os.unlink(address)  # as a $TMPDIR cleaner does
        before = health(c)["pool"]["started"]
        _kill_one_by_deadline(c)
        wait_for(lambda: health(c)["pool"]["started"] > before, "a replacement started")
        wait_for(lambda: health(c)["status"] == "ok" and health(c)["workers"] == 2, "repaired")
        assert cheap(c, 2).status_code == 200


def test_pool_retries_failed_starts_with_backoff_and_says_degraded(
    chain: Path,
    store_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    serve: Serve,
    wait_for: WaitFor,
    health: Health,
) -> None:
    settings = Settings(
        workers=2, min_workers=2, query_timeout_s=0.8, long_query_s=5, store_dir=store_dir
    )
    with serve(settings, chain) as running, httpx.Client(base_url=running.url, timeout=60) as c:
        pool = running.app.state.engine.pool
        real = pool.start_blocking
        failures = {"left": 4}

        def exhausted() -> object:
            if failures["left"] > 0:
                failures["left"] -= 1
                raise OSError(errno.EMFILE, "Too many open files")
            return real()

        monkeypatch.setattr(pool, "start_blocking", exhausted)
        _kill_one_by_deadline(c)
        # The answer that said 503 is the one read: the pool may repair itself right after.
        seen: list[dict[str, Any]] = []

        def degraded_seen() -> bool:
            response = c.get("/health")
            if response.status_code == 503:
                seen.append(response.json())
            return bool(seen)

        wait_for(degraded_seen, "degraded while short")
        degraded = seen[0]
        assert degraded["status"] == "degraded"
        assert "Too many open files" in degraded["pool"]["last_error"]
        assert cheap(c, 3).status_code == 200  # the remaining worker still answers
        wait_for(lambda: failures["left"] == 0 and health(c)["status"] == "ok", "repaired")
        assert health(c)["workers"] == 2


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
def test_no_process_outlives_the_server(
    chain: Path,
    store_dir: Path,
    sig: signal.Signals,
    free_port: Callable[[], int],
    wait_for: WaitFor,
    in_thread: InThread,
    health: Health,
) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [
            *(str(BIN / "diplokg"), "serve", "--port", str(port), "--data", str(chain)),
            *("--workers", "2", "--timeout", "20", "--store-dir", str(store_dir)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as c:
            wait_for(lambda: _up(c), "server up", 60)
            in_thread(lambda: _post_ignoring_hang_up(c))
            wait_for(lambda: health(c)["pool"]["busy"] == 1, "a query running")
            family = _descendants(proc.pid)  # /health shows no process ids: read /proc
            assert family  # the workers, at least the one running the query
            proc.send_signal(sig)
            proc.wait(timeout=30)
        wait_for(lambda: not any(_alive(p) for p in family), "every child gone", 30)
    finally:
        if proc.poll() is None:
            proc.kill()


def _post_ignoring_hang_up(c: httpx.Client) -> httpx.Response | None:
    try:
        return post_query(c)
    except httpx.HTTPError:  # the server is stopped under it: that is the test
        return None


def _up(c: httpx.Client) -> bool:
    try:
        return c.get("/health").status_code == 200
    except httpx.HTTPError:
        return False


# ---------------------------------------------------------------------------------------------
# Fairness: the long lane and per-client budgets
# ---------------------------------------------------------------------------------------------


def test_long_lane_is_bounded_and_cheap_queries_keep_flowing(
    chain: Path,
    store_dir: Path,
    serve: Serve,
    wait_for: WaitFor,
    in_thread: InThread,
    health: Health,
) -> None:
    settings = Settings(
        workers=2,
        query_timeout_s=6,
        long_query_s=0.3,
        max_long_queries=1,
        client_budget_s=1000,
        trusted_proxies=("127.0.0.1",),
        store_dir=store_dir,
    )
    with serve(settings, chain) as running, httpx.Client(base_url=running.url, timeout=60) as c:
        first, out1 = in_thread(lambda: post_query(c, who="10.0.0.1"))
        wait_for(lambda: health(c)["pool"]["long"] == 1, "first query in the long lane")
        second, out2 = in_thread(lambda: post_query(c, who="10.0.0.2"))
        second.join(30)
        assert out2[0].status_code == 503
        assert "long queries were running" in out2[0].text
        assert first.is_alive()  # the long query still runs...
        for n in range(5):  # ...while cheap queries are answered
            assert cheap(c, n, **{"X-Forwarded-For": "10.0.0.3"}).status_code == 200
        assert health(c)["workers"] >= 2
        first.join(30)
        assert out1[0].status_code == 503  # its deadline


def test_client_over_budget_gets_a_short_deadline_and_one_query_in_flight(
    chain: Path,
    store_dir: Path,
    serve: Serve,
    wait_for: WaitFor,
    in_thread: InThread,
    health: Health,
) -> None:
    settings = Settings(
        workers=3,
        query_timeout_s=4,
        long_query_s=10,
        client_budget_s=1.5,
        client_budget_rate=0.01,
        over_budget_timeout_s=0.3,
        trusted_proxies=("127.0.0.1",),
        store_dir=store_dir,
    )
    with serve(settings, chain) as running, httpx.Client(base_url=running.url, timeout=60) as c:
        r = post_query(c, who="10.0.0.1")  # runs as long as its budget: 1.5 s, not the 4 s deadline
        assert "within 1.5 s" in r.text
        r = post_query(c, who="10.0.0.1")
        assert r.status_code == 503
        assert "within 0.3 s" in r.text and "over its budget" in r.text
        assert int(r.headers["Retry-After"]) >= 1
        running_one, _ = in_thread(lambda: post_query(c, who="10.0.0.1"))
        wait_for(lambda: health(c)["pool"]["busy"] == 1, "one query in flight")
        r = post_query(c, who="10.0.0.1")
        assert r.status_code in (429, 503)  # 429 while the other is in flight
        running_one.join(30)
        other = post_query(c, who="10.0.0.2")  # another client keeps its own budget
        assert "within 1.5 s" in other.text
        assert cheap(c, 7, **{"X-Forwarded-For": "10.0.0.1"}).status_code == 200


def test_budget_buckets_refill_and_stay_bounded() -> None:
    now = [0.0]
    budgets = Budgets(10, 1, 0.5, max_clients=16, clock=lambda: now[0])
    grant = budgets.grant("a", 10)
    assert grant.deadline == 10 and not grant.over_budget
    budgets.settle(grant, 10)
    assert budgets.over_budget("a")
    now[0] = 5
    assert budgets.grant("a", 10).deadline == 5
    for i in range(100):
        budgets.settle(budgets.grant(f"c{i}", 1), 0)
    assert len(budgets._buckets) <= 17


@pytest.mark.parametrize(
    ("peer", "xff", "trusted", "key"),
    [
        ("10.1.1.1", "6.6.6.6", (), "10.1.1.1"),
        ("127.0.0.1", "6.6.6.6, 7.7.7.7", ("127.0.0.1",), "7.7.7.7"),
        ("127.0.0.1", "6.6.6.6, 10.9.9.9", ("127.0.0.1", "10.9.9.9"), "6.6.6.6"),
        ("2001:db8::1", None, (), "2001:db8::/64"),
    ],
    ids=["untrusted-peer", "trusted-proxy", "two-proxies", "ipv6-prefix"],
)
def test_client_key(peer: str, xff: str | None, trusted: tuple[str, ...], key: str) -> None:
    headers = [(b"x-forwarded-for", xff.encode())] if xff else []
    assert client_key({"client": (peer, 1), "headers": headers}, trusted) == key


def test_client_keys_are_remembered_for_short_texts_only() -> None:
    from diplokg.server import budget

    budget._cached_address_key.cache_clear()
    padded = " " * 100 + "7.7.7.7"  # an address all the same, too long a text to remember
    scope = {"client": ("127.0.0.1", 1), "headers": [(b"x-forwarded-for", padded.encode())]}
    assert client_key(scope, ("127.0.0.1",)) == "7.7.7.7"
    assert client_key(scope, ("127.0.0.1",)) == "7.7.7.7"
    info = budget._cached_address_key.cache_info()
    # "127.0.0.1", asked four times (the trusted proxy and the peer, twice), parsed once;
    # the padded hop never entered.
    assert (info.hits, info.misses, info.currsize) == (3, 1, 1)
    for i in range(5000):  # a client inventing addresses cannot grow it past its size
        budget._address_key(f"10.0.{i // 250}.{i % 250}")
    assert budget._cached_address_key.cache_info().currsize == 4096


# ---------------------------------------------------------------------------------------------
# The cache counts what it holds
# ---------------------------------------------------------------------------------------------


def test_cache_counts_keys_and_is_bounded_by_what_it_holds() -> None:
    cache = _ResultCache(max_bytes=200_000)
    answer = QueryResult(200, "application/json", b"x" * 26, {"ETag": '"e"'})
    for i in range(6000):
        padded = "ASK {} #" + str(i) + " " * 32_000
        key = _ResultCache.key(padded, "json", (), (), None, "d")
        assert len(key) == 32
        cache.put(key, answer)
    assert cache.size <= 200_000
    assert cache.size == sum(cost for _, cost in cache.entries.values())


# ---------------------------------------------------------------------------------------------
# Connections and headers
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def limited(
    chain: Path, tmp_path_factory: pytest.TempPathFactory, serve: Serve
) -> Iterator[RunningServer]:
    settings = Settings(
        workers=1,
        max_header_bytes=2048,
        header_timeout_s=1,
        body_timeout_s=1,
        max_connections_per_client=4,
        store_dir=tmp_path_factory.mktemp("stores"),
    )
    with serve(settings, chain) as running:
        yield running


def _port(server: RunningServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


def _read_all(sock: socket.socket) -> bytes:
    sock.settimeout(15)
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def test_oversized_header_gets_431(limited: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", _port(limited))) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n")
        assert _read_all(sock).startswith(b"HTTP/1.1 431")


@pytest.mark.parametrize(
    "sent",
    [
        b"",
        b"GET /health HTTP/1.1\r\nHost: x\r\n",
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        b"Content-Length: 100\r\n\r\nASK",
    ],
    ids=["silent", "slowloris-head", "half-sent-body"],
)
def test_slow_clients_are_closed_with_408(limited: RunningServer, sent: bytes) -> None:
    with socket.create_connection(("127.0.0.1", _port(limited))) as sock:
        sock.sendall(sent)
        assert _read_all(sock).startswith(b"HTTP/1.1 408")


def test_connections_per_client_are_capped(limited: RunningServer, wait_for: WaitFor) -> None:
    port = _port(limited)
    socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(4)]
    try:
        with socket.create_connection(("127.0.0.1", port)) as extra:
            assert _read_all(extra).startswith(b"HTTP/1.1 503")
    finally:
        for s in socks:
            s.close()
    with httpx.Client(base_url=limited.url) as c:
        wait_for(lambda: c.get("/health").status_code == 200, "slots freed")


# ---------------------------------------------------------------------------------------------
# Stores: private, verified, rebuilt, swapped
# ---------------------------------------------------------------------------------------------


def test_store_folder_must_be_private_and_ours(tmp_path: Path) -> None:
    open_dir = tmp_path / "open"
    open_dir.mkdir(mode=0o777)
    os.chmod(open_dir, 0o777)
    assert stores.private_dir(open_dir).stat().st_mode & 0o777 == 0o700
    link = tmp_path / "link"
    link.symlink_to(open_dir)
    with pytest.raises(stores.StoreError):
        stores.private_dir(link)
    if os.geteuid() == 0:
        foreign = tmp_path / "foreign"
        foreign.mkdir()
        os.chown(foreign, 65534, 65534)
        with pytest.raises(stores.StoreError):
            stores.private_dir(foreign)


def _quads(path: Path) -> int:
    import pyoxigraph as ox

    store = ox.Store.read_only(str(path))
    return len(list(store.quads_for_pattern(None, None, None, None)))


@pytest.mark.parametrize("damage", ["deleted", "garbled", "swapped"])
def test_damaged_store_is_rebuilt(tmp_path: Path, chain: Path, damage: str) -> None:
    settings = Settings(store_dir=tmp_path / "stores")
    good = stores.open_store(chain, settings)
    final = good.path.parent
    if damage == "deleted":
        for f in good.path.glob("*.sst"):
            f.unlink()
    elif damage == "garbled":
        for f in good.path.glob("*.sst"):
            data = bytearray(f.read_bytes())
            data[len(data) // 2 : len(data) // 2 + 64] = b"\xff" * 64
            f.write_bytes(bytes(data))
    else:  # another dataset's store files under our store.json
        other = tmp_path / "other.nq"
        other.write_text(f"<{EX}a> <{EX}b> <{EX}c> <{EX}g> .\n")
        swapped = stores.open_store(other, settings).path
        shutil.rmtree(good.path)
        shutil.copytree(swapped, good.path)
    assert stores.verify(final, good.digest) is not None
    again = stores.open_store(chain, settings)
    assert stores.verify(final, good.digest) is None
    assert _quads(again.path) == good.quads


def test_store_planted_in_tmpdir_is_never_served(
    tmp_path: Path, chain: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The old, predictable place ($TMPDIR/diplokg-stores/<hash>) is not looked at."""
    planted_data = tmp_path / "planted.nq"
    planted_data.write_text(f'<{EX}n0> <{EX}next> "planted" <{EX}chain> .\n')
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    planted = stores.open_store(planted_data, Settings(store_dir=tmp_path / "x"))
    digest = stores.dataset_digest(chain)
    shutil.copytree(planted.path.parent, tmp_path / "diplokg-stores" / digest)
    ours = stores.open_store(chain, Settings())
    assert ours.path.is_relative_to(tmp_path / "cache" / "diplokg" / "stores")
    assert _quads(ours.path) > 1


def remove_in_use(folder: Path) -> None:
    """Remove `folder` while workers' stores are open in it: RocksDB may delete one of its
    files between rmtree's listing and its unlink (FileNotFoundError), so go on until none
    is left."""
    for _ in range(50):
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            return
    raise AssertionError(f"{folder} could not be removed")


def test_store_failing_at_run_time_is_rebuilt_and_health_tells(
    chain: Path,
    store_dir: Path,
    serve: Serve,
    wait_for: WaitFor,
    health: Health,
) -> None:
    settings = Settings(
        workers=2, min_workers=2, query_timeout_s=0.8, long_query_s=5, store_dir=store_dir
    )
    with serve(settings, chain) as running, httpx.Client(base_url=running.url, timeout=60) as c:
        remove_in_use(store_dir)  # a cleaner, or a disk error
        _kill_one_by_deadline(c)  # its replacement cannot open the store
        wait_for(lambda: health(c)["stats"]["store_repairs"] >= 1, "store rebuilt")
        wait_for(lambda: health(c)["status"] == "ok" and health(c)["workers"] == 2, "healthy")
        assert cheap(c, 5).status_code == 200


def test_rebuild_while_serving_is_picked_up(
    tmp_path: Path, store_dir: Path, serve: Serve, wait_for: WaitFor, health: Health
) -> None:
    data = tmp_path / "data.nq"
    data.write_text(f'<{EX}s> <{EX}p> "old" <{EX}g> .\n')
    settings = Settings(workers=1, reload_check_s=0.1, store_dir=store_dir)
    ask = {"query": f"SELECT ?o {{ <{EX}s> <{EX}p> ?o }}"}
    with serve(settings, data) as running, httpx.Client(base_url=running.url, timeout=30) as c:
        assert "old" in c.get("/sparql", params=ask).text
        before = health(c)["dataset"]
        staged = tmp_path / "staged.nq"
        staged.write_text(f'<{EX}s> <{EX}p> "new" <{EX}g> .\n')
        os.replace(staged, data)  # as the build replaces dist/
        wait_for(lambda: health(c)["dataset"] != before, "new store served")
        assert "new" in c.get("/sparql", params=ask).text


# ---------------------------------------------------------------------------------------------
# A full disk
# ---------------------------------------------------------------------------------------------


def test_full_disk_gives_one_line_and_exit_3(
    tmp_path: Path, chain: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(stores, "_load", full)
    code = cli.main(["serve", "--data", str(chain), "--store-dir", str(tmp_path / "s")])
    assert code == DiskFull.exit_code == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no space left" in err[0].lower()

    # Any command: the export handler (diplokg.cli holds every one) fails with a full disk.
    monkeypatch.setitem(cli._COMMANDS, "export", full)
    assert cli.main(["export", "--format", "turtle", "-o", str(tmp_path / "x.ttl")]) == 3
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_export_to_a_full_disk_gives_one_line_and_exit_3(
    tmp_path: Path, chain: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import diplokg.build
    import diplokg.rdfio

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(diplokg.build, "ensure_built", lambda settings: chain)
    monkeypatch.setattr(diplokg.rdfio, "write_text", full)
    output = tmp_path / "x.ttl"
    assert cli.main(["export", "--format", "turtle", "-o", str(output)]) == DiskFull.exit_code
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"diplokg: {output}: no space left on device"]


# ---------------------------------------------------------------------------------------------
# CPU priority: a query's thread is lowered while it runs (issue 16, isolation)
# ---------------------------------------------------------------------------------------------

# 30^4 rows through the regex of SLOW: a fraction of a second to a few seconds, then an answer.
_SOME = " ".join(str(i) for i in range(30))
MEDIUM = SLOW.replace(_VALUES, _SOME)


def thread_nices(pid: int) -> dict[int, int]:
    """The nice value of each thread of process `pid`, by thread id (/proc/PID/task/TID/stat,
    field 19; the fields after the command's closing parenthesis start at field 3)."""
    nices = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat", encoding="ascii") as f:
                stat = f.read()
        except FileNotFoundError:  # the thread ended meanwhile
            continue
        nices[int(tid)] = int(stat.rpartition(")")[2].split()[16])
    return nices


def the_worker(running: RunningServer, wait_for: WaitFor) -> int:
    """The process id of the server's one worker, once it is ready."""
    pool = running.app.state.engine.pool

    def ready() -> list[Any]:
        return [w for w in pool.workers if w.state in ("idle", "busy")]

    wait_for(lambda: len(ready()) == 1 and pool.starting == 0, "one worker ready")
    return int(ready()[0].pid)


def test_priority_steps_follow_the_long_query_threshold() -> None:
    assert priority_steps(0.5) == ((DEMOTE_AFTER_S, DEMOTED_NICE), (0.5, 19))
    assert priority_steps(DEMOTE_AFTER_S / 2) == ((DEMOTE_AFTER_S / 2, 19),)


def test_a_long_query_runs_at_nice_19_while_its_worker_stays_at_nice_0(
    chain: Path,
    store_dir: Path,
    serve: Serve,
    wait_for: WaitFor,
    in_thread: InThread,
    health: Health,
) -> None:
    settings = Settings(
        workers=1, min_workers=1, long_query_s=0.3, query_timeout_s=3, store_dir=store_dir
    )
    with serve(settings, chain) as running, httpx.Client(base_url=running.url, timeout=60) as c:
        pid = the_worker(running, wait_for)
        assert set(thread_nices(pid).values()) == {0}
        t, _ = in_thread(lambda: post_query(c))
        wait_for(lambda: 19 in thread_nices(pid).values(), "the query thread at nice 19")
        assert thread_nices(pid)[pid] == 0  # the worker's main thread is not lowered
        assert health(c)["pool"]["long"] == 1
        t.join(60)


def test_a_worker_answers_at_nice_0_again_after_a_lowered_query(
    chain: Path, store_dir: Path, serve: Serve, wait_for: WaitFor, in_thread: InThread
) -> None:
    settings = Settings(
        workers=1, min_workers=1, long_query_s=60, query_timeout_s=120, store_dir=store_dir
    )
    with serve(settings, chain) as running, httpx.Client(base_url=running.url, timeout=150) as c:
        pid = the_worker(running, wait_for)
        seen: set[int] = set()

        def watch() -> bool:
            seen.update(thread_nices(pid).values())
            return DEMOTED_NICE in seen

        t, out = in_thread(lambda: post_query(c, MEDIUM))
        wait_for(watch, "the medium query's thread lowered")
        t.join(150)
        assert out[0].status_code == 200
        # The same worker, kept; its lowered thread ends (the OS thread may outlive the join
        # by a moment) and the next query runs in a new one, at nice 0.
        assert the_worker(running, wait_for) == pid
        wait_for(lambda: set(thread_nices(pid).values()) == {0}, "the lowered thread gone")
        assert cheap(c, 3).status_code == 200
        assert the_worker(running, wait_for) == pid
