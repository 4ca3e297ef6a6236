"""The pages of the server: the offline editor, resources and the ontology, dumps and VoID.

`PagesRouter` serves the bundled Yasgui editor at `/` with one tab per canned query,
`/resource/{slug}` and `/ontology` with content negotiation (HTML or RDF), `/dumps/` and
`/.well-known/void`. Every query goes through the engine, which enforces the limits.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from fastapi import APIRouter
from rdflib import URIRef
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from diplokg.config import Settings
from diplokg.dataset import VOID_FILE, check_file
from diplokg.errors import DamagedDist
from diplokg.formats import GRAPH_FORMATS, JSON_LD, NTRIPLES, RDFXML, TURTLE, Format
from diplokg.namespaces import DKG, ONTOLOGY_IRI, RES, sparql_prefixes
from diplokg.protocol import QueryRejected, negotiate
from diplokg.queries import CannedQuery, load_catalogue
from diplokg.server import linked_data
from diplokg.server.responses import (
    HTML,
    JSON,
    answer,
    html_page,
    json_error,
    not_found,
    render,
    script_json,
)
from diplokg.terms import pick_label

if TYPE_CHECKING:
    from diplokg.server.engine import QueryEngine

__all__ = ["PagesRouter", "not_found_handler"]

# The RDF versions of a resource or of the ontology, each also at `{path}.{extension}`.
RESOURCE_FORMATS = (TURTLE, JSON_LD, NTRIPLES, RDFXML)
# The media type of a file of dist/ by its extension: the RDF dumps, build.json, the rest.
DUMP_MEDIA_TYPES = {
    **{f".{f.extension}": f.media_type for f in GRAPH_FORMATS},
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
}


def static_dir() -> Path:
    """The bundled editor (Yasgui), stylesheet and script, served under /static."""
    return Path(str(resources.files("diplokg.server") / "static"))


# --------------------------------------------------------------------------------------------
# The editor
# --------------------------------------------------------------------------------------------


# What a new tab of the editor starts with, after our PREFIX block.
NEW_TAB_QUERY = "SELECT * WHERE {\n  ?s ?p ?o .\n}\nLIMIT 25\n"


def editor_page(catalogue: dict[str, CannedQuery]) -> str:
    """The Yasgui page: bundled files only, one tab per canned query; a new tab starts with our
    prefixes declared, and result links to our IRIs open our own pages (`local`)."""
    queries = [{"name": q.name, "title": q.title, "query": q.source} for q in catalogue.values()]
    version = hashlib.sha256(json.dumps(queries, sort_keys=True).encode()).hexdigest()[:12]
    config = {
        "endpoint": "/sparql",
        "version": version,
        "queries": queries,
        "newTab": sparql_prefixes() + "\n" + NEW_TAB_QUERY,
        # IRI prefix -> local path prefix, longest first, as linked_data.local_path maps them
        "local": [
            {"iri": ONTOLOGY_IRI, "path": "/ontology", "exact": True},
            {"iri": str(RES), "path": "/resource/", "exact": False},
            {"iri": str(DKG), "path": "/ontology#", "exact": False},
        ],
    }
    return render(
        "editor.html", title="SPARQL editor", page_class="editor", config=script_json(config)
    )


# --------------------------------------------------------------------------------------------
# Linked data
# --------------------------------------------------------------------------------------------

# A client asking for plain JSON gets JSON-LD, which is JSON.
RDF_OFFERS = tuple(
    dataclasses.replace(f, aliases=(*f.aliases, "application/json")) if f is JSON_LD else f
    for f in GRAPH_FORMATS
    if f in RESOURCE_FORMATS
)
# What an IRI may not contain (RFC 3987); such a slug names no resource and never reaches SPARQL.
_NOT_IRI = re.compile(r'[\s<>"{}|\\^`]')


def _split_extension(slug: str) -> tuple[str, Format | None]:
    for fmt in RESOURCE_FORMATS:
        ext = f".{fmt.extension}"
        if slug.endswith(ext) and len(slug) > len(ext):
            return slug[: -len(ext)], fmt
    return slug, None


def _alternates(path: str) -> list[tuple[str, str]]:
    return [(fmt.name, f"{path}.{fmt.extension}") for fmt in RESOURCE_FORMATS]


def _link_header(path: str) -> str:
    return ", ".join(
        f'<{path}.{fmt.extension}>; rel="alternate"; type="{fmt.media_type}"'
        for fmt in RESOURCE_FORMATS
    )


def _add_linked_data(router: APIRouter, engine: QueryEngine) -> None:
    from diplokg.server.rest import ServedNames

    names = ServedNames(engine)

    async def missing(request: Request, base: str, iri: URIRef) -> Response:
        """404 for a resource no triple mentions, naming the resources near it."""
        try:
            near = await names.suggest(base)
        except QueryRejected:
            near = ""
        return not_found(request, f"no resource {iri}{near}")

    async def resource(slug: str, request: Request) -> Response:
        """A resource as HTML, Turtle, JSON-LD, N-Triples or RDF/XML (by Accept or extension)."""
        base, fmt = _split_extension(slug)
        if _NOT_IRI.search(base):
            return not_found(request, f"no resource named {base!r}")
        iri = URIRef(str(RES) + base)
        path = "/resource/" + quote(base, safe="/-_.~")
        try:
            if fmt is None:
                fmt = negotiate(request.headers.get("accept"), (HTML, *RDF_OFFERS))
            if fmt is HTML:
                described = await linked_data.describe(engine, iri)
                if described is None:
                    return await missing(request, base, iri)
                lang = linked_data.page_language(
                    request.query_params.get("lang"), request.headers.get("accept-language")
                )
                label = pick_label(described.labels.get(iri, []), lang)
                response: Response = html_page(
                    "resource.html",
                    title=str(label) if label else base,
                    lang=lang,
                    languages=[
                        (code, f"{path}?lang={code}") for code in linked_data.LABEL_LANGUAGES
                    ],
                    resource=described,
                    heading=linked_data.title(described, lang),
                    labels=linked_data.sorted_labels(described.labels.get(iri, [])),
                    own=described.evidence.get(iri, []),
                    formats=_alternates(path),
                )
            else:
                node = iri.n3()
                if not await engine.ask(f"ASK {{ {{ {node} ?p ?o }} UNION {{ ?s ?p {node} }} }}"):
                    return await missing(request, base, iri)
                query = linked_data.resource_graph_query(iri)
                response = answer(await engine.execute(query, accept=fmt.media_type), request)
        except QueryRejected as exc:
            return json_error(exc.status, exc.message, exc.headers)
        response.headers["Link"] = _link_header(path)
        response.headers["Vary"] = "Accept, Accept-Language" if fmt is HTML else "Accept"
        return response

    router.add_api_route(
        "/resource/{slug:path}",
        resource,
        methods=["GET"],
        tags=["linked data"],
        summary="A resource of the graph",
        response_class=Response,
        responses={
            200: {"content": {"text/html": {}, **{f.media_type: {} for f in RDF_OFFERS}}},
            404: {"description": "no triple mentions this resource"},
        },
    )

    async def ontology(request: Request, fmt: Format | None = None) -> Response:
        try:
            if fmt is None:
                fmt = negotiate(request.headers.get("accept"), (HTML, *RDF_OFFERS))
            if fmt is HTML:
                described = await linked_data.describe_ontology(engine)
                return html_page(
                    "ontology.html",
                    title="Ontology",
                    ontology=described,
                    header=sorted(described.header.items()),
                    classes=[t for t in described.terms if not t.is_property],
                    properties=[t for t in described.terms if t.is_property],
                )
            response = answer(
                await engine.execute(linked_data.ontology_graph_query(), accept=fmt.media_type),
                request,
            )
        except QueryRejected as exc:
            return json_error(exc.status, exc.message, exc.headers)
        response.headers["Vary"] = "Accept"
        return response

    async def ontology_page(request: Request) -> Response:
        """Documentation of every class and property (HTML), or the ontology in RDF."""
        return await ontology(request)

    router.add_api_route(
        "/ontology",
        ontology_page,
        methods=["GET"],
        tags=["linked data"],
        summary="The ontology",
        response_class=Response,
        responses={200: {"content": {"text/html": {}, **{f.media_type: {} for f in RDF_OFFERS}}}},
    )

    def ontology_as(fmt: Format) -> Callable[[Request], Awaitable[Response]]:
        async def ontology_file(request: Request) -> Response:
            return await ontology(request, fmt)

        return ontology_file

    for fmt in RESOURCE_FORMATS:
        router.add_api_route(
            f"/ontology.{fmt.extension}", ontology_as(fmt), methods=["GET"], include_in_schema=False
        )


# --------------------------------------------------------------------------------------------
# Dumps and VoID
# --------------------------------------------------------------------------------------------


def dump_files(dist: Path) -> list[Path]:
    """The files of dist/ offered for download (not hidden files, not folders)."""
    if not dist.is_dir():
        return []
    return sorted(p for p in dist.iterdir() if p.is_file() and not p.name.startswith("."))


def _media_type(path: Path) -> str:
    return DUMP_MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")


async def _whole_file(path: Path, media_type: str) -> Response:
    """`path` as the build wrote it, or 503 when it is not (truncated, edited since): a stat,
    and a hash (off the event loop) only of a file changed after its build.json."""
    try:
        await asyncio.to_thread(check_file, path, read=False)
    except DamagedDist as exc:
        return json_error(503, f"{path.name} is damaged ({exc.reason}): rebuild the dataset")
    return FileResponse(path, media_type=media_type)


def _add_dumps(router: APIRouter, settings: Settings) -> None:
    async def dumps(request: Request) -> Response:
        """Every file of the built dataset: JSON for machines, an HTML list for browsers."""
        files = dump_files(settings.dist_dir)
        try:
            fmt = negotiate(request.headers.get("accept"), (HTML, JSON))
        except QueryRejected as exc:
            return json_error(exc.status, exc.message)
        if fmt is JSON:
            return JSONResponse(
                [
                    {
                        "name": f.name,
                        "url": f"/dumps/{quote(f.name)}",
                        "bytes": f.stat().st_size,
                        "media_type": _media_type(f),
                    }
                    for f in files
                ]
            )
        listed = [
            {"name": f.name, "media_type": _media_type(f), "bytes": f.stat().st_size} for f in files
        ]
        return html_page("dumps.html", title="Dumps", files=listed)

    async def dump(name: str, request: Request) -> Response:
        """One file of dist/, by name."""
        for f in dump_files(settings.dist_dir):
            if f.name == name:
                return await _whole_file(f, _media_type(f))
        return not_found(request, f"no dump named {name}")

    async def void(request: Request) -> Response:
        """The VoID and DCAT description of the dataset (dist/void.ttl), with the address of
        this endpoint (`void:sparqlEndpoint`: `--public-url`, else the request's base)."""
        from rdflib.namespace import VOID

        from diplokg.namespaces import DATASET_IRI
        from diplokg.server.endpoint import SPARQL_PATH, host_vary, public_base

        path = settings.dist_dir / VOID_FILE
        if not path.is_file():
            return not_found(request, "no VoID description yet: run `diplokg build`")
        try:
            await asyncio.to_thread(check_file, path, read=False)
        except DamagedDist as exc:
            return json_error(503, f"{path.name} is damaged ({exc.reason}): rebuild the dataset")
        try:
            endpoint = public_base(request, settings) + SPARQL_PATH
        except QueryRejected as exc:
            return json_error(exc.status, exc.message)
        body = await asyncio.to_thread(path.read_bytes)
        # a triple of full IRIs may follow any Turtle document
        line = f"\n<{DATASET_IRI}> <{VOID.sparqlEndpoint}> <{endpoint}> .\n"
        return Response(
            body + line.encode("utf-8"),
            media_type=TURTLE.media_type,
            headers=host_vary(settings, ""),
        )

    async def dumps_slash(request: Request) -> Response:
        return RedirectResponse("/dumps/", status_code=308)

    router.add_api_route("/dumps", dumps_slash, methods=["GET"], include_in_schema=False)
    router.add_api_route("/dumps/", dumps, methods=["GET"], tags=["dumps"], summary="List dumps")
    router.add_api_route(
        "/dumps/{name}", dump, methods=["GET"], tags=["dumps"], summary="Download a dump"
    )
    router.add_api_route(
        "/.well-known/void",
        void,
        methods=["GET"],
        tags=["dumps"],
        summary="VoID description",
        response_class=Response,
        responses={200: {"content": {TURTLE.media_type: {}}}},
    )


# --------------------------------------------------------------------------------------------
# The router
# --------------------------------------------------------------------------------------------


class PagesRouter(APIRouter):
    """The editor, linked data (resources, ontology), dumps and VoID."""

    def __init__(self, engine: QueryEngine, settings: Settings) -> None:
        super().__init__()

        async def editor(request: Request) -> HTMLResponse:
            return HTMLResponse(editor_page(load_catalogue(settings.queries_dir)))

        self.add_api_route("/", editor, methods=["GET"], include_in_schema=False)
        _add_linked_data(self, engine)
        _add_dumps(self, settings)


async def not_found_handler(request: Request, exc: Exception) -> Response:
    """The app's 404, for any path no route serves."""
    detail = exc.detail if isinstance(exc, HTTPException) else "not found"
    return not_found(request, f"{detail}: {request.url.path}")
