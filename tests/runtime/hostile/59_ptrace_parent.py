# expect: failed ptrace of the parent is refused
# process: pass (its seccomp filter refuses ptrace)
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: ptrace parent."""

import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
PTRACE_ATTACH = 16
if libc.ptrace(PTRACE_ATTACH, os.getppid(), None, None) != 0:
    raise OSError(ctypes.get_errno(), "ptrace refused")
print("ESCAPED: attached")
