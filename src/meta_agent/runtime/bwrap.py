"""The default sandbox on Linux: bubblewrap, with nothing of the host but what Python needs.

Each run gets new user, pid, network, IPC, UTS (and cgroup) namespaces, no capabilities, an
unprivileged uid, no nested user namespaces, a private size-capped /tmp, its script read-only,
its results/ writable, the interpreter, the package and the system libraries read-only, and
nothing else: the root is an empty tmpfs, remounted read-only once the mounts are in place. The
sandbox dies with its parent, and everything in its pid namespace dies with it.

A seccomp filter (seccomp.py) also refuses the system calls escapes are made of (ptrace,
mount, unshare, keyrings, BPF, io_uring...).

What it does not protect against: kernel vulnerabilities in the system calls still allowed, CPU
cache side channels, and anything readable in the mounted interpreter, package and library
directories.
"""

from __future__ import annotations

import contextlib
import functools
import os
import platform
import shutil
import subprocess
from collections.abc import Sequence

from meta_agent.errors import ExecutionError
from meta_agent.runtime import seccomp
from meta_agent.runtime.backend import Limits, RunResult, RunSpec
from meta_agent.runtime.cgroup import Cgroup
from meta_agent.runtime.environment import (
    SANDBOX_DIR,
    SANDBOX_RESULTS,
    Bind,
    DatabaseAccess,
    database_access,
    sandbox_environment,
)
from meta_agent.runtime.monitor import Monitor
from meta_agent.runtime.mounts import interpreter_binds, project_python
from meta_agent.runtime.rlimits import child_setup
from meta_agent.runtime.supervise import RunContext, finish, watch

SANDBOX_UID = 1000  # any unprivileged id: host root maps to it, so it holds no capability
SANDBOX_TMP = "/tmp"
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


@functools.lru_cache(maxsize=1)
def bwrap_problem() -> str | None:
    """Why bwrap cannot be used here, or None when a trial sandbox works."""
    path = shutil.which("bwrap")
    if path is None:
        return "bubblewrap (bwrap) is not installed"
    try:
        done = subprocess.run(
            [path, "--ro-bind", "/", "/", *NAMESPACE_FLAGS, "true"],
            capture_output=True,
            text=True,
            timeout=10,
            env={},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap could not start: {exc}"
    if done.returncode != 0:
        return f"bwrap cannot create namespaces here: {done.stderr.strip()[:200]}"
    return None


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
    return tuple(args)


def check_network(spec: RunSpec, backend: str) -> None:
    """Refuse runs that would need a network this backend cannot restrict to named hosts."""
    if spec.allowed_hosts:
        raise ExecutionError(
            f"This run asks for network access to {', '.join(spec.allowed_hosts)}, but the "
            f"{backend} sandbox can only allow all of the network or none of it, so it refuses; "
            "run the external tools outside the sandbox or leave allowed_hosts empty."
        )


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
    argv = [shutil.which("bwrap") or "bwrap", *NAMESPACE_FLAGS]
    if info_fd is not None:
        argv += ["--info-fd", str(info_fd)]
    if seccomp_fd is not None:
        argv += ["--seccomp", str(seccomp_fd)]
    for target, link in symlinks:
        argv += ["--symlink", target, link]
    for bind in binds:
        argv += ["--bind" if bind.writable else "--ro-bind", str(bind.host), bind.inside]
    argv += ["--proc", "/proc", *proc_covers(), "--dev", "/dev"]
    argv += ["--size", str(tmp_bytes), "--perms", "1777", "--tmpfs", SANDBOX_TMP]
    argv += ["--dir", SANDBOX_DIR, "--chdir", SANDBOX_DIR, "--remount-ro", "/"]
    return [*argv, "--", *command]


def seccomp_pipe() -> int | None:
    """A readable fd holding the seccomp program for ``--seccomp`` (None where unsupported)."""
    if not seccomp.supported():
        return None
    read_end, write_end = os.pipe()
    os.write(write_end, seccomp.program())  # ~800 bytes: always fits the pipe buffer
    os.close(write_end)
    return read_end


def run_binds(spec: RunSpec, database: DatabaseAccess, script_inside: str) -> list[Bind]:
    """The per-run mounts: script read-only, results/ writable, the database."""
    results = spec.results_dir
    if results.is_symlink() or not results.is_dir():
        raise ExecutionError(f"The results folder {results} must be a real folder.")
    script = spec.script.resolve()
    if not script.is_file():
        raise ExecutionError(f"The script {spec.script} does not exist.")
    return [
        Bind(script, script_inside),
        Bind(results.resolve(), SANDBOX_RESULTS, writable=True),
        *database.binds,
    ]


class BwrapBackend:
    """Runs each script in a fresh bubblewrap sandbox (see the module docstring for its limits)."""

    name = "bwrap"

    def __init__(self, python: str | None = None, *, use_cgroup: bool = True) -> None:
        self.python = python or project_python()
        self.use_cgroup = use_cgroup

    def run(self, spec: RunSpec, limits: Limits) -> RunResult:
        """Run ``spec.script`` in a new sandbox and supervise it to the end."""
        context = RunContext.open(spec, limits, self.name)
        try:
            check_network(spec, self.name)
            database = database_access(spec.database_url)
            if database.needs_network:
                raise ExecutionError(
                    "The database is a network server, and the bwrap sandbox has no network; "
                    "use a SQLite file or a PostgreSQL server on this machine."
                )
            script_inside = f"{SANDBOX_DIR}/{_safe_name(spec.script.name)}"
            interpreter, symlinks = interpreter_binds(self.python)
            binds = [*interpreter, *run_binds(spec, database, script_inside)]
            env = sandbox_environment(
                results_dir=SANDBOX_RESULTS,
                tmp_dir=SANDBOX_TMP,
                database_url=database.url,
                secrets=spec.secrets,
            )
        except ExecutionError as exc:
            return context.error_result(str(exc))
        cgroup = (
            Cgroup.create(limits.memory_bytes, limits.max_processes) if self.use_cgroup else None
        )
        if cgroup is None:
            context.warn("no cgroup available: memory is limited by address space and sampling")
        try:
            return self._launch(context, binds, symlinks, env, cgroup, script_inside)
        finally:
            if cgroup is not None:
                cgroup.remove()

    def _launch(
        self,
        context: RunContext,
        binds: list[Bind],
        symlinks: Sequence[tuple[str, str]],
        env: dict[str, str],
        cgroup: Cgroup | None,
        script_inside: str,
    ) -> RunResult:
        limits = context.limits
        info_read, info_write = os.pipe()
        filter_fd = seccomp_pipe()
        if filter_fd is None:
            context.warn(f"no seccomp filter on {platform.machine()}: namespaces only")
        argv = sandbox_argv(
            binds,
            symlinks,
            [self.python, "-I", "-u", script_inside],
            tmp_bytes=limits.total_output_bytes,
            info_fd=info_write,
            seccomp_fd=filter_fd,
        )
        passed = (info_write,) if filter_fd is None else (info_write, filter_fd)
        setup = child_setup(
            limits,
            memory_by_cgroup=cgroup is not None,
            cgroup_procs=cgroup.procs_files() if cgroup else (),
        )
        try:
            prefix = setup.command_prefix()
            proc = subprocess.Popen(
                [*prefix, *argv] if prefix else argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                cwd="/",
                start_new_session=True,
                preexec_fn=None if prefix else setup,
                pass_fds=passed,
            )
        except OSError as exc:
            os.close(info_read)
            return context.error_result(f"bwrap could not be started: {exc}")
        finally:
            for fd in passed:
                os.close(fd)
        monitor = Monitor(limits, proc.pid, context.spec.results_dir, cgroup)
        watched = watch(context, proc, monitor, cgroup)
        started = _drain(info_read)
        if not started and watched.breach is None:
            tail = " ".join(context.writer.stderr_tail)[-500:]
            return context.error_result(f"bwrap could not set up the sandbox: {tail}")
        return finish(context, watched, exit_code_carries_signal=True)


def _drain(fd: int) -> bool:
    """Whether bwrap reported a started sandbox on its info fd."""
    data = b""
    with contextlib.suppress(OSError):
        os.set_blocking(fd, False)
        data = os.read(fd, 4096)
    os.close(fd)
    return b"child-pid" in data


def _safe_name(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "._-" else "_" for c in name).lstrip(".")
    return cleaned or "script.py"
