"""What a browser sees of a resource or of the ontology: facts, labels, provenance, evidence.

The data comes from the query engine (never from a graph read here), and every string that
reaches HTML passes through `html.escape`, since labels and quotes come from the data. A fact
is marked "inferred" when its triple is found only in the inferred graph, and "enrichment"
when it comes from the enrichment graph and not from the document.
"""

from __future__ import annotations

import asyncio
import html
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote

from rdflib.namespace import OWL, RDF, RDFS, SKOS
from rdflib.term import BNode, Identifier, Literal, URIRef

from diplokg.namespaces import (
    DKG,
    GRAPH_ASSERTED,
    GRAPH_DRAFT,
    GRAPH_ENRICHMENT,
    GRAPH_INFERRED,
    GRAPH_ONTOLOGY,
    ONTOLOGY_IRI,
    RES,
    compact_iri,
    sparql_prefixes,
)

if TYPE_CHECKING:
    from diplokg.engine import QueryEngine

STATED, INFERRED, ENRICHMENT, DRAFT = "stated", "inferred", "enrichment", "draft"
LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel)
TERM_KINDS = (
    OWL.Class,
    RDFS.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    RDF.Property,
)
_PROPERTY_KINDS = frozenset(TERM_KINDS[2:])


# --------------------------------------------------------------------------------------------
# What is known about a resource
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """One quote of the source document, with the sentence it sits in."""

    annotation: Identifier
    exact: str
    sentence: str
    start: int | None
    end: int | None
    sentence_start: int | None
    source: Identifier | None


@dataclass
class Fact:
    """One triple touching the resource: `other` is the object (outgoing) or subject (incoming)."""

    predicate: URIRef
    other: Identifier
    graphs: set[Identifier] = field(default_factory=set)

    @property
    def provenance(self) -> str:
        return provenance(self.graphs)


@dataclass
class Resource:
    """Everything the HTML page of one resource shows."""

    iri: URIRef
    outgoing: list[Fact]
    incoming: list[Fact]
    labels: dict[Identifier, list[Literal]]
    evidence: dict[Identifier, list[Evidence]]

    @property
    def types(self) -> list[Fact]:
        return [f for f in self.outgoing if f.predicate == RDF.type]


def provenance(graphs: Iterable[Identifier]) -> str:
    """Stated by the document, derived by reasoning, or added from another source."""
    names = set(graphs)
    if GRAPH_DRAFT in names and GRAPH_ASSERTED not in names:
        return DRAFT
    if names and names <= {GRAPH_INFERRED}:
        return INFERRED
    if GRAPH_ENRICHMENT in names and GRAPH_ASSERTED not in names:
        return ENRICHMENT
    return STATED


def _values(terms: Iterable[Identifier]) -> str:
    return " ".join(t.n3() for t in terms if isinstance(t, URIRef))


async def _facts(engine: QueryEngine, pattern: str) -> list[Fact]:
    """Triples matching `pattern` (with ?p and ?x), grouped with the named graphs holding them."""
    rows = await engine.select(
        f"SELECT ?p ?x ?g WHERE {{ {{ {pattern} }} OPTIONAL {{ GRAPH ?g {{ {pattern} }} }} }}"
    )
    facts: dict[tuple[Identifier, Identifier], Fact] = {}
    for row in rows:
        p, x = row["p"], row["x"]
        if not isinstance(p, URIRef):
            continue
        fact = facts.setdefault((p, x), Fact(p, x))
        if row.get("g") is not None:
            fact.graphs.add(row["g"])
    return sorted(facts.values(), key=lambda f: (str(f.predicate), str(f.other)))


async def labels_of(
    engine: QueryEngine, terms: Iterable[Identifier]
) -> dict[Identifier, list[Literal]]:
    """The rdfs:label / skos:prefLabel values of every IRI in `terms`."""
    values = _values(set(terms))
    if not values:
        return {}
    props = " ".join(p.n3() for p in LABEL_PROPERTIES)
    rows = await engine.select(
        f"SELECT ?x ?label WHERE {{ VALUES ?x {{ {values} }} VALUES ?lp {{ {props} }} "
        "?x ?lp ?label . FILTER(isLiteral(?label)) }"
    )
    labels: dict[Identifier, list[Literal]] = defaultdict(list)
    for row in rows:
        label = row["label"]
        if isinstance(label, Literal) and label not in labels[row["x"]]:
            labels[row["x"]].append(label)
    return dict(labels)


def _int(term: Identifier | None) -> int | None:
    if isinstance(term, Literal):
        try:
            return int(str(term))
        except ValueError:
            return None
    return None


async def evidence_of(
    engine: QueryEngine, facts: Iterable[Identifier]
) -> dict[Identifier, list[Evidence]]:
    """The annotations (quote, offsets, sentence) of every fact in `facts` that has some."""
    values = _values(set(facts))
    if not values:
        return {}
    rows = await engine.select(
        sparql_prefixes()
        + f"""SELECT ?fact ?ann ?exact ?start ?end ?sentence ?sstart ?source WHERE {{
  VALUES ?fact {{ {values} }}
  ?fact dkg:hasEvidence ?ann .
  OPTIONAL {{ ?ann dkg:sentence ?sentence }}
  OPTIONAL {{ ?ann dkg:sentenceStart ?sstart }}
  OPTIONAL {{
    ?ann oa:hasTarget ?target .
    OPTIONAL {{ ?target oa:hasSource ?source }}
    OPTIONAL {{ ?target oa:hasSelector ?qs . ?qs a oa:TextQuoteSelector ; oa:exact ?exact }}
    OPTIONAL {{
      ?target oa:hasSelector ?ps .
      ?ps a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
    }}
  }}
}} ORDER BY ?fact ?start ?ann"""
    )
    found: dict[Identifier, list[Evidence]] = defaultdict(list)
    seen: set[tuple[Identifier, Identifier]] = set()
    for row in rows:
        key = (row["fact"], row["ann"])
        if key in seen:
            continue
        seen.add(key)
        found[row["fact"]].append(
            Evidence(
                annotation=row["ann"],
                exact=str(row.get("exact") or ""),
                sentence=str(row.get("sentence") or ""),
                start=_int(row.get("start")),
                end=_int(row.get("end")),
                sentence_start=_int(row.get("sstart")),
                source=row.get("source"),
            )
        )
    return dict(found)


async def describe(engine: QueryEngine, iri: URIRef) -> Resource | None:
    """What the page of `iri` shows, or None when no triple mentions it."""
    node = iri.n3()
    outgoing, incoming = await asyncio.gather(
        _facts(engine, f"{node} ?p ?x"), _facts(engine, f"?x ?p {node}")
    )
    if not outgoing and not incoming:
        return None
    neighbours = {f.other for f in outgoing} | {f.other for f in incoming}
    terms = neighbours | {f.predicate for f in outgoing + incoming} | {iri}
    labels, evidence = await asyncio.gather(
        labels_of(engine, terms), evidence_of(engine, neighbours | {iri})
    )
    return Resource(iri, outgoing, incoming, labels, evidence)


def resource_graph_query(iri: URIRef) -> str:
    """CONSTRUCT of what a machine gets at /resource/{slug}: the triples in and out, the labels
    of the neighbours, and the resource's evidence annotations down to their selectors."""
    n = iri.n3()
    return (
        sparql_prefixes()
        + f"""CONSTRUCT {{
  {n} ?p ?o . ?s ?q {n} . ?o rdfs:label ?ol . ?s rdfs:label ?sl .
  ?ann ?ap ?ao . ?target ?tp ?to . ?sel ?sp ?so .
}} WHERE {{
  {{ {n} ?p ?o . OPTIONAL {{ ?o rdfs:label ?ol }} }}
  UNION {{ ?s ?q {n} . OPTIONAL {{ ?s rdfs:label ?sl }} }}
  UNION {{ {n} dkg:hasEvidence ?ann . ?ann ?ap ?ao }}
  UNION {{ {n} dkg:hasEvidence/oa:hasTarget ?target . ?target ?tp ?to }}
  UNION {{ {n} dkg:hasEvidence/oa:hasTarget/oa:hasSelector ?sel . ?sel ?sp ?so }}
}}"""
    )


def ontology_graph_query() -> str:
    """CONSTRUCT of the ontology graph, for /ontology in RDF."""
    return f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {GRAPH_ONTOLOGY.n3()} {{ ?s ?p ?o }} }}"


# --------------------------------------------------------------------------------------------
# The ontology
# --------------------------------------------------------------------------------------------


@dataclass
class Term:
    """A class or property of the ontology with its asserted axioms."""

    iri: URIRef
    values: dict[URIRef, list[Identifier]] = field(default_factory=lambda: defaultdict(list))

    @property
    def kinds(self) -> list[Identifier]:
        return self.values.get(RDF.type, [])

    @property
    def is_property(self) -> bool:
        return any(k in _PROPERTY_KINDS for k in self.kinds)


@dataclass
class Ontology:
    """The ontology header and its terms, read from the ontology graph."""

    header: dict[URIRef, list[Identifier]]
    terms: list[Term]
    labels: dict[Identifier, list[Literal]]


async def describe_ontology(engine: QueryEngine) -> Ontology:
    """Every class and property declared in the ontology graph, with all their statements."""
    kinds = " ".join(k.n3() for k in TERM_KINDS)
    graph = GRAPH_ONTOLOGY.n3()
    rows = await engine.select(
        f"SELECT DISTINCT ?term ?p ?o WHERE {{ GRAPH {graph} {{ "
        f"VALUES ?kind {{ {kinds} }} ?term a ?kind . ?term ?p ?o . FILTER(isIRI(?term)) }} }}"
    )
    terms: dict[URIRef, Term] = {}
    for row in rows:
        iri, p, o = row["term"], row["p"], row["o"]
        if not isinstance(iri, URIRef) or not isinstance(p, URIRef):
            continue
        term = terms.setdefault(iri, Term(iri))
        if o not in term.values[p]:
            term.values[p].append(o)
    header_rows = await engine.select(
        f"SELECT ?p ?o WHERE {{ GRAPH {graph} {{ <{ONTOLOGY_IRI}> ?p ?o }} }}"
    )
    header: dict[URIRef, list[Identifier]] = defaultdict(list)
    for row in header_rows:
        if isinstance(row["p"], URIRef):
            header[row["p"]].append(row["o"])
    mentioned: set[Identifier] = set(terms)
    for term in terms.values():
        mentioned.update(term.values)
        for objects in term.values.values():
            mentioned.update(objects)
    ordered = sorted(terms.values(), key=lambda t: (t.is_property, str(t.iri)))
    return Ontology(dict(header), ordered, await labels_of(engine, mentioned))


# --------------------------------------------------------------------------------------------
# HTML fragments (the page shell is added by diplokg.web)
# --------------------------------------------------------------------------------------------

_e = html.escape


def local_path(iri: str) -> str | None:
    """The path at which this server shows `iri`, or None if it is not one of ours."""
    if iri.startswith(str(RES)):
        return "/resource/" + quote(iri[len(str(RES)) :], safe="/-_.~")
    if iri == ONTOLOGY_IRI:
        return "/ontology"
    if iri.startswith(str(DKG)):
        return "/ontology#" + quote(iri[len(str(DKG)) :], safe="-_.~")
    return None


def compact(iri: str) -> str:
    """`prefix:local` with the project's prefixes, else the full IRI."""
    return compact_iri(iri) or iri


def pick_label(labels: Sequence[Literal], lang: str | None = None) -> Literal | None:
    """The label in `lang`, else English, else French, else any."""
    for wanted in (lang, "en", "fr", None):
        for label in labels:
            if wanted is None or label.language == wanted:
                return label
    return None


def _label_html(term: Identifier, labels: dict[Identifier, list[Literal]]) -> str:
    label = pick_label(labels.get(term, []))
    if label is None:
        return f"<code>{_e(compact(str(term)))}</code>"
    return f'<span lang="{_e(label.language or "")}">{_e(str(label))}</span>'


def term_html(term: Identifier, labels: dict[Identifier, list[Literal]]) -> str:
    """A link (local when the IRI is ours) named by its label, or a literal with its type."""
    if isinstance(term, Literal):
        text = f'<span class="literal">{_e(str(term))}</span>'
        if term.language:
            text += f' <span class="lang">@{_e(term.language)}</span>'
        elif term.datatype is not None:
            text += f' <span class="datatype">{_e(compact(str(term.datatype)))}</span>'
        return text
    if isinstance(term, BNode):
        return f"<code>_:{_e(str(term))}</code>"
    iri = str(term)
    href = local_path(iri) or (iri if iri.startswith(("http://", "https://")) else None)
    inner = _label_html(term, labels)
    if href is None:
        return inner
    return f'<a href="{_e(href)}" title="{_e(iri)}">{inner}</a>'


def highlight(evidence: Evidence) -> str:
    """The sentence with the quote in <mark>, placed by offsets, else by searching the text."""
    sentence, exact = evidence.sentence, evidence.exact
    a = b = -1
    if None not in (evidence.start, evidence.end, evidence.sentence_start):
        assert evidence.start is not None and evidence.end is not None
        assert evidence.sentence_start is not None
        a, b = evidence.start - evidence.sentence_start, evidence.end - evidence.sentence_start
        if not (0 <= a <= b <= len(sentence) and sentence[a:b] == exact):
            a = b = -1
    if a < 0 and exact and exact in sentence:
        a = sentence.index(exact)
        b = a + len(exact)
    if a < 0:
        quoted = f"<mark>{_e(exact)}</mark>"
        return quoted + (f' <span class="sentence">({_e(sentence)})</span>' if sentence else "")
    return f"{_e(sentence[:a])}<mark>{_e(sentence[a:b])}</mark>{_e(sentence[b:])}"


def evidence_html(items: Sequence[Evidence]) -> str:
    """Each quote in its sentence, with its offsets in the source document."""
    parts = []
    for ev in items:
        where = ""
        if ev.start is not None and ev.end is not None:
            where = f"characters {ev.start}–{ev.end}"  # integers: nothing to escape
        if ev.source is not None:
            where += f" of {term_html(ev.source, {})}" if where else term_html(ev.source, {})
        link = term_html(ev.annotation, {}) if isinstance(ev.annotation, URIRef) else ""
        parts.append(
            f'<blockquote class="evidence">{highlight(ev)}'
            f"<footer>{where} · {link}</footer></blockquote>"
        )
    return "".join(parts)


def _badge(kind: str) -> str:
    if kind == STATED:
        return '<span class="badge stated">stated</span>'
    return f'<span class="badge {kind}">{kind}</span>'


def _fact_rows(facts: Sequence[Fact], resource: Resource) -> str:
    """One row a fact, the related resource followed by its own evidence quotes."""
    rows = []
    for fact in facts:
        if fact.predicate == DKG.hasEvidence:
            continue  # shown in the Evidence section
        other = term_html(fact.other, resource.labels)
        quotes = evidence_html(resource.evidence.get(fact.other, []))
        rows.append(
            f'<tr class="{fact.provenance}"><td>{term_html(fact.predicate, resource.labels)}</td>'
            f"<td>{other}{quotes}</td><td>{_badge(fact.provenance)}</td></tr>"
        )
    return "".join(rows)


def resource_html(resource: Resource, formats: Sequence[tuple[str, str]]) -> str:
    """The body of a resource page. `formats` lists (name, href) of the RDF versions."""
    labels = resource.labels.get(resource.iri, [])
    title_label = pick_label(labels)
    title = str(title_label) if title_label is not None else compact(str(resource.iri))
    names = "".join(
        f'<li lang="{_e(lab.language or "")}">{_e(str(lab))}'
        f"{f' <span class=lang>@{_e(lab.language)}</span>' if lab.language else ''}</li>"
        for lab in sorted(labels, key=lambda lab: (lab.language or "", str(lab)))
    )
    types = ", ".join(
        term_html(f.other, resource.labels)
        + (" " + _badge(f.provenance) if f.provenance != STATED else "")
        for f in resource.types
    )
    links = " · ".join(f'<a href="{_e(href)}">{_e(name)}</a>' for name, href in formats)
    own = resource.evidence.get(resource.iri, [])
    out = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="iri"><code>{_e(str(resource.iri))}</code></p>',
        f'<ul class="labels">{names}</ul>' if names else "",
        f'<p class="types">Types: {types}</p>' if types else "",
        f'<p class="formats">Also as: {links}</p>',
    ]
    if own:
        out.append(f'<section id="evidence"><h2>Evidence</h2>{evidence_html(own)}</section>')
    out.append(
        '<section id="facts"><h2>Facts</h2><table><thead><tr><th>Property</th><th>Value</th>'
        f"<th>Source</th></tr></thead><tbody>{_fact_rows(resource.outgoing, resource)}"
        "</tbody></table></section>"
    )
    if resource.incoming:
        out.append(
            '<section id="incoming"><h2>Referenced by</h2><table><thead><tr><th>Property</th>'
            f"<th>Resource</th><th>Source</th></tr></thead><tbody>"
            f"{_fact_rows(resource.incoming, resource)}</tbody></table></section>"
        )
    return "\n".join(p for p in out if p)


def _values_html(values: Sequence[Identifier], labels: dict[Identifier, list[Literal]]) -> str:
    return ", ".join(term_html(v, labels) for v in values)


_TERM_FIELDS = (
    ("Type", RDF.type),
    ("Subclass of", RDFS.subClassOf),
    ("Equivalent class", OWL.equivalentClass),
    ("Subproperty of", RDFS.subPropertyOf),
    ("Equivalent property", OWL.equivalentProperty),
    ("Inverse of", OWL.inverseOf),
    ("Domain", RDFS.domain),
    ("Range", RDFS.range),
)
_SHOWN = frozenset({RDFS.label, RDFS.comment, *(p for _, p in _TERM_FIELDS)})


def _term_section(term: Term, labels: dict[Identifier, list[Literal]]) -> str:
    iri = str(term.iri)
    anchor = _anchor(term)
    names = [n for n in term.values.get(RDFS.label, []) if isinstance(n, Literal)]
    heading = " / ".join(
        f'<span lang="{_e(n.language or "")}">{_e(str(n))}</span>'
        for n in sorted(names, key=lambda n: n.language or "")
    )
    rows = [
        f"<tr><th>{name}</th><td>{_values_html(term.values[p], labels)}</td></tr>"
        for name, p in _TERM_FIELDS
        if term.values.get(p)
    ]
    rows += [
        f"<tr><th>{term_html(p, labels)}</th><td>{_values_html(v, labels)}</td></tr>"
        for p, v in sorted(term.values.items())
        if p not in _SHOWN
    ]
    comments = "".join(
        f'<p class="comment" lang="{_e(c.language or "")}">{_e(str(c))}</p>'
        for c in term.values.get(RDFS.comment, [])
        if isinstance(c, Literal)
    )
    return (
        f'<section class="term" id="{_e(anchor)}"><h3><code>{_e(compact(iri))}</code> '
        f"{heading}</h3>{comments}<table>{''.join(rows)}</table></section>"
    )


def ontology_html(ontology: Ontology) -> str:
    """The body of /ontology: the header, then every class, then every property."""
    labels = ontology.labels
    header = "".join(
        f"<tr><th>{term_html(p, labels)}</th><td>{_values_html(v, labels)}</td></tr>"
        for p, v in sorted(ontology.header.items())
    )
    classes = [t for t in ontology.terms if not t.is_property]
    props = [t for t in ontology.terms if t.is_property]
    index = " · ".join(
        f'<a href="#{_e(_anchor(t))}">{_e(compact(str(t.iri)))}</a>' for t in ontology.terms
    )
    return "\n".join(
        [
            "<h1>Ontology</h1>",
            f'<p class="iri"><code>{_e(ONTOLOGY_IRI)}</code> · '
            '<a href="/ontology.ttl">Turtle</a></p>',
            f"<table>{header}</table>" if header else "",
            f'<nav class="index">{index}</nav>',
            f'<h2 id="classes">Classes ({len(classes)})</h2>',
            *(_term_section(t, ontology.labels) for t in classes),
            f'<h2 id="properties">Properties ({len(props)})</h2>',
            *(_term_section(t, ontology.labels) for t in props),
        ]
    )


def _anchor(term: Term) -> str:
    iri = str(term.iri)
    return iri[len(str(DKG)) :] if iri.startswith(str(DKG)) else compact(iri)
