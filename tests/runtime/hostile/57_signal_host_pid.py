# expect: failed a host process id is not visible
# process: xfail the process backend shares the host's pid namespace
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: signal host pid."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
import os

os.kill(TARGETS["host_pid"], 0)
print("ESCAPED: host pid visible")
