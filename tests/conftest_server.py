"""Server fixtures for the endpoint tests: real servers on 127.0.0.1, free ports, stopped after.

Imported by the endpoint test modules (`from conftest_server import ...`); it holds nothing
but server start-up and the datasets those servers load.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from diplokg.config import Settings
from diplokg.server.app import create_app
from diplokg.server.limits import uvicorn_config

REPO = Path(__file__).resolve().parents[1]
PROTOCOL_DIR = REPO / "tests" / "conformance"
PROTOCOL_DATASET = PROTOCOL_DIR / "data" / "protocol-dataset.nq"
KASEI = "http://kasei.us/2009/09/sparql/data/"
EX = "http://example.org/"
CHAIN_LENGTH = 3000  # long enough that a closure over every pair of nodes takes seconds


def bound_socket() -> socket.socket:
    """A socket bound to 127.0.0.1 on a port the kernel chose (so never a busy one)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def free_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago, for servers started as subprocesses."""
    with bound_socket() as sock:
        return int(sock.getsockname()[1])


@dataclass
class RunningServer:
    """A diplokg app served by uvicorn in a thread of the test process."""

    app: FastAPI
    url: str  # http://127.0.0.1:PORT

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"


@contextlib.contextmanager
def serve(settings: Settings, data: Path) -> Iterator[RunningServer]:
    """Start the app on a free 127.0.0.1 port, wait for its workers, stop it on exit."""
    app = create_app(settings, data)
    sock = bound_socket()
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


def write_chain_dataset(path: Path) -> Path:
    """N-Quads: a chain of CHAIN_LENGTH nodes in one named graph, a few labels in another."""
    lines = [f"<{EX}n{i}> <{EX}next> <{EX}n{i + 1}> <{EX}chain> ." for i in range(CHAIN_LENGTH)]
    lines += [
        f'<{EX}n{i}> <http://www.w3.org/2000/01/rdf-schema#label> "node {i}"@en <{EX}labels> .'
        for i in range(100)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
