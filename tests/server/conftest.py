"""Fixtures of the server tests: the datasets the servers load, the web fixture server, a
headless Chromium, and the waiting helpers of the availability tests (`wait_for`, `in_thread`,
`health`).

The servers themselves come from tests/conftest.py (`serve`, `free_port`). The browser is
Debian's chromium and chromedriver at explicit paths, so Selenium Manager never downloads one;
Chromium's background traffic is switched off.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver import Chrome
from selenium.webdriver.chrome.service import Service

from diplokg.config import Settings

if TYPE_CHECKING:
    from tests.conftest import RunningServer, Serve

TESTS = Path(__file__).resolve().parents[1]
EX = "http://example.org/"
CHAIN_LENGTH = 3000  # long enough that a closure over every pair of nodes takes seconds
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
T = TypeVar("T")


@pytest.fixture(scope="session")
def protocol_dataset() -> Path:
    """The W3C SPARQL 1.1 Protocol suite's data as N-Quads (tests/conformance/data)."""
    return TESTS / "conformance" / "data" / "protocol-dataset.nq"


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """N-Quads: a chain of `chain_length` nodes <http://example.org/n0> -> n1 ... by ex:next in
    the graph ex:chain, and labels "node i"@en of the first 100 nodes in the graph ex:labels."""
    path = tmp_path_factory.mktemp("chain") / "chain.nq"
    lines = [f"<{EX}n{i}> <{EX}next> <{EX}n{i + 1}> <{EX}chain> ." for i in range(CHAIN_LENGTH)]
    lines += [
        f'<{EX}n{i}> <http://www.w3.org/2000/01/rdf-schema#label> "node {i}"@en <{EX}labels> .'
        for i in range(100)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def chain_length() -> int:
    """The number of ex:next links in the `chain` dataset."""
    return CHAIN_LENGTH


@pytest.fixture(scope="module")
def web_server(tmp_path_factory: pytest.TempPathFactory, serve: Serve) -> Iterator[RunningServer]:
    """The app over the web fixtures (tests/data/web), with the fixture canned queries, on a
    free port."""
    data = TESTS / "data" / "web"
    root = tmp_path_factory.mktemp("web-server-root")
    shutil.copytree(data / "queries", root / "queries")
    with serve(Settings(root=root), data / "dataset.trig") as server:
        yield server


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chrome]:
    """Headless Chromium logging every request (`requested_urls`) and its console, where it
    reports what the Content-Security-Policy blocked (`csp_violations`)."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,1024",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _requested_urls(driver: Chrome) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(str(message["params"]["request"]["url"]))
    return urls


def _csp_violations(driver: Chrome) -> list[str]:
    return [
        str(entry["message"])
        for entry in driver.get_log("browser")
        if "Content Security Policy" in entry["message"]
    ]


@pytest.fixture(scope="session")
def requested_urls() -> Callable[[Chrome], list[str]]:
    """`requested_urls(driver)`: every URL the browser asked for since the last call (Chrome's
    performance log)."""
    return _requested_urls


@pytest.fixture(scope="session")
def csp_violations() -> Callable[[Chrome], list[str]]:
    """`csp_violations(driver)`: what the Content-Security-Policy blocked since the last call
    (the console's log)."""
    return _csp_violations


Health = Callable[[httpx.Client], dict[str, Any]]


class WaitFor(Protocol):
    def __call__(self, predicate: Callable[[], object], what: str, seconds: float = 30) -> None: ...


class InThread(Protocol):
    def __call__(self, fn: Callable[[], T]) -> tuple[threading.Thread, list[T]]: ...


def _wait_for(predicate: Callable[[], object], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


def _in_thread(fn: Callable[[], T]) -> tuple[threading.Thread, list[T]]:
    out: list[T] = []
    thread = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    thread.start()
    return thread, out


def _health(client: httpx.Client) -> dict[str, Any]:
    answer: dict[str, Any] = client.get("/health").json()
    return answer


@pytest.fixture(scope="session")
def wait_for() -> WaitFor:
    """`wait_for(predicate, what, seconds=30)`: polls every 50 ms; fails naming `what` when
    `predicate()` is still false after `seconds`."""
    return _wait_for


@pytest.fixture(scope="session")
def in_thread() -> InThread:
    """`in_thread(fn)`: starts `fn` in a daemon thread; returns the thread and the list its
    result is appended to when it returns."""
    return _in_thread


@pytest.fixture(scope="session")
def health() -> Health:
    """`health(client)`: the server's /health answer as a dict."""
    return _health


def _fast_path_ready(client: httpx.Client) -> None:
    """Wait until the server answers a cheap query in its own process: the read-only store
    of the fast path (`diplokg.server.fastpath`) opens in a thread after start."""
    n = iter(range(10_000))

    def answered_here() -> bool:
        before = _health(client)["stats"]["fast_path"]
        client.get("/sparql", params={"query": f'ASK {{ ?s ?p "warm {next(n)}" }}'})
        return bool(_health(client)["stats"]["fast_path"] > before)

    _wait_for(answered_here, "a cheap query answered in the server process")


@pytest.fixture(scope="session")
def fast_path_ready() -> Callable[[httpx.Client], None]:
    """`fast_path_ready(client)`: waits until the server's fast path answers (see above)."""
    return _fast_path_ready
