# expect: failed a symlink left in results/ is removed, never followed
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: symlink in results."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
import os

os.symlink(TARGETS["root_canary"], os.path.join(os.environ["META_AGENT_RESULTS_DIR"], "canary.csv"))
os.symlink("/etc/passwd", os.path.join(os.environ["META_AGENT_RESULTS_DIR"], "passwd.csv"))
print("links planted")
