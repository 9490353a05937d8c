"""The warm pool: one sandbox per run, no state between runs, refilled, same limits, clean close."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from meta_agent.runtime import Executor, Limits, RunSpec

# A CPU limit well inside the wall clock: on a loaded 2-core machine a script gets a fraction
# of a core, and the burn must still end on its CPU limit.
LIMITS = Limits(timeout_seconds=60, cpu_seconds=2, memory_mb=400, max_processes=32)
POISON = (
    "import os, json, pandas\n"
    "pandas.POISONED = True\n"
    "os.environ['LEFTOVER'] = 'yes'\n"
    "open('/tmp/leftover.txt', 'w').write('x')\n"
    "open(os.environ['META_AGENT_RESULTS_DIR'] + '/first.csv', 'w').write('a\\n1\\n')\n"
    "print('poisoned', os.getpid())\n"
)
INSPECT = (
    "import os, json, sys, pandas\n"
    "state = {\n"
    "    'poisoned': hasattr(pandas, 'POISONED'),\n"
    "    'env': 'LEFTOVER' in os.environ,\n"
    "    'tmp': os.listdir('/tmp'),\n"
    "    'results': os.listdir(os.environ['META_AGENT_RESULTS_DIR']),\n"
    "    'preloaded': 'pandas' in sys.modules,\n"
    "    'secret': os.environ.get('RUN_SECRET'),\n"
    "}\n"
    "json.dump(state, open(os.environ['META_AGENT_RESULTS_DIR'] + '/state.json', 'w'))\n"
)


@pytest.fixture()
def pooled(bwrap_ok: None, sqlite_db: Path) -> Iterator[Executor]:
    with Executor("bwrap", LIMITS, pool_size=2, database_url=f"sqlite:///{sqlite_db}") as executor:
        assert executor.pool.wait_ready(120)
        yield executor


def test_no_state_passes_between_consecutive_runs(
    pooled: Executor, make_script: Any, tmp_path: Path, sqlite_db: Path
) -> None:
    db = f"sqlite:///{sqlite_db}"
    first = pooled.run(RunSpec(make_script(POISON, "poison.py"), tmp_path / "r1", database_url=db))
    assert first.status == "succeeded", first.error
    assert first.backend == "bwrap-pool"
    assert (tmp_path / "r1" / "results" / "first.csv").is_file()
    pooled.pool.wait_ready(120)
    second = pooled.run(
        RunSpec(
            make_script(INSPECT, "inspect.py"),
            tmp_path / "r2",
            database_url=db,
            variables={"RUN_SECRET": "only-for-run-2"},
        )
    )
    assert second.status == "succeeded", second.error
    state = json.loads((tmp_path / "r2" / "results" / "state.json").read_text())
    assert state == {
        "poisoned": False,
        "env": False,
        "tmp": state["tmp"],
        "results": [],
        "preloaded": True,
        "secret": "only-for-run-2",
    }
    assert "leftover.txt" not in state["tmp"]


def test_pool_refills_and_closes_cleanly(bwrap_ok: None, make_script: Any, tmp_path: Path) -> None:
    executor = Executor("bwrap", LIMITS, pool_size=1)
    pool = executor.pool
    assert pool.wait_ready(120)
    first_member = pool._members[0].proc.pid
    result = executor.run(RunSpec(make_script("print('hi')\n"), tmp_path / "run"))
    assert result.status == "succeeded"
    assert not psutil.pid_exists(first_member) or psutil.Process(first_member).status() == "zombie"
    assert pool.wait_ready(120)
    assert pool._members[0].proc.pid != first_member
    members = [m.proc.pid for m in pool._members]
    root = pool.root
    executor.close()
    assert not root.exists()
    assert all(not psutil.pid_exists(pid) for pid in members)


def test_limits_apply_in_the_pool(
    pooled: Executor, make_script: Any, tmp_path: Path, sqlite_db: Path
) -> None:
    db = f"sqlite:///{sqlite_db}"
    burn = pooled.run(
        RunSpec(make_script("while True:\n    pass\n"), tmp_path / "cpu", database_url=db)
    )
    assert burn.status == "cpu_limit"  # the imports' CPU was not charged to the script
    pooled.pool.wait_ready(120)
    hog = pooled.run(
        RunSpec(
            make_script("x = []\nwhile True:\n    x.append(bytearray(8 << 20))\n"),
            tmp_path / "mem",
            database_url=db,
        )
    )
    assert hog.status == "memory_limit"


def test_a_run_shorter_than_a_sample_reports_its_real_peak_memory_and_cpu(
    bwrap_ok: None, tmp_path: Path, sample_db_path: Path
) -> None:
    """``exec`` of a short script in a member holding pandas (~70 MB): the run ends before the
    first 50 ms sample, and the process the pool waits for (bwrap) is not the one that held the
    memory and used the CPU. Both come from the kernel's counts for the run's cgroup (and /proc
    at submission); they used to be reported as ~16 MB and 0.0 s."""
    script = tmp_path / "short.py"
    script.write_text(
        "from meta_agent.tool_library.data_tools import filter_data\n\n"
        "total = sum(i * i for i in range(600_000))\nprint(total)\n"
    )
    done = subprocess.run(
        [str(Path(sys.executable).with_name("meta-agent")), "exec", str(script), "--yes", "--json",
         "--database", f"sqlite:///{sample_db_path}"],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    outcome = json.loads(done.stdout)
    assert outcome["status"] == "succeeded", outcome.get("error")
    assert outcome["resources"]["backend"] == "bwrap-pool"
    assert outcome["resources"]["peak_memory_mb"] >= 50
    if (
        Path("/sys/fs/cgroup/cpuacct/cpuacct.usage").exists()
        or Path("/sys/fs/cgroup/cgroup.controllers").exists()
    ):  # a host that accounts CPU per cgroup; elsewhere only samples see it
        assert outcome["resources"]["cpu_seconds"] >= 0.02


def test_timeout_counts_from_submission(bwrap_ok: None, make_script: Any, tmp_path: Path) -> None:
    with Executor("bwrap", Limits(timeout_seconds=1), pool_size=1) as executor:
        assert executor.pool.wait_ready(120)
        result = executor.run(RunSpec(make_script("import time\ntime.sleep(30)\n"), tmp_path / "t"))
    assert result.status == "timeout" and result.backend == "bwrap-pool"
    assert 1 <= result.wall_seconds < 4


def test_members_do_not_see_each_other(
    pooled: Executor, make_script: Any, tmp_path: Path, sqlite_db: Path
) -> None:
    root = pooled.pool.root
    script = make_script(
        "import os\n"
        f"print('visible' if os.path.exists({str(root)!r}) else 'hidden')\n"
        "print(sorted(os.listdir('/sandbox')))\n"
    )
    result = pooled.run(RunSpec(script, tmp_path / "v", database_url=f"sqlite:///{sqlite_db}"))
    log = (tmp_path / "v" / "logs" / "run.log").read_text()
    assert result.status == "succeeded"
    # Its own results/ and its own script (bound read-only, as in a cold sandbox), nothing else.
    assert "hidden" in log and "['results', 'script.py']" in log


def test_other_databases_start_cold(pooled: Executor, make_script: Any, tmp_path: Path) -> None:
    result = pooled.run(RunSpec(make_script("print(1)\n"), tmp_path / "cold"))
    assert result.status == "succeeded" and result.backend == "bwrap"
