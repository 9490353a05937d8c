"""Runtime test harness: backend availability, host canaries and listeners, and ``run_hostile``.

Every hostile script runs through ``run_hostile`` (one function), so the whole suite can later
be pointed at ``meta-agent exec FILE --no-validate --yes --json`` by changing that function only.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import functools
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psutil
import pytest

from meta_agent.runtime import Limits
from meta_agent.runtime.bwrap import bwrap_problem

HOSTILE_DIR = Path(__file__).parent / "hostile"
REPO_ROOT = Path(__file__).resolve().parents[2]
TARGETS_LINE = "TARGETS: dict = {}  # filled in by tests/runtime/conftest.py"
# Limits for hostile runs: small enough to make every bomb quick, big enough for pandas.
HOSTILE_LIMITS = Limits(
    timeout_seconds=20,
    cpu_seconds=8,
    memory_mb=384,
    max_processes=32,
    max_output_mb=2,
    max_total_output_mb=8,
    max_log_mb=1,
)


def require_bwrap() -> None:
    """Skip when bwrap cannot run here, except under CI=true where that is a failure."""
    problem = bwrap_problem()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"bwrap is required under CI=true: {problem}")
        pytest.skip(problem)


@pytest.fixture()
def bwrap_ok() -> None:
    require_bwrap()


def require_docker() -> None:
    """Skip when no Docker engine answers, except under CI=true where that is a failure."""
    from meta_agent.runtime.docker import docker_problem

    problem = docker_problem()
    if problem:
        message = f"docker backend not testable here: {problem} (scripts/docker-engine starts one)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"a Docker engine is required under CI=true: {message}")
        pytest.skip(message)


@pytest.fixture()
def docker_ok() -> None:
    require_docker()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs bwrap (fixture or a "bwrap" parameter) with ``bwrap``."""
    for item in items:
        if not str(item.path).startswith(str(Path(__file__).parent)):
            continue
        params = getattr(getattr(item, "callspec", None), "params", {})
        fixtures = getattr(item, "fixturenames", ())
        if "bwrap_ok" in fixtures or "pooled" in fixtures or "bwrap" in params.values():
            item.add_marker(pytest.mark.bwrap)
        if "docker_ok" in fixtures or "docker" in params.values():
            item.add_marker(pytest.mark.docker)


def write_script(folder: Path, source: str, name: str = "script.py") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(source)
    return path


def make_db(path: Path) -> Path:
    """A tiny SQLite portfolio (the real generator is not needed to test the sandbox)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE properties (property_id TEXT PRIMARY KEY, name TEXT, noi REAL)")
        conn.executemany(
            "INSERT INTO properties VALUES (?, ?, ?)",
            [("P001", "Harbor Point", 1_250_000.0), ("P002", "Elm Court", 640_000.0)],
        )
        conn.commit()
    return path


# -- the host side of the hostile suite ---------------------------------------------------------
@dataclass
class Listener:
    """A loopback TCP, UDP or abstract Unix listener that records any contact."""

    kind: str
    sock: socket.socket
    address: Any
    contacts: list[str] = field(default_factory=list)

    def serve(self) -> None:
        self.sock.settimeout(0.2)
        while self.sock.fileno() != -1:
            try:
                if self.kind == "udp":
                    data, _ = self.sock.recvfrom(4096)
                    self.contacts.append(data.decode("utf-8", "replace"))
                else:
                    conn, _ = self.sock.accept()
                    self.contacts.append("connection")
                    conn.close()
            except (TimeoutError, OSError):
                continue


def _listener(kind: str) -> Listener:
    if kind == "tcp":
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
    elif kind == "udp":
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
    else:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(f"\0meta-agent-hostile-{uuid.uuid4().hex[:8]}")
        sock.listen(8)
    listener = Listener(kind, sock, sock.getsockname())
    threading.Thread(target=listener.serve, daemon=True).start()
    return listener


@dataclass
class HostileHost:
    """Canaries planted on the host, listeners open, and what the scripts are told about them."""

    token: str
    mark: str
    canaries: dict[str, Path]
    listeners: dict[str, Listener]
    db_path: Path
    env_name: str
    env_value: str

    @property
    def targets(self) -> dict[str, Any]:
        abstract = self.listeners["unix"].address
        return {
            **{name: str(path) for name, path in self.canaries.items()},
            "mark": self.mark,
            "tcp_port": self.listeners["tcp"].address[1],
            "udp_port": self.listeners["udp"].address[1],
            "abstract_socket": abstract.decode("latin-1")
            if isinstance(abstract, bytes)
            else abstract,
            "db_host_path": str(self.db_path),
            "repo": str(REPO_ROOT),
            "env_name": self.env_name,
            "host_pid": os.getpid(),
        }

    def contacts(self) -> list[str]:
        return [f"{n}: {c}" for n, lis in self.listeners.items() for c in lis.contacts]

    def reset(self) -> None:
        for listener in self.listeners.values():
            listener.contacts.clear()

    def intact(self) -> list[str]:
        """Problems with the host: canaries changed or gone, marked files created anywhere."""
        problems = []
        for name, path in self.canaries.items():
            try:
                if path.read_text() != f"{name}:{self.token}":
                    problems.append(f"canary {path} changed")
            except OSError as exc:
                problems.append(f"canary {path} unreadable: {exc}")
        for folder in {
            *(p.parent for p in self.canaries.values()),
            Path("/tmp"),
            Path("/root"),
            Path("/etc"),
            REPO_ROOT,
            REPO_ROOT / "src" / "meta_agent",
        }:
            with contextlib.suppress(OSError):
                for entry in os.listdir(folder):
                    if self.mark in entry:
                        problems.append(f"stray file {folder / entry}")
        return problems


@pytest.fixture(scope="session")
def hostile_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileHost]:
    token = uuid.uuid4().hex
    mark = f"meta-agent-hostile-{token[:10]}"
    other_run = tmp_path_factory.mktemp("other-run") / "results"
    other_run.mkdir()
    places = {
        "root_canary": Path("/root"),
        "var_tmp_canary": Path("/var/tmp"),
        "home_canary": Path("/home"),
        "etc_canary": Path("/etc"),
        "tmp_canary": Path("/tmp"),
        "repo_canary": REPO_ROOT,
        "other_run_canary": other_run,
    }
    canaries: dict[str, Path] = {}
    for name, folder in places.items():
        path = folder / f".meta-agent-canary-{token[:10]}-{name}"
        try:
            path.write_text(f"{name}:{token}")
            canaries[name] = path
        except OSError:
            continue  # e.g. /etc not writable for a non-root developer: that canary is skipped
    db_path = make_db(tmp_path_factory.mktemp("hostile-db") / "portfolio.db")
    listeners = {kind: _listener(kind) for kind in ("tcp", "udp", "unix")}
    env_name = "META_AGENT_CANARY_SECRET"
    env_value = f"canary-env-{token}"
    os.environ[env_name] = env_value
    # putenv() does not show in /proc/<pid>/environ; a process started with the variable does.
    holder = subprocess.Popen(["sleep", "3600"], env={env_name: env_value})
    host = HostileHost(token, mark, canaries, listeners, db_path, env_name, env_value)
    try:
        yield host
    finally:
        holder.kill()
        holder.wait()
        os.environ.pop(env_name, None)
        for path in canaries.values():
            path.unlink(missing_ok=True)
        for listener in listeners.values():
            listener.sock.close()


# -- the external API of the broker tests: real HTTP on loopback, reached only by the broker ------
ACS_HEADER = [
    "NAME", "B01003_001E", "B19013_001E", "B01002_001E", "B25064_001E", "B25077_001E",
    "B23025_003E", "B23025_005E", "B25002_001E", "B25002_003E", "state", "place",
]  # fmt: skip
ACS_FLORIDA_PLACES = [
    ACS_HEADER,
    ["Miami city, Florida", "443665", "54858", "40.1", "1555", "417300", "239857", "11996", "220000", "22000", "12", "45000"],
    ["Orlando city, Florida", "309154", "66292", "34.4", "1492", "330900", "185344", "8340", "150000", "12000", "12", "53000"],
]  # fmt: skip
HUGE_BYTES = 12 * 1024 * 1024  # over the broker's 5 MiB answer cap


@dataclass
class ExternalApi:
    """A loopback HTTP server standing in for the Census API, with an echo and a flood.

    ``/data/acs`` wants the key (403 without it) and, asked with ``echo``, sends back the whole
    request, key included, as a careless API would; ``/echo`` reflects any request; ``/huge``
    streams more than the broker accepts; ``/json`` is a plain answer; ``/away`` redirects to
    another host. Every request is recorded.
    """

    key: str
    server: ThreadingHTTPServer
    seen: list[dict[str, Any]] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def host_entry(self) -> str:
        return f"127.0.0.1:{self.port}"

    def variants(self) -> list[str]:
        """The key as a leaking script might write it: raw, reversed, spaced, encoded."""
        key = self.key
        return [
            key,
            key[::-1],
            " ".join(key),
            " ".join(key[::-1]),
            "\n".join(key),
            ",".join(key),
            base64.b64encode(key.encode()).decode(),
            key.encode().hex(),
        ]

    def leaks_in(self, text: str) -> list[str]:
        return [v for v in self.variants() if v in text]


def _external_api(key: str) -> ExternalApi:
    api: ExternalApi

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server protocol
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            api.seen.append({"path": parts.path, "query": query, "headers": dict(self.headers)})
            if parts.path == "/data/acs":
                if query.get("key") != [key]:
                    return self._json(403, {"error": "invalid key"})
                if "echo" in query:
                    return self._json(200, {"query": query, "headers": dict(self.headers)})
                return self._json(200, ACS_FLORIDA_PLACES)
            if parts.path == "/echo":
                return self._json(200, {"query": query, "headers": dict(self.headers)})
            if parts.path == "/json":
                return self._json(200, {"ok": 1, "rows": [1, 2, 3]})
            if parts.path == "/away":
                self.send_response(302)
                self.send_header("Location", "http://example.org/collect")
                self.end_headers()
                return None
            if parts.path == "/huge":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()  # no Content-Length: the cap must hold while streaming
                chunk = b" " * 65536
                with contextlib.suppress(OSError):
                    for _ in range(HUGE_BYTES // len(chunk)):
                        self.wfile.write(chunk)
                return None
            return self._json(404, {"error": "no such path"})

        def _json(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        block_on_close = False

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # a client that gave up on a flood is expected

    api = ExternalApi(key, Server(("127.0.0.1", 0), Handler))
    threading.Thread(
        target=api.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    return api


@pytest.fixture(scope="session")
def external_api() -> Iterator[ExternalApi]:
    api = _external_api(f"mak-{uuid.uuid4().hex}")
    try:
        yield api
    finally:
        api.server.shutdown()
        api.server.server_close()


def run_hostile(
    script_path: Path,
    backend: str,
    *,
    targets: dict[str, Any],
    run_dir: Path,
    database_url: str | None = None,
    limits: Limits | None = None,
    api: ExternalApi | None = None,
) -> Any:
    """Run one hostile script through the real exec path (``meta-agent exec --no-validate``).

    ``Pipeline.exec_script`` is what the CLI command calls: a run folder of its own, the sandbox
    chosen by name, the limits from settings, and the validator switched off, so the sandbox
    alone must contain the script. The run folder is created under ``run_dir``. With ``api``,
    the settings name it as the Census source, with its key and its host allowed, as a user
    configures the external tools.
    """
    from types import SimpleNamespace

    from meta_agent.config import Settings
    from meta_agent.pipeline import Pipeline

    source = script_path.read_text().replace(TARGETS_LINE, f"TARGETS: dict = {json.dumps(targets)}")
    script = write_script(run_dir / "incoming", source, script_path.name)
    chosen = limits or HOSTILE_LIMITS
    settings = Settings(
        database_url=database_url,
        runs_dir=run_dir,
        sandbox=backend,  # type: ignore[arg-type]
        timeout_seconds=chosen.timeout_seconds,
        cpu_seconds=chosen.cpu_seconds,
        memory_mb=chosen.memory_mb,
        max_processes=chosen.max_processes,
        max_output_mb=chosen.max_output_mb,
        max_total_output_mb=chosen.max_total_output_mb,
        max_log_mb=chosen.max_log_mb,
        **(
            {
                "allowed_hosts": [api.host_entry],
                "census_url": api.url("/data/acs"),
                "external_api_key": api.key,
            }
            if api is not None
            else {}
        ),
    )
    outcome = Pipeline(settings).exec_script(script, validate=False)
    assert outcome.run_dir is not None
    log = outcome.run_dir / "logs" / "run.log"
    return SimpleNamespace(
        status=outcome.status,
        error=outcome.error,
        log_path=log if log.exists() else None,
        results_dir=outcome.run_dir / "results",
        run_dir=outcome.run_dir,
        warnings=outcome.warnings,
        sandbox=outcome.resources.get("sandbox", {}),
    )


def survivors(marker: str) -> list[str]:
    """Host processes that still mention ``marker`` (a run folder) in their command or env, and
    Docker containers made for a run under it."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        with contextlib.suppress(psutil.Error):
            cmd = " ".join(proc.info.get("cmdline") or [])
            env = proc.environ() if marker not in cmd else {}
            mentioned = marker in cmd or any(marker in value for value in env.values())
            if mentioned and proc.pid != os.getpid():
                found.append(f"{proc.pid} {cmd[:120]}")
    return found + containers_left(marker)


@functools.lru_cache(maxsize=1)
def _docker_client() -> Any:
    """One client for the session's container checks, or None without an engine."""
    from meta_agent.runtime.docker import docker_problem

    if docker_problem() is not None:
        return None
    import docker

    client = docker.from_env()
    atexit.register(client.close)
    return client


def containers_left(marker: str) -> list[str]:
    """Docker containers, running or not, made for a run folder under ``marker``."""
    from meta_agent.runtime.docker import RUN_LABEL

    client = _docker_client()
    if client is None:
        return []
    # sparse: the engine's list as it is, without inspecting each container, one of which (another
    # run's, finishing meanwhile) may be gone by then.
    listed = client.containers.list(all=True, sparse=True, filters={"label": RUN_LABEL})
    found = []
    for container in listed:
        labels = container.attrs.get("Labels") or {}
        if marker in labels.get(RUN_LABEL, ""):
            found.append(f"container {container.short_id} {labels[RUN_LABEL]}")
    return found


@pytest.fixture(name="survivors")
def survivors_fixture() -> Any:
    """The ``survivors(marker)`` check, for tests (helpers reach tests as fixtures)."""
    return survivors


@pytest.fixture()
def hostile_limits() -> Limits:
    return HOSTILE_LIMITS


@pytest.fixture()
def hostile_runner() -> Any:
    """``run_hostile`` itself, so test modules need not import this conftest."""
    return run_hostile


@pytest.fixture()
def make_script(tmp_path: Path) -> Any:
    """``make_script(source, name="script.py") -> Path`` in a scripts folder of the test."""

    def make(source: str, name: str = "script.py") -> Path:
        return write_script(tmp_path / "scripts", source, name)

    return make


@pytest.fixture()
def sqlite_db(tmp_path: Path) -> Path:
    return make_db(tmp_path / "db" / "portfolio.db")


@pytest.fixture()
def run_dir(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "run"
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
