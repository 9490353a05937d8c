"""Request text -> tokens, and tokens -> tagged phrases (longest phrase first).

A token keeps what was typed (for messages and for spotting capitalised names), a lower-case
word, and for numbers the value, unit (``%``, ``x``, ``bp``, money multipliers) and sign.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from meta_agent.planning.vocabulary import NUMBER_WORDS, lemma

Meaning = tuple[str, Any]  # (kind, value), e.g. ("metric", "dscr")

_TOKEN = re.compile(
    r"(?P<number>(?:(?<![\w.])[+-])?\$?(?:\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)"
    r"(?:\s?(?:%|percent\b|pct\b|bps\b|bp\b|basis\s+points?\b|x\b|times\b|points?\b|pts\b"
    r"|k\b|mm\b|mn\b|m\b|bn\b|b\b"
    r"|million\b|billion\b|thousand\b))?)"
    r"|(?P<word>[a-z][a-z0-9_]*(?:'[a-z]+)?)"
    r"|(?P<op><=|>=|=<|=>|≤|≥|<|>|=)"
    r"|(?P<punct>[,;/()?!:+&-])"
)
_NUMBER = re.compile(
    r"(?P<sign>[+-])?(?P<money>\$)?(?P<num>[\d,]*\.?\d+)\s?(?P<unit>[a-z%]+(?:\s+points?)?)?"
)
_UNITS = {
    "%": "%",
    "percent": "%",
    "pct": "%",
    "bps": "bp",
    "bp": "bp",
    "basis point": "bp",
    "basis points": "bp",
    "x": "x",
    "times": "x",
    "point": "pt",
    "points": "pt",
    "pts": "pt",
    "k": "k",
    "thousand": "k",
    "m": "m",
    "mm": "m",
    "mn": "m",
    "million": "m",
    "b": "b",
    "bn": "b",
    "billion": "b",
}
_REWRITES = (
    (re.compile(r"[\u2018\u2019\u02bc]"), "'"),
    (re.compile(r"[\u2010-\u2015\u2212]"), "-"),
    # "LTV of 50-60%", "1.2-1.4x": a range (years and dates are left alone)
    (
        re.compile(
            r"(?<![\d.,+-])(\d{1,3}(?:\.\d+)?)\s?(%|x)?\s?-\s?(\d{1,3}(?:\.\d+)?)(?=\s?(?:%|x\b|pct|percent))"
        ),
        r"between \1\2 and \3",
    ),
    (re.compile(r"\bt-(12|twelve)\b", re.I), "t12"),
    (re.compile(r"\bw/o\b", re.I), " without "),
    (re.compile(r"\bw/(?=\s|$)", re.I), " with "),
    # "what % of NOI": a percent sign on its own is the word (never dropped as punctuation)
    (re.compile(r"(?<![\d.])(?<![\d.] )%"), " percent "),
    (re.compile(r"#\s*of\b", re.I), "number of"),
    (re.compile(r"\bno\.\s*of\b", re.I), "number of"),
    (re.compile(r"\by/y\b", re.I), "yoy"),
    (re.compile(r"\bm/m\b", re.I), "mom"),
    (re.compile(r"\bp&i\b", re.I), "p and i"),
    (re.compile(r"&"), " and "),
    (re.compile(r"(?<=[a-z])\.(?=[a-z]\.)|(?<=\b[a-z])\.(?=\s|$)", re.I), ""),
)


@dataclass
class Token:
    """One word, number, operator or punctuation mark of the request."""

    index: int
    text: str
    word: str
    kind: Literal["word", "number", "op", "punct"]
    value: float | None = None
    unit: str | None = None
    sign: str = ""
    money: bool = False
    key: str = ""
    meanings: tuple[Meaning, ...] = ()
    span: tuple[int, int] | None = None
    owner: str | None = None  # what claimed it: "property", "phrase", "quantity", ...
    used: bool = False  # a reader built a piece of meaning from it (see ``coverage``)

    @property
    def is_word(self) -> bool:
        return self.kind == "word"

    def means(self, kind: str) -> bool:
        return any(k == kind for k, _ in self.meanings)

    def meaning(self, kind: str) -> Any:
        for k, value in self.meanings:
            if k == kind:
                return value
        return None


@dataclass
class Tokens:
    """The tokens of one request plus what the original casing says."""

    text: str
    items: list[Token] = field(default_factory=list)
    mixed_case: bool = False
    period: set[int] = field(default_factory=set)  # "last 12 months": the words of a period
    period_months: int | None = None

    def __iter__(self) -> Iterator[Token]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> Token:
        return self.items[index]

    def words(self, start: int, end: int) -> str:
        """The typed text of tokens start..end-1, re-joined."""
        return " ".join(t.text for t in self.items[start:end] if t.kind != "punct" or t.text == "&")

    def prev_word(self, index: int, skip: Iterable[str] = ()) -> Token | None:
        skipped = set(skip)
        for token in reversed(self.items[:index]):
            if token.kind in ("word", "op") and token.word in skipped:
                continue
            return token
        return None

    def capitalised(self, index: int) -> bool:
        """Typed with a capital in a request that is neither all lower nor all upper case."""
        token = self.items[index]
        return self.mixed_case and token.text[:1].isupper() and index > 0


_UNITS_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS_WORDS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_FRACTIONS = {
    "half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fifth": 5,
    "fifths": 5, "tenth": 10, "tenths": 10, "twentieth": 20,
}  # fmt: skip
_SPELT = re.compile(r"[a-z]+|\d+(?:\.\d+)?|[^a-z\d]+", re.I)
_UNIT_AFTER = re.compile(
    r"\s*(?:-\s*)?(percent\b|pct\b|%|basis\s+points?\b|bps?\b|times\b|x\b|points?\b)", re.I
)


def spell_numbers(text: str) -> str:
    """Numbers written as words become digits: 'one point five times' -> '1.5 times',
    'twenty-five basis points' -> '25 basis points', 'two and a half percent' -> '2.5 percent',
    'a fifth' -> '20%'. 'One' alone (one property) and 'quarter' alone (a period) stay words."""
    parts = _SPELT.findall(text)
    out: list[str] = []
    i = 0
    while i < len(parts):
        parsed = _read_number(parts, i)
        if parsed is None:
            out.append(parts[i])
            i += 1
            continue
        value, end, fraction = parsed
        rest = "".join(parts[end:])
        unit = _UNIT_AFTER.match(rest)
        lone = value == 1 and end - i == 1 and parts[i].lower() in ("one", "a", "an")
        if lone and not unit:
            out.append(parts[i])
            i += 1
            continue
        out.append(f"{value * 100:.10g}%" if fraction and not unit else f"{value:.10g}")
        i = end
    return "".join(out)


def _word(parts: list[str], index: int) -> str:
    return parts[index].lower() if index < len(parts) else ""


def _skip_space(parts: list[str], index: int, hyphen: bool = True) -> int:
    if index < len(parts) and parts[index].strip(" -" if hyphen else " ") == "":
        return index + 1
    return index


def _integer(parts: list[str], i: int) -> tuple[float, int] | None:
    word = _word(parts, i)
    if word in _TENS_WORDS:
        value, end = float(_TENS_WORDS[word]), i + 1
        j = _skip_space(parts, end)
        if _word(parts, j) in _UNITS_WORDS and 0 < _UNITS_WORDS[_word(parts, j)] < 10:
            value, end = value + _UNITS_WORDS[_word(parts, j)], j + 1
    elif word in _UNITS_WORDS:
        value, end = float(_UNITS_WORDS[word]), i + 1
    elif word in ("a", "an") and _word(parts, _skip_space(parts, i + 1)) == "hundred":
        value, end = 1.0, i + 1
    else:
        return None
    j = _skip_space(parts, end, hyphen=False)
    if _word(parts, j) == "hundred":
        value, end = value * 100, j + 1
        k = _skip_space(parts, end, hyphen=False)
        if _word(parts, k) == "and" and _integer(parts, _skip_space(parts, k + 1)) is not None:
            rest = _integer(parts, _skip_space(parts, k + 1))
            if rest is not None and rest[0] < 100:
                value, end = value + rest[0], rest[1]
    return value, end


def _read_number(parts: list[str], i: int) -> tuple[float, int, bool] | None:
    """(value, end index, is a fraction of a whole) for a number written in words at ``i``."""
    word = _word(parts, i)
    if word in ("a", "an", "one") or word in _UNITS_WORDS or word in _TENS_WORDS:
        j = _skip_space(parts, i + 1)
        if word in ("a", "an", "one") and _word(parts, j) in _FRACTIONS:
            if _word(parts, j) in ("quarter", "quarters") and word != "one":
                pass  # "a quarter" is also a period; only "one quarter" is a fraction
            else:
                return 1 / _FRACTIONS[_word(parts, j)], j + 1, True
    whole = _integer(parts, i)
    if whole is None:
        return None
    value, end = whole
    j = _skip_space(parts, end, hyphen=False)
    nxt = _word(parts, j)
    if nxt == "point":  # "one point five", "one point two five"
        digits, k = "", _skip_space(parts, j + 1, hyphen=False)
        while _word(parts, k) in _UNITS_WORDS and _UNITS_WORDS[_word(parts, k)] < 10:
            digits += str(_UNITS_WORDS[_word(parts, k)])
            end = k + 1
            k = _skip_space(parts, end, hyphen=False)
        if digits:
            value = float(f"{int(value)}.{digits}")
        return value, end, False
    if nxt == "and" and _word(parts, _skip_space(parts, j + 1, False)) in ("a", "an"):
        k = _skip_space(parts, _skip_space(parts, j + 1, False) + 1, False)
        if _word(parts, k) == "half":
            return value + 0.5, k + 1, False
    if nxt in _FRACTIONS and nxt not in ("quarter",) and value > 1 and nxt.endswith("s"):
        return value / _FRACTIONS[nxt], j + 1, True  # "two thirds"
    if parts[i].lower() in _UNITS_WORDS and value == 1 and nxt == "half":
        return 0.5, j + 1, True
    return value, end, False


def tokenize(text: str) -> Tokens:
    """Split a request into tokens; words are lower-cased, numbers parsed."""
    rewritten = spell_numbers(text)
    for pattern, replacement in _REWRITES:
        rewritten = pattern.sub(replacement, rewritten)
    lowered = rewritten.lower()
    original = rewritten if len(rewritten) == len(lowered) else lowered
    letters = [c for c in text if c.isalpha()]
    mixed = any(c.isupper() for c in letters) and any(c.islower() for c in letters)
    result = Tokens(text=text, mixed_case=mixed)
    for match in _TOKEN.finditer(lowered):
        typed = original[match.start() : match.end()]
        token = _make_token(len(result.items), match, typed)
        if token is not None:
            result.items.append(token)
    return result


def _make_token(index: int, match: re.Match[str], typed: str) -> Token | None:
    group = match.lastgroup
    raw = match.group()
    if group == "number":
        return _number_token(index, raw, typed)
    if group == "word":
        word = raw[:-2] if raw.endswith("'s") else raw.replace("'", "")
        if word in NUMBER_WORDS:
            return Token(index, typed, "", "number", value=float(NUMBER_WORDS[word]))
        return Token(index, typed, word, "word", key=lemma(word))
    if group == "punct" and raw == "-":
        return None  # hyphens join words ("at-risk", "mixed-use"): read them as spaces
    kind: Literal["op", "punct"] = "op" if group == "op" else "punct"
    return Token(index, typed, raw, kind, key=raw)


def _number_token(index: int, raw: str, typed: str) -> Token:
    parsed = _NUMBER.match(raw.strip())
    if parsed is None:  # pragma: no cover - the token pattern guarantees a match
        raise ValueError(f"not a number: {raw!r}")
    unit = parsed.group("unit")
    return Token(
        index,
        typed,
        "",
        "number",
        value=float(parsed.group("num").replace(",", "")),
        unit=_UNITS.get(" ".join(unit.split())) if unit else None,
        sign=parsed.group("sign") or "",
        money=bool(parsed.group("money")),
    )


def phrase_key(phrase: str) -> tuple[str, ...]:
    """The lookup key of a vocabulary phrase."""
    return tuple(lemma(word) for word in phrase.lower().replace("-", " ").split())


class PhraseTable:
    """Phrases and their meanings; tagging claims the longest phrases first."""

    def __init__(self) -> None:
        self._phrases: dict[tuple[str, ...], list[Meaning]] = {}
        self.longest = 1

    def add(self, phrase: str, kind: str, value: Any = None) -> None:
        key = phrase_key(phrase)
        meanings = self._phrases.setdefault(key, [])
        if (kind, value) not in meanings:
            meanings.append((kind, value))
        self.longest = max(self.longest, len(key))

    def add_all(self, groups: Mapping[Any, Iterable[str]], kind: str) -> None:
        for value, phrases in groups.items():
            for phrase in phrases:
                self.add(phrase, kind, value)

    def words(self) -> set[str]:
        return {word for key in self._phrases for word in key}

    def phrases(self) -> list[tuple[str, ...]]:
        return list(self._phrases)

    def get(self, key: tuple[str, ...]) -> list[Meaning] | None:
        return self._phrases.get(key)

    def merged(self, other: PhraseTable) -> PhraseTable:
        table = PhraseTable()
        for source in (self, other):
            for key, meanings in source._phrases.items():
                table._phrases.setdefault(key, []).extend(
                    m for m in meanings if m not in table._phrases.get(key, [])
                )
            table.longest = max(table.longest, source.longest)
        return table

    def tag(self, tokens: Tokens, priority: Iterable[str] = ("metric",)) -> None:
        """Give free word tokens the meanings of the longest phrases they form."""
        preferred = tuple(priority)
        found: list[tuple[int, int, int, list[Meaning]]] = []
        items = tokens.items
        for start in range(len(items)):
            for length in range(min(self.longest, len(items) - start), 0, -1):
                window = items[start : start + length]
                if any(t.owner is not None or t.kind not in ("word", "op") for t in window):
                    continue
                meanings = self._phrases.get(tuple(t.key for t in window))
                if meanings:
                    rank = min(
                        (preferred.index(k) for k, _ in meanings if k in preferred),
                        default=len(preferred),
                    )
                    found.append((-length, rank, start, meanings))
        for negative_length, _, start, meanings in sorted(found, key=lambda f: f[:3]):
            window = items[start : start - negative_length]
            if any(t.owner is not None for t in window):
                continue
            for token in window:
                token.owner = "phrase"
                token.meanings = tuple(meanings)
                token.span = (start, start - negative_length)
