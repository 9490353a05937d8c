"""The life of one run, shared by every process-based backend: watch, stop, classify, collect.

A backend starts the sandbox process (its own command line, mounts and limits) and hands it to
``watch``; from there every run is supervised the same way, so a status means the same thing
whichever backend produced it.
"""

from __future__ import annotations

import contextlib
import os
import resource
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from meta_agent.runtime.backend import Limits, RunResult, RunSpec, Status
from meta_agent.runtime.cgroup import Cgroup
from meta_agent.runtime.collect import collect
from meta_agent.runtime.logstream import READ_CHUNK_BYTES, LineSplitter, LogWriter
from meta_agent.runtime.monitor import SAMPLE_INTERVAL_SECONDS, TICK_INTERVAL_SECONDS, Monitor
from meta_agent.runtime.redact import Redactor, database_password

if TYPE_CHECKING:
    from meta_agent.runtime.broker import Broker
    from meta_agent.runtime.channel import Channel

# After the kill, how long to wait for the pipes to drain and the process to be reaped.
DRAIN_TIMEOUT_SECONDS = 3.0

LIMIT_MESSAGES: dict[str, str] = {
    "timeout": "ran longer than its {timeout_seconds:g} s wall-clock limit and was stopped",
    "memory_limit": "used more than its {memory_mb} MB memory limit and was stopped",
    "cpu_limit": "used more than its {cpu_seconds} s of CPU time and was stopped",
    "output_limit": (
        "wrote more than its output limits ({max_output_mb:g} MB per file, "
        "{max_total_output_mb:g} MB in all) and was stopped"
    ),
    "log_limit": "logged more than its {max_log_mb:g} MB log limit and was stopped",
    "process_limit": "started more than its {max_processes} processes/threads and was stopped",
}


@dataclass
class RunContext:
    """A run being prepared or supervised: its folders, log and clock."""

    spec: RunSpec
    limits: Limits
    backend: str
    writer: LogWriter
    started: float = field(default_factory=time.monotonic)
    warnings: list[str] = field(default_factory=list)
    broker: Broker | None = None

    @classmethod
    def open(cls, spec: RunSpec, limits: Limits, backend: str) -> RunContext:
        """Create results/ and logs/ and start the log; secrets are known to the log from here on."""
        spec.results_dir.mkdir(parents=True, exist_ok=True)
        spec.logs_dir.mkdir(parents=True, exist_ok=True)
        # No secret enters the sandbox; the log still masks them (defence in depth).
        secrets = [
            *(c.value for c in spec.credentials),
            database_password(spec.database_url) or "",
        ]
        writer = LogWriter(spec.log_path, limits.log_bytes, Redactor(secrets), spec.on_log)
        context = cls(spec, limits, backend, writer)
        writer.line("runtime", f"sandbox {backend}; limits: {limits.describe()}")
        return context

    def open_broker(self, channel: Channel | None = None) -> Broker | None:
        """The run's network broker, listening (None when the run may not use the network)."""
        spec = self.spec
        if not spec.allowed_hosts:
            return None  # as open_broker says, without importing the broker and its HTTP stack
        from meta_agent.runtime.broker import open_broker

        self.broker = open_broker(
            spec.allowed_hosts,
            spec.credentials,
            lambda line: self.writer.line("runtime", line),
            channel,
        )
        if self.broker is not None:
            hosts = ", ".join(self.broker.entries)
            self.writer.line("runtime", f"network broker for {hosts}; the sandbox has no network")
        return self.broker

    def close_broker(self) -> None:
        """Stop the broker (and remove its private folder unless a pool member owns it)."""
        broker, self.broker = self.broker, None
        if broker is not None:
            broker.close()

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        """Close the log if the run is interrupted or the runtime fails, then let it through."""
        try:
            yield
        except KeyboardInterrupt as stop:
            # Ctrl-C or SIGTERM (errors.Interrupted): the sandbox is already stopped by watch().
            why = getattr(stop, "reason", "the run was interrupted")
            self.writer.line("runtime", f"cancelled: {why}; the sandbox was stopped")
            self.writer.close()
            raise
        except BaseException:
            self.close_broker()
            self.writer.line("runtime", "error: the runtime failed while supervising this run")
            self.writer.close()
            raise
        finally:
            self.close_broker()

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        self.writer.line("runtime", f"warning: {message}")

    def error_result(self, message: str) -> RunResult:
        """The run could not start: status 'error', the message logged and returned."""
        self.close_broker()
        message = self.writer.redact(message)
        self.writer.line("runtime", f"error: {message}")
        self.writer.close()
        return RunResult(
            status="error",
            backend=self.backend,
            limits=self.limits,
            wall_seconds=time.monotonic() - self.started,
            error=message,
            warnings=list(self.warnings),
            log_path=self.spec.log_path,
        )


@dataclass
class Watched:
    """How the process ended, as seen from outside."""

    breach: Status | None
    wait_status: int | None
    cpu_seconds: float
    peak_memory_mb: float
    wall_seconds: float
    oom_kills: int = 0
    pids_max_hits: int = 0


class _Exit:
    """A readable fd that signals the process's exit: a pidfd, or a pipe fed by a thread."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.status: int | None = None
        self.usage: resource.struct_rusage | None = None
        try:
            self.fd = os.pidfd_open(pid)
            self._thread = None
        except (AttributeError, OSError):  # kernels before 5.3
            read_end, self._write_end = os.pipe()
            self.fd = read_end
            self._thread = threading.Thread(target=self._wait, daemon=True)
            self._thread.start()

    def _wait(self) -> None:
        self.reap()
        os.close(self._write_end)

    def reap(self) -> None:
        if self.status is None:
            _, self.status, self.usage = os.wait4(self.pid, 0)

    def reap_within(self, seconds: float) -> None:
        """Reap if the process ends within ``seconds`` (after a SIGKILL it does at once)."""
        deadline = time.monotonic() + seconds
        with contextlib.suppress(ChildProcessError):
            while self.status is None and self._thread is None:
                pid, status, usage = os.wait4(self.pid, os.WNOHANG)
                if pid:
                    self.status, self.usage = status, usage
                elif time.monotonic() < deadline:
                    time.sleep(0.01)
                else:
                    return

    def close(self) -> None:
        os.close(self.fd)


def watch(
    context: RunContext,
    proc: subprocess.Popen[bytes],
    monitor: Monitor,
    cgroup: Cgroup | None = None,
) -> Watched:
    """Stream the logs and supervise until the process exits or breaches a limit; no survivors.

    One thread, one ``select``: the process's stdout and stderr and its exit (a pidfd) wake the
    loop as they happen; limits are checked every SAMPLE_INTERVAL_SECONDS in between.
    """
    selector = selectors.DefaultSelector()
    splitters: dict[int, LineSplitter] = {}
    for stream, pipe in (("stdout", proc.stdout), ("stderr", proc.stderr)):
        if pipe is not None:
            fd = os.dup(pipe.fileno())
            pipe.close()
            os.set_blocking(fd, False)
            splitters[fd] = LineSplitter(context.writer, stream)
            selector.register(fd, selectors.EVENT_READ)
    ended = _Exit(proc.pid)
    selector.register(ended.fd, selectors.EVENT_READ)
    breach: Status | None = None
    tick = context.spec.on_tick
    next_tick = TICK_INTERVAL_SECONDS
    next_sample = time.monotonic() + SAMPLE_INTERVAL_SECONDS
    exited = False
    try:
        while not exited:
            for key, _ in selector.select(max(next_sample - time.monotonic(), 0)):
                if key.fd == ended.fd:
                    exited = True
                else:
                    _read(key.fd, splitters, selector)
            if context.writer.breached.is_set():
                breach = "log_limit"
                break
            now = time.monotonic()
            if not exited and now >= next_sample:
                next_sample = now + SAMPLE_INTERVAL_SECONDS
                breach = monitor.breach(now - context.started)
                if breach is not None:
                    break
            elapsed = now - context.started
            if tick is not None and elapsed >= next_tick:
                next_tick += TICK_INTERVAL_SECONDS
                with contextlib.suppress(Exception):
                    tick(elapsed)
        terminate(proc, monitor, cgroup)
        deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
        while splitters and time.monotonic() < deadline:  # the rest of the output, to EOF
            for key, _ in selector.select(max(deadline - time.monotonic(), 0)):
                if key.fd != ended.fd:
                    _read(key.fd, splitters, selector)
        if context.writer.breached.is_set() and breach is None:
            breach = "log_limit"
        ended.reap()
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM) or a runtime bug: the sandbox must not outlive us.
        terminate(proc, monitor, cgroup)
        ended.reap_within(DRAIN_TIMEOUT_SECONDS)
        if ended.status is not None:  # reaped: Popen must not think it still runs
            proc.returncode = _returncode(ended.status)
        raise
    finally:
        for fd, splitter in list(splitters.items()):
            splitter.close()
            os.close(fd)
        selector.close()
        ended.close()
    wall = time.monotonic() - context.started
    proc.returncode = _returncode(ended.status) if ended.status is not None else -signal.SIGKILL
    cpu, peak = monitor.totals.cpu_seconds, monitor.peak_memory_mb
    if ended.usage is not None:
        cpu = max(cpu, ended.usage.ru_utime + ended.usage.ru_stime - monitor.cpu_baseline)
        peak = max(peak, ended.usage.ru_maxrss / 1024)
    counted = cgroup.usage() if cgroup is not None else None
    if counted is not None:
        # The kernel's own counts: a run shorter than a sampling interval is counted too (the
        # sandbox's interpreter is not reaped by the process this one waits for).
        peak = max(peak, counted.peak_memory_bytes / (1024 * 1024))
        if counted.cpu_seconds is not None:
            cpu = max(cpu, counted.cpu_seconds - monitor.cpu_baseline)
    return Watched(
        breach=breach,
        wait_status=ended.status,
        cpu_seconds=round(cpu, 3),
        peak_memory_mb=round(peak, 1),
        wall_seconds=round(wall, 3),
        oom_kills=counted.oom_kills if counted else 0,
        pids_max_hits=counted.pids_max_hits if counted else 0,
    )


def _read(fd: int, splitters: dict[int, LineSplitter], selector: selectors.BaseSelector) -> None:
    try:
        chunk = os.read(fd, READ_CHUNK_BYTES)
    except BlockingIOError:
        return
    except OSError:
        chunk = b""
    if chunk:
        splitters[fd].feed(chunk)
        return
    selector.unregister(fd)
    splitters.pop(fd).close()
    os.close(fd)


def _returncode(status: int) -> int:
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def terminate(proc: subprocess.Popen[bytes], monitor: Monitor, cgroup: Cgroup | None) -> None:
    """SIGKILL the process group, the cgroup and every process the monitor saw: no survivors."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    if cgroup is not None:
        cgroup.kill_all()
    monitor.kill_seen()


def classify(
    watched: Watched,
    stderr_tail: Iterable[str],
    limits: Limits,
    *,
    exit_code_carries_signal: bool,
) -> tuple[Status, int | None]:
    """The run's status and exit code from how it ended (breach, signal, cgroup events, stderr)."""
    exit_code: int | None = None
    sig = 0
    if watched.wait_status is not None:
        exit_code = _returncode(watched.wait_status)
        if exit_code < 0:
            sig = -exit_code
        elif exit_code_carries_signal and exit_code > 128:
            sig = exit_code - 128  # bwrap exits 128+N when its child died of signal N
    if watched.breach is not None:
        return watched.breach, exit_code
    if watched.oom_kills:
        return "memory_limit", exit_code
    if watched.pids_max_hits:
        return "process_limit", exit_code
    if sig == signal.SIGXCPU or (
        sig == signal.SIGKILL and watched.cpu_seconds >= limits.cpu_seconds
    ):
        return "cpu_limit", exit_code
    if sig == signal.SIGXFSZ:
        return "output_limit", exit_code
    tail = "\n".join(stderr_tail)
    if exit_code != 0 and "MemoryError" in tail:
        return "memory_limit", exit_code
    if exit_code != 0 and any(m in tail for m in ("File too large", "No space left on device")):
        return "output_limit", exit_code  # EFBIG (RLIMIT_FSIZE) or ENOSPC (the sized /tmp)
    refused_task = "can't start new thread" in tail or ("[Errno 11]" in tail and "fork" in tail)
    if exit_code != 0 and refused_task:
        return "process_limit", exit_code  # fork()/clone() refused by pids.max or RLIMIT_NPROC
    return ("succeeded" if exit_code == 0 else "failed"), exit_code


def finish(
    context: RunContext,
    watched: Watched,
    *,
    exit_code_carries_signal: bool,
    results_dir: Path | None = None,
) -> RunResult:
    """Classify, check the results folder, log the outcome and build the RunResult."""
    limits, writer = context.limits, context.writer
    context.close_broker()  # the sandbox is gone: nothing may ask any more
    status, exit_code = classify(
        watched, writer.stderr_tail, limits, exit_code_carries_signal=exit_code_carries_signal
    )
    found = collect(results_dir or context.spec.results_dir, limits, context.spec.expected_outputs)
    error: str | None = None
    if status in ("succeeded", "failed") and found.limit is not None:
        status = found.limit  # a file stopped at the cap is proof, whatever the exit code
    if status in LIMIT_MESSAGES:
        error = "The script " + LIMIT_MESSAGES[status].format(**limits.to_dict()) + "."
    elif status == "failed":
        last = next((line for line in reversed(writer.stderr_tail) if line.strip()), "")
        error = f"The script exited with code {exit_code}" + (f": {last.strip()}" if last else ".")
    if found.problems:
        if status == "succeeded":
            status = "failed"
        error = " ".join(filter(None, [error, "Results: " + "; ".join(found.problems) + "."]))
    error = writer.redact(error) if error else None
    writer.line(
        "runtime",
        f"finished: {status} (exit {exit_code}) in {watched.wall_seconds:.3f} s, "
        f"cpu {watched.cpu_seconds:.3f} s, peak {watched.peak_memory_mb:.1f} MB",
    )
    writer.close()
    return RunResult(
        status=status,
        backend=context.backend,
        limits=limits,
        exit_code=exit_code,
        wall_seconds=watched.wall_seconds,
        cpu_seconds=watched.cpu_seconds,
        peak_memory_mb=watched.peak_memory_mb,
        artifacts=[writer.redact(name) for name in found.artifacts],
        error=error,
        warnings=list(context.warnings),
        log_path=context.spec.log_path,
    )
