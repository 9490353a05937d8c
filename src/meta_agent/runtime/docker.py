"""The same sandbox contract through a Docker Engine: for hosts with Docker but no bubblewrap.

One container per run, never reused: no network (``--network none``), a read-only root, a
size-capped private /tmp, no capabilities, no new privileges, Docker's default seccomp profile
and the project's own deny-list on top (installed by pid 1, docker_init.py), a private IPC
namespace, an unprivileged user (uid 65534 when the runtime is root, else its own uid), memory
(no swap) and task limits in the container's cgroup, CPU-time, file-size and core-dump rlimits,
and the same mounts as bwrap: the script read-only, results/ writable, the database read-only
(a SQLite file, or a local PostgreSQL's Unix socket).

The image is by default a tiny local one (docker_image.py) into which the host's interpreter and
environment are bind-mounted read-only, as bwrap does; META_AGENT_DOCKER_IMAGE names another
(e.g. one built from Dockerfile.base, with Python inside). DOCKER_HOST names the engine. The
engine must run on this machine: the run folder and the database are bind-mounted from it.

Every container is removed on every path (success, limit, error, Ctrl-C); containers left by a
runtime that was itself killed are removed by the next run on the same machine.

What it does not protect against: the Docker daemon is root on the host, so the host trusts
the engine and its runtime (runc); kernel vulnerabilities; and the image's own contents.
"""

from __future__ import annotations

import contextlib
import gc
import os
import socket
import threading
import time
import warnings
from pathlib import Path
from typing import Any

from meta_agent.errors import ExecutionError
from meta_agent.runtime.backend import Limits, RunResult, RunSpec, Status
from meta_agent.runtime.bwrap import run_binds
from meta_agent.runtime.cgroup import Cgroup
from meta_agent.runtime.channel import SANDBOX_BROKER_SOCKET
from meta_agent.runtime.docker_image import PYTHON_LABEL, SANDBOX_ID, ensure_host_image
from meta_agent.runtime.environment import (
    PASSWORD_WARNING,
    SANDBOX_DIR,
    SANDBOX_RESULTS,
    Bind,
    DatabaseAccess,
    database_access,
    sandbox_environment,
)
from meta_agent.runtime.logstream import LineSplitter
from meta_agent.runtime.monitor import (
    MAX_RESULT_ENTRIES,
    SAMPLE_INTERVAL_SECONDS,
    TICK_INTERVAL_SECONDS,
    output_usage,
)
from meta_agent.runtime.mounts import interpreter_binds, project_python
from meta_agent.runtime.rlimits import CPU_GRACE_SECONDS
from meta_agent.runtime.supervise import RunContext, Watched, finish

IMAGE_ENV = "META_AGENT_DOCKER_IMAGE"  # read like DOCKER_HOST: where the engine is configured
DEFAULT_DOCKER_SOCKET = "unix:///var/run/docker.sock"
DOCKER_API_VERSION = "1.41"  # Docker Engine 20.10+, every option used here exists there
CONTAINER_PYTHON = "python"  # a self-contained image's own interpreter (Dockerfile.base)
SANDBOX_SCRIPT = f"{SANDBOX_DIR}/script.py"
INIT_MODULE = "meta_agent.runtime.docker_init"  # the container's pid 1 (see that module)
SHM_BYTES = 1024 * 1024  # /dev/shm: a script has no use for it; counted in its memory anyway
RUN_LABEL = "org.meta-agent.run-dir"
OWNER_LABEL = "org.meta-agent.owner"  # "<hostname> <pid>" of the runtime that made it
POLL_SECONDS = max(SAMPLE_INTERVAL_SECONDS, 0.05)
MISSING_PACKAGE = "The docker backend needs the Docker SDK: pip install 'meta-agent[docker]'."


def _docker_module() -> Any:
    try:
        import docker
    except ImportError:
        raise ExecutionError(MISSING_PACKAGE) from None
    return docker


def docker_problem() -> str | None:
    """Why no Docker engine can be used here, or None when one answers."""
    try:
        docker = _docker_module()
    except ExecutionError as exc:
        return str(exc)
    host = os.environ.get("DOCKER_HOST", DEFAULT_DOCKER_SOCKET)
    if host.startswith("unix://") and not Path(host.removeprefix("unix://")).is_socket():
        return f"no Docker engine is reachable (no socket at {host.removeprefix('unix://')})"
    client = None
    problem: str | None = None
    # The SDK leaks its socket when the engine refuses the connection; keep that quiet.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            # A fixed API version: "auto" would query the engine inside from_env.
            client = docker.from_env(version=DOCKER_API_VERSION, timeout=3)
            client.ping()
        except Exception as exc:  # noqa: BLE001 - any failure means "no engine reachable"
            problem = f"no Docker engine is reachable ({type(exc).__name__}: {str(exc)[:120]})"
        if client is not None:
            client.close()
        if problem is not None:
            # Only once the exception (and the frames holding the socket) is gone can the
            # leaked socket be collected, while its warning is silenced.
            del client
            gc.collect()
    return problem


def sandbox_user() -> tuple[int, int]:
    """Who runs inside: never root. A root runtime gives the run to uid/gid 65534."""
    if os.getuid() == 0:
        return SANDBOX_ID, SANDBOX_ID
    return os.getuid(), os.getgid()


def owner_label() -> str:
    return f"{socket.gethostname()} {os.getpid()}"


def container_options(
    spec: RunSpec,
    limits: Limits,
    image: str,
    env: dict[str, str],
    command: list[str],
    binds: list[Bind],
    *,
    user: tuple[int, int] = (SANDBOX_ID, SANDBOX_ID),
    groups: tuple[int, ...] = (),
) -> dict[str, Any]:
    """The ``containers.create`` arguments for one run (pure, so it can be tested anywhere)."""
    cpu = int(limits.cpu_seconds)
    options: dict[str, Any] = {
        "image": image,
        "command": command,
        "entrypoint": [],
        "environment": env,
        "working_dir": SANDBOX_DIR,
        "network_mode": "none",
        "ipc_mode": "private",
        "read_only": True,
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],  # and Docker's default seccomp profile
        "user": f"{user[0]}:{user[1]}",
        "hostname": "sandbox",
        "init": False,  # pid 1 is docker_init.py: out of the script's reach, unlike Docker's
        "mem_limit": limits.memory_bytes,
        "memswap_limit": limits.memory_bytes,
        "pids_limit": limits.max_processes,
        "shm_size": SHM_BYTES,
        "ulimits": [
            {"Name": "cpu", "Soft": cpu, "Hard": cpu + CPU_GRACE_SECONDS},
            {"Name": "fsize", "Soft": limits.output_bytes, "Hard": limits.output_bytes},
            {"Name": "core", "Soft": 0, "Hard": 0},
        ],
        "tmpfs": {"/tmp": f"rw,nosuid,nodev,size={limits.total_output_bytes},mode=1777"},
        "mounts": [
            {
                "Type": "bind",
                "Source": str(b.host),
                "Target": b.inside,
                "ReadOnly": not b.writable,
                "BindOptions": {"Propagation": "rprivate"},
            }
            for b in binds
        ],
        # Output is streamed through attach; the engine keeps no copy (a log bomb fills nothing).
        "log_config": {"Type": "none", "Config": {}},
        "detach": True,
        "labels": {RUN_LABEL: str(spec.run_dir), OWNER_LABEL: owner_label()},
    }
    if groups:
        options["group_add"] = [str(g) for g in groups]
    return options


class DockerBackend:
    """Runs each script in a fresh container (see the module docstring for what it covers).

    Args:
        image: the image to run; default META_AGENT_DOCKER_IMAGE, else the host-Python image
            (built on first use).
        client: a ``docker.DockerClient`` (default: from DOCKER_HOST and the environment).
        python: the host interpreter mounted into a host-Python image (default: this one).
    """

    name = "docker"

    def __init__(
        self, image: str | None = None, client: Any | None = None, python: str | None = None
    ) -> None:
        self.image = image or os.environ.get(IMAGE_ENV) or None
        self.python = python or project_python()
        self._client = client
        self._host_python: dict[str, bool] = {}
        self._swept = False

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = _docker_module().from_env(version=DOCKER_API_VERSION)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            with contextlib.suppress(Exception):
                self._client.close()

    def prepare(self, limits: Limits) -> None:
        """Find (or import) the image and remove orphans before the first run (the executor
        calls this once); a failure here is reported by the run itself."""
        with contextlib.suppress(Exception):
            self._sweep()
            self.resolve_image()

    def run(self, spec: RunSpec, limits: Limits) -> RunResult:
        """Run ``spec.script`` in a new container and supervise it to the end."""
        context = RunContext.open(spec, limits, self.name)
        with context.guard():
            return self._run(context, spec, limits)

    def resolve_image(self) -> tuple[str, bool]:
        """The image to run and whether the host's Python is mounted into it."""
        if self.image is None:
            tag = ensure_host_image(self.client)
            self._host_python[tag] = True
            return tag, True
        if self.image not in self._host_python:
            labels = self.client.images.get(self.image).labels or {}
            self._host_python[self.image] = labels.get(PYTHON_LABEL) == "host"
        return self.image, self._host_python[self.image]

    def _run(self, context: RunContext, spec: RunSpec, limits: Limits) -> RunResult:
        self._sweep()
        results = spec.results_dir
        user = sandbox_user()
        container = None
        try:
            try:
                database = database_access(spec.database_url)
                database.refuse_network("docker sandbox")
                if database.password_removed:
                    context.warn(PASSWORD_WARNING)
                binds = run_binds(spec, database, SANDBOX_SCRIPT)
                # The broker's channel is bound into this one container; its processes are not
                # the host's children, so the broker checks no peer (serve(None)). The folder
                # and socket go to the container's user, as results/ does.
                broker = context.open_broker()
                if broker is not None:
                    binds.append(broker.channel.bind())
                    _hand_over_channel(broker.channel.folder, user)
                groups = _readable_groups(database, user)
                image, host_python = self._resolve_image_clearly()
                python = CONTAINER_PYTHON
                if host_python:
                    python = self.python
                    binds = [*interpreter_binds(self.python)[0], *binds]
                env = sandbox_environment(
                    results_dir=SANDBOX_RESULTS,
                    tmp_dir="/tmp",
                    database_url=database.url,
                    variables=spec.variables,
                    broker_socket=SANDBOX_BROKER_SOCKET if broker is not None else None,
                )
                command = [python, "-I", "-m", INIT_MODULE, python, "-I", "-u", SANDBOX_SCRIPT]
                options = container_options(
                    spec, limits, image, env, command, binds, user=user, groups=groups
                )
                _hand_over(results, user)
                container = self.client.containers.create(**options)
                mounted = ", the host's Python mounted" if host_python else ""
                context.writer.line("runtime", f"docker image {image}{mounted}; user {user[0]}")
            except ExecutionError as exc:
                return context.error_result(str(exc))
            except Exception as exc:  # noqa: BLE001 - engine errors become a clear status "error"
                return context.error_result(f"Docker could not create the container ({exc}).")
            try:
                watched = self._supervise(context, container)
            except ExecutionError as exc:
                return context.error_result(str(exc))
            _remove(container)
            _take_back(results)
            return finish(context, watched, exit_code_carries_signal=True)
        finally:
            if container is not None:
                _remove(container)  # every path: errors, Ctrl-C, a failing engine
            _take_back(results)

    def _resolve_image_clearly(self) -> tuple[str, bool]:
        try:
            return self.resolve_image()
        except ExecutionError:
            raise
        except Exception as exc:  # noqa: BLE001 - ImageNotFound, APIError, connection errors
            name = self.image or "the host-Python image"
            hint = (
                f"build it (docker build -f Dockerfile.base -t {self.image} .) or unset {IMAGE_ENV}"
                if self.image
                else "is the engine running? (scripts/docker-engine starts one)"
            )
            raise ExecutionError(f"Docker cannot provide {name} ({exc}); {hint}.") from None

    def _supervise(self, context: RunContext, container: Any) -> Watched:
        """Start the container, stream its output, stop it at the first breach; how it ended."""
        if context.broker is not None:
            context.broker.serve(peer_root=None)
        spec = context.spec
        socket_stream = container.attach(stdout=True, stderr=True, stream=True, demux=True)
        sock = _stream_socket(socket_stream)
        if sock is not None:
            # The client's request timeout (60 s) would end the stream of a quiet script.
            sock.settimeout(None)
        logs = threading.Thread(target=_pump_demuxed, args=(socket_stream, context), daemon=True)
        ended: dict[str, Any] = {}
        done = threading.Event()

        def wait() -> None:
            try:
                ended.update(container.wait())
            except Exception as exc:  # noqa: BLE001 - the engine went away: treated as a kill
                ended["Error"] = str(exc)
            done.set()

        waiter = threading.Thread(target=wait, daemon=True)
        try:
            container.start()
        except Exception as exc:  # noqa: BLE001 - e.g. the runtime cannot exec the interpreter
            _close_stream(socket_stream)
            raise ExecutionError(f"Docker could not start the container ({exc}).") from None
        logs.start()
        waiter.start()
        cgroup, running = _container_cgroup(container)
        sampler = _Sampler(cgroup)
        if cgroup is None and running:
            context.warn("docker backend: the container's cgroup is not readable here")
        breach: Status | None = None
        next_tick = TICK_INTERVAL_SECONDS
        while not done.wait(POLL_SECONDS):
            elapsed = time.monotonic() - context.started
            breach = _breach(context, elapsed, sampler)
            if breach is not None:
                with contextlib.suppress(Exception):
                    container.kill()
                done.wait(10)
                break
            if spec.on_tick is not None and elapsed >= next_tick:
                next_tick += TICK_INTERVAL_SECONDS
                with contextlib.suppress(Exception):
                    spec.on_tick(elapsed)
        sampler.sample()  # the cgroup may still be there for a last look
        logs.join(5)
        _close_stream(socket_stream)
        if context.writer.breached.is_set() and breach is None:
            breach = "log_limit"
        state: dict[str, Any] = {}
        with contextlib.suppress(Exception):
            container.reload()
            state = container.attrs.get("State", {})
        exit_code = int(ended.get("StatusCode", state.get("ExitCode", 137)))
        return Watched(
            breach=breach,
            wait_status=(exit_code & 0xFF) << 8,
            cpu_seconds=round(sampler.cpu_seconds, 3),
            peak_memory_mb=round(sampler.peak_memory_bytes / (1024 * 1024), 1),
            wall_seconds=round(time.monotonic() - context.started, 3),
            oom_kills=max(sampler.oom_kills, 1 if state.get("OOMKilled") else 0),
            pids_max_hits=sampler.pids_max_hits,
        )

    def _sweep(self) -> None:
        """Remove containers left by a runtime on this machine that no longer exists (once)."""
        if self._swept:
            return
        self._swept = True
        with contextlib.suppress(Exception):
            # sparse: not inspected one by one, so another run's container vanishing meanwhile
            # cannot end the sweep early
            listed = self.client.containers.list(
                all=True, sparse=True, filters={"label": OWNER_LABEL}
            )
            for container in listed:
                labels = container.attrs.get("Labels") or {}
                host, _, pid = (labels.get(OWNER_LABEL) or "").partition(" ")
                if host == socket.gethostname() and pid.isdigit() and not _alive(int(pid)):
                    with contextlib.suppress(Exception):
                        _remove(container)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(container: Any) -> None:
    with contextlib.suppress(Exception):
        container.remove(force=True)


def _readable_groups(database: DatabaseAccess, user: tuple[int, int]) -> tuple[int, ...]:
    """Extra groups the sandbox user needs to read the database files (none when world-readable)."""
    groups: set[int] = set()
    for bind in database.binds:
        info = bind.host.stat()
        if info.st_uid == user[0] or info.st_mode & 0o004:
            continue
        if info.st_mode & 0o040:
            groups.add(info.st_gid)
            continue
        raise ExecutionError(
            f"The docker sandbox runs as uid {user[0]} and cannot read {bind.host} (mode "
            f"{oct(info.st_mode & 0o777)}); make it readable: chmod o+r {bind.host}."
        )
    return tuple(sorted(groups))


def _hand_over(results: Path, user: tuple[int, int]) -> None:
    """Give the empty results/ folder to the sandbox user (only needed when we are root)."""
    if os.getuid() == 0 and user[0] != 0:
        os.chown(results, user[0], user[1], follow_symlinks=False)


def _hand_over_channel(folder: Path, user: tuple[int, int]) -> None:
    """Let the sandbox user reach the broker's socket (its folder stays closed to anyone else)."""
    if os.getuid() == 0 and user[0] != 0:
        os.chown(folder, user[0], user[1], follow_symlinks=False)
        for entry in folder.iterdir():
            os.chown(entry, user[0], user[1], follow_symlinks=False)


def _take_back(results: Path) -> None:
    """Give results/ and everything the run wrote back to us (never following a link)."""
    if os.getuid() != 0:
        return
    with contextlib.suppress(OSError):
        os.chown(results, 0, 0, follow_symlinks=False)
        for folder, dirs, files in os.walk(results):
            for name in (*dirs, *files):
                with contextlib.suppress(OSError):
                    os.chown(os.path.join(folder, name), 0, 0, follow_symlinks=False)


def _container_cgroup(container: Any) -> tuple[Cgroup | None, bool]:
    """The container's own cgroup (read, never removed) for limit hits, peak memory and CPU,
    and whether the container was still running when asked."""
    with contextlib.suppress(Exception):
        container.reload()
        pid = int(container.attrs["State"]["Pid"])
        if pid <= 0:
            return None, False
        dirs: dict[str, Path] = {}
        version = 1
        for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for controller in controllers.split(",") if controllers else [""]:
                if controller in ("memory", "pids", "cpuacct"):
                    dirs[controller] = Path("/sys/fs/cgroup", controller, path.lstrip("/"))
                elif controller == "" and not dirs:
                    version = 2
                    unified = Path("/sys/fs/cgroup", path.lstrip("/"))
                    dirs = {"memory": unified, "pids": unified, "cpuacct": unified}
        if "memory" in dirs and dirs["memory"].is_dir():
            return Cgroup(version, dirs), True
    return None, True


class _Sampler:
    """The container's cgroup counters, kept at their highest: the engine deletes the cgroup
    as soon as the container stops, so the last reading before that is what is known."""

    def __init__(self, cgroup: Cgroup | None) -> None:
        self.cgroup = cgroup
        self.oom_kills = self.pids_max_hits = self.peak_memory_bytes = 0
        self.cpu_seconds = 0.0

    def sample(self) -> None:
        if self.cgroup is None:
            return
        usage = self.cgroup.usage()
        self.oom_kills = max(self.oom_kills, usage.oom_kills)
        self.pids_max_hits = max(self.pids_max_hits, usage.pids_max_hits)
        self.peak_memory_bytes = max(self.peak_memory_bytes, usage.peak_memory_bytes)
        self.cpu_seconds = max(self.cpu_seconds, _cpu_seconds(self.cgroup))


def _cpu_seconds(cgroup: Cgroup) -> float:
    folder = cgroup.dirs.get("cpuacct")
    if folder is None:
        return 0.0
    with contextlib.suppress(OSError, ValueError, IndexError):
        if cgroup.version == 2:
            for line in (folder / "cpu.stat").read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "usage_usec":
                    return int(value) / 1e6
            return 0.0
        return int((folder / "cpuacct.usage").read_text().split()[0]) / 1e9
    return 0.0


def _breach(context: RunContext, elapsed: float, sampler: _Sampler) -> Status | None:
    limits = context.limits
    if elapsed > limits.timeout_seconds:
        return "timeout"
    if context.writer.breached.is_set():
        return "log_limit"
    sampler.sample()
    if sampler.oom_kills:
        return "memory_limit"
    if sampler.pids_max_hits:
        return "process_limit"
    if sampler.cpu_seconds > limits.cpu_seconds + CPU_GRACE_SECONDS:
        return "cpu_limit"
    size, entries = output_usage(context.spec.results_dir)
    if size > limits.total_output_bytes or entries > MAX_RESULT_ENTRIES:
        return "output_limit"
    return None


def _stream_socket(stream: Any) -> Any:
    """The socket under an attach stream (the SDK keeps it private), or None."""
    with contextlib.suppress(Exception):
        raw = getattr(stream._response.raw._fp.fp, "raw", None)
        return getattr(raw, "_sock", None) or getattr(raw, "sock", None)
    return None


def _close_stream(stream: Any) -> None:
    """Close an attach stream and its socket (the SDK leaves it open once the stream has ended)."""
    with contextlib.suppress(Exception):
        stream.close()
    sock = _stream_socket(stream)
    with contextlib.suppress(Exception):
        if sock is not None:
            sock.close()
        stream._response.close()


def _pump_demuxed(streams: Any, context: RunContext) -> None:
    splitters = {name: LineSplitter(context.writer, name) for name in ("stdout", "stderr")}
    with contextlib.suppress(Exception):  # the stream ends with an error when the engine kills
        for out, err in streams:
            for name, chunk in (("stdout", out), ("stderr", err)):
                if chunk:
                    splitters[name].feed(chunk)
    for splitter in splitters.values():
        splitter.close()
