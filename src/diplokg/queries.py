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
import difflib
import hashlib
import re
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from diplokg.errors import InputError, QueryError
from diplokg.namespaces import PREFIXES, compact_iri, sparql_prefixes

if TYPE_CHECKING:
    from diplokg.terms import JsonTerm

__all__ = [
    "PARAM_TYPES",
    "RESOLVER_QUERY",
    "RESOURCE_TYPES",
    "CannedQuery",
    "Param",
    "ParameterError",
    "Resolver",
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
# Our namespaces and the label properties as text: reading the catalogue loads no rdflib.
_RES = PREFIXES["res"]
_DKG = PREFIXES["dkg"]
_RDF_TYPE = PREFIXES["rdf"] + "type"
_LABELS = (
    PREFIXES["rdfs"] + "label",
    PREFIXES["skos"] + "prefLabel",
    PREFIXES["skos"] + "altLabel",
)
_LOCAL_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
# Parameter types whose values name a resource of the graph, which a Resolver can look up.
RESOURCE_TYPES = ("iri", "class", "property")


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


def _class_term(value: str) -> str:
    """An IRI or prefixed name as for `iri`; a bare name is a class of the ontology (`Treaty`
    is dkg:Treaty)."""
    if ":" not in value and _LOCAL_NAME.match(value):
        return f"<{_DKG}{value}>"
    return _iri_term(value)


def _property_term(value: str) -> str:
    """An IRI or prefixed name as for `iri`; a bare name is a property of the ontology
    (`guest` is dkg:guest)."""
    return _class_term(value)


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
    "class": (_class_term, {"type": "string", "format": "iri"}),
    "property": (_property_term, {"type": "string", "format": "iri"}),
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
    # for an iri parameter, the class of the resources it names (header key `class`, a local
    # name of the ontology: `class: Person`): a label or a word of one (`Hollande`) is looked
    # up among that class's resources first
    of_class: str | None = None

    def term(self, value: str, resolver: Resolver | None = None) -> str:
        """The SPARQL term for `value`, or ParameterError naming this parameter; with a
        `resolver`, a resource is looked up in the graph (slug or label, any case)."""
        try:
            if resolver is not None and self.type in RESOURCE_TYPES:
                kind = {"class": "classes", "property": "properties"}.get(self.type)
                found = resolver.iri(
                    value,
                    classes=kind == "classes",
                    properties=kind == "properties",
                    of_class=self.of_class,
                )
                return f"<{found}>"
            return PARAM_TYPES[self.type][0](value)
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

    def render(
        self,
        params: Mapping[str, str],
        resolver: Resolver | None = None,
        *,
        resolve_defaults: bool = True,
    ) -> str:
        """The query with the given (else default) parameter values bound in a trailing VALUES.

        An empty value counts as not given (a form left blank), except for a `string`. With a
        `resolver`, resources are looked up in its graph (ParameterError for an unknown one);
        with `resolve_defaults=False` only the given values are, defaults being bound as the
        query writes them (as `render({})` binds them: the server and the build do).
        """
        values = {
            name: self.param(name).term(value, resolver)
            for name, value in params.items()
            if value != "" or self.param(name).type == "string"
        }
        for p in self.params:
            if p.name not in values and p.default is not None:
                values[p.name] = p.term(p.default, resolver if resolve_defaults else None)
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
        of_class = item.get("class")
        if of_class is not None and (ptype != "iri" or not _VARNAME.match(str(of_class))):
            raise InputError(
                path, f"parameter '{name}': 'class' is the local name of a class, for an iri"
            )
        param = Param(
            name,
            ptype,
            _as_text(item.get("default")),
            str(item.get("description", "")),
            _DKG + str(of_class) if of_class is not None else None,
        )
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
    """Parse the query with Oxigraph (as the endpoint will) so a syntax error stops the load,
    explained as the endpoint explains it (`diplokg.sparql_text`), at its line in the file."""
    import pyoxigraph

    try:
        pyoxigraph.Store().query(text)
    except SyntaxError as exc:
        from diplokg.sparql_text import explain_syntax_error

        problem = explain_syntax_error(text, str(exc))
        if problem.line is None:
            raise InputError(path, f"SPARQL {problem}") from None
        where = f"SPARQL syntax error at column {problem.column}"
        raise InputError(path, f"{where}: {problem.message}", header_lines + problem.line) from None


# The names a Resolver knows: every IRI of our namespaces that is the subject of a triple, with
# its labels, and (one a row) its classes of the ontology. Bounded by our own data, even on a
# store that holds much else.
RESOLVER_QUERY = f"""SELECT DISTINCT ?iri ?label ?type WHERE {{
  ?iri ?p ?o .
  FILTER(isIRI(?iri) && (STRSTARTS(STR(?iri), "{_RES}") || STRSTARTS(STR(?iri), "{_DKG}")))
  OPTIONAL {{
    {{ ?iri <{_LABELS[0]}>|<{_LABELS[1]}>|<{_LABELS[2]}> ?label . }}
    UNION
    {{ ?iri <{_RDF_TYPE}> ?type . FILTER(STRSTARTS(STR(?type), "{_DKG}")) }}
  }}
}}"""
MAX_SUGGESTIONS = 3


def folded(text: str) -> str:
    """`text` as names are compared: case, accents, apostrophes and spacing ignored."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


class Resolver:
    """The resources of one graph by the names people type for them.

    A value is looked up as: a full IRI; a prefixed name (`res:france`, `RES:France`: prefix
    and local name without regard to case); a slug (`Kazakhstan`); a label or alternative
    label in any language (`François Hollande`, `francois hollande`); and, for a class
    parameter, a class's local name (`Treaty` is dkg:Treaty), for a property parameter a
    property's (`guest` is dkg:guest). An IRI outside our namespaces is taken as given.
    Anything else raises ValueError naming the value and the nearest names.

    >>> r = Resolver([(_RES + "france", "France", "en"), (_DKG + "Treaty", "treaty", "en")])
    >>> r.iri("FRANCE"), r.iri("Treaty", classes=True)
    ('https://w3id.org/diplokg/resource/france', 'https://w3id.org/diplokg/ontology#Treaty')
    """

    def __init__(
        self,
        rows: Iterable[tuple[str, str | None, str | None]],
        types: Iterable[tuple[str, str]] = (),
    ) -> None:
        """`rows`: (IRI, label or None, the label's language or None), as RESOLVER_QUERY
        gives them; `types`: (IRI, the IRI of one of its classes)."""
        self.iris: set[str] = set()
        self._types: dict[str, set[str]] = defaultdict(set)
        for iri, cls in types:
            self._types[iri].add(cls)
        self._local: dict[tuple[str, str], str] = {}  # (namespace, folded local name) -> IRI
        self._labels: dict[str, set[str]] = defaultdict(set)  # folded label -> IRIs
        from diplokg.terms import TextLabel, pick_label  # rdflib: only where names are resolved

        names: dict[str, list[TextLabel]] = defaultdict(list)
        for iri, label, lang in rows:
            self.iris.add(iri)
            for base in (_RES, _DKG):
                if iri.startswith(base):
                    self._local.setdefault((base, iri[len(base) :].casefold()), iri)
            if label:
                self._labels[folded(label)].add(iri)
                names[iri].append(TextLabel(label, lang))
        # the label shown beside a suggestion: English, as the messages are
        self._shown = {iri: str(pick_label(found, "en")) for iri, found in names.items()}

    @classmethod
    def from_answer(cls, rows: Iterable[Mapping[str, JsonTerm]]) -> Resolver:
        """From RESOLVER_QUERY's solutions in SPARQL JSON results terms."""
        rows = list(rows)
        return cls(
            (
                (
                    row["iri"]["value"],
                    row["label"]["value"] if "label" in row else None,
                    row["label"].get("xml:lang") if "label" in row else None,
                )
                for row in rows
            ),
            ((row["iri"]["value"], row["type"]["value"]) for row in rows if "type" in row),
        )

    def _of(self, iris: Iterable[str], of_class: str | None) -> list[str]:
        """`iris` that are of `of_class` (all of them when it is None)."""
        return sorted(i for i in iris if of_class is None or of_class in self._types.get(i, ()))

    def _by_words(self, text: str, of_class: str | None) -> list[str]:
        """Our resources (of `of_class` when given) one of whose labels holds the words of
        `text` in a row (`Hollande` in "François Hollande"), those whose label holds fewest
        other words first."""
        wanted = folded(text).replace("-", " ").split()
        if not wanted:
            return []
        best: dict[str, int] = {}
        for label, iris in self._labels.items():
            words = re.sub(r"[^\w]+", " ", label).split()
            n = len(wanted)
            if not any(words[i : i + n] == wanted for i in range(len(words) - n + 1)):
                continue
            for iri in self._of(iris, of_class):
                if iri.startswith(_RES):
                    best[iri] = min(best.get(iri, len(words)), len(words))
        return sorted(best, key=lambda i: (best[i], i))

    def iri(
        self,
        value: str,
        *,
        classes: bool = False,
        properties: bool = False,
        of_class: str | None = None,
    ) -> str:
        """The full IRI that `value` names (see the class docstring), or ValueError; `classes`
        or `properties`: a term of the ontology of that kind is looked for first; `of_class`
        (a class IRI): a label names a resource of that class first, and the words of a label
        (a surname) name the one resource of that class whose label holds them."""
        terms = classes or properties
        text = value.strip()
        if text.startswith("<") and text.endswith(">"):
            text = text[1:-1]
        prefix, sep, local = text.partition(":")
        if sep and not local.startswith("//"):
            base = next((b for p, b in PREFIXES.items() if p.casefold() == prefix.casefold()), None)
            if base is not None:
                return self._in(base, local, value, classes, properties, of_class)
        if _IRI.match(text) and sep:
            for base in (_RES, _DKG):
                if text.startswith(base):
                    return self._in(base, text[len(base) :], value, classes, properties, of_class)
            return _iri_term(text)[1:-1]  # not ours: taken as given
        found = self._local.get((_DKG if terms else _RES, text.casefold()))
        if found is None and terms:
            found = self._local.get((_RES, text.casefold()))
        if found is not None:
            return found
        named = sorted(self._labels.get(folded(text), ()))
        if of_class is not None and len(named) > 1:
            named = self._of(named, of_class) or named
        if not named and not terms:  # a word of a label: a surname, a city without "city"
            by_words = self._by_words(text, of_class)
            if len(by_words) == 1:
                return by_words[0]
            if by_words:
                shown = ", ".join(self._describe(i) for i in by_words[:MAX_SUGGESTIONS])
                more = f" and {len(by_words) - MAX_SUGGESTIONS} more" if len(by_words) > 3 else ""
                raise ValueError(
                    f"'{value}' is in the labels of {len(by_words)} resources ({shown}{more}); "
                    "give one's slug or whole label"
                )
        if terms and len(named) > 1:
            named = [i for i in named if i.startswith(_DKG)] or named
        elif len(named) > 1:
            named = [i for i in named if i.startswith(_RES)] or named
        if len(named) == 1:
            return named[0]
        if named:
            shown = ", ".join(self._describe(i) for i in named[:5])
            raise ValueError(f"'{value}' names {len(named)} resources ({shown}); give one's slug")
        raise ValueError(self._unknown(value, classes, properties, of_class))

    def _in(
        self,
        base: str,
        local: str,
        value: str,
        classes: bool = False,
        properties: bool = False,
        of_class: str | None = None,
    ) -> str:
        iri = base + local
        if iri in self.iris or base not in (_RES, _DKG):
            return _iri_term(iri)[1:-1]
        found = self._local.get((base, local.casefold()))
        if found is not None:
            return found
        in_ontology = base == _DKG
        raise ValueError(
            self._unknown(
                value, in_ontology and not properties, in_ontology and properties, of_class
            )
        )

    @staticmethod
    def _fits(iri: str, classes: bool, properties: bool = False) -> bool:
        """Whether `iri` may be suggested: for a class parameter, classes only (UpperCamelCase);
        for a property parameter, properties only (lowerCamelCase)."""
        first = iri[len(_DKG) :][:1]
        return (not classes or first.isupper()) and (not properties or first.islower())

    def _describe(self, iri: str) -> str:
        short = compact_iri(iri) or iri
        label = self._shown.get(iri)
        return f"{short} ({label})" if label else short

    def suggest(self, value: str) -> str:
        """For a resource page nothing answers (`/resource/hollande`): "; did you mean
        res:francois-hollande (François Hollande)?" naming the resources whose labels hold
        the words of `value` (fewest other words first), else the nearest names; "" when
        nothing is near."""
        text = value.strip().replace("_", " ")
        found = self._by_words(text, None) or self._near(text, False)
        if not found:
            return ""
        return f"; did you mean {', '.join(self._describe(i) for i in found[:MAX_SUGGESTIONS])}?"

    def _unknown(
        self, value: str, classes: bool, properties: bool = False, of_class: str | None = None
    ) -> str:
        """The message for a name nothing answers to, with the nearest names."""
        suggestions = self._near(value, classes, properties, of_class)
        what = "class" if classes else "property" if properties else "resource"
        message = f"no {what} '{value}' in the graph"
        if suggestions:
            shown = ", ".join(self._describe(i) for i in suggestions[:MAX_SUGGESTIONS])
            message += f"; did you mean {shown}?"
        return message

    def _near(
        self, value: str, classes: bool, properties: bool = False, of_class: str | None = None
    ) -> list[str]:
        """The names nearest `value` (difflib), of `of_class` when some of it are near, else
        of any class."""
        wanted = folded(value.strip().strip("<>").rpartition(":")[2].rpartition("/")[2])
        names: dict[str, set[str]] = defaultdict(set)
        home = _DKG if classes or properties else _RES
        for (base, local), iri in self._local.items():
            if base == home and self._fits(iri, classes, properties):
                names[folded(local.replace("-", " "))].add(iri)
        for label, iris in self._labels.items():
            for iri in iris:
                if iri.startswith(home) and self._fits(iri, classes, properties):
                    names[label].add(iri)
        wanted = wanted.replace("-", " ")
        suggestions: list[str] = []
        if of_class is not None:  # the resources of the expected class first
            of = {n: set(self._of(iris, of_class)) for n, iris in names.items()}
            of = {n: iris for n, iris in of.items() if iris}
            near = difflib.get_close_matches(wanted, list(of), n=10, cutoff=0.6)
            near = near or difflib.get_close_matches(wanted, list(of), n=3, cutoff=0.45)
            suggestions = list(dict.fromkeys(i for name in near for i in sorted(of[name])))
        if not suggestions:
            near = difflib.get_close_matches(wanted, list(names), n=10, cutoff=0.6)
            near = near or difflib.get_close_matches(wanted, list(names), n=3, cutoff=0.45)
            suggestions = list(dict.fromkeys(i for name in near for i in sorted(names[name])))
        return suggestions


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
