"""Writing dist/: every dump of the built dataset, its VoID/DCAT description and build.json.

Everything goes through `diplokg.rdfio`, so two builds of the same inputs give the same bytes,
and into a fresh folder that replaces dist/ only once it is whole.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import platform
import shutil
from collections import Counter
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, RDFS, VOID, XSD
from rdflib.term import Node

from diplokg.__version__ import __version__
from diplokg.build.search_index import search_index
from diplokg.build.statements import rdf12_lines
from diplokg.build.versioning import version_id, version_iri, version_triples
from diplokg.dataset import (
    CONTEXT_FILE,
    DUMP_FILES,
    MANIFEST,
    RDF12_FILE,
    SEARCH_FILE,
    VOID_FILE,
    dump_file,
)
from diplokg.formats import JSON_LD, NQUADS, NTRIPLES, RDFXML, TRIG, TURTLE
from diplokg.namespaces import (
    DATASET_IRI,
    DKG,
    DUMPS,
    GRAPH_DRAFT,
    GRAPH_EVIDENCE,
    GRAPH_VERSION,
    KNOWN_GRAPHS,
    MEDIA_TYPES,
    NAMED_GRAPHS,
    PREFIXES,
    RES,
)
from diplokg.rdfio import (
    Triple,
    bind_prefixes,
    canonical_quads,
    compact_jsonld,
    convert,
    nquads_lines,
    ntriples_lines,
    replace_dir,
    write_text,
)

if TYPE_CHECKING:
    from diplokg.build.reason import Reasoner
    from diplokg.build.sources import Text

_VERSIONED = ("rdflib", "owlrl", "pyshacl", "reasonable", "pyoxigraph")


def json_ld_context() -> dict[str, Any]:
    """The published `@context`: the project's prefixes, nothing else."""
    return {"@context": dict(PREFIXES)}


def _dump_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# What may be reused of the dataset, and under which terms (VoID's dcterms:rights).
RIGHTS_IRI = URIRef(f"{DATASET_IRI}#rights")
# The graphs that hold the publisher's words (quotes, sentences): their rights, not our licence.
_QUOTING_GRAPHS = (GRAPH_EVIDENCE, GRAPH_DRAFT)


def _rights_statement(licences: list[Node], rights: list[Node]) -> Literal:
    """The words of RIGHTS_IRI: our statements under `licences` (the ontology's), the source
    texts and their quotes their publisher's, under `rights` (the documents' own)."""
    ours = ", ".join(str(lic) for lic in licences) or "none stated"
    theirs = "; ".join(f'"{r}"' for r in rights) or "none stated"
    return Literal(
        "The statements of diplokg (its facts, labels, codings, links and what is inferred or "
        "derived from them: every named graph but evidence and draft) are published under the "
        f"project's licence ({ours}; dcterms:license of each of those graphs). The text of each "
        "source document (its copy under documents/) and the words quoted from it (oa:exact and "
        "dkg:sentence, in the graphs evidence and draft) remain their publisher's, under the "
        f"rights the document states (its dcterms:rights: {theirs}); no licence is given for "
        "them here.",
        lang="en",
    )


def void_description(
    graphs: Mapping[URIRef, list[Triple]], ontology: Graph, asserted: Graph
) -> Graph:
    """VoID + DCAT: triples per graph, class and property partitions of the union, dumps,
    source documents with their rights, and the terms of reuse (`RIGHTS_IRI`): the ontology's
    licence for each graph of our statements, the source document's rights for the graphs
    that quote it (evidence, draft). No licence is given to the dataset as a whole: it holds
    the publisher's text."""
    void = Graph()
    ds = DATASET_IRI
    union = {t for triples in graphs.values() for t in triples}
    void.add((ds, RDF.type, VOID.Dataset))
    void.add((ds, RDF.type, DCAT.Dataset))
    void.add((ds, DCTERMS.title, Literal("diplokg: France–Kazakhstan relations", lang="en")))
    void.add((ds, DCTERMS.title, Literal("diplokg : relations France–Kazakhstan", lang="fr")))
    void.add((ds, VOID.triples, Literal(len(union), datatype=XSD.integer)))
    void.add((ds, VOID.uriSpace, Literal(str(RES))))
    void.add((ds, VOID.vocabulary, URIRef(str(DKG))))
    licences: list[Node] = sorted(
        {
            lic
            for onto in ontology.subjects(RDF.type, OWL.Ontology)
            for lic in ontology.objects(onto, DCTERMS.license)
        },
        key=str,
    )
    rights: list[Node] = []
    for doc in sorted(asserted.subjects(RDF.type, DKG.SourceDocument), key=str):
        void.add((ds, DCTERMS.source, doc))
        for right in sorted(asserted.objects(doc, DCTERMS.rights), key=str):
            void.add((doc, DCTERMS.rights, right))
            rights.append(right)
    void.add((ds, DCTERMS.rights, RIGHTS_IRI))
    void.add((RIGHTS_IRI, RDF.type, DCTERMS.RightsStatement))
    void.add((RIGHTS_IRI, RDFS.comment, _rights_statement(licences, rights)))
    for name, triples in graphs.items():
        void.add((ds, VOID.subset, name))
        void.add((name, RDF.type, VOID.Dataset))
        void.add((name, VOID.triples, Literal(len(triples), datatype=XSD.integer)))
        if name in _QUOTING_GRAPHS:
            void.add((name, DCTERMS.rights, RIGHTS_IRI))
        else:
            for licence in licences:
                void.add((name, DCTERMS.license, licence))
    # Blank node labels follow the sorted order of what they describe, so they are stable.
    classes = Counter(o for s, p, o in union if p == RDF.type)
    for index, (cls, count) in enumerate(sorted(classes.items())):
        part = BNode(f"class{index:04d}")
        void.add((ds, VOID.classPartition, part))
        void.add((part, VOID["class"], cls))
        void.add((part, VOID.entities, Literal(count, datatype=XSD.integer)))
    properties = Counter(p for _, p, _ in union)
    for index, (prop, count) in enumerate(sorted(properties.items())):
        part = BNode(f"property{index:04d}")
        void.add((ds, VOID.propertyPartition, part))
        void.add((part, VOID.property, prop))
        void.add((part, VOID.triples, Literal(count, datatype=XSD.integer)))
    for file_name, media in sorted(DUMP_FILES.items()):
        url = DUMPS[file_name]
        dist_node = BNode(f"distribution-{file_name.replace('.', '-')}")
        void.add((ds, VOID.dataDump, url))
        void.add((ds, DCAT.distribution, dist_node))
        void.add((dist_node, RDF.type, DCAT.Distribution))
        void.add((dist_node, DCAT.downloadURL, url))
        void.add((dist_node, DCAT.mediaType, MEDIA_TYPES[media]))
    return void


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _versions() -> dict[str, str]:
    found = {"diplokg": __version__, "python": platform.python_version()}
    for package in _VERSIONED:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "absent"
    return found


def write_dist(
    dist: Path,
    graphs: Mapping[URIRef, Graph],
    *,
    documents: Sequence[str],
    texts: Sequence[Text] = (),
    inferred_kinds: Mapping[str, int],
    hashes: dict[str, str],
    key: str,
    reasoner: Reasoner,
) -> None:
    """Write the dumps of the named `graphs` (with the graph of their version; the RDF 1.2
    N-Quads dump also with the statements' `rdf:reifies`), their description, the source
    `texts`, the search index and build.json into a fresh folder that then replaces `dist`."""
    canon = canonical_quads(graphs)
    version = version_id(canon)
    canon[GRAPH_VERSION] = version_triples(version)
    union = {t for triples in canon.values() for t in triples}
    per_graph = nquads_lines(canon)
    nquads = "".join(heapq.merge(*per_graph.values()))
    # The same dataset, its version graph too, plus the RDF 1.2 form of the statements'
    # reifiers: the version id, computed above without either, is the same for both dumps.
    reifies = rdf12_lines(graphs[NAMED_GRAPHS["evidence"]])
    nquads_rdf12 = "".join(heapq.merge(*per_graph.values(), reifies))
    ntriples = "".join(ntriples_lines(union))
    void = void_description(
        canon, graphs[NAMED_GRAPHS["ontology"]], graphs[NAMED_GRAPHS["asserted"]]
    )
    for triple in version_triples(version):
        void.add(triple)
    binaries = {SEARCH_FILE: search_index(graphs, list(texts), version)}
    outputs = {
        dump_file(NQUADS): nquads,
        RDF12_FILE: nquads_rdf12,
        dump_file(TRIG): convert(
            "".join(line for name in sorted(per_graph) for line in per_graph[name]), NQUADS, TRIG
        ),
        dump_file(NTRIPLES): ntriples,
        dump_file(TURTLE): convert(ntriples, NTRIPLES, TURTLE),
        dump_file(RDFXML): convert(ntriples, NTRIPLES, RDFXML),
        dump_file(JSON_LD): _dump_json(compact_jsonld(convert(ntriples, NTRIPLES, JSON_LD))),
        CONTEXT_FILE: _dump_json(json_ld_context()),
        # rdflib writes the partitions nested as [ ... ], which reads far better; the graph
        # is small and its blank node labels are stable, so the output is too.
        VOID_FILE: bind_prefixes(void).serialize(format=TURTLE.rdflib),
        **{text.file: text.text for text in texts},
    }
    names = {iri: name for name, iri in KNOWN_GRAPHS.items()}
    manifest = {
        "key": key,
        "version": version,
        "version_iri": str(version_iri(version)),
        "texts": [text.manifest_entry() for text in texts],
        "reasoner": reasoner,
        "inputs": hashes,
        "documents": list(documents),
        "counts": {
            "triples_per_graph": {names[g]: len(t) for g, t in canon.items()},
            "asserted": len(canon[NAMED_GRAPHS["asserted"]]),
            "inferred": len(canon[NAMED_GRAPHS["inferred"]]),
            "inferred_by_kind": dict(inferred_kinds),
            "union": len(union),
        },
        "files": {
            **{name: _sha256(text.encode("utf-8")) for name, text in outputs.items()},
            **{name: _sha256(data) for name, data in binaries.items()},
        },
        # Readers check sizes with a stat before trusting a file (diplokg.dataset).
        "sizes": {
            **{name: len(text.encode("utf-8")) for name, text in outputs.items()},
            **{name: len(data) for name, data in binaries.items()},
        },
        "versions": _versions(),
    }
    with replace_dir(dist) as staging:
        for name, text in outputs.items():
            write_text(staging / name, text)
        for name, data in binaries.items():
            (staging / name).write_bytes(data)
        # Last, so that an output newer than build.json is one changed since the build.
        write_text(staging / MANIFEST, _dump_json(manifest))
        _keep_foreign(
            dist, staging, {name.split("/")[0] for name in [*outputs, *binaries, MANIFEST]}
        )


def _keep_foreign(dist: Path, staging: Path, owned: set[str]) -> None:
    """Copy what other tools keep in dist/ (say, notebook figures) into the new folder, so
    that swapping in a fresh build does not delete it."""
    if not dist.is_dir():
        return
    for entry in dist.iterdir():
        if entry.name in owned:
            continue
        if entry.is_dir():
            shutil.copytree(entry, staging / entry.name, symlinks=True)
        else:
            shutil.copy2(entry, staging / entry.name)
