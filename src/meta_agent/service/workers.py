"""Where approved runs execute: in the background, never in a request handler.

``Workers`` is the interface; ``ThreadWorkers`` runs jobs on a pool of threads in the server's
own process (no Celery here: a queue in another process is a second implementation of the same
interface). The sandbox does the isolating, so a thread per running script is enough: the
thread only supervises its sandbox. Queued runs are in the run history, not only in this queue,
so a restarted server queues them again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

logger = logging.getLogger(__name__)

Job = Callable[[], None]


class Workers(Protocol):
    """Runs jobs in the background, one per run."""

    def submit(self, run_id: str, job: Job) -> None: ...

    def depth(self) -> int:
        """Jobs submitted and not yet finished (queued or running)."""
        ...

    def shutdown(self, wait: bool = True) -> None: ...


class ThreadWorkers:
    """A fixed pool of worker threads in this process."""

    def __init__(self, size: int = 2) -> None:
        if size < 1:
            raise ValueError("a worker pool needs at least one thread")
        self._pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="meta-agent-run")
        self._pending: set[str] = set()
        self._lock = threading.Lock()

    def submit(self, run_id: str, job: Job) -> None:
        with self._lock:
            if run_id in self._pending:
                return  # already on its way: never run twice
            self._pending.add(run_id)
        self._pool.submit(self._run, run_id, job)

    def _run(self, run_id: str, job: Job) -> None:
        try:
            job()
        except BaseException:  # noqa: BLE001 - a worker thread must survive any one run
            logger.exception("run job failed", extra={"run_id": run_id})
        finally:
            with self._lock:
                self._pending.discard(run_id)

    def depth(self) -> int:
        with self._lock:
            return len(self._pending)

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=True)
