"""The source text with its facts: `/document/` and `/document/{slug}`.

`{slug}` is the slug of the text's `dkg:SourceDocument` (`/resource/{slug}` describes the
document, `/document/{slug}` shows its text). The text is the build's copy in
`dist/documents/`; the annotations come from the engine, so the view shows what the served
dataset says. Browsers get the text in its paragraphs with every quoted span highlighted and
the statements each span supports; machines get the same as a W3C Web Annotation collection
(JSON-LD) or the plain text, whose `#char=start,end` fragments (RFC 5147, code points) are
the offsets of the annotations.

Two shapes of evidence are read. Per statement (the event model): an annotation's bodies are
`rdf:Statement` reifiers, `dkg:statedBy` it or `dkg:interpretedBy` an interpretation; those
statements are listed. Per fact (earlier builds): its body is the fact node; the fact's
asserted triples are listed, with its `dkg:interpretation` notes. Either way the inferred and
rule-derived statements about the same subjects are listed apart, marked "derived".
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import APIRouter
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.term import BNode, Identifier, Literal, URIRef
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from diplokg.config import Settings
from diplokg.dataset import SourceText, source_texts
from diplokg.formats import Format
from diplokg.namespaces import (
    DKG,
    GRAPH,
    GRAPH_ASSERTED,
    GRAPH_INFERRED,
    PREFIXES,
    RES,
    sparql_prefixes,
)
from diplokg.protocol import QueryRejected, negotiate
from diplokg.server import linked_data
from diplokg.server.endpoint import host_vary, public_base
from diplokg.server.rendering import json_bytes, off_loop
from diplokg.server.responses import HTML, html_page_off_loop, json_error, not_found
from diplokg.terms import pick_label

if TYPE_CHECKING:
    from diplokg.server.engine import QueryEngine

__all__ = ["DocumentsRouter"]

STATED, INTERPRETATION, DERIVED = "stated", "interpretation", "derived"
# Graphs of statements no quote states: OWL RL entailments, and the build's rule-derived
# codings and date bounds (the event model's graph `derived`).
DERIVED_GRAPHS = (GRAPH_INFERRED, GRAPH["derived"])
# What a fact's own triples say that is not a statement of the page.
NOT_STATEMENTS = frozenset(
    {RDFS.label, SKOS.prefLabel, SKOS.altLabel, DKG.interpretation, DKG.hasEvidence, DKG.quote}
)
JSONLD = Format("jsonld", "application/ld+json", ("application/json",))
TEXT = Format("text", "text/plain")
ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n\s*")


# --------------------------------------------------------------------------------------------
# What the view shows
# --------------------------------------------------------------------------------------------


@dataclass
class Note:
    """An interpretation: what the curators read that the page leaves implicit."""

    comment: str
    node: Identifier | None = None
    kind: Identifier | None = None  # a concept of res:interpretation-kinds
    concerns: Identifier | None = None  # the property it concerns
    about: Identifier | None = None  # the fact it is a note of (dkg:interpretation)


@dataclass
class Statement:
    """A triple the view lists, with how it is known."""

    subject: Identifier
    predicate: URIRef
    object: Identifier
    kind: str  # stated, interpretation or derived
    notes: list[Note] = field(default_factory=list)
    reifier: Identifier | None = None  # its rdf:Statement node, in evidence per statement
    stated_by: set[Identifier] = field(default_factory=set)  # the annotations that state it


@dataclass
class Passage:
    """One annotation: a span of the text and what it is the evidence of."""

    number: int  # 1, 2... in reading order
    annotation: Identifier
    start: int
    end: int
    exact: str
    bodies: list[Identifier]  # what the annotation's oa:hasBody names
    subjects: list[Identifier]
    statements: list[Statement]
    notes: list[Note]
    derived: list[Statement]
    per_statement: bool  # the evidence names its statements (else: the fact's triples)

    @property
    def fragment(self) -> str:
        return f"char={self.start},{self.end}"


@dataclass(frozen=True)
class Piece:
    """A run of text covered by the same passages (none: plain text)."""

    start: int
    text: str
    passages: tuple[int, ...]


@dataclass
class Paragraph:
    start: int
    pieces: list[Piece]


@dataclass
class AnnotatedText:
    slug: str
    source: URIRef
    text: SourceText
    content: str
    passages: list[Passage]
    labels: dict[Identifier, list[Literal]]

    @property
    def title(self) -> str:
        label = pick_label(self.labels.get(self.source, []), linked_data.PAGE_LANGUAGE)
        return str(label) if label is not None else self.slug

    @property
    def paragraphs(self) -> list[Paragraph]:
        return paragraphs(self.content, self.passages)


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """The paragraphs of `text` as written: runs of lines between blank lines, trimmed."""
    spans = []
    start = 0
    for gap in [*_BLANK_LINE.finditer(text), None]:
        stop = gap.start() if gap is not None else len(text)
        chunk = text[start:stop]
        if chunk.strip():
            lead = len(chunk) - len(chunk.lstrip())
            spans.append((start + lead, start + len(chunk.rstrip())))
        if gap is not None:
            start = gap.end()
    return spans


def paragraphs(text: str, passages: Iterable[Passage]) -> list[Paragraph]:
    """The text cut at every paragraph and span boundary; each piece knows the passages that
    cover it, so spans may overlap or nest."""
    spans = [(p.start, p.end, p.number) for p in passages if p.end > p.start]
    cuts = {a for a, _, _ in spans} | {b for _, b, _ in spans}
    out = []
    for start, end in paragraph_spans(text):
        bounds = sorted({start, end} | {c for c in cuts if start < c < end})
        pieces = [
            Piece(a, text[a:b], tuple(n for s, e, n in spans if s < b and e > a))
            for a, b in itertools.pairwise(bounds)
        ]
        out.append(Paragraph(start, pieces))
    return out


# --------------------------------------------------------------------------------------------
# Reading the annotations through the engine
# --------------------------------------------------------------------------------------------


def _int(term: Identifier | None) -> int | None:
    try:
        return int(str(term)) if term is not None else None
    except ValueError:
        return None


def _note(row: dict[str, Identifier], node_key: str, kind: str, comment: str) -> Note | None:
    node = row.get(node_key)
    if node is None:
        return None
    text = row.get(comment) or (node if isinstance(node, Literal) else None)
    return Note(
        str(text) if text is not None else "",
        node=None if isinstance(node, Literal) else node,
        kind=row.get(kind),
        concerns=row.get("concerns"),
    )


async def read_annotations(engine: QueryEngine, text: SourceText) -> AnnotatedText:
    """The passages of `text` and what they support, as the served dataset says."""
    source = URIRef(text.source)
    prefixes = sparql_prefixes()
    rows = await engine.select(
        prefixes
        + f"""SELECT ?ann ?start ?end ?exact ?body ?fact WHERE {{
  ?target oa:hasSource {source.n3()} .
  ?ann oa:hasTarget ?target .
  ?target oa:hasSelector ?ps .
  ?ps a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
  OPTIONAL {{ ?target oa:hasSelector ?qs . ?qs a oa:TextQuoteSelector ; oa:exact ?exact . }}
  OPTIONAL {{ ?ann oa:hasBody ?body }}
  OPTIONAL {{ ?fact dkg:hasEvidence ?ann }}
}}"""
    )
    found: dict[Identifier, dict[str, Any]] = {}
    for row in rows:
        entry = found.setdefault(
            row["ann"],
            {"start": _int(row["start"]), "end": _int(row["end"]), "exact": "", "bodies": set()},
        )
        entry["exact"] = str(row.get("exact") or entry["exact"])
        if row.get("body") is not None:
            entry["bodies"].add(row["body"])
        if row.get("fact") is not None:
            entry.setdefault("facts", set()).add(row["fact"])
    for entry in found.values():
        # The bodies say what a quote supports; `dkg:hasEvidence` only when there are none.
        entry["bodies"] = entry["bodies"] or entry.get("facts", set())
    bodies = {b for e in found.values() for b in e["bodies"]}

    # Bodies that are statements (rdf:subject...), and the facts the others are.
    # A page states hundreds of statements: the queries that name them go in batches
    # (`linked_data.select_in_batches`), each far under the endpoint's query size limit.
    reified: dict[Identifier, tuple[Identifier, URIRef, Identifier]] = {}
    for row in await linked_data.select_in_batches(
        engine,
        lambda values: (
            prefixes + f"SELECT ?b ?s ?p ?o WHERE {{ VALUES ?b {{ {values} }} "
            "?b rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o . }"
        ),
        bodies,
    ):
        if isinstance(row["p"], URIRef):
            reified[row["b"]] = (row["s"], row["p"], row["o"])
    subjects = {b for b in bodies if b not in reified} | {s for s, _, _ in reified.values()}

    reifiers: dict[Identifier, Statement] = {}
    stated_by: dict[Identifier, set[Identifier]] = defaultdict(set)
    triples: list[tuple[Identifier, URIRef, Identifier, Identifier]] = []
    notes: dict[Identifier, list[Note]] = defaultdict(list)
    if subjects:
        for row in await linked_data.select_in_batches(
            engine,
            lambda values: (
                prefixes
                + f"""SELECT ?st ?s ?p ?o ?by ?i ?ikind ?icomment ?concerns WHERE {{
  VALUES ?s {{ {values} }}
  ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
  OPTIONAL {{ ?st dkg:statedBy ?by }}
  OPTIONAL {{
    ?st dkg:interpretedBy ?i .
    OPTIONAL {{ ?i dkg:interpretationKind ?ikind }}
    OPTIONAL {{ ?i rdfs:comment ?icomment }}
    OPTIONAL {{ ?i dkg:concerns ?concerns }}
  }}
}}"""
            ),
            subjects,
        ):
            if not isinstance(row["p"], URIRef):
                continue
            statement = reifiers.setdefault(
                row["st"],
                Statement(row["s"], row["p"], row["o"], INTERPRETATION, reifier=row["st"]),
            )
            if row.get("by") is not None:
                stated_by[row["st"]].add(row["by"])
                statement.stated_by.add(row["by"])
                statement.kind = STATED
            note = _note(row, "i", "ikind", "icomment")
            if note is not None and note not in statement.notes:
                statement.notes.append(note)
        graphs = " ".join(g.n3() for g in (GRAPH_ASSERTED, *DERIVED_GRAPHS))
        for row in await linked_data.select_in_batches(
            engine,
            lambda values: (
                f"SELECT ?s ?p ?o ?g WHERE {{ VALUES ?s {{ {values} }} "
                f"VALUES ?g {{ {graphs} }} GRAPH ?g {{ ?s ?p ?o }} }}"
            ),
            subjects,
        ):
            if isinstance(row["p"], URIRef):
                triples.append((row["s"], row["p"], row["o"], row["g"]))
        for row in await linked_data.select_in_batches(
            engine,
            lambda values: (
                prefixes
                + f"""SELECT ?s ?i ?ikind ?icomment ?concerns WHERE {{
  VALUES ?s {{ {values} }}
  ?s dkg:interpretation ?i .
  OPTIONAL {{ ?i dkg:interpretationKind ?ikind }}
  OPTIONAL {{ ?i rdfs:comment ?icomment }}
  OPTIONAL {{ ?i dkg:concerns ?concerns }}
}}"""
            ),
            subjects,
        ):
            note = _note(row, "i", "ikind", "icomment")
            if note is not None:
                note.about = row["s"]
                if note not in notes[row["s"]]:
                    notes[row["s"]].append(note)

    asserted: dict[Identifier, list[Statement]] = defaultdict(list)
    derived: dict[Identifier, list[Statement]] = defaultdict(list)
    for s, p, o, g in sorted(triples, key=lambda t: (str(t[1]) != str(RDF.type), *map(str, t))):
        if g == GRAPH_ASSERTED and p not in NOT_STATEMENTS:
            asserted[s].append(Statement(s, p, o, STATED))
        elif g in DERIVED_GRAPHS and not any(
            d.predicate == p and d.object == o for d in derived[s]
        ):
            derived[s].append(Statement(s, p, o, DERIVED))

    passages = []
    ordered = sorted(
        found.items(), key=lambda kv: (kv[1]["start"] or 0, kv[1]["end"] or 0, str(kv[0]))
    )
    for number, (annotation, entry) in enumerate(ordered, start=1):
        if entry["start"] is None or entry["end"] is None:
            continue
        mine = sorted(entry["bodies"], key=str)
        # Per statement as soon as one body is a reifier: the build also names the fact itself
        # a body, whose other triples other words state (or none: an interpretation).
        per_statement = any(b in reified for b in mine)
        statements: list[Statement] = []
        about: set[Identifier] = set()
        for body in mine:
            if body in reified:
                statement = reifiers.get(body) or Statement(*reified[body], STATED, reifier=body)
                statements.append(statement)
                about.add(statement.subject)
            else:
                if not per_statement:
                    statements += asserted.get(body, [])
                about.add(body)
        # Statements about the same subjects that only an interpretation supports.
        statements += [
            st
            for node, st in sorted(reifiers.items(), key=lambda kv: str(kv[0]))
            if st.subject in about and node not in stated_by and st not in statements
        ]
        # Interpretations of the subjects not already shown with a statement.
        attached = {n.node for st in statements for n in st.notes if n.node is not None}
        passage_notes = [
            n
            for s in sorted(about, key=str)
            for n in notes.get(s, [])
            if n.node is None or n.node not in attached
        ]
        passages.append(
            Passage(
                number=number,
                annotation=annotation,
                start=entry["start"],
                end=entry["end"],
                exact=entry["exact"],
                bodies=mine,
                subjects=sorted(about, key=str),
                statements=statements,
                notes=passage_notes,
                derived=[d for s in sorted(about, key=str) for d in derived.get(s, [])],
                per_statement=per_statement,
            )
        )
    terms: set[Identifier] = {source}
    for passage in passages:
        terms.update(passage.subjects)
        for st in [*passage.statements, *passage.derived]:
            terms.update((st.subject, st.predicate, st.object))
            terms.update(n.kind for n in st.notes if n.kind is not None)
        terms.update(n.kind for n in passage.notes if n.kind is not None)
    labels = await linked_data.labels_of(engine, terms)
    return AnnotatedText(
        slug=str(source)[len(str(RES)) :],
        source=source,
        text=text,
        content=text.read(),
        passages=passages,
        labels=labels,
    )


# --------------------------------------------------------------------------------------------
# JSON-LD (W3C Web Annotation)
# --------------------------------------------------------------------------------------------


def _jsonld_term(term: Identifier) -> Any:
    if isinstance(term, Literal):
        value: dict[str, Any] = {"@value": str(term)}
        if term.language:
            value["@language"] = term.language
        elif term.datatype is not None:
            value["@type"] = str(term.datatype)
        return value
    if isinstance(term, BNode):
        return {"id": f"_:{term}"}
    return {"id": str(term)}


def _interpretation(note: Note) -> Any:
    if note.node is None:  # a note written as a literal (evidence per fact)
        return {"@value": note.comment}
    node: dict[str, Any] = {"id": str(note.node), "rdfs:comment": note.comment}
    if note.kind is not None:
        node["dkg:interpretationKind"] = _jsonld_term(note.kind)
    if note.concerns is not None:
        node["dkg:concerns"] = _jsonld_term(note.concerns)
    return node


def _body(body: Identifier, passage: Passage) -> dict[str, Any]:
    """A body as the data has it: an `rdf:Statement` reifier with its triple and support, or
    (evidence per fact) the fact node with its asserted triples and interpretation notes."""
    for st in passage.statements:
        if st.reifier == body:
            node: dict[str, Any] = {
                **_jsonld_term(body),
                "type": "rdf:Statement",
                "rdf:subject": _jsonld_term(st.subject),
                "rdf:predicate": _jsonld_term(st.predicate),
                "rdf:object": _jsonld_term(st.object),
            }
            if st.stated_by:
                node["dkg:statedBy"] = [_jsonld_term(a) for a in sorted(st.stated_by, key=str)]
            interpreted = [n for n in st.notes if n.node is not None]
            if interpreted:
                node["dkg:interpretedBy"] = [_interpretation(n) for n in interpreted]
            return node
    fact: dict[str, Any] = _jsonld_term(body)
    for st in passage.statements:
        if st.subject == body and st.reifier is None:
            fact.setdefault(str(st.predicate), []).append(_jsonld_term(st.object))
    notes = [_interpretation(n) for n in passage.notes if n.about == body]
    if notes:
        fact["dkg:interpretation"] = notes
    return fact


def annotation_collection(doc: AnnotatedText, base: str) -> dict[str, Any]:
    """The passages as a Web Annotation collection of one page. Each annotation's bodies are
    what the data says it supports: statement reifiers (`rdf:subject`, `rdf:predicate`,
    `rdf:object`, `dkg:statedBy`, `dkg:interpretedBy`), or the fact node with its asserted
    triples. Derived statements have no quote, so no annotation: ask /sparql for them."""
    items = []
    for passage in doc.passages:
        bodies = [_body(b, passage) for b in passage.bodies]
        content = doc.content
        items.append(
            {
                "id": str(passage.annotation),
                "type": "Annotation",
                "motivation": "describing",
                "body": bodies,
                "target": {
                    "type": "SpecificResource",
                    "source": str(doc.source),
                    "selector": [
                        {
                            "type": "TextQuoteSelector",
                            "exact": content[passage.start : passage.end],
                            "prefix": content[max(0, passage.start - 32) : passage.start],
                            "suffix": content[passage.end : passage.end + 32],
                        },
                        {
                            "type": "TextPositionSelector",
                            "start": passage.start,
                            "end": passage.end,
                        },
                    ],
                },
            }
        )
    page = f"{base}/document/{quote(doc.slug, safe='/-_.~')}"
    return {
        "@context": [
            ANNO_CONTEXT,
            {p: PREFIXES[p] for p in ("dkg", "rdf", "rdfs")},
        ],
        "id": page,
        "type": "AnnotationCollection",
        "label": doc.title,
        "total": len(items),
        "first": {"id": f"{page}?page=1", "type": "AnnotationPage", "items": items},
    }


# --------------------------------------------------------------------------------------------
# The router
# --------------------------------------------------------------------------------------------


class DocumentsRouter(APIRouter):
    """`/document/` lists the source texts; `/document/{slug}` shows one with its facts
    (HTML), or gives its annotations (JSON-LD) or the text itself (text/plain)."""

    def __init__(self, engine: QueryEngine, settings: Settings, dist: Path | None) -> None:
        super().__init__(tags=["documents"])

        def texts() -> dict[str, SourceText]:
            found = source_texts(dist) if dist is not None else []
            return {t.source[len(str(RES)) :]: t for t in found if t.source.startswith(str(RES))}

        async def index(request: Request) -> Response:
            """The source texts of the served build."""
            listed = sorted(texts().items())
            labels = await linked_data.labels_of(engine, [URIRef(t.source) for _, t in listed])
            return await html_page_off_loop(
                "documents.html",
                title="Source texts",
                texts=[(slug, t, labels.get(URIRef(t.source), [])) for slug, t in listed],
            )

        async def document(slug: str, request: Request) -> Response:
            base, fmt = slug, None
            for ext, offer in ((".txt", TEXT), (".jsonld", JSONLD)):
                if slug.endswith(ext):
                    base, fmt = slug[: -len(ext)], offer
            text = texts().get(base)
            if text is None:
                return not_found(request, f"no source text for {base!r}")
            try:
                fmt = fmt or negotiate(request.headers.get("accept"), (HTML, JSONLD, TEXT))
                if fmt is TEXT:
                    return PlainTextResponse(text.read(), headers={"Vary": "Accept"})
                # The JSON-LD names the page by its absolute address: checked before any query.
                address = public_base(request, settings) if fmt is JSONLD else ""
                doc = await read_annotations(engine, text)
            except QueryRejected as exc:
                return json_error(exc.status, exc.message, exc.headers)
            if fmt is JSONLD:
                body = await off_loop(lambda: json_bytes(annotation_collection(doc, address)))
                return Response(body, media_type=JSONLD.media_type, headers=host_vary(settings))
            path = f"/document/{quote(base, safe='/-_.~')}"
            return await html_page_off_loop(
                "document.html",
                title=doc.title,
                page_class="document",
                doc=doc,
                formats=[("Plain text", f"{path}.txt"), ("JSON-LD", f"{path}.jsonld")],
            )

        self.add_api_route("/document/", index, methods=["GET"], include_in_schema=False)
        self.add_api_route(
            "/document/{slug:path}",
            document,
            methods=["GET"],
            summary="A source text with its annotations",
            response_class=Response,
            responses={
                200: {"content": {"text/html": {}, JSONLD.media_type: {}, TEXT.media_type: {}}},
                404: {"description": "no source text of that name in the served build"},
            },
        )
