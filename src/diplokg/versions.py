"""Kept versions of the built dataset, so that an answer once cited can be given again.

Every build has a version id, a hash of its content (`diplokg.build.versioning`), recorded in
`build.json`. `diplokg build` keeps a copy of what serving a version takes (the dataset, its
build.json and VoID, the source texts and the search index) in `<root>/versions/<id>/`, and the
server answers `/v/<id>/sparql` from that copy. Creating a permalink keeps its version too.

Copies are never changed once written. `diplokg versions` lists them; `diplokg versions
--prune` removes those that are neither the current build nor cited by a permalink (deleting
a folder by hand works too: permalinks to it then answer 410 Gone).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from diplokg.dataset import (
    DATASET_FILE,
    DOCUMENTS_DIR,
    MANIFEST,
    RDF12_FILE,
    SEARCH_FILE,
    VOID_FILE,
    check_outputs,
    load_manifest,
    read_manifest,
    served_file,
)

__all__ = ["KeptVersion", "current_version", "find", "keep", "kept", "prune", "valid_id"]

# What a kept version holds: enough to serve its SPARQL endpoint as the current one is served
# (from the RDF 1.2 dump when the build wrote one), its texts and its search.
KEPT = (DATASET_FILE, RDF12_FILE, MANIFEST, SEARCH_FILE, VOID_FILE, DOCUMENTS_DIR)
_ID = re.compile(r"^[0-9a-f]{12}$")


@dataclass(frozen=True)
class KeptVersion:
    """A copy of a built version under `<root>/versions/<id>/`."""

    id: str
    path: Path

    @property
    def dataset(self) -> Path:
        """The file its engine loads: the same one the server would load from its dist/."""
        return served_file(self.path)

    def check(self) -> None:
        """Raise DamagedDist naming each file of this copy that is not what its build.json
        records (the copy holds only the files of `KEPT`; the one served is hashed in full)."""
        manifest = load_manifest(self.path)
        if manifest is None:
            return
        names = [name for name in manifest["files"] if name.split("/")[0] in KEPT]
        check_outputs(self.path, manifest, only=names, read=[self.dataset.name])

    @property
    def size(self) -> int:
        """Bytes on disk."""
        return sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file())

    @property
    def kept_at(self) -> float:
        """When it was kept (the folder's modification time, seconds since the epoch)."""
        return self.path.stat().st_mtime


def valid_id(version: str) -> bool:
    """Whether `version` has the shape of a version id (12 lower-case hexadecimal digits)."""
    return bool(_ID.match(version))


def current_version(dist: Path) -> str | None:
    """The version id of the build in `dist`, or None (no build, or one older than versions)."""
    manifest = read_manifest(dist)
    version = (manifest or {}).get("version")
    return version if isinstance(version, str) and valid_id(version) else None


def find(versions_dir: Path, version: str) -> KeptVersion | None:
    """The kept copy of `version`, or None."""
    if not valid_id(version):
        return None
    path = versions_dir / version
    if not (path / DATASET_FILE).is_file() or not (path / MANIFEST).is_file():
        return None
    return KeptVersion(version, path)


def kept(versions_dir: Path) -> list[KeptVersion]:
    """Every kept version, the most recently kept first."""
    if not versions_dir.is_dir():
        return []
    found = [find(versions_dir, p.name) for p in versions_dir.iterdir()]
    return sorted((v for v in found if v is not None), key=lambda v: (-v.kept_at, v.id))


def keep(dist: Path, versions_dir: Path) -> KeptVersion | None:
    """Keep a copy of the build in `dist` (once per version); None when `dist` holds no
    versioned build. The copy is made beside its final place and renamed into it, so a
    reader never sees half of one."""
    version = current_version(dist)
    if version is None:
        return None
    existing = find(versions_dir, version)
    if existing is not None:
        return existing
    versions_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=versions_dir))
    try:
        for name in KEPT:
            source = dist / name
            if source.is_dir():
                shutil.copytree(source, staging / name)
            elif source.is_file():
                shutil.copy2(source, staging / name)
        staging.chmod(0o755)
        try:
            os.rename(staging, versions_dir / version)
        except OSError:  # kept meanwhile by another process
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return find(versions_dir, version)


def prune(versions_dir: Path, spare: set[str]) -> list[str]:
    """Remove every kept version whose id is not in `spare`; returns the ids removed."""
    removed = []
    for version in kept(versions_dir):
        if version.id not in spare:
            shutil.rmtree(version.path)
            removed.append(version.id)
    return sorted(removed)
