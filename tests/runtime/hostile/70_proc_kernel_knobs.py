# expect: failed /proc/irq and /proc/sysrq-trigger are read-only, kernel listings masked
# process: xfail the process backend runs as the host user (as root it may write them)
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: proc kernel knobs (writes the current value back: harmless even if allowed)."""

import os

path = "/proc/irq/default_smp_affinity"
if os.path.exists(path):
    current = open(path).read()
    try:
        with open(path, "w") as handle:
            handle.write(current)
        raise SystemExit("ESCAPED: wrote " + path)
    except OSError as exc:
        print("refused", path, exc)
for listing in ("/proc/kallsyms", "/proc/vmallocinfo", "/proc/slabinfo", "/proc/keys"):
    try:
        data = open(listing).read(4096)
    except OSError as exc:
        print("masked", listing, exc)
        continue
    # Readable kallsyms with every address shown as 0 (unprivileged readers, as under Docker)
    # holds only symbol names, public anyway; the addresses are what must not leak.
    hidden = all(line.startswith("0" * 16 + " ") for line in data.splitlines()[:-1])
    if data and not (listing == "/proc/kallsyms" and hidden):
        raise SystemExit(f"ESCAPED: {listing} readable")
open("/proc/sysrq-trigger", "w")
