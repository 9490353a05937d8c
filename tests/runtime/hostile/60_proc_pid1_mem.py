# expect: failed the memory of pid 1 cannot be written
# process: skip under the process backend pid 1 is the host's init
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: proc pid1 mem."""

with open("/proc/1/mem", "r+b") as mem:
    mem.seek(0x400000)
    mem.write(b"\xcc")
