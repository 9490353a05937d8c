# expect: failed a JSON nesting bomb is rejected without crashing the host
"""Hostile: deep json."""

import os

with open(os.path.join(os.environ["META_AGENT_RESULTS_DIR"], "summary.json"), "w") as handle:
    handle.write("[" * 200_000 + "]" * 200_000)
