# expect: succeeded no canary name is visible in any listable folder
# process: xfail the process backend runs as the host user, who can read it
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: list host dirs."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
import os

names = {os.path.basename(p) for k, p in TARGETS.items() if k.endswith("_canary")}
seen = []
for top in ("/", "/root", "/home", "/var", "/var/tmp", "/etc", "/tmp", TARGETS["repo"]):
    for folder, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if d not in ("proc", "sys")]
        seen.extend(n for n in files if n in names)
if seen:
    raise SystemExit(f"ESCAPED: saw {seen}")
print("no canary visible")
