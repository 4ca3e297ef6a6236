"""One settings object whose defaults work from a fresh checkout."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _project_root() -> Path:
    env = os.environ.get("DIPLOKG_ROOT")
    if env:
        return Path(env).resolve()
    # src/diplokg/config.py -> project root (an editable install keeps this layout)
    return Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Settings:
    """Where inputs and outputs live, and the limits of the public endpoint."""

    root: Path = field(default_factory=_project_root)
    # server
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None  # e.g. https://diplokg.example.org; default: the request's
    # query limits (clients cannot raise them)
    query_timeout_s: float = 10.0
    max_query_bytes: int = 32 * 1024
    max_nesting_depth: int = 200
    max_result_rows: int = 10_000
    max_response_bytes: int = 16 * 1024 * 1024
    workers: int = 4
    max_pending: int = 64
    # build and serve graph/drafts/ in the named graph `draft` (diplokg build --include-drafts)
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
    def dist_dir(self) -> Path:
        return self.root / "dist"

    @property
    def ontology_file(self) -> Path:
        return self.ontology_dir / "diplokg.ttl"

    @property
    def shapes_file(self) -> Path:
        return self.ontology_dir / "shapes.ttl"
