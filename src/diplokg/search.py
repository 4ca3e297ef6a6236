"""Full-text search of the built dataset: labels, quotes and sentences, in `dist/search.sqlite`.

The build writes the index (`diplokg.build.search_index`) with SQLite's FTS5, from Python's
standard library, so searching needs no service: `/api/search`, the `/search` page,
`KnowledgeGraph.search()` and `diplokg search` all call `search()` here.

How a query is read: its words (letters and digits; everything else separates them) must all
occur, in any order, the last one as a prefix (`nazarb` finds Nazarbaïev); case and accents do
not matter (FTS5's `unicode61` tokenizer with `remove_diacritics 2`: `nazarbaiev` finds
Nazarbaïev). Nothing the user types is FTS5 syntax: `"`, `*`, `AND`, `NEAR(`, `col:` are
words or separators, so no input can make a query fail. Ranking is FTS5's bm25 with column
weights (`WEIGHTS`): a word in a resource's preferred label weighs most, then one in any of
its names, then one in a quote, then one in a sentence. When no row has every word, labels
that share at least half of the query's trigrams (a trigram index of the labels, accents
removed; queries of three trigrams or more) are offered instead, marked `near`
("Nazarbajev" finds Nazarbayev).
"""

from __future__ import annotations

import html
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from diplokg.errors import DiplokgError
from diplokg.namespaces import DKG, RES

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "KINDS",
    "Hit",
    "Results",
    "SearchError",
    "SearchRow",
    "create_index",
    "fts_query",
    "results_frame",
    "search",
]

SCHEMA_VERSION = "2"
# The kinds of entry, in the order rows are written: a resource of the graph, a concept of
# our vocabularies, a class or property of the ontology, a quote (the exact words of an
# annotation), a sentence of a source text.
KINDS = ("resource", "concept", "term", "quote", "sentence")
# bm25 weights of the indexed columns: the preferred label (so that "Astana" puts the city
# before the Astana Ballet), every name, quotes, sentences.
WEIGHTS = (12.0, 8.0, 4.0, 1.0)
MAX_QUERY_CHARS = 200
MAX_TOKENS = 12
MAX_LIMIT = 100
SNIPPET_TOKENS = 16
NEAR_SHARE = 0.5  # the share of the query's trigrams a label must hold to be offered as near
NEAR_MIN_TRIGRAMS = 3  # shorter queries (a word of four letters or less) get no near spellings
# Markers FTS5 puts around a match; code points of the private use area that no text holds,
# replaced by <mark> (after escaping) or by the caller's plain-text marks.
_OPEN, _CLOSE = "\ue000", "\ue001"
_TOKEN = re.compile(r"[^\W_]+")
_INDEXED = ("label", "names", "quote", "sentence")
_STORED = ("kind", "iri", "title", "type", "document", "start", "end")

DDL = (
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # Indexed columns first, so that bm25's weights are given in this order.
    "CREATE VIRTUAL TABLE entries USING fts5("
    + ", ".join([*_INDEXED, *(f"{c} UNINDEXED" for c in _STORED)])
    + ", tokenize = 'unicode61 remove_diacritics 2')",
    # rowid = the rowid of the label's row in entries
    "CREATE VIRTUAL TABLE near USING fts5(names, tokenize = 'trigram')",
)


class SearchError(DiplokgError):
    """No search index where one was expected (the dataset was not built by `diplokg build`)."""


@dataclass(frozen=True)
class SearchRow:
    """One entry of the index, as the build writes it."""

    kind: str
    iri: str  # the resource, term or fact; for a sentence, its source document
    title: str  # what a hit is called: the resource's label, the fact's label, the document's
    names: str = ""  # every label and alternative label (resources, concepts, terms)
    quote: str = ""
    sentence: str = ""
    type: str = ""  # the label of its most specific class, when it has one
    document: str = ""  # the slug of the source document of a quote or sentence
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class Hit:
    """One search result. `snippet` is HTML (text escaped, matches in <mark>) unless the
    caller asked for plain marks; `url` is the path of its page on a diplokg server."""

    kind: str
    label: str
    iri: str
    snippet: str
    score: float  # -bm25: higher is better (for near hits, the trigram index's bm25)
    type: str | None
    document: str | None
    start: int | None
    end: int | None
    url: str
    near: bool = False


@dataclass(frozen=True)
class Results:
    """A page of hits, with how many rows match in all."""

    query: str
    total: int
    hits: list[Hit]
    near: bool = False  # no row holds every word: these are near spellings of labels


# --------------------------------------------------------------------------------------------
# Writing (called by the build)
# --------------------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case without accents, for the trigram index (SQLite 3.40's trigram tokenizer
    cannot remove diacritics itself)."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def create_index(rows: Iterable[SearchRow], meta: dict[str, str]) -> bytes:
    """The bytes of a new index holding `rows` in the given order.

    Built in memory, merged into one segment (`optimize`) and vacuumed, so the same rows give
    the same bytes with the same SQLite version.
    """
    conn = sqlite3.connect(":memory:")
    try:
        for statement in DDL:
            conn.execute(statement)
        conn.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            sorted({**meta, "schema": SCHEMA_VERSION, "sqlite": sqlite3.sqlite_version}.items()),
        )
        columns = [*_INDEXED, *_STORED]
        insert = f"INSERT INTO entries({', '.join(columns)}) VALUES ({', '.join('?' * 11)})"
        for row in rows:
            label = row.title if row.names else ""  # named things only: not a quote's fact
            values = [label, *(getattr(row, c) for c in columns[1:])]
            cursor = conn.execute(insert, values)
            if row.names:
                conn.execute(
                    "INSERT INTO near(rowid, names) VALUES (?, ?)",
                    (cursor.lastrowid, fold(row.names)),
                )
        conn.execute("INSERT INTO entries(entries) VALUES ('optimize')")
        conn.execute("INSERT INTO near(near) VALUES ('optimize')")
        conn.commit()
        conn.execute("VACUUM")
        return conn.serialize()
    finally:
        conn.close()


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """The words of a query as FTS5's unicode61 tokenizer splits text (NFC first)."""
    return _TOKEN.findall(unicodedata.normalize("NFC", text[:MAX_QUERY_CHARS]))[:MAX_TOKENS]


def fts_query(text: str) -> str | None:
    """The FTS5 query for what a user typed: each word a quoted string, all required, the
    last a prefix; None when there is no word at all.

    >>> fts_query('Nazarbaev "AND" pr*')
    '"Nazarbaev" "AND" "pr"*'
    >>> fts_query('  *" ') is None
    True
    """
    found = words(text)
    if not found:
        return None
    quoted = [f'"{w}"' for w in found]  # a word holds no '"' to escape
    quoted[-1] += "*"
    return " ".join(quoted)


def _trigrams(text: str) -> list[str]:
    grams: list[str] = []
    for word in words(fold(text)):
        grams += [word[i : i + 3] for i in range(len(word) - 2)]
    return list(dict.fromkeys(grams))


def _connect(index: Path) -> sqlite3.Connection:
    if not index.is_file():
        raise SearchError(f"{index}: no search index; run `diplokg build`")
    # read-only and immutable: the build replaces the file, it never changes in place
    return sqlite3.connect(f"{index.resolve().as_uri()}?mode=ro&immutable=1", uri=True)


def _url(kind: str, iri: str, document: str | None, start: int | None, end: int | None) -> str:
    """Where a diplokg server shows the hit."""
    if kind in ("quote", "sentence") and document:
        return f"/document/{quote(document, safe='/-_.~')}#char={start},{end}"
    if iri.startswith(str(RES)):
        return "/resource/" + quote(iri[len(str(RES)) :], safe="/-_.~")
    if iri.startswith(str(DKG)):
        return "/ontology#" + quote(iri[len(str(DKG)) :], safe="-_.~")
    return iri


def _snippet(raw: str, marks: tuple[str, str] | None) -> str:
    if marks is None:
        return html.escape(raw, quote=False).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")
    return raw.replace(_OPEN, marks[0]).replace(_CLOSE, marks[1])


def _int(value: object) -> int | None:
    return None if value in (None, "") else int(str(value))


def _hit(row: Sequence[object], marks: tuple[str, str] | None, near: bool = False) -> Hit:
    kind, iri, title, type_, document, start, end, snippet, score = row
    start_i, end_i = _int(start), _int(end)
    return Hit(
        kind=str(kind),
        label=str(title),
        iri=str(iri),
        snippet=_snippet(str(snippet), marks),
        score=round(-float(str(score)), 6),
        type=str(type_) or None,
        document=str(document) or None,
        start=start_i,
        end=end_i,
        url=_url(str(kind), str(iri), str(document) or None, start_i, end_i),
        near=near,
    )


_SELECT = ", ".join(f"entries.{c}" for c in _STORED)
_BM25 = f"bm25(entries, {', '.join(str(w) for w in WEIGHTS)})"


def search(
    index: Path,
    text: str,
    *,
    limit: int = 20,
    offset: int = 0,
    marks: tuple[str, str] | None = None,
) -> Results:
    """The hits for `text` in the index file `index`, best first.

    `marks=None` gives HTML snippets (escaped, matches in `<mark>`); a pair of strings gives
    plain-text snippets with the matches between them. Raises SearchError when there is no
    index at `index`.
    """
    limit = max(0, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    match = fts_query(text)
    if match is None:
        return Results(text, 0, [])
    with _connect(index) as conn:
        total = conn.execute(
            "SELECT count(*) FROM entries WHERE entries MATCH ?", (match,)
        ).fetchone()[0]
        if total:
            rows = conn.execute(
                f"SELECT {_SELECT}, snippet(entries, -1, ?, ?, '…', ?), {_BM25} "
                f"FROM entries WHERE entries MATCH ? ORDER BY {_BM25}, entries.rowid "
                "LIMIT ? OFFSET ?",
                (_OPEN, _CLOSE, SNIPPET_TOKENS, match, limit, offset),
            ).fetchall()
            return Results(text, total, [_hit(r, marks) for r in rows])
        return _near(conn, text, limit, offset, marks)


def _near(
    conn: sqlite3.Connection, text: str, limit: int, offset: int, marks: tuple[str, str] | None
) -> Results:
    grams = _trigrams(text)
    if len(grams) < NEAR_MIN_TRIGRAMS:
        return Results(text, 0, [])
    wanted = set(grams)
    rows = conn.execute(
        f"SELECT {_SELECT}, entries.title, bm25(near), near.names FROM near "
        "JOIN entries ON entries.rowid = near.rowid "
        "WHERE near MATCH ? ORDER BY bm25(near), near.rowid",
        (" OR ".join(f'"{g}"' for g in grams),),
    ).fetchall()
    kept = []
    for row in rows:
        held = {g for g in wanted if g in str(row[-1])}
        if len(held) >= NEAR_SHARE * len(wanted):
            kept.append(row[:-1])
    hits = [_hit(r, marks, near=True) for r in kept[offset : offset + limit]]
    return Results(text, len(kept), hits, near=True)


PLAIN_MARKS = ("**", "**")
COLUMNS = ("kind", "label", "iri", "snippet", "score", "type", "document", "start", "end", "url")


def results_frame(results: Results) -> pd.DataFrame:
    """The hits as a DataFrame, one row each, best first: `kind` (resource, concept, term,
    quote, sentence), `label`, `iri`, `snippet`, `score` (higher is better), `type` (the label
    of its class), `document`, `start`, `end` (a quote's or sentence's place in the text, in
    code points), `url` (its page on a diplokg server), `near` (a near spelling)."""
    import pandas as pd

    frame = pd.DataFrame(
        [{**{c: getattr(h, c) for c in COLUMNS}, "near": h.near} for h in results.hits],
        columns=[*COLUMNS, "near"],
    )
    return frame.astype({"start": "Int64", "end": "Int64"})
