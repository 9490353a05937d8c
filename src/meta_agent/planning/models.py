"""The typed contract between understanding a request and running it.

``RequirementAnalysis`` says what was asked; ``ExecutionPlan`` says which registered tools run,
in which order, with which arguments. Both serialise to JSON and are saved with every run.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from meta_agent.formulas import DEFAULT_AT_RISK_THRESHOLD

Intent = Literal[
    "metrics",  # show metrics for a set of properties (optionally filtered / flagged)
    "ranking",  # top / bottom N by a metric
    "aggregation",  # average / total / count by a grouping
    "count",  # how many properties match
    "scenario",  # NOI and/or rate shocks
    "comparison",  # a target against similar properties
    "trend",  # a metric over the months
    "outliers",  # outlier detection on a metric
    "correlation",  # correlation between metrics
    "report",  # the monthly executive performance report
    "loans",  # loan-level questions: maturities, interest-only, lenders, balances coming due
]
OutputKind = Literal["table", "csv", "excel", "pdf", "chart", "json", "markdown"]
Comparison = Literal["<", "<=", ">", ">=", "==", "!="]


class PropertyMatch(BaseModel):
    """How a piece of the request was resolved to a property."""

    text: str = Field(description="the words in the request")
    property_id: str
    name: str
    score: float = Field(description="match confidence, 0 to 100")
    exact: bool = True


class MetricFilter(BaseModel):
    """A threshold on a metric, e.g. dscr < 1.25."""

    metric: str
    op: Comparison
    value: float


class Ranking(BaseModel):
    """Sort by a metric, optionally keeping the first N (or a share of the properties)."""

    metric: str
    descending: bool = False
    limit: int | None = None
    fraction: float | None = Field(
        default=None, description="'top 10%', 'top decile': the share kept; limit is its count"
    )
    within: str | None = Field(
        default=None,
        description="rank inside each group ('top 3 properties by NOI in each market'); "
        "limit then counts per group",
    )


class Aggregation(BaseModel):
    """Figures of a group (or of the whole selection when group_by is None).

    ``aggregate`` is DOMAIN.md's group figure: a ratio of sums (aggregate DSCR, cap rate, LTV,
    debt yield), occupancy weighted by square feet, and sums of dollar figures. ``mean`` is the
    plain average of the properties' values, labelled "average". ``share`` is each group's part
    of the whole set asked about.
    """

    function: Literal[
        "aggregate", "mean", "sum", "count", "median", "min", "max", "share", "yoy", "mom"
    ]
    metrics: list[str] = Field(default_factory=list)
    group_by: str | None = None
    keep: list[str] = Field(
        default_factory=list, description="only these groups are shown (e.g. office's share)"
    )
    having: list[MetricFilter] = Field(
        default_factory=list,
        description="conditions on each group's figure ('which markets have DSCR below 1.4x')",
    )


class LoanQuery(BaseModel):
    """Which loans: a maturity window, interest-only, lenders; dates are ISO (YYYY-MM-DD).

    ``within_months`` and ``year_offset`` are relative to the end of the data's latest month
    (metrics are as of the latest period): "within 12 months", "next year" (offset 1).
    """

    maturing_from: str | None = Field(default=None, description="maturity on or after")
    maturing_before: str | None = Field(default=None, description="maturity strictly before")
    within_months: int | None = None
    year_offset: int | None = None
    interest_only: bool | None = None
    lenders: list[str] = Field(default_factory=list)
    group_by_lender: bool = False
    balances: list[MetricFilter] = Field(
        default_factory=list,
        description="conditions on each loan's current balance ('loans over $20M')",
    )


class Scenario(BaseModel):
    """One stress case: an NOI shock (percent down) and/or a rate shock (basis points up)."""

    name: str
    noi_shock_pct: float = 0.0
    rate_shock_bp: float = 0.0


class Scope(BaseModel):
    """Which part of the portfolio: nothing set means every property."""

    property_ids: list[str] = Field(default_factory=list)
    property_types: list[str] = Field(default_factory=list)
    markets: list[str] = Field(default_factory=list)
    cities: list[str] = Field(default_factory=list)
    states: list[str] = Field(default_factory=list)
    has_debt: bool | None = None
    excluded: dict[str, list[str]] = Field(
        default_factory=dict,
        description="what 'except', 'outside of' left out, per scope field (the field lists the rest)",
    )

    def is_whole_portfolio(self) -> bool:
        return not (
            self.property_ids
            or self.property_types
            or self.markets
            or self.cities
            or self.states
            or self.has_debt is not None
        )


class RequirementAnalysis(BaseModel):
    """What a request asks for, as understood, with every interpretation stated."""

    request: str
    goal: str
    intent: Intent
    scope: Scope = Field(default_factory=Scope)
    properties: list[PropertyMatch] = Field(default_factory=list)
    metrics: list[str] = Field(default_factory=list)
    filters: list[MetricFilter] = Field(default_factory=list)
    at_risk: bool = False
    threshold: float = DEFAULT_AT_RISK_THRESHOLD
    not_at_risk: bool = Field(
        default=False,
        description="'which assets are not at risk': DSCR at or above the threshold, or no debt",
    )
    count_share: bool = Field(
        default=False,
        description="'what percentage of properties are at risk': the count over all asked about",
    )
    lists_properties: bool = Field(
        default=False,
        description="'which properties drop below 1.0x': the properties meeting it are the answer",
    )
    ranking: Ranking | None = None
    aggregation: Aggregation | None = None
    scenarios: list[Scenario] = Field(default_factory=list)
    loans: LoanQuery | None = None
    peer_count: int | None = None
    trend_months: int | None = None
    outlier_method: Literal["iqr", "zscore"] | None = None
    outlier_threshold: float | None = Field(
        default=None, description="IQR k or z-score cut-off when the request names one"
    )
    correlation_method: Literal["pearson", "spearman", "kendall"] | None = None
    outputs: list[OutputKind] = Field(default_factory=lambda: list[OutputKind](["table"]))
    interpretations: list[str] = Field(default_factory=list)
    not_understood: list[str] = Field(default_factory=list)
    restatement: str = Field(
        default="", description="the analysis in plain words, generated from its fields"
    )


# The one step kind that is not a registered tool: a short Python function the LLM planner
# wrote where no tool fits. Its arguments are ``inputs`` ({parameter: {"$ref": step}}) and
# ``code`` (the function's body, ending in ``return``); the generator marks it as custom code and
# the validator checks it like every other line of the script.
CUSTOM_STEP_TOOL = "custom_python"


class PlanStep(BaseModel):
    """One call of a registered tool; its result is bound to ``id`` for later steps.

    An argument value of ``{"$ref": "metrics"}`` means "the result of step ``metrics``";
    ``{"$ref": "trend", "key": "series"}`` means ``trend["series"]``. A step whose tool is
    ``CUSTOM_STEP_TOOL`` is custom code, not a tool call.
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    description: str

    @property
    def is_custom(self) -> bool:
        """True for custom code written by the LLM planner (not a registered tool)."""
        return self.tool == CUSTOM_STEP_TOOL


class ExpectedOutput(BaseModel):
    """A file the run must leave in its results folder."""

    filename: str
    kind: OutputKind
    description: str = ""
    headline: bool = False  # the table that answers the question: shown first on the screen


class ExecutionPlan(BaseModel):
    """Ordered tool calls and the files the run must produce."""

    request: str
    goal: str
    steps: list[PlanStep]
    outputs: list[ExpectedOutput]
    interpretations: list[str] = Field(default_factory=list)
    restatement: str = Field(default="", description="the analysis in plain words")
    planner: str = "rule_based"

    def content_hash(self) -> str:
        """sha256 of the plan's content: the same plan, the same script."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def tools_used(self) -> list[str]:
        """The registered tools the plan calls, in order (custom code is not a tool)."""
        seen: list[str] = []
        for step in self.steps:
            if step.tool not in seen and not step.is_custom:
                seen.append(step.tool)
        return seen
