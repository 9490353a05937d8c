# expect: failed a pickle posing as JSON is refused, never unpickled
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: pickle as json."""

import os
import pickle

payload = pickle.dumps({"__reduce__": "os.system"})
with open(os.path.join(os.environ["META_AGENT_RESULTS_DIR"], "results.json"), "wb") as handle:
    handle.write(payload)
