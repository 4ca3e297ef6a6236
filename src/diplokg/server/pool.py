"""Worker processes and the supervisor that keeps their number at its target.

A worker is started through multiprocessing's forkserver (fast: the server's imports are
already loaded there). When that fails because the forkserver is broken (its socket in
$TMPDIR removed by a cleaner, say), a new forkserver is started, and if that fails too the
worker is started with the `spawn` context, which needs no socket. When it fails for lack of
resources (file descriptors, memory), the supervisor waits and tries again, with exponential
backoff up to `MAX_BACKOFF_S`: a worker is never given up, so the pool never shrinks for good.

Starting never blocks the server: the first workers are started as soon as the engine exists
(`prestart`), while the server imports its web stack, and the supervisor adopts them once the
event loop runs; the rest start on demand, up to the engine's target. `diplokg serve` forks its
first worker from the server process itself, while that still has a single thread: it takes
milliseconds where booting the forkserver takes a few hundred, fork is safe before any other
thread exists, and the child lets go of what it inherited of the server's pipes.

Replies are read without blocking the event loop: each worker's pipe is read as it becomes
readable and its messages framed as `multiprocessing.connection` frames them; the worker's
stderr is drained the same way, keeping its last lines to tell why it died.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import errno
import logging
import multiprocessing
import os
import pickle
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from diplokg.server.worker import worker_main

log = logging.getLogger("diplokg.pool")

MIN_BACKOFF_S = 0.1
MAX_BACKOFF_S = 5.0
READY_TIMEOUT_S = 60.0
_RESOURCE_ERRORS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOMEM, errno.EAGAIN})
_TAIL_BYTES = 4096


class _Frames:
    """Reassembles `Connection.send` frames (a 4-byte length, or -1 and 8 bytes) from a pipe."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def feed(self, data: bytes) -> list[Any]:
        self.buf += data
        out = []
        while True:
            if len(self.buf) < 4:
                break
            (size,) = struct.unpack("!i", self.buf[:4])
            start = 4
            if size == -1:
                if len(self.buf) < 12:
                    break
                (size,) = struct.unpack("!Q", self.buf[4:12])
                start = 12
            if len(self.buf) < start + size:
                break
            out.append(pickle.loads(self.buf[start : start + size]))
            del self.buf[: start + size]
        return out


def _frame(message: Any) -> bytes:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    if len(payload) > 0x7FFFFFFF:
        return struct.pack("!iQ", -1, len(payload)) + payload
    return struct.pack("!i", len(payload)) + payload


@dataclass(eq=False)
class Worker:
    """One worker process as the server sees it."""

    process: Any
    conn: Connection
    errors: Connection
    store_path: str
    state: str = "starting"  # starting, idle, busy, dead
    long: bool = False  # running a query past the long-query threshold
    baseline: int = 0  # address space once the store was open
    started: float = field(default_factory=time.monotonic)
    stopping: str | None = None  # why the server stopped it, if it did
    _loop: asyncio.AbstractEventLoop | None = None
    _frames: _Frames = field(default_factory=_Frames)
    _out: bytearray = field(default_factory=bytearray)
    _tail: bytes = b""
    _on_message: Callable[[Worker, Any], None] | None = None
    _on_eof: Callable[[Worker], None] | None = None

    @property
    def pid(self) -> int:
        return int(self.process.pid)

    def attach(
        self,
        loop: asyncio.AbstractEventLoop,
        on_message: Callable[[Worker, Any], None],
        on_eof: Callable[[Worker], None],
    ) -> None:
        self._loop = loop
        self._on_message = on_message
        self._on_eof = on_eof
        for fd in (self.conn.fileno(), self.errors.fileno()):
            os.set_blocking(fd, False)
        loop.add_reader(self.conn.fileno(), self._readable)
        loop.add_reader(self.errors.fileno(), self._drain_errors)

    def _readable(self) -> None:
        try:
            data = os.read(self.conn.fileno(), 1 << 20)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._detach()
            if self._on_eof is not None:
                self._on_eof(self)
            return
        for message in self._frames.feed(data):
            if self._on_message is not None:
                self._on_message(self, message)

    def _drain_errors(self) -> None:
        try:
            data = os.read(self.errors.fileno(), 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            with contextlib.suppress(Exception):
                assert self._loop is not None
                self._loop.remove_reader(self.errors.fileno())
            return
        self._tail = (self._tail + data)[-_TAIL_BYTES:]

    def send(self, message: Any) -> None:
        """Write a job without blocking; what the pipe does not take now goes when it can."""
        self._out += _frame(message)
        self._flush()

    def _flush(self) -> None:
        try:
            written = os.write(self.conn.fileno(), self._out)
        except BlockingIOError:
            written = 0
        except OSError:
            return  # the worker is gone; its EOF is on its way
        del self._out[:written]
        assert self._loop is not None
        if self._out:
            self._loop.add_writer(self.conn.fileno(), self._flush)
        else:
            with contextlib.suppress(Exception):
                self._loop.remove_writer(self.conn.fileno())

    def last_words(self) -> str:
        """The last line the worker wrote on stderr (say, a failed allocation)."""
        self._drain_errors()
        lines = [ln for ln in self._tail.decode("utf-8", "replace").splitlines() if ln.strip()]
        return lines[-1][:300] if lines else ""

    def _detach(self) -> None:
        if self._loop is None:
            return
        for fd in (self.conn.fileno(), self.errors.fileno()):
            with contextlib.suppress(Exception):
                self._loop.remove_reader(fd)
            with contextlib.suppress(Exception):
                self._loop.remove_writer(fd)

    def kill(self, reason: str) -> None:
        """Stop the process now (never waits for it)."""
        if self.stopping is None:
            self.stopping = reason
        self.state = "dead"
        self._detach()
        with contextlib.suppress(Exception):
            self.process.kill()
        for c in (self.conn, self.errors):
            with contextlib.suppress(Exception):
                c.close()


class Pool:
    """Starts workers until `target()` are alive or starting, and repairs itself forever."""

    def __init__(
        self,
        store_path: Callable[[], str],
        memory_cap: int,
        target: Callable[[], int],
        on_ready: Callable[[Worker], None],
        on_message: Callable[[Worker, Any], None],
        on_eof: Callable[[Worker], None],
        on_store_failure: Callable[[str], None],
        priority_steps: tuple[tuple[float, int], ...] = (),
    ) -> None:
        self._store_path = store_path
        self._priority_steps = priority_steps
        self._memory_cap = memory_cap
        self._target = target
        self._on_ready = on_ready
        self._on_message = on_message
        self._on_eof = on_eof
        self._on_store_failure = on_store_failure
        self._fork = multiprocessing.get_context("forkserver")
        self._fork.set_forkserver_preload(["diplokg.server.worker"])
        self._spawn_ctx = multiprocessing.get_context("spawn")
        # The server holds the only write end; workers exit when it closes (server gone).
        self._alive_r, self._alive_w = multiprocessing.Pipe(duplex=False)
        self.workers: set[Worker] = set()
        self._executor = concurrent.futures.ThreadPoolExecutor(1, "diplokg-spawn")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._old_forkservers: list[int] = []
        self._early: list[concurrent.futures.Future[Worker]] = []
        self._closed = False
        self.failures = 0  # consecutive failed starts
        self.last_error: str | None = None
        self.started = 0
        self.spawn_fallbacks = 0

    # ---- starting one worker (blocking: runs in the spawn thread, or before the loop) -----

    def _start_with(self, ctx: Any, store_path: str) -> Worker:
        parent, child = ctx.Pipe(duplex=True)
        err_r, err_w = ctx.Pipe(duplex=False)
        # A forked child holds copies of the server's ends: it closes them first, so that the
        # server's going away still reads as EOF.
        inherited = (
            (self._alive_w.fileno(), parent.fileno(), err_r.fileno())
            if ctx.get_start_method() == "fork"
            else ()
        )
        try:
            process = ctx.Process(
                target=worker_main,
                args=(
                    child,
                    err_w,
                    self._alive_r,
                    os.getpid(),
                    store_path,
                    self._memory_cap,
                    inherited,
                    self._priority_steps,
                ),
                daemon=True,
                name="diplokg-worker",
            )
            process.start()
        except BaseException:
            for c in (parent, err_r):
                c.close()
            raise
        finally:
            child.close()
            err_w.close()
        return Worker(process, parent, err_r, store_path)

    def start_blocking(self) -> Worker:
        """Start one worker: forkserver, a fresh forkserver, then `spawn`; OSError if none."""
        store_path = self._store_path()
        try:
            return self._start_with(self._fork, store_path)
        except OSError as exc:
            if exc.errno in _RESOURCE_ERRORS:
                raise
            log.warning("forkserver unusable (%s); starting a new one", _one_line(exc))
        self._reset_forkserver()
        try:
            return self._start_with(self._fork, store_path)
        except OSError as exc:
            if exc.errno in _RESOURCE_ERRORS:
                raise
            log.warning("forkserver still unusable (%s); using spawn", _one_line(exc))
        self.spawn_fallbacks += 1
        return self._start_with(self._spawn_ctx, store_path)

    def _reset_forkserver(self) -> None:
        """Forget the forkserver so that the next start launches another.

        Uses multiprocessing's private state (Python 3.11): the old forkserver exits by
        itself once its last worker is gone, and is reaped by the supervisor.
        """
        from multiprocessing import forkserver, process

        with contextlib.suppress(Exception):
            server: Any = getattr(forkserver, "_forkserver")  # noqa: B009 - private state
            with server._lock:
                if server._forkserver_alive_fd is not None:
                    with contextlib.suppress(OSError):
                        os.close(server._forkserver_alive_fd)
                if server._forkserver_pid is not None:
                    self._old_forkservers.append(server._forkserver_pid)
                server._forkserver_pid = None
                server._forkserver_address = None
                server._forkserver_alive_fd = None
            config = getattr(process.current_process(), "_config")  # noqa: B009
            tempdir = config.get("tempdir")
            if tempdir and not os.path.isdir(tempdir):  # removed by a cleaner too
                config.pop("tempdir", None)

    # ---- supervision ----------------------------------------------------------------------

    @property
    def alive(self) -> int:
        return sum(1 for w in self.workers if w.state in ("idle", "busy"))

    @property
    def starting(self) -> int:
        """Workers started and not ready yet, those being started in the thread included."""
        return len(self._early) + sum(1 for w in self.workers if w.state == "starting")

    def prestart(self, count: int, *, fork_first: bool = False) -> None:
        """Start `count` workers now, before the event loop runs, in the starting thread (the
        first forked from this process, if `fork_first` and it has a single thread); the
        supervisor adopts them once it does (`attach`)."""
        if count > 0 and fork_first and threading.active_count() == 1:
            forking = multiprocessing.get_context("fork")
            try:
                self.adopt(self._start_with(forking, self._store_path()))
                count -= 1
            except OSError as exc:  # the forkserver's turn
                log.warning("cannot fork a worker (%s); using the forkserver", _one_line(exc))
        for _ in range(count):
            self._early.append(self._executor.submit(self.start_blocking))

    @property
    def supervising(self) -> bool:
        return self._task is not None and not self._task.done()

    def adopt(self, worker: Worker) -> None:
        """Take a started worker into the pool; it turns idle when it says it is ready."""
        self.workers.add(worker)
        self.started += 1
        if self._loop is not None:
            worker.attach(self._loop, self._message, self._eof)

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start supervising on `loop` (workers started before it get their readers now)."""
        if self._loop is loop:
            return
        self._loop = loop
        self._wake = asyncio.Event()
        for worker in self.workers:
            if worker.state != "dead":
                worker.attach(loop, self._message, self._eof)
        self._task = loop.create_task(self._supervise())

    async def _adopt_early(self) -> None:
        """Adopt the workers `prestart` began, as each comes out of the starting thread."""
        while self._early:
            future = self._early[0]
            try:
                worker = await asyncio.wrap_future(future)
            except Exception as exc:  # the supervisor starts another, with backoff
                self.failures += 1
                self.last_error = f"cannot start a worker: {_one_line(exc)}"
                log.warning("%s", self.last_error)
            else:
                if self._closed:
                    worker.kill("server stopping")
                else:
                    self.adopt(worker)
            finally:
                self._early.remove(future)

    def wake(self) -> None:
        if self._wake is not None:
            self._wake.set()

    def _message(self, worker: Worker, message: Any) -> None:
        if worker.state == "starting":
            if message[0] == "ready":
                worker.baseline = int(message[1])
                worker.state = "idle"
                self.failures = 0
                self.last_error = None
                # Its process id and store are for the log, not for /health (issue: leaks).
                log.info("worker %d ready on %s", worker.pid, worker.store_path)
                self._on_ready(worker)
            else:  # ("failed", why): the store could not be opened
                self._failed(worker, f"worker could not open the store: {message[1]}")
                self._on_store_failure(str(message[1]))
            return
        self._on_message(worker, message)

    def _eof(self, worker: Worker) -> None:
        if worker.state == "starting":
            self._failed(worker, f"worker exited while starting: {worker.last_words()}")
            return
        self._on_eof(worker)

    def _failed(self, worker: Worker, why: str) -> None:
        self.failures += 1
        self.last_error = why
        log.warning("%s", why)
        self.remove(worker, "failed to start")

    def remove(self, worker: Worker, reason: str) -> None:
        worker.kill(reason)
        self.workers.discard(worker)
        self.wake()

    async def _supervise(self) -> None:
        assert self._loop is not None and self._wake is not None
        await self._adopt_early()
        while not self._closed:
            self._reap()
            for worker in list(self.workers):
                if (
                    worker.state == "starting"
                    and time.monotonic() - worker.started > READY_TIMEOUT_S
                ):
                    self._failed(worker, "worker did not become ready")
            missing = self._target() - self.alive - self.starting
            if missing <= 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), 1.0)
                continue
            if self.failures:
                delay = min(MAX_BACKOFF_S, MIN_BACKOFF_S * 2 ** (self.failures - 1))
                await asyncio.sleep(delay)
                if self._closed:
                    return
            try:
                worker = await self._loop.run_in_executor(self._executor, self.start_blocking)
            except Exception as exc:  # out of file descriptors, memory, processes...
                self.failures += 1
                self.last_error = f"cannot start a worker: {_one_line(exc)}"
                if self.failures in (1, 10) or self.failures % 100 == 0:
                    log.warning("%s (attempt %d; retrying)", self.last_error, self.failures)
                continue
            if self._closed:
                worker.kill("server stopping")
                return
            self.adopt(worker)

    def _reap(self) -> None:
        """Collect the exit status of stopped children, so none is left a zombie."""
        multiprocessing.active_children()
        for pid in list(self._old_forkservers):
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0] == 0:
                    continue
            self._old_forkservers.remove(pid)

    def close(self) -> None:
        self._closed = True
        for worker in list(self.workers):
            worker.kill("server stopping")
        self.workers.clear()
        if self._task is not None:
            self._task.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)
        with contextlib.suppress(Exception):
            self._alive_w.close()


def _one_line(exc: BaseException) -> str:
    text = str(exc).splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]
