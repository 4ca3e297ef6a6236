"""The canned queries as a REST API: `/api/queries` lists them, `/api/queries/{name}` runs one.

Each canned query gets its own route, generated from its header, so that the OpenAPI
document lists its parameters with their types and defaults (the one generic
`/api/queries/{name}` route could only describe them in prose); the generic route remains for
queries added after start-up and answers 404 for unknown names.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from diplokg.config import Settings
from diplokg.errors import InputError
from diplokg.formats import RESULTS_JSON, Format
from diplokg.protocol import QueryRejected, formats_for, negotiate
from diplokg.queries import (
    RESOLVER_QUERY,
    RESOURCE_TYPES,
    CannedQuery,
    ParameterError,
    Resolver,
    load_catalogue,
)
from diplokg.server.engine import TRUNCATED_HEADER
from diplokg.server.responses import answer, json_error

if TYPE_CHECKING:
    from diplokg.server.engine import QueryEngine

__all__ = ["CannedQueryRouter", "ServedNames"]

FORMAT_PARAM = "format"


class ServedNames:
    """The names of the served dataset's resources (a `Resolver`), for canned-query parameters
    and the suggestions of a resource page's 404."""

    def __init__(self, engine: QueryEngine) -> None:
        self.engine = engine
        self._resolver: tuple[str, Resolver | None] | None = None  # for the dataset of that id

    async def resolver(self) -> Resolver | None:
        """Read once per dataset (a rebuild while serving gives a new one). None when they are
        more than an answer may hold (`--max-rows`): names are then read as written (slug,
        prefixed name or IRI), never refused for want of a row."""
        dataset = self.engine.dataset_id
        if self._resolver is None or self._resolver[0] != dataset:
            result = await self.engine.execute(RESOLVER_QUERY, accept=RESULTS_JSON.media_type)
            rows = json.loads(result.body)["results"]["bindings"]
            whole = TRUNCATED_HEADER not in result.headers
            self._resolver = (dataset, Resolver.from_answer(rows) if whole else None)
        return self._resolver[1]

    async def suggest(self, slug: str) -> str:
        """`Resolver.suggest` for a resource page nothing answers, "" without names."""
        resolver = await self.resolver()
        return resolver.suggest(slug) if resolver is not None else ""


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
        400: {
            "description": "a bad parameter or an unknown resource, named in the message with "
            "the nearest resources",
            "content": error,
        },
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
        self.names = ServedNames(engine)

    def catalogue(self) -> dict[str, CannedQuery]:
        return load_catalogue(self.settings.queries_dir)

    async def resolver(self) -> Resolver | None:
        """`ServedNames.resolver` of the served dataset."""
        return await self.names.resolver()

    async def run(self, name: str, request: Request) -> Response:
        try:
            catalogue = self.catalogue()
        except InputError as exc:
            return json_error(500, f"the canned query catalogue is broken: {exc}")
        query = catalogue.get(name)
        if query is None:
            return json_error(404, f"no canned query named '{name}'; see /api/queries")
        params: dict[str, str] = {}
        fmt_key: str | None = None
        for key, value in request.query_params.multi_items():
            if key in params or (key == FORMAT_PARAM and fmt_key is not None):
                return json_error(400, f"parameter '{key}' is given more than once")
            if key == FORMAT_PARAM:
                fmt_key = value
            else:
                params[key] = value
        formats = formats_for(query.form)
        try:
            names = any(p.type in RESOURCE_TYPES for p in query.params)
            text = query.render(params, await self.resolver() if names else None)
            fmt = self._format(fmt_key, request.headers.get("accept"), formats)
            return answer(await self.engine.execute(text, accept=fmt.media_type), request)
        except ParameterError as exc:
            return json_error(400, str(exc))
        except QueryRejected as exc:
            return json_error(exc.status, exc.message, exc.headers)

    @staticmethod
    def _format(key: str | None, accept: str | None, formats: Sequence[Format]) -> Format:
        if key is None:
            return negotiate(accept, formats)
        for fmt in formats:
            if fmt.key == key:
                return fmt
        offered = ", ".join(f.key for f in formats)
        raise QueryRejected(400, f"parameter 'format': '{key}' is not one of {offered}")


class CannedQueryRouter(APIRouter):
    """`/api/queries` and one route per canned query, plus the generic `/api/queries/{name}`.

    The catalogue is parsed here, so a malformed query stops the server at start-up with a
    message naming the file.
    """

    def __init__(self, engine: QueryEngine, settings: Settings) -> None:
        super().__init__(tags=["canned queries"])
        runner = CannedQueries(engine, settings)

        async def list_queries() -> list[QueryInfo]:
            """Every canned query with its metadata, parameters and SPARQL text."""
            return [query_info(q) for q in runner.catalogue().values()]

        self.add_api_route(
            "/api/queries",
            list_queries,
            methods=["GET"],
            response_model=list[QueryInfo],
            summary="List the canned queries",
        )

        def route_for(name: str) -> Callable[[Request], Awaitable[Response]]:
            async def run_query(request: Request) -> Response:
                return await runner.run(name, request)

            return run_query

        for q in runner.catalogue().values():
            params = ", ".join(f"`{p.name}` ({p.type})" for p in q.params) or "none"
            self.add_api_route(
                f"/api/queries/{quote(q.name)}",
                route_for(q.name),
                methods=["GET"],
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

        self.add_api_route(
            "/api/queries/{name}",
            run_any,
            methods=["GET"],
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
