"""HTTP answers other than success that are not errors of the library (401 for a missing token)."""

from __future__ import annotations


class ServiceError(Exception):
    """An HTTP answer raised inside a handler; the app turns it into JSON with its status."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers
