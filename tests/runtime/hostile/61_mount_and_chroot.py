# expect: failed no mount or chroot is allowed
# process: skip as root on the host a mount would succeed
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: mount and chroot."""

import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
MS_REMOUNT, MS_BIND = 32, 4096
if libc.mount(None, b"/", None, MS_REMOUNT | MS_BIND, None) == 0:
    print("ESCAPED: remounted /")
os.chroot("/tmp")
