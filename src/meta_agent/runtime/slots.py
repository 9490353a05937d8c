"""Pre-started launchers: a bwrap already in its cgroup and under its limits, waiting for arguments.

Moving a process into a fresh cgroup waits for an RCU grace period (~10 ms on a VM) and the exec
chain that sets the rlimits costs a few more; a slot pays both ahead of time, off the critical
path. A slot is ``sh`` (joins the cgroup) -> ``prlimit`` -> ``bwrap --args FD``, and bwrap blocks
reading its arguments from that pipe: nothing about the run (mounts, environment, secrets)
exists until ``launch``, the namespaces are created then, fresh, and the arguments never appear
on a command line. One slot serves one run; the keeper starts the next in the background.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import threading
from dataclasses import dataclass

from meta_agent.logs import lazy_logger
from meta_agent.runtime.backend import Limits
from meta_agent.runtime.cgroup import Cgroup
from meta_agent.runtime.rlimits import child_setup
from meta_agent.runtime.sandbox_args import bwrap_binary, sandbox_command, seccomp_pipe

logger = lazy_logger(__name__)  # logging is imported on the first record


@dataclass
class Slot:
    """One waiting launcher and the fds its bwrap will use."""

    proc: subprocess.Popen[bytes]
    cgroup: Cgroup | None
    limits: Limits
    args_fd: int  # write end: the run's arguments go here
    info_fd: int  # read end of bwrap's --info-fd
    info_child_fd: int  # the numbers bwrap knows these fds by
    seccomp_child_fd: int | None

    def launch(self, arguments: list[str]) -> bool:
        """Hand bwrap its options (NUL-separated); False if the launcher is gone."""
        data = b"".join(argument.encode() + b"\0" for argument in arguments)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self.args_fd, view) :]
        except OSError:
            return False
        finally:
            os.close(self.args_fd)
        return True

    def discard(self) -> None:
        """Kill an unused launcher and free what it holds."""
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(5)
        for fd in (self.args_fd, self.info_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()
        if self.cgroup is not None:
            self.cgroup.remove()


def start_slot(limits: Limits, use_cgroup: bool, python: str) -> Slot:
    """Start one launcher (call from a long-lived thread: bwrap dies with the starting thread)."""
    cgroup = Cgroup.create(limits.memory_bytes, limits.max_processes) if use_cgroup else None
    args_read, args_write = os.pipe()
    info_read, info_write = os.pipe()
    filter_fd = seccomp_pipe()
    passed = tuple(fd for fd in (args_read, info_write, filter_fd) if fd is not None)
    setup = child_setup(
        limits,
        memory_by_cgroup=cgroup is not None,
        cgroup_procs=cgroup.procs_files() if cgroup else (),
    )
    prefix = setup.command_prefix()
    # bwrap takes the command from its real command line, the options from the pipe.
    command = [bwrap_binary(), "--args", str(args_read), "--", *sandbox_command(python)]
    try:
        proc = subprocess.Popen(
            [*prefix, *command] if prefix else command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={},
            cwd="/",
            start_new_session=True,
            preexec_fn=None if prefix else setup,
            pass_fds=passed,
        )
    except OSError:
        for fd in (args_write, info_read):
            os.close(fd)
        if cgroup is not None:
            cgroup.remove()
        raise
    finally:
        for fd in passed:
            os.close(fd)
    return Slot(proc, cgroup, limits, args_write, info_read, info_write, filter_fd)


class SlotKeeper:
    """Keeps one launcher ready per set of limits, started by one long-lived thread."""

    def __init__(self, python: str, *, use_cgroup: bool = True) -> None:
        self.python = python
        self.use_cgroup = use_cgroup
        self._ready: dict[Limits, Slot] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._requests: queue.SimpleQueue[Limits | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="meta-agent-slots", daemon=True)
        self._thread.start()

    def prepare(self, limits: Limits) -> None:
        """Start a launcher for these limits in the background (if none is waiting)."""
        self._requests.put(limits)

    def take(self, limits: Limits) -> Slot | None:
        """The waiting launcher for these limits, if any; the next one starts in the background."""
        with self._lock:
            slot = self._ready.pop(limits, None)
        self.prepare(limits)
        if slot is not None and slot.proc.poll() is None:
            return slot
        if slot is not None:
            slot.discard()
        return None

    def _loop(self) -> None:
        while (limits := self._requests.get()) is not None:
            with self._lock:
                if self._closed or limits in self._ready:
                    continue
            try:
                slot = start_slot(limits, self.use_cgroup, self.python)
            except OSError:
                logger.exception("could not pre-start a sandbox launcher")
                continue
            with self._lock:
                keep = not self._closed and limits not in self._ready
                if keep:
                    self._ready[limits] = slot
            if not keep:
                slot.discard()

    def close(self) -> None:
        """Stop starting launchers and kill the waiting ones."""
        with self._lock:
            self._closed = True
            slots, self._ready = list(self._ready.values()), {}
        self._requests.put(None)
        for slot in slots:
            slot.discard()
        if threading.current_thread() is not self._thread:
            self._thread.join(5)
