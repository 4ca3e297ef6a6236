"""The drafter's gazetteer: the names our graph already knows, and the countries of the world.

Known entities come from the curated and enrichment Turtle under `graph/` (French labels and
every `skos:altLabel`), from the Wikidata table `graph/reference/wikidata.tsv` (its labels,
for the entities the graph links), and from `countries.tsv` beside this module (French country
names, adjectives of nationality, capitals and a few cities). A name found here is reused with
its IRI; anything else is minted by the drafter with a readable slug.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from diplokg.draft.countries import COUNTRIES_FILE, Country, ascii_fold, read_countries, world
from diplokg.draft.facts import Entity
from diplokg.namespaces import DKG, RES
from diplokg.rdfio import parse_turtle

VENUES_FILE = Path(__file__).with_name("venues.tsv")
# The classes whose instances are entities a page names (not facts: events, agreements,
# figures, holdings, partnerships are never reused from another page).
ENTITY_CLASSES = frozenset(
    {
        "Person",
        "Office",
        "Country",
        "City",
        "Region",
        "Venue",
        "Facility",
        "Organisation",
        "Government",
        "Ministry",
        "DiplomaticMission",
        "Embassy",
        "EmbassyOffice",
        "ConsulateGeneral",
        "EducationalInstitution",
        "Foundation",
        "CulturalOrganisation",
        "PerformingGroup",
        "BilateralBody",
        "OrganisationGroup",
        "Programme",
        "ScholarshipProgramme",
        "TrainingProgramme",
        "DegreeProgramme",
    }
)


def slugify(words: str) -> str:
    """A readable slug: lowercase ASCII words joined by hyphens, letters transliterated
    (`countries.ascii_fold`: accents dropped, "Đ" → "d", "Ø" → "o", "œ" → "oe").

    >>> slugify("Ministre déléguée en charge de la francophonie")
    'ministre-deleguee-en-charge-de-la-francophonie'
    >>> slugify("Đặng Văn Ørsted")
    'dang-van-orsted'
    """
    return re.sub(r"[^a-z0-9]+", "-", ascii_fold(words).lower()).strip("-")


def normalise(words: str) -> str:
    """The form names are compared in: NFC, typographic apostrophes and spaces folded, lowercase."""
    words = unicodedata.normalize("NFC", words).replace("’", "'").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", words).strip().lower()


@dataclass
class Gazetteer:
    """Names to entities. `names` maps a normalised name to a slug; `adjectives` a normalised
    French adjective of nationality to a country slug (the irregular forms; `adjective` also
    applies the derivation rule of countries.py)."""

    entities: dict[str, Entity] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    adjectives: dict[str, str] = field(default_factory=dict)
    countries: dict[str, Country] = field(default_factory=dict)
    person_office: dict[str, str] = field(default_factory=dict)

    def add(self, entity: Entity, *names: str) -> Entity:
        """Register `entity` (kept if its slug is already there) under each of `names`."""
        kept = self.entities.setdefault(entity.slug, entity)
        for name in names:
            key = normalise(name)
            if key and key not in self.names:
                self.names[key] = kept.slug
        return kept

    def adjective(self, word: str) -> str | None:
        """The country an adjective of nationality names ("ghanéennes" → "ghana"), or None."""
        key = normalise(word)
        if key in self.adjectives:
            return self.adjectives[key]
        return world().adjective_country(key if word[:1].islower() else word)

    def lookup(self, name: str) -> Entity | None:
        """The entity named `name` (normalised), if any."""
        slug = self.names.get(normalise(name))
        return self.entities.get(slug) if slug else None

    def country_name(self, slug: str, lang: str = "fr") -> str:
        """The country's name in French or English (its slug if unknown)."""
        row = self.countries.get(slug)
        if row is None and slug in world().countries:
            country = world().countries[slug]
            return country.name_fr if lang == "fr" else country.name_en
        if row is None:
            entity = self.entities.get(slug)
            return (
                entity.label_fr
                if entity and lang == "fr"
                else (entity.label_en if entity else slug)
            )
        return row.name_fr if lang == "fr" else row.name_en


def _label(graph: Graph, subject: URIRef, lang: str) -> str | None:
    for value in graph.objects(subject, RDFS.label):
        if isinstance(value, Literal) and value.language == lang:
            return str(value)
    return None


def _slug(iri: URIRef) -> str | None:
    text = str(iri)
    return text[len(str(RES)) :] if text.startswith(str(RES)) else None


def load_gazetteer(graph_dir: Path, countries: Path = COUNTRIES_FILE) -> Gazetteer:
    """The gazetteer of a project: its curated and enrichment files, its Wikidata table, and
    the country table. Raises InputError on bad Turtle under `graph_dir`."""
    graph = Graph()
    for path in sorted(graph_dir.glob("*.ttl")):
        graph += parse_turtle(path)
    return gazetteer_from_graph(graph, graph_dir / "reference" / "wikidata.tsv", countries)


def gazetteer_from_graph(
    graph: Graph, wikidata: Path | None = None, countries: Path = COUNTRIES_FILE
) -> Gazetteer:
    """The gazetteer of an already parsed graph (see `load_gazetteer`)."""
    gaz = Gazetteer()
    classes: dict[URIRef, str] = {}
    for subject, type_ in graph.subject_objects(RDF.type):
        if (
            isinstance(subject, URIRef)
            and isinstance(type_, URIRef)
            and str(type_).startswith(str(DKG))
        ):
            classes.setdefault(subject, str(type_)[len(str(DKG)) :])
    located = {s: o for s, o in graph.subject_objects(DKG.locatedIn)}
    located.update({s: o for s, o in graph.subject_objects(DKG.capitalOf)})
    located.update({s: o for s, o in graph.subject_objects(DKG.basedIn) if s not in located})

    def country_of(node: URIRef, seen: int = 0) -> str | None:
        if classes.get(node) == "Country":
            return _slug(node)
        for prop in (DKG.officeOf, DKG.countryOf, DKG.representsCountry):
            value = graph.value(node, prop)
            if isinstance(value, URIRef):
                return _slug(value)
        parent = located.get(node)
        if isinstance(parent, URIRef) and seen < 8:
            return country_of(parent, seen + 1)
        return None

    for holding in graph.subjects(RDF.type, DKG.OfficeHolding):
        holder, office = graph.value(holding, DKG.holder), graph.value(holding, DKG.holdingOf)
        if isinstance(holder, URIRef) and isinstance(office, URIRef):
            h, o = _slug(holder), _slug(office)
            if h and o:
                gaz.person_office.setdefault(h, o)
    for subject, cls in sorted(classes.items()):
        slug = _slug(subject)
        if slug is None or cls not in ENTITY_CLASSES:
            continue
        fr = _label(graph, subject, "fr")
        en = _label(graph, subject, "en") or fr
        if fr is None or en is None:
            continue
        country = country_of(subject)
        if cls == "Person" and slug in gaz.person_office:
            country = country_of(RES[gaz.person_office[slug]])
        alt = [str(v) for v in graph.objects(subject, SKOS.altLabel)]
        gaz.add(Entity(slug, cls, fr, en, country=country, known=True), fr, *alt)
    if wikidata is not None and wikidata.is_file():
        _add_wikidata_labels(gaz, wikidata)
    for row in read_countries(countries):
        gaz.countries[row.slug] = row
        gaz.add(
            Entity(row.slug, "Country", row.name_fr, row.name_en, country=row.slug),
            row.name_fr,
        )
        for adjective in row.adjectives:
            gaz.adjectives.setdefault(normalise(adjective), row.slug)
        for fr, en in ((row.capital,) if row.capital else ()) + row.cities:
            city = Entity(slugify(en), "City", fr, en, country=row.slug, located_in=row.slug)
            gaz.add(city, fr)
    for code, named in world().countries.items():
        gaz.add(
            Entity(code, "Country", named.name_fr, named.name_en, country=code),
            *named.names,
        )
    for form, code in world().irregular.items():
        gaz.adjectives.setdefault(normalise(form), code)
    _add_venues(gaz)
    return gaz


def _add_venues(gaz: Gazetteer, path: Path = VENUES_FILE) -> None:
    """The institutional venues of venues.tsv, each in its city (interpretation venue-city)."""
    with path.open(encoding="utf-8") as handle:
        lines = (line for line in handle if line.strip() and not line.startswith("#"))
        for slug, names, en, city in csv.reader(lines, delimiter="\t"):
            forms = names.split("|")
            venue = Entity(slug, "Venue", forms[0], en, located_in=city)
            venue.country = gaz.entities[city].country if city in gaz.entities else None
            venue.placed_by = (
                "venue-city",
                f"The page names the venue alone: it is in {gaz.country_name(city)} (venues.tsv).",
            )
            gaz.add(venue, *forms)


def _add_wikidata_labels(gaz: Gazetteer, table: Path) -> None:
    """Labels of the Wikidata table ("Shymkent (Chymkent)") for entities the graph already has,
    matched on the English label."""
    by_en = {normalise(e.label_en): e for e in gaz.entities.values()}
    with table.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            label = row.get("label") or ""
            names = [label, *re.findall(r"\(([^)]+)\)", label)]
            base = re.sub(r"\s*\([^)]*\)", "", label)
            entity = by_en.get(normalise(base))
            if entity is not None:
                gaz.add(entity, *names)
