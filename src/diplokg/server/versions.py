"""Kept versions served side by side: `/v/{version}/sparql`, `/v/{version}` and `/v/`.

The current version is answered by the server's own engine; a kept one (`diplokg.versions`)
by an engine of its own over its copy of `dataset.nq`, started on first use with
`Settings.version_workers` workers. At most `Settings.max_open_versions` such engines stay
open: the one used least recently and idle is closed when another must open.

Every version's endpoint is `diplokg.server.endpoint.sparql_handler` at its own path: the
same checks, limits, deadlines, Host handling, HEAD and `If-None-Match` as `/sparql`. The
kept versions' engines charge the budgets of the server's engine, and opening one is charged
to the client that asked for it, as worker time.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from diplokg.config import Settings
from diplokg.errors import DamagedDist
from diplokg.namespaces import VERSIONS
from diplokg.protocol import QueryRejected
from diplokg.server.budget import current_client
from diplokg.server.endpoint import host_vary, public_base, sparql_handler
from diplokg.server.engine import INTERNAL_CLIENT, QueryEngine
from diplokg.server.responses import json_error, not_found, protocol_error
from diplokg.versions import KeptVersion, current_version, find, kept

__all__ = ["UnknownVersion", "VersionEngines", "VersionsRouter"]

Handler = Callable[[Request], Awaitable[Response]]


class UnknownVersion(LookupError):
    """A version that is neither the current one nor kept."""


@dataclass
class OpenVersion:
    """An engine serving one version, with the /sparql handler over it."""

    version: str
    engine: QueryEngine
    handler: Handler
    active: int = 0


def version_path(version: str) -> str:
    """Where the SPARQL endpoint of `version` is served."""
    return f"/v/{version}/sparql"


def _handler(engine: QueryEngine, settings: Settings, version: str) -> Handler:
    # The same protocol handler as /sparql, over this version's engine, at its own address.
    return sparql_handler(engine, settings, version_path(version))


class VersionEngines:
    """The engines of the versions in use: the current one, and kept ones opened on demand."""

    def __init__(self, engine: QueryEngine, settings: Settings, dist: Path | None) -> None:
        self.settings = settings
        self.dist = dist
        self._main = engine
        self._main_open: OpenVersion | None = None
        self._served: str | None = None  # the engine's dataset when `_current` was read
        self._current: str | None = None
        self._open: OrderedDict[str, OpenVersion] = OrderedDict()
        self._lock = asyncio.Lock()

    @property
    def current(self) -> str | None:
        """The version the server's engine serves now: a rebuild while serving (which the
        engine picks up) makes another version current, and the one before a kept one."""
        if self.dist is None:
            return None
        served = self._main.dataset_id
        if served != self._served:
            self._served = served
            self._current = current_version(self.dist)
            self._main_open = None  # its handler names the version at its address
        return self._current

    def opened(self) -> list[str]:
        """The kept versions whose engines are open, least recently used first."""
        return list(self._open)

    def known(self, version: str) -> bool:
        """Whether `version` can be served (the current one, or a kept copy)."""
        return version == self.current or find(self.settings.versions_dir, version) is not None

    async def _acquire(self, version: str) -> OpenVersion:
        if version == self.current:
            main = self._main_open
            if main is None:
                main = OpenVersion(
                    version, self._main, _handler(self._main, self.settings, version)
                )
                self._main_open = main
            main.active += 1
            return main
        async with self._lock:
            opened = self._open.get(version)
            if opened is None:
                copy = find(self.settings.versions_dir, version)
                if copy is None:
                    raise UnknownVersion(version)
                engine = await self._open_engine(copy)
                opened = OpenVersion(version, engine, _handler(engine, engine.settings, version))
                self._open[version] = opened
            self._open.move_to_end(version)
            opened.active += 1
            self._evict()
            return opened

    async def _open_engine(self, copy: KeptVersion) -> QueryEngine:
        """An engine over a kept copy, its workers started; the time it takes is charged to
        the client that asked, as a query's would be (429 when it is over its budget)."""
        budgets = self._main.budgets
        who = current_client.get() or INTERNAL_CLIENT
        if budgets.over_budget(who):
            raise QueryRejected(
                429,
                "this client is over its budget of worker time; opening another version "
                "waits until it is back within it",
                {"Retry-After": str(budgets.retry_after(who))},
            )
        settings = dataclasses.replace(self.settings, workers=max(1, self.settings.version_workers))
        grant = budgets.grant(who, self.settings.query_timeout_s)
        budgets.start(grant)
        started = time.monotonic()
        try:
            # Checking and loading may take a while on a large dataset: off the event loop.
            await asyncio.to_thread(copy.check)  # every kept file, not only the one loaded
            engine = await asyncio.to_thread(QueryEngine.from_file, copy.dataset, settings, budgets)
        except DamagedDist as exc:  # checked against the build.json kept beside it
            message = f"the kept copy of this version is damaged: {exc.reason}"
            raise QueryRejected(503, message) from None
        finally:
            budgets.settle(grant, time.monotonic() - started)
        engine.start()
        return engine

    def _evict(self) -> None:
        while len(self._open) > max(1, self.settings.max_open_versions):
            idle = next((v for v, o in self._open.items() if o.active == 0), None)
            if idle is None:  # all busy: close one when it is done
                return
            self._open.pop(idle).engine.close()

    @contextlib.asynccontextmanager
    async def use(self, version: str) -> AsyncIterator[OpenVersion]:
        """The engine of `version` for the time of a request; UnknownVersion if not kept."""
        opened = await self._acquire(version)
        try:
            yield opened
        finally:
            opened.active -= 1
            self._evict()

    def close(self) -> None:
        """Stop every kept version's engine (the current one belongs to the app)."""
        for opened in self._open.values():
            opened.engine.close()
        self._open.clear()


def describe_version(engines: VersionEngines, version: str, base: str) -> dict[str, Any]:
    return {
        "version": version,
        "version_iri": str(VERSIONS[version]),
        "current": version == engines.current,
        "sparql": base + version_path(version),
    }


class VersionsRouter(APIRouter):
    """`/v/` lists the versions served, `/v/{version}` describes one, `/v/{version}/sparql` is
    its SPARQL 1.1 endpoint (the same protocol, limits and formats as /sparql)."""

    def __init__(self, engines: VersionEngines) -> None:
        @contextlib.asynccontextmanager
        async def lifespan(app: Any) -> AsyncIterator[None]:
            try:
                yield
            finally:
                engines.close()

        super().__init__(tags=["versions"], lifespan=lifespan)
        settings = engines.settings

        async def versions(request: Request) -> Response:
            """The current version and every kept one."""
            ids = [v.id for v in kept(settings.versions_dir)]
            if engines.current and engines.current not in ids:
                ids.insert(0, engines.current)
            try:
                base = public_base(request, settings)
            except QueryRejected as exc:
                return json_error(exc.status, exc.message)
            return JSONResponse(
                {
                    "current": engines.current,
                    "versions": [describe_version(engines, v, base) for v in ids],
                },
                headers=host_vary(settings),
            )

        async def version_info(version: str, request: Request) -> Response:
            """One version: its IRI, whether it is current, its endpoint."""
            if not engines.known(version):
                return not_found(request, f"no version {version} is kept here")
            try:
                base = public_base(request, settings)
            except QueryRejected as exc:
                return json_error(exc.status, exc.message)
            return JSONResponse(
                describe_version(engines, version, base), headers=host_vary(settings)
            )

        async def version_sparql(version: str, request: Request) -> Response:
            try:
                async with engines.use(version) as opened:
                    return await opened.handler(request)
            except UnknownVersion:
                return not_found(request, f"no version {version} is kept here")
            except QueryRejected as exc:  # opening the version was refused
                return protocol_error(exc)

        self.add_api_route("/v/", versions, methods=["GET"], summary="List the versions served")
        self.add_api_route(
            "/v/{version}", version_info, methods=["GET"], summary="Describe a version"
        )
        self.add_route(
            "/v/{version}/sparql",
            _with_version(version_sparql),
            methods=["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"],
            include_in_schema=False,
        )


def _with_version(
    handler: Callable[[str, Request], Awaitable[Response]],
) -> Handler:
    async def route(request: Request) -> Response:
        return await handler(request.path_params["version"], request)

    return route
