"""What a test needs from the machine: a skip on a user's machine, a failure under CI=true.

Skips are for what a machine lacks (a service, a binary), never for our own code's errors; CI
runs on a machine that has everything, so there a missing need is a broken setup.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def unavailable(reason: str) -> NoReturn:
    """Skip with ``reason``, or fail under CI=true where every need must be met."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI=true requires it.")
    pytest.skip(reason)
