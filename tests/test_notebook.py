"""The tour notebook runs from top to bottom on the built graph and leaves its charts in
dist/figures/ for a reader to open."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from diplokg.config import Settings

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "tour.ipynb"
FIGURES = ("timeline.png", "network.png", "economy.png", "cooperation.png")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # colours in IPython tracebacks


def test_notebook_is_committed_without_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    assert [cell for cell in code if cell.outputs or cell.execution_count] == []


@pytest.mark.slow
def test_notebook_runs_and_saves_its_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    # The kernel inherits the environment: the notebook sees this checkout's graph and dist/.
    monkeypatch.setenv("DIPLOKG_ROOT", str(REPO))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    figures = Settings(root=REPO).dist_dir / "figures"
    started = {name: _mtime(figures / name) for name in FIGURES}
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # "python3" is the kernel of the interpreter running the tests (jupyter_client starts the
    # native kernel with sys.executable), so no kernel needs registering.
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=300,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    try:
        client.execute()
    except CellExecutionError as exc:  # the failing cell and its traceback, not nbclient's
        pytest.fail(f"a notebook cell failed:\n{ANSI.sub('', str(exc))}")
    for name in FIGURES:
        path = figures / name
        assert path.is_file(), name
        assert path.stat().st_size > 10_000, name
        assert path.read_bytes()[:8] == PNG_SIGNATURE, name
        assert _mtime(path) != started[name], f"{name} was not written by this run"
    last = notebook.cells[-1].outputs[0]["data"]["text/plain"]
    assert all(name in last for name in FIGURES)


def _mtime(path: Path) -> int | None:
    return os.stat(path).st_mtime_ns if path.exists() else None
