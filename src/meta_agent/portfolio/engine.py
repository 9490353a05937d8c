"""Engines for the portfolio database: one per URL, read-write for the generator, read-only for tools.

The URL in force is the one given, else ``META_AGENT_DATABASE_URL`` read at call time, else the
default SQLite file of ``Settings``. A read-only engine refuses writes at the driver: SQLite files
are opened with ``mode=ro`` (and ``PRAGMA query_only``), PostgreSQL sessions start with
``default_transaction_read_only=on``. That protects the data against a query that slipped past
validation. It does not limit how long a query runs or how much it reads, and on PostgreSQL a
session that runs ``SET``/``BEGIN READ WRITE`` itself could lift it: those statements never pass
``sqlguard``, and a database role without write grants is the stronger guard for a shared server.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from meta_agent.errors import (
    DatabaseError,
    DatabaseMissing,
    DatabaseUnreachable,
    NotADatabase,
    PortfolioMissing,
)
from meta_agent.portfolio.provision import REQUIRED_TABLES, missing_file_message
from meta_agent.portfolio.sqlite_direct import DATABASE_URL_ENV, connect_read_only

logger = logging.getLogger(__name__)

INIT_HINT = "run `meta-agent db init` to create the sample portfolio"

# Read-only sessions; no JIT (its compile time exceeds the gain on these short analytical
# queries) and enough memory to aggregate 100,000 properties without spilling to disk.
POSTGRES_OPTIONS = "-c default_transaction_read_only=on -c jit=off -c work_mem=64MB"

_lock = threading.Lock()
_engines: dict[str, Engine] = {}
_read_only_engines: dict[str, Engine] = {}


def resolve_url(database_url: str | None = None) -> str:
    """The database URL in force, normalised: the argument, else the env variable, else Settings."""
    if not database_url:
        database_url = os.environ.get(DATABASE_URL_ENV) or None
    if not database_url:
        from meta_agent.config import Settings

        database_url = Settings().resolved_database_url
    return normalize_url(database_url)


def normalize_url(database_url: str) -> str:
    """A SQLAlchemy URL with PostgreSQL pointed at psycopg 3 (``postgresql://`` -> ``+psycopg``)."""
    try:
        url = sa.make_url(database_url)
    except Exception as exc:  # noqa: BLE001 - any parse failure is a bad setting
        raise DatabaseError(
            f"{database_url!r} is not a database URL; use e.g. sqlite:///path/portfolio.db or "
            "postgresql://user@host/dbname."
        ) from exc
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        url = url.set(drivername="postgresql+psycopg")
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseError(f"Unsupported database {backend!r}; use SQLite or PostgreSQL.")
    if backend == "sqlite" and url.database and url.database != ":memory:" and not url.query:
        # Relative files are resolved now, so an engine never follows a later change of folder.
        url = url.set(database=str(Path(url.database).expanduser().absolute()))
    return url.render_as_string(hide_password=False)


def masked(database_url: str) -> str:
    """A URL safe to show: its password replaced by ***."""
    try:
        return sa.make_url(database_url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown masked whole
        return "***"


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite URL, or None for other databases and in-memory SQLite."""
    url = sa.make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    name = url.database.removeprefix("file:") if url.query.get("uri") else url.database
    return Path(name)


def get_engine(database_url: str | None = None) -> Engine:
    """The (cached) read-write engine for a database URL; None means the URL in force."""
    url = resolve_url(database_url)
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = sa.create_engine(url, pool_pre_ping=url.startswith("postgresql"))
            _engines[url] = engine
    return engine


def read_only_engine(url: str | None = None) -> Engine:
    """The (cached) read-only engine for a portfolio database; DatabaseError if it holds none."""
    resolved = resolve_url(url)
    with _lock:
        engine = _read_only_engines.get(resolved)
    if engine is not None:
        return engine
    engine = _create_read_only(resolved)
    try:
        check_portfolio(engine)
    except DatabaseError:
        engine.dispose()
        raise
    with _lock:
        cached = _read_only_engines.setdefault(resolved, engine)
    if cached is not engine:
        engine.dispose()
    else:
        logger.debug("read-only engine opened", extra={"database": masked(resolved)})
    return cached


def check_portfolio(engine: Engine) -> None:
    """Raise the DatabaseError that names the cause unless the database holds the portfolio.

    NotADatabase (a file SQLite cannot read), DatabaseUnreachable (a server that refuses the
    connection, by host and port, the password never shown), PortfolioMissing (no tables).
    """
    where = masked(engine.url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            # Views count: a mapped database (``db map``) shows its tables as views.
            present = set(inspector.get_table_names()) | set(inspector.get_view_names())
    except sa.exc.DBAPIError as exc:
        raise _connection_error(engine.url, exc) from exc
    missing = [name for name in REQUIRED_TABLES if name not in present]
    if missing:
        what = "no portfolio" if len(missing) == len(REQUIRED_TABLES) else "an incomplete portfolio"
        raise PortfolioMissing(
            f"The database at {where} holds {what} (missing table(s): {', '.join(missing)}); "
            f"{_init_hint(engine.url)}."
        )


def _connection_error(url: URL, exc: sa.exc.DBAPIError) -> DatabaseError:
    """The error that names why a database could not be opened."""
    reason = _reason(exc)
    if url.password:
        reason = reason.replace(str(url.password), "***")
    if url.get_backend_name() == "sqlite":
        path = url.database or ":memory:"
        if "not a database" in reason or "malformed" in reason:
            return NotADatabase(
                f"{path} is not a SQLite database ({reason}); point --database or "
                f"{DATABASE_URL_ENV} at a portfolio file, or create one with `meta-agent db init "
                f"--database sqlite:///NEW_FILE`."
            )
        return DatabaseError(
            f"Cannot open the SQLite database {path} ({reason}); check that it is a readable "
            "file, not a folder."
        )
    host = url.host or "the local socket"
    port = f":{url.port or 5432}" if url.host else ""
    return DatabaseUnreachable(
        f"Cannot connect to the PostgreSQL server at {host}{port} ({reason}); check that it is "
        f"running and accepts connections, and the URL "
        f"{masked(url.render_as_string(hide_password=False))} (from --database or "
        f"{DATABASE_URL_ENV})."
    )


def _init_hint(url: URL) -> str:
    """How to create the portfolio at this URL (masked: the user knows the password)."""
    shown = masked(url.render_as_string(hide_password=False))
    return f"run `meta-agent db init --database {shown}` to create the sample portfolio there"


def dispose_engines(database_url: str | None = None) -> None:
    """Close cached engines: those of one URL, or all of them when the URL is None."""
    with _lock:
        if database_url is None:
            doomed = [*_engines.values(), *_read_only_engines.values()]
            _engines.clear()
            _read_only_engines.clear()
        else:
            url = normalize_url(database_url)
            doomed = [e for e in (_engines.pop(url, None), _read_only_engines.pop(url, None)) if e]
    for engine in doomed:
        engine.dispose()


def _create_read_only(url: str) -> Engine:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_read_only(parsed)
    # Keep the URL's own options (a mapped database sets its search_path there) and add ours.
    given = parsed.query.get("options")
    options = " ".join(
        [*(given if isinstance(given, tuple) else [given] if given else []), POSTGRES_OPTIONS]
    )
    return sa.create_engine(
        parsed.difference_update_query(["options"]),
        pool_pre_ping=True,
        connect_args={"options": options},
    )


def _sqlite_read_only(url: URL) -> Engine:
    path = sqlite_path(url.render_as_string(hide_password=False))
    if path is None:
        raise DatabaseError(
            "An in-memory SQLite database holds no portfolio; point META_AGENT_DATABASE_URL at a "
            f"portfolio file, or {INIT_HINT}."
        )
    if path.is_dir():
        raise NotADatabase(f"{path} is a folder, not a SQLite database file.")
    if not path.is_file():
        raise DatabaseMissing(missing_file_message(path))
    # mode=ro and query_only make the driver refuse every write, whatever SQL reaches it.
    return sa.create_engine(url, creator=lambda: connect_read_only(path))


def _reason(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip().splitlines()
    return text[0] if text else type(original).__name__
