"""The SPARQL 1.1 Protocol over an engine: the handler of `/sparql`, and of `/v/{version}/sparql`.

`sparql_handler` speaks the protocol (see `diplokg.protocol`) for one engine at one path: the
service description, the request body read within its limit, the Host header, hang-ups, and
the answer through `diplokg.server.responses.answer` (so `If-None-Match` and HEAD behave as on
every route). `diplokg.server.app` mounts it at `/sparql`; `diplokg.server.versions` mounts
one per kept version, so that a kept version is queried through the same hardened path.

Other routes that read a body or write absolute addresses use `read_body` and `public_base`,
so that they keep the same limits and never trust an unchecked Host header.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from diplokg.config import Settings
from diplokg.formats import GRAPH_FORMATS, NQUADS, NTRIPLES, TRIG, TURTLE, by_key
from diplokg.protocol import QueryRejected, negotiate, parse_request
from diplokg.server.engine import QueryEngine

if TYPE_CHECKING:
    import rdflib
    from starlette.requests import Request
    from starlette.responses import Response

__all__ = [
    "DESCRIPTION",
    "SPARQL_PATH",
    "TITLE",
    "ServiceDescription",
    "endpoint_url",
    "host_vary",
    "prefers_html",
    "public_base",
    "read_body",
    "sparql_handler",
]

Handler = Callable[["Request"], Awaitable["Response"]]

SPARQL_PATH = "/sparql"
TITLE = "diplokg SPARQL endpoint"
DESCRIPTION = (
    "France–Kazakhstan diplomatic relations, from the French Foreign Ministry's 2015 page; "
    "every fact tied to its source sentence. Read-only."
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

        from diplokg.namespaces import DATASET_IRI, SD

        sd = Graph()
        service = BNode()
        sd.add((service, SD.endpoint, URIRef(self._PLACEHOLDER)))
        # the dataset's VoID description (/.well-known/void) names the same endpoint
        sd.add((DATASET_IRI, RDF.type, VOID.Dataset))
        sd.add((DATASET_IRI, VOID.sparqlEndpoint, URIRef(self._PLACEHOLDER)))
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
        # that any of them escapes (see public_base).
        return body.replace(self._PLACEHOLDER.encode(), endpoint_url.encode())


# --------------------------------------------------------------------------------------------
# What every route shares: the body within a limit, the address the client used
# --------------------------------------------------------------------------------------------


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 past `limit` bytes (declared or sent) and 499 when
    the client hangs up before sending it all."""
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


def public_base(request: Request, settings: Settings) -> str:
    """The server's address without a trailing slash: `--public-url`, else the scheme and the
    Host the client used; QueryRejected (400) when that Host is not a host name or address.

    An answer that writes it varies with the Host unless `--public-url` is set: give it the
    `host_vary` headers.
    """
    if settings.public_url:
        return settings.public_url.rstrip("/")
    host = request.headers.get("host", "")
    if not _HOST.fullmatch(host):
        raise QueryRejected(400, "the Host header is not a host name or address")
    # The scope's scheme is what `request.url.scheme` reads, without building the whole URL.
    return f"{request.scope.get('scheme', 'http')}://{host}"


def host_vary(settings: Settings, vary: str = "Accept") -> dict[str, str]:
    """The `Vary` header of an answer that names `public_base` and varies with `vary` (empty:
    nothing else): Host too, unless the public address is configured."""
    names = [vary] if vary else []
    if not settings.public_url:
        names.append("Host")
    return {"Vary": ", ".join(names)} if names else {}


def endpoint_url(request: Request, settings: Settings, path: str = SPARQL_PATH) -> str:
    """The absolute address of the endpoint at `path` (see `public_base`)."""
    return public_base(request, settings) + path


def prefers_html(accept: str | None) -> bool:
    """Whether the client's first choice is a web page (a browser)."""
    if not accept:
        return False
    first = accept.split(",")[0].split(";")[0].strip().lower()
    return first in ("text/html", "application/xhtml+xml")


# --------------------------------------------------------------------------------------------
# The protocol handler
# --------------------------------------------------------------------------------------------


def sparql_handler(
    engine: QueryEngine,
    settings: Settings,
    path: str = SPARQL_PATH,
    sd: ServiceDescription | None = None,
) -> Handler:
    """The SPARQL 1.1 Protocol endpoint of `engine`, served at `path` (every method reaches
    it, so that the wrong ones get the protocol's 405 message)."""
    from starlette.responses import RedirectResponse, Response

    from diplokg.server.responses import answer, protocol_error

    description = sd if sd is not None else ServiceDescription(engine.graph_sizes)
    # A POST form body percent-encodes the query: up to three bytes per byte of query text.
    body_limit = 3 * settings.max_query_bytes + 4096

    async def sparql(request: Request) -> Response:
        try:
            body = b""
            if request.method == "POST":
                body = await read_body(request, body_limit)
            req = parse_request(
                "GET" if request.method == "HEAD" else request.method,
                request.scope.get("query_string", b""),
                request.headers.get("content-type"),
                body,
            )
            accept = request.headers.get("accept")
            url = endpoint_url(request, settings, path)
            if req.query is None:
                if prefers_html(accept):
                    return RedirectResponse("/", status_code=303)
                fmt = negotiate(accept, GRAPH_FORMATS)
                return Response(
                    await description.render(url, fmt.key),
                    media_type=fmt.media_type,
                    headers=host_vary(settings),
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
