"""Alerts: rules from a YAML file, fired on failures, long runs, resource use and bad data.

    webhooks: [http://127.0.0.1:9000/hook]
    rules:
      - {name: script failed, when: failure}                    # failed, error, timeout, limits
      - {name: long run, when: long_run, seconds: 600}          # while it runs, once per run
      - {name: memory, when: resource, resource: memory, share: 0.8}  # peak / limit (also cpu)
      - {name: bad data, when: validation}                      # a validation tool said no

An alert goes to the log at once and to every webhook as a JSON POST from a thread of its own,
retried with backoff; a run never waits for a webhook. The last alerts are kept for the API and
the page. ``validation`` reads the run's results.json: a ``passed: false`` or a positive
``issues``/``*_issues`` count anywhere in it, which is how the validation tools report.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
import yaml
from pydantic import BaseModel, Field, HttpUrl, ValidationError

from meta_agent.archive.record import now_iso
from meta_agent.errors import ConfigError

logger = logging.getLogger(__name__)

FAILURE_STATUSES = frozenset(
    {"failed", "error", "timeout", "memory_limit", "cpu_limit", "output_limit", "log_limit"}
    | {"process_limit"}
)
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)  # seconds before each retry of a webhook
KEPT_ALERTS = 200


class Rule(BaseModel):
    """One alert rule."""

    name: str = Field(min_length=1, max_length=100)
    when: Literal["failure", "long_run", "resource", "validation"]
    seconds: float | None = Field(None, gt=0, description="long_run: how long is too long")
    resource: Literal["memory", "cpu"] = "memory"
    share: float = Field(0.8, gt=0, le=1, description="resource: the share of the limit")


class AlertConfig(BaseModel):
    """The alerts file."""

    webhooks: list[HttpUrl] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)


@dataclass
class Alert:
    """An alert that fired."""

    rule: str
    cause: str
    run_id: str
    owner: str | None
    message: str
    at: str = field(default_factory=now_iso)


def load_alert_config(path: Path) -> AlertConfig:
    """Read and check an alerts file; a ConfigError says what is wrong with it."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        config = AlertConfig.model_validate(data)
    except OSError as exc:
        raise ConfigError(f"Cannot read the alerts file {path}: {exc.strerror or exc}.") from exc
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"The alerts file {path} is not valid: {exc}") from exc
    for rule in config.rules:
        if rule.when == "long_run" and rule.seconds is None:
            raise ConfigError(f"Alert rule {rule.name!r} (long_run) needs 'seconds'.")
    return config


class Alerts:
    """Checks runs against the rules and delivers what fires."""

    def __init__(self, config: AlertConfig | None = None, timeout: float = 5.0) -> None:
        self.config = config or AlertConfig()
        self.recent: deque[Alert] = deque(maxlen=KEPT_ALERTS)
        self._fired: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._outbox: queue.Queue[Alert | None] = queue.Queue()
        self._timeout = timeout
        self._sender: threading.Thread | None = None
        self.delivered = 0
        self.undelivered = 0

    def running(self, run_id: str, owner: str | None, elapsed: float) -> None:
        """Called every tick of a running script: the long-run rules."""
        for rule in self.config.rules:
            if rule.when == "long_run" and rule.seconds is not None and elapsed > rule.seconds:
                self._fire(
                    rule,
                    run_id,
                    owner,
                    f"Run {run_id} has been running for {elapsed:.0f} s "
                    f"(longer than {rule.seconds:g} s).",
                )

    def finished(self, run: dict[str, Any], owner: str | None) -> None:
        """Called once a run has ended: failures, resource use, data validation."""
        run_id, status = str(run["id"]), str(run["status"])
        resources = run.get("resources") or {}
        for rule in self.config.rules:
            if rule.when == "failure" and status in FAILURE_STATUSES:
                why = f": {run['error']}" if run.get("error") else ""
                self._fire(rule, run_id, owner, f"Run {run_id} ended {status}{why}")
            elif rule.when == "resource":
                used, limit = _usage(resources, rule.resource)
                if used is not None and limit and used >= rule.share * limit:
                    self._fire(
                        rule,
                        run_id,
                        owner,
                        f"Run {run_id} used {used:g} of its {limit:g} {rule.resource} limit "
                        f"({used / limit:.0%}, alert at {rule.share:.0%}).",
                    )
            elif rule.when == "validation" and _validation_failed(run.get("summary")):
                self._fire(rule, run_id, owner, f"Run {run_id} reported data-validation failures.")

    def _fire(self, rule: Rule, run_id: str, owner: str | None, message: str) -> None:
        with self._lock:
            if (rule.name, run_id) in self._fired:
                return
            self._fired.add((rule.name, run_id))
            alert = Alert(rule.name, rule.when, run_id, owner, message)
            self.recent.appendleft(alert)
        logger.warning("alert: %s", message, extra={"rule": rule.name, "run_id": run_id})
        if self.config.webhooks:
            self._start_sender()
            self._outbox.put(alert)

    def _start_sender(self) -> None:
        with self._lock:
            if self._sender is None:
                self._sender = threading.Thread(
                    target=self._send_all, name="meta-agent-alerts", daemon=True
                )
                self._sender.start()

    def _send_all(self) -> None:
        with httpx.Client(timeout=self._timeout) as client:
            while (alert := self._outbox.get()) is not None:
                for url in self.config.webhooks:
                    if self._post(client, str(url), asdict(alert)):
                        self.delivered += 1
                    else:
                        self.undelivered += 1

    def _post(self, client: httpx.Client, url: str, body: dict[str, Any]) -> bool:
        for attempt, delay in enumerate((0.0, *RETRY_DELAYS)):
            time.sleep(delay)
            try:
                if client.post(url, json=body).status_code < 300:
                    return True
            except httpx.HTTPError:
                pass
            logger.info("webhook attempt failed", extra={"url": url, "attempt": attempt + 1})
        logger.error("webhook gave up", extra={"url": url, "run_id": body["run_id"]})
        return False

    def close(self, wait: float = 10.0) -> None:
        """Deliver what is queued (up to ``wait`` seconds), then stop the sender."""
        if self._sender is not None:
            self._outbox.put(None)
            self._sender.join(wait)


def _usage(resources: dict[str, Any], resource: str) -> tuple[float | None, float | None]:
    limits = resources.get("limits") or {}
    if resource == "memory":
        used, limit = resources.get("peak_memory_mb"), limits.get("memory_mb")
    else:
        used, limit = resources.get("cpu_seconds"), limits.get("cpu_seconds")
    number = (int, float)
    return (
        float(used) if isinstance(used, number) else None,
        float(limit) if isinstance(limit, number) else None,
    )


def _validation_failed(summary: Any) -> bool:
    if isinstance(summary, dict):
        for key, value in summary.items():
            if key == "passed" and value is False:
                return True
            counted = key == "issues" or key.endswith("_issues") or key.endswith("issue_count")
            if counted and isinstance(value, int | float) and value > 0:
                return True
            if _validation_failed(value):
                return True
    elif isinstance(summary, list):
        return any(_validation_failed(item) for item in summary)
    return False
