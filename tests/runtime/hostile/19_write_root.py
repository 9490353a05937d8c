# expect: failed nothing can be created in /root
# process: skip it would really modify the host under the process backend
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: write root."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
open("/root/" + TARGETS["mark"], "w").write("pwned")
