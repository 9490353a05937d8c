"""The run log: stdout and stderr of the sandbox, line by line, timestamped, redacted and capped.

Lines are read in bounded chunks (never ``readline`` on a pipe a script controls: one line
without a newline could be gigabytes), written to ``logs/run.log`` as they arrive and passed to
the caller's ``on_log`` callback in the same order (supervise.py reads the pipes).
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from datetime import UTC, datetime
from pathlib import Path

from meta_agent.runtime.backend import LogCallback
from meta_agent.runtime.redact import Redactor

logger = logging.getLogger(__name__)

READ_CHUNK_BYTES = 64 * 1024
# Longer lines are split: a log is for reading, and the cap keeps memory per stream bounded.
MAX_LINE_BYTES = 16 * 1024
# The stderr tail kept in memory to recognise how a script died (MemoryError, EFBIG...).
TAIL_LINES = 40


def timestamp() -> str:
    """UTC ISO-8601 with milliseconds, the format of every run.log line."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class LogWriter:
    """Writes tagged lines to run.log until ``max_bytes``, then records the breach and drops the rest."""

    def __init__(
        self,
        path: Path,
        max_bytes: int,
        redactor: Redactor,
        on_log: LogCallback | None = None,
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.max_bytes = max_bytes
        self.redact = redactor
        self.on_log = on_log
        self.written = 0
        self.breached = threading.Event()
        self.stderr_tail: deque[str] = deque(maxlen=TAIL_LINES)
        self._lock = threading.Lock()
        # O_NOFOLLOW: the logs folder is the host's, but never trust a link placed in it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o644)
        self._file = os.fdopen(fd, "a", encoding="utf-8", buffering=1)

    def line(self, stream: str, text: str) -> None:
        """Record one line (without its newline) from ``stream``."""
        text = self.redact(text)
        record = f"{timestamp()} [{stream}] {text}\n"
        size = len(record.encode("utf-8"))
        with self._lock:
            if self._file.closed:
                return
            if stream == "stderr":
                self.stderr_tail.append(text)
            if stream != "runtime" and self.breached.is_set():
                return  # the runtime's own few lines (the outcome) are always kept
            if stream != "runtime" and self.written + size > self.max_bytes:
                self.breached.set()
                note = f"{timestamp()} [runtime] log limit of {self.max_bytes} bytes reached\n"
                self._file.write(note)
                self.written += len(note)
                return
            self._file.write(record)
            self.written += size
        if self.on_log is not None:
            try:
                self.on_log(stream, text)
            except Exception:  # noqa: BLE001 - a caller's display bug must not kill the run
                logger.exception("on_log callback failed")

    def close(self) -> None:
        with self._lock:
            if not self._file.closed:
                self._file.close()


class LineSplitter:
    """Turns the chunks of one stream into lines for ``writer``, never holding more than a line."""

    def __init__(self, writer: LogWriter, stream: str) -> None:
        self.writer = writer
        self.stream = stream
        self.pending = b""

    def feed(self, chunk: bytes) -> None:
        self.pending += chunk
        *lines, self.pending = self.pending.split(b"\n")
        while len(self.pending) > MAX_LINE_BYTES:
            lines.append(self.pending[:MAX_LINE_BYTES])
            self.pending = self.pending[MAX_LINE_BYTES:]
        for raw in lines:
            for start in range(0, max(len(raw), 1), MAX_LINE_BYTES):
                self._emit(raw[start : start + MAX_LINE_BYTES])

    def close(self) -> None:
        if self.pending:
            self._emit(self.pending)
            self.pending = b""

    def _emit(self, raw: bytes) -> None:
        self.writer.line(self.stream, raw.decode("utf-8", "replace").rstrip("\r"))
