"""The one table of formats: every RDF syntax and SPARQL results format diplokg reads or writes.

Media types, file extensions, names and W3C format IRIs come from pyoxigraph's typed
`RdfFormat` and `QueryResultsFormat` objects (RDF 1.1 and SPARQL 1.1 Query Results specs,
as registered with IANA); a row adds only what they do not say: the short key that the CLI's
`--format`, the REST API's `?format=` and the query engine use, the other media types clients
send in `Accept`, the longer file extensions we also read, rdflib's name for the syntax, and
whether our outputs in it keep the named graphs. Content negotiation (`diplokg.protocol`),
the engine and its workers (serialization, XML escaping, truncation flags), the stores, the
service description, exports, the dumps of dist/, the resource pages and publishing all read
this table. So do the event table's exports (diplokg.events): CSV and PLOVER JSONL, tables of
coded events, no RDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import QueryResultsFormat, RdfFormat

__all__ = [
    "EVENT_CSV",
    "EVENT_FORMATS",
    "GRAPH_FORMATS",
    "JSON_LD",
    "NQUADS",
    "NTRIPLES",
    "PLOVER_JSONL",
    "RDFXML",
    "RESULTS_CSV",
    "RESULTS_JSON",
    "RESULTS_TSV",
    "RESULTS_XML",
    "RESULT_FORMATS",
    "TRIG",
    "TURTLE",
    "Format",
    "by_key",
    "rdf_format_of",
]


@dataclass(frozen=True)
class Format:
    """One serialization: `key` names it for people and workers, `media_type` for HTTP."""

    key: str
    media_type: str
    aliases: tuple[str, ...] = ()
    name: str = ""
    oxigraph: RdfFormat | QueryResultsFormat | None = None
    rdflib_name: str | None = None
    extensions: tuple[str, ...] = ()  # without the dot; the first is the one we write
    datasets: bool = False  # our outputs in it keep each triple's named graph

    @property
    def extension(self) -> str:
        return self.extensions[0]

    @property
    def xml(self) -> bool:
        """Whether documents in it are XML (a `+xml` media type, RFC 6839)."""
        return self.media_type.endswith("+xml")

    @property
    def rdflib(self) -> str:
        """rdflib's parser and serializer name (a graph format)."""
        assert self.rdflib_name is not None, self.key
        return self.rdflib_name

    @property
    def rdf(self) -> RdfFormat:
        """The pyoxigraph RDF syntax (a graph format)."""
        assert isinstance(self.oxigraph, RdfFormat), self.key
        return self.oxigraph

    @property
    def results(self) -> QueryResultsFormat:
        """The pyoxigraph results format (a SELECT/ASK format)."""
        assert isinstance(self.oxigraph, QueryResultsFormat), self.key
        return self.oxigraph


def _media(value: str) -> str:
    # pyoxigraph writes "text/csv; charset=utf-8"; negotiation compares bare media types
    return value.split(";")[0].strip()


def _rdf(
    key: str,
    syntax: RdfFormat,
    rdflib: str,
    aliases: tuple[str, ...] = (),
    longer: tuple[str, ...] = (),
    datasets: bool = False,
) -> Format:
    return Format(
        key,
        _media(syntax.media_type),
        aliases,
        syntax.name,
        syntax,
        rdflib,
        (syntax.file_extension, *longer),
        datasets,
    )


def _results(key: str, syntax: QueryResultsFormat, aliases: tuple[str, ...] = ()) -> Format:
    return Format(
        key,
        _media(syntax.media_type),
        aliases,
        syntax.name,
        syntax,
        extensions=(syntax.file_extension,),
    )


RESULTS_JSON = _results("json", QueryResultsFormat.JSON, ("application/json", "text/json"))
RESULTS_XML = _results("xml", QueryResultsFormat.XML, ("application/xml", "text/xml"))
RESULTS_CSV = _results("csv", QueryResultsFormat.CSV)
RESULTS_TSV = _results("tsv", QueryResultsFormat.TSV)
TURTLE = _rdf("turtle", RdfFormat.TURTLE, "turtle", ("application/x-turtle",), ("turtle",))
NTRIPLES = _rdf("ntriples", RdfFormat.N_TRIPLES, "nt", ("text/plain",), ("ntriples",))
JSON_LD = _rdf("jsonld", RdfFormat.JSON_LD, "json-ld")
RDFXML = _rdf("rdfxml", RdfFormat.RDF_XML, "xml", ("application/xml", "text/xml"))
TRIG = _rdf("trig", RdfFormat.TRIG, "trig", datasets=True)
NQUADS = _rdf("nquads", RdfFormat.N_QUADS, "nquads", longer=("nquads",), datasets=True)

# Order matters: the first entry is the default when the client accepts anything.
RESULT_FORMATS: tuple[Format, ...] = (RESULTS_JSON, RESULTS_XML, RESULTS_CSV, RESULTS_TSV)
GRAPH_FORMATS: tuple[Format, ...] = (TURTLE, NTRIPLES, JSON_LD, RDFXML, TRIG, NQUADS)

# The event table (diplokg.events): CSV with its own columns (not SPARQL results, the same media
# type), and PLOVER's JSON Lines, one record a line (the PLOVER manual's "Data Fields").
EVENT_CSV = Format("csv", RESULTS_CSV.media_type, extensions=("csv",))
PLOVER_JSONL = Format("plover-jsonl", "application/x-ndjson", extensions=("jsonl",))
EVENT_FORMATS: tuple[Format, ...] = (EVENT_CSV, PLOVER_JSONL)


def by_key(key: str) -> Format:
    """The format named `key` (turtle, ntriples, jsonld, rdfxml, trig, nquads, json, xml...)."""
    for fmt in (*GRAPH_FORMATS, *RESULT_FORMATS):
        if fmt.key == key:
            return fmt
    raise KeyError(key)


def rdf_format_of(path: Path) -> RdfFormat | None:
    """The RDF syntax of a file by its extension: ours (.ttl, .turtle, .nq, .nquads, ...), else
    any pyoxigraph knows (.xml, .n3); None when neither does."""
    extension = path.suffix.lower().lstrip(".")
    for fmt in GRAPH_FORMATS:
        if extension in fmt.extensions:
            return fmt.rdf
    return RdfFormat.from_extension(extension) if extension else None
