"""The one place for namespaces, prefixes and named-graph IRIs used by diplokg."""

from __future__ import annotations

import re

from rdflib import Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

# Ours, and the standard vocabularies (rdflib's) re-exported so that one import serves.
__all__ = [
    "DATASET_IRI",
    "DCAT",
    "DCTERMS",
    "DKG",
    "DUMPS",
    "FOAF",
    "GRAPH",
    "GRAPH_ASSERTED",
    "GRAPH_DERIVED",
    "GRAPH_ENRICHMENT",
    "GRAPH_EVIDENCE",
    "GRAPH_INFERRED",
    "GRAPH_ONTOLOGY",
    "GRAPH_VERSION",
    "KNOWN_GRAPHS",
    "MEDIA_TYPES",
    "NAMED_GRAPHS",
    "OA",
    "ONTOLOGY_IRI",
    "ORG",
    "OWL",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "RES",
    "SCHEMA",
    "SD",
    "SH",
    "SHAPES",
    "SKOS",
    "TIME",
    "VANN",
    "VOID",
    "WD",
    "XSD",
    "compact_iri",
    "sparql_prefixes",
]

DKG = Namespace("https://w3id.org/diplokg/ontology#")
RES = Namespace("https://w3id.org/diplokg/resource/")
GRAPH = Namespace("https://w3id.org/diplokg/graph/")
SCHEMA = Namespace("https://schema.org/")
OA = Namespace("http://www.w3.org/ns/oa#")
TIME = Namespace("http://www.w3.org/2006/time#")
VANN = Namespace("http://purl.org/vocab/vann/")
WD = Namespace("http://www.wikidata.org/entity/")
SH = Namespace("http://www.w3.org/ns/shacl#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
# rdflib's DCAT holds DCAT 2 only (it warns on dcat:version); the same namespace, DCAT 3 terms.
DCAT3 = Namespace(str(DCAT))

ONTOLOGY_IRI = "https://w3id.org/diplokg/ontology"

# The named graphs of the built dataset. The served default graph is their union.
GRAPH_ONTOLOGY = GRAPH["ontology"]
GRAPH_ASSERTED = GRAPH["asserted"]
GRAPH_ENRICHMENT = GRAPH["enrichment"]
GRAPH_EVIDENCE = GRAPH["evidence"]
GRAPH_INFERRED = GRAPH["inferred"]
# What the build's rules and date arithmetic derive (codings, levels, bounds), kept apart from
# the OWL 2 RL entailments of graph/inferred.
GRAPH_DERIVED = GRAPH["derived"]
# The dataset's version (its content hash), so that every dump says which version it is.
GRAPH_VERSION = GRAPH["version"]
# Machine drafts, built and served only with --include-drafts (diplokg.build.drafts): not a
# graph of every build, so not in NAMED_GRAPHS (KNOWN_GRAPHS adds it).
GRAPH_DRAFT = GRAPH["draft"]
NAMED_GRAPHS = {
    "ontology": GRAPH_ONTOLOGY,
    "asserted": GRAPH_ASSERTED,
    "enrichment": GRAPH_ENRICHMENT,
    "evidence": GRAPH_EVIDENCE,
    "inferred": GRAPH_INFERRED,
    "derived": GRAPH_DERIVED,
    "version": GRAPH_VERSION,
}
# Every graph a build may hold: the seven above, and `draft` when built with --include-drafts.
# Names are looked up here (build.json's counts, stats, export --graph, publish --graphs).
KNOWN_GRAPHS = {**NAMED_GRAPHS, "draft": GRAPH_DRAFT}

_SPACE = re.compile(r"\s")

# Prefixes in the order canned queries declare them.
PREFIXES: dict[str, str] = {
    "dkg": str(DKG),
    "res": str(RES),
    "graph": str(GRAPH),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "schema": str(SCHEMA),
    "foaf": str(FOAF),
    "org": str(ORG),
    "prov": str(PROV),
    "oa": str(OA),
    "time": str(TIME),
    "void": str(VOID),
    "dcat": str(DCAT),
    "wd": str(WD),
}


def compact_iri(iri: str) -> str | None:
    """`prefix:local` when one of our prefixes covers `iri` with a plain local part, else None.

    The local part must be non-empty, not start with "/" (a JSON-LD reader would take
    `p://x` for an absolute IRI) and hold no whitespace.
    """
    for prefix, base in PREFIXES.items():
        local = iri[len(base) :]
        if (
            iri.startswith(base)
            and local
            and not local.startswith("/")
            and not _SPACE.search(local)
        ):
            return f"{prefix}:{local}"
    return None


def near_prefix(prefix: str) -> str | None:
    """The one of our prefixes that `prefix` (not one of them) is likely a typo of: the same
    letters in another case (`DKG`), or a close spelling (`dgk`, difflib ratio >= 0.6); else
    None (`foo`). Used by the messages for an undeclared prefix, in queries and Turtle."""
    import difflib

    if prefix in PREFIXES:
        return None
    for ours in PREFIXES:
        if ours.casefold() == prefix.casefold():
            return ours
    found = difflib.get_close_matches(prefix, list(PREFIXES), n=1, cutoff=0.6)
    return found[0] if found else None


def sparql_prefixes() -> str:
    """The PREFIX block every canned or generated query starts with."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


# The dataset as a whole (VoID/DCAT description) and where its dumps are published.
DATASET_IRI = URIRef("https://w3id.org/diplokg/dataset")
DUMPS = Namespace("https://w3id.org/diplokg/dumps/")
# One IRI per built version of the dataset: <VERSIONS><version id> (see diplokg.versions).
VERSIONS = Namespace("https://w3id.org/diplokg/dataset/version/")
MEDIA_TYPES = Namespace("https://www.iana.org/assignments/media-types/")
SHAPES = Namespace("https://w3id.org/diplokg/shapes#")
