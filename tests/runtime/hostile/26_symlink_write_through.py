# expect: failed writing through a symlink in results/ cannot reach the host
# process: skip it would really modify the host under the process backend
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: symlink write through."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
import os

link = os.path.join(os.environ["META_AGENT_RESULTS_DIR"], "out.csv")
os.symlink("/etc/" + TARGETS["mark"], link)
try:
    with open(link, "w") as handle:
        handle.write("pwned")
except OSError as exc:
    print("write through link refused:", exc)
