"""Logging that cannot block the event loop and cannot be forged.

Records go into a bounded queue; one thread writes them to stderr, so a reader of the
server's stderr that stops reading (a full pipe) slows only that thread, and when the queue
is full records are dropped and counted rather than waited for. Control characters in a
message (a `%0A` or `%00` in a request path, decoded by the server) are written as escapes,
and every line of a traceback is indented, so no client text starts a line of its own.
"""

from __future__ import annotations

import logging
import logging.handlers
import queue
import re
import sys
from typing import Any

__all__ = ["SafeFormatter", "escape", "start_logging"]

QUEUE_SIZE = 10_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\\]")


def escape(text: str) -> str:
    """`text` on one line: control characters and backslashes as Python escapes."""

    def sub(m: re.Match[str]) -> str:
        char = m.group()
        if char == "\\":
            return "\\\\"
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _CONTROL.sub(sub, text)


class SafeFormatter(logging.Formatter):
    """A formatter whose message is one escaped line and whose tracebacks are indented."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:
        text = super().formatException(ei)
        return "\n".join("    | " + escape(line) for line in text.splitlines())


class _DroppingQueueHandler(logging.handlers.QueueHandler):
    dropped = 0

    def enqueue(self, record: logging.LogRecord) -> None:
        try:
            self.queue.put_nowait(record)
        except queue.Full:
            type(self).dropped += 1


def start_logging(
    level: int = logging.INFO, *, started: bool = True
) -> logging.handlers.QueueListener:
    """Route every log record through a bounded queue to a thread writing stderr (`started`:
    the thread starts now, else at the listener's `start()`; records wait in the queue)."""
    records: queue.Queue[logging.LogRecord] = queue.Queue(QUEUE_SIZE)
    stream = logging.StreamHandler(sys.stderr)
    stream.setFormatter(SafeFormatter("%(asctime)s %(name)s %(message)s"))
    listener = logging.handlers.QueueListener(records, stream, respect_handler_level=False)
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(_DroppingQueueHandler(records))
    root.setLevel(level)
    if started:
        listener.start()
    return listener
