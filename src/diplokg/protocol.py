"""SPARQL 1.1 Protocol rules, applied before any query reaches the engine.

Three pure jobs, kept free of I/O so they can be tested alone and run on the event loop in
microseconds: read an HTTP request into a `SparqlRequest` (method, media type, parameters,
UTF-8), inspect the query text without parsing it (form, nesting depth, SERVICE, updates,
FROM), and choose a response format from `Accept`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urljoin

from diplokg.formats import GRAPH_FORMATS, RESULT_FORMATS, Format


class QueryRejected(Exception):
    """A request refused before or during evaluation: client error (4xx) or overload (503)."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers: dict[str, str] = dict(headers or {})


class NotAQuery(QueryRejected):
    """A query with no query form (`SELEC ?x …`, an empty text). The server answers it with
    `diplokg.sparql_text.explain_syntax_error`'s located message (`syntax error at line 1,
    column 1: unexpected 'SELEC': …`), which that module (importing this one) gives."""


# --------------------------------------------------------------------------------------------
# Media types
# --------------------------------------------------------------------------------------------


# The formats themselves (media types, aliases, order of preference) are in diplokg.formats.

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)


def _accept_ranges(accept: str) -> list[tuple[str, float, int]]:
    """Media ranges of an Accept header with their q-values, in header order."""
    ranges: list[tuple[str, float, int]] = []
    for i, part in enumerate(accept.split(",")):
        items = part.strip().split(";")
        media = items[0].strip().lower()
        if not media:
            continue
        q = 1.0
        for param in items[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
        ranges.append((media, q, i))
    return ranges


def _match_quality(fmt: Format, ranges: Sequence[tuple[str, float, int]]) -> tuple[float, int]:
    """(q, specificity) of the most specific range that matches `fmt`; q 0 when none does."""
    best = (-1, 0.0)
    names = (fmt.media_type, *fmt.aliases)
    for media, q, _ in ranges:
        if media in names:
            spec = 3 if media == fmt.media_type else 2
        elif media.endswith("/*") and fmt.media_type.startswith(media[:-1]):  # not aliases
            spec = 1
        elif media == "*/*":
            spec = 0
        else:
            continue
        if spec > best[0]:
            best = (spec, q)
    return (best[1], best[0]) if best[0] >= 0 else (0.0, -1)


def negotiate(accept: str | None, formats: Sequence[Format]) -> Format:
    """The format to answer in; the first of `formats` when Accept is absent or generic.

    Raises QueryRejected(406) when the client accepts none of them.
    """
    if not accept or not accept.strip():
        return formats[0]
    ranges = _accept_ranges(accept)
    best: Format | None = None
    best_key = (0.0, -1, 0)
    for rank, fmt in enumerate(formats):
        q, spec = _match_quality(fmt, ranges)
        key = (q, spec, -rank)
        if q > 0 and (best is None or key > best_key):
            best, best_key = fmt, key
    if best is None:
        offered = ", ".join(f.media_type for f in formats)
        raise QueryRejected(
            406, f"none of the accepted media types is available; offered: {offered}"
        )
    return best


def formats_for(form: str) -> tuple[Format, ...]:
    """Result formats for SELECT/ASK, graph formats for CONSTRUCT/DESCRIBE."""
    return GRAPH_FORMATS if form in ("CONSTRUCT", "DESCRIBE") else RESULT_FORMATS


# --------------------------------------------------------------------------------------------
# HTTP request -> SparqlRequest
# --------------------------------------------------------------------------------------------

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
ALLOWED_METHODS = ("GET", "POST")


@dataclass(frozen=True)
class SparqlRequest:
    """A protocol request once decoded; `query` None means "describe the service"."""

    query: str | None
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()


def _split_content_type(value: str | None) -> tuple[str, dict[str, str]]:
    if not value:
        return "", {}
    media, *params = value.split(";")
    parsed = {}
    for p in params:
        k, _, v = p.strip().partition("=")
        parsed[k.strip().lower()] = v.strip().strip('"').lower()
    return media.strip().lower(), parsed


def _decode_params(raw: bytes, where: str) -> list[tuple[str, str]]:
    """Percent-decode `a=b&c=d` exactly once, refusing anything that is not UTF-8."""
    try:
        text = raw.decode("ascii") if raw.isascii() else raw.decode("utf-8")
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise QueryRejected(400, f"{where} is not valid UTF-8") from exc


def _utf8(body: bytes, params: Mapping[str, str]) -> str:
    charset = params.get("charset", "utf-8")
    if charset not in ("utf-8", "utf8"):
        raise QueryRejected(415, f"charset {charset} is not supported; send UTF-8")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QueryRejected(400, "request body is not valid UTF-8") from exc


def parse_request(
    method: str, query_string: bytes, content_type: str | None, body: bytes
) -> SparqlRequest:
    """Decode a /sparql request as the SPARQL 1.1 Protocol describes it.

    Updates in any form are refused (403): the endpoint is read-only.
    """
    if method not in ALLOWED_METHODS:
        raise QueryRejected(
            405,
            f"method {method} is not allowed; use GET or POST",
            {"Allow": ", ".join(ALLOWED_METHODS)},
        )
    params = _decode_params(query_string, "query string")
    direct_query: str | None = None
    if method == "POST":
        media, ct_params = _split_content_type(content_type)
        if media == FORM:
            params += _decode_params(body, "form body")
        elif media == SPARQL_QUERY:
            direct_query = _utf8(body, ct_params)
        elif media == SPARQL_UPDATE:
            raise QueryRejected(403, "SPARQL Update is not accepted: this endpoint is read-only")
        elif not media:
            raise QueryRejected(
                415, f"POST needs a Content-Type: {FORM} or {SPARQL_QUERY}", {"Accept-Post": FORM}
            )
        else:
            raise QueryRejected(
                415, f"Content-Type {media} is not supported; use {FORM} or {SPARQL_QUERY}"
            )
    names = [k for k, _ in params]
    if "update" in names or "using-graph-uri" in names or "using-named-graph-uri" in names:
        raise QueryRejected(403, "SPARQL Update is not accepted: this endpoint is read-only")
    queries = [v for k, v in params if k == "query"]
    if direct_query is not None:
        queries.append(direct_query)
    if len(queries) > 1:
        raise QueryRejected(400, "more than one query in the request")
    query = queries[0] if queries else None
    if query is not None and not query.strip():
        raise QueryRejected(400, "the query is empty")
    return SparqlRequest(
        query=query,
        default_graph_uris=tuple(v for k, v in params if k == "default-graph-uri"),
        named_graph_uris=tuple(v for k, v in params if k == "named-graph-uri"),
    )


# --------------------------------------------------------------------------------------------
# Query inspection (a lexer, not a parser: pyoxigraph parses)
# --------------------------------------------------------------------------------------------

# Every pattern is possessive and decided by its first characters, so that no attempt at a
# position scans far and then fails: lexing is linear in the length of the query (a 32 KB
# query of `a-a-a-...` took seconds with the backtracking patterns this replaces). A name is
# matched as one run and split afterwards; a long string that never closes is remembered,
# since none opened later can close either.
_TOKEN = re.compile(
    r"""
    (?P<ws>\s++)
  | (?P<comment>\#[^\n\r]*+)
  | (?P<long>'''|\"\"\")
  | (?P<string>'(?:[^'\\\n\r]++|\\.)*+'|"(?:[^"\\\n\r]++|\\.)*+")
  | (?P<unterminated>['"])
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]++|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*+>)
  | (?P<var>[?$][0-9A-Za-z_\u00B7-\uFFFF]++)
  | (?P<lang>@[A-Za-z]++(?:-[A-Za-z0-9]++)*+)
  | (?P<name>[A-Za-z_\u00C0-\uFFFF][\w\-.\u00B7-\uFFFF]*+)
  | (?P<pname>:(?:[\w\-.:%\u00B7-\uFFFF]++|\\.)*+)
  | (?P<number>[0-9][0-9.eE]*+)
  | (?P<open>[{(\[])
  | (?P<close>[})\]])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
# Inside a name run that no ':' follows: the tokens the backtracking lexer found there.
_IN_NAME = re.compile(
    r"(?P<ws>\s++)|(?P<word>[A-Za-z_][A-Za-z0-9_]*+)|(?P<number>[0-9][0-9.eE]*+)|(?P<other>.)",
    re.DOTALL,
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*+")
_LOCAL = re.compile(r"(?:[\w\-.:%\u00B7-\uFFFF]++|\\.)*+", re.DOTALL)
_LONG_BODY = {
    "'''": re.compile(r"(?:[^'\\]++|\\.|'(?!''))*+'''", re.DOTALL),
    '"""': re.compile(r'(?:[^"\\]++|\\.|"(?!""))*+"""', re.DOTALL),
}


def tokenize(query: str) -> list[tuple[str, str]]:
    """The query's tokens as (kind, text), whitespace and comments left out.

    Kinds: string, iri, var, lang, pname, word, number, open, close, other. Linear in the
    length of the query. Raises QueryRejected(400) for a string literal left open on its
    line, which no SPARQL parser accepts either.
    """
    return Lexer(query).run()


class Lexer:
    """One pass over a query; `work` counts the characters that the patterns examined."""

    def __init__(self, query: str, *, layout: bool = False) -> None:
        self.query = query
        self.layout = layout  # keep whitespace and comments, so that the tokens join to the query
        self.tokens: list[tuple[str, str]] = []
        self.work = 0
        self.comments = 0  # comments read (left out of `tokens` unless `layout`)
        self._no_close: dict[str, int] = {}  # long-string opener -> from where none closes

    def run(self) -> list[tuple[str, str]]:
        query, tokens = self.query, self.tokens
        pos, end = 0, len(query)
        while pos < end:
            m = _TOKEN.match(query, pos)
            assert m is not None  # `other` matches any character
            kind, text = m.lastgroup or "other", m.group()
            if kind == "long":
                pos = self._long(text, pos)
            elif kind == "name":
                pos = self._name(text, pos)
            elif kind == "unterminated":
                raise QueryRejected(400, "syntax error: a string literal is not closed on its line")
            else:
                # A failed short string or IRI scanned up to the end of its line or an
                # excluded character, which no later attempt of its kind crosses again.
                self.work += len(text)
                if kind == "comment":
                    self.comments += 1
                if self.layout or kind not in ("ws", "comment"):
                    tokens.append((kind, text))
                pos = m.end()
        return tokens

    def _long(self, opener: str, pos: int) -> int:
        if pos < self._no_close.get(opener, len(self.query)):
            m = _LONG_BODY[opener].match(self.query, pos + 3)
            if m is not None:
                self.work += m.end() - pos
                self.tokens.append(("string", self.query[pos : m.end()]))
                return m.end()
            self.work += len(self.query) - pos
            self._no_close[opener] = pos
        # Not a long string: its first two quotes are an empty string, as SPARQL reads them.
        self.work += 2
        self.tokens.append(("string", opener[:2]))
        return pos + 2

    def _name(self, run: str, pos: int) -> int:
        after = pos + len(run)
        self.work += len(run)
        if self.query.startswith(":", after):
            m = _LOCAL.match(self.query, after + 1)
            assert m is not None
            self.work += m.end() - after
            self.tokens.append(("pname", self.query[pos : m.end()]))
            return m.end()
        if _WORD.fullmatch(run):
            self.tokens.append(("word", run))
            return after
        for sub in _IN_NAME.finditer(run):
            self.work += len(sub.group())
            if self.layout or sub.lastgroup != "ws":
                self.tokens.append((sub.lastgroup or "other", sub.group()))
        return after


@dataclass
class LexedQuery:
    """What the lexer learnt: the query form and what must be checked before evaluation."""

    form: str | None = None
    depth: int = 0
    service: bool = False
    update_keyword: str | None = None
    from_graphs: list[str] = field(default_factory=list)
    from_named_graphs: list[str] = field(default_factory=list)
    # A FROM keyword was read, whether or not an IRI the checker can read follows it: such a
    # query is never evaluated on the union default graph (pyoxigraph then ignores FROM).
    from_keyword: bool = False
    unread_from: bool = False  # a FROM or FROM NAMED not followed by an IRI or prefixed name
    # Whether the answer depends on the base IRI given with the query (a relative IRI, or
    # IRI()/URI(), before any absolute BASE of the query's own).
    uses_base: bool = False
    # The tokens as `tokenize` gives them, and whether the text had comments (for
    # `diplokg.server.fastpath`, which reads the query's shape from them).
    tokens: list[tuple[str, str]] = field(default_factory=list)
    comments: bool = False

    @property
    def has_dataset_clause(self) -> bool:
        return bool(self.from_graphs or self.from_named_graphs or self.from_keyword)


def inspect_query(query: str, max_depth: int, base_iri: str | None = None) -> LexedQuery:
    """Lex the query once: form, bracket depth, SERVICE, update keywords, FROM IRIs.

    Raises QueryRejected(400) as soon as the nesting is deeper than `max_depth`, so that a
    hostile query never reaches the parser.
    """
    info = LexedQuery()
    prefixes: dict[str, str] = {}
    base = base_iri
    lexer = Lexer(query)
    tokens = info.tokens = lexer.run()
    info.comments = lexer.comments > 0
    depth = 0
    pending_from: str | None = None  # "FROM" or "FROM NAMED" awaiting its IRI
    own_base = False
    for i, (kind, text) in enumerate(tokens):
        if not (own_base or info.uses_base) and _needs_base(kind, text):
            info.uses_base = True
        if kind == "open":
            depth += 1
            if depth > max_depth:
                raise QueryRejected(400, f"the query nests brackets deeper than {max_depth} levels")
            info.depth = max(info.depth, depth)
            continue
        if kind == "close":
            depth = max(0, depth - 1)
            continue
        if pending_from is not None:
            if kind == "word" and text.upper() == "NAMED" and pending_from == "FROM":
                pending_from = "FROM NAMED"
                continue
            iri = _resolve(kind, text, prefixes, base)
            if iri is not None:
                target = (
                    info.from_named_graphs if pending_from == "FROM NAMED" else info.from_graphs
                )
                target.append(iri)
            else:
                info.unread_from = True
            pending_from = None
            continue
        if kind != "word":
            continue
        word = text.upper()
        if word == "PREFIX" and i + 2 < len(tokens) and tokens[i + 2][0] == "iri":
            prefixes[tokens[i + 1][1].rstrip(":")] = _iri_text(tokens[i + 2][1], base)
        elif word == "BASE" and i + 1 < len(tokens) and tokens[i + 1][0] == "iri":
            own_base = own_base or bool(_ABSOLUTE.match(iri_value(tokens[i + 1][1])))
            base = _iri_text(tokens[i + 1][1], base)
        elif word == "SERVICE":
            info.service = True
        elif word == "FROM":
            pending_from = "FROM"
            info.from_keyword = True
        elif info.form is None and info.update_keyword is None:
            if word in QUERY_FORMS:
                info.form = word
            elif word in UPDATE_KEYWORDS:
                info.update_keyword = word
    return info


_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _unescape(match: re.Match[str]) -> str:
    code = int(match.group(1) or match.group(2), 16)
    if code > 0x10FFFF:
        raise QueryRejected(400, f"syntax error: {match.group()} is not a character")
    return chr(code)


def iri_value(token: str) -> str:
    """The IRI an IRIREF token `<...>` holds, its `\\uXXXX` and `\\UXXXXXXXX` escapes decoded
    (SPARQL 1.1 section 19.2: pyoxigraph decodes them in IRIs and strings, so the checker must
    read the IRI it evaluates). QueryRejected(400) for an escape past U+10FFFF."""
    iri = token[1:-1]
    return _ESCAPE.sub(_unescape, iri) if "\\" in iri else iri


def _needs_base(kind: str, text: str) -> bool:
    """A relative IRI, or a function that makes IRIs from strings against the base."""
    if kind == "iri":
        return not _ABSOLUTE.match(iri_value(text))
    return kind == "word" and text.upper() in ("IRI", "URI")


def _iri_text(token: str, base: str | None) -> str:
    iri = iri_value(token)
    return urljoin(base, iri) if base else iri


def _resolve(kind: str, text: str, prefixes: Mapping[str, str], base: str | None) -> str | None:
    if kind == "iri":
        return _iri_text(text, base)
    if kind == "pname":
        prefix, _, local = text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local
        return text
    return None


def check_query(
    query: str,
    *,
    max_bytes: int,
    max_depth: int,
    dataset_graphs: Iterable[str],
    default_graph_uris: Sequence[str] = (),
    named_graph_uris: Sequence[str] = (),
    base_iri: str | None = None,
) -> LexedQuery:
    """Every refusal that must happen before evaluation, in one place.

    Size (413), nesting depth, updates and LOAD, SERVICE, and any graph named by FROM,
    FROM NAMED or the protocol parameters that is not in the dataset (400): pyoxigraph could
    otherwise call out over HTTP for SERVICE, and a graph outside the dataset is never
    fetched, so naming one is a mistake worth telling the client about.
    """
    size = len(query.encode("utf-8"))
    if size > max_bytes:
        raise QueryRejected(413, f"the query is {size} bytes; the limit is {max_bytes}")
    info = inspect_query(query, max_depth, base_iri)
    if info.update_keyword is not None:
        raise QueryRejected(
            403,
            f"{info.update_keyword}: SPARQL Update is not accepted: this endpoint is read-only",
        )
    if info.form is None:
        raise NotAQuery(400, "not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    if info.service:
        raise QueryRejected(400, "SERVICE is not allowed: this endpoint makes no outbound requests")
    if info.unread_from:
        raise QueryRejected(
            400, "FROM and FROM NAMED must be followed by an IRI or a prefixed name"
        )
    known = set(dataset_graphs)
    named = [
        *info.from_graphs,
        *info.from_named_graphs,
        *default_graph_uris,
        *named_graph_uris,
    ]
    for iri in named:
        if iri not in known:
            raise QueryRejected(400, f"<{iri}> is not a graph of this dataset")
    return info
