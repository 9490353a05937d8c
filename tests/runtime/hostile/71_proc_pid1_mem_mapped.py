# expect: failed the memory of the sandbox's init cannot be written, wherever it is mapped
# process: skip under the process backend pid 1 is the host's init
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: write the sandbox init's memory at an address it really maps (its first mapping).

bwrap's init shares the script's uid; a PIE build is mapped high and a non-PIE one (the bundled
bwrap) at 0x400000, so 60_proc_pid1_mem alone depends on which bwrap runs.
"""

with open("/proc/1/maps") as maps:
    start = int(maps.readline().split("-")[0], 16)
with open("/proc/1/mem", "r+b") as mem:
    mem.seek(start)
    same = mem.read(1)
    mem.seek(start)
    mem.write(same)  # the same byte back: a successful write is the harm being tested
print("ESCAPED: wrote the init's memory")
