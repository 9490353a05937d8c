# expect: succeeded /tmp is private: the host's /tmp is untouched
# process: skip it would really modify the host under the process backend
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: write tmp is private."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
import os

open("/tmp/" + TARGETS["mark"], "w").write("scratch")
print(os.listdir("/tmp"))
