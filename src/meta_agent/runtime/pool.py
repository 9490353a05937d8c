"""A warm pool: bwrap sandboxes started ahead of time with the data stack already imported.

Importing pandas costs ~0.7 s; a sandbox ~5 ms. Each member is a full bwrap sandbox (same
namespaces, mounts and limits as a cold run) running ``warm.py``, with its own fresh, empty
staging folder bound as results/ (members never see each other's folders). A member serves
exactly one run: the script arrives on its stdin, it runs, the sandbox is torn down and the
staging folder is checked and moved into the run's results/. Nothing survives into the next run.
Members are refilled in the background; the timeout counts from submission.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from meta_agent.errors import ExecutionError
from meta_agent.logs import lazy_logger
from meta_agent.runtime.backend import Limits, RunResult, RunSpec
from meta_agent.runtime.cgroup import Cgroup
from meta_agent.runtime.channel import SANDBOX_BROKER_SOCKET, Channel
from meta_agent.runtime.environment import (
    BROKER_VAR,
    PASSWORD_WARNING,
    RESERVED,
    SANDBOX_RESULTS,
    Bind,
    database_access,
    sandbox_environment,
)
from meta_agent.runtime.mounts import interpreter_binds, project_python
from meta_agent.runtime.rlimits import WARM_IMPORT_CPU_SECONDS, child_setup
from meta_agent.runtime.sandbox_args import SANDBOX_SCRIPT, sandbox_argv, seccomp_pipe
from meta_agent.runtime.warm import header

if TYPE_CHECKING:
    from meta_agent.runtime.supervise import RunContext

logger = lazy_logger(__name__)  # logging is imported on the first record

Preload = Literal["full", "light", "bare"]
# What makes a member worth warming before its script arrives (top-level packages), and what
# makes it worth importing matplotlib too (modules).
DATA_STACK = {"numpy", "pandas", "sqlalchemy", "meta_agent"}
CHART_MODULES = {
    "matplotlib",
    "meta_agent.tool_library.chart_tools",
    "meta_agent.tool_library.report_tools",
}

WARM_SCRIPT = str(Path(__file__).with_name("warm.py"))
READY_TIMEOUT_SECONDS = 60.0  # a member not ready by then is broken: killed and replaced
WARM_NICE = 10  # CFS weight ~1/10 of a normal task while importing
WARM_CONCURRENCY = max(1, (os.cpu_count() or 2) // 2)
# Consecutive members failing to start before the pool stops trying (runs then go cold).
MAX_START_FAILURES = 3


@dataclass
class Member:
    """One waiting sandbox and what belongs to it alone."""

    proc: subprocess.Popen[bytes]
    staging: Path
    cgroup: Cgroup | None
    channel: Channel  # its broker socket's folder, bound in from the start, unused until a run
    # Bound read-only at the sandbox's script path, empty until the run writes its script there
    # (tracebacks and warnings read the script's lines from it, as in a cold sandbox).
    script: Path | None = None
    ready: threading.Event = field(default_factory=threading.Event)
    settled: threading.Event = field(default_factory=threading.Event)  # ready, or dead
    failed: bool = False

    def discard(self) -> None:
        """Kill and forget the member (idempotent)."""
        self.kill()
        self.tidy()

    def kill(self) -> None:
        """Kill every process of the member and reap it: nothing of it runs any more."""
        if self.proc.returncode is None:  # once reaped, its pid may belong to someone else
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        if self.cgroup is not None:
            self.cgroup.kill_all()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()

    def tidy(self) -> None:
        """Remove its cgroup and folders (idempotent). The folders were bind-mount sources, so
        each removal waits for the kernel to drop the dead sandbox's mounts, ~2-4 ms apiece."""
        if self.cgroup is not None:
            self.cgroup.remove()
        shutil.rmtree(self.staging.parent, ignore_errors=True)
        self.channel.remove()


class WarmPool:
    """Keeps ``size`` ready sandboxes for one database; ``run`` uses one per script."""

    name = "bwrap-pool"

    def __init__(
        self,
        size: int,
        limits: Limits,
        *,
        database_url: str | None = None,
        python: str | None = None,
        root: Path | None = None,
        use_cgroup: bool = True,
        refill: bool = True,
        preload: Preload | None = None,
    ) -> None:
        """Args:
        refill: start a new member whenever one is taken (a long-lived pool). False: the
            members started now are all there will be, warmed at normal priority, for a caller
            that starts the pool just ahead of one run it is about to submit.
        preload: what members import before their script arrives (warm.py): "full", "light"
            (no charts) or "bare" (nothing). Default: full when refilled, else light.
        """
        if size < 1:
            raise ValueError("A warm pool needs size >= 1.")
        self.size = size
        self.refill = refill
        self.preload: Preload = preload or ("full" if refill else "light")
        self.limits = limits
        self.database_url = database_url
        self.python = python or project_python()
        self.use_cgroup = use_cgroup
        self.root = Path(tempfile.mkdtemp(prefix="meta-agent-pool-", dir=root))
        self._database = database_access(database_url)
        self._members: list[Member] = []
        self._lock = threading.Condition()
        self._closed = False
        self._failures = 0
        self._pending = 0
        self._started_once = False
        self._tidying: list[threading.Thread] = []  # spent members' folders being removed
        # bwrap's --die-with-parent is tied to the *thread* that started it, so every member is
        # started by this one thread, which lives as long as the pool.
        self._requests: queue.SimpleQueue[bool] = queue.SimpleQueue()
        self._spawner = threading.Thread(
            target=self._spawn_loop, name="meta-agent-pool", daemon=True
        )
        self._spawner.start()
        self._refill()

    # -- filling ------------------------------------------------------------------------------
    def _spawn_loop(self) -> None:
        warming: list[Member] = []
        while self._requests.get():
            if self._closed:
                continue
            # At most WARM_CONCURRENCY imports at a time: a burst of refills must not starve
            # the runs in progress (each import is a second of CPU).
            warming = [m for m in warming if not m.settled.is_set()]
            while len(warming) >= WARM_CONCURRENCY and not self._closed:
                if not warming[0].settled.wait(READY_TIMEOUT_SECONDS):
                    warming[0].discard()  # stuck importing: its ready pipe now ends, it is dropped
                    warming[0].settled.wait(READY_TIMEOUT_SECONDS)
                warming = [m for m in warming if not m.settled.is_set()]
            try:
                warming.append(self._spawn())
            except OSError:
                logger.exception("warm pool could not start a member")
                with self._lock:
                    self._pending -= 1
                    self._failures += 1
                    self._lock.notify_all()

    def _spawn(self) -> Member:
        home = self.root / os.urandom(6).hex()
        staging = home / "results"
        staging.mkdir(parents=True)
        script = home / "script.py"
        script.write_bytes(b"")
        interpreter, symlinks = interpreter_binds(self.python)
        channel = Channel()
        binds = [
            *interpreter,
            Bind(script, SANDBOX_SCRIPT),
            Bind(staging, SANDBOX_RESULTS, writable=True),
            *self._database.binds,
            channel.bind(),
        ]
        env = sandbox_environment(
            results_dir=SANDBOX_RESULTS,
            tmp_dir="/tmp",
            database_url=self._database.url,
            variables={},
        )
        cgroup = (
            Cgroup.create(self.limits.memory_bytes, self.limits.max_processes)
            if self.use_cgroup
            else None
        )
        ready_read, ready_write = os.pipe()
        filter_fd = seccomp_pipe()
        argv = sandbox_argv(
            binds,
            symlinks,
            [self.python, "-I", "-u", WARM_SCRIPT, str(ready_write), self.preload],
            tmp_bytes=self.limits.total_output_bytes,
            seccomp_fd=filter_fd,
        )
        passed = (ready_write,) if filter_fd is None else (ready_write, filter_fd)
        setup = child_setup(
            self.limits,
            memory_by_cgroup=cgroup is not None,
            cgroup_procs=cgroup.procs_files() if cgroup else (),
            extra_cpu_seconds=WARM_IMPORT_CPU_SECONDS,
        )
        try:
            prefix = setup.command_prefix()
            # Warming up runs at low priority, so it does not slow the runs in progress; the
            # member gets normal priority back when it is given a script.
            command = [*prefix, *argv] if prefix else argv
            nice = shutil.which("nice") if self.refill else None
            proc = subprocess.Popen(
                [nice, "-n", str(WARM_NICE), *command] if nice else command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                cwd="/",
                start_new_session=True,
                preexec_fn=None if prefix else setup,
                pass_fds=passed,
            )
        except OSError:
            os.close(ready_read)
            if cgroup is not None:
                cgroup.remove()
            shutil.rmtree(home, ignore_errors=True)
            channel.remove()
            raise
        finally:
            for fd in passed:
                os.close(fd)
        member = Member(proc, staging, cgroup, channel, script)
        with self._lock:
            self._pending -= 1
            late = self._closed
            if not late:
                self._members.append(member)
            self._lock.notify_all()  # wait_started()
        if late:
            member.discard()
        threading.Thread(
            target=self._await_ready, args=(member, ready_read), name="meta-agent-pool", daemon=True
        ).start()
        if self.preload != "bare":
            # A data-stack script runs long enough to be sampled: psutil is loaded now, while
            # the member imports, rather than in the middle of the run.
            import psutil  # noqa: F401

        return member

    def _await_ready(self, member: Member, fd: int) -> None:
        ready = False
        with contextlib.suppress(OSError):
            ready = os.read(fd, 1) == b"R"  # EOF (b"") means the member died while importing
        os.close(fd)
        with self._lock:
            if ready:
                self._failures = 0
                member.ready.set()
            else:
                member.failed = True
                self._failures += 1
                if member in self._members:
                    self._members.remove(member)
            self._lock.notify_all()
        member.settled.set()
        if not ready:
            if not self._closed:
                logger.warning("warm pool member failed to start", extra={"pid": member.proc.pid})
            member.discard()
            self._refill()

    def _refill(self) -> None:
        """Ask the spawner thread for the members missing (counting those already asked for)."""
        with self._lock:
            if self._closed or self._failures >= MAX_START_FAILURES:
                return
            if not self.refill and (self._members or self._pending or self._started_once):
                return
            self._started_once = True
            wanted = self.size - len(self._members) - self._pending
            self._pending += max(wanted, 0)
        for _ in range(wanted):
            self._requests.put(True)

    # -- using --------------------------------------------------------------------------------
    def accepts(self, spec: RunSpec) -> bool:
        """Whether this pool can run ``spec`` (same database; a network run gets its broker)."""
        return spec.database_url == self.database_url

    def acquire(self, timeout: float) -> Member | None:
        """A ready member, waiting up to ``timeout`` for one still importing; None if none."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not self._closed:
                for member in list(self._members):
                    if not member.ready.is_set():
                        continue
                    self._members.remove(member)
                    self._refill()  # the condition's lock is reentrant
                    if member.proc.poll() is None:  # a dead member is reaped, never killed
                        if self.refill:
                            _renice(member)  # only refilled members warm up under nice
                        return member
                    member.discard()  # died while waiting
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (not self._members and not self._pending):
                    return None
                self._lock.wait(remaining)
        return None

    def wait_started(self, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        """Block until every member asked for so far is started (still importing, maybe)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._pending and not self._closed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._lock.wait(remaining)

    def wait_ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> bool:
        """Block until every member is ready (for benchmarks and tests)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                if len(self._members) >= self.size and all(m.ready.is_set() for m in self._members):
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed or self._failures >= MAX_START_FAILURES:
                    return False
                self._lock.wait(min(remaining, 0.05))

    def run(self, spec: RunSpec, member: Member, context: RunContext) -> RunResult:
        """Run ``spec`` in ``member`` (acquired by the caller); the member is spent afterwards."""
        from meta_agent.runtime.monitor import Monitor
        from meta_agent.runtime.supervise import finish, watch

        limits = self.limits
        try:
            try:
                source = spec.script.read_bytes()
                if member.script is not None:
                    member.script.write_bytes(source)
            except OSError as exc:
                return context.error_result(f"The script {spec.script} cannot be read: {exc}.")
            clash = RESERVED.intersection(spec.variables)
            if clash:
                raise ValueError(f"Variables may not replace runtime variables: {sorted(clash)}.")
            env = {**spec.variables}
            try:
                self._database.refuse_network("bwrap sandbox")  # as a cold one says
            except ExecutionError as exc:
                return context.error_result(str(exc))
            if self._database.password_removed:
                context.warn(PASSWORD_WARNING)
            try:
                broker = context.open_broker(member.channel)
            except OSError as exc:
                return context.error_result(f"The run's network broker could not start: {exc}")
            if broker is not None:
                env[BROKER_VAR] = SANDBOX_BROKER_SOCKET
                broker.serve(peer_root=member.proc.pid)
            request = header(
                {
                    "env": {str(name): str(value) for name, value in env.items()},
                    "cpu_seconds": int(limits.cpu_seconds),
                    "filename": SANDBOX_SCRIPT,
                }
            )
            monitor = Monitor(limits, member.proc.pid, member.staging, member.cgroup)
            monitor.cpu_baseline = monitor.cpu_so_far()  # the imports are not the script's
            monitor.totals.cpu_seconds = 0.0
            stdin = member.proc.stdin
            if stdin is not None:  # always: members are started with stdin=PIPE
                with contextlib.suppress(OSError):  # a dead member: watch() reports how
                    stdin.write(request + source)
                    stdin.close()
            watched = watch(context, member.proc, monitor, member.cgroup)
            result = finish(
                context, watched, exit_code_carries_signal=True, results_dir=member.staging
            )
            deliver(member.staging, spec.results_dir)
            return result
        finally:
            # Killed now; its folders are removed while the caller records the run (close()
            # waits for that), rather than before the caller sees the result.
            member.kill()
            self._tidy_later(member)

    def _tidy_later(self, member: Member) -> None:
        tidying = threading.Thread(target=member.tidy, name="meta-agent-pool-tidy", daemon=True)
        with self._lock:
            self._tidying = [t for t in self._tidying if t.is_alive()]
            self._tidying.append(tidying)
        tidying.start()

    def close(self) -> None:
        """Stop refilling and tear down every waiting member."""
        with self._lock:
            self._closed = True
            members, self._members = self._members, []
            self._lock.notify_all()
        self._requests.put(False)
        for member in members:
            member.discard()  # also wakes the spawner if it waits on a warming member
        self._spawner.join(5)
        with self._lock:
            tidying, self._tidying = self._tidying, []
        for thread in tidying:
            thread.join()
        shutil.rmtree(self.root, ignore_errors=True)


def _renice(member: Member) -> None:
    """Back to normal priority for the run (only root may raise priority; others keep nice)."""
    import psutil

    pids = member.cgroup.pids() if member.cgroup else {member.proc.pid}
    for pid in pids:
        with contextlib.suppress(psutil.Error, OSError):
            psutil.Process(pid).nice(0)


def preload_for(source: str) -> Preload:
    """What a member started for this one script should import: what the script imports.

    A single-use member (refill off) is started just ahead of its run, so it imports only what
    its script will: matplotlib (~0.3 s) only for a script that draws, nothing at all for one
    that uses none of the data stack (it then only has the sandbox and Python started early).
    """
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return "bare"
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.add(node.module)
    if any(name.split(".")[0] == "matplotlib" or name in CHART_MODULES for name in modules):
        return "full"
    return "light" if {name.split(".")[0] for name in modules} & DATA_STACK else "bare"


def deliver(staging: Path, results: Path) -> None:
    """Move checked results (regular files and folders only, by then) into the run's results/."""
    results.mkdir(parents=True, exist_ok=True)
    for entry in sorted(os.listdir(staging)):
        source, target = staging / entry, results / entry
        if target.exists() or target.is_symlink():
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            else:
                target.unlink()
        try:
            os.rename(source, target)
        except OSError:
            if source.is_dir():
                shutil.copytree(source, target, symlinks=True)
            else:
                shutil.copyfile(source, target, follow_symlinks=False)
