"""The build wing: from the hand-written inputs to a checked, reproducible dist/.

`ensure_built`, which every reader of dist/ calls first, loads nothing heavy when dist/ is up to
date (`diplokg.build.freshness`); the pipeline (and with it rdflib, the reasoners and pySHACL) is
imported when a build is due, or when one of its names is first used.
"""

from __future__ import annotations

from collections.abc import Collection
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
from diplokg.dataset import (
    DATASET_FILE,
    VERIFIED_FILE,
    check_outputs,
    load_manifest,
    open_store,
    served_file,
)
from diplokg.errors import DamagedDist, disk_full

if TYPE_CHECKING:
    import pyoxigraph

    from diplokg.build.pipeline import assemble, build

__all__ = ["assemble", "build", "ensure_built", "load_store"]


def ensure_built(
    settings: Settings | None = None,
    progress: Progress = to_stderr,
    read: Collection[str] = (),
) -> Path:
    """The path of dist/dataset.nq, checked against build.json, building first if an input's
    content changed or a file of dist/ is damaged (the file is named in the progress). Every
    output gets a `stat`; the dataset, the file the server loads (`served_file`) and the
    outputs named in `read` (say, the search index) are hashed in full, unless the
    verified-stamps of build/verified.json (`diplokg.dataset.Verified`) say that they were,
    and their device, inode, size, modification and change times are those they had then
    (otherwise 0.8 GB read at every start on issue 16's collection).

    A rebuild reports its steps on stderr by default: the server and notebooks that call this
    should show why their start takes seconds. Raises DamagedDist when dist/ is damaged and
    cannot be rewritten (a read-only folder).
    """
    settings = settings or Settings()
    dist = settings.dist_dir
    with build_lock(dist):
        reasoner = DEFAULT_REASONER
        damage = None
        try:
            manifest = load_manifest(dist)
            if manifest is not None and manifest.get("reasoner") in REASONERS:
                reasoner = manifest["reasoner"]
            if manifest is not None and manifest.get("key") == build_key(
                input_hashes(settings), reasoner
            ):
                # hashed in full: the dataset and the file the server loads (the RDF 1.2
                # dump when there is one), and whatever the caller is about to read
                # (not again while a verified-stamp says they are unchanged since: dataset)
                served = served_file(dist).name
                stamps = settings.root / "build" / VERIFIED_FILE
                check_outputs(dist, manifest, read=[DATASET_FILE, served, *read], verified=stamps)
                return dist / DATASET_FILE
        except DamagedDist as exc:
            damage = exc
            progress(f"rebuild   {damage}")
        from diplokg.build.pipeline import build

        try:
            build(settings, reasoner=reasoner, force=True, progress=progress)
        except OSError as exc:
            if damage is None or disk_full(exc):
                raise
            reason = f"{damage.reason}; cannot rebuild it: {exc.strerror or exc}"
            raise DamagedDist(damage.path, reason) from None
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
