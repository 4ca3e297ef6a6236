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

Queries run in a serving thread, at the worker's priority (nice 0) at first; the longer one
runs, the lower its CPU priority (`priority_steps`: nice 5 after `DEMOTE_AFTER_S`, 19 once
it is long), so that a slow query cannot take the CPU from the cheap ones arriving meanwhile
(Linux CFS weights nice 0 1024, nice 5 335, nice 19 15). Linux sets a nice value per
thread, and an unprivileged process may raise its nice value but never lower it back: after
a lowered query, a new serving thread takes over, at nice 0 again, so the worker is kept,
not replaced (`_Stepper`).
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
import time
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph as ox

from diplokg.results import TRUNCATED_IRI, Job, first_line, run_job

__all__ = [
    "DEMOTE_AFTER_S",
    "TRUNCATED_IRI",
    "Job",
    "priority_steps",
    "run_job",
    "run_stepped",
    "worker_main",
]

_PR_SET_PDEATHSIG = 1
# A query running past this many seconds is not a cheap one: nice 5 from then on (issue 16,
# isolation). Cheap queries (an ASK on a pattern, a page of a listing) take a few ms. Not
# lower nor sooner: a lowered query takes longer under load, and one that passes
# `long_query_s` while the long lane is full is stopped (503): nice 10 after 50 ms gave 21
# such 503s where the code before gave 11 (ad hoc mix, c=8, 15 s, load average 11).
DEMOTE_AFTER_S = 0.1
DEMOTED_NICE = 5
LONG_NICE = 19


# setitimer(…, 0) disarms the timer: a step due at once is armed for this long instead.
_MIN_TIMER_S = 1e-3


def priority_steps(long_query_s: float) -> tuple[tuple[float, int], ...]:
    """(seconds into a query, nice value from then on), in order: nice 5 after
    `DEMOTE_AFTER_S`, nice 19 after `long_query_s` (the long lane of `diplokg.server.engine`)."""
    if long_query_s <= DEMOTE_AFTER_S:
        return ((max(0.0, long_query_s), LONG_NICE),)
    return ((DEMOTE_AFTER_S, DEMOTED_NICE), (long_query_s, LONG_NICE))


_WARM_UP = Job(
    query="ASK { ?s ?p ?o }",
    form="ASK",
    fmt="json",
    default_graph=None,
    named_graphs=None,
    union=True,
    base_iri=None,
    max_rows=1,
    max_bytes=1024,
)


def _answer(store: ox.Store, job: Job) -> tuple[Any, ...]:
    try:
        return run_job(store, job)
    except MemoryError:
        return ("memory",)
    except Exception as exc:  # reported as a 500; the text stays in the server log
        return ("crash", f"{type(exc).__name__}: {first_line(exc)}")


def run_stepped(store: ox.Store, job: Job, steps: tuple[tuple[float, int], ...]) -> tuple[Any, ...]:
    """`run_job` in a new thread whose nice value follows `steps` while it runs (see the
    module's docstring); the calling thread's own priority never changes. (A thread per
    query costs some 100 us: `worker_main` keeps one serving thread instead, see `_Stepper`.)"""
    if not steps:
        return _answer(store, job)
    reply: list[tuple[Any, ...]] = []
    thread = threading.Thread(
        target=lambda: reply.append(_answer(store, job)), name="diplokg-query", daemon=True
    )
    thread.start()
    waited = 0.0
    for after, nice in steps:
        thread.join(max(0.0, after - waited))
        waited = after
        if not thread.is_alive():
            break
        with contextlib.suppress(OSError):  # the thread ended in between
            os.setpriority(os.PRIO_PROCESS, thread.native_id or 0, nice)
    thread.join()
    return reply[0]


class _Stepper:
    """Serves jobs in one thread whose nice value the main thread raises as a query runs.

    The serving thread arms an interval timer when a query starts and disarms it when it ends
    (two system calls, nothing woken); SIGALRM runs `_alarm` in the main thread, which lowers
    the serving thread's priority to the next step and arms the timer for the step after. A
    thread once lowered cannot be raised back without privilege: once its query is answered,
    it ends, and the main thread starts a new serving thread (at its own nice 0: a thread
    starts at the nice value of the thread that creates it).
    """

    def __init__(
        self, conn: Connection, store: ox.Store, steps: tuple[tuple[float, int], ...]
    ) -> None:
        self.conn = conn
        self.store = store
        self.steps = steps
        self.running = 0  # native id of the thread running a query, 0 when none is
        self.step = 0  # the next step of `steps` for that query
        self.started = 0.0  # time.monotonic() when that query started
        self.lowered = 0  # native id of a serving thread that was lowered
        self.wake = threading.Event()  # for the main thread: a hand-over, or the end
        self.handover = False
        self.pending: Job | None = None  # the job a lowered thread received, for the next
        self.finished = False

    def serve(self) -> None:
        """Serve jobs until the connection closes (call from the main thread: the serving
        threads are started from it, since a thread starts at its creator's nice value)."""
        signal.signal(signal.SIGALRM, self._alarm)
        self._start(None)
        while True:
            self.wake.wait()  # interrupted to run `_alarm`, then waits again
            self.wake.clear()
            if self.finished:
                return
            if self.handover:
                job, self.handover, self.pending = self.pending, False, None
                self._start(job)

    def _start(self, job: Job | None) -> None:
        self.lowered = 0
        threading.Thread(target=self._loop, args=(job,), name="diplokg-query", daemon=True).start()

    def _hand_over(self, job: Job | None) -> None:
        """End this (lowered) serving thread; the main thread starts the next one."""
        self.pending, self.handover = job, True
        self.wake.set()

    def _loop(self, job: Job | None) -> None:
        # The alarm is for the main thread, which runs Python's signal handlers: the kernel
        # delivers it there when no other thread can take it.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        me = threading.get_native_id()
        while True:
            if job is None:
                try:
                    job = self.conn.recv()
                except (EOFError, OSError):
                    self.finished = True
                    self.wake.set()
                    return
            if self.lowered == me:  # lowered after its last answer was sent
                self._hand_over(job)
                return
            self.step = 0
            self.started = time.monotonic()  # before `running`: `_alarm` reads them in turn
            self.running = me
            signal.setitimer(signal.ITIMER_REAL, max(_MIN_TIMER_S, self.steps[0][0]))
            reply = _answer(self.store, job)
            signal.setitimer(signal.ITIMER_REAL, 0)
            self.running = 0
            self.conn.send(reply)
            job = None
            if self.lowered == me:
                self._hand_over(None)
                return

    def _alarm(self, signum: int, frame: object) -> None:
        tid, step = self.running, self.step
        if not tid or step >= len(self.steps):
            return
        after, nice = self.steps[step]
        # The alarm of a query that ended may be handled only once the next one has started
        # in the same thread: that one is younger than the step, so the timer is re-armed for
        # what it has left instead of lowering it.
        left = after - (time.monotonic() - self.started)
        if left > _MIN_TIMER_S:
            signal.setitimer(signal.ITIMER_REAL, left)
            return
        self.lowered = tid  # before lowering it: the serving thread checks it after a query
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, tid, nice)
        self.step = step + 1
        if self.step < len(self.steps) and self.running == tid:
            signal.setitimer(
                signal.ITIMER_REAL, max(_MIN_TIMER_S, self.steps[self.step][0] - after)
            )


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
    steps: tuple[tuple[float, int], ...] = (),
) -> None:
    """Serve jobs from `conn` until it closes; one query at a time. `inherited`: descriptors
    of the server's that a worker forked from it holds copies of, released first (pointed at
    /dev/null rather than closed, since objects of the server's still name them); `steps`:
    the query thread's priority steps (`priority_steps`; none: queries run in this thread)."""
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
    # A first query in a query thread before the baseline: the thread's malloc arena (an
    # address-space reservation that later query threads reuse) is not charged to queries.
    run_stepped(store, _WARM_UP, steps)
    baseline = _address_space()
    if memory_cap > 0:
        limit = baseline + memory_cap
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    conn.send(("ready", baseline))
    if steps:
        _Stepper(conn, store, steps).serve()
        return
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(_answer(store, job))
