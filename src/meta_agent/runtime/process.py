"""The fallback sandbox: a plain child process under resource limits. Isolation is weak.

What it does: runs the script with the project's interpreter in isolated mode (``-I``), in a new
session, with the run folder as working directory, an environment built from nothing, a private
HOME/TMPDIR, rlimits (CPU, file size, core dumps, address space or a cgroup for memory, and a
cgroup for tasks where one can be made), the same monitor, log and result checks as the other
backends, the seccomp deny-list of seccomp.py (no ptrace, mount, unshare...), and (where the
kernel allows it, e.g. as root) a network namespace of its own with no interfaces.

What it does NOT protect against: the script runs as *your user, on your filesystem*. It can read
every file you can read (your home, the repository, other runs, /etc), write wherever you can
write, signal your other processes (including the one that started it), see every
process on the machine, and read your other processes' environments through /proc. Without the
network namespace it can reach any host (the external tools still go through the run's broker
and so hold no key, but a script can open sockets of its own). Without a cgroup, a process that double-forks and
calls ``setsid`` between two 50 ms samples can outlive the run. Use it only for scripts that
already passed validation, on machines with neither bubblewrap nor Docker.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
from pathlib import Path

from meta_agent.errors import ExecutionError
from meta_agent.runtime import seccomp
from meta_agent.runtime.backend import Limits, RunResult, RunSpec
from meta_agent.runtime.cgroup import Cgroup
from meta_agent.runtime.environment import PASSWORD_WARNING, database_access, sandbox_environment
from meta_agent.runtime.monitor import Monitor
from meta_agent.runtime.mounts import project_python
from meta_agent.runtime.rlimits import child_setup
from meta_agent.runtime.supervise import RunContext, finish, watch

WEAK_ISOLATION = (
    "process backend: isolation is weak; the script can read and write your files and see "
    "your processes{network}. Install bubblewrap for a real sandbox."
)


PR_SET_DUMPABLE = 4


@functools.lru_cache(maxsize=1)
def hide_supervisor() -> bool:
    """Make this (the supervising) process non-dumpable, once: a script running as the same
    user can then no longer read its environment or memory through /proc (where a key set in
    the user's shell would be). Root scripts still can; core dumps of this process are off."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


@functools.lru_cache(maxsize=1)
def can_unshare_network() -> bool:
    """Whether a child may get a network namespace of its own (root, or a permissive kernel)."""
    setup = child_setup(Limits(), memory_by_cgroup=True, unshare_network=True)
    try:
        subprocess.run(["/bin/true"], preexec_fn=setup, check=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return True


class ProcessBackend:
    """Runs each script as a limited child process (read the module docstring before using it)."""

    name = "process"

    def __init__(self, python: str | None = None, *, use_cgroup: bool = True) -> None:
        self.python = python or project_python()
        self.use_cgroup = use_cgroup

    def run(self, spec: RunSpec, limits: Limits) -> RunResult:
        """Run ``spec.script`` as a child process and supervise it to the end."""
        context = RunContext.open(spec, limits, self.name)
        with context.guard():
            return self._run(context, spec, limits)

    def _run(self, context: RunContext, spec: RunSpec, limits: Limits) -> RunResult:
        isolated_net = can_unshare_network()
        hide_supervisor()
        context.warn(WEAK_ISOLATION.format(network="" if isolated_net else ", and use the network"))
        try:
            database = database_access(spec.database_url, rewrite=False)
            database.refuse_network_password()
            if isolated_net:
                database.refuse_network("process backend (in a network namespace of its own)")
            script = spec.script.resolve()
            if not script.is_file():
                raise ExecutionError(f"The script {spec.script} does not exist.")
            if spec.results_dir.is_symlink() or not spec.results_dir.is_dir():
                raise ExecutionError(
                    f"The results folder {spec.results_dir} must be a real folder."
                )
            broker = context.open_broker()  # the run's only way to its allowed hosts
        except ExecutionError as exc:
            return context.error_result(str(exc))
        except OSError as exc:
            return context.error_result(f"The run's network broker could not start: {exc}")
        if database.password_removed:
            context.warn(PASSWORD_WARNING)
        scratch = Path(tempfile.mkdtemp(prefix="meta-agent-tmp-"))
        cgroup = (
            Cgroup.create(limits.memory_bytes, limits.max_processes) if self.use_cgroup else None
        )
        try:
            env = sandbox_environment(
                results_dir=str(spec.results_dir.resolve()),
                tmp_dir=str(scratch),
                database_url=database.url,
                variables=spec.variables,
                broker_socket=str(broker.channel.socket_path) if broker is not None else None,
            )
            setup = child_setup(
                limits,
                memory_by_cgroup=cgroup is not None,
                cgroup_procs=cgroup.procs_files() if cgroup else (),
                unshare_network=isolated_net,
                seccomp=seccomp.Installer() if seccomp.supported() else None,
                die_with_parent=True,
            )
            try:
                proc = subprocess.Popen(
                    [self.python, "-I", "-u", str(script)],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    env=env,
                    cwd=spec.run_dir,
                    start_new_session=True,
                    preexec_fn=setup,
                )
            except (OSError, subprocess.SubprocessError) as exc:
                return context.error_result(f"The script could not be started: {exc}")
            if broker is not None:
                broker.serve(peer_root=proc.pid)
            monitor = Monitor(limits, proc.pid, spec.results_dir, cgroup, scratch_dirs=(scratch,))
            watched = watch(context, proc, monitor, cgroup)
            return finish(context, watched, exit_code_carries_signal=False)
        finally:
            if cgroup is not None:
                cgroup.remove()
            shutil.rmtree(scratch, ignore_errors=True)
