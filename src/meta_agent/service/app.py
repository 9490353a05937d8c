"""The HTTP service: ``create_app`` builds the FastAPI application over one configuration.

Every ``/api`` call and ``/metrics`` need ``Authorization: Bearer TOKEN`` (``meta-agent token
create``); ``/health`` answers anyone, for probes. Errors from the one ``MetaAgentError`` family
become their ``http_status`` with the same sentence the CLI prints.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field, model_validator

from meta_agent.archive.run_folder import RunFolder
from meta_agent.errors import MetaAgentError, RunNotFound
from meta_agent.service.alerts import Alerts
from meta_agent.service.answers import ServiceError
from meta_agent.service.files import artifact_response
from meta_agent.service.logs import log_events
from meta_agent.service.metrics import ServiceMetrics
from meta_agent.service.pages import pages_router
from meta_agent.service.runs import (
    RunService,
    describe,
    mark_sensitive_steps,
    needs_approval,
    restatement_of,
    with_sensitive_tools,
)
from meta_agent.service.store import ServiceStore, User
from meta_agent.service.workers import ThreadWorkers, Workers

if TYPE_CHECKING:
    from meta_agent.config import Settings
    from meta_agent.pipeline import RunOutcome
    from meta_agent.runtime import Executor

logger = logging.getLogger(__name__)

MAX_REQUEST_CHARS = 4_000
MAX_SCRIPT_CHARS = 200_000
RunId = Annotated[str, PathParam(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")]


class NewRun(BaseModel):
    """A request in plain English, or a hand-written script; exactly one of the two."""

    request: str | None = Field(None, max_length=MAX_REQUEST_CHARS)
    script: str | None = Field(None, max_length=MAX_SCRIPT_CHARS)
    title: str | None = Field(None, max_length=200, description="A name for a script's run.")
    approve: bool = Field(False, description="Run at once, without a separate approval.")
    acknowledge: list[Annotated[str, Field(max_length=100)]] = Field(
        default_factory=list,
        max_length=50,
        description="Tools that send data out, named to approve them (see needs_approval).",
    )

    @model_validator(mode="after")
    def _one_of(self) -> NewRun:
        if (self.request is None) == (self.script is None):
            raise ValueError("give exactly one of 'request' and 'script'")
        return self


class Approval(BaseModel):
    """An approval; tools that send data out must be named in ``acknowledge``."""

    acknowledge: list[Annotated[str, Field(max_length=100)]] = Field(
        default_factory=list, max_length=50
    )


class EditedScript(BaseModel):
    """A held run's script as the approver edited it."""

    script: str = Field(max_length=MAX_SCRIPT_CHARS)


_bearer = HTTPBearer(auto_error=False)


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The caller named by the bearer token (or the page's session cookie); 401 without one.

    A cookie is sent by the browser on its own, so a state-changing call that relies on it must
    also carry htmx's ``HX-Request`` header, which no cross-site form or image can send.
    """
    from meta_agent.service.pages import SESSION_COOKIE

    challenge = {"WWW-Authenticate": "Bearer"}
    store: ServiceStore = request.app.state.store
    if credentials is not None and credentials.scheme.lower() == "bearer":
        token = credentials.credentials
    elif SESSION_COOKIE in request.cookies and (
        request.method in SAFE_METHODS or request.headers.get("hx-request") == "true"
    ):
        token = request.cookies[SESSION_COOKIE]
    else:
        raise ServiceError(401, "Send 'Authorization: Bearer TOKEN'.", challenge)
    found = store.user_for(token)
    if found is None:
        raise ServiceError(401, "The token is not valid (unknown or revoked).", challenge)
    return found


def page_user(request: Request) -> User | None:
    """The page's signed-in user (the session cookie), with the same rule for unsafe methods."""
    try:
        return current_user(request, None)
    except ServiceError:
        return None


Caller = Annotated[User, Depends(current_user)]


def create_app(
    settings: Settings,
    *,
    workers: Workers | None = None,
    worker_threads: int = 2,
    pool_size: int = 0,
    alerts: Alerts | None = None,
) -> FastAPI:
    """The application; nothing starts until its lifespan does (uvicorn, or ``TestClient``).

    Args:
        workers: where approved runs execute (default: ``worker_threads`` threads here).
        pool_size: warm sandboxes kept ready for the portfolio database (0: each run cold).
        alerts: the alert rules and webhooks (default: none).
    """
    from meta_agent.pipeline import Pipeline

    store = ServiceStore.for_settings(settings)
    metrics = ServiceMetrics()
    pool = workers or ThreadWorkers(worker_threads)
    executor: list[Executor] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        import anyio.to_thread

        if pool_size > 0:
            built = await anyio.to_thread.run_sync(_warm_executor, settings, pool_size)
            executor.extend([built] if built is not None else [])
        service.pipeline = Pipeline(settings, executor=executor[0] if executor else None)
        await anyio.to_thread.run_sync(_preload, service.pipeline)
        recovered = service.recover()
        logger.info("service started", extra=recovered)
        try:
            yield
        finally:
            service.stop_all("the service was shutting down")
            await anyio.to_thread.run_sync(pool.shutdown)
            for built in executor:
                built.close()
            await anyio.to_thread.run_sync(service.alerts.close)

    service = RunService(Pipeline(settings), store, pool, metrics, alerts)
    app = FastAPI(
        title="Meta-Agent",
        summary="Plain-English portfolio requests, planned, approved and run in a sandbox.",
        lifespan=lifespan,
    )
    app.state.service = service
    app.state.store = store
    app.mount(
        "/static",
        StaticFiles(directory=str(Path(__file__).parent / "static")),
        name="static",
    )
    app.include_router(pages_router(service, store, page_user))

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(MetaAgentError)
    async def _meta_agent_error(request: Request, exc: MetaAgentError) -> JSONResponse:
        body: dict[str, Any] = {"error": str(exc), "type": type(exc).__name__}
        if exc.http_status >= 500:
            logger.error("request failed", extra={"path": request.url.path, "error": str(exc)})
        return JSONResponse(body, status_code=exc.http_status)

    @app.get("/health")
    def health() -> dict[str, Any]:
        """Answers anyone: the service is up; how many runs are queued or running."""
        from meta_agent import __version__

        return {"status": "ok", "version": __version__, "queue_depth": pool.depth()}

    @app.get("/metrics", response_class=Response)
    def prometheus(caller: Caller) -> Response:
        """Prometheus metrics: runs by status, durations, tool usage, peak memory, queue depth."""
        metrics.queue_depth.set(pool.depth())
        return Response(metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    @app.get("/api/alerts")
    def list_alerts(caller: Caller) -> list[dict[str, Any]]:
        """Recent alerts, newest first: the caller's runs' (everyone's for an admin)."""
        return [
            asdict(alert)
            for alert in list(service.alerts.recent)
            if caller.admin or alert.owner == caller.name
        ]

    @app.get("/api/tools")
    def tools(caller: Caller) -> list[dict[str, Any]]:
        """The tool library: name, category, version, description and parameters."""
        return [tool.to_dict() for tool in service.pipeline.registry.tools()]

    @app.post("/api/runs", status_code=201)
    def create_run(body: NewRun, caller: Caller) -> dict[str, Any]:
        """Analyse, plan, generate and validate; held for approval unless ``approve`` is true."""
        outcome = service.submit(
            caller, body.request, body.script, body.title, body.approve, body.acknowledge
        )
        return _created(outcome)

    @app.get("/api/runs")
    def list_runs(
        caller: Caller,
        status: Annotated[str | None, Query(max_length=40)] = None,
        since: Annotated[str | None, Query(max_length=40, description="ISO date or time")] = None,
        until: Annotated[str | None, Query(max_length=40, description="ISO date or time")] = None,
        q: Annotated[str | None, Query(max_length=200, description="Text in the request")] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 20,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> dict[str, Any]:
        """The caller's run history (everyone's for an admin), newest first, filtered and paged."""
        owner = None if caller.admin else caller.name
        total, found = store.search(owner, status, since, until, q, limit, offset)
        return {
            "total": total,
            "limit": limit,
            "offset": offset,
            "runs": [
                {
                    "id": record.run_id,
                    "owner": run_owner,
                    "kind": record.kind,
                    "request": record.request,
                    "status": record.status,
                    "created_at": record.created_at,
                    "duration_seconds": record.duration_seconds,
                    "error": record.error,
                }
                for record, run_owner in found
            ],
        }

    @app.get("/api/runs/{run_id}")
    def get_run(run_id: RunId, caller: Caller) -> dict[str, Any]:
        """Status, phases, summary, resources, artifacts and decisions of one run."""
        return describe(service.view(run_id, caller), store)

    @app.post("/api/runs/{run_id}/approve")
    def approve(run_id: RunId, caller: Caller, body: Approval | None = None) -> dict[str, Any]:
        """Queue a run that awaits approval; it executes in the background."""
        service.approve(run_id, caller, body.acknowledge if body else ())
        return describe(service.view(run_id, caller), store)

    @app.put("/api/runs/{run_id}/script")
    def edit_script(run_id: RunId, body: EditedScript, caller: Caller) -> JSONResponse:
        """Replace a held run's script; validated now (422 with findings) and again before it runs."""
        findings = service.edit_script(run_id, body.script, caller)
        if findings:
            return JSONResponse(
                {
                    "error": "The edited script was rejected by validation; nothing changed.",
                    "findings": [f.__dict__ for f in findings],
                },
                status_code=422,
            )
        return JSONResponse(describe(service.view(run_id, caller), store))

    @app.post("/api/runs/{run_id}/reject")
    def reject(run_id: RunId, caller: Caller) -> dict[str, Any]:
        """Refuse a run that awaits approval; nothing runs."""
        service.reject(run_id, caller)
        return describe(service.view(run_id, caller), store)

    @app.post("/api/runs/{run_id}/cancel")
    def cancel(run_id: RunId, caller: Caller) -> dict[str, Any]:
        """Cancel a held or queued run, or stop a running one (its sandbox is killed)."""
        service.cancel(run_id, caller)
        return describe(service.view(run_id, caller), store)

    @app.get("/api/runs/{run_id}/logs", response_class=Response)
    def logs(run_id: RunId, caller: Caller) -> Response:
        """The run's log as server-sent events: live while it runs, whole once it has ended."""
        from fastapi.responses import StreamingResponse

        view = service.view(run_id, caller)
        return StreamingResponse(
            log_events(view.folder().logs / "run.log", lambda: store.status_of(view.record.run_id)),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @app.get("/api/runs/{run_id}/artifacts/{name:path}", response_class=Response)
    def artifact(run_id: RunId, name: str, caller: Caller) -> Response:
        """One result file, as a download with a safe content type; never outside results/."""
        view = service.view(run_id, caller)
        found = artifact_response(view.folder(), name)
        if found is None:
            raise RunNotFound(f"{run_id}/{name}")
        return found

    return app


def _created(outcome: RunOutcome) -> dict[str, Any]:
    folder_json = _read(outcome, "analysis.json")
    script = outcome.script.read_text(encoding="utf-8") if outcome.script else None
    sending = needs_approval(RunFolder(outcome.run_dir)) if outcome.run_dir else []
    return {
        "id": outcome.run_id,
        "status": outcome.status,
        "error": outcome.error,
        "reason": outcome.error if outcome.status == "rejected" else None,
        "restatement": with_sensitive_tools(restatement_of(folder_json), sending),
        "interpretations": outcome.interpretations,
        "suggestions": outcome.suggestions,
        "plan": mark_sensitive_steps(_read(outcome, "plan.json"), sending),
        "script": script,
        "findings": [f.__dict__ for f in outcome.findings],
        "phases": {k: round(v, 4) for k, v in outcome.phases.items()},
        "needs_approval": sending,
    }


def _read(outcome: RunOutcome, name: str) -> Any:
    from meta_agent.archive.run_folder import RunFolder

    return RunFolder(outcome.run_dir).read_json(name) if outcome.run_dir else None


def _warm_executor(settings: Settings, pool_size: int) -> Executor | None:
    """A long-lived executor with warm sandboxes; None (each run cold) when none can start."""
    from meta_agent.runtime.executor import Executor

    try:
        pool_dir = settings.resolved_runs_dir / ".pool"
        pool_dir.mkdir(parents=True, exist_ok=True)
        return Executor.from_settings(
            settings,
            pool_size=pool_size,
            database_url=settings.resolved_database_url,
            pool_dir=pool_dir,
        )
    except (MetaAgentError, OSError) as exc:
        logger.warning("no warm pool; runs start cold", extra={"reason": str(exc)})
        return None


def _preload(pipeline: Any) -> None:
    """Load the tool registry and the planner once, before requests race to do it."""
    try:
        pipeline.registry  # noqa: B018 - loads the registry
        pipeline.planner()
    except MetaAgentError as exc:
        # Each request will report the same problem as its run's reason.
        logger.warning("planner not ready", extra={"reason": str(exc)})
