"""The built dataset in dist/, as its readers see it: its file names, build.json, the store.

`diplokg.build` writes dist/; everything else (the server, the Python API, exports,
publishing) only reads it, through the names and functions here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from diplokg.formats import GRAPH_FORMATS, NQUADS, Format

if TYPE_CHECKING:
    import pyoxigraph

MANIFEST = "build.json"
CONTEXT_FILE = "context.jsonld"
VOID_FILE = "void.ttl"


def dump_file(fmt: Format) -> str:
    """The dump of dist/ in `fmt`: the dataset with its named graphs in each quad syntax
    (`dataset.nq`, `dataset.trig`), their union in each triple syntax (`merged.ttl`, ...)."""
    return f"{'dataset' if fmt.datasets else 'merged'}.{fmt.extension}"


DATASET_FILE = dump_file(NQUADS)
# The dump files and their media types, as the DCAT description lists them.
DUMP_FILES = {dump_file(fmt): fmt.media_type for fmt in GRAPH_FORMATS}


def read_manifest(dist: Path) -> dict[str, Any] | None:
    """The build.json of `dist`, or None when there is no complete build there."""
    try:
        manifest = json.loads((dist / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (dist / DATASET_FILE).is_file() or not isinstance(manifest, dict):
        return None
    return manifest


def open_store(path: Path) -> pyoxigraph.Store:
    """An in-memory Oxigraph store holding the N-Quads file `path` (named graphs as built).

    Query it with `use_default_graph_as_union=True` to see the served default graph.
    """
    import pyoxigraph

    store = pyoxigraph.Store()
    store.load(path=path, format=NQUADS.rdf)
    return store
