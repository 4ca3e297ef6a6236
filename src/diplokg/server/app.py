"""The public SPARQL endpoint: the web app factory, /sparql and /health.

The /sparql route is `diplokg.server.endpoint`'s protocol handler (the service description,
the Host header, hang-ups) over `diplokg.server.engine.QueryEngine`; this module assembles the
app: its routers, CORS, request ids and timing. What every answer of the app gets, whatever
its route (HEAD, `If-None-Match`, relative redirects, safety headers), is
`diplokg.server.middleware`'s; who the client is, for its budget,
`diplokg.server.budget.ClientKey`'s.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from diplokg.config import Settings
from diplokg.dataset import served_file
from diplokg.namespaces import GRAPH_DRAFT
from diplokg.server.budget import ClientKey
from diplokg.server.endpoint import (
    DESCRIPTION,
    SPARQL_PATH,
    TITLE,
    ServiceDescription,
    sparql_handler,
)
from diplokg.server.engine import QueryEngine
from diplokg.server.middleware import DRAFTS_HEADER, DraftsFlag, HttpSemantics

if TYPE_CHECKING:
    # The web stack is imported once the engine's workers are starting, so that `diplokg
    # serve` loads both at the same time (see create_app).
    from fastapi import APIRouter, FastAPI
    from starlette.requests import Request
    from starlette.responses import Response

log = logging.getLogger("diplokg.endpoint")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

__all__ = ["SPARQL_PATH", "RequestLog", "create_app"]


# --------------------------------------------------------------------------------------------
# Request id, timing, catch-all 500
# --------------------------------------------------------------------------------------------


class RequestLog:
    """Pure ASGI middleware: one log line per request with its timing, and a request id.

    Any exception escaping the app becomes a 500 that names the request id and nothing
    else; the traceback goes to the server log under the same id.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status = 0
        size = 0

        async def send_wrapper(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            if type(exc).__name__ == "ClientDisconnect":  # the client left mid-body
                status = status or 499
                return
            log.exception("request %s failed", rid)
            if status == 0:
                body = f"internal error; request id {rid}\n".encode()
                await send_wrapper(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8")],
                    }
                )
                await send_wrapper({"type": "http.response.body", "body": body})
        finally:
            ms = (time.perf_counter() - started) * 1000
            log.info(
                "%s %s %d %dB %.1fms id=%s",
                scope.get("method"),
                scope.get("path"),
                status,
                size,
                ms,
                rid,
            )


# --------------------------------------------------------------------------------------------
# App factory and CLI
# --------------------------------------------------------------------------------------------


def _default_data(settings: Settings) -> Path:
    """The built dataset's file the server loads: its RDF 1.2 dump (the same quads plus the
    statements' `rdf:reifies <<( s p o )>>`) when the build wrote one, else dataset.nq."""
    from diplokg.build import ensure_built  # the build wing loads only when no file is given

    return served_file(ensure_built(settings).parent)


def _sparql_router(engine: QueryEngine, settings: Settings) -> APIRouter:
    """/sparql (SPARQL 1.1 Protocol and service description) and /health.

    Built in a function rather than declared as a class so that this module imports FastAPI
    only once the engine's workers are starting (see create_app).
    """
    from fastapi import APIRouter
    from starlette.responses import JSONResponse

    router = APIRouter()
    sd = ServiceDescription(engine.graph_sizes)
    # Every method reaches the handler, so that the wrong ones get the protocol's 405 message.
    router.add_route(
        SPARQL_PATH,
        sparql_handler(engine, settings, SPARQL_PATH, sd),
        methods=["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"],
        include_in_schema=False,
    )

    async def health(request: Request) -> Response:
        # 503 when degraded, so that an orchestrator restarts a server that cannot repair itself
        report = engine.health()
        return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)

    router.add_route("/health", health, methods=["GET"], include_in_schema=False)
    return router


def create_app(settings: Settings, data: Path | None = None) -> FastAPI:
    """The web app: the SPARQL, REST and pages routers, the static files, CORS, request log."""
    path = Path(data) if data is not None else _default_data(settings)
    engine = QueryEngine.from_file(path, settings)  # workers start in the background
    import rdflib.plugins.sparql
    from fastapi import FastAPI
    from fastapi.staticfiles import StaticFiles
    from starlette.middleware.cors import CORSMiddleware

    from diplokg.server.docs import DocsRouter
    from diplokg.server.pages import PagesRouter, not_found_handler, static_dir
    from diplokg.server.rest import CannedQueryRouter

    # Queries never reach rdflib here, but pages built with rdflib in this process must not
    # fetch FROM <url> or read FROM <file:...> either.
    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine.start()
        try:
            yield
        finally:
            engine.close()

    # /docs and /redoc are ours (diplokg.server.docs): FastAPI's load their scripts from a CDN.
    app = FastAPI(
        title=TITLE, description=DESCRIPTION, lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.state.engine = engine
    app.state.settings = settings
    app.state.data_path = path
    app.include_router(_sparql_router(engine, settings))
    app.mount("/static", StaticFiles(directory=static_dir()), name="static")
    # The canned queries are parsed here: a malformed one stops the server at start-up.
    app.include_router(CannedQueryRouter(engine, settings))
    app.include_router(PagesRouter(engine, settings))
    app.include_router(DocsRouter())
    # Issue 15: the annotated text, search, kept versions and permalinks.
    from diplokg.server.citable import citable_routers

    for router in citable_routers(engine, settings, path):
        app.include_router(router)
    # Issue 13: the event table.
    from diplokg.server.events import EventsRouter

    app.include_router(EventsRouter(engine))
    app.add_exception_handler(404, not_found_handler)
    # a parameter missing or out of bounds: one line, as every other error of the API
    from fastapi.exceptions import RequestValidationError

    from diplokg.server.responses import validation_error

    app.add_exception_handler(RequestValidationError, validation_error)

    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=False,
        allow_methods=["GET", "POST"],
        allow_headers=["Accept", "Content-Type", "If-None-Match"],
        expose_headers=[
            "ETag",
            "X-Request-Id",
            "X-Diplokg-Truncated",
            "Retry-After",
            DRAFTS_HEADER,
        ],
        max_age=600,
    )
    app.add_middleware(ClientKey, trusted_proxies=settings.trusted_proxies)
    app.add_middleware(HttpSemantics)
    # served with drafts (build --include-drafts): every answer says so
    drafts = str(GRAPH_DRAFT)
    app.add_middleware(DraftsFlag, graph=drafts, holds_drafts=lambda: drafts in engine.graph_sizes)
    app.add_middleware(RequestLog)
    return app
