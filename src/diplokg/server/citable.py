"""The routers that make the graph readable, findable and citable (issue 15), in one call.

`/document/…` (documents.py), `/search` and `/api/search` (search.py), `/v/…` (versions.py),
`/api/permalinks` and `/p/…` (citations.py). They read the build the served dataset belongs
to (its texts, search index and version); serving a plain file, they answer 404 or 409.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from diplokg.config import Settings
from diplokg.dataset import dist_of

if TYPE_CHECKING:
    from fastapi import APIRouter

    from diplokg.server.engine import QueryEngine


def citable_routers(engine: QueryEngine, settings: Settings, data: Path) -> list[APIRouter]:
    """The routers for the dataset file `data` served by `engine`."""
    from diplokg.server.citations import CitationsRouter
    from diplokg.server.documents import DocumentsRouter
    from diplokg.server.search import SearchRouter
    from diplokg.server.versions import VersionEngines, VersionsRouter

    dist = dist_of(data)
    engines = VersionEngines(engine, settings, dist)
    return [
        DocumentsRouter(engine, settings, dist),
        SearchRouter(dist),
        VersionsRouter(engines),
        CitationsRouter(engines),
    ]
