"""The event table on the web: `GET /api/events?format=json|csv|plover-jsonl`.

The table is `diplokg.events`' (one row per coded direction of an interaction event), read from
the served dataset through the query engine, so that it is the table `kg.events()` and
`diplokg events` give for the same build.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from diplokg.events import Row, by_key, records_async, render
from diplokg.formats import EVENT_FORMATS
from diplokg.protocol import QueryRejected, negotiate
from diplokg.server.responses import JSON, json_error

if TYPE_CHECKING:
    from diplokg.server.engine import QueryEngine

__all__ = ["EventsRouter"]


class EventsRouter(APIRouter):
    """`/api/events`: the event table as JSON rows (the CSV's columns), CSV or PLOVER JSONL."""

    def __init__(self, engine: QueryEngine) -> None:
        super().__init__(tags=["events"])
        formats = (JSON, *EVENT_FORMATS)
        offered = tuple(f.key for f in formats)

        async def select(text: str) -> list[Row]:
            rows = await engine.select(text)
            return [{name: str(term) for name, term in row.items()} for row in rows]

        async def events(request: Request) -> Response:
            """The event table: one row per coded direction of an interaction event, in the
            format of `format`, else of Accept (406 when it accepts none of them)."""
            key = request.query_params.get("format")
            if key is not None and key not in offered:
                return json_error(
                    400, f"parameter 'format': '{key}' is not one of {', '.join(offered)}"
                )
            try:
                if key is None:
                    key = negotiate(request.headers.get("accept"), formats).key
                rows = await records_async(select)
            except QueryRejected as exc:
                return json_error(exc.status, exc.message, exc.headers)
            if key == JSON.key:
                response: Response = JSONResponse([r.row() for r in rows])
            else:
                response = Response(render(rows, key), media_type=by_key(key).media_type)
            if "format" not in request.query_params:
                response.headers["Vary"] = "Accept"
            return response

        self.add_api_route(
            "/api/events",
            events,
            methods=["GET"],
            summary="The event table (CAMEO, PLOVER)",
            description=(
                "One row per coded direction of an interaction event, with the words of the "
                "page behind it. `format`: json (rows with the CSV's columns), csv or "
                "plover-jsonl; without it, by Accept (application/json, text/csv, "
                "application/x-ndjson)."
            ),
            response_class=Response,
            responses={
                200: {
                    "content": {
                        JSON.media_type: {},
                        **{f.media_type: {} for f in EVENT_FORMATS},
                    }
                },
                400: {"description": "an unknown format"},
                406: {"description": "none of the accepted media types is offered"},
            },
        )
