# expect: succeeded the broker stops a run that floods it with requests
# network: broker
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: more requests than a run may make (the broker counts them on the host)."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
from meta_agent.tool_library.external_tools import call_external_api

granted = refused = 0
for _ in range(520):
    try:
        call_external_api(TARGETS["api"]["json"])
        granted += 1
    except Exception as exc:
        refused += 1
        last = str(exc)
print("granted", granted, "refused", refused)
if granted > 500 or refused == 0:
    raise SystemExit(f"ESCAPED: {granted} requests granted")
print(last)
