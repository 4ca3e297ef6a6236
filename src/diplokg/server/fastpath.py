"""Queries answered in the server process itself, from a read-only store: the provably cheap.

A query run by a worker (`diplokg.server.engine`) costs the server a pickled job, a pipe
hop each way and two wake-ups: for a query whose whole work is one seek in one of the store's
indexes, most of its time (issue 16: a cheap query's p50 was 0.5 ms, Oxigraph's 0.1 ms). The
server process therefore answers some queries itself, from the same store opened read-only,
with the same `diplokg.results.run_job` a worker runs (the same bytes, ETag included).

Which ones is decided by `is_cheap` on the checker's tokens (`diplokg.protocol.LexedQuery`),
never on the raw text, and conservatively: it accepts exactly the shapes below and nothing
else, so that anything it does not fully understand goes to a worker. A wrong "cheap" verdict
would stop every client while the query runs (the server process has one thread and
pyoxigraph cannot be interrupted); a wrong "not cheap" costs the hop. Keywords are read in any
case, `a` in lower case only:

    Query    := Prologue ( ASK WHERE? Group
                         | SELECT ( Var+ | * ) WHERE? Group Limits )
                the projected variables distinct, each one of the pattern's, never its object
    Prologue := ( PREFIX Prefix: Iri | BASE Iri )*
    Group    := { Triple .? }  |  { GRAPH Iri { Triple .? } }
    Limits   := LIMIT n ( OFFSET m )?  |  OFFSET m LIMIT n      n <= 100, n + m <= 1000
    Triple   := ( Var | Iri ) ( Var | Iri | a ) ( Var | Iri | Literal ), no variable twice
    Var      := ?name or $name (ASCII letters, digits, _; ?x and $x are one variable)
    Iri      := <...> without a backslash | prefix:local (ASCII letters, digits, _ and -;
                the prefix starts with a letter, so no blank node _:b)
    Literal  := "..." or '...' on one line without \\, { or }, then @lang or ^^Iri or nothing

and the whole text is at most `MAX_CHARS` characters, without comments, with no FROM,
FROM NAMED or protocol dataset (`default-graph-uri`, `named-graph-uri`). Everything else goes
to a worker: blank nodes and `[]` (variables that may repeat), `GRAPH ?g`, paths, FILTER,
OPTIONAL, UNION, MINUS, BIND, VALUES, sub-queries, DISTINCT, REDUCED, ORDER BY, GROUP BY,
aggregates and expressions, numbers and booleans as terms, triple terms, escapes, SERVICE.

Why these are cheap: a triple pattern in which no variable repeats matches one prefix range of
one of Oxigraph's indexes (SPOG, POSG, OSPG; GSPO, GPOS, GOSP inside GRAPH), however its terms
are bound. ASK stops at the first quad of that range. On the union default graph Oxigraph
returns one row per quad (it does not deduplicate the union), so a SELECT reads at most
n + m quads and decodes n rows. Measured with pyoxigraph 0.5.13 on the seed (CPU time of
`run_job`, loaded machine): an ASK 25 us, a row decoded about 4 us and skipped 0.35 us, 100
rows answered as SPARQL XML (the costliest format) 1.0 ms, OFFSET 900 LIMIT 100 1.3 ms; a
1,000-row answer 8-10 ms, which is why n is 100 and not 1,000. A repeated variable
(`?s ?p ?s`) filters the range instead: a scan of the whole store when nothing matches.
A row's cost is that of its terms: the subject and predicate are IRIs the build mints, but an
object may be a literal of any length (100 literals of 150 KB answered as XML took 485 ms), so
a SELECT that answers the object goes to a worker, as does one that projects a variable twice
or one the pattern lacks (a thousand columns of 100 rows took 13-20 ms). A query Oxigraph
refuses is explained by a worker too (`run_job(explain=False)`): the explanation may ask
rdflib's parser, tens of milliseconds on a long text.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Sequence

import pyoxigraph as ox

from diplokg.protocol import LexedQuery

__all__ = ["MAX_CHARS", "MAX_ROWS", "MAX_SCANNED", "FrontStore", "is_cheap", "is_cheap_query"]

log = logging.getLogger("diplokg.fastpath")

MAX_CHARS = 4096  # the longest query text answered here (the checker lexes longer ones in a thread)
MAX_ROWS = 100  # the largest LIMIT
MAX_SCANNED = 1000  # the largest LIMIT + OFFSET
REOPEN_AFTER_S = 5.0  # after a store failed to open here, when to try again

Token = tuple[str, str]

_VAR = re.compile(r"[?$]([A-Za-z0-9_]+)")
_PREFIX_NS = re.compile(r"(?:[A-Za-z][A-Za-z0-9_-]*)?:")
_PNAME = re.compile(r"(?:[A-Za-z][A-Za-z0-9_-]*)?:(?:[A-Za-z0-9_][A-Za-z0-9_-]*)?")
_STRING = re.compile(r"\"[^\"\\\n\r{}]*\"|'[^'\\\n\r{}]*'")
_LANG = re.compile(r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*")
_INTEGER = re.compile(r"[0-9]{1,7}")


class _Reader:
    """A cursor over the tokens; every method returns None (or False) when the shape differs."""

    def __init__(self, tokens: Sequence[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.pattern: set[str] = set()  # the triple pattern's variables
        self.object: str | None = None  # its object's variable, if it has one

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> Token | None:
        token = self.peek()
        if token is not None:
            self.i += 1
        return token

    def keyword(self, word: str) -> bool:
        """Consume the keyword `word` (any case) if it is next."""
        token = self.peek()
        if token is not None and token[0] == "word" and token[1].upper() == word:
            self.i += 1
            return True
        return False

    def punct(self, kind: str, text: str) -> bool:
        if self.peek() == (kind, text):
            self.i += 1
            return True
        return False

    def iri(self) -> bool:
        token = self.peek()
        if token is None:
            return False
        kind, text = token
        if (kind == "iri" and "\\" not in text) or (kind == "pname" and _PNAME.fullmatch(text)):
            self.i += 1
            return True
        return False

    def var(self) -> str | None:
        token = self.peek()
        if token is None or token[0] != "var":
            return None
        m = _VAR.fullmatch(token[1])
        if m is None:
            return None
        self.i += 1
        return m.group(1)

    def literal(self) -> bool:
        token = self.peek()
        if token is None or token[0] != "string" or not _STRING.fullmatch(token[1]):
            return False
        self.i += 1
        after = self.peek()
        if after is not None and after[0] == "lang":
            if not _LANG.fullmatch(after[1]):
                return False
            self.i += 1
        elif after == ("other", "^"):
            self.i += 1
            return self.punct("other", "^") and self.iri()
        return True

    def integer(self) -> int | None:
        token = self.peek()
        if token is None or token[0] != "number" or not _INTEGER.fullmatch(token[1]):
            return None
        self.i += 1
        return int(token[1])


def _triple(r: _Reader) -> bool:
    """Subject, predicate, object; no variable twice (kept in `r.pattern`, `r.object`)."""
    seen = r.pattern

    def term(*, predicate: bool = False, obj: bool = False) -> bool:
        name = r.var()
        if name is not None:
            if name in seen:
                return False
            seen.add(name)
            if obj:
                r.object = name
            return True
        if predicate and r.peek() == ("word", "a"):
            r.i += 1
            return True
        return r.iri() or (obj and r.literal())

    return term() and term(predicate=True) and term(obj=True)


def _group(r: _Reader) -> bool:
    """`{ Triple .? }` or `{ GRAPH Iri { Triple .? } }`."""
    if not r.punct("open", "{"):
        return False
    graph = r.keyword("GRAPH")
    if graph and not (r.iri() and r.punct("open", "{")):
        return False
    if not _triple(r):
        return False
    r.punct("other", ".")
    if not r.punct("close", "}"):
        return False
    return not graph or r.punct("close", "}")


def _limits(r: _Reader) -> bool:
    """LIMIT n (OFFSET m)? or OFFSET m LIMIT n, within `MAX_ROWS` and `MAX_SCANNED`."""
    limit = offset = None
    for _ in range(2):
        if limit is None and r.keyword("LIMIT"):
            limit = r.integer()
            if limit is None:
                return False
        elif offset is None and r.keyword("OFFSET"):
            offset = r.integer()
            if offset is None:
                return False
    if limit is None or limit > MAX_ROWS:
        return False
    return limit + (offset or 0) <= MAX_SCANNED


def is_cheap(tokens: Sequence[Token]) -> bool:
    """Whether the query of `tokens` (`diplokg.protocol.tokenize`'s, without comments) is
    one of the shapes of this module's docstring: True only when the whole token list is.

    >>> from diplokg.protocol import tokenize
    >>> is_cheap(tokenize('ASK { ?s ?p "cheap 1" }'))
    True
    >>> is_cheap(tokenize('ASK { ?s ?p ?s }'))
    False
    """
    r = _Reader(tokens)
    while True:
        if r.keyword("PREFIX"):
            token = r.take()
            if token is None or token[0] != "pname" or not _PREFIX_NS.fullmatch(token[1]):
                return False
            if not r.iri() or tokens[r.i - 1][0] != "iri":
                return False
        elif r.keyword("BASE"):
            if not r.iri() or tokens[r.i - 1][0] != "iri":
                return False
        else:
            break
    if r.keyword("ASK"):
        r.keyword("WHERE")
        ok = _group(r)
    elif r.keyword("SELECT"):
        names: list[str] | None = None  # None: `*`
        if not r.punct("other", "*"):
            names = []
            while (name := r.var()) is not None:
                names.append(name)
            if not names:
                return False
        r.keyword("WHERE")
        ok = _group(r) and _limits(r)
        projected = r.pattern if names is None else set(names)
        ok = (
            ok
            # each projected variable once, and one of the pattern's: at most three columns
            # (a repeated one is a syntax error, which a worker explains)
            and (names is None or (len(projected) == len(names) and projected <= r.pattern))
            # the object, which may be a literal of any length, is never answered here
            and r.object not in projected
        )
    else:
        return False
    return ok and r.i == len(tokens)


def is_cheap_query(query: str, info: LexedQuery, protocol_dataset: bool = False) -> bool:
    """Whether the checked `query` (`info`: what the checker read of it) is answered in the
    server process: at most `MAX_CHARS` characters, no comment, no FROM or FROM NAMED, no
    protocol dataset (`protocol_dataset`: `default-graph-uri` or `named-graph-uri` given),
    and one of the shapes `is_cheap` accepts."""
    return (
        len(query) <= MAX_CHARS
        and not protocol_dataset
        and not info.comments
        and not info.has_dataset_clause
        and not info.service
        and is_cheap(info.tokens)
    )


def _open(path: str) -> ox.Store:
    store = ox.Store.read_only(path)
    store.query("ASK { ?s ?p ?o }")  # the first read maps what every query needs
    return store


class FrontStore:
    """The read-only store the server process answers cheap queries from: the store the
    workers read, opened in a thread of the running event loop (never before the first
    worker is forked: RocksDB starts threads) and dropped when the served store changes or
    fails to be read."""

    def __init__(self) -> None:
        self.path: str | None = None
        self.store: ox.Store | None = None
        self._opening: str | None = None
        self._failed: tuple[str, float] | None = None

    def get(self, path: str) -> ox.Store | None:
        """The store at `path` when it is open here; None otherwise, having started to open it
        (in a thread of the running loop) unless that is under way or failed just now."""
        if self.path == path and self.store is not None:
            return self.store
        if self._opening == path:
            return None
        failed = self._failed
        if (
            failed is not None
            and failed[0] == path
            and time.monotonic() - failed[1] < REOPEN_AFTER_S
        ):
            return None
        self.drop()
        self._opening = path
        future = asyncio.get_running_loop().run_in_executor(None, _open, path)
        future.add_done_callback(lambda f: self._opened(path, f))
        return None

    def _opened(self, path: str, future: asyncio.Future[ox.Store]) -> None:
        if self._opening != path:
            return  # dropped meanwhile: the store served is another one now
        self._opening = None
        with contextlib.suppress(asyncio.CancelledError):
            exc = future.exception()
            if exc is not None:
                self._failed = (path, time.monotonic())
                log.warning("cannot open the store read-only in the server process: %s", exc)
                return
            self.path, self.store, self._failed = path, future.result(), None

    def drop(self) -> None:
        """Forget the store (closed once no query holds it); the next `get` opens it again."""
        self.path = self.store = self._opening = None
