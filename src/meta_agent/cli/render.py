"""How the CLI shows things: Rich tables, panels, live logs. Presentation only; no decisions."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table

if TYPE_CHECKING:
    from meta_agent.archive.history import RunRecord, RunStats
    from meta_agent.errors import Finding
    from meta_agent.pipeline import Prepared, RunOutcome
    from meta_agent.tool_library.tool_registry import Tool


def console(stderr: bool = False) -> Console:
    """A console on stdout (or stderr, when stdout is reserved for JSON)."""
    return Console(stderr=stderr, highlight=False)


def warn(out: Console, message: str) -> None:
    out.print(f"[bold yellow]Warning:[/] {message}")


def show_outcome(out: Console, outcome: RunOutcome) -> None:
    """The end of a run: status, interpretations, results table, key figures, where things are."""
    colour = {"succeeded": "green", "rejected": "yellow", "cancelled": "yellow"}.get(
        outcome.status, "red"
    )
    if outcome.restatement:
        out.print(f"[bold]Read as:[/] {outcome.restatement}")
    for line in outcome.interpretations:
        out.print(f"[cyan]Note:[/] {line}")
    for line in outcome.warnings:
        warn(out, line)
    if outcome.error:
        out.print(f"[bold {colour}]{outcome.status}[/]: {outcome.error}")
        if outcome.suggestions:
            out.print("Did you mean: " + "; ".join(outcome.suggestions))
        for finding in outcome.findings[5:]:
            out.print(f"  {finding}")
    results = outcome.run_dir / "results" if outcome.run_dir else None
    if outcome.run_dir is not None and outcome.status == "succeeded" and not outcome.dry_run:
        from meta_agent.cli.answer import show_answer

        show_answer(out, outcome.run_dir, outcome.artifacts, outcome.summary)
    status = f"[bold {colour}]{outcome.status}[/]"
    if outcome.dry_run:
        status += " (dry run: nothing executed)"
    out.print(f"Run {outcome.run_id}: {status}")
    if outcome.resources:
        r = outcome.resources
        out.print(
            f"  sandbox {r.get('backend')}: {r.get('wall_seconds', 0):.2f} s wall, "
            f"{r.get('cpu_seconds', 0):.2f} s CPU, peak {r.get('peak_memory_mb', 0):.0f} MB"
        )
    if outcome.identical is not None:
        verdict = "identical" if outcome.identical else "DIFFERENT"
        out.print(f"  results are {verdict} to the original run")
        for line in outcome.differences:
            out.print(f"    {line}")
    if outcome.run_dir:
        out.print(f"  run folder: {outcome.run_dir}")
    if outcome.script and outcome.script.exists():
        out.print(f"  script:     {outcome.script}")
    if outcome.artifacts:
        out.print(f"  results:    {results if results else ''}")
        for name in outcome.artifacts:
            out.print(f"    {name}")


def show_prepared(out: Console, prepared: Prepared) -> None:
    """The plan and the script, for approval."""
    if prepared.analysis.restatement:
        out.print(f"[bold]Read as:[/] {prepared.analysis.restatement}")
    for line in prepared.analysis.interpretations:
        out.print(f"[cyan]Note:[/] {line}")
    table = Table(title=f"Plan: {prepared.plan.goal}", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("tool")
    table.add_column("what it does")
    for index, step in enumerate(prepared.plan.steps, 1):
        tool = "[bold red]CUSTOM CODE[/]" if step.is_custom else step.tool
        table.add_row(str(index), tool, step.description)
    out.print(table)
    show_script(out, prepared.script.source)


def show_script(out: Console, source: str) -> None:
    out.print(Panel(Syntax(source, "python", line_numbers=True), title="script.py"))


def show_findings(out: Console, file: Path, findings: Sequence[Finding]) -> None:
    if not findings:
        out.print(f"[green]{file}: valid[/] (no findings)")
        return
    table = Table(title=f"{file}: {len(findings)} finding(s)", title_justify="left")
    table.add_column("line", justify="right")
    table.add_column("rule")
    table.add_column("finding")
    for finding in findings:
        table.add_row(str(finding.line), finding.rule, finding.message)
    out.print(table)


@contextmanager
def live_run(
    out: Console, quiet: bool = False
) -> Iterator[tuple[Callable[[str, str], None] | None, Callable[[float], None] | None]]:
    """Callbacks that print the script's log lines as they come and a live elapsed-time status."""
    if quiet:
        yield None, None
        return
    lock = threading.Lock()
    status: dict[str, Any] = {"handle": None, "last": time.monotonic()}

    def on_log(stream: str, line: str) -> None:
        with lock:
            status["last"] = time.monotonic()
            style = (
                "red"
                if stream == "stderr" and "ERROR" in line
                else "dim"
                if stream == "stderr"
                else ""
            )
            out.print(f"[{style}]{_escape(line)}[/]" if style else _escape(line))

    def on_tick(elapsed: float) -> None:
        with lock:
            if status["handle"] is None:
                handle = out.status("running in the sandbox...")
                handle.start()
                status["handle"] = handle
            quiet_for = time.monotonic() - status["last"]
            note = f" (no output for {quiet_for:.0f} s)" if quiet_for > 3 else ""
            status["handle"].update(f"running in the sandbox... {elapsed:.1f} s{note}")

    try:
        yield on_log, on_tick
    finally:
        if status["handle"] is not None:
            status["handle"].stop()


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def settings_table(rows: list[tuple[str, str, str]]) -> Table:
    table = Table(title="Settings in force", title_justify="left")
    for column in ("setting", "value", "source"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def info_table(url: str, info: dict[str, Any]) -> Table:
    table = Table(title=f"Portfolio database {url}", title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("value", overflow="fold")
    for key, value in info.items():
        if isinstance(value, dict):
            value = ", ".join(
                f"{k.replace('_', ' ')}: {_info_value(k, v)}" for k, v in value.items()
            )
        else:
            value = _info_value(key, value)
        table.add_row(key.replace("_", " "), value)
    return table


def _info_value(name: str, value: Any) -> str:
    """A figure of ``db info`` as a person reads it: $1,747,221,223, 6.25%, 1,728."""
    from meta_agent.reporting import style

    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int) and style.column_kind(name) not in ("currency", "currency_cents"):
        return f"{value:,}"
    if "rate" in name:
        return f"{value * 100:.2f}%"
    return style.format_value(name, value)


def tool_panel(item: Tool) -> Panel:
    body = json.dumps(item.to_dict(), indent=2)
    return Panel(Syntax(body, "json"), title=f"{item.name} ({item.category} {item.version})")


def runs_table(records: Sequence[RunRecord]) -> Table:
    table = Table(title="Recent runs", title_justify="left")
    for column in ("run id", "time", "kind", "status", "seconds", "request"):
        table.add_column(column, overflow="fold")
    for r in records:
        seconds = f"{r.duration_seconds:.2f}" if r.duration_seconds is not None else "-"
        table.add_row(r.run_id, r.created_at[:19], r.kind, r.status, seconds, r.request)
    return table


def run_detail(
    out: Console,
    record: RunRecord,
    manifest: dict[str, Any],
    decisions: Sequence[dict[str, Any]] = (),
) -> None:
    out.print(f"[bold]{record.run_id}[/]  {record.status}  ({record.kind})")
    out.print(f"request: {record.request}", markup=False)
    if record.error:
        out.print(f"error:   {record.error}", markup=False)
    for decision in decisions:
        at = str(decision["at"])[:19].replace("T", " ")
        edited = " (diff kept in the history and script.diff)" if decision.get("diff") else ""
        out.print(
            f"decided: {decision['action']} by {decision['actor']} at {at} UTC{edited}",
            markup=False,
        )
    phases = manifest.get("phases_seconds") or {}
    if phases:
        out.print("phases:  " + ", ".join(f"{k} {v:.3f}s" for k, v in phases.items()))
    resources = manifest.get("resources") or {}
    if resources:
        out.print(
            f"sandbox: {resources.get('backend')}, peak {resources.get('peak_memory_mb')} MB, "
            f"{resources.get('cpu_seconds')} s CPU"
        )
        binary = resources.get("sandbox") or {}
        if binary.get("path"):
            out.print(
                f"bwrap:   {binary['path']} ({binary.get('version')}, {binary.get('source')})"
            )
    table = Table(title=f"files in {record.run_dir}", title_justify="left")
    table.add_column("file")
    table.add_column("bytes", justify="right")
    table.add_column("sha256")
    for name, info in (manifest.get("files") or {}).items():
        table.add_row(name, f"{info['bytes']:,}", info["sha256"][:16])
    out.print(table)


def stats_view(out: Console, stats: RunStats) -> None:
    out.print(
        f"{stats.total} runs, {stats.succeeded} succeeded ({stats.success_rate:.0%}); "
        f"median {_secs(stats.median_seconds)}, p95 {_secs(stats.p95_seconds)}"
    )
    if stats.failures_by_cause:
        table = Table(title="Failures by cause", title_justify="left")
        table.add_column("status")
        table.add_column("runs", justify="right")
        for cause, count in stats.failures_by_cause.items():
            table.add_row(cause, str(count))
        out.print(table)
    if stats.tool_usage:
        table = Table(title="Tool usage", title_justify="left")
        table.add_column("tool")
        table.add_column("runs", justify="right")
        for name, count in stats.tool_usage.items():
            table.add_row(name, str(count))
        out.print(table)
    if stats.planner_usage:
        table = Table(title="Planners", title_justify="left")
        table.add_column("planner")
        table.add_column("runs", justify="right")
        for name, count in stats.planner_usage.items():
            table.add_row(name, str(count))
        out.print(table)
    if stats.llm.get("runs"):
        out.print(llm_line(stats.llm))


def llm_line(totals: dict[str, Any]) -> str:
    """LLM use in one line: calls, tokens, repairs, time and cost (and what has no price)."""
    cost = totals.get("cost_usd")
    priced = "no price configured" if cost is None else f"${cost:,.4f}"
    unpriced = totals.get("runs_without_cost") or 0
    if cost is not None and unpriced:
        priced += f" ({unpriced} run{'s' if unpriced != 1 else ''} without a price)"
    return (
        f"LLM: {totals['runs']} run{'s' if totals['runs'] != 1 else ''}, "
        f"{totals.get('calls', 0)} calls, {totals.get('tokens_in', 0):,} tokens in, "
        f"{totals.get('tokens_out', 0):,} out, {totals.get('repairs', 0)} repairs, "
        f"{totals.get('latency_s', 0):.1f} s; cost {priced}"
    )


def _secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"
