# expect: failed a FIFO in results/ is refused, the host never blocks on it
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: fifo in results."""

import os

os.mkfifo(os.path.join(os.environ["META_AGENT_RESULTS_DIR"], "data.csv"))
print("fifo planted")
