"""Writing dist/: every dump of the built dataset, its VoID/DCAT description and build.json.

Everything goes through `diplokg.rdfio`, so two builds of the same inputs give the same bytes,
and into a fresh folder that replaces dist/ only once it is whole.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import json
import os
import platform
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, RDFS, VOID, XSD
from rdflib.term import Node

from diplokg.__version__ import __version__
from diplokg.build.search_index import Describer, QuoteRecord, search_index
from diplokg.build.versioning import VERSION_LENGTH, version_iri, version_triples
from diplokg.dataset import (
    CONTEXT_FILE,
    DUMP_FILES,
    MANIFEST,
    RDF12_FILE,
    SEARCH_FILE,
    VOID_FILE,
    dump_file,
)
from diplokg.formats import (
    GRAPH_FORMATS,
    JSON_LD,
    NQUADS,
    NTRIPLES,
    RDFXML,
    TRIG,
    TURTLE,
    Format,
)
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
    bind_prefixes,
    compact_jsonld_lines,
    nquads_lines,
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
    triples_per_graph: Mapping[URIRef, int],
    union: int,
    classes: Mapping[Node, int],
    properties: Mapping[Node, int],
    ontology: Graph,
    sources: Iterable[Node],
    source_rights: Mapping[Node, Sequence[Node]],
) -> Graph:
    """VoID + DCAT: triples per graph, class and property partitions of the union (the
    instances of each class, the triples of each property), dumps, source documents with
    their rights (`source_rights`: each one's dcterms:rights), and the terms of reuse
    (`RIGHTS_IRI`): the ontology's licence for each graph of our statements, the source
    document's rights for the graphs that quote it (evidence, draft). No licence is given to
    the dataset as a whole: it holds the publisher's text."""
    void = Graph()
    ds = DATASET_IRI
    void.add((ds, RDF.type, VOID.Dataset))
    void.add((ds, RDF.type, DCAT.Dataset))
    void.add((ds, DCTERMS.title, Literal("diplokg: France–Kazakhstan relations", lang="en")))
    void.add((ds, DCTERMS.title, Literal("diplokg : relations France–Kazakhstan", lang="fr")))
    void.add((ds, VOID.triples, Literal(union, datatype=XSD.integer)))
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
    for doc in sorted(sources, key=str):
        void.add((ds, DCTERMS.source, doc))
        for right in sorted(source_rights.get(doc, ()), key=str):
            void.add((doc, DCTERMS.rights, right))
            rights.append(right)
    void.add((ds, DCTERMS.rights, RIGHTS_IRI))
    void.add((RIGHTS_IRI, RDF.type, DCTERMS.RightsStatement))
    void.add((RIGHTS_IRI, RDFS.comment, _rights_statement(licences, rights)))
    for name, count in triples_per_graph.items():
        void.add((ds, VOID.subset, name))
        void.add((name, RDF.type, VOID.Dataset))
        void.add((name, VOID.triples, Literal(count, datatype=XSD.integer)))
        if name in _QUOTING_GRAPHS:
            void.add((name, DCTERMS.rights, RIGHTS_IRI))
        else:
            for licence in licences:
                void.add((name, DCTERMS.license, licence))
    # Blank node labels follow the sorted order of what they describe, so they are stable.
    for index, (cls, count) in enumerate(sorted(classes.items())):
        part = BNode(f"class{index:04d}")
        void.add((ds, VOID.classPartition, part))
        void.add((part, VOID["class"], cls))
        void.add((part, VOID.entities, Literal(count, datatype=XSD.integer)))
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


def _term(text: str) -> Node:
    """The rdflib term of an IRI or blank node written in N-Triples (as `nt_term` writes it)."""
    if text.startswith("_:"):
        return BNode(text[2:])
    return URIRef(text[1:-1])


@dataclass
class _Union:
    """What one pass over the sorted quads finds: the union's triples, counted."""

    triples: int = 0
    classes: Counter[Node] = field(default_factory=Counter)
    properties: Counter[str] = field(default_factory=Counter)

    def lines(self, quads: Iterable[str]) -> Iterator[str]:
        """The sorted N-Triples lines of the union of sorted `quads`, counting them.

        Sorted quads hold the quads of one triple next to each other, and the triples in
        the order of their own sorted lines, so this needs no set and no sort."""
        last = ""
        properties: dict[str, int] = {}
        classes: dict[str, int] = {}
        count = 0
        for quad in quads:
            triple = quad[: quad.rindex(" <")]
            if triple == last:
                continue
            last = triple
            count += 1
            _, predicate, rest = triple.split(" ", 2)
            properties[predicate] = properties.get(predicate, 0) + 1
            if predicate == _RDF_TYPE and rest[0] in "<_":
                classes[rest] = classes.get(rest, 0) + 1
            yield triple + " .\n"
        self.triples += count
        self.properties.update(properties)
        self.classes.update({_term(c): n for c, n in classes.items()})


_RDF_TYPE = f"<{RDF.type}>"
# From this many quads on, the conversions of the dumps run in worker processes while the
# build writes the rest (below it, starting processes costs more than it saves).
PARALLEL_WRITE_QUADS = 1_000_000


def _write_lines(path: Path, lines: Iterable[str]) -> str:
    """Write `lines` (UTF-8) to a new file in a staging folder; return its SHA-256."""
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        for chunk in _chunks(lines):
            data = "".join(chunk).encode("utf-8")
            digest.update(data)
            handle.write(data)
    os.chmod(path, 0o644)
    return digest.hexdigest()


def _chunks(lines: Iterable[str], size: int = 65536) -> Iterator[Sequence[str]]:
    """`lines` in slices of `size` (a list is sliced, with no step per line)."""
    if isinstance(lines, list):
        for start in range(0, len(lines), size):
            yield lines[start : start + size]
        return
    chunk: list[str] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    yield chunk


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _convert_file(source: Path, source_format: Format, target: Path, fmt: Format) -> str:
    """Re-serialise the sorted N-Triples/N-Quads file `source` with Oxigraph, streaming and
    keeping its order (as `rdfio.convert` does in memory); return the SHA-256 written."""
    import pyoxigraph as ox

    quads = ox.parse(path=source, format=source_format.rdf)
    ox.serialize(quads, output=target, format=fmt.rdf, prefixes=PREFIXES)
    os.chmod(target, 0o644)
    return _file_sha256(target)


def _derived_dump(source: Path, target: Path, key: str) -> str:
    """Write the dump `key` (a format's key) of the sorted N-Triples or N-Quads `source`."""
    fmt = next(f for f in GRAPH_FORMATS if f.key == key)
    if fmt == JSON_LD:
        return _write_lines(target, compact_jsonld_lines(source))
    return _convert_file(source, NQUADS if fmt.datasets else NTRIPLES, target, fmt)


def _source_rights(asserted: Iterable[str], sources: Iterable[Node]) -> dict[Node, list[Node]]:
    """The dcterms:rights of each source document, read from the asserted graph's lines."""
    from rdflib import Dataset

    wanted = tuple(f"<{doc}> <{DCTERMS.rights}> " for doc in sources)
    lines = [line for line in asserted if line.startswith(wanted)]
    found: dict[Node, list[Node]] = {}
    if lines:
        data = Dataset()
        data.parse(data="".join(lines), format="nquads")
        for s, _, o, _ in data.quads((None, DCTERMS.rights, None, None)):
            found.setdefault(s, []).append(o)
    return found


def _sorted_union(graphs: Mapping[URIRef, list[str]]) -> list[str]:
    """The sorted lines of all `graphs` (each sorted): one sort of sorted runs."""
    lines: list[str] = []
    for part in graphs.values():
        lines += part
    lines.sort()
    return lines


def _version(lines: list[str]) -> str:
    """`versioning.version_of` of the sorted lines of every graph, hashed in chunks."""
    digest = hashlib.sha256()
    for start in range(0, len(lines), 65536):
        digest.update("".join(lines[start : start + 65536]).encode("utf-8"))
    return digest.hexdigest()[:VERSION_LENGTH]


def write_dist(
    dist: Path,
    graphs: dict[URIRef, list[str]],
    *,
    ontology: Graph,
    sources: Sequence[Node],
    describe: Describer,
    quotes: Sequence[QuoteRecord],
    documents: Sequence[str],
    texts: Sequence[tuple[Text, Sequence[tuple[int, int]]]] = (),
    inferred_kinds: Mapping[str, int],
    hashes: dict[str, str],
    key: str,
    reasoner: Reasoner,
    reifies: Sequence[str] = (),
    workers: int = 1,
    answers: Callable[[Path], Mapping[str, bytes]] | None = None,
) -> dict[str, str]:
    """Write the dumps of the named `graphs` (each its sorted N-Quads lines; the graph of
    their version is added; the RDF 1.2 N-Quads dump also has the statements' `reifies`
    lines), their description, the source `texts`, the search index and build.json into a
    fresh folder that then replaces `dist`. Returns the SHA-256 of every file written.
    `answers` gives the files computed from the written dataset file the server loads (the
    canned queries' default answers, `diplokg.build.precompute`).

    `graphs` is emptied (`dict.clear`) once its lines are written, before the search index
    and the answers are made: the caller gives its lines up, so that the build does not hold
    them (about 300 bytes a quad, 2 GB for the 7M quads of issue 16's collection) while the
    answers' store is loaded.

    Large datasets have their TriG, Turtle, RDF/XML and JSON-LD dumps written by `workers`
    processes meanwhile (`PARALLEL_WRITE_QUADS`); the bytes are the same."""
    lines = _sorted_union(graphs)
    version = _version(lines)
    versioned = nquads_lines({GRAPH_VERSION: version_triples(version)})
    per_graph = {**graphs, **versioned}
    for line in versioned[GRAPH_VERSION]:
        bisect.insort(lines, line)
    names = {iri: name for name, iri in KNOWN_GRAPHS.items()}
    per_graph_counts = {g: len(graph_lines) for g, graph_lines in per_graph.items()}
    rights = _source_rights(graphs[NAMED_GRAPHS["asserted"]], sources)
    files: dict[str, str] = {}
    parallel = workers > 1 and len(lines) >= PARALLEL_WRITE_QUADS
    with (
        replace_dir(dist) as staging,
        ProcessPoolExecutor(workers, mp_context=get_context("spawn"))
        if parallel
        else _inline() as pool,
    ):
        union = _Union()
        merged = staging / dump_file(NTRIPLES)
        files[merged.name] = _write_lines(merged, union.lines(lines))
        # TriG writes one block a graph: its quads graph by graph, in the order of the names.
        by_graph = staging / ".by-graph.nq"
        _write_lines(by_graph, (line for name in sorted(per_graph) for line in per_graph[name]))
        pending = {
            dump_file(fmt): pool.submit(
                _derived_dump,
                by_graph if fmt.datasets else merged,
                staging / dump_file(fmt),
                fmt.key,
            )
            for fmt in (TRIG, TURTLE, RDFXML, JSON_LD)
        }
        files[dump_file(NQUADS)] = _write_lines(staging / dump_file(NQUADS), lines)
        # The same dataset, its version graph too, plus the RDF 1.2 form of the statements'
        # reifiers: the version id, computed above without either, is the same for both dumps.
        # Both runs are sorted: merging them gives the lines of one sort, with no copy.
        files[RDF12_FILE] = _write_lines(staging / RDF12_FILE, heapq.merge(lines, sorted(reifies)))
        # The lines are written: from here on the build holds none of them.
        del lines, per_graph
        graphs.clear()
        _give_back_memory()
        void = void_description(
            per_graph_counts,
            union.triples,
            union.classes,
            {_term(p): n for p, n in union.properties.items()},
            ontology,
            sources,
            rights,
        )
        for triple in version_triples(version):
            void.add(triple)
        small = {
            CONTEXT_FILE: _dump_json(json_ld_context()),
            # rdflib writes the partitions nested as [ ... ], which reads far better; the graph
            # is small and its blank node labels are stable, so the output is too.
            VOID_FILE: bind_prefixes(void).serialize(format=TURTLE.rdflib),
            **{text.file: text.text for text, _ in texts},
        }
        for name, text in small.items():
            write_text(staging / name, text)
            files[name] = _sha256(text.encode("utf-8"))
        index = search_index(describe, quotes, texts, version)
        (staging / SEARCH_FILE).write_bytes(index)
        files[SEARCH_FILE] = _sha256(index)
        if answers is not None:  # while the workers write the derived dumps
            for name, data in answers(staging / RDF12_FILE).items():
                (staging / name).parent.mkdir(parents=True, exist_ok=True)
                (staging / name).write_bytes(data)
                files[name] = _sha256(data)
        for name, future in pending.items():
            files[name] = future.result()
        by_graph.unlink()
        manifest = {
            "key": key,
            "version": version,
            "version_iri": str(version_iri(version)),
            "texts": [text.manifest_entry() for text, _ in texts],
            "reasoner": reasoner,
            "inputs": hashes,
            "documents": list(documents),
            "counts": {
                "triples_per_graph": {names[g]: n for g, n in per_graph_counts.items()},
                "asserted": per_graph_counts[NAMED_GRAPHS["asserted"]],
                "inferred": per_graph_counts[NAMED_GRAPHS["inferred"]],
                "inferred_by_kind": dict(inferred_kinds),
                "union": union.triples,
            },
            "files": files,
            # Readers check sizes with a stat before trusting a file (diplokg.dataset).
            "sizes": {name: (staging / name).stat().st_size for name in files},
            "versions": _versions(),
        }
        # Last, so that an output newer than build.json is one changed since the build.
        write_text(staging / MANIFEST, _dump_json(manifest))
        _keep_foreign(dist, staging, {name.split("/")[0] for name in [*files, MANIFEST]})
    return files


def _give_back_memory() -> None:
    """Return the heap's free pages to the system (glibc's `malloc_trim`), so that the lines
    just freed do not stay counted in the build's resident memory while the answers' store
    and the workers run; nothing where the C library has no such call."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        trim = None
    if trim is not None:
        trim(0)


class _Done:
    """A finished call, as a future of `_inline` gives it."""

    def __init__(self, value: str) -> None:
        self.value = value

    def result(self) -> str:
        return self.value


class _Inline:
    """Runs each submitted call at once, in this process (no worker processes)."""

    def submit(self, function: Callable[..., str], *args: Any) -> _Done:
        return _Done(function(*args))


@contextmanager
def _inline() -> Iterator[_Inline]:
    yield _Inline()


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
