"""The bwrap command line: namespaces, mounts and /proc covers, in the order bwrap applies them.

Shared by cold runs (bwrap.py), pre-started launchers (slots.py) and the warm pool (pool.py), so
every sandbox is built the same way.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence

from meta_agent.runtime import seccomp
from meta_agent.runtime.bwrap_locate import find_bwrap
from meta_agent.runtime.environment import SANDBOX_DIR, Bind

SANDBOX_UID = 1000  # any unprivileged id: host root maps to it, so it holds no capability
SANDBOX_TMP = "/tmp"
SANDBOX_SCRIPT = f"{SANDBOX_DIR}/script.py"  # one fixed name: a pre-started launcher knows it
NAMESPACE_FLAGS = (
    "--unshare-user",
    "--unshare-pid",
    "--unshare-net",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--disable-userns",
    "--cap-drop",
    "ALL",
    "--uid",
    str(SANDBOX_UID),
    "--gid",
    str(SANDBOX_UID),
    "--hostname",
    "sandbox",
    "--die-with-parent",
    "--new-session",
)


# The new procfs still exposes the kernel's global knobs. Run as root, the sandbox's uid maps to
# host uid 0 (without capabilities), and some of them check only that uid: /proc/sys (e.g.
# kernel.core_pattern, a root code-execution vector), /proc/irq, /proc/sysrq-trigger. These are
# made read-only, and kernel-internal listings are masked, as Docker does for containers.
PROC_READ_ONLY = ("sys", "sysrq-trigger", "irq", "bus", "fs", "acpi", "scsi", "asound")
PROC_MASKED = (
    "kcore", "keys", "key-users", "latency_stats", "timer_list", "timer_stats", "sched_debug",
    "vmallocinfo", "kallsyms", "slabinfo", "kpagecount", "kpageflags", "kpagecgroup",
    "pagetypeinfo", "iomem", "ioports", "config.gz",
)  # fmt: skip
# The sandbox's pid 1 is bwrap's own init, same uid, so its memory file is writable by the
# script (ptrace and process_vm_writev are refused by seccomp, /proc/PID/mem is not): a script
# that took over init could clear its parent-death signal and outlive the run. Masked too.
INIT_MEMORY = ("1/mem", "1/task/1/mem")


@functools.lru_cache(maxsize=1)
def proc_covers() -> tuple[str, ...]:
    """bwrap arguments covering the sensitive parts of /proc (those this kernel has)."""
    args: list[str] = []
    for name in PROC_READ_ONLY:
        if os.path.exists(f"/proc/{name}"):
            args += ["--ro-bind", f"/proc/{name}", f"/proc/{name}"]
    for name in PROC_MASKED:
        if os.path.isfile(f"/proc/{name}"):
            args += ["--ro-bind", "/dev/null", f"/proc/{name}"]
    for name in INIT_MEMORY:
        args += ["--ro-bind", "/dev/null", f"/proc/{name}"]
    return tuple(args)


def bwrap_binary() -> str:
    """The bwrap that works here (bwrap_locate.py); a bare "bwrap" when none does, so the run
    reports why it could not start."""
    found = find_bwrap().found
    return found.path if found is not None else "bwrap"


def sandbox_argv(
    binds: Sequence[Bind],
    symlinks: Sequence[tuple[str, str]],
    command: Sequence[str],
    *,
    tmp_bytes: int,
    info_fd: int | None = None,
    seccomp_fd: int | None = None,
) -> list[str]:
    """The bwrap command line: namespaces, then mounts in order, then the command."""
    options = sandbox_options(
        binds, symlinks, tmp_bytes=tmp_bytes, info_fd=info_fd, seccomp_fd=seccomp_fd
    )
    return [bwrap_binary(), *options, "--", *command]


def sandbox_options(
    binds: Sequence[Bind],
    symlinks: Sequence[tuple[str, str]],
    *,
    tmp_bytes: int,
    info_fd: int | None = None,
    seccomp_fd: int | None = None,
    env: Mapping[str, str] | None = None,
) -> list[str]:
    """bwrap's options (no command).

    With ``env``, the environment is set by options (for ``--args FD``, where options are read
    from a pipe and never appear on a command line); otherwise bwrap passes on its own.
    """
    options = [*NAMESPACE_FLAGS]
    if env is not None:
        options.append("--clearenv")
        for name, value in env.items():
            options += ["--setenv", name, value]
    if info_fd is not None:
        options += ["--info-fd", str(info_fd)]
    if seccomp_fd is not None:
        options += ["--seccomp", str(seccomp_fd)]
    # The private /tmp comes first: a project checked out under /tmp (a CI clone, say) has its
    # interpreter bound below it, and a tmpfs mounted afterwards would hide it.
    options += ["--size", str(tmp_bytes), "--perms", "1777", "--tmpfs", SANDBOX_TMP]
    options += font_cache_options()
    for target, link in symlinks:
        options += ["--symlink", target, link]
    for bind in binds:
        options += ["--bind" if bind.writable else "--ro-bind", str(bind.host), bind.inside]
    options += ["--proc", "/proc", *proc_covers(), "--dev", "/dev"]
    options += ["--dir", SANDBOX_DIR, "--chdir", SANDBOX_DIR, "--remount-ro", "/"]
    return options


def font_cache_options() -> list[str]:
    """Bind the prepared matplotlib font list read-only into the sandbox's matplotlib folder."""
    from meta_agent.runtime.fontcache import font_cache_file

    prepared = font_cache_file()
    if prepared is None:
        return []
    folder = f"{SANDBOX_TMP}/matplotlib"  # MPLCONFIGDIR (environment.py); writable, as it must be
    return [
        "--perms",
        "1777",
        "--dir",
        folder,
        "--ro-bind",
        str(prepared),
        f"{folder}/{prepared.name}",
    ]


def seccomp_pipe() -> int | None:
    """A readable fd holding the seccomp program for ``--seccomp`` (None where unsupported)."""
    if not seccomp.supported():
        return None
    read_end, write_end = os.pipe()
    os.write(write_end, seccomp.program())  # ~800 bytes: always fits the pipe buffer
    os.close(write_end)
    return read_end


def sandbox_command(python: str) -> list[str]:
    """The command every sandbox runs: the project's interpreter, isolated, unbuffered."""
    return [python, "-I", "-u", SANDBOX_SCRIPT]
