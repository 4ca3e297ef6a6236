"""What runs in a worker process: open the store read-only, then evaluate and serialize jobs.

Everything that costs time per answer happens here, not on the server's event loop: the
evaluation, the row and byte limits, the re-serialization into the format asked for, the
truncation flag, XML escaping and the ETag (`diplokg.results`, which the build also runs to
precompute the canned answers). The worker also bounds itself: its address space may grow by
at most `memory_cap` bytes once the store is open (an allocation past it aborts the process,
which the server reports as the query's fault), and it dies with the server (a thread watches a
pipe only the server holds open; Linux's parent-death signal covers the forkserver in between).
It imports neither rdflib nor pandas: the forkserver preloads this module, and every worker
shares what it loaded.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import os
import resource
import signal
import sys
import threading
from multiprocessing.connection import Connection

import pyoxigraph as ox

from diplokg.results import TRUNCATED_IRI, Job, first_line, run_job

__all__ = ["TRUNCATED_IRI", "Job", "run_job", "worker_main"]

_PR_SET_PDEATHSIG = 1


def _die_with(server_alive: Connection, server_pid: int) -> None:
    """Exit as soon as the server is gone, whatever this process is doing."""
    if os.getppid() != server_pid:  # forked by the forkserver: die with it too
        with contextlib.suppress(Exception):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() == 1:  # the parent died before the signal was armed
        os._exit(0)

    def watch() -> None:
        with contextlib.suppress(Exception):
            server_alive.poll(None)  # readable only at EOF: nobody writes to this pipe
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="diplokg-server-watch").start()


def _address_space() -> int:
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def worker_main(
    conn: Connection,
    errors: Connection,
    server_alive: Connection,
    server_pid: int,
    store_path: str,
    memory_cap: int,
    inherited: tuple[int, ...] = (),
) -> None:
    """Serve jobs from `conn` until it closes; one query at a time. `inherited`: descriptors
    of the server's that a worker forked from it holds copies of, released first (pointed at
    /dev/null rather than closed, since objects of the server's still name them)."""
    if inherited:
        null = os.open(os.devnull, os.O_RDWR)
        for fd in inherited:
            with contextlib.suppress(OSError):
                os.dup2(null, fd)
        os.close(null)
    # One line on stderr when an allocation fails, not a backtrace, and into a pipe the
    # server reads, so that the server can tell the client why its query stopped.
    os.environ["RUST_BACKTRACE"] = "0"
    faulthandler.disable()  # a forked worker inherits the server's: not a traceback either
    os.dup2(errors.fileno(), sys.stderr.fileno())
    _die_with(server_alive, server_pid)
    try:
        store = ox.Store.read_only(store_path)
        store.query("ASK { ?s ?p ?o }")  # the first read maps what every query needs
    except Exception as exc:  # a missing or damaged store: the server rebuilds it
        conn.send(("failed", first_line(exc)))
        return
    baseline = _address_space()
    if memory_cap > 0:
        limit = baseline + memory_cap
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    conn.send(("ready", baseline))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = run_job(store, job)
        except MemoryError:
            reply = ("memory",)
        except Exception as exc:  # reported as a 500; the text stays in the server log
            reply = ("crash", f"{type(exc).__name__}: {first_line(exc)}")
        conn.send(reply)
