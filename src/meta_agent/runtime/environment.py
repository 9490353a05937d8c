"""What a script sees of the world: its environment variables and its way to the database.

The environment is built from nothing: the variables below, the plain settings the run's tools
read (e.g. which online source to use), the broker's socket for a run that may use the network,
and no value of the host's. No secret is ever among them: credentials stay with the broker on the
host (broker.py), and a database password is taken out of the URL the sandbox sees. A SQLite file
is mounted read-only and the URL rewritten to the mount; a local PostgreSQL is reached through its
Unix socket (authenticated as the run's user, by peer or trust rules, never by a password), so
the sandbox keeps no network at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from meta_agent.errors import ExecutionError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

SANDBOX_DIR = "/sandbox"  # the run's view inside a sandbox: the script and results/
SANDBOX_RESULTS = f"{SANDBOX_DIR}/results"
SANDBOX_DB_DIR = "/run/meta-agent/db"
SANDBOX_PG_SOCKET_DIR = "/run/postgresql"
PG_SOCKET_DIRS = ("/var/run/postgresql", "/run/postgresql", "/tmp")
LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1"}

# BLAS/OpenMP pools start one thread per core at import; under a memory or task limit that is
# waste at best and a failed import at worst. Tool-library work is single-threaded pandas.
THREAD_VARS = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
}
BROKER_VAR = "META_AGENT_BROKER"  # the broker's socket (providers/http.py reads it)
RESERVED = {
    BROKER_VAR,
    "META_AGENT_DATABASE_URL",
    "META_AGENT_RESULTS_DIR",
    "HOME",
    "TMPDIR",
    "MPLCONFIGDIR",
    "PYTHONHASHSEED",
    "LANG",
    *THREAD_VARS,
}


@dataclass(frozen=True)
class Bind:
    """A host path made visible inside the sandbox."""

    host: Path
    inside: str
    writable: bool = False


@dataclass(frozen=True)
class DatabaseAccess:
    """How the script reaches the database: the URL it sees, and what must be mounted for it."""

    url: str | None
    binds: tuple[Bind, ...] = ()
    needs_network: bool = False
    password_removed: bool = False  # the host's URL had one; the sandbox's URL has none

    def refuse_network(self, sandbox: str) -> None:
        """Sandboxes without a network reach only a SQLite file or a local server's socket."""
        if self.needs_network:
            raise ExecutionError(
                f"The database is a network server, and the {sandbox} has no network; use a "
                "SQLite file or a PostgreSQL server on this machine."
            )

    def refuse_network_password(self) -> None:
        """A server reached over the network would need the password the sandbox never gets."""
        if self.needs_network and self.password_removed:
            raise ExecutionError(
                "The database URL carries a password, and passwords never enter the sandbox; "
                "a script can only reach a PostgreSQL server on this machine, through its Unix "
                "socket with peer or trust authentication for local connections (pg_hba.conf)."
            )


PASSWORD_WARNING = (
    "the database password stays on the host: the script connects through PostgreSQL's Unix "
    "socket without it (peer or trust authentication for local connections)"
)


def database_access(url: str | None, *, rewrite: bool = True) -> DatabaseAccess:
    """The database as a sandbox sees it; ``rewrite=False`` for backends sharing the host's files.

    Without rewriting, paths stay the host's (a SQLite file is only made absolute, a local
    PostgreSQL is reached through its socket directory on the host).
    """
    if not url:
        return DatabaseAccess(None)
    plain_file = url.removeprefix("sqlite:///")
    if (
        url.startswith("sqlite:///")
        and plain_file
        and not plain_file.startswith("file:")
        and "?" not in url
    ):
        # The common case, without importing SQLAlchemy (0.2 s) before a warm sandbox can start.
        return _sqlite_file(plain_file, rewrite)
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ExecutionError(f"The database URL is not valid ({exc}).") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite(parsed, rewrite)
    if backend == "postgresql" and (parsed.host or "") in LOCAL_HOSTS:
        return _local_postgres(parsed, rewrite)
    secrets = SECRET_QUERY_KEYS.intersection(parsed.query)
    return DatabaseAccess(
        parsed._replace(password=None)
        .difference_update_query(list(secrets))
        .render_as_string(hide_password=False),
        needs_network=True,
        password_removed=parsed.password is not None or bool(secrets),
    )


# Query parameters of a database URL that carry a credential (libpq's names): never passed in.
SECRET_QUERY_KEYS = frozenset({"password", "passfile", "sslpassword", "sslkey", "sslcert"})


def _sqlite(parsed: URL, rewrite: bool) -> DatabaseAccess:
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        if database.startswith("file:"):
            raise ExecutionError(
                "SQLite 'file:' URIs are not supported in the sandbox; use sqlite:////path/to/file.db."
            )
        return DatabaseAccess(parsed.render_as_string(hide_password=False))
    return _sqlite_file(
        database, rewrite, lambda path: parsed.set(database=path).render_as_string(False)
    )


def _sqlite_file(
    database: str, rewrite: bool, url_for: Callable[[str], str] = lambda path: f"sqlite:///{path}"
) -> DatabaseAccess:
    """A SQLite file mounted read-only (with its WAL companions), its URL rewritten to the mount."""
    path = Path(database).expanduser().resolve()
    if not path.is_file():
        raise ExecutionError(
            f"The SQLite database {path} does not exist; run `meta-agent db init`."
        )
    if not rewrite:
        return DatabaseAccess(url_for(str(path)))
    inside = f"{SANDBOX_DB_DIR}/{path.name}"
    binds = [Bind(path, inside)]
    # A WAL database is only readable with its -wal/-shm files; they are mounted read-only too.
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.is_file():
            binds.append(Bind(companion, inside + suffix))
    return DatabaseAccess(url_for(inside), tuple(binds))


def _local_postgres(parsed: URL, rewrite: bool) -> DatabaseAccess:
    port = parsed.port or 5432
    given = parsed.query.get("host")
    candidates = [given] if isinstance(given, str) and given.startswith("/") else PG_SOCKET_DIRS
    for directory in candidates:
        socket = Path(directory) / f".s.PGSQL.{port}"
        if socket.is_socket():
            break
    else:
        raise ExecutionError(
            f"PostgreSQL on {parsed.host or 'localhost'}:{port} has no Unix socket in "
            f"{', '.join(candidates)}; the sandbox has no network, so it can only reach a local "
            "server through its socket."
        )
    # Credentials may ride in the query too (psycopg reads ?password=...): they stay out as well.
    secrets = SECRET_QUERY_KEYS.intersection(parsed.query)
    query = {
        key: value
        for key, value in parsed.query.items()
        if key not in ("host", "port") and key not in secrets
    }
    query.update(host=SANDBOX_PG_SOCKET_DIR if rewrite else str(socket.parent), port=str(port))
    from sqlalchemy.engine import URL as SAURL

    # URL.set() cannot clear host/port; the socket directory replaces them in the query. The
    # password is left out: it would be readable by the script (its environment, /proc).
    removed = parsed.password is not None or bool(secrets)
    bare = SAURL.create(
        parsed.drivername,
        username=parsed.username,
        password=None,
        database=parsed.database,
        query=query,
    )
    url = bare.render_as_string(hide_password=False)
    if not rewrite:
        return DatabaseAccess(url, password_removed=removed)
    # The socket file alone, not its directory: connect() works on a read-only mount.
    socket_bind = Bind(socket, f"{SANDBOX_PG_SOCKET_DIR}/{socket.name}")
    return DatabaseAccess(url, (socket_bind,), password_removed=removed)


def sandbox_environment(
    *,
    results_dir: str,
    tmp_dir: str,
    database_url: str | None,
    variables: Mapping[str, str],
    broker_socket: str | None = None,
) -> dict[str, str]:
    """The complete environment of a script: nothing from the host's, and no secret."""
    clash = RESERVED.intersection(variables)
    if clash:
        raise ValueError(
            f"Variables may not replace runtime variables: {', '.join(sorted(clash))}."
        )
    env = {
        "HOME": tmp_dir,
        "TMPDIR": tmp_dir,
        "LANG": "C.UTF-8",
        "MPLCONFIGDIR": f"{tmp_dir}/matplotlib",
        # Note: `python -I` ignores PYTHON* variables itself; this reaches child interpreters.
        "PYTHONHASHSEED": "0",
        "META_AGENT_RESULTS_DIR": results_dir,
        **THREAD_VARS,
    }
    if database_url:
        env["META_AGENT_DATABASE_URL"] = database_url
    if broker_socket:
        env[BROKER_VAR] = broker_socket
    env.update(variables)
    return env
