# expect: succeeded no process visible to the script carries the host's variables
# process: xfail the process backend sees every host process (the test runner's environment included)
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: scan all environ."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
import os

for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        data = open(f"/proc/{pid}/environ", "rb").read().decode("utf-8", "replace")
    except OSError:
        continue
    print(pid, data.replace("\0", " ")[:2000])
    if TARGETS["env_name"] in data:
        raise SystemExit(f"ESCAPED: host variable visible in pid {pid}")
