# expect: failed a file whose bytes do not match its extension is reported
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: fake png."""

import os

with open(os.path.join(os.environ["META_AGENT_RESULTS_DIR"], "chart.png"), "w") as handle:
    handle.write("<script>alert(1)</script>")
