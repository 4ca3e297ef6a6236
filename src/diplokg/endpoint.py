"""The public SPARQL endpoint: the web app factory and `diplokg serve`.

The /sparql route speaks the SPARQL 1.1 Protocol (see `diplokg.protocol`) and hands queries
to `diplokg.engine.QueryEngine`; this module only adds HTTP concerns: the service
description, CORS, request ids and timing, revalidation with ETag, and hang-ups.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import importlib
import importlib.util
import logging
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from diplokg.config import Settings
from diplokg.engine import QueryEngine, QueryResult
from diplokg.errors import DiplokgError
from diplokg.namespaces import GRAPH_DRAFT
from diplokg.protocol import GRAPH_FORMATS, QueryRejected, negotiate, parse_request

if TYPE_CHECKING:
    # The web stack is imported once the engine's workers are starting, so that `diplokg
    # serve` loads both at the same time (see create_app).
    import rdflib
    from fastapi import FastAPI
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
_RDFLIB_FORMATS = {
    "turtle": "turtle",
    "ntriples": "nt",
    "jsonld": "json-ld",
    "rdfxml": "xml",
    "trig": "trig",
    "nquads": "nquads",
}


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
        except Exception:
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
        self._rendered: dict[tuple[str, str], bytes] = {}

    def _build(self) -> rdflib.Graph:
        from rdflib import RDF, BNode, Dataset, Graph, Literal, URIRef
        from rdflib.namespace import VOID
        from rdflib_endpoint.sparql_router import FORMATS, SparqlRouter

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

    def render(self, endpoint_url: str, fmt_key: str) -> bytes:
        key = (endpoint_url, fmt_key)
        hit = self._rendered.get(key)
        if hit is not None:
            return hit
        from rdflib import Graph, URIRef

        from diplokg.namespaces import SD

        if self._template is None:
            self._template = self._build()
        g = Graph()
        for prefix, ns in self._template.namespaces():
            g.bind(prefix, ns)
        placeholder = URIRef(self._PLACEHOLDER)
        for s, p, o in self._template:
            g.add((s, p, URIRef(endpoint_url) if (p == SD.endpoint and o == placeholder) else o))
        body = g.serialize(format=_RDFLIB_FORMATS[fmt_key], encoding="utf-8")
        if len(self._rendered) < 32:  # one entry per address and format seen
            self._rendered[key] = body
        return body


# --------------------------------------------------------------------------------------------
# /sparql
# --------------------------------------------------------------------------------------------


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise QueryRejected(413, f"the request body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise QueryRejected(413, f"the request body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _until_disconnect(request: Request) -> None:
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


def _endpoint_url(request: Request, settings: Settings) -> str:
    if settings.public_url:
        return settings.public_url.rstrip("/") + SPARQL_PATH
    return str(request.url.replace(query="", fragment=""))


def _error(exc: QueryRejected) -> Response:
    from starlette.responses import PlainTextResponse

    return PlainTextResponse(exc.message + "\n", status_code=exc.status, headers=exc.headers)


def _answer(result: QueryResult, request: Request) -> Response:
    from starlette.responses import Response

    etag = result.etag
    if etag and etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=result.headers)
    return Response(
        result.body, status_code=result.status, media_type=result.media_type, headers=result.headers
    )


def _prefers_html(accept: str | None) -> bool:
    if not accept:
        return False
    first = accept.split(",")[0].split(";")[0].strip().lower()
    return first in ("text/html", "application/xhtml+xml")


def _sparql_handler(
    engine: QueryEngine, settings: Settings, sd: ServiceDescription
) -> Callable[[Request], Awaitable[Response]]:
    from starlette.responses import RedirectResponse, Response

    # A POST form body percent-encodes the query: up to three bytes per byte of query text.
    body_limit = 3 * settings.max_query_bytes + 4096

    async def sparql(request: Request) -> Response:
        try:
            body = b""
            if request.method == "POST":
                body = await _read_body(request, body_limit)
            req = parse_request(
                request.method,
                request.scope.get("query_string", b""),
                request.headers.get("content-type"),
                body,
            )
            url = _endpoint_url(request, settings)
            accept = request.headers.get("accept")
            if req.query is None:
                if _prefers_html(accept):
                    return RedirectResponse("/", status_code=303)
                fmt = negotiate(accept, GRAPH_FORMATS)
                return Response(sd.render(url, fmt.key), media_type=fmt.media_type)
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
            return _answer(run.result(), request)
        except QueryRejected as exc:
            return _error(exc)

    return sparql


# --------------------------------------------------------------------------------------------
# App factory and CLI
# --------------------------------------------------------------------------------------------


def _default_data(settings: Settings) -> Path:
    if importlib.util.find_spec("diplokg.dataset") is None:
        raise DiplokgError("no built dataset yet: pass --data FILE (TriG, N-Quads, Turtle)")
    dataset = importlib.import_module("diplokg.dataset")
    return Path(dataset.ensure_built(settings))


def create_app(settings: Settings, data: Path | None = None) -> FastAPI:
    """Build the web app: /sparql, /health, CORS, request log, then the web helper's pages."""
    path = Path(data) if data is not None else _default_data(settings)
    engine = QueryEngine.from_file(path, settings)  # workers start in the background
    import rdflib.plugins.sparql
    from fastapi import FastAPI
    from starlette.middleware.cors import CORSMiddleware
    from starlette.responses import JSONResponse

    # Queries never reach rdflib here, but pages built with rdflib in this process must not
    # fetch FROM <url> or read FROM <file:...> either.
    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False
    sd = ServiceDescription(engine.graph_sizes)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            engine.close()

    app = FastAPI(title=TITLE, description=DESCRIPTION, lifespan=lifespan)
    app.state.engine = engine
    app.state.settings = settings
    app.state.data_path = path
    # Every method reaches the handler, so that the wrong ones get the protocol's 405 message.
    app.add_route(
        SPARQL_PATH,
        _sparql_handler(engine, settings, sd),
        methods=["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"],
        include_in_schema=False,
    )

    async def health(request: Request) -> Response:
        return JSONResponse(
            {
                "status": "ok",
                "graphs": len(engine.named_graphs),
                **engine.load(),
                "stats": engine.stats,
            }
        )

    app.add_route("/health", health, methods=["GET"], include_in_schema=False)

    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=False,
        allow_methods=["GET", "POST"],
        allow_headers=["Accept", "Content-Type", "If-None-Match"],
        expose_headers=["ETag", "X-Request-Id", "X-Diplokg-Truncated", "Retry-After"],
        max_age=600,
    )
    app.add_middleware(RequestLog)

    if importlib.util.find_spec("diplokg.web") is not None:
        importlib.import_module("diplokg.web").install(app, engine, settings)
    if str(GRAPH_DRAFT) in engine.named_graphs:  # served with --include-drafts
        from diplokg.draft.include import flag_drafts

        app.add_middleware(flag_drafts)
    return app


def cli_serve(args: argparse.Namespace) -> int:
    """`diplokg serve`: the endpoint on 127.0.0.1 unless --host says otherwise."""
    overrides: dict[str, Any] = {"host": args.host, "port": args.port}
    if getattr(args, "include_drafts", False):
        overrides["include_drafts"] = True
    if getattr(args, "timeout", None) is not None:
        overrides["query_timeout_s"] = args.timeout
    if getattr(args, "max_rows", None) is not None:
        overrides["max_result_rows"] = args.max_rows
    if getattr(args, "workers", None) is not None:
        overrides["workers"] = args.workers
    if getattr(args, "max_pending", None) is not None:
        overrides["max_pending"] = args.max_pending
    settings = dataclasses.replace(Settings(), **overrides)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = create_app(settings, Path(args.data) if args.data else None)
    print(
        f"diplokg: serving {app.state.data_path} at http://{args.host}:{args.port}{SPARQL_PATH}",
        file=sys.stderr,
        flush=True,
    )
    import uvicorn

    uvicorn.run(app, host=args.host, port=args.port, access_log=False, log_level="warning")
    return 0
