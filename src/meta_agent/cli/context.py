"""State shared by the commands of one invocation."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class State:
    """Global options of one ``meta-agent`` invocation."""

    debug: bool = False
