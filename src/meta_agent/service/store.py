"""The service's state in the run history database: tokens, owners, decisions, statuses.

Everything the service knows about a run is in the run history (``history.db`` next to the run
folders, or the database ``META_AGENT_HISTORY_URL`` names: the same store the CLI writes), so a
restarted server finds every run where it was left. Each call opens its own short-lived
connection: worker threads and request handlers never share one.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meta_agent.archive.decisions import Decision, record_decision
from meta_agent.archive.history import RunRecord, decisions_of, open_history_db, record_from_row
from meta_agent.archive.record import now_iso
from meta_agent.archive.run_folder import RunFolder
from meta_agent.archive.sql import HistoryDB, history_url
from meta_agent.errors import ConfigError

if TYPE_CHECKING:
    from meta_agent.config import Settings

# A run is final once it has one of the pipeline's end statuses; these are the service's own.
HELD = "awaiting_approval"
QUEUED = "queued"
RUNNING = "running"
UNFINISHED = (HELD, QUEUED, RUNNING)
TOKEN_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-")


@dataclass(frozen=True)
class User:
    """Who a token belongs to."""

    name: str
    admin: bool


@dataclass(frozen=True)
class TokenInfo:
    """A token as ``token list`` shows it (never the token itself)."""

    name: str
    admin: bool
    created_at: str
    revoked_at: str | None
    limits: dict[str, float]


# The sandbox limits a token may raise or lower for its owner's runs (hours-long runs need more).
USER_LIMITS = ("timeout_seconds", "cpu_seconds", "memory_mb")


def hash_token(token: str) -> str:
    """SHA-256 of a token: tokens are 256 random bits, so a slow hash would add nothing."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ServiceStore:
    """Reads and writes the service's tables in one runs folder's history database."""

    def __init__(self, runs_dir: Path, url: str | None = None) -> None:
        """Args:
        url: the run history's SQL URL (``META_AGENT_HISTORY_URL``); None: ``history.db`` in
            ``runs_dir``.
        """
        self.runs_dir = runs_dir
        self.url = url
        # Opening the history once creates the folder and applies every migration.
        open_history_db(runs_dir, url).close()
        self.location = history_url(runs_dir, url)

    @classmethod
    def for_settings(cls, settings: Settings) -> ServiceStore:
        """The store of the runs folder and run history in force."""
        return cls(settings.resolved_runs_dir, settings.history_url)

    @contextmanager
    def _db(self, write: bool = False) -> Iterator[HistoryDB]:
        """A connection for one call; a writing call does everything in one transaction."""
        db = HistoryDB(self.location)
        try:
            if not write:
                yield db
                return
            with db.transaction():
                yield db
        finally:
            db.close()

    # --- tokens -------------------------------------------------------------------------------

    def create_token(
        self, name: str, admin: bool = False, limits: dict[str, float] | None = None
    ) -> str:
        """A new token for ``name``; only its hash is stored, so it is shown this once.

        ``limits`` overrides the configured sandbox limits for this user's runs.
        """
        limits = {key: value for key, value in (limits or {}).items() if value is not None}
        unknown = sorted(set(limits) - set(USER_LIMITS))
        if unknown or any(not value > 0 for value in limits.values()):
            raise ConfigError(
                f"Token limits must be positive numbers among {', '.join(USER_LIMITS)}; "
                f"got {limits}."
            )
        if not name or len(name) > 64 or not set(name) <= TOKEN_NAME_CHARS:
            raise ConfigError(
                f"Token name {name!r} is not usable: use 1 to 64 letters, digits, '.', '_', '@' "
                "or '-'."
            )
        token = "ma_" + secrets.token_urlsafe(32)
        with self._db(write=True) as db:
            row = db.row("SELECT revoked_at FROM api_tokens WHERE name = ?", (name,))
            if row is not None and row["revoked_at"] is None:
                raise ConfigError(
                    f"A token named {name!r} exists; revoke it first (`meta-agent token revoke "
                    f"{name}`) or choose another name."
                )
            db.upsert(
                "api_tokens",
                {
                    "name": name,
                    "token_sha256": hash_token(token),
                    "admin": int(admin),
                    "created_at": now_iso(),
                    "revoked_at": None,
                    "limits": json.dumps(limits),
                },
                key="name",
            )
        return token

    def revoke_token(self, name: str) -> None:
        with self._db(write=True) as db:
            done = db.execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                (now_iso(), name),
            )
        if done.rowcount == 0:
            raise ConfigError(
                f"No active token named {name!r}; `meta-agent token list` shows them."
            )

    def tokens(self) -> list[TokenInfo]:
        with self._db() as db:
            rows = db.rows("SELECT * FROM api_tokens ORDER BY name")
        return [
            TokenInfo(
                r["name"],
                bool(r["admin"]),
                r["created_at"],
                r["revoked_at"],
                json.loads(r["limits"]),
            )
            for r in rows
        ]

    def limits_of(self, owner: str | None) -> dict[str, float]:
        """The sandbox limits ``owner``'s active token overrides (empty: the configured ones)."""
        if owner is None:
            return {}
        with self._db() as db:
            row = db.row(
                "SELECT limits FROM api_tokens WHERE name = ? AND revoked_at IS NULL", (owner,)
            )
        found: dict[str, float] = json.loads(row["limits"]) if row is not None else {}
        return {key: value for key, value in found.items() if key in USER_LIMITS}

    def has_active_token(self) -> bool:
        with self._db() as db:
            row = db.row("SELECT 1 AS found FROM api_tokens WHERE revoked_at IS NULL LIMIT 1")
            return row is not None

    def user_for(self, token: str) -> User | None:
        """The owner of an active token, or None."""
        with self._db() as db:
            row = db.row(
                "SELECT name, admin FROM api_tokens WHERE token_sha256 = ? AND revoked_at IS NULL",
                (hash_token(token),),
            )
        return User(row["name"], bool(row["admin"])) if row is not None else None

    # --- runs ---------------------------------------------------------------------------------

    def claim(self, run_id: str, owner: str) -> None:
        with self._db(write=True) as db:
            db.upsert("run_owners", {"run_id": run_id, "owner": owner}, key="run_id")

    def owner_of(self, run_id: str) -> str | None:
        with self._db() as db:
            row = db.row("SELECT owner FROM run_owners WHERE run_id = ?", (run_id,))
        return str(row["owner"]) if row is not None else None

    def decide(
        self, folder: RunFolder, action: str, actor: str, diff: str | None = None
    ) -> list[Decision]:
        """Put a decision (approved, rejected, cancelled, edited) on the record with who and
        when, in the history and the run folder's decisions.json."""
        return record_decision(self.runs_dir, folder, action, actor, diff=diff, url=self.url)

    def decisions(self, run_id: str) -> list[Decision]:
        with self._db() as db:
            return decisions_of(db, run_id)

    def move(self, run_id: str, old: str, new: str) -> bool:
        """Change a run's status from ``old`` to ``new``; False if it was no longer ``old``.

        The compare-and-set is what keeps a run from being started twice, or started after it
        was cancelled, when a worker and a request handler race.
        """
        with self._db(write=True) as db:
            done = db.execute(
                "UPDATE runs SET status = ? WHERE run_id = ? AND status = ?", (new, run_id, old)
            )
        return done.rowcount == 1

    def status_of(self, run_id: str) -> str | None:
        with self._db() as db:
            row = db.row("SELECT status FROM runs WHERE run_id = ?", (run_id,))
        return str(row["status"]) if row is not None else None

    def with_status(self, status: str) -> list[str]:
        with self._db() as db:
            rows = db.rows(
                "SELECT run_id FROM runs WHERE status = ? ORDER BY created_at, run_id", (status,)
            )
        return [str(row["run_id"]) for row in rows]

    def search(
        self,
        owner: str | None,
        status: str | None = None,
        since: str | None = None,
        until: str | None = None,
        text: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> tuple[int, list[tuple[RunRecord, str | None]]]:
        """The history, newest first, filtered; ``owner`` None means everyone's (an admin)."""
        where, values = ["1 = 1"], []
        if owner is not None:
            where.append("o.owner = ?")
            values.append(owner)
        if status:
            where.append("r.status = ?")
            values.append(status)
        if since:
            where.append("r.created_at >= ?")
            values.append(since)
        if until:
            where.append("r.created_at < ?")
            values.append(until)
        if text:
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append("r.request LIKE ? ESCAPE '\\'")
            values.append(f"%{escaped}%")
        clause = " AND ".join(where)
        base = f"FROM runs r LEFT JOIN run_owners o ON o.run_id = r.run_id WHERE {clause}"
        with self._db() as db:
            counted = db.row(f"SELECT COUNT(*) AS n {base}", values)
            total = int(counted["n"]) if counted is not None else 0
            rows = db.rows(
                f"SELECT r.*, o.owner AS _owner {base} "
                "ORDER BY r.created_at DESC, r.run_id DESC LIMIT ? OFFSET ?",
                [*values, limit, offset],
            )
        found = []
        for row in rows:
            data = dict(row)
            owner_name = data.pop("_owner")
            found.append((_run_record(data), owner_name))
        return total, found


def monitoring(found: list[tuple[RunRecord, str | None]]) -> dict[str, Any]:
    """What the page's monitoring view shows, from a slice of the history."""
    import statistics
    from collections import Counter

    by_status = Counter(record.status for record, _ in found)
    tools: Counter[str] = Counter()
    for record, _ in found:
        tools.update(set(record.tools_used))
    executed = [record for record, _ in found if record.duration_seconds is not None]
    durations = sorted(float(r.duration_seconds or 0) for r in executed)
    peaks = [float(r.peak_memory_mb or 0) for r in executed[:30]]
    return {
        "largest_peak_mb": max([*peaks, 1.0]),
        "runs": len(found),
        "by_status": dict(by_status.most_common()),
        "median_seconds": statistics.median(durations) if durations else None,
        "max_seconds": durations[-1] if durations else None,
        "tools": dict(tools.most_common(10)),
        "recent": [
            {
                "id": r.run_id,
                "at": r.created_at,
                "seconds": r.duration_seconds,
                "memory_mb": r.peak_memory_mb,
                "cpu_seconds": r.cpu_seconds,
            }
            for r in executed[:30]
        ],
    }


def _run_record(data: dict[str, Any]) -> RunRecord:
    return record_from_row(data)
