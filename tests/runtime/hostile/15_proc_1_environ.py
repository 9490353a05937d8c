# expect: succeeded /proc/1/environ holds only the sandbox's own variables
# process: xfail under the process backend pid 1 is the host's init (its environment is readable as root)
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: proc 1 environ."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
import os

try:
    data = open("/proc/1/environ", "rb").read().decode("utf-8", "replace")
except PermissionError:
    data = ""  # pid 1 out of reach (the docker sandbox's init is not dumpable): nothing leaks
print(data.replace("\0", "\n"))
if TARGETS["env_name"] in data:
    raise SystemExit("ESCAPED: host variable visible")
