"""The one entry point callers use: pick a sandbox backend, optionally keep a warm pool, run.

``Executor(backend="auto")`` takes bwrap when it works here (the system's or the bundled one,
bwrap_locate.py), then a reachable Docker engine, and otherwise refuses with SandboxUnavailable:
it never falls back to the weak process backend, which runs only when named (and warns in every
RunResult). The choice, the bwrap binary and the limits are recorded in every RunResult.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from meta_agent.errors import ExecutionError, SandboxUnavailable
from meta_agent.logs import lazy_logger
from meta_agent.runtime.backend import Limits, RunResult, RunSpec, SandboxBackend

if TYPE_CHECKING:
    from meta_agent.runtime.pool import Preload

logger = lazy_logger(__name__)  # logging is imported on the first record

AUTO_ORDER = ("bwrap", "docker")  # sandboxes that isolate; "process" only when named
# A pool member still importing is worth waiting for up to about one cold import of pandas;
# past that a cold sandbox is no slower.
POOL_WAIT_SECONDS = 1.0


def _bwrap() -> SandboxBackend:
    from meta_agent.runtime.bwrap import BwrapBackend

    return BwrapBackend()


def _docker() -> SandboxBackend:
    from meta_agent.runtime.docker import DockerBackend

    return DockerBackend()


def _process() -> SandboxBackend:
    from meta_agent.runtime.process import ProcessBackend

    return ProcessBackend()


def _bwrap_problem() -> str | None:
    from meta_agent.runtime.bwrap import bwrap_problem

    return bwrap_problem()


def _docker_problem() -> str | None:
    from meta_agent.runtime.docker import docker_problem

    return docker_problem()


# name -> (factory, why it cannot run here or None)
BACKENDS: dict[str, tuple[Callable[[], SandboxBackend], Callable[[], str | None]]] = {
    "bwrap": (_bwrap, _bwrap_problem),
    "docker": (_docker, _docker_problem),
    "process": (_process, lambda: None),
}


def backend_problems() -> dict[str, str | None]:
    """For each backend, why it cannot be used on this machine (None: it can)."""
    return {name: problem() for name, (_, problem) in BACKENDS.items()}


def select_backend(name: str = "auto") -> str:
    """The backend that ``name`` runs on here, or SandboxUnavailable saying why and what to do."""
    if name != "auto" and name not in BACKENDS:
        raise ValueError(f"Unknown sandbox backend {name!r}; choose auto, {', '.join(BACKENDS)}.")
    problems: dict[str, str] = {}
    for candidate in AUTO_ORDER if name == "auto" else (name,):
        reason = BACKENDS[candidate][1]()
        if reason is None:
            return candidate
        problems[candidate] = reason
        logger.info("sandbox backend skipped", extra={"backend": candidate, "reason": reason})
    raise SandboxUnavailable(unavailable_message(name, problems))


def unavailable_message(name: str, problems: dict[str, str]) -> str:
    """Why no sandbox could start, and the ways out that fit the reason."""
    from meta_agent.runtime.bwrap_locate import candidates

    why = "; ".join(f"{backend}: {reason}" for backend, reason in problems.items())
    asked = (
        "No sandbox that isolates scripts can start here"
        if name == "auto"
        else f"The {name} sandbox cannot run here"
    )
    weak = "or accept weak isolation by naming it: --sandbox process (META_AGENT_SANDBOX=process)"
    if name == "docker":
        fixes = "start a Docker engine (or set DOCKER_HOST), or choose another --sandbox"
    elif candidates():  # a bwrap is here, but the kernel or a container forbids its namespaces
        fixes = (
            "allow unprivileged user namespaces (sysctl -w kernel.unprivileged_userns_clone=1; "
            "on Ubuntu also kernel.apparmor_restrict_unprivileged_userns=0; in a container, a "
            f"seccomp profile that allows mount and unshare), {weak}"
        )
    else:
        fixes = (
            "install bubblewrap (apt-get install bubblewrap; on Linux x86_64 and aarch64 "
            "`pip install meta-agent` brings one too), and where user namespaces are forbidden "
            f"allow them (sysctl -w kernel.unprivileged_userns_clone=1), {weak}"
        )
    return f"{asked}, so the script was not run ({why}). To fix it: {fixes}."


def choose_backend(name: str = "auto") -> SandboxBackend:
    """The backend called ``name``, or the first usable one for "auto" (never "process")."""
    return BACKENDS[select_backend(name)][0]()


def sandbox_report(name: str = "auto") -> list[tuple[str, str]]:
    """(what, value) lines about the sandbox ``name`` would give here, for ``meta-agent config``."""
    from meta_agent.runtime.bwrap_locate import find_bwrap

    try:
        chosen = select_backend(name)
    except (SandboxUnavailable, ValueError) as exc:
        shown = f"none: scripts are refused. {exc}"
    else:
        shown = chosen
        if chosen == "process":
            shown += " (weak isolation: it can read and write your files; named explicitly)"
    search = find_bwrap()
    if search.found is not None:
        binary = search.found.describe()
        if search.problems:
            binary += f"; skipped: {'; '.join(search.problems)}"
    else:
        binary = f"none: {search.problem}"
    return [("sandbox in force", shown), ("bwrap binary", binary)]


class Executor:
    """Runs scripts in the chosen sandbox under fixed limits; close it (or use ``with``) when done.

    Args:
        backend: "auto", "bwrap", "docker", "process", or a backend object (e.g. FakeBackend).
        limits: the limits of every run (default: ``Limits()``).
        pool_size: warm bwrap sandboxes kept ready (0: none); only runs on ``database_url``
            use them, others start cold.
        database_url: the database the warm pool's members mount.
        pool_dir: where members' staging folders live (best on the runs folder's filesystem).
        prewarm_only: the pool is started just ahead of the runs about to be submitted and is
            not refilled; a run waits for its member rather than starting a second, cold
            sandbox that would compete with it for the same cores.
        preload: what pool members import before their script arrives (see ``WarmPool``).
    """

    def __init__(
        self,
        backend: str | SandboxBackend = "auto",
        limits: Limits | None = None,
        *,
        pool_size: int = 0,
        database_url: str | None = None,
        pool_dir: Path | None = None,
        prewarm_only: bool = False,
        preload: Preload | None = None,
    ) -> None:
        self.limits = limits or Limits()
        self.backend = choose_backend(backend) if isinstance(backend, str) else backend
        prepare = getattr(self.backend, "prepare", None)
        pooled = pool_size > 0 and self.backend.name == "bwrap"
        if callable(prepare) and not (prewarm_only and pooled):
            # e.g. bwrap pre-starts a launcher for the first run; not when a warm member
            # started for that run already: the launcher would only compete with it for CPU.
            prepare(self.limits)
        self._pool: Any = None
        if pool_size > 0:
            if self.backend.name != "bwrap":
                # Asked for by a caller that keeps a pool, a warning; by one that only wanted a
                # head start for its next run (prewarm_only), nothing worth telling anyone.
                import logging

                logger.log(
                    logging.DEBUG if prewarm_only else logging.WARNING,
                    "warm pool needs bwrap; runs start cold",
                    extra={"backend": self.backend.name},
                )
            else:
                from meta_agent.runtime.pool import WarmPool

                python = getattr(self.backend, "python", None)
                self._pool = WarmPool(
                    pool_size,
                    self.limits,
                    database_url=database_url,
                    python=python,
                    root=pool_dir,
                    refill=not prewarm_only,
                    preload=preload,
                )
                if prewarm_only:
                    # Started by the spawner thread, the sandbox would wait for the GIL while
                    # the caller plans or validates: returning after it started is sooner.
                    self._pool.wait_started()
        self._pool_wait = self.limits.timeout_seconds if prewarm_only else POOL_WAIT_SECONDS

    @classmethod
    def from_settings(cls, settings: Any, **options: Any) -> Executor:
        """An executor with the backend and limits of a ``config.Settings``."""
        return cls(settings.sandbox, Limits.from_settings(settings), **options)

    @property
    def backend_name(self) -> str:
        return self.backend.name

    @property
    def pool(self) -> Any:
        """The warm pool (a ``WarmPool``), or None."""
        return self._pool

    @property
    def sandbox_info(self) -> dict[str, Any]:
        """What isolates the runs, for the manifest: the backend and, for bwrap, its binary."""
        describe = getattr(self.backend, "describe", None)
        info = describe() if callable(describe) else None
        return dict(info) if isinstance(info, dict) else {"backend": self.backend.name}

    def run(self, spec: RunSpec) -> RunResult:
        """Run one script; problems of the run come back as a status, never as an exception."""
        result = self._run(spec)
        if not result.sandbox:
            result.sandbox = self.sandbox_info
        return result

    def _run(self, spec: RunSpec) -> RunResult:
        from meta_agent.runtime.supervise import RunContext  # supervision: after the start

        submitted = time.monotonic()
        if self._pool is not None and self._pool.accepts(spec):
            member = self._pool.acquire(self._pool_wait)
            if member is not None:
                context = RunContext.open(spec, self.limits, self._pool.name)
                context.started = submitted
                with context.guard():
                    return self._pool.run(spec, member, context)  # type: ignore[no-any-return]
        try:
            return self.backend.run(spec, self.limits)
        except ExecutionError as exc:
            return RunContext.open(spec, self.limits, self.backend.name).error_result(str(exc))

    def close(self) -> None:
        """Tear down the warm pool and any launcher the backend keeps ready."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        close = getattr(self.backend, "close", None)
        if callable(close):
            close()

    def __enter__(self) -> Executor:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
