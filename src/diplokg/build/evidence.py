"""Evidence: turn the `dkg:quote` of each fact into a Web Annotation with character offsets.

Offsets count Unicode code points of the source text (Python string indices), so a reader
can cut the quoted passage out of the `.txt` file with `text[start:end]`.

Sentences, used to give each quote its whole sentence, end at `.`, `!`, `?` or `…` followed by
whitespace and then an uppercase letter, a digit, an opening quote or `*`, and at every line
break. A full stop does not end a sentence after an abbreviation (`M.`, `Mme.`, an initial)
nor inside a number (`4,22`, `364.731`, `10.06.15`: no whitespace follows those dots). A
semicolon joins clauses of one French sentence, so it does not end one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.term import Node

from diplokg.errors import EvidenceError
from diplokg.namespaces import DKG, OA, RES
from diplokg.rdfio import Triple

# The fact classes named in the modelling guide; their subclasses are read from the ontology.
FACT_CLASSES = (
    DKG.Event,
    DKG.Agreement,
    DKG.Figure,
    DKG.OfficeHolding,
    DKG.CityPair,
    DKG.CooperationAction,
    DKG.Programme,
)
CONTEXT_CHARS = 32
_TERMINATORS = ".!?…"
_OPENERS = "«“\"'*("
_ABBREVIATIONS = frozenset({"M", "MM", "Mme", "Mmes", "Mlle", "Mlles", "Dr", "Pr", "St", "Ste"})


@dataclass(frozen=True)
class Quote:
    """A quote as written in the curated Turtle: the exact text and optional context."""

    exact: str
    prefix: str = ""
    suffix: str = ""


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) of every sentence of `text`, trimmed of surrounding whitespace."""
    spans: list[tuple[int, int]] = []
    start = 0
    for index, char in enumerate(text):
        if char == "\n":
            _add_span(spans, text, start, index)
            start = index + 1
        elif char in _TERMINATORS and _ends_sentence(text, index):
            _add_span(spans, text, start, index + 1)
            start = index + 1
    _add_span(spans, text, start, len(text))
    return spans


def _ends_sentence(text: str, index: int) -> bool:
    after = index + 1
    if after >= len(text) or not text[after].isspace() or text[after] == "\n":
        # a dot inside a number or a word, or a line break (which ends the sentence anyway)
        return False
    rest = text[after:].lstrip(" \t\u00a0\u202f")
    if not rest or not (rest[0].isupper() or rest[0].isdigit() or rest[0] in _OPENERS):
        return False
    if text[index] == ".":
        word_start = index
        while word_start > 0 and text[word_start - 1].isalpha():
            word_start -= 1
        word = text[word_start:index]
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isupper()):
            return False
    return True


def _add_span(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if stripped:
        lead = len(chunk) - len(chunk.lstrip())
        spans.append((start + lead, start + lead + len(stripped)))


def locate(text: str, quote: Quote, fact: str) -> tuple[int, int]:
    """The offsets of the one occurrence of `quote` in `text`; EvidenceError naming `fact` if none
    or several match."""
    if not quote.exact:
        raise EvidenceError(f"{fact}: empty quote")
    hits = []
    position = text.find(quote.exact)
    while position != -1:
        end = position + len(quote.exact)
        if text[max(0, position - len(quote.prefix)) : position] == quote.prefix and (
            text[end : end + len(quote.suffix)] == quote.suffix
        ):
            hits.append(position)
        position = text.find(quote.exact, position + 1)
    if not hits:
        raise EvidenceError(f"{fact}: quote not found in the source text: {quote.exact!r}")
    if len(hits) > 1:
        raise EvidenceError(
            f"{fact}: quote found {len(hits)} times in the source text, add an oa:prefix or "
            f"oa:suffix to tell them apart: {quote.exact!r}"
        )
    return hits[0], hits[0] + len(quote.exact)


def subclasses(ontology: Graph, roots: Iterable[URIRef]) -> set[URIRef]:
    """`roots` and every class declared below them with rdfs:subClassOf in the ontology."""
    found: set[URIRef] = set()
    pending = list(roots)
    while pending:
        cls = pending.pop()
        if cls in found:
            continue
        found.add(cls)
        pending.extend(
            sub for sub in ontology.subjects(RDFS.subClassOf, cls) if isinstance(sub, URIRef)
        )
    return found


def _read_quotes(graph: Graph, fact: Node) -> list[Quote]:
    quotes = []
    for value in graph.objects(fact, DKG.quote):
        if isinstance(value, Literal):
            quotes.append(Quote(str(value)))
            continue
        exact = graph.value(value, OA.exact)
        if exact is None:
            raise EvidenceError(f"{fact}: a dkg:quote node has no oa:exact")
        prefix = graph.value(value, OA.prefix)
        suffix = graph.value(value, OA.suffix)
        quotes.append(Quote(str(exact), str(prefix or ""), str(suffix or "")))
    return quotes


def strip_quotes(graph: Graph) -> None:
    """Remove every `dkg:quote` triple and the quote nodes it points to from `graph`."""
    for fact, value in list(graph.subject_objects(DKG.quote)):
        graph.remove((fact, DKG.quote, value))
        if isinstance(value, BNode):
            graph.remove((value, None, None))


def source_document(graph: Graph, path: str) -> URIRef:
    """The one `dkg:SourceDocument` a curated file declares."""
    docs = sorted(d for d in graph.subjects(RDF.type, DKG.SourceDocument) if isinstance(d, URIRef))
    if len(docs) != 1:
        raise EvidenceError(
            f"{path}: must declare exactly one dkg:SourceDocument, found {len(docs)}"
        )
    return docs[0]


@dataclass(frozen=True)
class Source:
    """One curated file with the text its quotes resolve against."""

    facts: Graph
    text: str
    path: str


# Where a passage is: (index of the source, start, end), offsets in code points.
Span = tuple[int, int, int]


def evidence_graph(sources: Sequence[Source], ontology: Graph) -> Graph:
    """Web Annotations for every quote of every curated file, anchored in its own text.

    A fact quoted in several documents (a later version of the same page) gets one numbering:
    by document, in the order given, then by start offset. Also checks that every resource of
    a fact class carries at least one quote. The caller removes the quotes from the asserted
    graphs with `strip_quotes` afterwards.
    """
    return annotate(sources, ontology)[0]


def annotate(
    sources: Sequence[Source],
    ontology: Graph,
    mentions: Mapping[URIRef, Iterable[Span]] | None = None,
) -> tuple[Graph, dict[tuple[URIRef, Span], URIRef]]:
    """`evidence_graph`, plus `mentions` (an entity's name found in a text, annotated with the
    motivation oa:identifying) numbered with the quotes; also returns which annotation IRI
    each (resource, span) got."""
    triples, notes = annotation_triples(sources, ontology, mentions)
    out = Graph()
    out.addN((s, p, o, out) for s, p, o in triples)
    return out, notes


def annotation_triples(
    sources: Sequence[Source],
    ontology: Graph,
    mentions: Mapping[URIRef, Iterable[Span]] | None = None,
) -> tuple[set[Triple], dict[tuple[URIRef, Span], URIRef]]:
    """`annotate`'s triples as a set (what the build uses: no graph to index)."""
    fact_classes = subclasses(ontology, FACT_CLASSES)
    located: dict[URIRef, set[Span]] = defaultdict(set)
    identifying: set[tuple[URIRef, Span]] = set()
    for index, source in enumerate(sources):
        facts = {f for cls in fact_classes for f in source.facts.subjects(RDF.type, cls)}
        facts |= set(source.facts.subjects(DKG.quote, None))
        for fact in sorted(facts, key=str):
            if not isinstance(fact, URIRef) or not str(fact).startswith(str(RES)):
                raise EvidenceError(f"{source.path}: fact {fact} must be an IRI under {RES}")
            quotes = _read_quotes(source.facts, fact)
            if not quotes:
                raise EvidenceError(f"{fact}: a fact with no dkg:quote (in {source.path})")
            located[fact].update((index, *locate(source.text, q, str(fact))) for q in quotes)
    for entity, places in (mentions or {}).items():
        for place in places:
            if place not in located[entity]:
                identifying.add((entity, place))
                located[entity].add(place)
    docs = [source_document(source.facts, source.path) for source in sources]
    spans = [sentence_spans(source.text) for source in sources]
    out: set[Triple] = set()
    notes: dict[tuple[URIRef, Span], URIRef] = {}
    for fact, places in located.items():
        for n, (index, start, end) in enumerate(sorted(places), start=1):
            text = sources[index].text
            sentence = covering_sentence(spans[index], start, end, len(text))
            number = max(1, sum(1 for a, _ in spans[index] if a <= sentence[0]))
            motivation = OA.identifying if (fact, (index, start, end)) in identifying else None
            notes[(fact, (index, start, end))] = _annotate(
                out, fact, n, docs[index], text, (start, end), sentence, number, motivation
            )
    return out, notes


def covering_sentence(
    spans: list[tuple[int, int]], start: int, end: int, length: int
) -> tuple[int, int]:
    """From the start of the sentence holding `start` to the end of the one holding `end`."""
    first = max((a for a, _ in spans if a <= start), default=0)
    last = min((b for _, b in spans if b >= end), default=length)
    return first, last


_HAS_EVIDENCE, _SENTENCE = DKG.hasEvidence, DKG.sentence
_SENTENCE_START, _SENTENCE_END, _SENTENCE_NUMBER = (
    DKG.sentenceStart,
    DKG.sentenceEnd,
    DKG.sentenceNumber,
)
_ANNOTATION, _HAS_BODY, _MOTIVATED_BY, _HAS_TARGET = (
    OA.Annotation,
    OA.hasBody,
    OA.motivatedBy,
    OA.hasTarget,
)
_DESCRIBING, _SPECIFIC, _HAS_SOURCE, _HAS_SELECTOR = (
    OA.describing,
    OA.SpecificResource,
    OA.hasSource,
    OA.hasSelector,
)
_QUOTE_SELECTOR, _EXACT, _PREFIX, _SUFFIX = OA.TextQuoteSelector, OA.exact, OA.prefix, OA.suffix
_POSITION_SELECTOR, _START, _END = OA.TextPositionSelector, OA.start, OA.end


def _annotate(
    out: set[Triple],
    fact: URIRef,
    n: int,
    doc: URIRef,
    text: str,
    quote: tuple[int, int],
    sentence: tuple[int, int],
    sentence_number: int,
    motivation: URIRef | None = None,
) -> URIRef:
    slug = str(fact)[len(str(RES)) :]
    note = RES[f"evidence/{slug}/{n}"]
    target = URIRef(f"{note}/target")
    quote_sel = URIRef(f"{note}/quote")
    position = URIRef(f"{note}/position")
    start, end = quote
    s_start, s_end = sentence
    a = RDF.type
    out.update(
        (
            (fact, _HAS_EVIDENCE, note),
            (note, a, _ANNOTATION),
            (note, _HAS_BODY, fact),
            (note, _MOTIVATED_BY, motivation or _DESCRIBING),
            (note, _HAS_TARGET, target),
            (note, _SENTENCE, Literal(text[s_start:s_end])),
            (note, _SENTENCE_START, _count(s_start)),
            (note, _SENTENCE_END, _count(s_end)),
            (note, _SENTENCE_NUMBER, Literal(sentence_number, datatype=_POSITIVE)),
            (target, a, _SPECIFIC),
            (target, _HAS_SOURCE, doc),
            (target, _HAS_SELECTOR, quote_sel),
            (target, _HAS_SELECTOR, position),
            (quote_sel, a, _QUOTE_SELECTOR),
            (quote_sel, _EXACT, Literal(text[start:end])),
            (quote_sel, _PREFIX, Literal(text[max(0, start - CONTEXT_CHARS) : start])),
            (quote_sel, _SUFFIX, Literal(text[end : end + CONTEXT_CHARS])),
            (position, a, _POSITION_SELECTOR),
            (position, _START, _count(start)),
            (position, _END, _count(end)),
        )
    )
    return note


_NON_NEGATIVE, _POSITIVE = XSD.nonNegativeInteger, XSD.positiveInteger


def _count(value: int) -> Literal:
    return Literal(value, datatype=_NON_NEGATIVE)
