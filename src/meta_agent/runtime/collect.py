"""Results cross from the sandbox to the host as checked files, never as objects or links.

Run after every process of the run is gone, so nothing changes underneath. Links and special
files are removed (never followed), each file's type is checked against its extension by magic
bytes or parsing, and what the run was expected to produce must be there. Nothing is unpickled,
imported or executed.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from meta_agent.runtime.backend import Limits, Status

# Subfolders allowed in results/ (outputs.results_path allows one level); deeper is refused.
MAX_DEPTH = 3
SNIFF_BYTES = 64 * 1024
# JSON outputs are parsed to prove they are JSON; bigger ones are only sniffed.
MAX_JSON_PARSE_BYTES = 20 * 1024 * 1024


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 4  # a multi-byte character cut by the sniff window
    return True


def _json_ok(fd: int, size: int, head: bytes) -> bool:
    if size > MAX_JSON_PARSE_BYTES:
        return _is_text(head) and head.lstrip()[:1] in (b"{", b"[")
    data = head + _read_rest(fd)
    try:
        json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        return False
    return True


def _read_rest(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1024 * 1024):
        chunks.append(chunk)
    return b"".join(chunks)


# extension -> (description, check(head) or None for a full check)
MAGIC: dict[str, tuple[str, Callable[[bytes], bool]]] = {
    ".png": ("a PNG image", lambda h: h.startswith(b"\x89PNG\r\n\x1a\n")),
    ".pdf": ("a PDF document", lambda h: h.startswith(b"%PDF-")),
    ".xlsx": ("an XLSX workbook (zip)", lambda h: h.startswith(b"PK\x03\x04")),
    ".zip": ("a zip archive", lambda h: h.startswith(b"PK\x03\x04")),
    ".csv": ("CSV text", _is_text),
    ".txt": ("text", _is_text),
    ".md": ("Markdown text", _is_text),
    ".svg": ("an SVG image", lambda h: _is_text(h) and b"<svg" in h),
    ".html": ("HTML text", _is_text),
}


@dataclass
class Collected:
    """What the results folder held, what was refused, and whether output limits were hit."""

    artifacts: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    limit: Status | None = None
    total_bytes: int = 0


def collect(results_dir: Path, limits: Limits, expected: Sequence[str] | None) -> Collected:
    """Check ``results_dir`` in place: refuse links and special files, check types and sizes."""
    found = Collected()
    if results_dir.is_symlink() or not results_dir.is_dir():
        found.problems.append("the results folder is missing or is not a folder")
        return found
    _walk(results_dir, "", 0, limits, found)
    found.artifacts.sort()
    if found.total_bytes > limits.total_output_bytes:
        found.limit = "output_limit"
        found.problems.append(
            f"results total {found.total_bytes} bytes, over the {limits.max_total_output_mb} MB limit"
        )
    for name in expected or ():
        if name not in found.artifacts:
            found.problems.append(f"expected output {name!r} was not produced")
    return found


def _refuse(path: Path, relative: str, what: str, found: Collected) -> None:
    with contextlib.suppress(OSError):
        if stat.S_ISDIR(os.lstat(path).st_mode):
            import shutil

            shutil.rmtree(path)
        else:
            os.unlink(path)
    found.problems.append(f"refused {relative!r}: {what} (removed)")


def _walk(folder: Path, prefix: str, depth: int, limits: Limits, found: Collected) -> None:
    """Look at everything first (so both names of a hard-linked pair are seen), then act."""
    for path, relative, info in _scan(folder, prefix, depth, found):
        mode = info.st_mode
        if stat.S_ISLNK(mode):
            _refuse(path, relative, "a symbolic link", found)
        elif not stat.S_ISREG(mode):
            _refuse(path, relative, "a special file (FIFO, socket or device)", found)
        elif info.st_nlink > 1:
            _refuse(path, relative, "a hard link to another file", found)
        else:
            _check_file(path, relative, limits, found)


def _scan(
    folder: Path, prefix: str, depth: int, found: Collected
) -> list[tuple[Path, str, os.stat_result]]:
    with os.scandir(folder) as entries:
        names = sorted(entry.name for entry in entries)
    scanned: list[tuple[Path, str, os.stat_result]] = []
    for name in names:
        path, relative = folder / name, f"{prefix}{name}"
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode):
            scanned.append((path, relative, info))
        elif depth + 1 >= MAX_DEPTH:
            _refuse(path, relative, f"folders nested deeper than {MAX_DEPTH - 1}", found)
        else:
            scanned += _scan(path, f"{relative}/", depth + 1, found)
    return scanned


def _check_file(path: Path, relative: str, limits: Limits, found: Collected) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        _refuse(path, relative, f"unreadable ({exc.strerror})", found)
        return
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            _refuse(path, relative, "not a regular file", found)
            return
        found.total_bytes += info.st_size
        if info.st_size >= limits.output_bytes:
            # RLIMIT_FSIZE stops a file exactly at the cap: reaching it means a write was refused.
            found.limit = "output_limit"
            found.problems.append(
                f"{relative!r} reached the {limits.max_output_mb} MB per-file limit"
            )
        head = os.read(fd, SNIFF_BYTES)
        suffix = Path(relative).suffix.lower()
        if suffix == ".json":
            ok, what = _json_ok(fd, info.st_size, head), "JSON"
        elif suffix in MAGIC:
            what, check = MAGIC[suffix]
            ok = check(head) if info.st_size else suffix in (".csv", ".txt", ".md")
        else:
            ok, what = True, ""
        if not ok:
            found.problems.append(f"{relative!r} is not {what}")
        found.artifacts.append(relative)
    finally:
        os.close(fd)
