"""The public SPARQL endpoint: the web app factory, /sparql and /health.

The /sparql route speaks the SPARQL 1.1 Protocol (see `diplokg.protocol`) and hands queries
to `diplokg.server.engine.QueryEngine`; this module only adds HTTP concerns: the service
description, CORS, request ids and timing, the Host header, and hang-ups. What every answer
of the app gets, whatever its route (HEAD, `If-None-Match`, relative redirects, safety
headers), is `diplokg.server.middleware`'s; who the client is, for its budget,
`diplokg.server.budget.ClientKey`'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from diplokg.config import Settings
from diplokg.formats import GRAPH_FORMATS, NQUADS, NTRIPLES, TRIG, TURTLE, by_key
from diplokg.protocol import QueryRejected, negotiate, parse_request
from diplokg.server.budget import ClientKey
from diplokg.server.engine import QueryEngine
from diplokg.server.middleware import HttpSemantics

if TYPE_CHECKING:
    # The web stack is imported once the engine's workers are starting, so that `diplokg
    # serve` loads both at the same time (see create_app).
    import rdflib
    from fastapi import APIRouter, FastAPI
    from starlette.requests import Request
    from starlette.responses import Response

log = logging.getLogger("diplokg.endpoint")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SPARQL_PATH = "/sparql"
TITLE = "diplokg SPARQL endpoint"
DESCRIPTION = (
    "France–Kazakhstan diplomatic relations, from the French Foreign Ministry's 2015 page; "
    "every fact tied to its source sentence. Read-only."
)


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
# Service description
# --------------------------------------------------------------------------------------------


class ServiceDescription:
    """The SPARQL Service Description, built by rdflib-endpoint and corrected for this server.

    rdflib-endpoint's `SparqlRouter.prepare_sd_graph` writes the labels, formats and dataset
    shape; we give it our named graphs and their sizes, then drop what would be false here
    (federated query, update input formats) and add the formats we serve. `sd:endpoint` is
    set per request to the address the client used.
    """

    _PLACEHOLDER = "urn:diplokg:endpoint"

    def __init__(self, graph_sizes: dict[str, int]) -> None:
        self._graph_sizes = graph_sizes
        self._template: rdflib.Graph | None = None
        self._rendered: dict[tuple[Any, ...], bytes] = {}

    def _build(self) -> rdflib.Graph:
        from rdflib import RDF, BNode, Dataset, Graph, Literal, URIRef
        from rdflib.namespace import VOID
        from rdflib_endpoint.sparql_router import SparqlRouter
        from rdflib_endpoint.utils import FORMATS

        from diplokg.namespaces import SD

        sd = Graph()
        service = BNode()
        sd.add((service, SD.endpoint, URIRef(self._PLACEHOLDER)))
        sd.add((service, SD.feature, SD.UnionDefaultGraph))
        dataset = BNode()
        sd.add((service, SD.defaultDataset, dataset))
        sd.add((dataset, RDF.type, SD.Dataset))
        default_graph = BNode()
        sd.add((dataset, SD.defaultGraph, default_graph))
        sd.add((default_graph, RDF.type, SD.Graph))
        sd.add((default_graph, VOID.triples, Literal(sum(self._graph_sizes.values()))))
        for name, size in sorted(self._graph_sizes.items()):
            named, graph = BNode(), BNode()
            sd.add((dataset, SD.namedGraph, named))
            sd.add((named, RDF.type, SD.NamedGraph))
            sd.add((named, SD.name, URIRef(name)))
            sd.add((named, SD.graph, graph))
            sd.add((graph, RDF.type, SD.Graph))
            sd.add((graph, VOID.triples, Literal(size)))
        SparqlRouter(
            graph=Dataset(default_union=True),
            service_description=sd,
            title=TITLE,
            description=DESCRIPTION,
            public_url=self._PLACEHOLDER,
        )
        # Refused here: SERVICE and every input (update) format.
        sd.remove((service, SD.feature, SD.BasicFederatedQuery))
        sd.remove((service, SD.inputFormat, None))
        for fmt in (
            FORMATS.SPARQL_Results_XML,
            FORMATS.SPARQL_Results_TSV,
            FORMATS.N_Triples,
            FORMATS["JSON-LD"],
            FORMATS.TriG,
            FORMATS.N_Quads,
        ):
            sd.add((service, SD.resultFormat, fmt))
        return sd

    def _render(self, fmt_key: str) -> bytes:
        if self._template is None:
            self._template = self._build()
        fmt = by_key(fmt_key)
        if fmt is NQUADS:  # one triple a line, in the default graph
            fmt = NTRIPLES
        elif fmt is TRIG:  # a Turtle document is a TriG document of its default graph
            fmt = TURTLE
        return self._template.serialize(format=fmt.rdflib, encoding="utf-8")

    async def render(self, endpoint_url: str, fmt_key: str) -> bytes:
        """The description in `fmt_key` naming `endpoint_url` (a checked absolute IRI)."""
        key = (fmt_key, tuple(sorted(self._graph_sizes.items())))
        body = self._rendered.get(key)
        if body is None:  # rdflib takes milliseconds: never on the event loop
            body = await asyncio.to_thread(self._render, fmt_key)
            self._rendered[key] = body
        # The placeholder is an absolute IRI in every syntax; the endpoint has no character
        # that any of them escapes (see _endpoint_url).
        return body.replace(self._PLACEHOLDER.encode(), endpoint_url.encode())


# --------------------------------------------------------------------------------------------
# /sparql
# --------------------------------------------------------------------------------------------


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise QueryRejected(413, f"the request body is larger than {limit} bytes")
    from starlette.requests import ClientDisconnect

    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise QueryRejected(413, f"the request body is larger than {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect:
        raise QueryRejected(499, "the client hung up before sending the whole body") from None
    return b"".join(chunks)


async def _until_disconnect(request: Request) -> None:
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


_HOST = re.compile(r"(?:[A-Za-z0-9._~\-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


def _endpoint_url(request: Request, settings: Settings) -> str:
    """`--public-url`, else the address the client used; 400 when its Host is not a host."""
    if settings.public_url:
        return settings.public_url.rstrip("/") + SPARQL_PATH
    host = request.headers.get("host", "")
    if not _HOST.fullmatch(host):
        raise QueryRejected(400, "the Host header is not a host name or address")
    return f"{request.url.scheme}://{host}{SPARQL_PATH}"


def _prefers_html(accept: str | None) -> bool:
    if not accept:
        return False
    first = accept.split(",")[0].split(";")[0].strip().lower()
    return first in ("text/html", "application/xhtml+xml")


def _sparql_handler(
    engine: QueryEngine, settings: Settings, sd: ServiceDescription
) -> Callable[[Request], Awaitable[Response]]:
    from starlette.responses import RedirectResponse, Response

    from diplokg.server.responses import answer, protocol_error

    # A POST form body percent-encodes the query: up to three bytes per byte of query text.
    body_limit = 3 * settings.max_query_bytes + 4096

    async def sparql(request: Request) -> Response:
        try:
            body = b""
            if request.method == "POST":
                body = await _read_body(request, body_limit)
            req = parse_request(
                "GET" if request.method == "HEAD" else request.method,
                request.scope.get("query_string", b""),
                request.headers.get("content-type"),
                body,
            )
            accept = request.headers.get("accept")
            url = _endpoint_url(request, settings)
            if req.query is None:
                if _prefers_html(accept):
                    return RedirectResponse("/", status_code=303)
                fmt = negotiate(accept, GRAPH_FORMATS)
                headers = {"Vary": "Accept"} if settings.public_url else {"Vary": "Accept, Host"}
                return Response(
                    await sd.render(url, fmt.key), media_type=fmt.media_type, headers=headers
                )
            run = asyncio.ensure_future(
                engine.execute(
                    req.query,
                    accept=accept,
                    default_graph_uris=req.default_graph_uris,
                    named_graph_uris=req.named_graph_uris,
                    base_iri=url,
                )
            )
            await asyncio.sleep(0)  # a cached answer is ready now; no watcher needed
            if not run.done():
                watch = asyncio.ensure_future(_until_disconnect(request))
                try:
                    await asyncio.wait({run, watch}, return_when=asyncio.FIRST_COMPLETED)
                except asyncio.CancelledError:  # the server is stopping
                    run.cancel()
                    raise
                finally:
                    watch.cancel()
                if not run.done():  # the client hung up: stop its query
                    run.cancel()
                    with contextlib.suppress(asyncio.CancelledError, QueryRejected):
                        await run
                    return Response(status_code=499)
            return answer(run.result(), request)
        except QueryRejected as exc:
            return protocol_error(exc)

    return sparql


# --------------------------------------------------------------------------------------------
# App factory and CLI
# --------------------------------------------------------------------------------------------


def _default_data(settings: Settings) -> Path:
    from diplokg.build import ensure_built  # the build wing loads only when no file is given

    return ensure_built(settings)


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
        _sparql_handler(engine, settings, sd),
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
    app.add_exception_handler(404, not_found_handler)

    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=False,
        allow_methods=["GET", "POST"],
        allow_headers=["Accept", "Content-Type", "If-None-Match"],
        expose_headers=["ETag", "X-Request-Id", "X-Diplokg-Truncated", "Retry-After"],
        max_age=600,
    )
    app.add_middleware(ClientKey, trusted_proxies=settings.trusted_proxies)
    app.add_middleware(HttpSemantics)
    app.add_middleware(RequestLog)
    return app
