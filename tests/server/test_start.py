"""How the server starts (issue 16): nothing blocks on a worker, workers load neither rdflib nor
pandas, a store is opened without being read, the pool grows with demand, and readers of an
up-to-date dist/ do not load the build wing.

Work is counted (bytes read, modules loaded, workers started), never timed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from fastapi.testclient import TestClient

from diplokg.build import ensure_built
from diplokg.config import Settings
from diplokg.dataset import served_file
from diplokg.server.app import create_app
from diplokg.server.pool import Pool
from diplokg.server.stores import open_store

if TYPE_CHECKING:
    from tests.conftest import Serve

EX = "http://example.org/"  # the namespace of the `chain` dataset (tests/server/conftest.py)
BIN = Path(sys.executable).parent
HEAVY = ("rdflib", "pandas", "fastapi", "pydantic", "jinja2", "yaml")


def _run(code: str) -> list[str]:
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    names: list[str] = json.loads(run.stdout.strip().splitlines()[-1])
    return names


def test_the_app_is_made_before_any_worker_is_ready(
    chain: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    real = Pool.start_blocking

    def held(self: Pool) -> object:
        release.wait(30)
        return real(self)

    monkeypatch.setattr(Pool, "start_blocking", held)
    app = create_app(Settings(store_dir=tmp_path / "stores"), chain)
    engine = app.state.engine
    try:
        assert (engine.pool.alive, engine.pool.starting) == (0, 1)  # its start is held
        with TestClient(app) as client:
            health = client.get("/health")
            assert health.status_code == 200  # starting is not degraded
            assert health.json()["pool"]["alive"] == 0
            release.set()
            answer = client.get("/sparql", params={"query": f"ASK {{ <{EX}n1> ?p ?o }}"})
            assert answer.status_code == 200
    finally:
        release.set()


def test_workers_and_the_server_before_its_first_fork_load_no_heavy_module(
    chain: Path, tmp_path: Path
) -> None:
    # What a worker runs, for every format (Turtle and RDF/XML with the prefixes too).
    worker = _run(
        "import json, sys, pyoxigraph as ox\n"
        "from diplokg.server.worker import Job, run_job\n"
        "from diplokg.formats import GRAPH_FORMATS, RESULT_FORMATS\n"
        "s = ox.Store()\n"
        f"s.load(path={str(chain)!r}, format=ox.RdfFormat.N_QUADS)\n"
        "for q, fs in (('SELECT * {?s ?p ?o} LIMIT 3', RESULT_FORMATS),\n"
        "              ('CONSTRUCT {?s ?p ?o} WHERE {?s ?p ?o} LIMIT 3', GRAPH_FORMATS)):\n"
        "    for f in fs:\n"
        "        r = run_job(s, Job(q, 'X', f.key, None, None, True, None, 10, 10**6))\n"
        "        assert r[0] == 'ok', r\n"
        f"print(json.dumps(sorted(set({HEAVY!r}) & set(sys.modules))))"
    )
    assert worker == []
    # What `diplokg serve` has loaded when it forks its first worker (see the pool).
    server = _run(
        "import json, sys\n"
        "from pathlib import Path\n"
        "from diplokg.config import Settings\n"
        "from diplokg.server.app import create_app\n"
        f"app = create_app(Settings(store_dir=Path({str(tmp_path / 's')!r})), "
        f"Path({str(chain)!r}), fork_first=True)\n"
        "modules = sorted({'rdflib', 'pandas'} & set(sys.modules))\n"
        "app.state.engine.close()\n"
        "print(json.dumps(modules))"
    )
    assert server == []


def _bytes_read() -> int:
    with open("/proc/self/io", encoding="ascii") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("rchar:"))


def test_opening_a_store_again_reads_neither_it_nor_its_file(tmp_path: Path) -> None:
    data = served_file(ensure_built(Settings()).parent)
    settings = Settings(store_dir=tmp_path / "stores")
    first = open_store(data, settings)
    stored_bytes = sum(f.stat().st_size for f in first.path.rglob("*") if f.is_file())
    assert stored_bytes > 1_000_000 and data.stat().st_size > 1_000_000
    before = _bytes_read()
    again = open_store(data, settings)
    read = _bytes_read() - before
    assert again == first
    assert read < 64 * 1024  # store.json, the marker, a few directory entries


def test_the_pool_grows_with_demand_up_to_its_size(
    chain: Path, tmp_path: Path, serve: Serve
) -> None:
    settings = Settings(
        workers=3,
        long_query_s=60,  # no long lane, no deadline: every start below is one called for
        query_timeout_s=60,
        store_dir=tmp_path / "stores",
        trusted_proxies=("127.0.0.1",),
    )
    with serve(settings, chain) as running, httpx.Client(base_url=running.url) as client:
        deadline = time.monotonic() + 30
        while client.get("/health").json()["workers"] < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.get("/health").json()["pool"]["target"] == 1  # one at start

        # 30^4 regular expressions, about a second each: the five overlap.
        values = " ".join(str(i) for i in range(30))
        slow = (
            "SELECT (COUNT(*) AS ?n) { "
            + " ".join(f"VALUES ?{v} {{ {values} }}" for v in "abcd")
            + ' FILTER(REGEX(CONCAT("aaaa", STR(?a + ?b + ?c + ?d)), "^(a+)+$")) } # '
        )

        def ask(n: int) -> int:
            with httpx.Client(base_url=running.url, timeout=60) as c:
                headers = {"X-Forwarded-For": f"10.0.0.{n}"}
                answer = c.get("/sparql", params={"query": slow + str(n)}, headers=headers)
                return answer.status_code

        threads = [threading.Thread(target=ask, args=(n,)) for n in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        health = client.get("/health").json()
        assert health["pool"]["target"] == 3  # called for, never more than --workers
        assert health["pool"]["started"] == 3
        assert health["workers"] == 3  # kept once started


def test_readers_of_an_up_to_date_dist_do_not_load_the_build_wing() -> None:
    ensure_built(Settings())
    loaded = _run(
        "import json, sys\n"
        "from diplokg.build import ensure_built\n"
        "ensure_built()\n"
        "print(json.dumps(sorted({'rdflib', 'pyshacl', 'diplokg.build.pipeline'} "
        "& set(sys.modules))))"
    )
    assert loaded == []


@pytest.fixture
def cli_server(
    chain: Path, tmp_path: Path, free_port: Callable[[], int]
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    proc = subprocess.Popen(
        [
            *(str(BIN / "diplokg"), "serve", "--port", str(port), "--data", str(chain)),
            *("--store-dir", str(tmp_path / "stores")),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield proc, f"http://127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait(30)


def test_diplokg_serve_forks_its_first_worker_and_answers_it(
    cli_server: tuple[subprocess.Popen[bytes], str],
) -> None:
    proc, url = cli_server
    deadline = time.monotonic() + 60
    with httpx.Client(base_url=url, timeout=30) as client:
        while True:
            try:
                answer = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.05)
        assert answer.status_code == 200
        assert client.get("/health").json()["workers"] == 1
    # /health shows no process ids: the server's family is read from /proc.
    parents = _parents()
    children = [pid for pid, parent in parents.items() if parent == proc.pid]
    grandchildren = [pid for pid, parent in parents.items() if parent in children]
    # The one worker, forked by the server itself, not by a forkserver (which would be a child
    # with the worker under it).
    assert len(children) == 1 and grandchildren == []


def _parents() -> dict[int, int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, UnicodeDecodeError):
                continue
    return parents


_FREEZE = """
import asyncio, gc, json, sys
from pathlib import Path
from diplokg.config import Settings
from diplokg.server.app import create_app
app = create_app(Settings(store_dir=Path(sys.argv[2])), Path(sys.argv[1]))
app.state.freeze_gc = sys.argv[3] == "1"
async def main():
    app.state.engine.start()
    await app.full_app()
    app.state.engine.close()
asyncio.run(main())
print(json.dumps(gc.get_freeze_count()))
"""


@pytest.mark.parametrize("flag", [True, False], ids=["diplokg serve", "tests"])
def test_serve_hides_what_it_made_to_start_from_the_collector(
    chain: Path, tmp_path: Path, flag: bool
) -> None:
    # `diplokg serve` sets the flag; an app made by a process that drops it keeps the default.
    args = [str(chain), str(tmp_path / "stores"), "1" if flag else "0"]
    run = subprocess.run(
        [sys.executable, "-c", _FREEZE, *args], capture_output=True, text=True, check=True
    )
    frozen = int(run.stdout.strip().splitlines()[-1])
    assert (frozen > 10_000) if flag else (frozen == 0)
