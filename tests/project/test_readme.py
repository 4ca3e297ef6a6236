"""Every code block of the README that a reader can run is run here, against the project built in
a temporary copy (issue 11), so that the README cannot drift from what the code does.

The convention (README, "Development"):

- A fenced block whose info string is `sh`, `console` or `python` is run; any other block
  (`text`, none) is not code to run: a synopsis, an output, a table.
- `<!-- not run: REASON -->` on the line right before the fence exempts a block; the
  exemptions are listed and counted below, so that they stay few.
- `sh`: every line is a command; the block runs in bash (`set -euo pipefail`) and must exit 0.
- `console`: a line starting with `$ ` is a command (a line ending with `\\` continues it); the
  lines after it, up to the next command, are what it prints (standard output and error, as
  a terminal shows them), compared by `matches`. It must exit 0, or the status that a last
  line `[exit N]` gives.
- `python`: the block runs as a script in a new interpreter and must exit 0.

Every block runs with `diplokg` and this interpreter first on the PATH, in a copy of the
project (ontology/, graph/, queries/) as the current folder, without DIPLOKG_ROOT: the project
is found from the current folder, as a reader's is. Blocks run in README order in that one
copy. Where a block names `127.0.0.1:8000`, it gets the address of a `diplokg serve` started
on a free port of 127.0.0.1 for these tests.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
RUN = ("sh", "console", "python")
DOCUMENTED_ADDRESS = "127.0.0.1:8000"
MAX_EXEMPT = 10
BLOCK_TIMEOUT_S = 600
_FENCE = re.compile(r"^(```|~~~)\s*([\w+-]*)[^\n]*$")
_EXEMPT = re.compile(r"^<!--\s*not run:\s*(.+?)\s*-->$")
_TIMING = re.compile(r"\d+(?:\.\d+)?(?= ?m?s\b)")
_EXIT = re.compile(r"^\[exit (\d+)\]$")


@dataclass(frozen=True)
class Block:
    """A fenced block of the README: where it starts, its info string, its text, and why it is
    not run (None when it is)."""

    line: int
    info: str
    text: str
    exempt: str | None

    @property
    def id(self) -> str:
        return f"line-{self.line}-{self.info}"


def read_blocks(text: str) -> list[Block]:
    """Every fenced block of a Markdown text, in order."""
    lines = text.splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if fence is None:
            i += 1
            continue
        marker, info = fence.group(1), fence.group(2)
        end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith(marker)), None)
        assert end is not None, f"README line {i + 1}: a fence that never closes"
        before = next((lines[j].strip() for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        exempt = _EXEMPT.match(before)
        body = "\n".join(lines[i + 1 : end]) + "\n"
        found.append(Block(i + 1, info, body, exempt.group(1) if exempt else None))
        i = end + 1
    return found


BLOCKS = read_blocks(README.read_text(encoding="utf-8"))
RUNNABLE = [b for b in BLOCKS if b.info in RUN]
# The blocks run; the exempt ones are counted and checked below, never collected as skips.
RUN_BLOCKS = [b for b in RUNNABLE if b.exempt is None]


def matches(expected: str, actual: str) -> bool:
    """Whether a command printed what the README shows. Lines are compared one by one, trailing
    spaces ignored; a number written as a timing (`0.26 s`, `12 ms`) matches any number; a line
    `...` matches any number of lines."""
    want = [line.rstrip() for line in expected.rstrip("\n").split("\n")]
    got = [line.rstrip() for line in actual.rstrip("\n").split("\n")] if actual.strip() else []

    def same(a: str, b: str) -> bool:
        pattern, last = "", 0
        for timing in _TIMING.finditer(a):
            pattern += re.escape(a[last : timing.start()]) + r"\d+(?:\.\d+)?"
            last = timing.end()
        return re.fullmatch(pattern + re.escape(a[last:]), b) is not None

    def walk(i: int, j: int) -> bool:
        if i == len(want):
            return j == len(got)
        if want[i] == "...":
            return any(walk(i + 1, k) for k in range(j, len(got) + 1))
        return j < len(got) and same(want[i], got[j]) and walk(i + 1, j + 1)

    return walk(0, 0)


def console_steps(text: str) -> list[tuple[str, str, int]]:
    """(command, expected output, expected exit status) for each `$ ` command of a block."""
    steps: list[tuple[str, list[str], int]] = []
    lines = text.rstrip("\n").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("$ "):
            command = [line[2:]]
            while command[-1].endswith("\\") and i + 1 < len(lines):
                i += 1
                command.append(lines[i])
            steps.append(("\n".join(command), [], 0))
        elif steps:
            status = _EXIT.match(line.strip())
            if status is not None:
                command_text, output, _ = steps[-1]
                steps[-1] = (command_text, output, int(status.group(1)))
            else:
                steps[-1][1].append(line)
        else:
            raise AssertionError(f"console block: output before any command: {line!r}")
        i += 1
    return [(c, "\n".join(o) + ("\n" if o else ""), s) for c, o, s in steps]


# -- the convention itself ----------------------------------------------------------------------


def test_the_readme_has_blocks_of_each_kind_run() -> None:
    kinds = {b.info for b in RUNNABLE if b.exempt is None}
    assert kinds == set(RUN), kinds


def test_exemptions_are_few_and_say_why() -> None:
    exempt = [b for b in RUNNABLE if b.exempt is not None]
    print(f"{len(RUNNABLE) - len(exempt)} README blocks run, {len(exempt)} exempt:")
    for block in exempt:
        print(f"  line {block.line} ({block.info}): {block.exempt}")
    assert len(exempt) <= MAX_EXEMPT
    assert all(len(b.exempt or "") > 10 for b in exempt)


def missing_tests(blocks: list[Block]) -> list[tuple[int, str]]:
    """(README line, path) of each test file an exemption names that is not there."""
    named = [
        (b.line, path) for b in blocks for path in re.findall(r"tests/[\w/]+\.py", b.exempt or "")
    ]
    return [(line, path) for line, path in named if not (REPO / path).is_file()]


def test_an_exemption_names_tests_that_exist() -> None:
    """An exempt block that says which test does its work names a file that is there."""
    assert any("tests/" in (b.exempt or "") for b in RUNNABLE)
    assert missing_tests(RUNNABLE) == []
    moved = Block(7, "sh", "make x", "tests/test_gone.py runs this")
    assert missing_tests([moved]) == [(7, "tests/test_gone.py")]


def test_an_exemption_is_the_line_right_before_the_fence() -> None:
    text = (
        "x\n<!-- not run: serves until stopped -->\n```sh\nmake run\n```\n\n```console\n$ a\n```\n"
    )
    assert [(b.info, b.exempt) for b in read_blocks(text)] == [
        ("sh", "serves until stopped"),
        ("console", None),
    ]


@pytest.mark.parametrize(
    ("expected", "actual", "same"),
    [
        pytest.param(
            "parse  12 triples  (0.26 s)\n", "parse  12 triples  (1.5 s)\n", True, id="timing"
        ),
        pytest.param("built     in 2.67 s\n", "built     in 10 s\n", True, id="timing-2"),
        pytest.param("12 triples\n", "13 triples\n", False, id="count"),
        pytest.param("a\n...\nz\n", "a\nb\nc\nz\n", True, id="ellipsis"),
        pytest.param("a\n...\nz\n", "a\nb\n", False, id="ellipsis-end"),
        pytest.param("a  \n", "a\n", True, id="trailing-space"),
        pytest.param("write     dist\n", "write     /home/me/dist\n", False, id="path"),
    ],
)
def test_the_comparison_rule(expected: str, actual: str, same: bool) -> None:
    assert matches(expected, actual) is same


def test_console_steps_read_commands_outputs_and_status() -> None:
    text = "$ a \\\n  --b\nout 1\n$ c\n[exit 2]\n"
    assert console_steps(text) == [("a \\\n  --b", "out 1\n", 0), ("c", "", 2)]


# -- running them -----------------------------------------------------------------------------


@dataclass
class Project:
    root: Path
    env: dict[str, str]
    url: str | None = None
    server: subprocess.Popen[bytes] | None = None


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    """A copy of the project's inputs, not built, with `diplokg` on the PATH."""
    root = tmp_path_factory.mktemp("readme") / "diplokg"
    for folder in ("ontology", "graph", "queries", "notebooks"):
        shutil.copytree(REPO / folder, root / folder)
    env = {k: v for k, v in os.environ.items() if k != "DIPLOKG_ROOT"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["XDG_CACHE_HOME"] = str(root.parent / "cache")
    env["MPLBACKEND"] = "Agg"
    found = Project(root, env)
    try:
        yield found
    finally:
        if found.server is not None:
            found.server.terminate()
            found.server.wait(timeout=30)


def _serve(project: Project, free_port: Callable[[], int]) -> str:
    """The address of a `diplokg serve` of the project, started on first use."""
    if project.url is None:
        port = free_port()
        project.server = subprocess.Popen(
            ["diplokg", "serve", "--port", str(port), "--workers", "2"],
            cwd=project.root,
            env=project.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"http://{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert project.server.poll() is None, "diplokg serve stopped"
            assert time.monotonic() < deadline, "diplokg serve did not start"
            time.sleep(0.3)
        project.url = url
    return project.url


def _shell(project: Project, script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + script],
        cwd=project.root,
        env=project.env,
        capture_output=True,
        text=True,
        timeout=BLOCK_TIMEOUT_S,
    )


@pytest.mark.slow
@pytest.mark.server
@pytest.mark.parametrize("block", RUN_BLOCKS, ids=[b.id for b in RUN_BLOCKS])
def test_readme_block_runs(project: Project, block: Block, free_port: Callable[[], int]) -> None:
    text = block.text
    if DOCUMENTED_ADDRESS in text:
        text = text.replace(DOCUMENTED_ADDRESS, _serve(project, free_port))
    where = f"README line {block.line}"
    if block.info == "python":
        done = subprocess.run(
            [sys.executable, "-c", text],
            cwd=project.root,
            env=project.env,
            capture_output=True,
            text=True,
            timeout=BLOCK_TIMEOUT_S,
        )
        assert done.returncode == 0, f"{where}:\n{done.stderr[-3000:]}"
    elif block.info == "sh":
        done = _shell(project, text)
        assert done.returncode == 0, f"{where}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    else:
        for command, expected, status in console_steps(text):
            done = _shell(project, "{ " + command + "\n} 2>&1")
            assert done.returncode == status, f"{where}: $ {command}\n{done.stdout[-3000:]}"
            if expected:
                assert matches(expected, done.stdout), (
                    f"{where}: $ {command}\nexpected:\n{expected}\ngot:\n{done.stdout}"
                )
