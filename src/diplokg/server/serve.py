"""`diplokg serve`: settings from the command line, non-blocking logs, uvicorn with limits.

Every option of `diplokg serve` is one `Settings` field, listed in `OPTIONS`; the CLI adds
them to its parser with `add_options` and this module applies them.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from diplokg.config import Settings

__all__ = ["OPTIONS", "add_options", "serve", "settings_from"]

# flag, Settings field, type, help
OPTIONS: tuple[tuple[str, str, Any, str], ...] = (
    ("--timeout", "query_timeout_s", float, "query deadline in seconds (10)"),
    ("--max-rows", "max_result_rows", int, "rows or triples in an answer (10000)"),
    ("--workers", "workers", int, "worker processes (4)"),
    ("--max-pending", "max_pending", int, "queued queries before 503 (64)"),
    ("--public-url", "public_url", str, "the endpoint's public address, e.g. https://host"),
    ("--max-query-memory", "max_query_memory_mb", int, "MB a query may add to its worker (1024)"),
    ("--long-query", "long_query_s", float, "seconds after which a query is long (0.5)"),
    ("--max-long-queries", "max_long_queries", int, "long queries at once (2)"),
    ("--client-budget", "client_budget_s", float, "worker-seconds a client may burst (20)"),
    ("--client-rate", "client_budget_rate", float, "worker-seconds a second refilled (0.2)"),
    ("--over-budget-timeout", "over_budget_timeout_s", float, "deadline over budget (0.5)"),
    ("--max-header-bytes", "max_header_bytes", int, "request line and headers (16384)"),
    ("--header-timeout", "header_timeout_s", float, "seconds to receive a request head (10)"),
    ("--body-timeout", "body_timeout_s", float, "seconds to receive a request body (30)"),
    ("--max-connections", "max_connections", int, "open connections in all (1024)"),
    ("--max-client-connections", "max_connections_per_client", int, "from one address (64)"),
    ("--store-dir", "store_dir", Path, "private store folder (~/.cache/diplokg/stores)"),
)


def add_options(parser: argparse.ArgumentParser) -> None:
    for flag, _, kind, text in OPTIONS:
        parser.add_argument(flag, type=kind, default=None, help=text)
    parser.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="a proxy whose X-Forwarded-For names the client (repeatable)",
    )


def settings_from(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {"host": args.host, "port": args.port}
    for flag, name, _, _ in OPTIONS:
        value = getattr(args, flag[2:].replace("-", "_"), None)
        if value is not None:
            overrides[name] = value
    if getattr(args, "trusted_proxy", None):
        overrides["trusted_proxies"] = tuple(args.trusted_proxy)
    return dataclasses.replace(Settings(), **overrides)


def serve(args: argparse.Namespace) -> int:
    """Build the app and serve it until stopped."""
    from diplokg.server.app import SPARQL_PATH, create_app
    from diplokg.server.limits import uvicorn_config
    from diplokg.server.logs import start_logging

    settings = settings_from(args)
    listener = start_logging()
    try:
        app = create_app(settings, Path(args.data) if args.data else None)
        print(
            f"diplokg: serving {app.state.data_path} at http://{args.host}:{args.port}{SPARQL_PATH}",
            file=sys.stderr,
            flush=True,
        )
        import uvicorn

        config = uvicorn_config(
            app,
            settings,
            host=args.host,
            port=args.port,
            access_log=False,
            log_level="warning",
            log_config=None,
        )
        uvicorn.Server(config).run()
    finally:
        listener.stop()
    return 0
