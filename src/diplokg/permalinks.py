"""Permalinks: a query and a data version, recorded once, that keep giving the same answer.

A permalink's id is a hash of the query text (line ends and trailing spaces normalised,
nothing else: a space inside a string literal is part of the query) and the version id, so
recording the same query on the same version twice gives the same link. Records are JSON
files in `<root>/permalinks/<id>.json`, written atomically and never changed; the server
answers `/p/<id>` by running the query on that version (`/v/<version>/sparql`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from diplokg.errors import DiplokgError
from diplokg.namespaces import VERSIONS
from diplokg.rdfio import write_text

__all__ = ["Citation", "Permalink", "citation", "cited_versions", "load", "normalise", "record"]

ID_LENGTH = 12
PUBLISHER = "diplokg project"
DATASET_TITLE = "diplokg: France–Kazakhstan relations"
_ID = re.compile(r"^[0-9a-f]{12,64}$")


class PermalinkError(DiplokgError):
    """A permalink that cannot be recorded (its id taken by another query)."""


@dataclass(frozen=True)
class Permalink:
    """A recorded query on a version of the dataset."""

    id: str
    query: str
    version: str
    created: str  # when it was first recorded: ISO 8601, UTC, to the second

    @property
    def version_iri(self) -> str:
        return str(VERSIONS[self.version])


@dataclass(frozen=True)
class Citation:
    """How to cite a permalink: a BibTeX entry and a line of plain text."""

    bibtex: str
    text: str


def normalise(query: str) -> str:
    """The query as recorded: LF line ends, no trailing spaces, no blank lines around it.

    >>> normalise("SELECT * {\\r\\n  ?s ?p ?o }  \\r\\n\\r\\n")
    'SELECT * {\\n  ?s ?p ?o }'
    """
    lines = [line.rstrip() for line in query.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


def _digest(query: str, version: str) -> str:
    blob = json.dumps({"query": query, "version": version}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _path(directory: Path, permalink_id: str) -> Path:
    return directory / f"{permalink_id}.json"


def load(directory: Path, permalink_id: str) -> Permalink | None:
    """The permalink `permalink_id`, or None."""
    if not _ID.match(permalink_id):
        return None
    try:
        data = json.loads(_path(directory, permalink_id).read_text(encoding="utf-8"))
        return Permalink(data["id"], data["query"], data["version"], data["created"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def record(
    directory: Path, query: str, version: str, now: dt.datetime | None = None
) -> tuple[Permalink, bool]:
    """Record `query` on `version`; returns the permalink and whether it is new.

    The id is the first 12 hex digits of the SHA-256 of both; on the (unseen) chance that
    another query already holds them, the id grows four digits at a time.
    """
    text = normalise(query)
    digest = _digest(text, version)
    for length in range(ID_LENGTH, len(digest) + 1, 4):
        found = load(directory, digest[:length])
        if found is None:
            break
        if found.query == text and found.version == version:
            return found, False
    else:
        raise PermalinkError(f"no free id for permalink {digest}")
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    permalink = Permalink(digest[:length], text, version, moment.isoformat().replace("+00:00", "Z"))
    write_text(
        _path(directory, permalink.id),
        json.dumps(asdict(permalink), indent=2, ensure_ascii=False) + "\n",
    )
    return permalink, True


def cited_versions(directory: Path) -> set[str]:
    """The versions some permalink points to (never to be pruned)."""
    if not directory.is_dir():
        return set()
    found = (load(directory, p.stem) for p in directory.glob("*.json"))
    return {p.version for p in found if p is not None}


def _bibtex_escape(text: str) -> str:
    return re.sub(r"([{}%&$#_])", r"\\\1", text)


def citation(permalink: Permalink, url: str, accessed: dt.date) -> Citation:
    """A suggested citation of `permalink`, published at `url`, accessed on `accessed`."""
    created = permalink.created[:10]
    title = f"{DATASET_TITLE}, SPARQL query {permalink.id}"
    text = (
        f"{PUBLISHER}. {title} (dataset version {permalink.version}, recorded {created}). "
        f"{url} (accessed {accessed.isoformat()})."
    )
    fields = [
        ("author", f"{{{PUBLISHER}}}"),
        ("title", f"{{{_bibtex_escape(title)}}}"),
        ("publisher", PUBLISHER),
        ("version", permalink.version),
        ("year", created[:4]),
        ("date", created),
        ("url", url),
        ("urldate", accessed.isoformat()),
        ("note", f"Dataset version {permalink.version} ({permalink.version_iri})"),
    ]
    width = max(len(name) for name, _ in fields)
    body = ",\n".join(f"  {name:<{width}} = {{{value}}}" for name, value in fields)
    return Citation(f"@misc{{diplokg-{permalink.id},\n{body}\n}}\n", text)
