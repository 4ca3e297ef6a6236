"""The built dataset in dist/, as its readers see it: its file names, build.json, the store,
and the check that a file of dist/ is still what the build wrote.

`diplokg.build` writes dist/; everything else (the server, the Python API, exports,
publishing) only reads it, through the names and functions here.

build.json records each output's sha256 and size in bytes, and is written after them. A
reader trusts a file without reading it when its size is the recorded one and it is not newer
than build.json; a file about to be read, a file changed since (newer than build.json), or
every file when a full check is asked for, is hashed in full. Hashing runs at about 1 GB/s
(1.6 ms for the seed's 1.4 MB dataset.nq), but the collection of issue 16 has 0.4 GB in each of
the two files every reader of dist/ reads: `ensure_built` therefore keeps a verified-stamp
(`Verified`): a file hashed in full and found as build.json records is trusted again without
reading it while its device, inode, size, modification and change times are the same. Any
write, truncation, replacement or `touch -r` of the file changes its inode or its change time
(`st_ctime`, which no user can set back), so it is hashed again; what a stamp cannot see is a
change that keeps all five (a clock set back, the raw device written), which a full check
(`full=True`, which ignores stamps) still finds. The other outputs cost a `stat` each.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol

from diplokg.errors import DamagedDist, InputError
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
# The verified-stamps of `ensure_built`, in the project's build/ folder (never in dist/: a reader
# may not write there), `Verified`.
VERIFIED_FILE = "verified.json"
DOCUMENTS_DIR = "documents"  # a copy of each source text, as the build read it


def load_manifest(dist: Path) -> dict[str, Any] | None:
    """The build.json of `dist`, or None when `dist` holds no build at all.

    Raises DamagedDist when build.json is unreadable, is not one of ours (no output hashes
    and sizes), or is missing beside a dataset.
    """
    path = dist / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if (dist / DATASET_FILE).exists():
            raise DamagedDist(path, "missing beside the dataset") from None
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise DamagedDist(path, f"cannot be read ({exc})") from None
    try:
        manifest = json.loads(text)
    except ValueError:
        raise DamagedDist(path, "not valid JSON") from None
    if not (
        isinstance(manifest, dict)
        and isinstance(manifest.get("files"), dict)
        and isinstance(manifest.get("sizes"), dict)
    ):
        raise DamagedDist(path, "records no output hashes and sizes")
    return manifest


def read_manifest(dist: Path) -> dict[str, Any] | None:
    """The build.json of `dist`, or None when there is no complete, readable build there
    (whether its outputs are intact is `check_outputs`'s question)."""
    try:
        manifest = load_manifest(dist)
    except DamagedDist:
        return None
    if manifest is None or not (dist / DATASET_FILE).is_file():
        return None
    return manifest


class _Hash(Protocol):
    def update(self, data: bytes, /) -> None: ...


def hash_file(path: Path, *hashes: _Hash) -> None:
    """Feed the bytes of `path` to each of `hashes`, in one pass."""
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            for h in hashes:
                h.update(block)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    hash_file(path, h)
    return h.hexdigest()


def _identity(info: os.stat_result) -> list[int]:
    """What changes when a file is replaced or written to: device, inode, size, times."""
    return [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]


class Verified:
    """The verified-stamps of the outputs hashed in full (a JSON file, `path`): by resolved
    path, the file's `_identity` when it was hashed and the sha256 found. A missing or
    unreadable stamp file is an empty one; one that cannot be written is not written (the
    next reader hashes again)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.changed = False
        self.stamps: dict[str, Any] = {}
        with contextlib.suppress(OSError, ValueError):
            stamps = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(stamps, dict):
                self.stamps = stamps

    def trusts(self, path: Path, info: os.stat_result, sha256: object) -> bool:
        """Whether `path` (as `info` says it is now) was hashed in full to `sha256`."""
        stamp = self.stamps.get(str(path.resolve()))
        return (
            isinstance(stamp, dict)
            and stamp.get("file") == _identity(info)
            and stamp.get("sha256") == sha256
        )

    def record(self, path: Path, info: os.stat_result, sha256: str) -> None:
        """`path`, as `info` said it was before it was read, hashed in full to `sha256`."""
        self.stamps[str(path.resolve())] = {"file": _identity(info), "sha256": sha256}
        self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            staged = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            staged.write_text(json.dumps(self.stamps, sort_keys=True), encoding="utf-8")
            staged.replace(self.path)
        self.changed = False


def _damage(
    dist: Path,
    manifest: Mapping[str, Any],
    name: str,
    *,
    read: bool,
    written_ns: int,
    verified: Verified | None = None,
) -> str | None:
    """Why output `name` is not what build.json records, or None when it is (`verified`:
    the stamps that spare a file about to be read its full hash)."""
    path = dist / name
    parts = PurePosixPath(name).parts
    if not parts or parts[0] == "/" or ".." in parts or name == MANIFEST:
        return "is not a file of dist/"
    try:
        info = path.stat()
    except OSError:
        return "missing"
    size = manifest["sizes"].get(name)
    if not isinstance(size, int):
        return "build.json records no size for it"
    if info.st_size != size:
        return f"{info.st_size:,} bytes where build.json records {size:,}"
    expected = manifest["files"].get(name)
    if not (read or info.st_mtime_ns > written_ns):
        return None
    if verified is not None and verified.trusts(path, info, expected):
        return None
    found = file_sha256(path)
    if found != expected:
        return "its content is not what build.json records (sha256)"
    if verified is not None:
        verified.record(path, info, found)
    return None


def check_outputs(
    dist: Path,
    manifest: Mapping[str, Any],
    *,
    read: Collection[str] = (),
    only: Collection[str] | None = None,
    full: bool = False,
    verified: Path | None = None,
) -> None:
    """Raise DamagedDist naming every output of `dist` (or of `only`) that is not as
    `manifest` records: a `stat` each, and a full hash of the files in `read` (about to be
    read), of those changed since build.json was written, or of all when `full`. With
    `verified` (a stamp file, `Verified`) and not `full`, a file already hashed and unchanged
    since is not hashed again, and the files hashed are stamped."""
    try:
        written_ns = (dist / MANIFEST).stat().st_mtime_ns
    except OSError:
        written_ns = -1
    names = sorted(manifest["files"]) if only is None else sorted(only)
    names.sort(key=lambda name: name not in read)  # name first what the caller reads
    stamps = Verified(verified) if verified is not None and not full else None
    found = [
        (dist / name, why)
        for name in names
        if (
            why := _damage(
                dist,
                manifest,
                name,
                read=full or name in read,
                written_ns=written_ns,
                verified=stamps,
            )
        )
    ]
    if stamps is not None:
        stamps.save()
    if found:
        (path, why), *others = found
        raise DamagedDist(path, why + "".join(f"; {p}: damaged: {w}" for p, w in others))


def verify_dist(
    dist: Path, *, read: Collection[str] = (DATASET_FILE,), full: bool = False
) -> dict[str, Any] | None:
    """The build.json of `dist` once every output is checked against it (`check_outputs`),
    or None when `dist` holds no build. Raises DamagedDist naming what is damaged."""
    manifest = load_manifest(dist)
    if manifest is not None:
        check_outputs(dist, manifest, read=read, full=full)
    return manifest


def check_file(path: Path, *, sha256: str | None = None, read: bool = True) -> None:
    """Raise DamagedDist when `path` is an output of a build (listed in the build.json beside
    it) that is not what that build wrote; any other file passes. `sha256`: the file's hash,
    when the caller has just computed it; `read=False` checks only what a `stat` tells (size,
    and a full hash only when the file is newer than build.json)."""
    path = Path(path)
    if not (path.parent / MANIFEST).exists():
        return
    try:
        manifest = load_manifest(path.parent)
    except DamagedDist:
        if path.name in DUMP_FILES:
            raise
        return
    if manifest is None or path.name not in manifest["files"]:
        return
    hashed = read and sha256 is None
    check_outputs(path.parent, manifest, only=[path.name], read=[path.name] if hashed else [])
    if sha256 is not None and sha256 != manifest["files"][path.name]:
        raise DamagedDist(path, "its content is not what build.json records (sha256)")


def dataset_digest(path: Path) -> str:
    """The id of a dataset file's content as the server knows it: the key of its store and of
    its answers' ETags. It changes with the bytes, the file's syntax (its extension) and
    pyoxigraph's version (which could read the same bytes differently)."""
    return dataset_digests(path)[0]


def dataset_digests(path: Path) -> tuple[str, str]:
    """`dataset_digest(path)` and the file's sha256 (what build.json records), in one read."""
    import pyoxigraph

    h = hashlib.blake2b(digest_size=12)
    h.update(pyoxigraph.__version__.encode() + path.suffix.lower().encode())
    content = hashlib.sha256()
    hash_file(path, h, content)
    return h.hexdigest(), content.hexdigest()


def open_store(path: Path) -> pyoxigraph.Store:
    """An in-memory Oxigraph store holding the N-Quads file `path` (named graphs as built).

    Query it with `use_default_graph_as_union=True` to see the served default graph.
    """
    import pyoxigraph

    store = pyoxigraph.Store()
    try:
        store.load(path=path, format=NQUADS.rdf)
    except SyntaxError as exc:
        raise InputError(path, f"cannot be parsed as N-Quads: {exc}") from None
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
