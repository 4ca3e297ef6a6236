"""The drafter's intermediate facts: what the patterns found, before it becomes Turtle.

Offsets are Unicode code points of the page text (Python string indices), as in the evidence
graph. Entities are named by their slug under `res:`; a slug the graph does not hold yet is
minted by the drafter (`Entity.known` is False) and written with its type and labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from diplokg.draft.dates import DateExpr

# Kinds of entity, each the name of a dkg: class.
PERSON, OFFICE, COUNTRY, CITY, ORGANISATION = "Person", "Office", "Country", "City", "Organisation"


@dataclass(frozen=True)
class Span:
    """A passage of the page: `text[start:end]`."""

    start: int
    end: int


@dataclass
class Entity:
    """A person, office, country, city, region or organisation, known to the graph or minted.

    `cls` is the local name of its dkg: class (`Person`, `Office`, `City`, `Embassy`...);
    `country` the slug of the country it acts for or lies in, when known.
    """

    slug: str
    cls: str
    label_fr: str
    label_en: str
    country: str | None = None
    known: bool = False
    located_in: str | None = None  # a minted city or venue: the place it lies in
    office_of: str | None = None  # a minted office: its country
    country_of: str | None = None  # a minted organisation: its country
    placed_by: tuple[str, str] | None = None  # (interpretation kind, comment) for located_in
    mentions: list[Span] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """PERSON, OFFICE, COUNTRY, CITY (any place but a country) or ORGANISATION."""
        if self.cls in (PERSON, OFFICE, COUNTRY):
            return self.cls
        if self.cls in ("City", "Region", "Venue", "Facility"):
            return CITY
        return ORGANISATION


@dataclass
class Interpretation:
    """How the drafter read something the words leave implicit (a typed interpretation)."""

    kind: str  # local part of res:interpretation-<kind>, e.g. "counterpart-resolution"
    concerns: tuple[str, ...]  # dkg: property local names
    comment: str


@dataclass
class Quote:
    """A passage and the dkg: properties (local names, or `type`) it states."""

    span: Span
    states: tuple[str, ...]


@dataclass
class Fact:
    """What every drafted fact has: a kind, quotes, interpretations and a confidence in 0..1."""

    kind: str
    quotes: list[Quote]
    confidence: float
    interpretations: list[Interpretation] = field(default_factory=list)

    @property
    def span(self) -> Span:
        """From the first quote's start to the last quote's end."""
        return Span(min(q.span.start for q in self.quotes), max(q.span.end for q in self.quotes))


@dataclass
class Event(Fact):
    """An event: `kind` is its dkg: class (`Visit`, `OfficialVisit`, `Reception`, `Meeting`,
    `Consultation`, `Signing`, `EstablishmentOfDiplomaticRelations`, `Creation`...)."""

    source: str | None = None
    target: str | None = None
    guest: str | None = None
    host: str | None = None
    places: list[str] = field(default_factory=list)
    date: DateExpr | None = None
    margins_of: str | None = None  # a summit's slug
    created: str | None = None  # the slug a Creation created
    agreement: int | None = None  # index into Draft.agreements, for a Signing
    during: int | None = None  # index into Draft.events
    inaugurated: str | None = None  # the slug an Inauguration opened
    label_fr: str | None = None  # a cultural event's or summit's name as the page writes it


@dataclass
class Agreement(Fact):
    """A treaty, agreement, protocol or memorandum (`kind` its dkg: class)."""

    label_fr: str = ""
    parties: list[str] = field(default_factory=list)
    signed_on: DateExpr | None = None
    subject: str | None = None


@dataclass
class Figure(Fact):
    """A figure (`kind` its dkg: class): value in whole units, ISO 4217 currency or a unit."""

    value: float = 0.0
    currency: str | None = None
    unit: str | None = None  # local part of res:unit-<unit>
    as_written: str = ""
    period: DateExpr | str | None = None  # a date, or a year string read from the update date
    value_qualifier: str | None = None  # local part of res:value-<qualifier>
    indicator: str | None = None  # local part of res:indicator-<indicator>
    rank: int | None = None
    from_country: str | None = None
    to_country: str | None = None


@dataclass
class Holding(Fact):
    """A person holding an office, as the page states it (`kind` is `OfficeHolding`)."""

    holder: str = ""
    office: str = ""
    attested_at: list[int] = field(default_factory=list)  # indexes into Draft.events
    start: DateExpr | None = None  # a term that starts ("a été nommé ... le ...")


@dataclass
class Document:
    """The page itself: its name, update date and publisher as the page or the user gives them."""

    name: str
    text: str
    updated: date | None
    publisher: str | None = None
    copyright_year: str | None = None
    countries: tuple[str, str] = ("france", "")
    source_file: str = ""
    sha256: str = ""
    update_span: Span | None = None
    publisher_span: Span | None = None


@dataclass
class Draft:
    """Everything drafted from one page."""

    document: Document
    entities: dict[str, Entity]
    events: list[Event] = field(default_factory=list)
    agreements: list[Agreement] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    holdings: list[Holding] = field(default_factory=list)
