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

REPO = Path(__file__).resolve().parents[2]
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


# -- the charts a reader sees (issue 11: overlapping network labels, euros and dollars on one
# axis) ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kg():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    from diplokg import KnowledgeGraph

    return KnowledgeGraph.load(settings=Settings(root=REPO))


def test_network_labels_cover_no_other_label_nor_node(kg) -> None:  # type: ignore[no-untyped-def]
    import matplotlib.pyplot as plt
    import networkx as nx

    from diplokg.charts import label_boxes, network_figure, overlaps

    graph = kg.to_networkx()
    graph.remove_nodes_from(list(nx.isolates(graph)))
    fig = network_figure(graph)
    try:
        boxes = label_boxes(fig)
        core = max(nx.weakly_connected_components(graph), key=len)
        actors = [n for n in core if graph.nodes[n]["type"] != "event"]
        assert len(boxes) >= len(actors)  # every actor is named
        assert overlaps(boxes) == []
        ax = fig.axes[0]
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        from matplotlib.collections import PathCollection

        nodes = [c for c in ax.collections if isinstance(c, PathCollection)]
        assert nodes
        for collection in nodes:  # the node markers
            for x, y in ax.transData.transform(collection.get_offsets()):
                assert not any(b.contains(x, y) for b in boxes)
        inside = ax.get_window_extent(renderer)
        assert all(inside.contains(b.x0, b.y0) and inside.contains(b.x1, b.y1) for b in boxes)
    finally:
        plt.close(fig)


def test_overlap_check_finds_overlapping_labels() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from diplokg.charts import label_boxes, overlaps

    fig, ax = plt.subplots()
    ax.annotate("François Hollande", (0.5, 0.5))
    ax.annotate("Nazarbayev", (0.52, 0.5))
    try:
        assert overlaps(label_boxes(fig)) == [(0, 1)]
    finally:
        plt.close(fig)


def test_economy_chart_puts_each_currency_on_its_own_axis(kg) -> None:  # type: ignore[no-untyped-def]
    import matplotlib.pyplot as plt

    from diplokg.charts import economy_figure

    figures = kg.query("economic-indicators")
    fig = economy_figure(figures)
    try:
        assert len(fig.axes) == 2
        for ax, currency in zip(fig.axes, ["EUR", "USD"], strict=True):
            assert f"({currency})" in ax.get_xlabel()
            shown = {t.get_text() for t in ax.get_yticklabels()}
            expected = set(figures.loc[figures["currencyOrUnit"] == currency, "figure_label"])
            assert shown == expected
    finally:
        plt.close(fig)
