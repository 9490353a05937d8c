# expect: failed nested user namespaces are disabled
# process: pass (its seccomp filter refuses unshare)
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: new user namespace."""

import ctypes

libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWUSER, CLONE_NEWNS = 0x10000000, 0x00020000
if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0:
    raise OSError(ctypes.get_errno(), "unshare refused")
print("ESCAPED: new user namespace")
