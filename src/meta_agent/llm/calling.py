"""The call loop both providers share: budget, timeout, retries with backoff, transcript.

We retry ourselves (the SDKs run with ``max_retries=0``) so that every attempt is checked against
the budget before it is sent, charged after, and written to the transcript. What differs between
providers (the request body, how an answer or an error is read) is behind ``Wire``.

Retried: 429, 5xx and lost connections, waiting what Retry-After says (seconds, an HTTP date, or
``retry-after-ms``), else an exponential backoff. Not retried: a timeout (the wait already took
all the time one answer may take), a refused key (401/403), any other 4xx.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from meta_agent.llm.base import (
    SECRET_HEADERS,
    Budget,
    ChatMessage,
    LLMBudgetExceeded,
    LLMUnavailable,
    StructuredReply,
    Transcript,
)

logger = logging.getLogger(__name__)

BACKOFF_FIRST_SECONDS = 0.5  # then 1, 2, 4 ...: a busy server gets room, a user waits little
BACKOFF_MAX_SECONDS = 20.0
RETRY_AFTER_MAX_SECONDS = 60.0  # a longer wait asked for is taken as "not now": we give up


FailureKind = Literal["retry", "timeout", "auth", "refused", "unsupported_format"]
CHARS_PER_TOKEN = 4  # the usual rule of thumb, for servers whose answers carry no usage


class Unreadable(Exception):
    """A 2xx answer that is not the protocol's (a proxy's HTML page, a body missing its fields)."""


@dataclass(frozen=True)
class Failure:
    """An attempt that brought no answer, read from the SDK's exception."""

    kind: FailureKind
    message: str  # the server's own words, or the connection problem
    status: int | None = None
    retry_after_s: float | None = None
    response_body: Any = None
    request_headers: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Answer:
    """What one successful exchange brought back, before it is read as JSON."""

    raw: str  # the JSON text, tool arguments, or whatever else the model wrote
    data: dict[str, Any] | None  # already parsed by the SDK (Anthropic's tool input), else None
    problem: str | None  # the answer's own defect: no tool call, a refusal, truncated
    tokens_in: int
    tokens_out: int
    response_body: Any
    request_headers: Mapping[str, str]
    tokens_estimated: bool = False  # the server sent no usage: counted from the text's length


class Wire(Protocol):
    """One provider's side of the loop."""

    provider: str
    model: str
    endpoint: str  # the URL requests go to, for messages and the transcript

    def body(
        self,
        messages: Sequence[ChatMessage],
        schema: dict[str, Any],
        schema_name: str,
        budget: Budget,
    ) -> dict[str, Any]:
        """The request body (the SDK's keyword arguments) for one call."""
        ...

    def send(self, body: dict[str, Any], timeout: float) -> Answer:
        """Send one request; raise whatever the SDK raises."""
        ...

    def failure(self, error: Exception) -> Failure | None:
        """What an SDK exception means; None for one that is not the service's doing."""
        ...

    def downgrade(self) -> bool:
        """Switch to a plainer structured-output mode after a 400; False when there is none."""
        ...


@dataclass
class CallLoop:
    """Budget-checked, retried, transcribed calls through one ``Wire``."""

    wire: Wire
    timeout_seconds: float
    max_retries: int
    prices: Mapping[str, Mapping[str, float]] | None = None
    secrets: Sequence[str] = ()
    sleep: Callable[[float], None] = time.sleep
    backoff_first_seconds: float = BACKOFF_FIRST_SECONDS

    def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        schema: dict[str, Any],
        schema_name: str,
        budget: Budget,
        transcript: Transcript,
    ) -> StructuredReply:
        """One structured answer, or LLMUnavailable / LLMBudgetExceeded saying why not."""
        transcript.secrets.extend(s for s in self.secrets if s not in transcript.secrets)
        retries = 0
        body = self.wire.body(messages, schema, schema_name, budget)
        while True:
            budget.check()
            timeout, budget_bound = self._timeout(budget)
            transcript.record("request", self._entry(attempt=retries + 1, body=body))
            started = time.monotonic()
            try:
                answer = self.wire.send(body, timeout)
            except Exception as error:
                failure = _unreadable(error) or self.wire.failure(error)
                if failure is None:
                    raise
                elapsed = time.monotonic() - started
                if failure.kind == "timeout":  # the clock may read a hair under the timeout
                    elapsed = max(elapsed, timeout)
                budget.charge_attempt(elapsed)
                transcript.record("error", self._failed(failure, elapsed))
                if failure.kind == "unsupported_format" and self.wire.downgrade():
                    body = self.wire.body(messages, schema, schema_name, budget)
                    continue
                wait = self._verdict(failure, retries, budget, timeout, budget_bound)
                logger.info(
                    "llm call retried",
                    extra={"provider": self.wire.provider, "status": failure.status, "wait": wait},
                )
                self.sleep(wait)
                budget.charge_wait(wait)
                retries += 1
                continue
            reply = self._reply(answer, time.monotonic() - started)
            budget.charge(reply)
            transcript.record(
                "response",
                self._entry(
                    status=200,
                    latency_s=round(reply.latency_s, 4),
                    tokens_in=reply.tokens_in,
                    tokens_out=reply.tokens_out,
                    cost_usd=reply.cost_usd,
                    error=reply.error,
                    tokens_estimated=answer.tokens_estimated,
                    request_headers=_headers(answer.request_headers),
                    body=answer.response_body,
                ),
            )
            return reply

    def _timeout(self, budget: Budget) -> tuple[float, bool]:
        """The wait for this call, and whether the budget (not the setting) bounds it."""
        remaining = budget.remaining_seconds()
        if remaining is not None and remaining < self.timeout_seconds:
            return remaining, True
        return self.timeout_seconds, False

    def _verdict(
        self, failure: Failure, retries: int, budget: Budget, timeout: float, budget_bound: bool
    ) -> float:
        """How long to wait before retrying, or the error that ends the call."""
        where = f"The {self.wire.provider} model service at {self.wire.endpoint}"
        if failure.kind == "timeout":
            if budget_bound:
                raise LLMBudgetExceeded(
                    f"The LLM budget of {budget.max_seconds:g} s for this request ran out while "
                    f"waiting for {self.wire.model!r}."
                )
            raise LLMUnavailable(
                self._clean(
                    f"{where} did not answer within {timeout:g} s (model {self.wire.model!r})."
                )
            )
        if failure.kind == "auth":
            raise LLMUnavailable(
                self._clean(
                    f"{where} refused the key (HTTP {failure.status}: {failure.message}); "
                    "check META_AGENT_LLM_API_KEY."
                )
            )
        if failure.kind == "refused" and failure.status == 200:
            raise LLMUnavailable(self._clean(f"{where} answered with {failure.message}."))
        if failure.kind in ("refused", "unsupported_format"):
            raise LLMUnavailable(
                self._clean(
                    f"{where} refused the request (HTTP {failure.status}: {failure.message})."
                )
            )
        if retries >= self.max_retries:
            what = f"HTTP {failure.status}" if failure.status else "no connection"
            raise LLMUnavailable(
                self._clean(
                    f"{where} kept failing: {retries + 1} attempts, the last one {what}: "
                    f"{failure.message}."
                )
            )
        if failure.retry_after_s is not None:
            wait = failure.retry_after_s
            if wait > RETRY_AFTER_MAX_SECONDS:
                raise LLMUnavailable(
                    self._clean(f"{where} asks to wait {wait:g} s before trying again (HTTP 429).")
                )
        else:
            wait = min(BACKOFF_MAX_SECONDS, self.backoff_first_seconds * 2**retries)
        remaining = budget.remaining_seconds()
        if remaining is not None and wait >= remaining:
            raise LLMBudgetExceeded(
                f"The LLM budget of {budget.max_seconds:g} s for this request leaves "
                f"{remaining:.1f} s, less than the {wait:g} s to wait before trying again "
                f"(last answer: HTTP {failure.status})."
            )
        return wait

    def _reply(self, answer: Answer, latency: float) -> StructuredReply:
        data, error = answer.data, answer.problem
        if data is None and error is None:
            data, error = parse_object(answer.raw)
        return StructuredReply(
            data=data if error is None else None,
            raw=answer.raw,
            error=error,
            tokens_in=answer.tokens_in,
            tokens_out=answer.tokens_out,
            latency_s=latency,
            cost_usd=cost(self.prices, self.wire.model, answer.tokens_in, answer.tokens_out),
        )

    def _entry(self, **fields: Any) -> dict[str, Any]:
        return {
            "provider": self.wire.provider,
            "model": self.wire.model,
            "url": self.wire.endpoint,
            **fields,
        }

    def _failed(self, failure: Failure, elapsed: float) -> dict[str, Any]:
        return self._entry(
            status=failure.status,
            failure=failure.kind,
            message=failure.message,
            retry_after_s=failure.retry_after_s,
            latency_s=round(elapsed, 4),
            request_headers=_headers(failure.request_headers),
            body=failure.response_body,
        )

    def _clean(self, message: str) -> str:
        for secret in self.secrets:
            if secret:
                message = message.replace(secret, "***")
        return message


def _unreadable(error: Exception) -> Failure | None:
    if not isinstance(error, Unreadable):
        return None
    body = getattr(error, "body", None)
    return Failure("refused", str(error), status=200, response_body=body)


def estimate_tokens(text: str) -> int:
    """Tokens in ``text`` by the rule of thumb, for answers without usage."""
    return max(1, len(text) // CHARS_PER_TOKEN)


def unreadable(http_text: str, error: Exception, what: str) -> Unreadable:
    """The Unreadable for a 2xx body the SDK could not read as ``what``."""
    problem = Unreadable(f"a body that is not {what} ({type(error).__name__}: {error})"[:300])
    problem.body = json_body(http_text)  # type: ignore[attr-defined]
    return problem


def parse_object(raw: str) -> tuple[dict[str, Any] | None, str | None]:
    """The JSON object in ``raw``, or why there is none (for the planner's repair request)."""
    try:
        value = json.loads(raw)
    except ValueError as exc:
        return None, f"not JSON: {exc}"
    if not isinstance(value, dict):
        return None, f"a JSON {type(value).__name__}, not an object"
    return value, None


def cost(
    prices: Mapping[str, Mapping[str, float]] | None, model: str, tokens_in: int, tokens_out: int
) -> float | None:
    """USD for one call from the price table (per million tokens); None without a price."""
    price = (prices or {}).get(model)
    if price is None:
        return None
    return (tokens_in * price["input_per_mtok"] + tokens_out * price["output_per_mtok"]) / 1e6


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds the server asks us to wait: ``retry-after-ms``, or Retry-After in s or a date."""
    if not headers:
        return None
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        if "retry-after-ms" in lowered:
            return max(0.0, float(lowered["retry-after-ms"]) / 1000)
        if "retry-after" in lowered:
            return max(0.0, float(lowered["retry-after"]))
    except ValueError:
        pass
    if "retry-after" in lowered:
        try:
            when = email.utils.parsedate_to_datetime(lowered["retry-after"])
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - time.time())
    return None


def status_kind(status: int) -> FailureKind:
    """Which failure an HTTP status is."""
    if status in (401, 403):
        return "auth"
    if status in (408, 409, 429) or status >= 500:
        return "retry"
    return "refused"


def json_body(text: str) -> Any:
    """A response body as JSON when it is JSON, else as its text (for the transcript)."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _headers(headers: Mapping[str, str] | None) -> dict[str, str] | None:
    """Request headers for the transcript: credential headers never keep their value."""
    if headers is None:
        return None
    return {
        name: "***" if name.lower() in SECRET_HEADERS else value for name, value in headers.items()
    }


def call_loop(
    wire: Wire,
    *,
    timeout_seconds: float,
    max_retries: int,
    prices: Mapping[str, Mapping[str, float]] | None,
    api_key: str | None,
    sleep: Callable[[float], None] | None = None,
    backoff_first_seconds: float | None = None,
) -> CallLoop:
    """The loop a provider sends its calls through (``sleep`` and the backoff: for tests)."""
    loop = CallLoop(
        wire=wire,
        timeout_seconds=timeout_seconds,
        max_retries=max_retries,
        prices=prices,
        secrets=[api_key] if api_key else [],
    )
    if sleep is not None:
        loop.sleep = sleep
    if backoff_first_seconds is not None:
        loop.backoff_first_seconds = backoff_first_seconds
    return loop


class LoopClient:
    """A provider's ``complete``: every call goes through its ``CallLoop`` (see ``call_loop``)."""

    _loop: CallLoop

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
        return self._loop.complete(
            messages, schema=schema, schema_name=schema_name, budget=budget, transcript=transcript
        )
