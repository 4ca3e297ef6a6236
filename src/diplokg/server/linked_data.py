"""What a browser sees of a resource or of the ontology: facts, labels, provenance, evidence.

The data comes from the query engine (never from a graph read here); the HTML is written by
the Jinja2 templates in server/templates/, which escape every string, since labels and quotes
come from the data. A fact is marked "inferred" when its triple is found only in the inferred
graph, and "enrichment" when it comes from the enrichment graph and not from the document.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote

from rdflib.namespace import OWL, RDF, RDFS, SKOS
from rdflib.term import Identifier, Literal, URIRef

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
from diplokg.queries import evidence_query
from diplokg.server.support import Support, support_of
from diplokg.terms import pick_label

if TYPE_CHECKING:
    from diplokg.server.engine import QueryEngine

STATED, INFERRED, ENRICHMENT, DRAFT = "stated", "inferred", "enrichment", "draft"
PAGE_LANGUAGE = "en"  # the language of the pages (page.html), and by default of their labels
LABEL_LANGUAGES = (
    "en",
    "fr",
)  # the languages a page can show its labels in (?lang=, Accept-Language)
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
    # (predicate, object) of an outgoing statement -> its words or interpretations (support.py)
    support: dict[tuple[Identifier, Identifier], list[Support]] = field(default_factory=dict)

    @property
    def types(self) -> list[Fact]:
        return [f for f in self.outgoing if f.predicate == RDF.type]


def provenance(graphs: Iterable[Identifier]) -> str:
    """Stated by the document, derived by reasoning, or added from another source."""
    names = set(graphs)
    if GRAPH_DRAFT in names and GRAPH_ASSERTED not in names:
        return DRAFT  # a machine draft (build --include-drafts), not reviewed
    if names and names <= {GRAPH_INFERRED}:
        return INFERRED
    if GRAPH_ENRICHMENT in names and GRAPH_ASSERTED not in names:
        return ENRICHMENT
    return STATED


# The most bytes of IRIs one VALUES block of a page's query holds: its queries stay well under
# the endpoint's own limit (`Settings.max_query_bytes`, 32 KiB by default), which they obey too.
VALUES_BYTES = 8 * 1024


def value_batches(terms: Iterable[Identifier], limit: int = VALUES_BYTES) -> list[str]:
    """The IRIs among `terms` (sorted, once each) as the bodies of VALUES blocks of at most
    `limit` bytes each: a page about many resources asks in several queries."""
    batches: list[str] = []
    batch: list[str] = []
    size = 0
    for iri in sorted({t.n3() for t in terms if isinstance(t, URIRef)}):
        if batch and size + len(iri) + 1 > limit:
            batches.append(" ".join(batch))
            batch, size = [], 0
        batch.append(iri)
        size += len(iri) + 1
    if batch:
        batches.append(" ".join(batch))
    return batches


async def select_in_batches(
    engine: QueryEngine, query: Callable[[str], str], terms: Iterable[Identifier]
) -> list[dict[str, Identifier]]:
    """The rows of `query(values)` for every batch of `terms` (see `value_batches`)."""
    rows: list[dict[str, Identifier]] = []
    for values in value_batches(terms):
        rows += await engine.select(query(values))
    return rows


async def _facts(engine: QueryEngine, pattern: str) -> list[Fact]:
    """Triples matching `pattern` (with ?p and ?x), grouped with the named graphs holding them.

    Triple terms are left out: served from the RDF 1.2 dump, a statement's reifier also
    `rdf:reifies <<( s p o )>>`, which says again what its rdf:subject, rdf:predicate and
    rdf:object rows show."""
    rows = await engine.select(
        f"SELECT ?p ?x ?g WHERE {{ {{ {pattern} }} FILTER(!isTRIPLE(?x)) "
        f"OPTIONAL {{ GRAPH ?g {{ {pattern} }} }} }}"
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
    props = " ".join(p.n3() for p in LABEL_PROPERTIES)
    rows = await select_in_batches(
        engine,
        lambda values: (
            f"SELECT ?x ?label WHERE {{ VALUES ?x {{ {values} }} VALUES ?lp {{ {props} }} "
            "?x ?lp ?label . FILTER(isLiteral(?label)) }"
        ),
        terms,
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
    rows = await select_in_batches(engine, evidence_query, facts)
    found: dict[Identifier, list[Evidence]] = defaultdict(list)
    seen: set[tuple[Identifier, Identifier]] = set()
    for row in rows:
        key = (row["resource"], row["annotation"])
        if key in seen:
            continue
        seen.add(key)
        found[row["resource"]].append(
            Evidence(
                annotation=row["annotation"],
                exact=str(row.get("quote") or ""),
                sentence=str(row.get("sentence") or ""),
                start=_int(row.get("start")),
                end=_int(row.get("end")),
                sentence_start=_int(row.get("sentenceStart")),
                source=row.get("source"),
            )
        )
    return dict(found)


async def describe(engine: QueryEngine, iri: URIRef) -> Resource | None:
    """What the page of `iri` shows, or None when no triple mentions it.

    The evidence is that of the resource and of the subjects of its incoming facts: a node's
    quotes state what is said about it (its facts as subject), so a fact's evidence is its
    subject's, never that of the resource it points to (a visit that took place in Astana is
    not supported by the quote that makes Astana the capital).
    """
    node = iri.n3()
    outgoing, incoming = await asyncio.gather(
        _facts(engine, f"{node} ?p ?x"), _facts(engine, f"?x ?p {node}")
    )
    if not outgoing and not incoming:
        return None
    neighbours = {f.other for f in outgoing} | {f.other for f in incoming}
    terms = neighbours | {f.predicate for f in outgoing + incoming} | {iri}
    # Two queries at a time: a client may hold every worker but one, and its other queries
    # wait their turn (diplokg.server.engine), so more at once would only queue.
    labels, evidence = await asyncio.gather(
        labels_of(engine, terms), evidence_of(engine, {f.other for f in incoming} | {iri})
    )
    support = await support_of(engine, iri)
    return Resource(iri, outgoing, incoming, labels, evidence, support)


def page_language(requested: str | None, accept_language: str | None) -> str:
    """The language a page's labels are picked in: `?lang=`, else the first of
    Accept-Language that we have labels in, else English."""
    if requested and requested.lower() in LABEL_LANGUAGES:
        return requested.lower()
    ranked = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip() == "q":
            try:
                q = float(value)
            except ValueError:
                q = 0.0
        primary = tag.strip().split("-")[0].lower()
        if primary in LABEL_LANGUAGES and q > 0:
            ranked.append((-q, i, primary))
    return min(ranked)[2] if ranked else PAGE_LANGUAGE


class Quotes:
    """Each distinct quote once per page: the first time the page shows it, it gets an anchor;
    every later place links back to it. Quotes are the same when they are the same passage
    of the same source (two facts may quote one passage)."""

    def __init__(self) -> None:
        self._anchors: dict[tuple[str, int | None, int | None, str], str] = {}

    def anchor(self, quote: Evidence | Support) -> str | None:
        """The anchor of `quote` when the page already shows it, else None (nothing placed)."""
        return self._anchors.get(self._key(quote))

    @staticmethod
    def _key(quote: Evidence | Support) -> tuple[str, int | None, int | None, str]:
        return (str(quote.source), quote.start, quote.end, quote.exact or "")

    def place(self, evidence: Evidence) -> tuple[bool, str]:
        """(whether this is its first place on the page, its anchor)."""
        key = self._key(evidence)
        anchor = self._anchors.get(key)
        if anchor is not None:
            return False, anchor
        anchor = f"quote-{len(self._anchors) + 1}"
        self._anchors[key] = anchor
        return True, anchor


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
class OntologyTerm:
    """A class or property of the ontology with its asserted axioms."""

    iri: URIRef
    values: dict[URIRef, list[Identifier]] = field(default_factory=lambda: defaultdict(list))

    @property
    def kinds(self) -> list[Identifier]:
        return self.values.get(RDF.type, [])

    @property
    def is_property(self) -> bool:
        return any(k in _PROPERTY_KINDS for k in self.kinds)

    @property
    def anchor(self) -> str:
        """The fragment of its section on /ontology: the local name of our terms."""
        iri = str(self.iri)
        return iri[len(str(DKG)) :] if iri.startswith(str(DKG)) else compact(iri)

    @property
    def names(self) -> list[Literal]:
        """Its rdfs:labels, by language."""
        names = [n for n in self.values.get(RDFS.label, []) if isinstance(n, Literal)]
        return sorted(names, key=lambda n: n.language or "")

    @property
    def comments(self) -> list[Literal]:
        return [c for c in self.values.get(RDFS.comment, []) if isinstance(c, Literal)]

    @property
    def fields(self) -> list[tuple[str, list[Identifier]]]:
        """The axioms every term section shows under a name (type, domain, range...)."""
        return [(name, self.values[p]) for name, p in _TERM_FIELDS if self.values.get(p)]

    @property
    def other_values(self) -> list[tuple[URIRef, list[Identifier]]]:
        """Every other statement about the term, by property."""
        return [(p, v) for p, v in sorted(self.values.items()) if p not in _SHOWN]


@dataclass
class Ontology:
    """The ontology header and its terms, read from the ontology graph."""

    header: dict[URIRef, list[Identifier]]
    terms: list[OntologyTerm]
    labels: dict[Identifier, list[Literal]]


async def describe_ontology(engine: QueryEngine) -> Ontology:
    """Every class and property declared in the ontology graph, with all their statements."""
    kinds = " ".join(k.n3() for k in TERM_KINDS)
    graph = GRAPH_ONTOLOGY.n3()
    rows = await engine.select(
        f"SELECT DISTINCT ?term ?p ?o WHERE {{ GRAPH {graph} {{ "
        f"VALUES ?kind {{ {kinds} }} ?term a ?kind . ?term ?p ?o . FILTER(isIRI(?term)) }} }}"
    )
    terms: dict[URIRef, OntologyTerm] = {}
    for row in rows:
        iri, p, o = row["term"], row["p"], row["o"]
        if not isinstance(iri, URIRef) or not isinstance(p, URIRef):
            continue
        term = terms.setdefault(iri, OntologyTerm(iri))
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
# What the templates show (server/templates/resource.html, ontology.html, terms.html)
# --------------------------------------------------------------------------------------------


def local_path(iri: str) -> str | None:
    """The path at which this server shows `iri`, or None if it is not one of ours."""
    if iri.startswith(str(RES)):
        return "/resource/" + quote(iri[len(str(RES)) :], safe="/-_.~")
    if iri == ONTOLOGY_IRI:
        return "/ontology"
    if iri.startswith(str(DKG)):
        return "/ontology#" + quote(iri[len(str(DKG)) :], safe="-_.~")
    return None


def link(term: Identifier) -> str | None:
    """Where a term links to: our own page for our IRIs, the IRI itself on the web, else None."""
    iri = str(term)
    return local_path(iri) or (iri if iri.startswith(("http://", "https://")) else None)


def passage_url(source: Identifier | None, start: int | None, end: int | None) -> str | None:
    """`/document/{slug}#char=start,end` for a quote of the source document `source` (its text
    is shown there, see `diplokg.server.documents`)."""
    iri = str(source or "")
    if not iri.startswith(str(RES)) or start is None or end is None:
        return None
    return f"/document/{quote(iri[len(str(RES)) :], safe='/-_.~')}#char={start},{end}"


def compact(iri: str) -> str:
    """`prefix:local` with the project's prefixes, else the full IRI."""
    return compact_iri(iri) or iri


@dataclass(frozen=True)
class Highlight:
    """A quote placed in its sentence: `before`, the `quote` itself, `after`; when the quote
    cannot be placed, `found` is False and the sentence is shown beside it."""

    found: bool
    quote: str
    before: str = ""
    after: str = ""
    sentence: str = ""


def highlight(evidence: Evidence) -> Highlight:
    """The sentence cut around the quote, placed by offsets, else by searching the text."""
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
        return Highlight(False, exact, sentence=sentence)
    return Highlight(True, sentence[a:b], sentence[:a], sentence[b:])


def sorted_labels(labels: Iterable[Literal]) -> list[Literal]:
    """Labels in the order a page lists them: by language tag, then text."""
    return sorted(labels, key=lambda lab: (lab.language or "", str(lab)))


def title(resource: Resource, lang: str = PAGE_LANGUAGE) -> str:
    """The heading of a resource page: its label, else its compact IRI."""
    label = pick_label(resource.labels.get(resource.iri, []), lang)
    return str(label) if label is not None else compact(str(resource.iri))


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
