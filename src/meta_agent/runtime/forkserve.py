"""Inside a forking sandbox: import the data stack once, then fork one child per run request.

Runs as a plain script (``python -I -u forkserve.py READY_FD [full|light|bare]``) inside bwrap,
before any untrusted code. It imports what tool-library scripts use (``warm.preload``), writes one
byte to READY_FD, then reads run requests from stdin, one JSON line each, and answers each on
stdout with one JSON line once the run is over. This process never runs a script itself: each
run is a fresh child (``os.fork``) that gets the request's variables, its own CPU limit, stdin
from /dev/null and its stdout and stderr in files of the logs folder, and runs the script as
``__main__``. Meanwhile this process enforces the run's wall time, memory (resident size of every
process but itself and the sandbox's init, as the host's monitor counts it), task count, log
size and results size, at the host monitor's interval. After the run every other process of the
sandbox is killed and what the run left in /tmp is removed, so the next run starts from the
state right after the imports; the host moves the results out before it sends the next request.

This process is the sandbox's init (pid 1, ``bwrap --as-pid-1``): a run cannot kill it (the
kernel drops signals sent to a namespace's init from inside, kill(-1) included) and every
orphan of a run becomes its child. It makes itself non-dumpable, so a run (same user, same
sandbox) cannot open its memory through /proc; ptrace is denied to every process by the
sandbox's seccomp filter.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import select
import shutil
import signal
import sys
import time

from meta_agent.runtime.warm import CPU_GRACE_SECONDS, finalize, preload, run

SAMPLE_SECONDS = 0.05  # as monitor.SAMPLE_INTERVAL_SECONDS
PR_SET_DUMPABLE = 4
TMP = "/tmp"  # noqa: S108 - the sandbox's private tmpfs
PAGE = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def others() -> list[int]:
    """Every process of the sandbox but this one (its init: pid 1)."""
    me = os.getpid()
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me)]


def stat_fields(pid: int | str) -> list[bytes]:
    """/proc/PID/stat from the state field on (index 0 = field 3 of proc(5)); [] once gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return []


def proportional_bytes(pid: int | str) -> int | None:
    """The process's proportional set size (shared pages split among their users); None where
    the kernel does not say (then its resident size counts)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def usage(pids: list[int]) -> tuple[int, int, float]:
    """(memory bytes, tasks, CPU seconds) of a run's processes ``pids``.

    Memory is the proportional size of these processes and this one: pages a fork shares with
    this process count once, as in a cold sandbox where the script imported the stack itself.
    CPU adds what the processes reaped (cutime, cstime); tasks count threads.
    """
    memory = tasks = 0
    ticks = 0
    everyone: list[int | str] = [*pids, "self"]
    for pid in everyone:
        fields = stat_fields(pid)
        if not fields:
            continue
        pss = proportional_bytes(pid)
        memory += pss if pss is not None else int(fields[21]) * PAGE  # rss, in pages
        if pid != "self":
            tasks += int(fields[17])  # num_threads
            ticks += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return memory, tasks, ticks / CLOCK_TICKS


def refused_forks(path: str | None) -> int:
    """How often the sandbox's cgroup refused a new task (its pids.events "max"); 0 without."""
    if not path:
        return 0
    try:
        with open(path, "rb") as handle:
            for line in handle:
                key, _, value = line.partition(b" ")
                if key == b"max":
                    return int(value)
    except (OSError, ValueError):
        return 0
    return 0


def reaped_seconds() -> float:
    """CPU of the processes this one (pid 1: every orphan's parent) has reaped so far."""
    fields = stat_fields("self")
    return sum(int(value) for value in fields[13:15]) / CLOCK_TICKS if fields else 0.0


def folder_bytes(folder: str) -> int:
    """Bytes of regular files under ``folder``, never following links."""
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


def child(request: dict, logs: str) -> None:  # type: ignore[type-arg]
    """In the forked child: become the run, then exit with the script's code."""
    try:
        os.setpgid(0, 0)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        for fd, name in ((1, "stdout"), (2, "stderr")):
            out = os.open(f"{logs}/{name}", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(out, fd)
            os.close(out)
        os.close(null)
        os.environ.update(request["env"])
        seconds = int(request["cpu_seconds"])  # a forked child starts at 0 s of CPU
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + CPU_GRACE_SECONDS))
        # Readable by this process's sampling (/proc/PID/smaps_rollup); ptrace stays denied by
        # seccomp and no core is written (RLIMIT_CORE 0). This process stays non-dumpable.
        ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
    except BaseException:  # noqa: BLE001 - nothing to report to but the exit code
        os._exit(125)
    finalize(run(request["source"], request["filename"]))


def supervise(pid: int, request: dict) -> dict:  # type: ignore[type-arg]
    """Wait for the run, stopping it at the first limit it breaches; how it ended."""
    started = time.monotonic()
    reaped_before = reaped_seconds()
    refused_before = refused_forks(request["pids_events"])
    cpu_limit = request["cpu_seconds"] + CPU_GRACE_SECONDS
    try:
        ended: int | None = os.pidfd_open(pid)
    except (AttributeError, OSError):  # kernels before 5.3: poll at the sampling interval
        ended = None
    breach = None
    peak = 0
    status, rusage = None, None
    try:
        while True:
            if ended is not None:
                if select.select([ended], [], [], SAMPLE_SECONDS)[0]:
                    break
            else:
                done, code, usage_now = os.wait4(pid, os.WNOHANG)
                if done:
                    status, rusage = code, usage_now
                    break
                time.sleep(SAMPLE_SECONDS)
            if time.monotonic() - started > request["timeout_seconds"]:
                breach = "timeout"
                break
            memory, tasks, cpu = usage(others())
            cpu += reaped_seconds() - reaped_before  # orphans reaped by this init meanwhile
            peak = max(peak, memory)
            if memory > request["memory_bytes"]:
                breach = "memory_limit"
            elif (
                tasks > request["max_processes"]
                or refused_forks(request["pids_events"]) > refused_before
            ):
                breach = "process_limit"  # over the count, or a fork refused by the cgroup
            elif cpu > cpu_limit:
                breach = "cpu_limit"
            elif folder_bytes(request["logs_dir"]) > request["log_bytes"]:
                breach = "log_limit"
            elif folder_bytes(request["results_dir"]) > request["total_output_bytes"]:
                breach = "output_limit"
            if breach:
                break
    finally:
        if ended is not None:
            os.close(ended)
        if rusage is None:  # not reaped yet: its pid and group are still its own
            for kill in (os.killpg, os.kill):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    kill(pid, signal.SIGKILL)
            _, status, rusage = os.wait4(pid, 0)
    return {
        "breach": breach,
        "wait_status": status,
        # Reaped by now: the run's process and whatever of it this init reaped, all counted.
        "cpu_seconds": max(rusage.ru_utime + rusage.ru_stime, reaped_seconds() - reaped_before),
        "peak_memory_mb": max(peak, rusage.ru_maxrss * 1024) / 2**20,
        "wall_seconds": time.monotonic() - started,
    }


def sweep(kept: set[str]) -> None:
    """Kill whatever the run left running and remove what it left in /tmp."""
    for _ in range(50):
        left = others()
        if not left:
            break
        for pid in left:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.002)
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    for name in set(os.listdir(TMP)) - kept:
        path = os.path.join(TMP, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(path)


def serve() -> None:
    """Answer run requests until stdin ends."""
    kept = set(os.listdir(TMP))
    for line in sys.stdin.buffer:
        request = json.loads(line)
        logs = request["logs_dir"]
        pid = os.fork()
        if pid == 0:
            child(request, logs)
        with contextlib.suppress(OSError):  # as the child does: whichever runs first
            os.setpgid(pid, pid)
        report = supervise(pid, request)
        sweep(kept)
        os.write(1, json.dumps(report).encode() + b"\n")


def main() -> None:
    ready_fd = int(sys.argv[1])
    mode = sys.argv[2] if len(sys.argv) > 2 else "light"
    ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    if mode != "bare":
        preload(charts=mode == "full")
    os.write(ready_fd, b"R")
    os.close(ready_fd)
    serve()


if __name__ == "__main__":
    main()
