"""`diplokg draft PAGE.txt`: read a page, draft its facts, write them as Turtle in graph/drafts/.

The page's metadata comes from the options or, when absent, from its last lines: "Mise à jour :
10.06.15" (the update date, day.month.year with a two- or four-digit year, or "12/03/2018") and
"Tous droits réservés - <publisher> - <year>". Relative dates are read against the update date.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from diplokg.build.evidence import sentence_spans
from diplokg.config import Settings
from diplokg.draft.dates import DateExpr, find_dates
from diplokg.draft.facts import COUNTRY, Document, Draft, Entity, Figure, Quote, Span
from diplokg.draft.figures import find_figures
from diplokg.draft.gazetteer import Gazetteer, gazetteer_from_graph, normalise, slugify
from diplokg.draft.happenings import find_happenings
from diplokg.draft.patterns import CONFIDENCE, Patterns
from diplokg.draft.pipeline import analyse, mentions
from diplokg.errors import InputError
from diplokg.namespaces import DKG
from diplokg.rdfio import parse_turtle

_UPDATED = re.compile(
    r"Mis(?:e)?\s+à\s+jour\s*(?:le)?\s*:?[\s\u00a0]*(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>\d{2,4})"
)
_RIGHTS = re.compile(
    r"(?:Tous droits réservés|©)\s*[-–]\s*(?P<pub>[^\n]+?)\s*[-–]\s*(?P<year>\d{4})\s*$", re.M
)


@dataclass(frozen=True)
class DraftResult:
    """What `draft_page` made: the draft, its Turtle, and where it was written (if it was)."""

    draft: Draft
    turtle: str
    path: Path | None


def read_metadata(
    text: str,
) -> tuple[date | None, Span | None, str | None, Span | None, str | None]:
    """The update date, publisher and copyright year written in the page's last lines, with
    the spans that state them.

    >>> read_metadata("…\\nMise à jour : 10.06.15\\n")[0]
    datetime.date(2015, 6, 10)
    """
    updated = update_span = publisher = pub_span = year = None
    matches = list(_UPDATED.finditer(text))
    if matches:
        m = matches[-1]
        y = int(m["y"]) + (2000 if len(m["y"]) == 2 else 0)
        try:
            updated = date(y, int(m["m"]), int(m["d"]))
            update_span = Span(m.start(), m.end())
        except ValueError:
            updated = None
    rights = list(_RIGHTS.finditer(text))
    if rights:
        r = rights[-1]
        publisher, year = r["pub"].strip(), r["year"]
        pub_span = Span(r.start("pub"), r.end("pub"))
    return updated, update_span, publisher, pub_span, year


def partner_country(text: str, gaz: Gazetteer, home: str = "france") -> str | None:
    """The page's other country: the country (or its adjective) named most often after France."""
    counts: Counter[str] = Counter()
    for name, slug in gaz.names.items():
        entity = gaz.entities.get(slug)
        if entity is None or entity.cls != COUNTRY or slug == home or len(name) < 4:
            continue
        counts[slug] += len(re.findall(rf"(?<!\w){re.escape(name)}(?!\w)", normalise(text)))
    for word in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", text):
        # "sud-africain" whole; "franco-kazakhstanaises" by its last part
        named = gaz.adjective(word) or gaz.adjective(word.rsplit("-", 1)[-1])
        if named is not None and named != home:
            counts[named] += 1
    best = counts.most_common(1)
    return best[0][0] if best and best[0][1] > 0 else None


def country_entity(name: str, gaz: Gazetteer) -> Entity:
    """The country `--country` names: a slug the gazetteer knows ("ghana"), a name it knows in
    any written form ("Azerbaïdjan", "Viet Nam"), or else a new country with a readable slug
    ("Nouvelle-Ruritanie" → `nouvelle-ruritanie`), added to the gazetteer; never refused.

    Raises InputError only for a name with no letter in it.
    """
    known = gaz.entities.get(name)
    if known is not None and known.cls == COUNTRY:
        return known
    found = gaz.lookup(name)
    if found is not None and found.cls == COUNTRY:
        return found
    slug = slugify(name)
    if not slug:
        raise InputError(name, "--country needs a country's name or slug")
    label = name if name != slug else name.replace("-", " ").title()
    return gaz.add(Entity(slug, COUNTRY, label, label, country=slug), label)


def _partner_from_name(name: str, gaz: Gazetteer) -> str | None:
    """The other country when the text names none: a country the gazetteer knows in the
    draft's name ("france-ghana-2020"), else None (no country is invented)."""
    words = [w for w in name.split("-") if w and not w.isdigit() and w != "france"]
    for n in range(len(words), 0, -1):
        for k in range(len(words) - n + 1):
            found = gaz.entities.get("-".join(words[k : k + n]))
            if found is not None and found.cls == COUNTRY:
                return found.slug
    return None


# The commonest French function words (articles, prepositions, pronouns, auxiliaries), and the
# English ones, for `looks_french`. The seed page and the test pages have 38-49 % of their words
# in the first list; an English page (UK–Ghana) 2 %, and 38 % in the second.
_FRENCH_TEXT = (
    "le la les l de des du d un une et en à au aux pour par dans sur avec est a ont sont "
    "été qui que qu ce cette ces son sa ses leur leurs il elle ils elles se s ne pas plus "
    "lors entre depuis deux"
)
_ENGLISH_TEXT = (
    "the of and to in a an for on with by is are was were has have been that this which "
    "from at as its their it he she they two between since"
)
_FRENCH_WORDS = frozenset(_FRENCH_TEXT.split())
_ENGLISH_WORDS = frozenset(_ENGLISH_TEXT.split())
MIN_FRENCH_SHARE = 0.08


def french_share(text: str) -> tuple[float, float]:
    """The share (0-1) of the text's words that are common French function words, and the
    share that are common English ones (word lists above; apostrophes split "l'État")."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    if not words:
        return 0.0, 0.0
    fr = sum(w in _FRENCH_WORDS for w in words)
    en = sum(w in _ENGLISH_WORDS for w in words)
    return fr / len(words), en / len(words)


def looks_french(text: str) -> bool:
    """Whether `text` reads as French: at least `MIN_FRENCH_SHARE` (8 %) of its words are
    common French function words, and more of them than common English ones. A cheap rule
    that needs no model; the seed and test pages score 38-49 %, an English page 2 %."""
    fr, en = french_share(text)
    return fr >= MIN_FRENCH_SHARE and fr > en


_NO_PARTNER = (
    "no partner country found: the page names no country besides France by name or "
    "adjective, nor does the draft's name; pass --country SLUG"
)


def build_draft(
    text: str,
    gaz: Gazetteer,
    *,
    name: str,
    updated: date | None = None,
    publisher: str | None = None,
    country: str | None = None,
    source_file: str = "",
) -> Draft:
    """Draft every fact of `text` (see the module docstrings of dates, pipeline, patterns,
    happenings and figures for the rules). The other country is `country`, else the one the
    page names most, else one the gazetteer knows in `name`. Raises InputError (named by
    `source_file`, else `name`) when none is found: no country is invented."""
    found_updated, update_span, found_publisher, pub_span, year = read_metadata(text)
    updated = updated or found_updated
    publisher = publisher or found_publisher
    partner = country or partner_country(text, gaz) or _partner_from_name(name, gaz)
    if partner is None:
        raise InputError(source_file or name, _NO_PARTNER)
    document = Document(
        name,
        text,
        updated,
        publisher,
        year,
        ("france", partner),
        source_file,
        hashlib.sha256(text.encode("utf-8")).hexdigest(),
        update_span,
        pub_span,
    )
    doc = analyse(text, gaz)
    reading = mentions(doc, gaz, partner)
    sentences = sentence_spans(text)
    dates = find_dates(text, updated, sentences)
    patterns = Patterns(reading, gaz, dates, sentences, ("france", partner), find_happenings)
    patterns.run()
    figures = _figures(text, dates, sentences, updated)
    entities = dict(patterns.entities)
    for m in reading.mentions:
        entity = entities.get(m.slug)
        if entity is not None:
            entity.mentions.append(Span(m.start, m.end))
    known = {slug: e for slug, e in gaz.entities.items()}
    return Draft(
        document,
        {**{s: e for s, e in known.items() if s in _referenced(patterns, figures)}, **entities},
        patterns.events,
        patterns.agreements,
        figures,
        patterns.holdings,
    )


def _referenced(patterns: Patterns, figures: list[Figure]) -> set[str]:
    used: set[str] = set()
    for e in patterns.events:
        used.update(x for x in (e.source, e.target, e.guest, e.host, e.created, e.margins_of) if x)
        used.update(e.places)
    for a in patterns.agreements:
        used.update(a.parties)
    for h in patterns.holdings:
        used.update((h.holder, h.office))
    return used


def _figures(
    text: str, dates: list[DateExpr], sentences: list[tuple[int, int]], updated: date | None
) -> list[Figure]:
    """Figures with their period: the nearest date of the clause, then of the sentence, then
    the period of the figure before it in the same sentence ("… en 2014, dont 666 M€ …"), then
    the update year (a sentence of its own without a date speaks of the page's present:
    "Environ 350 étudiants ouzbeks étudient en France")."""
    out: list[Figure] = []
    last_period: DateExpr | None = None
    last_paragraph = -1
    for found in find_figures(text, dates):
        paragraph = text.count("\n\n", 0, found.start)
        if paragraph != last_paragraph:
            last_period, last_paragraph = None, paragraph
        s_start, s_end = next(
            ((a, b) for a, b in sentences if a <= found.start < b), (0, len(text))
        )
        clause = (
            max(
                [s_start]
                + [m.end() + s_start for m in re.finditer(r"[;(]", text[s_start : found.start])]
            ),
            min(
                [s_end]
                + [found.end + m.start() for m in re.finditer(r"[;)]", text[found.end : s_end])]
            ),
        )
        near = [d for d in dates if clause[0] <= d.start < clause[1] and d.precision != "day"]
        if not near:
            near = [d for d in dates if s_start <= d.start < s_end and d.precision != "day"]
        interpretations = []
        period: DateExpr | str | None
        states = ["type", "value", "currency" if found.currency else "unit", "valueAsWritten"]
        if found.qualifier:
            states.append("valueQualifier")
        if found.rank is not None:
            states.append("rank")
        quote_spans = [Span(found.start, found.end)]
        if near:
            period = min(near, key=lambda d: abs(d.start - found.start))
            quote_spans.append(Span(period.start, period.end))
            confidence = CONFIDENCE["full"]
        elif last_period is not None and s_start <= last_period.start:
            period = last_period
            interpretations.append(
                ("dating-from-context", "Dated by the figure before it in its sentence.")
            )
            confidence = CONFIDENCE["inherited"]
        elif updated is not None:
            period = str(updated.year)
            interpretations.append(
                ("update-date-dating", "No date is given: dated by the year of the page's update.")
            )
            confidence = CONFIDENCE["inherited"]
        else:
            continue
        if isinstance(period, DateExpr):
            last_period = period
        from diplokg.draft.facts import Interpretation

        quotes = [Quote(quote_spans[0], tuple(states))]
        if len(quote_spans) > 1:
            joined = Span(min(s.start for s in quote_spans), max(s.end for s in quote_spans))
            if joined.end - joined.start < 160:
                quotes = [Quote(joined, (*states, "period"))]
            else:
                quotes.append(Quote(quote_spans[1], ("period",)))
        out.append(
            Figure(
                found.figure_class,
                quotes,
                confidence,
                [Interpretation(kind, ("period",), comment) for kind, comment in interpretations],
                value=found.value,
                currency=found.currency,
                unit=found.unit,
                as_written=found.text,
                period=period,
                value_qualifier=found.qualifier,
                indicator=found.indicator,
                rank=found.rank,
            )
        )
    return out


def known_document(graph_dir: Path, name: str) -> Graph | None:
    """The curated record of the document `name`, when the graph already has the page."""
    curated = graph_dir / f"{name}.ttl"
    if not curated.is_file():
        return None
    graph = Graph()
    graph.parse(curated, format="turtle")
    out = Graph()
    for doc in graph.subjects(RDF.type, DKG.SourceDocument):
        for p in (RDFS.label, DCTERMS.title):
            for o in graph.objects(doc, p):
                out.add((doc, p, o))
    return out


def draft_page(
    page: Path,
    settings: Settings | None = None,
    *,
    name: str | None = None,
    updated: date | None = None,
    publisher: str | None = None,
    country: str | None = None,
    write: bool = True,
) -> DraftResult:
    """Draft `page` into `graph/drafts/<name>.ttl` (name: the page's file stem) and return the
    draft, its Turtle and the path written. When the page is not `graph/<name>.txt`, its text
    is copied beside the draft as `graph/drafts/<name>.txt`, so the build can anchor the quotes.

    Raises InputError (exit 2), naming the page, for a missing or non-UTF-8 page, an empty or
    whitespace-only one, a page not in French (`looks_french`), a page with no update date
    ("Mise à jour : …") when `updated` is not given, and a page whose other country cannot be
    found when `country` is not given.
    """
    from diplokg.draft.writer import write_turtle

    settings = settings or Settings()
    if not page.is_file():
        raise InputError(page, "page not found")
    try:
        text = page.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(page, f"not UTF-8 text: {exc}") from None
    if not text.strip():
        raise InputError(page, "the page is empty: nothing to draft")
    if not looks_french(text):
        fr, en = french_share(text)
        raise InputError(
            page,
            f"the page is not in French ({fr:.0%} of its words are common French words, "
            f"{en:.0%} common English ones; the drafter reads French pages only)",
        )
    if updated is None and read_metadata(text)[0] is None:
        raise InputError(
            page,
            "no update date found (a last line 'Mise à jour : DD.MM.YY'); "
            "pass --updated YYYY-MM-DD",
        )
    name = name or page.stem
    if name != slugify(name):
        raise InputError(
            page, f"the draft's name must be a slug (lowercase, digits, hyphens): {name!r}"
        )
    project = Graph()  # the curated graph, parsed once for the gazetteer and the IRIs taken
    for curated in sorted(settings.graph_dir.glob("*.ttl")):
        project += parse_turtle(curated)
    gaz = gazetteer_from_graph(project, settings.graph_dir / "reference" / "wikidata.tsv")
    if country is not None:
        country = country_entity(country, gaz).slug
    elif partner_country(text, gaz) is None and _partner_from_name(name, gaz) is None:
        raise InputError(page, _NO_PARTNER)
    draft = build_draft(
        text,
        gaz,
        name=name,
        updated=updated,
        publisher=publisher,
        country=country,
        source_file=f"{name}.txt",
    )
    taken = {str(s) for s in project.subjects() if isinstance(s, URIRef)}
    turtle = write_turtle(
        draft, gaz, taken=taken, document_record=known_document(settings.graph_dir, name)
    )
    path = None
    if write:
        drafts = settings.drafts_dir
        drafts.mkdir(parents=True, exist_ok=True)
        path = drafts / f"{name}.ttl"
        path.write_text(turtle, encoding="utf-8")
        beside = settings.graph_dir / f"{name}.txt"
        if not (beside.is_file() and beside.read_bytes() == page.read_bytes()):
            shutil.copyfile(page, drafts / f"{name}.txt")
    return DraftResult(draft, turtle, path)


__all__ = ["DraftResult", "Entity", "build_draft", "draft_page", "read_metadata"]
