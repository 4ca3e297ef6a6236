"""Evidence per statement: every asserted statement traced to the words that state it, or to a
typed interpretation of the curators.

In a curated file, a quote node names what its words state (`dkg:states`: a property, every
value of which the words state, or `[ rdf:predicate p ; rdf:object o ]` for one statement), and
an interpretation node (`dkg:Interpretation`) names its kind, its explanation and what it
supports (`dkg:concerns`, same two forms). A node whose only quote is a plain literal has that
quote state every statement no interpretation supports. Naming and notes are exempt
(`rdfs:label`, `skos:altLabel`, `skos:prefLabel`, `rdfs:comment`, `dkg:dateNote`, the quote and
interpretation links themselves), and so is the source-document record. An entity's `rdf:type`
is otherwise resolved to a mention: the first place in the text where one of its French or
alternative labels stands as whole words.

`collect` finds the support of every statement and refuses, with the file, subject, predicate
and object, a statement with none, an interpretation of an unknown kind, or a quote that claims
a statement the node does not make. `statement_graph` writes the evidence graph's part: one
reifier per statement (`rdf:Statement` with `rdf:subject`, `rdf:predicate`, `rdf:object`, and
`dkg:statedBy` the annotation of each quote or mention, `dkg:interpretedBy` each
interpretation), and the interpretations with IRIs. `rdf12_lines` gives the same reifiers in
RDF 1.2 (`rdf:reifies <<( s p o )>>`) for the dump that carries triple terms.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.term import Node

from diplokg.build.evidence import FACT_CLASSES, Quote, Source, Span, locate, subclasses
from diplokg.errors import EvidenceError
from diplokg.namespaces import DKG, GRAPH_EVIDENCE, OA, RES, compact_iri
from diplokg.rdfio import Triple, nquads_lines, nt_term, triple_of

if TYPE_CHECKING:
    import pyoxigraph as ox

__all__ = [
    "EXEMPT_PREDICATES",
    "Reading",
    "Support",
    "collect",
    "rdf12_lines",
    "reifies_lines",
    "statement_counts",
    "statement_graph",
    "statement_iri",
    "statement_triples",
    "strip_interpretations",
    "strip_states",
    "term_key",
]

EXEMPT_PREDICATES = frozenset(
    {
        RDFS.label,
        SKOS.altLabel,
        SKOS.prefLabel,
        RDFS.comment,
        DKG.quote,
        DKG.interpretation,
        DKG.dateNote,
    }
)
INTERPRETATION_KINDS = RES["interpretation-kinds"]
# A claim of a quote or an interpretation: (predicate, None) for every value, or one statement.
Claim = tuple[URIRef, Node | None]
_UNSAFE = re.compile(r"[^A-Za-z0-9]+")
REIFIES = URIRef(str(RDF) + "reifies")
_KEY_MAX = 60


@dataclass(frozen=True)
class Reading:
    """One interpretation of a curated file: what it concerns, of what kind, and why."""

    subject: URIRef
    kind: URIRef
    comment: Literal
    concerns: frozenset[Claim]
    path: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (str(self.kind), str(self.comment), " ".join(sorted(map(str, self.concerns))))


@dataclass
class Support:
    """What supports each asserted statement of the curated files."""

    stated: dict[Triple, set[tuple[URIRef, Span]]] = field(default_factory=lambda: defaultdict(set))
    interpreted: dict[Triple, set[Reading]] = field(default_factory=lambda: defaultdict(set))
    readings: list[Reading] = field(default_factory=list)
    mentions: dict[URIRef, set[Span]] = field(default_factory=lambda: defaultdict(set))

    @property
    def statements(self) -> set[Triple]:
        return set(self.stated) | set(self.interpreted)


def _name(term: Node) -> str:
    if isinstance(term, URIRef):
        return compact_iri(str(term)) or f"<{term}>"
    return term.n3()


def _statement_name(triple: Triple) -> str:
    return " ".join(_name(t) for t in triple)


def _claims(graph: Graph, node: Node, prop: URIRef, path: str, owner: URIRef) -> set[Claim]:
    claims: set[Claim] = set()
    for value in graph.objects(node, prop):
        if isinstance(value, URIRef):
            claims.add((value, None))
            continue
        predicate = graph.value(value, RDF.predicate)
        obj = graph.value(value, RDF.object)
        if not isinstance(value, BNode) or not isinstance(predicate, URIRef) or obj is None:
            raise EvidenceError(
                f"{path}: {_name(owner)}: {_name(prop)} takes a property or "
                f"[ rdf:predicate p ; rdf:object o ], not {_name(value)}"
            )
        claims.add((predicate, obj))
    return claims


def _quotes(
    graph: Graph, subject: URIRef, source: Source, index: int
) -> list[tuple[Span, set[Claim] | None]]:
    """Each quote of `subject` with where it is and what it states (None: a plain literal)."""
    found: list[tuple[Span, set[Claim] | None]] = []
    for value in graph.objects(subject, DKG.quote):
        if isinstance(value, Literal):
            start, end = locate(source.text, Quote(str(value)), str(subject))
            found.append(((index, start, end), None))
            continue
        exact = graph.value(value, OA.exact)
        if exact is None:
            raise EvidenceError(f"{subject}: a dkg:quote node has no oa:exact")
        quote = Quote(
            str(exact),
            str(graph.value(value, OA.prefix) or ""),
            str(graph.value(value, OA.suffix) or ""),
        )
        start, end = locate(source.text, quote, str(subject))
        found.append(((index, start, end), _claims(graph, value, DKG.states, source.path, subject)))
    return sorted(found, key=lambda item: item[0])


def _readings(graph: Graph, subject: URIRef, path: str, kinds: set[Node]) -> list[Reading]:
    readings = []
    for node in graph.objects(subject, DKG.interpretation):
        if isinstance(node, Literal):
            raise EvidenceError(
                f"{path}: {_name(subject)} dkg:interpretation {node.n3()}: an interpretation is a "
                "dkg:Interpretation node with a kind, what it concerns and an rdfs:comment"
            )
        kind = graph.value(node, DKG.interpretationKind)
        comment = graph.value(node, RDFS.comment)
        if kind not in kinds:
            known = ", ".join(sorted(_name(k) for k in kinds))
            raise EvidenceError(
                f"{path}: {_name(subject)}: interpretation of unknown kind "
                f"{_name(kind) if kind is not None else '(none)'} (known: {known})"
            )
        if not isinstance(comment, Literal):
            raise EvidenceError(f"{path}: {_name(subject)}: an interpretation needs rdfs:comment")
        concerns = _claims(graph, node, DKG.concerns, path, subject)
        if not concerns:
            raise EvidenceError(f"{path}: {_name(subject)}: an interpretation concerns nothing")
        assert isinstance(kind, URIRef)
        readings.append(Reading(subject, kind, comment, frozenset(concerns), path))
    return readings


def _covers(claims: Iterable[Claim], predicate: Node, obj: Node) -> bool:
    return any(p == predicate and o in (None, obj) for p, o in claims)


def _mention(graph: Graph, entity: URIRef, sources: Sequence[Source]) -> Span | None:
    """The first place where a French or alternative label of `entity` stands as whole words."""
    names = [
        str(label)
        for label in graph.objects(entity, RDFS.label)
        if isinstance(label, Literal) and label.language == "fr"
    ]
    names += [str(label) for label in graph.objects(entity, SKOS.altLabel)]
    best: Span | None = None
    for index, source in enumerate(sources):
        for name in sorted(set(names)):
            match = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", source.text)
            if match and (best is None or (index, match.start()) < best[:2]):
                best = (index, match.start(), match.end())
        if best is not None:
            return best
    return best


def collect(sources: Sequence[Source], ontology: Graph) -> Support:
    """The support of every asserted statement of `sources` (curated graphs, quotes in)."""
    kinds = set(ontology.subjects(SKOS.inScheme, INTERPRETATION_KINDS))
    fact_classes = subclasses(ontology, FACT_CLASSES)
    support = Support()
    for index, source in enumerate(sources):
        graph = source.facts
        documents = set(graph.subjects(RDF.type, DKG.SourceDocument))
        subjects = {s for s in graph.subjects() if isinstance(s, URIRef)} - documents
        for subject in sorted(subjects, key=str):
            _collect_subject(support, graph, subject, sources, index, kinds, fact_classes)
    return support


def _collect_subject(
    support: Support,
    graph: Graph,
    subject: URIRef,
    sources: Sequence[Source],
    index: int,
    kinds: set[Node],
    fact_classes: set[URIRef],
) -> None:
    source = sources[index]
    statements = sorted(
        (subject, p, o) for p, o in graph.predicate_objects(subject) if p not in EXEMPT_PREDICATES
    )
    quotes = _quotes(graph, subject, source, index)
    readings = _readings(graph, subject, source.path, kinds)
    support.readings.extend(readings)
    for _, claims in quotes:
        for claimed, value in claims or ():
            if not any(p == claimed and value in (None, o) for _, p, o in statements):
                wanted = _name(claimed) + (f" {_name(value)}" if value is not None else "")
                raise EvidenceError(
                    f"{source.path}: {_name(subject)}: a quote states {wanted}, which "
                    f"{_name(subject)} does not have"
                )
    for reading in readings:
        for claimed, value in reading.concerns:
            if not any(p == claimed and value in (None, o) for _, p, o in statements):
                wanted = _name(claimed) + (f" {_name(value)}" if value is not None else "")
                raise EvidenceError(
                    f"{source.path}: {_name(subject)}: an interpretation concerns {wanted}, which "
                    f"{_name(subject)} does not have"
                )
    sole_literal = len(quotes) == 1 and quotes[0][1] is None
    is_fact = not fact_classes.isdisjoint(graph.objects(subject, RDF.type))
    for statement in statements:
        _, predicate, obj = statement
        spans = [span for span, claims in quotes if claims and _covers(claims, predicate, obj)]
        reads = [r for r in readings if _covers(r.concerns, predicate, obj)]
        if not spans and not reads and sole_literal:
            spans = [quotes[0][0]]
        if not spans and not reads and predicate == RDF.type and not is_fact:
            mention = _mention(graph, subject, sources)
            if mention is not None:
                support.mentions[subject].add(mention)
                spans = [mention]
        if not spans and not reads:
            raise EvidenceError(
                f"{source.path}: {_statement_name(statement)}: no quote states it (dkg:states) "
                "and no interpretation concerns it (dkg:concerns)"
            )
        if spans:
            support.stated[statement].update((subject, span) for span in spans)
        if reads:
            support.interpreted[statement].update(reads)


def _key(term: Node) -> str:
    """A readable, stable path segment for a term of a statement."""
    if isinstance(term, URIRef):
        if str(term).startswith(str(RES)):
            return str(term)[len(str(RES)) :]
        return (compact_iri(str(term)) or _UNSAFE.sub("-", str(term))).replace(":", "-")
    if isinstance(term, Literal):
        text = _UNSAFE.sub("-", str(term)).strip("-") or "empty"
        if term.language:
            text += f"-{term.language}"
        elif term.datatype is not None:
            text += "-" + _UNSAFE.sub("-", str(term.datatype).rsplit("#", 1)[-1])
        if len(text) > _KEY_MAX:
            digest = hashlib.sha256(term.n3().encode("utf-8")).hexdigest()[:8]
            text = f"{text[:40].rstrip('-')}-{digest}"
        return text
    return _UNSAFE.sub("-", str(term))


def term_key(term: Node) -> str:
    """The path segment a term gets in the IRIs of reifiers and interpretations."""
    return _key(term)


def statement_iri(subject: Node, predicate: Node, obj: Node) -> URIRef:
    """`res:statement/<subject>/<prefix>-<local>/<object>`: the reifier of one statement."""
    return RES[f"statement/{_key(subject)}/{_key(predicate)}/{_key(obj)}"]


def _reading_iris(readings: Iterable[Reading]) -> dict[Reading, URIRef]:
    by_subject: dict[URIRef, list[Reading]] = defaultdict(list)
    for reading in readings:
        if reading not in by_subject[reading.subject]:
            by_subject[reading.subject].append(reading)
    iris = {}
    for subject, items in by_subject.items():
        slug = _key(subject)
        for n, reading in enumerate(sorted(items, key=lambda r: r.key), start=1):
            iris[reading] = RES[f"interpretation/{slug}/{n}"]
    return iris


def statement_graph(
    support: Support, notes: Mapping[tuple[URIRef, Span], URIRef], ontology: Graph
) -> Graph:
    """The reifiers of every supported statement and the interpretations, with IRIs."""
    out = Graph()
    out.addN((s, p, o, out) for s, p, o in statement_triples(support, notes, ontology))
    return out


def statement_triples(
    support: Support, notes: Mapping[tuple[URIRef, Span], URIRef], ontology: Graph
) -> set[Triple]:
    """`statement_graph`'s triples as a set (what the build uses)."""
    out: set[Triple] = set()
    iris = _reading_iris(support.readings)
    # (the terms named once: `RDF.x` makes a new IRI, checked, at each use)
    a, statement_class = RDF.type, RDF.Statement
    rdf_subject, rdf_predicate, rdf_object = RDF.subject, RDF.predicate, RDF.object
    stated_by, has_body, interpreted_by = DKG.statedBy, OA.hasBody, DKG.interpretedBy
    for statement in sorted(support.statements):
        subject, predicate, obj = statement
        reifier = statement_iri(*statement)
        out.add((reifier, a, statement_class))
        out.add((reifier, rdf_subject, subject))
        out.add((reifier, rdf_predicate, predicate))
        out.add((reifier, rdf_object, obj))
        for key in support.stated.get(statement, ()):
            note = notes[key]
            out.add((reifier, stated_by, note))
            out.add((note, has_body, reifier))
        for reading in support.interpreted.get(statement, ()):
            out.add((reifier, interpreted_by, iris[reading]))
    for reading, iri in iris.items():
        out.add((reading.subject, DKG.interpretation, iri))
        out.add((iri, RDF.type, DKG.Interpretation))
        out.add((iri, DKG.interpretationKind, reading.kind))
        out.add((iri, RDFS.comment, reading.comment))
        for lang, word in (("en", "Interpretation of"), ("fr", "Interprétation de")):
            kind = next(
                (
                    str(x)
                    for x in ontology.objects(reading.kind, RDFS.label)
                    if isinstance(x, Literal) and x.language == lang
                ),
                _key(reading.kind),
            )
            label = f"{word} {_key(reading.subject)} ({kind})"
            out.add((iri, RDFS.label, Literal(label, lang=lang)))
    return out


def strip_interpretations(graph: Graph) -> None:
    """Remove the interpretation nodes (and the statement nodes they concern) from `graph`."""
    for subject, node in list(graph.subject_objects(DKG.interpretation)):
        graph.remove((subject, DKG.interpretation, node))
        if isinstance(node, BNode):
            for claim in list(graph.objects(node, DKG.concerns)):
                if isinstance(claim, BNode):
                    graph.remove((claim, None, None))
            graph.remove((node, None, None))


def strip_states(graph: Graph) -> None:
    """Remove the `[ rdf:predicate ; rdf:object ]` nodes of quotes (before `strip_quotes`)."""
    for claim in list(graph.objects(None, DKG.states)):
        if isinstance(claim, BNode):
            graph.remove((claim, None, None))


def rdf12_lines(evidence: Graph) -> list[str]:
    """`reifier rdf:reifies <<( s p o )>>` of every reifier, as sorted N-Quads 1.2 lines."""
    return reifies_lines(nquads_lines({GRAPH_EVIDENCE: evidence})[GRAPH_EVIDENCE])


_PARTS = {f"<{RDF.subject}>": 0, f"<{RDF.predicate}>": 1, f"<{RDF.object}>": 2}
_STATEMENT = f"<{RDF.type}> <{RDF.Statement}>"


def reifies_lines(evidence: Iterable[str]) -> list[str]:
    """`rdf12_lines` of the evidence graph given as its N-Quads lines."""
    parts: dict[str, list[str | None]] = {}
    reifiers: set[str] = set()
    for line in evidence:
        triple = triple_of(line)
        subject_end = triple.index(" ")
        predicate_end = triple.index(" ", subject_end + 1)
        subject = triple[:subject_end]
        rest = triple[subject_end + 1 :]
        if rest == _STATEMENT:
            reifiers.add(subject)
            continue
        index = _PARTS.get(triple[subject_end + 1 : predicate_end])
        if index is not None:
            parts.setdefault(subject, [None, None, None])[index] = triple[predicate_end + 1 :]
    graph = nt_term(GRAPH_EVIDENCE)
    lines = []
    for reifier in reifiers:
        s, p, o = parts.get(reifier, (None, None, None))
        if s is None or p is None or o is None:
            continue
        lines.append(f"{reifier} {nt_term(REIFIES)} <<( {s} {p} {o} )>> {graph} .\n")
    return sorted(lines)


def statement_counts(store: ox.Store) -> dict[str, Any]:
    """In a built store: how many asserted statements are traced to words, to an interpretation
    only, or to both, and the interpretations by kind (`diplokg stats` prints them)."""

    import pyoxigraph as ox

    def rows(query: str) -> list[tuple[str, int]]:
        solutions = store.query(query, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        return [(str(s[0].value), int(s[1].value)) for s in solutions]

    support = dict(
        rows(
            f"""SELECT ?how (COUNT(DISTINCT ?r) AS ?n) WHERE {{
                  ?r a <{RDF.Statement}> .
                  BIND(EXISTS {{ ?r <{DKG.statedBy}> ?a }} AS ?words)
                  BIND(EXISTS {{ ?r <{DKG.interpretedBy}> ?i }} AS ?reading)
                  BIND(IF(?words, IF(?reading, "both", "words"), IF(?reading, "interpretation",
                       "none")) AS ?how)
                }} GROUP BY ?how"""
        )
    )
    kinds = rows(
        f"""SELECT ?kind (COUNT(DISTINCT ?i) AS ?n) WHERE {{
              ?i <{DKG.interpretationKind}> ?k .
              BIND(STRAFTER(STR(?k), "{RES}interpretation-") AS ?kind)
            }} GROUP BY ?kind ORDER BY ?kind"""
    )
    return {
        "statements": sum(support.values()),
        "with_words": support.get("words", 0) + support.get("both", 0),
        "with_interpretation_only": support.get("interpretation", 0),
        "with_both": support.get("both", 0),
        "without_support": support.get("none", 0),
        "interpretations_by_kind": dict(kinds),
    }
