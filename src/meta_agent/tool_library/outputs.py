"""Where tools may write: the run's results folder, and nowhere else.

Inside a run the runtime sets ``META_AGENT_RESULTS_DIR``; a script run by hand writes to
``./results``. Every writer in the tool library resolves its file name here.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from meta_agent.errors import OutputPathError

RESULTS_DIR_ENV = "META_AGENT_RESULTS_DIR"
# A result file name: letters, digits, dot, dash, underscore; optional one-level subfolder.
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}(/[A-Za-z0-9][A-Za-z0-9._-]{0,120})?$")


def results_dir() -> Path:
    """The folder results go to (created if missing)."""
    folder = Path(os.environ.get(RESULTS_DIR_ENV) or "results")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def results_path(filename: str, suffixes: tuple[str, ...] = ()) -> Path:
    """The path for a result file, refusing anything that would land outside the results folder."""
    if not isinstance(filename, str) or not SAFE_NAME.match(filename) or ".." in filename:
        raise OutputPathError(
            f"Output file name {filename!r} is not allowed: use a plain name such as "
            "'dscr.csv' (letters, digits, '.', '-', '_'), written inside the results folder."
        )
    if suffixes and not filename.lower().endswith(suffixes):
        raise OutputPathError(
            f"Output file name {filename!r} must end with one of: {', '.join(suffixes)}."
        )
    base = results_dir().resolve()
    target = (base / filename).resolve()
    if base not in target.parents:
        raise OutputPathError(
            f"Output file {filename!r} would be written outside the results folder."
        )
    if (base / filename).is_symlink():
        raise OutputPathError(
            f"Output file {filename!r} is a symbolic link; refusing to follow it."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    return target
