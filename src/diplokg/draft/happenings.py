"""Events that are not an interaction between two actors: inaugurations, creations and openings
told in the passive, exhibitions, festivals, concerts, cultural seasons and summits.

They carry no CAMEO code (event-model spec §1: `dkg:cameoEventCode res:cameo-not-applicable`,
written by the writer). Rules, each for a construction, not a page (README, "Drafting a new
page"):

- **Inauguration**: "X a inauguré Y" (X the actor before the verb, or the subject the sentence
  carries: "il", "… et a inauguré"), "Y a été inauguré(e) … par X", "l'inauguration de Y";
  `dkg:inaugurated` is Y when Y is an organisation the page names.
- **Creation**: "Y a été créé(e)" and "Y a été fondé(e)" (Y the organisation before the verb),
  "un consulat (honoraire), une ambassade, un institut … a été ouvert(e) à P" (the thing
  opened, minted from its words and its place).
- **Cultural events**: the nouns "exposition" (`dkg:Exhibition`), "festival", "semaine",
  "journées" (`dkg:CulturalEvent`), "concert" (`dkg:Concert`), "saison" (`dkg:CulturalSeason`),
  "sommet", "COP" (`dkg:Summit`); the label is the noun with its title in « » or its
  complement ("L'exposition « Trésors d'Arménie »", "le sommet de la Francophonie").
- Each is dated by the dates of its clause (after the noun first, then before it); the place is
  the first place after "à", "au", "en", "dans" in the clause. A summit is dated only by its own
  clause's date, never by a meeting on its margins (spec §3: no borrowed dates); a summit with
  a name ("le sommet de l'Union africaine", "la COP26") is drafted undated when the page gives
  it no date; one named only as "en marge du …" is left to the meeting that names it. Other
  events without a date are not drafted.
- An event whose date or actor is carried over from the sentence before says so with an
  interpretation (dating-from-context / reading-of-the-phrase).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from diplokg.draft.facts import ORGANISATION, Entity, Event, Interpretation, Quote, Span
from diplokg.draft.gazetteer import normalise, slugify

if TYPE_CHECKING:
    from diplokg.draft.dates import DateExpr
    from diplokg.draft.patterns import Patterns

# Nouns that name a cultural event or a summit, and the dkg: class of each.
CULTURAL_NOUNS = {
    "exposition": "Exhibition",
    "expositions": "Exhibition",
    "festival": "CulturalEvent",
    "semaine": "CulturalEvent",
    "journées": "CulturalEvent",
    "concert": "Concert",
    "concerts": "Concert",
    "saison": "CulturalSeason",
    "sommet": "Summit",
    "cop": "Summit",
}
# Things opened that are diplomatic or cultural bodies ("un consulat honoraire a été ouvert").
_OPENED = {
    "consulat": "DiplomaticMission",
    "ambassade": "Embassy",
    "bureau": "DiplomaticMission",
    "antenne": "Organisation",
    "institut": "EducationalInstitution",
    "lycée": "EducationalInstitution",
    "école": "EducationalInstitution",
    "centre": "Organisation",
    "alliance": "CulturalOrganisation",
}
_PASSIVE = re.compile(
    r"\b(?:a|ont|avait|avaient)\s+été\s+(?:solennellement\s+|officiellement\s+)?"
    r"(?P<verb>inaugurée?s?|créée?s?|fondée?s?|ouverte?s?)\b",
    re.IGNORECASE,
)
_ACTIVE_INAUGURATION = re.compile(
    r"\b(?:a|ont|avait)\s+(?:(?!été\b)\w+\s+)?inauguré\b", re.IGNORECASE
)
_NOUN_INAUGURATION = re.compile(r"\binauguration\s+(?:de\s+la|de\s+l['’]|du|des|de)\s+", re.I)


def find_happenings(p: Patterns) -> None:
    """Add to `p.events` the non-dyadic events of the page (module docstring)."""
    text = p.doc.text
    taken = {e.created for e in p.events if e.created}
    for m in _ACTIVE_INAUGURATION.finditer(text):
        _inauguration(p, m.start(), m.end(), passive=False)
    for m in _NOUN_INAUGURATION.finditer(text):
        _inauguration(p, m.start(), m.end(), passive=False, nominal=True)
    for m in _PASSIVE.finditer(text):
        verb = m.group("verb").lower()
        if verb.startswith("inaugur"):
            _inauguration(p, m.start(), m.end(), passive=True)
        else:
            _passive_creation(p, m.start(), m.end(), verb.startswith("ouvert"), taken)
    for tok in p.doc:
        kind = CULTURAL_NOUNS.get(tok.lower_)
        if kind is None or (kind == "Summit" and tok.lower_ == "cop" and not tok.text.isupper()):
            continue
        _cultural(p, tok.i, kind)


def _clause(p: Patterns, at: int) -> tuple[int, int]:
    from diplokg.draft.patterns import _clause_of

    return _clause_of(p.sentences, p.doc.text, at)


def _dates(p: Patterns, start: int, end: int, after: int) -> list[DateExpr]:
    """The dates of [start, end): those from `after` on first, else those before it."""
    later = [d for d in p.dates if after <= d.start < end]
    return later or [d for d in p.dates if start <= d.start < after]


def _org_at(p: Patterns, start: int, end: int, last: bool = False) -> str | None:
    """The organisation named in [start, end): the first, or the last."""
    found = [m for m in p.mentions if start <= m.start < end and m.kind == ORGANISATION]
    if not found:
        return None
    return (found[-1] if last else found[0]).slug


def _inauguration(
    p: Patterns, start: int, end: int, *, passive: bool, nominal: bool = False
) -> None:
    c_start, c_end = _clause(p, start)
    interpretations: list[Interpretation] = []
    if passive:
        thing = _org_at(p, c_start, start, last=True)
        agent = re.match(r"[^.;]*?\bpar\s+", p.doc.text[end:c_end])
        source = None
        if agent:
            at = end + agent.end()
            source = next(
                (p._actor(m) for m in p.mentions if at <= m.start < at + 40 and m.kind != "City"),
                None,
            )
    else:
        thing = _org_at(p, end, c_end)
        source = None if nominal else p._left_actor(p._token_at(start), c_start)
        if source is None and not nominal:
            source = p._subject_before(start)
            if source is not None:
                interpretations.append(
                    Interpretation(
                        "reading-of-the-phrase",
                        ("sourceActor",),
                        "The subject the sentence carries (a pronoun or a verb after « et »).",
                    )
                )
    places = p._places(c_start, c_end)
    dates = _dates(p, c_start, c_end, start)
    inherited = p._carried_date(start) if not dates else None
    if inherited is not None:
        dates = [inherited[0]]
        interpretations.append(
            Interpretation(
                "dating-from-context",
                ("date", "startDate", "endDate"),
                "Dated by the event before it, which the sentence continues.",
            )
        )
        places = places or list(inherited[1])
    if not dates:
        return
    if any(e.kind == "Inauguration" and e.span.start <= start < e.span.end for e in p.events):
        return
    states = ["type"] + (["inaugurated"] if thing else []) + (["tookPlaceIn"] if places else [])
    named = [m for m in p.mentions if thing and m.slug == thing and c_start <= m.start < c_end]
    quote_start = min([start] + [m.start for m in named])
    quote_end = max([end] + [m.end for m in named])
    quotes = [Quote(Span(quote_start, quote_end), tuple(states))]
    if inherited is None:
        quotes.append(Quote(Span(dates[0].start, dates[0].end), ("date",)))
    from diplokg.draft.patterns import CONFIDENCE, date_interpretations

    event = Event(
        "Inauguration",
        quotes,
        CONFIDENCE["inherited" if interpretations else "full"],
        interpretations + date_interpretations(dates[0]),
        source=source,
        places=places,
        date=dates[0],
    )
    event.inaugurated = thing
    p.events.append(event)


def _passive_creation(p: Patterns, start: int, end: int, opened: bool, taken: set[str]) -> None:
    """ "Y a été créé(e)/fondé(e) en …", "un consulat honoraire a été ouvert à Gyumri en 2014"."""
    text = p.doc.text
    c_start, c_end = _clause(p, start)
    created = _org_at(p, c_start, start, last=True)
    places = p._places(end, c_end)
    if created is None and opened:
        words = re.search(
            r"(?:une?|l['’]|le|la)\s+(?P<name>(?P<head>\w+)(?:\s+[a-zéèêàâîôûç-]+){0,3}?)\s*$",
            text[c_start:start],
            re.IGNORECASE,
        )
        if words is None or words.group("head").lower() not in _OPENED:
            return
        name = words.group("name")
        where = p.entity(places[0]) if places else None
        label = f"{name} à {where.label_fr}" if where is not None else name
        entity = Entity(
            slugify(label), _OPENED[words.group("head").lower()], label, label, country=p.home
        )
        entity.country_of = p.home
        entity.mentions.append(Span(c_start + words.start("name"), c_start + words.end("name")))
        created = p._mint(entity)
    if created is None or created in taken:
        return
    dates = _dates(p, c_start, c_end, end)
    if not dates:
        return
    taken.add(created)
    from diplokg.draft.patterns import CONFIDENCE, date_interpretations

    first = min([start] + [m.start for m in p.mentions if m.slug == created and m.start >= c_start])
    last = max([end, dates[0].end] + [p._first_end(pl, end, c_end) for pl in places])
    states = ("type", "created", "date") + (("tookPlaceIn",) if places else ())
    event = Event(
        "Creation",
        [Quote(Span(first, last), states)],
        CONFIDENCE["full"],
        date_interpretations(dates[0]),
        places=places,
        date=dates[0],
        created=created,
    )
    p.events.append(event)


def _cultural(p: Patterns, i: int, kind: str) -> None:
    """An exhibition, festival, concert, season or summit named by its noun (module docstring)."""
    doc, text = p.doc, p.doc.text
    tok = doc[i]
    c_start, c_end = _clause(p, tok.idx)
    before = text[max(c_start, tok.idx - 20) : tok.idx].lower()
    if kind == "Summit" and re.search(r"marge\s+(?:du|de\s+la|de\s+l['’]|des)\s*$", before):
        return  # named by the meeting on its margins (patterns.py)
    label_end = _label_end(p, i, c_end)
    label = text[tok.idx : label_end]
    if kind == "CulturalSeason" and "«" not in label and len(label.split()) < 2:
        return  # "la saison" alone: not a name
    dates = [d for d in _dates(p, c_start, c_end, label_end) if d.end <= c_end]
    if kind == "Summit":
        # its own date: right after its name, or the clause says it met ("s'est tenu le …")
        own = re.compile(
            r"\s*(?:,\s*)?(?:qui\s+)?(?:s['’]est\s+tenue?|a\s+eu\s+lieu|a\s+réuni)?\s*"
        )
        dates = [
            d
            for d in dates
            if d.start >= label_end and own.fullmatch(_without_places(p, label_end, d.start))
        ]
    named = any(c.isupper() or c.isdigit() for c in label[1:])
    if not dates and not (kind == "Summit" and named):
        return  # a summit the page names ("le sommet de l'Union africaine") stays, undated
    if any(e.kind == kind and e.label_fr == label[0].upper() + label[1:] for e in p.events):
        return
    places = p._places(tok.idx, c_end)
    name = label[0].upper() + label[1:]
    states = ("type",) + (("date",) if dates else ()) + (("tookPlaceIn",) if places else ())
    ends = [label_end] + [d.end for d in dates[:1]]
    quote_end = max(ends + [p._first_end(pl, tok.idx, c_end) for pl in places])
    quote_start = min([tok.idx] + [d.start for d in dates[:1]])
    from diplokg.draft.patterns import CONFIDENCE, date_interpretations

    event = Event(
        kind,
        [Quote(Span(quote_start, quote_end), states)],
        CONFIDENCE["full"],
        date_interpretations(dates[0]) if dates else [],
        places=places,
        date=dates[0] if dates else None,
    )
    event.label_fr = name
    p.events.append(event)


def _label_end(p: Patterns, i: int, c_end: int) -> int:
    """Where the name of a cultural event or summit ends: its title in « », else its
    complement ("sur Napoléon", "de la Francophonie", "du Ballet royal du Cambodge")."""
    doc, text = p.doc, p.doc.text
    start: int = doc[i].idx
    quoted = re.match(r"[^«»,;.]{0,40}?«[^»]+»", text[start:c_end])
    if quoted:
        return start + quoted.end()
    j = i + 1
    while j < len(doc) and doc[j].idx < c_end:
        word, low = doc[j], normalise(doc[j].text)
        if any(d.start <= word.idx < d.end for d in p.dates):
            break
        if word.text == "-" and j + 1 < len(doc) and doc[j + 1].text[:1].isupper():
            j += 2  # "le sommet Afrique-France"
            continue
        if low in ("de", "du", "des", "d'", "sur", "la", "l'", "le", "les") or (
            word.pos_ in ("NOUN", "PROPN", "ADJ", "NUM") and not word.is_punct
        ):
            if word.pos_ == "VERB" or (
                word.pos_ == "ADJ" and "Part" in word.morph.get("VerbForm", [])
            ):
                break
            j += 1
            continue
        break
    while j > i + 1 and normalise(doc[j - 1].text) in (
        "de",
        "du",
        "des",
        "d'",
        "la",
        "l'",
        "le",
        "les",
        "sur",
    ):
        j -= 1
    return int(doc[j - 1].idx) + len(doc[j - 1].text)


def _without_places(p: Patterns, start: int, end: int) -> str:
    """The words between two offsets with "à/au/en <place>" taken out."""
    words = p.doc.text[start:end]
    for m in p.mentions:
        if start <= m.start < end and m.kind == "City":
            words = words.replace(p.doc.text[m.start : m.end], "")
    return re.sub(r"\b(?:à|au|en|dans)\s+", "", words)


__all__ = ["CULTURAL_NOUNS", "find_happenings"]
