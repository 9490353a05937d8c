"""Watches a running sandbox: samples its process tree and decides when a limit is breached.

Kernel limits (cgroup, rlimits) are the first line; this monitor is the second, and the only one
for limits the kernel cannot express per run: wall time, CPU time of the whole tree (RLIMIT_CPU
is per process), total output size, log size. It also records peak memory and CPU for the result.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from meta_agent.runtime.backend import MB, Limits, Status
from meta_agent.runtime.cgroup import Cgroup
from meta_agent.runtime.rlimits import CPU_GRACE_SECONDS

if TYPE_CHECKING:
    import psutil  # imported when first needed: a short run ends before its first sample

SAMPLE_INTERVAL_SECONDS = 0.05  # the spec's ~50 ms: catches a runaway loop within a tick
OUTPUT_CHECK_INTERVAL_SECONDS = 0.05  # a walk of a small folder is cheap; overshoot is what a
# script writes between two checks (the per-file RLIMIT_FSIZE cap is exact)
TICK_INTERVAL_SECONDS = 0.5  # on_tick cadence for live elapsed-time displays
# A results folder is a handful of files; thousands is a script exhausting inodes.
MAX_RESULT_ENTRIES = 2000


@dataclass
class Sample:
    """The running totals of one run."""

    peak_rss_bytes: int = 0
    cpu_seconds: float = 0.0
    peak_tasks: int = 0
    seen: dict[int, float] = field(default_factory=dict)  # pid -> create_time, for cleanup


def tree(root_pid: int) -> list[psutil.Process]:
    """The process and all its descendants (empty once it is gone)."""
    import psutil

    try:
        root = psutil.Process(root_pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def output_usage(folder: Path) -> tuple[int, int]:
    """(bytes, entries) under ``folder``, never following links."""
    total = entries = 0
    stack = [str(folder)]
    while stack and entries <= MAX_RESULT_ENTRIES:
        current = stack.pop()
        with contextlib.suppress(OSError), os.scandir(current) as it:
            for entry in it:
                entries += 1
                with contextlib.suppress(OSError):
                    info = entry.stat(follow_symlinks=False)
                    if stat.S_ISDIR(info.st_mode):
                        stack.append(entry.path)
                    else:
                        total += info.st_size
    return total, entries


class Monitor:
    """Samples one run and reports the first limit it breaches."""

    def __init__(
        self,
        limits: Limits,
        root_pid: int,
        results_dir: Path,
        cgroup: Cgroup | None = None,
        cpu_baseline: float = 0.0,
        scratch_dirs: tuple[Path, ...] = (),
    ) -> None:
        self.limits = limits
        self.root_pid = root_pid
        self.results_dir = results_dir
        self.cgroup = cgroup
        self.cpu_baseline = cpu_baseline  # CPU already spent before the script (warm imports)
        self.scratch_dirs = scratch_dirs  # host folders the script writes besides results/
        self.totals = Sample()
        self._last_output_check = 0.0

    def sample(self) -> list[psutil.Process]:
        """One reading of the tree: memory, CPU and task count."""
        import psutil

        procs = tree(self.root_pid) if self.cgroup is None else self._cgroup_tree()
        rss = cpu = 0.0
        tasks = 0
        for proc in procs:
            with contextlib.suppress(psutil.Error), proc.oneshot():
                rss += proc.memory_info().rss
                times = proc.cpu_times()
                cpu += times.user + times.system + times.children_user + times.children_system
                tasks += proc.num_threads()
                self.totals.seen.setdefault(proc.pid, proc.create_time())
        self.totals.peak_rss_bytes = max(self.totals.peak_rss_bytes, int(rss))
        self.totals.cpu_seconds = max(self.totals.cpu_seconds, cpu - self.cpu_baseline)
        self.totals.peak_tasks = max(self.totals.peak_tasks, tasks)
        return procs

    def breach(self, elapsed: float) -> Status | None:
        """The limit breached by now, if any (sampling first)."""
        if elapsed > self.limits.timeout_seconds:
            return "timeout"
        if self.cgroup is not None:
            usage = self.cgroup.usage()
            if usage.oom_kills:
                return "memory_limit"
            if usage.pids_max_hits:
                return "process_limit"
        self.sample()
        if self.totals.peak_tasks > self.limits.max_processes:
            return "process_limit"
        if self.totals.peak_rss_bytes > self.limits.memory_bytes:
            return "memory_limit"
        if self.totals.cpu_seconds > self.limits.cpu_seconds + CPU_GRACE_SECONDS:
            return "cpu_limit"
        now = time.monotonic()
        if now - self._last_output_check >= OUTPUT_CHECK_INTERVAL_SECONDS:
            self._last_output_check = now
            size = entries = 0
            for folder in (self.results_dir, *self.scratch_dirs):
                more_size, more_entries = output_usage(folder)
                size, entries = size + more_size, entries + more_entries
            if size > self.limits.total_output_bytes or entries > MAX_RESULT_ENTRIES:
                return "output_limit"
        return None

    def _cgroup_tree(self) -> list[psutil.Process]:
        # The cgroup lists the run's processes directly: no scan of every pid on the host.
        import psutil

        procs = []
        for pid in sorted(self.cgroup.pids()) if self.cgroup else ():
            with contextlib.suppress(psutil.Error):
                procs.append(psutil.Process(pid))
        return procs

    def cpu_so_far(self) -> float:
        """CPU seconds the run's processes have used by now, the children they reaped included;
        the memory they hold now counts towards the peak.

        With a cgroup the numbers come straight from /proc, the same ones psutil reads: the
        warm pool asks this just before a script runs, and importing psutil (~10-30 ms) there
        would keep the script waiting. Without a cgroup it is one full sample.
        """
        if self.cgroup is None:
            self.sample()
            return self.totals.cpu_seconds
        ticks = os.sysconf("SC_CLK_TCK")
        total = rss_pages = 0
        for pid in self.cgroup.pids():
            try:
                with open(f"/proc/{pid}/stat", "rb") as handle:
                    fields = handle.read().rsplit(b")", 1)[1].split()
                total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
                rss_pages += int(fields[21])
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
        rss = rss_pages * os.sysconf("SC_PAGE_SIZE")
        self.totals.peak_rss_bytes = max(self.totals.peak_rss_bytes, rss)
        return total / ticks

    @property
    def peak_memory_mb(self) -> float:
        return self.totals.peak_rss_bytes / MB

    def kill_seen(self) -> int:
        """SIGKILL every process this monitor ever saw that still runs (same pid, same birth)."""
        if not self.totals.seen:
            return 0
        import psutil

        killed = 0
        for pid, created in self.totals.seen.items():
            with contextlib.suppress(psutil.Error):
                proc = psutil.Process(pid)
                if proc.create_time() == created:
                    proc.kill()
                    killed += 1
        return killed
