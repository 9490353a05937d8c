"""The contract between the LLM planner and a provider: messages in, one JSON object out.

A provider (``openai_provider``, ``anthropic_provider``) turns ``complete`` into its wire
protocol (JSON-schema response format or a forced tool call), retries 429 and 5xx with backoff
(honouring Retry-After), charges the ``Budget`` and records every exchange in the
``Transcript``. The planner sees only this module's types.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from meta_agent.errors import MetaAgentError

TRANSCRIPT_FILE = Path("llm") / "transcript.jsonl"  # inside the run folder
REDACTED = "***"
# Headers that carry credentials: their values are never recorded, whatever they hold.
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "x-api-key", "api-key", "cookie", "set-cookie"}
)


class LLMError(MetaAgentError):
    """The model could not give an answer we can use (the message says why, never the key)."""


class LLMUnavailable(LLMError):
    """The provider cannot be reached, timed out, refused the key, or kept failing after retries."""

    exit_code = 1
    http_status = 503


class LLMBudgetExceeded(LLMError):
    """The request's budget (tokens, seconds or money) is spent; nothing more is sent."""


@dataclass(frozen=True)
class ChatMessage:
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True)
class StructuredReply:
    """One answer of the model: the JSON object it produced, or why there is none."""

    data: dict[str, Any] | None  # parsed object; None when the output was not a JSON object
    raw: str  # the text (or tool-call arguments) exactly as the model sent it
    error: str | None  # why data is None, e.g. "not JSON: Expecting ',' at line 3"
    tokens_in: int
    tokens_out: int
    latency_s: float
    cost_usd: float | None  # None when no price is configured for the model


@dataclass
class Budget:
    """Limits for one request, enforced before every call and after every answer."""

    max_tokens: int | None = 120_000
    max_seconds: float | None = 120.0
    max_cost_usd: float | None = None
    # The longest answer one call asks for: a plan is a few hundred to ~2,000 tokens. A model
    # stuck repeating itself is stopped there, not when its context is full.
    max_answer_tokens: int = 4096
    tokens_used: int = 0
    seconds_used: float = 0.0
    cost_usd: float = 0.0
    calls: int = 0

    def check(self) -> None:
        """Raise LLMBudgetExceeded when any limit is reached."""
        if self.max_tokens is not None and self.tokens_used >= self.max_tokens:
            raise LLMBudgetExceeded(
                f"The LLM budget of {self.max_tokens:,} tokens for this request is spent "
                f"({self.tokens_used:,} used)."
            )
        if self.max_seconds is not None and self.seconds_used >= self.max_seconds:
            raise LLMBudgetExceeded(
                f"The LLM budget of {self.max_seconds:g} s for this request is spent."
            )
        if self.max_cost_usd is not None and self.cost_usd >= self.max_cost_usd:
            raise LLMBudgetExceeded(
                f"The LLM budget of ${self.max_cost_usd:.4f} for this request is spent "
                f"(${self.cost_usd:.4f} used)."
            )

    def charge(self, reply: StructuredReply) -> None:
        self.calls += 1
        self.tokens_used += reply.tokens_in + reply.tokens_out
        self.seconds_used += reply.latency_s
        self.cost_usd += reply.cost_usd or 0.0

    def charge_attempt(self, seconds: float) -> None:
        """A call that brought no answer (an error, a timeout): its time still counts."""
        self.calls += 1
        self.seconds_used += seconds

    def charge_wait(self, seconds: float) -> None:
        """Time spent waiting before a retry (backoff, Retry-After) counts as time on the model."""
        self.seconds_used += seconds

    def answer_cap(self) -> int:
        """The output tokens the next call may ask for: max_answer_tokens, or what is left."""
        remaining = self.remaining_tokens()
        cap = self.max_answer_tokens
        return cap if remaining is None else max(1, min(cap, remaining))

    def remaining_tokens(self) -> int | None:
        return None if self.max_tokens is None else max(0, self.max_tokens - self.tokens_used)

    def remaining_seconds(self) -> float | None:
        return None if self.max_seconds is None else max(0.0, self.max_seconds - self.seconds_used)


@dataclass
class Transcript:
    """Every request sent and response received, secrets redacted; kept in the run folder."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)  # values replaced by "***" when written

    def record(
        self, kind: Literal["request", "response", "error"], payload: dict[str, Any]
    ) -> None:
        self.entries.append({"kind": kind, **payload})

    def redacted(self) -> list[dict[str, Any]]:
        """The entries with every secret replaced by "***", credential headers included."""
        secrets = sorted({s for s in self.secrets if s}, key=len, reverse=True)
        return [_redact(entry, secrets) for entry in self.entries]

    def write(self, path: Path) -> Path:
        """Write ``path`` (``run_folder / TRANSCRIPT_FILE``) as JSON lines, secrets redacted."""
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = [json.dumps(entry, ensure_ascii=False, default=str) for entry in self.redacted()]
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        return path


def _redact(value: Any, secrets: Sequence[str]) -> Any:
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {
            key: REDACTED
            if isinstance(key, str) and key.lower() in SECRET_HEADERS
            else _redact(item, secrets)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact(item, secrets) for item in value]
    return value


class LLMClient(Protocol):
    """One configured model of one provider."""

    provider: str  # "openai" | "anthropic"
    model: str

    def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        schema: dict[str, Any],
        schema_name: str,
        budget: Budget,
        transcript: Transcript,
    ) -> StructuredReply:
        """Ask for one JSON object matching ``schema``; raise LLMUnavailable/LLMBudgetExceeded."""
        ...
