# expect: failed writes next to results/ (in the run folder) are refused
# process: xfail the process backend can write anywhere in the run folder
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: results path dotdot."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
import os

from meta_agent.errors import OutputPathError
from meta_agent.tool_library.outputs import results_path

try:
    results_path("../" + TARGETS["mark"] + ".csv")
except OutputPathError as exc:
    print("outputs refused:", exc)
open(os.path.join(os.environ["META_AGENT_RESULTS_DIR"], "..", TARGETS["mark"] + ".csv"), "w").write(
    "x"
)
