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

from rdflib import URIRef

from diplokg.dataset import DOCUMENTS_DIR
from diplokg.errors import InputError


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


def source_of(document: Document, declared: Sequence[tuple[str, str]], single: bool) -> URIRef:
    """The `dkg:SourceDocument` whose `dkg:sourceFile` names `document`'s text, among those
    its curated file `declared` (each with its source file); with a single document, its one
    source document."""
    named = sorted(iri for iri, file in declared if file == document.text.name)
    if len(named) == 1:
        return URIRef(named[0])
    if single and len(declared) == 1:
        return URIRef(declared[0][0])
    raise InputError(
        document.facts,
        f'its dkg:SourceDocument must say dkg:sourceFile "{document.text.name}" '
        f"(found {len(named)} that do)",
    )


def source_text(
    document: Document, text: str, declared: Sequence[tuple[str, str]], single: bool
) -> Text:
    """A document's text (read as the evidence step read it: universal newlines)."""
    return Text(document.name, source_of(document, declared, single), text)
