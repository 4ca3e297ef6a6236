"""The version of a build: a short hash of what it holds, and the statements that say it.

The version id is the first 12 hexadecimal digits of the SHA-256 of the dataset's canonical
N-Quads (sorted lines, blank nodes labelled from their content) before the version's own
statements are added. It therefore depends on the content only: two builds of the same inputs
get the same id, any change of a triple a new one, and anyone can check it with
`grep -v '<https://w3id.org/diplokg/graph/version> .$' dataset.nq | sha256sum`.

The statements go into the named graph `graph:version` (so every dump carries them) and into
VoID: the dataset `owl:versionIRI` and `dcat:hasVersion` its version IRI, `dcat:version` the
id; the version `dcat:isVersionOf` the dataset (DCAT 3, section 11 "Versioning").
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable, Mapping

from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF

from diplokg.namespaces import DATASET_IRI, VERSIONS
from diplokg.namespaces import DCAT3 as DCAT
from diplokg.rdfio import Triple, nquads_lines

VERSION_LENGTH = 12


def version_id(graphs: Mapping[URIRef, Iterable[Triple]]) -> str:
    """The content hash of canonical named graphs (see the module's docstring)."""
    return version_of(nquads_lines(graphs))


def version_of(lines: Mapping[URIRef, Iterable[str]]) -> str:
    """The content hash of named graphs given as their sorted N-Quads lines."""
    digest = hashlib.sha256()
    for line in heapq.merge(*lines.values()):
        digest.update(line.encode("utf-8"))
    return digest.hexdigest()[:VERSION_LENGTH]


def version_iri(version: str) -> URIRef:
    return VERSIONS[version]


def version_triples(version: str) -> list[Triple]:
    """What the dumps and VoID say of the version `version`."""
    iri = version_iri(version)
    label = Literal(version)
    return [
        (DATASET_IRI, OWL.versionIRI, iri),
        (DATASET_IRI, DCAT.version, label),
        (DATASET_IRI, DCAT.hasVersion, iri),
        (iri, RDF.type, DCAT.Dataset),
        (iri, DCAT.isVersionOf, DATASET_IRI),
        (iri, DCAT.version, label),
    ]
