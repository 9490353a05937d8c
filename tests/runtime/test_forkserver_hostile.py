"""The hostile suite through a forking sandbox: each script a forked child, one sandbox for all.

The scripts and their expected statuses are the hostile suite's (``test_sandbox_hostile``); here
they run one after another in the same forking sandbox, as a script's scenarios do, and after
each the host must be untouched, the sandbox must answer the next run, and nothing of a script
may outlive it. Scripts that use the network broker are left out: a forking sandbox serves runs
without network only (their runs go to the executor).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from meta_agent.runtime import Limits, RunSpec
from meta_agent.runtime.forkserver import ForkServer
from tests.runtime.conftest import TARGETS_LINE, write_script
from tests.runtime.test_sandbox_hostile import SCRIPTS, expectation

LOCAL = [s for s in SCRIPTS if expectation(s).network != "broker"]


@pytest.fixture(scope="module")
def fork_servers() -> Iterator[dict[Limits, ForkServer]]:
    """One forking sandbox per set of limits, shared by the scripts (they run in turn)."""
    servers: dict[Limits, ForkServer] = {}
    yield servers
    for server in servers.values():
        server.close()


@pytest.mark.slow
@pytest.mark.parametrize("script", LOCAL, ids=[s.stem for s in LOCAL])
def test_hostile_script_is_contained_in_a_forking_sandbox(
    script: Path,
    bwrap_ok: None,
    hostile_host: Any,
    hostile_limits: Limits,
    survivors: Any,
    fork_servers: dict[Limits, ForkServer],
    tmp_path: Path,
) -> None:
    import json

    expected = expectation(script)
    limits = replace(hostile_limits, **expected.limits)  # type: ignore[arg-type]
    database = f"sqlite:///{hostile_host.db_path}"
    server = fork_servers.get(limits)
    if server is None or server.database_url != database:
        if server is not None:
            server.close()
        server = fork_servers[limits] = ForkServer(limits, database_url=database)
    hostile_host.reset()
    run_dir = tmp_path / f"run-{script.stem}"
    source = script.read_text().replace(
        TARGETS_LINE, f"TARGETS: dict = {json.dumps(hostile_host.targets)}"
    )
    path = write_script(run_dir / "incoming", source, script.name)
    try:
        result = server.run(RunSpec(path, run_dir, database_url=database))
        log = (run_dir / "logs" / "run.log").read_text(errors="replace")
        outputs = b"".join(
            p.read_bytes() for p in (run_dir / "results").rglob("*")
            if p.is_file() and not p.is_symlink()
        ).decode("utf-8", "replace")  # fmt: skip
        leaks = [
            where
            for where, text in (("log", log), ("results", outputs), ("error", result.error or ""))
            if hostile_host.token in text or hostile_host.env_value in text or "ESCAPED" in text
        ]
        assert not leaks, f"host data reached the {leaks}: {log[-2000:]}"
        assert result.status == expected.status, (
            f"{script.name}: expected {expected.status} ({expected.holds}), got {result.status}: "
            f"{result.error}\n{log[-3000:]}"
        )
        assert hostile_host.intact() == []
        assert hostile_host.contacts() == []
        assert survivors(str(run_dir)) == []
        after = write_script(run_dir / "incoming", "print('next run')\n", "next.py")
        following = server.run(RunSpec(after, run_dir / "next", database_url=database))
        assert following.status == "succeeded", following.error
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
