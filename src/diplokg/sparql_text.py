"""SPARQL as people type it: our prefixes added where a query uses them undeclared, and what
is wrong with a query that does not parse, said in one line.

Oxigraph's parser reports where it gave up as `error at LINE:COLUMN: expected one of ...`,
with character classes in the list and, when the query ends early or a pattern is cut short,
a position past the end of a line. `explain_syntax_error` turns that into one line naming the
line, the column and the offending text: an update sent as a query, a prefix used but not
declared, a bracket left open and a string left open are read by the endpoint's lexer
(`diplokg.protocol`), linear and exact; otherwise Oxigraph's position is kept when it falls
on the text, else rdflib's parser, slower but more precise, is asked where the query goes
wrong (only for queries of a few kilobytes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from diplokg.protocol import QUERY_FORMS, UPDATE_KEYWORDS, Lexer, QueryRejected

__all__ = ["SyntaxProblem", "add_prefixes", "declared_prefixes", "explain_syntax_error"]

# rdflib's parser takes about a second on the largest queries the endpoint accepts; past this
# size Oxigraph's own position is reported as it is.
PRECISE_BYTES = 8 * 1024
_POSITION = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)
_OPENING = {"{": "}", "(": ")", "[": "]"}
_BLANK = ("ws", "comment")


@dataclass(frozen=True)
class SyntaxProblem:
    """What is wrong with a query: a one-line message, and where (1-based) when known."""

    message: str
    line: int | None = None
    column: int | None = None
    read_only: bool = False  # an update sent to a read-only graph or endpoint

    def __str__(self) -> str:
        if self.read_only:
            return self.message
        if self.line is None:
            return f"syntax error: {self.message}"
        return f"syntax error at line {self.line}, column {self.column}: {self.message}"


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int


def _tokens(query: str) -> list[_Token]:
    """Every token of `query` with its offset; QueryRejected for a string left open."""
    found, offset = [], 0
    for kind, text in Lexer(query, layout=True).run():
        found.append(_Token(kind, text, offset))
        offset += len(text)
    return found


def _prefix_of(token: _Token) -> str | None:
    if token.kind != "pname":
        return None
    prefix = token.text.partition(":")[0]
    return None if prefix == "_" else prefix  # `_:b` is a blank node


def _declarations(tokens: list[_Token]) -> tuple[dict[str, int], list[_Token]]:
    """Prefixes declared (with the index of their declaration) and the tokens that use one."""
    solid = [t for t in tokens if t.kind not in _BLANK]
    declared: dict[str, int] = {}
    used: list[_Token] = []
    for i, token in enumerate(solid):
        if token.kind == "word" and token.text.upper() == "PREFIX" and i + 1 < len(solid):
            name = solid[i + 1]
            if name.kind == "pname":
                declared.setdefault(name.text.partition(":")[0], i + 1)
            continue
        if i > 0 and solid[i - 1].kind == "word" and solid[i - 1].text.upper() == "PREFIX":
            continue
        if _prefix_of(token) is not None:
            used.append(token)
    return declared, used


def declared_prefixes(query: str) -> set[str]:
    """The prefixes `query` declares."""
    try:
        return set(_declarations(_tokens(query))[0])
    except QueryRejected:
        return set()


def add_prefixes(query: str) -> str:
    """`query` with a PREFIX line, from `diplokg.namespaces.PREFIXES`, for each of our prefixes
    it uses without declaring; its own declarations are never touched. The lines go before
    the query on its first line, so that line numbers stay those of the text as written.

    >>> add_prefixes("SELECT ?t WHERE { ?t a dkg:Treaty }")[:46]
    'PREFIX dkg: <https://w3id.org/diplokg/ontology#>'
    """
    from diplokg.namespaces import PREFIXES

    try:
        declared, used = _declarations(_tokens(query))
    except QueryRejected:
        return query  # the engine reports the open string
    missing = dict.fromkeys(
        p for t in used if (p := _prefix_of(t)) in PREFIXES and p not in declared
    )
    if not missing:
        return query
    return "".join(f"PREFIX {p}: <{PREFIXES[p]}> " for p in missing) + query


def _line_column(query: str, offset: int) -> tuple[int, int]:
    line = query.count("\n", 0, offset) + 1
    return line, offset - (query.rfind("\n", 0, offset) + 1) + 1


def _offset(query: str, line: int, column: int) -> int | None:
    """The offset of a 1-based line and column, or None when it is not on the text."""
    start = 0
    for _ in range(line - 1):
        start = query.find("\n", start) + 1
        if start == 0:
            return None
    end = query.find("\n", start)
    end = len(query) if end < 0 else end
    offset = start + column - 1
    return offset if offset < end else None


def _token_at(tokens: list[_Token], offset: int) -> _Token | None:
    """The first token that is not blank at or after `offset`."""
    for token in tokens:
        if token.start + len(token.text) > offset and token.kind not in _BLANK:
            return token
    return None


def _shown(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= 40 else text[:39] + "…")


def _near(query: str, token: _Token) -> str:
    """The offending text: the rest of the token's line."""
    end = query.find("\n", token.start)
    return "near " + _shown(query[token.start : len(query) if end < 0 else end])


def _unclosed(tokens: list[_Token]) -> _Token | None:
    """The innermost bracket still open at the end of the query, if any."""
    stack: list[_Token] = []
    for token in tokens:
        if token.kind == "open":
            stack.append(token)
        elif token.kind == "close" and stack and _OPENING[stack[-1].text] == token.text:
            stack.pop()
    return stack[-1] if stack else None


def _expected(message: str) -> str:
    """Oxigraph's list of what it expected, without its character classes."""
    head = message.split(", [")[0].split(" [")[0]
    items = [
        item.strip()
        for item in head.removeprefix("expected one of ").removeprefix("expected ").split(",")
    ]
    items = [i for i in items if i and not i.startswith("[") and "\n" not in i and " " not in i]
    if not items:
        return ""
    shown = ", ".join(items[:8]) + (", …" if len(items) > 8 else "")
    return f"expected {shown}"


def _reason(message: str) -> str | None:
    """Oxigraph's own reason, when its list of what it expected holds one: a sentence among
    the tokens ("Duplicated variable name in SELECT", "The query limit should be a non
    negative integer"), which Oxigraph places one column past the end of the text."""
    head = message.split(", [")[0].removeprefix("expected one of ").removeprefix("expected ")
    reasons = [i.strip() for i in head.split(",") if " " in i.strip() and "\n" not in i]
    return reasons[0] if reasons else None


def _after_prologue(solid: list[_Token]) -> _Token | None:
    """The first token after the PREFIX and BASE declarations: the query form, if all is well."""
    i = 0
    while i < len(solid) and solid[i].kind == "word":
        word = solid[i].text.upper()
        if word == "PREFIX":
            i += 3
        elif word == "BASE":
            i += 2
        else:
            break
    return solid[i] if i < len(solid) else None


def _rdflib_offset(query: str) -> int | None:
    """Where rdflib's parser says the query goes wrong."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        parseQuery(query)
    except ParseException as exc:
        return int(exc.loc)
    except Exception:  # rdflib's parser fails in its own ways on some inputs
        return None
    return None


def explain_syntax_error(
    query: str, message: str, *, hidden: int = 0, precise: bool = True
) -> SyntaxProblem:
    """What is wrong with `query`, which Oxigraph refused with `message`.

    `hidden` is the length of text put before the query as the user wrote it (`add_prefixes`),
    so that positions are those of the user's text. `precise=False` never asks rdflib's
    parser where the query goes wrong (tens of milliseconds on a 4 KB text, unbounded): for
    the server process, where nothing may take long (a worker explains with it, within the
    query's deadline).
    """
    try:
        tokens = _tokens(query)
    except QueryRejected as exc:  # a string left open on its line
        return SyntaxProblem(exc.message.removeprefix("syntax error: "))
    solid = [t for t in tokens if t.kind not in _BLANK]

    def at(offset: int, text: str) -> SyntaxProblem:
        user = query[hidden:]
        line, column = _line_column(user, max(0, offset - hidden))
        return SyntaxProblem(text, line, column)

    first = _after_prologue(solid)
    if first is not None and first.kind == "word" and first.text.upper() in UPDATE_KEYWORDS:
        return SyntaxProblem(
            f"{first.text.upper()}: SPARQL Update is not accepted: this graph is read-only",
            read_only=True,
        )
    declared, used = _declarations(tokens)
    from diplokg.namespaces import PREFIXES, near_prefix

    for token in used:
        prefix = _prefix_of(token)
        assert prefix is not None
        if prefix not in declared:
            iri = PREFIXES.get(prefix)
            fix = f"add PREFIX {prefix}: <{iri}>" if iri else f"add PREFIX {prefix}: <…>"
            near = None if iri else near_prefix(prefix)
            if near is not None:  # a typo of ours (`dgk:Treaty`): say which
                fix = f"did you mean {near}:? else {fix}"
            return at(token.start, f"prefix '{prefix}:' is not declared ({fix})")
    if first is not None and first.text.upper() not in QUERY_FORMS:
        return at(
            first.start,
            f"unexpected {_shown(first.text)}: expected SELECT, ASK, CONSTRUCT or DESCRIBE",
        )
    match = _POSITION.match(message)
    expected = _expected(match.group(3)) if match else ""
    offset = _offset(query, int(match.group(1)), int(match.group(2))) if match else None
    reason = _reason(match.group(3)) if match else None
    if reason is not None:  # Oxigraph says why: where, when its position is in the text
        found = _token_at(tokens, offset) if offset is not None else None
        return at(found.start, reason) if found is not None else SyntaxProblem(reason)
    if offset is not None and (found := _token_at(tokens, offset)) is not None:
        near = _near(query, found)
        return at(found.start, f"{near}; {expected}" if expected else near)
    unclosed = _unclosed(tokens)
    if unclosed is not None:
        return at(unclosed.start, f"this {unclosed.text!r} is never closed")
    if first is None and solid:  # declarations only (`PREFIX a: <x>`): the form is missing
        return at(
            solid[-1].start,
            f"the query ends after {_shown(solid[-1].text)}: "
            "expected SELECT, ASK, CONSTRUCT or DESCRIBE",
        )
    if precise and len(query.encode("utf-8")) <= PRECISE_BYTES:
        position = _rdflib_offset(query)
        if position is not None and (found := _token_at(tokens, position)) is not None:
            return at(found.start, _near(query, found))
    if solid:
        last = solid[-1]
        return at(last.start, f"the query ends too early after {_shown(last.text)}")
    return SyntaxProblem("the query is empty")
