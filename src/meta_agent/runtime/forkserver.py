"""A forking sandbox: many runs of one kind of script for the price of one import of the stack.

A warm-pool member serves one run and is torn down, so a batch of runs pays a sandbox start and
an import of pandas (~0.7 s of CPU) per run. A ``ForkServer`` is one bwrap sandbox, built like a
pool member (same namespaces, mounts, seccomp filter, cgroup and rlimits), whose init process
imports the data stack once and then forks a fresh child for each run (``forkserve.py``): a run
costs a fork plus the script's own work. Runs go one at a time. Each gets its own variables, an
empty results/ (moved into the run's folder before the next run starts), its own log, and a
cold run's limits, enforced per run from inside: wall time, memory (proportional size, shared
pages once), tasks and forks the cgroup refused, CPU of the run's tree, log and results size;
file size and per-process CPU by rlimits. After each run every process of the run is killed and
its /tmp files removed. A run cannot kill the init; a sandbox that dies anyway fails its run
alone, and the next run gets a new sandbox (as it does every ``MAX_RUNS_PER_SANDBOX`` runs).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
from pathlib import Path

from meta_agent.errors import ExecutionError
from meta_agent.runtime.backend import Limits, RunResult, RunSpec
from meta_agent.runtime.cgroup import Cgroup
from meta_agent.runtime.environment import (
    PASSWORD_WARNING,
    RESERVED,
    SANDBOX_RESULTS,
    Bind,
    database_access,
    sandbox_environment,
)
from meta_agent.runtime.logstream import READ_CHUNK_BYTES, LineSplitter
from meta_agent.runtime.mounts import interpreter_binds, project_python
from meta_agent.runtime.pool import READY_TIMEOUT_SECONDS, Preload, deliver
from meta_agent.runtime.rlimits import WARM_IMPORT_CPU_SECONDS, child_setup
from meta_agent.runtime.sandbox_args import SANDBOX_SCRIPT, sandbox_argv, seccomp_pipe
from meta_agent.runtime.supervise import LIMIT_MESSAGES, RunContext, Watched, finish

logger = logging.getLogger(__name__)

SERVE_SCRIPT = str(Path(__file__).with_name("forkserve.py"))
# Where a run's stdout and stderr files are written: away from /sandbox, where a cold run's
# folder has nothing but results/.
SANDBOX_LOGS = "/run/meta-agent/output"
# The sandbox cgroup's pids.events, read-only: a fork the cgroup refused is a process_limit.
SANDBOX_PIDS_EVENTS = "/run/meta-agent/pids.events"
# How long past its own timeout a run's answer may take before the sandbox counts as hung.
ANSWER_GRACE_SECONDS = 10.0
# Runs before the sandbox is replaced by a fresh one: its own CPU (forks, sampling; a few ms a
# run) stays far below the import allowance of its CPU limit (rlimits.WARM_IMPORT_CPU_SECONDS).
MAX_RUNS_PER_SANDBOX = 1000


class ForkServer:
    """One sandbox that runs scripts one after another, each in a fresh forked child.

    Args:
        preload: what the sandbox imports once, before the first run (``pool.Preload``).
    """

    name = "bwrap-fork"

    def __init__(
        self,
        limits: Limits,
        *,
        database_url: str | None = None,
        python: str | None = None,
        root: Path | None = None,
        use_cgroup: bool = True,
        preload: Preload = "light",
    ) -> None:
        self.limits = limits
        self.database_url = database_url
        self.python = python or project_python()
        self.use_cgroup = use_cgroup
        self.preload = preload
        self.root = Path(tempfile.mkdtemp(prefix="meta-agent-fork-", dir=root))
        self._database = database_access(database_url)
        self._proc: subprocess.Popen[bytes] | None = None
        self._cgroup: Cgroup | None = None
        self._lock = threading.Lock()
        self.starts = 0  # sandboxes started so far (a run that kills one costs a restart)
        self._served = 0  # runs of the sandbox in use
        self._pids_events: str | None = None

    @property
    def staging(self) -> Path:
        return self.root / "results"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def accepts(self, spec: RunSpec) -> bool:
        """Whether this sandbox can run ``spec``: same database, and no network for its tools."""
        return (
            spec.database_url == self.database_url
            and not spec.allowed_hosts
            and not spec.credentials
        )

    def start(self) -> None:
        """Start the sandbox and wait until it has imported the stack (ExecutionError if not)."""
        for folder in (self.staging, self.logs):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
        interpreter, symlinks = interpreter_binds(self.python)
        binds = [
            *interpreter,
            Bind(self.staging, SANDBOX_RESULTS, writable=True),
            Bind(self.logs, SANDBOX_LOGS, writable=True),
            *self._database.binds,
        ]
        env = sandbox_environment(
            results_dir=SANDBOX_RESULTS, tmp_dir="/tmp", database_url=self._database.url,
            variables={},
        )  # fmt: skip
        limits = self.limits
        cgroup = (
            Cgroup.create(limits.memory_bytes, limits.max_processes) if self.use_cgroup else None
        )
        events = _pids_events(cgroup)
        if events is not None:
            binds.append(Bind(events, SANDBOX_PIDS_EVENTS))
        self._pids_events = SANDBOX_PIDS_EVENTS if events is not None else None
        ready_read, ready_write = os.pipe()
        filter_fd = seccomp_pipe()
        bwrap, *options = sandbox_argv(
            binds,
            symlinks,
            [self.python, "-I", "-u", SERVE_SCRIPT, str(ready_write), self.preload],
            tmp_bytes=limits.total_output_bytes,
            seccomp_fd=filter_fd,
        )
        argv = [bwrap, "--as-pid-1", *options]  # the server is the init: runs cannot kill it
        passed = (ready_write,) if filter_fd is None else (ready_write, filter_fd)
        setup = child_setup(
            limits,
            memory_by_cgroup=cgroup is not None,
            cgroup_procs=cgroup.procs_files() if cgroup else (),
            extra_cpu_seconds=WARM_IMPORT_CPU_SECONDS,
        )
        prefix = setup.command_prefix()
        # The sandbox's own complaints (never a run's output) go to a file kept for debugging.
        serve_log = (self.root / "sandbox.log").open("ab")
        try:
            proc = subprocess.Popen(
                [*prefix, *argv] if prefix else argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=serve_log,
                env=env,
                cwd="/",
                start_new_session=True,
                preexec_fn=None if prefix else setup,
                pass_fds=passed,
            )
        except OSError as exc:
            os.close(ready_read)
            if cgroup is not None:
                cgroup.remove()
            raise ExecutionError(f"The forking sandbox could not start: {exc}.") from None
        finally:
            serve_log.close()
            for fd in passed:
                os.close(fd)
        self._proc, self._cgroup = proc, cgroup
        self.starts += 1
        self._served = 0
        try:
            ready, _, _ = select.select([ready_read], [], [], READY_TIMEOUT_SECONDS)
            said = os.read(ready_read, 1) if ready else b""
        finally:
            os.close(ready_read)
        if said != b"R":
            self._stop()
            raise ExecutionError(
                "The forking sandbox did not start (it failed while importing the tool library)."
            )

    def run(self, spec: RunSpec) -> RunResult:
        """Run ``spec`` in a fresh child; problems of the run come back as its status."""
        with self._lock:
            context = RunContext.open(spec, self.limits, self.name)
            with context.guard():
                return self._run(spec, context)

    def _run(self, spec: RunSpec, context: RunContext) -> RunResult:
        if not self.accepts(spec):
            return context.error_result(
                "This forking sandbox serves its own database and no network; the run was not "
                "started."
            )
        try:
            source = spec.script.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            return context.error_result(f"The script {spec.script} cannot be read: {exc}.")
        clash = RESERVED.intersection(spec.variables)
        if clash:
            raise ValueError(f"Variables may not replace runtime variables: {sorted(clash)}.")
        try:
            self._database.refuse_network("bwrap sandbox")
            if (
                self._proc is None
                or self._proc.poll() is not None
                or self._served >= MAX_RUNS_PER_SANDBOX
            ):
                self._stop()
                self.start()
        except ExecutionError as exc:
            return context.error_result(str(exc))
        if self._database.password_removed:
            context.warn(PASSWORD_WARNING)
        limits = self.limits
        request = {
            "env": dict(spec.variables),
            "source": source,
            "filename": SANDBOX_SCRIPT,
            "cpu_seconds": int(limits.cpu_seconds),
            "timeout_seconds": limits.timeout_seconds,
            "memory_bytes": limits.memory_bytes,
            "max_processes": limits.max_processes,
            "log_bytes": limits.log_bytes,
            "total_output_bytes": limits.total_output_bytes,
            "results_dir": SANDBOX_RESULTS,
            "logs_dir": SANDBOX_LOGS,
            "pids_events": self._pids_events,
        }
        self._served += 1
        watched = self._ask(request, limits.timeout_seconds + ANSWER_GRACE_SECONDS)
        if watched is None:  # the sandbox died or hung: this run fails, the next gets a new one
            self._stop()
            watched = Watched(None, signal.SIGKILL, 0.0, 0.0, 0.0)  # as if killed by signal 9
            context.warn("the run ended its sandbox; it was killed and replaced")
        self._replay_logs(context)
        if context.writer.breached.is_set() and watched.breach is None:
            watched.breach = "log_limit"
        watched.oom_kills = self._cgroup.usage().oom_kills if self._cgroup else 0
        result = finish(context, watched, exit_code_carries_signal=False, results_dir=self.staging)
        deliver(self.staging, spec.results_dir)
        if watched.oom_kills:  # the cgroup's count only grows: a sandbox per memory breach
            self._stop()
        return result

    def _ask(self, request: dict[str, object], seconds: float) -> Watched | None:
        """Send one request and read how the run ended; None if the sandbox fails to answer."""
        proc = self._proc
        if proc is None or proc.stdin is None or proc.stdout is None:
            return None
        try:
            proc.stdin.write(json.dumps(request).encode() + b"\n")
            proc.stdin.flush()
        except OSError:
            return None
        ready, _, _ = select.select([proc.stdout], [], [], seconds)
        line = proc.stdout.readline() if ready else b""
        try:
            answer = json.loads(line)
            breach = answer["breach"]
            return Watched(
                breach=breach if breach in LIMIT_MESSAGES else None,
                wait_status=int(answer["wait_status"]),
                cpu_seconds=round(float(answer["cpu_seconds"]), 3),
                peak_memory_mb=round(float(answer["peak_memory_mb"]), 1),
                wall_seconds=round(float(answer["wall_seconds"]), 3),
            )
        except (ValueError, TypeError, KeyError):
            return None

    def _replay_logs(self, context: RunContext) -> None:
        """The run's stdout, then its stderr, into its log (redacted, capped), then cleared.

        The files were written by the run: a symlink (to a host file) or a FIFO (that would
        block the read) in their place is not followed or read, and is said in the log.
        """
        for stream in ("stdout", "stderr"):
            splitter = LineSplitter(context.writer, stream)
            try:
                fd = os.open(self.logs / stream, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except FileNotFoundError:
                continue
            except OSError:
                context.writer.line("runtime", f"the run's {stream} is not a file; not read")
                continue
            with os.fdopen(fd, "rb") as handle:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    context.writer.line("runtime", f"the run's {stream} is not a file; not read")
                    continue
                left = self.limits.log_bytes + 1
                while left > 0 and (chunk := handle.read(min(READ_CHUNK_BYTES, left))):
                    splitter.feed(chunk)
                    left -= len(chunk)
            splitter.close()
        for entry in self.logs.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)
            for pipe in (proc.stdin, proc.stdout):
                if pipe is not None:
                    with contextlib.suppress(OSError):
                        pipe.close()
        cgroup, self._cgroup = self._cgroup, None
        if cgroup is not None:
            cgroup.remove()

    def close(self) -> None:
        """Tear the sandbox down and remove its folders."""
        with self._lock:
            self._stop()
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> ForkServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _pids_events(cgroup: Cgroup | None) -> Path | None:
    """The cgroup's pids.events file (v2: beside memory's; v1: the pids controller's)."""
    if cgroup is None:
        return None
    folder = cgroup.dirs["memory"] if cgroup.version == 2 else cgroup.dirs.get("pids")
    path = folder / "pids.events" if folder is not None else None
    return path if path is not None and path.is_file() else None
