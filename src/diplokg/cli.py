"""The `diplokg` command line: build, serve, query, search, export, events, validate, stats,
publish, versions.

The only module that parses arguments, prints and chooses exit codes: each command's handler
calls the job's functions, which return values or raise a `DiplokgError`.

Exit codes: 0 success, 1 validation failed (or, for publish, the store answers differently),
2 any other error (bad input, bad query, no project found, I/O), 3 no space left on a disk
being written, 4 `serve` cannot listen where asked (port in use), 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from diplokg.config import Settings
from diplokg.errors import (
    DiplokgError,
    DiskFull,
    InputError,
    QueryError,
    ValidationFailed,
    disk_full,
)
from diplokg.formats import EVENT_CSV, EVENT_FORMATS, GRAPH_FORMATS, by_key

if TYPE_CHECKING:
    import httpx

    from diplokg.queries import Resolver


ROOT_HELP = (
    "the project folder (ontology/, graph/, queries/, dist/); default: $DIPLOKG_ROOT, else the "
    "nearest folder at or above the current one holding ontology/diplokg.ttl and graph/"
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="diplokg", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--root", default=None, metavar="DIR", help=ROOT_HELP)
    # --root is also accepted after the command; SUPPRESS keeps a value given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", default=argparse.SUPPRESS, metavar="DIR", help=ROOT_HELP)
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, parents=[common])

    p = command("build", help="reason, validate and write dist/")
    p.add_argument("--reasoner", choices=["owlrl", "reasonable"], default=None)
    p.add_argument("--force", action="store_true", help="rebuild even if inputs are unchanged")
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes that make the documents' units (default: one per core; 1: in this one)",
    )
    p.add_argument("--dist", default=None, help="output folder (default: dist/)")
    p.add_argument(
        "--include-drafts",
        action="store_true",
        help="also graph/drafts/ (graph draft), into dist-drafts/ (dist/ is left as it is)",
    )

    p = command("serve", help="serve the dataset over SPARQL on 127.0.0.1")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--data", default=None, help="serve this RDF file instead of the built dataset")
    _serve_options(p)
    p.add_argument(
        "--include-drafts",
        action="store_true",
        help="build and serve the dataset with graph/drafts/ (dist-drafts/)",
    )

    p = command("query", help="run a canned query (by name) or a SPARQL file")
    p.add_argument("query", help="canned query name or path to a .rq file")
    p.add_argument("--param", action="append", default=[], metavar="K=V")
    p.add_argument("--format", choices=["table", "csv", "tsv", "json"], default="table")
    p.add_argument("--endpoint", default=None, help="run against a remote SPARQL endpoint")
    _drafts_option(p)

    p = command("export", help="write the dataset or one graph in an RDF format")
    p.add_argument("--format", required=True, choices=[f.key for f in GRAPH_FORMATS])
    p.add_argument("--graph", default=None, help="one named graph (asserted, inferred, ...)")
    p.add_argument("-o", "--output", required=True, help="a file, or - for standard output")
    _drafts_option(p)

    p = command("search", help="find labels, quotes and sentences by their words")
    p.add_argument("text", help="words to find (accents and case do not matter)")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--format", choices=["table", "csv", "tsv", "json"], default="table")
    _drafts_option(p)

    p = command("versions", help="list the kept versions of the dataset, or prune them")
    p.add_argument(
        "--prune",
        action="store_true",
        help="remove every kept version that is neither current nor cited by a permalink",
    )
    _drafts_option(p)

    p = command("events", help="write the event table (CAMEO, PLOVER) as CSV or JSONL")
    p.add_argument("--format", choices=[f.key for f in EVENT_FORMATS], default=EVENT_CSV.key)
    p.add_argument("-o", "--output", default=None, help="write to FILE, or - (default: stdout)")
    _drafts_option(p)

    p = command("validate", help="run SHACL and consistency checks; exit 1 on violations")
    _drafts_option(p)
    p = command("stats", help="print what the graph holds")
    _drafts_option(p)

    p = command("publish", help="push the named graphs to an external triple store")
    p.add_argument("--store", required=True, help="the store's SPARQL query endpoint")
    p.add_argument("--graph-store", default=None, help="Graph Store Protocol endpoint")
    p.add_argument("--update", default=None, help="SPARQL Update endpoint")
    p.add_argument("--user", default=None)
    p.add_argument("--password-env", default=None, metavar="VAR")
    p.add_argument(
        "--graphs", default="asserted,inferred,enrichment,evidence,ontology,derived,version"
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--replace", action="store_true", default=True)
    mode.add_argument("--merge", action="store_true")
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--auth", choices=["basic", "digest"], default="basic")
    p.add_argument("--data", default=None, help="publish this dataset file, not the built one")
    p.add_argument("--batch-size", type=int, default=2000, help="triples per request")
    p.add_argument("--queries", default=None, help="canned queries folder to compare with")
    _drafts_option(p)

    # the drafting wing (diplokg.draft): draft, review, score, diff
    p = command("draft", help="draft the facts of a page into graph/drafts/NAME.ttl")
    p.add_argument("page", help="the page as UTF-8 text")
    p.add_argument("--name", default=None, help="the draft's name (default: the page's stem)")
    p.add_argument("--updated", default=None, metavar="YYYY-MM-DD", help="the update date")
    p.add_argument("--publisher", default=None, help="the publisher, as the page names it")
    p.add_argument("--country", default=None, help="the other country's slug (e.g. senegal)")
    p.add_argument("--stdout", action="store_true", help="print the Turtle, write nothing")

    p = command("review", help="accept, edit or reject a draft's facts one by one")
    p.add_argument("draft", help="a draft in graph/drafts/")
    p.add_argument("--into", default=None, help="curated file (default: graph/NAME.ttl)")

    p = command("score", help="precision, recall and F1 of a draft against a gold file")
    p.add_argument("draft")
    p.add_argument("gold")
    p.add_argument("--errors", action="store_true", help="list the facts missed and spurious")

    p = command("diff", help="facts added, dropped and changed between two editions")
    p.add_argument("old")
    p.add_argument("new")
    p.add_argument("--rdf", default=None, metavar="FILE", help="also write the change set")
    return parser


def _drafts_option(parser: argparse.ArgumentParser) -> None:
    """--include-drafts on a command that reads the dataset: it reads the dataset built with
    graph/drafts/ (dist-drafts/, built first if stale) instead of dist/."""
    parser.add_argument(
        "--include-drafts",
        action="store_true",
        help="read the dataset with graph/drafts/ (graph draft; dist-drafts/), not dist/",
    )


def _serve_options(parser: argparse.ArgumentParser) -> None:
    """Every limit of the endpoint, one flag a `Settings` field (README: "Serving the graph")."""
    from diplokg.server.serve import OPTIONS

    for option in OPTIONS:
        parser.add_argument(
            option.flag,
            dest=option.field,
            type=option.type,
            action="append" if option.repeatable else "store",
            default=None,
            metavar=option.metavar,
            help=option.help,
        )


def _settings(args: argparse.Namespace) -> Settings:
    """The settings of the project named by --root, else found by `config.find_root`."""
    from diplokg.config import ProjectNotFound, is_project

    drafts = bool(getattr(args, "include_drafts", False))  # dist-drafts/ (Settings.dist_dir)
    if args.root is None:
        return Settings(include_drafts=drafts)
    root = Path(args.root).resolve()
    if not is_project(root):
        raise ProjectNotFound(f"--root {args.root}: no ontology/diplokg.ttl and graph/ there")
    return Settings(root=root, include_drafts=drafts)


def _shown(line: str) -> str:
    """A line as printed: paths under the current folder relative to it (`config.shown`)."""
    from diplokg.config import shown

    return shown(line)


def _progress(line: str) -> None:
    print(_shown(line), flush=True)


def _build(args: argparse.Namespace) -> int:
    """`diplokg build`: one progress line per step on stdout."""
    from diplokg.build import build

    build(
        _settings(args),
        reasoner=args.reasoner,
        dist=Path(args.dist) if args.dist else None,
        force=args.force,
        progress=_progress,
        workers=args.workers,
    )
    return 0


def _validate(args: argparse.Namespace) -> int:
    """`diplokg validate`: SHACL and consistency only; exit 1 with a report on violations."""
    from diplokg.build import assemble
    from diplokg.build.validate import report

    built = assemble(_settings(args), progress=lambda line: print(_shown(line), file=sys.stderr))
    if built.problems:
        print(f"{len(built.problems)} problem(s):\n{report(built.problems)}")
        return 1
    print("valid: no SHACL violation, consistent under OWL 2 RL")
    return 0


def _stats(args: argparse.Namespace) -> int:
    """`diplokg stats`: what the built graph holds (built first if an input changed)."""
    from diplokg.build import load_store
    from diplokg.build.stats import dataset_stats, format_stats

    print(format_stats(dataset_stats(load_store(_settings(args)))))
    return 0


def _serve(args: argparse.Namespace) -> int:
    """`diplokg serve`: the endpoint on 127.0.0.1 unless --host says otherwise."""
    from diplokg.server.serve import serve, settings_with

    serve(
        settings_with(vars(args), _settings(args)),
        Path(args.data) if args.data else None,
        host=args.host,
        port=args.port,
        progress=lambda line: print(f"diplokg: {_shown(line)}", file=sys.stderr, flush=True),
    )
    return 0


def _params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise QueryError(f"--param expects NAME=VALUE, got {pair!r}")
        if name.strip() in params:  # as the REST API refuses it: never the last one silently
            raise QueryError(f"parameter '{name.strip()}' is given more than once")
        params[name.strip()] = value
    return params


def _query_text(
    spec: str, params: dict[str, str], queries_dir: Path, resolver: Resolver | None = None
) -> str:
    """The SPARQL to run for `diplokg query SPEC`: a canned query's name or a .rq file, which
    may carry a `#+ ` header declaring parameters; with `resolver`, resources named by slug or
    label are looked up in the graph."""
    from diplokg.api import find_canned
    from diplokg.queries import parse_query_file

    path = Path(spec)
    if path.suffix == ".rq" or path.is_file():
        if not path.is_file():
            raise InputError(path, "file not found")
        source = path.read_text(encoding="utf-8")
        if source.startswith("#+"):
            return parse_query_file(path).render(params, resolver)
        if params:
            raise QueryError(f"{path} has no '#+ ' header declaring parameters; drop --param")
        return source
    return find_canned(spec, queries_dir).render(params, resolver)


def _query(args: argparse.Namespace) -> int:
    """`diplokg query NAME|FILE [--param k=v] [--format table|csv|tsv|json] [--endpoint URL]`."""
    from diplokg.api import KnowledgeGraph
    from diplokg.frames import format_frame

    settings = _settings(args)
    params = _params(args.param)
    # The query is found and its parameters checked before any data is loaded; resources
    # named by their slug or label are looked up once the data is there.
    _query_text(args.query, params, settings.queries_dir)
    if args.endpoint:
        kg = KnowledgeGraph.remote(args.endpoint, queries_dir=settings.queries_dir)
    else:
        kg = KnowledgeGraph.load(settings=settings)
    with kg:
        frame = kg.sparql(_query_text(args.query, params, settings.queries_dir, kg.resolver))
    sys.stdout.write(format_frame(frame, args.format))
    return 0


def _export(args: argparse.Namespace) -> int:
    """`diplokg export --format FORMAT [--graph NAME] -o FILE|-` (a file written atomically,
    or standard output)."""
    from diplokg.build import ensure_built
    from diplokg.export import graph_iri, serialise
    from diplokg.rdfio import write_text

    if args.graph is not None:
        graph_iri(args.graph)  # an unknown graph fails before any build
    text, count = serialise(ensure_built(_settings(args)), args.format, args.graph)
    unit = "quads" if by_key(args.format).datasets else "triples"
    if args.output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        print(f"wrote {count} {unit} to standard output", file=sys.stderr)
        return 0
    output = Path(args.output)
    try:
        write_text(output, text)
    except OSError as exc:
        if disk_full(exc):
            raise DiskFull(f"{output}: no space left on device") from None
        raise InputError(output, f"cannot be written: {exc.strerror or exc}") from None
    print(f"wrote {count} {unit} to {output}", file=sys.stderr)
    return 0


def _events(args: argparse.Namespace) -> int:
    """`diplokg events [--format csv|plover-jsonl] [-o FILE|-]`: the event table on stdout (no
    -o, or -o -), or written atomically to FILE with the count of coded rows on stderr."""
    from diplokg.api import KnowledgeGraph
    from diplokg.events import render
    from diplokg.rdfio import write_text

    with KnowledgeGraph.load(settings=_settings(args)) as kg:
        records = kg.event_records()
    text = render(records, args.format)
    if args.output in (None, "-"):
        sys.stdout.write(text)
        return 0
    output = Path(args.output)
    try:
        write_text(output, text)
    except OSError as exc:
        if disk_full(exc):
            raise DiskFull(f"{output}: no space left on device") from None
        raise InputError(output, f"cannot be written: {exc.strerror or exc}") from None
    print(f"wrote {len(records)} coded rows to {output}", file=sys.stderr)
    return 0


def _search(args: argparse.Namespace) -> int:
    """`diplokg search TEXT`: the hits in the built dataset's index (built first if stale)."""
    from diplokg.build import ensure_built
    from diplokg.dataset import SEARCH_FILE
    from diplokg.frames import format_frame
    from diplokg.search import PLAIN_MARKS, results_frame, search

    index = ensure_built(_settings(args), read=[SEARCH_FILE]).parent / SEARCH_FILE
    found = search(index, args.text, limit=args.limit, offset=args.offset, marks=PLAIN_MARKS)
    frame = results_frame(found)
    if args.format == "table":
        frame = frame[["kind", "label", "snippet", "url"]]
    if found.near:
        print(f"no entry holds every word of {args.text!r}; near spellings:", file=sys.stderr)
    sys.stdout.write(format_frame(frame, args.format))
    return 0


def _versions(args: argparse.Namespace) -> int:
    """`diplokg versions [--prune]`: the kept versions, the current one and permalinks' ones."""
    import datetime as dt

    from diplokg.permalinks import cited_versions
    from diplokg.versions import current_version, kept, prune

    settings = _settings(args)
    current = current_version(settings.dist_dir)
    cited = cited_versions(settings.permalinks_dir)
    if args.prune:
        spare = cited | ({current} if current else set())
        removed = prune(settings.versions_dir, spare)
        print(f"removed {len(removed)} version(s): {', '.join(removed) or 'none'}")
        return 0
    print(f"{'version':<12}  {'kept (UTC)':<16}  {'MB':>6}  note")
    for version in kept(settings.versions_dir):
        when = dt.datetime.fromtimestamp(version.kept_at, dt.UTC).strftime("%Y-%m-%d %H:%M")
        notes = [
            n
            for n, on in (("current", version.id == current), ("cited", version.id in cited))
            if on
        ]
        print(f"{version.id:<12}  {when:<16}  {version.size / 1e6:>6.1f}  {', '.join(notes)}")
    return 0


def _publish_auth(args: argparse.Namespace) -> httpx.Auth | None:
    """The credentials of --user and the environment variable named by --password-env."""
    import httpx

    from diplokg.publish import PublishError

    user, password_env = args.user, args.password_env
    if user is None and password_env is None:
        return None
    if user is None or password_env is None:
        raise PublishError("--user and --password-env go together")
    password = os.environ.get(password_env)
    if password is None:
        raise PublishError(f"the environment variable {password_env} (--password-env) is not set")
    if args.auth == "digest":
        return httpx.DigestAuth(user, password)
    return httpx.BasicAuth(user, password)


def _publish(args: argparse.Namespace) -> int:
    """`diplokg publish`: exit 0 when the store matches, 1 when verification differs, 2 on error."""
    from diplokg.build import ensure_built
    from diplokg.publish import (
        Mode,
        PublishReport,
        Store,
        canned_queries,
        load_graphs,
        plan_table,
        print_report,
        publish,
        verify,
    )
    from diplokg.sparql_client import safe_url

    settings = _settings(args)
    names = [n.strip() for n in args.graphs.split(",") if n.strip()]
    dataset = Path(args.data) if args.data else ensure_built(settings)
    graphs = load_graphs(dataset, names)
    mode: Mode = "merge" if args.merge else "replace"
    store = Store(
        query=args.store,
        graph_store=args.graph_store,
        update=args.update,
        auth=_publish_auth(args),
    )
    queries = canned_queries(Path(args.queries) if args.queries else settings.queries_dir)
    if args.dry_run:
        print(f"dry run: {mode} into {safe_url(args.store)}; nothing is sent")
        print(plan_table(graphs, args.batch_size))
        print(f"{len(queries)} canned queries would be compared")
        return 0
    method = publish(graphs, store, mode=mode, batch_size=args.batch_size)
    print(f"published {sum(g.count for g in graphs)} triples ({method})")
    report = verify(graphs, store, dataset, queries, PublishReport(mode, method, graphs))
    print_report(report, sys.stdout)
    if not report.ok:
        raise ValidationFailed("the store does not answer as the embedded dataset (see above)")
    return 0


# Each handler imports what its command needs when it runs, so that `diplokg stats` does not
# pay for the web stack.
def _draft(args: argparse.Namespace) -> int:
    """`diplokg draft PAGE.txt`: the draft's path, what it holds, and the time taken."""
    import time
    from datetime import date

    from diplokg.draft.drafter import draft_page

    started = time.perf_counter()
    try:
        updated = date.fromisoformat(args.updated) if args.updated else None
    except ValueError:
        raise DiplokgError(f"--updated must be YYYY-MM-DD, not {args.updated!r}") from None
    result = draft_page(
        Path(args.page),
        _settings(args),
        name=args.name,
        updated=updated,
        publisher=args.publisher,
        country=args.country,
        write=not args.stdout,
    )
    if args.stdout:
        print(result.turtle, end="")
        return 0
    d = result.draft
    print(
        f"{_shown(str(result.path))}: {len(d.events)} events, {len(d.agreements)} agreements, "
        f"{len(d.figures)} figures, {len(d.holdings)} office holdings "
        f"({time.perf_counter() - started:.2f} s, model load included)"
    )
    return 0


def _review(args: argparse.Namespace) -> int:
    """`diplokg review DRAFT [--into CURATED]`: prompts on the terminal, then a summary."""
    from diplokg.draft.review import review

    draft = Path(args.draft)
    into = Path(args.into) if args.into else _settings(args).graph_dir / f"{draft.stem}.ttl"
    outcome = review(draft, into, ask=input, say=print)
    print(
        f"accepted {len(outcome.accepted)}, edited {len(outcome.edited)}, rejected "
        f"{len(outcome.rejected)}, left {len(outcome.skipped)}"
        + (f"; written to {outcome.written}" if outcome.written else "; nothing written")
    )
    return 0


def _score(args: argparse.Namespace) -> int:
    """`diplokg score DRAFT GOLD`: the table of P/R/F1 by kind of fact."""
    from diplokg.draft.score import format_errors, format_table, score_files

    context = sorted(_settings(args).graph_dir.glob("*.ttl"))
    score = score_files(Path(args.draft), Path(args.gold), context)
    print(format_table(score, f"{args.draft} against {args.gold}"))
    if args.errors:
        print(format_errors(score))
    return 0


def _diff(args: argparse.Namespace) -> int:
    """`diplokg diff OLD NEW [--rdf FILE]`: the changes as a table, and as RDF if asked."""
    from diplokg.draft.diff import changeset_graph, diff_files, format_changes
    from diplokg.rdfio import bind_prefixes, write_text

    old, new = Path(args.old), Path(args.new)
    changes = diff_files(old, new, sorted(_settings(args).graph_dir.glob("*.ttl")))
    print(format_changes(changes))
    if args.rdf:
        out = Path(args.rdf)
        out.parent.mkdir(parents=True, exist_ok=True)
        graph = bind_prefixes(changeset_graph(changes, old, new))
        write_text(out, graph.serialize(format="turtle"))
        print(f"change set: {out}")
    return 0


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "build": _build,
    "serve": _serve,
    "query": _query,
    "export": _export,
    "events": _events,
    "validate": _validate,
    "stats": _stats,
    "publish": _publish,
    "search": _search,
    "versions": _versions,
    "draft": _draft,
    "review": _review,
    "score": _score,
    "diff": _diff,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except DiplokgError as exc:
        print(f"diplokg: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # an OSError: caught before the branch for a full disk
        # `diplokg stats | head`: the reader left; point stdout at /dev/null so the
        # interpreter's final flush does not fail again, and stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        if not disk_full(exc):
            raise
        print(f"diplokg: no space left on device: {exc.filename or exc}", file=sys.stderr)
        return DiskFull.exit_code


if __name__ == "__main__":
    sys.exit(main())
