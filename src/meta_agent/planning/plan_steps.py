"""A small builder for ExecutionPlans, and the steps many plans share: fetch, filter, flag, select,
export, summarise.

Steps are tool calls from docs/CONTRACTS.md; ``{"$ref": id}`` passes an earlier result. Every plan
writes its tables as CSV, Excel and PDF when asked, and ends with ``write_results_json(summary)``.
"""

from __future__ import annotations

from typing import Any

from meta_agent.planning.describe import describe_filter, describe_scope, label, labels
from meta_agent.planning.models import (
    ExecutionPlan,
    ExpectedOutput,
    OutputKind,
    PlanStep,
    RequirementAnalysis,
)
from meta_agent.planning.resolve import PortfolioDirectory
from meta_agent.planning.vocabulary import METRICS

SCOPE_ARGUMENTS = ("property_ids", "property_types", "markets", "states", "cities")
IDENTITY = ["property_id", "name", "property_type", "market"]
# Parameters without a default that may be None ("no grouping"): passed even when None.
REQUIRED_NONE = {"aggregate_metrics": ("group_by",)}
DEBT_METRICS = frozenset({"dscr", "ltv", "debt_yield", "debt_service", "loan_balance"})


def ref(step_id: str, key: str | None = None) -> dict[str, str]:
    """An argument meaning "the result of step ``step_id``" (or its ``key`` entry)."""
    return {"$ref": step_id} if key is None else {"$ref": step_id, "key": key}


class PlanBuilder:
    """Collects steps, result files and tables for one analysis."""

    def __init__(
        self,
        analysis: RequirementAnalysis,
        directory: PortfolioDirectory,
        metric_tools: dict[str, str] | None = None,
    ) -> None:
        self.analysis = analysis
        self.directory = directory
        self.metric_tools = metric_tools or {}  # metric -> the registered tool that adds it
        self.steps: list[PlanStep] = []
        self.outputs: list[ExpectedOutput] = []
        self.tables: dict[str, str] = {}  # sheet / section title -> step id
        self.charts: list[str] = []  # chart step ids
        self.notes: list[str] = []

    @property
    def wants(self) -> set[str]:
        return set(self.analysis.outputs)

    def call(self, step_id: str, tool: str, description: str, **arguments: Any) -> str:
        """Add one tool call; arguments that are None are left out, except required ones."""
        if any(step.id == step_id for step in self.steps):
            raise ValueError(f"duplicate step id {step_id!r}")
        required = REQUIRED_NONE.get(tool, ())
        kept = {n: v for n, v in arguments.items() if v is not None or n in required}
        self.steps.append(PlanStep(id=step_id, tool=tool, arguments=kept, description=description))
        return step_id

    def expect(
        self, filename: str, kind: OutputKind, description: str, headline: bool = False
    ) -> None:
        self.outputs.append(
            ExpectedOutput(filename=filename, kind=kind, description=description, headline=headline)
        )

    def csv(self, source: str, filename: str, title: str, headline: bool = False) -> None:
        """Write a table as CSV, and remember it for the workbook and the PDF; ``headline``
        marks the table that answers the question (the terminal shows it first)."""
        self.call(
            f"save_{source}",
            "export_to_csv",
            f"Write {_lower_first(title)} to {filename}",
            data=ref(source),
            filename=filename,
        )
        self.expect(filename, "csv", title, headline)
        self.tables[title] = source

    def chart(self, step_id: str, tool: str, filename: str, caption: str, **arguments: Any) -> None:
        self.call(step_id, tool, f"Draw the {caption}", filename=filename, **arguments)
        self.expect(filename, "chart", caption)
        self.charts.append(step_id)

    def summarise(self, source: str, metrics: list[str] | None, threshold: float | None) -> str:
        return self.call(
            "summary",
            "summarize_results",
            "Summarise the main figures",
            data=ref(source),
            metrics=metrics,
            threshold=threshold,
        )

    def finish(self, stem: str, summary: str) -> ExecutionPlan:
        """Excel and PDF when asked, then results.json; the plan."""
        a = self.analysis
        if "excel" in self.wants:
            filename = f"{stem}.xlsx"
            sheets = {title[:31]: ref(step) for title, step in self.tables.items()}
            self.call(
                "workbook",
                "export_to_excel",
                f"Write the Excel workbook {filename}",
                sheets=sheets,
                filename=filename,
                title=a.goal,
                summary=ref(summary),
                charts=[ref(c) for c in self.charts] or None,
            )
            self.expect(filename, "excel", "Excel workbook")
        if "pdf" in self.wants:
            filename = f"{stem}.pdf"
            self.call(
                "pdf_report",
                "export_to_pdf",
                f"Write the PDF report {filename}",
                filename=filename,
                title=a.goal,
                tables={title: ref(step) for title, step in self.tables.items()},
                key_figures=ref(summary),
                charts=[ref(c) for c in self.charts] or None,
                request=a.request,
            )
            self.expect(filename, "pdf", "PDF report")
        self.call(
            "results_file",
            "write_results_json",
            "Record the summary in results.json",
            summary=ref(summary),
        )
        self.expect("results.json", "json", "summary of the results")
        return ExecutionPlan(
            request=a.request,
            goal=a.goal,
            steps=self.steps,
            outputs=self.outputs,
            interpretations=list(dict.fromkeys(a.interpretations + self.notes)),
            restatement=a.restatement,
        )

    # --- shared steps -------------------------------------------------------------------------

    def fetch_metrics(self, **override: Any) -> str:
        scope = self.analysis.scope
        arguments = {name: getattr(scope, name) or None for name in SCOPE_ARGUMENTS}
        arguments.update(override)
        what = describe_scope(scope, self.directory) if not override else "the comparison set"
        table = self.call(
            "metrics",
            "fetch_portfolio_metrics",
            f"Fetch the latest metrics for {what}",
            **arguments,
        )
        a = self.analysis
        asked = [*a.metrics, *(f.metric for f in a.filters)]
        asked += [a.ranking.metric] if a.ranking is not None else []
        for metric in dict.fromkeys(asked):
            tool = self.metric_tools.get(metric)
            if tool is not None:  # a metric a registered tool (a plug-in) declares
                table = self.call(
                    f"with_{metric}",
                    tool,
                    f"Add {label(metric)} to the metrics ({tool})",
                    data=ref(table),
                )
        return table

    def select_rows(self, source: str, flag: bool = True) -> tuple[str, str | None]:
        """Apply filters and the at-risk flag; (the table to show, the at-risk list or None)."""
        a = self.analysis
        conditions = [{"column": f.metric, "op": f.op, "value": f.value} for f in a.filters]
        if a.scope.has_debt is not None:
            conditions.append({"column": "has_debt", "op": "==", "value": a.scope.has_debt})
        left_out = a.scope.excluded.get("property_ids")
        if left_out:
            conditions.append({"column": "property_id", "op": "not_in", "value": list(left_out)})
        if conditions:
            said = [describe_filter(f) for f in a.filters]
            if a.scope.has_debt is not None:
                said.append("debt" if a.scope.has_debt else "no debt")
            if left_out:
                said.append(f"not {', '.join(left_out)}")
            source = self.call(
                "filtered",
                "filter_data",
                f"Keep properties with {'; '.join(said)}",
                data=ref(source),
                conditions=conditions,
            )
        if not (a.at_risk and flag):
            return source, None
        flagged = self.call(
            "flagged",
            "flag_at_risk",
            f"Flag properties with DSCR below {a.threshold:g} as at risk "
            "(properties without debt never are)",
            data=ref(source),
            threshold=a.threshold,
        )
        at_risk = self.call(
            "at_risk",
            "filter_data",
            "List the properties not at risk" if a.not_at_risk else "List the at-risk properties",
            data=ref(flagged),
            conditions=[{"column": "at_risk", "op": "==", "value": not a.not_at_risk}],
        )
        return flagged, at_risk

    def columns(self, extra: list[str] | None = None) -> list[str]:
        """property_id, name, type, market, then each metric after the figures behind it."""
        a = self.analysis
        wanted: list[str] = []
        for metric in [*a.metrics, *(f.metric for f in a.filters), *(extra or [])]:
            info = METRICS.get(metric)
            wanted += [*(info.supporting if info else ()), metric]
        debt = a.at_risk or a.scope.has_debt is not None or DEBT_METRICS & set(wanted)
        wanted += ["has_debt"] if debt else []
        wanted += ["at_risk"] if a.at_risk else []
        within = [a.ranking.within] if a.ranking is not None and a.ranking.within else []
        return list(dict.fromkeys(IDENTITY + within + wanted))

    def narrow(self, source: str, step_id: str = "table") -> str:
        """Keep the identifying columns and the metrics asked for."""
        if not self.analysis.metrics:
            return source
        return self.call(
            step_id,
            "transform_data",
            f"Keep the identifying columns and {labels(self.analysis.metrics)}",
            data=ref(source),
            operations=[{"op": "select", "columns": self.columns()}],
        )

    def metric_chart(self, source: str, metric: str, stem: str) -> None:
        """A DSCR bar chart, or a distribution of another metric, when a chart is asked for."""
        if "chart" not in self.wants:
            return
        a = self.analysis
        if metric == "dscr":
            self.chart(
                "dscr_chart",
                "plot_dscr",
                f"{stem}.png",
                "chart of DSCR by property",
                data=ref(source),
                threshold=a.threshold,
            )
            return
        limit = next((f.value for f in a.filters if f.metric == metric), None)
        self.chart(
            "distribution_chart",
            "plot_distribution",
            f"{stem}.png",
            f"distribution chart of {label(metric)}",
            data=ref(source),
            column=metric,
            threshold=limit,
        )


def _lower_first(text: str) -> str:
    """'At-risk properties' -> 'at-risk properties'; 'DSCR by property' and names stay."""
    words = text.split(" ")
    first = words[0]
    proper_name = len(words) > 1 and words[1][:1].isupper()  # 'Orlando Fashion Square ...'
    if first.isupper() or first[1:] != first[1:].lower() or proper_name:
        return text
    return text[:1].lower() + text[1:]


def table_metrics(analysis: RequirementAnalysis, extra: list[str] | None = None) -> list[str]:
    """The numeric columns a summary should describe."""
    metrics: list[str] = []
    for metric in [*analysis.metrics, *(extra or [])]:
        info = METRICS.get(metric)
        metrics += [*(info.supporting if info else ()), metric]
    return list(dict.fromkeys(metrics)) or ["noi", "dscr", "cap_rate", "ltv", "occupancy"]
