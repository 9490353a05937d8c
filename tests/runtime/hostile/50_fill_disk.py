# expect: output_limit one endless file stops at the per-file limit
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: fill disk."""

import os

with open(os.path.join(os.environ["META_AGENT_RESULTS_DIR"], "huge.csv"), "w") as handle:
    while True:
        handle.write("x" * 65536)
