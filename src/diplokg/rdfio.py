"""Reading and writing RDF: parse errors that name file and line, byte-stable output, atomic writes.

Everything the build writes goes through here so that two builds of the same inputs give the
same bytes: blank nodes get labels derived from their content (never random), N-Triples and
N-Quads are sorted, and the other syntaxes are written from the sorted lines.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import _TripleCanonicalizer
from rdflib.namespace import RDF
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import Node

from diplokg.errors import InputError
from diplokg.formats import Format
from diplokg.namespaces import PREFIXES, compact_iri, near_prefix

Triple = tuple[Node, Node, Node]
Quad = tuple[Node, Node, Node, URIRef]

# Used only while labelling blank nodes: a quad becomes a triple whose predicate carries the
# graph, so that a blank node shared by two named graphs gets one label in both.
_GRAPH_TAG = "urn:x-diplokg-graph:"


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project's prefixes (and only those) so that every output reads the same."""
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    return graph


def _not_a_conversion_failure(record: logging.LogRecord) -> bool:
    return not record.getMessage().startswith("Failed to convert Literal")


@contextlib.contextmanager
def quiet_literals() -> Iterator[None]:
    """Silence what rdflib says about a literal it cannot convert to a value (a logged
    traceback per ill-typed literal, a warning per odd boolean): the build's lint reports
    each such literal in one line naming file and line."""
    logger = logging.getLogger("rdflib.term")
    logger.addFilter(_not_a_conversion_failure)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning, module=r"rdflib\.term")
            yield
    finally:
        logger.removeFilter(_not_a_conversion_failure)


def parse_turtle(path: Path) -> Graph:
    """Parse a Turtle file; a syntax error becomes an InputError naming the file and line.

    Oxigraph reads it (twice as fast as rdflib's parser); a file it refuses is read again by
    rdflib, whose message names the line, or which reads what Oxigraph is stricter about."""
    if not path.is_file():
        raise InputError(path, "file not found")
    try:
        with quiet_literals():
            return _parse_with_oxigraph(path)
    except (SyntaxError, ValueError, OSError):
        pass
    graph = Graph()
    try:
        with quiet_literals():
            graph.parse(path, format="turtle")
    except BadSyntax as exc:
        # The parser's own line counter runs ahead after look-ahead; the offset does not.
        line = exc._str.decode("utf-8")[: exc._i].count("\n") + 1
        why = exc._why
        unbound = re.fullmatch(r'Prefix "([^"]*):" not bound', why)
        near = near_prefix(unbound.group(1)) if unbound else None
        if near is not None:  # `dgk:Treaty`: a typo of one of our prefixes
            why += f" (did you mean {near}:?)"
        raise InputError(path, f"bad Turtle: {why}", line=line) from None
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot be read as Turtle: {exc}") from None
    return graph


_XSD_STRING_IRI = "http://www.w3.org/2001/XMLSchema#string"


def _parse_with_oxigraph(path: Path) -> Graph:
    """The rdflib graph of a Turtle file, parsed by Oxigraph."""
    import pyoxigraph as ox

    graph = Graph()
    iris: dict[str, URIRef] = {}
    blanks: dict[str, BNode] = {}

    def term(value: Any) -> Node:
        if isinstance(value, ox.NamedNode):
            iri = iris.get(value.value)
            if iri is None:
                iri = iris[value.value] = URIRef(value.value)
            return iri
        if isinstance(value, ox.BlankNode):
            blank = blanks.get(value.value)
            if blank is None:
                blank = blanks[value.value] = BNode()
            return blank
        if not isinstance(value, ox.Literal):
            raise ValueError(f"{path}: RDF 1.2 triple terms are not read here")
        if value.language:
            return Literal(value.value, lang=value.language)
        if value.datatype.value == _XSD_STRING_IRI:
            return Literal(value.value)
        datatype = iris.get(value.datatype.value) or URIRef(value.datatype.value)
        return Literal(value.value, datatype=datatype)

    quads = ox.parse(path=path, format=ox.RdfFormat.TURTLE)
    graph.addN((term(q.subject), term(q.predicate), term(q.object), graph) for q in quads)
    return graph


def canonical_quads(graphs: Mapping[URIRef, Iterable[Triple]]) -> dict[URIRef, list[Triple]]:
    """Relabel blank nodes from their content across all graphs (order of triples is kept).

    rdflib's canonicaliser gives each blank node a SHA-256 label of its neighbourhood, so the
    labels do not depend on parse order or on the hash seed of the process.
    """
    names = list(graphs)
    with_bnode: list[Triple] = []
    plain: dict[URIRef, list[Triple]] = {name: [] for name in names}
    for index, name in enumerate(names):
        for s, p, o in graphs[name]:
            if isinstance(s, BNode) or isinstance(o, BNode):
                with_bnode.append((s, URIRef(f"{_GRAPH_TAG}{index}:{p}"), o))
            else:
                plain[name].append((s, p, o))
    if with_bnode:
        tagged = Graph()
        for triple in with_bnode:
            tagged.add(triple)
        for s, p, o in _TripleCanonicalizer(tagged).canonical_triples():
            index_text, _, predicate = str(p)[len(_GRAPH_TAG) :].partition(":")
            plain[names[int(index_text)]].append((s, URIRef(predicate), o))
    return {name: list(dict.fromkeys(triples)) for name, triples in plain.items()}


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


_IRIS: dict[str, str] = {}  # IRI -> its N-Triples form (n3() checks the IRI each time)


def nt_term(term: Node) -> str:
    """A term in N-Triples syntax (rdflib's `n3()` writes multi-line literals N3-style)."""
    if type(term) is URIRef:
        key = str.__str__(term)
        text = _IRIS.get(key)
        if text is None:
            text = term.n3()
            if len(_IRIS) < 1_000_000:
                _IRIS[key] = text
        return text
    if isinstance(term, Literal):
        text = f'"{str(term).translate(_ESCAPES)}"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype is not None:
            return f"{text}^^<{term.datatype}>"
        return text
    return term.n3()


def ntriples_lines(triples: Iterable[Triple]) -> list[str]:
    """The sorted, de-duplicated N-Triples lines of `triples`."""
    return sorted({f"{nt_term(s)} {nt_term(p)} {nt_term(o)} .\n" for s, p, o in triples})


def nquads_lines(graphs: Mapping[URIRef, Iterable[Triple]]) -> dict[URIRef, list[str]]:
    """The sorted N-Quads lines of each named graph. Merge them (`heapq.merge`) for one
    sorted file, or chain them graph by graph for TriG, which writes one block a graph."""
    return {
        name: sorted(
            f"{nt_term(s)} {nt_term(p)} {nt_term(o)} {nt_term(name)} .\n" for s, p, o in triples
        )
        for name, triples in graphs.items()
    }


def triple_of(line: str) -> str:
    """The triple of an N-Quads line whose graph is an IRI: the line up to its graph term."""
    return line[: line.rindex(" <")]


def convert(text: str, source: Format, target: Format) -> str:
    """Re-serialise sorted N-Triples/N-Quads `text` with Oxigraph, keeping its order.

    Oxigraph writes in the order it reads, so sorted input gives byte-stable output, some 100
    times faster than rdflib.
    """
    import pyoxigraph as ox

    items = list(ox.parse(input=text.encode("utf-8"), format=source.rdf))
    data = ox.serialize(items, format=target.rdf, prefixes=PREFIXES)
    assert data is not None  # no output file given: Oxigraph returns the bytes
    return data.decode("utf-8")


def compact_jsonld(expanded: str) -> Any:
    """Compact Oxigraph's expanded JSON-LD with the project's prefixes as the `@context`."""

    def iri(value: str) -> str:
        return compact_iri(value) or value

    def node(item: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, values in item.items():
            if key == "@id":
                out[key] = iri(values)
            elif key == str(RDF.type):
                out["@type"] = sorted(iri(v["@id"]) for v in values)
            else:
                out[iri(key)] = sorted(
                    (_value(v, iri) for v in values),
                    key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False),
                )
        return out

    nodes = [node(item) for item in json.loads(expanded)]
    return {"@context": dict(PREFIXES), "@graph": sorted(nodes, key=lambda n: n["@id"])}


def _value(value: dict[str, Any], iri: Callable[[str], str]) -> dict[str, Any]:
    if "@id" in value:
        return {"@id": iri(value["@id"])}
    if "@type" in value:
        return {"@value": value["@value"], "@type": iri(value["@type"])}
    return value


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_TYPE = str(RDF.type)
_ENCODE = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) writes
# A compacted node inside "@graph" (json.dumps(indent=2) puts it at depth 2): its keys at
# six spaces, a list's items at eight, an item's keys at ten.
_KEY, _ITEM, _ITEM_KEY = "\n      ", "\n        ", "\n          "


class _JsonTerms:
    """Objects as `compact_jsonld` writes them: (the JSON it sorts them by, their text at
    depth 4), made from their N-Triples text; IRIs remembered (they repeat)."""

    def __init__(self) -> None:
        self.iris: dict[str, str] = {}
        self.nodes: dict[str, tuple[str, str]] = {}

    def iri(self, value: str) -> str:
        found = self.iris.get(value)
        if found is None:
            found = compact_iri(value) or value
            if len(self.iris) < 1_000_000:
                self.iris[value] = found
        return found

    def node(self, ident: str) -> tuple[str, str]:
        found = self.nodes.get(ident)
        if found is None:
            text = _ENCODE(ident)
            found = (f'{{"@id": {text}}}', f'{{{_ITEM_KEY}"@id": {text}{_ITEM}}}')
            if len(self.nodes) < 1_000_000:
                self.nodes[ident] = found
        return found

    def term(self, text: str) -> tuple[str, str]:
        """An object written by `nt_term`."""
        if text[0] == "<":
            return self.node(self.iri(text[1:-1]))
        if text[0] == "_":
            return self.node(text)
        close = text.rindex('"')
        value = _json_string(text[1:close])
        rest = text[close + 1 :]
        if rest.startswith("@"):
            lang = _ENCODE(rest[1:])
            return (
                f'{{"@language": {lang}, "@value": {value}}}',
                f'{{{_ITEM_KEY}"@language": {lang},{_ITEM_KEY}"@value": {value}{_ITEM}}}',
            )
        if not rest or rest[3:-1] == _XSD_STRING:
            return f'{{"@value": {value}}}', f'{{{_ITEM_KEY}"@value": {value}{_ITEM}}}'
        kind = _ENCODE(self.iri(rest[3:-1]))
        return (
            f'{{"@type": {kind}, "@value": {value}}}',
            f'{{{_ITEM_KEY}"@type": {kind},{_ITEM_KEY}"@value": {value}{_ITEM}}}',
        )


_RAW_CONTROL = re.compile("[\x00-\x1f]")


def _json_string(escaped: str) -> str:
    """The JSON string (as json.dumps writes it) of a literal's lexical form as `nt_term`
    escapes it: the same text when it holds no raw control character (`nt_term` escapes only
    backslash, quote, line feed and carriage return, as JSON does)."""
    if _RAW_CONTROL.search(escaped):
        return str(_ENCODE(json.loads(f'"{escaped}"', strict=False)))
    return f'"{escaped}"'


def compact_jsonld_lines(ntriples: Path) -> Iterator[str]:
    """The compacted JSON-LD of the sorted N-Triples file `ntriples` (written by `nt_term`),
    as `compact_jsonld` compacts Oxigraph's expanded JSON-LD and `json.dumps(indent=2,
    sort_keys=True)` writes it (tests/build/test_build.py compares both), one node at a time: the
    nodes are made from the lines of each subject in turn (sorted lines hold them together)
    and written in the order of their compacted `@id`.

    The nodes' text waits in an anonymous temporary file beside `ntriples` (deleted when
    closed), the memory holding only each node's `@id`, offset and size (held as str, the
    text was all in memory until the end: 850 MB of JSON-LD on issue 16's collection; the
    build's write step peaked 0.39 GB lower at 200 pages, README)."""
    terms = _JsonTerms()
    nodes: list[tuple[str, int, int]] = []
    spill = tempfile.TemporaryFile(dir=ntriples.parent)  # noqa: SIM115 (the with below closes it)
    written = 0
    subject = ""
    values: dict[str, list[tuple[str, str]]] = {}
    types: list[str] = []

    def flush() -> None:
        nonlocal written
        if not subject:
            return
        ident = terms.iri(subject[1:-1]) if subject[0] == "<" else subject
        keys: dict[str, list[tuple[str, str]] | None] = {"@id": None}
        keys.update((terms.iri(key), items) for key, items in values.items())
        if types:
            keys["@type"] = None
        parts = []
        for key in sorted(keys):
            items = keys[key]
            if key == "@id":
                parts.append(f'"@id": {_ENCODE(ident)}')
            elif items is None:
                listed = _ITEM.join(f"{_ENCODE(t)}," for t in sorted(types))[:-1]
                parts.append(f'"@type": [{_ITEM}{listed}{_KEY}]')
            else:
                body = f",{_ITEM}".join(text for _, text in sorted(items))
                parts.append(f"{_ENCODE(key)}: [{_ITEM}{body}{_KEY}]")
        data = (f"{{{_KEY}" + f",{_KEY}".join(parts) + "\n    }").encode("utf-8")
        spill.write(data)
        nodes.append((ident, written, len(data)))
        written += len(data)

    with spill, ntriples.open(encoding="utf-8") as handle:
        for line in handle:
            subject_end = line.index(" ")
            predicate_end = line.index(" ", subject_end + 1)
            if line[:subject_end] != subject:
                flush()
                subject, values, types = line[:subject_end], {}, []
            predicate = line[subject_end + 2 : predicate_end - 1]
            obj = line[predicate_end + 1 : -3]
            if predicate == _RDF_TYPE and obj[0] in "<_":
                types.append(terms.iri(obj[1:-1]) if obj[0] == "<" else obj)
            else:
                values.setdefault(predicate, []).append(terms.term(obj))
        flush()
        head = json.dumps(
            {"@context": dict(PREFIXES)}, indent=2, sort_keys=True, ensure_ascii=False
        )
        yield head[: -len("\n}")] + ',\n  "@graph": ['
        nodes.sort(key=lambda item: item[0])
        spill.flush()
        for n, (_, offset, size) in enumerate(nodes):
            spill.seek(offset)
            text = spill.read(size).decode("utf-8")
            yield ("\n    " if n == 0 else ",\n    ") + text
    yield "\n  ]\n}\n"


def write_text(path: Path, text: str) -> None:
    """Write a UTF-8 file atomically: readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes it private; outputs are published files
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def replace_dir(target: Path) -> Iterator[Path]:
    """Yield a fresh folder beside `target`; on success it replaces `target`, on failure vanishes.

    The swap is two renames on the same file system, so a failed build leaves the previous
    folder whole and a reader never sees a half-written one for longer than between them.
    """
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    staging.chmod(0o755)
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.rename(target, old / target.name)
    os.rename(staging, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
