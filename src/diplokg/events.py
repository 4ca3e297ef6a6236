"""The event table: one row per coded direction of an interaction event, as event data sets
(ICEWS, GDELT, POLECAT) record events, each with the exact words of the page behind it.

The rows come from the codings the build derives (`dkg:EventCoding`, graph `derived`), read with
a few SPARQL queries so that the same table comes from the embedded dataset (`kg.events()`,
`diplokg events`) or any endpoint serving it (`GET /api/events`, diplokg.server.events). Two
exports: CSV with exactly the columns of `COLUMNS`, and PLOVER JSONL (one JSON record a line, the
field names of the PLOVER manual's "Data Fields" chapter, with diplokg's extras). This module
only computes: the command line (diplokg.cli) prints, the route answers.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from diplokg.__version__ import __version__
from diplokg.errors import QueryError
from diplokg.formats import EVENT_CSV, EVENT_FORMATS, Format
from diplokg.namespaces import WD, sparql_prefixes

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "COLUMNS",
    "STATUS_COLUMN",
    "EventRecord",
    "Row",
    "by_key",
    "columns",
    "records",
    "records_async",
    "render",
    "to_csv",
    "to_frame",
    "to_plover_jsonl",
]

# The columns of the CSV export and of `kg.events()`, in this order (README, "The event table").
COLUMNS = (
    "event_id",
    "date",
    "date_precision",
    "earliest",
    "latest",
    "source_actor",
    "source_actor_code",
    "source_country",
    "source_wikidata",
    "target_actor",
    "target_actor_code",
    "target_country",
    "target_wikidata",
    "cameo_code",
    "plover_event",
    "plover_mode",
    "goldstein",
    "location",
    "location_country",
    "quote",
    "quote_start",
    "quote_end",
    "sentence",
    "document",
    "stated_or_derived",
)
# The column added, last, when the dataset holds the graph `draft` (built with
# --include-drafts): "curated", or "draft" for a row whose coding only the drafts bring.
STATUS_COLUMN = "status"
CODEBOOK = (
    "CAMEO 1.1b3 event codes and Goldstein weights; PLOVER 0.8 categories and modes after "
    "CAMEO2PLOVER-2021, contexts culture and education added by diplokg"
)
_PRECISION = {"date": "day", "gYearMonth": "month", "gYear": "year"}
Row = Mapping[str, str | None]
Select = Callable[[str], list[Row]]

QUERIES: dict[str, str] = {
    "codings": """
SELECT ?coding ?event ?source ?target ?cameo ?goldstein ?plover ?quad ?score ?mode ?derivation
  ?sourceHolder ?targetHolder
WHERE {
  ?coding a dkg:EventCoding .
  ?coding dkg:codes ?event .
  ?coding dkg:sourceActor ?source .
  ?coding dkg:targetActor ?target .
  ?coding dkg:cameoEventCode ?code .
  ?coding dkg:goldstein ?goldstein .
  ?coding dkg:ploverEventType ?ploverType .
  ?coding dkg:derivation ?how .
  ?code skos:notation ?cameo .
  ?ploverType skos:notation ?plover .
  ?ploverType dkg:quadCode ?quad .
  ?ploverType dkg:ploverScore ?score .
  ?how skos:notation ?derivation .
  OPTIONAL {
    ?coding dkg:ploverMode ?ploverMode .
    ?ploverMode skos:notation ?mode .
  }
  OPTIONAL {
    ?coding dkg:sourceActorHolder ?sourceHolder .
  }
  OPTIONAL {
    ?coding dkg:targetActorHolder ?targetHolder .
  }
}""",
    "contexts": """
SELECT DISTINCT ?coding ?context
WHERE {
  ?coding a dkg:EventCoding .
  ?coding dkg:ploverContext ?concept .
  ?concept skos:notation ?context .
}""",
    "events": """
SELECT DISTINCT ?event ?label ?date ?start ?end ?earliest ?latest ?level
WHERE {
  ?coding a dkg:EventCoding .
  ?coding dkg:codes ?event .
  OPTIONAL {
    ?event rdfs:label ?label .
    FILTER(LANG(?label) = "en")
  }
  OPTIONAL {
    ?event dkg:date ?date .
  }
  OPTIONAL {
    ?event dkg:startDate ?start .
  }
  OPTIONAL {
    ?event dkg:endDate ?end .
  }
  OPTIONAL {
    ?event dkg:earliest ?earliest .
  }
  OPTIONAL {
    ?event dkg:latest ?latest .
  }
  OPTIONAL {
    ?event dkg:level ?rank .
    ?rank rdfs:label ?level .
    FILTER(LANG(?level) = "en")
  }
}""",
    "actors": """
SELECT DISTINCT ?event ?actor ?label ?iso ?sector ?wikidata ?office
WHERE {
  ?coding a dkg:EventCoding .
  ?coding dkg:codes ?event .
  ?coding dkg:sourceActor|dkg:targetActor|dkg:sourceActorHolder|dkg:targetActorHolder ?actor .
  OPTIONAL {
    ?actor rdfs:label ?label .
    FILTER(LANG(?label) = "en")
  }
  OPTIONAL {
    ?actor dkg:actorCountry ?country .
    ?country dkg:iso3166Alpha3 ?iso .
  }
  OPTIONAL {
    ?actor dkg:cameoSector ?sector .
  }
  OPTIONAL {
    ?holding dkg:holder ?actor .
    ?holding dkg:attestedAt ?event .
    ?holding dkg:holdingOf ?held .
    ?held dkg:cameoSector ?sector .
    ?held rdfs:label ?office .
    FILTER(LANG(?office) = "en")
  }
  OPTIONAL {
    ?actor skos:exactMatch ?wikidata .
    FILTER(STRSTARTS(STR(?wikidata), STR(wd:)))
  }
}""",
    "places": """
SELECT DISTINCT ?event ?place ?label ?geonames ?iso
WHERE {
  ?coding a dkg:EventCoding .
  ?coding dkg:codes ?event .
  GRAPH graph:asserted {
    ?event dkg:tookPlaceIn ?place .
  }
  OPTIONAL {
    ?place rdfs:label ?label .
    FILTER(LANG(?label) = "en")
  }
  OPTIONAL {
    ?place dkg:geonamesId ?geonames .
  }
  OPTIONAL {
    {
      ?place dkg:iso3166Alpha3 ?iso .
    }
    UNION
    {
      ?place dkg:locatedIn ?country .
      ?country dkg:iso3166Alpha3 ?iso .
    }
  }
}""",
    "evidence": """
SELECT DISTINCT ?event ?exact ?start ?end ?sentence ?sentenceNumber ?document ?statesType
WHERE {
  ?coding a dkg:EventCoding .
  ?coding dkg:codes ?event .
  ?event dkg:hasEvidence ?annotation .
  ?annotation oa:hasTarget ?target .
  ?target oa:hasSource ?document .
  ?target oa:hasSelector ?quoteSelector .
  ?quoteSelector a oa:TextQuoteSelector .
  ?quoteSelector oa:exact ?exact .
  ?target oa:hasSelector ?positionSelector .
  ?positionSelector a oa:TextPositionSelector .
  ?positionSelector oa:start ?start .
  ?positionSelector oa:end ?end .
  ?annotation dkg:sentence ?sentence .
  ?annotation dkg:sentenceNumber ?sentenceNumber .
  BIND(EXISTS {
    ?annotation oa:hasBody ?statement .
    ?statement rdf:subject ?event .
    ?statement rdf:predicate rdf:type .
  } AS ?statesType)
}""",
    "drafts": """
SELECT DISTINCT ?coding ?held
WHERE {
  {
    GRAPH graph:draft {
      ?coding a dkg:EventCoding .
    }
  }
  UNION
  {
    SELECT ?held
    WHERE {
      GRAPH graph:draft {
        ?held ?p ?o .
      }
    }
    LIMIT 1
  }
}""",
    "documents": """
SELECT ?document ?url ?title ?language ?publisher ?rights
WHERE {
  ?document a dkg:SourceDocument .
  OPTIONAL {
    ?document dkg:capturedFrom ?url .
  }
  OPTIONAL {
    ?document dcterms:title ?title .
  }
  OPTIONAL {
    ?document dcterms:language ?language .
  }
  OPTIONAL {
    ?document dcterms:publisher ?publishedBy .
    ?publishedBy rdfs:label ?publisher .
    FILTER(LANG(?publisher) = "fr")
  }
  OPTIONAL {
    ?document dcterms:rights ?rights .
  }
}""",
}


@dataclass
class Actor:
    """An actor of a row: as the page gives it, with its codes and the holder of its office."""

    iri: str
    label: str | None = None
    country: str | None = None
    sector: str | None = None
    wikidata: str | None = None
    office: str | None = None
    holder: Actor | None = None

    @property
    def code(self) -> str | None:
        """The CAMEO actor code: the country's ISO 3166-1 alpha-3 code and the sector."""
        if self.country is None:
            return None
        return self.country + (self.sector or "")


@dataclass
class EventRecord:
    """One coded direction of an interaction event: the CSV columns and what PLOVER adds."""

    event_id: str
    event_label: str | None
    date: str | None
    date_precision: str | None
    end_date: str | None
    earliest: str | None
    latest: str | None
    source: Actor
    target: Actor
    cameo_code: str
    plover_event: str
    plover_mode: str | None
    plover_contexts: list[str]
    quad_code: int
    plover_score: float
    goldstein: float
    level: str | None
    places: list[tuple[str, str | None, str | None, str | None]]  # iri, label, geonames, iso3
    quote: str | None
    quote_start: int | None
    quote_end: int | None
    sentence: str | None
    sentence_number: int | None
    document: str | None
    stated_or_derived: str
    coding: str
    cite: dict[str, str] = field(default_factory=dict)
    # None when the dataset holds no graph `draft`; else "curated" or "draft" (STATUS_COLUMN)
    status: str | None = None

    @property
    def location(self) -> str | None:
        return " ".join(sorted(p[0] for p in self.places)) or None

    @property
    def location_country(self) -> str | None:
        return " ".join(sorted({p[3] for p in self.places if p[3]})) or None

    def row(self) -> dict[str, Any]:
        """The CSV row: exactly `COLUMNS`, and `status` last when the dataset holds drafts."""
        row = {
            "event_id": self.event_id,
            "date": self.date,
            "date_precision": self.date_precision,
            "earliest": self.earliest,
            "latest": self.latest,
            "source_actor": self.source.iri,
            "source_actor_code": self.source.code,
            "source_country": self.source.country,
            "source_wikidata": self.source.wikidata,
            "target_actor": self.target.iri,
            "target_actor_code": self.target.code,
            "target_country": self.target.country,
            "target_wikidata": self.target.wikidata,
            "cameo_code": self.cameo_code,
            "plover_event": self.plover_event,
            "plover_mode": self.plover_mode,
            "goldstein": self.goldstein,
            "location": self.location,
            "location_country": self.location_country,
            "quote": self.quote,
            "quote_start": self.quote_start,
            "quote_end": self.quote_end,
            "sentence": self.sentence,
            "document": self.document,
            "stated_or_derived": self.stated_or_derived,
        }
        if self.status is not None:
            row[STATUS_COLUMN] = self.status
        return row


def columns(rows: Iterable[EventRecord]) -> tuple[str, ...]:
    """The columns of a table: `COLUMNS`, and `status` when its rows carry one (drafts)."""
    return COLUMNS + ((STATUS_COLUMN,) if any(r.status is not None for r in rows) else ())


def _precision(lexical: str | None) -> str | None:
    if lexical is None:
        return None
    if len(lexical) == 4:
        return "year"
    if len(lexical) == 7:
        return "month"
    return "day"


def _qid(iri: str | None) -> str | None:
    return iri[len(str(WD)) :] if iri and iri.startswith(str(WD)) else None


def assemble(results: Mapping[str, list[Row]]) -> list[EventRecord]:
    """The records from the answers to `QUERIES` (each row: variable -> lexical form or None)."""
    contexts: dict[str, list[str]] = defaultdict(list)
    for row in results["contexts"]:
        contexts[str(row["coding"])].append(str(row["context"]))
    events = {str(row["event"]): row for row in results["events"]}
    actors: dict[tuple[str, str], Actor] = {}
    for row in results["actors"]:
        key = (str(row["event"]), str(row["actor"]))
        actor = actors.setdefault(key, Actor(str(row["actor"])))
        actor.label = actor.label or row.get("label")
        actor.country = actor.country or row.get("iso")
        actor.sector = actor.sector or row.get("sector")
        actor.wikidata = actor.wikidata or _qid(row.get("wikidata"))
        actor.office = actor.office or row.get("office")
    places: dict[str, list[tuple[str, str | None, str | None, str | None]]] = defaultdict(list)
    for row in results["places"]:
        place = (str(row["place"]), row.get("label"), row.get("geonames"), row.get("iso"))
        if place not in places[str(row["event"])]:
            places[str(row["event"])].append(place)
    evidence: dict[str, Row] = {}
    for row in sorted(
        results["evidence"],
        key=lambda r: (r.get("statesType") != "true", int(r["start"] or 0), str(r["exact"])),
    ):
        evidence.setdefault(str(row["event"]), row)
    documents = {str(row["document"]): row for row in results["documents"]}
    drafts = results.get("drafts", [])
    drafted = {str(row["coding"]) for row in drafts if row.get("coding")}
    out = []
    for row in results["codings"]:
        event_id = str(row["event"])
        event = events.get(event_id, {})
        source = actors.get((event_id, str(row["source"])), Actor(str(row["source"])))
        target = actors.get((event_id, str(row["target"])), Actor(str(row["target"])))
        for actor, holder in ((source, row.get("sourceHolder")), (target, row.get("targetHolder"))):
            if holder:
                actor.holder = actors.get((event_id, holder), Actor(holder))
        date = event.get("date") or event.get("start")
        quote = evidence.get(event_id, {})
        document = str(quote["document"]) if quote.get("document") else None
        out.append(
            EventRecord(
                event_id=event_id,
                event_label=event.get("label"),
                date=date,
                date_precision=_precision(date),
                end_date=event.get("end"),
                earliest=event.get("earliest"),
                latest=event.get("latest"),
                source=source,
                target=target,
                cameo_code=str(row["cameo"]),
                plover_event=str(row["plover"]),
                plover_mode=row.get("mode"),
                plover_contexts=sorted(contexts.get(str(row["coding"]), [])),
                quad_code=int(str(row["quad"])),
                plover_score=float(str(row["score"])),
                goldstein=float(str(row["goldstein"])),
                level=event.get("level"),
                places=sorted(places.get(event_id, [])),
                quote=quote.get("exact"),
                quote_start=int(str(quote["start"])) if quote.get("start") else None,
                quote_end=int(str(quote["end"])) if quote.get("end") else None,
                sentence=quote.get("sentence"),
                sentence_number=(
                    int(str(quote["sentenceNumber"])) if quote.get("sentenceNumber") else None
                ),
                document=document,
                stated_or_derived=str(row["derivation"]),
                coding=str(row["coding"]),
                cite={k: str(v) for k, v in documents.get(document or "", {}).items() if v},
                status=(
                    ("draft" if str(row["coding"]) in drafted else "curated") if drafts else None
                ),
            )
        )
    return sorted(
        out,
        key=lambda r: (r.earliest or "", r.event_id, r.cameo_code, r.source.iri, r.target.iri),
    )


def _queries() -> dict[str, str]:
    return {name: sparql_prefixes() + text for name, text in QUERIES.items()}


def records(select: Select) -> list[EventRecord]:
    """The event table, from `select`, which runs a SELECT and gives each row's lexical forms."""
    return assemble({name: select(text) for name, text in _queries().items()})


async def records_async(select: Callable[[str], Awaitable[list[Row]]]) -> list[EventRecord]:
    """`records` with an asynchronous `select` (the web app's query engine)."""
    return assemble({name: await select(text) for name, text in _queries().items()})


# -- exports ------------------------------------------------------------------------------------


def to_csv(rows: Iterable[EventRecord]) -> str:
    """The CSV export: a header of `columns(rows)`, one line per record; empty cells for
    unknowns."""
    rows = list(rows)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns(rows), lineterminator="\n")
    writer.writeheader()
    for record in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in record.row().items()})
    return buffer.getvalue()


def _actor_object(actor: Actor) -> dict[str, Any]:
    """A PLOVER actor object (manual, "Information object for actors")."""
    out: dict[str, Any] = {"code": actor.country, "sector": actor.sector}
    out["actor_text"] = actor.label
    out["identifier_id"] = actor.wikidata
    out["identifier_text"] = actor.label
    if actor.office:
        out["office"] = actor.office
    if actor.holder is not None:
        # diplokg's extra: who held the office the page names alone, from the enrichment
        out["holder"] = {"actor_text": actor.holder.label, "identifier_id": actor.holder.wikidata}
    out["diplokg_iri"] = actor.iri
    return {k: v for k, v in out.items() if v is not None}


def _location(record: EventRecord) -> dict[str, Any] | None:
    """PLOVER's event_loc: the place, or the country when the page names several places."""
    if not record.places:
        return None
    if len(record.places) == 1:
        iri, label, geonames, iso = record.places[0]
    else:
        iso = record.location_country
        label, geonames = None, None
        iri = None
    loc: dict[str, Any] = {"name": label, "cc3": iso}
    if geonames:
        loc["geonameid"] = int(geonames)
    if iri:
        loc["diplokg_iri"] = iri
    return {k: v for k, v in loc.items() if v is not None}


def plover_record(record: EventRecord) -> dict[str, Any]:
    """One PLOVER JSON record (manual, "Data Fields"), with diplokg's extra fields."""
    out: dict[str, Any] = {
        "id": record.coding,
        "date": record.earliest,
    }
    if record.latest and record.latest != record.earliest:
        out["enddate"] = record.latest
    out["source"] = [_actor_object(record.source)]
    out["recipient"] = [_actor_object(record.target)]
    out["event"] = [record.plover_event]
    out["mode"] = [record.plover_mode] if record.plover_mode else []
    out["context"] = record.plover_contexts
    location = _location(record)
    if location:
        out["event_loc"] = location
    out["quad_code"] = record.quad_code
    out["event_scale"] = record.plover_score
    out["text"] = record.quote
    out["text_info"] = {
        "sequence": record.sentence_number,
        "start": record.quote_start,
        "end": record.quote_end,
    }
    out["cite_info"] = {
        "corpus": "diplokg",
        "citation": record.document,
        "url": record.cite.get("url"),
        "title": record.cite.get("title"),
        "language": record.cite.get("language"),
        "publication": record.cite.get("publisher"),
        "copyright": record.cite.get("rights"),
        "coder": "diplokg (curated by hand; directions derived by ontology/rules)",
        "codebook": CODEBOOK,
        "version": __version__,
    }
    out["comment"] = (
        "direction stated by the page"
        if record.stated_or_derived == "stated"
        else "direction derived by rule from the page's statement"
    )
    # diplokg's extras: the CAMEO coding, the date as the page gives it, the sentence
    out["event_id"] = record.event_id
    out["cameo_code"] = record.cameo_code
    out["goldstein"] = record.goldstein
    out["date_as_given"] = record.date
    out["date_precision"] = record.date_precision
    out["level"] = record.level
    out["sentence"] = record.sentence
    out["stated_or_derived"] = record.stated_or_derived
    if record.status is not None:
        out[STATUS_COLUMN] = record.status
    return out


def to_plover_jsonl(rows: Iterable[EventRecord]) -> str:
    """The PLOVER export: one JSON record a line (JSONL, as the manual suggests)."""
    return "".join(
        json.dumps(plover_record(r), ensure_ascii=False, sort_keys=False) + "\n" for r in rows
    )


def to_frame(rows: Iterable[EventRecord]) -> pd.DataFrame:
    """The table as a DataFrame with exactly `columns(rows)`: earliest and latest as datetimes
    (for sorting and resampling), goldstein a float, offsets integers, the rest strings."""
    import pandas as pd

    rows = list(rows)
    frame = pd.DataFrame([r.row() for r in rows], columns=list(columns(rows)))
    for name in ("earliest", "latest"):
        frame[name] = pd.to_datetime(frame[name])
    for name in ("quote_start", "quote_end"):
        frame[name] = frame[name].astype("Int64")
    frame["goldstein"] = frame["goldstein"].astype(float)
    return frame


def by_key(key: str) -> Format:
    """The export named `key` (csv or plover-jsonl); QueryError naming the known ones."""
    for fmt in EVENT_FORMATS:
        if fmt.key == key:
            return fmt
    known = ", ".join(f.key for f in EVENT_FORMATS)
    raise QueryError(f"unknown events format '{key}' (known: {known})")


def render(rows: Iterable[EventRecord], fmt: str) -> str:
    """The text of the export `fmt` (csv or plover-jsonl)."""
    export = by_key(fmt)
    return to_csv(rows) if export is EVENT_CSV else to_plover_jsonl(rows)
