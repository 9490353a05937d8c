"""Request text -> RequirementAnalysis: the offline parser behind the rule-based planner.

The request is tokenised, property names are found (fuzzily, see ``resolve``), typos are fixed
against the vocabulary, phrases are tagged longest first, numbers are read in context
(``quantities``), and the result is checked: anything that cannot be understood with confidence
is refused with suggestions rather than guessed (``refusals``). Every reading that is not literal
is stated in ``analysis.interpretations``.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from meta_agent.errors import RequestRejected
from meta_agent.formulas import DEFAULT_AT_RISK_THRESHOLD as DEFAULT_THRESHOLD
from meta_agent.planning.coverage import Account, account, unexplained
from meta_agent.planning.describe import describe_goal, restate
from meta_agent.planning.english import ENGLISH_LOOKALIKES
from meta_agent.planning.models import RequirementAnalysis
from meta_agent.planning.quantities import read_quantities
from meta_agent.planning.reading import Reading
from meta_agent.planning.refusals import (
    check_leftovers,
    is_unknown,
    refuse_actions,
    refuse_changes,
    refuse_out_of_scope,
    refuse_unexplained,
    refuse_without_intent,
)
from meta_agent.planning.resolve import PortfolioDirectory, Resolver
from meta_agent.planning.signals import mark_excluded_names, read_signals, tag_state_codes
from meta_agent.planning.tokens import PhraseTable, Tokens, tokenize
from meta_agent.planning.vocabulary import (
    AGGREGATION_WORDS,
    ALL_METRICS_WORDS,
    BETWEEN_WORDS,
    COMPARATORS,
    DEBT_SCOPE,
    EXCLUDE_WORDS,
    GROUP_WORDS,
    INTENT_WORDS,
    LOAN_WORDS,
    METRIC_SYNONYMS,
    METRICS,
    OUTPUT_WORDS,
    POSTFIX_COMPARATORS,
    PRESET_THRESHOLDS,
    PROPERTY_TYPES,
    QUANTILE_WORDS,
    RANK_WORDS,
    SHARE_WORDS,
    UNSUPPORTED_METRICS,
    lemma,
)
from meta_agent.planning.words import (
    ACTION_WORDS,
    COMMON_WORDS,
    DATA_OBJECTS,
    FILLER_WORDS,
    FORECAST_WORDS,
    LISTING_VERBS,
    OFF_DOMAIN_WORDS,
    ORDINARY_WORDS,
    PROPERTY_NOUNS,
    QUESTION_WORDS,
    STRONG_WRITE_VERBS,
    WEAK_WRITE_VERBS,
)

TAG_PRIORITY = (
    "preset", "metric", "has_debt", "unsupported", "type", "comparator", "rank", "agg"
)  # fmt: skip


@lru_cache(maxsize=1)
def vocabulary_table() -> PhraseTable:
    """The phrase table of the domain vocabulary (places are added per portfolio)."""
    table = PhraseTable()
    table.add_all(METRIC_SYNONYMS, "metric")
    table.add_all(PROPERTY_TYPES, "type")
    table.add_all(GROUP_WORDS, "group")
    table.add_all(AGGREGATION_WORDS, "agg")
    table.add_all(RANK_WORDS, "rank")
    table.add_all(COMPARATORS, "comparator")
    table.add_all(OUTPUT_WORDS, "output")
    table.add_all(DEBT_SCOPE, "has_debt")
    for kind, phrases in INTENT_WORDS.items():
        for phrase in phrases:
            table.add(phrase, kind)
    for phrase, label in UNSUPPORTED_METRICS.items():
        table.add(phrase, "unsupported", label)
    singles = {
        "postfix": POSTFIX_COMPARATORS,
        "between": BETWEEN_WORDS,
        "exclude": EXCLUDE_WORDS,
        "write_strong": STRONG_WRITE_VERBS,
        "write_weak": WEAK_WRITE_VERBS,
        "action": ACTION_WORDS,
        "offdomain": OFF_DOMAIN_WORDS,
        "forecast": FORECAST_WORDS,
        "noun": PROPERTY_NOUNS,
    }
    for kind, words in singles.items():
        for word in words:
            table.add(word, kind, True)
    table.add("how much", "agg", "sum")
    for kind, phrases in LOAN_WORDS.items():
        for phrase in phrases:
            table.add(phrase, kind, True)
    for phrase, preset in PRESET_THRESHOLDS.items():
        table.add(phrase, "preset", preset)
    for phrase, share in QUANTILE_WORDS.items():
        table.add(phrase, "quantile", share)
    for phrase in ALL_METRICS_WORDS:
        table.add(phrase, "all_metrics", True)
    for phrase in SHARE_WORDS:
        table.add(phrase, "share", True)
    return table


@lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    """Every word the parser understands or may safely ignore."""
    words = set(vocabulary_table().words()) | COMMON_WORDS | FILLER_WORDS | LISTING_VERBS
    words |= QUESTION_WORDS
    words |= DATA_OBJECTS | ORDINARY_WORDS | ENGLISH_LOOKALIKES
    return frozenset(words | {lemma(w) for w in words})


class RequestParser:
    """Reads requests about one portfolio."""

    def __init__(
        self,
        directory: PortfolioDirectory,
        at_risk_threshold: float = DEFAULT_THRESHOLD,
        extra_metrics: Iterable[str] = (),
    ) -> None:
        """``extra_metrics``: metrics declared by registered tools (see rule_based)."""
        self.directory = directory
        self.at_risk_threshold = at_risk_threshold
        declared = PhraseTable()
        for metric in extra_metrics:
            for phrase in METRICS[metric].synonyms:
                declared.add(phrase, "metric", metric)
        self.known = known_words() | declared.words()
        self.resolver = Resolver(directory, self.known)
        self.table = vocabulary_table().merged(self.resolver.places).merged(declared)
        targets = self.table.words() | self.resolver.location_words
        self.typo_targets = sorted(w for w in targets if len(w) >= 4 and w.isalpha())

    def analyse(self, request: str) -> RequirementAnalysis:
        """Understand ``request`` or raise RequestRejected saying what was not understood."""
        return self.read(request)[1]

    def account(self, request: str) -> list[Account]:
        """What became of every token of an understood request (for tests and debugging)."""
        tokens, analysis = self.read(request)
        return account(tokens, analysis)

    def read(self, request: str) -> tuple[Tokens, RequirementAnalysis]:
        """The tokens of ``request`` and its analysis; RequestRejected when not understood."""
        text = " ".join(request.split())
        if not text:
            raise RequestRejected(
                "The request is empty: describe what you want, e.g. "
                "'Calculate DSCR for all properties and identify at-risk assets'."
            )
        tokens = tokenize(text)
        found = self.resolver.find_properties(tokens)
        notes = self._correct_typos(tokens)
        self.table.tag(tokens, TAG_PRIORITY)
        tag_state_codes(tokens)
        refuse_changes(tokens)
        refuse_actions(tokens)
        quantities = read_quantities(tokens)
        signals = read_signals(tokens)
        mark_excluded_names(tokens, found)
        signal = bool(signals.metrics or found or signals.types or signals.flags)
        shocked = bool(quantities.noi_shocks or quantities.rate_shocks)
        refuse_out_of_scope(tokens, signal, shocked)
        ignored = check_leftovers(tokens, self.resolver, self.known)
        reading = Reading(
            text,
            self.directory,
            found,
            signals,
            quantities,
            notes + signals.notes,
            self.at_risk_threshold,
        )
        if not reading.has_intent():
            refuse_without_intent(tokens, ignored)
        if ignored and reading.weak_intent():
            refuse_without_intent(tokens, ignored)
        analysis = reading.build()
        analysis.goal = describe_goal(analysis, self.directory)
        analysis.restatement = restate(analysis, self.directory)
        left = unexplained(tokens, analysis)
        if left:
            refuse_unexplained(left, analysis, self.table)
        return tokens, analysis

    def _correct_typos(self, tokens: Tokens) -> list[str]:
        """Fix misspelt vocabulary words ("ocupancy", "dcsr") when one fix is clearly best."""
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        notes = []
        for token in tokens:
            if not is_unknown(token, self.known) or len(token.word) < 4 or not token.word.isalpha():
                continue
            if token.word in self.resolver.location_words:
                continue
            limit = 1 if len(token.word) < 8 else 2
            found = process.extract(
                token.word, self.typo_targets, scorer=OSA.distance, score_cutoff=limit, limit=3
            )
            best = (
                [choice for choice, distance, _ in found if distance == found[0][1]]
                if found
                else []
            )
            if len(best) != 1 or not _plausible_fix(token.word, best[0]):
                continue
            notes.append(f"read '{token.text}' as '{best[0]}'")
            token.word, token.key = best[0], lemma(best[0])
        return notes


def _plausible_fix(typed: str, fix: str) -> bool:
    """Four-letter words are fixed only for a swap of two letters ("dcsr" -> "dscr")."""
    if len(typed) > 4:
        return True
    return sorted(typed) == sorted(fix) and len(fix) == len(typed)
