"""XML that always parses: escaping for XML 1.0 and an RDF/XML writer that refuses what it
cannot write.

pyoxigraph 0.5.13 writes a carriage return raw (an XML parser reads it back as a line feed),
writes characters XML 1.0 cannot carry at all, and writes `<oxprefix: ...>` for a predicate
or class IRI that has no XML name as a local part (`http://ex.org/p/1`). Here a carriage
return becomes `&#xD;`, a character XML cannot carry raises `XmlError`, and RDF/XML is
written by `rdf_xml` (RDF/XML 1.1 section 2: striped syntax, one `rdf:Description` a
subject), which raises `XmlError` naming the IRI that no XML name can end.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pyoxigraph as ox

__all__ = ["XmlError", "local_name", "rdf_xml", "xml_safe"]

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
ITS = "http://www.w3.org/2005/11/its"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
# Names RDF/XML reserves for its own syntax: never a property element (RDF/XML 1.1 7.2.5).
_NOT_PROPERTIES = frozenset(
    [
        "RDF",
        "ID",
        "about",
        "bagID",
        "parseType",
        "resource",
        "nodeID",
        "datatype",
        "Description",
        "aboutEach",
        "aboutEachPrefix",
        "li",
    ]
)
# XML 1.0 (5th edition) NameStartChar and NameChar, without ':' (Namespaces in XML: NCName).
_START = (
    "A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_CHAR = _START + r"\-.0-9\u00b7\u0300-\u036f\u203f-\u2040"
_NAME_TAIL = re.compile(f"[{_CHAR}]*+$")
_NAME_START = re.compile(f"[{_START}]")
# Characters no XML 1.0 document can hold, even as a character reference.
_NOT_XML = re.compile(b"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")
_NOT_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class XmlError(ValueError):
    """An answer that XML cannot carry; the message says why, for the client."""


def xml_safe(body: bytes) -> bytes:
    """`body` (an XML document) with carriage returns as `&#xD;`; XmlError for characters
    that XML 1.0 cannot carry.

    Only text and attribute values can hold a carriage return in what pyoxigraph writes (it
    breaks lines with line feeds), so replacing every one is exact.
    """
    bad = _NOT_XML.search(body)
    if bad is not None:
        char = bad.group().decode("utf-8")
        raise XmlError(
            f"the answer holds the character U+{ord(char):04X}, which XML 1.0 cannot carry; "
            "ask for another format (JSON, CSV, TSV, Turtle, N-Triples)"
        )
    return body.replace(b"\r", b"&#xD;")


def local_name(iri: str) -> tuple[str, str] | None:
    """(namespace, local name): the longest end of `iri` that is an XML name, or None."""
    tail = _NAME_TAIL.search(iri)
    assert tail is not None
    start = _NAME_START.search(iri, tail.start())
    if start is None:
        return None
    return iri[: start.start()], iri[start.start() :]


def _text(value: str) -> str:
    if _NOT_XML_TEXT.search(value):
        char = _NOT_XML_TEXT.search(value).group()  # type: ignore[union-attr]
        raise XmlError(
            f"the answer holds the character U+{ord(char):04X}, which XML 1.0 cannot carry; "
            "ask for another format (Turtle, N-Triples, JSON-LD)"
        )
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#xD;")
    )


def _attr(value: str) -> str:
    return _text(value).replace('"', "&quot;").replace("\t", "&#x9;").replace("\n", "&#xA;")


class _Names:
    """Prefixes for the namespaces of property elements, from the project's table first."""

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        self.by_namespace = {RDF: "rdf"}
        self._known = {ns: p for p, ns in prefixes.items() if not p.lower().startswith("xml")}

    def qname(self, iri: str) -> str:
        split = local_name(iri)
        if split is None or not split[0]:
            raise XmlError(
                f"<{iri}> cannot be written in RDF/XML: it does not end with an XML name; "
                "ask for another format (Turtle, N-Triples, JSON-LD)"
            )
        namespace, local = split
        if namespace == RDF and local in _NOT_PROPERTIES:
            raise XmlError(f"<{iri}> is reserved by RDF/XML and cannot be written as a property")
        prefix = self.by_namespace.get(namespace)
        if prefix is None:
            prefix = self._known.get(namespace)
            if prefix is None or prefix in self.by_namespace.values():
                prefix = f"ns{len(self.by_namespace)}"
            self.by_namespace[namespace] = prefix
        return f"{prefix}:{local}"


def _node(term: object, blank: dict[str, str], attribute: str) -> str:
    if isinstance(term, ox.NamedNode):
        return f'rdf:{attribute}="{_attr(term.value)}"'
    if isinstance(term, ox.BlankNode):
        label = blank.setdefault(term.value, f"b{len(blank)}")
        return f'rdf:nodeID="{label}"'
    raise XmlError("the answer holds a triple term, which RDF/XML 1.1 cannot carry")


def rdf_xml(triples: Iterable[ox.Triple], prefixes: Mapping[str, str] | None = None) -> bytes:
    """RDF/XML of `triples`, which always parses to the same graph; XmlError when it cannot
    be written (a predicate IRI with no XML name at its end, a character XML cannot carry).
    """
    names = _Names(prefixes or {})
    blank: dict[str, str] = {}
    uses_its = False
    subjects: dict[object, list[str]] = {}
    for triple in triples:
        element = names.qname(triple.predicate.value)
        obj = triple.object
        if isinstance(obj, ox.Literal):
            attrs = ""
            if obj.language:
                attrs = f' xml:lang="{_attr(obj.language)}"'
                direction = getattr(obj, "direction", None)
                if direction:
                    attrs += f' its:dir="{_attr(str(direction))}"'
                    uses_its = True
            elif obj.datatype.value != XSD_STRING:
                attrs = f' rdf:datatype="{_attr(obj.datatype.value)}"'
            line = f"<{element}{attrs}>{_text(obj.value)}</{element}>"
        else:
            line = f"<{element} {_node(obj, blank, 'resource')}/>"
        subjects.setdefault(triple.subject, []).append(line)
    declarations = "".join(
        f' xmlns:{prefix}="{_attr(namespace)}"' for namespace, prefix in names.by_namespace.items()
    )
    if uses_its:
        declarations += f' xmlns:its="{ITS}" its:version="2.0"'
    out = ['<?xml version="1.0" encoding="UTF-8"?>', f"<rdf:RDF{declarations}>"]
    for subject, lines in subjects.items():
        out.append(f"\t<rdf:Description {_node(subject, blank, 'about')}>")
        out.extend(f"\t\t{line}" for line in lines)
        out.append("\t</rdf:Description>")
    out.append("</rdf:RDF>\n")
    return "\n".join(out).encode("utf-8")
