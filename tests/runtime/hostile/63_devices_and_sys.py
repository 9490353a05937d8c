# expect: failed raw devices and /sys are not there
# process: xfail the process backend sees the host's /dev and /sys
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: devices and sys."""

import os

for path in ("/dev/sda", "/dev/vda", "/dev/mem", "/dev/kmsg", "/sys/fs/cgroup/cgroup.procs"):
    if os.path.exists(path):
        raise SystemExit(f"ESCAPED: {path} exists")
open("/sys/kernel/hostname")
