"""How the server answers, in one place: a query's result (revalidated by its ETag), an error,
an HTML page, a "not found" that suits the client.

The SPARQL protocol answers errors in plain text (`protocol_error`); the REST API and the
linked-data routes answer them as JSON `{"detail": ...}` (`json_error`), and browsers get an
HTML page.
"""

from __future__ import annotations

import html
import json
import string
from importlib import resources
from typing import TYPE_CHECKING, Any

from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from diplokg.protocol import Format, QueryRejected

if TYPE_CHECKING:
    from starlette.requests import Request

    from diplokg.server.engine import QueryResult

HTML = Format("html", "text/html", ("application/xhtml+xml",))
JSON = Format("json", "application/json")
_e = html.escape


def answer(result: QueryResult, request: Request) -> Response:
    """The engine's answer, or 304 Not Modified when the client already holds it (ETag)."""
    etag = result.etag
    if etag and etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=result.headers)
    return Response(
        result.body, status_code=result.status, media_type=result.media_type, headers=result.headers
    )


def protocol_error(exc: QueryRejected) -> Response:
    """A refusal of the SPARQL protocol endpoint: the message as plain text."""
    return PlainTextResponse(exc.message + "\n", status_code=exc.status, headers=exc.headers)


def json_error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """An error of the REST API or of a linked-data route: `{"detail": message}`."""
    return JSONResponse({"detail": message}, status_code=status, headers=headers)


def _template() -> string.Template:
    text = (resources.files("diplokg.server") / "templates" / "page.html").read_text(
        encoding="utf-8"
    )
    return string.Template(text)


def page(title: str, body: str, *, head: str = "", page_class: str = "page") -> str:
    """A whole HTML page around `body` (already escaped HTML); `title` is escaped here."""
    return _template().substitute(title=_e(title), body=body, head=head, page=_e(page_class))


def html_page(title: str, body: str, status: int = 200, **kwargs: Any) -> HTMLResponse:
    """A negotiated HTML page (it varies with Accept)."""
    return HTMLResponse(page(title, body, **kwargs), status_code=status, headers={"Vary": "Accept"})


def not_found(request: Request, message: str) -> Response:
    """404: a page for browsers, JSON for every other client."""
    if "html" in request.headers.get("accept", ""):
        body = f'<h1>Not found</h1><p>{_e(message)}</p><p><a href="/">Back to the editor</a></p>'
        return html_page("Not found", body, status=404)
    return json_error(404, message)


def script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element (no `</script>`, no `<!--`)."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
