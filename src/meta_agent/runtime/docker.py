"""The same sandbox contract through a Docker Engine: for hosts with Docker but no bubblewrap.

One container per run from the base image (Dockerfile.base: python:3.11-slim + this package):
no network, a read-only root, a size-capped private /tmp, no capabilities, no new privileges,
memory (no swap), task, CPU-time, file-size and core-dump limits, and the same mounts as bwrap
(script read-only, results/ writable, the database read-only). The ``docker`` package is an
optional extra: ``pip install 'meta-agent[docker]'``.

What it does not protect against: the Docker daemon is root on the host, so the host trusts
the engine and its runtime (runc); kernel vulnerabilities; and the image's own contents.
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
import time
import warnings
from pathlib import Path
from typing import Any

from meta_agent.errors import ExecutionError
from meta_agent.runtime.backend import Limits, RunResult, RunSpec, Status
from meta_agent.runtime.broker import SANDBOX_BROKER_SOCKET
from meta_agent.runtime.bwrap import run_binds
from meta_agent.runtime.environment import (
    PASSWORD_WARNING,
    SANDBOX_DIR,
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
from meta_agent.runtime.rlimits import CPU_GRACE_SECONDS
from meta_agent.runtime.supervise import RunContext, Watched, finish

DEFAULT_IMAGE = "meta-agent-sandbox:latest"
DEFAULT_DOCKER_SOCKET = "unix:///var/run/docker.sock"
DOCKER_API_VERSION = "1.41"  # Docker Engine 20.10+, every option used here exists there
CONTAINER_PYTHON = "python"  # the image's own interpreter: the project's environment there
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
    # The SDK leaks its socket when the engine refuses the connection; keep that quiet.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            # A fixed API version: "auto" would query the engine inside from_env.
            client = docker.from_env(version=DOCKER_API_VERSION, timeout=3)
            client.ping()
        except Exception as exc:  # noqa: BLE001 - any failure means "no engine reachable"
            return f"no Docker engine is reachable ({type(exc).__name__}: {str(exc)[:120]})"
        finally:
            if client is not None:
                client.close()
            gc.collect()
    return None


def container_options(
    spec: RunSpec,
    limits: Limits,
    image: str,
    env: dict[str, str],
    script_inside: str,
    binds: list[Any],
) -> dict[str, Any]:
    """The ``containers.create`` arguments for one run (pure, so it can be tested anywhere)."""
    cpu = int(limits.cpu_seconds)
    return {
        "image": image,
        "command": [CONTAINER_PYTHON, "-I", "-u", script_inside],
        "environment": env,
        "working_dir": SANDBOX_DIR,
        "network_mode": "none",
        "read_only": True,
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "user": f"{os.getuid()}:{os.getgid()}",
        "hostname": "sandbox",
        "init": True,
        "mem_limit": limits.memory_bytes,
        "memswap_limit": limits.memory_bytes,
        "pids_limit": limits.max_processes,
        "ulimits": [
            {"Name": "cpu", "Soft": cpu, "Hard": cpu + CPU_GRACE_SECONDS},
            {"Name": "fsize", "Soft": limits.output_bytes, "Hard": limits.output_bytes},
            {"Name": "core", "Soft": 0, "Hard": 0},
        ],
        "tmpfs": {"/tmp": f"rw,nosuid,nodev,size={limits.total_output_bytes},mode=1777"},
        "volumes": {
            str(b.host): {"bind": b.inside, "mode": "rw" if b.writable else "ro"} for b in binds
        },
        "detach": True,
        "labels": {"meta-agent.run-dir": str(spec.run_dir)},
    }


class DockerBackend:
    """Runs each script in a fresh container (see the module docstring for what it covers)."""

    name = "docker"

    def __init__(self, image: str = DEFAULT_IMAGE, client: Any | None = None) -> None:
        self.image = image
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = _docker_module().from_env(version=DOCKER_API_VERSION)
        return self._client

    def run(self, spec: RunSpec, limits: Limits) -> RunResult:
        """Run ``spec.script`` in a new container and supervise it to the end."""
        context = RunContext.open(spec, limits, self.name)
        with context.guard():
            return self._run(context, spec, limits)

    def _run(self, context: RunContext, spec: RunSpec, limits: Limits) -> RunResult:
        try:
            database = database_access(spec.database_url)
            if database.needs_network:
                raise ExecutionError("The docker sandbox has no network for a database server.")
            if database.password_removed:
                context.warn(PASSWORD_WARNING)
            script_inside = f"{SANDBOX_DIR}/script.py"
            binds = run_binds(spec, database, script_inside)
            # The channel is bound into this one container; its processes are not the host's
            # children, so the broker checks no peer (serve(None)).
            broker = context.open_broker()
            if broker is not None:
                binds.append(broker.channel.bind())
            env = sandbox_environment(
                results_dir=f"{SANDBOX_DIR}/results",
                tmp_dir="/tmp",
                database_url=database.url,
                variables=spec.variables,
                broker_socket=SANDBOX_BROKER_SOCKET if broker is not None else None,
            )
            options = container_options(spec, limits, self.image, env, script_inside, binds)
            container = self.client.containers.create(**options)
        except ExecutionError as exc:
            return context.error_result(str(exc))
        except Exception as exc:  # noqa: BLE001 - engine errors become a clear status "error"
            return context.error_result(
                f"Docker could not create the container from {self.image!r} ({exc}); build it "
                f"with: docker build -f Dockerfile.base -t {self.image} ."
            )
        try:
            return self._supervise(context, container)
        finally:
            with contextlib.suppress(Exception):
                container.remove(force=True)

    def _supervise(self, context: RunContext, container: Any) -> RunResult:
        spec = context.spec
        if context.broker is not None:
            context.broker.serve(peer_root=None)
        peak = {"bytes": 0}
        streams = container.attach(stdout=True, stderr=True, stream=True, logs=True, demux=True)
        logs = threading.Thread(target=_pump_demuxed, args=(streams, context), daemon=True)
        stats = threading.Thread(target=_sample_stats, args=(container, peak), daemon=True)
        container.start()
        logs.start()
        stats.start()
        breach: Status | None = None
        next_tick = TICK_INTERVAL_SECONDS
        while True:
            container.reload()
            if container.status not in ("created", "running"):
                break
            elapsed = time.monotonic() - context.started
            breach = _breach(context, elapsed)
            if breach is not None:
                container.kill()
                break
            if spec.on_tick is not None and elapsed >= next_tick:
                next_tick += TICK_INTERVAL_SECONDS
                spec.on_tick(elapsed)
            time.sleep(SAMPLE_INTERVAL_SECONDS * 4)
        state = container.wait(timeout=30)
        logs.join(5)
        container.reload()
        info = container.attrs.get("State", {})
        exit_code = int(state.get("StatusCode", info.get("ExitCode", 1)))
        watched = Watched(
            breach=breach,
            wait_status=(exit_code & 0xFF) << 8,
            cpu_seconds=0.0,
            peak_memory_mb=round(peak["bytes"] / (1024 * 1024), 1),
            wall_seconds=round(time.monotonic() - context.started, 3),
            oom_kills=1 if info.get("OOMKilled") else 0,
        )
        context.warn("docker backend: CPU time is not measured (only limited)")
        return finish(context, watched, exit_code_carries_signal=True)


def _breach(context: RunContext, elapsed: float) -> Status | None:
    if elapsed > context.limits.timeout_seconds:
        return "timeout"
    if context.writer.breached.is_set():
        return "log_limit"
    size, entries = output_usage(context.spec.results_dir)
    if size > context.limits.total_output_bytes or entries > MAX_RESULT_ENTRIES:
        return "output_limit"
    return None


def _pump_demuxed(streams: Any, context: RunContext) -> None:
    splitters = {name: LineSplitter(context.writer, name) for name in ("stdout", "stderr")}
    for out, err in streams:
        for name, chunk in (("stdout", out), ("stderr", err)):
            if chunk:
                splitters[name].feed(chunk)
    for splitter in splitters.values():
        splitter.close()


def _sample_stats(container: Any, peak: dict[str, int]) -> None:
    with contextlib.suppress(Exception):
        for stats in container.stats(stream=True, decode=True):
            memory = stats.get("memory_stats", {})
            peak["bytes"] = max(
                peak["bytes"], int(memory.get("max_usage") or memory.get("usage") or 0)
            )
