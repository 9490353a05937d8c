"""Account for every token of a request: consumed by a piece of meaning, filler, or unexplained.

Keyword spotting fails quietly: it finds "DSCR" and "1.2" and never notices "not". Here every
token must be *consumed* by something the analysis does (a metric it shows, a comparison with its
polarity and number, a scope, a grouping, a shock, a name, an output, a count of results) or be
*filler*, from a short list of words that mean nothing in this domain. Anything else is
*unexplained*, and one unexplained word refuses the request (``requirements``). A word the
vocabulary knows is not enough: "not" is known, and still unexplained when no comparison or
exclusion used it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from meta_agent.planning.models import RequirementAnalysis
from meta_agent.planning.tokens import Token, Tokens
from meta_agent.planning.words import FILLER_WORDS

Status = Literal["consumed", "filler", "unexplained"]

# Tokens of these kinds mean something only when a reader marked them used.
_ONLY_WHEN_USED = frozenset(
    {
        "comparator",
        "postfix",
        "between",
        "exclude",
        "down",
        "up",
        "noi_context",
        "rate_context",
        "months",
        "years",
        "quarters",
        "last",
        "preset",
        "quantile",
        "write_strong",
        "write_weak",
        "action",
        "offdomain",
        "forecast",
        "unsupported",
    }
)
# Verbs the refusals judged harmless in their place (they refuse the commands).
_JUDGED = frozenset({"write_weak", "action"})
# Words that carry the meaning of the noun after them: "per property", "each market".
_LEADS = frozenset({"per", "each", "every", "by"})
_SCOPE_KINDS = frozenset({"type", "state", "market", "city", "city_only"})
_TREND = ("trend",)
_OUTLIER = ("outliers",)
_CORRELATION = ("correlation",)


@dataclass(frozen=True)
class Account:
    """What became of one token."""

    index: int
    text: str
    status: Status


def account(tokens: Tokens, analysis: RequirementAnalysis) -> list[Account]:
    """The status of every token of the request, given the analysis built from it."""
    accounts = []
    for token in tokens:
        accounts.append(Account(token.index, token.text, _status(tokens, token, analysis)))
    for position, item in enumerate(accounts):  # "per property": the lead is read with its noun
        token = tokens[item.index]
        if item.status != "consumed" and token.is_word and token.word in _LEADS:
            after = accounts[position + 1] if position + 1 < len(accounts) else None
            if after is not None and after.status == "consumed" and _noun_like(tokens[after.index]):
                accounts[position] = Account(item.index, item.text, "consumed")
    return accounts


def unexplained(tokens: Tokens, analysis: RequirementAnalysis) -> list[str]:
    """The typed text of every token no piece of meaning accounts for."""
    return [a.text for a in account(tokens, analysis) if a.status == "unexplained"]


# Metrics that are trailing-twelve-month sums: "NOI for the last 12 months" is T12 NOI itself.
_T12 = frozenset({"noi", "egi", "operating_expenses"})


def _uses_period(tokens: Tokens, a: RequirementAnalysis) -> bool:
    if a.trend_months is not None:
        return True
    twelve = tokens.period_months == 12 and a.intent in ("metrics", "ranking", "aggregation")
    return twelve and bool(a.metrics) and set(a.metrics) <= _T12


# Intents whose plans select rows with the scope's debt condition and filters.
_SELECTING = frozenset(
    {"metrics", "ranking", "aggregation", "count", "scenario", "outliers", "correlation"}
)
# Intents whose plans draw a chart when asked.
_CHARTED = frozenset(
    {"metrics", "ranking", "aggregation", "scenario", "comparison", "trend", "outliers", "report"}
)

_ONLY = frozenset({"only", "just", "solely", "exclusively"})


def _restricted(a: RequirementAnalysis) -> bool:
    s = a.scope
    return bool(
        not s.is_whole_portfolio()
        or a.filters
        or a.at_risk
        or (a.ranking is not None and a.ranking.limit)
        or (a.loans is not None and (a.loans.interest_only or a.loans.maturing_before))
    )


def _noun_like(token: Token) -> bool:
    """'per property', 'each market' (not 'per square foot': a ratio nobody computes)."""
    return any(token.means(k) for k in ("noun", "group", "type")) or token.owner == "property"


def _status(tokens: Tokens, token: Token, analysis: RequirementAnalysis) -> Status:
    if token.kind == "punct":
        return "filler"
    if token.owner == "period" or token.index in tokens.period:
        return "consumed" if _uses_period(tokens, analysis) else "unexplained"
    if analysis.intent == "report" and (
        token.means("months") or token.means("last") or token.word in ("monthly", "month")
    ):
        return "consumed"  # "the monthly exec report": the report is of the latest month
    if token.owner in ("property", "quantity") or token.used:
        return "consumed"
    if token.kind == "number":
        return "unexplained"
    kinds = {kind for kind, _ in token.meanings}
    if any(_consumes(kind, token, analysis) for kind in kinds - _ONLY_WHEN_USED):
        return "consumed"
    if kinds & _JUDGED:  # the refusals let it pass: "update me on", "email-ready summary"
        return "filler"
    if "between" in kinds and analysis.intent == "correlation":
        return "consumed"
    if token.word == "within" and analysis.ranking is not None and analysis.ranking.within:
        return "consumed"  # "within each market": the ranking is per group
    if token.word in ("first", "last") and analysis.ranking is not None:
        return "consumed"  # "worst LTVs first"
    if token.word == "combined" and any(
        s.noi_shock_pct and s.rate_shock_bp for s in analysis.scenarios
    ):
        return "consumed"  # "rates +100 and NOI -10% combined": one scenario of both
    if token.word in _ONLY and _restricted(analysis):
        return "consumed"  # "office only": the restriction it stresses is in the analysis
    if token.kind == "word" and (token.word in FILLER_WORDS or token.key in FILLER_WORDS):
        return "filler"
    return "unexplained"


def _metric_names(analysis: RequirementAnalysis) -> set[str]:
    names = set(analysis.metrics) | {f.metric for f in analysis.filters}
    if analysis.ranking is not None:
        names.add(analysis.ranking.metric)
    if analysis.aggregation is not None:
        names |= set(analysis.aggregation.metrics)
    if analysis.at_risk:
        names.add("dscr")
    return names


def _consumes(kind: str, token: Token, a: RequirementAnalysis) -> bool:
    """Does the analysis use this meaning of the token?"""
    value = token.meaning(kind)
    intent = a.intent
    if kind == "metric":
        metric = "occupancy" if value == "vacancy" else str(value)
        if metric in _metric_names(a) or intent == "report":
            return True
        return intent == "scenario" and metric in ("noi", "debt_service", "dscr")
    if kind in _SCOPE_KINDS:
        return intent != "comparison" or kind == "type"
    if kind == "has_debt":
        return a.scope.has_debt is not None and intent in _SELECTING
    if kind == "agg":
        return _uses_aggregation(str(value), a)
    if kind == "audience":  # "for the credit committee": who the files are for
        return intent == "report" or bool({"pdf", "excel", "csv"} & set(a.outputs))
    if kind == "group":
        within = a.ranking is not None and a.ranking.within == value
        return within or (a.aggregation is not None and a.aggregation.group_by == value)
    if kind == "rank":
        return a.ranking is not None
    if kind == "output":
        return value in a.outputs and (value != "chart" or intent in _CHARTED)
    if kind == "noun" and token.key == "loan":  # loan-level figures exist only in loan questions
        return intent == "loans" or a.at_risk or a.scope.has_debt is not None
    if kind == "noun":
        return True
    if kind == "all_metrics":
        return intent in ("metrics", "ranking", "aggregation", "comparison")
    if kind in ("maturity", "interest_only", "lender"):
        return intent == "loans"
    if kind == "share":
        return a.count_share or (a.aggregation is not None and a.aggregation.function == "share")
    return _consumes_flag(kind, token, a)


def _uses_aggregation(function: str, a: RequirementAnalysis) -> bool:
    agg = a.aggregation
    if function == "count":
        if a.intent == "scenario":
            return True  # "how many go below 1.25x if NOI falls 15%": the at-risk count
        if a.intent == "loans":
            return "loan_count" in a.metrics
        return intent_in(a, ("count",)) or (agg is not None and agg.function == "count")
    if function in ("min", "max") and a.ranking is not None:
        return True
    if function == "sum" and a.intent == "loans" and "loan_count" not in a.metrics:
        return True  # a loan answer always totals the balances (per lender when grouped)
    if agg is None:
        return False
    if function == "aggregate":  # "portfolio-wide average DSCR": the group is the portfolio
        return agg.function != "count" and (agg.function == "aggregate" or agg.group_by is None)
    if function == "sum":  # "total DSCR" is the aggregate DSCR (a ratio of sums)
        return agg.function in ("sum", "aggregate")
    return agg.function == function


def intent_in(a: RequirementAnalysis, intents: Iterable[str]) -> bool:
    return a.intent in set(intents)


def _consumes_flag(kind: str, token: Token, a: RequirementAnalysis) -> bool:
    intent = a.intent
    if kind == "at_risk":
        return a.at_risk
    changes = a.aggregation is not None and a.aggregation.function in ("yoy", "mom")
    if kind in _TREND:
        return intent == "trend" or changes
    if kind in ("yoy", "mom"):
        return intent == "trend" or (
            changes and a.aggregation is not None and a.aggregation.function == kind
        )
    if kind == "change":
        return intent == "trend" or changes
    if kind in (*_OUTLIER, "zscore", "iqr"):
        return intent == "outliers"
    if kind in (*_CORRELATION, "spearman", "kendall"):
        return intent == "correlation"
    if kind in ("compare", "peers"):
        return intent == "comparison" or (intent == "aggregation" and a.aggregation is not None)
    if kind == "scenario":
        return intent == "scenario"
    if kind == "report":
        return intent == "report"
    if kind == "deliverable":
        return intent == "report" or "pdf" in a.outputs
    return False
