"""Celery workers (two real processes) on the real Redis: same results as local, none lost."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from meta_agent.errors import ExecutionError
from meta_agent.simulation import SimulationRunner, parse_grid
from meta_agent.simulation.montecarlo import Distribution, MonteCarloSpec, run_monte_carlo
from meta_agent.simulation.portfolio_data import load_portfolio
from tests.cli.conftest import CliResult
from tests.needs import unavailable

REDIS_URL = os.environ.get("META_AGENT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
VISIBILITY = 3  # seconds before a dead worker's task is handed on (20 outside tests)


def _reachable(host: str = "127.0.0.1", port: int = 6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def redis_url() -> str:
    try:
        import celery  # noqa: F401
    except ImportError:
        unavailable("celery is not installed (the celery extra)")
    if not _reachable():
        unavailable("Redis is not reachable at 127.0.0.1:6379")
    return REDIS_URL


def _start(queue: str, data_dir: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "META_AGENT_DATA_DIR": str(data_dir)}
    code = "from meta_agent.cli.main import run; run()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "worker", "--queue", queue, "--redis", REDIS_URL,
         "--visibility-timeout", str(VISIBILITY)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


@pytest.fixture()
def workers(redis_url: str, tmp_path: Path) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    from meta_agent.simulation.distributed import make_app

    queue = f"meta-agent-test-{uuid.uuid4().hex[:8]}"
    started = [_start(queue, tmp_path / f"w{i}") for i in range(2)]
    app = make_app(redis_url, queue)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        names = {n for reply in app.control.ping(timeout=0.5) for n in reply}
        if len({n for n in names if n.startswith(queue)}) == 2:
            break
    else:
        pytest.fail("the two workers did not start within 60 s")
    yield queue, started
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in started:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_two_workers_give_the_local_results(
    workers: tuple[str, list[subprocess.Popen[bytes]]], redis_url: str, sample_db_url: str
) -> None:
    from meta_agent.simulation.distributed import CeleryExecutor

    queue, _ = workers
    executor = CeleryExecutor(redis_url, queue)
    executor.check()
    scenarios = [
        *parse_grid("noi 0..-40 step 10 x rate 0..300 step 100 x vacancy 0,5"),
        SimulationRunner().define_scenario("deal", {"noi": 8e5, "debt_service": 7.5e5}),
        SimulationRunner().define_scenario("crash", {"cap_rate_shift_bp": -5000}),
    ]
    remote = executor.run_batch(scenarios, sample_db_url, 1.25)
    local = SimulationRunner(database_url=sample_db_url).run_batch_simulations(None, scenarios)
    assert [r.to_json() for r in remote.results] == [r.to_json() for r in local.results]
    pd.testing.assert_frame_equal(remote.properties, local.properties, check_dtype=False)
    assert remote.results[-1].status == "failed"

    data = load_portfolio(sample_db_url)
    spec = MonteCarloSpec(
        draws=9_500, seed=21, noi=Distribution.parse("historical", "noi"),
        rate=Distribution.parse("triangular:-50,25,300", "rate"),
    )  # fmt: skip
    far = executor.run_monte_carlo(data, spec, sample_db_url, 1.25)
    near = run_monte_carlo(data, spec, 1.25)
    assert np.array_equal(far.aggregate_dscr, near.aggregate_dscr)
    assert np.array_equal(far.breach_probability, near.breach_probability)
    assert np.array_equal(far.path_dscr, near.path_dscr)  # the monthly paths, through JSON
    assert np.array_equal(far.path_at_risk, near.path_at_risk)


@pytest.mark.slow
def test_a_killed_worker_loses_nothing(
    workers: tuple[str, list[subprocess.Popen[bytes]]], redis_url: str, tmp_path: Path
) -> None:
    from meta_agent.portfolio.generator import generate_portfolio
    from meta_agent.simulation.distributed import CeleryExecutor

    url = f"sqlite:///{tmp_path / 'big.db'}"
    generate_portfolio(url, properties=3_000, seed=5)
    queue, started = workers
    executor = CeleryExecutor(redis_url, queue)
    data = load_portfolio(url)
    # One step to the horizon: the work of the test is the draws (3,000 properties each), so
    # that both workers are busy when one dies; monthly paths would multiply it by 12.
    spec = MonteCarloSpec(draws=60_000, seed=8, horizon_months=1)
    import threading

    def kill_one() -> None:
        time.sleep(2.0)  # both workers are busy by then
        os.killpg(started[0].pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_one)
    killer.start()
    far = executor.run_monte_carlo(data, spec, url, 1.25)
    killer.join()
    assert started[0].poll() is not None, "the worker was not killed mid-batch"
    near = run_monte_carlo(data, spec, 1.25)
    assert np.array_equal(far.aggregate_dscr, near.aggregate_dscr)
    assert np.array_equal(far.at_risk_count, near.at_risk_count)


def test_unreachable_redis_is_a_clear_error(
    cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    try:
        import celery  # noqa: F401
    except ImportError:
        unavailable("celery is not installed (the celery extra)")
    from meta_agent.simulation.distributed import CeleryExecutor

    with pytest.raises(ExecutionError, match=r"Redis at redis://127\.0\.0\.1:1/0 is unreachable"):
        CeleryExecutor("redis://127.0.0.1:1/0").check()
    monkeypatch.setenv("META_AGENT_REDIS_URL", "redis://127.0.0.1:1/0")
    runs = tmp_path / "runs"
    result = cli("simulate", "--noi", "-10", "--executor", "celery", "--runs-dir", str(runs))
    assert result.code == 1
    assert "is unreachable" in result.stderr and "--executor local" in result.stderr
    assert not runs.exists()


def test_simulate_command_through_the_workers(
    workers: tuple[str, list[subprocess.Popen[bytes]]],
    cli: Callable[..., CliResult],
    monkeypatch: pytest.MonkeyPatch,
    sample_db_url: str,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("META_AGENT_REDIS_URL", REDIS_URL)
    queue, _ = workers
    args = ["simulate", "--grid", "noi 0..-30 step 10 x rate 0,200", "--monte-carlo", "2500",
            "--seed", "2", "--json", "--database", sample_db_url, "--runs-dir", str(tmp_path)]  # fmt: skip
    far = cli(*args, "--executor", "celery", "--queue", queue)
    near = cli(*args)
    assert far.code == 0, far.stderr
    assert far.json()["results"] == near.json()["results"]
    assert far.json()["monte_carlo"] == near.json()["monte_carlo"]
    assert (Path(far.json()["run_dir"]) / "results" / "at_risk_heatmap.png").is_file()
