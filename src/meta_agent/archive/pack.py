"""Pack a run folder into one .tar.gz that can be handed on (links left out)."""

from __future__ import annotations

import tarfile
from pathlib import Path

from meta_agent.archive.history import RunHistory
from meta_agent.errors import ExecutionError


def pack_run(
    runs_dir: Path, run_id: str, output: Path | None = None, history_url: str | None = None
) -> Path:
    """Pack a run (id or unique prefix) into a .tar.gz; default ``RUNS_DIR/archives/<id>.tar.gz``."""
    with RunHistory(runs_dir, history_url) as history:
        record = history.get(run_id)
    root = Path(record.run_dir)
    if not root.is_dir():
        raise ExecutionError(f"The folder of run {record.run_id} is gone: {root}")
    target = output or runs_dir / "archives" / f"{record.run_id}.tar.gz"
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".tmp")
    with tarfile.open(temporary, "w:gz") as tar:
        tar.add(root, arcname=record.run_id, filter=_no_links)
    temporary.replace(target)
    return target


def _no_links(member: tarfile.TarInfo) -> tarfile.TarInfo | None:
    # A link could point anywhere on the machine that packs it; only regular content travels.
    return None if member.issym() or member.islnk() else member
