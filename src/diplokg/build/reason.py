"""OWL 2 RL reasoning kept apart from the assertions: the inferred graph holds only what is derived.

The inferred graph is the closure of ontology + asserted + enrichment, minus every input
triple, minus noise. A derived triple is noise, and dropped, when

1. its subject is a literal (owlrl's `"x" owl:sameAs "x"`, datatype self-typing), which no
   RDF syntax can write anyway;
2. it is reflexive bookkeeping: `x owl:sameAs x`, `C rdfs:subClassOf C`,
   `C owl:equivalentClass C`, `p rdfs:subPropertyOf p`, `p owl:equivalentProperty p`;
3. its subject is a built-in term of RDF, RDFS, OWL or XSD (`xsd:string a rdfs:Datatype`);
4. its object is the top of everything: `x rdf:type owl:Thing`, `x rdf:type rdfs:Resource`,
   `C rdfs:subClassOf owl:Thing`, `p rdfs:domain owl:Thing`, `p rdfs:range owl:Thing`;
5. its predicate is a container membership property `rdf:_n`;
6. it mentions a blank node of the ontology graph: those are class expressions and lists
   (restrictions, property chains, disjointness axioms), not things the data is about;
7. it is one of owlrl's inconsistency markers, which are reported, not published.

`owlrl` is the reference reasoner. `reasonable` (Rust) is much faster but implements neither
property chains (OWL 2 RL rule prp-spo2) nor the schema rules that close the ontology itself
(scm-sco, scm-spo, scm-dom1/2, scm-rng1/2), so `closure(..., "reasonable")` applies those
here: it saturates the schema and property rules in Python first (so that one round of
`reasonable` usually suffices), then re-applies chains and schema rules between incremental
rounds of `reasonable` until nothing new appears. `reasonable` returns plain literals typed
`xsd:string`; they are normalised back to plain literals.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

# The reasoners' names live with the build's freshness check, which reads them from build.json
# without loading rdflib.
from diplokg.build.freshness import DEFAULT_REASONER as DEFAULT_REASONER
from diplokg.build.freshness import REASONERS as REASONERS
from diplokg.build.freshness import Reasoner as Reasoner
from diplokg.rdfio import Triple

# owlrl records inconsistencies as resources of this class with their message.
_OWLRL_ERROR_NS = "http://www.daml.org/2002/03/agents/agent-ont#"
_BUILTIN_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))
_REFLEXIVE = frozenset(
    {OWL.sameAs, RDFS.subClassOf, OWL.equivalentClass, RDFS.subPropertyOf, OWL.equivalentProperty}
)
_MEMBERSHIP = str(RDF) + "_"
_XSD_STRING = XSD.string
_TOP = frozenset({OWL.Thing, RDFS.Resource})
_TOP_PREDICATES = frozenset({RDF.type, RDFS.subClassOf, RDFS.domain, RDFS.range})
# (named once: `OWL.x` makes a new IRI, checked, at each use)
_SYMMETRIC, _TRANSITIVE = OWL.SymmetricProperty, OWL.TransitiveProperty
KINDS = ("types", "subproperty", "inverses", "symmetric", "transitive", "chains", "other")


@dataclass
class Inference:
    """What reasoning produced: the filtered inferred triples and the reasoner's error messages."""

    inferred: set[Triple]
    closure: set[Triple]
    errors: list[str] = field(default_factory=list)


def closure(
    graph: set[Triple], reasoner: Reasoner = DEFAULT_REASONER
) -> tuple[set[Triple], list[str]]:
    """The full OWL 2 RL closure of `graph` and any inconsistency messages."""
    if reasoner == "owlrl":
        return _owlrl_closure(graph)
    if reasoner == "reasonable":
        return _reasonable_closure(graph), []
    raise ValueError(f"unknown reasoner {reasoner!r}; choose one of {', '.join(REASONERS)}")


def _owlrl_closure(graph: set[Triple]) -> tuple[set[Triple], list[str]]:
    import owlrl

    full = Graph()
    for triple in graph:
        full.add(triple)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(full)
    errors: list[str] = []
    for marker in list(full.subjects(RDF.type, URIRef(_OWLRL_ERROR_NS + "ErrorMessage"))):
        errors.extend(str(m) for m in full.objects(marker, URIRef(_OWLRL_ERROR_NS + "error")))
        full.remove((marker, None, None))
    return set(full), sorted(errors)


def _reasonable_closure(graph: set[Triple]) -> set[Triple]:
    import reasonable

    full: set[Triple] = set(graph)
    full |= _schema_entailments(_index(full, _SCHEMA_PREDICATES))
    # Saturating the property rules first (chains included) lets one round of reasonable
    # reach the closure on graphs like ours; the loop below still guarantees it in general.
    full |= _property_entailments(full)
    engine = reasonable.PyReasoner()
    added: Iterable[Triple] = full
    # The rules run between rounds read only the schema and the chains' own properties, so
    # they get an index of those triples, not of the whole (large) graph.
    needed: set[Node] = set(_SCHEMA_PREDICATES)
    needed.update(p for _, steps in property_chains(_index(full, needed)) for p in steps)
    while True:
        # Later rounds only append the rules' new triples: reasonable then reasons
        # incrementally, and the whole graph is not handed over to Rust again.
        engine.from_graph(list(added))
        full.update((s, p, _plain(o)) for s, p, o in engine.reason())
        index = _index(full, needed)
        added = (_chain_entailments(index) | _schema_entailments(index)) - full
        if not added:
            return full
        full |= added


def _plain(term: Node) -> Node:
    if isinstance(term, Literal) and term.datatype == _XSD_STRING:
        return Literal(str(term))
    return term


Pairs = dict[Node, list[tuple[Node, Node]]]


# What the schema rules and the chain axioms are read from.
_SCHEMA_PREDICATES = frozenset(
    {
        RDFS.subClassOf,
        RDFS.subPropertyOf,
        RDFS.domain,
        RDFS.range,
        OWL.propertyChainAxiom,
        RDF.first,
        RDF.rest,
    }
)


def _index(triples: Iterable[Triple], only: Collection[Node] | None = None) -> Pairs:
    """(subject, object) pairs by predicate (only those in `only`, if given): the one lookup
    the Python rules need."""
    by_predicate: Pairs = defaultdict(list)
    for s, p, o in triples:
        if only is None or p in only:
            by_predicate[p].append((s, o))
    return by_predicate


def property_chains(index: Pairs) -> list[tuple[Node, list[Node]]]:
    """Every `p owl:propertyChainAxiom (p1 ... pn)`, as (p, [p1..pn])."""
    first = dict(index.get(RDF.first, ()))
    rest = dict(index.get(RDF.rest, ()))
    chains = []
    for prop, head in index.get(OWL.propertyChainAxiom, ()):
        steps = []
        node: Node | None = head
        while node is not None and node != RDF.nil and node in first:
            steps.append(first[node])
            node = rest.get(node)
        if steps:
            chains.append((prop, steps))
    return sorted(chains)


def _chain_entailments(index: Pairs) -> set[Triple]:
    """One application of OWL 2 RL rule prp-spo2 to every chain axiom."""
    found: set[Triple] = set()
    for prop, steps in property_chains(index):
        frontier: dict[Node, set[Node]] = defaultdict(set)
        for s, o in index.get(steps[0], ()):
            frontier[s].add(o)
        for step in steps[1:]:
            objects: dict[Node, set[Node]] = defaultdict(set)
            for s, o in index.get(step, ()):
                objects[s].add(o)
            frontier = {
                s: {o for mid in mids for o in objects.get(mid, ())} for s, mids in frontier.items()
            }
        found.update((s, prop, o) for s, ends in frontier.items() for o in ends)
    return found


def _property_entailments(full: set[Triple]) -> set[Triple]:
    """What the property axioms entail from `full`, to a fixpoint: OWL 2 RL rules prp-spo1
    (sub-properties), prp-inv1/2, prp-symp, prp-trp and prp-spo2 for chains of two.

    Semi-naive: each new triple is joined only with what is already known, once.
    """
    index = _index(full)
    supers: dict[Node, set[Node]] = defaultdict(set)
    for sub, sup in index.get(RDFS.subPropertyOf, ()):
        if sub != sup:
            supers[sub].add(sup)
    for a, b in index.get(OWL.equivalentProperty, ()):
        supers[a].add(b)
        supers[b].add(a)
    inverse: dict[Node, set[Node]] = defaultdict(set)
    for a, b in index.get(OWL.inverseOf, ()):
        inverse[a].add(b)
        inverse[b].add(a)
    types = index.get(RDF.type, ())
    symmetric = {s for s, o in types if o == _SYMMETRIC}
    transitive = {s for s, o in types if o == _TRANSITIVE}
    chains = [(c, steps[0], steps[1]) for c, steps in property_chains(index) if len(steps) == 2]
    joined = transitive | {p for _, p1, p2 in chains for p in (p1, p2)}
    watched = joined | set(supers) | set(inverse) | symmetric
    objects: dict[tuple[Node, Node], set[Node]] = defaultdict(set)
    subjects: dict[tuple[Node, Node], set[Node]] = defaultdict(set)
    for p in joined:
        for s, o in index.get(p, ()):
            objects[(s, p)].add(o)
            subjects[(o, p)].add(s)
    found: set[Triple] = set()
    work = [t for t in full if t[1] in watched]

    def add(triple: Triple) -> None:
        if triple not in full and triple not in found:
            found.add(triple)
            s, p, o = triple
            if p in joined:
                objects[(s, p)].add(o)
                subjects[(o, p)].add(s)
            if p in watched:
                work.append(triple)

    while work:
        s, p, o = work.pop()
        for q in supers.get(p, ()):
            add((s, q, o))
        if isinstance(o, Literal):
            continue
        for q in inverse.get(p, ()):
            add((o, q, s))
        if p in symmetric:
            add((o, p, s))
        if p in transitive:
            for x in list(objects[(o, p)]):
                add((s, p, x))
            for y in list(subjects[(s, p)]):
                add((y, p, o))
        for c, p1, p2 in chains:
            if p == p1:
                for x in list(objects[(o, p2)]):
                    add((s, c, x))
            if p == p2:
                for y in list(subjects[(s, p1)]):
                    add((y, c, o))
    return found


def _transitive(pairs: Iterable[tuple[Node, Node]]) -> set[tuple[Node, Node]]:
    """The transitive closure of a relation given as pairs."""
    up: dict[Node, set[Node]] = defaultdict(set)
    for a, b in pairs:
        up[a].add(b)
    closed: set[tuple[Node, Node]] = set()
    for start in list(up):
        seen: set[Node] = set()
        pending = list(up[start])
        while pending:
            node = pending.pop()
            if node not in seen:
                seen.add(node)
                pending.extend(up.get(node, ()))
        closed.update((start, end) for end in seen)
    return closed


def _schema_entailments(index: Pairs) -> set[Triple]:
    """OWL 2 RL rules scm-sco, scm-spo, scm-dom1/2 and scm-rng1/2, applied to a fixpoint."""
    sub_class = _transitive(index.get(RDFS.subClassOf, ()))
    sub_prop = _transitive(index.get(RDFS.subPropertyOf, ()))
    sub_class_of, sub_property_of = RDFS.subClassOf, RDFS.subPropertyOf
    found: set[Triple] = {(a, sub_class_of, b) for a, b in sub_class}
    found |= {(a, sub_property_of, b) for a, b in sub_prop}
    supers: dict[Node, set[Node]] = defaultdict(set)
    for a, b in sub_class:
        supers[a].add(b)
    subs: dict[Node, set[Node]] = defaultdict(set)
    for a, b in sub_prop:
        subs[b].add(a)
    for axiom in (RDFS.domain, RDFS.range):
        for prop, cls in index.get(axiom, ()):
            for p in {prop} | subs.get(prop, set()):
                found.update((p, axiom, c) for c in {cls} | supers.get(cls, set()))
    return found


def _starts(term: Node, prefix: str | tuple[str, ...]) -> bool:
    return isinstance(term, str) and str.startswith(term, prefix)


def is_noise(triple: Triple, ontology_bnodes: frozenset[Node] = frozenset()) -> bool:
    """True for a derived triple that says nothing about the data (rules in the module doc)."""
    s, p, o = triple
    if isinstance(s, Literal):
        return True
    if s == o and p in _REFLEXIVE:
        return True
    if isinstance(s, URIRef) and _starts(s, _BUILTIN_NAMESPACES):
        return True
    if o in _TOP and p in _TOP_PREDICATES:
        return True
    if _starts(p, _MEMBERSHIP) or _starts(s, _OWLRL_ERROR_NS) or _starts(o, _OWLRL_ERROR_NS):
        return True
    return s in ontology_bnodes or o in ontology_bnodes


@dataclass(frozen=True)
class Ontology:
    """What `infer` reads of an ontology graph, read once (`Ontology.of`) so that a process
    reasoning over many documents with one ontology does not read it again for each."""

    triples: frozenset[Triple]
    bnodes: frozenset[Node]  # its blank nodes (noise rule 6)

    @staticmethod
    def of(graph: Graph) -> Ontology:
        triples = frozenset(graph)
        bnodes = frozenset(term for triple in triples for term in triple if isinstance(term, BNode))
        return Ontology(triples, bnodes)


def infer(
    ontology: Graph | Ontology,
    facts: Iterable[Iterable[Triple]],
    reasoner: Reasoner = DEFAULT_REASONER,
) -> Inference:
    """Reason over the ontology and the fact graphs (graphs or their triples); keep only new,
    meaningful triples."""
    if isinstance(ontology, Graph):
        ontology = Ontology.of(ontology)
    given: set[Triple] = set(ontology.triples)
    for graph in facts:
        given.update(graph)
    full, errors = closure(given, reasoner)
    inferred = {t for t in full - given if not is_noise(t, ontology.bnodes)}
    return Inference(inferred=inferred, closure=full, errors=errors)


def kinds(inferred: Iterable[Triple], full: set[Triple]) -> Counter[str]:
    """Count inferred triples by the first kind of rule that explains them.

    Types (rdf:type from subclassing, domain, range), then subproperty, inverses, symmetric,
    transitive, chains; anything else (e.g. subclass transitivity in the ontology) is "other".
    """
    kind = kind_of(full)
    counts: Counter[str] = Counter({k: 0 for k in KINDS})
    for triple in inferred:
        counts[kind(triple)] += 1
    return counts


# What `kind_of` reads of the closure (the chains' axioms and lists among them).
_KIND_PREDICATES = frozenset(
    {OWL.inverseOf, RDFS.subPropertyOf, RDF.type, OWL.propertyChainAxiom, RDF.first, RDF.rest}
)


def kind_of(full: set[Triple]) -> Callable[[Triple], str]:
    """The function that names the kind of an inferred triple of the closure `full`
    (see `kinds`)."""
    index = _index(full, _KIND_PREDICATES)
    inverse: dict[Node, set[Node]] = defaultdict(set)
    for a, b in index.get(OWL.inverseOf, ()):
        inverse[a].add(b)
        inverse[b].add(a)
    sub_properties: dict[Node, set[Node]] = defaultdict(set)
    for sub, sup in index.get(RDFS.subPropertyOf, ()):
        if sub != sup:
            sub_properties[sup].add(sub)
    types = index.get(RDF.type, ())
    symmetric = {s for s, o in types if o == _SYMMETRIC}
    transitive = {s for s, o in types if o == _TRANSITIVE}
    objects: dict[tuple[Node, Node], set[Node]] = defaultdict(set)
    for s, p, o in full:
        if p in transitive:
            objects[(s, p)].add(o)
    chained = {prop for prop, _ in property_chains(index)}

    a = RDF.type

    def kind(triple: Triple) -> str:
        s, p, o = triple
        if p == a:
            return "types"
        if any((s, sub, o) in full for sub in sub_properties.get(p, ())):
            return "subproperty"
        if any((o, q, s) in full for q in inverse.get(p, ())):
            return "inverses"
        if p in symmetric and (o, p, s) in full:
            return "symmetric"
        if p in transitive and any((m, p, o) in full for m in objects.get((s, p), ())):
            return "transitive"
        if p in chained:
            return "chains"
        return "other"

    return kind
