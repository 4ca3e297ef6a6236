"""The search index of a build (`dist/search.sqlite`): what `diplokg.search` looks in.

One row per named resource, concept and ontology term (every label and alternative label,
French and English), one per quote (each annotation's exact words, with the fact it is the
evidence of) and one per sentence of each source text. Rows are written in a sorted order,
so two builds of the same content give the same file. A hit is called as the server's pages
call its resource: `diplokg.terms.pick_label` among its rdfs:label and skos:prefLabel values,
in English first (its alternative labels only when it has no other).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import chain

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from diplokg.build.sources import Text
from diplokg.namespaces import DKG, OA, RES
from diplokg.rdfio import Triple
from diplokg.search import KINDS, SearchRow, create_index
from diplokg.terms import pick_label

LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel)  # what a page's title is picked from
NAME_PROPERTIES = (*LABEL_PROPERTIES, SKOS.altLabel)
NAMED = frozenset({*NAME_PROPERTIES, RDF.type})  # what the index reads of the data
LABEL_LANGUAGE = "en"  # the language of the pages' labels (linked_data.PAGE_LANGUAGE)
_CONCEPTS = (SKOS.Concept, SKOS.ConceptScheme)
_PROPERTIES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)


def _pick(labels: list[Literal]) -> str:
    label = pick_label(labels, LABEL_LANGUAGE)
    return str(label) if label is not None else ""


class Describer:
    """Labels and most specific classes, read from the ontology and from `names`: the labels,
    names and types of the ontology, asserted and enrichment graphs (`NAMED` triples), and of
    the draft graph in a build with --include-drafts."""

    def __init__(self, ontology: Graph, names: Iterable[Triple]) -> None:
        self.ontology = ontology
        self._type_labels: dict[frozenset[Node], str] = {}
        self.objects: dict[tuple[Node, Node], set[Node]] = defaultdict(set)
        self.subjects: dict[Node, set[Node]] = defaultdict(set)
        for s, p, o in chain(((s, p, o) for s, p, o in ontology if p in NAMED), names):
            self.objects[(s, p)].add(o)
            self.subjects[p].add(s)

    def names(self, node: Node, properties: tuple[URIRef, ...] = NAME_PROPERTIES) -> list[Literal]:
        found: list[Literal] = []
        for prop in properties:
            for value in sorted(self.objects.get((node, prop), ()), key=str):
                if isinstance(value, Literal) and value not in found:
                    found.append(value)
        return found

    def title(self, node: Node) -> str:
        return _pick(self.names(node, LABEL_PROPERTIES)) or _pick(self.names(node)) or str(node)

    def _ancestors(self, cls: Node) -> set[Node]:
        seen: set[Node] = set()
        pending = list(self.ontology.objects(cls, RDFS.subClassOf))
        while pending:
            parent = pending.pop()
            if parent not in seen:
                seen.add(parent)
                pending.extend(self.ontology.objects(parent, RDFS.subClassOf))
        return seen

    def type_label(self, node: Node) -> str:
        """The label of its most specific class of the ontology (the first, by IRI)."""
        types = frozenset(
            t for t in self.objects.get((node, RDF.type), ()) if str(t).startswith(str(DKG))
        )
        label = self._type_labels.get(types)
        if label is None:
            label = self._type_labels[types] = self._label_of(types)
        return label

    def _label_of(self, types: frozenset[Node]) -> str:
        broader = {a for t in types for a in self._ancestors(t)}
        for cls in sorted(types - broader, key=str):
            label = _pick(
                [lab for lab in self.ontology.objects(cls, RDFS.label) if isinstance(lab, Literal)]
            )
            if label:
                return label
        return ""

    def kind(self, node: URIRef) -> str | None:
        iri = str(node)
        if iri.startswith(str(DKG)):
            return "term"
        if not iri.startswith(str(RES)):
            return None
        if any(c in self.objects.get((node, RDF.type), ()) for c in _CONCEPTS):
            return "concept"
        return "resource"

    def term_type(self, node: URIRef) -> str:
        if any((node, RDF.type, p) in self.ontology for p in _PROPERTIES):
            return "property"
        return "class"


def _slug(iri: Node | None) -> str:
    return str(iri)[len(str(RES)) :] if str(iri).startswith(str(RES)) else ""


def _label_rows(describe: Describer) -> list[SearchRow]:
    rows = []
    subjects = {s for p in NAME_PROPERTIES for s in describe.subjects.get(p, ())}
    for node in sorted((s for s in subjects if isinstance(s, URIRef)), key=str):
        kind = describe.kind(node)
        names = describe.names(node)
        if kind is None or not names:
            continue
        type_ = describe.term_type(node) if kind == "term" else describe.type_label(node)
        rows.append(
            SearchRow(
                kind=kind,
                iri=str(node),
                title=describe.title(node),
                names=" · ".join(dict.fromkeys(str(n) for n in names)),
                type=type_,
            )
        )
    return rows


def _evidence_of(evidence: _Index, annotation: Node) -> Node:
    """The fact a quote is the evidence of: the one with `dkg:hasEvidence` it, else the subject
    of the statements it supports, else its body."""
    facts = sorted(evidence.subjects(DKG.hasEvidence, annotation), key=str)
    if facts:
        return facts[0]
    bodies = sorted(evidence.objects(annotation, OA.hasBody), key=str)
    subjects = sorted({s for b in bodies for s in evidence.objects(b, RDF.subject)}, key=str)
    return (subjects or bodies or [annotation])[0]


class _Index:
    """The lookups `quote_records` makes, over a set of triples."""

    def __init__(self, triples: Iterable[Triple]) -> None:
        self.out: dict[tuple[Node, Node], list[Node]] = defaultdict(list)
        self.back: dict[tuple[Node, Node], list[Node]] = defaultdict(list)
        for s, p, o in triples:
            self.out[(s, p)].append(o)
            self.back[(p, o)].append(s)

    def objects(self, subject: Node, predicate: Node) -> list[Node]:
        return self.out.get((subject, predicate), [])

    def subjects(self, predicate: Node, obj: Node) -> list[Node]:
        return self.back.get((predicate, obj), [])

    def value(self, subject: Node, predicate: Node) -> Node | None:
        found = self.objects(subject, predicate)
        return found[0] if found else None


# A quote of the index: the fact it is the evidence of, its exact words, its start and end in
# the text, and the slug of the text's document.
QuoteRecord = tuple[str, str, int | None, int | None, str]


def quote_records(evidence: Iterable[Triple]) -> list[QuoteRecord]:
    """Every quote of an evidence graph (its triples), with the fact it is the evidence of."""
    index = _Index(evidence)
    records = []
    for annotation in sorted(index.subjects(RDF.type, OA.Annotation), key=str):
        target = index.value(annotation, OA.hasTarget)
        if target is None:
            continue
        exact, start, end = "", None, None
        for selector in index.objects(target, OA.hasSelector):
            kinds = index.objects(selector, RDF.type)
            if OA.TextQuoteSelector in kinds:
                exact = str(index.value(selector, OA.exact) or "")
            elif OA.TextPositionSelector in kinds:
                start = int(str(index.value(selector, OA.start)))
                end = int(str(index.value(selector, OA.end)))
        if not exact:
            continue
        fact = _evidence_of(index, annotation)
        document = _slug(index.value(target, OA.hasSource))
        records.append((str(fact), exact, start, end, document))
    return records


def _quote_rows(records: Iterable[QuoteRecord], describe: Describer) -> list[SearchRow]:
    rows = []
    for fact, exact, start, end, document in records:
        node = URIRef(fact)
        rows.append(
            SearchRow(
                kind="quote",
                iri=fact,
                title=describe.title(node),
                quote=exact,
                type=describe.type_label(node),
                document=document,
                start=start,
                end=end,
            )
        )
    return rows


def _sentence_rows(
    texts: Sequence[tuple[Text, Sequence[tuple[int, int]]]], describe: Describer
) -> list[SearchRow]:
    rows = []
    for text, spans in texts:
        title = describe.title(text.source)
        for start, end in spans:
            rows.append(
                SearchRow(
                    kind="sentence",
                    iri=str(text.source),
                    title=title,
                    sentence=text.text[start:end],
                    type=describe.type_label(text.source),
                    document=_slug(text.source),
                    start=start,
                    end=end,
                )
            )
    return rows


def search_rows(
    describe: Describer,
    quotes: Iterable[QuoteRecord],
    texts: Sequence[tuple[Text, Sequence[tuple[int, int]]]],
) -> list[SearchRow]:
    """Every row of the index, in the order they are written: `texts` with their sentences."""
    rows = _label_rows(describe)
    rows += _quote_rows(quotes, describe)
    rows += _sentence_rows(texts, describe)
    return sorted(
        rows, key=lambda r: (KINDS.index(r.kind), r.iri, r.document, r.start or 0, r.end or 0)
    )


def search_index(
    describe: Describer,
    quotes: Iterable[QuoteRecord],
    texts: Sequence[tuple[Text, Sequence[tuple[int, int]]]],
    version: str,
) -> bytes:
    """The bytes of `dist/search.sqlite` for a build."""
    return create_index(search_rows(describe, quotes, texts), {"version": version})
