"""The API's documentation pages, `/docs` (Swagger UI) and `/redoc` (ReDoc), from bundled files.

FastAPI's own pages load both from a CDN, so they are blank offline; these serve the copies
in server/static/ (`swagger-ui/VERSION.md`, `redoc/VERSION.md`) and start Swagger UI from a
file, not an inline script, so that the pages' Content-Security-Policy
(`diplokg.server.middleware`) holds; ReDoc's page also allows the worker it makes from its own
script (`worker-src blob:`).
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse

from diplokg.server.middleware import CONTENT_SECURITY_POLICY
from diplokg.server.responses import render, script_json

__all__ = ["DocsRouter"]

OPENAPI_URL = "/openapi.json"
# ReDoc builds its search index in a web worker made from a blob: URL of its own script.
REDOC_POLICY = CONTENT_SECURITY_POLICY + "; worker-src 'self' blob:"


class DocsRouter(APIRouter):
    """`/docs` and `/redoc`, both reading `/openapi.json`."""

    def __init__(self) -> None:
        super().__init__(include_in_schema=False)

        async def swagger(request: Request) -> HTMLResponse:
            config = script_json({"openapi": OPENAPI_URL})
            return HTMLResponse(render("docs.html", title="API", page_class="docs", config=config))

        async def redoc(request: Request) -> HTMLResponse:
            return HTMLResponse(
                render("redoc.html", title="API", page_class="docs", openapi=OPENAPI_URL),
                headers={"Content-Security-Policy": REDOC_POLICY},
            )

        self.add_api_route("/docs", swagger, methods=["GET"])
        self.add_api_route("/redoc", redoc, methods=["GET"])
