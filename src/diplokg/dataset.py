"""The built dataset in dist/: writing it, describing it (VoID, DCAT), reading it back.

Whatever serves or analyses the data calls `ensure_built`, which rebuilds only when the
content hash of an input changed, so nothing re-reasons at start-up.
"""

from __future__ import annotations

import fcntl
import hashlib
import heapq
import json
import os
import platform
import shutil
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, VOID, XSD

from diplokg import __version__
from diplokg.config import Settings
from diplokg.namespaces import (
    DATASET_IRI,
    DKG,
    DUMPS,
    MEDIA_TYPES,
    NAMED_GRAPHS,
    PREFIXES,
    RES,
    compact_iri,
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
    import pyoxigraph

    from diplokg.build import Assembled
    from diplokg.reason import Reasoner

MANIFEST = "build.json"
DATASET_FILE = "dataset.nq"
CONTEXT_FILE = "context.jsonld"
# The dump files and their media types (IANA names), as the DCAT description lists them.
DUMP_FILES = {
    "dataset.trig": "application/trig",
    "dataset.nq": "application/n-quads",
    "merged.ttl": "text/turtle",
    "merged.nt": "application/n-triples",
    "merged.jsonld": "application/ld+json",
    "merged.rdf": "application/rdf+xml",
}
_VERSIONED = ("rdflib", "owlrl", "pyshacl", "reasonable", "pyoxigraph")


def read_manifest(dist: Path) -> dict[str, Any] | None:
    """The build.json of `dist`, or None when there is no complete build there."""
    try:
        manifest = json.loads((dist / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (dist / DATASET_FILE).is_file() or not isinstance(manifest, dict):
        return None
    return manifest


def json_ld_context() -> dict[str, Any]:
    """The published `@context`: the project's prefixes, nothing else."""
    return {"@context": dict(PREFIXES)}


def _dump_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def void_description(
    graphs: Mapping[URIRef, list[Triple]], ontology: Graph, asserted: Graph
) -> Graph:
    """VoID + DCAT: triples per graph, class and property partitions of the union, dumps,
    licence (the ontology's) and source documents."""
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
    for onto in ontology.subjects(RDF.type, OWL.Ontology):
        for licence in ontology.objects(onto, DCTERMS.license):
            void.add((ds, DCTERMS.license, licence))
    for doc in asserted.subjects(RDF.type, DKG.SourceDocument):
        void.add((ds, DCTERMS.source, doc))
    for name, triples in graphs.items():
        void.add((ds, VOID.subset, name))
        void.add((name, RDF.type, VOID.Dataset))
        void.add((name, VOID.triples, Literal(len(triples), datatype=XSD.integer)))
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


def _versions() -> dict[str, str]:
    found = {"diplokg": __version__, "python": platform.python_version()}
    for package in _VERSIONED:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "absent"
    return found


def write_dist(
    built: Assembled, dist: Path, *, hashes: dict[str, str], key: str, reasoner: Reasoner
) -> None:
    """Write every output of `built` into a fresh folder that then replaces `dist`."""
    canon = canonical_quads(built.graphs)
    union = {t for triples in canon.values() for t in triples}
    per_graph = nquads_lines(canon)
    nquads = "".join(heapq.merge(*per_graph.values()))
    ntriples = "".join(ntriples_lines(union))
    void = void_description(
        canon, built.graphs[NAMED_GRAPHS["ontology"]], built.graphs[NAMED_GRAPHS["asserted"]]
    )
    outputs = {
        "dataset.nq": nquads,
        "dataset.trig": convert(
            "".join(line for name in sorted(per_graph) for line in per_graph[name]), "nq", "trig"
        ),
        "merged.nt": ntriples,
        "merged.ttl": convert(ntriples, "nt", "ttl"),
        "merged.rdf": convert(ntriples, "nt", "rdf"),
        "merged.jsonld": _dump_json(compact_jsonld(convert(ntriples, "nt", "jsonld"))),
        CONTEXT_FILE: _dump_json(json_ld_context()),
        # rdflib writes the partitions nested as [ ... ], which reads far better; the graph
        # is small and its blank node labels are stable, so the output is too.
        "void.ttl": bind_prefixes(void).serialize(format="turtle"),
    }
    names = {iri: name for name, iri in NAMED_GRAPHS.items()}
    manifest = {
        "key": key,
        "reasoner": reasoner,
        "inputs": hashes,
        "documents": [doc.name for doc in built.documents],
        "counts": {
            "triples_per_graph": {names.get(g, str(g)): len(t) for g, t in canon.items()},
            "asserted": len(canon[NAMED_GRAPHS["asserted"]]),
            "inferred": len(canon[NAMED_GRAPHS["inferred"]]),
            "inferred_by_kind": dict(built.inferred_kinds),
            "union": len(union),
        },
        "files": {
            name: hashlib.sha256(text.encode("utf-8")).hexdigest()
            for name, text in sorted(outputs.items())
        },
        "versions": _versions(),
    }
    with replace_dir(dist) as staging:
        for name, text in outputs.items():
            write_text(staging / name, text)
        write_text(staging / MANIFEST, _dump_json(manifest))
        _keep_foreign(dist, staging, {*outputs, MANIFEST})


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


@contextmanager
def _build_lock(dist: Path) -> Iterator[None]:
    """Serialise builds of one dist/ across processes (server and tests may start together)."""
    parent = dist.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def ensure_built(settings: Settings | None = None) -> Path:
    """The path of dist/dataset.nq, building first only if an input's content changed."""
    from diplokg.build import build, build_key, input_hashes
    from diplokg.reason import DEFAULT_REASONER, REASONERS

    settings = settings or Settings()
    dist = settings.dist_dir
    with _build_lock(dist):
        manifest = read_manifest(dist)
        reasoner = DEFAULT_REASONER
        if manifest is not None and manifest.get("reasoner") in REASONERS:
            reasoner = manifest["reasoner"]
        if manifest is None or manifest.get("key") != build_key(input_hashes(settings), reasoner):
            build(
                settings,
                reasoner=reasoner,
                force=True,
                progress=lambda line: print(line, file=sys.stderr),
            )
    return dist / DATASET_FILE


def load_store(settings: Settings | None = None) -> pyoxigraph.Store:
    """An in-memory Oxigraph store holding the built dataset (named graphs as built).

    Query it with `use_default_graph_as_union=True` to see the served default graph.
    """
    import pyoxigraph

    store = pyoxigraph.Store()
    store.load(path=ensure_built(settings), format=pyoxigraph.RdfFormat.N_QUADS)
    return store


def dataset_stats(store: pyoxigraph.Store) -> dict[str, Any]:
    """Triples per named graph, instances per class (union), and facts with evidence."""
    from diplokg.evidence import FACT_CLASSES

    def rows(query: str) -> list[tuple[str, int]]:
        solutions = store.query(query, use_default_graph_as_union=True)
        return [(str(s[0].value), int(s[1].value)) for s in solutions]  # type: ignore[union-attr]

    per_graph = rows("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    per_class = rows(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n) ?c"
    )
    roots = " ".join(f"<{c}>" for c in FACT_CLASSES)
    fact_rows = rows(
        f"""SELECT ?has (COUNT(DISTINCT ?f) AS ?n) WHERE {{
              VALUES ?root {{ {roots} }}
              ?f a ?root .
              BIND(EXISTS {{ ?f <{DKG.hasEvidence}> ?e }} AS ?has)
            }} GROUP BY ?has"""
    )
    evidence = {flag: n for flag, n in fact_rows}
    return {
        "triples_per_graph": {
            name: dict(per_graph).get(str(iri), 0) for name, iri in NAMED_GRAPHS.items()
        },
        "instances_per_class": dict(per_class),
        "facts": sum(evidence.values()),
        "facts_with_evidence": evidence.get("true", 0),
    }


def _short(iri: str) -> str:
    return compact_iri(iri) or f"<{iri}>"


def format_stats(stats: Mapping[str, Any]) -> str:
    """The text `diplokg stats` prints."""
    lines = ["triples per named graph:"]
    lines += [f"  {name:<12} {n:>7}" for name, n in stats["triples_per_graph"].items()]
    lines.append(
        f"facts: {stats['facts']}, with evidence from the source text: "
        f"{stats['facts_with_evidence']}"
    )
    lines.append("instances per class (union of all graphs):")
    lines += [f"  {_short(cls):<40} {n:>5}" for cls, n in stats["instances_per_class"].items()]
    return "\n".join(lines)
