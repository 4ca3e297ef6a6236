"""Search on the web: `GET /api/search?q=` (JSON) and the `/search?q=` page.

Both read the build's `search.sqlite` through `diplokg.search`, in a thread (the event loop
only routes bytes); the search box of every page (templates/page.html) submits to `/search`.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from pathlib import Path

from fastapi import APIRouter, Query
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from diplokg.dataset import SEARCH_FILE
from diplokg.search import MAX_LIMIT, Results, SearchError, search
from diplokg.server.responses import html_page, json_error

__all__ = ["SearchRouter"]

PAGE_SIZE = 20


class HitInfo(BaseModel):
    kind: str
    label: str
    iri: str
    snippet: str
    score: float
    type: str | None
    document: str | None
    start: int | None
    end: int | None
    url: str
    near: bool


class SearchAnswer(BaseModel):
    query: str
    total: int
    near: bool
    limit: int
    offset: int
    hits: list[HitInfo]


class SearchRouter(APIRouter):
    """Full-text search of labels, quotes and sentences of the served build."""

    def __init__(self, dist: Path | None) -> None:
        super().__init__(tags=["search"])
        index = dist / SEARCH_FILE if dist is not None else None

        def run(q: str, limit: int, offset: int) -> Results:
            if index is None:
                raise SearchError("this server serves a file, not a build: there is no index")
            return search(index, q, limit=limit, offset=offset)

        async def api_search(
            q: str = Query(description="words to find; the last one may be the start of a word"),
            limit: int = Query(20, ge=0, le=MAX_LIMIT),
            offset: int = Query(0, ge=0),
        ) -> Response:
            """Labels (French and English, alternative spellings), quotes and sentences that
            hold every word of `q`, accents and case aside, best first; each hit with its kind
            (resource, concept, term, quote, sentence), label, IRI, the page that shows it and
            an HTML snippet with the words in `<mark>`. When nothing holds every word, near
            spellings of labels, flagged `near`."""
            try:
                results = await asyncio.to_thread(run, q, limit, offset)
            except SearchError as exc:
                return json_error(404, str(exc))
            answer = SearchAnswer(
                query=q,
                total=results.total,
                near=results.near,
                limit=limit,
                offset=offset,
                hits=[HitInfo(**asdict(h)) for h in results.hits],
            )
            return JSONResponse(answer.model_dump())

        self.add_api_route(
            "/api/search",
            api_search,
            methods=["GET"],
            summary="Search labels, quotes and sentences",
            response_model=SearchAnswer,
        )

        async def page(request: Request, q: str = "", offset: int = Query(0, ge=0)) -> Response:
            """The search page: the box, then the hits as links."""
            results: Results | None = None
            problem = None
            if q.strip():
                try:
                    results = await asyncio.to_thread(run, q, PAGE_SIZE, offset)
                except SearchError as exc:
                    problem = str(exc)
            return html_page(
                "search.html",
                title=f"Search: {q}" if q.strip() else "Search",
                q=q,
                results=results,
                problem=problem,
                offset=offset,
                page_size=PAGE_SIZE,
            )

        self.add_api_route("/search", page, methods=["GET"], include_in_schema=False)
