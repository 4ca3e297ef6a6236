"""Validation: SHACL shapes on the served union, OWL RL consistency on the closure.

Both produce `Problem`s naming the resource at fault, so that a failed build prints a report a
curator can act on without reading a SHACL results graph.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF
from rdflib.term import Node

from diplokg.errors import InputError
from diplokg.namespaces import RES, SH, SHAPES
from diplokg.rdfio import Triple, bind_prefixes

if TYPE_CHECKING:
    import pyoxigraph as ox

    from diplokg.build.shacl import Data, Shapes

# The only statements the consistency checks read from the closure.
_CONSISTENCY_PREDICATES = frozenset(
    {RDF.type, RDF.first, RDF.rest, OWL.disjointWith, OWL.members, OWL.sameAs}
)

# How `consistency_problems` reads each of them: types, owl:sameAs pairs, objects by subject.
_TYPES, _SAME, _OBJECTS = 0, 1, 2
_READ: dict[Node, int] = {p: _OBJECTS for p in _CONSISTENCY_PREDICATES}
_READ |= {RDF.type: _TYPES, OWL.sameAs: _SAME}


@dataclass(frozen=True, order=True)
class Problem:
    """One violation: the resource, what was checked (a shape path or an axiom), and why."""

    focus: str
    check: str
    message: str

    def __str__(self) -> str:
        return f"{self.focus}: {self.check}: {self.message}"


def _name(graph: Graph, term: Node | None) -> str:
    if term is None:
        return "-"
    if isinstance(term, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(term)
        except ValueError:
            return term.n3()
    return term.n3()


def _check_name(names: Graph, path: Node | None, shape: Node | None) -> str:
    """The property checked, or the named shape; anonymous paths and shapes have no useful name."""
    for term in (path, shape):
        if isinstance(term, URIRef):
            return _name(names, term)
    return "shape"


def shape_problems(
    triples: Iterable[Triple],
    shapes: Graph,
    shapes_path: Path | str,
    nquads: Iterable[str] = (),
    base: Data | None = None,
) -> list[Problem]:
    """Every SHACL violation of the data `triples` (with the triples of `base`, indexed
    before: `shacl.Data`), as `shacl_problems` reports them, checked by
    `diplokg.build.shacl` (pySHACL when the shapes use what it does not implement).
    `nquads` are the same data as N-Quads lines, for SPARQL targets."""
    from diplokg.build.shacl import Data, Unsupported

    try:
        checker = _checker(shapes)
        data = Data(triples, base, checker.predicates)
        results = checker.check(data, _sparql(nquads))
    except Unsupported:
        data = Data(triples, base, frozenset())
        union = Graph()
        union.addN((s, p, o, union) for s, p, o in data.triples)
        return shacl_problems(union, shapes, shapes_path)
    names = _names()
    problems = set()
    for result in results:
        text = str(result.message)
        if result.value is not None and result.value != result.focus:
            text += f" (value {_name(names, result.value)})"
        check = _check_name(names, result.path, result.shape)
        problems.add(Problem(focus=_name(names, result.focus), check=check, message=text))
    return sorted(problems)


def shape_index(triples: Iterable[Triple], shapes: Graph) -> Data:
    """The index of `triples` the checker of `shapes` reads (`shacl.Data`), to be the `base`
    of `shape_problems` (all of them, when pySHACL checks these shapes)."""
    from diplokg.build.shacl import Data, Unsupported

    try:
        return Data(triples, predicates=_checker(shapes).predicates)
    except Unsupported:
        return Data(triples, predicates=frozenset())


def _sparql(lines: Iterable[str]) -> Callable[[str], set[Node]]:
    """Runs a SPARQL target's SELECT over the N-Quads `lines` (joined and loaded on the first
    call: the shapes' targets the checker matches itself need no store)."""
    store: list[ox.Store] = []

    def sparql(select: str) -> set[Node]:
        import pyoxigraph as ox

        if not store:
            store.append(ox.Store())
            store[0].load("".join(lines).encode("utf-8"), format=ox.RdfFormat.N_QUADS)
        found: set[Node] = set()
        for row in store[0].query(select, use_default_graph_as_union=True):  # type: ignore[union-attr]
            term = row[0]
            if isinstance(term, ox.NamedNode):
                found.add(URIRef(term.value))
            elif isinstance(term, ox.BlankNode):
                found.add(BNode(term.value))
        return found

    return sparql


_CHECKERS: dict[int, tuple[Graph, Shapes]] = {}


def _checker(shapes: Graph) -> Shapes:
    """The checker of a shapes graph, made once per graph object."""
    from diplokg.build.shacl import Shapes

    kept = _CHECKERS.get(id(shapes))
    if kept is None or kept[0] is not shapes:
        kept = (shapes, Shapes(shapes))
        _CHECKERS[id(shapes)] = kept
    return kept[1]


def _names() -> Graph:
    names = bind_prefixes(Graph())
    names.bind("dkgsh", SHAPES)
    return names


def shacl_problems(data: Graph, shapes: Graph, shapes_path: Path | str) -> list[Problem]:
    """Every SHACL violation of `data` (warnings and infos do not count), by pySHACL: the
    reference `shape_problems` is checked against."""
    import pyshacl

    _, results, text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    if not isinstance(results, Graph):
        # pySHACL returns its exception here when the shapes themselves are unusable.
        raise InputError(shapes_path, f"SHACL shapes cannot be used: {text.strip()}")
    names = bind_prefixes(Graph())
    names.bind("dkgsh", SHAPES)
    problems = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        if results.value(result, SH.resultSeverity) != SH.Violation:
            continue
        path = results.value(result, SH.resultPath)
        shape = results.value(result, SH.sourceShape)
        message = results.value(result, SH.resultMessage)
        value = results.value(result, SH.value)
        text = str(message) if message is not None else "violates the shape"
        focus = results.value(result, SH.focusNode)
        if value is not None and value != focus:
            text += f" (value {_name(names, value)})"
        problems.append(
            Problem(
                focus=_name(names, focus),
                check=_check_name(names, path, shape),
                message=text,
            )
        )
    return sorted(set(problems))


def _pair(a: Node, b: Node) -> tuple[Node, Node]:
    return (a, b) if str(a) <= str(b) else (b, a)


def disjoint_pairs(ontology: Graph) -> set[tuple[Node, Node]]:
    """Every pair of classes declared disjoint, by owl:disjointWith or owl:AllDisjointClasses."""
    pairs: set[tuple[Node, Node]] = set()
    for a, b in ontology.subject_objects(OWL.disjointWith):
        pairs.add(_pair(a, b))
    for axiom in ontology.subjects(RDF.type, OWL.AllDisjointClasses):
        head = ontology.value(axiom, OWL.members)
        if head is None:
            continue
        members = list(Collection(ontology, head))
        pairs.update(_pair(a, b) for i, a in enumerate(members) for b in members[i + 1 :])
    return pairs


def consistency_problems(
    full: Iterable[Triple], reasoner_errors: Iterable[str] = ()
) -> list[Problem]:
    """Resources typed with two disjoint classes or with owl:Nothing, curated resources inferred
    the same, plus the reasoner's own inconsistency messages; `full` is the closure.

    (Read from an index of the closure's triples of those predicates, as `disjoint_pairs` reads
    a graph: the closure of a page holds thousands of types an rdflib graph would copy.)"""
    types: dict[Node, set[Node]] = defaultdict(set)  # class -> its instances
    objects: dict[tuple[Node, Node], list[Node]] = defaultdict(list)
    same: list[tuple[Node, Node]] = []
    # one dictionary lookup a triple (a comparison with rdflib's terms is a Python call)
    read = _READ.get
    for s, p, o in full:
        kind = read(p)
        if kind is None:
            continue
        if kind == _TYPES:
            types[o].add(s)
        elif kind == _SAME:
            same.append((s, o))
        else:
            objects[(s, p)].append(o)
    names = bind_prefixes(Graph())
    problems = []
    pairs: set[tuple[Node, Node]] = set()
    for (a, p), found in objects.items():
        if p == OWL.disjointWith:
            pairs.update(_pair(a, b) for b in found)
    for axiom in types.get(OWL.AllDisjointClasses, ()):
        heads = objects.get((axiom, OWL.members))
        if not heads:
            continue
        members = _items(objects, heads[0])
        pairs.update(_pair(a, b) for i, a in enumerate(members) for b in members[i + 1 :])
    for a, b in pairs:
        for thing in types.get(a, set()) & types.get(b, set()):
            problems.append(
                Problem(
                    _name(names, thing),
                    "owl:disjointWith",
                    f"is both a {_name(names, a)} and a {_name(names, b)}, declared disjoint",
                )
            )
    # Two curated resources inferred identical (say, through a functional property) are a
    # modelling error here: the graph gives every thing exactly one IRI.
    for a, b in same:
        if str(a) < str(b) and str(a).startswith(str(RES)) and str(b).startswith(str(RES)):
            problems.append(
                Problem(_name(names, a), "owl:sameAs", f"is inferred the same as {_name(names, b)}")
            )
    for thing in types.get(OWL.Nothing, ()):
        problems.append(Problem(_name(names, thing), "owl:Nothing", "cannot exist (owl:Nothing)"))
    # owlrl words disjointness clashes too; those are already reported above, per resource.
    problems.extend(
        Problem("-", "owl 2 rl", message)
        for message in reasoner_errors
        if not message.startswith("Disjoint classes")
    )
    return sorted(set(problems))


def _items(objects: dict[tuple[Node, Node], list[Node]], head: Node) -> list[Node]:
    """The members of the RDF list at `head`, as rdflib's `Graph.items` reads them."""
    items: list[Node] = []
    seen: set[Node | None] = {head}
    node: Node | None = head
    while node is not None:
        first = objects.get((node, RDF.first))
        if first:
            items.append(first[0])
        rest = objects.get((node, RDF.rest))
        node = rest[0] if rest else None
        if node in seen:
            raise ValueError("List contains a recursive rdf:rest reference")
        seen.add(node)
    return items


def report(problems: Iterable[Problem]) -> str:
    """The lines a failed build prints, one problem a line."""
    return "\n".join(f"  {problem}" for problem in problems)
