"""Every `diplokg` command, run as a user would, with its errors and exit codes:
0 success, 1 validation failed, 2 any other error (3, a full disk: tests/server/test_abuse.py),
4 serve cannot listen where asked.

Commands run in-process through `diplokg.cli.main` against a small project (DIPLOKG_ROOT);
`serve` runs as a real subprocess on a free 127.0.0.1 port and is stopped.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from rdflib import Graph

from diplokg.cli import main
from diplokg.config import Settings
from diplokg.namespaces import GRAPH_ASSERTED, RES

if TYPE_CHECKING:
    from tests.conftest import Serve, TourProject


REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "data" / "api"
BAD = FIXTURES / "bad"
EVENTS_2014 = ["reception-2014-06-10-fabius-idrissov", "visit-2014-12-hollande-kazakhstan"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, tour_project: TourProject) -> Settings:
    return tour_project.make(tmp_path_factory.mktemp("cli-project"))


@pytest.fixture
def project(built: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The built project as the current one (commands read DIPLOKG_ROOT)."""
    monkeypatch.setenv("DIPLOKG_ROOT", str(built.root))
    return built


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tour_project: TourProject) -> Settings:
    """A project not built yet, as the current one."""
    settings = tour_project.make(tmp_path / "project", built=False)
    monkeypatch.setenv("DIPLOKG_ROOT", str(settings.root))
    return settings


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- build, validate, stats ---------------------------------------------------------------------


def test_build_prints_a_line_per_step_then_skips_when_up_to_date(
    fresh: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "build")
    assert code == 0
    steps = [line.split()[0] for line in out.splitlines()]
    assert steps == [
        *("lint", "units"),
        *("parse", "evidence", "reason", "derive", "validate"),
        *("merge", "write", "keep", "reused", "built"),
    ]
    assert (fresh.dist_dir / "dataset.nq").is_file()
    code, out, _ = run(capsys, "build")
    assert (code, out.split()[:2]) == (0, ["up", "to"])


def test_build_into_another_folder_with_another_reasoner(
    fresh: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "elsewhere"
    code, _, _ = run(capsys, "build", "--reasoner", "owlrl", "--dist", str(target))
    assert code == 0
    assert json.loads((target / "build.json").read_text())["reasoner"] == "owlrl"
    assert not fresh.dist_dir.exists()


def test_build_names_the_file_and_line_of_bad_turtle(
    fresh: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(BAD / "broken.ttl", fresh.graph_dir / "tour.ttl")
    code, _, err = run(capsys, "build")
    # broken.ttl: the statement of line 7 has no final dot, so parsing stops on line 8
    assert code == 2
    assert f"{fresh.graph_dir / 'tour.ttl'}:8:" in err
    assert not fresh.dist_dir.exists()


def _append_bad_date(settings: Settings) -> None:
    with (settings.graph_dir / "tour.ttl").open("a", encoding="utf-8") as handle:
        handle.write((BAD / "date-out-of-range.ttl").read_text(encoding="utf-8"))


def test_validate_passes_on_a_valid_project(
    fresh: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "validate")
    assert code == 0
    assert out.startswith("valid")


def test_validate_and_build_exit_1_on_a_shape_violation(
    fresh: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    _append_bad_date(fresh)
    code, out, _ = run(capsys, "validate")
    assert code == 1
    assert "res:visit-1985-mitterrand-kazakhstan" in out
    assert "between 1990 and 2016" in out
    code, _, err = run(capsys, "build")
    assert code == 1
    assert "res:visit-1985-mitterrand-kazakhstan" in err
    assert not fresh.dist_dir.exists()


def test_stats_counts_the_triples_of_each_graph(
    project: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "stats")
    assert code == 0
    lines = (project.dist_dir / "dataset.nq").read_text(encoding="utf-8").splitlines()
    asserted = sum(1 for line in lines if line.endswith(f"<{GRAPH_ASSERTED}> ."))
    assert f"asserted {asserted:>7}".split() in [line.split() for line in out.splitlines()]


def test_stats_and_query_report_a_build_error(
    fresh: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    # both build dist/ first when it is missing: the Turtle error is theirs to report
    shutil.copy(BAD / "broken.ttl", fresh.graph_dir / "tour.ttl")
    for argv in (["stats"], ["query", "events"]):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, "")
        assert f"{fresh.graph_dir / 'tour.ttl'}:8:" in err


# -- query --------------------------------------------------------------------------------------


def test_query_table_is_readable(project: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "query", "events")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["event", "event_label", "date", "date_precision"]
    assert lines[-1] == "(5 rows)"
    visit = next(line for line in lines if "res:visit-2008-nazarbayev-paris" in line)
    # a year is printed as a year, not as the first of January
    assert " 2008 " in visit and "2008-01-01" not in visit
    # the level, derived from the office of the President Nazarbayev (rank head of state)
    assert "head of state" in visit


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json"])
def test_query_machine_formats(
    project: Settings, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    code, out, _ = run(capsys, "query", "events", "--param", "year=2014", "--format", fmt)
    assert code == 0
    if fmt == "json":
        rows = json.loads(out)
    else:
        rows = list(csv.DictReader(io.StringIO(out), delimiter="," if fmt == "csv" else "\t"))
    assert [row["event"] for row in rows] == [str(RES[slug]) for slug in EVENTS_2014]
    assert [row["date"] for row in rows] == ["2014-06-10", "2014-12-05"]
    assert [row["date_precision"] for row in rows] == ["day", "day"]


def test_query_of_a_file_with_and_without_a_header(
    project: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    canned = FIXTURES / "queries" / "events.rq"
    code, out, _ = run(capsys, "query", str(canned), "--param", "year=2014", "--format", "json")
    assert code == 0
    assert [row["event"] for row in json.loads(out)] == [str(RES[s]) for s in EVENTS_2014]
    plain = tmp_path / "count.rq"
    plain.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s a ?class }\n", encoding="utf-8")
    code, out, _ = run(capsys, "query", str(plain), "--format", "csv")
    assert code == 0
    assert out.splitlines()[0] == "n"
    assert int(out.splitlines()[1]) > 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["query", "timelime"], "unknown query 'timelime' (available: events, figures, places)"),
        (["query", "events", "--param", "year=20x4"], "parameter 'year'"),
        (["query", "events", "--param", "colour=red"], "unknown parameter 'colour'"),
        (["query", "events", "--param", "year"], "--param expects NAME=VALUE"),
        (
            ["query", "events", "--param", "year=2014", "--param", "year=2015"],
            "parameter 'year' is given more than once",
        ),
        (["query", "missing.rq"], "missing.rq: file not found"),
    ],
    ids=[
        "unknown-name",
        "bad-parameter",
        "unknown-parameter",
        "malformed-param",
        "repeated-param",
        "missing-file",
    ],
)
def test_query_errors_exit_2_with_a_message(
    project: Settings, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert out == ""


def test_query_file_errors(
    project: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.rq"
    broken.write_text("SELECT ?x WHERE { ?x\n", encoding="utf-8")
    code, _, err = run(capsys, "query", str(broken))
    assert (code, "syntax error at line 1, column 17" in err) == (2, True)
    plain = tmp_path / "plain.rq"
    plain.write_text("SELECT ?x WHERE { ?x ?p ?o }\n", encoding="utf-8")
    code, _, err = run(capsys, "query", str(plain), "--param", "x=1")
    assert (code, "no '#+ ' header" in err) == (2, True)


@pytest.mark.server
def test_query_against_an_endpoint_prints_what_the_embedded_graph_prints(
    project: Settings, capsys: pytest.CaptureFixture[str], serve: Serve
) -> None:
    argv = ["query", "events", "--param", "year=2014", "--format", "json"]
    _, local, _ = run(capsys, *argv)
    with serve(project, project.dist_dir / "dataset.nq") as server:
        code, far, _ = run(capsys, *argv, "--endpoint", server.sparql)
        code_bad, _, err = run(capsys, "query", "events", "--endpoint", server.url + "/nothing")
    assert code == 0
    assert json.loads(far) == json.loads(local)
    assert code_bad == 2
    assert "404" in err


# -- export -------------------------------------------------------------------------------------


def test_export_writes_a_graph(
    project: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "asserted.ttl"
    code, _, err = run(
        capsys, "export", "--format", "turtle", "--graph", "asserted", "-o", str(output)
    )
    assert code == 0
    assert f"to {output}" in err
    lines = (project.dist_dir / "dataset.nq").read_text(encoding="utf-8").splitlines()
    asserted = sum(1 for line in lines if line.endswith(f"<{GRAPH_ASSERTED}> ."))
    assert len(Graph().parse(output)) == asserted


def test_export_errors(
    project: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "export", "--format", "trig", "--graph", "x", "-o", str(tmp_path / "x")
    )
    assert code == 2
    assert "unknown graph 'x' (known: ontology, asserted, enrichment, evidence, inferred" in err
    with pytest.raises(SystemExit) as caught:
        main(["export", "--format", "n3", "-o", str(tmp_path / "x")])
    assert caught.value.code == 2


# -- serve --------------------------------------------------------------------------------------


@pytest.fixture
def served(project: Settings, tmp_path: Path, free_port: Callable[[], int]) -> Iterator[str]:
    """`diplokg serve` as a subprocess on a free 127.0.0.1 port; stopped after the test."""
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "diplokg.cli", "serve", "--port", str(port), "--workers", "1"],
            env={**os.environ, "DIPLOKG_ROOT": str(project.root)},
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"diplokg serve did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.server
def test_serve_answers_sparql_on_127_0_0_1(served: str) -> None:
    health = httpx.get(f"{served}/health", timeout=10).json()
    assert health["status"] == "ok"
    query = f"ASK {{ <{RES['visit-2008-nazarbayev-paris']}> ?p ?o }}"
    answer = httpx.get(
        f"{served}/sparql",
        params={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=10,
    )
    assert answer.status_code == 200
    assert answer.json()["boolean"] is True


def test_serve_errors(
    project: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "serve", "--data", str(tmp_path / "missing.nq"))
    assert code == 2
    assert "missing.nq" in err
    with pytest.raises(SystemExit) as caught:
        main(["serve", "--port", "eighty"])
    assert caught.value.code == 2


def test_serve_options_are_the_settings_of_the_endpoint() -> None:
    from diplokg.cli import _parser
    from diplokg.server.serve import OPTIONS, settings_with

    argv = ["serve", "--timeout", "5", "--max-client-connections", "3", "--store-dir", "/s"]
    argv += ["--trusted-proxy", "10.0.0.1", "--trusted-proxy", "10.0.0.2"]
    settings = settings_with(vars(_parser().parse_args(argv)))
    assert settings.query_timeout_s == 5.0
    assert settings.max_connections_per_client == 3
    assert settings.store_dir == Path("/s")
    assert settings.trusted_proxies == ("10.0.0.1", "10.0.0.2")
    assert settings.workers == Settings().workers  # not given: the default
    assert all(hasattr(settings, option.field) for option in OPTIONS)
    assert settings_with(vars(_parser().parse_args(["serve"]))) == Settings()


def test_a_reader_that_leaves_stops_a_command_quietly() -> None:
    """`diplokg stats | head`: the BrokenPipeError (an OSError) is not taken for a full disk."""
    code = (
        "import sys\n"
        "from diplokg import cli\n"
        "def gone(args):\n"
        "    raise BrokenPipeError(32, 'Broken pipe')\n"
        "cli._COMMANDS['stats'] = gone\n"
        "sys.exit(cli.main(['stats']))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (0, "")


# -- publish (its own tests cover publishing; here: arguments and --dry-run) ---------------------


def test_publish_dry_run_sends_nothing(
    project: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    # port 9 (discard) on 127.0.0.1: nothing listens, so a request would fail the command
    argv = ["publish", "--store", "http://127.0.0.1:9/sparql", "--graphs", "asserted", "--dry-run"]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert "nothing is sent" in out
    lines = (project.dist_dir / "dataset.nq").read_text(encoding="utf-8").splitlines()
    asserted = sum(1 for line in lines if line.endswith(f"<{GRAPH_ASSERTED}> ."))
    assert ["asserted", str(asserted), "1"] in [line.split() for line in out.splitlines()]


def test_publish_argument_errors(project: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["publish", "--dry-run"])  # --store is required
    assert caught.value.code == 2
    argv = ["publish", "--store", "http://127.0.0.1:9/sparql", "--graphs", "nope", "--dry-run"]
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert "nope" in err


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main([])
    assert caught.value.code == 2
    assert "usage: diplokg" in capsys.readouterr().err


# -- where the project is, where serve listens, standard output (issue 11) ------------------------


@pytest.mark.parametrize("where", ["before", "after"])
def test_root_option_names_the_project_before_or_after_the_command(
    built: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    monkeypatch.delenv("DIPLOKG_ROOT", raising=False)
    argv = (
        ["--root", str(built.root), "stats"]
        if where == "before"
        else ["stats", "--root", str(built.root)]
    )
    code, out, _ = run(capsys, *argv)
    assert code == 0
    lines = (built.dist_dir / "dataset.nq").read_text(encoding="utf-8").splitlines()
    asserted = sum(1 for line in lines if line.endswith(f"<{GRAPH_ASSERTED}> ."))
    assert f"asserted {asserted:>7}".split() in [line.split() for line in out.splitlines()]


def test_root_option_refuses_a_folder_that_is_no_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "stats", "--root", str(tmp_path))
    assert (code, out) == (2, "")
    assert err == f"diplokg: --root {tmp_path}: no ontology/diplokg.ttl and graph/ there\n"


def test_the_project_is_found_from_a_folder_inside_it(
    built: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from diplokg.config import find_root

    monkeypatch.delenv("DIPLOKG_ROOT", raising=False)
    inside = built.root / "graph"
    assert find_root(inside) == built.root
    monkeypatch.chdir(inside)
    assert Settings().root == built.root
    monkeypatch.setenv("DIPLOKG_ROOT", str(built.root / "elsewhere"))
    assert Settings().root == built.root / "elsewhere"  # the variable comes first


def test_build_output_shows_no_machine_path(
    fresh: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(fresh.root)
    code, out, _ = run(capsys, "build")
    assert code == 0
    assert str(fresh.root) not in out
    assert [line.split()[:2] for line in out.splitlines() if line.startswith("write")] == [
        ["write", "dist"]
    ]


def test_export_to_standard_output(project: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "export", "--format", "ntriples", "--graph", "asserted", "-o", "-")
    assert code == 0
    lines = (project.dist_dir / "dataset.nq").read_text(encoding="utf-8").splitlines()
    asserted = [line for line in lines if line.endswith(f"<{GRAPH_ASSERTED}> .")]
    assert len(Graph().parse(data=out, format="nt")) == len(asserted)
    assert err == f"wrote {len(asserted)} triples to standard output\n"
    assert not Path("-").exists()


def test_serve_on_a_taken_port_says_so_in_one_line_and_exits_4(
    project: Settings, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "diplokg.cli", "serve", "--port", str(port)],
            env={**os.environ, "DIPLOKG_ROOT": str(project.root)},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 4
    assert done.stdout == ""
    message = done.stderr.splitlines()
    assert len(message) == 1, done.stderr  # nothing claimed to be serving first
    assert re.fullmatch(rf"diplokg: port {port} is in use; try --port \d+", message[0])
    suggested = int(message[0].rsplit(" ", 1)[1])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", suggested))  # the port suggested was free


def test_make_run_honours_port_and_host() -> None:

    done = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-n",
            "-C",
            str(REPO),
            "run",
            "PORT=8123",
            "HOST=127.0.0.2",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.splitlines()[-1].endswith("diplokg serve --host 127.0.0.2 --port 8123")
