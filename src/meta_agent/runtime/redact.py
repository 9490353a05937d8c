"""Secret values never leave the runtime: every line is redacted before it is written or streamed.

This guards against accidents (a traceback that prints a connection URL, a tool that logs its
request); it is not a data-loss filter against a script that *wants* to leak a secret it was given
(it can print it reversed or encoded), which is why scripts only receive the secrets they declare.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"


class Redactor:
    """Replaces every known secret value, and its common encodings, with ``***``."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        variants: set[str] = set()
        for value in secrets:
            if not value:
                continue
            # Raw, URL-encoded (as in a database URL) and JSON/repr-escaped forms.
            variants.update(
                {value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]}
            )
            variants.add(value.encode("unicode_escape").decode("ascii"))
        # Longest first, so a secret containing another is masked whole.
        self._values = sorted((v for v in variants if v), key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._values)

    def __call__(self, text: str) -> str:
        for value in self._values:
            if value in text:
                text = text.replace(value, MASK)
        return text


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
