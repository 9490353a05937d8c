# expect: failed hard links in results/ are refused (removed)
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: hardlink in results."""

import os

results = os.environ["META_AGENT_RESULTS_DIR"]
with open(os.path.join(results, "a.csv"), "w") as handle:
    handle.write("x,y\n1,2\n")
os.link(os.path.join(results, "a.csv"), os.path.join(results, "b.csv"))
print("hard link planted")
