"""The log writer thread (`diplokg.server.logs`): batched, so that logging a line wakes nobody."""

from __future__ import annotations

import io
import logging
import queue
import time

from diplokg.server.logs import BatchListener, SafeFormatter


def _listener(stream: io.StringIO) -> tuple[queue.Queue[logging.LogRecord], BatchListener]:
    records: queue.Queue[logging.LogRecord] = queue.Queue(100)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(SafeFormatter("%(message)s"))
    return records, BatchListener(records, handler, interval=0.01)


def _record(message: str) -> logging.LogRecord:
    return logging.LogRecord("diplokg.test", logging.INFO, __file__, 1, message, None, None)


def test_records_are_written_in_order_and_stop_writes_the_rest() -> None:
    stream = io.StringIO()
    records, listener = _listener(stream)
    listener.start()
    for i in range(50):
        records.put_nowait(_record(f"line {i}\nforged"))
    listener.stop()
    assert stream.getvalue().splitlines() == [f"line {i}\\x0aforged" for i in range(50)]
    assert listener._thread is None  # the thread ended


def test_writer_thread_does_not_wait_on_the_queue() -> None:
    # A thread blocked in queue.get() is woken by every put: the writer polls instead, so the
    # queue's condition never has a waiter while the server logs.
    stream = io.StringIO()
    records, listener = _listener(stream)
    listener.start()
    try:
        for _ in range(20):
            time.sleep(0.005)
            assert not records.not_empty._waiters  # type: ignore[attr-defined]
        records.put_nowait(_record("written"))
    finally:
        listener.stop()
    assert stream.getvalue() == "written\n"


def test_the_stock_listener_would_wait_on_the_queue() -> None:
    # The fixture of the test above: logging's own QueueListener blocks in queue.get().
    records: queue.Queue[logging.LogRecord] = queue.Queue(100)
    listener = logging.handlers.QueueListener(records, logging.NullHandler())
    listener.start()
    try:
        deadline = time.monotonic() + 5
        while not records.not_empty._waiters and time.monotonic() < deadline:  # type: ignore[attr-defined]
            time.sleep(0.005)
        assert records.not_empty._waiters  # type: ignore[attr-defined]
    finally:
        listener.stop()
