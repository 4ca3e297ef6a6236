"""The lint: mistakes that parse as Turtle yet make the graph say less, refused right after
parsing, before evidence and reasoning, each named with its file, line and resource.

What it refuses, in every input (the ontology, the shapes, each document's curated Turtle and
enrichment):

- a literal whose lexical form, as written, is not valid for its datatype
  (`"1999-9"^^xsd:gYearMonth`, `"2014-02-30"^^xsd:date`, `"6.4"^^xsd:integer`);
- a term of the ontology's namespace that the ontology does not declare (`dkg:Vist`,
  `dkg:tookPlaceInn`), or uses as the other kind (a property as a class); a class, property
  or datatype of another vocabulary that the ontology does not reuse, or that is not a term of
  a vocabulary rdflib knows in full (`dcterms:sourse`, `xsd:datee`);
- a resource of ours (`res:`) that no input gives an `rdf:type`, used as an object (most
  often a misspelt slug) or as a subject (a misspelt subject, a fact whose class was lost);
- and in the ontology: constructs outside OWL 2 RL, and terms without an English and a French
  label, a comment and `rdfs:isDefinedBy`;
- in the build's rules (`ontology/rules/*.rq`, role "rules"): the same term checks on the IRIs
  of each CONSTRUCT query (a predicate is a property, the object of `rdf:type` a class, a `res:`
  resource must be typed), since a rule naming a misspelt term silently derives nothing. A rule
  rdflib cannot parse is left to the rules step, which names its SPARQL error.

Literals are read as written with Oxigraph's parser: rdflib converts some on parsing (a date
typed `xsd:dateTime` becomes midnight, `"2014-12-05Z"` loses its zone) and knows no lexical
form of `xsd:gYear` or `xsd:gYearMonth` (their `Literal.ill_typed` is None). The table
`LEXICAL` checks the XSD datatypes the project uses; any other XSD datatype is checked by
rdflib's `ill_typed`.

rdflib keeps no positions, so a problem's line is found by searching the file's text for the
term as written (a prefixed name of the file's own prefixes, or the full IRI; for a literal its
quoted lexical form), from the subject's own block on. A problem whose term is not found is
named without a line.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import pickle
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Literal as Kind

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import (
    DCAT,
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SDO,
    SH,
    SKOS,
    TIME,
    VANN,
    VOID,
    XSD,
    DefinedNamespace,
)
from rdflib.term import Node

from diplokg.errors import LintFailed
from diplokg.namespaces import DKG, ONTOLOGY_IRI, RES, compact_iri
from diplokg.rdfio import quiet_literals

__all__ = ["LEXICAL", "NOT_RL", "LintProblem", "Source", "check", "lint", "literal_problem"]

Role = Kind["ontology", "shapes", "data", "rules"]
Use = Kind["class", "property", "datatype", "term"]
Namer = Callable[[Node], str]


class Source:
    """One input: its file, its graph and what it is (ontology, shapes, data, or a
    rule file, whose graph is empty: its query is read from the file); for a document's curated
    file, the source text beside it (`graph/<doc>.txt`). Without a graph, the file is parsed
    (`rdfio.parse_turtle`, which raises InputError) when the lint first needs it: a document
    whose lint is in the cache (`lint(..., cache=)`) is not parsed at all."""

    def __init__(
        self,
        path: Path,
        graph: Graph | None = None,
        role: Role = "data",
        document_text: Path | None = None,
    ) -> None:
        self.path = path
        self.role: Role = role
        self.document_text = document_text
        self._graph = graph
        self.cacheable = graph is None  # its lint depends on its files alone (and the shared)

    @property
    def graph(self) -> Graph:
        if self._graph is None:
            from diplokg.rdfio import parse_turtle

            self._graph = parse_turtle(self.path)
        return self._graph

    @cached_property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class LintProblem:
    """One problem: where (file, line when found), the resource it is about, and what."""

    path: str
    line: int | None
    focus: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.focus}: {self.message}"


# -- literals ---------------------------------------------------------------------------------

_TZ = r"(?:Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))?"
_YEAR = r"-?(?:[1-9]\d{4,}|\d{4})"
_MONTH = r"(?:0[1-9]|1[0-2])"
_DAY = r"(?:0[1-9]|[12]\d|3[01])"
_TIME = r"(?:(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?|24:00:00(?:\.0+)?)"
_FLOAT = r"[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|INF)|NaN"

# XSD 1.1 lexical spaces of the datatypes the project uses, with what a curator should write.
LEXICAL: dict[URIRef, tuple[re.Pattern[str], str]] = {
    XSD.date: (
        re.compile(f"{_YEAR}-{_MONTH}-{_DAY}{_TZ}"),
        'a day is written YYYY-MM-DD and exists in the calendar, e.g. "2014-12-05"',
    ),
    XSD.gYearMonth: (
        re.compile(f"{_YEAR}-{_MONTH}{_TZ}"),
        'a month is written YYYY-MM, e.g. "1999-09"',
    ),
    XSD.gYear: (re.compile(f"{_YEAR}{_TZ}"), 'a year is written YYYY, e.g. "2014"'),
    XSD.dateTime: (
        re.compile(f"{_YEAR}-{_MONTH}-{_DAY}T{_TIME}{_TZ}"),
        'a moment is written YYYY-MM-DDThh:mm:ss, e.g. "2014-12-05T10:30:00"',
    ),
    XSD.integer: (
        re.compile(r"[+-]?\d+"),
        'an integer is written with digits only, e.g. "6" (a decimal is an xsd:decimal)',
    ),
    XSD.nonNegativeInteger: (
        re.compile(r"\+?\d+|-0+"),
        'a count is written with digits only, e.g. "21"',
    ),
    XSD.positiveInteger: (
        re.compile(r"\+?0*[1-9]\d*"),
        'a positive integer is written with digits only, e.g. "2"',
    ),
    XSD.decimal: (
        re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"),
        'a decimal is written with a dot and no exponent, e.g. "6.4"',
    ),
    XSD.double: (re.compile(_FLOAT), 'a double is written like "6.4", "1e9" or "INF"'),
    XSD.float: (re.compile(_FLOAT), 'a float is written like "6.4", "1e9" or "INF"'),
    XSD.boolean: (re.compile(r"true|false|1|0"), "a boolean is true, false, 1 or 0"),
    XSD.anyURI: (
        re.compile(r"[^\s<>\"{}|\\^`]*"),
        "an IRI has no spaces, quotes, angle brackets or braces",
    ),
}
_DATES = re.compile(r"(-?\d{4,})-(\d\d)-(\d\d)")


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _day_exists(lexical: str) -> bool:
    match = _DATES.match(lexical)
    if match is None:
        return True
    year, month, day = (int(part) for part in match.groups())
    days = 29 if month == 2 and _leap(year) else (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    return day <= (days if isinstance(days, int) else days[month - 1])


def literal_problem(lexical: str, datatype: URIRef) -> str | None:
    """Why `lexical` is not a valid form of `datatype`, or None when it is (or when the
    datatype is not an XSD one that rdflib or the table `LEXICAL` knows)."""
    if datatype in LEXICAL:
        pattern, hint = LEXICAL[datatype]
        valid = pattern.fullmatch(lexical) is not None
        if valid and datatype in (XSD.date, XSD.dateTime):
            valid = _day_exists(lexical)
        return None if valid else hint
    if not str(datatype).startswith(str(XSD)) or datatype == XSD.string:
        return None
    with quiet_literals():
        ill_typed = Literal(lexical, datatype=datatype).ill_typed
    return "" if ill_typed else None


# -- the terms an ontology declares and reuses ------------------------------------------------

_CLASS_TYPES = frozenset({OWL.Class, RDFS.Class, RDFS.Datatype})
_PROPERTY_TYPES = frozenset(
    {
        RDF.Property,
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
        OWL.OntologyProperty,
        OWL.FunctionalProperty,
        OWL.InverseFunctionalProperty,
        OWL.TransitiveProperty,
        OWL.SymmetricProperty,
        OWL.AsymmetricProperty,
        OWL.ReflexiveProperty,
        OWL.IrreflexiveProperty,
    }
)
# Where a term stands for a class or a property, by the predicate of its triple.
_CLASS_OBJECT = frozenset(
    {
        RDF.type,
        RDFS.subClassOf,
        RDFS.domain,
        RDFS.range,
        OWL.equivalentClass,
        OWL.disjointWith,
        OWL.complementOf,
        OWL.someValuesFrom,
        OWL.allValuesFrom,
        OWL.onClass,
        SH.targetClass,
        SH["class"],
        SH.datatype,
    }
)
_CLASS_SUBJECT = frozenset({RDFS.subClassOf, OWL.equivalentClass, OWL.disjointWith})
_PROPERTY_OBJECT = frozenset(
    {
        RDFS.subPropertyOf,
        OWL.inverseOf,
        OWL.equivalentProperty,
        OWL.propertyDisjointWith,
        OWL.onProperty,
        SH.path,
        SH.inversePath,
        SH.zeroOrMorePath,
        SH.oneOrMorePath,
        SH.zeroOrOnePath,
        SH.targetSubjectsOf,
        SH.targetObjectsOf,
        DKG.states,  # a quote node's words state these properties of its fact
        DKG.concerns,  # an interpretation is the reading behind these properties
    }
)
_PROPERTY_SUBJECT = frozenset(
    {
        RDFS.subPropertyOf,
        OWL.inverseOf,
        OWL.equivalentProperty,
        OWL.propertyDisjointWith,
        RDFS.domain,
        RDFS.range,
        OWL.propertyChainAxiom,
    }
)
_CLASS_LISTS = frozenset({OWL.unionOf, OWL.intersectionOf})
_PROPERTY_LISTS = frozenset({OWL.propertyChainAxiom, SH.alternativePath, SH.path})

# Vocabularies rdflib knows term by term: a term of theirs that is not in the list is a typo.
CLOSED: tuple[type[DefinedNamespace], ...] = (
    RDF,
    RDFS,
    OWL,
    XSD,
    SKOS,
    DCTERMS,
    PROV,
    FOAF,
    ORG,
    SDO,
    VANN,
    SH,
    TIME,
    VOID,
    DCAT,
)

# Outside the OWL 2 RL subset this ontology keeps to (unions and existentials as superclasses,
# exact or minimum cardinalities), or importing whole vocabularies whose axioms are not RL.
NOT_RL = (
    OWL.unionOf,
    OWL.someValuesFrom,
    OWL.cardinality,
    OWL.minCardinality,
    OWL.qualifiedCardinality,
    OWL.minQualifiedCardinality,
    OWL.imports,
)


def _namespace(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1]


def _list_items(graph: Graph, head: Node) -> list[Node]:
    if head == RDF.nil or not isinstance(head, BNode) or (head, RDF.first, None) not in graph:
        return []
    return list(Collection(graph, head))


def uses(graph: Graph) -> Iterator[tuple[Node, Node, Use]]:
    """Every IRI of `graph` with the subject of its triple and what it stands for there."""
    for s, p, o in graph:
        yield s, p, "property"
        if p in _CLASS_OBJECT:
            yield s, o, "datatype" if p == SH.datatype else "class"
        elif p in _PROPERTY_OBJECT:
            yield s, o, "property"
        else:
            yield s, o, "term"
        yield (
            s,
            s,
            "class" if p in _CLASS_SUBJECT else ("property" if p in _PROPERTY_SUBJECT else "term"),
        )
        if p in _CLASS_LISTS or p in _PROPERTY_LISTS:
            kind: Use = "class" if p in _CLASS_LISTS else "property"
            for item in _list_items(graph, o):
                yield s, item, kind


@dataclass
class Vocabulary:
    """What the ontology declares in its own namespace, the vocabularies it reuses, and the
    terms of other vocabularies it declares itself (`vouched`): a term newer than rdflib's
    list of its vocabulary (say, RDF 1.2's `rdf:reifies`) is accepted once the ontology gives
    it an rdf:type."""

    classes: set[URIRef] = field(default_factory=set)
    properties: set[URIRef] = field(default_factory=set)
    declared: set[URIRef] = field(default_factory=set)
    reused: set[str] = field(default_factory=set)
    vouched: set[URIRef] = field(default_factory=set)

    @classmethod
    def of(cls, ontology: Graph) -> Vocabulary:
        vocabulary = cls()
        for term, kind in ontology.subject_objects(RDF.type):
            if not isinstance(term, URIRef):
                continue
            if not str(term).startswith(str(DKG)):
                vocabulary.vouched.add(term)
                continue
            vocabulary.declared.add(term)
            if kind in _CLASS_TYPES:
                vocabulary.classes.add(term)
            elif kind in _PROPERTY_TYPES:
                vocabulary.properties.add(term)
        vocabulary.reused = {
            _namespace(str(term))
            for _, term, use in uses(ontology)
            if isinstance(term, URIRef) and use != "term"
        }
        vocabulary.reused.add(str(DKG))
        return vocabulary


def _closed(term: URIRef) -> type[DefinedNamespace] | None:
    """The vocabulary of `CLOSED` that `term` belongs to, if any."""
    for namespace in CLOSED:
        if str(term).startswith(str(namespace._NS)):
            return namespace
    return None


@cache
def _known(namespace: type[DefinedNamespace], term: URIRef) -> bool:
    return term in namespace  # rdflib's own test: annotations, extras (sh:or), rdf:_n


@cache
def _local_names(namespace: type[DefinedNamespace]) -> frozenset[str]:
    base = str(namespace._NS)
    names = {str(term).removeprefix(base) for term in dir(namespace)}
    for cls in namespace.mro():
        if issubclass(cls, DefinedNamespace):
            names.update(cls._extras)
    return frozenset(names)


def _nearest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to `word`, case aside (difflib's ratio of at least 0.6)."""
    by_key: dict[str, str] = {}
    for candidate in sorted(candidates):
        by_key.setdefault(candidate.lower(), candidate)
    found = difflib.get_close_matches(word.lower(), list(by_key), n=1)
    return by_key[found[0]] if found else None


# -- where a problem is in the text -----------------------------------------------------------

_PREFIX_LINE = re.compile(
    r"^[ \t]*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.M | re.I
)
_LOCAL = re.compile(r"[\w-](?:[\w.-]*[\w-])?")
_COMMENT = re.compile(r"(?:^|\s)#")


class _Text:
    """A file's text: its own prefixes, names as written, and line numbers of terms."""

    def __init__(self, source: Source) -> None:
        self.text = source.text
        self.prefixes = [(p or "", iri) for p, iri in _PREFIX_LINE.findall(self.text)]

    def name(self, term: Node) -> str:
        """`term` as this file would write it: a prefixed name of its own, else ours."""
        if isinstance(term, BNode):
            return "[]"
        if isinstance(term, Literal):
            return term.n3()
        names = self._prefixed(str(term))
        return names[0] if names else compact_iri(str(term)) or f"<{term}>"

    def _prefixed(self, iri: str) -> list[str]:
        names = []
        for prefix, base in self.prefixes:
            local = iri[len(base) :]
            if iri.startswith(base) and (local == "" or _LOCAL.fullmatch(local)):
                names.append(f"{prefix}:{local}")
        return sorted(names, key=len)

    def _pattern(self, term: Node) -> str:
        if isinstance(term, Literal):
            lexical = re.escape(str(term))
            return f"\"{lexical}\"|'{lexical}'"
        spelled = [re.escape(name) for name in self._prefixed(str(term))]
        pattern = re.escape(f"<{term}>")
        if spelled:
            pattern += rf"|(?<![\w:.-])(?:{'|'.join(spelled)})(?![\w:%-]|\.[\w-])"
        return pattern

    def _matches(self, pattern: str, start: int = 0, end: int | None = None) -> Iterator[int]:
        """Where `pattern` matches in the text (outside comments), from `start` to `end`."""
        for match in re.compile(pattern, re.M).finditer(self.text, start, end or len(self.text)):
            at = match.start()
            line_start = self.text.rfind("\n", 0, at) + 1
            if not _COMMENT.search(self.text[line_start:at]):
                yield at

    def _blocks(self, subject: URIRef) -> Iterator[tuple[int, int]]:
        """Each block of statements about `subject`: from the line where it starts a statement
        to the next line that starts at the left margin (the house style indents the rest)."""
        for start in self._matches(rf"^[ \t]*(?:{self._pattern(subject)})(?=[\s;,]|$)"):
            line_end = self.text.find("\n", start)
            after = line_end + 1 if line_end >= 0 else len(self.text)
            end = next(self._matches(r"^(?=[^\s#])", after), len(self.text))
            yield start, end

    def line(self, subject: Node | None, term: Node) -> int | None:
        """The line of `term` in a block of `subject`, else its first line anywhere."""
        pattern = self._pattern(term)
        blocks = self._blocks(subject) if isinstance(subject, URIRef) else iter(())
        spans = [*blocks, (0, len(self.text))]
        for start, end in spans:
            found = next(self._matches(pattern, start, end), None)
            if found is not None:
                return self.text.count("\n", 0, found) + 1
        return None


def _named_ancestor(graph: Graph, node: Node) -> Node:
    """`node`, or for a blank node the nearest IRI whose triples lead to it."""
    seen = {node}
    frontier = [node]
    while frontier:
        current = frontier.pop(0)
        if not isinstance(current, BNode):
            return current
        for parent in graph.subjects(None, current):
            if parent not in seen:
                seen.add(parent)
                frontier.append(parent)
    return node


# -- the checks -------------------------------------------------------------------------------


class _Report:
    """The problems of one file, each located in its text."""

    def __init__(self, source: Source, root: Path | None) -> None:
        self.source = source
        self.text = _Text(source)
        path = source.path
        if root is not None and path.is_relative_to(root):
            path = path.relative_to(root)
        self.path = path.as_posix()
        self.found: dict[tuple[str, str], LintProblem] = {}

    def add(self, subject: Node, term: Node, message: str) -> None:
        focus = _named_ancestor(self.source.graph, subject)
        name = self.text.name(focus)
        if (name, message) not in self.found:
            line = self.text.line(focus, term)
            self.found[(name, message)] = LintProblem(self.path, line, name, message)


def _term_problems(report: _Report, vocabulary: Vocabulary) -> None:
    name = report.text.name
    for subject, term, use in uses(report.source.graph):
        if not isinstance(term, URIRef):
            continue
        if str(term).startswith(str(DKG)):
            message = _our_term(term, use, vocabulary, name)
        elif use != "term":
            message = _foreign_term(term, report.source.role, vocabulary, name)
        else:
            continue
        if message is not None:
            report.add(subject, term, message)


def _our_term(term: URIRef, use: Use, vocabulary: Vocabulary, name: Namer) -> str | None:
    kinds = {"class": vocabulary.classes, "property": vocabulary.properties}
    if use in kinds and term in vocabulary.declared and term not in kinds[use]:
        other = "class" if use == "property" else "property"
        return f"{name(term)} is declared as a {other}, not a {use}"
    if term in vocabulary.declared:
        return None
    candidates = kinds.get(use, vocabulary.declared)
    near = _nearest(term.removeprefix(str(DKG)), (c.removeprefix(str(DKG)) for c in candidates))
    hint = f" (did you mean {name(DKG[near])}?)" if near else ""
    return f"{name(term)} is not declared by the ontology{hint}"


def _foreign_term(term: URIRef, role: Role, vocabulary: Vocabulary, name: Namer) -> str | None:
    closed = _closed(term)
    if closed is not None and not _known(closed, term) and term not in vocabulary.vouched:
        base = str(closed._NS)
        near = _nearest(term.removeprefix(base), _local_names(closed))
        hint = f" (did you mean {name(URIRef(base + near))}?)" if near else ""
        return f"{name(term)} is not a term of <{base}>{hint}"
    if role == "data" and not str(term).startswith(tuple(vocabulary.reused)):
        vocabulary_iri = _namespace(str(term))
        return f"{name(term)} is from <{vocabulary_iri}>, a vocabulary the ontology does not use"
    return None


def _literal_problems(report: _Report, vocabulary: Vocabulary) -> None:
    """Ill-typed literals and unknown datatypes, read as written (see the module's docstring)."""
    import pyoxigraph as ox

    source = report.source
    try:
        quads = list(
            ox.parse(
                input=source.text.encode("utf-8"),
                format=ox.RdfFormat.TURTLE,
                base_iri=source.path.resolve().as_uri(),
            )
        )
    except SyntaxError:  # rdflib read it; check what rdflib made of its literals instead
        for s, _, o in source.graph:
            if isinstance(o, Literal) and o.language is None and o.datatype is not None:
                _check_literal(report, vocabulary, s, str(o), o.datatype)
        return
    parents = {q.object.value: q.subject for q in quads if isinstance(q.object, ox.BlankNode)}
    for quad in quads:
        value = quad.object
        if not isinstance(value, ox.Literal) or value.language is not None:
            continue
        subject: Node = BNode()
        node: object = quad.subject
        for _ in range(len(parents) + 1):
            if isinstance(node, ox.NamedNode):
                subject = URIRef(node.value)
                break
            node = parents.get(getattr(node, "value", ""))
            if node is None:
                break
        _check_literal(report, vocabulary, subject, value.value, URIRef(value.datatype.value))


def _check_literal(
    report: _Report, vocabulary: Vocabulary, subject: Node, lexical: str, datatype: URIRef
) -> None:
    name = report.text.name
    if str(datatype).startswith(str(DKG)):
        message = _our_term(datatype, "datatype", vocabulary, name)
    else:
        message = _foreign_term(datatype, report.source.role, vocabulary, name)
    if message is not None:
        report.add(subject, datatype, message)
        return
    why = literal_problem(lexical, datatype)
    if why is None:
        return
    with quiet_literals():
        as_written = Literal(lexical, datatype=datatype, normalize=False)
    written = '"' + lexical.replace("\\", "\\\\").replace('"', '\\"') + '"'
    message = f"{written}^^{name(datatype)} is not a valid {name(datatype)}"
    report.add(subject, as_written, f"{message}: {why}" if why else message)


def _untyped(report: _Report, typed: set[Node], slugs: list[str]) -> None:
    """Resources of ours that no input types: as objects (a misspelt slug, a record never
    written) and as subjects (a misspelt subject, a fact whose class line was lost), which
    the shapes, selecting by class, would never see. An interpretation's kind is left to the
    evidence step (`statements.collect`), whose message lists the kinds the scheme defines."""
    name = report.text.name

    def hint(resource: URIRef) -> str:
        near = _nearest(resource.removeprefix(str(RES)), slugs)
        return f" (did you mean {name(RES[near])}?)" if near else ""

    for s, p, o in report.source.graph:
        if isinstance(s, URIRef) and str(s).startswith(str(RES)) and s not in typed:
            report.add(s, s, f"has no rdf:type in any input{hint(s)}")
        if p == RDF.type or not isinstance(o, URIRef) or not str(o).startswith(str(RES)):
            continue
        if p == DKG.interpretationKind:
            continue  # the evidence step names an unknown kind with the known ones
        if o not in typed:
            report.add(
                s, o, f"{name(o)}, the object of {name(p)}, has no rdf:type in any input{hint(o)}"
            )


def _ontology_problems(report: _Report, vocabulary: Vocabulary) -> None:
    """Constructs outside OWL 2 RL; terms without labels in both languages, a comment, and
    rdfs:isDefinedBy the ontology (which the SHACL shapes use to find its instances)."""
    graph = report.source.graph
    name = report.text.name
    for s, p, _ in graph:
        if p in NOT_RL:
            report.add(s, p, f"{name(p)} is outside the OWL 2 RL profile the ontology keeps to")
    for term in sorted(vocabulary.declared & set(graph.subjects())):
        labels = graph.objects(term, RDFS.label)
        languages = {label.language for label in labels if isinstance(label, Literal)}
        missing = [f"an rdfs:label in {word}" for lang, word in _LANGUAGES if lang not in languages]
        if (term, RDFS.comment, None) not in graph:
            missing.append("an rdfs:comment")
        if (term, RDFS.isDefinedBy, URIRef(ONTOLOGY_IRI)) not in graph:
            missing.append(f"rdfs:isDefinedBy <{ONTOLOGY_IRI}>")
        if missing:
            listed = ", ".join(missing[:-1]) + " and " * (len(missing) > 1) + missing[-1]
            report.add(term, term, f"lacks {listed}")


_LANGUAGES = (("en", "English"), ("fr", "French"))


def _record_problems(report: _Report, text: Path) -> None:
    """The dkg:SourceDocument record must name the text beside the curated file, and its
    dkg:sha256, when given, must be that text's (a re-captured page is a new document)."""
    graph = report.source.graph
    name = report.text.name
    for record in graph.subjects(RDF.type, DKG.SourceDocument):
        files = [str(f) for f in graph.objects(record, DKG.sourceFile)]
        if files != [text.name]:
            found = ", ".join(f'"{f}"' for f in files) or "none"
            term = DKG.sourceFile if files else DKG.SourceDocument
            message = f'needs {name(DKG.sourceFile)} "{text.name}", the text beside this file'
            report.add(record, term, f"{message} (found {found})")
        digest = hashlib.sha256(text.read_bytes()).hexdigest()
        for given in graph.objects(record, DKG.sha256):
            if str(given) != digest:
                report.add(
                    record,
                    given,
                    f"{name(DKG.sha256)} is not the SHA-256 of {text.name} ({digest})",
                )


def _rule_uses(text: str) -> Iterator[tuple[URIRef, Use]] | None:
    """The IRIs of a rule's query with what they stand for (None when rdflib cannot parse it):
    a predicate (or an IRI of a property path) is a property, the object of `rdf:type` a
    class, any other IRI a term."""
    from rdflib.paths import Path as PropertyPath
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.plugins.sparql.parserutils import CompValue

    try:
        algebra = prepareQuery(text).algebra
    except Exception:  # rdflib's parser raises several kinds; the rules step names it
        return None
    found: list[tuple[URIRef, Use]] = []

    def path_terms(path: object) -> Iterator[URIRef]:
        if isinstance(path, URIRef):
            yield path
        elif isinstance(path, PropertyPath):
            for value in vars(path).values():
                for item in value if isinstance(value, list | tuple) else [value]:
                    yield from path_terms(item)

    def walk(node: object, key: str | None = None) -> None:
        if isinstance(node, CompValue | dict):
            for k, value in node.items():
                walk(value, k)
        elif isinstance(node, list | tuple | set) and key in ("triples", "template"):
            for s, p, o in node:
                found.extend((term, "property") for term in path_terms(p))
                for term in (s, o):
                    if isinstance(term, URIRef):
                        found.append((term, "class" if p == RDF.type and term is o else "term"))
        elif isinstance(node, list | tuple | set):
            for item in node:
                walk(item, key)
        elif isinstance(node, URIRef):
            found.append((node, "term"))

    walk(algebra)
    return iter(found)


def _rule_problems(
    report: _Report, vocabulary: Vocabulary, typed: set[Node], slugs: list[str]
) -> None:
    """The terms of a rule file: ours declared, of the right kind; others known; every `res:`
    resource typed."""
    uses_found = _rule_uses(report.source.text)
    if uses_found is None:
        return
    name = report.text.name
    focus = report.source.path.stem
    for term, use in uses_found:
        if str(term).startswith(str(DKG)):
            message = _our_term(term, use, vocabulary, name)
        elif str(term).startswith(str(RES)) and term != URIRef(str(RES)):
            message = None if term in typed else f"{name(term)} has no rdf:type in any input"
            near = _nearest(term.removeprefix(str(RES)), slugs) if message else None
            message = f"{message} (did you mean {name(RES[near])}?)" if near else message
        elif use != "term":
            message = _foreign_term(term, "data", vocabulary, name)
        else:
            message = None
        if message is not None and (focus, message) not in report.found:
            line = report.text.line(None, term)
            report.found[(focus, message)] = LintProblem(report.path, line, focus, message)


def lint(
    sources: Sequence[Source], *, root: Path | None = None, cache: Path | None = None
) -> list[LintProblem]:
    """Every problem of `sources`, file by file in their order, then by line.

    The terms declared are those of the sources whose role is "ontology"; a resource counts
    as typed when any source gives it an rdf:type. Paths are shown relative to `root`.

    With `cache` (a folder), the lint of each data source given without a graph is kept there
    under the hash of its files, the ontologies', `root` and the lint's code: its problems
    but the untyped resources', the resources it types and the resources of ours it uses. A
    later lint of the same bytes reads that instead of parsing the file, and checks the
    resources it uses against the types of all sources; when one is untyped, the file is
    parsed and linted again so that the problem is named as always.
    """
    ontology_sources = [source for source in sources if source.role == "ontology"]
    shared = _shared_key(ontology_sources, root) if cache is not None else ""
    kept: dict[int, _Kept] = {}
    for index, source in enumerate(sources):
        if cache is not None and source.cacheable and source.role == "data":
            found = _read_kept(cache, _source_key(source, shared))
            if found is not None:
                kept[index] = found
    ontologies = [source.graph for source in ontology_sources]
    ontology = ontologies[0] if len(ontologies) == 1 else Graph()
    for graph in ontologies if len(ontologies) > 1 else ():
        ontology += graph
    vocabulary = Vocabulary.of(ontology)
    typed: set[Node] = set()
    for index, source in enumerate(sources):
        if index in kept:
            typed.update(kept[index].typed)
        else:
            typed.update(source.graph.subjects(RDF.type, None))
    slugs = sorted(str(t).removeprefix(str(RES)) for t in typed if str(t).startswith(str(RES)))
    problems: list[LintProblem] = []
    for index, source in enumerate(sources):
        hit = kept.get(index)
        if hit is not None and hit.uses <= typed:
            problems += hit.problems
            continue
        report = _Report(source, root)
        if source.role == "rules":
            _rule_problems(report, vocabulary, typed, slugs)
            problems += sorted(report.found.values(), key=lambda p: (p.line or 0, p.message))
            continue
        _literal_problems(report, vocabulary)
        _term_problems(report, vocabulary)
        if source.role == "ontology":
            _ontology_problems(report, vocabulary)
        if source.document_text is not None:
            _record_problems(report, source.document_text)
        if cache is not None and source.cacheable and source.role == "data":
            own = sorted(report.found.values(), key=lambda p: (p.line or 0, p.focus, p.message))
            graph = source.graph
            _write_kept(
                cache,
                _source_key(source, shared),
                _Kept(
                    own,
                    {s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef)},
                    _our_uses(graph),
                ),
            )
        _untyped(report, typed, slugs)
        problems += sorted(report.found.values(), key=lambda p: (p.line or 0, p.focus, p.message))
    return problems


@dataclass(frozen=True)
class _Kept:
    """A data source's lint in the cache (see `lint`)."""

    problems: list[LintProblem]  # all but `_untyped`'s, sorted as `lint` sorts them
    typed: set[URIRef]  # the IRIs it gives an rdf:type
    uses: set[URIRef]  # the resources of ours `_untyped` checks in it


def _our_uses(graph: Graph) -> set[URIRef]:
    """The resources of ours whose types `_untyped` checks in `graph`."""
    used: set[URIRef] = set()
    for s, p, o in graph:
        if isinstance(s, URIRef) and str(s).startswith(str(RES)):
            used.add(s)
        if p == RDF.type or not isinstance(o, URIRef) or not str(o).startswith(str(RES)):
            continue
        if p != DKG.interpretationKind:
            used.add(o)
    return used


def _code_key() -> str:
    """The hash of the code a lint's result depends on."""
    here = Path(__file__).resolve().parent.parent
    files = [Path(__file__), here / "rdfio.py", here / "namespaces.py"]
    return hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()


def _shared_key(ontologies: Sequence[Source], root: Path | None) -> str:
    digest = hashlib.sha256(_code_key().encode())
    digest.update(str(root).encode())
    for source in ontologies:
        digest.update(hashlib.sha256(source.path.read_bytes()).digest())
    return digest.hexdigest()


def _source_key(source: Source, shared: str) -> str:
    digest = hashlib.sha256(shared.encode())
    digest.update(str(source.path).encode() + b"\0")
    digest.update(hashlib.sha256(source.path.read_bytes()).digest())
    text = source.document_text
    digest.update(str(text).encode() + b"\0")
    if text is not None and text.is_file():
        digest.update(hashlib.sha256(text.read_bytes()).digest())
    return digest.hexdigest()


def _read_kept(cache: Path, key: str) -> _Kept | None:
    try:
        with (cache / f"{key}.pickle").open("rb") as handle:
            found = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        return None
    return found if isinstance(found, _Kept) else None


def _write_kept(cache: Path, key: str, kept: _Kept) -> None:
    """Keep `kept` under `key`, written atomically."""
    cache.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".lint-", dir=cache)
    try:
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(kept, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache / f"{key}.pickle")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check(
    sources: Sequence[Source], *, root: Path | None = None, cache: Path | None = None
) -> None:
    """Raise LintFailed (exit 2) listing every problem of `sources`, one line each (`cache`:
    see `lint`)."""
    problems = lint(sources, root=root, cache=cache)
    if problems:
        raise LintFailed(problems)
