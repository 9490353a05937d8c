"""The docker backend through a real Docker engine (scripts/docker-engine starts one as root).

Container settings are checked as the engine holds them (inspected while the script runs), the
limits as the statuses they end in, and cleanup on every path: success, limits, a runtime error,
Ctrl-C in the runtime, and a runtime killed outright (its container is removed by the next run).
The hostile suite runs through docker too (test_sandbox_hostile.py).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from meta_agent.runtime import Executor, Limits, RunSpec
from meta_agent.runtime.docker import (
    MISSING_PACKAGE,
    OWNER_LABEL,
    RUN_LABEL,
    DockerBackend,
    container_options,
    docker_problem,
)
from meta_agent.runtime.docker_image import PYTHON_LABEL, SANDBOX_ID, host_image_tag, root_tar
from meta_agent.runtime.environment import Bind

ROOT = os.getuid() == 0


def test_container_options_match_the_sandbox_contract(tmp_path: Path) -> None:
    limits = Limits(memory_mb=256, max_processes=20, cpu_seconds=9, max_output_mb=3)
    binds = [
        Bind(tmp_path / "script.py", "/sandbox/script.py"),
        Bind(tmp_path / "results", "/sandbox/results", writable=True),
    ]
    spec = RunSpec(tmp_path / "script.py", tmp_path)
    command = ["python", "-I", "-u", "/sandbox/script.py"]
    options = container_options(spec, limits, "img:1", {"HOME": "/tmp"}, command, binds)
    assert options["network_mode"] == "none" and options["read_only"] is True
    assert options["cap_drop"] == ["ALL"] and "no-new-privileges" in options["security_opt"]
    assert not any("unconfined" in o for o in options["security_opt"])  # default seccomp stays
    assert options["mem_limit"] == options["memswap_limit"] == 256 * 1024 * 1024
    assert options["pids_limit"] == 20 and options["ipc_mode"] == "private"
    assert options["user"] == f"{SANDBOX_ID}:{SANDBOX_ID}"
    assert {"Name": "cpu", "Soft": 9, "Hard": 10} in options["ulimits"]
    assert {"Name": "fsize", "Soft": 3 << 20, "Hard": 3 << 20} in options["ulimits"]
    assert options["tmpfs"] == {"/tmp": "rw,nosuid,nodev,size=209715200,mode=1777"}
    mounts = {m["Target"]: m for m in options["mounts"]}
    assert mounts["/sandbox/script.py"]["ReadOnly"] is True
    assert mounts["/sandbox/results"]["ReadOnly"] is False
    assert options["command"] == command and options["environment"] == {"HOME": "/tmp"}
    assert options["labels"][RUN_LABEL] == str(tmp_path)
    assert options["log_config"]["Type"] == "none"  # output is streamed, the engine keeps none


def test_missing_sdk_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "docker", None)
    assert docker_problem() == MISSING_PACKAGE
    assert "meta-agent[docker]" in MISSING_PACKAGE


def test_the_image_is_the_same_bytes_every_time() -> None:
    first, second = root_tar(), root_tar()
    assert first == second and len(first) < 64 * 1024
    assert host_image_tag(first) == host_image_tag() and host_image_tag().startswith(
        "meta-agent-sandbox:host-"
    )


# -- through the engine -------------------------------------------------------------------------
@pytest.fixture()
def engine(docker_ok: None) -> Iterator[Any]:
    import docker

    client = docker.from_env()
    yield client
    client.close()


def containers_of(engine: Any, run_dir: Path) -> list[Any]:
    # sparse: no inspection of each container, one of which (another test's) may be gone by then
    listed = engine.containers.list(all=True, sparse=True, filters={"label": RUN_LABEL})
    return [c for c in listed if str(run_dir) in (c.attrs.get("Labels") or {}).get(RUN_LABEL, "")]


def test_the_image_is_imported_once_and_reused(engine: Any) -> None:
    backend = DockerBackend(client=engine)
    tag, host_python = backend.resolve_image()
    image = engine.images.get(tag)
    assert host_python and image.labels[PYTHON_LABEL] == "host"
    again, _ = DockerBackend(client=engine).resolve_image()
    assert again == tag and engine.images.get(again).id == image.id


INSPECT_ME = """
import os, socket, sys, time
status = dict(l.split(":", 1) for l in open("/proc/self/status").read().splitlines())
print("uid", os.getuid(), "gid", os.getgid())
print("seccomp", status["Seccomp"].strip(), "nnp", status["NoNewPrivs"].strip())
print("capeff", status["CapEff"].strip(), "capbnd", status["CapBnd"].strip())
print("interfaces", sorted(name for _, name in socket.if_nameindex()))
for path in ("/", "/sandbox/script.py", "/usr/lib64"):
    try:
        open(os.path.join(path, "x") if path != "/sandbox/script.py" else path, "a")
        print("writable", path)
    except OSError as exc:
        print("refused", path, exc.errno)
with open(os.path.join(os.environ["META_AGENT_RESULTS_DIR"], "out.csv"), "w") as handle:
    handle.write("a,b\\n1,2\\n")
print("ready", flush=True)
time.sleep(30)
"""


def test_a_container_is_locked_down_as_the_engine_sees_it(
    engine: Any, make_script: Any, run_dir: Path
) -> None:
    seen: dict[str, Any] = {}

    def on_log(stream: str, line: str) -> None:
        if line.startswith("ready") and not seen:
            (container,) = containers_of(engine, run_dir)
            container.reload()  # the full inspection, not the list's summary
            seen.update(container.attrs)
            container.kill()  # ends the run here; the status is then "failed"

    spec = RunSpec(make_script(INSPECT_ME), run_dir, on_log=on_log)
    result = DockerBackend(client=engine).run(spec, Limits(timeout_seconds=60, memory_mb=300))
    host = seen["HostConfig"]
    assert host["NetworkMode"] == "none" and host["ReadonlyRootfs"] is True
    assert host["CapDrop"] == ["ALL"] and host["SecurityOpt"] == ["no-new-privileges"]
    assert host["Memory"] == host["MemorySwap"] == 300 * 1024 * 1024
    assert host["PidsLimit"] == 64 and host["IpcMode"] == "private"
    assert host["Tmpfs"]["/tmp"].startswith("rw,nosuid,nodev,size=")
    assert host["LogConfig"]["Type"] == "none" and host["Privileged"] is False
    user = f"{SANDBOX_ID}:{SANDBOX_ID}" if ROOT else f"{os.getuid()}:{os.getgid()}"
    assert seen["Config"]["User"] == user
    assert seen["Config"]["Labels"][OWNER_LABEL].endswith(f" {os.getpid()}")
    log = (run_dir / "logs" / "run.log").read_text()
    uid = SANDBOX_ID if ROOT else os.getuid()
    assert f"[stdout] uid {uid}" in log
    assert "[stdout] seccomp 2 nnp 1" in log  # a filter (Docker's and ours) and no-new-privs
    assert "[stdout] capeff 0000000000000000 capbnd 0000000000000000" in log
    assert "[stdout] interfaces ['lo']" in log  # --network none
    assert "[stdout] refused / 30" in log and "[stdout] refused /usr/lib64 30" in log  # EROFS
    assert "[stdout] refused /sandbox/script.py" in log
    assert result.artifacts == ["out.csv"]
    assert (run_dir / "results" / "out.csv").stat().st_uid == os.getuid()  # given back to us
    assert containers_of(engine, run_dir) == []


LIMITED = {
    "memory_limit": "x = b'x' * (1024 * 1024 * 1024)\n",
    "timeout": "import time\ntime.sleep(60)\n",
    "process_limit": (
        "import threading, time\n"
        "ts = [threading.Thread(target=time.sleep, args=(5,)) for _ in range(40)]\n"
        "[t.start() for t in ts]\n"
    ),
    "output_limit": (
        "import os\n"
        "with open(os.environ['META_AGENT_RESULTS_DIR'] + '/big.csv', 'w') as f:\n"
        "    f.write('x' * (3 << 20))\n"
    ),
    "log_limit": "while True:\n    print('x' * 1000)\n",
    "cpu_limit": "while True:\n    pass\n",
    "failed": "raise SystemExit(3)\n",
    "succeeded": "print('fine')\n",
}


@pytest.mark.slow
@pytest.mark.parametrize("status", sorted(LIMITED))
def test_each_limit_ends_in_its_status_and_no_container_remains(
    engine: Any, make_script: Any, tmp_path: Path, status: str
) -> None:
    run_dir = tmp_path / f"run-{status}"
    limits = Limits(
        timeout_seconds=2 if status == "timeout" else 30, cpu_seconds=2, memory_mb=200,
        max_processes=16, max_output_mb=2, max_log_mb=0.2,
    )  # fmt: skip
    result = DockerBackend(client=engine).run(
        RunSpec(make_script(LIMITED[status]), run_dir), limits
    )
    assert result.status == status, (
        result.error,
        (run_dir / "logs" / "run.log").read_text()[-1500:],
    )
    assert result.backend == "docker"
    assert containers_of(engine, run_dir) == []
    if status == "cpu_limit":
        assert result.cpu_seconds > 1.5  # measured in the container's cgroup (sampled)


def test_the_database_is_read_only_inside(
    engine: Any, make_script: Any, run_dir: Path, sqlite_db: Path
) -> None:
    script = make_script(
        "import os, sqlite3\n"
        "url = os.environ['META_AGENT_DATABASE_URL']\n"
        "conn = sqlite3.connect('file:' + url.removeprefix('sqlite:///') + '?mode=ro', uri=True)\n"
        "print('properties', conn.execute('select count(*) from properties').fetchone()[0])\n"
        "try:\n"
        "    open(url.removeprefix('sqlite:///'), 'ab')\n"
        "except OSError as exc:\n"
        "    print('write refused', exc.errno)\n"
    )
    spec = RunSpec(script, run_dir, database_url=f"sqlite:///{sqlite_db}")
    before = sqlite_db.read_bytes()
    result = DockerBackend(client=engine).run(spec, Limits(timeout_seconds=60))
    log = (run_dir / "logs" / "run.log").read_text()
    assert result.status == "succeeded", log
    assert "[stdout] properties 2" in log and "[stdout] write refused" in log
    assert sqlite_db.read_bytes() == before


@pytest.mark.skipif(not ROOT, reason="only a root runtime hands the run to another uid")
def test_an_unreadable_database_is_refused_clearly(
    engine: Any, make_script: Any, run_dir: Path, sqlite_db: Path
) -> None:
    sqlite_db.chmod(0o600)
    spec = RunSpec(make_script("print(1)\n"), run_dir, database_url=f"sqlite:///{sqlite_db}")
    result = DockerBackend(client=engine).run(spec, Limits())
    assert result.status == "error" and "chmod o+r" in (result.error or "")
    assert containers_of(engine, run_dir) == []
    sqlite_db.chmod(0o640)  # group-readable: the run gets that group, and reads it
    result = DockerBackend(client=engine).run(
        RunSpec(make_script("print(open('/run/meta-agent/db/portfolio.db','rb').read(6))\n"),
                run_dir.with_name("run2"), database_url=f"sqlite:///{sqlite_db}"),
        Limits(timeout_seconds=60),
    )  # fmt: skip
    assert result.status == "succeeded", result.error


@pytest.mark.postgres
def test_postgres_is_reached_through_its_socket(
    engine: Any, postgres_url: str, make_script: Any, run_dir: Path
) -> None:
    script = make_script(
        "import os\n"
        "from sqlalchemy import create_engine, text\n"
        "engine = create_engine(os.environ['META_AGENT_DATABASE_URL'])\n"
        "with engine.connect() as conn:\n"
        "    print('answer', conn.execute(text('SELECT 40 + 2')).scalar())\n"
    )
    result = DockerBackend(client=engine).run(
        RunSpec(script, run_dir, database_url=postgres_url), Limits(timeout_seconds=60)
    )
    log = (run_dir / "logs" / "run.log").read_text()
    assert result.status == "succeeded", log
    assert "[stdout] answer 42" in log


def test_output_is_streamed_while_the_script_runs(
    engine: Any, make_script: Any, run_dir: Path
) -> None:
    arrivals: list[tuple[float, str]] = []
    script = make_script("import time\nprint('first')\ntime.sleep(2)\nprint('second')\n")
    spec = RunSpec(
        script, run_dir, on_log=lambda s, line: arrivals.append((time.monotonic(), line))
    )
    result = DockerBackend(client=engine).run(spec, Limits(timeout_seconds=60))
    assert result.status == "succeeded"
    times = {line: at for at, line in arrivals}
    assert times["second"] - times["first"] > 1.5  # the first line came before the sleep ended


def test_an_engine_error_is_a_clear_status(engine: Any, make_script: Any, run_dir: Path) -> None:
    backend = DockerBackend(image="meta-agent-no-such-image:0", client=engine)
    result = backend.run(RunSpec(make_script("print(1)\n"), run_dir), Limits())
    assert result.status == "error"
    assert "meta-agent-no-such-image:0" in (result.error or "")
    assert "META_AGENT_DOCKER_IMAGE" in (result.error or "")
    assert containers_of(engine, run_dir) == []


def test_the_image_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("META_AGENT_DOCKER_IMAGE", "registry.example/sandbox:7")
    assert DockerBackend(client=object()).image == "registry.example/sandbox:7"
    monkeypatch.delenv("META_AGENT_DOCKER_IMAGE")
    assert DockerBackend(client=object()).image is None  # the host-Python image


def test_executor_runs_docker_by_name(docker_ok: None, make_script: Any, run_dir: Path) -> None:
    with Executor("docker", Limits(timeout_seconds=60)) as executor:
        result = executor.run(RunSpec(make_script("print('hi')\n"), run_dir))
    assert result.status == "succeeded" and result.backend == "docker"


RUNNER = """
import sys
from pathlib import Path
from meta_agent.runtime import Limits, RunSpec
from meta_agent.runtime.docker import DockerBackend
result = DockerBackend().run(RunSpec(Path(sys.argv[1]), Path(sys.argv[2])), Limits(timeout_seconds=60))
print("status", result.status)
"""


def _runtime_in_a_child(script: Path, run_dir: Path, engine: Any) -> subprocess.Popen[str]:
    """A runtime process of its own, its container found running (or the test fails)."""
    child = subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(script), str(run_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if any(c.status == "running" for c in containers_of(engine, run_dir)):
            return child
        time.sleep(0.1)
    child.kill()
    pytest.fail(f"the container never ran: {child.communicate()[0]}")


def test_ctrl_c_in_the_runtime_removes_the_container(
    engine: Any, make_script: Any, run_dir: Path
) -> None:
    child = _runtime_in_a_child(make_script("import time\ntime.sleep(60)\n"), run_dir, engine)
    child.send_signal(signal.SIGINT)
    output, _ = child.communicate(timeout=30)
    assert "KeyboardInterrupt" in output
    assert containers_of(engine, run_dir) == []
    if ROOT:
        assert (run_dir / "results").stat().st_uid == 0  # results/ given back on that path too


def test_a_killed_runtime_s_container_is_removed_by_the_next_run(
    engine: Any, make_script: Any, run_dir: Path, tmp_path: Path
) -> None:
    child = _runtime_in_a_child(make_script("import time\ntime.sleep(60)\n"), run_dir, engine)
    child.kill()  # SIGKILL: no chance to clean up
    child.communicate()
    assert len(containers_of(engine, run_dir)) == 1
    later = DockerBackend(client=engine).run(
        RunSpec(make_script("print(1)\n", "later.py"), tmp_path / "later"), Limits()
    )
    assert later.status == "succeeded"
    assert containers_of(engine, run_dir) == []


def test_results_json_round_trip(engine: Any, make_script: Any, run_dir: Path) -> None:
    """A benign run's files come back intact and ours (the run wrote them as another user)."""
    script = make_script(
        "import json, os\n"
        "out = os.environ['META_AGENT_RESULTS_DIR']\n"
        "os.makedirs(out + '/charts')\n"
        "json.dump({'n': 3}, open(out + '/results.json', 'w'))\n"
        "open(out + '/charts/a.txt', 'w').write('chart')\n"
    )
    result = DockerBackend(client=engine).run(RunSpec(script, run_dir), Limits(timeout_seconds=60))
    assert result.status == "succeeded", result.error
    assert sorted(result.artifacts) == ["charts/a.txt", "results.json"]
    assert json.loads((run_dir / "results" / "results.json").read_text()) == {"n": 3}
    owners = {p.stat().st_uid for p in (run_dir / "results").rglob("*")}
    assert owners == {os.getuid()}


def test_an_image_without_python_fails_clearly(
    engine: Any, make_script: Any, run_dir: Path
) -> None:
    """A self-contained image must bring ``python``; one that does not ends in a clear error."""
    engine.api.import_image_from_data(root_tar(), repository="meta-agent-test-no-python", tag="1")
    try:
        backend = DockerBackend(image="meta-agent-test-no-python:1", client=engine)
        result = backend.run(RunSpec(make_script("print(1)\n"), run_dir), Limits())
    finally:
        engine.images.remove("meta-agent-test-no-python:1", force=True)
    assert result.status == "error"
    assert "could not start the container" in (result.error or "")
    assert containers_of(engine, run_dir) == []


def test_a_quiet_spell_longer_than_the_client_timeout_loses_no_output(
    docker_ok: None, make_script: Any, run_dir: Path
) -> None:
    import docker

    client = docker.from_env(timeout=2)  # requests time out after 2 s; the run lasts longer
    try:
        script = make_script("import time\nprint('before')\ntime.sleep(4)\nprint('after')\n")
        result = DockerBackend(client=client).run(
            RunSpec(script, run_dir), Limits(timeout_seconds=30)
        )
    finally:
        client.close()
    log = (run_dir / "logs" / "run.log").read_text()
    assert result.status == "succeeded", log
    assert "[stdout] before" in log and "[stdout] after" in log
