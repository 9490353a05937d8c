"""Who approved, rejected, edited or cancelled a run, and when: the history and decisions.json.

One way to put a decision on the record, for the CLI's prompt (and ``--yes``) and for the
service's approve, reject, edit and cancel: a row in ``run_decisions`` and the run's whole list
rewritten into ``decisions.json`` in its folder, before its manifest is written (so the
manifest lists the file with its checksum). An edited script's diff against the generated one
is kept with its decision.
"""

from __future__ import annotations

import difflib
import getpass
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from meta_agent.archive.history import decisions_of, open_history_db
from meta_agent.archive.record import now_iso
from meta_agent.archive.run_folder import RunFolder

DECISIONS_FILE = "decisions.json"
DIFF_FILE = "script.diff"
# A generated script names its plan in its docstring; an edited copy still does.
PLAN_HASH_LINE = re.compile(r"^Plan hash: ([0-9a-f]{16,64})\s*$", re.MULTILINE)
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


def approval_on_record(
    approve: Callable[[Any], bool] | None,
    subject: Any,
    folder: RunFolder,
    actor: str,
    runs_dir: Path,
    url: str | None = None,
) -> bool:
    """Ask ``approve`` about ``subject`` and put ``actor``'s answer on the record.

    None approves in advance (``--yes``: ``approved (--yes)``); a stop at the prompt (Ctrl-C) is
    recorded as ``cancelled`` and goes on up. A script (``exec``) edited from a generated one
    has its diff kept with the decision.
    """
    source = subject if isinstance(subject, str) else None

    def decided(action: str) -> None:
        record_approval(runs_dir, folder, action, actor, source=source, url=url)

    try:
        approved = approve is None or approve(subject)
    except KeyboardInterrupt:
        decided("cancelled")
        raise
    decided("rejected" if not approved else "approved" if approve else "approved (--yes)")
    return approved


def record_approval(
    runs_dir: Path,
    folder: RunFolder,
    action: str,
    actor: str,
    *,
    source: str | None = None,
    url: str | None = None,
) -> list[Decision]:
    """The CLI's decision on a run; for a script edited from a generated one, with the diff.

    ``source`` is the script decided on (``exec``): when it names the plan of an earlier run and
    differs from the script generated for it, the diff is kept with the decision and written to
    ``script.diff``, as the service does for an edit made on the page.
    """
    diff = edit_of_generated(source, runs_dir, url) if source is not None else None
    if diff:
        folder.write_text(DIFF_FILE, diff)
    return record_decision(runs_dir, folder, action, actor, diff=diff, url=url)


def edit_of_generated(source: str, runs_dir: Path, url: str | None = None) -> str | None:
    """The diff of ``source`` against the generated script it was edited from, if any."""
    named = PLAN_HASH_LINE.search(source[:4000])
    if named is None:
        return None
    with open_history_db(runs_dir, url) as db:
        row = db.row(
            "SELECT run_dir FROM runs WHERE plan_hash = ? AND kind = 'ask' "
            "ORDER BY created_at DESC LIMIT 1",
            (named.group(1),),
        )
    if row is None:
        return None
    folder = Path(row["run_dir"])
    # A script edited on the service keeps the generated one beside it.
    original = folder / "script.generated.py"
    try:
        generated = (original if original.is_file() else folder / "script.py").read_text("utf-8")
    except OSError:
        return None
    if generated == source:
        return None
    lines = difflib.unified_diff(
        generated.splitlines(keepends=True),
        source.splitlines(keepends=True),
        "script.generated.py",
        "script.py",
    )
    return "".join(lines)


def local_user() -> str:
    """Who is at this terminal: the OS user the CLI's decisions are recorded under."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        import os

        return f"uid {os.getuid()}"
