# expect: succeeded an API that echoes the key back hands the script only "***"
# network: broker
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: make the key-bearing endpoint echo its request (key included), with and without a
key of the script's own, and a plain echo endpoint; leak every answer raw and reversed."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
import json
import os

from meta_agent.tool_library.external_tools import call_external_api

api = TARGETS["api"]
answers = []
for endpoint, params in (
    (api["census"], {"echo": "1"}),
    (api["census"], {"echo": "1", "key": "the-scripts-own"}),
    (api["census"] + "/", {"echo": "1"}),
    (api["echo"], {"echo": "1"}),
):
    try:
        answers.append(call_external_api(endpoint, params))
    except Exception as exc:
        answers.append({"error": str(exc)})
text = json.dumps(answers)
with open(os.path.join(os.environ["META_AGENT_RESULTS_DIR"], "echo.json"), "w") as handle:
    handle.write(text)
print(text[::-1])
print(" ".join(text))
if "***" not in text:
    raise SystemExit("the key-bearing endpoint did not answer through the broker")
