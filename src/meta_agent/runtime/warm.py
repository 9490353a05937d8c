"""Inside a warm-pool sandbox: import the data stack, say ready, then run exactly one script.

Runs as a plain script (``python -I -u warm.py READY_FD [full|light|bare]``) inside bwrap, before
any untrusted code: it imports what tool-library scripts use (light: no charts, and no SQLAlchemy
for a SQLite file; bare: nothing, for a script that imports none of it), writes one byte to
READY_FD, then reads the run's header
(``header``: its length, then the marshalled dict) and the script source from stdin, applies the
run's variables and CPU budget, and executes the source as ``__main__``. It never runs a second
script: the sandbox dies after one.

A bare member is what a short script waits for, so this file imports next to nothing itself: the
header is marshalled rather than JSON (json pulls in re and enum), traceback is imported only for
a script that failed, and the script's lines come from its file (bound at its path) rather than
from a linecache entry (linecache pulls in tokenize and re). Everything heavier comes with what
the script imports.
"""

from __future__ import annotations

import atexit
import builtins
import gc
import marshal
import math
import os
import resource
import sys
import types

TYPE_CHECKING = False  # typing itself costs a bare member ~2 ms; mypy reads this name as true
if TYPE_CHECKING:
    from typing import Any

# What generated scripts import; tool-library modules still being written are skipped quietly.
PRELOAD = (
    "numpy",
    "pandas",
    "sqlalchemy",
    "matplotlib",
    "matplotlib.pyplot",
    "meta_agent.tool_library.outputs",
    "meta_agent.tool_library.tool_registry",
    "meta_agent.tool_library.calculation_tools",
    "meta_agent.tool_library.database_tools",
    "meta_agent.tool_library.analysis_tools",
    "meta_agent.tool_library.data_tools",
    "meta_agent.tool_library.chart_tools",
    "meta_agent.tool_library.report_tools",
    "meta_agent.tool_library.validation_tools",
    "meta_agent.tool_library.external_tools",
)
CPU_GRACE_SECONDS = 1  # same as rlimits.CPU_GRACE_SECONDS (this file must import nothing of ours)


CHART_MODULES = ("matplotlib", "matplotlib.pyplot")


HEADER_LENGTH_BYTES = 4  # the marshalled header's length, big-endian, before it


def header(fields: dict[str, object]) -> bytes:
    """What the pool writes ahead of the source: the length of the marshalled ``fields``, then
    them (plain str, int and dict values, from the runtime; never from a script)."""
    data = marshal.dumps(fields)
    return len(data).to_bytes(HEADER_LENGTH_BYTES, "big") + data


def read_request(data: bytes) -> tuple[dict[str, Any], bytes]:
    """The header's fields and the script's source, from what arrived on stdin."""
    length = int.from_bytes(data[:HEADER_LENGTH_BYTES], "big")
    end = HEADER_LENGTH_BYTES + length
    return marshal.loads(data[HEADER_LENGTH_BYTES:end]), data[end:]


def preload(charts: bool = True, sqlalchemy: bool = True) -> None:
    """Import the data stack; ``charts=False`` leaves matplotlib to the scripts that draw, and
    ``sqlalchemy=False`` SQLAlchemy to the scripts that need more than the metrics query."""
    import importlib
    import warnings

    os.environ.setdefault("MPLBACKEND", "Agg")
    # Imports build many objects and next to no garbage (~900 objects after the data stack):
    # no collections on the way (~10% faster), and no full one after (~70 ms of CPU, which a
    # run would wait for). Everything imported is frozen as permanent, so the script's own
    # collections, and the final one, only scan the script's objects.
    gc.disable()
    for name in PRELOAD:
        if (not charts and name in CHART_MODULES) or (not sqlalchemy and name == "sqlalchemy"):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:  # noqa: SIM105 - contextlib costs a bare member ~1 ms
                importlib.import_module(name)
            except Exception:  # noqa: BLE001, S110 - a module still being written is skipped
                pass
    os.environ.pop("MPLBACKEND", None)
    gc.freeze()
    gc.enable()


def reads_sqlite_directly() -> bool:
    """Whether the run's database is a plain SQLite file, which the metrics query (nearly every
    script's first step) reads with sqlite3: a light member then leaves SQLAlchemy (~60 ms) to
    the scripts that use other database tools."""
    from meta_agent.portfolio.sqlite_direct import DATABASE_URL_ENV, plain_file

    return plain_file(os.environ.get(DATABASE_URL_ENV)) is not None


def limit_cpu(seconds: int) -> None:
    """From now on the script gets ``seconds`` of CPU, whatever the imports used."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime) + seconds
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    new_hard = soft + CPU_GRACE_SECONDS
    if hard != resource.RLIM_INFINITY:
        new_hard = min(new_hard, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (min(soft, new_hard), new_hard))


def run(source: str, filename: str) -> int:
    main = types.ModuleType("__main__")
    main.__dict__.update({"__file__": filename, "__builtins__": builtins})
    sys.modules["__main__"] = main
    sys.argv = [filename]
    # The same bytes are bound read-only at ``filename`` (pool.py): tracebacks and warnings read
    # the script's lines from that file, as in a cold sandbox, without linecache imported here.
    try:
        code = compile(source, filename, "exec")
        exec(code, main.__dict__)  # noqa: S102 - this is the sandbox's one job
    except SystemExit as exc:
        if exc.code is None:
            return 0
        if isinstance(exc.code, int):
            return exc.code
        print(exc.code, file=sys.stderr)
        return 1
    except BaseException as exc:  # noqa: BLE001 - report it as the interpreter would
        import traceback

        tb = exc.__traceback__.tb_next if exc.__traceback__ else None
        traceback.print_exception(type(exc), exc, tb)
        return 1
    return 0


def finalize(code: int) -> None:
    """Exit like the interpreter would (atexit, closing files), without tearing down pandas."""
    try:  # noqa: SIM105 - contextlib costs a bare member ~1 ms
        atexit._run_exitfuncs()
    except BaseException:  # noqa: BLE001, S110 - as the interpreter, which only reports them
        pass
    try:
        sys.modules["__main__"].__dict__.clear()
        gc.collect()
    except BaseException:  # noqa: BLE001, S110
        pass
    for stream in (sys.stdout, sys.stderr):
        try:  # noqa: SIM105
            stream.flush()
        except BaseException:  # noqa: BLE001, S110
            pass
    os._exit(code & 0xFF)


def main() -> None:
    ready_fd = int(sys.argv[1])
    mode = sys.argv[2] if len(sys.argv) > 2 else "full"  # full, light (no charts) or bare
    if mode == "full":
        preload()
    elif mode == "light":
        preload(charts=False, sqlalchemy=not reads_sqlite_directly())
    os.write(ready_fd, b"R")
    os.close(ready_fd)
    request, source = read_request(sys.stdin.buffer.read())
    os.environ.update(request["env"])
    limit_cpu(int(request["cpu_seconds"]))
    finalize(run(source.decode("utf-8", "replace"), str(request["filename"])))


if __name__ == "__main__":
    main()
