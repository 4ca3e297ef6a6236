"""The build wing: from the hand-written inputs to a checked, reproducible dist/.

`ensure_built`, which every reader of dist/ calls first, loads nothing heavy when dist/ is up to
date (`diplokg.build.freshness`); the pipeline (and with it rdflib, the reasoners and pySHACL) is
imported when a build is due, or when one of its names is first used.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from diplokg.build.freshness import (
    DEFAULT_REASONER,
    REASONERS,
    Progress,
    build_key,
    build_lock,
    input_hashes,
    to_stderr,
)
from diplokg.config import Settings
from diplokg.dataset import DATASET_FILE, open_store, read_manifest

if TYPE_CHECKING:
    import pyoxigraph

    from diplokg.build.pipeline import assemble, build

__all__ = ["assemble", "build", "ensure_built", "load_store"]


def ensure_built(settings: Settings | None = None, progress: Progress = to_stderr) -> Path:
    """The path of dist/dataset.nq, building first only if an input's content changed.

    A rebuild reports its steps on stderr by default: the server and notebooks that call this
    should show why their start takes seconds.
    """
    settings = settings or Settings()
    dist = settings.dist_dir
    with build_lock(dist):
        manifest = read_manifest(dist)
        reasoner = DEFAULT_REASONER
        if manifest is not None and manifest.get("reasoner") in REASONERS:
            reasoner = manifest["reasoner"]
        if manifest is None or manifest.get("key") != build_key(input_hashes(settings), reasoner):
            from diplokg.build.pipeline import build

            build(
                settings,
                reasoner=reasoner,
                force=True,
                progress=progress,
            )
    return dist / DATASET_FILE


def load_store(settings: Settings | None = None) -> pyoxigraph.Store:
    """An in-memory Oxigraph store holding the built dataset (built first if an input changed).

    Query it with `use_default_graph_as_union=True` to see the served default graph.
    """
    return open_store(ensure_built(settings))


def __getattr__(name: str) -> Any:
    if name in ("assemble", "build"):
        from diplokg.build import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
