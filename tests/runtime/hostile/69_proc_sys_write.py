# expect: failed kernel settings (sysctls) cannot be written, not even core_pattern
# process: xfail the process backend runs as the host user (as root it may write sysctls)
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: proc sys write (the same value back, so even a failure of the test harms nothing)."""

written = []
for path in ("/proc/sys/kernel/core_pattern", "/proc/sys/vm/swappiness"):
    current = open(path).read()
    try:
        with open(path, "w") as handle:
            handle.write(current)
        written.append(path)
    except OSError as exc:
        print("refused", path, exc)
if written:
    raise SystemExit(f"ESCAPED: wrote {written}")
open("/proc/sys/kernel/core_pattern", "w")
