"""The default sandbox on Linux: bubblewrap, with nothing of the host but what Python needs.

Each run gets new user, pid, network, IPC, UTS (and cgroup) namespaces, no capabilities, uid
1000 inside, no nested user namespaces, a private size-capped /tmp, its script read-only, its
results/ writable, the interpreter, the package and the system libraries read-only (mounts.py),
and nothing else: the root is an empty tmpfs, remounted read-only once the mounts are in place.
/proc is the sandbox's own, with the kernel's global knobs read-only and its internal listings
masked (sandbox_args.py). A seccomp filter (seccomp.py) refuses the system calls escapes are made
of (ptrace, mount, unshare, keyrings, BPF, io_uring...). The sandbox dies with its parent, and
everything in its pid namespace dies with it. A launcher is kept waiting (slots.py) so a run
does not pay for the cgroup move.

What it does not protect against: kernel vulnerabilities in the system calls still allowed, CPU
cache side channels, and anything readable in the mounted interpreter, package and library
directories. When the runtime itself runs as root, the sandbox's uid maps to host uid 0 (bwrap
cannot map it elsewhere when run as root): it holds no capability and sees only its mounts, as
in a rootful Docker container, but a kernel interface that trusts uid 0 without checking
capabilities would trust it; run the runtime as an unprivileged user where the layout allows.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from meta_agent.errors import ExecutionError
from meta_agent.runtime import seccomp
from meta_agent.runtime.backend import Limits, RunResult, RunSpec
from meta_agent.runtime.bwrap_locate import find_bwrap
from meta_agent.runtime.bwrap_locate import forget as forget_probes
from meta_agent.runtime.cgroup import Cgroup
from meta_agent.runtime.channel import SANDBOX_BROKER_SOCKET
from meta_agent.runtime.environment import (
    PASSWORD_WARNING,
    SANDBOX_RESULTS,
    Bind,
    DatabaseAccess,
    database_access,
    sandbox_environment,
)
from meta_agent.runtime.mounts import interpreter_binds, project_python
from meta_agent.runtime.rlimits import child_setup
from meta_agent.runtime.sandbox_args import (
    SANDBOX_SCRIPT,
    SANDBOX_TMP,
    sandbox_argv,
    sandbox_command,
    sandbox_options,
    seccomp_pipe,
)
from meta_agent.runtime.slots import Slot, SlotKeeper

if TYPE_CHECKING:
    from meta_agent.runtime.supervise import RunContext

# A started sandbox: its process, its cgroup, and the read end of bwrap's --info-fd.
Launched = tuple[subprocess.Popen[bytes], Cgroup | None, int]


def bwrap_problem() -> str | None:
    """Why bwrap cannot be used here, or None when a trial sandbox works (probed once)."""
    return find_bwrap().problem


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
    """Runs each script in a fresh bubblewrap sandbox (see the module docstring for its limits).

    Args:
        python: the interpreter (default: this process's own, ``sys.executable``).
        use_cgroup: limit memory and tasks with a cgroup where one can be made.
        prestart: keep a launcher waiting (slots.py) so a run skips the cgroup move and the
            rlimit exec chain; ``close()`` stops it.
    """

    name = "bwrap"

    def __init__(
        self, python: str | None = None, *, use_cgroup: bool = True, prestart: bool = True
    ) -> None:
        self.python = python or project_python()
        self.use_cgroup = use_cgroup
        self.prestart = prestart
        self._slots: SlotKeeper | None = None  # its thread starts with the first prepare()

    def describe(self) -> dict[str, Any]:
        """The bwrap binary these sandboxes run on (for the run's manifest)."""
        search = find_bwrap()
        if search.found is None:
            return {"backend": self.name, "path": None, "problem": search.problem}
        return {"backend": self.name, **search.found.to_dict()}

    def prepare(self, limits: Limits) -> None:
        """Get a launcher ready for runs under ``limits`` (the executor calls this once)."""
        if self.prestart and self._slots is None:
            self._slots = SlotKeeper(self.python, use_cgroup=self.use_cgroup)
            weakref.finalize(self, self._slots.close)
        if self._slots is not None:
            self._slots.prepare(limits)

    def close(self) -> None:
        if self._slots is not None:
            self._slots.close()

    def run(self, spec: RunSpec, limits: Limits) -> RunResult:
        """Run ``spec.script`` in a new sandbox and supervise it to the end."""
        from meta_agent.runtime.supervise import RunContext  # supervision: imported when it runs

        context = RunContext.open(spec, limits, self.name)
        with context.guard():
            return self._run(context, spec, limits)

    def _run(self, context: RunContext, spec: RunSpec, limits: Limits) -> RunResult:
        from meta_agent.runtime.monitor import Monitor
        from meta_agent.runtime.supervise import finish, watch

        try:
            database = database_access(spec.database_url)
            database.refuse_network("bwrap sandbox")
            interpreter, symlinks = interpreter_binds(self.python)
            binds = [*interpreter, *run_binds(spec, database, SANDBOX_SCRIPT)]
            broker = context.open_broker()  # the run's only way out, when it may use the network
            if broker is not None:
                binds.append(broker.channel.bind())
            env = sandbox_environment(
                results_dir=SANDBOX_RESULTS,
                tmp_dir=SANDBOX_TMP,
                database_url=database.url,
                variables=spec.variables,
                broker_socket=SANDBOX_BROKER_SOCKET if broker is not None else None,
            )
        except ExecutionError as exc:
            return context.error_result(str(exc))
        except OSError as exc:
            return context.error_result(f"The run's network broker could not start: {exc}")
        if database.password_removed:
            context.warn(PASSWORD_WARNING)
        if not seccomp.supported():
            context.warn(f"no seccomp filter on {os.uname().machine}: namespaces only")
        command = sandbox_command(self.python)
        slot = self._slots.take(limits) if self._slots is not None else None
        launched: Launched | RunResult | None = None
        if slot is not None:
            launched = self._from_slot(slot, binds, symlinks, env, limits)
        if launched is None:
            launched = self._start(context, binds, symlinks, command, env)
        if isinstance(launched, RunResult):
            return launched  # bwrap could not even be started
        proc, cgroup, info_read = launched
        if broker is not None:
            broker.serve(peer_root=proc.pid)
        if cgroup is None:
            context.warn("no cgroup available: memory is limited by address space and sampling")
        try:
            watched = watch(
                context, proc, Monitor(limits, proc.pid, spec.results_dir, cgroup), cgroup
            )
            if not _drain(info_read) and watched.breach is None:
                forget_probes()  # a remembered trial no longer holds: the next run probes anew
                tail = " ".join(context.writer.stderr_tail)[-500:]
                return context.error_result(f"bwrap could not set up the sandbox: {tail}")
            return finish(context, watched, exit_code_carries_signal=True)
        finally:
            if cgroup is not None:
                cgroup.remove()

    def _from_slot(
        self,
        slot: Slot,
        binds: list[Bind],
        symlinks: Sequence[tuple[str, str]],
        env: dict[str, str],
        limits: Limits,
    ) -> Launched | None:
        arguments = sandbox_options(
            binds,
            symlinks,
            tmp_bytes=limits.total_output_bytes,
            info_fd=slot.info_child_fd,
            seccomp_fd=slot.seccomp_child_fd,
            env=env,  # as options: through the pipe, never on a command line
        )
        if slot.launch(arguments):
            return slot.proc, slot.cgroup, slot.info_fd
        slot.discard()
        return None

    def _start(
        self,
        context: RunContext,
        binds: list[Bind],
        symlinks: Sequence[tuple[str, str]],
        command: list[str],
        env: dict[str, str],
    ) -> Launched | RunResult:
        """Start bwrap directly: cgroup, exec chain for the rlimits, then the sandbox."""
        limits = context.limits
        cgroup = (
            Cgroup.create(limits.memory_bytes, limits.max_processes) if self.use_cgroup else None
        )
        info_read, info_write = os.pipe()
        filter_fd = seccomp_pipe()
        argv = sandbox_argv(
            binds,
            symlinks,
            command,
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
            if cgroup is not None:
                cgroup.remove()
            return context.error_result(f"bwrap could not be started: {exc}")
        finally:
            for fd in passed:
                os.close(fd)
        return proc, cgroup, info_read


def _drain(fd: int) -> bool:
    """Whether bwrap reported a started sandbox on its info fd."""
    data = b""
    with contextlib.suppress(OSError):
        os.set_blocking(fd, False)
        data = os.read(fd, 4096)
    os.close(fd)
    return b"child-pid" in data
