"""One settings object whose defaults work from a fresh checkout."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from diplokg.errors import DiplokgError

ROOT_VARIABLE = "DIPLOKG_ROOT"
# What makes a folder a diplokg project: its ontology and its graph folder.
ROOT_MARKERS = ("ontology/diplokg.ttl", "graph")


class ProjectNotFound(DiplokgError):
    """No project root: neither given, nor found at or above the current folder."""


def is_project(folder: Path) -> bool:
    """Whether `folder` holds a project: `ontology/diplokg.ttl` and `graph/`."""
    return (folder / ROOT_MARKERS[0]).is_file() and (folder / ROOT_MARKERS[1]).is_dir()


def find_root(start: Path | None = None) -> Path:
    """The project root, by the first rule that gives one (README: "Where the project is"):

    1. `--root DIR` (the CLI passes it as `Settings(root=...)`, so it never reaches here);
    2. the environment variable DIPLOKG_ROOT;
    3. the nearest folder at or above `start` (default: the current folder) that holds
       `ontology/diplokg.ttl` and `graph/`;
    4. the source checkout of an editable install (`pip install -e .`).

    Otherwise ProjectNotFound, saying what was looked for and where.
    """
    env = os.environ.get(ROOT_VARIABLE)
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if is_project(folder):
            return folder
    # src/diplokg/config.py -> the checkout; a wheel's copy sits in site-packages instead
    checkout = Path(__file__).resolve().parents[2]
    if is_project(checkout):
        return checkout
    raise ProjectNotFound(
        f"no diplokg project found: looked for {ROOT_MARKERS[0]} and {ROOT_MARKERS[1]}/ in "
        f"{here} and the folders above it; give --root DIR or set {ROOT_VARIABLE}"
    )


def shown(line: str) -> str:
    """A line as printed (progress, messages): paths under the current folder relative to it
    (`write     dist`, not `write     /home/me/diplokg/dist`), so that output shows no
    machine's folders; `make run` and `make test` run from the project root."""
    return line.replace(f"{Path.cwd()}{os.sep}", "")


@dataclass(frozen=True)
class Settings:
    """Where inputs and outputs live, and the limits of the public endpoint."""

    root: Path = field(default_factory=find_root)
    # server (its address is `diplokg serve --host/--port`)
    public_url: str | None = None  # e.g. https://diplokg.example.org; default: the request's
    # query limits (clients cannot raise them)
    query_timeout_s: float = 10.0
    max_query_bytes: int = 32 * 1024
    max_nesting_depth: int = 200
    max_result_rows: int = 10_000
    max_response_bytes: int = 16 * 1024 * 1024
    workers: int = 4
    max_pending: int = 64
    # availability under abuse (issue 12; README "A public endpoint that hostile queries
    # cannot hurt")
    max_query_memory_mb: int = 1024  # address space a query may add to its worker; 0: no cap
    long_query_s: float = 0.5  # a query running longer is "long"
    max_long_queries: int = 2  # long queries at once; past it the newest long one gets 503
    client_budget_s: float = 20.0  # worker-seconds a client may spend in a burst
    client_budget_rate: float = 0.2  # worker-seconds a second given back to each client
    over_budget_timeout_s: float = 0.5  # the deadline of a client over its budget
    trusted_proxies: tuple[str, ...] = ()  # whose X-Forwarded-For names the client
    max_header_bytes: int = 16 * 1024  # request line and headers; past it 431
    header_timeout_s: float = 10.0  # to receive a whole request head; past it 408
    body_timeout_s: float = 30.0  # to receive a whole request body after its head; past it 408
    keep_alive_s: float = 5.0  # idle time between requests on one connection
    max_connections: int = 1024  # open connections in all (never above the fd limit)
    max_connections_per_client: int = 64  # open connections from one address
    store_dir: Path | None = None  # default: $XDG_CACHE_HOME/diplokg/stores
    reload_check_s: float = 2.0  # how often the served file is checked for a rebuild
    # kept versions served at /v/{version}/sparql: engines open at once, workers each
    max_open_versions: int = 2
    version_workers: int = 1
    # permalinks are never deleted: the room all records may take, and new ones per client
    max_permalink_bytes: int = 64 * 1024 * 1024
    max_permalinks_per_client_hour: int = 60
    # the dataset with graph/drafts/ in the named graph `draft` (--include-drafts): built into,
    # read from and served from its own folders (dist_dir, versions_dir), never dist/
    include_drafts: bool = False

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def graph_dir(self) -> Path:
        return self.root / "graph"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def drafts_dir(self) -> Path:
        """Machine drafts (`diplokg draft`), read by the build only with --include-drafts."""
        return self.graph_dir / "drafts"

    @property
    def dist_dir(self) -> Path:
        """The built dataset: `dist/`, or with `include_drafts` `dist-drafts/`, so that the
        plain dataset (and a server started without --include-drafts, which follows rebuilds
        of dist/) never holds a draft. Both are git-ignored."""
        return self.root / ("dist-drafts" if self.include_drafts else "dist")

    @property
    def versions_dir(self) -> Path:
        """Kept copies of built versions, served at /v/{version}/ (never committed): `versions/`,
        or with `include_drafts` `versions-drafts/` (a plain server never serves a drafts build
        as a kept version)."""
        return self.root / ("versions-drafts" if self.include_drafts else "versions")

    @property
    def permalinks_dir(self) -> Path:
        """The recorded permalinks, one JSON file each (never committed)."""
        return self.root / "permalinks"

    @property
    def ontology_file(self) -> Path:
        return self.ontology_dir / "diplokg.ttl"

    @property
    def shapes_file(self) -> Path:
        return self.ontology_dir / "shapes.ttl"

    @property
    def rules_dir(self) -> Path:
        return self.ontology_dir / "rules"
