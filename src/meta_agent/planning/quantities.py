"""Numbers in a request and what they mean: thresholds, top-N, peer counts, months, shocks.

Works on tagged tokens (see ``tokens.PhraseTable.tag``). Each number a reader uses is claimed
(``owner = "quantity"``), so the numbers nobody claimed can be reported as not understood.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from meta_agent.errors import RequestRejected
from meta_agent.planning.tokens import Token, Tokens

MONEY = {"k": 1e3, "m": 1e6, "b": 1e9}
_SEPARATORS = frozenset({",", "/", "and", "or", "then", "&", "vs"})
_CLAUSE_END = frozenset({";", "?", "!", ":", "(", ")"})
_SKIP_BEFORE_NUMBER = frozenset(
    {
        "of",
        "a",
        "an",
        "the",
        "about",
        "roughly",
        "approximately",
        "around",
        "approx",
        "just",
        "say",
        "like",
        "is",
        "are",
        "be",
        "by",
        "to",
    }
)
_SKIP_AFTER_NUMBER = frozenset({"x", "times", "in", "of", "on", "for", "the", "a", "their", "its"})
_OUTLIER_SKIP = frozenset(
    {"of", "than", "=", ">", ">=", "k", "above", "over", "beyond", "is", "a", "more", "greater"}
)
_LAST = frozenset({"last", "past", "previous", "prior", "trailing", "recent", "latest"})
MAX_LIMIT = 1000


@dataclass
class Threshold:
    """``<metric> <op> <value>`` as typed; metric None when the request does not say which."""

    op: str
    value: float
    unit: str | None
    money: float | None
    text: str
    metric: str | None = None


@dataclass
class Quantities:
    """Every number understood in a request."""

    thresholds: list[Threshold] = field(default_factory=list)
    limit: int | None = None
    fraction: float | None = None  # "top 10%", "bottom quartile": a share of the properties
    peer_count: int | None = None
    months: int | None = None
    noi_shocks: list[float] = field(default_factory=list)
    rate_shocks: list[float] = field(default_factory=list)
    outlier_threshold: float | None = None
    maturity: dict[str, int | str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def read_quantities(tokens: Tokens) -> Quantities:
    """Read thresholds first, then counts and periods, then shocks from the numbers left."""
    found = Quantities()
    found.outlier_threshold = _outlier_threshold(tokens)
    found.maturity = _maturity(tokens)
    found.thresholds = _thresholds(tokens) + _risk_threshold(tokens)
    limit = _limit(tokens)
    if limit is not None and limit < 0:
        found.fraction = -limit
    elif limit is not None:
        found.limit = int(limit)
    found.peer_count = _peer_count(tokens)
    found.months = _months(tokens)
    _shocks(tokens, found)
    return found


def _claim(*tokens: Token) -> None:
    for token in tokens:
        token.owner = "quantity"


def _free_numbers(tokens: Tokens) -> list[Token]:
    return [t for t in tokens if t.kind == "number" and t.owner is None]


def _next_number(tokens: Tokens, index: int, reach: int = 3) -> Token | None:
    for token in tokens.items[index + 1 : index + 1 + reach]:
        if token.kind == "number":
            return token if token.owner is None else None
        if not (token.is_word and token.word in _SKIP_BEFORE_NUMBER) and token.text != "$":
            return None
    return None


def _span_starts(tokens: Tokens, kind: str) -> list[Token]:
    """The first token of every tagged phrase with this meaning."""
    return [t for t in tokens if t.means(kind) and t.span is not None and t.span[0] == t.index]


# --- loan maturities ------------------------------------------------------------------------

_YEAR_FROM = frozenset({"after", "since", "from", "beyond"})
_YEAR_BEFORE = frozenset({"before", "prior", "until", "till", "ahead"})
_YEAR_BY = frozenset({"by", "through", "thru", "end", "including"})
_YEAR_IN = frozenset({"in", "during", "for", "of", "over"})
_RELATIVE = frozenset({"next", "within", "coming", "upcoming", "following"})


def _maturity(tokens: Tokens) -> dict[str, int | str]:
    """'maturing in 2027', 'due before 2028', 'coming due next year', 'within 18 months'."""
    if not any(t.means("maturity") for t in tokens):
        return {}
    found: dict[str, int | str] = {}
    for token in tokens:
        if token.kind == "number" and token.owner is None and token.unit is None:
            year = int(token.value or 0)
            if not (1990 <= year <= 2100 and float(token.value or 0).is_integer()):
                continue
            before = tokens.prev_word(token.index, skip=("the", "of", "year", "to"))
            word = before.word if before is not None else ""
            if word in _YEAR_BEFORE:
                found["before"] = f"{year}-01-01"
            elif word in _YEAR_BY:
                found["before"] = f"{year + 1}-01-01"
            elif word in _YEAR_FROM:
                found["from"] = f"{year + 1 if word in ('after', 'beyond') else year}-01-01"
            elif word in _YEAR_IN or before is None or before.means("maturity"):
                found["from"], found["before"] = f"{year}-01-01", f"{year + 1}-01-01"
            else:
                continue
            _claim(token)
            if before is not None:
                _use(*_phrase_of(tokens, before))
                if before.word == "prior":
                    _use(*tokens.items[before.index : token.index])
        elif token.is_word and token.word in _RELATIVE | {"this"} and not token.used:
            _relative(tokens, token, found)
    return found


def _relative(tokens: Tokens, token: Token, found: dict[str, int | str]) -> None:
    after = tokens.items[token.index + 1 : token.index + 4]
    words = [t for t in after if not (t.is_word and t.word in ("the", "a", "an", "next"))]
    if not words:
        return
    first = words[0]
    if first.is_word and first.key == "year" and token.word in ("next", "this", "following"):
        found["year_offset"] = 0 if token.word == "this" else 1
        _use(token, first, *[t for t in after if t.index < first.index])
        return
    if first.kind == "number" and first.owner is None and first.unit is None:
        unit = tokens[first.index + 1] if first.index + 1 < len(tokens) else None
        if unit is not None and (unit.means("months") or unit.means("years")):
            months = int(first.value or 0) * (12 if unit.means("years") else 1)
            found["within_months"] = months
            _claim(first)
            _use(token, unit, *[t for t in after if t.index < first.index])
            return
    if first.is_word and first.key in ("year", "month", "quarter") and token.word != "this":
        found["within_months"] = {"year": 12, "month": 1, "quarter": 3}[first.key]
        _use(token, first, *[t for t in after if t.index < first.index])


# --- thresholds -----------------------------------------------------------------------------


def _thresholds(tokens: Tokens) -> list[Threshold]:
    found = _between(tokens)
    for start in _span_starts(tokens, "comparator"):
        op = start.meaning("comparator")
        end = start.span[1] if start.span else start.index + 1
        if start.meaning("postfix"):
            number = tokens[start.index - 1] if start.index > 0 else None
            if number is None or number.kind != "number" or number.owner is not None:
                continue
            left_of = number.index
        else:
            number = _next_number(tokens, end - 1)
            if number is None:
                continue
            if _shock_follows(tokens, number.index) or _is_shock_list(tokens, number.index):
                if start.word in ("under", "with"):  # "DSCR under +100bp": the scenario's case
                    _use(start)
                continue
            if _names_period(tokens, number.index):
                continue
            left_of = start.index
        _claim(number)
        first = min(start.index, number.index)
        negation = _negation_before(tokens, start.index)
        if negation is not None:  # "not over 65%" is "at most 65%"
            op, first = NEGATED[op], negation.index
            _use(negation)
        _use(*tokens.items[start.index : end])
        _use_threshold_noun(tokens, number.index)
        text = tokens.words(first, max(end, number.index + 1))
        threshold = _make_threshold(op, number, text)
        threshold.metric = _counted_items(tokens, number) or (
            _metric_after(tokens, number.index) or _metric_before(tokens, left_of)
        )
        found.append(threshold)
    found += _presets(tokens)
    return found


_RISK_CUES = frozenset({"at", "using", "use", "with", "of", "threshold", "is", "cutoff", "=", "a"})


def _risk_threshold(tokens: Tokens) -> list[Threshold]:
    """'at risk at a 1.4x threshold', 'at-risk using 1.30': the threshold of the at-risk flag."""
    if not any(t.means("at_risk") for t in tokens):
        return []
    for number in _free_numbers(tokens):
        if number.unit not in ("x", None) or number.sign or not 0.5 <= (number.value or 0) <= 3:
            continue
        before = tokens.items[max(0, number.index - 3) : number.index]
        after = tokens.items[number.index + 1 : number.index + 3]
        cue = [t for t in before if t.word in _RISK_CUES or t.text == "="]
        noun = [t for t in after if t.is_word and t.key in _THRESHOLD_NOUNS]
        if not (cue or noun):
            continue
        _claim(number)
        for token in before[before.index(cue[0]) :] if cue else []:
            _use(token)
        _use_threshold_noun(tokens, number.index)
        return [Threshold("<", number.value or 0.0, "x", None, number.text, "dscr")]
    return []


NEGATED = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_NEGATIONS = frozenset({"not", "never", "isnt", "arent", "nt"})
_THRESHOLD_NOUNS = frozenset(
    {"covenant", "hurdle", "threshold", "floor", "cutoff", "trigger", "minimum", "min", "test"}
)


def _use(*tokens: Token) -> None:
    for token in tokens:
        token.used = True


def _negation_before(tokens: Tokens, index: int) -> Token | None:
    """'not', "isn't", 'never' right before a comparator (one filler word may sit between)."""
    for token in reversed(tokens.items[max(0, index - 2) : index]):
        if token.is_word and token.word in _NEGATIONS and not token.used:
            return token
        if not (token.is_word and token.word in ("is", "are", "be", "was")):
            return None
    return None


def _use_threshold_noun(tokens: Tokens, index: int) -> None:
    """'beats a 1.6x covenant': the covenant is the threshold itself, not the at-risk flag."""
    for token in tokens.items[index + 1 : index + 4]:
        if token.is_word and token.key in _THRESHOLD_NOUNS:
            token.meanings = tuple(m for m in token.meanings if m[0] != "at_risk")
            _use(token)
            return
        if not (token.is_word and (token.word in _SKIP_AFTER_NUMBER or token.means("metric"))):
            return


def _presets(tokens: Tokens) -> list[Threshold]:
    """Words that are a threshold by themselves: 'negative', 'underwater' (docs/DOMAIN.md)."""
    found: list[Threshold] = []
    for start in _span_starts(tokens, "preset"):
        metric, op, value = start.meaning("preset")
        end = start.span[1] if start.span else start.index + 1
        negation = _negation_before(tokens, start.index)
        if negation is not None:
            op = NEGATED[op]
            _use(negation)
        _use(*tokens.items[start.index : end])
        threshold = Threshold(op, value, None, None, tokens.words(start.index, end))
        threshold.unit = "exact"
        threshold.metric = (
            metric or _metric_before(tokens, start.index) or _metric_after(tokens, end - 1)
        )
        found.append(threshold)
    return found


def _between(tokens: Tokens) -> list[Threshold]:
    found: list[Threshold] = []
    for start in _span_starts(tokens, "between"):
        low = _next_number(tokens, start.index)
        joiner = tokens[low.index + 1] if low and low.index + 1 < len(tokens) else None
        high = (
            _next_number(tokens, joiner.index, 1)
            if joiner and joiner.word in ("and", "to")
            else None
        )
        if low is None or high is None:
            continue
        if low.unit is None and high.unit is not None:
            low.unit = high.unit
        _claim(low, high)
        _use(start, *([joiner] if joiner is not None else []))
        text = tokens.words(start.index, high.index + 1)
        metric = _metric_after(tokens, high.index) or _metric_before(tokens, start.index)
        for op, number in ((">=", low), ("<=", high)):
            found.append(_make_threshold(op, number, text))
            found[-1].metric = metric
    return found


def _make_threshold(op: str, number: Token, text: str) -> Threshold:
    value = number.value or 0.0
    money = MONEY.get(number.unit or "")
    return Threshold(op, value, number.unit, money, text)


def _is_shock_list(tokens: Tokens, index: int) -> bool:
    """'+50, +100 and +150 bps': signed numbers, or a list ending in basis points."""
    if tokens[index].sign:
        return True
    for token in tokens.items[index:]:
        if token.kind == "number":
            if token.unit == "bp":
                return True
            continue
        if token.text not in _SEPARATORS and token.word not in _SEPARATORS:
            return False
    return False


def _shock_follows(tokens: Tokens, index: int) -> bool:
    if tokens[index].unit == "x":  # "below 1.25x if NOI falls 15%": a multiple is no shock
        return False
    after = tokens.items[index + 1 : index + 4]
    return any(t.means("down") or t.means("scenario") for t in after)


_COUNTED = frozenset({"property", "asset", "building", "deal", "holding"})


def _counted_items(tokens: Tokens, number: Token) -> str | None:
    """'more than 3 properties': a number of properties (a group's count), not a metric value."""
    after = tokens[number.index + 1] if number.index + 1 < len(tokens) else None
    if number.unit is not None or after is None or after.key not in _COUNTED:
        return None
    _use(after)
    return "property_count"


def _metric_after(tokens: Tokens, index: int) -> str | None:
    for token in tokens.items[index + 1 : index + 4]:
        if token.means("metric"):
            return str(token.meaning("metric"))
        if not (token.is_word and token.word in _SKIP_AFTER_NUMBER):
            return None
    return None


def _metric_before(tokens: Tokens, index: int, reach: int = 8) -> str | None:
    for token in reversed(tokens.items[max(0, index - reach) : index]):
        if token.kind == "number" or token.text in _CLAUSE_END:
            return None
        if token.means("metric"):
            return str(token.meaning("metric"))
    return None


def _outlier_threshold(tokens: Tokens) -> float | None:
    """'3 standard deviations', '2 sigma', 'z-score above 2.5', 'k = 3 IQR'."""
    for number in _free_numbers(tokens):
        after = tokens[number.index + 1] if number.index + 1 < len(tokens) else None
        before = tokens.prev_word(number.index, skip=_OUTLIER_SKIP)
        if (after is not None and (after.means("zscore") or after.means("iqr"))) or (
            before is not None and before.means("zscore") and number.unit is None
        ):
            _claim(number)
            for token in reversed(tokens.items[max(0, number.index - 4) : number.index]):
                if (
                    token.text in _OUTLIER_SKIP
                    or token.word in _OUTLIER_SKIP
                    or token.word == "than"
                ):
                    _use(token)  # "more than 2 standard deviations", "z-score > 2.5"
                elif not token.means("comparator"):
                    break
                else:
                    _use(token)
            return number.value
    return None


# --- counts and periods ---------------------------------------------------------------------


def _is_count(token: Token | None) -> bool:
    return (
        token is not None
        and token.kind == "number"
        and token.owner is None
        and token.unit is None
        and not token.sign
        and token.value is not None
        and token.value.is_integer()
        and 0 < token.value <= MAX_LIMIT
    )


def _limit(tokens: Tokens) -> float | None:
    """'top 10', '10 best', 'lowest 3', '3 properties with the highest ...'; 'top 10%' and
    'top decile' are a share of the properties, returned negative (-0.1)."""
    for word in _span_starts(tokens, "rank"):
        end = word.span[1] if word.span else word.index + 1
        after = tokens[end] if end < len(tokens) else None
        before = tokens[word.index - 1] if word.index > 0 else None
        if _is_share(after) and after is not None:
            _claim(after)
            return -(after.value or 0.0) / 100  # a share of the properties: "top 10%"
        quantile = next(
            (t for t in tokens.items[end : end + 2] if t.means("quantile") and not t.used), None
        )
        if quantile is not None:
            _use(quantile)
            return -float(quantile.meaning("quantile"))
        for number in (after, before):
            if _is_count(number) and number is not None and not _names_period(tokens, number.index):
                _claim(number)
                return int(number.value or 0)
    if not _span_starts(tokens, "rank"):
        return None
    for number in _free_numbers(tokens):
        following = tokens[number.index + 1] if number.index + 1 < len(tokens) else None
        if _is_count(number) and following is not None and _is_noun(following):
            _claim(number)
            return int(number.value or 0)
    return None


def _is_share(token: Token | None) -> bool:
    return (
        token is not None
        and token.kind == "number"
        and token.owner is None
        and token.unit == "%"
        and not token.sign
        and 0 < (token.value or 0) <= 100
    )


def _peer_count(tokens: Tokens) -> int | None:
    """'against 5 similar properties', 'its 3 closest peers', '5 comps'."""
    comparing = any(t.means("compare") or t.means("peers") for t in tokens)
    for number in _free_numbers(tokens):
        after = tokens.items[number.index + 1 : number.index + 4]
        if _is_count(number) and comparing and any(t.means("peers") or _is_noun(t) for t in after):
            _claim(number)
            return int(number.value or 0)
    return None


def _is_noun(token: Token) -> bool:
    return token.means("noun") or token.means("group") or token.means("type")


def _names_period(tokens: Tokens, index: int) -> bool:
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    return following is not None and any(
        following.means(k) for k in ("months", "years", "quarters")
    )


def _months(tokens: Tokens) -> int | None:
    """'last 12 months', 'past 2 years', 'over the last quarter', 'past year'."""
    per = {"months": 1, "quarters": 3, "years": 12}
    for token in tokens:
        kind = next((k for k in per if token.means(k)), None)
        if kind is None:
            continue
        before = tokens[token.index - 1] if token.index > 0 else None
        if before is not None and before.kind == "number" and before.owner is None and before.value:
            before.owner = "period"  # consumed only if the analysis uses the period (a trend)
            tokens.period |= {token.index, *(t.index for t in _last_words(tokens, before.index))}
            tokens.period_months = int(before.value * per[kind])
            return int(before.value * per[kind])
        if before is not None and before.word in _LAST and kind != "months":
            tokens.period |= {token.index, before.index}
            tokens.period_months = per[kind]
            return per[kind]
    return None


def _last_words(tokens: Tokens, index: int) -> list[Token]:
    before = tokens[index - 1] if index > 0 else None
    return [before] if before is not None and before.word in _LAST else []


# --- shocks ---------------------------------------------------------------------------------


def _enumerations(tokens: Tokens) -> list[list[Token]]:
    """Runs of free numbers joined by ',', '/', 'and', 'or'; a trailing unit applies to all."""
    groups: list[list[Token]] = []
    current: list[Token] = []
    for token in tokens:
        if token.kind == "number" and token.owner is None:
            units = {t.unit for t in current if t.unit in ("%", "bp")}
            if token.unit in ("%", "bp") and units and token.unit not in units:
                groups.append(current)  # "NOI -10% and +100bp": two shocks, not one list
                current = []
            current.append(token)
        elif current and (token.text in _SEPARATORS or token.word in _SEPARATORS):
            nxt = tokens[token.index + 1] if token.index + 1 < len(tokens) else None
            if nxt is not None and nxt.kind == "number" and nxt.owner is None:
                continue
            groups.append(current)
            current = []
        elif current:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    for group in groups:
        unit = next((t.unit for t in reversed(group) if t.unit), None)
        for number in group:
            number.unit = number.unit or unit
        if unit is None and all(t.sign and 5 <= (t.value or 0) <= 1000 for t in group):
            before = tokens.prev_word(group[0].index, skip=("by", "of", "at"))
            if before is not None and before.means("rate_context"):
                for number in group:  # "rates +100": basis points
                    number.unit = "bp"
    for group in groups:
        for number in group:
            if number.unit == "pt" and not _on_rates(tokens, group):
                number.unit = "%"  # "NOI down 5 points": percentage points
    return [g for g in groups if all(t.unit in ("%", "bp", "pt") for t in g)]


def _on_rates(tokens: Tokens, group: list[Token]) -> bool:
    left, right = _window(tokens, group)
    return _shock_kind(right + left, group) == "rate"


def _window(tokens: Tokens, group: list[Token]) -> tuple[list[Token], list[Token]]:
    left: list[Token] = []
    for token in reversed(tokens.items[max(0, group[0].index - 6) : group[0].index]):
        if token.kind == "number" or token.text in _CLAUSE_END:
            break
        if token.text == "," or token.word in ("and", "with", "while", "plus", "but"):
            break  # "a 20% NOI haircut and 200bp rate shock": each shock keeps its own verb
        left.append(token)
    right: list[Token] = []
    for token in tokens.items[group[-1].index + 1 : group[-1].index + 5]:
        if token.kind == "number" or token.text in _CLAUSE_END or token.text in (",", "/"):
            break
        if token.word in ("and", "with", "while", "plus", "but"):
            break
        right.append(token)
    return left, right


def _shocks(tokens: Tokens, found: Quantities) -> None:
    stressed = any(t.means("scenario") for t in tokens)
    for group in _enumerations(tokens):
        left, right = _window(tokens, group)
        nearby = right + left
        kind = "rate" if group[-1].unit == "bp" else _shock_kind(nearby, group)
        if kind == "rate" and not any(t.means("rate_context") for t in nearby):
            moving = ("cap_rate", "ltv", "debt_yield", "occupancy", "expense_ratio")
            if any(t.means("metric") and t.meaning("metric") in moving for t in nearby):
                continue  # "cap rates compress 50bp" is not an interest-rate shock
        moved = any(t.means(k) for t in nearby for k in ("down", "up")) or any(
            t.sign for t in group
        )
        if kind is None or not (moved or stressed or group[-1].unit == "bp"):
            continue
        mover = next(
            (t for t in left[:3] + right + left[3:] if t.means("down") or t.means("up")), None
        )
        direction = None
        if mover is not None:
            direction = "down" if mover.means("down") else "up"
            _use(*_phrase_of(tokens, mover))
        _use(*(t for t in nearby if t.means(f"{kind}_context") or t.means("scenario")))
        for number in group:
            _claim(number)
            sign = {"-": "down", "+": "up"}.get(number.sign, direction)
            value = number.value or 0.0
            if kind == "noi":
                found.noi_shocks.append(-value if sign == "up" else value)
                continue
            if number.unit == "pt":
                raise RequestRejected(
                    f"'{number.text}' on rates: basis points or percentage points? Say "
                    f"'{value:g}bp' or '{value:g}%'.",
                    [f"rates up {value:g}bp", f"rates up {value:g}%"],
                )
            bp = value if number.unit == "bp" else value * 100
            if number.unit == "%":
                found.notes.append(f"read '{number.text}' on rates as {bp:+g} bp")
            found.rate_shocks.append(-bp if sign == "down" else bp)


def _phrase_of(tokens: Tokens, token: Token) -> list[Token]:
    start, end = token.span if token.span else (token.index, token.index + 1)
    return tokens.items[start:end]


def _shock_kind(nearby: list[Token], group: list[Token]) -> str | None:
    """The context word nearest the numbers decides ('NOI -10% / rates +200bp')."""
    first, last = group[0].index, group[-1].index
    nearby = sorted(nearby, key=lambda t: min(abs(t.index - first), abs(t.index - last)))
    for token in nearby:
        if token.means("rate_context"):
            return "rate"
        if token.means("noi_context"):
            return "noi"
    return None
