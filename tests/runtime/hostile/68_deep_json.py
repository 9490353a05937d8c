# expect: failed a JSON nesting bomb is rejected without crashing the host
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: deep json."""

import os

with open(os.path.join(os.environ["META_AGENT_RESULTS_DIR"], "summary.json"), "w") as handle:
    handle.write("[" * 200_000 + "]" * 200_000)
