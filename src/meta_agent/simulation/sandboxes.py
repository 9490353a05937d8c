"""Where a script-driven batch runs: forking sandboxes side by side, or the executor one by one.

With bwrap, ``workers`` forking sandboxes (``runtime.forkserver``) each import the tool library
once and then run scenarios, one fresh child each, taking the next scenario as they finish one;
results come back in the scenarios' order whatever the interleaving. Docker and the process
sandbox cannot fork inside a warm sandbox here, so they run the scenarios one by one through the
ordinary executor, each a cold sandbox.
"""

from __future__ import annotations

import contextlib
import queue
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from meta_agent.config import Settings
    from meta_agent.runtime.backend import RunResult, RunSpec
    from meta_agent.runtime.forkserver import ForkServer

BatchRun = Callable[[Sequence["RunSpec"]], list["RunResult"]]


@contextlib.contextmanager
def sandboxes(settings: Settings, folder: Path, workers: int = 1) -> Iterator[BatchRun]:
    """A function running specs (in order, ``workers`` at a time); sandboxes gone on exit."""
    from meta_agent.runtime.executor import Executor, select_backend

    if workers < 1:
        raise ValueError("workers must be at least 1")
    if select_backend(settings.sandbox) != "bwrap":
        with Executor.from_settings(settings) as executor:
            yield lambda specs: [executor.run(spec) for spec in specs]
        return
    servers: list[ForkServer] = []
    try:
        yield lambda specs: _forked(settings, folder, workers, specs, servers)
    finally:
        for server in servers:
            server.close()


def _forked(
    settings: Settings,
    folder: Path,
    workers: int,
    specs: Sequence[RunSpec],
    servers: list[ForkServer],
) -> list[RunResult]:
    """Each spec in a forked child of one of ``workers`` sandboxes; results in spec order."""
    from meta_agent.runtime.backend import Limits
    from meta_agent.runtime.forkserver import ForkServer
    from meta_agent.runtime.pool import preload_for

    if not specs:
        return []
    limits = Limits.from_settings(settings)
    # What the sandboxes import once: what the script imports (matplotlib only if it draws).
    scripts = {spec.script for spec in specs}
    preload = preload_for(specs[0].script.read_text()) if len(scripts) == 1 else "full"
    root = folder / ".sandboxes"
    root.mkdir(parents=True, exist_ok=True)
    free: queue.SimpleQueue[ForkServer] = queue.SimpleQueue()
    for _ in range(min(workers, len(specs))):
        server = ForkServer(
            limits, database_url=settings.resolved_database_url, root=root, preload=preload
        )
        servers.append(server)
        free.put(server)

    def one(spec: RunSpec) -> RunResult:
        # A sandbox is started by the first worker thread that takes it, and bwrap dies with
        # the thread that started it: the threads live until every spec has run.
        server = free.get()
        try:
            return server.run(spec)
        finally:
            free.put(server)

    if len(servers) == 1:
        return [one(spec) for spec in specs]
    with ThreadPoolExecutor(max_workers=len(servers), thread_name_prefix="scenario") as pool:
        return list(pool.map(one, specs))
