"""What the tagged words of a request say: metrics, scope, groupings, rankings, outputs, flags.

``read_signals`` only collects; ``requirements`` decides what the request asks for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from meta_agent.errors import RequestRejected
from meta_agent.planning.resolve import FoundProperty
from meta_agent.planning.tokens import Token, Tokens
from meta_agent.planning.vocabulary import (
    AMBIGUOUS_STATE_CODES,
    GROUP_FIGURES,
    US_STATES,
    word_set,
)
from meta_agent.planning.words import LISTING_VERBS

_FLAGS = word_set(
    """trend outliers zscore iqr correlation spearman kendall compare peers scenario report at_risk
    audience deliverable all_metrics share maturity interest_only lender yoy mom change"""
)
_ITEMS = frozenset({"property", "asset", "building", "deal", "loan", "holding"})
_GROUP_LEADS = frozenset({"by", "per", "each", "every", "across", "which", "what", "among"})
_NOT_NOUNS = frozenset(
    {
        "all",
        "each",
        "every",
        "any",
        "whole",
        "entire",
        "everything",
        "anything",
        "portfolio",
        "book",
        "cre",
        "commercial",
        "real estate",
        "one",
    }
)
_DEBT_LINKS = frozenset({"those", "ones", "that", "which", "with", "have", "has", "carrying"})
_EXCLUDE_SKIP = frozenset(
    {"the", "any", "all", "in", "and", "or", "of", "our", ",", "ones", "those"}
)


@dataclass
class Signals:
    """Everything the tagged words say, in the order they were typed."""

    metrics: list[str] = field(default_factory=list)
    metric_at: list[tuple[str, int]] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    excluded_types: list[str] = field(default_factory=list)
    markets: list[str] = field(default_factory=list)
    cities: list[str] = field(default_factory=list)
    states: list[str] = field(default_factory=list)
    excluded_places: dict[str, list[str]] = field(default_factory=dict)
    has_debt: bool | None = None
    aggregations: list[str] = field(default_factory=list)
    group_by: str | None = None
    ranks: list[tuple[str, int]] = field(default_factory=list)
    rank_words: dict[int, str] = field(default_factory=dict)  # what was typed, by token index
    flags: set[str] = field(default_factory=set)
    outputs: list[str] = field(default_factory=list)
    listing: bool = False
    nouns: bool = False
    singular: bool = False  # "which property ...": one answer wanted
    either_or: bool = False  # "DSCR < 1 or LTV > 80%"
    loans: bool = False  # the request speaks of loans
    item_noun: bool = False  # "property", "asset", "building": the request is about items
    not_at_risk: bool = False  # "which assets are not at risk": the complement is asked for
    explicit_trend: bool = False  # "trend", "over time", "monthly": a series, not one change
    per_item: bool = False  # "each property", "by asset": something for every property
    asks_which: bool = False  # "which ...", "list ...": the items themselves are the answer
    items_named: bool = False  # an item noun outside a group phrase ("property type" is a group)
    weighted: bool = False  # "weighted average" was asked
    per_group: bool = False  # "per market", "in each state": something within every group
    group_subject: bool = (
        False  # "which markets have ...", "markets with ...": groups are asked for
    )
    notes: list[str] = field(default_factory=list)


def tag_state_codes(tokens: Tokens) -> None:
    """Two-letter state codes: common words ("in", "or") count only in capitals after a cue."""
    for token in tokens:
        code = token.word.upper()
        if not token.is_word or token.owner is not None or len(code) != 2 or code not in US_STATES:
            continue
        before = tokens[token.index - 1] if token.index > 0 else None
        cue = before is not None and (
            before.text == "," or before.word in ("in", "across", "and", "or")
        )
        if token.word in AMBIGUOUS_STATE_CODES:
            typed_upper = token.text.isupper() and tokens.mixed_case
            if not (typed_upper and cue):
                continue
        token.owner = "phrase"
        token.meanings = (("state", code),)
        token.span = (token.index, token.index + 1)


def _spans(tokens: Tokens) -> list[Token]:
    return [t for t in tokens if t.span is not None and t.span[0] == t.index]


def read_signals(tokens: Tokens) -> Signals:
    """Collect the meanings of tagged phrases."""
    found = Signals()
    excluding = -1
    exclusion: Token | None = None
    previous: Token | None = None
    for token in _spans(tokens):
        kinds = {k for k, _ in token.meanings}
        if "exclude" in kinds and not kinds & {"type", "metric"} and not token.used:
            excluding, exclusion = _end(token), token
            continue
        if excluding >= 0 and kinds == {"noun"} and (token.key in _ITEMS or token.key == "one"):
            _read_one(tokens, token, kinds, False, previous, found)  # "excluding properties ..."
            continue
        negated = excluding >= 0 and _continues_exclusion(tokens, excluding, token.index)
        if negated and exclusion is not None:  # the exclusion word is read with what it excludes
            for word in tokens.items[exclusion.index : _end(exclusion)]:
                word.used = True
        excluding = _end(token) if negated else -1
        _read_one(tokens, token, kinds, negated, previous, found)
        previous = token
    if _portfolio_figure(tokens) and "aggregate" not in found.aggregations:
        found.aggregations.append("aggregate")
        found.notes.append(
            "a portfolio's ratio is its aggregate figure (DOMAIN.md): a ratio of sums, "
            "occupancy weighted by square feet"
        )
    found.listing = any(t.is_word and t.word in LISTING_VERBS for t in tokens)
    found.singular = _asks_for_one(tokens)
    found.loans = any(t.key == "loan" for t in tokens)
    found.item_noun = any(t.key in _ITEMS for t in tokens)
    in_groups = {i for t in _spans(tokens) if t.means("group") and t.span for i in range(*t.span)}
    found.items_named = any(t.key in _ITEMS and t.index not in in_groups for t in tokens)
    found.weighted = any(t.word == "weighted" for t in tokens)
    found.not_at_risk = _negated_at_risk(tokens)
    found.per_item = _per_item(tokens)
    found.asks_which = any(t.is_word and t.word in ("which", "list", "name") for t in tokens)
    counted = _counts_items(tokens) if found.group_subject else None
    if counted is not None and "count" not in found.aggregations:
        _count_groups(tokens, counted, found)
    found.either_or = any(t.word == "or" and t.owner is None and not t.meanings for t in tokens)
    return found


_PORTFOLIO = frozenset({"portfolio", "book", "portfolios"})
# "the DSCR of the Dallas market": a group noun after "of the" names one group (DOMAIN.md).
_GROUP_NOUNS = frozenset({"portfolio", "book", "market", "metro", "sector", "segment", "msa"})
_PORTFOLIO_SKIP = ("level", "wide", "the", "our", "whole", "entire", "total", "my", "s")


def _portfolio_figure(tokens: Tokens) -> bool:
    """'portfolio DSCR', 'our portfolio's LTV', 'the LTV of the portfolio': one group figure."""
    items = any(t.key in _ITEMS or t.word in ("each", "every", "per", "by") for t in tokens)
    if not items and _figure_of_a_group(tokens):
        return True
    for token in tokens:
        if token.word not in _PORTFOLIO or token.owner == "property" or items:
            continue
        after = next(
            (t for t in tokens.items[token.index + 1 :] if t.word not in _PORTFOLIO_SKIP), None
        )
        if after is not None and after.means("metric"):
            return True
        before = tokens.prev_word(token.index, skip=_PORTFOLIO_SKIP)
        if before is not None and before.word == "of":
            return True
        whole = tokens.prev_word(token.index, skip=("the", "our", "my"))
        if whole is not None and whole.word in ("whole", "entire", "total") and before is not None:
            return before.word in ("for", "across", "on", "over")
    return False


def _figure_of_a_group(tokens: Tokens) -> bool:
    """'DSCR of the Dallas market', 'cap rate for the Texas portfolio' (one metric, singular)."""
    metrics = [t for t in tokens if t.means("metric") and t.span and t.span[0] == t.index]
    if len(metrics) != 1:
        return False
    metric = metrics[0]
    if metric.meaning("metric") not in GROUP_FIGURES:
        return False
    end = metric.span[1] if metric.span else metric.index + 1
    if tokens[end - 1].word != tokens[end - 1].key:  # "cap rates for the industrial book": a list
        return False
    after = tokens.items[end : end + 2]
    if not after or after[0].word not in ("of", "for") or after[1:2] and after[1].word != "the":
        return False
    rest = tokens.items[end + 2 :]
    for token in rest:
        if token.word in _GROUP_NOUNS:
            return True
        if not (token.means("type") or token.means("market") or token.means("state")):
            return False
    return False


def _asks_for_one(tokens: Tokens) -> bool:
    """'which property has ...', 'the highest cap rate asset': one answer, not a list."""
    nouns = [  # one per phrase: "by property type" is one group word, led by "by"
        t
        for t in tokens
        if (t.means("noun") or t.means("group"))
        and t.word not in _NOT_NOUNS
        and (t.span is None or t.span[0] == t.index)
    ]
    nouns = [
        t
        for t in nouns
        if (tokens.prev_word(t.index) or t).word not in _GROUP_LEADS - {"which", "what"}
    ]
    return bool(nouns) and not any(_plural(tokens, t) for t in nouns)


def _plural(tokens: Tokens, phrase: Token) -> bool:
    """A phrase is plural when its last word is ("property types", not "property")."""
    last = tokens.items[phrase.span[1] - 1] if phrase.span else phrase
    return last.word != last.key


_NEGATIONS = frozenset({"not", "aren't", "arent", "isn't", "isnt", "never", "non"})
_BEFORE_AT_RISK = ("currently", "yet", "considered", "flagged", "on", "the", "a", "an", "-")


_SCOPE_MEANINGS = ("type", "state", "market", "city", "city_only")


def _per_item(tokens: Tokens) -> bool:
    """'each Florida property', 'by asset', 'per building': a figure for every property."""
    for token in tokens:
        if token.key not in _ITEMS - {"loan"}:
            continue
        before = token.index - 1
        while before >= 0 and (
            tokens[before].word in ("the", "our")
            or any(tokens[before].means(k) for k in _SCOPE_MEANINGS)
        ):
            before -= 1
        if before >= 0 and tokens[before].word in ("each", "per", "by", "every"):
            return True
    return False


def mark_excluded_names(tokens: Tokens, found: list[FoundProperty]) -> None:
    """'top 5 NOI ex Orlando Fashion Square', 'other than Marlow Hotel': names left out."""
    for hit in found:
        before = hit.start - 1
        while before >= 0 and tokens[before].word in ("the", "a", "an"):
            before -= 1
        if before < 0 or not tokens[before].means("exclude") or tokens[before].used:
            continue
        span = tokens[before].span
        start = span[0] if span is not None else before
        for word in tokens.items[start : before + 1]:
            word.used = True
        hit.excluded = True


def _negated_at_risk(tokens: Tokens) -> bool:
    """'not at risk', "aren't on the watch list": the negation is read with the at-risk phrase."""
    for token in _spans(tokens):
        if not token.means("at_risk"):
            continue
        before = tokens.prev_word(token.index, skip=_BEFORE_AT_RISK)
        if before is not None and before.word in _NEGATIONS:
            before.used = True
            return True
    return False


_COUNT_RANKS = frozenset({"most", "fewest", "least"})
_COUNTED_QUALIFIERS = frozenset({"at", "risk", "at-risk", "of", "the", "our", "leveraged"})


def _counts_items(tokens: Tokens) -> Token | None:
    """'the most properties', 'fewest at-risk assets': groups ranked by how many items they hold.

    Returns the rank word ("most", "fewest"), or None.
    """
    for token in tokens:
        if token.word not in _COUNT_RANKS or not token.means("rank"):
            continue
        for after in tokens.items[_end(token) : _end(token) + 4]:
            if after.key in _ITEMS and after.key != "loan":
                return token
            qualifies = after.word in _COUNTED_QUALIFIERS or after.means("type")
            if not (qualifies or after.means("at_risk")):
                break
    return None


def _count_groups(tokens: Tokens, rank: Token, found: Signals) -> None:
    """'which market has the most at-risk properties': count per group, most first.

    "most at risk" is otherwise a rank of its own ("the most at-risk assets" = the worst DSCR);
    here it is "the most" of the at-risk properties.
    """
    found.aggregations.append("count")
    group = next(t for t in _spans(tokens) if t.means("group"))
    found.singular = not _plural(tokens, group)  # "which market": one answer
    if rank.meaning("rank") == "worst":
        found.flags.add("at_risk")
        found.ranks = [("desc" if i == rank.index else m, i) for m, i in found.ranks]


def _end(token: Token) -> int:
    return token.span[1] if token.span else token.index + 1


def _continues_exclusion(tokens: Tokens, start: int, index: int) -> bool:
    between = tokens.items[start:index]
    target = tokens[index]
    wanted = target.means("type") or any(target.means(k) for k in ("state", "market", "city"))
    if target.means("has_debt"):  # "excluding properties without debt", "except those with no debt"
        return all(
            t.word in _EXCLUDE_SKIP or t.key in _ITEMS or t.word in _DEBT_LINKS for t in between
        )
    return wanted and all(
        t.word in _EXCLUDE_SKIP or t.text in _EXCLUDE_SKIP or t.key in _ITEMS for t in between
    )


def _read_one(
    tokens: Tokens,
    token: Token,
    kinds: set[str],
    negated: bool,
    previous: Token | None,
    found: Signals,
) -> None:
    if "metric" in kinds:
        _add(found.metrics, token.meaning("metric"))
        found.metric_at.append((str(token.meaning("metric")), token.index))
    if "type" in kinds:
        _add(found.excluded_types if negated else found.types, token.meaning("type"))
    if kinds & {"state", "market", "city", "city_only"}:
        _read_place(tokens, token, negated, previous, found)
    if "has_debt" in kinds:
        found.has_debt = bool(token.meaning("has_debt")) != negated
    if "agg" in kinds:
        _add(found.aggregations, token.meaning("agg"))
    if "group" in kinds and _leads_group(tokens, token):
        found.group_by = found.group_by or token.meaning("group")
        lead = tokens.prev_word(token.index, skip=("the", "in", "within", "for"))
        found.per_group = found.per_group or (lead is not None and lead.word in ("per", "each"))
        found.group_subject = found.group_subject or _group_is_subject(tokens, token)
    if "rank" in kinds:
        found.ranks.append((token.meaning("rank"), token.index))
        found.rank_words[token.index] = token.word
    if "output" in kinds:
        _add(found.outputs, token.meaning("output"))
    if "noun" in kinds:
        found.nouns = True
    found.flags |= kinds & _FLAGS
    if "trend" in kinds and not kinds & {"yoy", "mom", "change"}:
        found.explicit_trend = True


def _leads_group(tokens: Tokens, token: Token) -> bool:
    """'by market', 'per state', 'which market', 'top 3 markets', 'markets with ...'."""
    before = tokens.prev_word(token.index, skip=("the", "property", "asset", "each"))
    lead = tokens[token.index - 1] if token.index > 0 else None
    for t in (before, lead):
        if t is not None and (t.word in _GROUP_LEADS or t.kind == "number" or t.means("rank")):
            return True
    return _group_is_subject(tokens, token)


_SUBJECT_LEADS = frozenset({"which", "what", "whats"})
_SUBJECT_FOLLOWERS = frozenset({"with", "where", "whose", "having", "that"})
_SUBJECT_OPENERS = frozenset({"me", "all", "the", "any"})


def _group_is_subject(tokens: Tokens, token: Token) -> bool:
    """The groups themselves are asked for: 'which markets have ...', 'show markets where ...'."""
    before = tokens.prev_word(token.index, skip=("the", "property", "asset"))
    if before is not None and before.word in _SUBJECT_LEADS:
        return True
    end = token.span[1] if token.span else token.index + 1
    after = tokens[end] if end < len(tokens) else None
    if after is None or after.word not in _SUBJECT_FOLLOWERS:
        return False
    opener = tokens.prev_word(token.index, skip=_SUBJECT_OPENERS)
    return opener is None or opener.word in LISTING_VERBS


def _read_place(
    tokens: Tokens, token: Token, negated: bool, previous: Token | None, found: Signals
) -> None:
    meanings = dict[str, list[str]]()
    for kind, value in token.meanings:
        meanings.setdefault(kind, []).append(value)
    end = token.span[1] if token.span else token.index + 1
    after = tokens[end] if end < len(tokens) else None
    typed = tokens.words(token.index, end)
    if "city_only" in meanings or (
        after is not None and after.word == "city" and "city" in meanings
    ):
        kind, values = "cities", meanings.get("city_only") or meanings["city"]
    elif "market" in meanings:
        kind, values = "markets", meanings["market"]
        if len(values) > 1:
            raise RequestRejected(
                f"'{typed}' could be more than one market ({', '.join(values)}); say which.",
                values,
            )
        if typed.lower() != values[0].split(",")[0].lower() or "city" in meanings:
            found.notes.append(f"read '{typed}' as the {values[0]} market")
    elif "city" in meanings:
        kind, values = "cities", meanings["city"]
    else:
        kind, values = "states", meanings["state"]
        if _same_state(previous, values[0]):
            return  # "Orlando, FL": the state only repeats the market's
    if negated:
        found.excluded_places.setdefault(kind, []).extend(values)
        return
    for value in values:
        _add(getattr(found, kind), value)


def _same_state(previous: Token | None, code: str) -> bool:
    if previous is None:
        return False
    for kind, value in previous.meanings:
        if kind in ("market", "city", "city_only") and str(value).endswith(code):
            return True
    return False


def _add(items: list[str], value: object) -> None:
    if value is not None and value not in items:
        items.append(str(value))
