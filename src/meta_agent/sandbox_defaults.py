"""The sandbox limits a fresh install runs with.

Read by ``config.Settings`` (the documented defaults) and by ``runtime.backend.Limits`` (so a bare
``Limits()`` behaves like an unconfigured install). Kept apart from both so that loading settings
never imports the runtime.
"""

from __future__ import annotations

DEFAULT_TIMEOUT_SECONDS = 120.0  # the plan's per-script wall-clock budget
DEFAULT_CPU_SECONDS = 120  # a script that is not waiting on I/O gets the whole wall budget
DEFAULT_MEMORY_MB = 512  # the plan's 512 MB per script; pandas + matplotlib idle at ~130 MB
DEFAULT_MAX_PROCESSES = 64  # tasks (processes and threads): plenty for one interpreter
DEFAULT_MAX_OUTPUT_MB = 50.0  # one PDF/XLSX report with charts is a few MB
DEFAULT_MAX_TOTAL_OUTPUT_MB = 200.0
DEFAULT_MAX_LOG_MB = 10.0  # far above a useful log; stops a print loop filling the disk
