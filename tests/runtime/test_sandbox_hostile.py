"""The hostile suite: scripts that attack the host, run with no validator, against real sandboxes.

Each script's header says the status it must end with and what must hold. Whatever the status,
the host must be untouched afterwards: canaries intact and unread (their content never reaches
the log, the results or the RunResult), no file created outside the run, no listener contacted,
the test process's environment never seen, and no process of the run left alive.

Backend matrix: bwrap and docker (through a real engine) must contain every script. The process backend runs the scripts marked
``pass`` (and ``netns``/``cgroup`` ones where this host gives it a network namespace/cgroup);
scripts marked ``xfail`` are known escapes of the process backend (it runs as the host user);
``skip`` ones are not even tried, because under that backend they would really harm the host.

Scripts marked ``# network: broker`` run as a user's run of the external tools does: a loopback
HTTP server (the test's) as the Census API, its host allowed, its key configured. They attack
the key and the broker; the key, reversed, spaced or encoded, must appear in no file of the run
folder (log, results, manifest, history) and in no error.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from meta_agent.runtime import Limits
from meta_agent.runtime.cgroup import Cgroup
from meta_agent.runtime.process import can_unshare_network

HOSTILE_DIR = Path(__file__).parent / "hostile"
# Which bwrap ("system" or "bundled") must run the scripts, when set; read at import, since the
# autouse fixture clears META_AGENT_* variables.
EXPECTED_BWRAP = os.environ.get("META_AGENT_TEST_BWRAP_SOURCE")
SCRIPTS = sorted(HOSTILE_DIR.glob("[0-9][0-9]_*.py"))
HEADER = re.compile(r"^# (expect|process|limits|network): (.*)$", re.MULTILINE)


@dataclass
class Expectation:
    """A hostile script's header: ``# expect: <status> <what must hold>`` and its options."""

    status: str
    holds: str
    process: str = "pass"  # pass | netns | cgroup | xfail <why> | skip <why>
    limits: dict[str, float] = field(default_factory=dict)
    network: str = ""  # "broker": the run has the external API configured and allowed


def expectation(path: Path) -> Expectation:
    found = dict(HEADER.findall(path.read_text()))
    status, _, holds = found["expect"].partition(" ")
    limits = {}
    for item in found.get("limits", "").split():
        key, _, value = item.partition("=")
        limits[key] = float(value)
    return Expectation(
        status, holds, found.get("process", "pass"), limits, found.get("network", "")
    )


def test_the_suite_is_big_enough() -> None:
    assert len(SCRIPTS) >= 40
    statuses = {expectation(script).status for script in SCRIPTS}
    assert {"failed", "succeeded", "timeout", "memory_limit", "cpu_limit"} <= statuses
    assert {"output_limit", "log_limit", "process_limit"} <= statuses


def _cgroup_available() -> bool:
    group = Cgroup.create(64 * 1024 * 1024, 16)
    if group is None:
        return False
    group.remove()
    return True


def _process_mode(script: Path, request: pytest.FixtureRequest) -> None:
    """Skip what would harm the host; mark (but still run) the known escapes as xfail."""
    mode, _, reason = expectation(script).process.partition(" ")
    if mode == "skip":
        pytest.skip(f"process backend: {reason}")
    if mode == "netns" and not can_unshare_network():
        mode, reason = "xfail", "no network namespace on this host, the network is open"
    if mode == "cgroup" and not _cgroup_available():
        mode, reason = "xfail", "without a cgroup, escaped processes are only sampled"
    if mode == "xfail":
        request.applymarker(pytest.mark.xfail(reason=f"process backend: {reason}", strict=False))


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["bwrap", "docker", "process"])
@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_hostile_script_is_contained(
    script: Path,
    backend: str,
    hostile_host: Any,
    hostile_runner: Any,
    hostile_limits: Limits,
    survivors: Any,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    if backend in ("bwrap", "docker"):
        request.getfixturevalue(f"{backend}_ok")  # both must contain every script
    else:
        _process_mode(script, request)
    expected = expectation(script)
    limits = replace(hostile_limits, **expected.limits)  # type: ignore[arg-type]
    run_dir = tmp_path / f"run-{script.stem}"
    hostile_host.reset()
    api = request.getfixturevalue("external_api") if expected.network == "broker" else None
    targets = dict(hostile_host.targets)
    if api is not None:
        names = ("census:/data/acs", "echo:/echo", "huge:/huge", "json:/json", "away:/away")
        targets["api"] = {n: api.url(path) for n, path in (x.split(":") for x in names)}
        targets["api"]["port"] = api.port
    try:
        result = hostile_runner(
            script,
            backend,
            targets=targets,
            run_dir=run_dir,
            database_url=f"sqlite:///{hostile_host.db_path}",
            limits=limits,
            api=api,
        )
        log = result.log_path.read_text(errors="replace") if result.log_path else ""
        outputs = b"".join(
            path.read_bytes()
            for path in result.results_dir.rglob("*")
            if path.is_file() and not path.is_symlink()
        ).decode("utf-8", "replace")
        leaks = [
            where
            for where, text in (("log", log), ("results", outputs), ("error", result.error or ""))
            if hostile_host.token in text or hostile_host.env_value in text or "ESCAPED" in text
        ]
        assert not leaks, f"host data reached the {leaks}: {log[-2000:]}"
        if api is not None:
            everything = "\n".join(
                path.read_bytes().decode("utf-8", "replace")
                for path in run_dir.rglob("*")
                if path.is_file() and not path.is_symlink()
            )
            assert "network broker for" in log, f"the run had no broker:\n{log[-3000:]}"
            assert api.leaks_in(everything + (result.error or "")) == [], "the API key leaked"
        assert result.status == expected.status, (
            f"{script.name}: expected {expected.status} ({expected.holds}), got {result.status}: "
            f"{result.error}\n{log[-3000:]}"
        )
        assert hostile_host.intact() == []
        assert hostile_host.contacts() == []
        assert survivors(str(run_dir)) == []
        # test_sandbox_binary.py runs this suite with the system's bwrap hidden: it must be the
        # bundled one that contained every script.
        if backend == "bwrap" and EXPECTED_BWRAP:
            assert result.sandbox.get("source") == EXPECTED_BWRAP, result.sandbox
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_hostile_script_is_rejected_by_the_validator_before_it_runs(
    script: Path, tmp_path: Path
) -> None:
    """With validation on (the default), `meta-agent exec` refuses every hostile script unrun."""
    from meta_agent.config import Settings
    from meta_agent.pipeline import Pipeline

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'none.db'}", runs_dir=tmp_path / "runs"
    )
    outcome = Pipeline(settings).exec_script(script)
    assert outcome.status == "rejected", f"{script.name} passed validation"
    assert outcome.findings
    assert outcome.resources == {}  # nothing was executed
