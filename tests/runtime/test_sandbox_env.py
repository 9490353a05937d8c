"""What a script sees: an environment built from nothing, its database, and never a secret."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from meta_agent.errors import ExecutionError
from meta_agent.runtime import Executor, FakeBackend, FakeOutcome, Limits, RunSpec
from meta_agent.runtime.broker import SANDBOX_BROKER_SOCKET, Credential
from meta_agent.runtime.environment import (
    BROKER_VAR,
    RESERVED,
    SANDBOX_DB_DIR,
    THREAD_VARS,
    database_access,
    sandbox_environment,
)
from meta_agent.runtime.redact import Redactor, database_password
from tests.needs import unavailable

DUMP_ENV = (
    "import json, os\n"
    "path = os.path.join(os.environ['META_AGENT_RESULTS_DIR'], 'env.json')\n"
    "with open(path, 'w') as handle:\n"
    "    json.dump(dict(os.environ), handle)\n"
)


@pytest.fixture(params=["bwrap", "process"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "bwrap":
        request.getfixturevalue("bwrap_ok")
    return str(request.param)


def test_environment_is_only_what_the_runtime_injects(
    backend: str, make_script: Any, run_dir: Path, sqlite_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOST_ONLY_VARIABLE", "must-not-leak")
    script = make_script(DUMP_ENV)
    spec = RunSpec(
        script=script,
        run_dir=run_dir,
        database_url=f"sqlite:///{sqlite_db}",
        allowed_hosts=["api.example.org"],
        variables={"META_AGENT_CENSUS_URL": "https://api.example.org/acs"},
        credentials=[Credential("https://api.example.org/acs", "key", "k-123-never-inside")],
    )
    with Executor(backend) as executor:
        result = executor.run(spec)
    assert result.status == "succeeded", result.error
    env = json.loads((run_dir / "results" / "env.json").read_text())
    expected = {*RESERVED, "META_AGENT_CENSUS_URL"} | ({"PWD"} if backend == "bwrap" else set())
    assert set(env) == expected
    assert env["META_AGENT_CENSUS_URL"] == "https://api.example.org/acs"
    assert not any("k-123" in value for value in env.values())  # the key stays with the broker
    if backend == "bwrap":
        assert env[BROKER_VAR] == SANDBOX_BROKER_SOCKET
    else:
        assert env[BROKER_VAR].endswith("/broker.sock")
        assert not Path(env[BROKER_VAR]).exists()  # the run's channel is gone with the run
    assert env["PYTHONHASHSEED"] == "0" and env["LANG"] == "C.UTF-8"
    assert all(env[name] == "1" for name in THREAD_VARS)
    assert env["MPLCONFIGDIR"].startswith(env["HOME"])
    if backend == "bwrap":
        assert env["META_AGENT_DATABASE_URL"] == f"sqlite:///{SANDBOX_DB_DIR}/portfolio.db"
        assert env["META_AGENT_RESULTS_DIR"] == "/sandbox/results"
        assert env["HOME"] == "/tmp"
    else:
        assert env["META_AGENT_DATABASE_URL"] == f"sqlite:///{sqlite_db}"


def test_database_is_readable_and_read_only(
    backend: str, make_script: Any, run_dir: Path, sqlite_db: Path
) -> None:
    script = make_script(
        "import os, sqlite3\n"
        "from sqlalchemy import create_engine, text\n"
        "engine = create_engine(os.environ['META_AGENT_DATABASE_URL'])\n"
        "with engine.connect() as conn:\n"
        "    print('rows', conn.execute(text('SELECT count(*) FROM properties')).scalar())\n"
        "path = engine.url.database\n"
        "try:\n"
        "    sqlite3.connect(path).execute('DELETE FROM properties').connection.commit()\n"
        "    print('WROTE')\n"
        "except sqlite3.OperationalError as exc:\n"
        "    print('refused', exc)\n"
    )
    with Executor(backend) as executor:
        result = executor.run(RunSpec(script, run_dir, database_url=f"sqlite:///{sqlite_db}"))
    log = (run_dir / "logs" / "run.log").read_text()
    assert result.status == "succeeded", result.error
    assert "rows 2" in log
    if backend == "bwrap":
        assert "refused" in log and "WROTE" not in log


def test_credentials_are_still_redacted_everywhere(
    backend: str, make_script: Any, run_dir: Path
) -> None:
    """Defence in depth: a credential the script never holds (here, one an API echoed into
    its source) is still masked in every log line, reversed too."""
    secret = "s3cr3t-value-XYZ"
    script = make_script(
        "import sys\n"
        f"key = {secret!r}\n"
        "print('stdout has', key)\n"
        "print('stderr has', key, file=sys.stderr)\n"
        "print('reversed', key[::-1])\n"
        "raise RuntimeError('failing with ' + key)\n"
    )
    seen: list[tuple[str, str]] = []
    spec = RunSpec(
        script,
        run_dir,
        credentials=[Credential("https://api.example.org/x", "key", secret)],
        on_log=lambda s, line: seen.append((s, line)),
    )
    with Executor(backend) as executor:
        result = executor.run(spec)
    assert result.status == "failed"
    written = (run_dir / "logs" / "run.log").read_text()
    assert secret not in written and "stdout has ***" in written and "stderr has ***" in written
    assert secret[::-1] not in written and "reversed ***" in written
    assert secret not in json.dumps(result.to_dict())
    assert all(secret not in line for _, line in seen)
    assert "failing with ***" in (result.error or "")


def test_database_password_is_redacted(tmp_path: Path) -> None:
    url = "postgresql+psycopg://analyst:pa%40ss@db.example.com/portfolio"
    backend = FakeBackend(FakeOutcome(stderr=[f"could not connect to {url}", "pw was pa@ss"]))
    result = Executor(backend).run(RunSpec(tmp_path / "s.py", tmp_path / "run", database_url=url))
    log = (tmp_path / "run" / "logs" / "run.log").read_text()
    assert "pa@ss" not in log and "pa%40ss" not in log
    assert "pw was ***" in log
    assert database_password(url) == "pa@ss"
    assert result.status == "succeeded"


def test_redactor_masks_encoded_forms() -> None:
    redact = Redactor(["a b/c", ""])
    assert redact("x a b/c y a%20b%2Fc z a+b%2Fc") == "x *** y *** z ***"
    assert not Redactor([])
    assert Redactor(["ab"])("abab") == "******"


def test_variable_names_are_checked_and_hold_no_credential() -> None:
    with pytest.raises(ValueError, match="UPPER_CASE"):
        RunSpec(Path("s.py"), Path("run"), variables={"lower": "x"})
    with pytest.raises(ValueError, match="replace runtime variables"):
        sandbox_environment(
            results_dir="/r", tmp_dir="/t", database_url=None, variables={"HOME": "/"}
        )
    with pytest.raises(ValueError, match="replace runtime variables"):
        sandbox_environment(
            results_dir="/r", tmp_dir="/t", database_url=None, variables={BROKER_VAR: "/x"}
        )
    with pytest.raises(ValueError, match="hold a credential"):
        RunSpec(
            Path("s.py"),
            Path("run"),
            variables={"URL": "https://x.org/?key=abc-123"},
            credentials=[Credential("https://x.org/", "key", "abc-123")],
        )


def test_database_access_rewrites_sqlite(sqlite_db: Path) -> None:
    access = database_access(f"sqlite:///{sqlite_db}?timeout=5")
    assert access.url == f"sqlite:///{SANDBOX_DB_DIR}/portfolio.db?timeout=5"
    assert [(b.host, b.inside, b.writable) for b in access.binds] == [
        (sqlite_db, f"{SANDBOX_DB_DIR}/portfolio.db", False)
    ]
    wal = sqlite_db.with_name("portfolio.db-wal")
    wal.write_bytes(b"")
    assert len(database_access(f"sqlite:///{sqlite_db}").binds) == 2
    assert database_access(None).url is None


def test_database_access_errors(tmp_path: Path) -> None:
    with pytest.raises(ExecutionError, match="does not exist"):
        database_access(f"sqlite:///{tmp_path}/missing.db")
    remote = database_access("postgresql+psycopg://u:p@db.example.com/x")
    assert remote.needs_network and not remote.binds
    assert remote.password_removed and ":p@" not in (remote.url or "")
    with pytest.raises(ExecutionError, match="passwords never enter the sandbox"):
        remote.refuse_network_password()
    database_access("postgresql+psycopg://u@db.example.com/x").refuse_network_password()


def test_local_postgres_goes_through_its_socket() -> None:
    if not Path("/var/run/postgresql/.s.PGSQL.5432").is_socket():
        unavailable("no local PostgreSQL socket on this machine")
    access = database_access("postgresql+psycopg://postgres:pw@127.0.0.1:5432/test")
    from sqlalchemy.engine import make_url

    url = make_url(access.url or "")
    # The password stays on the host: the socket authenticates the run's user.
    assert (url.host, url.port, url.password, url.database) == (None, None, None, "test")
    assert "pw" not in (access.url or "") and access.password_removed
    assert dict(url.query) == {"host": "/run/postgresql", "port": "5432"}
    assert not access.needs_network
    assert access.binds[0].inside == "/run/postgresql/.s.PGSQL.5432"


@pytest.mark.postgres
def test_postgres_query_inside_bwrap(
    bwrap_ok: None, postgres_url: str, make_script: Any, run_dir: Path
) -> None:
    script = make_script(
        "import os\n"
        "from sqlalchemy import create_engine, text\n"
        "engine = create_engine(os.environ['META_AGENT_DATABASE_URL'])\n"
        "with engine.connect() as conn:\n"
        "    print('answer', conn.execute(text('SELECT 40 + 2')).scalar())\n"
    )
    with Executor("bwrap", Limits(timeout_seconds=60)) as executor:
        result = executor.run(RunSpec(script, run_dir, database_url=postgres_url))
    assert result.status == "succeeded", result.error
    assert "answer 42" in (run_dir / "logs" / "run.log").read_text()


def test_host_environment_untouched_by_runs(make_script: Any, run_dir: Path) -> None:
    before = dict(os.environ)
    Executor(FakeBackend()).run(RunSpec(make_script("pass\n"), run_dir, variables={"X_KEY": "v"}))
    assert dict(os.environ) == before


def test_run_variables_never_appear_on_a_command_line(
    bwrap_ok: None, make_script: Any, run_dir: Path
) -> None:
    import psutil

    secret = "cmdline-secret-4242"
    seen: list[str] = []

    def scan(stream: str, line: str) -> None:
        if line == "ready":
            for proc in psutil.process_iter(["cmdline"]):
                cmdline = " ".join(proc.info.get("cmdline") or [])
                if "bwrap" in cmdline or secret in cmdline:
                    seen.append(cmdline)

    script = make_script("import time\nprint('ready', flush=True)\ntime.sleep(0.5)\n")
    with Executor("bwrap") as executor:
        for _ in range(2):  # the first run may start bwrap directly, the second uses a slot
            result = executor.run(
                RunSpec(script, run_dir, variables={"TOKEN_X": secret}, on_log=scan)
            )
            assert result.status == "succeeded", result.error
    assert seen and all(secret not in cmdline for cmdline in seen)


def test_a_password_in_the_query_never_reaches_the_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    """psycopg reads ?password=...; the sandbox's URL carries no credential in any place."""
    monkeypatch.setattr(Path, "is_socket", lambda self: True)
    local = database_access("postgresql://u@localhost/x?password=hunter2&sslkey=/k&sslmode=require")
    remote = database_access("postgresql://u@db.example.com/x?password=hunter2")
    for access in (local, remote):
        assert access.url is not None and "hunter2" not in access.url and "sslkey" not in access.url
        assert access.password_removed
    assert "sslmode=require" in (local.url or "")
