"""Requests Meta-Agent must not carry out or cannot understand: each refusal says why and what
would work instead (``RequestRejected.suggestions``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NoReturn

from meta_agent.errors import RequestRejected
from meta_agent.planning.models import RequirementAnalysis
from meta_agent.planning.resolve import Resolver
from meta_agent.planning.tokens import PhraseTable, Token, Tokens
from meta_agent.planning.vocabulary import METRIC_SYNONYMS, METRICS, lemma
from meta_agent.planning.words import (
    COMMON_WORDS,
    DATA_OBJECTS,
    ENTITY_OBJECTS,
    GENERIC_NAME_WORDS,
    NAME_CUES,
    PLACE_CUES,
)

CAPABILITIES = (
    "Meta-Agent answers questions about the portfolio's recorded data: DSCR, NOI, cap rate, LTV, "
    "debt yield, occupancy and other metrics by property, type, market, city or state; at-risk "
    "and watch lists; rankings, averages and totals; NOI and interest-rate stress scenarios; "
    "peer comparisons; monthly trends; outliers; correlations; and the monthly executive report."
)
EXAMPLES = (
    "Calculate DSCR for all properties and identify at-risk assets",
    "Run DSCR scenarios with 10%, 20%, 30% NOI decrease",
    "Compare Orlando Fashion Square against 5 similar properties",
    "Generate monthly performance report for executive team",
)
MAIN_METRICS = (
    "dscr",
    "noi",
    "cap_rate",
    "ltv",
    "debt_yield",
    "occupancy",
    "debt_service",
    "loan_balance",
    "value",
    "egi",
    "operating_expenses",
    "expense_ratio",
    "square_feet",
    "units",
    "year_built",
)
_LEAD_IN = frozenset(
    {
        "please",
        "pls",
        "plz",
        "can",
        "could",
        "would",
        "will",
        "you",
        "to",
        "kindly",
        "lets",
        "let",
        "us",
        "go",
        "ahead",
        "i",
        "we",
        "want",
        "need",
        "like",
        "d",
        "must",
        "should",
        "and",
        "then",
        "also",
        "just",
        "now",
        "quickly",
        "hey",
        "ok",
        "okay",
        "so",
        "help",
        "me",
    }
)
_VIEWS = frozenset(
    {
        "list",
        "table",
        "report",
        "result",
        "output",
        "analysis",
        "chart",
        "view",
        "summary",
        "spreadsheet",
        "file",
        "export",
        "screen",
        "selection",
    }
)
_ACTION_OBJECTS = frozenset({"it", "this", "that", "me", "them", "the", "to", "a", "an", "out"})
NAME_WORDS = GENERIC_NAME_WORDS - {
    "the",
    "at",
    "of",
    "and",
    "on",
    "one",
    "two",
    "three",
    "new",
    "old",
}
_PERIODS = ("q1", "q2", "q3", "q4", "h1", "h2", "fy", "ytd", "qtd", "mtd")


def metric_names() -> list[str]:
    """The metrics a request may ask for, as users write them."""
    return [METRICS[m].label for m in MAIN_METRICS] + ["vacancy (1 - occupancy)"]


def _reject(message: str, suggestions: Iterable[str] = ()) -> NoReturn:
    raise RequestRejected(message, list(suggestions))


def _clause_start(tokens: Tokens, token: Token) -> bool:
    for before in reversed(tokens.items[: token.index]):
        if before.kind == "punct":
            return before.text in {",", ";", ":", "!", "?", "("}
        if before.word not in _LEAD_IN:
            return False
    return True


def refuse_changes(tokens: Tokens) -> None:
    """The tools are read-only: refuse requests to delete, change or add data."""
    for token in tokens:
        if token.means("write_strong") or (
            token.means("write_weak") and _commands_change(tokens, token)
        ):
            rest = _object_of(tokens, token)
            _reject(
                f"Meta-Agent's tools are read-only: it cannot {token.text.lower()} data "
                f"('{tokens.text.strip()}'). It can analyse and report on the portfolio instead.",
                [f"Show {rest}".strip()] if rest else EXAMPLES[:1],
            )


def _object_of(tokens: Tokens, verb: Token) -> str:
    """What a refused command was about ("the valuation of Regency Flats")."""
    start = verb.span[1] if verb.span else verb.index + 1
    words = []
    for token in tokens.items[start:]:
        if token.word in ("to", "as", "from", "into", "with", "by") or token.text in (",", ";"):
            break
        words.append(token)
    return " ".join(t.text for t in words)


def _commands_change(tokens: Tokens, verb: Token) -> bool:
    if not _clause_start(tokens, verb):
        return False
    after = tokens.items[verb.index + 1 : verb.index + 7]
    words = [t.key for t in after if t.is_word]
    if words[:1] in (["me"], ["us"]):
        return False  # "update me on ...": a question
    if any(w == "from" for w in words) and any(w in _VIEWS for w in words):
        return False  # "drop hotels from the list" filters a result
    if any(t.word == "by" for t in after) and any(t.kind == "number" for t in after):
        return False  # "cut NOI by 10%", "raise rates by 200bp": a stress scenario
    objects = ENTITY_OBJECTS if verb.word in ("add", "create", "record", "store") else DATA_OBJECTS
    named = any(t.owner == "property" or t.means("metric") for t in after)
    return named or any(w in objects for w in words)


def refuse_actions(tokens: Tokens) -> None:
    """Meta-Agent writes files; it does not send, post, trade or schedule."""
    for token in tokens:
        if not token.means("action") or not _clause_start(tokens, token):
            continue
        following = tokens[token.index + 1] if token.index + 1 < len(tokens) else None
        if following is None or following.word in _ACTION_OBJECTS or following.owner:
            _reject(
                f"Meta-Agent cannot {token.text.lower()} anything: it analyses the portfolio and "
                "writes result files (CSV, Excel, PDF, charts) to the run folder, to be shared "
                "by hand.",
                EXAMPLES[3:],
            )


def refuse_out_of_scope(tokens: Tokens, has_signal: bool, has_shocks: bool) -> None:
    """Unsupported metrics, forecasts, and questions about anything but the portfolio."""
    for token in tokens:
        unsupported = token.meaning("unsupported")
        if unsupported:
            label, reason = unsupported
            _reject(
                f"{label} is not available: {reason}. The metrics that exist are: "
                f"{', '.join(metric_names())}.",
                metric_names(),
            )
    if any(t.means("forecast") and not t.used for t in tokens) and not has_shocks:
        _reject(
            "Meta-Agent does not forecast: it analyses recorded data. It can show a metric's "
            "monthly trend, or stress current figures with NOI and rate shocks.",
            [
                "NOI trend for the portfolio over the last 12 months",
                "Run DSCR scenarios with 10%, 20%, 30% NOI decrease",
            ],
        )
    if any(t.means("offdomain") for t in tokens) and not has_signal:
        off = next(t.text for t in tokens if t.means("offdomain"))
        _reject(f"'{off}' is not something Meta-Agent can answer. {CAPABILITIES}", EXAMPLES)


def is_unknown(token: Token, known: frozenset[str]) -> bool:
    """A word nobody claimed and the vocabulary does not know."""
    return (
        token.is_word
        and token.owner is None
        and not token.meanings
        and (token.word not in known and token.key not in known)
    )


def check_leftovers(tokens: Tokens, resolver: Resolver, known: frozenset[str]) -> list[str]:
    """Reject unknown names and places; return the other words that were not understood."""
    ignored: list[str] = []
    for run in _unknown_runs(tokens, known):
        text = tokens.words(run[0], run[-1] + 1)
        before = tokens.prev_word(run[0], skip=("the", "a", "an"))
        if any(tokens[i].word.startswith(_PERIODS) or tokens[i].word.isdigit() for i in run):
            _reject(
                f"'{text}': metrics are computed as of the latest period in the data, so a "
                "particular period cannot be chosen; a trend shows the monthly history.",
                ["NOI trend for the portfolio over the last 12 months"],
            )
        if before is not None and before.word in PLACE_CUES:
            _reject(
                f"No market, city or state called '{text}' in the portfolio.",
                resolver.close_places(text),
            )
        name_like = any(tokens[i].word in NAME_WORDS or tokens.capitalised(i) for i in run)
        if name_like or (before is not None and before.word in NAME_CUES):
            close = resolver.close_names(text)
            hint = f" Did you mean {' or '.join(close)}?" if close else ""
            _reject(f"No property named '{text}' in the portfolio.{hint}", close)
        ignored.append(text)
    return ignored


def _unknown_runs(tokens: Tokens, known: frozenset[str]) -> list[list[int]]:
    """Runs of unknown words, with the name-like words ("office", "park") between them."""
    runs: list[list[int]] = []
    current: list[int] = []
    for token in tokens:
        if is_unknown(token, known) or (current and _name_word(token)):
            current.append(token.index)
            continue
        if current:
            runs.append(current)
        current = []
    if current:
        runs.append(current)
    return [r for r in runs if any(is_unknown(tokens[i], known) for i in r)]


def _name_word(token: Token) -> bool:
    return token.is_word and token.owner != "property" and token.word in NAME_WORDS


def refuse_without_intent(tokens: Tokens, ignored: list[str]) -> NoReturn:
    """Nothing Meta-Agent can compute was asked for: an unknown metric or an unrelated request."""
    if ignored:
        guess = close_metrics(" ".join(ignored))
        _reject(
            f"'{', '.join(ignored)}' is not a metric or analysis Meta-Agent knows. The metrics "
            f"that exist are: {', '.join(metric_names())}.",
            guess or metric_names(),
        )
    _reject(
        f"The request does not ask for anything Meta-Agent can compute. {CAPABILITIES}", EXAMPLES
    )


def close_metrics(text: str, limit: int = 3) -> list[str]:
    """Metric labels whose synonyms look like ``text``."""
    from rapidfuzz import fuzz, process

    choices = {
        phrase: METRICS[m].label
        for m, phrases in METRIC_SYNONYMS.items()
        if m in METRICS
        for phrase in phrases
        if len(phrase) > 3
    }
    found = process.extract(
        text.lower(), list(choices), scorer=fuzz.WRatio, limit=10, score_cutoff=80
    )
    labels = [choices[phrase] for phrase, _, _ in found]
    return list(dict.fromkeys(labels))[:limit]


def refuse_unexplained(
    words: list[str], analysis: RequirementAnalysis, table: PhraseTable
) -> NoReturn:
    """Some words of the request mean something no piece of the analysis accounts for: refuse,
    quoting them, rather than answer a different question."""
    from rapidfuzz import fuzz, process

    quoted = ", ".join(f"'{w}'" for w in dict.fromkeys(words))
    vocabulary = sorted(" ".join(key) for key in table.phrases() if len(" ".join(key)) > 2)
    known = table.words() | COMMON_WORDS
    close: list[str] = []
    for word in dict.fromkeys(words):
        if word.lower() in known or lemma(word.lower()) in known:
            continue  # a word we know, unused in this reading: no typo to suggest
        found = process.extract(
            word.lower(), vocabulary, scorer=fuzz.ratio, limit=3, score_cutoff=75
        )
        close += [phrase for phrase, _, _ in found if phrase != word.lower()]
    hint = f" Words I do know that look like it: {', '.join(close[:4])}." if close else ""
    _reject(
        f"I did not understand {quoted} in this request, so I will not guess. Without it, the "
        f"request would read: {analysis.restatement}.{hint} Rephrase it with the metrics, filters, "
        "groupings and scenarios Meta-Agent supports.",
        [analysis.restatement],
    )
