"""The `diplokg` command line: build, serve, query, export, validate, stats, publish.

Exit codes: 0 success, 1 validation failed, 2 any other error (bad input, bad query, I/O).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from diplokg.errors import DiplokgError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="diplokg", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="reason, validate and write dist/")
    p.add_argument("--reasoner", choices=["owlrl", "reasonable"], default=None)
    p.add_argument("--force", action="store_true", help="rebuild even if inputs are unchanged")
    p.add_argument("--dist", default=None, help="output folder (default: dist/)")
    p.add_argument("--include-drafts", action="store_true", help="also graph/drafts/ (graph draft)")

    p = sub.add_parser("serve", help="serve the dataset over SPARQL on 127.0.0.1")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--data", default=None, help="serve this RDF file instead of the built dataset")
    p.add_argument("--timeout", type=float, default=None, help="query deadline in seconds")
    p.add_argument("--max-rows", type=int, default=None)
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--max-pending", type=int, default=None, help="queued queries before 503")
    p.add_argument("--include-drafts", action="store_true", help="build and serve graph/drafts/")

    p = sub.add_parser("query", help="run a canned query (by name) or a SPARQL file")
    p.add_argument("query", help="canned query name or path to a .rq file")
    p.add_argument("--param", action="append", default=[], metavar="K=V")
    p.add_argument("--format", choices=["table", "csv", "tsv", "json"], default="table")
    p.add_argument("--endpoint", default=None, help="run against a remote SPARQL endpoint")

    p = sub.add_parser("export", help="write the dataset or one graph in an RDF format")
    p.add_argument(
        "--format",
        required=True,
        choices=["turtle", "ntriples", "jsonld", "rdfxml", "trig", "nquads"],
    )
    p.add_argument("--graph", default=None, help="one named graph (asserted, inferred, ...)")
    p.add_argument("-o", "--output", required=True)

    sub.add_parser("validate", help="run SHACL and consistency checks; exit 1 on violations")
    sub.add_parser("stats", help="print what the graph holds")

    p = sub.add_parser("publish", help="push the named graphs to an external triple store")
    p.add_argument("--store", required=True, help="the store's SPARQL query endpoint")
    p.add_argument("--graph-store", default=None, help="Graph Store Protocol endpoint")
    p.add_argument("--update", default=None, help="SPARQL Update endpoint")
    p.add_argument("--user", default=None)
    p.add_argument("--password-env", default=None, metavar="VAR")
    p.add_argument("--graphs", default="asserted,inferred,enrichment,evidence,ontology")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--replace", action="store_true", default=True)
    mode.add_argument("--merge", action="store_true")
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--auth", choices=["basic", "digest"], default="basic")
    p.add_argument("--data", default=None, help="publish this dataset file, not the built one")
    p.add_argument("--batch-size", type=int, default=2000, help="triples per request")
    p.add_argument("--queries", default=None, help="canned queries folder to compare with")
    _draft_parsers(sub)
    return parser


def _draft_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The drafting commands (diplokg.draft): draft, review, score, diff."""
    p = sub.add_parser("draft", help="draft the facts of a page into graph/drafts/NAME.ttl")
    p.add_argument("page", help="the page as UTF-8 text")
    p.add_argument("--name", default=None, help="the draft's name (default: the page's stem)")
    p.add_argument("--updated", default=None, metavar="YYYY-MM-DD", help="the update date")
    p.add_argument("--publisher", default=None, help="the publisher, as the page names it")
    p.add_argument("--country", default=None, help="the other country's slug (e.g. senegal)")
    p.add_argument("--stdout", action="store_true", help="print the Turtle, write nothing")

    p = sub.add_parser("review", help="accept, edit or reject a draft's facts one by one")
    p.add_argument("draft", help="a draft in graph/drafts/")
    p.add_argument("--into", default=None, help="curated file (default: graph/NAME.ttl)")

    p = sub.add_parser("score", help="precision, recall and F1 of a draft against a gold file")
    p.add_argument("draft")
    p.add_argument("gold")
    p.add_argument("--errors", action="store_true", help="list the facts missed and spurious")

    p = sub.add_parser("diff", help="facts added, dropped and changed between two editions")
    p.add_argument("old")
    p.add_argument("new")
    p.add_argument("--rdf", default=None, metavar="FILE", help="also write the change set")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        # Each command lives in the module that does the job; imported lazily so that
        # `diplokg stats` does not pay for the web stack.
        if args.command == "build":
            from diplokg.build import cli_build

            return cli_build(args)
        if args.command == "serve":
            from diplokg.endpoint import cli_serve

            return cli_serve(args)
        if args.command == "query":
            from diplokg.api import cli_query

            return cli_query(args)
        if args.command == "export":
            from diplokg.export import cli_export

            return cli_export(args)
        if args.command == "validate":
            from diplokg.build import cli_validate

            return cli_validate(args)
        if args.command == "stats":
            from diplokg.build import cli_stats

            return cli_stats(args)
        if args.command == "publish":
            from diplokg.publish import cli_publish

            return cli_publish(args)
        if args.command in ("draft", "review", "score", "diff"):
            return _DRAFT_COMMANDS[args.command](args)
    except DiplokgError as exc:
        print(f"diplokg: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `diplokg stats | head`: the reader left; point stdout at /dev/null so the
        # interpreter's final flush does not fail again, and stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    raise AssertionError(f"unhandled command {args.command}")


def _cli_draft(args: argparse.Namespace) -> int:
    """`diplokg draft PAGE.txt`: the draft's path, what it holds, and the time taken."""
    import time
    from datetime import date
    from pathlib import Path

    from diplokg.config import Settings
    from diplokg.draft.drafter import draft_page

    started = time.perf_counter()
    try:
        updated = date.fromisoformat(args.updated) if args.updated else None
    except ValueError:
        raise DiplokgError(f"--updated must be YYYY-MM-DD, not {args.updated!r}") from None
    result = draft_page(
        Path(args.page),
        Settings(),
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
        f"{result.path}: {len(d.events)} events, {len(d.agreements)} agreements, "
        f"{len(d.figures)} figures, {len(d.holdings)} office holdings "
        f"({time.perf_counter() - started:.2f} s, model load included)"
    )
    return 0


def _cli_review(args: argparse.Namespace) -> int:
    """`diplokg review DRAFT [--into CURATED]`: prompts on the terminal, then a summary."""
    from pathlib import Path

    from diplokg.config import Settings
    from diplokg.draft.review import review

    draft = Path(args.draft)
    into = Path(args.into) if args.into else Settings().graph_dir / f"{draft.stem}.ttl"
    outcome = review(draft, into, ask=input, say=print)
    print(
        f"accepted {len(outcome.accepted)}, edited {len(outcome.edited)}, rejected "
        f"{len(outcome.rejected)}, left {len(outcome.skipped)}"
        + (f"; written to {outcome.written}" if outcome.written else "; nothing written")
    )
    return 0


def _cli_score(args: argparse.Namespace) -> int:
    """`diplokg score DRAFT GOLD`: the table of P/R/F1 by kind of fact."""
    from pathlib import Path

    from diplokg.config import Settings
    from diplokg.draft.score import format_errors, format_table, score_files

    context = sorted(Settings().graph_dir.glob("*.ttl"))
    score = score_files(Path(args.draft), Path(args.gold), context)
    print(format_table(score, f"{args.draft} against {args.gold}"))
    if args.errors:
        print(format_errors(score))
    return 0


def _cli_diff(args: argparse.Namespace) -> int:
    """`diplokg diff OLD NEW [--rdf FILE]`: the changes as a table, and as RDF if asked."""
    from pathlib import Path

    from diplokg.config import Settings
    from diplokg.draft.diff import changeset_graph, diff_files, format_changes
    from diplokg.rdfio import bind_prefixes

    old, new = Path(args.old), Path(args.new)
    changes = diff_files(old, new, sorted(Settings().graph_dir.glob("*.ttl")))
    print(format_changes(changes))
    if args.rdf:
        out = Path(args.rdf)
        out.parent.mkdir(parents=True, exist_ok=True)
        graph = bind_prefixes(changeset_graph(changes, old, new))
        out.write_text(graph.serialize(format="turtle"), encoding="utf-8")
        print(f"change set: {out}")
    return 0


_DRAFT_COMMANDS = {
    "draft": _cli_draft,
    "review": _cli_review,
    "score": _cli_score,
    "diff": _cli_diff,
}


if __name__ == "__main__":
    sys.exit(main())
