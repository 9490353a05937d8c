"""From the signals and numbers of a request to a RequirementAnalysis: intent, scope, filters,
rankings, aggregations, scenarios, outputs, and a stated interpretation for every default."""

from __future__ import annotations

from typing import Any, NoReturn, cast

from meta_agent.errors import RequestRejected
from meta_agent.formulas import DEFAULT_AT_RISK_THRESHOLD as DEFAULT_THRESHOLD
from meta_agent.planning.models import (
    Intent,
    MetricFilter,
    OutputKind,
    PropertyMatch,
    RequirementAnalysis,
    Scope,
)
from meta_agent.planning.quantities import Quantities, Threshold
from meta_agent.planning.resolve import FoundProperty, PortfolioDirectory
from meta_agent.planning.signals import Signals
from meta_agent.planning.vocabulary import METRICS, TYPE_LABELS, US_STATES

# "all property metrics": every metric of the metrics table, in DOMAIN.md's order.
ALL_METRICS = [
    "noi",
    "debt_service",
    "dscr",
    "cap_rate",
    "ltv",
    "debt_yield",
    "occupancy",
    "value",
    "loan_balance",
    "egi",
    "operating_expenses",
    "expense_ratio",
]
_INVERSE = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_AGE_WORDS = ("before", "after", "older than", "newer than", "prior to", "since")
_PROPERTY_FLAGS = {
    "at_risk",
    "trend",
    "outliers",
    "correlation",
    "report",
    "scenario",
    "compare",
    "peers",
    "all_metrics",
    "share",
    "maturity",
    "interest_only",
    "lender",
}


def _reject(message: str, suggestions: list[str] | None = None) -> NoReturn:
    raise RequestRejected(message, suggestions or [])


class Reading:
    """One request's signals, turned into a RequirementAnalysis."""

    def __init__(
        self,
        request: str,
        directory: PortfolioDirectory,
        found: list[FoundProperty],
        signals: Signals,
        quantities: Quantities,
        notes: list[str],
        default_threshold: float = DEFAULT_THRESHOLD,
    ) -> None:
        self.request = request
        self.default_threshold = default_threshold
        self.directory = directory
        self.found = [f for f in found if not f.excluded]
        self.left_out = [f for f in found if f.excluded]
        self.signals = signals
        self.quantities = quantities
        self.notes = list(notes) + quantities.notes

    # --- is anything asked? -------------------------------------------------------------------

    def _shocked(self) -> bool:
        return bool(self.quantities.noi_shocks or self.quantities.rate_shocks)

    def _scoped(self) -> bool:
        s = self.signals
        return bool(
            s.types
            or s.excluded_types
            or s.markets
            or s.cities
            or s.states
            or s.excluded_places
            or s.has_debt is not None
        )

    def has_intent(self) -> bool:
        s = self.signals
        asked = [
            s.metrics,
            self.found,
            s.flags & _PROPERTY_FLAGS,
            self._shocked(),
            s.aggregations,
            s.group_by,
            s.ranks,
            self.quantities.thresholds,
            self._scoped(),
            self._reported(),
            s.listing and s.item_noun,  # "list all properties", "show all loans"
        ]
        return any(bool(item) for item in asked)

    def _reported(self) -> bool:
        flags = self.signals.flags
        return "report" in flags or {"audience", "deliverable"} <= flags

    def weak_intent(self) -> bool:
        """Only a listing verb and a scope: unknown words then matter."""
        s = self.signals
        strong = s.metrics or self.found or s.flags & _PROPERTY_FLAGS or self._shocked()
        return not (strong or s.aggregations or s.ranks)

    # --- the analysis -------------------------------------------------------------------------

    def build(self) -> RequirementAnalysis:
        analysis = RequirementAnalysis(request=self.request, goal="", intent="metrics")
        analysis.properties = [self._match(f) for f in self.found]
        analysis.scope = self._scope()
        analysis.metrics = self._metrics()
        if "all_metrics" in self.signals.flags:
            analysis.metrics += [m for m in ALL_METRICS if m not in analysis.metrics]
        analysis.filters, analysis.at_risk, analysis.threshold = self._filters(analysis.metrics)
        if not analysis.metrics:
            analysis.metrics = list(dict.fromkeys(f.metric for f in analysis.filters))
        analysis.intent = self._intent(analysis)
        if self.quantities.maturity and analysis.intent != "loans":
            _reject(
                "A maturity window selects loans; it cannot be combined with "
                f"{analysis.intent} questions. Ask for the loans separately.",
                ["which loans mature before 2028", "loans maturing next year"],
            )
        self._complete(analysis)
        analysis.outputs = self._outputs(analysis.intent)
        analysis.interpretations = list(dict.fromkeys(self.notes))
        return analysis

    def _match(self, found: FoundProperty) -> PropertyMatch:
        entry = found.entry
        if not found.exact:
            self.notes.append(f"read '{found.text}' as {entry.name} ({entry.property_id})")
        return PropertyMatch(
            text=found.text,
            property_id=entry.property_id,
            name=entry.name,
            score=found.score,
            exact=found.exact,
        )

    def _scope(self) -> Scope:
        s = self.signals
        ids = list(dict.fromkeys(f.entry.property_id for f in self.found))
        types = self._included(s.types, s.excluded_types, self.directory.types, "property types")
        places = {}
        for kind in ("markets", "cities", "states"):
            known = getattr(self.directory, kind)
            places[kind] = self._included(
                getattr(s, kind), s.excluded_places.get(kind, []), known, kind
            )
        excluded = {"property_types": list(s.excluded_types)} if s.excluded_types else {}
        excluded |= {k: list(v) for k, v in s.excluded_places.items() if v}
        if self.left_out:
            excluded["property_ids"] = list(
                dict.fromkeys(f.entry.property_id for f in self.left_out)
            )
        return Scope(
            property_ids=ids,
            property_types=types,
            has_debt=s.has_debt,
            excluded=excluded,
            **places,
        )

    def _included(
        self, named: list[str], excluded: list[str], known: list[str], what: str
    ) -> list[str]:
        if not excluded:
            return list(named)
        kept = [v for v in (named or known) if v not in excluded]
        self.notes.append(f"excluding {', '.join(excluded)}: {what} {', '.join(kept)}")
        return kept

    def _metrics(self) -> list[str]:
        metrics = []
        for metric in self.signals.metrics:
            if metric == "vacancy":
                self.notes.append(
                    "vacancy is read as 1 - occupancy (latest month's physical occupancy)"
                )
                metric = "occupancy"
            if metric not in metrics:
                metrics.append(metric)
        return metrics

    # --- filters and at-risk ------------------------------------------------------------------

    def _filters(self, metrics: list[str]) -> tuple[list[MetricFilter], bool, float]:
        at_risk = "at_risk" in self.signals.flags
        threshold = self.default_threshold
        filters: list[MetricFilter] = []
        read = [
            (item, self._threshold_metric(item, metrics, at_risk))
            for item in self.quantities.thresholds
        ]
        if len(read) > 1 and self.signals.either_or:
            _reject(
                "Conditions joined by 'or' are not supported: every condition must hold. "
                "Ask for each condition separately.",
                [f"{METRICS[m].label if m in METRICS else m} {item.text}" for item, m in read],
            )
        for item, metric in read:
            flt = self._to_filter(item, metric)
            negated = self.signals.not_at_risk  # "not at risk, DSCR below 1.5": both hold
            if (
                flt.metric == "dscr"
                and flt.op == "<"
                and not negated
                and not _has_dscr_filter(filters)
            ):
                at_risk, threshold = True, flt.value
                continue
            if flt not in filters:  # "underwater (LTV over 100%)" says one condition twice
                filters.append(flt)
        if at_risk and threshold != self.default_threshold:
            self.notes.append(
                f"at risk means DSCR below {threshold:g} (instead of {self.default_threshold:g})"
            )
        elif at_risk:
            self.notes.append(
                f"at risk means DSCR below {self.default_threshold:g}; properties without debt are never at risk"
            )
        return filters, at_risk, threshold

    def _threshold_metric(self, item: Threshold, metrics: list[str], at_risk: bool) -> str:
        if item.metric:
            return item.metric
        if item.text.lower().startswith(_AGE_WORDS) and 1800 <= item.value <= 2100:
            self.notes.append(f"read '{item.text}' as the year built")
            return "year_built"
        if item.unit == "x" or (at_risk and item.unit is None):
            if not item.unit:
                self.notes.append(f"read '{item.text}' as a DSCR threshold")
            return "dscr"
        if len(metrics) == 1:
            return "vacancy" if "vacancy" in self.signals.metrics else metrics[0]
        _reject(
            f"Which metric does '{item.text}' apply to? Name it, e.g. 'DSCR {item.text}'.",
            [f"DSCR {item.text}", f"LTV {item.text}", f"occupancy {item.text}"],
        )

    def _to_filter(self, item: Threshold, metric: str) -> MetricFilter:
        value, op = item.value * (item.money or 1.0), item.op
        if (
            item.unit == "exact" or metric == "property_count"
        ):  # "negative", "underwater", "3 properties": the value is already in its unit
            return MetricFilter(metric=metric, op=cast(Any, op), value=value)
        info = METRICS.get("occupancy" if metric == "vacancy" else metric)
        unit = info.unit if info else "fraction"
        if unit == "fraction" and item.unit != "%" and value > 1.5:
            self.notes.append(f"read '{item.text}' as {item.value:g}%")
        if unit in ("fraction", "multiple") and (
            item.unit == "%" or value > 1.5 and unit == "fraction"
        ):
            value = value / 100
        if unit == "usd" and item.money is None and value < 1000:
            _reject(
                f"'{item.text}' is ambiguous for {info.label if info else metric}: give the amount "
                "in dollars, e.g. '$5M' or '$500k'.",
                [f"{metric} over $5M"],
            )
        if metric == "vacancy":
            self.notes.append(
                f"vacancy {op} {value:.0%} is occupancy {_INVERSE[op]} {1 - value:.0%}"
            )
            metric, op, value = "occupancy", _INVERSE[op], round(1 - value, 10)
        return MetricFilter(metric=metric, op=cast(Any, op), value=value)

    # --- intent -------------------------------------------------------------------------------

    def _intent(self, analysis: RequirementAnalysis) -> Intent:
        flags, s = self.signals.flags, self.signals
        if self._reported() and not self._shocked() and not ("compare" in flags and self.found):
            return "report"
        if self._shocked():
            return "scenario"
        if flags & {"maturity", "interest_only", "lender"} or self.quantities.maturity:
            return "loans"
        if s.loans and s.aggregations == ["count"] and not (s.metrics or s.group_by):
            return "loans"  # "how many loans": loans, not properties
        by_balance = set(s.metrics) <= {"loan_balance"} and not (s.group_by or s.aggregations)
        plain = not analysis.filters and "at_risk" not in flags
        if s.loans and s.ranks and by_balance and plain:
            return "loans"  # "biggest 5 loans": loans by balance
        listed = s.metrics or s.aggregations or s.ranks or s.has_debt or analysis.filters
        if s.loans and s.listing and not listed and "at_risk" not in flags:
            return "loans"  # "show all loans"
        if "scenario" in flags and not s.metrics and not analysis.filters:
            _reject(
                "Which shocks should the scenarios apply? Give NOI decreases in percent and/or "
                "rate increases in basis points.",
                [
                    "Run DSCR scenarios with 10%, 20%, 30% NOI decrease",
                    "+100/+200/+300 bp rate shock",
                ],
            )
        if flags & {"compare", "peers"} and self.found:
            return "comparison"
        if flags & {"yoy", "mom", "change"} and s.group_by and not self.found:
            return "aggregation"  # "YoY NOI change by market": the change of each group
        if (
            flags & {"yoy", "mom", "change"}
            and not s.explicit_trend
            and set(s.metrics) <= {"noi"}
            and len(self.found) <= 1
        ):
            return "aggregation"  # "YoY NOI growth for Orlando Fashion Square": one change
        if "trend" in flags:
            return "trend"
        if "outliers" in flags:
            return "outliers"
        if "correlation" in flags:
            return "correlation"
        if "compare" in flags and len(self._compared_groups(analysis.scope)) > 1:
            return "aggregation"
        if s.group_by and s.ranks and s.items_named and s.per_group and not s.aggregations:
            return "ranking"  # "the top 3 properties by NOI in each market": within each group
        if s.group_by and s.ranks and (s.items_named or s.per_group) and not s.aggregations:
            _reject(
                "A top list within each group (e.g. the best property per market) is not "
                "supported; rank all properties, or rank the groups.",
                ["top 10 properties by NOI", "total NOI by market, biggest first"],
            )
        if "share" in flags:
            return "aggregation"
        if s.aggregations == ["count"] and not s.group_by and not s.loans:
            return "count"
        if s.aggregations or s.group_by:
            return "ranking" if self._ranks_properties() else "aggregation"
        if s.ranks:
            return "ranking"
        return "metrics"

    def _ranks_properties(self) -> bool:
        """'which property has the max LTV' ranks properties; 'max LTV by market' aggregates."""
        s = self.signals
        return not s.group_by and bool(s.ranks) and set(s.aggregations) <= {"min", "max"}

    def _compared_groups(self, scope: Scope) -> list[str]:
        for values in (scope.property_types, scope.markets, scope.states, scope.cities):
            if len(values) > 1:
                return values
        return []

    def _complete(self, analysis: RequirementAnalysis) -> None:
        from meta_agent.planning.intents import complete

        complete(self, analysis)
        self._check_scope(analysis)

    def _check_scope(self, analysis: RequirementAnalysis) -> None:
        scope = analysis.scope
        for field_name, attr in (("states", "state"), ("property_types", "property_type")):
            values = getattr(scope, field_name)
            present = set(getattr(self.directory, "types" if attr == "property_type" else "states"))
            missing = [v for v in values if v not in present]
            if missing and analysis.intent != "count":
                label = ", ".join(
                    US_STATES.get(m, m).title() if attr == "state" else TYPE_LABELS.get(m, m)
                    for m in missing
                )
                _reject(
                    f"The portfolio has no properties in {label}.",
                    sorted(present)
                    if attr == "property_type"
                    else [US_STATES[c].title() for c in sorted(present) if c in US_STATES],
                )

    def _outputs(self, intent: str) -> list[OutputKind]:
        wanted: list[OutputKind] = ["table"]
        if intent == "report":
            wanted += ["pdf", "excel", "markdown", "chart"]
        for name in self.signals.outputs:
            if name in ("excel", "pdf", "chart", "csv") and name not in wanted:
                wanted.append(cast(OutputKind, name))
        if intent in ("comparison", "scenario", "trend") and "chart" not in wanted:
            wanted.append("chart")
        return wanted


def _has_dscr_filter(filters: list[MetricFilter]) -> bool:
    return any(f.metric == "dscr" for f in filters)
