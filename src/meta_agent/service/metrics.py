"""Prometheus metrics of one service instance (its own registry, so tests never share one)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

if TYPE_CHECKING:
    from meta_agent.pipeline import RunOutcome

DURATION_BUCKETS = (0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 3600, 14400)


class ServiceMetrics:
    """Runs by status, durations (runs and phases), tool usage, CPU, peak memory, planner
    usage by intent, and the queue depth."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.runs = Counter(
            "meta_agent_runs", "Runs that ended, by status.", ["status"], registry=self.registry
        )
        self.duration = Histogram(
            "meta_agent_run_duration_seconds",
            "Wall-clock time of executed scripts.",
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.tools = Counter(
            "meta_agent_tool_uses",
            "Tools used by runs that ended.",
            ["tool"],
            registry=self.registry,
        )
        self.peak_memory = Histogram(
            "meta_agent_run_peak_memory_mb",
            "Peak memory of executed scripts, in MB.",
            buckets=(32, 64, 128, 256, 512, 1024, 2048, 4096),
            registry=self.registry,
        )
        self.phases = Histogram(
            "meta_agent_phase_duration_seconds",
            "Time spent in each phase of runs that ended (analyse, plan, ..., execute).",
            ["phase"],
            buckets=(0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 300, 3600),
            registry=self.registry,
        )
        self.cpu = Histogram(
            "meta_agent_run_cpu_seconds",
            "CPU time of executed scripts.",
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.plans = Counter(
            "meta_agent_plans",
            "Requests planned, by the intent the planner read.",
            ["intent"],
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "meta_agent_queue_depth", "Runs queued or running.", registry=self.registry
        )

    def finished(self, outcome: RunOutcome) -> None:
        """Count a run that has ended, whatever its status."""
        self.runs.labels(status=outcome.status).inc()
        execute = outcome.phases.get("execute")
        if execute is not None:
            self.duration.observe(execute)
        for phase, seconds in outcome.phases.items():
            if phase != "total":
                self.phases.labels(phase=phase).observe(seconds)
        peak = outcome.resources.get("peak_memory_mb")
        if isinstance(peak, int | float):
            self.peak_memory.observe(float(peak))
        cpu = outcome.resources.get("cpu_seconds")
        if isinstance(cpu, int | float):
            self.cpu.observe(float(cpu))
        if outcome.run_dir is not None:
            from meta_agent.archive.run_folder import RunFolder

            plan = RunFolder(outcome.run_dir).read_json("plan.json") or {}
            steps = [s for s in plan.get("steps", []) if isinstance(s, dict)]
            for tool in sorted({str(step.get("tool")) for step in steps}):
                self.tools.labels(tool=tool).inc()

    def planned(self, outcome: RunOutcome) -> None:
        """Count a request the planner read (its intent, or ``refused``)."""
        if outcome.run_dir is None:
            return
        from meta_agent.archive.run_folder import RunFolder

        analysis = RunFolder(outcome.run_dir).read_json("analysis.json")
        intent = analysis.get("intent") if isinstance(analysis, dict) else None
        self.plans.labels(intent=str(intent) if intent else "refused").inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
