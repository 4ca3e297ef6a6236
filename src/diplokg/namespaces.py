"""The one place for namespaces, prefixes and named-graph IRIs used by diplokg.

The IRIs are written here as text (`PREFIXES`, `ONTOLOGY_IRI`), which is all that the server's
workers and the query checker need; the rdflib objects (`DKG`, `RES`, the named graphs' `URIRef`s,
rdflib's own vocabularies re-exported) are made when a module first asks for one, so that a
process needing only text never loads rdflib.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rdflib import Namespace, URIRef
    from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

# Ours, and the standard vocabularies (rdflib's) re-exported so that one import serves.
__all__ = [
    "DATASET_IRI",
    "DCAT",
    "DCAT3",
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
    "GRAPH_NAMES",
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

_SPACE = re.compile(r"\s")

# Prefixes in the order canned queries declare them.
PREFIXES: dict[str, str] = {
    "dkg": "https://w3id.org/diplokg/ontology#",
    "res": "https://w3id.org/diplokg/resource/",
    "graph": "https://w3id.org/diplokg/graph/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "schema": "https://schema.org/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "oa": "http://www.w3.org/ns/oa#",
    "time": "http://www.w3.org/2006/time#",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "wd": "http://www.wikidata.org/entity/",
}
ONTOLOGY_IRI = "https://w3id.org/diplokg/ontology"
# The named graphs of the built dataset, by name (the served default graph is their union):
# what the document states, OWL 2 RL entailments only, what the build's rules and date
# arithmetic derive (codings, levels, bounds), and the dataset's version (its content hash), so
# that every dump says which version it is.
GRAPH_NAMES = ("ontology", "asserted", "enrichment", "evidence", "inferred", "derived", "version")
# Machine drafts, built and served only with --include-drafts (diplokg.build.drafts): not a
# graph of every build, so not in GRAPH_NAMES / NAMED_GRAPHS (KNOWN_GRAPHS adds it).
DRAFT_GRAPH_NAME = "draft"


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


if TYPE_CHECKING:
    DKG: Namespace
    RES: Namespace
    GRAPH: Namespace
    SCHEMA: Namespace
    OA: Namespace
    TIME: Namespace
    VANN: Namespace
    WD: Namespace
    SH: Namespace
    SD: Namespace
    DCAT3: Namespace  # rdflib's DCAT holds DCAT 2 only (it warns on dcat:version)
    GRAPH_ONTOLOGY: URIRef
    GRAPH_ASSERTED: URIRef
    GRAPH_ENRICHMENT: URIRef
    GRAPH_EVIDENCE: URIRef
    GRAPH_INFERRED: URIRef
    GRAPH_DERIVED: URIRef
    GRAPH_VERSION: URIRef
    NAMED_GRAPHS: dict[str, URIRef]
    GRAPH_DRAFT: URIRef
    # Every graph a build may hold: the seven above, and `draft` when built with
    # --include-drafts. Names are looked up here (build.json's counts, stats, export --graph,
    # publish --graphs).
    KNOWN_GRAPHS: dict[str, URIRef]
    DATASET_IRI: URIRef  # the dataset as a whole (VoID/DCAT description)
    DUMPS: Namespace  # where its dumps are published
    VERSIONS: Namespace  # one IRI per built version: <VERSIONS><version id> (diplokg.versions)
    MEDIA_TYPES: Namespace
    SHAPES: Namespace


def _rdflib_terms() -> dict[str, Any]:
    """The rdflib objects of this module, by name (rdflib is imported here, on first use)."""
    from rdflib import Namespace, URIRef
    from rdflib import namespace as vocabularies

    standard = ("DCAT", "DCTERMS", "FOAF", "ORG", "OWL", "PROV", "RDF", "RDFS", "SKOS", "VOID")
    terms: dict[str, Any] = {name: getattr(vocabularies, name) for name in (*standard, "XSD")}
    ours = {"DKG": "dkg", "RES": "res", "GRAPH": "graph", "SCHEMA": "schema", "OA": "oa"}
    ours |= {"TIME": "time", "WD": "wd", "DCAT3": "dcat"}
    terms |= {name: Namespace(PREFIXES[prefix]) for name, prefix in ours.items()}
    terms["VANN"] = Namespace("http://purl.org/vocab/vann/")
    terms["SH"] = Namespace("http://www.w3.org/ns/shacl#")
    terms["SD"] = Namespace("http://www.w3.org/ns/sparql-service-description#")
    graphs = {name: terms["GRAPH"][name] for name in GRAPH_NAMES}
    terms |= {f"GRAPH_{name.upper()}": iri for name, iri in graphs.items()}
    terms["NAMED_GRAPHS"] = graphs
    terms["GRAPH_DRAFT"] = terms["GRAPH"][DRAFT_GRAPH_NAME]
    terms["KNOWN_GRAPHS"] = {**graphs, DRAFT_GRAPH_NAME: terms["GRAPH_DRAFT"]}
    terms["DATASET_IRI"] = URIRef("https://w3id.org/diplokg/dataset")
    terms["DUMPS"] = Namespace("https://w3id.org/diplokg/dumps/")
    terms["VERSIONS"] = Namespace("https://w3id.org/diplokg/dataset/version/")
    terms["MEDIA_TYPES"] = Namespace("https://www.iana.org/assignments/media-types/")
    terms["SHAPES"] = Namespace("https://w3id.org/diplokg/shapes#")
    return terms


def __getattr__(name: str) -> Any:
    # Module attributes made on first use (PEP 562): every rdflib object at once, then kept.
    # The import system asks for dunders (`__path__`) that must not load rdflib.
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    terms = _rdflib_terms()
    if name not in terms:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals().update(terms)
    return terms[name]
