"""score: hand-made cases, including the check that must find nothing and a fixture on which
it finds something."""

from __future__ import annotations

import pytest
from rdflib import Graph

from diplokg.draft.score import format_errors, format_table, score_graphs

PREFIXES = """@prefix dkg: <https://w3id.org/diplokg/ontology#> .
@prefix res: <https://w3id.org/diplokg/resource/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
res:office-x a dkg:Office ; dkg:officeOf res:senegal ; rdfs:label "Ministre X"@fr .
"""
GOLD = (
    PREFIXES
    + """
res:v a dkg:Visit ; dkg:sourceActor res:office-x ; dkg:targetActor res:france ;
    dkg:tookPlaceIn res:paris ; dkg:startDate "2016-02-03"^^xsd:date ;
    dkg:endDate "2016-02-04"^^xsd:date .
res:m a dkg:Meeting ; dkg:sourceActor res:office-x ; dkg:targetActor res:france ;
    dkg:date "2015-09-22"^^xsd:date .
res:t a dkg:Treaty ; dkg:party res:france , res:senegal ;
    dkg:signedOn "2008-06"^^xsd:gYearMonth .
res:f a dkg:EconomicFigure ; dkg:value 1200000000 ; dkg:currency "EUR" ;
    dkg:period "2015"^^xsd:gYear .
"""
)


def _graph(text: str) -> Graph:
    return Graph().parse(data=text, format="turtle")


def test_a_draft_equal_to_its_gold_has_no_error() -> None:
    score = score_graphs(_graph(GOLD), _graph(GOLD))
    for name, row in score.rows.items():
        assert (row.fp, row.fn) == (0, 0), name


def test_the_no_error_check_finds_errors_in_a_wrong_draft() -> None:
    wrong = (
        GOLD.replace('"2016-02-03"^^xsd:date', '"2016-02-04"^^xsd:date')
        .replace("1200000000", "1300000000")
        .replace('"2008-06"', '"2008-07"')
    )
    score = score_graphs(_graph(wrong), _graph(GOLD))
    assert score.rows["events"].fn == 1  # re-dated visit: same event, wrong date
    assert score.rows["events (identity)"].fn == 0  # the dates still overlap
    assert score.rows["figures"].fn == 1
    assert score.rows["agreements"].fn == 1
    assert score.rows["dates"].fn >= 2


def test_an_event_of_other_countries_is_another_event() -> None:
    other = GOLD.replace(
        "dkg:targetActor res:france ;\n    dkg:tookPlaceIn",
        "dkg:targetActor res:japan ;\n    dkg:tookPlaceIn",
    )
    score = score_graphs(_graph(other), _graph(GOLD))
    assert score.rows["events (identity)"].fn == 1


def test_meetings_are_symmetric_visits_are_not() -> None:
    swapped = GOLD.replace(
        "res:m a dkg:Meeting ; dkg:sourceActor res:office-x ; dkg:targetActor res:france",
        "res:m a dkg:Meeting ; dkg:sourceActor res:france ; dkg:targetActor res:office-x",
    )
    assert score_graphs(_graph(swapped), _graph(GOLD)).rows["events"].fn == 0
    reversed_visit = GOLD.replace(
        "res:v a dkg:Visit ; dkg:sourceActor res:office-x ; dkg:targetActor res:france",
        "res:v a dkg:Visit ; dkg:sourceActor res:france ; dkg:targetActor res:office-x",
    )
    assert score_graphs(_graph(reversed_visit), _graph(GOLD)).rows["events"].fn == 1


def test_minted_entities_match_by_label() -> None:
    gold = (
        PREFIXES
        + 'res:v a dkg:Visit ; dkg:sourceActor res:amadou-diallo ; dkg:date "2016"^^xsd:gYear .\n'
        'res:amadou-diallo rdfs:label "Amadou Diallo"@fr .'
    )
    draft = (
        PREFIXES
        + 'res:v a dkg:Visit ; dkg:sourceActor res:a-diallo ; dkg:date "2016"^^xsd:gYear .\n'
        'res:a-diallo rdfs:label "Amadou Diallo"@fr .'
    )
    assert score_graphs(_graph(draft), _graph(gold)).rows["entities"].fn == 0


def test_the_table_names_the_goals() -> None:
    table = format_table(score_graphs(_graph(GOLD), _graph(GOLD)))
    assert "F1 >= 0.8 MET" in table and "F1 >= 0.9 MET" in table


MUTUAL_GOLD = (
    PREFIXES
    + """
res:s a dkg:Signing ; dkg:sourceActor res:france , res:senegal ;
    dkg:targetActor res:france , res:senegal ; dkg:date "2011-04"^^xsd:gYearMonth .
res:e a dkg:EstablishmentOfDiplomaticRelations ; dkg:sourceActor res:france , res:senegal ;
    dkg:targetActor res:france , res:senegal ; dkg:date "1960-08-20"^^xsd:date .
"""
)


@pytest.mark.parametrize(
    ("source", "target"),
    [("france", "senegal"), ("senegal", "france")],
    ids=["france-first", "senegal-first"],
)
def test_a_mutual_event_matches_its_parties_in_either_order(source: str, target: str) -> None:
    draft = (
        PREFIXES
        + f"""
res:s2 a dkg:Signing ; dkg:sourceActor res:{source} ; dkg:targetActor res:{target} ;
    dkg:date "2011-04"^^xsd:gYearMonth .
res:e2 a dkg:EstablishmentOfDiplomaticRelations ; dkg:sourceActor res:{source} ;
    dkg:targetActor res:{target} ; dkg:date "1960-08-20"^^xsd:date .
"""
    )
    row = score_graphs(_graph(draft), _graph(MUTUAL_GOLD)).rows["events"]
    assert (row.tp, row.fp, row.fn) == (2, 0, 0)


def test_a_mutual_event_with_a_wrong_party_is_missed() -> None:
    draft = (
        PREFIXES
        + """
res:s2 a dkg:Signing ; dkg:sourceActor res:france ; dkg:targetActor res:japan ;
    dkg:date "2011-04"^^xsd:gYearMonth .
res:e2 a dkg:EstablishmentOfDiplomaticRelations ; dkg:sourceActor res:france ;
    dkg:targetActor res:france ; dkg:date "1960-08-20"^^xsd:date .
"""
    )
    score = score_graphs(_graph(draft), _graph(MUTUAL_GOLD))
    assert (score.rows["events"].tp, score.rows["events (identity)"].tp) == (0, 0)
    assert score.rows["events"].fn == 2


BODIES = (
    PREFIXES
    + """
res:u1 a dkg:EducationalInstitution ; dkg:countryOf res:france ; rdfs:label "Université A"@fr .
res:u2 a dkg:EducationalInstitution ; dkg:countryOf res:senegal ; rdfs:label "Université B"@fr .
res:u3 a dkg:EducationalInstitution ; dkg:countryOf res:senegal ; rdfs:label "Université C"@fr .
"""
)


def test_a_mutual_event_between_two_bodies_needs_both_bodies() -> None:
    gold = BODIES + (
        "res:s a dkg:Signing ; dkg:sourceActor res:u1 , res:u2 ; dkg:targetActor res:u1 , res:u2 ;"
        ' dkg:date "2011-04"^^xsd:gYearMonth .'
    )
    right = BODIES + (
        'res:d a dkg:Signing ; dkg:sourceActor res:u2 ; dkg:targetActor res:u1 ; dkg:date "2011-04"'
        "^^xsd:gYearMonth ."
    )
    assert score_graphs(_graph(right), _graph(gold)).rows["events"].tp == 1
    score = score_graphs(_graph(right.replace("res:u2 ;", "res:u3 ;")), _graph(gold))
    assert score.rows["events (identity)"].tp == 1  # the same countries …
    assert score.rows["events"].tp == 0  # … but another university


def test_guest_and_host_stand_for_missing_actors() -> None:
    gold = GOLD.replace(
        "res:v a dkg:Visit ; dkg:sourceActor res:office-x ; dkg:targetActor res:france",
        "res:v a dkg:Visit ; dkg:guest res:office-x ; dkg:host res:france",
    )
    assert score_graphs(_graph(GOLD), _graph(gold)).rows["events"].fn == 0


def test_an_office_no_graph_describes_has_the_country_of_its_slug() -> None:
    visit = (
        PREFIXES + "res:v a dkg:Visit ; dkg:sourceActor res:{} ; dkg:targetActor res:france ;"
        ' dkg:date "2016"^^xsd:gYear .'
    )
    gold = _graph(visit.format("office-minister-culture-senegal"))
    row = score_graphs(_graph(visit.format("office-x")), gold).rows["events (identity)"]
    assert (row.tp, row.fn) == (1, 0)
    japan = _graph(visit.format("office-ambassador-japan-senegal"))
    assert score_graphs(japan, gold).rows["events (identity)"].tp == 0  # Japan's ambassador
    senegal = _graph(visit.format("office-ambassador-senegal-japan"))
    assert score_graphs(senegal, gold).rows["events (identity)"].tp == 1


BOUNDED = (
    PREFIXES
    + """
res:m2 a dkg:Meeting ; dkg:sourceActor res:office-x ; dkg:targetActor res:france ;
    dkg:notBefore "2016-07-08"^^xsd:date ; dkg:notAfter "2016-07-09"^^xsd:date .
"""
)


def test_an_event_dated_by_its_bounds_alone_is_read_as_their_span() -> None:
    """A meeting on the margins of a two-day summit may be bounded, not dated (event model §3):
    it matches itself, and the same meeting drafted with the span as its dates."""
    score = score_graphs(_graph(BOUNDED), _graph(BOUNDED))
    assert (score.rows["events"].tp, score.rows["events"].fn) == (1, 0)
    spanned = BOUNDED.replace("dkg:notBefore", "dkg:startDate").replace(
        "dkg:notAfter", "dkg:endDate"
    )
    assert score_graphs(_graph(spanned), _graph(BOUNDED)).rows["events"].fn == 0
    elsewhere = spanned.replace("2016-07-08", "2016-09-08").replace("2016-07-09", "2016-09-09")
    assert score_graphs(_graph(elsewhere), _graph(BOUNDED)).rows["events (identity)"].fn == 1


def test_a_one_sided_bound_leaves_the_other_side_open() -> None:
    since = BOUNDED.replace(' ; dkg:notAfter "2016-07-09"^^xsd:date', "")
    later = since.replace("dkg:notBefore", "dkg:date").replace("2016-07-08", "2019-03-01")
    earlier = since.replace("dkg:notBefore", "dkg:date").replace("2016-07-08", "2015-03-01")
    assert score_graphs(_graph(later), _graph(since)).rows["events (identity)"].fn == 0
    assert score_graphs(_graph(earlier), _graph(since)).rows["events (identity)"].fn == 1


def test_a_missed_figure_without_unit_never_prints_none() -> None:
    # a gold figure with no dkg:unit nor dkg:currency, which the draft lacks
    gold = PREFIXES + 'res:g a dkg:StudentFigure ; dkg:value 350 ; dkg:period "2015"^^xsd:gYear .\n'
    score = score_graphs(_graph(PREFIXES), _graph(gold))
    assert score.rows["figures"].missed == ["350.0"]
    assert "None" not in format_errors(score)
