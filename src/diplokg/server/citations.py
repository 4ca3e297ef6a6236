"""Permalinks and "cite this": `POST /api/permalinks`, `GET /api/permalinks/{id}`, `/p/{id}`.

A permalink records a query and the data version it was asked of (`diplokg.permalinks`);
creating one keeps that version (`diplokg.versions.keep`), so `/p/{id}` answers it on the
same data for as long as the copy is kept: browsers get the editor with the query loaded
against `/v/{version}/sparql` and a "cite this" box, SPARQL clients the answer itself.

Recording runs the query once, through the engine of its version and so within its client's
budget, on a body read with the limit `/sparql` applies (`diplokg.server.endpoint.read_body`);
the absolute addresses it writes come from `--public-url` or a checked Host header.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field, ValidationError
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from diplokg.permalinks import (
    Permalink,
    Quota,
    QuotaExceeded,
    citation,
    load,
    normalise,
    record,
)
from diplokg.protocol import QueryRejected
from diplokg.server.budget import current_client
from diplokg.server.endpoint import host_vary, prefers_html, public_base, read_body
from diplokg.server.responses import answer, html_page, json_error, not_found, script_json
from diplokg.server.versions import UnknownVersion, VersionEngines
from diplokg.versions import keep

__all__ = ["CitationsRouter"]


class PermalinkRequest(BaseModel):
    query: str = Field(description="the SPARQL query text")
    version: str | None = Field(
        default=None, description="a data version id (default: the version served now)"
    )


class CitationInfo(BaseModel):
    bibtex: str
    text: str


class PermalinkInfo(BaseModel):
    id: str
    url: str
    query: str
    version: str
    version_iri: str
    created: str
    sparql: str = Field(description="the endpoint of that version")
    citation: CitationInfo


def permalink_info(permalink: Permalink, base: str, accessed: dt.date) -> PermalinkInfo:
    url = f"{base}/p/{permalink.id}"
    cited = citation(permalink, url, accessed)
    return PermalinkInfo(
        id=permalink.id,
        url=url,
        query=permalink.query,
        version=permalink.version,
        version_iri=permalink.version_iri,
        created=permalink.created,
        sparql=f"{base}/v/{permalink.version}/sparql",
        citation=CitationInfo(bibtex=cited.bibtex, text=cited.text),
    )


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


class CitationsRouter(APIRouter):
    """Record permalinks, describe them with their citation, answer them."""

    def __init__(self, engines: VersionEngines) -> None:
        super().__init__(tags=["permalinks"])
        settings = engines.settings
        directory = settings.permalinks_dir

        # A JSON body holds the query escaped: up to six bytes per byte of query text.
        body_limit = 6 * settings.max_query_bytes + 4096
        quota = Quota(settings.max_permalink_bytes, settings.max_permalinks_per_client_hour)

        async def create(request: Request) -> Response:
            """Record a query on a data version (the current one by default): a short link
            that gives the same answer for as long as that version is kept. The same query on
            the same version always gets the same link (201 the first time, then 200)."""
            try:
                base = public_base(request, settings)
                body = PermalinkRequest.model_validate_json(await read_body(request, body_limit))
            except QueryRejected as exc:
                return json_error(exc.status, exc.message)
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors()
                )
                return json_error(422, f"expected {{query, version?}} as JSON: {problems}")
            version = body.version or engines.current
            if version is None:
                return json_error(
                    409, "this server serves a file, not a built dataset: no version to cite"
                )
            query = normalise(body.query)
            try:
                # Only a query that runs on that version is recorded (its answer is cached).
                # It runs as the client's own query would: checked, limited, and charged to
                # the client's budget (the request's client key, see ClientKey).
                async with engines.use(version) as opened:
                    await opened.engine.execute(query)
            except UnknownVersion:
                return json_error(404, f"no version {version} is kept here")
            except QueryRejected as exc:
                return json_error(exc.status, exc.message, exc.headers)
            # Copying a version and writing a record touch the disk: off the event loop.
            if version == engines.current and engines.dist is not None:
                await asyncio.to_thread(keep, engines.dist, settings.versions_dir)
            try:
                permalink, new = await asyncio.to_thread(
                    record,
                    directory,
                    query,
                    version,
                    quota=quota,
                    client=current_client.get() or "",
                )
            except QuotaExceeded as exc:
                retry = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
                return json_error(exc.status, exc.message, retry)
            info = permalink_info(permalink, base, _today())
            return JSONResponse(
                info.model_dump(),
                status_code=201 if new else 200,
                headers={"Location": f"/p/{permalink.id}", **host_vary(settings)},
            )

        self.add_api_route(
            "/api/permalinks",
            create,
            methods=["POST"],
            summary="Record a permalink",
            response_model=PermalinkInfo,
            status_code=201,
            openapi_extra={
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": PermalinkRequest.model_json_schema()}
                    },
                }
            },
            responses={
                200: {"description": "recorded before: the same link"},
                400: {"description": "not a query this endpoint would run (the message says why)"},
                403: {"description": "an update: this endpoint is read-only"},
                404: {"description": "no such version kept"},
                409: {"description": "the server serves no built, versioned dataset"},
                413: {"description": "the body is larger than a query may be"},
                422: {"description": "not a JSON object with a string `query`"},
                429: {"description": "this client's new permalinks for the hour are made"},
                507: {"description": "the permalink store is full (existing links still work)"},
            },
        )

        async def describe(permalink_id: str, request: Request) -> Response:
            """A permalink: its query, version, creation date and suggested citations."""
            permalink = load(directory, permalink_id)
            if permalink is None:
                return json_error(404, f"no permalink {permalink_id}")
            try:
                base = public_base(request, settings)
            except QueryRejected as exc:
                return json_error(exc.status, exc.message)
            info = permalink_info(permalink, base, _today())
            return JSONResponse(info.model_dump(), headers=host_vary(settings))

        self.add_api_route(
            "/api/permalinks/{permalink_id}",
            describe,
            methods=["GET"],
            summary="Describe a permalink",
            response_model=PermalinkInfo,
        )

        async def resolve(permalink_id: str, request: Request) -> Response:
            """The query on its version: the editor for browsers, the answer for others
            (negotiated like /sparql: SPARQL results, or RDF for CONSTRUCT and DESCRIBE)."""
            permalink = load(directory, permalink_id)
            if permalink is None:
                return not_found(request, f"no permalink {permalink_id}")
            if not engines.known(permalink.version):
                return _gone(request, permalink)
            if prefers_html(request.headers.get("accept")):
                try:
                    return self._page(permalink, request, engines)
                except QueryRejected as exc:
                    return json_error(exc.status, exc.message)
            try:
                async with engines.use(permalink.version) as opened:
                    result = await opened.engine.execute(
                        permalink.query, accept=request.headers.get("accept")
                    )
            except UnknownVersion:
                return _gone(request, permalink)
            except QueryRejected as exc:
                return json_error(exc.status, exc.message, exc.headers)
            response = answer(result, request)
            response.headers["Link"] = f'</api/permalinks/{permalink.id}>; rel="describedby"'
            response.headers["Vary"] = "Accept"
            return response

        self.add_api_route(
            "/p/{permalink_id}",
            resolve,
            methods=["GET"],
            summary="Answer a permalink",
            response_class=Response,
        )

        async def cite_box(permalink_id: str, request: Request) -> Response:
            """The "cite this" box of a permalink, as an HTML fragment (for the editor)."""
            permalink = load(directory, permalink_id)
            if permalink is None:
                return not_found(request, f"no permalink {permalink_id}")
            try:
                base = public_base(request, settings)
            except QueryRejected as exc:
                return json_error(exc.status, exc.message)
            info = permalink_info(permalink, base, _today())
            return HTMLResponse(_cite_box(info, engines), headers=host_vary(settings, ""))

        self.add_api_route(
            "/p/{permalink_id}/cite", cite_box, methods=["GET"], include_in_schema=False
        )

    @staticmethod
    def _page(permalink: Permalink, request: Request, engines: VersionEngines) -> Response:
        info = permalink_info(permalink, public_base(request, engines.settings), _today())
        config = {
            "id": permalink.id,
            "endpoint": f"/v/{permalink.version}/sparql",
            "version": permalink.version,
            "query": permalink.query,
        }
        page = html_page(
            "permalink.html",
            title=f"Permalink {permalink.id}",
            page_class="editor permalink",
            info=info,
            current=permalink.version == engines.current,
            cite=_cite_box(info, engines),
            config=script_json(config),
        )
        page.headers.update(host_vary(engines.settings))
        return page


def _cite_box(info: PermalinkInfo, engines: VersionEngines) -> Any:
    from markupsafe import Markup

    from diplokg.server.responses import templates

    html = (
        templates()
        .get_template("cite_box.html")
        .render(info=info, current=info.version == engines.current, accessed=_today().isoformat())
    )
    return Markup(html)


def _gone(request: Request, permalink: Permalink) -> Response:
    message = (
        f"permalink {permalink.id} was recorded on version {permalink.version}, "
        "which is no longer kept on this server"
    )
    if "html" in request.headers.get("accept", ""):
        return html_page("not_found.html", title="Gone", status=410, message=message)
    return json_error(410, message)
