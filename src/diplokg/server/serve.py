"""`diplokg serve`'s job: its options as settings, and the app under uvicorn with limits.

Every option of `diplokg serve` but its address is one `Settings` field, listed once in
`OPTIONS`: `diplokg.cli` makes the command's flags from this table, turns their values into
settings with `settings_with`, and calls `serve`, which runs the app with the connection,
header and read limits of `diplokg.server.limits` and the non-blocking logs of
`diplokg.server.logs`. Nothing here parses arguments, prints or chooses an exit code.
"""

from __future__ import annotations

import dataclasses
import errno
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from diplokg.config import Settings
from diplokg.errors import AddressUnavailable

__all__ = ["OPTIONS", "Option", "listen", "serve", "settings_with"]


@dataclass(frozen=True)
class Option:
    """One option of `diplokg serve`: its flag, the `Settings` field it sets, and its help."""

    flag: str
    field: str
    type: Callable[[str], Any]
    help: str
    repeatable: bool = False  # given once per value; the field holds them all, in order
    value_name: str | None = None  # what --help calls its value (default: the flag's words)

    @property
    def metavar(self) -> str:
        return self.value_name or self.flag.removeprefix("--").replace("-", "_").upper()


def seconds(text: str) -> float:
    """A duration option's value: a positive number of seconds (argparse type; ValueError
    otherwise, which argparse reports as an invalid value of the option)."""
    value = float(text)
    if not value > 0 or value == float("inf"):
        raise ValueError(text)
    return value


OPTIONS: tuple[Option, ...] = (
    Option("--timeout", "query_timeout_s", seconds, "query deadline in seconds (10)"),
    Option("--max-rows", "max_result_rows", int, "rows or triples in an answer (10000)"),
    Option("--workers", "workers", int, "worker processes at most (4)"),
    Option("--min-workers", "min_workers", int, "worker processes kept even when idle (1)"),
    Option("--max-pending", "max_pending", int, "queued queries before 503 (64)"),
    Option("--public-url", "public_url", str, "the endpoint's public address, e.g. https://host"),
    Option(
        "--max-query-memory", "max_query_memory_mb", int, "MB a query may add to its worker (1024)"
    ),
    Option("--long-query", "long_query_s", seconds, "seconds after which a query is long (0.5)"),
    Option("--max-long-queries", "max_long_queries", int, "long queries at once (2)"),
    Option("--client-budget", "client_budget_s", float, "worker-seconds a client may burst (20)"),
    Option("--client-rate", "client_budget_rate", float, "worker-seconds a second refilled (0.2)"),
    Option("--over-budget-timeout", "over_budget_timeout_s", seconds, "deadline over budget (0.5)"),
    Option("--max-header-bytes", "max_header_bytes", int, "request line and headers (16384)"),
    Option(
        "--header-timeout", "header_timeout_s", seconds, "seconds to receive a request head (10)"
    ),
    Option("--body-timeout", "body_timeout_s", seconds, "seconds to receive a request body (30)"),
    Option("--max-connections", "max_connections", int, "open connections in all (1024)"),
    Option("--max-client-connections", "max_connections_per_client", int, "from one address (64)"),
    Option("--store-dir", "store_dir", Path, "private store folder (~/.cache/diplokg/stores)"),
    Option(
        "--trusted-proxy",
        "trusted_proxies",
        str,
        "a proxy whose X-Forwarded-For names the client (repeatable)",
        repeatable=True,
        value_name="ADDRESS",
    ),
    Option("--max-permalink-bytes", "max_permalink_bytes", int, "room for permalinks (64 MiB)"),
    Option(
        "--max-permalinks-per-client",
        "max_permalinks_per_client_hour",
        int,
        "new permalinks one client may record in an hour (60)",
    ),
)


def settings_with(values: Mapping[str, Any], base: Settings | None = None) -> Settings:
    """`base` (default: `Settings()`) with the options given in `values`, by field name; an
    option whose value is None or empty was not given."""
    overrides: dict[str, Any] = {}
    for option in OPTIONS:
        value = values.get(option.field)
        if value is None or (option.repeatable and not value):
            continue
        overrides[option.field] = tuple(value) if option.repeatable else value
    return dataclasses.replace(base if base is not None else Settings(), **overrides)


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to host:port, as uvicorn binds one, or AddressUnavailable saying why in
    one line ("port 8000 is in use; try --port 8001"). Bound before anything is loaded, and
    handed to uvicorn, so nobody can take the port in between."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            free = _free_port_after(host, port, family)
            hint = f"try --port {free}" if free is not None else "try another --port"
            raise AddressUnavailable(f"port {port} is in use; {hint}") from None
        reason = exc.strerror or str(exc)
        if isinstance(exc, socket.gaierror):
            reason = f"unknown host ({reason})"
        raise AddressUnavailable(f"cannot listen on {host}:{port}: {reason}") from None
    sock.set_inheritable(True)
    return sock


def _free_port_after(host: str, port: int, family: socket.AddressFamily) -> int | None:
    """The first port above `port` (up to 20 further) that can be bound now."""
    for candidate in range(port + 1, min(port + 21, 65536)):
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, candidate))
            except OSError:
                continue
            return candidate
    return None


def serve(
    settings: Settings,
    data: Path | None,
    *,
    host: str,
    port: int,
    progress: Callable[[str], None] = lambda line: None,
) -> None:
    """Serve `data` (default: the built dataset) at http://host:port until stopped.

    The address is taken first (AddressUnavailable when it cannot be); `progress` gets one
    line once the app is made, naming the file served and the address.
    """
    sock = listen(host, port)
    try:
        _run(settings, data, sock, host=host, port=port, progress=progress)
    finally:
        sock.close()


def _run(
    settings: Settings,
    data: Path | None,
    sock: socket.socket,
    *,
    host: str,
    port: int,
    progress: Callable[[str], None],
) -> None:
    from diplokg.server.app import SPARQL_PATH, create_app
    from diplokg.server.limits import uvicorn_config
    from diplokg.server.logs import start_logging

    # The writer thread starts once the app is made: a server with a single thread forks its
    # first worker at once (see diplokg.server.pool); records wait in the queue until then.
    listener = start_logging(started=False)
    started = False
    try:
        app = create_app(settings, data, fork_first=True)
        app.state.freeze_gc = True  # the process serves this app until it exits
        listener.start()
        started = True
        progress(f"serving {app.state.data_path} at http://{host}:{port}{SPARQL_PATH}")
        import uvicorn

        config = uvicorn_config(
            app,
            settings,
            host=host,
            port=port,
            access_log=False,
            log_level="warning",
            log_config=None,
        )
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        if not started:  # write what was logged meanwhile
            listener.start()
        listener.stop()
