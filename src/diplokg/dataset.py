"""The built dataset in dist/, as its readers see it: its file names, build.json, the store.

`diplokg.build` writes dist/; everything else (the server, the Python API, exports,
publishing) only reads it, through the names and functions here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
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
# The same quads (every named graph, the version's too) plus the RDF 1.2 form of the statements'
# reifiers, `rdf:reifies <<( s p o )>>`, which rdflib cannot read: N-Quads 1.2, served when
# present (`served_file`).
RDF12_FILE = f"dataset-rdf12.{NQUADS.extension}"
# The dump files and their media types, as the DCAT description lists them.
DUMP_FILES = {dump_file(fmt): fmt.media_type for fmt in GRAPH_FORMATS}
DUMP_FILES[RDF12_FILE] = NQUADS.media_type
SEARCH_FILE = "search.sqlite"  # the full-text index (diplokg.search)
# The canned queries' answers for their default parameters (diplokg.build.precompute): an index
# naming the checked catalogue and each answer file with its ETag, and the files.
ANSWERS_DIR = "answers"
ANSWERS_INDEX = f"{ANSWERS_DIR}/index.json"
DOCUMENTS_DIR = "documents"  # a copy of each source text, as the build read it


def read_manifest(dist: Path) -> dict[str, Any] | None:
    """The build.json of `dist`, or None when there is no complete build there."""
    try:
        manifest = json.loads((dist / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (dist / DATASET_FILE).is_file() or not isinstance(manifest, dict):
        return None
    return manifest


def dataset_digest(path: Path) -> str:
    """The id of a dataset file's content as the server knows it: the key of its store and of
    its answers' ETags. It changes with the bytes, the file's syntax (its extension) and
    pyoxigraph's version (which could read the same bytes differently)."""
    import pyoxigraph

    h = hashlib.blake2b(digest_size=12)
    h.update(pyoxigraph.__version__.encode() + path.suffix.lower().encode())
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def open_store(path: Path) -> pyoxigraph.Store:
    """An in-memory Oxigraph store holding the N-Quads file `path` (named graphs as built).

    Query it with `use_default_graph_as_union=True` to see the served default graph.
    """
    import pyoxigraph

    store = pyoxigraph.Store()
    store.load(path=path, format=NQUADS.rdf)
    return store


@dataclass(frozen=True)
class SourceText:
    """A source text as the build copied it into dist/documents/, listed in build.json."""

    name: str  # the text's file name without .txt (graph/<name>.txt)
    path: Path  # its copy in dist/documents/
    source: str  # the IRI of its dkg:SourceDocument, the oa:hasSource of its annotations
    sha256: str
    characters: int  # its length in code points: annotation offsets run from 0 to this

    def read(self) -> str:
        return self.path.read_text(encoding="utf-8")


def source_texts(dist: Path, manifest: dict[str, Any] | None = None) -> list[SourceText]:
    """The source texts of the build in `dist` (none for a build that copied no text)."""
    manifest = manifest if manifest is not None else read_manifest(dist)
    entries = (manifest or {}).get("texts", [])
    return [
        SourceText(e["name"], dist / e["file"], e["source"], e["sha256"], e["characters"])
        for e in entries
        if (dist / e["file"]).is_file()
    ]


def served_file(folder: Path) -> Path:
    """The file of a build (dist/ or a kept version) that the server loads: the RDF 1.2 dump,
    whose store also answers `rdf:reifies <<( s p o )>>`, else (a build that has none)
    dataset.nq."""
    rdf12 = folder / RDF12_FILE
    return rdf12 if rdf12.is_file() else folder / DATASET_FILE


def dist_of(data: Path) -> Path | None:
    """The build folder `data` belongs to, when `data` is a build's dataset.nq or its RDF 1.2
    dump, else None (a file served with `diplokg serve --data` has no texts, search index or
    version)."""
    folder = data.resolve().parent
    if data.name not in (DATASET_FILE, RDF12_FILE) or read_manifest(folder) is None:
        return None
    return folder
