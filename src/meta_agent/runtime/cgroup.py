"""A child cgroup per run, when the host lets us make one: memory and task limits the kernel enforces.

cgroup v2 (``memory.max``, ``pids.max``, one directory) is used when its controllers can be
enabled below our own cgroup; otherwise cgroup v1 (``memory/`` and ``pids/`` hierarchies), which
is what many container hosts still mount. Without either, callers fall back to RLIMIT_AS and the
process-tree monitor. Every operation here is best effort on teardown and strict on setup.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from meta_agent.logs import lazy_logger

logger = lazy_logger(__name__)  # logging is imported on the first record

CGROUP_ROOT = Path("/sys/fs/cgroup")
PREFIX = "meta-agent-"
# How long teardown waits for killed tasks to leave before giving up on removing the group.
REMOVE_TIMEOUT_SECONDS = 2.0
POLL_SECONDS = 0.002  # the longest pause between two looks at a dying cgroup


@dataclass
class CgroupUsage:
    """What the kernel counted for the group: limit hits and peak memory."""

    oom_kills: int = 0
    pids_max_hits: int = 0
    peak_memory_bytes: int = 0
    cpu_seconds: float | None = None  # every task that was in the group; None: not accounted


def _own_path(controller: str) -> str | None:
    """Our cgroup path for a v1 controller ('memory'), or for v2 ('')."""
    try:
        text = Path("/proc/self/cgroup").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        _, controllers, path = line.split(":", 2)
        wanted = controller in controllers.split(",") if controller else controllers == ""
        if wanted:
            return path
    return None


def warm_up() -> None:
    """Make the next move into a fresh cgroup cheap, from a background thread, now.

    The kernel serialises cgroup moves behind one lock whose first writer after a quiet moment
    waits for an RCU grace period (~10 ms on a VM); moves in the next ~20 ms skip the wait. A
    one-shot command calls this early, so the wait passes while it imports the rest, and its
    sandbox's own move (``sh``: ``echo $$ > cgroup.procs``) lands in that window. The move made
    here is of this process into the cgroup it is already in: nothing changes; a host that does
    not let us write there just gets no head start.
    """
    import threading

    threading.Thread(target=_move_into_own_cgroup, name="meta-agent-cgroup", daemon=True).start()


def _move_into_own_cgroup() -> None:
    controller = "" if (CGROUP_ROOT / "cgroup.controllers").exists() else "pids"
    own = _own_path(controller)
    if own is None:
        return
    procs = CGROUP_ROOT / controller / own.lstrip("/") / "cgroup.procs"
    with contextlib.suppress(OSError):
        procs.write_text(str(os.getpid()))


def _read_keyed(path: Path) -> dict[str, int]:
    values: dict[str, int] = {}
    with contextlib.suppress(OSError, ValueError):
        for line in path.read_text().splitlines():
            key, _, number = line.partition(" ")
            values[key] = int(number)
    return values


def _read_int(path: Path) -> int:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


class Cgroup:
    """One run's cgroup (v2: one directory; v1: one per controller)."""

    def __init__(self, version: int, dirs: dict[str, Path]) -> None:
        self.version = version
        self.dirs = dirs  # controller -> directory ("memory", "pids"); v2 uses the same one
        self._procs_files = sorted({str(d / "cgroup.procs") for d in dirs.values()})

    @classmethod
    def create(cls, memory_bytes: int, max_tasks: int) -> Cgroup | None:
        """A new cgroup with these limits, or None when this host does not let us make one."""
        for make in (cls._create_v2, cls._create_v1):
            try:
                group = make(memory_bytes, max_tasks)
            except OSError as exc:
                logger.debug("cgroup setup failed", extra={"error": str(exc)})
                continue
            if group is not None:
                return group
        return None

    @classmethod
    def _create_v2(cls, memory_bytes: int, max_tasks: int) -> Cgroup | None:
        if not (CGROUP_ROOT / "cgroup.controllers").exists():
            return None
        own = _own_path("")
        if own is None:
            return None
        parent = CGROUP_ROOT / own.lstrip("/")
        enabled = (parent / "cgroup.subtree_control").read_text().split()
        if not {"memory", "pids"} <= set(enabled):
            # Only possible where the parent holds no processes (the root, or a delegated group).
            (parent / "cgroup.subtree_control").write_text("+memory +pids")
        path = parent / f"{PREFIX}{os.urandom(6).hex()}"
        path.mkdir()
        group = cls(2, {"memory": path, "pids": path})
        try:
            (path / "memory.max").write_text(str(memory_bytes))
            with contextlib.suppress(OSError):
                (path / "memory.swap.max").write_text("0")
            (path / "pids.max").write_text(str(max_tasks))
        except OSError:
            group.remove()
            raise
        return group

    @classmethod
    def _create_v1(cls, memory_bytes: int, max_tasks: int) -> Cgroup | None:
        memory_root, pids_root = CGROUP_ROOT / "memory", CGROUP_ROOT / "pids"
        if not (memory_root / "memory.limit_in_bytes").exists() or not pids_root.is_dir():
            return None
        name = f"{PREFIX}{os.urandom(6).hex()}"
        memory_dir = memory_root / (_own_path("memory") or "/").lstrip("/") / name
        pids_dir = pids_root / (_own_path("pids") or "/").lstrip("/") / name
        memory_dir.mkdir()
        group = cls(1, {"memory": memory_dir})
        try:
            pids_dir.mkdir()
            group.dirs["pids"] = pids_dir
            group._procs_files = sorted({str(d / "cgroup.procs") for d in group.dirs.values()})
            (memory_dir / "memory.limit_in_bytes").write_text(str(memory_bytes))
            with contextlib.suppress(OSError):  # absent without swap accounting
                (memory_dir / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes))
            (pids_dir / "pids.max").write_text(str(max_tasks))
        except OSError:
            group.remove()
            raise
        # CPU accounting, where the host has it: the CPU of tasks that have exited is counted
        # too (the sandbox's interpreter is reaped inside it, out of any wait4 of ours).
        cpuacct_root = CGROUP_ROOT / "cpuacct"
        if (cpuacct_root / "cpuacct.usage").exists():
            cpuacct_dir = cpuacct_root / (_own_path("cpuacct") or "/").lstrip("/") / name
            with contextlib.suppress(OSError):
                cpuacct_dir.mkdir()
                group.dirs["cpuacct"] = cpuacct_dir
                group._procs_files = sorted({str(d / "cgroup.procs") for d in group.dirs.values()})
        return group

    def procs_files(self) -> list[str]:
        """The cgroup.procs files a child writes its pid into (in ``preexec_fn``)."""
        return list(self._procs_files)

    def pids(self) -> set[int]:
        found: set[int] = set()
        for name in self._procs_files:
            with contextlib.suppress(OSError, ValueError):
                found.update(int(p) for p in Path(name).read_text().split())
        return found

    def usage(self) -> CgroupUsage:
        memory, pids = self.dirs["memory"], self.dirs.get("pids")
        if self.version == 2:
            events = _read_keyed(memory / "memory.events")
            pid_events = _read_keyed(memory / "pids.events")
            peak = _read_int(memory / "memory.peak")
            cpu_usec = _read_keyed(memory / "cpu.stat").get("usage_usec")
            cpu = None if cpu_usec is None else cpu_usec / 1e6
            return CgroupUsage(events.get("oom_kill", 0), pid_events.get("max", 0), peak, cpu)
        oom = _read_keyed(memory / "memory.oom_control").get("oom_kill", 0)
        pid_hits = _read_keyed(pids / "pids.events").get("max", 0) if pids else 0
        cpuacct = self.dirs.get("cpuacct")
        cpu = _read_int(cpuacct / "cpuacct.usage") / 1e9 if cpuacct else None
        return CgroupUsage(oom, pid_hits, _read_int(memory / "memory.max_usage_in_bytes"), cpu)

    def kill_all(self) -> None:
        """SIGKILL every task in the group, until none is left (tasks may fork while we kill)."""
        if self.version == 2:
            with contextlib.suppress(OSError):
                (self.dirs["memory"] / "cgroup.kill").write_text("1")
        deadline = time.monotonic() + REMOVE_TIMEOUT_SECONDS
        pause = 0.0
        while time.monotonic() < deadline:
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            pause = _pause(pause)

    def remove(self) -> None:
        """Kill what is left and remove the directories (zombies may delay it briefly)."""
        self.kill_all()
        for directory in {str(d) for d in self.dirs.values()}:
            deadline = time.monotonic() + REMOVE_TIMEOUT_SECONDS
            pause = 0.0
            while True:
                try:
                    os.rmdir(directory)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        logger.warning("cgroup not removed", extra={"cgroup": directory})
                        break
                    pause = _pause(pause)


def _pause(previous: float) -> float:
    """Sleep a little longer than last time (0.1 ms, doubling up to 2 ms), and say how long.

    A killed task is usually gone within a fraction of a millisecond; a fixed 2 ms poll made
    every run wait that long for its cgroup, twice, on the way to its result.
    """
    pause = min(max(previous * 2, 0.0001), POLL_SECONDS)
    time.sleep(pause)
    return pause
