"""A prepared matplotlib font cache for sandboxes, so a chart does not cost a font scan per run.

Every sandbox starts with an empty private /tmp, so matplotlib would rebuild its font list
(about 0.8 s) in every run that draws a chart, and in every warm-pool member. The list is built
once per matplotlib version on the host, in a separate process, keeping only the fonts matplotlib
ships (the sandbox sees no system font folders), and bound read-only into each sandbox's
matplotlib folder. If anything goes wrong, sandboxes simply build their own as before.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from meta_agent.logs import lazy_logger

logger = lazy_logger(__name__)  # logging is imported on the first record

BUILD_TIMEOUT_SECONDS = 60


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "meta-agent" / "matplotlib"


@functools.lru_cache(maxsize=1)
def font_cache_file(python: str = sys.executable) -> Path | None:
    """The prepared ``fontlist-v*.json`` for this matplotlib, built on first use; None on failure."""
    installed = matplotlib_version()
    if installed is None:
        return None
    folder = _cache_root() / installed
    found = sorted(folder.glob("fontlist-v*.json"))
    if found:
        return found[-1]
    try:
        return _build(folder, python)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        logger.warning("could not prepare a matplotlib font cache", extra={"error": str(exc)})
        return None


def matplotlib_version() -> str | None:
    """The installed matplotlib's version, read from its dist-info folder's name.

    importlib.metadata would take ~20 ms to import before every cold sandbox; it is asked only
    when the folder is not beside the package (an unusual install).
    """
    import importlib.util

    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return None
    site = Path(next(iter(spec.submodule_search_locations))).parent
    found = sorted(site.glob("matplotlib-*.dist-info"))
    if len(found) == 1:
        return found[0].name.removeprefix("matplotlib-").removesuffix(".dist-info")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("matplotlib")
    except PackageNotFoundError:
        return None


def _build(folder: Path, python: str) -> Path | None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=folder.parent))
    try:
        env = {"MPLCONFIGDIR": str(staging), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        subprocess.run(
            [python, "-I", "-c", "import matplotlib.font_manager"],
            env=env,
            check=True,
            capture_output=True,
            timeout=BUILD_TIMEOUT_SECONDS,
        )
        built = sorted(staging.glob("fontlist-v*.json"))
        if not built:
            return None
        data = json.loads(built[-1].read_text(encoding="utf-8"))
        for key in ("ttflist", "afmlist"):
            # matplotlib records its own fonts relative to its data folder (mounted in
            # sandboxes); absolute paths are system fonts a sandbox cannot see.
            data[key] = [f for f in data.get(key, []) if not f.get("fname", "/").startswith("/")]
        built[-1].write_text(json.dumps(data), encoding="utf-8")
        for other in staging.iterdir():
            if other != built[-1]:
                shutil.rmtree(other, ignore_errors=True) if other.is_dir() else other.unlink()
        try:
            staging.rename(folder)
        except OSError:  # another process finished first: use theirs
            shutil.rmtree(staging, ignore_errors=True)
        found = sorted(folder.glob("fontlist-v*.json"))
        return found[-1] if found else None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
