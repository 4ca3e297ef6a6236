"""Turtle in the event model (issue 13) for a draft: facts, quotes with `dkg:states`, typed
interpretations, a confidence and the draft status on everything the drafter made.

Every quote is the page's own words, `text[start:end]`; when those words occur more than once
in the page an `oa:prefix` (then an `oa:suffix`) of the words around them is added until the
quote is found exactly once, so the build's evidence machinery anchors it as it does for
curated facts. Minted IRIs are readable slugs under `res:`, made unique against the project's
curated graph and within the draft.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, RDFS

from diplokg.draft.dates import DateExpr, precision
from diplokg.draft.facts import (
    Agreement,
    Draft,
    Entity,
    Event,
    Fact,
    Figure,
    Holding,
    Interpretation,
    Quote,
    Span,
)
from diplokg.draft.gazetteer import Gazetteer, slugify
from diplokg.namespaces import RES

PREFIXES = """@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix dkg: <https://w3id.org/diplokg/ontology#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix res: <https://w3id.org/diplokg/resource/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
_XSD = {"day": "xsd:date", "month": "xsd:gYearMonth", "year": "xsd:gYear"}
_EN_KIND = {
    "Visit": "Visit",
    "OfficialVisit": "Official visit",
    "Reception": "Reception",
    "Meeting": "Meeting",
    "Consultation": "Consultations",
    "Signing": "Signing",
    "EstablishmentOfDiplomaticRelations": "Establishment of diplomatic relations",
    "Creation": "Creation",
    "Summit": "Summit",
    "Inauguration": "Inauguration",
    "CulturalSeason": "Cultural season",
    "CulturalEvent": "Cultural event",
    "Concert": "Concert",
    "Exhibition": "Exhibition",
}
_FR_KIND = {
    "Visit": "Visite",
    "OfficialVisit": "Visite officielle",
    "Reception": "Réception",
    "Meeting": "Rencontre",
    "Consultation": "Consultations",
    "Signing": "Signature",
    "EstablishmentOfDiplomaticRelations": "Établissement des relations diplomatiques",
    "Creation": "Création",
    "Summit": "Sommet",
    "Inauguration": "Inauguration",
    "CulturalSeason": "Saison culturelle",
    "CulturalEvent": "Manifestation culturelle",
    "Concert": "Concert",
    "Exhibition": "Exposition",
}
# CAMEO 1.1b3 codes of the stated direction and PLOVER types (event-model spec §2), shown as a
# comment for the reviewer; the build derives the codings from the class, actors and place.
CODES = {
    "Visit": "CAMEO 042 Make a visit (043 Host a visit derived); PLOVER CONSULT, mode visit",
    "OfficialVisit": "CAMEO 042 Make a visit (043 Host a visit derived); PLOVER CONSULT, "
    "mode visit",
    "Reception": "CAMEO 043 Host a visit (042 Make a visit derived); PLOVER CONSULT, mode visit",
    "Meeting": "CAMEO 042/043 at one side's home, 044 Meet at a third location elsewhere; "
    "PLOVER CONSULT",
    "Consultation": "CAMEO 046 or 040 per the class mapping; PLOVER CONSULT",
    "Signing": "CAMEO 057 Sign formal agreement, both directions; PLOVER SUPPORT",
    "EstablishmentOfDiplomaticRelations": "CAMEO 054 Grant diplomatic recognition, both "
    "directions; PLOVER SUPPORT",
}
NOT_CODED = (
    "Creation",
    "Summit",
    "Inauguration",
    "Relocation",
    "Transformation",
    "CulturalSeason",
    "CulturalEvent",
    "Concert",
    "Exhibition",
    "Presentation",
)


def _lit(value: str, lang: str | None = None) -> str:
    return Literal(value, lang=lang).n3()


def _date_literal(value: str) -> str:
    return f'"{value}"^^{_XSD[precision(value)]}'


def quote_node(text: str, span: Span, states: Iterable[str], indent: str = "    ") -> str:
    """A `dkg:quote [ oa:exact … ; dkg:states … ]` node for `text[span]`, with the shortest
    `oa:prefix`/`oa:suffix` that makes it occur once (see `disambiguate`)."""
    exact = text[span.start : span.end]
    prefix, suffix = disambiguate(text, span)
    parts = [f"oa:exact {_lit(exact)}"]
    if prefix:
        parts.append(f"oa:prefix {_lit(prefix)}")
    if suffix:
        parts.append(f"oa:suffix {_lit(suffix)}")
    names = sorted({_state_term(s) for s in states})
    if names:
        parts.append("dkg:states " + " , ".join(names))
    inner = f" ;\n{indent}    ".join(parts)
    return f"[ {inner} ]"


def disambiguate(text: str, span: Span) -> tuple[str, str]:
    """The shortest (prefix, suffix) around `text[span]` with which it is found exactly once
    (prefix first, up to 64 code points, then a suffix); ("", "") when it already is."""
    exact = text[span.start : span.end]

    def count(prefix: str, suffix: str) -> int:
        n, position = 0, text.find(exact)
        while position != -1:
            end = position + len(exact)
            if (
                text[max(0, position - len(prefix)) : position] == prefix
                and text[end : end + len(suffix)] == suffix
            ):
                n += 1
            position = text.find(exact, position + 1)
        return n

    if count("", "") == 1:
        return "", ""
    for size in range(1, 65):
        prefix = text[max(0, span.start - size) : span.start]
        if count(prefix, "") == 1:
            return prefix, ""
    prefix = text[max(0, span.start - 64) : span.start]
    for size in range(1, 65):
        suffix = text[span.end : span.end + size]
        if count(prefix, suffix) == 1:
            return prefix, suffix
    return prefix, text[span.end : span.end + 64]


_STATE_TERMS = {
    "type": "rdf:type",
    "date": "dkg:date",
    "publisher": "dcterms:publisher",
    "modified": "dcterms:modified",
    "dateCopyrighted": "dcterms:dateCopyrighted",
}


def _state_term(name: str) -> str:
    return _STATE_TERMS.get(name, f"dkg:{name}")


class TurtleWriter:
    """Writes one draft; `slugs` maps the drafter's entity slugs to the IRIs written."""

    def __init__(self, draft: Draft, gaz: Gazetteer, taken: set[str]) -> None:
        self.draft = draft
        self.gaz = gaz
        self.text = draft.document.text
        self.taken = set(taken)
        self.fact_iris: dict[int, str] = {}
        self.lines: list[str] = []
        self.entities = draft.entities
        self.used_entities: set[str] = set()
        self.agreement_slugs: dict[int, str] = {}
        # one resource per named summit of the page: the summit a happening drafted under the
        # same name, else one minted for the first event on its margins
        self.summits: dict[str, str] = {}

    def iri(self, slug: str) -> str:
        """`res:<slug>`, the slug as Turtle allows it in a prefixed name."""
        return f"res:{slug}"

    def mint(self, base: str) -> str:
        """A unique fact slug from `base`."""
        base = slugify(base)[:90].strip("-")
        slug, n = base, 2
        while str(RES[slug]) in self.taken:
            slug, n = f"{base}-{n}", n + 1
        self.taken.add(str(RES[slug]))
        return slug

    def label(self, slug: str | None, lang: str = "fr") -> str:
        if slug is None:
            return "?"
        entity = self.entities.get(slug) or self.gaz.entities.get(slug)
        if entity is None:
            return slug
        return entity.label_fr if lang == "fr" else entity.label_en

    def use(self, *slugs: str | None) -> None:
        self.used_entities.update(s for s in slugs if s)


def write_turtle(
    draft: Draft,
    gaz: Gazetteer,
    *,
    taken: set[str] | None = None,
    document_record: Graph | None = None,
) -> str:
    """The draft as Turtle (a string that parses with rdflib and pyoxigraph)."""
    w = TurtleWriter(draft, gaz, taken or set())
    doc = draft.document
    for n, event in enumerate(draft.events):
        w.fact_iris[id(event)] = w.mint(_event_slug(w, event, n))
    for event in draft.events:
        if event.kind == "Summit" and event.label_fr:
            w.summits.setdefault(slugify(event.label_fr), w.fact_iris[id(event)])
    blocks = [_document(w, document_record)]
    blocks.append(_banner("Events"))
    for event in draft.events:
        blocks.append(_event(w, event))
    if draft.agreements:
        blocks.append(_banner("Agreements"))
        for agreement in draft.agreements:
            blocks.append(_agreement(w, agreement, draft))
    if draft.figures:
        blocks.append(_banner("Figures"))
        for figure in draft.figures:
            blocks.append(_figure(w, figure))
    if draft.holdings:
        blocks.append(_banner("Office holdings"))
        for holding in draft.holdings:
            blocks.append(_holding(w, holding, draft))
    minted = [
        e
        for slug, e in sorted(draft.entities.items())
        if not e.known and slug in w.used_entities and str(RES[slug]) not in (taken or set())
    ]
    if minted:
        blocks.append(_banner("Entities the graph does not have yet"))
        for entity in minted:
            blocks.append(_entity(w, entity))
    header = (
        f"# Draft of {doc.source_file or doc.name} made by `diplokg draft` from the page alone.\n"
        "# Every fact carries the words that state it (dkg:quote, with dkg:states), a confidence\n"
        "# and the draft status; review it with `diplokg review` before it joins the curated\n"
        "# graph.\n"
    )
    return PREFIXES + "\n" + header + "\n" + "\n".join(b for b in blocks if b)


def _banner(title: str) -> str:
    line = "#" * 65
    return f"{line}\n#    {title}\n{line}\n"


def _draft_marks(confidence: float) -> list[str]:
    """The draft status and confidence, and the interpretation they rest on: they are the
    drafter's own statements, which no words of the page state, and the build traces every
    statement to its words or an interpretation (issue 13)."""
    machine = Interpretation(
        "machine-draft",
        ("status", "confidence"),
        f"Drafted by diplokg draft from the page alone (confidence {confidence:.2f}); "
        "not reviewed by a curator.",
    )
    return [
        "dkg:status res:status-draft",
        f"dkg:confidence {confidence:.2f}",
        "dkg:interpretation " + _interpretation(machine),
    ]


def _common(w: TurtleWriter, fact: Fact) -> list[str]:
    lines = _draft_marks(fact.confidence)
    for quote in fact.quotes:
        lines.append("dkg:quote " + quote_node(w.text, quote.span, quote.states, "        "))
    for interp in fact.interpretations:
        lines.append("dkg:interpretation " + _interpretation(interp))
    return lines


def _interpretation(interp: Interpretation) -> str:
    concerns = " , ".join(sorted({_state_term(c) for c in interp.concerns}))
    pad = "\n            "
    return (
        f"[ a dkg:Interpretation ;{pad}dkg:interpretationKind res:interpretation-{interp.kind} ;"
        f"{pad}dkg:concerns {concerns} ;{pad}rdfs:comment {_lit(interp.comment, 'en')} ]"
    )


_CONCERNS = re.compile(r"dkg:concerns ([^;\]]+?) ;")


def _only_written(lines: list[str]) -> list[str]:
    """`lines` with each interpretation concerning only the properties the node has: a
    reading may name a date's three forms (dkg:date, startDate, endDate), and the build
    refuses an interpretation of a statement the node does not make. An interpretation left
    concerning nothing is dropped."""
    written = {"rdf:type"} | {line.split(" ", 1)[0] for line in lines}
    kept = []
    for line in lines:
        found = _CONCERNS.search(line) if line.startswith("dkg:interpretation [") else None
        if found is not None:
            concerns = [c.strip() for c in found.group(1).split(",")]
            mine = [c for c in concerns if c in written]
            if not mine:
                continue
            line = line[: found.start(1)] + " , ".join(mine) + line[found.end(1) :]
        kept.append(line)
    return kept


def _block(subject: str, cls: str, lines: list[str], comment: str | None = None) -> str:
    head = f"# {comment}\n" if comment else ""
    body = " ;\n    ".join([f"a dkg:{cls}", *_only_written(lines)])
    return f"{head}{subject} {body} .\n"


def _date_lines(expr: DateExpr, single: str = "dkg:date") -> list[str]:
    lines = []
    if expr.last and expr.last != expr.first:
        lines += [
            f"dkg:startDate {_date_literal(expr.first)}",
            f"dkg:endDate {_date_literal(expr.last)}",
        ]
    else:
        lines.append(f"{single} {_date_literal(expr.first)}")
    for q in expr.qualifiers:
        lines.append(f"dkg:dateQualifier res:qualifier-{q}")
    if expr.qualifiers:
        lines.append(f"dkg:dateNote {_lit(expr.text, 'fr')}")
    return lines


def _expand_states(
    states: tuple[str, ...], expr: DateExpr | None, single: str = "date"
) -> tuple[str, ...]:
    """'date' in a quote's states becomes the date properties actually written."""
    out: list[str] = []
    for s in states:
        if s == single and expr is not None:
            if expr.last and expr.last != expr.first:
                out += ["startDate", "endDate"]
            else:
                out.append(single)
            if expr.qualifiers:
                out.append("dateQualifier")
        else:
            out.append(s)
    return tuple(out)


def _human_date(expr: DateExpr | None) -> str:
    if expr is None:
        return "?"
    return expr.first + (f"/{expr.last}" if expr.last and expr.last != expr.first else "")


def _event_slug(w: TurtleWriter, event: Event, n: int) -> str:
    kind = {
        "OfficialVisit": "visit",
        "EstablishmentOfDiplomaticRelations": "establishment-diplomatic-relations",
    }.get(event.kind, event.kind.lower())
    who = (event.source or event.created or event.inaugurated or "").removeprefix("office-")
    if event.label_fr and not who:
        who = event.label_fr[:40]
    other = (event.target or (event.places[0] if event.places else "")).removeprefix("office-")
    return f"{kind}-{_human_date(event.date).replace('/', '-')}-{who}-{other}"


def _event(w: TurtleWriter, event: Event) -> str:
    subject = w.iri(w.fact_iris[id(event)])
    expr = event.date
    w.use(event.source, event.target, event.guest, event.host, event.created, *event.places)
    w.use(event.inaugurated)
    fr = f"{_FR_KIND.get(event.kind, event.kind)} : {w.label(event.source)}"
    en = f"{_EN_KIND.get(event.kind, event.kind)}: {w.label(event.source, 'en')}"
    if event.label_fr:
        fr = en = event.label_fr
    elif event.source is None:
        fr = _FR_KIND.get(event.kind, event.kind)
        en = _EN_KIND.get(event.kind, event.kind)
    if event.target:
        fr += f" → {w.label(event.target)}"
        en += f" → {w.label(event.target, 'en')}"
    for thing in (event.created, event.inaugurated):
        if thing:
            fr += f" : {w.label(thing)}"
            en += f": {w.label(thing, 'en')}"
    fr += f" ({_human_date(expr)})"
    en += f" ({_human_date(expr)})"
    lines = [f"rdfs:label {_lit(fr, 'fr')} , {_lit(en, 'en')}"]
    for prop, value in (
        ("sourceActor", event.source),
        ("targetActor", event.target),
        ("guest", event.guest),
        ("host", event.host),
        ("created", event.created),
        ("inaugurated", event.inaugurated),
    ):
        if value:
            lines.append(f"dkg:{prop} {w.iri(value)}")
    if event.places:
        lines.append("dkg:tookPlaceIn " + " , ".join(w.iri(p) for p in event.places))
    if event.margins_of:
        summit = w.summits.get(event.margins_of)
        if summit is None:
            summit = w.summits[event.margins_of] = w.mint(f"summit-{event.margins_of}")
            w.lines.append(_summit(w, summit, event))
        lines.append(f"dkg:onTheMarginsOf res:{summit}")
    if expr is not None:
        lines += _date_lines(expr)
    if event.kind in NOT_CODED:
        lines.append("dkg:cameoEventCode res:cameo-not-applicable")
    extra_states = tuple(
        p for p, v in (("created", event.created), ("onTheMarginsOf", event.margins_of)) if v
    )
    quotes = [Quote(q.span, _expand_states(q.states, expr)) for q in event.quotes]
    quotes[0] = Quote(quotes[0].span, quotes[0].states + extra_states)
    interps = list(event.interpretations)
    if event.kind in NOT_CODED:
        interps.append(
            Interpretation(
                "reading-of-the-phrase",
                ("cameoEventCode",),
                "Not an interaction between two actors: no CAMEO code applies "
                "(event-model spec §1).",
            )
        )
    # The guest and host repeat the source and target actors (event model, issue 13): what
    # states or reads the one supports the other.
    mirrors: dict[str, list[str]] = {}
    for role, value in (("guest", event.guest), ("host", event.host)):
        for actor, of in (("sourceActor", event.source), ("targetActor", event.target)):
            if value and value == of:
                mirrors.setdefault(actor, []).append(role)

    def mirrored(names: tuple[str, ...]) -> tuple[str, ...]:
        extra = [r for n in names for r in mirrors.get(n, ()) if r not in names]
        return names + tuple(dict.fromkeys(extra))

    quotes = [Quote(q.span, mirrored(q.states)) for q in quotes]
    interps = [Interpretation(i.kind, mirrored(i.concerns), i.comment) for i in interps]
    fact = Event(event.kind, quotes, event.confidence, interps)
    lines += _common(w, fact)
    comment = CODES.get(event.kind)
    out = _block(subject, event.kind, lines, comment)
    extra = "".join(w.lines)
    w.lines.clear()
    return out + ("\n" + extra if extra else "")


def _summit(w: TurtleWriter, slug: str, event: Event) -> str:
    entity = w.entities.get(event.margins_of or "")
    name = entity.label_fr if entity else (event.margins_of or "")
    span = entity.mentions[0] if entity and entity.mentions else event.quotes[0].span
    lines = [f"rdfs:label {_lit(name, 'fr')} , {_lit(name, 'en')}"]
    # Undated: the meeting on its margins does not date it (spec §3, no borrowed dates). Its
    # place is the meeting's when the page writes the place after the summit's name.
    place = entity.located_in if entity is not None else None
    if place:
        lines.append(f"dkg:tookPlaceIn {w.iri(place)}")
    lines.append("dkg:cameoEventCode res:cameo-not-applicable")
    states = ("type", "tookPlaceIn") if place else ("type",)
    readings = [
        Interpretation(
            "reading-of-the-phrase",
            ("cameoEventCode",),
            "Not an interaction between two actors: no CAMEO code applies (event-model spec §1).",
        )
    ]
    # Not dated by the meeting, but bounded by it, as issue 13 models a summit: in session on
    # the day of the meeting held on its margins.
    days = sorted(
        {
            e.date.first
            for e in w.draft.events
            if e.margins_of == event.margins_of and e.date is not None
            if precision(e.date.first) == "day"
        }
    )
    if days:
        lines.append("dkg:inSessionOn " + " , ".join(_date_literal(d) for d in days))
        readings.append(
            Interpretation(
                "dating-from-context",
                ("inSessionOn",),
                "In session on the day of the meeting held on its margins.",
            )
        )
    fact = Fact("Summit", [Quote(span, states)], event.confidence, readings)
    lines += _common(w, fact)
    return _block(w.iri(slug), "Summit", lines)


def _agreement_slug(w: TurtleWriter, index: int) -> str:
    if index not in w.agreement_slugs:
        agreement = w.draft.agreements[index]
        date = agreement.signed_on.first if agreement.signed_on else ""
        w.agreement_slugs[index] = w.mint(
            f"{agreement.kind.lower()}-{date}-{agreement.label_fr}"[:70]
        )
    return w.agreement_slugs[index]


def _agreement(w: TurtleWriter, agreement: Agreement, draft: Draft) -> str:
    index = draft.agreements.index(agreement)
    slug = _agreement_slug(w, index)
    w.use(*agreement.parties)
    label = agreement.label_fr
    lines = [f"rdfs:label {_lit(label, 'fr')} , {_lit(label, 'en')}"]
    lines.append("dkg:party " + " , ".join(w.iri(p) for p in agreement.parties))
    if agreement.signed_on is not None:
        lines += _date_lines(agreement.signed_on, "dkg:signedOn")
    signings = [e for e in draft.events if e.agreement == index]
    if signings:
        lines.append("dkg:signedAt " + " , ".join(w.iri(w.fact_iris[id(e)]) for e in signings))
    quotes = [
        Quote(q.span, _expand_states(q.states, agreement.signed_on, "signedOn"))
        for q in agreement.quotes
    ]
    if signings:
        quotes[0] = Quote(quotes[0].span, (*quotes[0].states, "signedAt"))
    fact = Fact(agreement.kind, quotes, agreement.confidence, agreement.interpretations)
    lines += _common(w, fact)
    return _block(w.iri(slug), agreement.kind, lines)


def _figure(w: TurtleWriter, figure: Figure) -> str:
    period = figure.period
    year = period.first if isinstance(period, DateExpr) else (period or "")
    slug = w.mint(f"figure-{year}-{figure.indicator or figure.unit or figure.currency or 'value'}")
    value = int(figure.value) if float(figure.value).is_integer() else figure.value
    fr = f"{figure.as_written} ({year})"
    lines = [f"rdfs:label {_lit(fr, 'fr')} , {_lit(fr, 'en')}"]
    if figure.indicator:
        lines.append(f"dkg:indicator res:indicator-{figure.indicator}")
    if figure.rank is not None:
        lines.append(f"dkg:rank {figure.rank}")
    lines.append(f"dkg:value {value}")
    if figure.currency:
        lines.append(f"dkg:currency {_lit(figure.currency)}")
    if figure.unit:
        lines.append(f"dkg:unit res:unit-{figure.unit}")
    lines.append(f"dkg:valueAsWritten {_lit(figure.as_written)}")
    if figure.value_qualifier:
        lines.append(f"dkg:valueQualifier res:value-{figure.value_qualifier}")
    if isinstance(period, DateExpr):
        lines += _date_lines(period, "dkg:period")
    elif period:
        lines.append(f"dkg:period {_date_literal(period)}")
    fact = Fact(
        figure.kind,
        [
            Quote(
                q.span,
                _expand_states(
                    q.states, period if isinstance(period, DateExpr) else None, "period"
                ),
            )
            for q in figure.quotes
        ],
        figure.confidence,
        list(figure.interpretations),
    )
    # The indicator, unit or rank may come from words near the number that its quote does not
    # hold: the build needs a support for each statement, so such a statement is flagged as
    # the drafter's reading rather than claimed by a quote.
    supported = {state for q in fact.quotes for state in q.states}
    supported |= {c for i in fact.interpretations for c in i.concerns}
    nearby = [
        name
        for name, given in (
            ("indicator", figure.indicator),
            ("unit", figure.unit),
            ("rank", figure.rank is not None),
        )
        if given and name not in supported
    ]
    if nearby:
        fact.interpretations.append(
            Interpretation(
                "reading-of-the-phrase",
                tuple(nearby),
                "Read by the drafter from the words around the figure, outside its quote.",
            )
        )
    lines += _common(w, fact)
    return _block(w.iri(slug), figure.kind, lines)


def _holding(w: TurtleWriter, holding: Holding, draft: Draft) -> str:
    w.use(holding.holder, holding.office)
    slug = w.mint(f"holding-{holding.holder}-{holding.office.removeprefix('office-')}")
    fr = f"{w.label(holding.holder)}, {w.label(holding.office)}"
    en = f"{w.label(holding.holder, 'en')} as {w.label(holding.office, 'en')}"
    lines = [
        f"rdfs:label {_lit(fr, 'fr')} , {_lit(en, 'en')}",
        f"dkg:holder {w.iri(holding.holder)}",
        f"dkg:holdingOf {w.iri(holding.office)}",
    ]
    events = [draft.events[n] for n in holding.attested_at if n < len(draft.events)]
    if events:
        lines.append("dkg:attestedAt " + " , ".join(w.iri(w.fact_iris[id(e)]) for e in events))
    if holding.start is not None:
        lines += _date_lines(holding.start, "dkg:startDate")
    # the words that name the holder in the office are the holding's (its rdf:type too)
    quotes = [
        Quote(q.span, _expand_states(("type", *q.states), holding.start, "startDate"))
        for q in holding.quotes
    ]
    interps = list(holding.interpretations)
    if events:
        interps.append(
            Interpretation(
                "reading-of-the-phrase",
                ("attestedAt",),
                "The holder acts in this office at these events.",
            )
        )
    lines += _common(w, Fact("OfficeHolding", quotes, holding.confidence, interps))
    return _block(w.iri(slug), "OfficeHolding", lines)


def _entity(w: TurtleWriter, entity: Entity) -> str:
    lines = [f"rdfs:label {_lit(entity.label_fr, 'fr')} , {_lit(entity.label_en, 'en')}"]
    states = ["type"]
    interps: list[Interpretation] = []
    if entity.office_of:
        lines.append(f"dkg:officeOf {w.iri(entity.office_of)}")
        interps.append(
            Interpretation(
                "reading-of-the-phrase",
                ("officeOf",),
                "The office's country as the title or its adjective gives it.",
            )
        )
    if entity.country_of:
        lines.append(f"dkg:countryOf {w.iri(entity.country_of)}")
        interps.append(
            Interpretation(
                "reading-of-the-phrase", ("countryOf",), "The country the page's words give it."
            )
        )
    if entity.located_in:
        lines.append(f"dkg:locatedIn {w.iri(entity.located_in)}")
        kind, comment = entity.placed_by or (
            "placement-from-context",
            "Placed by the drafter's country table or the sentence.",
        )
        interps.append(Interpretation(kind, ("locatedIn",), comment))
        w.use(entity.located_in)
    span = entity.mentions[0] if entity.mentions else None
    fact = Fact(entity.cls, [Quote(span, tuple(states))] if span else [], 0.8, interps)
    if not fact.quotes:
        lines += _draft_marks(0.5)
        lines += ["dkg:interpretation " + _interpretation(i) for i in interps]
    else:
        lines += _common(w, fact)
    return _block(w.iri(entity.slug), entity.cls, lines)


def _document(w: TurtleWriter, record: Graph | None) -> str:
    doc = w.draft.document
    subject = f"res:document-{doc.name}"
    labels: list[str] = []
    if record is not None:
        for p in (RDFS.label, DCTERMS.title):
            for value in sorted(record.objects(None, p), key=str):
                term = "rdfs:label" if p == RDFS.label else "dcterms:title"
                lexical = value if isinstance(value, Literal) else Literal(value)
                labels.append(f"{term} {lexical.n3()}")
    if not labels:
        a, b = doc.countries
        name_fr = f"{w.gaz.country_name(a)} et {w.gaz.country_name(b)}"
        name_en = f"{w.gaz.country_name(a, 'en')} and {w.gaz.country_name(b, 'en')}"
        # "France et Ghana (2020)"; with no update date, no year and no "()"
        year = f" ({doc.updated.year})" if doc.updated else ""
        labels.append(
            f"rdfs:label {_lit(f'{name_fr}{year}', 'fr')} , {_lit(f'{name_en}{year}', 'en')}"
        )
    lines = [*labels, 'dcterms:language "fr"']
    w.use(*doc.countries)
    lines.append("dcterms:subject " + " , ".join(w.iri(c) for c in doc.countries))
    states_quotes = []
    if doc.updated is not None:
        lines.append(f'dcterms:modified "{doc.updated.isoformat()}"^^xsd:date')
        if doc.update_span is not None:
            states_quotes.append(Quote(doc.update_span, ("modified",)))
    if doc.publisher:
        publisher = w.gaz.lookup(doc.publisher)
        if publisher is not None:
            lines.append(f"dcterms:publisher {w.iri(publisher.slug)}")
            if doc.publisher_span is not None:
                states_quotes.append(Quote(doc.publisher_span, ("publisher",)))
    if doc.copyright_year:
        lines.append(f'dcterms:dateCopyrighted "{doc.copyright_year}"^^xsd:gYear')
    lines.append(f"dkg:sourceFile {_lit(doc.source_file or doc.name + '.txt')}")
    lines.append(f"dkg:sha256 {_lit(doc.sha256)}")
    # The source-document record needs no quote (spec §4); its words are named in a comment so
    # that a reviewer sees where the metadata came from without two records sharing evidence.
    notes = [f"#   {w.text[q.span.start : q.span.end]}" for q in states_quotes]
    head = "# Metadata as the page writes it:\n" + "\n".join(notes) + "\n" if notes else ""
    return _banner("The page") + "\n" + head + _block(subject, "SourceDocument", lines)
