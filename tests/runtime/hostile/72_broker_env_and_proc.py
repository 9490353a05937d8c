# expect: succeeded a run using the external tools holds no key: not in its environment, not in /proc
# network: broker
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: look for the external-API key wherever a process keeps what it was given, and leak
whatever is found raw into results/ and reversed and spaced into the log."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
import os

from meta_agent.tool_library.external_tools import get_demographics

found = [repr(sorted(os.environ.items()))]
for pid in ("self", "1", str(os.getppid())):
    for name in ("environ", "cmdline"):
        try:
            with open(f"/proc/{pid}/{name}", "rb") as handle:
                found.append(handle.read().decode("utf-8", "replace").replace("\0", "\n"))
        except OSError as exc:
            found.append(f"{pid}/{name}: {exc}")
result = get_demographics("Orlando, FL")  # the real call works, through the broker
found.append(repr(result))
text = "\n".join(found)
with open(os.path.join(os.environ["META_AGENT_RESULTS_DIR"], "found.txt"), "w") as handle:
    handle.write(text)
print(text[::-1][:20000])
print(" ".join(text)[:20000])
if result["population"] != 309154:
    raise SystemExit(f"wrong data through the broker: {result}")
