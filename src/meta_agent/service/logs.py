"""A run's log as server-sent events, read from ``logs/run.log`` as the runtime writes it.

Reading the file (rather than a queue in memory) means any server, restarted or not, streams
the same log, and a finished run's whole log comes from the same place.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from meta_agent.service.store import UNFINISHED

POLL_SECONDS = 0.2
KEEPALIVE_SECONDS = 15.0  # a comment line now and then keeps proxies from closing a quiet stream
CHUNK_BYTES = 64 * 1024


async def log_events(
    path: Path, status: Callable[[], str | None], poll: float = POLL_SECONDS
) -> AsyncIterator[str]:
    """Each log line as a ``data:`` event, then an ``end`` event with the run's final status."""
    offset = 0
    pending = b""
    quiet = 0.0
    while True:
        # The status is read before the file: a run that ended has its whole log written.
        current = await asyncio.to_thread(status)
        chunk = await asyncio.to_thread(_read_from, path, offset)
        offset += len(chunk)
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            yield _event("log", line.decode("utf-8", "replace"))
        if current not in UNFINISHED and not chunk:
            if pending:
                yield _event("log", pending.decode("utf-8", "replace"))
            yield _event("end", current or "unknown")
            return
        if chunk:
            quiet = 0.0
            continue
        quiet += poll
        if quiet >= KEEPALIVE_SECONDS:
            quiet = 0.0
            yield ": keepalive\n\n"
        await asyncio.sleep(poll)


def _read_from(path: Path, offset: int) -> bytes:
    try:
        with path.open("rb") as log:
            log.seek(offset)
            return log.read(CHUNK_BYTES)
    except FileNotFoundError:
        return b""


def _event(kind: str, data: str) -> str:
    # A line holds no newline; a stray \r would split the event, so it is escaped.
    escaped = data.replace("\r", "\\r")
    return f"event: {kind}\ndata: {escaped}\n\n"
