"""The hand-written inputs: they parse strictly, pass the build's lint (OWL 2 RL, declared
terms, documented ontology terms, well-typed literals), label everything in French and English,
and carry evidence that matches the source text."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from diplokg.build import load_store
from diplokg.build.lint import LintProblem, Role, Source, lint
from diplokg.config import Settings
from diplokg.namespaces import DKG, RES, WD, sparql_prefixes
from diplokg.rdfio import parse_turtle

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parents[1] / "data" / "graph"
REFERENCE = ROOT / "graph" / "reference"
SOURCE = ROOT / "graph" / "france-kazakhstan-2015.txt"
SOURCE_SHA256 = "8581af22c5d3214ab0551a1c0a44be38ef08ed7edc5252c5f65193438bb6c054"
TURTLE_FILES = sorted([*ROOT.glob("ontology/*.ttl"), *ROOT.glob("graph/*.ttl")])
DATE_TYPES = {XSD.date, XSD.gYearMonth, XSD.gYear}
DATE_PROPERTIES = (
    DKG.date,
    DKG.startDate,
    DKG.endDate,
    DKG.signedOn,
    DKG.period,
    DKG.attestedOn,
    DKG.inSessionOn,
    DKG.notBefore,
    DKG.notAfter,
    DKG.validFrom,
    DKG.validUntil,
)


def _parse(*paths: Path) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return _parse(ROOT / "ontology" / "diplokg.ttl")


@pytest.fixture(scope="module")
def facts() -> Graph:
    return _parse(*ROOT.glob("graph/*.ttl"))


def lint_files(*paths: Path, role: Role = "data") -> list[LintProblem]:
    """What the build's lint says of `paths` (each with `role`), beside the real ontology."""
    ontology = ROOT / "ontology" / "diplokg.ttl"
    sources = [Source(ontology, parse_turtle(ontology), "ontology")]
    sources += [Source(path, parse_turtle(path), role) for path in paths]
    return lint(sources, root=ROOT)


def missing_labels(graph: Graph) -> list[str]:
    """Resources under the resource namespace without both a French and an English rdfs:label."""
    missing = []
    for subject in set(graph.subjects()):
        if not str(subject).startswith(str(RES)):
            continue
        languages = {
            label.language
            for label in graph.objects(subject, RDFS.label)
            if isinstance(label, Literal)
        }
        if not {"fr", "en"} <= languages:
            missing.append(str(subject))
    return sorted(missing)


@pytest.mark.parametrize("path", TURTLE_FILES, ids=[p.name for p in TURTLE_FILES])
def test_turtle_parses_with_rdflib_and_oxigraph(path: Path) -> None:
    graph = _parse(path)
    store = ox.Store()
    store.load(path=path, format=ox.RdfFormat.TURTLE)
    assert len(graph) > 0
    assert len(store) == len(graph)


def test_source_is_the_seed_byte_for_byte() -> None:
    # the sha256 published with the seed document
    assert hashlib.sha256(SOURCE.read_bytes()).hexdigest() == SOURCE_SHA256


def test_source_document_record(facts: Graph) -> None:
    (doc,) = facts.subjects(RDF.type, DKG.SourceDocument)
    assert facts.value(doc, DCTERMS.modified) == Literal("2015-06-10", datatype=XSD.date)
    assert facts.value(doc, DCTERMS.language) == Literal("fr")
    assert str(facts.value(doc, DKG.sha256)) == SOURCE_SHA256
    assert (doc, DCTERMS.publisher, RES["ministry-foreign-affairs-france"]) in facts
    assert str(facts.value(doc, DKG.capturedFrom)).startswith("http://www.diplomatie.gouv.fr/")


def test_the_inputs_pass_the_lint_of_the_build() -> None:
    # OWL 2 RL, declared terms, documented ontology terms, well-typed literals, typed objects:
    # what `diplokg build` checks (diplokg.build.lint), on every Turtle file of the project.
    found = lint_files(*sorted(ROOT.glob("graph/*.ttl")))
    found += lint_files(ROOT / "ontology" / "shapes.ttl", role="shapes")
    assert [str(problem) for problem in found] == []


def test_rl_check_finds_a_union_an_existential_and_a_cardinality() -> None:
    found = lint_files(FIXTURES / "not-owl-rl.ttl", role="ontology")
    outside = [(p.line, p.focus, p.message.split()[0]) for p in found if "OWL 2 RL" in p.message]
    assert outside == [
        (7, "dkg:Delegate", "owl:unionOf"),
        (8, "dkg:Delegate", "owl:someValuesFrom"),
        (9, "dkg:Delegate", "owl:cardinality"),
    ]


def test_an_undocumented_ontology_term_is_found() -> None:
    found = lint_files(FIXTURES / "not-owl-rl.ttl", role="ontology")
    assert [str(p) for p in found if "lacks" in p.message] == [
        "tests/data/graph/not-owl-rl.ttl:6: dkg:Delegate: lacks an rdfs:label in English, an "
        "rdfs:label in French, an rdfs:comment and "
        "rdfs:isDefinedBy <https://w3id.org/diplokg/ontology>"
    ]


def test_undeclared_terms_are_found() -> None:
    found = lint_files(FIXTURES / "undeclared-and-unlabelled.ttl")
    assert [str(p).split(": ", 2)[2] for p in found] == [
        "dkg:Envoy is not declared by the ontology",
        "dkg:sentBy is not declared by the ontology (did you mean dkg:supplementedBy?)",
        "res:france, the object of dkg:sentBy, has no rdf:type in any input",
        "ex:whatever is from <http://example.org/vocab#>, a vocabulary the ontology does not use",
    ]


def test_every_resource_has_french_and_english_labels(facts: Graph, ontology: Graph) -> None:
    assert missing_labels(facts + ontology) == []


def test_missing_labels_are_found() -> None:
    found = missing_labels(_parse(FIXTURES / "undeclared-and-unlabelled.ttl"))
    assert found == [str(RES["mystery-envoy"])]


def test_dates_keep_calendar_datatypes(facts: Graph) -> None:
    wrong = [
        (str(s), str(o))
        for p in DATE_PROPERTIES
        for s, o in facts.subject_objects(p)
        if not (isinstance(o, Literal) and o.datatype in DATE_TYPES)
    ]
    assert wrong == []


def test_a_month_stays_a_month(facts: Graph) -> None:
    # "en septembre 1993", "en juin 2008", "en octobre 2009": months, never a made-up day.
    assert facts.value(RES["visit-1993-09-mitterrand-kazakhstan"], DKG.date) == Literal(
        "1993-09", datatype=XSD.gYearMonth
    )
    assert facts.value(RES["treaty-2008-06-strategic-partnership"], DKG.signedOn) == Literal(
        "2008-06", datatype=XSD.gYearMonth
    )
    assert facts.value(RES["agreement-2009-10-military-transit"], DKG.signedOn) == Literal(
        "2009-10", datatype=XSD.gYearMonth
    )


def test_the_summit_borrows_no_date(facts: Graph) -> None:
    # "une seconde fois le 24 mars 2014 en marge du Sommet sur la Sécurité Nucléaire à La Haye":
    # the day is the meeting's; the summit was in session that day, its span is not given.
    summit = RES["nuclear-security-summit-2014"]
    assert facts.value(summit, DKG.date) is None
    assert facts.value(summit, DKG.startDate) is None
    assert facts.value(summit, DKG.inSessionOn) == Literal("2014-03-24", datatype=XSD.date)
    meeting = RES["meeting-2014-03-24-hollande-nazarbayev"]
    assert facts.value(meeting, DKG.date) == Literal("2014-03-24", datatype=XSD.date)


def test_spelling_variants_are_alternative_labels(facts: Graph) -> None:
    alt = {(str(s).removeprefix(str(RES)), str(o)) for s, o in facts.subject_objects(SKOS.altLabel)}
    assert {
        ("nursultan-nazarbayev", "Nazarbaev"),
        ("chymkent", "Shymkent"),
        ("bolashak-programme", "Bolachak"),
        ("ballet-preljocaj", "Ballet Prejlocaj"),
    } <= alt


def test_enrichment_comes_only_from_the_reference_tables() -> None:
    enrichment = _parse(ROOT / "graph" / "france-kazakhstan-2015.enrichment.ttl")
    holdings = set(enrichment.subjects(RDF.type, DKG.OfficeHolding))
    matches = set(enrichment.subjects(RDF.type, DKG.ExternalMatch))
    # 12 rows in office-holders.tsv, one of them with two terms; 19 rows in wikidata.tsv, one
    # of which (Government of the French Republic) names nothing the graph holds (the
    # Netherlands is there since places.tsv puts The Hague in it).
    assert len(holdings) == 13
    assert len(matches) == 18
    for node in holdings | matches:
        assert (node, DCTERMS.source, None) in enrichment, node
        assert (node, PROV.wasDerivedFrom, None) in enrichment, node
    assert enrichment_outside_tables(enrichment) == []


def _table(name: str) -> list[dict[str, str]]:
    lines = (REFERENCE / name).read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]


def select(store: ox.Store, query: str) -> ox.QuerySolutions:
    """The solutions of a SELECT `query` over the union of the store's graphs."""
    solutions = store.query(query, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    return solutions


def _english(graph: Graph, node: Node | None) -> str:
    if node is None:
        return ""
    labels = (x for x in graph.objects(node, RDFS.label) if isinstance(x, Literal))
    return next((str(x) for x in labels if x.language == "en"), "")


def enrichment_outside_tables(enrichment: Graph) -> list[str]:
    """Wikidata links, holders, country codes, places, ranks and sectors whose row is not in the
    reference tables of graph/reference/ (each entity named by its English label there)."""
    names_of = enrichment + _parse(ROOT / "graph" / "france-kazakhstan-2015.ttl")
    names_of += _parse(ROOT / "ontology" / "diplokg.ttl")
    wikidata = {
        (WD[row["qid"]], SKOS[f"{row['match']}Match"], URIRef(row["evidence"]))
        for row in _table("wikidata.tsv")
    }
    holders = {(row["holder"], URIRef(row["evidence"])) for row in _table("office-holders.tsv")}
    found = []
    for match in enrichment.subjects(RDF.type, DKG.ExternalMatch):
        row = (
            enrichment.value(match, DKG.matchTarget),
            enrichment.value(match, DKG.matchRelation),
            enrichment.value(match, DCTERMS.source),
        )
        subject = enrichment.value(match, DKG.matchSubject)
        if row not in wikidata or (subject, row[1], row[0]) not in enrichment:
            found.append(f"{match}: {row}")
    for holding in enrichment.subjects(RDF.type, DKG.OfficeHolding):
        holder = enrichment.value(holding, DKG.holder)
        names = {str(label) for label in names_of.objects(holder, RDFS.label | SKOS.altLabel)}
        source = enrichment.value(holding, DCTERMS.source)
        if not any((name, source) in holders for name in names):
            found.append(f"{holding}: {sorted(names)} {source}")
    countries = {(row["country"], row["alpha3"]) for row in _table("countries.tsv")}
    for country, code in enrichment.subject_objects(DKG.iso3166Alpha3):
        if (_english(names_of, country), str(code)) not in countries:
            found.append(f"{country}: {code}")
    places = {(r["place"], r["country"], r["geonameid"]) for r in _table("places.tsv")}
    for place, geonames in enrichment.subject_objects(DKG.geonamesId):
        for country in enrichment.objects(place, DKG.locatedIn):
            entry = (_english(names_of, place), _english(names_of, country), str(geonames))
            if entry not in places:
                found.append(f"{place}: {entry}")
    actors = {(r["actor"], r["protocol_rank"], r["cameo_sector"]) for r in _table("actors.tsv")}
    for actor in set(enrichment.subjects(DKG.cameoSector)) | set(
        enrichment.subjects(DKG.protocolRank)
    ):
        rank = _english(names_of, enrichment.value(actor, DKG.protocolRank))
        sector = str(enrichment.value(actor, DKG.cameoSector) or "")
        if (_english(names_of, actor), rank, sector) not in actors:
            found.append(f"{actor}: {rank} {sector}")
    return sorted(found)


def test_a_link_outside_the_tables_is_found() -> None:
    enrichment = _parse(ROOT / "graph" / "france-kazakhstan-2015.enrichment.ttl")
    # a close row used as an exact match, and an identifier no row gives
    enrichment.set((RES["wikidata-match-chymkent"], DKG.matchRelation, SKOS.exactMatch))
    enrichment.set((RES["wikidata-match-paris"], DKG.matchTarget, WD.Q1))
    holding = RES["term-manuel-valls-prime-minister-france"]
    enrichment.set((holding, DCTERMS.source, URIRef("https://example.org/not-a-row")))
    # The Hague put in France, a wrong ISO code, a defence minister coded GOV only
    enrichment.set((RES["the-hague"], DKG.locatedIn, RES.france))
    enrichment.set((RES.kazakhstan, DKG.iso3166Alpha3, Literal("KZ")))
    enrichment.set((RES["office-minister-defence-france"], DKG.cameoSector, Literal("GOV")))
    found = enrichment_outside_tables(enrichment)
    assert [line.split(":", 2)[1] for line in found] == [
        "//w3id.org/diplokg/resource/kazakhstan",
        "//w3id.org/diplokg/resource/office-minister-defence-france",
        "//w3id.org/diplokg/resource/term-manuel-valls-prime-minister-france",
        "//w3id.org/diplokg/resource/the-hague",
        "//w3id.org/diplokg/resource/wikidata-match-chymkent",
        "//w3id.org/diplokg/resource/wikidata-match-paris",
    ]


@pytest.fixture(scope="module")
def built() -> ox.Store:
    return load_store(Settings())


def test_every_quote_matches_the_source_at_its_offsets(built: ox.Store) -> None:
    text = SOURCE.read_text(encoding="utf-8")
    query = (
        sparql_prefixes()
        + """
        SELECT ?exact ?start ?end WHERE {
          ?selector a oa:TextPositionSelector ;
                    oa:start ?start ;
                    oa:end ?end .
          ?target oa:hasSelector ?selector , ?quote .
          ?quote a oa:TextQuoteSelector ;
                 oa:exact ?exact .
        }"""
    )
    rows = [
        (s["exact"].value, int(s["start"].value), int(s["end"].value)) for s in select(built, query)
    ]
    assert len(rows) >= 100
    assert [r for r in rows if text[r[1] : r[2]] != r[0]] == []


def test_every_fact_has_evidence(built: ox.Store) -> None:
    # Fact nodes of the document: events, agreements, figures, office holdings, city pairs,
    # cooperation actions and programmes, each with at least one evidence annotation.
    query = (
        sparql_prefixes()
        + """
        SELECT ?fact WHERE {
          VALUES ?class { dkg:Event dkg:Agreement dkg:Figure dkg:OfficeHolding dkg:CityPair
                          dkg:CooperationAction dkg:Programme dkg:Partnership dkg:TransitRoute }
          GRAPH graph:asserted { ?fact a ?type . }
          ?type rdfs:subClassOf* ?class .
          FILTER NOT EXISTS { ?fact dkg:hasEvidence ?annotation . }
        }"""
    )
    assert [s["fact"].value for s in select(built, query)] == []
