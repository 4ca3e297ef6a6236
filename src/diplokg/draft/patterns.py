"""Statement patterns: from the parse and its mentions to events, agreements and holdings.

Triggers are found with spaCy's `Matcher` on lemmas ("se rendre", "recevoir", "accueillir",
"rencontrer", "s'entretenir avec", "consultations", "signer"/"signature", "création", "ouvrir
une ambassade", "nommé ambassadeur"...). Each trigger reads its clause (a sentence cut at
semicolons) with the rules below, written from the kinds of statement ministry pages make, not
from any one page (README, "Drafting a new page"):

- The acting side (CAMEO source) is the nearest actor named before the verb; a verb that
  follows "et", "puis", "où" or a comma with no actor of its own keeps the sentence's last
  actor ("… et s'est rendu …"). In the passive ("a été reçu par X") X acts.
- The other side (target) is the first actor after the verb that is not a place; "son
  homologue (adj)" is the same office in the adjective's country, or in the other country of
  the page.
- Places are cities and countries after "à", "au", "aux", "en" or "dans"; a clause opened by
  "où" keeps the places and date of the event before it.
- Dates are the grammar's (dates.py). Several dates after one verb ("le 11 juin 2012, le 20
  septembre 2013 et le 17 novembre 2014") make one event each, with the places written after
  each date; a clause without a date keeps the date of the event it continues (an
  interpretation says so). Events without any date are not drafted.
- "suivi(e) par X", "puis par X", "ainsi que par X" repeat the event with X acting.
- "en marge du/de la …", after the verb or fronted, names a summit the event is on the margins
  of (the summit is written undated: no borrowed dates).
- The dependency parse's subject of the verb wins when it is an actor named before the verb
  (across an apposition or a participle); pronouns and subjects carried by "et" follow the token
  rules above. A sentence tied to the one before ("À cette occasion, il …") takes its date and
  places (dating-from-context).
- "les deux chefs d'État / Premiers ministres …" (reciprocals) name each side's office, or its
  holder named on the page; "des consultations ont réuni X et Y" the two actors after the verb;
  "a présenté (remis) ses lettres de créance au Président" is a Reception of the ambassador.
- "le ministre" with no portfolio is the minister named last; an office whose title gave no
  country, met or received by an actor of France, is the other country's (placement-from-context).
- Agreements: parties from "entre X et Y", "X et Y ont signé", or the agreement a "complété …
  par" completes; kind from the noun and the parties' classes.
- Events that are no interaction are read by `happenings.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from diplokg.draft.dates import DateExpr
from diplokg.draft.facts import (
    CITY,
    COUNTRY,
    OFFICE,
    ORGANISATION,
    PERSON,
    Agreement,
    Entity,
    Event,
    Holding,
    Interpretation,
    Quote,
    Span,
)
from diplokg.draft.gazetteer import Gazetteer, normalise, slugify
from diplokg.draft.pipeline import Mention, Reading, counterpart_office

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

ACTORS = (PERSON, OFFICE, COUNTRY, ORGANISATION)
_PLACE_PREPOSITIONS = {"à", "au", "aux", "en", "dans", "a"}
_CARRY = {"et", "puis", ",", "où", "ensuite", "enfin"}
_SKIP_LEFT = {
    "s'",
    "se",
    "est",
    "a",
    "ont",
    "sont",
    "été",
    "il",
    "elle",
    "ils",
    "elles",
    "quant",
    "à",
    "également",
    "ensuite",
    "aussi",
    "notamment",
    "y",
    "lui",
    "leur",
    "déjà",
    "alors",
    "ainsi",
    "pour",
    "la",
    "1ère",
    "première",
    "fois",
    "s’",
    "ne",
    "pas",
    "qui",
}
# Words that tie a sentence to the event the sentence before told.
_ANAPHORA = re.compile(
    r"\b(?:à cette occasion|lors de (?:cette|sa|leur) (?:visite|rencontre|séjour|réunion)"
    r"|au cours de (?:cette|sa|leur) (?:visite|rencontre|séjour)|pendant (?:cette|sa) visite"
    r"|à cette même occasion|le même jour)\b",
    re.IGNORECASE,
)
# "les deux chefs d'État", "les deux Premiers ministres": the offices of the page's two sides.
_RECIPROCAL = re.compile(
    r"\b(?:les|des)\s+deux\s+(?P<who>chefs\s+d['’]\s*[ÉE]tat|présidents|chefs\s+de\s+"
    r"gouvernement|premiers\s+ministres|ministres(?:\s+des\s+affaires\s+étrangères)?"
    r"|chefs\s+de\s+la\s+diplomatie|homologues)\b",
    re.IGNORECASE,
)
_RECIPROCAL_OFFICE = {
    "chefs d'état": "president",
    "présidents": "president",
    "chefs de gouvernement": "prime-minister",
    "premiers ministres": "prime-minister",
    "ministres des affaires étrangères": "minister-foreign-affairs",
    "chefs de la diplomatie": "minister-foreign-affairs",
}
_LIGHT_VERBS = {"avoir", "tenir", "mener", "effectuer", "faire", "accomplir", "conduire"}
_CONTINUATIONS = re.compile(
    r"\b(?:suivie?s?|puis|ainsi que|de même que|et)\s+(?:par)\b", re.IGNORECASE
)

# Words between "ouvrir"/"ouverture" and what is opened ("l'ouverture d'un nouveau consulat").
_OPENING_LINKS = [
    "d'",
    "d’",
    "de",
    "du",
    "la",
    "l'",
    "l’",
    "un",
    "une",
    "son",
    "sa",
    "notre",
    "leur",
]
_OPENING_LINKS += ["nouvel", "nouveau", "nouvelle", "première", "premier"]
# Trigger name -> (event class, Matcher patterns). Lemmas as the French model gives them.
TRIGGERS: dict[str, tuple[str, list[list[dict[str, Any]]]]] = {
    "visit-verb": (
        "Visit",
        [
            [
                {"LOWER": {"IN": ["s'", "s’", "se"]}},
                {"LEMMA": "être", "OP": "?"},
                {"LOWER": {"IN": ["quant", "à", "elle", "lui", "ensuite", "également"]}, "OP": "*"},
                {"LEMMA": {"IN": ["rendre", "déplacer"]}},
            ],
            [{"LEMMA": "visiter", "POS": "VERB"}],
        ],
    ),
    # "a effectué (le 1er mars 2013) une visite": merged with the noun that follows, or dropped
    "light-verb": (
        "Visit",
        [[{"LEMMA": {"IN": ["effectuer", "accomplir", "faire"]}, "POS": "VERB"}]],
    ),
    "visit-noun": ("Visit", [[{"LOWER": {"IN": ["visite", "visites"]}}]]),
    "reception": (
        "Reception",
        [
            [{"LEMMA": {"IN": ["recevoir", "accueillir"]}, "POS": {"IN": ["VERB", "AUX", "ADJ"]}}],
            [{"LOWER": {"IN": ["reçu", "reçue", "reçus", "reçues", "accueilli", "accueillie"]}}],
        ],
    ),
    "meeting": (
        "Meeting",
        [
            [{"LEMMA": "rencontrer", "POS": "VERB"}],
            [{"LOWER": {"IN": ["rencontré", "rencontrée", "rencontrés"]}}],
            [{"LEMMA": "entretenir"}, {"LOWER": "avec"}],
            # reciprocal, with no "avec": "les deux chefs d'État s'étaient entretenus"
            [{"LOWER": {"IN": ["entretenus", "entretenues"]}}],
        ],
    ),
    "consultation": ("Consultation", [[{"LOWER": {"IN": ["consultations", "consultation"]}}]]),
    "establishment": (
        "EstablishmentOfDiplomaticRelations",
        [
            [
                {"LEMMA": {"IN": ["établissement", "établir", "nouer"]}},
                {"IS_ALPHA": True, "OP": "?"},
                {"LOWER": "relations"},
                {"LOWER": "diplomatiques"},
            ],
            # "les relations diplomatiques (entre X et Y) ont été établies / nouées"
            [
                {"LOWER": "relations"},
                {"LOWER": "diplomatiques"},
                {"IS_PUNCT": False, "OP": "*"},
                {"LOWER": {"IN": ["établies", "nouées", "rétablies"]}},
            ],
            # "les relations diplomatiques franco-laotiennes, établies en 1953, …": the
            # participle in apposition, after a comma
            [
                {"LOWER": "relations"},
                {"LOWER": "diplomatiques"},
                {"IS_PUNCT": False, "OP": "*"},
                {"LOWER": ","},
                {"LOWER": {"IN": ["établies", "nouées", "rétablies"]}},
            ],
        ],
    ),
    "creation": (
        "Creation",
        [
            [{"LOWER": "création"}],
            [{"LOWER": {"IN": ["créé", "créée", "créés", "créées"]}}],
            [{"LEMMA": "créer", "POS": "VERB"}],
        ],
    ),
    "opening": (
        "Creation",
        [
            [
                {"LEMMA": "ouvrir"},
                {"LOWER": {"IN": _OPENING_LINKS}, "OP": "*"},
                {"LOWER": {"IN": ["ambassade", "consulat", "consulat-général"]}},
            ],
            [
                {"LOWER": "ouverture"},
                {"LOWER": {"IN": _OPENING_LINKS}, "OP": "*"},
                {"LOWER": {"IN": ["ambassade", "consulat"]}},
            ],
        ],
    ),
    "appointment": (
        "OfficeHolding",
        [
            [{"LEMMA": "nommer"}],
            [{"LOWER": {"IN": ["nommé", "nommée"]}}],
            [
                {"LEMMA": "prendre"},
                {"LOWER": {"IN": ["ses", "son"]}},
                {"LOWER": {"IN": ["fonctions", "poste"]}},
            ],
            [{"LOWER": "lettres"}, {"LOWER": "de"}, {"LOWER": "créance"}],
        ],
    ),
    "signing": (
        "Signing",
        [
            [{"LEMMA": "signer", "POS": {"IN": ["VERB", "ADJ", "AUX"]}}],
            [{"LOWER": {"IN": ["signé", "signée", "signés", "signées"]}}],
            [{"LOWER": "signature"}],
        ],
    ),
}
AGREEMENT_NOUNS = {
    "traité": "Treaty",
    "traités": "Treaty",
    "accord": "IntergovernmentalAgreement",
    "accords": "IntergovernmentalAgreement",
    "convention": "IntergovernmentalAgreement",
    "protocole": "Protocol",
    "mémorandum": "Memorandum",
    "memorandum": "Memorandum",
}
# Confidence of each reading, by how much of the fact the words give directly (README).
CONFIDENCE = {"full": 0.9, "inherited": 0.7, "counterpart": 0.8, "default-party": 0.7}


class Patterns:
    """The statement patterns over one parsed page. `events`, `agreements`, `holdings` and
    `entities` hold what they found."""

    def __init__(
        self,
        reading: Reading,
        gazetteer: Gazetteer,
        dates: list[DateExpr],
        sentences: list[tuple[int, int]],
        countries: tuple[str, str],
        happenings: Callable[[Patterns], None] | None = None,
    ) -> None:
        # the reader of non-dyadic events (happenings.find_happenings), run after the
        # agreements; passed in, so that the two modules do not import each other
        self.happenings = happenings
        self.doc: Doc = reading.doc
        self.mentions = reading.mentions
        self.gaz = gazetteer
        self.dates = dates
        self.sentences = sentences
        self.home, self.partner = countries
        self.entities: dict[str, Entity] = dict(reading.minted)
        self.events: list[Event] = []
        self.agreements: list[Agreement] = []
        self.holdings: list[Holding] = []
        self._counterpart_people: list[str] = []
        self._pending_interpretations: list[Interpretation] = []
        self._counterpart_holdings: list[tuple[str, str, int]] = []

    # -- entities --------------------------------------------------------------------------

    def entity(self, slug: str) -> Entity | None:
        """A minted entity of this page, or one the gazetteer knows."""
        return self.entities.get(slug) or self.gaz.entities.get(slug)

    def country_of(self, slug: str | None) -> str | None:
        """The country an actor acts for, or a place lies in."""
        if slug is None:
            return None
        entity = self.entity(slug)
        if entity is None:
            return None
        if entity.country:
            return entity.country
        if entity.kind == PERSON:
            office = self.gaz.person_office.get(slug) or self._holder_office(slug)
            return self.country_of(office) if office else None
        return None

    def _holder_office(self, person: str) -> str | None:
        for holding in self.holdings:
            if holding.holder == person:
                return holding.office
        for m in self.mentions:
            if m.slug == person and m.holder_of:
                return m.holder_of
        return None

    def _mint(self, entity: Entity) -> str:
        if entity.slug not in self.gaz.entities:
            self.entities.setdefault(entity.slug, entity)
        return entity.slug

    # -- the run ---------------------------------------------------------------------------

    def run(self) -> None:
        """Find every statement of the page."""
        from spacy.matcher import Matcher

        matcher = Matcher(self.doc.vocab)
        for name, (_, patterns) in TRIGGERS.items():
            matcher.add(name, patterns)
        hits: list[tuple[str, int, int]] = []
        for match_id, i, j in matcher(self.doc):
            hits.append((self.doc.vocab.strings[match_id], i, j))
        hits = _longest(hits)
        for start, end in self.sentences:
            for c_start, c_end in _clauses(self.doc.text, start, end):
                self._clause(
                    c_start, c_end, [h for h in hits if c_start <= self.doc[h[1]].idx < c_end]
                )
        self._agreements()
        if self.happenings is not None:
            self.happenings(self)
        self._merge_duplicates()
        self._holdings_from_mentions()

    def _clause(self, start: int, end: int, hits: list[tuple[str, int, int]]) -> None:
        hits = self._merge_visit_nouns(hits)
        previous: Event | None = self.events[-1] if self.events else None
        if previous is not None and previous.span.start < _sentence_start(self.sentences, start):
            previous = None  # the last subject stays for a pronoun ("Il avait rencontré")
        for n, (name, i, j) in enumerate(hits):
            window_end = self.doc[hits[n + 1][1]].idx if n + 1 < len(hits) else end
            if n + 1 < len(hits):
                subject = self._left_mention(hits[n + 1][1], self.doc[j - 1].idx + 1)
                if subject is not None:
                    window_end = min(window_end, subject.start)
            window_start = self.doc[i].idx
            left_start = self.doc[hits[n - 1][2] - 1].idx + 1 if n > 0 else start
            kind = TRIGGERS[name][0]
            if name in ("signing",):
                continue  # read with the agreement nouns
            made = self._event(
                name, kind, i, j, (left_start, window_start, window_end), previous, n == 0
            )
            if made:
                previous = made[-1]

    def _merge_visit_nouns(self, hits: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
        """'s'est rendu en visite officielle', 'a effectué une visite': one trigger, not two."""
        out: list[tuple[str, int, int]] = []
        for hit in hits:
            if (
                hit[0] == "visit-noun"
                and out
                and (
                    (out[-1][0] in ("visit-verb", "visit-noun") and hit[1] - out[-1][2] <= 3)
                    or (out[-1][0] == "light-verb" and hit[1] - out[-1][2] <= 10)
                )
            ):
                out[-1] = ("visit-verb", out[-1][1], hit[2])
                continue
            out.append(hit)
        return [h for h in out if h[0] != "light-verb"]

    # -- one event -------------------------------------------------------------------------

    def _event(
        self,
        name: str,
        kind: str,
        i: int,
        j: int,
        window: tuple[int, int, int],
        previous: Event | None,
        first_in_clause: bool = True,
    ) -> list[Event]:
        left_start, start, end = window
        doc = self.doc
        words = doc.text[start:end]
        cut = _CONTINUATIONS.search(words)
        main_end = start + cut.start() if cut else end
        passive = any(t.lower_ == "été" for t in doc[max(0, i - 2) : i])
        nominal = (
            name in ("visit-noun", "consultation", "establishment")
            or (name == "creation" and doc[i].lower_ == "création")
            or (name == "opening" and doc[i].lower_ == "ouverture")
        )
        inherited: list[str] = []
        where = "où" in [t.lower_ for t in doc[max(0, i - 6) : i]]
        # who acts
        source: str | None = None
        target: str | None = None
        if nominal and name == "visit-noun":
            source = self._after_de(j, main_end)
        reciprocal = (
            self._reciprocal(i, left_start) if name in ("meeting", "consultation") else None
        )
        if reciprocal is not None:
            source, target = reciprocal
            self._pending_interpretations.append(
                Interpretation(
                    "reading-of-the-phrase",
                    ("sourceActor", "targetActor"),
                    '"les deux …": the two sides of the page, by the office the words name '
                    "(its holder when the page names one).",
                )
            )
        if reciprocal is None and name in ("meeting", "consultation"):
            pair = self._coordinated_subjects(i, j, left_start)
            if pair is not None:  # "X et Y se sont entretenus"
                source, target = pair
        if source is None and name not in ("establishment",):
            self._pronoun = False
            source = self._dep_subject(i, j, left_start) or self._left_actor(i, left_start)
            carry = self._pronoun or previous is not None
            if source is None and carry and self._subject is not None:
                source = self._subject
                inherited.append("sourceActor")
        obj = self._right_actor(j, main_end, start_of_search=j)
        self._subject = source
        if name == "reception" and passive:
            source, target = obj, source
            inherited = ["targetActor" if w == "sourceActor" else w for w in inherited]
            if source is None:
                agentless = self._places(start, main_end)
                if agentless and self.country_of(agentless[0]):
                    source = self.country_of(agentless[0])
                    interpretations_first = Interpretation(
                        "implied-party",
                        ("sourceActor", "host"),
                        "No host is named: the country where the guest was received.",
                    )
                    self._pending_interpretations.append(interpretations_first)
        elif name in ("reception", "meeting", "consultation") and reciprocal is None:
            target = target or obj
            gathered = self._gathered(j, main_end) if source is None else None
            if gathered is not None:  # "des consultations ont réuni X et Y"
                source, target = gathered
        if name == "creation" and doc[i].lower_ in ("créé", "créée", "créés", "créées") and obj:
            source = self._after_par(j, main_end) or source
        if target is not None and target in self._counterpart_people:
            office = self._resolve_counterpart(source)
            if office is not None:
                self._counterpart_holdings.append((target, office, len(self.events)))
        elif target is not None and self._is_counterpart(target):
            target = self._resolve_counterpart(source)
        if source is not None and self._is_counterpart(source):
            source = self._resolve_counterpart(target)
        # where and when
        places = self._places(start if not nominal else self._char(j), main_end)
        dates = self._dates_in(start, main_end)
        if not dates:
            subject = self._left_mention(i, left_start)
            # the nearest date before the verb ("a effectué le 1er mars 2013 une visite")
            dates = self._dates_in(subject.start if subject is not None else left_start, start)[-1:]
        if not dates:
            # a date written first ("Courant septembre 2021, la Ministre a effectué …"): the
            # nearest one before the verb in its clause
            dates = self._dates_in(left_start, start)[-1:]
        interpretations: list[Interpretation] = list(self._pending_interpretations)
        self._pending_interpretations.clear()
        carried = "sourceActor" in inherited or "targetActor" in inherited
        if (where or carried) and previous is not None and not places and previous.places:
            places = list(previous.places)
            inherited.append("tookPlaceIn")
        if (
            not dates
            and previous is not None
            and previous.date is not None
            and (where or carried or target == previous.source or source == previous.source)
        ):
            dates = [(previous.date, (previous.span.start, previous.span.end))]
            inherited.append("date")
        if not dates and (
            self._pronoun
            or "sourceActor" in inherited
            or _ANAPHORA.search(doc.text[_sentence_start(self.sentences, start) : start])
        ):
            # "À cette occasion, il s'est entretenu avec …": the date (and places) of the
            # event the sentence before told
            told = self._carried_date(start)
            if told is not None:
                dates = [(told[0], (told[0].start, told[0].end))]
                inherited.append("date")
                if not places and told[1]:
                    places = told[1]
                    inherited.append("tookPlaceIn")
        if not dates:
            return []
        if name == "establishment":
            source, target = self.home, self.partner
            interpretations.append(
                Interpretation(
                    "implied-party",
                    ("sourceActor", "targetActor"),
                    "The page states the relations without naming the parties: its two countries.",
                )
            )
        event_kind = kind
        if kind == "Visit" and re.search(
            r"visite\s+(?:officielle|d['’]\s*[ÉE]tat)",
            doc.text[doc[i].idx : doc[j - 1].idx + len(doc[j - 1].text) + 25],
        ):
            event_kind = "OfficialVisit"
        created = None
        if name in ("creation", "opening"):
            if name == "creation":
                places = []
                dates = [d for d in dates if 0 <= d[1][0] - self.doc[i].idx < 40]
                if not dates:
                    return []
            created = self._created(name, i, j, main_end, source, places)
            if created is None:
                return []
        # after the verb, or fronted: "En marge du sommet du G20, le ministre a rencontré …"
        # (fronted only before the clause's first verb: "… rencontré … en marge du sommet X, et
        # s'est rendu …" leaves the summit to the verb before)
        margins = self._margins(j, main_end) or (
            self._margins_in(left_start, start) if first_in_clause else None
        )
        groups = self._split_by_dates(dates, places, start, main_end, margins)
        made: list[Event] = []
        for date_expr, date_span, its_places, its_margins in groups:
            event = self._make(
                event_kind,
                name,
                source,
                target,
                its_places,
                date_expr,
                (doc[i].idx, date_span, start, main_end),
                inherited,
                interpretations,
                its_margins,
                created,
            )
            if event is not None:
                made.append(event)
        if created is not None:
            entity = self.entity(created)
            at = doc.text.find(entity.label_fr, doc[i].idx) if entity is not None else -1
            for event in made:
                if 0 <= at - event.quotes[0].span.end < 40 and entity is not None:
                    q = event.quotes[0]
                    event.quotes[0] = Quote(Span(q.span.start, at + len(entity.label_fr)), q.states)
        if cut and made:
            made += self._continuations(made[-1], start + cut.start(), end)
        return made

    def _make(
        self,
        kind: str,
        name: str,
        source: str | None,
        target: str | None,
        places: list[str],
        date_expr: DateExpr,
        spans: tuple[int, tuple[int, int], int, int],
        inherited: list[str],
        interpretations: list[Interpretation],
        margins: str | None,
        created: str | None,
    ) -> Event | None:
        trigger_at, (d_start, d_end), w_start, w_end = spans
        # an anaphor or counterpart nothing resolved names no entity
        source = None if source is not None and source.startswith("@") else source
        target = None if target is not None and target.startswith("@") else target
        if source is None and kind not in ("Creation",):
            return None
        place_country = self.country_of(places[0]) if places else None
        if kind in ("Meeting", "Reception"):
            rehomed = self._rehome(target, self.country_of(source))
            if rehomed is not None:
                target = rehomed
                interpretations = [
                    *interpretations,
                    Interpretation(
                        "placement-from-context",
                        ("targetActor",),
                        "An office named without its country, met by an actor of the same "
                        "country: read as the other country's office.",
                    ),
                ]
        elif kind in ("Visit", "OfficialVisit"):
            rehomed = self._rehome(source, place_country)
            if rehomed is not None:
                source = rehomed
                interpretations = [
                    *interpretations,
                    Interpretation(
                        "placement-from-context",
                        ("sourceActor",),
                        "An office named without its country, visiting that same country: read "
                        "as the other country's office.",
                    ),
                ]
        guest = host = None
        if kind in ("Visit", "OfficialVisit"):
            guest = source
            if place_country and place_country != self.country_of(source):
                host = place_country
                target = target or place_country
        elif kind == "Reception":
            host, guest = source, target
        elif kind == "Meeting" and place_country:
            if place_country == self.country_of(source):
                host, guest = source, target
            elif place_country == self.country_of(target):
                host, guest = target, source
        if kind not in ("Creation",) and target is None:
            return None
        states = ["type"]
        if source and "sourceActor" not in inherited:
            states.append("sourceActor")
        if "targetActor" in inherited:
            states = [x for x in states if x != "targetActor"]
        if target and kind not in ("Visit", "OfficialVisit") and "targetActor" not in inherited:
            states.append("targetActor")
        if places and "tookPlaceIn" not in inherited:
            states.append("tookPlaceIn")
        named = None if "sourceActor" in inherited else source
        quotes = [
            Quote(
                self._span_of(
                    named, trigger_at, w_start, w_end, places, (d_start, d_end), (source, target)
                ),
                tuple(states),
            )
        ]
        if "date" in inherited:
            quotes.append(Quote(Span(d_start, d_end), ("date",)))
        else:
            quotes[0] = Quote(quotes[0].span, (*quotes[0].states, "date"))
        interp = list(interpretations)
        if kind in ("Visit", "OfficialVisit") and target:
            interp.append(
                Interpretation(
                    "placement-from-context",
                    ("targetActor", "host"),
                    "The host of a visit is the country of the place visited.",
                )
            )
        elif guest and host and kind != "Reception":
            interp.append(
                Interpretation(
                    "placement-from-context",
                    ("guest", "host"),
                    "Guest and host read from the country of the place.",
                )
            )
        if guest and host and kind == "Reception":
            quotes[0] = Quote(quotes[0].span, (*quotes[0].states, "guest", "host"))
        for what in inherited:
            prop = what
            interp.append(
                Interpretation(
                    "dating-from-context" if what == "date" else "reading-of-the-phrase",
                    (prop,) if prop != "date" else ("date", "startDate", "endDate"),
                    f"Carried over from the clause before ({prop}).",
                )
            )
        counterpart = any(i.kind == "counterpart-resolution" for i in interp)
        confidence = CONFIDENCE[
            "inherited" if inherited else ("counterpart" if counterpart else "full")
        ]
        if self._counterpart_used:
            interp.append(
                Interpretation(
                    "counterpart-resolution",
                    ("targetActor",) if target else ("sourceActor",),
                    '"homologue": the same office in the other country of the page.',
                )
            )
            confidence = min(confidence, CONFIDENCE["counterpart"])
            self._counterpart_used = False
        interp += date_interpretations(date_expr)
        if date_expr.year_from is not None or date_expr.day_from is not None:
            confidence = min(confidence, CONFIDENCE["inherited"])
        event = Event(
            kind,
            quotes,
            confidence,
            interp,
            source=source,
            target=target,
            guest=guest,
            host=host,
            places=places,
            date=date_expr,
            margins_of=margins,
            created=created,
        )
        self.events.append(event)
        return event

    _counterpart_used = False
    _subject: str | None = None
    _pronoun = False

    def _span_of(
        self,
        source: str | None,
        trigger_at: int,
        w_start: int,
        w_end: int,
        places: list[str],
        date_span: tuple[int, int],
        actors: tuple[str | None, ...] = (),
    ) -> Span:
        """The words stating the event: from its actor (when named in the clause) or trigger to
        the last of its date and places within the window."""
        start = trigger_at
        for m in self.mentions:
            if (
                m.slug == source
                and m.start < trigger_at
                and trigger_at - m.start < 120
                and m.start >= w_start - 120
            ):
                start = min(start, m.start)
        end = self.doc[self._token_at(trigger_at)].idx + len(
            self.doc[self._token_at(trigger_at)].text
        )
        if w_start <= date_span[0] < w_end:
            end = max(end, date_span[1])
            start = min(start, date_span[0])
        for m in self.mentions:
            if (
                w_start <= m.start < w_end
                and m.start >= trigger_at
                and (m.slug in places or m.slug in actors or m.counterpart)
                and m.start - end < 60
            ):
                end = max(end, m.end)
        return Span(start, end)

    def _dep_subject(self, i: int, j: int, left_start: int) -> str | None:
        """The actor the dependency parse gives as the subject of the trigger's verb (its
        `nsubj` or `nsubj:pass`, or that of the verb it is coordinated with), when the subject
        is named in the clause before the verb: "Le Président sénégalais, accompagné du
        Ministre de l'Économie, s'est rendu …" acts through "Président", where the nearest
        actor to the left is the Minister. None when the parse gives no such actor (a
        pronoun, a subject after the verb): the token rules of `_left_actor` decide then."""
        doc = self.doc
        verbs = [t for t in doc[i:j] if t.pos_ in ("VERB", "AUX")] or [doc[i]]
        verb = verbs[-1]
        subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubj:pass")]
        if not subjects and verb.dep_ == "conj":
            subjects = [c for c in verb.head.children if c.dep_ in ("nsubj", "nsubj:pass")]
        for subject in subjects:
            if subject.pos_ == "PRON" or not (left_start <= subject.idx < doc[i].idx):
                continue
            for m in self.mentions:
                if m.i <= subject.i < m.j and m.kind in ACTORS:
                    return self._actor(m)
        return None

    def _coordinated_subjects(self, i: int, j: int, left_start: int) -> tuple[str, str] | None:
        """ "Le Président de la République et le Président X, M. Y, se sont entretenus": the
        two actors the dependency parse coordinates as the verb's subject (`nsubj` and its
        `conj`), both named before the verb in the clause; None otherwise."""
        doc = self.doc
        verbs = [t for t in doc[i:j] if t.pos_ in ("VERB", "AUX")] or [doc[i]]
        verb = verbs[-1]
        subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubj:pass")]

        def actor_at(k: int) -> Mention | None:
            return next((m for m in self.mentions if m.i <= k < m.j and m.kind in ACTORS), None)

        for subject in subjects:
            if not (left_start <= subject.idx < doc[i].idx):
                continue
            first = actor_at(subject.i)
            for conj in subject.children:
                if conj.dep_ != "conj" or not (left_start <= conj.idx < doc[i].idx):
                    continue
                second = actor_at(conj.i)
                if first is not None and second is not None and first is not second:
                    return self._actor(first), self._actor(second)
        return None

    def _rehome(self, target: str | None, side: str | None) -> str | None:
        """The actor `target` again, when it is an office whose title gave no country (France's
        by the default of `read_office`), or a person named with such an office, and it faces
        its own country `side`: "la Ministre … a rencontré le Secrétaire général du Parti, M.
        X" meets the other country's office; "le Secrétaire général du Parti s'est rendu en
        France" is the other country's. Returns the new actor, or None to keep it."""
        if side is None or target is None or self.country_of(target) != side:
            return None
        other = self.partner if side == self.home else self.home
        entity = self.entity(target)
        office_slug = target if entity is not None and entity.kind == OFFICE else None
        holder_mentions = [m for m in self.mentions if m.slug == target and m.holder_of]
        if entity is not None and entity.kind == PERSON and holder_mentions:
            office_slug = holder_mentions[0].holder_of
        implicit = {m.slug for m in self.mentions if m.kind == OFFICE and not m.explicit_country}
        office = self.entity(office_slug) if office_slug else None
        if office is None or office.known or office_slug not in implicit:
            return None
        twin = self._mint(counterpart_office(office, None, other, self.gaz))
        if office_slug == target:
            return twin
        for m in self.mentions:
            if m.slug == target:
                m.holder_of = twin
        return target

    def _reciprocal(self, i: int, left_start: int) -> tuple[str, str] | None:
        """ "Les deux chefs d'État se sont rencontrés": the office the words name in each of the
        page's two countries (the person holding it when the page names one); "les deux
        ministres", "les deux homologues": the two sides of the last interaction before."""
        words = self.doc.text[left_start : self.doc[i].idx]
        m = _RECIPROCAL.search(words)
        if m is None:
            return None
        who = normalise(re.sub(r"\s+", " ", m.group("who"))).replace("d' ", "d'")
        key = _RECIPROCAL_OFFICE.get(who)
        if key is None:
            at = self.doc[i].idx
            last = next(
                (
                    e
                    for e in reversed(self.events)
                    if e.source and e.target and e.kind != "Signing" and e.span.start < at
                ),
                None,
            )
            if last is None or last.source is None or last.target is None:
                return None
            return last.source, last.target
        sides = []
        for country in (self.home, self.partner):
            slug = f"office-{key}-{country}"
            holder = next(
                (m.slug for m in self.mentions if m.holder_of == slug and m.start < left_start),
                None,
            )
            if holder is None and slug not in self.gaz.entities and slug not in self.entities:
                office = Entity(
                    slug,
                    OFFICE,
                    f"{m.group('who')[:-1] if who.endswith('s') else m.group('who')}"
                    f" ({self.gaz.country_name(country)})",
                    f"{key.replace('-', ' ').title()} of {self.gaz.country_name(country, 'en')}",
                    country=country,
                    office_of=country,
                )
                self._mint(office)
            sides.append(holder or slug)
        return sides[0], sides[1]

    def _gathered(self, j: int, end: int) -> tuple[str, str] | None:
        """ "des consultations ont réuni (à Paris) X et Y": the two actors after "réuni"; "des
        consultations (politiques) entre X et Y se sont tenues": the two after "entre"."""
        text = self.doc.text
        verb = re.search(r"\b(?:ont|a)\s+réuni\b", text[self._char(j) : end]) or re.match(
            r"(?:[^\W\d]+\s+){0,2}?entre\s+", text[self._char(j) : end]
        )
        if verb is None:
            return None
        at = self._char(j) + verb.end()
        actors = [m for m in self.mentions if at <= m.start < end and m.kind in ACTORS]
        actors = [m for m in actors if m.kind != COUNTRY or text[m.start - 3 : m.start] != "à "]
        if len(actors) < 2:
            return None
        first = self._actor(actors[0])
        second = self._actor(actors[1])
        if self._is_counterpart(second):
            second = self._resolve_counterpart(first) or second
        return first, second

    def _subject_before(self, at: int) -> str | None:
        """The acting side the sentence carries to a verb at `at` that has no subject of its own
        ("… et a inauguré", "il a inauguré"): the source of the last event before it in its
        sentence, else in the sentence before."""
        s_start = _sentence_start(self.sentences, at)
        before = [e for e in self.events if e.span.start < at and e.source and e.kind != "Signing"]
        same = [e for e in before if e.span.start >= s_start]
        if same:
            return same[-1].source
        previous = [
            e for e in before if e.span.start >= _sentence_start(self.sentences, s_start - 2)
        ]
        return previous[-1].source if previous else None

    def _carried_date(self, at: int) -> tuple[DateExpr, list[str]] | None:
        """The date and places of the event a dateless statement at `at` continues: the last
        event before it in its sentence or the sentence before ("À cette occasion, …")."""
        s_start = _sentence_start(self.sentences, at)
        window = _sentence_start(self.sentences, s_start - 2) if s_start > 1 else s_start
        before = [e for e in self.events if window <= e.span.start < at and e.date is not None]
        if not before:
            return None
        last = before[-1]
        assert last.date is not None
        return last.date, list(last.places)

    def _first_end(self, slug: str, start: int, end: int) -> int:
        """The end offset of the first mention of `slug` in [start, end), or `start`."""
        for m in self.mentions:
            if m.slug == slug and start <= m.start < end:
                return m.end
        return start

    def _token_at(self, char: int) -> int:
        for tok in self.doc:
            if tok.idx <= char < tok.idx + max(1, len(tok.text)):
                return int(tok.i)
        return len(self.doc) - 1

    # -- actors ----------------------------------------------------------------------------

    def _left_actor(self, i: int, left_start: int) -> str | None:
        """The actor named before the verb, unless a coordinator comes first (then None)."""
        mention = self._left_mention(i, left_start)
        return self._actor(mention) if mention is not None else None

    def _left_mention(self, i: int, left_start: int) -> Mention | None:
        """The mention of the actor named before token i (see `_left_actor`)."""
        k = i - 1
        while k >= 0 and self.doc[k].idx >= left_start:
            tok = self.doc[k]
            low = normalise(tok.text)
            for m in reversed(self.mentions):
                if m.j - 1 == k and m.kind in ACTORS:
                    if m.kind == PERSON:
                        office = next(
                            (
                                o
                                for o in self.mentions
                                if o.j <= m.i
                                and m.i - o.j <= 2
                                and m.holder_of
                                and o.slug == m.holder_of
                            ),
                            None,
                        )
                        return office or m
                    return m
            if low == "," and k > 0:
                apposition = next(
                    (m for m in self.mentions if m.j - 1 == k - 1 and m.kind in ACTORS), None
                )
                if apposition is not None:  # "Le Président X, M. Y, s'est rendu": apposition
                    k -= 1
                    continue
            if low in ("il", "elle", "ils", "elles") and tok.pos_ == "PRON":
                self._pronoun = True
            if low in _CARRY:
                return None
            if tok.pos_ == "VERB" and tok.lemma_ in _LIGHT_VERBS:
                k -= 1
                continue
            if (
                low in _SKIP_LEFT
                or tok.pos_ in ("AUX", "ADV", "PRON")
                or tok.like_num
                or tok.pos_ == "NUM"
            ):
                k -= 1
                continue
            # a date or a place between actor and verb ("a effectué le 1er mars 2013 une")
            if any(d.start <= tok.idx < d.end for d in self.dates):
                k -= 1
                continue
            if tok.pos_ in ("DET", "NOUN", "ADJ", "ADP", "PROPN", "PUNCT"):
                k -= 1
                continue
            return None
        return None

    def _actor(self, m: Mention) -> str:
        """The actor a mention names: an office with its holder named right after is the
        person (spec: the actor is the person acting in the office); "le ministre" without a
        portfolio is the minister (office, or its holder) the page named last before it."""
        if m.slug.startswith("@anaphor:"):
            key = m.slug.split(":", 1)[1]
            named = [
                o
                for o in self.mentions
                if o.start < m.start
                and o.kind == OFFICE
                and not o.slug.startswith("@")
                and (o.office_key or "").startswith(key)
            ]
            if named:
                self._pending_interpretations.append(
                    Interpretation(
                        "reading-of-the-phrase",
                        ("sourceActor", "targetActor"),
                        f'"{self.doc.text[m.start : m.end]}" with no portfolio: the office of '
                        "that kind the page named last before it.",
                    )
                )
                return self._actor(named[-1])
            return m.slug
        if m.counterpart:
            person = next(
                (p for p in self.mentions if p.kind == PERSON and 0 <= p.i - m.j <= 2), None
            )
            if person is not None:
                self._counterpart_people.append(person.slug)
                return person.slug
            return "@counterpart:" + (m.country or "")
        if m.kind == OFFICE:
            for other in self.mentions:
                if other.holder_of == m.slug and other.i >= m.j and other.i - m.j <= 2:
                    return other.slug
        return m.slug

    def _right_actor(self, j: int, end: int, start_of_search: int) -> str | None:
        doc = self.doc
        for m in self.mentions:
            if m.i < start_of_search or m.start >= end or m.kind not in ACTORS:
                continue
            if m.holder_of and any(
                o.slug == m.holder_of and o.j <= m.i
                for o in self.mentions
                if o.i >= start_of_search
            ):
                continue  # the holder was already taken with its office
            before = normalise(doc[m.i - 1].text) if m.i > 0 else ""
            if m.kind == COUNTRY and before in _PLACE_PREPOSITIONS | {"du", "de", "d'", "des"}:
                continue
            if before in ("marge",):
                continue
            return self._actor(m)
        return None

    def _after_de(self, j: int, end: int) -> str | None:
        """The actor of a noun: 'la visite du Président X', 'visite de M. X'."""
        doc = self.doc
        if j < len(doc) and normalise(doc[j].text) in ("du", "de", "d'", "des"):
            for m in self.mentions:
                if m.i in (j + 1, j + 2) and m.kind in ACTORS:
                    return self._actor(m)
        return None

    def _after_par(self, j: int, end: int) -> str | None:
        doc = self.doc
        for k in range(j, min(len(doc), j + 4)):
            if doc[k].lower_ == "par":
                for m in self.mentions:
                    if m.i in (k + 1, k + 2) and m.kind in ACTORS:
                        return self._actor(m)
        return None

    def _is_counterpart(self, slug: str) -> bool:
        return slug.startswith("@counterpart:")

    def _resolve_counterpart(self, other: str | None) -> str | None:
        """'son homologue (adj)': the same office as `other`'s, in the written country or the
        page's other country."""
        written = None
        for m in self.mentions:
            if m.counterpart and m.country:
                written = m.country
        if other is None or self._is_counterpart(other):
            return None
        entity = self.entity(other)
        office_slug = other
        if entity is not None and entity.kind == PERSON:
            office_slug = self._holder_office(other) or self.gaz.person_office.get(other) or ""
        office = self.entity(office_slug) if office_slug else None
        if office is None or office.kind != OFFICE:
            return None
        side = self.country_of(office_slug)
        country = (
            written
            if written and written != side
            else (self.partner if side == self.home else self.home)
        )
        twin = counterpart_office(office, None, country, self.gaz)
        self._counterpart_used = True
        return self._mint(twin)

    # -- places, dates, summits, created things --------------------------------------------

    def _places(self, start: int, end: int) -> list[str]:
        doc = self.doc
        places: list[str] = []
        for m in self.mentions:
            if not (start <= m.start < end) or m.kind not in (CITY, COUNTRY):
                continue
            before = normalise(doc[m.i - 1].text) if m.i > 0 else ""
            if before in ("l'", "la", "le") and m.i > 1:  # "à l'Élysée", "au musée du quai Branly"
                before = normalise(doc[m.i - 2].text)
            chained = places and before in ("et", ",")
            if (before in _PLACE_PREPOSITIONS or chained) and m.slug not in places:
                places.append(m.slug)
        if not places:
            for ent in doc.ents:
                after_a = ent.start > 0 and normalise(doc[ent.start - 1].text) == "à"
                if ent.label_ == "LOC" and start <= ent.start_char < end and after_a:
                    if not ent.text[:1].isupper():
                        continue
                    entity = Entity(slugify(ent.text), "City", ent.text, ent.text)
                    places.append(self._mint(entity))
                    break
        return places

    def _dates_in(self, start: int, end: int) -> list[tuple[DateExpr, tuple[int, int]]]:
        """The date expressions starting between two offsets."""
        return [(d, (d.start, d.end)) for d in self.dates if start <= d.start < end]

    def _char(self, k: int) -> int:
        return self.doc[k].idx if k < len(self.doc) else len(self.doc.text)

    def _split_by_dates(
        self,
        dates: list[tuple[DateExpr, tuple[int, int]]],
        places: list[str],
        w_start: int,
        w_end: int,
        margins: str | None,
    ) -> list[tuple[DateExpr, tuple[int, int], list[str], str | None]]:
        if len(dates) == 1:
            return [(dates[0][0], dates[0][1], places, margins)]
        groups = []
        first_start = dates[0][1][0]
        shared = [p for p in places if self._first_mention(p, w_start, w_end) < first_start]
        for n, (expr, span) in enumerate(dates):
            seg_end = dates[n + 1][1][0] if n + 1 < len(dates) else w_end
            own = [
                p for p in places if span[0] <= self._first_mention(p, span[0], seg_end) < seg_end
            ]
            its_margins = self._margins_in(span[0], seg_end)
            groups.append((expr, span, own or shared, its_margins))
        return groups

    def _first_mention(self, slug: str, start: int, end: int) -> int:
        for m in self.mentions:
            if m.slug == slug and start <= m.start < end:
                return m.start
        return 10**9

    def _margins(self, j: int, end: int) -> str | None:
        return self._margins_in(self.doc[j].idx if j < len(self.doc) else end, end)

    def _margins_in(self, start: int, end: int) -> str | None:
        text = self.doc.text
        m = re.compile(
            r"[Ee]n marge (?:du |de la |de l['’]|des )(?P<name>[^,;.()]+?)"
            r"(?= à | au | en | le | les |,|;|\.|$)"
        ).search(text, start, end)
        if not m:
            return None
        name = m.group("name").strip()
        name = name[0].upper() + name[1:]
        summit = Entity(slugify(name), "Summit", name, name)
        summit.mentions.append(Span(m.start("name"), m.end("name")))
        # "en marge du sommet du G20 à Saint-Pétersbourg": the place written after its name
        after = re.match(r"\s+(?:à|au|aux|en)\s+", text[m.end("name") :])
        if after:
            at = m.end("name") + after.end()
            place = next(
                (x for x in self.mentions if x.start == at and x.kind in (CITY, COUNTRY)), None
            )
            if place is not None:
                summit.located_in = place.slug
                summit.mentions[0] = Span(m.start("name"), place.end)
        self.entities.setdefault(summit.slug, summit)
        return summit.slug

    def _created(
        self, name: str, i: int, j: int, end: int, source: str | None, places: list[str]
    ) -> str | None:
        doc = self.doc
        text = doc.text
        if name == "opening":
            country = self.country_of(source) or self.home
            host = self.country_of(places[0]) if places else None
            if host is None:
                return None
            if "ambassade" not in doc[i:j].text.lower():
                # "un consulat honoraire", "un consulat général", "un consulat" à P: as written
                words = re.match(
                    r"consulat(?:[\s-]+(?:général|honoraire))?", text[doc[j - 1].idx :]
                )
                noun = words.group(0) if words else "consulat"
                where = self.entity(places[0])
                label = f"{noun} à {where.label_fr if where is not None else places[0]}"
                cls = "ConsulateGeneral" if "général" in noun else "DiplomaticMission"
                entity = Entity(slugify(label), cls, label, label, country=country)
                entity.country_of = country
                entity.located_in = places[0]
                return self._mint(entity)
            kind = "Embassy"
            noun = "Ambassade"
            fr = f"{noun} de {self.gaz.country_name(country)} ({self.gaz.country_name(host)})"
            en = (
                f"{'Embassy' if kind == 'Embassy' else 'Consulate General'} of "
                f"{self.gaz.country_name(country, 'en')} in {self.gaz.country_name(host, 'en')}"
            )
            slug = f"{'embassy' if kind == 'Embassy' else 'consulate-general'}-{country}-{host}"
            entity = Entity(slug, kind, fr, en, country=country, country_of=country)
            entity.located_in = places[0]
            return self._mint(entity)
        # "création d'une Commission …", "a créé le programme « X »", "Créé … le programme « X »"
        window = text[doc[i].idx : end]
        quoted = re.search(r"«\s*([^»]+?)\s*»", text[doc[i].idx : min(len(text), end + 80)])
        m = re.search(
            r"(?:création|créée?s?|créé)\s*(?:en \d{4}\s*)?"
            r"(?:d['’]une |d['’]un |de la |du |de l['’]|des |une |un |le |la |l['’])"
            r"(?P<name>[A-ZÉÈ][^,;.()]*?)"
            r"(?=,|;|\.|\(| qui | en \d| à | par | le \d| avec | pour |$)",
            window,
        )
        if m:
            label = m.group("name").strip()
        elif quoted:
            label = quoted.group(1)
        else:
            return None
        entity = Entity(slugify(label), "Organisation", label, label)
        known = self.gaz.lookup(label)
        if known is not None:
            return known.slug
        return self._mint(entity)

    def _continuations(self, base: Event, start: int, end: int) -> list[Event]:
        """'suivie par X <date>', 'puis par Y <date>', 'ainsi que par Z': the same event again."""
        text = self.doc.text
        cuts = [start + m.start() for m in _CONTINUATIONS.finditer(text[start:end])]
        made = []
        for n, cut in enumerate(cuts):
            seg_end = cuts[n + 1] if n + 1 < len(cuts) else end
            actor = None
            for m in self.mentions:
                if cut <= m.start < seg_end and m.kind in ACTORS:
                    actor = self._actor(m)
                    break
            if actor is None:
                continue
            dates = [(d, (d.start, d.end)) for d in self.dates if cut <= d.start < seg_end]
            inherited = [] if dates else ["date"]
            if not dates:
                if base.date is None:
                    continue
                dates = [(base.date, (base.quotes[-1].span.start, base.quotes[-1].span.end))]
            event = replace(
                base,
                quotes=[
                    Quote(
                        Span(
                            cut,
                            max(
                                seg_end_trim(text, cut, seg_end),
                                dates[0][1][1] if not inherited else cut + 1,
                            ),
                        ),
                        ("type", "sourceActor") + (() if inherited else ("date",)),
                    )
                ],
                interpretations=[
                    Interpretation(
                        "reading-of-the-phrase",
                        ("type", "tookPlaceIn", "targetActor"),
                        '"par": the same kind of event as the one before, with another actor.',
                    ),
                ],
                source=actor,
                date=dates[0][0],
                confidence=CONFIDENCE["inherited"],
            )
            if base.kind in ("Visit", "OfficialVisit"):
                event.guest = actor
            elif base.kind == "Reception":
                event.host = actor
            if inherited:
                event.quotes.append(Quote(Span(*dates[0][1]), ("date",)))
                event.interpretations.append(
                    Interpretation(
                        "dating-from-context",
                        ("date", "startDate", "endDate"),
                        "Carried over from the event before.",
                    )
                )
            if event.date is not None and not inherited:
                event.interpretations += date_interpretations(event.date)
            self.events.append(event)
            made.append(event)
        return made

    # -- agreements ------------------------------------------------------------------------

    def _agreements(self) -> None:
        """Treaties, agreements, protocols and memorandums with a signing date, each with its
        Signing event."""
        doc = self.doc
        text = doc.text
        for tok in doc:
            kind = AGREEMENT_NOUNS.get(tok.lower_)
            if (
                tok.lower_ in ("lettre", "lettres", "déclaration", "déclarations")
                and tok.i + 2 < len(doc)
                and doc[tok.i + 1].lower_ in ("d'", "d’")
                and doc[tok.i + 2].lower_ == "intention"
            ):
                kind = "Memorandum"  # a statement of intent, not binding: as a memorandum
            if kind is None:
                continue
            if tok.i > 0 and doc[tok.i - 1].lower_ in ("d'", "d’") and tok.lower_ == "accord":
                continue  # "d'accord"
            c_start, c_end = _clause_of(self.sentences, text, tok.idx)
            # the noun phrase: to the first comma, semicolon, date, "entre", or verb
            k = tok.i + 1
            while k < len(doc) and doc[k].idx < c_end:
                t = doc[k]
                title_goes_on = (
                    t.text == ","
                    and k + 2 < len(doc)
                    and doc[k + 1].lower_ in ("d'", "d’", "de")
                    and doc[k + 2].text[:1].isupper()
                )
                if title_goes_on:
                    k += 1
                    continue
                if (
                    t.text in (",", ";", ".", "(", ")")
                    or (t.pos_ == "AUX")
                    or (t.pos_ == "VERB" and not _adjectival(t))
                    or t.lower_
                    in ("entre", "qui", "que", "mettant", "signé", "signée", "complété", "conclu")
                ):
                    break
                if any(d.start <= t.idx < d.end for d in self.dates):
                    break
                k += 1
            np_end = doc[k - 1].idx + len(doc[k - 1].text)
            label = text[tok.idx : np_end]
            bare = len(label.split()) < 2 and tok.lower_ not in (
                "mémorandum",
                "memorandum",
                "protocole",
            )
            date = self._agreement_date(tok.idx, np_end, c_start, c_end)
            if date is None:
                continue
            parties, implied = self._parties(np_end, c_end, c_start)
            # "Un accord a été signé le … entre X et Y": a bare noun needs its verb and parties
            signed = re.search(r"\b(?:signée?s?|conclue?s?)\b", text[np_end:c_end])
            if bare and (implied or signed is None):
                continue
            completes = self._completed(tok.idx)
            if implied and completes is not None:
                parties = list(completes.parties)
            two = self._two_signatories(tok.i, c_start) if implied and completes is None else []
            if two:
                parties, implied = two, False
            elif implied and completes is None:
                parties = self._subjects(tok.idx, c_start) or parties
                implied = parties == [self.home, self.partner]
            if len(parties) < 2:
                continue
            kind = self._agreement_kind(kind, parties)
            states = ("type", "signedOn") + (() if implied else ("party",))
            quote_start = min(tok.idx, date.start)
            quote_end = max(np_end, date.end)
            interp = date_interpretations(date, ("signedOn",))
            if implied and completes is not None:
                interp.append(
                    Interpretation(
                        "implied-party", ("party",), "The parties of the agreement it completes."
                    )
                )
                implied = False
            if implied:
                interp.append(
                    Interpretation(
                        "implied-party",
                        ("party",),
                        "The page does not name the parties: its two countries.",
                    )
                )
            if two:
                interp.append(
                    Interpretation(
                        "reading-of-the-phrase",
                        ("party",),
                        '"les deux …" signed: the two sides the words name (the offices, their '
                        "holders when the page names them, or the two sides of the interaction "
                        "before).",
                    )
                )
            agreement = Agreement(
                kind,
                [Quote(Span(quote_start, quote_end), states)],
                CONFIDENCE["default-party" if implied else "full"],
                interp,
                label_fr=label[0].upper() + label[1:],
                parties=parties,
                signed_on=date,
            )
            self.agreements.append(agreement)
            signing = Event(
                "Signing",
                [
                    Quote(
                        Span(quote_start, quote_end),
                        ("type", "date") + (() if implied else ("sourceActor", "targetActor")),
                    )
                ],
                agreement.confidence,
                list(interp)
                and [
                    Interpretation(
                        "implied-party",
                        ("sourceActor", "targetActor"),
                        "The signatories are the agreement's parties.",
                    )
                ],
                source=parties[0],
                target=parties[1],
                date=date,
                agreement=len(self.agreements) - 1,
            )
            self.events.append(signing)

    def _agreement_kind(self, kind: str, parties: list[str]) -> str:
        """An agreement between countries or their offices is intergovernmental; between
        universities and schools, inter-university; between other bodies, an agreement. A
        treaty, protocol or memorandum keeps its kind."""
        if kind != "IntergovernmentalAgreement":
            return kind
        classes = [(e.cls if (e := self.entity(p)) is not None else "") for p in parties]
        if all(c in (COUNTRY, OFFICE, "Government") for c in classes):
            return kind
        if all(c == "EducationalInstitution" for c in classes):
            return "InterUniversityAgreement"
        return "Agreement"

    def _completed(self, at: int) -> Agreement | None:
        """The agreement an agreement noun at `at` completes: "…, complété le 2 décembre 2020
        par une lettre d'intention" (the agreement before it in its sentence)."""
        s_start = _sentence_start(self.sentences, at)
        before = [a for a in self.agreements if a.span.start >= s_start and a.span.end <= at]
        if before and re.search(
            r"\bcomplété(?:e|s|es)?\b", self.doc.text[before[-1].span.end : at]
        ):
            return before[-1]
        return None

    def _two_signatories(self, i: int, c_start: int) -> list[str]:
        """ "les deux ministres ont signé un accord": the two sides `_reciprocal` reads (the
        offices "les deux chefs d'État" names, or the two sides of the interaction before)."""
        words = self.doc.text[c_start : self.doc[i].idx]
        m = _RECIPROCAL.search(words)
        if m is None or not re.match(
            r"\s+(?:ont|avaient)\s+(?:signé|conclu|paraphé)\b", words[m.end() :]
        ):
            return []
        sides = self._reciprocal(i, c_start)
        return list(sides) if sides is not None else []

    def _subjects(self, at: int, c_start: int) -> list[str]:
        """The two actors coordinated before a signing verb: "X et Y ont signé un accord"."""
        text = self.doc.text
        before = [m for m in self.mentions if c_start <= m.start < at and m.kind in ACTORS]
        if len(before) < 2:
            return []
        a, b = before[-2], before[-1]
        joined = re.fullmatch(r"\s+et\s+(?:l['’]|le\s+|la\s+|les\s+)?", text[a.end : b.start])
        verb = re.search(
            r"\b(?:ont|avaient|ont\s+été)\s+(?:signé|conclu|paraphé)\b", text[b.end : at]
        )
        if joined and verb:
            return [self._actor(a), self._actor(b)]
        # "X (acronym) a signé le … avec Y une convention": the subject and the one after "avec"
        with_ = re.fullmatch(
            r"(?:\s*\([^)]*\))?\s+(?:a|avait)\s+(?:signé|conclu|paraphé)\b[^.;]*?\bavec\s+"
            r"(?:l['’]|le\s+|la\s+|les\s+)?",
            text[a.end : b.start],
        )
        if with_:
            return [self._actor(a), self._actor(b)]
        return []

    def _agreement_date(self, start: int, np_end: int, c_start: int, c_end: int) -> DateExpr | None:
        """The date right after the noun phrase ("de septembre 1992", "signé le …"), or the
        nearest date of the clause before the noun ("signé en octobre 2009 un accord")."""
        text = self.doc.text
        after = [
            d
            for d in self.dates
            if np_end <= d.start < c_end
            and re.fullmatch(
                r"[\s,]*(?:(?:a|ont)\s+été\s+)?(?:signée?s?|conclue?s?)?\s*(?:du|de|d['’])?\s*",
                text[np_end : d.start],
            )
        ]
        if after:
            return after[0]
        # "a été conclu entre X et Y le 16 juillet 2019": the date after the parties
        signed = [
            d
            for d in self.dates
            if np_end <= d.start < c_end
            and re.search(r"\b(?:signée?s?|conclue?s?|paraphée?s?)\b", text[np_end : d.start])
            and not any(w in text[np_end : d.start].lower() for w in AGREEMENT_NOUNS)
        ]
        if signed:
            return signed[0]
        before = [
            d for d in self.dates if c_start <= d.start and d.end <= start and start - d.end <= 40
        ]
        if before:
            return before[-1]
        return None

    def _parties(self, np_end: int, c_end: int, c_start: int) -> tuple[list[str], bool]:
        text = self.doc.text
        m = re.compile(r"\bentre\s+").search(text, np_end, c_end)
        if m and m.start() - np_end < 60:
            parties: list[str] = []
            for mm in self.mentions:
                if not (m.end() <= mm.start < c_end and mm.kind in ACTORS) or len(parties) == 2:
                    continue
                actor = self._actor(mm)
                if self._is_counterpart(actor):  # "entre le Ministre … et son homologue"
                    actor = self._resolve_counterpart(parties[0] if parties else None) or ""
                if actor and not actor.startswith("@") and actor not in parties:
                    parties.append(actor)
            if len(parties) == 2:
                return parties, False
        return [self.home, self.partner], True

    # -- holdings and clean-up -------------------------------------------------------------

    def _holdings_from_mentions(self) -> None:
        """A person named with an office: the holding, attested at the events the person acts
        in; "a été nommé ambassadeur … le <date>": a term that starts."""
        seen: dict[tuple[str, str], Holding] = {}
        for m in self.mentions:
            if m.kind != PERSON or not m.holder_of:
                continue
            key = (m.slug, m.holder_of)
            office_m = next(
                (o for o in self.mentions if o.slug == m.holder_of and o.j <= m.i), None
            )
            start = office_m.start if office_m and m.start - office_m.end < 4 else m.start
            if key not in seen:
                holding = Holding(
                    "OfficeHolding",
                    [Quote(Span(start, m.end), ("holder", "holdingOf"))],
                    CONFIDENCE["full"],
                    holder=m.slug,
                    office=m.holder_of,
                )
                seen[key] = holding
                self.holdings.append(holding)
        for person, office, _ in self._counterpart_holdings:
            if (person, office) in seen:
                continue
            m = next(mm for mm in self.mentions if mm.slug == person)
            counterpart = next((c for c in self.mentions if c.counterpart and c.j <= m.i), None)
            start = counterpart.start if counterpart is not None else m.start
            holding = Holding(
                "OfficeHolding",
                [Quote(Span(start, m.end), ("holder",))],
                CONFIDENCE["counterpart"],
                [
                    Interpretation(
                        "counterpart-resolution",
                        ("holdingOf",),
                        '"son homologue": the same office in the other country.',
                    )
                ],
                holder=person,
                office=office,
            )
            seen[(person, office)] = holding
            self.holdings.append(holding)
        for n, event in enumerate(self.events):
            for holding in self.holdings:
                if holding.holder in (event.source, event.target):
                    holding.attested_at.append(n)
        self._appointments()

    def _appointments(self) -> None:
        doc = self.doc
        text = doc.text
        for m in re.finditer(
            r"(?:a été |est )?(?:nommée?|désignée?)\s+(?:au poste d['’])?"
            r"(?:ambassadeur|ambassadrice)"
            r"|(?:a |ont )?pris ses fonctions"
            r"|(?:a |ont )?(?:présenté|remis) (?:ses|leurs) lettres de créance",
            text,
        ):
            c_start, c_end = _clause_of(self.sentences, text, m.start())
            person = next(
                (
                    mm
                    for mm in reversed(self.mentions)
                    if c_start <= mm.start < m.start() and mm.kind == PERSON
                ),
                None,
            )
            office = next(
                (
                    mm
                    for mm in self.mentions
                    if c_start <= mm.start < c_end
                    and mm.kind == OFFICE
                    and (mm.office_key or "").startswith("ambassador")
                ),
                None,
            )
            date = next((d for d in self.dates if m.start() <= d.start < c_end), None) or next(
                (d for d in self.dates if c_start <= d.start < m.start()), None
            )
            if person is not None and date is not None and "créance" in m.group(0):
                self._credentials(person, m.end(), c_end, date)
            if person is None or office is None or date is None:
                continue
            holding = next(
                (h for h in self.holdings if h.holder == person.slug and h.office == office.slug),
                None,
            )
            span = Span(min(person.start, m.start()), max(office.end, date.end, m.end()))
            if holding is None:
                holding = Holding(
                    "OfficeHolding", [], CONFIDENCE["full"], holder=person.slug, office=office.slug
                )
                self.holdings.append(holding)
            holding.quotes = [Quote(span, ("holder", "holdingOf", "startDate"))]
            holding.start = date

    def _credentials(self, person: Mention, after: int, c_end: int, date: DateExpr) -> None:
        """ "X a présenté ses lettres de créance au Président de la République le …": a Reception
        of the ambassador (guest, target) by the head of state (host, source), the way the
        event model reads a visitor received (README: the ambassador's term starts that day)."""
        text = self.doc.text
        slot = re.match(r"\s*(?:au|à\s+la|à\s+l['’]|à)\s+", text[after:c_end])
        if slot is None:
            return
        at = after + slot.end()
        host = next(
            (m for m in self.mentions if at <= m.start < at + 12 and m.kind in ACTORS), None
        )
        if host is None:
            return
        source = self._actor(host)
        quote_end = max(host.end, date.end)
        event = Event(
            "Reception",
            [
                Quote(
                    Span(person.start, quote_end),
                    ("type", "sourceActor", "targetActor", "host", "guest", "date"),
                )
            ],
            CONFIDENCE["full"],
            [
                Interpretation(
                    "reading-of-the-phrase",
                    ("type", "host", "guest"),
                    "Presenting credentials: the head of state receives the ambassador.",
                ),
                *date_interpretations(date),
            ],
            source=source,
            target=person.slug,
            host=source,
            guest=person.slug,
            date=date,
        )
        self.events.append(event)

    def _merge_duplicates(self) -> None:
        """The same event told twice ("s'est rendu … les 5 et 6 décembre 2014", then "lors de
        la visite du Président … en décembre 2014"): one event, the precise date kept."""
        kept: list[Event] = []
        remap: dict[int, int] = {}
        for n, event in enumerate(self.events):
            twin = next((k for k, e in enumerate(kept) if _same(e, event, self)), None)
            if twin is None:
                remap[n] = len(kept)
                kept.append(event)
                continue
            remap[n] = twin
            base = kept[twin]
            if event.date and base.date and _finer(event.date, base.date):
                base.date = event.date
            base.quotes.extend(
                q for q in event.quotes if q.span not in [b.span for b in base.quotes]
            )
            base.places = base.places or event.places
        for event in kept:
            if event.during is not None:
                event.during = remap.get(event.during)
        self.events = kept


def date_interpretations(
    expr: DateExpr, concerns: tuple[str, ...] = ("date", "startDate", "endDate")
) -> list[Interpretation]:
    """What a date's words leave implicit: a year read against the update date ("le 15 mars
    dernier"), or taken from another date of the page ("le 4 avril" after "en 2017")."""
    out = []
    if expr.relative:
        out.append(
            Interpretation(
                "relative-date", concerns, f'"{expr.text}" read against the page\'s update date.'
            )
        )
    if expr.day_from is not None:
        out.append(
            Interpretation(
                "relative-date",
                concerns,
                f'"{expr.text}" counted from "{expr.day_from.text}", the date written before it '
                "in its paragraph (dates.py).",
            )
        )
    if expr.year_from is not None:
        out.append(
            Interpretation(
                "dating-from-context",
                concerns,
                f'"{expr.text}" has no year: the year of "{expr.year_from.text}", the date '
                "written nearest before it in its sentence or paragraph (dates.py).",
            )
        )
    return out


def _adjectival(tok: Token) -> bool:
    """A past participle used as an adjective ("informations classifiées")."""
    return (
        "Part" in tok.morph.get("VerbForm", []) and tok.i > 0 and tok.doc[tok.i - 1].pos_ == "NOUN"
    )


def seg_end_trim(text: str, start: int, end: int) -> int:
    """`end` moved back over trailing spaces and punctuation."""
    while end > start and text[end - 1] in " ,;.\u00a0":
        end -= 1
    return end


def _same(a: Event, b: Event, patterns: Patterns) -> bool:
    if a.kind.replace("Official", "") != b.kind.replace("Official", "") or a.kind == "Signing":
        return False
    if a.source != b.source or a.date is None or b.date is None:
        return False
    if a.target and b.target and a.target != b.target:
        return False
    a_lo, a_hi = a.date.bounds()
    b_lo, b_hi = b.date.bounds()
    return a_lo <= b_hi and b_lo <= a_hi and (a.date.precision != b.date.precision)


def _finer(a: DateExpr, b: DateExpr) -> bool:
    order = {"day": 0, "month": 1, "year": 2}
    return order[a.precision] < order[b.precision]


def _longest(hits: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Overlapping trigger matches reduced to the longest, in text order."""
    hits.sort(key=lambda h: (h[1], -(h[2] - h[1])))
    out: list[tuple[str, int, int]] = []
    for hit in hits:
        if out and hit[1] < out[-1][2]:
            continue
        out.append(hit)
    return out


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A sentence cut at its semicolons."""
    out = []
    cursor = start
    for m in re.finditer(";", text[start:end]):
        out.append((cursor, start + m.start()))
        cursor = start + m.end()
    out.append((cursor, end))
    return out


def _clause_of(sentences: list[tuple[int, int]], text: str, at: int) -> tuple[int, int]:
    for start, end in sentences:
        if start <= at < end:
            for c in _clauses(text, start, end):
                if c[0] <= at < c[1]:
                    return c
            return start, end
    return at, at + 1


def _sentence_start(sentences: list[tuple[int, int]], at: int) -> int:
    for start, end in sentences:
        if start <= at < end:
            return start
    return at
