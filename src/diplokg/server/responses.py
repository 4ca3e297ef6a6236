"""How the server answers, in one place: a query's result (revalidated by its ETag), an error,
an HTML page, a "not found" that suits the client.

The SPARQL protocol answers errors in plain text (`protocol_error`); the REST API and the
linked-data routes answer them as JSON `{"detail": ...}` (`json_error`), and browsers get an
HTML page.
"""

from __future__ import annotations

import functools
import html
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup
from rdflib.term import BNode, Literal, URIRef
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from diplokg.formats import Format
from diplokg.namespaces import DKG, ONTOLOGY_IRI
from diplokg.protocol import QueryRejected
from diplokg.server import linked_data
from diplokg.server.middleware import KEPT_BY_304, not_modified
from diplokg.terms import pick_label

if TYPE_CHECKING:
    from starlette.requests import Request

    from diplokg.server.engine import QueryResult

HTML = Format("html", "text/html", ("application/xhtml+xml",))
JSON = Format("json", "application/json")


def answer(result: QueryResult, request: Request) -> Response:
    """The engine's answer, or 304 Not Modified when the client already holds it: its
    `If-None-Match` matches the answer's ETag as RFC 9110 section 13.1.2 says (`*`, a list,
    weak comparison; see `diplokg.server.middleware.etag_matches`)."""
    if not_modified(request.method, request.headers.get("if-none-match"), result.etag):
        kept = {k: v for k, v in result.headers.items() if k.lower() in KEPT_BY_304}
        return Response(status_code=304, headers=kept)
    return Response(
        result.body, status_code=result.status, media_type=result.media_type, headers=result.headers
    )


def protocol_error(exc: QueryRejected) -> Response:
    """A refusal of the SPARQL protocol endpoint: the message as plain text."""
    return PlainTextResponse(exc.message + "\n", status_code=exc.status, headers=exc.headers)


def json_error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """An error of the REST API or of a linked-data route: `{"detail": message}`."""
    return JSONResponse({"detail": message}, status_code=status, headers=headers)


def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's RequestValidationError (a parameter missing, not a number, out of its bounds)
    as the rest of the API answers: one line, `{"detail": "parameter 'limit': input should be
    less than or equal to 200 (got 100000)"}`; 400 for parameters of the URL or headers, 422
    for a request body. Registered app-wide in `server.app.create_app`."""
    problems = []
    body = False
    for error in getattr(exc, "errors", list)():
        where = [str(part) for part in error.get("loc", ())]
        body = body or (where[:1] == ["body"])
        name = ".".join(where[1:]) or ".".join(where) or "request"
        if error.get("type") == "missing":
            problems.append(f"parameter '{name}' is required")
            continue
        message = str(error.get("msg", "is not valid"))
        message = message[:1].lower() + message[1:]
        given = error.get("input")
        shown = f" (got {given!r})" if isinstance(given, str | int | float) else ""
        problems.append(f"parameter '{name}': {message}{shown}".replace("\n", " "))
    return json_error(422 if body else 400, "; ".join(problems) or "the request is not valid")


def _escape(value: object) -> Markup:
    """What autoescaping writes for a value: `html.escape` with quotes, as the pages always
    did (`&#x27;`, `&quot;`); HTML already made (a macro's output, Markup) passes as it is."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape(str(value)))


@functools.cache
def templates() -> Environment:
    """The Jinja2 environment of server/templates/, escaping every value it writes."""
    env = Environment(
        loader=PackageLoader("diplokg.server", "templates"),
        autoescape=True,
        finalize=_escape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["compact"] = lambda iri: linked_data.compact(str(iri))
    env.filters["urlquote"] = quote
    env.tests["literal"] = lambda t: isinstance(t, Literal)
    env.tests["bnode"] = lambda t: isinstance(t, BNode)
    env.tests["uri"] = lambda t: isinstance(t, URIRef)
    env.globals.update(
        link=linked_data.link,
        pick_label=pick_label,
        highlight=linked_data.highlight,
        passage_url=linked_data.passage_url,
        has_evidence=DKG.hasEvidence,
        ontology_iri=ONTOLOGY_IRI,
    )
    return env


def render(
    template: str,
    *,
    title: str,
    page_class: str = "page",
    lang: str = linked_data.PAGE_LANGUAGE,
    **context: Any,
) -> str:
    """A whole HTML page from `template` (which extends page.html); `lang` is the language
    its labels are picked in (`terms.pick_label`, falling back to another)."""
    page = templates().get_template(template)
    return page.render(
        title=title, page_class=page_class, lang=lang, quotes=linked_data.Quotes(), **context
    )


def html_page(template: str, *, title: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A negotiated HTML page (it varies with Accept)."""
    return HTMLResponse(
        render(template, title=title, **context), status_code=status, headers={"Vary": "Accept"}
    )


def not_found(request: Request, message: str) -> Response:
    """404: a page for browsers, JSON for every other client."""
    if "html" in request.headers.get("accept", ""):
        return html_page("not_found.html", title="Not found", status=404, message=message)
    return json_error(404, message)


def script_json(value: Any) -> Markup:
    """JSON that is safe inside a <script> element (no `</script>`, no `<!--`)."""
    text = json.dumps(value, ensure_ascii=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
