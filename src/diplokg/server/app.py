"""The public SPARQL endpoint: the web app factory, /sparql and /health.

The /sparql route is `diplokg.server.endpoint`'s protocol handler (the service description,
the Host header, hang-ups) over `diplokg.server.engine.QueryEngine`; this module assembles the
app: its routers, CORS, request ids and timing. What every answer of the app gets, whatever
its route (HEAD, `If-None-Match`, relative redirects, safety headers), is
`diplokg.server.middleware`'s; who the client is, for its budget,
`diplokg.server.budget.ClientKey`'s.

The app answers /sparql and /health from the moment the server listens; the FastAPI app with
every other route (the REST API, pages, documents, search, versions, events) is assembled in a
thread as the server starts, because importing FastAPI and pydantic and building the routes
takes longer than everything the first answer needs. A request for one of those routes waits
until it is ready (a few hundred milliseconds after start); the middleware is the same for all.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from diplokg.config import Settings
from diplokg.dataset import served_file
from diplokg.namespaces import DRAFT_GRAPH_NAME, PREFIXES
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
    from fastapi import APIRouter, FastAPI
    from starlette.requests import Request
    from starlette.responses import Response

    from diplokg.server.rendering import Route

log = logging.getLogger("diplokg.endpoint")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Handler = Callable[["Request"], Awaitable["Response"]]

__all__ = ["SPARQL_PATH", "DiplokgApp", "RequestLog", "assemble", "create_app"]


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
# The app: /sparql and /health at once, the rest assembled in a thread
# --------------------------------------------------------------------------------------------


def _default_data(settings: Settings) -> Path:
    """The built dataset's file the server loads: its RDF 1.2 dump (the same quads plus the
    statements' `rdf:reifies <<( s p o )>>`) when the build wrote one, else dataset.nq."""
    from diplokg.build import ensure_built  # loads the build wing only when a build is due

    return served_file(ensure_built(settings).parent)


def _internal_error(request: Request, exc: Exception) -> Response:
    """What a route of the FastAPI app answers for an exception it did not handle: the
    request id only (`RequestLog` logs the traceback under it)."""
    from starlette.responses import PlainTextResponse

    rid = request.scope.get("state", {}).get("request_id", "-")
    return PlainTextResponse(f"internal error; request id {rid}\n", status_code=500)


def _health(engine: QueryEngine) -> Handler:
    from starlette.responses import JSONResponse

    async def health(request: Request) -> Response:
        # 503 when degraded, so that an orchestrator restarts a server that cannot repair itself
        report = engine.health()
        return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)

    return health


def _sparql_router(
    engine: QueryEngine, settings: Settings, routes: dict[str, Handler]
) -> APIRouter:
    """/sparql (SPARQL 1.1 Protocol and service description) and /health, as routes of the
    FastAPI app too (for the paths that are not exactly theirs: HEAD, trailing slashes)."""
    from fastapi import APIRouter

    router = APIRouter()
    # Every method reaches the handler, so that the wrong ones get the protocol's 405 message.
    router.add_route(
        SPARQL_PATH,
        routes[SPARQL_PATH],
        methods=["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"],
        include_in_schema=False,
    )
    router.add_route("/health", routes["/health"], methods=["GET"], include_in_schema=False)
    return router


def assemble(
    engine: QueryEngine, settings: Settings, path: Path, routes: dict[str, Handler]
) -> FastAPI:
    """The FastAPI app of every route (the SPARQL and health `routes` among them), without
    the middleware `DiplokgApp` puts around it."""
    import rdflib.plugins.sparql
    from fastapi import FastAPI
    from fastapi.staticfiles import StaticFiles

    from diplokg.server.citable import citable_routers
    from diplokg.server.docs import DocsRouter
    from diplokg.server.events import EventsRouter
    from diplokg.server.pages import PagesRouter, not_found_handler, static_dir
    from diplokg.server.rendering import PageCache
    from diplokg.server.rest import CannedQueryRouter

    # Queries never reach rdflib here, but pages built with rdflib in this process must not
    # fetch FROM <url> or read FROM <file:...> either.
    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False

    # /docs and /redoc are ours (diplokg.server.docs): FastAPI's load their scripts from a CDN.
    app = FastAPI(title=TITLE, description=DESCRIPTION, docs_url=None, redoc_url=None)
    app.state.engine = engine
    app.state.settings = settings
    app.state.data_path = path
    app.include_router(_sparql_router(engine, settings, routes))
    app.mount("/static", StaticFiles(directory=static_dir()), name="static")
    app.include_router(CannedQueryRouter(engine, settings))
    app.include_router(PagesRouter(engine, settings))
    app.include_router(DocsRouter())
    # Issue 15: the annotated text, search, kept versions and permalinks.
    for router in citable_routers(engine, settings, path):
        app.include_router(router)
    # Issue 13: the event table.
    app.include_router(EventsRouter(engine))
    app.add_exception_handler(404, not_found_handler)
    # a parameter missing or out of bounds: one line, as every other error of the API
    from fastapi.exceptions import RequestValidationError

    from diplokg.server.responses import validation_error

    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, _internal_error)
    # Pages built once per what they depend on, off the event loop (diplokg.server.rendering).
    app.add_middleware(PageCache, engine=engine, settings=settings, routes=_cached_pages())
    return app


def _cached_pages() -> tuple[Route, ...]:
    """The routes whose answers `PageCache` keeps: path, parameters read, formats offered."""
    from diplokg.server.documents import JSONLD, TEXT
    from diplokg.server.pages import RDF_OFFERS
    from diplokg.server.rendering import Route
    from diplokg.server.responses import HTML

    return (
        Route(re.compile(r"/document/"), (), (HTML,)),
        Route(re.compile(r"/document/.+"), (), (HTML, JSONLD, TEXT)),
        # a resource page's labels are in the language of ?lang=, else of Accept-Language
        Route(re.compile(r"/resource/.+"), ("lang",), (HTML, *RDF_OFFERS), ("accept-language",)),
        Route(re.compile(r"/ontology"), (), (HTML, *RDF_OFFERS)),
        # the event table's format is ?format=, else negotiated from Accept (406 for none)
        Route(re.compile(r"/api/events"), ("format",), None, ("accept",)),
    )


class _Lifespan:
    """Runs an ASGI app's lifespan (its routers' start-up and shutdown) from outside."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        self._outbox: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        await self._app(scope, self._inbox.get, self._outbox.put)

    async def _step(self, message: str) -> None:
        await self._inbox.put({"type": f"lifespan.{message}"})
        reply = await self._outbox.get()
        if reply["type"] != f"lifespan.{message}.complete":
            raise RuntimeError(f"the app's {message} failed: {reply.get('message', '')}")

    async def startup(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())
        await self._step("startup")

    async def shutdown(self) -> None:
        if self._task is not None and not self._task.done():
            await self._step("shutdown")
            await self._task


class DiplokgApp:
    """The ASGI app of `diplokg serve`: request log, HTTP semantics, client key and CORS
    around /sparql and /health, and around the FastAPI app of every other route, which
    `assemble` builds in a thread when the server starts (or on the first request for it)."""

    def __init__(self, engine: QueryEngine, settings: Settings, path: Path) -> None:
        from starlette.middleware.cors import CORSMiddleware
        from starlette.requests import Request

        self.state = SimpleNamespace(engine=engine, settings=settings, data_path=path)
        sd = ServiceDescription(engine.graph_sizes)
        self._routes: dict[str, Handler] = {
            SPARQL_PATH: sparql_handler(engine, settings, SPARQL_PATH, sd),
            "/health": _health(engine),
        }
        self._request = Request
        self._full: FastAPI | None = None
        self._assembling: asyncio.Future[FastAPI] | None = None
        self._lifespan: _Lifespan | None = None
        cors = CORSMiddleware(
            self._dispatch,
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
        semantics = HttpSemantics(ClientKey(cors, trusted_proxies=settings.trusted_proxies))
        # served with drafts (build --include-drafts): every answer says so
        drafts = PREFIXES["graph"] + DRAFT_GRAPH_NAME
        flagged = DraftsFlag(
            semantics, graph=drafts, holds_drafts=lambda: drafts in engine.graph_sizes
        )
        self._stack = RequestLog(flagged)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._serve_lifespan(receive, send)
        else:
            await self._stack(scope, receive, send)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = self._routes.get(scope["path"]) if scope["type"] == "http" else None
        if handler is not None and (scope["path"] != "/health" or scope["method"] == "GET"):
            response = await handler(self._request(scope, receive))
            await response(scope, receive, send)
            return
        app = self._full or await self.full_app()
        await app(scope, receive, send)

    def _start_assembling(self) -> asyncio.Future[FastAPI]:
        if self._assembling is None:
            loop = asyncio.get_running_loop()
            engine, settings, path = self.state.engine, self.state.settings, self.state.data_path
            self._assembling = loop.run_in_executor(
                None, assemble, engine, settings, path, self._routes
            )
        return self._assembling

    async def full_app(self) -> FastAPI:
        """The FastAPI app of every route, its routers started; assembled now if need be."""
        if self._full is None:
            app = await asyncio.shield(self._start_assembling())
            if self._full is None:  # the first to get here starts its routers
                lifespan = _Lifespan(app)
                await lifespan.startup()
                self._lifespan, self._full = lifespan, app
                if getattr(self.state, "freeze_gc", False):
                    # What the server made to start (its web stack, rdflib, the ontology)
                    # lives as long as it does: out of the collector's sight, a full
                    # collection looks at what requests left, not at all of it (40 ms
                    # otherwise, measured for issue 16). Set by `diplokg serve` only: a
                    # process that serves apps and drops them (the tests) would keep them.
                    gc.freeze()
        return self._full

    async def _serve_lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.state.engine.start()
                self._start_assembling()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._lifespan is not None:
                    with contextlib.suppress(Exception):
                        await self._lifespan.shutdown()
                self.state.engine.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_app(
    settings: Settings, data: Path | None = None, *, fork_first: bool = False
) -> DiplokgApp:
    """The web app serving `data` (default: the built dataset): the SPARQL, REST and pages
    routers, the static files, CORS, request log. The engine's first workers start now, in a
    thread (`fork_first`: the first forked from this process, which has a single thread); a
    malformed canned query stops here, with a message naming the file."""
    from diplokg.queries import load_catalogue

    path = Path(data) if data is not None else _default_data(settings)
    engine = QueryEngine.from_file(path, settings, fork_first=fork_first)
    # Checked now, so that a malformed query stops the server; read from the build's record
    # (no YAML, no SPARQL parsing) when the files are those the build checked.
    load_catalogue(settings.queries_dir, record=engine.catalogue_record)
    return DiplokgApp(engine, settings, path)
