"""Close a run's record: its manifest in the run folder and its row in the run history.

Every run that got a folder ends here, whatever its status, so the folder is never left without
a manifest and the history never misses a run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any, Protocol

from meta_agent.archive.history import RunRecord, llm_usage, planner_of, record_run_row
from meta_agent.archive.manifest import build_manifest
from meta_agent.archive.run_folder import RunFolder
from meta_agent.errors import Finding


class FinishedRun(Protocol):
    """What a run produced, as far as its record needs to know (``pipeline.RunOutcome``)."""

    @property
    def status(self) -> str: ...
    @property
    def error(self) -> str | None: ...
    @property
    def phases(self) -> dict[str, float]: ...
    @property
    def resources(self) -> dict[str, Any]: ...
    @property
    def interpretations(self) -> list[str]: ...
    @property
    def findings(self) -> list[Finding]: ...
    @property
    def warnings(self) -> list[str]: ...
    @property
    def artifacts(self) -> list[str]: ...
    @property
    def dry_run(self) -> bool: ...


def now_iso() -> str:
    """The current UTC time as the archive writes it (milliseconds, with offset)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def record_run(
    runs_dir: Path,
    folder: RunFolder,
    run: FinishedRun,
    *,
    kind: str,
    request: str,
    created_at: str,
    plan_hash: str | None = None,
    tools_used: Sequence[str] = (),
    tool_versions: dict[str, str] | None = None,
    planner: str | None = None,
    llm: Mapping[str, Any] | None = None,
    history_url: str | None = None,
) -> dict[str, Any]:
    """Write ``manifest.json`` (with every file's sha256) and the history row; return the manifest.

    ``planner`` and ``llm`` (provider, model, calls, tokens_in, tokens_out, latency_s, cost_usd,
    repairs) may also come as attributes of ``run``; ``llm`` is left out of offline runs.
    ``history_url`` is the run history's SQL URL (None: ``history.db`` in ``runs_dir``).
    """
    from meta_agent import __version__

    planner = planner if planner is not None else getattr(run, "planner", None)
    llm = llm if llm is not None else getattr(run, "llm", None)
    planning: dict[str, Any] = {}
    if planner is not None:
        planning["planner"] = planner
    if llm is not None:
        planning["llm"] = (
            asdict(llm) if is_dataclass(llm) and not isinstance(llm, type) else dict(llm)
        )

    manifest = build_manifest(
        folder.root,
        run_id=folder.run_id,
        kind=kind,
        request=request,
        status=run.status,
        error=run.error,
        created_at=created_at,
        finished_at=now_iso(),
        meta_agent_version=__version__,
        plan_hash=plan_hash,
        phases_seconds={k: round(v, 4) for k, v in run.phases.items()},
        resources=run.resources,
        tool_versions=tool_versions or {},
        interpretations=run.interpretations,
        findings=[f.__dict__ for f in run.findings],
        warnings=run.warnings,
        artifacts=run.artifacts,
        dry_run=run.dry_run,
        **planning,
    )
    folder.write_json("manifest.json", manifest)
    record_run_row(
        runs_dir,
        RunRecord(
            run_id=folder.run_id,
            kind=kind,
            request=request,
            status=run.status,
            created_at=created_at,
            finished_at=manifest["finished_at"],
            duration_seconds=run.phases.get("execute"),
            run_dir=str(folder.root),
            error=run.error,
            backend=run.resources.get("backend"),
            peak_memory_mb=run.resources.get("peak_memory_mb"),
            cpu_seconds=run.resources.get("cpu_seconds"),
            tools_used=list(tools_used),
            plan_hash=plan_hash,
            planner=planner_of(manifest),
            llm=llm_usage(manifest.get("llm")),
        ),
        history_url,
    )
    return manifest
