"""The build's rules (ontology/rules/*.rq): codings per direction, the host side of a visit,
third-location meetings, levels from the actors' offices, and the files' own checks."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from diplokg.build import rules
from diplokg.errors import InputError
from diplokg.namespaces import DKG, RES
from diplokg.rdfio import Triple

REPO = Path(__file__).resolve().parents[2]
RULES = rules.load_rules(REPO / "ontology" / "rules")
BAD = Path(__file__).parents[1] / "data" / "rules"


def test_every_rule_has_a_title_and_a_description() -> None:
    assert [r.name for r in RULES] == sorted(r.name for r in RULES)
    assert all(r.title and r.description for r in RULES)


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        pytest.param("no-header.rq", "a rule needs a '#+ ' header", id="no-header"),
        pytest.param("select.rq", "a rule must be a CONSTRUCT query", id="select"),
        pytest.param("broken.rq", "bad SPARQL", id="broken"),
    ],
)
def test_a_bad_rule_file_is_named(tmp_path: Path, fixture: str, message: str) -> None:
    shutil.copy(BAD / fixture, tmp_path / fixture)
    with pytest.raises(InputError, match=re.escape(message)) as info:
        rules.load_rules(tmp_path)
    assert fixture in str(info.value)


@pytest.fixture(scope="module")
def facts(ontology: Graph) -> Callable[[str], set[Triple]]:
    """`facts(turtle)`: the ontology and `turtle` (with the dkg: and res: prefixes), as a closure
    to derive from."""

    def closure(turtle: str) -> set[Triple]:
        graph = Graph().parse(
            data="@prefix dkg: <https://w3id.org/diplokg/ontology#> .\n"
            "@prefix res: <https://w3id.org/diplokg/resource/> .\n" + turtle,
            format="turtle",
        )
        return set(ontology) | set(graph)

    return closure


COUNTRIES = """
res:fr a dkg:Country ; dkg:actorCountry res:fr .
res:kz a dkg:Country ; dkg:actorCountry res:kz .
res:nl a dkg:Country ; dkg:actorCountry res:nl .
res:pm-fr a dkg:Office ; dkg:actorCountry res:fr ; dkg:protocolRank res:rank-head-of-government .
res:pm-kz a dkg:Office ; dkg:actorCountry res:kz ; dkg:protocolRank res:rank-head-of-government .
res:mfa-fr a dkg:Office ; dkg:actorCountry res:fr ; dkg:protocolRank res:rank-minister .
res:president-kz a dkg:Office ; dkg:actorCountry res:kz ; dkg:protocolRank res:rank-head-of-state .
"""


def codings(derived: set[Triple], event: str) -> set[tuple[str, str, str, str]]:
    """(code, source, target, derivation) of each coding of `event`, by local names."""
    out: set[tuple[str, str, str, str]] = set()
    for coding in {s for s, p, o in derived if p == DKG.codes and o == RES[event]}:
        values = {p: o for s, p, o in derived if s == coding}
        code, source, target, derivation = (
            str(values[p]).rsplit("/", 1)[-1].removeprefix("cameo-").removeprefix("derivation-")
            for p in (DKG.cameoEventCode, DKG.sourceActor, DKG.targetActor, DKG.derivation)
        )
        out.add((code, source, target, derivation))
    return out


def test_a_reception_is_also_the_guests_visit(facts: Callable[[str], set[Triple]]) -> None:
    # "le Premier ministre a reçu son homologue à Paris": 043 as the page says it, and the
    # Kazakh Prime Minister's visit to France (042) derived
    derived = rules.derive(
        RULES,
        facts(
            COUNTRIES
            + """res:r a dkg:Reception , dkg:InteractionEvent , dkg:Event ;
                   dkg:sourceActor res:pm-fr ; dkg:host res:pm-fr ;
                   dkg:targetActor res:pm-kz ; dkg:guest res:pm-kz ."""
        ),
    )
    assert codings(derived, "r") == {
        ("043", "pm-fr", "pm-kz", "stated"),
        ("042", "pm-kz", "pm-fr", "derived"),
    }
    assert (RES["coding/r/042/pm-kz/pm-fr"], RDF.type, DKG.EventCoding) in derived
    # CAMEO 042 "Make a visit" weighs 1.9 on the Goldstein scale, 043 "Host a visit" 2.8
    assert (
        RES["coding/r/042/pm-kz/pm-fr"],
        DKG.goldstein,
        Literal("1.9", datatype=XSD.decimal),
    ) in (derived)
    assert (
        RES["coding/r/043/pm-fr/pm-kz"],
        DKG.goldstein,
        Literal("2.8", datatype=XSD.decimal),
    ) in (derived)


def test_a_meeting_in_a_third_country_is_044_both_ways(facts: Callable[[str], set[Triple]]) -> None:
    # "une seconde fois le 24 mars 2014 ... à La Haye": neither side is at home
    derived = rules.derive(
        RULES,
        facts(
            COUNTRIES
            + """res:m a dkg:Meeting , dkg:InteractionEvent , dkg:Event ;
                   dkg:sourceActor res:pm-fr ; dkg:targetActor res:president-kz ;
                   dkg:tookPlaceIn res:nl ."""
        ),
    )
    assert codings(derived, "m") == {
        ("044", "pm-fr", "president-kz", "stated"),
        ("044", "president-kz", "pm-fr", "derived"),
    }


def test_a_meeting_at_home_is_coded_as_a_visit(facts: Callable[[str], set[Triple]]) -> None:
    # "a rencontré ... son homologue ... à Paris": the French side hosts
    derived = rules.derive(
        RULES,
        facts(
            COUNTRIES
            + """res:m a dkg:Meeting , dkg:InteractionEvent , dkg:Event ;
                   dkg:sourceActor res:pm-fr ; dkg:host res:pm-fr ;
                   dkg:targetActor res:pm-kz ; dkg:guest res:pm-kz ;
                   dkg:tookPlaceIn res:fr ."""
        ),
    )
    assert codings(derived, "m") == {
        ("043", "pm-fr", "pm-kz", "stated"),
        ("042", "pm-kz", "pm-fr", "derived"),
    }


def test_an_events_own_code_wins_over_its_class(facts: Callable[[str], set[Triple]]) -> None:
    derived = rules.derive(
        RULES,
        facts(
            COUNTRIES
            + """res:v a dkg:Visit , dkg:InteractionEvent , dkg:Event ;
                   dkg:cameoEventCode res:cameo-040 ;
                   dkg:sourceActor res:mfa-fr ; dkg:guest res:mfa-fr ;
                   dkg:targetActor res:kz ; dkg:host res:kz ."""
        ),
    )
    assert {c[0] for c in codings(derived, "v")} == {"040"}


def test_signing_parties_are_both_stated(facts: Callable[[str], set[Triple]]) -> None:
    derived = rules.derive(
        RULES,
        facts(
            COUNTRIES
            + """res:s a dkg:Signing , dkg:InteractionEvent , dkg:Event ;
                   dkg:sourceActor res:fr , res:kz ; dkg:targetActor res:fr , res:kz ."""
        ),
    )
    assert codings(derived, "s") == {("057", "fr", "kz", "stated"), ("057", "kz", "fr", "stated")}


def test_a_culture_event_takes_no_code_and_no_coding(facts: Callable[[str], set[Triple]]) -> None:
    derived = rules.derive(RULES, facts("res:c a dkg:CulturalSeason , dkg:Event ."))
    assert (RES.c, DKG.cameoEventCode, RES["cameo-not-applicable"]) in derived
    assert codings(derived, "c") == set()


def test_the_level_is_the_lowest_rank_of_the_actors_offices(
    facts: Callable[[str], set[Triple]],
) -> None:
    # "a été reçu par le Président Nazarbaïev": a head of state receiving a minister is a
    # ministerial event; a person counts by the office of a holding attested at the event
    derived = rules.derive(
        RULES,
        facts(
            COUNTRIES
            + """res:n a dkg:Person .
                 res:h dkg:holder res:n ; dkg:holdingOf res:president-kz ; dkg:attestedAt res:r .
                 res:r a dkg:Reception , dkg:InteractionEvent , dkg:Event ;
                   dkg:sourceActor res:n ; dkg:targetActor res:mfa-fr .
                 res:p a dkg:Reception , dkg:InteractionEvent , dkg:Event ;
                   dkg:sourceActor res:pm-fr ; dkg:targetActor res:pm-kz .
                 res:e a dkg:EstablishmentOfDiplomaticRelations , dkg:InteractionEvent ,
                     dkg:Event ;
                   dkg:sourceActor res:fr ; dkg:targetActor res:kz ."""
        ),
    )
    levels = {(s, o) for s, p, o in derived if p == DKG.level}
    assert levels == {
        (RES.r, RES["rank-minister"]),
        (RES.p, RES["rank-head-of-government"]),
    }  # the establishment is between countries: no office, no level


def test_statements_about_literals_are_left_out(facts: Callable[[str], set[Triple]]) -> None:
    # owlrl entails "x" owl:sameAs "x"; N-Triples cannot carry it, no rule reads it
    closure = facts("res:x a dkg:Country .") | {
        (Literal("x"), URIRef("http://www.w3.org/2002/07/owl#sameAs"), Literal("x"))
    }
    # and the rules still run: a country acts for itself
    assert (RES.x, DKG.actorCountry, RES.x) in rules.derive(RULES, closure)
