"""Exactly what of the host a sandbox needs to run Python and the tool library, read-only.

Found by asking the project's own interpreter (in isolated mode) where it lives: its prefixes
(the venv and the base installation, e.g. a pyenv prefix under /root, without /root itself), the
``meta_agent`` package directory of an editable install (not the repository around it), and the
system library directories its extension modules load from. Never the host's root, /home, /var
or /etc (only /etc/ld.so.cache, the loader's index of those same libraries).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import stat
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

from meta_agent.errors import ExecutionError
from meta_agent.runtime.environment import Bind

# Asked of the interpreter once per process; the answer does not change while we run.
PROBE = """
import importlib.util, json, os, sys, sysconfig
spec = importlib.util.find_spec("meta_agent")
print(json.dumps({
    "prefixes": sorted({sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}),
    "path": [p for p in sys.path if p],
    "executable": os.path.realpath(sys.executable),
    "package": list(spec.submodule_search_locations) if spec else [],
    "multiarch": sysconfig.get_config_var("MULTIARCH") or "",
}))
"""
LOADER_FILES = ("/etc/ld.so.cache",)


@functools.lru_cache(maxsize=4)
def interpreter_layout(python: str) -> dict[str, object]:
    """Where ``python`` keeps itself and the package (cached in memory, and on disk while valid).

    Asking costs an interpreter start (~20 ms of CPU) before every cold sandbox; the answer is
    kept under the user's cache folder with a fingerprint of what it depends on (the
    interpreter's file, its pyvenv.cfg, every path folder and ``.pth`` file), and asked again
    whenever any of these changed.
    """
    cached = _read_cached_layout(python)
    if cached is not None:
        return cached
    try:
        done = subprocess.run(
            [python, "-I", "-c", PROBE], capture_output=True, text=True, timeout=60, env={}
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ExecutionError(f"Could not start the interpreter {python}: {exc}.") from None
    if done.returncode != 0:
        raise ExecutionError(f"The interpreter {python} failed: {done.stderr.strip()[-300:]}")
    layout: dict[str, object] = json.loads(done.stdout)
    _write_cached_layout(python, layout)
    return layout


def _layout_cache_file(python: str) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    # A name per interpreter and probe (crc32: hashlib would load OpenSSL, ~2 ms, before every
    # sandbox); a clash only costs a probe, since the layout is kept with the fingerprint above.
    key = format(zlib.crc32((python + "\0" + PROBE).encode()), "08x")
    return Path(base) / "meta-agent" / f"interpreter-{key}.json"


def _fingerprint(python: str, layout: dict[str, object]) -> list[object] | None:
    """What the layout depends on: (path, mtime or None if absent) pairs, ``.pth`` files too."""
    marks: list[object] = []
    try:
        executable = os.path.realpath(python)
        pyvenv = str(Path(python).parent.parent / "pyvenv.cfg")
        folders = [*layout["path"], *layout["package"]]  # type: ignore[misc]
        for path in (python, executable, pyvenv, *folders):
            marks.append([path, os.stat(path).st_mtime_ns if os.path.exists(path) else None])
        for folder in folders:
            if os.path.isdir(folder):
                with os.scandir(folder) as entries:
                    pth = sorted(
                        [e.name, e.stat().st_mtime_ns] for e in entries if e.name.endswith(".pth")
                    )
                marks.append(pth)
    except (OSError, KeyError, TypeError):
        return None
    return marks


def _read_cached_layout(python: str) -> dict[str, object] | None:
    path = _layout_cache_file(python)
    try:
        info = path.stat()
        # Only our own, unshared file: it decides what the sandbox mounts.
        if info.st_uid != os.geteuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return None
        saved = json.loads(path.read_text(encoding="utf-8"))
        layout = saved["layout"]
        if not isinstance(layout, dict) or saved["fingerprint"] != _fingerprint(python, layout):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return layout


def _write_cached_layout(python: str, layout: dict[str, object]) -> None:
    fingerprint = _fingerprint(python, layout)
    if fingerprint is None:
        return
    path = _layout_cache_file(python)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".interpreter-")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({"fingerprint": fingerprint, "layout": layout}, out)
        os.replace(temporary, path)


def _under(path: Path, roots: list[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def system_library_binds(multiarch: str) -> tuple[list[Bind], list[tuple[str, str]]]:
    """Library directories to bind, and top-level symlinks (/lib -> usr/lib) to recreate."""
    binds: list[Bind] = []
    symlinks: list[tuple[str, str]] = []
    for top in ("/lib", "/lib64"):
        if os.path.islink(top):
            symlinks.append((os.readlink(top), top))
    candidates = ["/usr/lib64", "/lib64"]
    if multiarch:
        candidates += [f"/usr/lib/{multiarch}", f"/lib/{multiarch}"]
    seen: set[str] = set()
    for candidate in candidates:
        if any(candidate == link or candidate.startswith(link + "/") for _, link in symlinks):
            continue  # reached through a recreated symlink
        real = os.path.realpath(candidate)
        if os.path.isdir(real) and real not in seen:
            seen.add(real)
            binds.append(Bind(Path(real), real))
    return binds, symlinks


@functools.lru_cache(maxsize=4)
def interpreter_binds(python: str) -> tuple[tuple[Bind, ...], tuple[tuple[str, str], ...]]:
    """Read-only binds (and symlinks) that let ``python -I`` import the tool library."""
    layout = interpreter_layout(python)
    prefixes = [Path(str(p)) for p in layout["prefixes"]]  # type: ignore[attr-defined]
    binds = [Bind(prefix, str(prefix)) for prefix in prefixes]
    executable = Path(str(layout["executable"]))
    if not _under(executable, prefixes):
        binds.append(Bind(executable, str(executable)))
    packages = [Path(str(p)) for p in layout["package"]]  # type: ignore[attr-defined]
    covered = list(prefixes)
    for package in packages:
        if not _under(package, covered):
            binds.append(Bind(package, str(package)))  # the package, not the repository
            covered.append(package)
    for entry in layout["path"]:  # type: ignore[attr-defined]
        path = Path(str(entry))
        if path.is_dir() and not _under(path, covered):
            if any(p.parent == path for p in packages):
                continue  # the editable-install path entry: only the package inside is needed
            binds.append(Bind(path, str(path)))
            covered.append(path)
    libraries, symlinks = system_library_binds(str(layout["multiarch"]))
    binds += libraries
    binds += [Bind(Path(f), f) for f in LOADER_FILES if os.path.isfile(f)]
    return tuple(binds), tuple(symlinks)


def project_python() -> str:
    """The interpreter of the project's own environment (never a python3 found on PATH)."""
    return sys.executable
