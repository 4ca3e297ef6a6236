"""Permalinks: a query and a data version, recorded once, that keep giving the same answer.

A permalink's id is a hash of the query text (line ends and trailing spaces normalised,
nothing else: a space inside a string literal is part of the query) and the version id, so
recording the same query on the same version twice gives the same link. Records are JSON
files in `<root>/permalinks/<id>.json`, written atomically and never changed; the server
answers `/p/<id>` by running the query on that version (`/v/<version>/sparql`).

Records are never deleted, so the public endpoint bounds how many it takes (`Quota`): the
bytes all records may hold on disk, and the new records one client may make in an hour.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from diplokg.errors import DiplokgError
from diplokg.namespaces import VERSIONS
from diplokg.rdfio import write_text

__all__ = [
    "Citation",
    "Permalink",
    "Quota",
    "QuotaExceeded",
    "citation",
    "cited_versions",
    "load",
    "normalise",
    "record",
]

ID_LENGTH = 12
PUBLISHER = "diplokg project"
DATASET_TITLE = "diplokg: France–Kazakhstan relations"
_ID = re.compile(r"^[0-9a-f]{12,64}$")


class PermalinkError(DiplokgError):
    """A permalink that cannot be recorded (its id taken by another query)."""


class QuotaExceeded(PermalinkError):
    """A new permalink refused by the `Quota`: `status` 429 (this client has made its share
    for the hour; retry after `retry_after` seconds) or 507 (the records fill their room)."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


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


def _record_text(permalink: Permalink) -> str:
    return json.dumps(asdict(permalink), indent=2, ensure_ascii=False) + "\n"


def record(
    directory: Path,
    query: str,
    version: str,
    now: dt.datetime | None = None,
    quota: Quota | None = None,
    client: str = "",
) -> tuple[Permalink, bool]:
    """Record `query` on `version`; returns the permalink and whether it is new.

    The id is the first 12 hex digits of the SHA-256 of both; on the (unseen) chance that
    another query already holds them, the id grows four digits at a time. A permalink
    recorded before is returned whatever the `quota`; a new one is charged to `client`.

    Raises QuotaExceeded when `quota` refuses a new record, PermalinkError when no id is free.
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
    text = _record_text(permalink)
    if quota is not None:
        quota.charge(directory, client, len(text.encode("utf-8")))
    write_text(_path(directory, permalink.id), text)
    return permalink, True


class Quota:
    """How many new permalinks the server takes: `max_bytes` of records on disk in all (the
    records already there count, measured once), and `per_client_hour` new records by one
    client in any hour (its last `per_client_hour` times kept, for at most `max_clients`
    clients, the least recently seen forgotten first). 0 turns a bound off. Safe to share
    between threads (the server records off its event loop).
    """

    def __init__(
        self,
        max_bytes: int,
        per_client_hour: int,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 10_000,
    ) -> None:
        self.max_bytes = max_bytes
        self.per_client_hour = per_client_hour
        self._clock = clock
        self._max_clients = max_clients
        self._used: int | None = None
        self._recent: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def used(self, directory: Path) -> int:
        """Bytes the records in `directory` hold (read from the disk the first time)."""
        if self._used is None:
            files = directory.glob("*.json") if directory.is_dir() else ()
            self._used = sum(p.stat().st_size for p in files)
        return self._used

    def charge(self, directory: Path, client: str, size: int) -> None:
        """Count a new record of `size` bytes made by `client`, or raise QuotaExceeded."""
        with self._lock:
            self._charge(directory, client, size)

    def _charge(self, directory: Path, client: str, size: int) -> None:
        now = self._clock()
        times = self._recent.get(client)
        if self.per_client_hour and times is not None and len(times) >= self.per_client_hour:
            wait = times[0] + 3600 - now
            if wait > 0:
                raise QuotaExceeded(
                    429,
                    f"this client has recorded {self.per_client_hour} permalinks in the last "
                    f"hour; retry in {math.ceil(wait)} s",
                    math.ceil(wait),
                )
        used = self.used(directory)
        if self.max_bytes and used + size > self.max_bytes:
            raise QuotaExceeded(
                507, "the permalink store is full: no new permalinks (existing ones still work)"
            )
        self._used = used + size
        if times is None:
            times = self._recent[client] = deque(maxlen=self.per_client_hour or 1)
            while len(self._recent) > self._max_clients:
                self._recent.popitem(last=False)
        self._recent.move_to_end(client)
        times.append(now)


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
