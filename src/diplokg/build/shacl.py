"""SHACL Core for the shapes the project writes, checked over an index of the data in Python.

pySHACL (`validate.shacl_problems`, the reference) takes about half a second per document;
this checker gives the same problems in a few hundredths, which is what lets every document of
a collection be validated on its own. It reads the shapes graph and supports the constraint
components `ontology/shapes.ttl` uses: targets (`sh:targetClass` with subclasses,
`sh:targetSubjectsOf`, `sh:targetObjectsOf`, `sh:targetNode`, a SPARQL target: matched
over the index when it is one variable of a basic graph pattern (`Pattern`), else run with
pyoxigraph), predicate paths and `sh:alternativePath`, `sh:nodeKind`, `sh:pattern`,
`sh:datatype`, `sh:minCount`, `sh:maxCount`, `sh:hasValue`, `sh:in`, `sh:languageIn`,
`sh:class`, `sh:or`, `sh:not`, `sh:node`, `sh:property` and qualified value shapes. A shapes
graph using anything else (or a shape that reports without an `sh:message`) raises
`Unsupported`, and the caller falls back to pySHACL. tests/build/test_validation.py shows that both
report the same problems on the seed and on every bad fixture.

A result is reported as pySHACL reports it: the focus node, the path (or the shape), the
shape's `sh:message`, and the value node for the components that have one.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.term import Node, Variable

from diplokg.namespaces import SH
from diplokg.rdfio import Triple

__all__ = ["Data", "Result", "Shapes", "Unsupported"]

# What a shape may say besides its constraints.
_METADATA = frozenset(
    {
        RDF.type,
        RDFS.label,
        RDFS.comment,
        SH.message,
        SH.name,
        SH.description,
        SH.order,
        SH.group,
        SH.targetClass,
        SH.targetSubjectsOf,
        SH.targetObjectsOf,
        SH.targetNode,
        SH.target,
        SH.path,
    }
)
_CONSTRAINTS = frozenset(
    {
        SH.nodeKind,
        SH.pattern,
        SH.flags,
        SH.datatype,
        SH.minCount,
        SH.maxCount,
        SH.hasValue,
        SH["in"],
        SH.languageIn,
        SH["class"],
        SH["or"],
        SH["not"],
        SH.node,
        SH.property,
        SH.qualifiedValueShape,
        SH.qualifiedMinCount,
        SH.qualifiedMaxCount,
    }
)
# The components whose results name no value node.
_NODE_KINDS = {
    SH.IRI: (URIRef,),
    SH.BlankNode: (BNode,),
    SH.Literal: (Literal,),
    SH.BlankNodeOrIRI: (BNode, URIRef),
    SH.BlankNodeOrLiteral: (BNode, Literal),
    SH.IRIOrLiteral: (URIRef, Literal),
}


# Runs a SPARQL target's SELECT over the data; the focus nodes it selects.
SparqlTargets = Callable[[str], set[Node]]


class Unsupported(Exception):
    """The shapes graph uses something this checker does not implement."""


@dataclass(frozen=True)
class Result:
    """One violation: focus node, path (None for a node shape), shape, message, value.

    (A predicate path; an alternative path is named by its shape, as pySHACL names it.)"""

    focus: Node
    path: Node | None
    shape: Node
    message: str | None  # None: the shape has none (only nested shapes may lack one)
    value: Node | None


class Data:
    """The data graph, indexed for the lookups a shape makes: `triples`, and the triples of
    `base` when given (a copy of its index, which is left as it was: the index of the
    ontology, made once, is the base of every document's data)."""

    def __init__(
        self,
        triples: Iterable[Triple],
        base: Data | None = None,
        predicates: frozenset[Node] | None = None,
    ) -> None:
        """`predicates`: index only the triples of these (`Shapes.predicates`: what the shapes
        look up; `triples` keeps them all); None: every triple."""
        self.triples: list[Triple] = list(triples)
        self.predicates = predicates
        self.objects: dict[tuple[Node, Node], set[Node]] = defaultdict(set)
        self.subjects_of: dict[Node, set[Node]] = defaultdict(set)
        self.objects_of: dict[Node, set[Node]] = defaultdict(set)
        if base is not None and not _covers(base.predicates, predicates):
            # (a base indexed for other shapes: its triples indexed again with these)
            base = Data(base.triples, predicates=predicates)
        if base is not None:
            self.objects.update((k, set(v)) for k, v in base.objects.items())
            self.subjects_of.update((k, set(v)) for k, v in base.subjects_of.items())
            self.objects_of.update((k, set(v)) for k, v in base.objects_of.items())
        objects, subjects_of, objects_of = self.objects, self.subjects_of, self.objects_of
        for s, p, o in self.triples:
            if predicates is not None and p not in predicates:
                continue
            objects[(s, p)].add(o)
            subjects_of[p].add(s)
            objects_of[p].add(o)
        if base is not None:
            self.triples[:0] = base.triples
        self.instances: dict[Node, set[Node]] = defaultdict(set)
        a, sub_class_of = RDF.type, RDFS.subClassOf
        for s in self.subjects_of.get(a, ()):
            for cls in self.objects[(s, a)]:
                self.instances[cls].add(s)
        self.subclasses: dict[Node, set[Node]] = defaultdict(set)
        for s in self.subjects_of.get(sub_class_of, ()):
            for cls in self.objects[(s, sub_class_of)]:
                self.subclasses[cls].add(s)

    def values(self, node: Node, predicate: Node) -> set[Node]:
        return self.objects.get((node, predicate), set())

    def instances_of(self, cls: Node) -> set[Node]:
        """The SHACL instances of `cls`: typed with it or with one of its subclasses."""
        found: set[Node] = set()
        seen: set[Node] = set()
        pending = [cls]
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            seen.add(current)
            found |= self.instances.get(current, set())
            pending.extend(self.subclasses.get(current, ()))
        return found


def _covers(indexed: frozenset[Node] | None, wanted: frozenset[Node] | None) -> bool:
    """Whether an index of the triples of `indexed` predicates (None: all) holds every triple
    of `wanted` ones."""
    return indexed is None or (wanted is not None and wanted <= indexed)


class Shapes:
    """The shapes of a shapes graph, checked against `Data`."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._compiled_shapes: dict[Node, _Shape] = {}
        self._target_specs: dict[Node, _Targets] = {}
        self._predicates: frozenset[Node] | None = None
        shapes: list[Node] = list(graph.subjects(RDF.type, SH.NodeShape))
        self.node_shapes = sorted(shapes, key=str)
        for shape in self._all_shapes():
            self._check_supported(shape)

    @property
    def predicates(self) -> frozenset[Node]:
        """Every predicate the check looks up in the data: the shapes' paths, their targets'
        properties and patterns, rdf:type and rdfs:subClassOf (instances of a class);
        `Data` need index no other triple."""
        if self._predicates is None:
            found: set[Node] = {RDF.type, RDFS.subClassOf}
            for shape in self._all_shapes():
                found.update(self._compiled(shape).predicates)
                targets = self._targets(shape)
                found.update(targets.subjects_of)
                found.update(targets.objects_of)
                for _, pattern in targets.selects:
                    if pattern is not None:
                        found.update(p for _, p, _ in pattern.triples)
            self._predicates = frozenset(found)
        return self._predicates

    # -- reading the shapes graph -------------------------------------------------------------

    def _all_shapes(self) -> Iterator[Node]:
        seen: set[Node] = set()
        pending: list[Node] = list(self.node_shapes)
        while pending:
            shape = pending.pop()
            if shape in seen:
                continue
            seen.add(shape)
            yield shape
            for predicate in (SH.property, SH.node, SH["not"], SH.qualifiedValueShape):
                pending.extend(self.graph.objects(shape, predicate))
            for head in self.graph.objects(shape, SH["or"]):
                pending.extend(self._list(head))

    def _list(self, head: Node) -> list[Node]:
        return list(Collection(self.graph, head))

    def _check_supported(self, shape: Node) -> None:
        said = set(self.graph.predicates(shape, None))
        unknown = said - _METADATA - _CONSTRAINTS
        severity = self.graph.value(shape, SH.severity)
        if severity is not None and severity != SH.Violation:
            unknown.add(SH.severity)
        if unknown:
            raise Unsupported(f"{shape}: {sorted(map(str, unknown))}")
        if len(list(self.graph.objects(shape, SH.message))) > 1:
            raise Unsupported(f"{shape}: more than one sh:message")
        path = self.graph.value(shape, SH.path)
        if path is not None:
            self._path(path)
        for target in self.graph.objects(shape, SH.target):
            if (target, RDF.type, SH.SPARQLTarget) not in self.graph:
                raise Unsupported(f"{shape}: a target other than a SPARQL target")

    @cache  # noqa: B019 (one Shapes per shapes graph, kept for the process)
    def _path(self, path: Node) -> tuple[Node, ...]:
        """The predicates a path is the union of (a predicate, or an alternative path)."""
        if isinstance(path, URIRef):
            return (path,)
        alternatives = self.graph.value(path, SH.alternativePath)
        if alternatives is None or len(set(self.graph.predicates(path, None))) != 1:
            raise Unsupported(f"path {path}: only predicates and sh:alternativePath")
        steps = self._list(alternatives)
        if not all(isinstance(step, URIRef) for step in steps):
            raise Unsupported(f"path {path}: an alternative of complex paths")
        return tuple(steps)

    def _message(self, shape: Node) -> str | None:
        message = self.graph.value(shape, SH.message)
        return None if message is None else str(message)

    # -- checking -----------------------------------------------------------------------------

    def targets(self, shape: Node, data: Data, sparql: SparqlTargets | None) -> set[Node]:
        t = self._targets(shape)
        focus: set[Node] = set()
        for cls in t.classes:
            focus |= data.instances_of(cls)
        for prop in t.subjects_of:
            focus |= data.subjects_of.get(prop, set())
        for prop in t.objects_of:
            focus |= data.objects_of.get(prop, set())
        focus.update(t.nodes)
        for select, pattern in t.selects:
            if pattern is not None:
                focus |= pattern.select(data)
                continue
            if sparql is None or select is None:
                raise Unsupported(f"{shape}: a SPARQL target needs the data as a store")
            focus |= sparql(select)
        return focus

    def _targets(self, shape: Node) -> _Targets:
        """What selects a shape's focus nodes, read once from the shapes graph."""
        found = self._target_specs.get(shape)
        if found is None:
            g = self.graph
            selects = []
            for target in g.objects(shape, SH.target):
                select = g.value(target, SH.select)
                text = None if select is None else str(select)
                selects.append((text, None if text is None else Pattern.of(text)))
            found = _Targets(
                classes=list(g.objects(shape, SH.targetClass)),
                subjects_of=list(g.objects(shape, SH.targetSubjectsOf)),
                objects_of=list(g.objects(shape, SH.targetObjectsOf)),
                nodes=list(g.objects(shape, SH.targetNode)),
                selects=selects,
            )
            self._target_specs[shape] = found
        return found

    def check(self, data: Data, sparql: SparqlTargets | None = None) -> list[Result]:
        """Every violation of `data`."""
        results: list[Result] = []
        for shape in self.node_shapes:
            for focus in self.targets(shape, data, sparql):
                results.extend(self.validate(focus, shape, data))
        for result in results:
            if result.message is None:
                raise Unsupported(f"{result.shape}: reports without an sh:message")
        return results

    def conforms(self, node: Node, shape: Node, data: Data) -> bool:
        return next(iter(self.validate(node, shape, data)), None) is None

    def _compiled(self, shape: Node) -> _Shape:
        compiled = self._compiled_shapes.get(shape)
        if compiled is None:
            g = self.graph

            def each(predicate: URIRef) -> list[Node]:
                return list(g.objects(shape, predicate))

            path = g.value(shape, SH.path)
            flags = str(g.value(shape, SH.flags) or "")
            compiled = _Shape(
                path=path,
                predicates=self._path(path) if path is not None else (),
                message=self._message(shape),
                node_kinds=[_NODE_KINDS[k] for k in each(SH.nodeKind)],  # type: ignore[index]
                patterns=[_regex(str(p), flags) for p in each(SH.pattern)],
                datatypes=each(SH.datatype),
                min_counts=[int(str(n)) for n in each(SH.minCount)],
                max_counts=[int(str(n)) for n in each(SH.maxCount)],
                has_values=each(SH.hasValue),
                ins=[set(self._list(head)) for head in each(SH["in"])],
                languages=[[str(t).lower() for t in self._list(h)] for h in each(SH.languageIn)],
                classes=each(SH["class"]),
                ors=[self._list(head) for head in each(SH["or"])],
                nots=each(SH["not"]),
                nodes=each(SH.node),
                qualified=[
                    (
                        q,
                        [int(str(n)) for n in each(SH.qualifiedMinCount)],
                        [int(str(n)) for n in each(SH.qualifiedMaxCount)],
                    )
                    for q in each(SH.qualifiedValueShape)
                ],
                properties=each(SH.property),
            )
            self._compiled_shapes[shape] = compiled
        return compiled

    def validate(self, focus: Node, shape: Node, data: Data) -> Iterator[Result]:
        """The results of checking `focus` against `shape`."""
        c = self._compiled(shape)
        if c.path is None:
            values: set[Node] = {focus}
        elif len(c.predicates) == 1:
            values = data.values(focus, c.predicates[0])
        else:
            values = set()
            for predicate in c.predicates:
                values |= data.values(focus, predicate)

        def result(value: Node | None) -> Result:
            return Result(focus, c.path, shape, c.message, value)

        for kinds in c.node_kinds:
            for v in values:
                if not isinstance(v, kinds):
                    yield result(v)
        for regex in c.patterns:
            for v in values:
                if isinstance(v, BNode) or not regex.search(str(v)):
                    yield result(v)
        for datatype in c.datatypes:
            for v in values:
                if not _has_datatype(v, datatype):
                    yield result(v)
        for count in c.min_counts:
            if len(values) < count:
                yield result(None)
        for count in c.max_counts:
            if len(values) > count:
                yield result(None)
        for wanted in c.has_values:
            if wanted not in values:
                yield result(None)
        for allowed in c.ins:
            for v in values:
                if v not in allowed:
                    yield result(v)
        for languages in c.languages:
            for v in values:
                if not _in_languages(v, languages):
                    yield result(v)
        for cls in c.classes:
            members = data.instances_of(cls)
            for v in values:
                if v not in members:
                    yield result(v)
        for alternatives in c.ors:
            for v in values:
                if not any(self.conforms(v, alt, data) for alt in alternatives):
                    yield result(v)
        for negated in c.nots:
            for v in values:
                if self.conforms(v, negated, data):
                    yield result(v)
        for node in c.nodes:
            for v in values:
                # pySHACL reports the value's own results under the node shape too
                nested = list(self.validate(v, node, data))
                if nested:
                    yield result(v)
                    yield from nested
        for qualified, least, most in c.qualified:
            matching = sum(1 for v in values if self.conforms(v, qualified, data))
            if any(matching < n for n in least):
                yield result(None)
            if any(matching > n for n in most):
                yield result(None)
        for prop in c.properties:
            for v in values:
                yield from self.validate(v, prop, data)


@dataclass
class _Targets:
    """How a shape selects its focus nodes; a SPARQL target's SELECT with its `Pattern`
    (None: the SELECT is run by the `SparqlTargets` the check is given)."""

    classes: list[Node]
    subjects_of: list[Node]
    objects_of: list[Node]
    nodes: list[Node]
    selects: list[tuple[str | None, Pattern | None]]


_Term = Variable | URIRef


@dataclass(frozen=True)
class Pattern:
    """A SPARQL target's SELECT of one variable over a basic graph pattern whose terms are
    variables and IRIs (`SELECT [DISTINCT] ?v WHERE { ?s <p> ?o . ... }`), matched against
    `Data`'s indexes instead of a store: the IRIs and blank nodes the variable takes in the
    pattern's solutions over the union of the data (SPARQL 1.1, section 18.3, basic graph
    pattern matching, with the predicates as IRIs; the SELECT's DISTINCT changes no set).
    tests/build/test_validation.py compares it with pyoxigraph's answer."""

    variable: Variable
    triples: tuple[tuple[_Term, URIRef, _Term], ...]

    @staticmethod
    @cache
    def of(select: str) -> Pattern | None:
        """The pattern of `select`, or None when it is anything else (then run by a store)."""
        from rdflib.plugins.sparql import prepareQuery

        try:
            algebra = prepareQuery(select).algebra
        except Exception:  # a SELECT rdflib cannot read is left to the store, which names it
            return None
        node = algebra.p
        if algebra.name != "SelectQuery" or algebra.get("datasetClause"):
            return None
        if node.name == "Distinct":
            node = node.p
        if node.name != "Project" or len(node.PV) != 1 or node.p.name != "BGP":
            return None
        triples = []
        for s, p, o in node.p.triples:
            if not isinstance(p, URIRef) or not all(
                isinstance(t, Variable | URIRef) for t in (s, o)
            ):
                return None
            triples.append((s, p, o))
        if not triples or not any(node.PV[0] in t for t in triples):
            return None
        return Pattern(node.PV[0], tuple(triples))

    def select(self, data: Data) -> set[Node]:
        """The IRIs and blank nodes `self.variable` takes over `data`."""
        found: set[Node] = set()
        for solution in _solutions(list(self.triples), {}, data):
            value = solution[self.variable]
            if isinstance(value, URIRef | BNode):
                found.add(value)
        return found


def _solutions(
    patterns: list[tuple[_Term, URIRef, _Term]], bound: dict[Variable, Node], data: Data
) -> Iterator[dict[Variable, Node]]:
    """Every extension of `bound` matching all `patterns` (a join, most bound pattern first)."""
    if not patterns:
        yield bound
        return

    def value(term: _Term) -> Node | None:
        return bound.get(term) if isinstance(term, Variable) else term

    def unbound(i: int) -> int:
        s, _, o = patterns[i]
        return (value(s) is None) * 2 + (value(o) is None)

    best = min(range(len(patterns)), key=unbound)
    s, p, o = patterns[best]
    rest = patterns[:best] + patterns[best + 1 :]
    subject, obj = value(s), value(o)
    if subject is not None:
        pairs: Iterable[tuple[Node, Node]] = (
            (subject, v) for v in data.values(subject, p) if obj is None or v == obj
        )
    elif obj is not None and p == RDF.type:
        pairs = ((x, obj) for x in data.instances.get(obj, ()))
    elif obj is not None:
        pairs = ((x, obj) for x in data.subjects_of.get(p, ()) if obj in data.values(x, p))
    else:
        pairs = ((x, v) for x in data.subjects_of.get(p, ()) for v in data.values(x, p))
    for x, v in pairs:
        extended = dict(bound)
        if isinstance(s, Variable):
            extended[s] = x
        if isinstance(o, Variable):
            if extended.get(o, v) != v:  # ?x <p> ?x
                continue
            extended[o] = v
        yield from _solutions(rest, extended, data)


@dataclass
class _Shape:
    """What a shape says, read once from the shapes graph."""

    path: Node | None
    predicates: tuple[Node, ...]
    message: str | None
    node_kinds: list[tuple[type, ...]]
    patterns: list[re.Pattern[str]]
    datatypes: list[Node]
    min_counts: list[int]
    max_counts: list[int]
    has_values: list[Node]
    ins: list[set[Node]]
    languages: list[list[str]]
    classes: list[Node]
    ors: list[list[Node]]
    nots: list[Node]
    nodes: list[Node]
    qualified: list[tuple[Node, list[int], list[int]]]
    properties: list[Node]


@cache
def _regex(pattern: str, flags: str) -> re.Pattern[str]:
    value = 0
    for flag, bit in (("i", re.IGNORECASE), ("m", re.MULTILINE), ("s", re.DOTALL), ("x", re.X)):
        if flag in flags:
            value |= bit
    return re.compile(pattern, value)


def _has_datatype(value: Node, datatype: Node) -> bool:
    if not isinstance(value, Literal):
        return False
    if datatype == RDF.langString:
        return value.language is not None
    actual = value.datatype or (None if value.language else XSD.string)
    return actual == datatype and not value.ill_typed


def _in_languages(value: Node, languages: list[str]) -> bool:
    if not isinstance(value, Literal) or not value.language:
        return False
    tag = value.language.lower()
    return any(tag == lang or tag.startswith(f"{lang}-") for lang in languages)
