"""The Python API researchers use in notebooks: the graph as pandas DataFrames, in three lines.

    from diplokg import KnowledgeGraph
    kg = KnowledgeGraph.load()          # the built dataset, embedded: no server
    kg.query("timeline")                # a canned query, as a typed DataFrame

`KnowledgeGraph.remote(url)` offers the same methods over the SPARQL 1.1 protocol against any
endpoint (ours, Oxigraph, Virtuoso): canned queries are sent as their rendered text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from diplokg.config import Settings
from diplokg.dataset import SEARCH_FILE, check_file, dist_of
from diplokg.errors import InputError, QueryError
from diplokg.formats import NTRIPLES, RESULTS_JSON, TURTLE, rdf_format_of
from diplokg.frames import Answer, lexical, shorten, to_frame
from diplokg.namespaces import DKG, KNOWN_GRAPHS, sparql_prefixes
from diplokg.queries import (
    RESOLVER_QUERY,
    RESOURCE_TYPES,
    CannedQuery,
    Resolver,
    evidence_query,
    load_catalogue,
)
from diplokg.sparql_text import add_prefixes, explain_syntax_error
from diplokg.terms import JsonTerm, TextLabel, from_json, from_oxigraph, pick_label

if TYPE_CHECKING:
    import networkx as nx
    import pyoxigraph as ox

    from diplokg.events import EventRecord
    from diplokg.sparql_client import SparqlClient

__all__ = ["KnowledgeGraph", "UnknownQueryError", "UnknownResourceError"]

LABEL_BATCH = 200  # IRIs per label look-up, so a remote endpoint gets short queries
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
# A dataset file larger than this is opened from its on-disk store (loaded once per content,
# as the server's are) rather than read into memory, which takes seconds per million quads.
ON_DISK_BYTES = 64 * 1024 * 1024
# What a remote endpoint is asked for: JSON results, else N-Triples or Turtle for graphs.
ACCEPT = (
    f"{RESULTS_JSON.media_type}, {NTRIPLES.media_type};q=0.9, {TURTLE.media_type};q=0.8, "
    f"{NTRIPLES.aliases[0]};q=0.5"
)
_GRAPH_NAMES = {str(iri): name for name, iri in KNOWN_GRAPHS.items()}
# The kinds of node `to_networkx` draws, with the class that defines each.
ACTOR_KINDS = {"person": DKG.Person, "office": DKG.Office, "organisation": DKG.Organisation}


class UnknownQueryError(QueryError, KeyError):
    """A canned query name that is not in the catalogue; the message lists the available ones."""

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0])


class UnknownResourceError(QueryError, LookupError, ValueError):
    """A resource the graph says nothing about (often a misspelt slug); the message names it
    and the nearest resources."""


class Backend(Protocol):
    """Where queries run: answers in SPARQL JSON results terms, whatever the engine.

    `hidden` is the length of what was put before the user's text (`add_prefixes`), so that
    a syntax error names the line and column of the text as the user wrote it.
    """

    def run(self, query: str, *, hidden: int = 0) -> Answer: ...

    def close(self) -> None: ...


def _triples_answer(triples: Iterable[Any]) -> Answer:
    """A CONSTRUCT or DESCRIBE answer as three columns, subject, predicate, object."""
    names = ["subject", "predicate", "object"]
    rows = [
        dict(
            zip(
                names,
                (from_oxigraph(t.subject), from_oxigraph(t.predicate), from_oxigraph(t.object)),
                strict=True,
            )
        )
        for t in triples
    ]
    return Answer(names, rows)


class EmbeddedBackend:
    """An embedded Oxigraph store (in memory, or on disk read-only); the default graph is the
    union of the named graphs."""

    def __init__(self, store: ox.Store, quads: int | None = None) -> None:
        self.store = store
        self.quads = quads  # known when opened from disk, where counting reads every quad

    def __repr__(self) -> str:
        quads = self.quads if self.quads is not None else len(self.store)
        return f"embedded Oxigraph store, {quads} quads"

    def close(self) -> None:
        """Nothing to release: the store lives as long as the object."""

    def run(self, query: str, *, hidden: int = 0) -> Answer:
        import pyoxigraph as ox

        from diplokg.protocol import QueryRejected, inspect_query

        # pyoxigraph ignores FROM and FROM NAMED on the union default graph: a query that names
        # its dataset is evaluated on that dataset.
        # A dataset clause needs the keyword FROM, written out or with \u escapes (SPARQL
        # 1.1 section 19.2): a text with neither is not lexed.
        union = True
        folded = query.lower()
        if "from" in folded or "\\u" in folded:
            try:
                union = not inspect_query(query, max_depth=10_000).has_dataset_clause
            except QueryRejected:
                union = True  # a string left open: pyoxigraph says where
        try:
            result = self.store.query(query, use_default_graph_as_union=union)
        except SyntaxError as exc:
            raise QueryError(str(explain_syntax_error(query, str(exc), hidden=hidden))) from None
        except OSError as exc:  # evaluation errors (e.g. a SERVICE call, which has no network)
            raise QueryError(f"query failed: {exc}") from None
        if isinstance(result, ox.QueryBoolean):
            return Answer([], boolean=bool(result))
        if isinstance(result, ox.QueryTriples):
            return _triples_answer(result)
        variables = [v.value for v in result.variables]
        converted: dict[Any, JsonTerm] = {}  # a term met again is converted once

        def term(t: Any) -> JsonTerm:
            found = converted.get(t)
            if found is None:
                found = converted[t] = from_oxigraph(t)
            return found

        rows = [
            {name: term(t) for name, t in zip(variables, solution, strict=True) if t is not None}
            for solution in result
        ]
        return Answer(variables, rows)

    def label_terms(self, iris: list[str]) -> dict[str, list[TextLabel]]:
        """The rdfs:label values of each IRI in any graph, read from the store's indexes (what
        `?resource rdfs:label ?label` on the union default graph finds, without a query)."""
        import pyoxigraph as ox

        label = ox.NamedNode(RDFS_LABEL)
        found: dict[str, list[TextLabel]] = {}
        for iri in iris:
            for quad in self.store.quads_for_pattern(ox.NamedNode(iri), label, None, None):
                term = from_oxigraph(quad.object)
                found.setdefault(iri, []).append(TextLabel(term["value"], term.get("xml:lang")))
        return found


class RemoteBackend:
    """A SPARQL 1.1 endpoint over HTTP: the query is POSTed as a form, answers in JSON
    (SELECT, ASK) or N-Triples/Turtle (CONSTRUCT, DESCRIBE)."""

    def __init__(self, url: str, client: SparqlClient) -> None:
        self.url = url
        self.client = client

    def __repr__(self) -> str:
        return f"SPARQL endpoint {self.url}"

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self.client.close()

    def run(self, query: str, *, hidden: int = 0) -> Answer:
        """POST `query`; the endpoint's error message comes back as it wrote it."""
        import httpx
        import pyoxigraph as ox

        from diplokg.sparql_client import HttpFailure

        try:
            response = self.client.query(self.url, query, ACCEPT)
        except HttpFailure as failure:
            if failure.response is None:
                raise QueryError(f"{self.url}: {failure.cause}") from None
            detail = " ".join(failure.response.text.split())[:500]
            raise QueryError(
                f"{self.url} answered {failure.response.status_code}: {detail}"
            ) from None
        except httpx.HTTPError as exc:
            raise QueryError(f"{self.url}: {exc}") from None
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media in (RESULTS_JSON.media_type, *RESULTS_JSON.aliases):
            return _json_answer(response.json())
        for fmt in (NTRIPLES, TURTLE):
            if media in (fmt.media_type, *fmt.aliases):
                return _triples_answer(ox.parse(response.content, format=fmt.rdf))
        raise QueryError(f"{self.url} answered with an unexpected media type: {media!r}")


def _json_answer(data: Mapping[str, Any]) -> Answer:
    if "boolean" in data:
        return Answer([], boolean=bool(data["boolean"]))
    variables = list(data.get("head", {}).get("vars", []))
    rows = []
    for binding in data.get("results", {}).get("bindings", []):
        rows.append({name: from_json(term) for name, term in binding.items()})
    return Answer(variables, rows)


class Precomputed:
    """The canned queries' answers for their default parameters that the build wrote into
    dist/answers/ (`diplokg.build.precompute`), for a graph loaded from that build's file.

    An answer is used only when it is exactly what running the query would give:
    - the index is the one the build recorded (its SHA-256 in build.json, the manifest the
      loaded dataset was checked against) and was computed on the very file loaded (`served`:
      the server's RDF 1.2 dump holds rdf:reifies triples that dataset.nq does not, so on the
      seed `statistics` counts 9856 evidence triples there and 9093 here);
    - the query's text is the one the build ran (its SHA-256 in the index);
    - the SPARQL JSON results file is whole: the build cuts an answer to the server's
      `max_result_rows` and `max_response_bytes`, and a cut answer (`truncated` rows recorded)
      is never used: the query runs instead, however long it takes;
    - the file's size and SHA-256 are those recorded, and it holds no triple term (which the
      embedded engine refuses, `from_oxigraph`).
    Otherwise `answer` returns None and the caller runs the query.
    """

    def __init__(self, dist: Path, index: Mapping[str, Any], loaded: str) -> None:
        self.dist = dist
        self.index = index
        self.loaded = loaded  # the name of the file the graph was loaded from

    @property
    def usable(self) -> bool:
        """Whether the answers were computed on the file loaded (else none is used)."""
        return bool(self.index.get("served") == self.loaded)

    @classmethod
    def of(cls, dist: Path, loaded: Path) -> Precomputed | None:
        """The answers index of the build in `dist`, for a graph loaded from its file
        `loaded`, or None (no index, or one that build.json does not record)."""
        import hashlib
        import json

        from diplokg.dataset import ANSWERS_INDEX, read_manifest

        manifest = read_manifest(dist)
        try:
            raw = (dist / ANSWERS_INDEX).read_bytes()
        except OSError:
            return None
        recorded = (manifest or {}).get("files", {}).get(ANSWERS_INDEX)
        if recorded != hashlib.sha256(raw).hexdigest():
            return None
        try:
            index = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(index, dict):
            return None
        return cls(dist, index, loaded.name)

    def answer(self, name: str, text: str) -> Answer | None:
        """The answer of canned query `name` rendered as `text`, or None when there is no
        usable one (see the class)."""
        import hashlib
        import json

        if not self.usable:
            return None
        try:
            entry = self.index["answers"][name]
            if entry["query"] != hashlib.sha256(text.encode("utf-8")).hexdigest():
                return None
            stored = entry["formats"][RESULTS_JSON.key]
            if stored["truncated"] is not None:
                return None
            body = (self.dist / stored["file"]).read_bytes()
        except (KeyError, TypeError, OSError):
            return None
        if len(body) != stored["bytes"] or hashlib.sha256(body).hexdigest() != stored["sha256"]:
            return None
        if b'"triple"' in body:  # perhaps a triple term: the embedded engine refuses them
            return None
        data = json.loads(body)
        if b'"typed-literal"' in body:
            return _json_answer(data)
        # terms as the JSON results format writes them: no per-term copy (`from_json`)
        return Answer(list(data["head"]["vars"]), data["results"]["bindings"])


ANSWERS_DIR = "answers"  # beside the stores: the typed answers of `StoredAnswers`
ANSWER_MAGIC = b"diplokg typed answer 1\n"
# The modules whose code makes a typed DataFrame of an answer (the text sent, its typing and
# labels): a change to any of them, or to diplokg's, pyoxigraph's (the engine: ties of ORDER
# BY), pandas' or Python's version (pickles), makes every stored answer stale.
FRAME_MODULES = (
    "diplokg.api",
    "diplokg.frames",
    "diplokg.terms",
    "diplokg.results",
    "diplokg.sparql_text",
    "diplokg.namespaces",
)


def frames_code() -> str:
    """The SHA-256 of what makes the typed DataFrames: diplokg's version, the sources of
    `FRAME_MODULES`, pyoxigraph's, pandas' and Python's versions and the pickle protocol."""
    import hashlib
    import importlib.util
    import pickle
    import sys

    import pyoxigraph as ox

    from diplokg import __version__

    digest = hashlib.sha256()
    versions = [__version__, ox.__version__, pd.__version__, sys.version, pickle.HIGHEST_PROTOCOL]
    digest.update(repr(versions).encode("utf-8"))
    for module in FRAME_MODULES:
        spec = importlib.util.find_spec(module)
        origin = spec.origin if spec is not None else None
        digest.update(module.encode("utf-8") + b"\0")
        digest.update(Path(origin).read_bytes() if origin else b"?")
    return digest.hexdigest()


class StoredAnswers:
    """The typed DataFrames of the canned queries for their default parameters, computed once
    on a build's large file opened from its on-disk store (`KnowledgeGraph.load`) and kept in
    the store folder (`Settings.store_dir`), under `answers/`.

    Each answer is one file whose name is the SHA-256 of everything its rows depend on: the
    SHA-256 of the file loaded, the SHA-256 of the query's rendered text, the graph's language
    (labels) and `frames_code()`. Anything else (a changed file, query, language or typing
    code) names another file, which is not there: the query runs, and its DataFrame is kept
    for the next time. A file holds a header, the SHA-256 of its body and the body, the
    DataFrame pickled (pyarrow, which Parquet needs, is not a dependency, and a pickle keeps
    every dtype and the object columns exactly); it is read only from the store folder, which
    `private_dir` keeps ours and closed (mode 0700), and only once its body has the recorded
    hash. A file that fails (damaged, cut, unreadable) is reported with a RuntimeWarning and
    the query runs instead. Files are written beside their place and renamed into it, so a
    reader never sees half a file and two processes writing the same answer do not clash.
    """

    def __init__(self, folder: Path, dataset_sha256: str) -> None:
        self.folder = folder
        self.dataset_sha256 = dataset_sha256
        self.code = frames_code()

    def path(self, text: str, lang: str) -> Path:
        """Where the answer of the rendered query `text` in language `lang` is kept."""
        import hashlib
        import json

        key = json.dumps([self.dataset_sha256, _sha256(text), lang, self.code])
        return self.folder / f"{hashlib.sha256(key.encode('utf-8')).hexdigest()}.answer"

    def frame(self, text: str, lang: str) -> pd.DataFrame | None:
        """The kept DataFrame of `text` in `lang`, or None when there is none or it fails its
        check (then with a RuntimeWarning naming the file)."""
        import pickle
        import warnings

        path = self.path(text, lang)
        problem: str | None
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            problem = f"cannot be read: {exc.strerror or type(exc).__name__}"
        else:
            problem = _check_answer(raw)
            if problem is None:
                try:
                    found = pickle.loads(raw[len(ANSWER_MAGIC) + 65 :])  # the class says why
                except Exception as exc:  # a body with its hash but not a pickle of ours
                    problem = f"cannot be read back ({type(exc).__name__})"
                else:
                    if isinstance(found, pd.DataFrame):
                        return found
                    problem = "does not hold a DataFrame"
        warnings.warn(
            f"{path}: a stored answer that {problem}; running the query instead",
            RuntimeWarning,
            stacklevel=3,
        )
        return None

    def keep(self, text: str, lang: str, frame: pd.DataFrame) -> None:
        """Keep `frame` as the answer of `text` in `lang` (written beside, then renamed); a
        folder that cannot be written to is not an error: the query runs next time too."""
        import contextlib
        import hashlib
        import os
        import pickle
        import tempfile

        body = pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)
        head = ANSWER_MAGIC + hashlib.sha256(body).hexdigest().encode("ascii") + b"\n"
        final = self.path(text, lang)
        staged: str | None = None
        try:
            handle, staged = tempfile.mkstemp(prefix=f".{final.stem[:16]}-", dir=self.folder)
            with os.fdopen(handle, "wb") as out:
                out.write(head)
                out.write(body)
            os.replace(staged, final)
            staged = None
        except OSError:
            pass
        finally:
            if staged is not None:
                with contextlib.suppress(OSError):
                    os.unlink(staged)


def _sha256(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _check_answer(raw: bytes) -> str | None:
    """What is wrong with the bytes of a stored answer (header, then the body's SHA-256), or
    None."""
    import hashlib

    start = len(ANSWER_MAGIC)
    if not raw.startswith(ANSWER_MAGIC) or raw[start + 64 : start + 65] != b"\n":
        return "has no header of ours"
    if hashlib.sha256(raw[start + 65 :]).hexdigest().encode("ascii") != raw[start : start + 64]:
        return "is damaged (its body does not have the hash recorded)"
    return None


def find_canned(name: str, directory: Path) -> CannedQuery:
    """The canned query `name` of `directory`, or UnknownQueryError listing the available ones."""
    catalogue = load_catalogue(directory)
    if name not in catalogue:
        known = ", ".join(sorted(catalogue)) or "none"
        raise UnknownQueryError(f"unknown query '{name}' (available: {known})")
    return catalogue[name]


def _param_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    return str(value)


class KnowledgeGraph:
    """The graph, queried locally or remotely, with answers as typed pandas DataFrames."""

    def __init__(
        self,
        backend: Backend,
        queries_dir: Path | None = None,
        lang: str = "en",
        search_index: Path | None = None,
    ) -> None:
        self.backend = backend
        self._queries_dir = queries_dir
        self.lang = lang
        self.search_index = search_index  # the build's search.sqlite, when there is one
        self._labels: dict[str, str | None] = {}
        self._resolver: Resolver | None = None
        self.precomputed: Precomputed | None = None  # set by `load` for a build's file
        self.stored_answers: StoredAnswers | None = None  # set by `load` for a large file

    def __repr__(self) -> str:
        return f"<KnowledgeGraph: {self.backend!r}>"

    @property
    def queries_dir(self) -> Path:
        """The canned queries' folder: the one given, else the project's (looked for only
        when a canned query is asked for, so that a remote graph needs no project)."""
        if self._queries_dir is None:
            self._queries_dir = Settings().queries_dir
        return self._queries_dir

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release what the graph holds open (a remote graph's HTTP connections)."""
        self.backend.close()

    @classmethod
    def load(
        cls,
        data: Path | str | None = None,
        *,
        settings: Settings | None = None,
        lang: str = "en",
        keep_answers: bool = False,
    ) -> KnowledgeGraph:
        """The built dataset (rebuilt first if an input changed or a file of dist/ is damaged),
        or the RDF file `data`, in an embedded Oxigraph store: read into memory, or, for a file
        over 64 MB, opened read-only from its on-disk store (loaded the first time, then kept,
        as the server's stores are: `Settings.store_dir`). For such a file, the typed answer
        of a canned query for its defaults is kept beside the store the first time `query`
        computes it (`StoredAnswers`), and read from there afterwards; `keep_answers=True`
        computes every one not kept yet before returning (`keep_answers`): on the 60-page
        collection about 20 s, on the 600 pages 15 minutes (`why` 10), once per build.

        Raises InputError for a file that is missing or cannot be parsed, and DamagedDist for
        an output of a build that is not what its build.json records.
        """
        import pyoxigraph as ox

        settings = settings or Settings()
        if data is None:
            from diplokg.build import ensure_built

            path = ensure_built(settings)  # checked against build.json, rebuilt if damaged
        else:
            path = Path(data)
            if path.is_file() and path.stat().st_size <= ON_DISK_BYTES:
                check_file(path)  # a larger file is checked by open_store, from its marker
        if not path.is_file():
            raise InputError(path, "file not found")
        fmt = rdf_format_of(path)
        if fmt is None:
            raise InputError(path, "unknown RDF file extension")
        answers: StoredAnswers | None = None
        if path.stat().st_size > ON_DISK_BYTES:
            from diplokg.server.stores import open_store, private_dir, source_digest, store_root

            stored = open_store(path, settings)
            backend = EmbeddedBackend(ox.Store.read_only(str(stored.path)), stored.quads)
            root = store_root(settings)
            answers = StoredAnswers(private_dir(root / ANSWERS_DIR), source_digest(path, root)[1])
        else:
            store = ox.Store()
            try:
                store.load(path=path, format=fmt)
            except SyntaxError as exc:
                raise InputError(path, f"cannot be parsed: {exc}") from None
            backend = EmbeddedBackend(store)
        dist = dist_of(path)
        index = dist / SEARCH_FILE if dist is not None else None
        graph = cls(backend, settings.queries_dir, lang, search_index=index)
        if answers is not None:
            graph.stored_answers = answers
            if keep_answers:
                graph.keep_answers()
        if dist is not None:
            graph.precomputed = Precomputed.of(dist, path)
        if graph.precomputed is not None:  # the catalogue as the build checked it: not parsed
            load_catalogue(settings.queries_dir, record=graph.precomputed.index.get("catalogue"))
        return graph

    @classmethod
    def remote(
        cls,
        url: str,
        *,
        timeout: float = 30.0,
        queries_dir: Path | None = None,
        lang: str = "en",
        headers: Mapping[str, str] | None = None,
    ) -> KnowledgeGraph:
        """The same API against a SPARQL endpoint, e.g. `http://127.0.0.1:8000/sparql`."""
        from diplokg.sparql_client import SparqlClient

        client = SparqlClient(timeout=timeout, headers=headers)
        return cls(RemoteBackend(url, client), queries_dir, lang)

    # -- canned queries ------------------------------------------------------------------------

    @property
    def catalogue(self) -> dict[str, CannedQuery]:
        """The canned queries by name, as `diplokg.queries` loads them."""
        return load_catalogue(self.queries_dir)

    @property
    def queries(self) -> pd.DataFrame:
        """The catalogue as a table: title, tags, parameters (name: type = default), description."""
        rows = [
            {
                "name": q.name,
                "title": q.title,
                "tags": ", ".join(q.tags),
                "params": ", ".join(
                    f"{p.name}: {p.type}" + (f" = {p.default}" if p.default is not None else "")
                    for p in q.params
                ),
                "description": q.description,
            }
            for q in sorted(self.catalogue.values(), key=lambda q: q.name)
        ]
        frame = pd.DataFrame(rows, columns=["name", "title", "tags", "params", "description"])
        return frame.set_index("name")

    def canned(self, name: str) -> CannedQuery:
        """The canned query `name`, or UnknownQueryError listing the available ones."""
        return find_canned(name, self.queries_dir)

    def query(self, name: str, /, **params: object) -> pd.DataFrame:
        """Run the canned query `name` with `params` bound; a resource may be named by its
        slug, prefixed name, IRI or label, in any case (see `resolve`). A bad or unknown
        value raises ParameterError, a ValueError naming the parameter. A parameter not given
        takes its default as the query writes it (`by-country`'s `kazakhstan` is
        res:kazakhstan), as the server and the build's precomputed answers take it, even where
        the word would name other resources by their label.

        Without parameters, the query does not run when its exact answer is at hand, and the
        DataFrame is the same: on a graph `load`ed from a large file (its on-disk store), the
        DataFrame kept for that file, query text, language and typing code (`StoredAnswers`;
        one the query computes is kept); else, for a build's file, the answer the build wrote
        into dist/answers/ when it is exactly the query's (`Precomputed`): never a cut one."""
        params_text = {k: _param_text(v) for k, v in params.items()}
        canned = self.canned(name)
        # The names of the graph's resources are read (a scan of every triple) only when a
        # resource is given; a default is bound as the query writes it, as the server binds it.
        needs_names = any(p.type in RESOURCE_TYPES and p.name in params_text for p in canned.params)
        resolver = self.resolver if needs_names else None
        text = canned.render(params_text, resolver, resolve_defaults=False)
        if params:
            return self.sparql(text)
        if self.stored_answers is not None:
            kept = self.stored_answers.frame(text, self.lang)
            if kept is not None:
                return kept
        if self.precomputed is not None:
            answer = self.precomputed.answer(name, text)
            if answer is not None:
                return to_frame(answer, self.labels)
        frame = self.sparql(text)
        if self.stored_answers is not None:
            self.stored_answers.keep(text, self.lang, frame)
        return frame

    def keep_answers(self) -> list[str]:
        """Compute and keep (`StoredAnswers`) the typed answer of every canned query for its
        default parameters that is not kept yet; the names of those computed (none on a graph
        without `stored_answers`: a small file, a remote endpoint). `load(keep_answers=True)`
        calls it, so that later sessions' default queries read their DataFrames. A query that
        fails is left to fail when it is asked for."""
        if self.stored_answers is None:
            return []
        computed = []
        for name, canned in sorted(self.catalogue.items()):
            text = canned.render({}, None, resolve_defaults=False)
            if self.stored_answers.path(text, self.lang).is_file():
                continue
            try:
                frame = self.sparql(text)
            except QueryError:
                continue
            self.stored_answers.keep(text, self.lang, frame)
            computed.append(name)
        return computed

    @property
    def resolver(self) -> Resolver:
        """The names of this graph's resources, read once (`diplokg.queries.Resolver`)."""
        if self._resolver is None:
            self._resolver = Resolver.from_answer(self.backend.run(RESOLVER_QUERY).rows)
        return self._resolver

    def resolve(self, name: str) -> str:
        """The IRI of the resource `name` names: a full IRI, a prefixed name (`res:france`), a
        slug (`France`) or a label (`François Hollande`), without regard to case or accents.
        UnknownResourceError (a ValueError) names it and the nearest resources otherwise."""
        try:
            return self.resolver.iri(name)
        except ValueError as exc:
            raise UnknownResourceError(str(exc)) from None

    def sparql(self, text: str) -> pd.DataFrame:
        """Run any SPARQL query: SELECT gives its columns, typed; ASK a `boolean` column;
        CONSTRUCT and DESCRIBE subject, predicate and object.

        Our prefixes (`dkg:`, `res:`, `rdfs:`... see `diplokg.namespaces.PREFIXES`) need no
        declaration: each one the query uses without declaring it is added; the query's own
        declarations win. A syntax error raises QueryError naming the line, the column and
        the text; an update raises QueryError (the graph is read-only).

        >>> kg.sparql("SELECT ?t WHERE { ?t a dkg:Treaty }")  # doctest: +SKIP
        """
        full = add_prefixes(text)
        return to_frame(self.backend.run(full, hidden=len(full) - len(text)), self.labels)

    # -- search --------------------------------------------------------------------------------

    def search(self, text: str, *, limit: int = 20, offset: int = 0) -> pd.DataFrame:
        """Labels (French and English, alternative spellings), quotes and sentences holding
        every word of `text`, accents and case aside, best first; the snippet marks the words
        with `**`. Columns: see `diplokg.search.results_frame`. Needs the built dataset (the
        index is `dist/search.sqlite`); raises SearchError for a graph loaded from another
        file or a remote endpoint.

        >>> kg.search("Nazarbaev").loc[0, ["kind", "label"]].tolist()  # doctest: +SKIP
        ['resource', 'Nazarbayev']
        """
        from diplokg.search import PLAIN_MARKS, SearchError, results_frame, search

        if self.search_index is None:
            raise SearchError(
                "search needs the built dataset: KnowledgeGraph.load() without a file"
            )
        found = search(self.search_index, text, limit=limit, offset=offset, marks=PLAIN_MARKS)
        return results_frame(found)

    # -- resources -----------------------------------------------------------------------------

    def labels(self, iris: list[str]) -> dict[str, str]:
        """The rdfs:label of each IRI in this graph's language (else another, `pick_label`),
        when it has one. Looked up once per IRI and session: an embedded store's indexes are
        read directly; a remote endpoint gets one query per 200 IRIs (`LABEL_BATCH`)."""
        missing = [iri for iri in iris if iri not in self._labels]
        if missing and isinstance(self.backend, EmbeddedBackend):  # no query: the indexes
            terms = self.backend.label_terms(missing)
            for iri in missing:
                chosen = pick_label(terms.get(iri, []), self.lang)
                self._labels[iri] = None if chosen is None else chosen.text
            missing = []
        for start in range(0, len(missing), LABEL_BATCH):
            batch = missing[start : start + LABEL_BATCH]
            values = " ".join(f"<{iri}>" for iri in batch)
            answer = self.backend.run(
                f"{sparql_prefixes()}SELECT ?resource ?label WHERE {{\n"
                f"  VALUES ?resource {{ {values} }}\n"
                "  ?resource rdfs:label ?label .\n}"
            )
            found: dict[str, list[TextLabel]] = {}
            for row in answer.rows:
                term = row["label"]
                found.setdefault(row["resource"]["value"], []).append(
                    TextLabel(term["value"], term.get("xml:lang"))
                )
            for iri in batch:
                chosen = pick_label(found.get(iri, []), self.lang)
                self._labels[iri] = None if chosen is None else chosen.text
        return {iri: label for iri in iris if (label := self._labels.get(iri)) is not None}

    def describe(self, resource: str) -> pd.DataFrame:
        """Every triple about `resource` (as subject or object), with labels and the named
        graph that holds it (asserted, inferred, enrichment, evidence or ontology)."""
        term = f"<{self.resolve(resource)}>"
        frame = self.sparql(
            f"SELECT ?subject ?predicate ?object ?graph WHERE {{\n"
            f"  {{ BIND({term} AS ?subject) GRAPH ?graph {{ ?subject ?predicate ?object }} }}\n"
            f"  UNION\n"
            f"  {{ BIND({term} AS ?object) GRAPH ?graph {{ ?subject ?predicate ?object }} }}\n"
            f"}}\nORDER BY ?graph ?subject ?predicate ?object"
        )
        if frame.empty:
            raise UnknownResourceError(f"nothing is known about {term[1:-1]}")
        frame["graph"] = [_GRAPH_NAMES.get(g, g) for g in frame["graph"]]
        return frame

    def evidence(self, resource: str | Iterable[str]) -> pd.DataFrame:
        """The passages of the source that state the fact(s) `resource`: quote, its character
        offsets (`text[start:end]`), the whole sentence and the source document.

        An unknown resource raises UnknownResourceError, as `describe` does; a resource that
        exists but states nothing itself (a person, a city) gives an empty table."""
        resources = [resource] if isinstance(resource, str) else list(resource)
        terms = " ".join(dict.fromkeys(f"<{self.resolve(r)}>" for r in resources))
        # The pages need where the sentence starts, to place the quote; a table does not.
        return self.sparql(evidence_query(terms)).drop(columns="sentenceStart")

    def event_records(self) -> list[EventRecord]:
        """The event table's records (see `events`), with what the PLOVER export adds."""
        from diplokg.events import Row, records

        def select(text: str) -> list[Row]:
            answer = self.backend.run(text)
            return [{name: term["value"] for name, term in row.items()} for row in answer.rows]

        return records(select)

    def events(self) -> pd.DataFrame:
        """The event table: one row per coded direction of an interaction event (CAMEO and
        PLOVER codes, actors with their codes and countries, date bounds, and the exact words
        of the page with their offsets), with the columns of `diplokg.events.COLUMNS`."""
        from diplokg.events import to_frame

        return to_frame(self.event_records())

    def to_networkx(self) -> nx.MultiDiGraph:
        """People, offices and organisations, and the events linking them.

        Nodes carry `type` (person, office, organisation, event) and `label`, events also
        `date`; an edge goes from an event to an actor, or from a person to the office they
        held, with `role`: the most specific diplokg property that links them (actor,
        counterpart, performer, holdsOffice...).
        """
        import networkx as nx

        graph = nx.MultiDiGraph()
        kinds = " ".join(f'(<{cls}> "{name}")' for name, cls in ACTOR_KINDS.items())
        actors = self.sparql(
            f"{sparql_prefixes()}SELECT DISTINCT ?node ?type WHERE {{\n"
            f"  VALUES (?class ?type) {{ {kinds} }}\n"
            "  ?node a ?class .\n  FILTER(isIRI(?node))\n}\nORDER BY ?node"
        )
        for row in actors.itertuples(index=False):
            graph.add_node(row.node, type=row.type, label=_label_or_iri(row, "node"))
        link_query = (
            f"{sparql_prefixes()}SELECT DISTINCT ?event ?role ?agent ?date WHERE {{\n"
            f"  VALUES ?class {{ {' '.join(f'<{c}>' for c in ACTOR_KINDS.values())} }}\n"
            "  ?event a dkg:Event .\n"
            "  ?event ?role ?agent .\n"
            "  ?agent a ?class .\n"
            "  FILTER(STRSTARTS(STR(?role), STR(dkg:)))\n"
            "  FILTER NOT EXISTS {\n"
            "    ?event ?narrower ?agent .\n"
            "    ?narrower rdfs:subPropertyOf ?role .\n"
            "    FILTER(?narrower != ?role)\n"
            "  }\n"
            "  OPTIONAL { ?event dkg:date|dkg:startDate ?date . }\n"
            "}\nORDER BY ?event ?role ?agent"
        )
        # dates as written, at their precision (2008, not 2008-01-01)
        links = lexical(self.sparql(link_query))
        for row in links.itertuples(index=False):
            if row.event not in graph:
                graph.add_node(
                    row.event, type="event", label=_label_or_iri(row, "event"), date=row.date
                )
            role = shorten(row.role).partition(":")[2]
            graph.add_edge(row.event, row.agent, key=role, role=role)
        holdings = self.sparql(
            f"{sparql_prefixes()}SELECT DISTINCT ?person ?office WHERE {{\n"
            "  ?holding a dkg:OfficeHolding .\n"
            "  ?holding dkg:holder ?person .\n"
            "  ?holding dkg:holdingOf ?office .\n"
            "}\nORDER BY ?person ?office"
        )
        for row in holdings.itertuples(index=False):
            if row.person in graph and row.office in graph:
                graph.add_edge(row.person, row.office, key="holdsOffice", role="holdsOffice")
        return graph


def _label_or_iri(row: Any, column: str) -> str:
    label = getattr(row, f"{column}_label", None)
    return str(getattr(row, column)) if label is None or pd.isna(label) else str(label)
