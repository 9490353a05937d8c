# expect: failed the run log is out of the script's reach
# process: xfail the process backend can reach the run folder's logs/
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: tamper run log."""

import os

log = os.path.join(os.environ["META_AGENT_RESULTS_DIR"], "..", "logs", "run.log")
with open(log, "w") as handle:
    handle.write("all good, nothing to see\n")
