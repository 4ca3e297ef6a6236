"""The tour notebook's charts that need more than a few lines: the network of actors, with
labels placed so that none covers another, and the money figures, one panel per currency.

Both take what the Python API returns (`KnowledgeGraph.to_networkx`, the `economic-indicators`
DataFrame) and return a matplotlib Figure, so that a test can measure what a reader sees.
matplotlib is the `notebook` extra's.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Annotation
    from matplotlib.transforms import Bbox

__all__ = ["COLOURS", "CURRENCIES", "economy_figure", "label_boxes", "network_figure", "overlaps"]

COLOURS = {"person": "tab:red", "office": "tab:orange", "organisation": "tab:green"}
EVENT_COLOUR = "tab:blue"
# Where a label may go around its node, in points: nearest first, then further out.
_DIRECTIONS = [
    (0, 1, "center", "bottom"),
    (0, -1, "center", "top"),
    (1, 0, "left", "center"),
    (-1, 0, "right", "center"),
    (1, 1, "left", "bottom"),
    (-1, 1, "right", "bottom"),
    (1, -1, "left", "top"),
    (-1, -1, "right", "top"),
]
_DISTANCES = (6, 14, 24, 36, 50)
WRAP = 22  # characters a line of an actor's label
CURRENCIES = {"EUR": "millions of euros", "USD": "millions of US dollars"}


def label_boxes(fig: Figure) -> list[Bbox]:
    """The display boxes of every annotation of the figure's axes (its labels)."""
    from matplotlib.text import Annotation

    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    return [
        child.get_window_extent(renderer)
        for ax in fig.axes
        for child in ax.get_children()
        if isinstance(child, Annotation) and child.get_visible()
    ]


def overlaps(boxes: list[Bbox]) -> list[tuple[int, int]]:
    """The pairs of boxes that overlap."""
    return [
        (i, j)
        for i in range(len(boxes))
        for j in range(i + 1, len(boxes))
        if boxes[i].overlaps(boxes[j])
    ]


def _place(
    ax: Axes,
    renderer: Any,
    text: str,
    xy: tuple[float, float],
    placed: list[Bbox],
    inside: Bbox,
    **style: Any,
) -> Annotation:
    """An annotation of `xy` at the nearest place where it covers no label already placed and
    stays inside the axes; where none is free, the place that covers least."""
    best: tuple[float, Annotation] | None = None
    for distance in _DISTANCES:
        for dx, dy, ha, va in _DIRECTIONS:
            label = ax.annotate(
                text,
                xy,
                xytext=(dx * distance, dy * distance),
                textcoords="offset points",
                ha=ha,
                va=va,
                **style,
            )
            box = label.get_window_extent(renderer)
            covered = sum(_area(box, other) for other in placed)
            outside = not (inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1))
            cost = covered + (1e6 if outside else 0.0)
            if cost == 0:
                if best is not None:
                    best[1].remove()
                placed.append(box)
                return label
            if best is None or cost < best[0]:
                if best is not None:
                    best[1].remove()
                best = (cost, label)
            else:
                label.remove()
    assert best is not None
    placed.append(best[1].get_window_extent(renderer))
    return best[1]


def _area(a: Bbox, b: Bbox) -> float:
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return width * height if width > 0 and height > 0 else 0.0


def network_figure(graph: nx.MultiDiGraph, *, seed: int = 3) -> Figure:
    """The largest connected group of `graph` (people, offices, organisations and the events
    linking them): actors named by their label, events (small, blue) by their date, each
    label beside its node where it covers no other label."""
    import matplotlib.pyplot as plt
    import networkx as nx

    groups = sorted(nx.weakly_connected_components(graph), key=len, reverse=True)
    core = nx.Graph(graph.subgraph(groups[0]))  # undirected and simple, for the layout
    start = nx.shell_layout(
        core,
        nlist=[
            [n for n, t in core.nodes(data="type") if t == "event"],
            [n for n, t in core.nodes(data="type") if t != "event"],
        ],
    )
    layout = nx.spring_layout(
        core, pos=start, seed=seed, iterations=300, k=2.2 / max(1, len(core)) ** 0.5
    )
    fig, ax = plt.subplots(figsize=(13, 10))
    nx.draw_networkx_edges(core, layout, ax=ax, alpha=0.3)
    for kind, colour in (*COLOURS.items(), ("event", EVENT_COLOUR)):
        nodes = [n for n, t in core.nodes(data="type") if t == kind]
        size = 40 if kind == "event" else 220
        nx.draw_networkx_nodes(
            core, layout, nodelist=nodes, node_color=colour, node_size=size, ax=ax, label=kind
        )
    ax.margins(0.18)  # room for labels at the edges
    ax.axis("off")
    ax.set_title(
        "Actors of France–Kazakhstan relations linked by events (blue: event, with its date)"
    )
    ax.legend(scatterpoints=1, fontsize="small", loc="lower left")
    fig.tight_layout()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    inside = ax.get_window_extent(renderer)
    # Nodes and the legend are obstacles too: a label covers no node.
    placed: list[Bbox] = [
        _disc(ax, layout[n], 40 if t == "event" else 220) for n, t in core.nodes(data="type")
    ]
    legend = ax.get_legend()
    if legend is not None:
        placed.append(legend.get_window_extent(renderer))
    # the best-connected actors first, so that they get the nearest places
    actors = sorted(
        (n for n, t in core.nodes(data="type") if t != "event"),
        key=lambda n: (-core.degree(n), str(n)),
    )
    for node in actors:
        text = textwrap.fill(str(core.nodes[node]["label"]), WRAP)
        _place(ax, renderer, text, layout[node], placed, inside, fontsize=9)
    for node in sorted(n for n, t in core.nodes(data="type") if t == "event"):
        date = core.nodes[node].get("date")
        if date:
            _place(
                ax,
                renderer,
                str(date),
                layout[node],
                placed,
                inside,
                fontsize=7,
                color=EVENT_COLOUR,
            )
    return fig


def _disc(ax: Axes, xy: Any, size: float) -> Bbox:
    """The display box of a node marker of `size` (points squared) drawn at `xy`."""
    from matplotlib.transforms import Bbox

    x, y = ax.transData.transform(xy)
    radius = (size**0.5) / 2 * ax.figure.dpi / 72
    return Bbox.from_extents(x - radius, y - radius, x + radius, y + radius)


def economy_figure(figures: pd.DataFrame) -> Figure:
    """The money figures of `economic-indicators`, one panel per currency (amounts in euros
    and in dollars are not on one axis), each bar annotated with the figure as written."""
    import matplotlib.pyplot as plt

    money = figures[figures["currencyOrUnit"].isin(list(CURRENCIES))].sort_values("value")
    present = [c for c in CURRENCIES if (money["currencyOrUnit"] == c).any()]
    counts = [int((money["currencyOrUnit"] == c).sum()) for c in present]
    fig, axes = plt.subplots(
        len(present),
        1,
        figsize=(10, 1.2 + 0.6 * sum(counts)),
        gridspec_kw={"height_ratios": counts},
        squeeze=False,
    )
    for ax, currency in zip(axes[:, 0], present, strict=True):
        rows = money[money["currencyOrUnit"] == currency]
        bars = ax.barh(rows["figure_label"], rows["value"] / 1e6, color="tab:blue")
        for bar, written in zip(bars, rows["asWritten"], strict=True):
            ax.annotate(
                str(written),
                (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=9,
            )
        ax.set_xscale("log")
        ax.set_xlim(min(1.0, rows["value"].min() / 1e6 / 2), rows["value"].max() / 1e6 * 6)
        ax.set_xlabel(f"{CURRENCIES[currency]} ({currency}), log scale")
        ax.set_title(f"in {currency}", fontsize="medium", loc="left")
    fig.suptitle("Trade and investment between France and Kazakhstan, 2014")
    fig.tight_layout()
    return fig
