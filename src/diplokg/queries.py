"""The catalogue of canned queries (`queries/*.rq`), each with a typed parameter list.

A canned query file starts with a `#+ ` header that is YAML once the marker is stripped
(title, description, tags, params), then plain SPARQL. A parameter is an ordinary variable:
`CannedQuery.render` binds it with a `VALUES` block appended after the query, never by
pasting text into its body, so the rendered string runs unchanged on any SPARQL 1.1
endpoint and an unbound parameter leaves the query as written.

The build checks the catalogue and records it (`record`), so that a server reads it back
(`load_catalogue(record=...)`) without parsing a header or a query, as long as every file is
the one recorded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from diplokg.errors import InputError, QueryError
from diplokg.namespaces import PREFIXES, sparql_prefixes

__all__ = [
    "PARAM_TYPES",
    "CannedQuery",
    "Param",
    "ParameterError",
    "evidence_query",
    "load_catalogue",
    "parse_query_file",
    "record",
]

HEADER_MARK = "#+"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_VARNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~/-]*$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_YEAR = re.compile(r"^[0-9]{4}$")
_XSD = PREFIXES["xsd"]


class ParameterError(QueryError, ValueError):
    """An unknown parameter name or a value of the wrong type; the message names the parameter."""


def _literal(lexical: str, datatype: str) -> str:
    return f'"{lexical}"^^<{datatype}>'


def _iri_term(value: str) -> str:
    """A full IRI, a prefixed name with one of our prefixes, or a resource slug."""
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        value = PREFIXES[prefix] + local
    elif not _IRI.match(value):
        if not _SLUG.match(value):
            raise ValueError("expected an IRI or a resource slug such as 'france'")
        value = PREFIXES["res"] + value
    if not _IRI.match(value):
        raise ValueError("not a valid IRI")
    return f"<{value}>"


def _string_term(value: str) -> str:
    escaped = (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


def _integer_term(value: str) -> str:
    if not _INTEGER.match(value.strip()):
        raise ValueError("expected an integer such as 42")
    return str(int(value))


def _decimal_term(value: str) -> str:
    if not _DECIMAL.match(value.strip()):
        raise ValueError("expected a decimal number such as 6.4")
    return _literal(value.strip(), _XSD + "decimal")


def _boolean_term(value: str) -> str:
    if value.strip().lower() not in ("true", "false"):
        raise ValueError("expected true or false")
    return value.strip().lower()


def _date_term(value: str) -> str:
    value = value.strip()
    if not _DATE.match(value):
        raise ValueError("expected a date as YYYY-MM-DD")
    try:
        dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"not a calendar date ({exc})") from None
    return _literal(value, _XSD + "date")


def _year_term(value: str) -> str:
    # An xsd:integer rather than xsd:gYear, so that `YEAR(?date) = ?year` works as written.
    if not _YEAR.match(value.strip()):
        raise ValueError("expected a four-digit year such as 2014")
    return str(int(value))


# type name -> (function from the user's text to a SPARQL term, JSON-schema type/format)
PARAM_TYPES: dict[str, tuple[Callable[[str], str], dict[str, Any]]] = {
    "iri": (_iri_term, {"type": "string", "format": "iri"}),
    "string": (_string_term, {"type": "string"}),
    "integer": (_integer_term, {"type": "integer"}),
    "decimal": (_decimal_term, {"type": "number"}),
    "boolean": (_boolean_term, {"type": "boolean"}),
    "date": (_date_term, {"type": "string", "format": "date"}),
    "year": (_year_term, {"type": "integer", "minimum": 0, "maximum": 9999}),
}


def _json_default(json_type: str, term: str, text: str) -> Any:
    """A default as the JSON value of its schema type (`term` is the validated SPARQL term)."""
    if json_type == "integer":
        return int(term)
    if json_type == "number":
        return float(text)
    if json_type == "boolean":
        return term == "true"
    return text


@dataclass(frozen=True)
class Param:
    """One parameter of a canned query: a variable of the query, typed, maybe with a default."""

    name: str
    type: str = "string"
    default: str | None = None
    description: str = ""

    def term(self, value: str) -> str:
        """The SPARQL term for `value`, or ParameterError naming this parameter."""
        to_term = PARAM_TYPES[self.type][0]
        try:
            return to_term(value)
        except ValueError as exc:
            raise ParameterError(f"parameter '{self.name}' ({self.type}): {exc}") from None

    def schema(self) -> dict[str, Any]:
        """The JSON schema of the parameter, for the OpenAPI document."""
        schema: dict[str, Any] = dict(PARAM_TYPES[self.type][1])
        if self.default is not None:
            schema["default"] = _json_default(schema["type"], self.term(self.default), self.default)
        return schema


@dataclass(frozen=True)
class CannedQuery:
    """A stored query with its metadata; `text` is the SPARQL after the header."""

    name: str
    title: str
    description: str
    tags: tuple[str, ...]
    params: tuple[Param, ...]
    text: str
    source: str = field(default="", compare=False)

    @cached_property
    def form(self) -> str:
        """SELECT, ASK, CONSTRUCT or DESCRIBE, from the endpoint's lexer (no full parse)."""
        from diplokg.protocol import inspect_query

        form = inspect_query(self.text, max_depth=10_000).form
        if form is None:
            raise QueryError(f"query '{self.name}' is not a SELECT, ASK, CONSTRUCT or DESCRIBE")
        return form

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.params) or "none"
        raise ParameterError(
            f"unknown parameter '{name}' for query '{self.name}' (parameters: {known})"
        )

    def render(self, params: Mapping[str, str]) -> str:
        """The query with the given (else default) parameter values bound in a trailing VALUES.

        An empty value counts as not given (a form left blank), except for a `string`.
        """
        values = {
            name: self.param(name).term(value)
            for name, value in params.items()
            if value != "" or self.param(name).type == "string"
        }
        for p in self.params:
            if p.name not in values and p.default is not None:
                values[p.name] = p.term(p.default)
        if not values:
            return self.text
        names = [p.name for p in self.params if p.name in values]
        head = " ".join(f"?{n}" for n in names)
        row = " ".join(values[n] for n in names)
        return f"{self.text.rstrip()}\nVALUES ({head}) {{ ({row}) }}\n"


def _split_header(path: Path, source: str) -> tuple[str, str, int]:
    """(YAML header, query body, number of header lines)."""
    lines = source.splitlines(keepends=True)
    header: list[str] = []
    for line in lines:
        if not line.startswith(HEADER_MARK):
            break
        rest = line[len(HEADER_MARK) :]
        if rest.strip() and not rest.startswith(" "):
            raise InputError(path, "header lines must start with '#+ '", len(header) + 1)
        header.append(rest[1:] if rest.startswith(" ") else rest.lstrip("\r\n") + "\n")
    if not header:
        raise InputError(path, "missing the '#+ ' YAML header (title, description, params)", 1)
    return "".join(header), "".join(lines[len(header) :]), len(header)


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _parse_params(path: Path, raw: Any, body: str) -> tuple[Param, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise InputError(path, "'params' must be a list of {name, type, default, description}")
    params: list[Param] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise InputError(path, f"each parameter needs a 'name': {item!r}")
        name = item["name"]
        if not _VARNAME.match(name):
            raise InputError(path, f"parameter '{name}' is not a SPARQL variable name")
        ptype = item.get("type", "string")
        if ptype not in PARAM_TYPES:
            known = ", ".join(PARAM_TYPES)
            raise InputError(path, f"parameter '{name}': unknown type '{ptype}' (known: {known})")
        if not re.search(rf"[?$]{name}\b", body):
            raise InputError(path, f"parameter '{name}' is not a variable of the query")
        if any(p.name == name for p in params):
            raise InputError(path, f"parameter '{name}' is declared twice")
        param = Param(name, ptype, _as_text(item.get("default")), str(item.get("description", "")))
        if param.default is not None:
            try:
                param.term(param.default)
            except ParameterError as exc:
                raise InputError(path, f"bad default: {exc}") from None
        params.append(param)
    return tuple(params)


def parse_query_file(path: Path) -> CannedQuery:
    """Read one `.rq` file; a malformed header or query raises InputError naming the file."""
    name = path.stem
    if not _NAME.match(name):
        raise InputError(path, "a canned query's file name must be letters, digits, '-' or '_'")
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 ({exc.reason})") from None
    header, body, header_lines = _split_header(path, source)
    import yaml  # a build records the checked catalogue: a server reading it needs no YAML

    try:
        meta = yaml.safe_load(header)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(path, f"malformed YAML header: {exc}", line) from None
    if not isinstance(meta, dict) or not isinstance(meta.get("title"), str):
        raise InputError(path, "the header must be a YAML mapping with at least a 'title'", 1)
    tags = meta.get("tags") or []
    if not isinstance(tags, list):
        raise InputError(path, "'tags' must be a list")
    query = CannedQuery(
        name=name,
        title=meta["title"].strip(),
        description=str(meta.get("description") or "").strip(),
        tags=tuple(str(t) for t in tags),
        params=_parse_params(path, meta.get("params"), body),
        text=body.lstrip("\r\n"),
        source=source,
    )
    _check_syntax(path, query.text, header_lines)
    return query


def _check_syntax(path: Path, text: str, header_lines: int) -> None:
    """Parse the query with Oxigraph (as the endpoint will) so a syntax error stops the load.

    Oxigraph's parser takes well under a millisecond where rdflib's takes a second or more for
    the whole catalogue, which kept the server's first answer slow. Oxigraph reports where its
    parser gave up (often the end of the text), so on the rare error rdflib's parser is asked
    for the line where the query goes wrong.
    """
    import pyoxigraph

    try:
        pyoxigraph.Store().query(text)
    except SyntaxError as exc:
        from pyparsing import ParseException
        from rdflib.plugins.sparql.parser import parseQuery

        try:
            parseQuery(text)
        except ParseException as precise:
            line = header_lines + precise.lineno
            raise InputError(path, f"SPARQL syntax error: {precise.msg}", line) from None
        raise InputError(path, f"SPARQL syntax error: {exc}") from None


def evidence_query(resources: str) -> str:
    """The one query for the evidence of facts: for each of `resources` (SPARQL terms separated
    by spaces) its annotations with the quote, the quote's offsets in the source text, the
    sentence around it and where that sentence starts, and the source document.

    The resource pages and `KnowledgeGraph.evidence` both ask it. The canned
    `queries/evidence.rq` answers the same question for people in the editor and the REST API,
    with its own columns (`document`, `sentenceStart`) and every part required.
    """
    return (
        sparql_prefixes()
        + "SELECT ?resource ?quote ?start ?end ?sentence ?source ?annotation ?sentenceStart "
        "WHERE {\n"
        f"  VALUES ?resource {{ {resources} }}\n"
        "  ?resource dkg:hasEvidence ?annotation .\n"
        "  ?annotation oa:hasTarget ?target .\n"
        "  ?target oa:hasSource ?source .\n"
        "  ?target oa:hasSelector ?quoteSelector .\n"
        "  ?quoteSelector a oa:TextQuoteSelector .\n"
        "  ?quoteSelector oa:exact ?quote .\n"
        "  OPTIONAL {\n"
        "    ?target oa:hasSelector ?position .\n"
        "    ?position a oa:TextPositionSelector .\n"
        "    ?position oa:start ?start .\n"
        "    ?position oa:end ?end .\n"
        "  }\n"
        "  OPTIONAL { ?annotation dkg:sentence ?sentence . }\n"
        "  OPTIONAL { ?annotation dkg:sentenceStart ?sentenceStart . }\n"
        "}\nORDER BY ?resource ?start ?annotation"
    )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record(catalogue: Mapping[str, CannedQuery]) -> list[dict[str, Any]]:
    """A checked catalogue as the build records it: each query's file (its SHA-256), title,
    description, tags, parameters and form, by name."""
    return [
        {
            "name": q.name,
            "sha256": _sha256(q.source),
            "title": q.title,
            "description": q.description,
            "tags": list(q.tags),
            "params": [vars(p) for p in q.params],
            "form": q.form,
        }
        for q in sorted(catalogue.values(), key=lambda q: q.name)
    ]


def _from_record(files: list[Path], recorded: Any) -> dict[str, CannedQuery] | None:
    """The catalogue of `files` from a build's record, or None unless every file is one it
    recorded (the same names, the same SHA-256)."""
    try:
        entries = {entry["name"]: entry for entry in recorded}
        if sorted(entries) != sorted(f.stem for f in files):
            return None
        catalogue: dict[str, CannedQuery] = {}
        for path in files:
            entry = entries[path.stem]
            source = path.read_text(encoding="utf-8")
            if _sha256(source) != entry["sha256"]:
                return None
            _, body, _ = _split_header(path, source)
            query = CannedQuery(
                name=path.stem,
                title=str(entry["title"]),
                description=str(entry["description"]),
                tags=tuple(str(t) for t in entry["tags"]),
                params=tuple(Param(**p) for p in entry["params"]),
                text=body.lstrip("\r\n"),
                source=source,
            )
            query.__dict__["form"] = str(entry["form"])  # the cached property, as checked
            catalogue[query.name] = query
    except (OSError, UnicodeDecodeError, InputError, KeyError, TypeError):
        return None
    return catalogue


_cache: dict[Path, tuple[tuple[tuple[str, int, int], ...], dict[str, CannedQuery]]] = {}
_cache_lock = threading.Lock()


def load_catalogue(directory: Path | None = None, record: Any = None) -> dict[str, CannedQuery]:
    """Every canned query of `directory` (default: the project's `queries/`), by name.

    Parsed once and cached; the cache is refreshed when a file is added, removed or changed.
    `record`: what a build recorded of the catalogue it checked (see `record`), used instead
    of parsing when every file is the one recorded.
    """
    if directory is None:
        from diplokg.config import Settings

        directory = Settings().queries_dir
    directory = directory.resolve()
    files = sorted(directory.glob("*.rq")) if directory.is_dir() else []
    signature = tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    with _cache_lock:
        cached = _cache.get(directory)
        if cached is not None and cached[0] == signature:
            return dict(cached[1])
    catalogue = _from_record(files, record) if record is not None else None
    if catalogue is None:
        catalogue = {q.name: q for q in map(parse_query_file, files)}
    with _cache_lock:
        _cache[directory] = (signature, catalogue)
    return dict(catalogue)
