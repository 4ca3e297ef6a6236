"""The on-disk stores the workers read, in a private folder, verified before use.

A store is an Oxigraph (RocksDB) folder loaded from an RDF file once per content and
pyoxigraph version, under `$XDG_CACHE_HOME/diplokg/stores/<hash>/` (`~/.cache/...` by
default; `Settings.store_dir` elsewhere). That folder is created with mode 0700 and must be
owned by the server's user, not a symbolic link, and closed to others; a store found in a
folder anyone else could write to is never used.


Each store records the hash of the file it was loaded from, its quad count, and its files as
they were once written: each file's size, inode, modification and change times, and a hash of
all their bytes. Opening a store compares the files with that record (no file is read, so the
check costs the same at any size): a store deleted in part, written to (garbled) or replaced by
other files (even with the same sizes: copies are new inodes, writes change the times, which no
one can set back) is loaded again from its file. A store that passes but then fails to be read
(a disk that flipped bits without a write) is checked once more against the hash of its bytes,
and loaded again if it differs.

Hashing the served file, which names its store, reads the whole file: the result is kept in a
marker beside the stores, valid while the file is the same file (device, inode, size,
modification and change times), so a restart on unchanged data reads none of it.

A file of dist/ is checked against its build.json (`diplokg.dataset.check_file`) before its
store is looked up, so a damaged dataset is neither loaded nor served from a store loaded from
it before. The marker keeps the file's sha256 (what build.json records) beside its store key,
both computed in the one read, so that check too reads nothing while the file is the same file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from diplokg.config import Settings
from diplokg.dataset import check_file, dataset_digest, dataset_digests
from diplokg.errors import DiskFull, InputError, disk_full
from diplokg.formats import NQUADS, NTRIPLES, TRIG, TURTLE, rdf_format_of

__all__ = ["StoreError", "Stored", "dataset_digest", "open_store", "private_dir", "store_root"]

META = "store.json"
SOURCES = "sources"  # the markers of the served files' hashes (see `source_digest`)
# The syntaxes a dataset file may be served from (by its extension, as diplokg.formats says).
SERVABLE = (TRIG.rdf, NQUADS.rdf, TURTLE.rdf, NTRIPLES.rdf)


class StoreError(InputError):
    """The store folder is unsafe or a store cannot be made; the message says which."""


@dataclass(frozen=True)
class Stored:
    """A verified store: where it is, its named graphs and sizes, and the dataset's hash."""

    path: Path
    graphs: dict[str, int]
    digest: str
    quads: int
    source: Path


def store_root(settings: Settings) -> Path:
    if settings.store_dir is not None:
        return Path(settings.store_dir)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "diplokg" / "stores"


def private_dir(path: Path) -> Path:
    """`path` created with mode 0700 if missing; StoreError unless it is ours and closed."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(path)
    except OSError as exc:
        _raise_disk_full(exc)
        raise StoreError(path, f"cannot create the store folder: {exc.strerror}") from None
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise StoreError(path, "the store folder is not a plain folder; refusing to use it")
    if info.st_uid != os.geteuid():
        raise StoreError(path, "the store folder belongs to another user; refusing to use it")
    if info.st_mode & 0o077:
        os.chmod(path, 0o700)
    return path


def _identity(st: os.stat_result) -> list[int]:
    """What changes when a file is replaced or written to: device, inode, size, times."""
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def source_digest(source: Path, root: Path) -> tuple[str, str]:
    """`dataset_digests(source)` (its store key and its sha256), taken from its marker under
    `root` when `source` is still the file they were computed for; else computed (reading the
    file) and the marker written."""
    resolved = str(source.resolve())
    name = hashlib.blake2b(resolved.encode("utf-8", "surrogateescape"), digest_size=12)
    marker = root / SOURCES / f"{name.hexdigest()}.json"
    before = _identity(source.stat())
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        record = json.loads(marker.read_text(encoding="utf-8"))
        if (record["path"], record["file"], record["pyoxigraph"]) == (
            resolved,
            before,
            ox.__version__,
        ):
            return str(record["digest"]), str(record["sha256"])
    digest, sha256 = dataset_digests(source)
    if _identity(source.stat()) == before:  # not changed while it was read
        record = {
            "path": resolved,
            "file": before,
            "pyoxigraph": ox.__version__,
            "digest": digest,
            "sha256": sha256,
        }
        with contextlib.suppress(OSError):
            private_dir(marker.parent)
            staged = marker.with_suffix(f".{os.getpid()}.tmp")
            staged.write_text(json.dumps(record), encoding="utf-8")
            staged.replace(marker)
    return digest, sha256


def _files(directory: Path) -> dict[str, list[int]]:
    """Every file of a store folder by relative path, with its size, inode and times."""
    return {
        f.relative_to(directory).as_posix(): _identity(f.stat())[1:]
        for f in sorted(directory.rglob("*"))
        if f.is_file()
    }


def _content(directory: Path, files: dict[str, list[int]]) -> str:
    """A hash of the bytes of `files` (relative paths in `directory`), in order."""
    h = hashlib.blake2b(digest_size=16)
    for name in sorted(files):
        h.update(name.encode() + b"\0")
        with (directory / name).open("rb") as f:
            while block := f.read(1 << 20):
                h.update(block)
    return h.hexdigest()


def _raise_disk_full(exc: OSError) -> None:
    if disk_full(exc):
        raise DiskFull(f"no space left on the disk of the store folder: {exc}") from None


def _servable(source: Path) -> ox.RdfFormat:
    """The syntax of `source`; InputError unless it is one the server loads."""
    fmt = rdf_format_of(source)
    if fmt is None or fmt not in SERVABLE:
        raise InputError(source, "unknown RDF format; use .trig, .nq, .ttl or .nt")
    return fmt


def _load(source: Path, directory: Path) -> dict[str, object]:
    """Bulk-load `source` into a new store at `directory`; its metadata."""
    fmt = _servable(source)
    store = ox.Store(str(directory))
    try:
        store.bulk_load(path=str(source), format=fmt)
        store.flush()
    except SyntaxError as exc:
        match = re.search(r"(?:at |line )(\d+)", str(exc))
        line = int(match.group(1)) if match else None
        raise InputError(source, str(exc).splitlines()[0], line) from None
    except OSError as exc:
        _raise_disk_full(exc)
        raise
    counts = store.query(
        "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    )
    assert isinstance(counts, ox.QuerySolutions)
    graphs = {
        row["g"].value: int(row["n"].value) for row in counts if isinstance(row["g"], ox.NamedNode)
    }
    quads = len(store)
    del counts, store  # closes the store: its files are final from here on
    files = _files(directory)
    return {"graphs": graphs, "quads": quads, "files": files, "content": _content(directory, files)}


def verify(final: Path, digest: str, *, thorough: bool = False) -> str | None:
    """Why the store at `final` cannot be used for `digest`, or None when it can.

    Its files are compared with those recorded when it was loaded, without reading them;
    `thorough` also compares the hash of their bytes (reading the whole store).
    """
    try:
        meta = json.loads((final / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "no readable store.json"
    if not isinstance(meta, dict) or meta.get("digest") != digest:
        return "store.json names another dataset"
    directory = final / "store"
    try:
        files = _files(directory)
        if files != meta.get("files"):
            return "its files are not the files it was loaded into"
        if thorough and _content(directory, files) != meta.get("content"):
            return "its content is not the content it was loaded with"
    except OSError as exc:
        return f"cannot be read: {exc.strerror or type(exc).__name__}"
    return None


def open_store(source: Path, settings: Settings, *, thorough: bool = False) -> Stored:
    """The verified store of `source`, loaded (again) when missing or failing its check
    (`thorough`: the hash of its bytes too, after it failed to be read).

    A store is built beside its final place and renamed into it, so a reader never sees
    half a store, and two servers starting together do not clash.
    """
    source = Path(source)
    if not source.is_file():
        raise InputError(source, "no such file")
    _servable(source)
    root = private_dir(store_root(settings))
    digest, sha256 = source_digest(source, root)
    # A file of dist/ that is not what its build wrote is never loaded, nor is a store
    # loaded earlier from the same damaged bytes reused: the check comes before the lookup.
    check_file(source, sha256=sha256)
    final = root / digest
    if final.exists() and verify(final, digest, thorough=thorough) is not None:
        _discard(final, root)
    if not final.exists():
        try:
            building = Path(tempfile.mkdtemp(prefix=f".{digest}-", dir=root))
        except OSError as exc:
            _raise_disk_full(exc)
            raise
        try:
            meta = _load(source, building / "store")
            meta["digest"] = digest
            (building / META).write_text(json.dumps(meta), encoding="utf-8")
            try:
                building.rename(final)
            except OSError:  # another process finished first; use its store
                shutil.rmtree(building, ignore_errors=True)
        except OSError as exc:
            shutil.rmtree(building, ignore_errors=True)
            _raise_disk_full(exc)
            raise
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        problem = verify(final, digest)
        if problem is not None:
            raise StoreError(final, f"the store just loaded fails its check: {problem}")
    meta = json.loads((final / META).read_text(encoding="utf-8"))
    return Stored(final / "store", dict(meta["graphs"]), digest, int(meta["quads"]), source)


def _discard(final: Path, root: Path) -> None:
    """Move a failing store out of the way (readers keep their open files) and delete it."""
    trash = Path(tempfile.mkdtemp(prefix=".discarded-", dir=root))
    with contextlib.suppress(OSError):
        final.rename(trash / "store")
    shutil.rmtree(trash, ignore_errors=True)
