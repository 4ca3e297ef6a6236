"""The built dataset in dist/, as its readers see it: its file names, build.json, the store.

`diplokg.build` writes dist/; everything else (the server, the Python API, exports,
publishing) only reads it, through the names and functions here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyoxigraph

MANIFEST = "build.json"
DATASET_FILE = "dataset.nq"
CONTEXT_FILE = "context.jsonld"
# The dump files and their media types (IANA names), as the DCAT description lists them.
DUMP_FILES = {
    "dataset.trig": "application/trig",
    "dataset.nq": "application/n-quads",
    "merged.ttl": "text/turtle",
    "merged.nt": "application/n-triples",
    "merged.jsonld": "application/ld+json",
    "merged.rdf": "application/rdf+xml",
}


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
    store.load(path=path, format=pyoxigraph.RdfFormat.N_QUADS)
    return store
