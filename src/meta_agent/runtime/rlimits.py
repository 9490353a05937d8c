"""Kernel resource limits set in the child between fork and exec, inherited by all it starts.

RLIMIT_CPU, RLIMIT_FSIZE and RLIMIT_CORE always; RLIMIT_AS only where no cgroup limits memory
(address space overstates use: numpy and pandas map far more than they touch); RLIMIT_NPROC as
a backstop sized above the user's current process count, because it counts *all* the user's
processes (and does not bind root at all, so the cgroup or the monitor does that job there).
"""

from __future__ import annotations

import os
import resource
import shlex
import shutil
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from meta_agent.runtime.backend import Limits

# RLIMIT_CPU: SIGXCPU at the soft limit, SIGKILL this much later if the script ignores it.
CPU_GRACE_SECONDS = 1
# Measured: `import pandas, numpy, sqlalchemy, matplotlib.pyplot` peaks at ~330 MB of address
# space for ~120 MB resident (with one BLAS thread). An address-space limit equal to the memory
# limit would fail the imports, so RLIMIT_AS gets this headroom on top of memory_mb.
ADDRESS_SPACE_HEADROOM_MB = 512
# Extra CPU seconds granted to warm-pool members for the imports done before the script arrives
# (their in-sandbox bootstrap lowers the soft limit to "used so far + cpu_seconds").
WARM_IMPORT_CPU_SECONDS = 60
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1


PRLIMIT_NAMES = {
    resource.RLIMIT_CORE: "core",
    resource.RLIMIT_CPU: "cpu",
    resource.RLIMIT_FSIZE: "fsize",
    resource.RLIMIT_AS: "as",
    resource.RLIMIT_NPROC: "nproc",
}


@dataclass(frozen=True)
class ChildSetup:
    """Everything the child does to itself before exec; built in the parent, applied after fork."""

    rlimits: tuple[tuple[int, tuple[int, int]], ...]
    cgroup_procs: tuple[str, ...] = ()
    unshare_network: bool = False
    seccomp: Callable[[], None] | None = None  # installed last: it forbids unshare itself
    die_with_parent: bool = False
    # ctypes and libc, loaded in the parent when the child needs them (prctl, unshare): ctypes
    # costs ~1 ms to import, and a sandbox started by an exec chain needs neither.
    libc: Any = None

    def __call__(self) -> None:
        # Runs in the forked child: no locks, no imports, no logging, only system calls.
        if self.die_with_parent and self.libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0):
            raise OSError(self.libc.get_errno(), "prctl(PR_SET_PDEATHSIG) refused")
        if self.unshare_network and self.libc.unshare(CLONE_NEWNET) != 0:
            raise OSError(self.libc.get_errno(), "unshare(CLONE_NEWNET) refused")
        pid = str(os.getpid()).encode()
        for name in self.cgroup_procs:
            fd = os.open(name, os.O_WRONLY)
            try:
                os.write(fd, pid)
            finally:
                os.close(fd)
        for which, values in self.rlimits:
            resource.setrlimit(which, values)
        if self.seccomp is not None:
            self.seccomp()

    def command_prefix(self) -> list[str] | None:
        """The same setup as an exec chain (sh joins the cgroup, prlimit sets the limits).

        Without a ``preexec_fn`` Popen can use vfork instead of copying the whole parent, which
        saves ~12 ms per run. None when this setup needs Python in the child (network
        namespace, seccomp) or prlimit is missing: then pass the object as ``preexec_fn``.
        """
        prlimit = shutil.which("prlimit")
        needs_python = self.unshare_network or self.seccomp is not None or self.die_with_parent
        if needs_python or prlimit is None:
            return None
        args = [f"--{PRLIMIT_NAMES[which]}={soft}:{hard}" for which, (soft, hard) in self.rlimits]
        prefix = [prlimit, *args, "--"]
        if self.cgroup_procs:
            joins = " && ".join(f"echo $$ > {shlex.quote(name)}" for name in self.cgroup_procs)
            prefix = ["/bin/sh", "-c", f'{joins} && exec "$@"', "sh", *prefix]
        return prefix


def user_process_count() -> int:
    """Processes of our real uid right now (RLIMIT_NPROC counts them all)."""
    import psutil

    uid = os.getuid()
    count = 0
    for proc in psutil.process_iter(["uids"]):
        uids = proc.info.get("uids")
        if uids is not None and uids.real == uid:
            count += 1
    return count


def child_setup(
    limits: Limits,
    *,
    memory_by_cgroup: bool,
    cgroup_procs: Sequence[str] = (),
    extra_cpu_seconds: int = 0,
    unshare_network: bool = False,
    seccomp: Callable[[], None] | None = None,
    die_with_parent: bool = False,
) -> ChildSetup:
    """The ``preexec_fn`` for one run's child."""
    cpu = int(limits.cpu_seconds) + extra_cpu_seconds
    rlimits: list[tuple[int, tuple[int, int]]] = [
        (resource.RLIMIT_CORE, (0, 0)),
        (resource.RLIMIT_CPU, (cpu, cpu + CPU_GRACE_SECONDS)),
        (resource.RLIMIT_FSIZE, (limits.output_bytes, limits.output_bytes)),
    ]
    if not memory_by_cgroup:
        address_space = limits.memory_bytes + ADDRESS_SPACE_HEADROOM_MB * 1024 * 1024
        rlimits.append((resource.RLIMIT_AS, (address_space, address_space)))
    if os.getuid() != 0:
        nproc = user_process_count() + limits.max_processes
        rlimits.append((resource.RLIMIT_NPROC, (nproc, nproc)))
    libc = _Libc() if unshare_network or die_with_parent else None
    return ChildSetup(
        tuple(rlimits), tuple(cgroup_procs), unshare_network, seccomp, die_with_parent, libc
    )


class _Libc:
    """libc's prctl and unshare, and ctypes' errno, looked up before the fork."""

    def __init__(self) -> None:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        self.prctl = libc.prctl
        self.unshare = libc.unshare
        self.get_errno = ctypes.get_errno
