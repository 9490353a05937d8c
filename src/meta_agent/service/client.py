"""A small client of a running service, for ``meta-agent ask --detach`` and ``runs watch``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from meta_agent.errors import ConfigError, MetaAgentError, RunNotFound

DEFAULT_URL = "http://127.0.0.1:8765"


class ServiceClient:
    """Talks to ``meta-agent serve`` with a bearer token; our errors for its answers."""

    def __init__(self, url: str | None, token: str | None, timeout: float = 60.0) -> None:
        if not token:
            raise ConfigError(
                "No service token: set META_AGENT_SERVICE_TOKEN (or pass --token) to one that "
                "`meta-agent token create NAME` printed."
            )
        self.url = (url or DEFAULT_URL).rstrip("/")
        self._http = httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ServiceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def submit(self, request: str, approve: bool = True) -> dict[str, Any]:
        """Queue a request on the service (approved at once unless ``approve`` is false)."""
        return self._json("POST", "/api/runs", json={"request": request, "approve": approve})

    def get(self, run_id: str) -> dict[str, Any]:
        return self._json("GET", f"/api/runs/{run_id}")

    def log_lines(self, run_id: str) -> Iterator[tuple[str, str]]:
        """The run's log as (event, data): live until the run ends, then ("end", status)."""
        try:
            with self._http.stream("GET", f"/api/runs/{run_id}/logs", timeout=None) as answer:
                self._check(answer, run_id)
                event = "message"
                for line in answer.iter_lines():
                    if line.startswith("event: "):
                        event = line.removeprefix("event: ")
                    elif line.startswith("data: "):
                        yield event, line.removeprefix("data: ")
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from exc

    def _json(self, method: str, path: str, **options: Any) -> dict[str, Any]:
        try:
            answer = self._http.request(method, path, **options)
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from exc
        self._check(answer, path.rsplit("/", 1)[-1])
        data: dict[str, Any] = answer.json()
        return data

    def _check(self, answer: httpx.Response, run_id: str) -> None:
        if answer.status_code < 400:
            return
        if answer.status_code == 404:
            raise RunNotFound(run_id)
        answer.read()
        try:
            message = answer.json().get("error") or answer.text
        except ValueError:
            message = answer.text
        if answer.status_code == 401:
            raise ConfigError(f"The service at {self.url} refused the token: {message}")
        raise MetaAgentError(f"The service at {self.url} answered {answer.status_code}: {message}")

    def _unreachable(self, exc: Exception) -> ConfigError:
        return ConfigError(
            f"Cannot reach the service at {self.url} ({exc}); start it with `meta-agent serve` "
            "or point META_AGENT_SERVICE_URL (or --service) at it."
        )
