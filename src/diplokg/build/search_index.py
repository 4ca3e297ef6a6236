"""The search index of a build (`dist/search.sqlite`): what `diplokg.search` looks in.

One row per named resource, concept and ontology term (every label and alternative label,
French and English), one per quote (each annotation's exact words, with the fact it is the
evidence of) and one per sentence of each source text. Rows are written in a sorted order,
so two builds of the same content give the same file. A hit is called as the server's pages
call its resource: `diplokg.terms.pick_label` among its rdfs:label and skos:prefLabel values,
in English first (its alternative labels only when it has no other).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from diplokg.build.evidence import sentence_spans
from diplokg.build.sources import Text
from diplokg.namespaces import (
    DKG,
    GRAPH_ASSERTED,
    GRAPH_DRAFT,
    GRAPH_ENRICHMENT,
    GRAPH_EVIDENCE,
    GRAPH_ONTOLOGY,
    OA,
    RES,
)
from diplokg.search import KINDS, SearchRow, create_index
from diplokg.terms import pick_label

LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel)  # what a page's title is picked from
NAME_PROPERTIES = (*LABEL_PROPERTIES, SKOS.altLabel)
LABEL_LANGUAGE = "en"  # the language of the pages' labels (linked_data.PAGE_LANGUAGE)
_CONCEPTS = (SKOS.Concept, SKOS.ConceptScheme)
_PROPERTIES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)


def _union(graphs: Iterable[Graph]) -> Graph:
    out = Graph()
    for graph in graphs:
        out += graph
    return out


def _pick(labels: list[Literal]) -> str:
    label = pick_label(labels, LABEL_LANGUAGE)
    return str(label) if label is not None else ""


class _Describer:
    """Labels and most specific classes, read from the ontology, asserted and enrichment (and
    draft, in a build with --include-drafts)."""

    def __init__(self, graphs: Mapping[URIRef, Graph]) -> None:
        self.ontology = graphs[GRAPH_ONTOLOGY]
        names = (GRAPH_ONTOLOGY, GRAPH_ASSERTED, GRAPH_ENRICHMENT, GRAPH_DRAFT)
        self.data = _union(graphs[g] for g in names if g in graphs)

    def names(self, node: Node, properties: tuple[URIRef, ...] = NAME_PROPERTIES) -> list[Literal]:
        found: list[Literal] = []
        for prop in properties:
            for value in sorted(self.data.objects(node, prop), key=str):
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
        types = {t for t in self.data.objects(node, RDF.type) if str(t).startswith(str(DKG))}
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
        if any((node, RDF.type, c) in self.data for c in _CONCEPTS):
            return "concept"
        return "resource"

    def term_type(self, node: URIRef) -> str:
        if any((node, RDF.type, p) in self.ontology for p in _PROPERTIES):
            return "property"
        return "class"


def _slug(iri: Node | None) -> str:
    return str(iri)[len(str(RES)) :] if str(iri).startswith(str(RES)) else ""


def _label_rows(describe: _Describer) -> list[SearchRow]:
    rows = []
    subjects = {s for p in NAME_PROPERTIES for s in describe.data.subjects(p, None)}
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


def _evidence_of(evidence: Graph, annotation: Node) -> Node:
    """The fact a quote is the evidence of: the one with `dkg:hasEvidence` it, else the subject
    of the statements it supports, else its body."""
    facts = sorted(evidence.subjects(DKG.hasEvidence, annotation), key=str)
    if facts:
        return facts[0]
    bodies = sorted(evidence.objects(annotation, OA.hasBody), key=str)
    subjects = sorted({s for b in bodies for s in evidence.objects(b, RDF.subject)}, key=str)
    return (subjects or bodies or [annotation])[0]


def _quote_rows(evidence: Graph, describe: _Describer) -> list[SearchRow]:
    rows = []
    for annotation in sorted(evidence.subjects(RDF.type, OA.Annotation), key=str):
        target = evidence.value(annotation, OA.hasTarget)
        if target is None:
            continue
        exact, start, end = "", None, None
        for selector in evidence.objects(target, OA.hasSelector):
            if (selector, RDF.type, OA.TextQuoteSelector) in evidence:
                exact = str(evidence.value(selector, OA.exact) or "")
            elif (selector, RDF.type, OA.TextPositionSelector) in evidence:
                start = int(str(evidence.value(selector, OA.start)))
                end = int(str(evidence.value(selector, OA.end)))
        if not exact:
            continue
        fact = _evidence_of(evidence, annotation)
        rows.append(
            SearchRow(
                kind="quote",
                iri=str(fact),
                title=describe.title(fact),
                quote=exact,
                type=describe.type_label(fact),
                document=_slug(evidence.value(target, OA.hasSource)),
                start=start,
                end=end,
            )
        )
    return rows


def _sentence_rows(texts: list[Text], describe: _Describer) -> list[SearchRow]:
    rows = []
    for text in texts:
        title = describe.title(text.source)
        for start, end in sentence_spans(text.text):
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


def search_rows(graphs: Mapping[URIRef, Graph], texts: list[Text]) -> list[SearchRow]:
    """Every row of the index, in the order they are written."""
    describe = _Describer(graphs)
    rows = _label_rows(describe)
    rows += _quote_rows(graphs[GRAPH_EVIDENCE], describe)
    if GRAPH_DRAFT in graphs:  # the drafts' quotes (build --include-drafts)
        rows += _quote_rows(graphs[GRAPH_DRAFT], describe)
    rows += _sentence_rows(texts, describe)
    return sorted(
        rows, key=lambda r: (KINDS.index(r.kind), r.iri, r.document, r.start or 0, r.end or 0)
    )


def search_index(graphs: Mapping[URIRef, Graph], texts: list[Text], version: str) -> bytes:
    """The bytes of `dist/search.sqlite` for a build."""
    return create_index(search_rows(graphs, texts), {"version": version})
