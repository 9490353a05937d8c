"""Which properties, markets, cities and states a request names, matched against the portfolio.

``PortfolioDirectory`` is the list of properties the planner may name (one SQL query, or rows in
tests). ``Resolver`` finds property names in a request, fuzzily: a name is recognised by its
distinctive words ("Fashion" in "Orlando Fashion Square"), typos and abbreviations ("Fashon Sq")
are forgiven, and a match is taken only when it is well ahead of the next candidate.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from meta_agent.errors import RequestRejected
from meta_agent.planning.directory import COLUMNS, PortfolioDirectory, PropertyEntry
from meta_agent.planning.tokens import PhraseTable, Token, Tokens
from meta_agent.planning.vocabulary import CITY_ALIASES, US_STATES, lemma
from meta_agent.planning.words import (
    GENERIC_NAME_WORDS,
    NAME_ABBREVIATIONS,
    NAME_CUES,
    NAME_SUFFIXES,
    ORDINARY_WORDS,
)

logger = logging.getLogger(__name__)

__all__ = [
    "COLUMNS",
    "FoundProperty",
    "PortfolioDirectory",
    "PropertyEntry",
    "Resolver",
    "name_tokens",
]

MIN_SCORE = 70.0  # below this a name is not recognised at all
MIN_MARGIN = 10.0  # the best name must lead the next one by this much to be taken
SUGGESTION_CUTOFF = 70.0
WORD_TYPO_CUTOFF = 75.0  # fuzz.ratio of two words that could be one mistyped ('lofs' ~ 'lofts': 89)
_STOP = frozenset({"the", "at", "of", "and", "on", "in", "a"})


@dataclass
class FoundProperty:
    """A property named in the request: where, how sure, and the words used."""

    entry: PropertyEntry
    start: int
    end: int
    text: str
    score: float
    exact: bool
    excluded: bool = False  # "other than Orlando Fashion Square": everything but this one


@dataclass
class _Index:
    tokens_of: dict[str, tuple[str, ...]] = field(default_factory=dict)
    distinctive: dict[str, frozenset[str]] = field(default_factory=dict)
    by_token: dict[str, set[str]] = field(default_factory=dict)
    by_lemma: dict[str, str] = field(default_factory=dict)
    fuzzy_choices: list[str] = field(default_factory=list)


def name_tokens(text: str) -> tuple[str, ...]:
    """A name as lower-case words with abbreviations spelled out ("Fashion Sq" -> fashion square)."""
    text = text.lower().replace("'s", "").replace("&", " and ")
    cleaned = "".join(c if c.isalnum() else " " for c in text)
    return tuple(NAME_ABBREVIATIONS.get(w, w) for w in cleaned.split())


class Resolver:
    """Finds property names and places of one portfolio in request tokens."""

    def __init__(self, directory: PortfolioDirectory, known_words: Iterable[str] = ()) -> None:
        self.directory = directory
        self.known_words = frozenset(known_words)
        self.location_words = self._location_words()
        self.index = self._build_index()
        self.places = self._place_phrases()

    # --- indexes ------------------------------------------------------------------------------

    def _location_words(self) -> frozenset[str]:
        words: set[str] = set()
        for text in [*self.directory.cities, *self.directory.markets, *US_STATES.values()]:
            words.update(name_tokens(text))
        words.update(code.lower() for code in US_STATES)
        return frozenset(words)

    def _build_index(self) -> _Index:
        index = _Index()
        counts: dict[str, int] = {}
        for entry in self.directory.entries:
            toks = name_tokens(entry.name)
            index.tokens_of[entry.property_id] = toks
            for tok in set(toks):
                counts[tok] = counts.get(tok, 0) + 1
                index.by_token.setdefault(tok, set()).add(entry.property_id)
                index.by_lemma.setdefault(lemma(tok), tok)
        common = max(3, len(self.directory) // 20)
        generic = GENERIC_NAME_WORDS | self.location_words | _STOP
        for pid, toks in index.tokens_of.items():
            index.distinctive[pid] = frozenset(
                t for t in toks if t not in generic and counts[t] < common and not t.isdigit()
            )
        index.fuzzy_choices = sorted(t for t in index.by_token if len(t) >= 4)
        return index

    def _place_phrases(self) -> PhraseTable:
        table = PhraseTable()
        for code, name in US_STATES.items():
            table.add(name, "state", code)
            table.add(f"{name} state", "state", code)
            table.add(f"state of {name}", "state", code)
        for city in self.directory.cities:
            table.add(" ".join(name_tokens(city)), "city", city)
            table.add(f"city of {' '.join(name_tokens(city))}", "city_only", city)
        for market in self.directory.markets:
            for words in _market_names(market):
                for suffix in ("", " market", " metro", " msa", " area", " metro area"):
                    table.add(words + suffix, "market", market)
                table.add(f"greater {words}", "market", market)
        known = {" ".join(name_tokens(c)) for c in self.directory.cities}
        known |= {w for m in self.directory.markets for w in _market_names(m)}
        for alias, city in CITY_ALIASES.items():
            if city in known:
                for kind, value in self._place_meanings(city):
                    table.add(alias, kind, value)
        return table

    def _place_meanings(self, words: str) -> list[tuple[str, str]]:
        found = [("city", c) for c in self.directory.cities if " ".join(name_tokens(c)) == words]
        found += [("market", m) for m in self.directory.markets if words in _market_names(m)]
        return found

    # --- properties ---------------------------------------------------------------------------

    def find_properties(self, tokens: Tokens) -> list[FoundProperty]:
        """Every property named in the request; RequestRejected when a name is ambiguous."""
        found = self._by_id(tokens) + self._exact_names(tokens)
        found += self._fuzzy_names(tokens)
        self._check_neighbours(tokens, found)
        return sorted(found, key=lambda f: f.start)

    def _exact_names(self, tokens: Tokens) -> list[FoundProperty]:
        """A property's full name, typed as it is, beats every partial or fuzzy reading
        ("Galleria Dallas NOI" is that property, not the Dallas market)."""
        names: dict[tuple[str, ...], PropertyEntry] = {}
        for entry in self.directory.entries:
            key = tuple(t for t in name_tokens(entry.name) if t != "the")
            if len(key) >= 2:
                names.setdefault(key, entry)
        if not names:
            return []
        longest = max(len(k) for k in names)
        found = []
        items = tokens.items
        start = 0
        while start < len(items):
            hit = None
            for length in range(min(longest, len(items) - start), 1, -1):
                window = items[start : start + length]
                if any(t.owner is not None or not t.is_word for t in window):
                    continue
                key = tuple(NAME_ABBREVIATIONS.get(t.word, t.word) for t in window)
                if key in names:
                    hit = (names[key], length)
                    break
            if hit is None:
                start += 1
                continue
            entry, length = hit
            for token in items[start : start + length]:
                token.owner = "property"
                token.meanings = (("property", entry.property_id),)
            typed = tokens.words(start, start + length)
            literal = all(t.word in name_tokens(entry.name) for t in items[start : start + length])
            found.append(FoundProperty(entry, start, start + length, typed, 100.0, literal))
            start += length
        return found

    def _check_neighbours(self, tokens: Tokens, found: list[FoundProperty]) -> None:
        """'DSCR for Marlow Hotl': a word beside a found name that is a typo of one of that
        name's own words is part of the name, misspelt: read with it (and said so), never left
        over as another word. The correction is unique: it is the name already found."""
        from rapidfuzz.distance import OSA

        for position, hit in enumerate(found):
            rest = [w for w in name_tokens(hit.entry.name) if w not in _STOP]
            for index in (hit.end, hit.start - 1):
                if not 0 <= index < len(tokens):
                    continue
                token = tokens[index]
                if token.owner is not None or not token.is_word or len(token.word) < 3:
                    continue
                if token.word in self.known_words or token.word in self.location_words:
                    continue
                if any(OSA.distance(token.word, w) <= (1 if len(w) < 6 else 2) for w in rest):
                    start, end = min(index, hit.start), max(index + 1, hit.end)
                    token.owner = "property"
                    token.meanings = (("property", hit.entry.property_id),)
                    hit = FoundProperty(
                        hit.entry, start, end, tokens.words(start, end), hit.score, False
                    )
                    found[position] = hit

    def _fuzzy_names(self, tokens: Tokens) -> list[FoundProperty]:
        found: list[FoundProperty] = []
        matches = {t.index: self._token_matches(t) for t in tokens if t.owner is None}
        pending = _runs(tokens, matches)
        while pending:
            run = pending.pop(0)
            hit = self._best_for_run(tokens, run, matches)
            if hit is None:
                continue
            found.append(hit)
            for token in tokens.items[hit.start : hit.end]:
                token.owner = "property"
                token.meanings = (("property", hit.entry.property_id),)
            pending += [
                part for part in _split(run, hit.start, hit.end) if _has_content(tokens, part)
            ]
        return found

    def _by_id(self, tokens: Tokens) -> list[FoundProperty]:
        found = []
        for token in tokens:
            entry = self.directory.get(token.word) if token.is_word else None
            if entry is not None and ("_" in token.word or token.word not in self.known_words):
                token.owner = "property"
                token.meanings = (("property", entry.property_id),)
                found.append(
                    FoundProperty(entry, token.index, token.index + 1, token.text, 100, True)
                )
        return found

    def _token_matches(self, token: Token) -> dict[str, float]:
        """Name words this request word may stand for, with a similarity 0-100."""
        if not token.is_word or token.owner is not None:
            return {}
        word = NAME_ABBREVIATIONS.get(token.word, token.word)
        if word in self.index.by_token:
            return {word: 100.0}
        if lemma(word) in self.index.by_lemma:
            return {self.index.by_lemma[lemma(word)]: 99.0}
        if len(word) < 5 or word in self.known_words or word in self.location_words:
            return {}
        return _fuzzy_words(word, self.index.fuzzy_choices)

    def _best_for_run(
        self, tokens: Tokens, run: list[int], matches: dict[int, dict[str, float]]
    ) -> FoundProperty | None:
        candidates: set[str] = set()
        for i in run:
            for word in matches[i]:
                candidates |= self.index.by_token.get(word, set())
        scored = [s for pid in sorted(candidates) if (s := self._score(tokens, run, matches, pid))]
        if not scored:
            return None
        scored.sort(key=lambda s: (-s[0].score, -len(s[1]), s[0].entry.property_id))
        best, evidence = scored[0]
        rivals = [f for f, e in scored[1:] if e & evidence and best.score - f.score < MIN_MARGIN]
        if rivals:
            names = [best.entry.name, *(r.entry.name for r in rivals)]
            raise RequestRejected(
                f"'{best.text}' could be more than one property ({', '.join(names)}); "
                "please give the full name.",
                suggestions=names,
            )
        return best

    def _score(
        self, tokens: Tokens, run: list[int], matches: dict[int, dict[str, float]], pid: str
    ) -> tuple[FoundProperty, set[int]] | None:
        """How well the words of ``run`` name property ``pid``, and the words that say so."""
        from rapidfuzz import fuzz

        name_toks = self.index.tokens_of[pid]
        distinctive = self.index.distinctive[pid]
        cluster = _cluster(run, matches, set(name_toks), distinctive)
        while cluster and tokens[cluster[0]].word in _STOP:
            cluster = cluster[1:]
        while cluster and tokens[cluster[-1]].word in _STOP:
            cluster = cluster[:-1]
        if not cluster:
            return None
        best_word = {
            i: max((w for w in matches[i] if w in name_toks), key=lambda w: matches[i][w])
            for i in cluster
        }
        evidence = {i for i in cluster if best_word[i] in distinctive}
        matched = set(best_word.values())
        if not evidence and not (set(name_toks) - _STOP) <= matched:
            return None
        cover = len(matched & distinctive) / len(distinctive) if distinctive else 1.0
        if not self._confident(tokens, cluster, cover):
            return None
        whole = (set(name_toks) - _STOP) <= matched
        if not whole and _names_another(tokens, cluster, name_toks):
            return None
        corrected = " ".join(best_word[i] for i in cluster)
        name = " ".join(name_toks)
        score = 0.6 * fuzz.token_set_ratio(corrected, name) + 40 * cover
        if score < MIN_SCORE:
            return None
        content = " ".join(t for t in name_toks if t not in _STOP)
        exact = " ".join(best_word[i] for i in cluster if best_word[i] not in _STOP) == content
        exact = exact and all(tokens[i].word == best_word[i] for i in cluster)
        start, end = cluster[0], cluster[-1] + 1
        typed = tokens.words(start, end)
        entry = self.directory.by_id[pid]
        return FoundProperty(entry, start, end, typed, round(score, 1), exact), evidence or set(
            cluster
        )

    def _confident(self, tokens: Tokens, cluster: list[int], cover: float) -> bool:
        """One ordinary word ("grand", "bay") names a property only with a cue or a capital."""
        if len(cluster) >= 2:
            return True
        token = tokens[cluster[0]]
        ordinary = token.word in self.known_words or token.word in ORDINARY_WORDS
        if not ordinary and len(token.word) >= 5:
            return True
        before = tokens.prev_word(token.index, skip=("the",))
        cue = before is not None and before.word in NAME_CUES
        return cover == 1.0 and (cue or tokens.capitalised(token.index))

    # --- places and suggestions ---------------------------------------------------------------

    def close_names(self, text: str, limit: int = 3) -> list[str]:
        """Property names that look like ``text``, best first; judged on the distinctive words."""
        from rapidfuzz import fuzz, process

        words = name_tokens(text)
        telling = [w for w in words if w not in GENERIC_NAME_WORDS and w not in _STOP]
        choices = {}
        for entry in self.directory.entries:
            toks = self.index.tokens_of[entry.property_id]
            kept = [t for t in toks if t not in GENERIC_NAME_WORDS] if telling else list(toks)
            choices[entry.name] = " ".join(kept or toks)
        query = " ".join(telling or words)
        ranked = process.extract(
            query, choices, scorer=fuzz.WRatio, limit=limit, score_cutoff=SUGGESTION_CUTOFF
        )
        # WRatio's partial matching scores a few shared letters high ('galleria' ~ 'alder'):
        # a suggestion must also share a word, or a typo of one, with what was typed.
        tokens_of = {
            entry.name: self.index.tokens_of[entry.property_id] for entry in self.directory.entries
        }
        return [
            name
            for _, _, name in ranked
            if any(
                fuzz.ratio(typed, known) >= WORD_TYPO_CUTOFF
                for typed in (telling or words)
                for known in tokens_of[name]
            )
        ]

    def close_places(self, text: str, limit: int = 5) -> list[str]:
        """Markets and states that look like ``text``; all markets when none do."""
        from rapidfuzz import fuzz, process

        choices = [*self.directory.markets, *(US_STATES[s].title() for s in self.directory.states)]
        ranked = process.extract(text, choices, scorer=fuzz.WRatio, limit=limit, score_cutoff=70)
        return [choice for choice, _, _ in ranked] or self.directory.markets[:limit]


def _market_names(market: str) -> list[str]:
    """'Dallas-Fort Worth, TX' -> ['dallas fort worth', 'dallas', 'fort worth']."""
    head = market.split(",")[0]
    parts = [" ".join(name_tokens(p)) for p in head.replace("/", "-").split("-")]
    whole = " ".join(name_tokens(head))
    return list(dict.fromkeys([whole, *(p for p in parts if p)]))


def _cluster(
    run: list[int],
    matches: dict[int, dict[str, float]],
    name: set[str],
    distinctive: frozenset[str],
) -> list[int]:
    """The longest stretch of ``run`` whose words all belong to the name, best evidence first."""
    stretches: list[list[int]] = [[]]
    for i in run:
        if name & set(matches[i]):
            stretches[-1].append(i)
        elif stretches[-1]:
            stretches.append([])
    scored = [
        (sum(1 for i in s if distinctive & set(matches[i])), len(s), s) for s in stretches if s
    ]
    if not scored:
        return []
    return max(scored, key=lambda item: (item[0], item[1], -item[2][0]))[2]


def _names_another(tokens: Tokens, cluster: list[int], name: tuple[str, ...]) -> bool:
    """'Regancy Plaza' is not Regency Flats: a building word right after the match is not ours."""
    after = cluster[-1] + 1
    if after >= len(tokens):
        return False
    word = NAME_ABBREVIATIONS.get(tokens[after].word, tokens[after].word)
    return word in NAME_SUFFIXES and word not in name and lemma(word) not in name


def _split(run: list[int], start: int, end: int) -> list[list[int]]:
    return [[i for i in run if i < start], [i for i in run if i >= end]]


def _has_content(tokens: Tokens, part: list[int]) -> bool:
    return any(tokens[i].word not in _STOP for i in part)


def _runs(tokens: Tokens, matches: dict[int, dict[str, float]]) -> list[list[int]]:
    """Maximal runs of consecutive tokens that may be words of a name."""
    runs: list[list[int]] = []
    current: list[int] = []
    for token in tokens:
        if matches.get(token.index):
            current.append(token.index)
            continue
        if current:
            runs.append(current)
        current = []
    if current:
        runs.append(current)
    return [r for r in runs if any(tokens[i].word not in _STOP for i in r)]


def _fuzzy_words(word: str, choices: list[str]) -> dict[str, float]:
    """Name words within one edit (two for long words) of ``word``."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    limit = 1 if len(word) < 8 else 2
    found = process.extract(word, choices, scorer=OSA.distance, score_cutoff=limit, limit=5)
    return {choice: 100.0 - 10 * distance for choice, distance, _ in found}
