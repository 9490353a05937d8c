"""Secret values never leave the runtime: every line is redacted before it is written or streamed.

This is defence in depth, against accidents (a traceback that prints a connection URL, a tool
that logs its request, an API that echoes the key it was sent). It cannot stop a script that
*wants* to leak a secret it holds (it can print it spaced or encoded), which is why no script
ever holds one: credentials stay with the host's broker (broker.py), and database passwords are
taken out of the URL a sandbox sees (environment.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"


class Redactor:
    """Replaces every known secret value, and its common encodings, with ``***``."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        forms: set[str] = set()
        reversed_forms: set[str] = set()
        for value in secrets:
            if not value:
                continue
            # Raw, URL-encoded (as in a database URL) and JSON/repr-escaped forms.
            forms.update({value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]})
            forms.add(value.encode("unicode_escape").decode("ascii"))
            reversed_forms.add(value[::-1])  # the cheapest disguise; no list of them is complete
        # Longest first, so a secret containing another is masked whole; at equal length the
        # forward forms first, so "abab" masks as two "ab" rather than around a "ba".
        ranked = [(v, 0) for v in forms] + [(v, 1) for v in reversed_forms - forms]
        ranked.sort(key=lambda item: (-len(item[0]), item[1], item[0]))
        self._values = [v for v, _ in ranked if v]

    def __bool__(self) -> bool:
        return bool(self._values)

    def __call__(self, text: str) -> str:
        for value in self._values:
            if value in text:
                text = text.replace(value, MASK)
        return text

    def scrub_bytes(self, data: bytes) -> bytes:
        """The same replacement on raw bytes (an answer body, whatever its encoding)."""
        for value in self._values:
            raw = value.encode("utf-8")
            if raw in data:
                data = data.replace(raw, MASK.encode())
        return data


def database_password(url: str | None) -> str | None:
    """The password inside a database URL, if any (so it can be redacted)."""
    if not url or "@" not in url:
        return None  # no user part, so no password: not worth importing SQLAlchemy (~0.2 s)
    from sqlalchemy.engine import make_url

    try:
        password = make_url(url).password
        return None if password is None else str(password)
    except Exception:  # noqa: BLE001 - an unparsable URL has no password we can find
        return None
