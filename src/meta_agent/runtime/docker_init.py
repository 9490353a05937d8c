"""Pid 1 of a docker sandbox: the script's parent that the script cannot touch.

Docker's own init runs as the container's user, so a script of the same uid could ptrace it or
write its memory through /proc/1/mem. This one makes itself non-dumpable first (only
CAP_SYS_PTRACE, which nobody inside has, could reach it then), installs the project's seccomp
deny-list (no ptrace, mount, unshare, keyrings, BPF, io_uring...; seccomp.py) on top of Docker's
default profile, starts the command, reaps every orphan, and exits with the command's status
(128+N when it died of signal N, as bwrap and tini report it). When it exits, the kernel kills
whatever is left in the container's pid namespace.

Run as ``python -I -m meta_agent.runtime.docker_init PYTHON -I -u SCRIPT``; stdlib only.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

from meta_agent.runtime import seccomp

PR_SET_DUMPABLE = 4


def main(command: list[str]) -> int:
    """Start ``command`` under the filter and wait for it (and every orphan) to end."""
    if not command:
        print("docker_init: no command", file=sys.stderr)
        return 2
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        print("docker_init: cannot make pid 1 non-dumpable", file=sys.stderr)
        return 126
    if seccomp.supported():
        seccomp.Installer()()  # inherited by the command; exec keeps it
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)  # pid 1 ignores what it has no handler for
    sys.stdout.flush()
    child = os.fork()
    if child == 0:
        try:
            os.execvp(command[0], command)  # exec makes the script dumpable again: its own
        finally:
            os._exit(127)
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            return 1
        if pid == child:
            code = os.waitstatus_to_exitcode(status)
            return 128 - code if code < 0 else code


if __name__ == "__main__":
    os._exit(main(sys.argv[1:]))
