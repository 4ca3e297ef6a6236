"""One construction per test: the statement forms, events, entities and dates the first rules
missed on pages nobody had tuned them to (issue 14). Every sentence here is invented for the
test (synthetic people, places the gazetteer may not know); none comes from a page."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from rdflib import Graph

from diplokg.draft.drafter import build_draft
from diplokg.draft.facts import Draft, Event
from diplokg.draft.gazetteer import Gazetteer, gazetteer_from_graph

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    graph = Graph()
    for path in sorted((REPO / "graph").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return gazetteer_from_graph(graph, REPO / "graph" / "reference" / "wikidata.tsv")


def draft(
    gaz: Gazetteer, text: str, updated: date = date(2019, 9, 1), country: str | None = None
) -> Draft:
    """A sentence naming no country besides France needs `country` (as `--country`): the
    drafter invents none."""
    return build_draft(text, gaz, name="construction", updated=updated, country=country)


def events(d: Draft, kind: str) -> list[Event]:
    return [e for e in d.events if e.kind == kind]


def dates(e: Event) -> tuple[str | None, str | None]:
    return (e.date.first, e.date.last) if e.date else (None, None)


# -- countries ------------------------------------------------------------------------------


def test_a_page_about_a_country_the_first_table_lacked(gaz: Gazetteer) -> None:
    d = draft(gaz, "Le Président ghanéen, M. Kofi Mensah, s’est rendu à Paris le 3 mars 2019.")
    assert d.document.countries == ("france", "ghana")
    (visit,) = events(d, "Visit")
    assert (visit.source, visit.target, dates(visit)) == (
        "kofi-mensah",
        "france",
        ("2019-03-03", None),
    )
    assert ("kofi-mensah", "office-president-ghana") in {(h.holder, h.office) for h in d.holdings}


@pytest.mark.parametrize(
    ("words", "country"),
    [("en Azerbaïdjan", "azerbaijan"), ("au Viêt Nam", "vietnam"), ("au Vietnam", "vietnam")],
)
def test_a_country_after_its_preposition(gaz: Gazetteer, words: str, country: str) -> None:
    d = draft(gaz, f"Le Ministre de la Culture s’est rendu {words} le 5 mai 2011.")
    (visit,) = events(d, "Visit")
    assert (visit.target, visit.places) == (country, [country])


# -- statement forms ------------------------------------------------------------------------


def test_a_sentence_tied_to_the_one_before_carries_its_actor_date_and_place(gaz: Gazetteer) -> None:
    d = draft(
        gaz,
        "Le Premier ministre s’est rendu au Ghana les 8 et 9 février 2018. À cette occasion, "
        "il s’est entretenu avec le Président ghanéen.",
    )
    (meeting,) = events(d, "Meeting")
    assert (meeting.source, meeting.target) == (
        "office-prime-minister-france",
        "office-president-ghana",
    )
    assert dates(meeting) == ("2018-02-08", "2018-02-09")
    assert meeting.places == ["ghana"]
    assert "dating-from-context" in {i.kind for i in meeting.interpretations}


def test_a_fronted_adverbial_names_the_summit(gaz: Gazetteer) -> None:
    d = draft(
        gaz,
        "En marge du sommet de l’Union africaine, le Ministre des affaires étrangères a "
        "rencontré son homologue ghanéen le 10 février 2019.",
    )
    (meeting,) = events(d, "Meeting")
    assert meeting.target == "office-minister-foreign-affairs-ghana"
    assert meeting.margins_of is not None and "union-africaine" in meeting.margins_of


def test_a_reciprocal_names_both_sides(gaz: Gazetteer) -> None:
    d = draft(
        gaz,
        "La France et le Ghana coopèrent. Les deux chefs d’État se sont rencontrés à Paris "
        "le 14 juin 2018.",
    )
    (meeting,) = events(d, "Meeting")
    assert {meeting.source, meeting.target} == {"office-president-france", "office-president-ghana"}


def test_a_pronoun_received_in_the_passive(gaz: Gazetteer) -> None:
    d = draft(
        gaz,
        "La Ministre des Armées s’est rendue à Accra en mai 2018 ; elle y a été reçue en "
        "audience par le Président ghanéen.",
    )
    (reception,) = events(d, "Reception")
    assert (reception.source, reception.target) == (
        "office-president-ghana",
        "office-minister-defence-france",
    )
    assert dates(reception) == ("2018-05", None)


def test_an_agreement_concluded_between_two_ministers_and_its_supplement(gaz: Gazetteer) -> None:
    d = draft(
        gaz,
        "Un accord de coopération policière a été conclu entre le Ministre de l’Intérieur et "
        "son homologue ghanéen le 4 juin 2017, complété le 9 janvier 2018 par une lettre "
        "d’intention sur la formation.",
    )
    kinds = {
        (a.kind, a.signed_on.first if a.signed_on else "", tuple(a.parties)) for a in d.agreements
    }
    parties = ("office-minister-interior-france", "office-minister-interior-ghana")
    assert ("IntergovernmentalAgreement", "2017-06-04", parties) in kinds
    assert ("Memorandum", "2018-01-09", parties) in kinds


def test_two_bodies_that_sign_together(gaz: Gazetteer) -> None:
    d = draft(
        gaz,
        "L’université de Grenoble et l’Université du Ghana ont signé un accord d’échanges le "
        "2 avril 2019.",
    )
    (agreement,) = d.agreements
    assert agreement.kind == "InterUniversityAgreement"
    assert agreement.parties == ["universite-de-grenoble", "universite-du-ghana"]


def test_presenting_credentials_is_a_reception_by_the_head_of_state(gaz: Gazetteer) -> None:
    d = draft(
        gaz,
        "M. Yaw Boateng, ambassadeur du Ghana en France, a présenté ses lettres de créance au "
        "Président de la République le 6 mai 2019.",
    )
    (reception,) = events(d, "Reception")
    assert (reception.source, reception.target, reception.host, reception.guest) == (
        "office-president-france",
        "yaw-boateng",
        "office-president-france",
        "yaw-boateng",
    )
    assert dates(reception) == ("2019-05-06", None)


def test_consultations_that_gathered_two_officials(gaz: Gazetteer) -> None:
    d = draft(
        gaz,
        "Le 3 et le 4 mars 2019, des consultations ont réuni à Accra le Secrétaire général du "
        "ministère de l’Europe et des affaires étrangères et son homologue ghanéen.",
    )
    (consultation,) = events(d, "Consultation")
    assert consultation.source == "office-secretary-general-foreign-affairs-france"
    assert consultation.target == "office-secretary-general-foreign-affairs-ghana"
    assert dates(consultation) == ("2019-03-03", "2019-03-04")


def test_a_day_without_a_year_is_dated_by_the_paragraph(gaz: Gazetteer) -> None:
    d = draft(
        gaz,
        "Le Ministre de l’Économie s’est rendu à Accra en mars 2018. Il a reçu son homologue "
        "ghanéen à Paris le 15 juillet.",
    )
    (reception,) = events(d, "Reception")
    assert dates(reception) == ("2018-07-15", None)
    assert "dating-from-context" in {i.kind for i in reception.interpretations}


def test_an_office_without_its_country_facing_an_actor_of_the_same_country(gaz: Gazetteer) -> None:
    d = draft(
        gaz,
        "La Ministre de la Culture s’est rendue à Kumasi en mai 2018 ; elle y a rencontré le "
        "Secrétaire général du Parti, M. Kojo Owusu. La France et le Ghana coopèrent.",
    )
    (meeting,) = events(d, "Meeting")
    assert meeting.target == "kojo-owusu"
    assert ("kojo-owusu", "office-secretary-general-party-ghana") in {
        (h.holder, h.office) for h in d.holdings
    }


# -- events that are not interactions -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "first", "last"),
    [
        (
            "L’exposition « Or du Ghana » a été présentée au musée d’Orsay d’octobre 2017 à "
            "février 2018.",
            "Exhibition",
            "2017-10",
            "2018-02",
        ),
        (
            "Le festival « Accra Jazz » s’est tenu à Lyon du 2 au 6 mai 2018.",
            "CulturalEvent",
            "2018-05-02",
            "2018-05-06",
        ),
        (
            "Un concert de l’Orchestre de Kumasi a été donné à Paris le 5 juin 2018.",
            "Concert",
            "2018-06-05",
            None,
        ),
        (
            "La saison culturelle « Ghana en France » s’est déroulée de mars à juin 2019.",
            "CulturalSeason",
            "2019-03",
            "2019-06",
        ),
        (
            "Le sommet Afrique-France s’est tenu à Accra le 8 décembre 2017.",
            "Summit",
            "2017-12-08",
            None,
        ),
    ],
    ids=["exhibition", "festival", "concert", "season", "summit-dated-by-its-own-clause"],
)
def test_a_cultural_event_or_summit(
    gaz: Gazetteer, text: str, kind: str, first: str, last: str | None
) -> None:
    d = draft(gaz, "La France et le Ghana coopèrent. " + text)
    (event,) = events(d, kind)
    assert dates(event) == (first, last)
    assert event.label_fr


def test_a_summit_named_only_by_the_meeting_on_its_margins_is_not_dated(gaz: Gazetteer) -> None:
    d = draft(
        gaz,
        "Le Président de la République a rencontré le Président ghanéen le 5 septembre 2013 en "
        "marge du sommet du G20 à Saint-Pétersbourg.",
    )
    assert events(d, "Summit") == []  # the writer writes it, undated, with the meeting
    (meeting,) = events(d, "Meeting")
    assert meeting.margins_of == "sommet-du-g20"


def test_an_inauguration_by_the_subject_the_sentence_carries(gaz: Gazetteer) -> None:
    d = draft(
        gaz,
        "Le Ministre des affaires étrangères s’est rendu à Accra le 4 avril 2019 et a inauguré "
        "le lycée français d’Accra.",
        country="ghana",
    )
    (inauguration,) = events(d, "Inauguration")
    assert inauguration.source == "office-minister-foreign-affairs-france"
    assert inauguration.inaugurated == "lycee-francais-d-accra"
    assert dates(inauguration) == ("2019-04-04", None)


def test_a_passive_inauguration(gaz: Gazetteer) -> None:
    d = draft(gaz, "Le Centre culturel franco-ghanéen a été inauguré à Kumasi en juin 2016.")
    (inauguration,) = events(d, "Inauguration")
    assert (inauguration.source, inauguration.inaugurated) == (
        None,
        "centre-culturel-franco-ghaneen",
    )
    assert inauguration.places == ["kumasi"]


@pytest.mark.parametrize(
    ("text", "created", "first"),
    [
        ("L’Institut français du Ghana a été créé en 2004.", "institut-francais-du-ghana", "2004"),
        (
            "Un consulat honoraire a été ouvert à Kumasi en 2015.",
            "consulat-honoraire-a-kumasi",
            "2015",
        ),
    ],
    ids=["created", "opened"],
)
def test_a_creation_in_the_passive(gaz: Gazetteer, text: str, created: str, first: str) -> None:
    d = draft(gaz, "La France et le Ghana coopèrent. " + text)
    (creation,) = events(d, "Creation")
    assert (creation.created, dates(creation)[0]) == (created, first)


def test_the_establishment_of_relations_in_the_passive(gaz: Gazetteer) -> None:
    d = draft(
        gaz, "Les relations diplomatiques entre la France et le Ghana ont été établies en 1957."
    )
    (event,) = events(d, "EstablishmentOfDiplomaticRelations")
    assert (event.source, event.target, dates(event)) == ("france", "ghana", ("1957", None))


# -- entities -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "slug"),
    [
        ("le chef de la diplomatie française", "office-minister-foreign-affairs-france"),
        ("la Ministre de la Culture", "office-minister-culture-france"),
        ("le Ministre de l’Agriculture", "office-minister-agriculture-france"),
        ("le Ministre ghanéen de l’Industrie", "office-minister-industry-ghana"),
        ("le Président du Sénat", "office-president-senate-france"),
        (
            "la Présidente de l’Assemblée nationale ghanéenne",
            "office-president-national-assembly-ghana",
        ),
        (
            "le Ministre délégué chargé du Commerce extérieur",
            "office-minister-delegate-foreign-trade-france",
        ),
    ],
)
def test_an_office_named_by_its_title(gaz: Gazetteer, words: str, slug: str) -> None:
    d = draft(gaz, f"Le Président ghanéen a reçu {words} à Accra le 2 mai 2018.")
    (reception,) = events(d, "Reception")
    assert reception.target == slug


@pytest.mark.parametrize(
    ("words", "slug", "cls", "located_in"),
    [
        ("à l’Élysée", "elysee-palace", "Venue", "paris"),
        ("à Matignon", "hotel-de-matignon", "Venue", "paris"),
        ("au quai d’Orsay", "quai-d-orsay", "Venue", "paris"),
        ("à Tamale", "tamale", "City", "ghana"),
        ("à Sekondi-Takoradi", "sekondi-takoradi", "City", "ghana"),
    ],
)
def test_a_place_in_the_place_slot(
    gaz: Gazetteer, words: str, slug: str, cls: str, located_in: str
) -> None:
    d = draft(
        gaz, f"Le Président ghanéen a été reçu {words} par le Premier ministre le 2 mai 2018."
    )
    (reception,) = events(d, "Reception")
    assert reception.places == [slug]
    place = d.entities[slug]
    assert (place.cls, place.located_in) == (cls, located_in)
    assert place.placed_by is not None


@pytest.mark.parametrize(
    ("words", "slug", "country"),
    [
        ("l’Agence française de développement", "agence-francaise-de-developpement", "france"),
        ("l’université de Montpellier", "universite-de-montpellier", "france"),
        ("le Ministère ghanéen de la Santé", "ministry-health-ghana", "ghana"),
        ("l’Université de Tamale", "universite-de-tamale", "ghana"),
    ],
)
def test_an_organisation_named_by_its_name(
    gaz: Gazetteer, words: str, slug: str, country: str
) -> None:
    d = draft(gaz, f"Un accord a été signé le 3 mai 2018 entre {words} et le Ghana.")
    (agreement,) = d.agreements
    assert agreement.parties[0] == slug
    assert d.entities[slug].country == country


def test_the_subject_across_a_participle_comes_from_the_dependency_parse(gaz: Gazetteer) -> None:
    d = draft(
        gaz,
        "Le Président ghanéen, accompagné du Ministre ghanéen de l’Économie, s’est rendu à "
        "Paris le 3 mai 2019.",
    )
    (visit,) = events(d, "Visit")
    assert visit.source == "office-president-ghana"


def test_a_person_named_after_a_civility(gaz: Gazetteer) -> None:
    d = draft(
        gaz,
        "Mme Abena Ofori-Atta, ambassadrice du Ghana en France, a présenté ses lettres de "
        "créance au Président de la République le 6 mai 2019.",
    )
    assert "abena-ofori-atta" in {h.holder for h in d.holdings}


def test_le_ministre_without_a_portfolio_is_the_minister_named_before(gaz: Gazetteer) -> None:
    d = draft(
        gaz,
        "Le Ministre de l’Agriculture s’est rendu à Accra le 2 mars 2018. En marge du sommet "
        "de la CEDEAO, le ministre a rencontré son homologue ghanéen le 12 juin 2018.",
    )
    (meeting,) = events(d, "Meeting")
    assert meeting.source == "office-minister-agriculture-france"
    assert meeting.target == "office-minister-agriculture-ghana"
    assert meeting.margins_of is not None


@pytest.mark.parametrize(
    "text",
    [
        "L’ouverture d’un consulat honoraire à Kumasi en 2015 a renforcé notre présence.",
        "La France a ouvert un consulat honoraire à Kumasi en 2015.",
    ],
    ids=["nominal", "active"],
)
def test_an_honorary_consulate_opens(gaz: Gazetteer, text: str) -> None:
    d = draft(gaz, "La France et le Ghana coopèrent. " + text)
    (creation,) = events(d, "Creation")
    assert (creation.created, creation.places, dates(creation)) == (
        "consulat-honoraire-a-kumasi",
        ["kumasi"],
        ("2015", None),
    )
    assert d.entities["consulat-honoraire-a-kumasi"].cls == "DiplomaticMission"


def test_an_office_without_its_country_visiting_that_country(gaz: Gazetteer) -> None:
    d = draft(
        gaz,
        "La France et le Ghana coopèrent. Le Secrétaire général du Parti, M. Kwesi Appiah, "
        "s’est rendu à Paris le 4 juin 2019.",
    )
    (visit,) = events(d, "Visit")
    assert (visit.source, visit.target) == ("kwesi-appiah", "france")
    assert ("kwesi-appiah", "office-secretary-general-party-ghana") in {
        (h.holder, h.office) for h in d.holdings
    }


def test_a_named_summit_the_page_does_not_date_stays_undated(gaz: Gazetteer) -> None:
    d = draft(
        gaz,
        "La France et le Ghana coopèrent. Le Président de la République a participé au sommet "
        "de l’Union africaine à Addis-Abeba.",
    )
    (summit,) = events(d, "Summit")
    assert (summit.date, summit.places, summit.label_fr) == (
        None,
        ["addis-ababa"],
        "Sommet de l’Union africaine",
    )


def _summits(gaz: Gazetteer, text: str) -> list[str]:
    from rdflib.namespace import RDF

    from diplokg.draft.writer import write_turtle
    from diplokg.namespaces import DKG

    turtle = write_turtle(draft(gaz, text), gaz)
    graph = Graph().parse(data=turtle, format="turtle")
    assert len(set(graph.objects(None, DKG.onTheMarginsOf))) == 1
    return sorted(str(s) for s in graph.subjects(RDF.type, DKG.Summit))


def test_one_summit_resource_for_two_meetings_on_its_margins(gaz: Gazetteer) -> None:
    summits = _summits(
        gaz,
        "Le Président de la République a rencontré son homologue péruvien le 14 novembre 2016 en "
        "marge du sommet de l’APEC à Lima. Le Ministre de l’Économie a rencontré son homologue "
        "péruvien le 15 novembre 2016 en marge du sommet de l’APEC.",
    )
    assert len(summits) == 1


def test_a_meeting_on_the_margins_of_a_summit_the_page_dates_names_that_summit(
    gaz: Gazetteer,
) -> None:
    summits = _summits(
        gaz,
        "Le sommet de l’APEC s’est tenu à Lima le 14 novembre 2016. Le Ministre de l’Économie a "
        "rencontré son homologue péruvien le 15 novembre 2016 en marge du sommet de l’APEC.",
    )
    assert len(summits) == 1


def test_a_summit_after_a_verb_is_not_fronted_to_the_next_verb(gaz: Gazetteer) -> None:
    d = draft(
        gaz,
        "Le Président de la République a rencontré son homologue péruvien le 14 novembre 2016 en "
        "marge du sommet de l’APEC à Lima, et s’est rendu en visite officielle à Cuzco les 16 et "
        "17 novembre 2016.",
    )
    (visit,) = events(d, "OfficialVisit")
    assert visit.margins_of is None


# -- state bodies, names and signatories (rules from the synthetic Peru, Ethiopia, Laos pages;
# the sentences below are other countries and other words) ------------------------------------


@pytest.mark.parametrize(
    ("words", "slug", "country"),
    [
        ("le ministère ghanéen des Affaires étrangères", "ministry-foreign-affairs-ghana", "ghana"),
        (
            "le ministère ghanéen des Relations extérieures",
            "ministry-foreign-affairs-ghana",
            "ghana",
        ),
        ("le ministère de la Défense du Ghana", "ministry-defence-ghana", "ghana"),
        ("le ministère des Armées", "ministry-defence-france", "france"),
        ("le Quai d’Orsay", "ministry-foreign-affairs-france", "france"),
        ("le gouvernement ghanéen", "government-ghana", "ghana"),
    ],
)
def test_a_ministry_or_government_named_by_what_it_is(
    gaz: Gazetteer, words: str, slug: str, country: str
) -> None:
    d = draft(
        gaz, f"Un protocole a été signé le 3 mai 2018 entre {words} et la France.", country="ghana"
    )
    (agreement,) = d.agreements
    assert agreement.parties[0] == slug
    entity = d.entities.get(slug) or gaz.entities[slug]
    assert entity.country == country


def test_a_government_without_its_country_is_not_read(gaz: Gazetteer) -> None:
    d = draft(gaz, "Un protocole a été signé le 3 mai 2018 entre le gouvernement et le Ghana.")
    assert "government-france" not in d.entities
    assert all(not p.startswith("government-") for a in d.agreements for p in a.parties)


def test_the_french_foreign_ministry_by_its_long_name(gaz: Gazetteer) -> None:
    """ "de l'Europe" inside the title is the title's, not a place of the event."""
    d = draft(
        gaz,
        "Des consultations entre le ministère de l’Europe et des Affaires étrangères et le "
        "ministère ghanéen des Affaires étrangères se sont tenues à Accra le 4 juin 2019.",
    )
    (consultation,) = events(d, "Consultation")
    assert {consultation.source, consultation.target} == {
        "ministry-foreign-affairs-france",
        "ministry-foreign-affairs-ghana",
    }
    assert dates(consultation) == ("2019-06-04", None)


def test_consultations_between_two_bodies(gaz: Gazetteer) -> None:
    d = draft(
        gaz,
        "Les consultations consulaires entre le Quai d’Orsay et le ministère ghanéen des "
        "Affaires étrangères ont eu lieu le 2 avril 2019.",
    )
    (consultation,) = events(d, "Consultation")
    assert (consultation.source, consultation.target) == (
        "ministry-foreign-affairs-france",
        "ministry-foreign-affairs-ghana",
    )


def test_a_known_city_ends_the_name_of_an_organisation_whole(gaz: Gazetteer) -> None:
    d = draft(
        gaz,
        "Un accord a été signé le 3 mai 2018 entre l’École normale d’Addis-Abeba et le Ghana.",
    )
    (agreement,) = d.agreements
    assert agreement.parties[0] == "ecole-normale-d-addis-abeba"


def test_a_capitalised_complement_the_model_mistags_stays_in_the_name(gaz: Gazetteer) -> None:
    d = draft(
        gaz,
        "Un accord a été signé le 3 mai 2018 entre l’Université pontificale de San Pablo et la "
        "France.",
        country="peru",
    )
    (agreement,) = d.agreements
    assert agreement.parties[0] == "universite-pontificale-de-san-pablo"


def test_a_place_with_a_hyphenated_article(gaz: Gazetteer) -> None:
    d = draft(
        gaz,
        "Le Président de la République a rencontré le Président ghanéen à Ras el-Khaïma le "
        "3 mai 2018.",
    )
    (meeting,) = events(d, "Meeting")
    assert meeting.places == ["ras-el-khaima"]


def test_a_body_that_signs_with_another(gaz: Gazetteer) -> None:
    d = draft(
        gaz,
        "L’Agence française de développement (AFD) a signé le 9 mars 2020 avec le gouvernement "
        "ghanéen une convention de prêt de 40 M€.",
    )
    (agreement,) = d.agreements
    assert agreement.parties == ["agence-francaise-de-developpement", "government-ghana"]


def test_the_two_ministers_who_sign_are_the_two_sides_of_the_meeting_before(
    gaz: Gazetteer,
) -> None:
    d = draft(
        gaz,
        "Le ministre de la Culture a rencontré son homologue ghanéenne, Mme Ama Owusu, à Accra "
        "le 2 février 2016. Les deux ministres ont signé le 3 février 2016 un protocole sur les "
        "musées.",
    )
    (agreement,) = d.agreements
    assert agreement.parties == ["office-minister-culture-france", "ama-owusu"]
    assert "reading-of-the-phrase" in {i.kind for i in agreement.interpretations}


def test_two_heads_of_state_who_sign_are_the_two_offices(gaz: Gazetteer) -> None:
    d = draft(
        gaz,
        "Le Président ghanéen s’est rendu à Paris le 2 février 2016. Les deux chefs d’État ont "
        "signé le 3 février 2016 une déclaration d’intention.",
    )
    (agreement,) = d.agreements
    assert set(agreement.parties) == {"office-president-france", "office-president-ghana"}


def test_two_coordinated_subjects_meet_each_other(gaz: Gazetteer) -> None:
    d = draft(
        gaz,
        "La ministre des Armées et le ministre ghanéen de la Défense, M. Kwame Boateng, se sont "
        "rencontrés à Accra le 5 mai 2017.",
    )
    (meeting,) = events(d, "Meeting")
    assert (meeting.source, meeting.target) == ("office-minister-defence-france", "kwame-boateng")


def test_relations_established_in_an_apposition(gaz: Gazetteer) -> None:
    d = draft(
        gaz,
        "Les relations diplomatiques franco-ghanéennes, nouées en 1957, reposent sur des "
        "échanges anciens.",
    )
    (established,) = events(d, "EstablishmentOfDiplomaticRelations")
    assert (established.source, established.target, dates(established)) == (
        "france",
        "ghana",
        ("1957", None),
    )


def test_a_president_named_by_title_and_surname_is_the_person_named_before(
    gaz: Gazetteer,
) -> None:
    """ "le Président Owusu" after "M. Kofi Owusu": that person; credentials "remises"."""
    d = draft(
        gaz,
        "Le Président ghanéen, M. Kofi Owusu, a été élu en 2016. Mme Claire Dumas, ambassadrice "
        "de France au Ghana, a remis ses lettres de créance au Président Owusu le 4 mars 2017.",
    )
    (reception,) = events(d, "Reception")
    assert (reception.source, reception.target, dates(reception)) == (
        "kofi-owusu",
        "claire-dumas",
        ("2017-03-04", None),
    )


def test_a_surname_two_people_share_is_not_read(gaz: Gazetteer) -> None:
    d = draft(
        gaz,
        "M. Kofi Owusu et Mme Ama Owusu sont venus en 2016. Le ministre de la Culture a "
        "rencontré le Président Owusu à Accra le 4 mars 2017.",
        country="ghana",
    )
    (meeting,) = events(d, "Meeting")
    assert meeting.target not in ("kofi-owusu", "ama-owusu")
