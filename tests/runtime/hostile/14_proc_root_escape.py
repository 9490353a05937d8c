# expect: failed /proc/1/root and /proc/self/root lead nowhere outside the sandbox
# process: xfail the process backend runs as the host user, who can read it
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: proc root escape."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
import os

for base in ("/proc/1/root", "/proc/self/root", "/proc/1/cwd"):
    path = base + TARGETS["root_canary"]
    if os.path.exists(path):
        print("ESCAPED", open(path).read())
raise FileNotFoundError("no host file reachable through /proc")
