"""Fixtures every test folder shares: servers on 127.0.0.1 and the tour project.

Each folder's conftest.py adds its own (tests/build: the mini project, the parsed ontology and
the seed's facts; tests/server: the chain dataset, the W3C protocol data, the web fixture server
and headless Chromium; tests/draft: the synthetic pages). A test asks for a fixture by naming it
as a parameter; the types to annotate such a parameter are imported under `TYPE_CHECKING` from
the conftest that defines them (`from tests.conftest import RunningServer, Serve`).
"""

from __future__ import annotations

import contextlib
import importlib.util
import shutil
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
import uvicorn

from diplokg.build import build
from diplokg.config import Settings
from diplokg.namespaces import DKG, RES
from diplokg.server.app import DiplokgApp, create_app
from diplokg.server.limits import uvicorn_config

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"


def bind_local_socket() -> socket.socket:
    """A socket bound to 127.0.0.1 on a port the kernel chose (so never a busy one)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def pick_free_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago, for servers started as subprocesses."""
    with bind_local_socket() as sock:
        return int(sock.getsockname()[1])


@dataclass
class RunningServer:
    """A diplokg app served by uvicorn in a thread of the test process."""

    app: DiplokgApp  # its `state` holds the engine, the settings and the served file
    url: str  # http://127.0.0.1:PORT

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"


@contextlib.contextmanager
def serve_app(settings: Settings, data: Path) -> Iterator[RunningServer]:
    """Start the app on a free 127.0.0.1 port, wait for its workers, stop it on exit.

    Also used outside pytest (benchmarks/api.py, docs/screenshot.py). Raises RuntimeError if
    the server has not started within 30 s.
    """
    app = create_app(settings, data)
    sock = bind_local_socket()
    port = sock.getsockname()[1]
    config = uvicorn_config(app, settings, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    try:
        yield RunningServer(app, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


# `serve(settings, data)`: a context manager giving a RunningServer (serve_app).
Serve = Callable[[Settings, Path], contextlib.AbstractContextManager[RunningServer]]


@pytest.fixture(scope="session")
def serve() -> Serve:
    """`with serve(settings, data) as running:` the app on a free 127.0.0.1 port, stopped after."""
    return serve_app


@pytest.fixture(scope="session")
def bound_socket() -> Callable[[], socket.socket]:
    """`bound_socket()`: a socket bound to 127.0.0.1 on a port the kernel chose."""
    return bind_local_socket


@pytest.fixture(scope="session")
def free_port() -> Callable[[], int]:
    """`free_port()`: a 127.0.0.1 port free a moment ago, for servers run as subprocesses."""
    return pick_free_port


class TourProject:
    """A small project: the real ontology and shapes, a four-paragraph document of the 2015 page
    (tests/data/api/graph/tour.ttl and tour.txt) and fixture canned queries, so that a build takes
    seconds and every expected value can be read in those two files.

    Used by the API, CLI, export, version and permalink tests (through the `tour_project` fixture).
    """

    fixtures = DATA / "api"
    source_text = fixtures / "graph" / "tour.txt"
    # The December 2014 visit: its start date is the fact the version and permalink tests change.
    visit = RES["visit-2014-12-hollande-kazakhstan"]
    start_query = f"SELECT ?start WHERE {{ <{visit}> <{DKG.startDate}> ?start }}"

    def make(self, root: Path, *, built: bool = True) -> Settings:
        """Copy the ontology and the fixtures under `root`; build dist/ unless `built` is False."""
        shutil.copytree(REPO / "ontology", root / "ontology")
        shutil.copytree(self.fixtures / "graph", root / "graph")
        shutil.copytree(self.fixtures / "queries", root / "queries")
        settings = Settings(root=root)
        if built:
            build(settings, progress=lambda line: None)
        return settings

    def change_a_fact(self, settings: Settings, day: str) -> None:
        """Correct the start date of the December 2014 visit in the curated file, as a curator
        would (the version and permalink tests rebuild afterwards)."""
        facts = settings.graph_dir / "tour.ttl"
        text = facts.read_text(encoding="utf-8")
        old = next(
            d for d in ("2014-12-05", "2014-12-04", "2014-12-03") if f'startDate "{d}"' in text
        )
        facts.write_text(text.replace(f'startDate "{old}"', f'startDate "{day}"'), encoding="utf-8")


@pytest.fixture(scope="session")
def tour_project() -> TourProject:
    """The tour project: `tour_project.make(root)` builds one under `root`; see TourProject."""
    return TourProject()


def collection_module() -> ModuleType:
    """`benchmarks/collection.py` (the synthetic collection's writer), imported from its file:
    the benchmarks folder is not a package."""
    spec = importlib.util.spec_from_file_location(
        "collection", REPO / "benchmarks" / "collection.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["collection"] = module
    spec.loader.exec_module(module)
    return module
