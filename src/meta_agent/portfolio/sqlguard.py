"""Validation of free-form SQL before it reaches the database: one read-only SELECT, nothing else.

A small tokenizer (no SQL parser is a dependency) reads the query the way SQLite and PostgreSQL
lex it: strings, quoted identifiers, comments, bind parameters, words. The statement that runs is
rebuilt from those tokens with the comments removed, so the database executes exactly what was
checked. Anything unusual enough to lex differently on the two databases (backticks, square
brackets, ``$`` quoting, ``E''`` strings) is refused rather than interpreted. The read-only
connection is the second line of defence; this check is the first and gives the clearer message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from meta_agent.errors import UnsafeQuery

MAX_QUERY_CHARS = 20_000  # a hand-written analytical query is far shorter; longer is suspect

# fmt: off
# Words that start or smuggle in anything but reading: statements, transaction and session
# control, row locks, SELECT ... INTO (creates a table on PostgreSQL).
FORBIDDEN_WORDS = frozenset(
    {
    "insert", "update", "delete", "drop", "alter", "create", "attach", "detach", "pragma", "copy",
    "truncate", "grant", "revoke", "vacuum", "reindex", "analyze", "call", "do", "exec", "execute",
    "merge", "upsert", "load", "set", "reset", "begin", "commit", "rollback", "savepoint",
    "release", "lock", "listen", "notify", "unlisten", "prepare", "deallocate", "declare",
    "cluster", "comment", "security", "refresh", "discard", "checkpoint", "import", "into",
    "returning",
    }
)
# Functions and catalogues that reach outside the portfolio: files, extensions, settings,
# other databases, system catalogues (prefixes below).
FORBIDDEN_NAMES = frozenset(
    {
    "load_extension", "readfile", "writefile", "edit", "fts3_tokenizer", "zipfile", "dblink",
    "dblink_exec", "set_config", "current_setting", "nextval", "setval", "txid_current",
    "information_schema", "sqlite_master", "sqlite_schema",
    }
)
# fmt: on
FORBIDDEN_PREFIXES = ("pg_", "sqlite_", "lo_")
LOCK_CLAUSES = {("for", "share"), ("key", "share"), ("for", "no")}

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_PARAM = re.compile(r":([A-Za-z_][A-Za-z0-9_]*)")
_PUNCT = set("(),.*+-/%<>=!|&~^,")


@dataclass(frozen=True)
class Token:
    """One lexical unit of a query."""

    kind: str  # word, string, identifier, number, param, punct, space, comment, semicolon
    text: str


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed validation: the text to run and the parameters it names."""

    sql: str
    parameters: frozenset[str]


def tokenize(query: str) -> list[Token]:
    """Split a query into tokens; UnsafeQuery on anything unterminated or not allowed."""
    tokens: list[Token] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            j = i + 1
            while j < n and query[j].isspace():
                j += 1
            tokens.append(Token("space", query[i:j]))
        elif query.startswith("--", i):
            j = query.find("\n", i)
            j = n if j < 0 else j
            tokens.append(Token("comment", query[i:j]))
        elif query.startswith("/*", i):
            j = query.find("*/", i + 2)
            if j < 0:
                raise UnsafeQuery("The query has an unterminated /* comment.")
            j += 2
            tokens.append(Token("comment", query[i:j]))
        elif ch in "'\"":
            j = _closing_quote(query, i, ch)
            if ch == "'" and tokens and tokens[-1].text in ("e", "E"):
                raise UnsafeQuery(
                    "Escape strings (E'...') are not accepted; use plain '...' strings."
                )
            tokens.append(Token("string" if ch == "'" else "identifier", query[i:j]))
        elif ch == ":" and not query.startswith("::", i) and (match := _PARAM.match(query, i)):
            if tokens and tokens[-1].text == ":":
                raise UnsafeQuery("Malformed parameter near ':'.")
            j = match.end()
            tokens.append(Token("param", query[i:j]))
        elif ch == ":" and query.startswith("::", i):
            j = i + 2
            tokens.append(Token("punct", "::"))
        elif ch == ";":
            j = i + 1
            tokens.append(Token("semicolon", ";"))
        elif match := _WORD.match(query, i):
            j = match.end()
            tokens.append(Token("word", query[i:j]))
        elif match := _NUMBER.match(query, i):
            j = match.end()
            tokens.append(Token("number", query[i:j]))
        elif ch in _PUNCT:
            j = i + 1
            tokens.append(Token("punct", ch))
        else:
            raise UnsafeQuery(
                f"The character {ch!r} is not accepted in a query (backticks, square brackets and "
                "'$' quoting are refused); quote identifiers with double quotes and pass values "
                "as :name parameters."
            )
        i = j
    return tokens


def check_select(query: str) -> CheckedQuery:
    """Validate one read-only SELECT (or WITH ... SELECT); the text to run, or UnsafeQuery."""
    if not isinstance(query, str):
        raise TypeError("query must be a string")
    if len(query) > MAX_QUERY_CHARS:
        raise UnsafeQuery(f"The query is longer than {MAX_QUERY_CHARS} characters.")
    # A comment becomes a space: "SELECT/**/1" must not turn into "SELECT1".
    tokens = [Token("space", " ") if t.kind == "comment" else t for t in tokenize(query)]
    code = [t for t in tokens if t.kind != "space"]
    if code and code[-1].kind == "semicolon":
        code.pop()
        last = max(i for i, t in enumerate(tokens) if t.kind == "semicolon")
        tokens = tokens[:last]
    if not code:
        raise UnsafeQuery("The query is empty; send one SELECT statement.")
    if any(t.kind == "semicolon" for t in code):
        raise UnsafeQuery("Only one statement is accepted: remove the ';' between statements.")
    first = next((t for t in code if t.text != "("), code[0])
    if first.kind != "word" or first.text.lower() not in ("select", "with"):
        raise UnsafeQuery(
            f"Only SELECT (or WITH ... SELECT) queries are accepted, not {first.text.upper()!r}; "
            "the portfolio database is read-only."
        )
    words = [t.text.lower() for t in code if t.kind == "word"]
    for position, token in enumerate(code):
        if token.kind == "identifier":
            _check_name(token.text[1:-1].replace('""', '"'))
        if token.kind != "word":
            continue
        word = token.text.lower()
        following = code[position + 1] if position + 1 < len(code) else None
        if word == "replace" and following is not None and following.text == "(":
            continue  # the replace() string function, not REPLACE INTO
        if word in FORBIDDEN_WORDS or word == "replace":
            raise UnsafeQuery(
                f"The query contains {word.upper()!r}: only reading is allowed (one SELECT, "
                "no data changes, no session or transaction commands)."
            )
        _check_name(token.text)
    for pair in zip(words, words[1:], strict=False):
        if pair in LOCK_CLAUSES:
            raise UnsafeQuery("Row-locking clauses (FOR SHARE / FOR UPDATE) are not accepted.")
    sql = "".join(t.text for t in tokens).strip()
    names = frozenset(t.text[1:] for t in code if t.kind == "param")
    return CheckedQuery(sql, names)


def _check_name(name: str) -> None:
    lowered = name.lower()
    if lowered in FORBIDDEN_NAMES or lowered.startswith(FORBIDDEN_PREFIXES):
        raise UnsafeQuery(
            f"The query uses {name!r}, which reaches outside the portfolio tables; query "
            "properties, financials, loans, valuations or market_data."
        )


def _closing_quote(query: str, start: int, quote: str) -> int:
    """Index just past the quote closing the string or identifier opened at ``start``."""
    i = start + 1
    while True:
        j = query.find(quote, i)
        if j < 0:
            kind = "string" if quote == "'" else "quoted identifier"
            raise UnsafeQuery(f"The query has an unterminated {kind}.")
        if query.startswith(quote * 2, j):
            i = j + 2  # a doubled quote stands for itself
            continue
        return j + 1
