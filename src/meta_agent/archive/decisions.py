"""Who approved, rejected, edited or cancelled a run, and when: the history and decisions.json.

One way to put a decision on the record, for the CLI's prompt (and ``--yes``) and for the
service's approve, reject, edit and cancel: a row in ``run_decisions`` and the run's whole list
rewritten into ``decisions.json`` in its folder, before its manifest is written (so the
manifest lists the file with its checksum). An edited script's diff against the generated one
is kept with its decision.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from meta_agent.archive.history import decisions_of, open_history_db
from meta_agent.archive.record import now_iso
from meta_agent.archive.run_folder import RunFolder

DECISIONS_FILE = "decisions.json"
Decision = dict[str, Any]  # action, actor, at, diff (None unless the script was edited)


def record_decision(
    runs_dir: Path,
    folder: RunFolder,
    action: str,
    actor: str,
    *,
    diff: str | None = None,
    url: str | None = None,
) -> list[Decision]:
    """Put one decision on the record; returns the run's decisions so far, oldest first.

    Args:
        url: the run history's SQL URL (None: ``history.db`` in ``runs_dir``).
    """
    with open_history_db(runs_dir, url) as db:
        with db.transaction():
            db.execute(
                "INSERT INTO run_decisions (run_id, action, actor, at, diff) VALUES (?, ?, ?, ?, ?)",
                (folder.run_id, action, actor, now_iso(), diff),
            )
        decisions = decisions_of(db, folder.run_id)
    folder.write_json(DECISIONS_FILE, decisions)
    return decisions


def local_user() -> str:
    """Who is at this terminal: the OS user the CLI's decisions are recorded under."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        import os

        return f"uid {os.getuid()}"
