"""Schemathesis fuzzes the OpenAPI document: no input makes the service answer 500 or lose a run.

Bounded (a few examples per operation) so the suite stays fast; every generated call carries a
valid token, so the fuzzing reaches the handlers rather than stopping at 401.
"""

from __future__ import annotations

import time
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error

from meta_agent.archive.history import RunHistory
from meta_agent.config import Settings
from meta_agent.service import create_app
from meta_agent.service.store import QUEUED, RUNNING, ServiceStore

EXAMPLES_PER_OPERATION = 6


def test_no_input_makes_a_server_error_or_loses_a_run(service_settings: Settings) -> None:
    store = ServiceStore.for_settings(service_settings)
    auth = {"Authorization": f"Bearer {store.create_token('alice')}"}
    app = create_app(service_settings, worker_threads=1)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def no_server_error(case: Any) -> None:
            response = case.call(headers=auth)
            case.validate_response(response, checks=[not_a_server_error])

        no_server_error()

    # Whatever was submitted ends with a status and a manifest: nothing lost, nothing stuck.
    deadline = time.monotonic() + 60
    while app.state.service.workers.depth() and time.monotonic() < deadline:
        time.sleep(0.1)
    app.state.service.workers.shutdown()
    with RunHistory(service_settings.resolved_runs_dir) as history:
        runs = history.list(limit=10_000)
    for run in runs:
        assert run.status not in (QUEUED, RUNNING), run
        assert (service_settings.resolved_runs_dir / run.run_id / "manifest.json").is_file()
        assert store.owner_of(run.run_id) == "alice"
