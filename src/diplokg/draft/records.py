"""Facts read back from Turtle (a draft, a curated file, a gold file), for `score` and `diff`.

One reading serves both: every event, agreement, figure and office holding of a graph as a
`Record` with its kind, actors, places, dates (at their precision, with bounds), parties,
value and unit, and the exact words of its quotes. Actors' countries are resolved through a
context graph: a country is its own; an office by `dkg:officeOf`; an organisation by
`dkg:countryOf`/`dkg:representsCountry`; a person through an office holding; a place through
`dkg:locatedIn`/`dkg:capitalOf`; and the drafter's countries (countries.py: every CLDR
territory) name the countries the graph does not declare.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.term import Node

from diplokg.draft.countries import read_countries, world
from diplokg.draft.dates import bounds, precision
from diplokg.draft.gazetteer import normalise
from diplokg.namespaces import DKG, OA, RES
from diplokg.rdfio import parse_turtle

EVENT_KINDS = frozenset(
    {
        "Event",
        "InteractionEvent",
        "Visit",
        "OfficialVisit",
        "Reception",
        "Meeting",
        "Consultation",
        "Signing",
        "EstablishmentOfDiplomaticRelations",
        "Summit",
        "Creation",
        "Inauguration",
        "Relocation",
        "Transformation",
        "CulturalSeason",
        "CulturalEvent",
        "Concert",
        "Performance",
        "Exhibition",
        "Presentation",
    }
)
AGREEMENT_KINDS = frozenset(
    {
        "Agreement",
        "Treaty",
        "IntergovernmentalAgreement",
        "Protocol",
        "Memorandum",
        "InterUniversityAgreement",
    }
)
FIGURE_KINDS = frozenset({"Figure", "EconomicFigure", "BudgetFigure", "StudentFigure"})
HOLDING_KINDS = frozenset({"OfficeHolding"})
# Kinds that are the same event for matching: an official visit is a visit.
SAME_KIND = {"OfficialVisit": "Visit"}
# The dyadic interaction events of the event model (spec §1), scored on both actors.
INTERACTIONS = frozenset(
    {
        "Visit",
        "OfficialVisit",
        "Reception",
        "Meeting",
        "Consultation",
        "Signing",
        "EstablishmentOfDiplomaticRelations",
    }
)
# Interactions whose two sides are not ordered by the page's verb.
SYMMETRIC = frozenset({"Meeting", "Consultation", "Signing", "EstablishmentOfDiplomaticRelations"})
# Mutual interactions: the event model codes every party as both source and target actor (the
# curated graph lists both countries, or both universities, under each property).
MUTUAL = frozenset({"Signing", "EstablishmentOfDiplomaticRelations"})
_DATE_PROPS = (DKG.date, DKG.startDate, DKG.endDate, DKG.signedOn, DKG.period)
_BOUND_PROPS = (DKG.notBefore, DKG.notAfter, DKG.earliestDate, DKG.latestDate)
_ENTITY_PROPS = (
    DKG.sourceActor,
    DKG.targetActor,
    DKG.guest,
    DKG.host,
    DKG.tookPlaceIn,
    DKG.party,
    DKG.holder,
    DKG.holdingOf,
    DKG.created,
    DKG.actor,
    DKG.counterpart,
)


@dataclass
class Record:
    """One fact as the graph states it. `family` is event, agreement, figure or holding."""

    iri: str
    family: str
    kind: str
    source: str | None = None
    target: str | None = None
    sources: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    first: str | None = None
    last: str | None = None
    qualifiers: tuple[str, ...] = ()
    parties: tuple[str, ...] = ()
    value: float | None = None
    unit: str | None = None
    holder: str | None = None
    office: str | None = None
    label: str = ""
    quotes: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def same_kind(self) -> str:
        return SAME_KIND.get(self.kind, self.kind)

    @property
    def actors(self) -> tuple[str, ...]:
        """Every party of an interaction, source and target actors together, each once (the
        reading of a mutual or unordered event)."""
        return tuple(sorted(set(self.sources) | set(self.targets)))

    def interval(self) -> tuple[date, date] | None:
        """The earliest and latest day the fact's date allows (dates.bounds)."""
        if self.first is None:
            return None
        try:
            return bounds(self.first, self.last, self.qualifiers)
        except (ValueError, KeyError):
            return None

    def date_text(self) -> str:
        if self.first is None:
            return ""
        text = self.first + (f"/{self.last}" if self.last and self.last != self.first else "")
        return text + "".join(f" {q}" for q in self.qualifiers)


def local(node: Node) -> str:
    """The slug of a res: IRI, the local name of a dkg: IRI, or the text of anything else."""
    text = str(node)
    for base in (str(RES), str(DKG)):
        if text.startswith(base):
            return text[len(base) :]
    return text


def _one(graph: Graph, subject: Node, prop: URIRef) -> str | None:
    value = graph.value(subject, prop)
    return local(value) if value is not None else None


def _all(graph: Graph, subject: Node, *props: URIRef) -> tuple[str, ...]:
    """The values of the first of `props` the subject has, sorted (a property may be stated
    several times: the curated graph codes each party of a signing as source and target)."""
    for prop in props:
        values = tuple(sorted({local(v) for v in graph.objects(subject, prop)}))
        if values:
            return values
    return ()


# Where a graph gives no sourceActor/targetActor, the guest and host state the same sides: the
# visitor acts in a visit, the host in a reception (event model §1).
_FROM_GUEST_HOST: dict[str, tuple[URIRef, URIRef]] = {
    "Visit": (DKG.guest, DKG.host),
    "OfficialVisit": (DKG.guest, DKG.host),
    "Reception": (DKG.host, DKG.guest),
    "Meeting": (DKG.host, DKG.guest),
}


def _kind(graph: Graph, subject: Node) -> str | None:
    kinds = sorted(
        local(c) for c in graph.objects(subject, RDF.type) if str(c).startswith(str(DKG))
    )
    for k in kinds:
        if k in EVENT_KINDS | AGREEMENT_KINDS | FIGURE_KINDS | HOLDING_KINDS:
            return k
    return None


def _family(kind: str) -> str:
    if kind in AGREEMENT_KINDS:
        return "agreement"
    if kind in FIGURE_KINDS:
        return "figure"
    if kind in HOLDING_KINDS:
        return "holding"
    return "event"


def _quotes(graph: Graph, subject: Node) -> tuple[str, ...]:
    out = []
    for q in graph.objects(subject, DKG.quote):
        if isinstance(q, Literal):
            out.append(str(q))
        elif isinstance(q, BNode | URIRef):
            exact = graph.value(q, OA.exact)
            if exact is not None:
                out.append(str(exact))
    return tuple(sorted(out))


def _date_of(graph: Graph, subject: Node) -> tuple[str | None, str | None, tuple[str, ...]]:
    """(first, last, qualifiers the date implies): the written date, else the stated bounds.

    An event the text does not date but bounds (`dkg:notBefore`/`dkg:notAfter`, formerly
    `dkg:earliestDate`/`dkg:latestDate`: a meeting on the margins of a two-day summit, event
    model §3) reads as the span between its bounds; a bound on one side only as "since" or
    "until" that bound."""
    start = graph.value(subject, DKG.startDate)
    end = graph.value(subject, DKG.endDate)
    if start is not None:
        return str(start), str(end) if end is not None else None, ()
    for prop in (DKG.date, DKG.signedOn, DKG.period):
        value = graph.value(subject, prop)
        if value is not None:
            return str(value), None, ()
    lo = graph.value(subject, DKG.notBefore) or graph.value(subject, DKG.earliestDate)
    hi = graph.value(subject, DKG.notAfter) or graph.value(subject, DKG.latestDate)
    if lo is not None and hi is not None:
        return str(lo), str(hi), ()
    if lo is not None:
        return str(lo), None, ("since",)
    if hi is not None:
        return str(hi), None, ("until",)
    return None, None, ()


def read_records(graph: Graph) -> list[Record]:
    """Every event, agreement, figure and office holding of `graph`, sorted by IRI."""
    out = []
    for subject in sorted(
        {s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef)}, key=str
    ):
        kind = _kind(graph, subject)
        if kind is None:
            continue
        first, last, implied = _date_of(graph, subject)
        qualifiers = tuple(
            sorted(
                {
                    local(q).removeprefix("qualifier-")
                    for q in graph.objects(subject, DKG.dateQualifier)
                }
                | set(implied)
            )
        )
        label = next(
            (
                str(v)
                for v in graph.objects(subject, RDFS.label)
                if isinstance(v, Literal) and v.language == "fr"
            ),
            "",
        )
        by_role: tuple[URIRef, ...] = _FROM_GUEST_HOST.get(kind, ())
        sources = _all(graph, subject, DKG.sourceActor, DKG.actor, *by_role[:1])
        targets = _all(graph, subject, DKG.targetActor, DKG.counterpart, *by_role[1:])
        value = graph.value(subject, DKG.value)
        unit = graph.value(subject, DKG.currency) or graph.value(subject, DKG.unit)
        out.append(
            Record(
                iri=str(subject),
                family=_family(kind),
                kind=kind,
                source=sources[0] if sources else None,
                target=targets[0] if targets else None,
                sources=sources,
                targets=targets,
                places=tuple(sorted(local(p) for p in graph.objects(subject, DKG.tookPlaceIn))),
                first=first,
                last=last,
                qualifiers=qualifiers,
                parties=tuple(sorted(local(p) for p in graph.objects(subject, DKG.party))),
                value=float(value) if isinstance(value, Literal) else None,
                unit=local(unit) if unit is not None else None,
                holder=_one(graph, subject, DKG.holder),
                office=_one(graph, subject, DKG.holdingOf),
                label=label,
                quotes=_quotes(graph, subject),
            )
        )
    return out


def date_values(graph: Graph) -> set[tuple[str, str]]:
    """The distinct date literals the facts of `graph` state, as (lexical form, datatype)."""
    out = set()
    for subject in graph.subjects(RDF.type, None):
        if _kind(graph, subject) is None:
            continue
        for prop in _DATE_PROPS + _BOUND_PROPS:
            for value in graph.objects(subject, prop):
                if isinstance(value, Literal):
                    out.add(
                        (
                            str(value),
                            precision(str(value)) if len(str(value)) in (4, 7, 10) else "?",
                        )
                    )
    return out


def entities(graph: Graph) -> set[str]:
    """The slugs of the entities the facts of `graph` name (actors, places, parties, holders,
    offices, things created)."""
    out = set()
    for subject in graph.subjects(RDF.type, None):
        if _kind(graph, subject) is None:
            continue
        for prop in _ENTITY_PROPS:
            for value in graph.objects(subject, prop):
                if isinstance(value, URIRef):
                    out.add(local(value))
    return out


class Context:
    """What is known about entities: labels and countries, from graphs and the country table."""

    def __init__(self, *graphs: Graph) -> None:
        self.graph = Graph()
        for g in graphs:
            self.graph += g
        self.countries = {row.slug for row in read_countries()} | set(world().countries)
        self._country: dict[str, str | None] = {}

    def labels(self, slug: str) -> set[str]:
        """Normalised labels and alternative labels of an entity, and its slug."""
        node = RES[slug]
        names = {
            normalise(str(v))
            for p in (RDFS.label, SKOS.altLabel)
            for v in self.graph.objects(node, p)
        }
        return names | {slug}

    def country(self, slug: str | None, depth: int = 0) -> str | None:
        """The country an actor acts for or a place lies in (module docstring)."""
        if slug is None or depth > 6:
            return None
        if slug in self._country:
            return self._country[slug]
        node = RES[slug]
        found: str | None = None
        if slug in self.countries or (node, RDF.type, DKG.Country) in self.graph:
            found = slug
        else:
            for prop in (
                DKG.officeOf,
                DKG.countryOf,
                DKG.representsCountry,
                DKG.locatedIn,
                DKG.capitalOf,
                DKG.basedIn,
            ):
                value = self.graph.value(node, prop)
                if value is not None:
                    found = self.country(local(value), depth + 1)
                    if found:
                        break
            if found is None:
                for holding in sorted(self.graph.subjects(DKG.holder, node), key=str):
                    office = self.graph.value(holding, DKG.holdingOf)
                    if office is not None:
                        found = self.country(local(office), depth + 1)
                        if found:
                            break
            if found is None and slug.startswith("office-"):
                # an office no graph describes, named by the convention office-<role>-<country>
                # (office-minister-culture-kenya): its country is the slug's last words
                # (an ambassador's, office-ambassador-<country>-<host>, is its first country)
                words = slug.split("-")
                spans = (
                    [(2, m) for m in range(3, len(words) + 1)]
                    if words[1] == "ambassador"
                    else [(k, len(words)) for k in range(2, len(words))]
                )
                found = next(
                    (
                        "-".join(words[a:b])
                        for a, b in spans
                        if "-".join(words[a:b]) in self.countries
                    ),
                    None,
                )
        self._country[slug] = found
        return found

    def same_entity(self, a: str | None, b: str | None) -> bool:
        """The same IRI, or two entities sharing a (normalised) label."""
        if a is None or b is None:
            return a == b
        return a == b or bool(self.labels(a) & self.labels(b))


def load_graph(path: Path) -> Graph:
    """Parse a Turtle file (InputError naming file and line when it is not Turtle)."""
    return parse_turtle(path)
