# expect: output_limit many files stop at the total-output limit
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: many files."""

import os

results = os.environ["META_AGENT_RESULTS_DIR"]
for i in range(100_000):
    with open(os.path.join(results, f"part{i}.csv"), "w") as handle:
        handle.write("x" * 1_000_000)
