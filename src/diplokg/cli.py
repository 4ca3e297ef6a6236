"""The `diplokg` command line: build, serve, query, export, events, validate, stats, publish.

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

    p = sub.add_parser("serve", help="serve the dataset over SPARQL on 127.0.0.1")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--data", default=None, help="serve this RDF file instead of the built dataset")
    p.add_argument("--timeout", type=float, default=None, help="query deadline in seconds")
    p.add_argument("--max-rows", type=int, default=None)
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--max-pending", type=int, default=None, help="queued queries before 503")

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

    p = sub.add_parser("events", help="write the event table (CAMEO, PLOVER) as CSV or JSONL")
    p.add_argument("--format", choices=["csv", "plover-jsonl"], default="csv")
    p.add_argument("-o", "--output", default=None, help="write to FILE (default: stdout)")

    sub.add_parser("validate", help="run SHACL and consistency checks; exit 1 on violations")
    sub.add_parser("stats", help="print what the graph holds")

    p = sub.add_parser("publish", help="push the named graphs to an external triple store")
    p.add_argument("--store", required=True, help="the store's SPARQL query endpoint")
    p.add_argument("--graph-store", default=None, help="Graph Store Protocol endpoint")
    p.add_argument("--update", default=None, help="SPARQL Update endpoint")
    p.add_argument("--user", default=None)
    p.add_argument("--password-env", default=None, metavar="VAR")
    p.add_argument("--graphs", default="asserted,inferred,enrichment,evidence,ontology,derived")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--replace", action="store_true", default=True)
    mode.add_argument("--merge", action="store_true")
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--auth", choices=["basic", "digest"], default="basic")
    p.add_argument("--data", default=None, help="publish this dataset file, not the built one")
    p.add_argument("--batch-size", type=int, default=2000, help="triples per request")
    p.add_argument("--queries", default=None, help="canned queries folder to compare with")
    return parser


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
        if args.command == "events":
            from diplokg.events import cli_events

            return cli_events(args)
        if args.command == "validate":
            from diplokg.build import cli_validate

            return cli_validate(args)
        if args.command == "stats":
            from diplokg.build import cli_stats

            return cli_stats(args)
        if args.command == "publish":
            from diplokg.publish import cli_publish

            return cli_publish(args)
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


if __name__ == "__main__":
    sys.exit(main())
