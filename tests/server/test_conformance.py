"""The W3C SPARQL 1.1 Protocol and Service Description suite against `diplokg serve`.

The harness and its data live in tests/conformance/ (W3C data with its licence and upstream
commit). A read-only endpoint should reach all 20 query tests, the 3 service description
tests, the 7 bad updates refused, and the 19 extra checks; the 7 update tests that need a
writable store do not apply.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

HARNESS = Path(__file__).resolve().parents[1] / "conformance" / "run_protocol_tests.py"


@pytest.fixture(scope="module")
def endpoint(
    tmp_path_factory: pytest.TempPathFactory, free_port: Callable[[], int], protocol_dataset: Path
) -> Iterator[str]:
    port = free_port()  # the server binds it again right away
    log = (tmp_path_factory.mktemp("serve") / "serve.log").open("w")
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "diplokg.cli", "serve"),
            *("--port", str(port), "--data", str(protocol_dataset)),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if proc.poll() is not None:
                raise RuntimeError(f"diplokg serve exited with {proc.returncode}")
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            raise RuntimeError("diplokg serve did not start")
        yield url + "/sparql"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def report(endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out: Path = tmp_path_factory.mktemp("w3c") / "results.json"
    run = subprocess.run(
        [sys.executable, str(HARNESS), "--endpoint", endpoint, "--extras", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    print(run.stdout[-2000:])  # shown by pytest on failure
    results: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return results


def _passed(report: dict[str, Any], keep: Callable[[dict[str, Any]], bool]) -> list[str]:
    return [r["id"] for r in report["results"] if keep(r) and r["status"] == "PASS"]


def test_all_w3c_query_tests_pass(report: dict[str, Any]) -> None:
    passed = _passed(report, lambda r: r["section"] == "protocol" and r["group"] == "query")
    assert len(passed) == 20


def test_all_service_description_tests_pass(report: dict[str, Any]) -> None:
    assert len(_passed(report, lambda r: r["section"] == "sd")) == 3


def test_every_bad_update_is_refused(report: dict[str, Any]) -> None:
    refused = _passed(
        report,
        lambda r: (
            r["section"] == "protocol" and r["group"] == "update" and r["id"].startswith("bad_")
        ),
    )
    assert len(refused) == 7


def test_updates_that_need_a_writable_store_are_the_only_failures(report: dict[str, Any]) -> None:
    failed = sorted(r["id"] for r in report["results"] if r["status"] == "FAIL")
    assert failed == sorted(
        [
            "update_base_uri",
            "update_dataset_default_graph",
            "update_dataset_default_graphs",
            "update_dataset_full",
            "update_dataset_named_graphs",
            "update_post_direct",
            "update_post_form",
        ]
    )


def test_all_extras_pass(report: dict[str, Any]) -> None:
    assert len(_passed(report, lambda r: r["section"] == "extra")) == 19
