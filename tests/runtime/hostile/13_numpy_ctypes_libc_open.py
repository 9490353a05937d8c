# expect: failed raw libc open() through numpy.ctypeslib finds no host file
# process: xfail the process backend runs as the host user, who can read it
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: numpy ctypes libc open."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
import ctypes
import os

import numpy as np

libc = (
    np.ctypeslib.load_library("libc.so.6", "/lib/x86_64-linux-gnu")
    if os.path.exists("/lib/x86_64-linux-gnu/libc.so.6")
    else ctypes.CDLL(None)
)
fd = libc.open(TARGETS["home_canary"].encode(), os.O_RDONLY)
if fd < 0:
    raise OSError(ctypes.get_errno(), "libc open failed")
print(os.read(fd, 200))
