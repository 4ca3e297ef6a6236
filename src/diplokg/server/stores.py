"""The on-disk stores the workers read, in a private folder, verified before use.

A store is an Oxigraph (RocksDB) folder loaded from an RDF file once per content and
pyoxigraph version, under `$XDG_CACHE_HOME/diplokg/stores/<hash>/` (`~/.cache/...` by
default; `Settings.store_dir` elsewhere). That folder is created with mode 0700 and must be
owned by the server's user, not a symbolic link, and closed to others; a store found in a
folder anyone else could write to is never used. Each store carries the hash of the file it
was loaded from, its quad count and a fingerprint of its content (the hash of its N-Quads
dump), checked whenever it is opened: a store that was deleted in part, garbled or replaced
is loaded again from its file. A file of dist/ is first checked against its build.json
(`diplokg.dataset.check_file`), so a damaged dataset is neither loaded nor served from a
store loaded from it before.
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
from diplokg.dataset import check_file, hash_file
from diplokg.errors import DiskFull, InputError, disk_full
from diplokg.formats import NQUADS, NTRIPLES, TRIG, TURTLE, rdf_format_of

__all__ = ["StoreError", "Stored", "dataset_digest", "open_store", "private_dir", "store_root"]

META = "store.json"
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


def dataset_digest(path: Path) -> str:
    """The key of a dataset file's store: its content, its format and pyoxigraph's version."""
    return _digests(path)[0]


def _digests(path: Path) -> tuple[str, str]:
    """The store key of `path` and its sha256 (what build.json records), in one read."""
    h = hashlib.blake2b(digest_size=12)
    h.update(ox.__version__.encode() + path.suffix.lower().encode())
    content = hashlib.sha256()
    hash_file(path, h, content)
    return h.hexdigest(), content.hexdigest()


class _Hasher:
    """A write target that hashes and counts lines instead of keeping bytes."""

    def __init__(self) -> None:
        self.hash = hashlib.blake2b(digest_size=16)
        self.lines = 0

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        self.lines += bytes(data).count(b"\n")
        return len(data)

    def flush(self) -> None:
        pass


def _fingerprint(store: ox.Store) -> tuple[str, int]:
    hasher = _Hasher()
    store.dump(hasher, format=ox.RdfFormat.N_QUADS)  # type: ignore[arg-type]
    return hasher.hash.hexdigest(), hasher.lines


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
    fingerprint, quads = _fingerprint(store)
    del store
    return {"graphs": graphs, "fingerprint": fingerprint, "quads": quads}


def verify(final: Path, digest: str) -> str | None:
    """Why the store at `final` cannot be used for `digest`, or None when it can."""
    try:
        meta = json.loads((final / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "no readable store.json"
    if meta.get("digest") != digest:
        return "store.json names another dataset"
    try:
        store = ox.Store.read_only(str(final / "store"))
        fingerprint, quads = _fingerprint(store)
        del store
    except (OSError, RuntimeError, ValueError) as exc:
        return f"cannot be read: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    if (fingerprint, quads) != (meta.get("fingerprint"), meta.get("quads")):
        return "its content is not the content it was loaded with"
    return None


def open_store(source: Path, settings: Settings) -> Stored:
    """The verified store of `source`, loaded (again) when missing or failing its check.

    A store is built beside its final place and renamed into it, so a reader never sees
    half a store, and two servers starting together do not clash.
    """
    source = Path(source)
    if not source.is_file():
        raise InputError(source, "no such file")
    _servable(source)
    digest, sha256 = _digests(source)
    # A file of dist/ that is not what its build wrote is never loaded, nor is a store
    # loaded earlier from the same damaged bytes reused: the check comes before the lookup.
    check_file(source, sha256=sha256)
    root = private_dir(store_root(settings))
    final = root / digest
    if final.exists() and verify(final, digest) is not None:
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
