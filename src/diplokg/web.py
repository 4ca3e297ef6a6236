"""The web face of the endpoint: the offline editor, canned queries as a REST API, linked data.

`install` adds to the app built by `diplokg.endpoint.create_app` (which already serves
/sparql): the bundled Yasgui editor at `/` with one tab per canned query, `/api/queries`,
`/resource/{slug}` and `/ontology` with content negotiation, `/dumps/` and
`/.well-known/void`. Every query goes through the engine, which enforces the limits.

Each canned query gets its own REST route, generated from its header, so that the OpenAPI
document lists its parameters with their types and defaults (the one generic
`/api/queries/{name}` route could only describe them in prose); the generic route remains for
queries added after start-up and answers 404 for unknown names.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import string
from collections.abc import Awaitable, Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from rdflib import URIRef
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from diplokg import events, linked_data
from diplokg.config import Settings
from diplokg.errors import InputError
from diplokg.namespaces import RES
from diplokg.protocol import GRAPH_FORMATS, Format, QueryRejected, formats_for, negotiate
from diplokg.queries import CannedQuery, ParameterError, load_catalogue

if TYPE_CHECKING:
    from diplokg.engine import QueryEngine, QueryResult

__all__ = ["install"]

HTML = Format("html", "text/html", ("application/xhtml+xml",))
JSON = Format("json", "application/json")
# Extensions of /resource/{slug}.ext and the graph format each one asks for.
RESOURCE_EXTENSIONS = {".ttl": "turtle", ".jsonld": "jsonld", ".nt": "ntriples", ".rdf": "rdfxml"}
DUMP_MEDIA_TYPES = {
    ".trig": "application/trig",
    ".nq": "application/n-quads",
    ".ttl": "text/turtle",
    ".nt": "application/n-triples",
    ".jsonld": "application/ld+json",
    ".rdf": "application/rdf+xml",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
}
FORMAT_PARAM = "format"
_e = html.escape


def _static_dir() -> Path:
    return Path(str(resources.files("diplokg") / "static"))


def _template() -> string.Template:
    text = (resources.files("diplokg") / "templates" / "page.html").read_text(encoding="utf-8")
    return string.Template(text)


def page(title: str, body: str, *, head: str = "", page_class: str = "page") -> str:
    """A whole HTML page around `body` (already escaped HTML); `title` is escaped here."""
    return _template().substitute(title=_e(title), body=body, head=head, page=_e(page_class))


def _html(title: str, body: str, status: int = 200, **kwargs: Any) -> HTMLResponse:
    return HTMLResponse(page(title, body, **kwargs), status_code=status, headers={"Vary": "Accept"})


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=status, headers=headers)


def _send(result: QueryResult) -> Response:
    return Response(
        result.body, status_code=result.status, media_type=result.media_type, headers=result.headers
    )


def _script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element (no `</script>`, no `<!--`)."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# --------------------------------------------------------------------------------------------
# The editor
# --------------------------------------------------------------------------------------------


def editor_page(catalogue: dict[str, CannedQuery]) -> str:
    """The Yasgui page: bundled files only, one tab per canned query."""
    queries = [{"name": q.name, "title": q.title, "query": q.source} for q in catalogue.values()]
    version = hashlib.sha256(json.dumps(queries, sort_keys=True).encode()).hexdigest()[:12]
    config = {"endpoint": "/sparql", "version": version, "queries": queries}
    head = (
        '<link rel="stylesheet" href="/static/yasgui/yasgui.min.css">\n'
        '<script src="/static/yasgui/yasgui.min.js"></script>'
    )
    body = (
        '<div id="yasgui"></div>\n'
        f'<script type="application/json" id="canned-queries">{_script_json(config)}</script>\n'
        '<script src="/static/editor.js"></script>'
    )
    return page("SPARQL editor", body, head=head, page_class="editor")


# --------------------------------------------------------------------------------------------
# Canned queries as REST
# --------------------------------------------------------------------------------------------


class ParamInfo(BaseModel):
    name: str
    type: str
    default: str | None
    description: str


class QueryInfo(BaseModel):
    name: str
    title: str
    description: str
    tags: list[str]
    form: str
    parameters: list[ParamInfo]
    url: str
    sparql: str


def query_info(q: CannedQuery) -> QueryInfo:
    return QueryInfo(
        name=q.name,
        title=q.title,
        description=q.description,
        tags=list(q.tags),
        form=q.form,
        parameters=[ParamInfo(**vars(p)) for p in q.params],
        url=f"/api/queries/{quote(q.name)}",
        sparql=q.text,
    )


def _format_param(formats: Sequence[Format]) -> dict[str, Any]:
    return {
        "name": FORMAT_PARAM,
        "in": "query",
        "required": False,
        "description": "answer format; overrides the Accept header",
        "schema": {"type": "string", "enum": [f.key for f in formats]},
    }


def _responses(formats: Sequence[Format]) -> dict[int | str, dict[str, Any]]:
    error = {
        "application/json": {
            "schema": {"type": "object", "properties": {"detail": {"type": "string"}}}
        }
    }
    return {
        200: {"description": "the query's answer", "content": {f.media_type: {} for f in formats}},
        400: {"description": "a bad parameter, named in the message", "content": error},
        404: {"description": "no canned query of that name", "content": error},
        406: {"description": "none of the accepted media types is offered", "content": error},
    }


def _query_operation(q: CannedQuery) -> dict[str, Any]:
    params = [
        {
            "name": p.name,
            "in": "query",
            "required": False,
            "description": p.description
            + ("" if p.default is not None else " (left unbound when not given)"),
            "schema": p.schema(),
        }
        for p in q.params
    ]
    return {"parameters": [*params, _format_param(formats_for(q.form))]}


class CannedQueries:
    """Runs a canned query from a REST request: parameters, format, errors as JSON."""

    def __init__(self, engine: QueryEngine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings

    def catalogue(self) -> dict[str, CannedQuery]:
        return load_catalogue(self.settings.queries_dir)

    async def run(self, name: str, request: Request) -> Response:
        try:
            catalogue = self.catalogue()
        except InputError as exc:
            return _error(500, f"the canned query catalogue is broken: {exc}")
        query = catalogue.get(name)
        if query is None:
            return _error(404, f"no canned query named '{name}'; see /api/queries")
        params: dict[str, str] = {}
        fmt_key: str | None = None
        for key, value in request.query_params.multi_items():
            if key in params or (key == FORMAT_PARAM and fmt_key is not None):
                return _error(400, f"parameter '{key}' is given more than once")
            if key == FORMAT_PARAM:
                fmt_key = value
            else:
                params[key] = value
        formats = formats_for(query.form)
        try:
            text = query.render(params)
            fmt = self._format(fmt_key, request.headers.get("accept"), formats)
            return _send(await self.engine.execute(text, accept=fmt.media_type))
        except ParameterError as exc:
            return _error(400, str(exc))
        except QueryRejected as exc:
            return _error(exc.status, exc.message, exc.headers)

    @staticmethod
    def _format(key: str | None, accept: str | None, formats: Sequence[Format]) -> Format:
        if key is None:
            return negotiate(accept, formats)
        for fmt in formats:
            if fmt.key == key:
                return fmt
        offered = ", ".join(f.key for f in formats)
        raise QueryRejected(400, f"parameter 'format': '{key}' is not one of {offered}")


def _install_api(app: FastAPI, runner: CannedQueries) -> None:
    catalogue = runner.catalogue()

    async def list_queries() -> list[QueryInfo]:
        """Every canned query with its metadata, parameters and SPARQL text."""
        return [query_info(q) for q in runner.catalogue().values()]

    app.add_api_route(
        "/api/queries",
        list_queries,
        methods=["GET"],
        response_model=list[QueryInfo],
        tags=["canned queries"],
        summary="List the canned queries",
    )

    def route_for(name: str) -> Callable[[Request], Awaitable[Response]]:
        async def run_query(request: Request) -> Response:
            return await runner.run(name, request)

        return run_query

    for q in catalogue.values():
        params = ", ".join(f"`{p.name}` ({p.type})" for p in q.params) or "none"
        app.add_api_route(
            f"/api/queries/{quote(q.name)}",
            route_for(q.name),
            methods=["GET"],
            tags=["canned queries"],
            summary=q.title,
            description=f"{q.description}\n\nParameters: {params}. Query form: {q.form}.",
            operation_id=f"canned_{q.name.replace('-', '_')}",
            response_class=Response,
            responses=_responses(formats_for(q.form)),
            openapi_extra=_query_operation(q),
        )

    async def run_any(name: str, request: Request) -> Response:
        """Run any canned query by name; its parameters are listed by GET /api/queries."""
        return await runner.run(name, request)

    app.add_api_route(
        "/api/queries/{name}",
        run_any,
        methods=["GET"],
        tags=["canned queries"],
        summary="Run a canned query by name",
        response_class=Response,
        description=(
            "Parameters are the query's own (see GET /api/queries or the per-query "
            "operations), each a query-string parameter; `format` chooses json, xml, csv or "
            "tsv (or an RDF format for CONSTRUCT queries) and overrides Accept."
        ),
        responses=_responses(formats_for("SELECT")),
        openapi_extra={"parameters": [_format_param(formats_for("SELECT"))]},
    )


# --------------------------------------------------------------------------------------------
# Linked data
# --------------------------------------------------------------------------------------------

# A client asking for plain JSON gets JSON-LD, which is JSON.
RDF_OFFERS = tuple(
    Format(f.key, f.media_type, (*f.aliases, "application/json")) if f.key == "jsonld" else f
    for f in GRAPH_FORMATS
    if f.key in RESOURCE_EXTENSIONS.values()
)
# What an IRI may not contain (RFC 3987); such a slug names no resource and never reaches SPARQL.
_NOT_IRI = re.compile(r'[\s<>"{}|\\^`]')


def _format_by_key(key: str) -> Format:
    return next(f for f in GRAPH_FORMATS if f.key == key)


def _split_extension(slug: str) -> tuple[str, Format | None]:
    for ext, key in RESOURCE_EXTENSIONS.items():
        if slug.endswith(ext) and len(slug) > len(ext):
            return slug[: -len(ext)], _format_by_key(key)
    return slug, None


def _alternates(path: str) -> list[tuple[str, str]]:
    names = {"turtle": "Turtle", "jsonld": "JSON-LD", "ntriples": "N-Triples", "rdfxml": "RDF/XML"}
    return [(names[key], f"{path}{ext}") for ext, key in RESOURCE_EXTENSIONS.items()]


def _link_header(path: str) -> str:
    return ", ".join(
        f'<{path}{ext}>; rel="alternate"; type="{_format_by_key(key).media_type}"'
        for ext, key in RESOURCE_EXTENSIONS.items()
    )


def _not_found(request: Request, message: str) -> Response:
    if "html" in request.headers.get("accept", ""):
        body = f'<h1>Not found</h1><p>{_e(message)}</p><p><a href="/">Back to the editor</a></p>'
        return _html("Not found", body, status=404)
    return _error(404, message)


def _install_linked_data(app: FastAPI, engine: QueryEngine) -> None:
    async def resource(slug: str, request: Request) -> Response:
        """A resource as HTML, Turtle, JSON-LD, N-Triples or RDF/XML (by Accept or extension)."""
        base, fmt = _split_extension(slug)
        if _NOT_IRI.search(base):
            return _not_found(request, f"no resource named {base!r}")
        iri = URIRef(str(RES) + base)
        path = "/resource/" + quote(base, safe="/-_.~")
        try:
            if fmt is None:
                fmt = negotiate(request.headers.get("accept"), (HTML, *RDF_OFFERS))
            if fmt is HTML:
                described = await linked_data.describe(engine, iri)
                if described is None:
                    return _not_found(request, f"no resource {iri}")
                body = linked_data.resource_html(described, _alternates(path))
                title = linked_data.pick_label(described.labels.get(iri, []))
                response: Response = _html(str(title) if title else base, body)
            else:
                node = iri.n3()
                if not await engine.ask(f"ASK {{ {{ {node} ?p ?o }} UNION {{ ?s ?p {node} }} }}"):
                    return _not_found(request, f"no resource {iri}")
                query = linked_data.resource_graph_query(iri)
                response = _send(await engine.execute(query, accept=fmt.media_type))
        except QueryRejected as exc:
            return _error(exc.status, exc.message, exc.headers)
        response.headers["Link"] = _link_header(path)
        response.headers["Vary"] = "Accept"
        return response

    app.add_api_route(
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
                return _html("Ontology", linked_data.ontology_html(described))
            response = _send(
                await engine.execute(linked_data.ontology_graph_query(), accept=fmt.media_type)
            )
        except QueryRejected as exc:
            return _error(exc.status, exc.message, exc.headers)
        response.headers["Vary"] = "Accept"
        return response

    async def ontology_page(request: Request) -> Response:
        """Documentation of every class and property (HTML), or the ontology in RDF."""
        return await ontology(request)

    app.add_api_route(
        "/ontology",
        ontology_page,
        methods=["GET"],
        tags=["linked data"],
        summary="The ontology",
        response_class=Response,
        responses={200: {"content": {"text/html": {}, **{f.media_type: {} for f in RDF_OFFERS}}}},
    )

    def ontology_as(key: str) -> Callable[[Request], Awaitable[Response]]:
        async def ontology_file(request: Request) -> Response:
            return await ontology(request, _format_by_key(key))

        return ontology_file

    for ext, key in RESOURCE_EXTENSIONS.items():
        app.add_api_route(
            f"/ontology{ext}", ontology_as(key), methods=["GET"], include_in_schema=False
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


def _install_dumps(app: FastAPI, settings: Settings) -> None:
    async def dumps(request: Request) -> Response:
        """Every file of the built dataset: JSON for machines, an HTML list for browsers."""
        files = dump_files(settings.dist_dir)
        try:
            fmt = negotiate(request.headers.get("accept"), (HTML, JSON))
        except QueryRejected as exc:
            return _error(exc.status, exc.message)
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
        rows = "".join(
            f'<tr><td><a href="/dumps/{_e(quote(f.name))}">{_e(f.name)}</a></td>'
            f"<td>{_e(_media_type(f))}</td><td>{f.stat().st_size:,}</td></tr>"
            for f in files
        )
        body = (
            "<h1>Dumps</h1><p>The whole dataset (five named graphs) and its union, as built.</p>"
            + (
                f"<table><thead><tr><th>File</th><th>Media type</th><th>Bytes</th></tr></thead>"
                f"<tbody>{rows}</tbody></table>"
                if files
                else "<p>No dataset has been built yet: run <code>diplokg build</code>.</p>"
            )
        )
        return _html("Dumps", body)

    async def dump(name: str, request: Request) -> Response:
        """One file of dist/, by name."""
        for f in dump_files(settings.dist_dir):
            if f.name == name:
                return FileResponse(f, media_type=_media_type(f))
        return _not_found(request, f"no dump named {name}")

    async def void(request: Request) -> Response:
        """The VoID and DCAT description of the dataset (dist/void.ttl)."""
        path = settings.dist_dir / "void.ttl"
        if not path.is_file():
            return _not_found(request, "no VoID description yet: run `diplokg build`")
        return FileResponse(path, media_type="text/turtle")

    async def dumps_slash(request: Request) -> Response:
        return RedirectResponse("/dumps/", status_code=308)

    app.add_api_route("/dumps", dumps_slash, methods=["GET"], include_in_schema=False)
    app.add_api_route("/dumps/", dumps, methods=["GET"], tags=["dumps"], summary="List dumps")
    app.add_api_route(
        "/dumps/{name}", dump, methods=["GET"], tags=["dumps"], summary="Download a dump"
    )
    app.add_api_route(
        "/.well-known/void",
        void,
        methods=["GET"],
        tags=["dumps"],
        summary="VoID description",
        response_class=Response,
        responses={200: {"content": {"text/turtle": {}}}},
    )


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def install(app: FastAPI, engine: QueryEngine, settings: Settings) -> None:
    """Add the editor, the canned-query API, linked data, dumps and the 404 page to `app`.

    The canned queries are parsed here, so a malformed one stops the server at start-up
    with a message naming the file.
    """
    runner = CannedQueries(engine, settings)
    runner.catalogue()
    app.mount("/static", StaticFiles(directory=_static_dir()), name="static")

    async def editor(request: Request) -> HTMLResponse:
        return HTMLResponse(editor_page(runner.catalogue()))

    app.add_api_route("/", editor, methods=["GET"], include_in_schema=False)
    _install_api(app, runner)
    _install_linked_data(app, engine)
    _install_dumps(app, settings)
    events.install(app, engine)

    async def not_found(request: Request, exc: Exception) -> Response:
        detail = exc.detail if isinstance(exc, HTTPException) else "not found"
        return _not_found(request, f"{detail}: {request.url.path}")

    app.add_exception_handler(404, not_found)
