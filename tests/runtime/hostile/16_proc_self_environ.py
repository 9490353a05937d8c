# expect: succeeded the script's environment holds nothing of the host's
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: proc self environ."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
import os

data = open("/proc/self/environ", "rb").read().decode("utf-8", "replace")
print(data.replace("\0", "\n"))
print(dict(os.environ))
if TARGETS["env_name"] in data or TARGETS["env_name"] in os.environ:
    raise SystemExit("ESCAPED: host variable visible")
