"""RDF terms as the SPARQL 1.1 Query Results JSON Format writes them, the conversions to and
from them, and the choice of one label among a term's labels.

Every answer, from the embedded Oxigraph store, a remote endpoint or the server's engine, is
read into these terms, so this one module converts them: from pyoxigraph terms, to rdflib
terms, and to a key that compares answers from different stores. `pick_label` names a term
the same way on the server's pages and in the API's DataFrames.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Identifier

from diplokg.errors import QueryError

__all__ = [
    "JsonTerm",
    "Label",
    "TermKey",
    "TextLabel",
    "from_json",
    "from_oxigraph",
    "key",
    "pick_label",
    "to_rdflib",
]

# A term as the SPARQL 1.1 JSON results format writes it: type, value, datatype, xml:lang.
JsonTerm = Mapping[str, str]
# A term reduced to what two stores must agree on; blank nodes are all alike.
TermKey = tuple[str, ...]

_XSD_STRING = str(XSD.string)
_RDF_LANG_STRING = str(RDF.langString)


def from_oxigraph(term: Any) -> JsonTerm:
    """A pyoxigraph NamedNode, BlankNode or Literal as a JSON results term; QueryError for
    anything else (a triple term)."""
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, str] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        else:
            out["datatype"] = term.datatype.value
        return out
    raise QueryError(f"unsupported term in an answer: {term}")


def from_json(term: Mapping[str, Any]) -> JsonTerm:
    """A term as a remote endpoint wrote it, with Virtuoso's SPARQL 1.0 "typed-literal" read as
    a literal."""
    kind = "literal" if term["type"] == "typed-literal" else term["type"]
    return {**term, "type": kind}


def to_rdflib(term: JsonTerm) -> Identifier:
    """The rdflib URIRef, BNode or Literal of a JSON results term."""
    kind = term["type"]
    if kind == "uri":
        return URIRef(term["value"])
    if kind == "bnode":
        return BNode(term["value"])
    if kind in ("literal", "typed-literal"):
        lang = term.get("xml:lang")
        datatype = term.get("datatype")
        return Literal(term["value"], lang=lang, datatype=URIRef(datatype) if datatype else None)
    raise ValueError(f"unsupported term type {kind}")


def key(term: Mapping[str, Any] | None) -> TermKey | None:
    """What two stores must agree on about a term: IRI, literal value, datatype and language
    (case-folded); blank nodes compare as one placeholder, an unbound variable as None."""
    if term is None:
        return None
    kind = term.get("type")
    if kind == "uri":
        return ("iri", term["value"])
    if kind == "bnode":
        return ("bnode",)
    lang = term.get("xml:lang")
    if lang:
        return ("literal", term["value"], _RDF_LANG_STRING, lang.lower())
    return ("literal", term["value"], term.get("datatype", _XSD_STRING), "")


class Label(Protocol):
    """A label: its text is `str(label)`, its language tag `language` (None or "" for none).
    rdflib's Literal is one; so is TextLabel."""

    @property
    def language(self) -> str | None: ...


LabelT = TypeVar("LabelT", bound=Label)


@dataclass(frozen=True)
class TextLabel:
    """A label as an answer gives it, its language tag not checked (rdflib's Literal would
    refuse a malformed one)."""

    text: str
    language: str | None = None

    def __str__(self) -> str:
        return self.text


def pick_label(labels: Iterable[LabelT], lang: str = "en") -> LabelT | None:
    """The label in `lang`, else one without a language tag, else the first by language tag
    then text; tags compare without regard to case. None when there is no label."""

    def rank(label: LabelT) -> tuple[bool, bool, str, str]:
        tag = label.language or ""
        return (tag.lower() != lang.lower(), tag != "", tag, str(label))

    return min(labels, key=rank, default=None)
