"""The source texts in dist/: a copy of each `graph/<name>.txt` as the build read it.

The server shows a text with its annotations (`/document/{slug}`) and never reads `graph/`,
so the build copies each text into `dist/documents/<name>.txt` and lists it in build.json
with its SHA-256, its length in code points and the `dkg:SourceDocument` it is the text of.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from diplokg.dataset import DOCUMENTS_DIR
from diplokg.errors import InputError
from diplokg.namespaces import DKG


class Document(Protocol):
    """What is read of a source document (`diplokg.build.pipeline.Document` is one; the
    pipeline imports this module, so this one names only what it reads)."""

    @property
    def name(self) -> str: ...

    @property
    def text(self) -> Path: ...

    @property
    def facts(self) -> Path: ...


@dataclass(frozen=True)
class Text:
    """A source text and the document resource it is the text of."""

    name: str
    source: URIRef
    text: str

    @property
    def file(self) -> str:
        """Its path inside dist/."""
        return f"{DOCUMENTS_DIR}/{self.name}.txt"

    def manifest_entry(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "file": self.file,
            "source": str(self.source),
            "sha256": hashlib.sha256(self.text.encode("utf-8")).hexdigest(),
            "characters": len(self.text),
        }


def source_of(document: Document, asserted: Graph, single: bool) -> URIRef:
    """The `dkg:SourceDocument` whose `dkg:sourceFile` names `document`'s text; with a single
    document, its one source document."""
    declared = {s for s in asserted.subjects(RDF.type, DKG.SourceDocument) if isinstance(s, URIRef)}
    named = sorted(
        s for s in declared if str(asserted.value(s, DKG.sourceFile)) == document.text.name
    )
    if len(named) == 1:
        return named[0]
    if single and len(declared) == 1:
        return next(iter(declared))
    raise InputError(
        document.facts,
        f'its dkg:SourceDocument must say dkg:sourceFile "{document.text.name}" '
        f"(found {len(named)} that do)",
    )


def source_texts(documents: Sequence[Document], asserted: Graph) -> list[Text]:
    """Each document's text (read as the evidence step read it: universal newlines)."""
    single = len(documents) == 1
    return [
        Text(doc.name, source_of(doc, asserted, single), doc.text.read_text(encoding="utf-8"))
        for doc in documents
    ]
