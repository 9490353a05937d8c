"""Simulations on many machines: Celery workers with Redis as broker and result backend.

``meta-agent worker`` starts a worker; ``--executor celery`` sends chunks of scenarios (and of
Monte Carlo draws) to the workers and puts the answers back in order, so a batch gives the same
results as a local run: each scenario's figures depend on its own parameters only, and each
Monte Carlo chunk draws from its own seeded stream. Tasks carry JSON only. A task is acknowledged
after it ran (acks late), so a worker that dies mid-task leaves it to another: at once when a
pool process dies, after ``VISIBILITY_TIMEOUT_SECONDS`` when the whole worker does.

Celery is an optional dependency (the ``celery`` extra); it is imported only here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from meta_agent.errors import ExecutionError
from meta_agent.simulation.montecarlo import (
    Chunk,
    MonteCarloResult,
    MonteCarloSpec,
    assemble,
    chunk_count,
    compute_chunks,
)
from meta_agent.simulation.parameters import Scenario
from meta_agent.simulation.portfolio_data import PortfolioArrays, load_portfolio
from meta_agent.simulation.runner import BatchResult, ScenarioResult, SimulationRunner

if TYPE_CHECKING:
    from celery import Celery

logger = logging.getLogger(__name__)

DEFAULT_QUEUE = "meta-agent-simulation"
SCENARIO_TASK = "meta_agent.simulation.scenarios"
MONTE_CARLO_TASK = "meta_agent.simulation.monte_carlo"
# Scenarios per task: enough to keep the vectorised path busy, small enough to spread a grid.
SCENARIOS_PER_TASK = 10
CHUNKS_PER_TASK = 4
# How long Redis keeps a task a dead worker had taken before handing it to another worker.
VISIBILITY_TIMEOUT_SECONDS = 20
# The longest a batch waits for its results.
RESULT_TIMEOUT_SECONDS = 900
PING_SECONDS = 2.0

_portfolios: dict[str, PortfolioArrays] = {}  # by SQLite file version
_lock = threading.Lock()


def make_app(
    redis_url: str,
    queue: str = DEFAULT_QUEUE,
    visibility_timeout: float = VISIBILITY_TIMEOUT_SECONDS,
) -> Celery:
    """The Celery app of the simulation workers, JSON only, acks late, one task at a time."""
    try:
        from celery import Celery
    except ImportError as exc:
        raise ExecutionError(
            "Celery is not installed: `pip install 'meta-agent[celery]'`, or use --executor local."
        ) from exc
    app = Celery("meta_agent_simulation", broker=redis_url, backend=redis_url, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=queue,
        broker_transport_options={
            "visibility_timeout": visibility_timeout,
            # Look for tasks of dead workers every few seconds, not kombu's default 100 s.
            "unacked_restore_interval": max(1, min(10, round(visibility_timeout / 4))),
            "unacked_restore_throttle": 1,
        },
        broker_connection_retry_on_startup=True,
        result_expires=3600,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    app.task(name=SCENARIO_TASK)(scenario_task)
    app.task(name=MONTE_CARLO_TASK)(monte_carlo_task)
    return app


def scenario_task(payload: dict[str, Any]) -> dict[str, Any]:
    """Run a chunk of scenarios on this worker: their results and per-property rows, as JSON."""
    runner = SimulationRunner(
        _portfolio(_worker_database(payload["database_url"])), threshold=payload["threshold"]
    )
    batch = runner.run_batch_simulations(None, payload["scenarios"])
    return {
        "results": [result.to_json() for result in batch.results],
        "properties": batch.properties.to_dict(orient="split", index=False),
    }


def monte_carlo_task(payload: dict[str, Any]) -> list[dict[str, list[Any]]]:
    """Compute the Monte Carlo chunks ``payload["chunks"]`` of a spec on this worker."""
    spec = MonteCarloSpec.model_validate(payload["spec"])
    data = _portfolio(_worker_database(payload["database_url"]))
    chunks = compute_chunks(data, spec, payload["threshold"], payload["chunks"])
    return [chunk.to_json() for chunk in chunks]


class CeleryExecutor:
    """Sends simulation work to Celery workers and gathers it back in order."""

    def __init__(self, redis_url: str, queue: str = DEFAULT_QUEUE) -> None:
        self.redis_url = redis_url
        self.queue = queue
        self.app = make_app(redis_url, queue)

    def check(self) -> None:
        """Refuse early, and plainly, when Redis or every worker is out of reach."""
        import redis

        try:
            redis.Redis.from_url(self.redis_url, socket_connect_timeout=PING_SECONDS).ping()
        except (redis.RedisError, OSError) as exc:
            raise ExecutionError(
                f"Redis at {_masked(self.redis_url)} is unreachable ({exc}); start it, point "
                "META_AGENT_REDIS_URL at it, or run with --executor local."
            ) from None
        if not self.app.control.ping(timeout=PING_SECONDS):
            raise ExecutionError(
                f"No Celery worker answers at {_masked(self.redis_url)}; start one with "
                "`meta-agent worker`, or run with --executor local."
            )

    def run_batch(
        self, scenarios: Sequence[Scenario], database_url: str, threshold: float
    ) -> BatchResult:
        """Every scenario through the workers, results in the order given."""
        specs = [{"name": s.name, "parameters": s.parameter_values()} for s in scenarios]
        payloads = [
            {
                "database_url": _without_password(database_url),
                "threshold": threshold,
                "scenarios": part,
            }
            for part in _parts(specs, SCENARIOS_PER_TASK)
        ]
        answers = self._gather(SCENARIO_TASK, payloads)
        results = [
            ScenarioResult(
                name=r["scenario"],
                kind=r["kind"],
                parameters=r["parameters"],
                status=r["status"],
                summary=r["summary"],
                error=r["error"],
            )  # fmt: skip
            for answer in answers
            for r in answer["results"]
        ]
        tables = [pd.DataFrame(**answer["properties"]) for answer in answers]
        tables = [t for t in tables if not t.empty]
        properties = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
        return BatchResult(results, properties, threshold)

    def run_monte_carlo(
        self, data: PortfolioArrays, spec: MonteCarloSpec, database_url: str, threshold: float
    ) -> MonteCarloResult:
        """The chunks of ``spec`` through the workers, assembled in chunk order."""
        payloads = [
            {
                "database_url": _without_password(database_url),
                "threshold": threshold,
                "spec": spec.model_dump(mode="json"),
                "chunks": part,
            }
            for part in _parts(list(range(chunk_count(spec))), CHUNKS_PER_TASK)
        ]
        answers = self._gather(MONTE_CARLO_TASK, payloads)
        chunks = [Chunk.from_json(c) for answer in answers for c in answer]
        return assemble(data, spec, threshold, chunks)

    def _gather(self, task: str, payloads: list[dict[str, Any]]) -> list[Any]:
        sent = [self.app.send_task(task, args=[p], queue=self.queue) for p in payloads]
        logger.info("tasks sent", extra={"task": task, "tasks": len(sent), "queue": self.queue})
        try:
            return [result.get(timeout=RESULT_TIMEOUT_SECONDS) for result in sent]
        except Exception as exc:
            for result in sent:
                result.revoke()
            raise ExecutionError(f"A Celery worker could not finish a task: {exc}") from exc


def start_worker(
    redis_url: str,
    queue: str = DEFAULT_QUEUE,
    concurrency: int = 1,
    visibility_timeout: float = VISIBILITY_TIMEOUT_SECONDS,
) -> None:
    """Run a worker in this process until it is stopped (``meta-agent worker``)."""
    import os

    app = make_app(redis_url, queue, visibility_timeout)
    app.worker_main(
        [
            "worker",
            "--loglevel=WARNING",
            f"--concurrency={concurrency}",
            f"--queues={queue}",
            f"--hostname={queue}-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )


def _without_password(database_url: str) -> str:
    """The database as a task names it: no password ever goes through Redis."""
    import sqlalchemy as sa

    return sa.make_url(database_url).set(password=None).render_as_string(hide_password=False)


def _worker_database(named: str) -> str:
    """The URL a worker opens for the database a task names: its own settings' when they name
    the same database (they may hold the password), else the task's, which carries none."""
    from meta_agent.config import load_settings

    own = load_settings().resolved_database_url
    return own if _without_password(own) == named else named


def _portfolio(database_url: str) -> PortfolioArrays:
    """The portfolio's arrays, kept per worker process for a SQLite file that has not changed
    since (a server database is read for each task: nothing tells a worker it changed)."""
    key = _sqlite_version(database_url)
    if key is None:
        return load_portfolio(database_url)
    with _lock:
        data = _portfolios.get(key)
    if data is None:
        data = load_portfolio(database_url)
        with _lock:
            _portfolios[key] = data
    return data


def _sqlite_version(database_url: str) -> str | None:
    import sqlalchemy as sa

    url = sa.make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    try:
        stat = Path(url.database).stat()
    except OSError:
        return None
    return f"{database_url}|{stat.st_mtime_ns}|{stat.st_size}"


def _parts(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _masked(url: str) -> str:
    from meta_agent.config import mask_url

    return mask_url(url)
