"""Competency questions a researcher asks of the 2015 France–Kazakhstan page.

Each question is a SPARQL query over the built dataset (default graph = union of the named
graphs, inferences included) with its answer written from the document's sentence, quoted
beside it, not copied from the output.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
import pytest

from diplokg.build import load_store
from diplokg.config import Settings
from diplokg.namespaces import sparql_prefixes


@dataclass(frozen=True)
class Question:
    id: str
    source: str  # the sentence of the document (or the reference table) that answers it
    query: str
    expected: set[tuple[str, ...]] | bool


R = "https://w3id.org/diplokg/resource/"

QUESTIONS = [
    Question(
        "relations-established",
        "établissement des relations diplomatiques le 25 janvier 1992",
        """SELECT ?date WHERE {
             ?e a dkg:EstablishmentOfDiplomaticRelations ;
                dkg:sourceActor res:france , res:kazakhstan ;
                dkg:targetActor res:france , res:kazakhstan ;
                dkg:date ?date .
           }""",
        {("1992-01-25",)},
    ),
    Question(
        "first-presidential-visit",
        "Le Président Mitterrand s’est rendu au Kazakhstan en septembre 1993",
        """SELECT ?who ?date ?dt WHERE {
             ?v a dkg:Visit ;
                dkg:sourceActor ?p ;
                dkg:tookPlaceIn res:kazakhstan ;
                dkg:date ?date .
             ?p rdfs:label ?who .
             FILTER(lang(?who) = "en" && year(?date) = 1993)
             BIND(datatype(?date) AS ?dt)
           }""",
        {("Mitterrand", "1993-09", "http://www.w3.org/2001/XMLSchema#gYearMonth")},
    ),
    Question(
        "strategic-partnership-treaty",
        "la signature d’un traité de partenariat stratégique en juin 2008",
        """SELECT ?date WHERE {
             ?t a dkg:Treaty ;
                dkg:subject "strategic partnership"@en ;
                dkg:signedOn ?date .
             ?p dkg:establishedBy ?t .
           }""",
        {("2008-06",)},
    ),
    Question(
        "commission-created",
        "la création en 2010 d’une Commission présidentielle franco-kazakhstanaise",
        """SELECT ?date WHERE {
             ?c a dkg:Creation ;
                dkg:created res:presidential-commission ;
                dkg:date ?date .
           }""",
        {("2010",)},
    ),
    Question(
        "bodies-meeting-yearly",
        "une rencontre annuelle des deux chefs de l’Etat ... qui se réunissent chaque année",
        """SELECT ?body WHERE {
             ?b a dkg:BilateralBody ;
                dkg:meetingFrequency res:frequency-annual ;
                rdfs:label ?body .
             FILTER(lang(?body) = "en")
           }""",
        {
            ("Franco-Kazakh Presidential Commission",),
            ("Joint Commission for Economic Cooperation",),
            ("Business Council",),
        },
    ),
    Question(
        "hollande-nazarbayev-meetings",
        "a rencontré pour la 1ère fois son homologue kazakhstanais le 21 novembre 2012 à Paris, "
        "puis une seconde fois le 24 mars 2014 en marge du Sommet ... à La Haye",
        """SELECT ?n ?date ?place WHERE {
             ?m a dkg:Meeting ;
                dkg:sourceActor res:francois-hollande ;
                dkg:targetActor res:office-president-kazakhstan ;
                dkg:ordinal ?n ;
                dkg:date ?date ;
                dkg:tookPlaceIn ?p .
             ?p a dkg:City ;
                rdfs:label ?place .
             FILTER(lang(?place) = "en")
           }""",
        {("1", "2012-11-21", "Paris"), ("2", "2014-03-24", "The Hague")},
    ),
    Question(
        "margins-of-summit",
        "en marge du Sommet sur la Sécurité Nucléaire à La Haye",
        """SELECT ?summit WHERE {
             ?m dkg:onTheMarginsOf ?s .
             ?s a dkg:Summit ;
                rdfs:label ?summit .
             FILTER(lang(?summit) = "fr")
           }""",
        {("Sommet sur la Sécurité Nucléaire",)},
    ),
    Question(
        "official-visit-2014",
        "s’est rendu en visite officielle à Astana et Almaty les 5 et 6 décembre 2014",
        """SELECT ?start ?end ?city WHERE {
             ?v a dkg:OfficialVisit ;
                dkg:sourceActor res:francois-hollande ;
                dkg:startDate ?start ;
                dkg:endDate ?end ;
                dkg:tookPlaceIn ?c .
             ?c a dkg:City ;
                rdfs:label ?city .
             FILTER(lang(?city) = "en")
           }""",
        {("2014-12-05", "2014-12-06", "Astana"), ("2014-12-05", "2014-12-06", "Almaty")},
    ),
    Question(
        "official-visit-in-kazakhstan-inferred",
        "Astana and Almaty are in Kazakhstan, so the December 2014 visit took place in Kazakhstan",
        """ASK {
             GRAPH graph:inferred {
               res:visit-2014-12-hollande-kazakhstan dkg:tookPlaceIn res:kazakhstan .
             }
           }""",
        True,
    ),
    Question(
        "prime-minister-receptions",
        "le Premier ministre a reçu son homologue à Paris le 11 juin 2012, le 20 septembre 2013 "
        "et le 17 novembre 2014",
        """SELECT ?date WHERE {
             ?r a dkg:Reception ;
                dkg:sourceActor res:office-prime-minister-france ;
                dkg:targetActor res:office-prime-minister-kazakhstan ;
                dkg:tookPlaceIn res:paris ;
                dkg:date ?date .
           }""",
        {("2012-06-11",), ("2013-09-20",), ("2014-11-17",)},
    ),
    Question(
        "french-ministers-in-kazakhstan-2013",
        "le Ministre des affaires étrangères a effectué le 1er mars 2013 une visite à Astana ... "
        "La Ministre du Commerce extérieur ... le 24 mai 2013, suivie par la Ministre déléguée en "
        "charge de la francophonie les 17 et 18 septembre 2013",
        """SELECT ?office ?when WHERE {
             ?v a dkg:Visit ;
                dkg:sourceActor ?o ;
                dkg:level ?level ;
                dkg:tookPlaceIn res:kazakhstan .
             ?o a dkg:Office ;
                dkg:officeOf res:france ;
                rdfs:label ?office .
             FILTER(lang(?office) = "en")
             OPTIONAL { ?v dkg:date ?d }
             OPTIONAL { ?v dkg:startDate ?s }
             BIND(COALESCE(?d, ?s) AS ?when)
             FILTER(year(?when) = 2013)
             FILTER(?level IN (res:rank-minister, res:rank-minister-delegate))
           }""",
        {
            ("Minister of Foreign Affairs of France", "2013-03-01"),
            ("Minister of Foreign Trade of France", "2013-05-24"),
            ("Minister Delegate for Francophonie of France", "2013-09-17"),
        },
    ),
    Question(
        "defence-minister-visit",
        "le Ministre de la Défense s’est rendu au Kazakhstan les 15 et16 juillet 2012",
        """SELECT ?start ?end WHERE {
             ?v dkg:sourceActor res:office-minister-defence-france ;
                dkg:tookPlaceIn res:kazakhstan ;
                dkg:startDate ?start ;
                dkg:endDate ?end .
           }""",
        {("2012-07-15", "2012-07-16")},
    ),
    Question(
        "consultations-with-idrissov",
        "où il a eu des consultations avec son homologue M. Idrissov",
        """SELECT ?who ?date WHERE {
             ?c a dkg:Consultation ;
                dkg:sourceActor res:office-minister-foreign-affairs-france ;
                dkg:targetActor ?p ;
                dkg:date ?date .
             ?p rdfs:label ?who .
             FILTER(lang(?who) = "en")
           }""",
        {("Idrissov", "2013-03-01")},
    ),
    Question(
        "foreign-minister-received-by",
        "a été reçu par le Président Nazarbaïev ainsi que par le Premier ministre, Serik Akhmetov",
        """SELECT ?host WHERE {
             ?r a dkg:Reception ;
                dkg:targetActor res:office-minister-foreign-affairs-france ;
                dkg:date "2013-03-01"^^xsd:date ;
                dkg:sourceActor ?h .
             ?h rdfs:label ?host .
             FILTER(lang(?host) = "en")
           }""",
        {("Nazarbayev",), ("Serik Akhmetov",)},
    ),
    Question(
        "secretary-of-state-relative-date",
        "les 16 et 17 octobre derniers (page updated 10 June 2015)",
        """SELECT ?start ?end ?qualifier WHERE {
             ?v dkg:sourceActor res:office-secretary-of-state-foreign-trade-france ;
                dkg:startDate ?start ;
                dkg:endDate ?end ;
                dkg:dateQualifier ?qualifier .
           }""",
        {("2014-10-16", "2014-10-17", R + "qualifier-relative-date")},
    ),
    Question(
        "idrissov-received-in-paris",
        "M. Idrissov a été reçu par M. Fabius le 10 juin 2014 à Paris",
        """SELECT ?host ?date WHERE {
             ?r dkg:targetActor res:erlan-idrissov ;
                dkg:tookPlaceIn res:paris ;
                dkg:sourceActor ?h ;
                dkg:date ?date .
             ?h rdfs:label ?host .
             FILTER(lang(?host) = "en")
           }""",
        {("Fabius", "2014-06-10")},
    ),
    Question(
        "kazakh-prime-ministers-received",
        "office-holders.tsv: Karim Massimov (2012-06-11; 2014-11-17), Serik Akhmetov (2013-09-20)",
        """SELECT ?date ?holder WHERE {
             ?r a dkg:Reception ;
                dkg:targetActor res:office-prime-minister-kazakhstan ;
                dkg:date ?date .
             GRAPH graph:enrichment {
               ?t dkg:holdingOf res:office-prime-minister-kazakhstan ;
                  dkg:attestedAt ?r ;
                  dkg:holder ?p .
             }
             ?p rdfs:label ?holder .
             FILTER(lang(?holder) = "en")
           }""",
        {
            ("2012-06-11", "Karim Massimov"),
            ("2013-09-20", "Serik Akhmetov"),
            ("2014-11-17", "Karim Massimov"),
        },
    ),
    Question(
        "french-prime-ministers-enrichment",
        "office-holders.tsv: Jean-Marc Ayrault (2012-06-11; 2013-09-20), Manuel Valls (2014-11-17)",
        """SELECT ?date ?holder WHERE {
             ?r dkg:sourceActor res:office-prime-minister-france ;
                dkg:date ?date .
             GRAPH graph:enrichment {
               ?t dkg:attestedAt ?r ;
                  dkg:holdingOf res:office-prime-minister-france ;
                  dkg:holder ?p .
             }
             ?p rdfs:label ?holder .
             FILTER(lang(?holder) = "en")
           }""",
        {
            ("2012-06-11", "Jean-Marc Ayrault"),
            ("2013-09-20", "Jean-Marc Ayrault"),
            ("2014-11-17", "Manuel Valls"),
        },
    ),
    Question(
        "defence-minister-holder-not-in-document",
        "The document never names the Minister of Defence: no holder in the asserted graph",
        """ASK {
             GRAPH graph:asserted {
               ?h dkg:holdingOf res:office-minister-defence-france .
             }
           }""",
        False,
    ),
    Question(
        "trade-figures-2014",
        "échanges commerciaux de 6 Md€ en 2014, dont 666 M€ d’exportations depuis la France",
        """SELECT ?indicator ?value ?currency WHERE {
             ?f a dkg:EconomicFigure ;
                dkg:indicator ?i ;
                dkg:value ?value ;
                dkg:currency ?currency ;
                dkg:period "2014"^^xsd:gYear .
             ?i rdfs:label ?indicator .
             FILTER(lang(?indicator) = "en")
           }""",
        {
            ("trade volume", "6000000000", "EUR"),
            ("exports", "666000000", "EUR"),
            ("imports", "4220000000", "EUR"),
        },
    ),
    Question(
        "exports-direction",
        "dont 666 M€ d’exportations depuis la France",
        """SELECT ?from ?to WHERE {
             ?f dkg:indicator res:indicator-exports ;
                dkg:fromCountry ?from ;
                dkg:toCountry ?to .
           }""",
        {(R + "france", R + "kazakhstan")},
    ),
    Question(
        "france-as-customer",
        "la France est le cinquième client du Kazakhstan (6,4% de ses ventes)",
        """SELECT ?rank ?share WHERE {
             ?r dkg:indicator res:indicator-customer-rank ;
                dkg:rankedEntity res:france ;
                dkg:rank ?rank .
             ?s dkg:indicator res:indicator-market-share ;
                dkg:unit res:unit-percent ;
                dkg:value ?share .
           }""",
        {("5", "6.4")},
    ),
    Question(
        "france-as-investor",
        "le 3ème investisseur (11 Md€ de stock fin septembre 2014",
        """SELECT ?rank ?stock ?period WHERE {
             ?r dkg:indicator res:indicator-investor-rank ;
                dkg:rank ?rank .
             ?s dkg:indicator res:indicator-investment-stock ;
                dkg:fromCountry res:france ;
                dkg:value ?stock ;
                dkg:period ?period ;
                dkg:dateQualifier res:qualifier-end-of-period .
           }""",
        {("3", "11000000000", "2014-09")},
    ),
    Question(
        "kazakh-investment-upper-bound",
        "des investissements kazakhstanais en France de moins de 3 M USD à la même date",
        """SELECT ?value ?currency ?qualifier WHERE {
             ?f dkg:indicator res:indicator-investment-stock ;
                dkg:fromCountry res:kazakhstan ;
                dkg:toCountry res:france ;
                dkg:value ?value ;
                dkg:currency ?currency ;
                dkg:valueQualifier ?qualifier .
           }""",
        {("3000000", "USD", R + "value-less-than")},
    ),
    Question(
        "first-partner-in-central-asia",
        "le pays est le premier partenaire commercial de la France en Asie centrale",
        """SELECT ?rank ?scope WHERE {
             ?f dkg:indicator res:indicator-trading-partner-rank ;
                dkg:rankedEntity res:kazakhstan ;
                dkg:rank ?rank ;
                dkg:rankScope ?scope .
           }""",
        {("1", R + "central-asia")},
    ),
    Question(
        "military-transit-agreements",
        "signé en octobre 2009 un accord ... complété en novembre 2012 par un protocole",
        """SELECT ?protocolDate ?agreementDate WHERE {
             ?p a dkg:Protocol ;
                dkg:signedOn ?protocolDate ;
                dkg:supplements ?a .
             ?a dkg:signedOn ?agreementDate ;
                dkg:concernsPlace res:afghanistan .
           }""",
        {("2012-11", "2009-10")},
    ),
    Question(
        "protocol-is-an-agreement",
        "a protocol is an agreement (inferred typing)",
        """ASK {
             GRAPH graph:inferred { res:protocol-2012-11-chymkent-aerodrome a dkg:Agreement . }
           }""",
        True,
    ),
    Question(
        "chymkent-aerodrome-in-kazakhstan",
        "l’aérodrome de Chymkent, dans le sud du Kazakhstan",
        """ASK { res:chymkent-aerodrome dkg:locatedIn res:kazakhstan . }""",
        True,
    ),
    Question(
        "transit-route-ended",
        "L’utilisation de cette voie est désormais terminée.",
        """SELECT ?status WHERE {
             ?r a dkg:TransitRoute ;
                dkg:platform res:chymkent-aerodrome ;
                dkg:status ?status .
           }""",
        {(R + "status-ended",)},
    ),
    Question(
        "embassy-move",
        "En 2008, la France ... a transféré son ambassade, jusqu’alors sise à Almaty, dans la "
        "nouvelle capitale, Astana",
        """SELECT ?date ?from ?to WHERE {
             ?r a dkg:Relocation ;
                dkg:relocated ?e ;
                dkg:date ?date ;
                dkg:fromPlace ?from ;
                dkg:toPlace ?to .
             ?e a dkg:Embassy .
           }""",
        {("2008", R + "almaty", R + "astana")},
    ),
    Question(
        "astana-capital",
        "dans la nouvelle capitale, Astana",
        """SELECT ?city WHERE { ?city dkg:capitalOf res:kazakhstan . }""",
        {(R + "astana",)},
    ),
    Question(
        "consulate-general",
        "En 2010, ... la transformation de notre bureau d’ambassade à Almaty en Consulat général",
        """SELECT ?date WHERE {
             ?t a dkg:Transformation ;
                dkg:transformedInto ?c ;
                dkg:date ?date .
             ?c a dkg:ConsulateGeneral ;
                dkg:basedIn res:almaty .
           }""",
        {("2010",)},
    ),
    Question(
        "founding-texts",
        "le Traité d’Amitié, d’Entente et de Coopération de septembre 1992 et l’Accord de "
        "coopération dans le domaine de la culture et des arts de septembre 1993",
        """SELECT ?date WHERE {
             res:scientific-educational-cultural-cooperation dkg:basis ?a .
             ?a dkg:signedOn ?date .
           }""",
        {("1992-09",), ("1993-09",)},
    ),
    Question(
        "cultural-budget",
        "une enveloppe de 364.731 € en 2014 renouvelée au même niveau en 2015",
        """SELECT ?period ?value WHERE {
             ?b a dkg:BudgetFigure ;
                dkg:period ?period ;
                dkg:value ?value ;
                dkg:currency "EUR" .
           }""",
        {("2014", "364731"), ("2015", "364731")},
    ),
    Question(
        "french-season-events",
        "deux concerts de l’Orchestre National de Lille, représentations du Ballet Prejlocaj, "
        "exposition sur Napoléon et concert de Patricia Kaas",
        """SELECT ?kind ?event WHERE {
             ?e dkg:partOf res:french-season-2013 ;
                a ?k ;
                rdfs:label ?event .
             ?k rdfs:subClassOf dkg:CulturalEvent ;
                rdfs:label ?kind .
             FILTER(lang(?event) = "en" && lang(?kind) = "en")
             FILTER(?k != dkg:CulturalEvent)
           }""",
        {
            ("concert", "Two concerts of the Orchestre National de Lille"),
            ("performance", "Performances of the Ballet Preljocaj"),
            ("exhibition", "Exhibition on Napoleon"),
            ("concert", "Patricia Kaas concert"),
        },
    ),
    Question(
        "kazakh-season-venues",
        "une représentation du ballet d’Astana au palais des Congrès ... concert de l’opéra "
        "d’Astana au palais Bastille et présentation d’un village folklorique kazakhstanais sur la "
        "place du Palais royal",
        """SELECT ?event ?venue WHERE {
             ?e dkg:partOf res:kazakh-season-2014 ;
                dkg:tookPlaceIn ?v ;
                rdfs:label ?event .
             ?v a dkg:Venue ;
                rdfs:label ?venue .
             FILTER(lang(?event) = "en" && lang(?venue) = "en")
           }""",
        {
            ("Astana Ballet performance at the Palais des Congrès", "Palais des Congrès"),
            ("Astana Opera concert at the Opéra Bastille", "Opéra Bastille"),
            ("Presentation of a Kazakh folk village", "Place du Palais-Royal"),
        },
    ),
    Question(
        "opera-concert-in-paris-france",
        "concert de l’opéra d’Astana au palais Bastille: the Opéra Bastille is in Paris, France",
        """SELECT ?place WHERE {
             res:concert-astana-opera-2014 dkg:tookPlaceIn ?place .
           }""",
        {(R + "opera-bastille",), (R + "paris",), (R + "france",), (R + "europe",)},
    ),
    Question(
        "season-opened-with",
        "la Saison kazakhstanaise a débuté avec une représentation du ballet d’Astana",
        """SELECT ?performer WHERE {
             res:kazakh-season-2014 dkg:openedWith ?e .
             ?e dkg:performer ?performer .
           }""",
        {(R + "astana-ballet",)},
    ),
    Question(
        "paired-cities",
        "relance des jumelages Almaty-Rennes ; rapprochements Oskemen-Lyon et Atyrau-Marseille",
        """SELECT ?kz ?fr ?kind WHERE {
             ?p a dkg:CityPair ;
                dkg:pairedCity ?a , ?b ;
                dkg:pairingKind ?k .
             ?a dkg:locatedIn res:kazakhstan ;
                rdfs:label ?kz .
             ?b dkg:locatedIn res:france ;
                rdfs:label ?fr .
             ?k rdfs:label ?kind .
             FILTER(lang(?kz) = "en" && lang(?fr) = "en" && lang(?kind) = "en")
           }""",
        {
            ("Almaty", "Rennes", "twinning"),
            ("Oskemen", "Lyon", "rapprochement"),
            ("Atyrau", "Marseille", "rapprochement"),
        },
    ),
    Question(
        "pairing-is-symmetric",
        "Almaty-Rennes: Rennes is paired with Almaty too (symmetric property)",
        """ASK { GRAPH graph:inferred { res:rennes dkg:pairedWith res:almaty . } }""",
        True,
    ),
    Question(
        "city-actions",
        "action de Nice en matière de formation en hôtellerie-tourisme et de Cannes dans le "
        "domaine évènementiel",
        """SELECT ?city ?domain WHERE {
             ?a a dkg:CooperationAction ;
                dkg:actingCity ?city ;
                dkg:domain ?domain .
           }""",
        {
            (R + "nice", R + "domain-hotel-tourism-training"),
            (R + "cannes", R + "domain-events"),
        },
    ),
    Question(
        "joint-masters",
        "Un programme de formation des hauts fonctionnaires entre l’Académie de la Fonction "
        "Publique et l’ENA a abouti en 2011 à un mastère commun",
        """SELECT ?date WHERE {
             res:programme-senior-civil-servants-training dkg:ledTo ?m .
             ?c dkg:created ?m ;
                dkg:date ?date .
           }""",
        {("2011",)},
    ),
    Question(
        "sorbonne-institute-project",
        "Le projet d’ « Institut Sorbonne Kazakhstan » porté par Marek Halter depuis fin 2012",
        """SELECT ?who ?since WHERE {
             ?p a dkg:Project ;
                dkg:ledTo res:institut-sorbonne-kazakhstan ;
                dkg:carriedBy ?who ;
                dkg:startDate ?since ;
                dkg:dateQualifier res:qualifier-end-of-period .
           }""",
        {(R + "marek-halter", "2012")},
    ),
    Question(
        "memorandum-parties",
        "la signature en septembre 2013 d’un mémorandum entre le PRES Sorbonne Paris Cité (SPC) "
        "et l’université nationale pédagogique Abaï d’Almaty",
        """SELECT ?party ?date WHERE {
             ?m a dkg:Memorandum ;
                dkg:party ?party ;
                dkg:signedOn ?date .
           }""",
        {(R + "pres-sorbonne-paris-cite", "2013-09"), (R + "abai-university", "2013-09")},
    ),
    Question(
        "institute-masters",
        "deux masters (relations internationales et conduite du changement)",
        """SELECT ?discipline WHERE {
             ?m dkg:offeredBy res:institut-sorbonne-kazakhstan ;
                dkg:discipline ?d .
             ?d rdfs:label ?discipline .
             FILTER(lang(?discipline) = "fr")
           }""",
        {("relations internationales",), ("conduite du changement",)},
    ),
    Question(
        "institute-students",
        "50 étudiants y étudient depuis la rentrée 2014",
        """SELECT ?n ?since WHERE {
             ?f dkg:aboutProgramme res:institut-sorbonne-kazakhstan ;
                dkg:value ?n ;
                dkg:validFrom ?since ;
                dkg:dateQualifier res:qualifier-since .
           }""",
        {("50", "2014")},
    ),
    Question(
        "agreements-signed-during-visit",
        "Lors de la visite du Président de la République en décembre 2014, ... 21 accords entre "
        "établissements d’enseignement supérieur ... ont également été signés",
        """SELECT ?count ?date WHERE {
             ?a a dkg:InterUniversityAgreement ;
                dkg:agreementCount ?count ;
                dkg:signedOn ?date ;
                dkg:signedAt ?s .
             ?s dkg:duringEvent res:visit-2014-12-hollande-kazakhstan .
           }""",
        {("21", "2014-12")},
    ),
    Question(
        "institute-inaugurated",
        "la visite du Président de la République en décembre 2014, qui a solennellement inauguré "
        "l’Institut Sorbonne Kazakhstan",
        """SELECT ?who ?date WHERE {
             ?i a dkg:Inauguration ;
                dkg:inaugurated res:institut-sorbonne-kazakhstan ;
                dkg:sourceActor ?who ;
                dkg:date ?date .
           }""",
        # the page names the office here ("du Président de la République"), not the person
        {(R + "office-president-france", "2014-12")},
    ),
    Question(
        "bolashak",
        "Créé en 1996 par le Président Nazarbaev, le programme « Bolachak » est un programme de "
        "bourses, géré par la Fondation Bolachak",
        """SELECT ?year ?creator ?manager WHERE {
             ?c dkg:created res:bolashak-programme ;
                dkg:date ?year .
             res:bolashak-programme dkg:createdBy ?creator ;
                dkg:managedBy ?manager .
           }""",
        {("1996", R + "nursultan-nazarbayev", R + "bolashak-foundation")},
    ),
    Question(
        "bolashak-destinations",
        "principalement en Amérique du Nord et en Europe",
        """SELECT ?region WHERE { res:bolashak-programme dkg:mainDestination ?region . }""",
        {(R + "north-america",), (R + "europe",)},
    ),
    Question(
        "bolashak-students-to-france",
        "Chaque année, une quarantaine d’étudiants viennent ainsi étudier en France",
        """SELECT ?n ?qualifier WHERE {
             ?f dkg:aboutProgramme res:bolashak-programme ;
                dkg:toCountry res:france ;
                dkg:frequency res:frequency-annual ;
                dkg:value ?n ;
                dkg:valueQualifier ?qualifier .
           }""",
        {("40", R + "value-approximately")},
    ),
    Question(
        "bolashak-levels-and-disciplines",
        "niveau licence ..., master ou doctorat dans diverses disciplines (éco-gestion, "
        "ingénierie, droit, communication, arts, agronomie)",
        """SELECT (COUNT(DISTINCT ?l) AS ?levels) (COUNT(DISTINCT ?d) AS ?disciplines) WHERE {
             res:bolashak-programme dkg:studyLevel ?l ;
                dkg:discipline ?d .
           }""",
        {("3", "6")},
    ),
    Question(
        "page-metadata",
        "Mise à jour : 10.06.15 ... Ministère des Affaires étrangères et du Développement ...",
        """SELECT ?modified ?language ?publisher WHERE {
             ?d a dkg:SourceDocument ;
                dcterms:modified ?modified ;
                dcterms:language ?language ;
                dcterms:publisher ?p .
             ?p rdfs:label ?publisher .
             FILTER(lang(?publisher) = "fr")
           }""",
        {
            (
                "2015-06-10",
                "fr",
                "Ministère des Affaires étrangères et du Développement international",
            )
        },
    ),
    Question(
        "people-are-schema-and-foaf-persons",
        "every person is a schema:Person and a foaf:Person to a generic client (inferred)",
        """ASK {
             ?p a dkg:Person .
             FILTER NOT EXISTS { ?p a schema:Person , foaf:Person . }
           }""",
        False,
    ),
    Question(
        "nazarbayev-participated-in",
        "the events in which the page names President Nazarbayev (inverse property): "
        "« la visite du Président Nazarbaïev à Paris en 2008 », « reçu par le Président "
        "Nazarbaïev », « Créé en 1996 par le Président Nazarbaev »; at the two meetings it says "
        "only « son homologue kazakhstanais »",
        """SELECT ?e WHERE {
             GRAPH graph:inferred { res:nursultan-nazarbayev dkg:participatedIn ?e . }
           }""",
        {
            (R + "visit-2008-nazarbayev-paris",),
            (R + "reception-2013-03-01-nazarbayev",),
            (R + "creation-1996-bolashak",),
        },
    ),
    Question(
        "kazakh-counterpart-held-by",
        "office-holders.tsv: Nursultan Nazarbayev, President of Kazakhstan (2012-11-21; "
        "2014-03-24), the counterpart the page calls « son homologue kazakhstanais »",
        """SELECT ?date ?holder WHERE {
             ?m a dkg:Meeting ;
                dkg:targetActor res:office-president-kazakhstan ;
                dkg:date ?date .
             GRAPH graph:enrichment {
               ?t dkg:holdingOf res:office-president-kazakhstan ;
                  dkg:attestedAt ?m ;
                  dkg:holder ?holder .
             }
           }""",
        {("2012-11-21", R + "nursultan-nazarbayev"), ("2014-03-24", R + "nursultan-nazarbayev")},
    ),
    Question(
        "kazakh-trips-to-france",
        "« la visite du Président Nazarbaïev à Paris en 2008 » (stated); « le Premier ministre a "
        "reçu son homologue à Paris le 11 juin 2012, le 20 septembre 2013 et le 17 novembre "
        "2014 », « a rencontré ... son homologue kazakhstanais le 21 novembre 2012 à Paris », "
        "« M. Idrissov a été reçu par M. Fabius le 10 juin 2014 à Paris » (the host side, derived)",
        """SELECT DISTINCT ?event ?how WHERE {
             ?c a dkg:EventCoding ;
                dkg:codes ?event ;
                dkg:cameoEventCode res:cameo-042 ;
                dkg:sourceActor ?s ;
                dkg:targetActor ?t ;
                dkg:derivation ?d .
             ?s dkg:actorCountry res:kazakhstan .
             ?t dkg:actorCountry res:france .
             ?d skos:notation ?how .
           }""",
        {
            (R + "visit-2008-nazarbayev-paris", "stated"),
            (R + "reception-2012-06-11-prime-ministers", "derived"),
            (R + "meeting-2012-11-21-hollande-nazarbayev", "derived"),
            (R + "reception-2013-09-20-prime-ministers", "derived"),
            (R + "reception-2014-06-10-fabius-idrissov", "derived"),
            (R + "reception-2014-11-17-prime-ministers", "derived"),
        },
    ),
    Question(
        "french-trips-to-kazakhstan",
        "Mitterrand « au Kazakhstan en septembre 1993 »; Hollande « à Astana et Almaty les 5 et 6 "
        "décembre 2014 »; the ministers of Defence (juillet 2012), Foreign Affairs (1er mars "
        "2013), Foreign Trade (24 mai 2013), the Minister Delegate (septembre 2013) and the "
        "Secretary of State (octobre 2014)",
        """SELECT (COUNT(DISTINCT ?event) AS ?trips) WHERE {
             ?c dkg:codes ?event ;
                dkg:cameoEventCode res:cameo-042 ;
                dkg:sourceActor ?s ;
                dkg:targetActor ?t .
             ?event a dkg:Visit .
             ?s dkg:actorCountry res:france .
             ?t dkg:actorCountry res:kazakhstan .
           }""",
        {("7",)},
    ),
    Question(
        "host-side-of-a-reception",
        "le Premier ministre a reçu son homologue à Paris le 11 juin 2012: the Kazakh Prime "
        "Minister's visit to France, derived, with its holder from office-holders.tsv",
        """SELECT ?code ?holder ?how WHERE {
             ?c dkg:codes res:reception-2012-06-11-prime-ministers ;
                dkg:sourceActor res:office-prime-minister-kazakhstan ;
                dkg:targetActor res:office-prime-minister-france ;
                dkg:cameoEventCode ?k ;
                dkg:sourceActorHolder ?holder ;
                dkg:derivation ?d .
             ?k skos:notation ?code .
             ?d skos:notation ?how .
           }""",
        {("042", R + "karim-massimov", "derived")},
    ),
    Question(
        "third-country-meeting",
        "une seconde fois le 24 mars 2014 en marge du Sommet sur la Sécurité Nucléaire à La Haye: "
        "CAMEO 044, both ways, in the Netherlands",
        """SELECT ?event ?country (COUNT(?c) AS ?directions) WHERE {
             ?c dkg:codes ?event ;
                dkg:cameoEventCode res:cameo-044 .
             ?event dkg:tookPlaceIn ?p .
             ?p a dkg:Country ;
                dkg:iso3166Alpha3 ?country .
           } GROUP BY ?event ?country""",
        {(R + "meeting-2014-03-24-hollande-nazarbayev", "NLD", "2")},
    ),
    Question(
        "the-hague-in-the-netherlands",
        "places.tsv: The Hague, Netherlands, GeoNames 2747373",
        """SELECT ?country ?geonames WHERE {
             GRAPH graph:enrichment {
               res:the-hague dkg:locatedIn ?country ;
                  dkg:geonamesId ?geonames .
             }
           }""",
        {(R + "netherlands", "2747373")},
    ),
    Question(
        "signings-as-events",
        "juin 2008 (traité de partenariat stratégique), octobre 2009 (accord), novembre 2012 "
        "(protocole), septembre 1992 (Traité d’Amitié), septembre 1993 (Accord ... culture et "
        "arts), septembre 2013 (mémorandum), décembre 2014 (21 accords)",
        """SELECT ?date ?agreement WHERE {
             ?s a dkg:Signing ;
                dkg:date ?date ;
                dkg:sawSigningOf ?agreement .
           }""",
        {
            ("1992-09", R + "treaty-1992-09-friendship"),
            ("1993-09", R + "agreement-1993-09-culture-arts"),
            ("2008-06", R + "treaty-2008-06-strategic-partnership"),
            ("2009-10", R + "agreement-2009-10-military-transit"),
            ("2012-11", R + "protocol-2012-11-chymkent-aerodrome"),
            ("2013-09", R + "memorandum-2013-09-spc-abai"),
            ("2014-12", R + "inter-university-agreements-2014-12"),
        },
    ),
    Question(
        "signings-coded-057-both-ways",
        "the seven signings, each between two parties: CAMEO 057 in both directions",
        """SELECT (COUNT(?c) AS ?codings) (COUNT(DISTINCT ?e) AS ?events) WHERE {
             ?c dkg:codes ?e ;
                dkg:cameoEventCode res:cameo-057 .
           }""",
        {("14", "7")},
    ),
    Question(
        "no-code-for-culture",
        "la Saison française au Kazakhstan ... à l’automne 2013: a cultural season takes no CAMEO "
        "code, and no coding",
        """SELECT ?code (COUNT(?c) AS ?codings) WHERE {
             res:french-season-2013 dkg:cameoEventCode ?code .
             OPTIONAL { ?c dkg:codes res:french-season-2013 . }
           } GROUP BY ?code""",
        {(R + "cameo-not-applicable", "0")},
    ),
    Question(
        "levels-from-offices",
        "le Ministre des affaires étrangères ... a été reçu par le Président Nazarbaïev: a "
        "minister received by a head of state is a ministerial event; « le Premier ministre a "
        "reçu son homologue » is at head-of-government level",
        """SELECT ?event ?level WHERE {
             VALUES ?event { res:reception-2013-03-01-nazarbayev
                             res:reception-2012-06-11-prime-ministers
                             res:visit-2014-10-secretary-of-state-foreign-trade-kazakhstan }
             GRAPH graph:derived { ?event dkg:level ?level . }
           }""",
        {
            (R + "reception-2013-03-01-nazarbayev", R + "rank-minister"),
            (R + "reception-2012-06-11-prime-ministers", R + "rank-head-of-government"),
            (
                R + "visit-2014-10-secretary-of-state-foreign-trade-kazakhstan",
                R + "rank-secretary-of-state",
            ),
        },
    ),
    Question(
        "no-level-typed-by-hand",
        "levels are derived from the offices, never written in the curated graph",
        """ASK { GRAPH graph:asserted { ?e dkg:level ?l . } }""",
        False,
    ),
    Question(
        "date-is-for-happenings",
        "?x dkg:date ?d returns events only (agreements have dkg:signedOn, figures dkg:period)",
        """ASK { ?x dkg:date ?d . FILTER NOT EXISTS { ?x a dkg:Event . } }""",
        False,
    ),
    Question(
        "end-of-2012-bounds",
        "Le projet ... porté par Marek Halter depuis fin 2012: the last four months of 2012, "
        "and no end",
        """SELECT ?earliest ?latest WHERE {
             ?p dkg:carriedBy res:marek-halter ;
                dkg:earliest ?earliest .
             OPTIONAL { ?p dkg:latest ?latest . }
           }""",
        {("2012-09-01", "")},
    ),
    Question(
        "autumn-bounds",
        "la Saison française au Kazakhstan ... à l’automne 2013",
        """SELECT ?earliest ?latest ?precision WHERE {
             res:french-season-2013 dkg:earliest ?earliest ;
                dkg:latest ?latest ;
                dkg:datePrecision ?precision .
           }""",
        {("2013-09-22", "2013-12-21", "http://www.w3.org/2006/time#unitYear")},
    ),
    Question(
        "owl-time-interval",
        "les 5 et 6 décembre 2014: an OWL-Time interval from 5 to 6 December",
        """SELECT ?begin ?end WHERE {
             res:visit-2014-12-hollande-kazakhstan time:hasTime ?t .
             ?t a time:ProperInterval ;
                time:hasBeginning/time:inXSDDate ?begin ;
                time:hasEnd/time:inXSDDate ?end .
           }""",
        {("2014-12-05", "2014-12-06")},
    ),
    Question(
        "summit-in-session",
        "le 24 mars 2014 en marge du Sommet: the summit was in session that day, no date of "
        "its own",
        """SELECT ?day ?earliest WHERE {
             res:nuclear-security-summit-2014 time:hasTime/time:inside/time:inXSDDate ?day .
             OPTIONAL { res:nuclear-security-summit-2014 dkg:earliest ?earliest . }
           }""",
        {("2014-03-24", "")},
    ),
    Question(
        "embassy-seats",
        "a transféré son ambassade, jusqu’alors sise à Almaty, dans la nouvelle capitale, Astana "
        "(en 2008)",
        """SELECT ?city ?from ?until WHERE {
             ?s a dkg:Seat ;
                dkg:seatOf res:embassy-france-kazakhstan ;
                dkg:seatIn ?city .
             OPTIONAL { ?s dkg:validFrom ?from . }
             OPTIONAL { ?s dkg:validUntil ?until . }
           }""",
        {(R + "almaty", "", "2008"), (R + "astana", "2008", "")},
    ),
    Question(
        "embassy-office-becomes-consulate",
        "En 2010, ... la transformation de notre bureau d’ambassade à Almaty en Consulat général",
        """SELECT ?until ?from WHERE {
             ?t dkg:transformedFrom ?office ;
                dkg:transformedInto ?consulate .
             ?office dkg:validUntil ?until .
             ?consulate dkg:validFrom ?from .
           }""",
        {("2010", "2010")},
    ),
    Question(
        "annual-meeting-since-2008",
        "une rencontre annuelle des deux chefs de l’Etat, depuis la visite du Président "
        "Nazarbaïev à Paris en 2008",
        """SELECT ?from ?since ?latest WHERE {
             ?m a dkg:MeetingSeries ;
                dkg:formOf res:presidential-commission ;
                dkg:validFrom ?from ;
                dkg:since ?since .
             OPTIONAL { ?m dkg:latest ?latest . }
           }""",
        {("2008", R + "visit-2008-nazarbayev-paris", "")},
    ),
    Question(
        "students-since-the-academic-year",
        "50 étudiants y étudient depuis la rentrée 2014: from September 2014, still going",
        """SELECT ?earliest ?latest WHERE {
             ?f dkg:aboutProgramme res:institut-sorbonne-kazakhstan ;
                dkg:earliest ?earliest .
             OPTIONAL { ?f dkg:latest ?latest . }
           }""",
        {("2014-09-01", "")},
    ),
    Question(
        "every-statement-traced",
        "every asserted statement of the page's graph has words of the page or a typed "
        "interpretation (naming, notes and the source-document record aside)",
        """ASK {
             GRAPH graph:asserted { ?s ?p ?o . }
             FILTER(?p NOT IN (rdfs:label, skos:altLabel, skos:prefLabel, rdfs:comment,
                               dkg:dateNote))
             FILTER NOT EXISTS { ?s a dkg:SourceDocument . }
             FILTER NOT EXISTS {
               ?r rdf:subject ?s ;
                  rdf:predicate ?p ;
                  rdf:object ?o .
               { ?r dkg:statedBy ?a . } UNION { ?r dkg:interpretedBy ?i . }
             }
           }""",
        False,
    ),
    Question(
        "why-the-counterpart",
        "« le Premier ministre a reçu son homologue à Paris »: the words state the reception of "
        "a counterpart; that he is the Prime Minister of Kazakhstan is a counterpart resolution",
        """SELECT ?exact ?kind WHERE {
             ?r rdf:subject res:reception-2012-06-11-prime-ministers ;
                rdf:predicate dkg:targetActor ;
                rdf:object res:office-prime-minister-kazakhstan ;
                dkg:statedBy/oa:hasTarget/oa:hasSelector/oa:exact ?exact ;
                dkg:interpretedBy/dkg:interpretationKind ?kind .
           }""",
        {
            (
                "le Premier ministre a reçu son homologue à Paris",
                R + "interpretation-counterpart-resolution",
            )
        },
    ),
    Question(
        "wikidata-links",
        "wikidata.tsv: Astana Q1520 exact; Shymkent (Chymkent) Q485496 close",
        """SELECT ?exact ?close WHERE {
             res:astana skos:exactMatch ?exact .
             res:chymkent skos:closeMatch ?close .
             FILTER NOT EXISTS { res:chymkent skos:exactMatch ?any . }
           }""",
        {("http://www.wikidata.org/entity/Q1520", "http://www.wikidata.org/entity/Q485496")},
    ),
]


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return load_store(Settings())


def _cell(term: object) -> str:
    return "" if term is None else str(getattr(term, "value", term))


def test_there_are_at_least_forty_questions() -> None:
    assert len(QUESTIONS) >= 40
    assert len({q.id for q in QUESTIONS}) == len(QUESTIONS)


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.id for q in QUESTIONS])
def test_competency_question(store: ox.Store, question: Question) -> None:
    result = store.query(sparql_prefixes() + question.query, use_default_graph_as_union=True)
    if isinstance(question.expected, bool):
        assert bool(result) is question.expected
        return
    assert isinstance(result, ox.QuerySolutions)
    variables = [v.value for v in result.variables]
    rows = [tuple(_cell(solution[v]) for v in variables) for solution in result]
    assert len(rows) == len(set(rows)), f"duplicate rows: {rows}"
    assert set(rows) == question.expected


def test_what_happened_in_2012_in_order(store: ox.Store) -> None:
    # "le Premier ministre a reçu son homologue à Paris le 11 juin 2012", "le Ministre de la
    # Défense s’est rendu au Kazakhstan les 15 et16 juillet 2012", "complété en novembre 2012 par
    # un protocole", "a rencontré pour la 1ère fois son homologue kazakhstanais le 21 novembre
    # 2012": one plain query on the bounds. A month sorts before a day of that month (its first
    # day comes first), and "fin 2012" never before "11 juin 2012".
    query = """SELECT ?e WHERE {
                 ?e a dkg:Event ;
                    dkg:earliest ?earliest ;
                    dkg:latest ?latest .
                 FILTER(?earliest <= "2012-12-31"^^xsd:date && ?latest >= "2012-01-01"^^xsd:date)
               } ORDER BY ?earliest ?latest"""
    result = store.query(sparql_prefixes() + query, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    assert [s["e"].value.removeprefix(R) for s in result] == [
        "reception-2012-06-11-prime-ministers",
        "visit-2012-07-minister-defence-kazakhstan",
        "signing-2012-11-chymkent-protocol",
        "meeting-2012-11-21-hollande-nazarbayev",
    ]
    end_of_2012 = """SELECT ?earliest WHERE {
                       ?p dkg:carriedBy res:marek-halter ; dkg:earliest ?earliest . }"""
    solutions = store.query(sparql_prefixes() + end_of_2012, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    (row,) = solutions
    assert row["earliest"].value > "2012-06-11"
