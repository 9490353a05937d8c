"""Anthropic's messages API: the schema is one tool's ``input_schema`` and ``tool_choice`` forces it.

The tool's input is the answer: the server hands it over already parsed as an object, so a reply
is malformed only when the model wrote text instead (or ran out of tokens before finishing the
call). System messages go to the ``system`` field. The ``anthropic`` SDK is imported when a
client is made.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from meta_agent.errors import ConfigError
from meta_agent.llm.base import Budget, ChatMessage
from meta_agent.llm.calling import (
    Answer,
    Failure,
    LoopClient,
    call_loop,
    json_body,
    retry_after,
    status_kind,
    unreadable,
)

DEFAULT_BASE_URL = "https://api.anthropic.com"
# The API requires a cap on the answer; a plan is a few thousand tokens at most. The cap is
# lowered to what the token budget has left, so one answer cannot overspend it.


class AnthropicClient(LoopClient):
    """One Claude model through the messages API with a forced tool call."""

    provider = "anthropic"

    def __init__(
        self,
        *,
        model: str,
        api_key: str | None,
        base_url: str | None = None,
        timeout_seconds: float = 60.0,
        max_retries: int = 3,
        prices: Mapping[str, Mapping[str, float]] | None = None,
        sleep: Callable[[float], None] | None = None,
        backoff_first_seconds: float | None = None,
    ) -> None:
        try:
            import anthropic
        except ImportError:
            raise ConfigError(
                "The anthropic provider needs the anthropic package: pip install 'meta-agent[llm]'."
            ) from None
        self._anthropic = anthropic
        self.model = model
        root = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.endpoint = root + "/v1/messages"
        self._sdk = anthropic.Anthropic(
            api_key=api_key or "not-needed",
            base_url=root,
            max_retries=0,
            timeout=timeout_seconds,
        )
        self._loop = call_loop(
            self,
            timeout_seconds=timeout_seconds,
            max_retries=max_retries,
            prices=prices,
            api_key=api_key,
            sleep=sleep,
            backoff_first_seconds=backoff_first_seconds,
        )

    # --- the Wire protocol of calling.CallLoop ------------------------------------------------

    def body(
        self,
        messages: Sequence[ChatMessage],
        schema: dict[str, Any],
        schema_name: str,
        budget: Budget,
    ) -> dict[str, Any]:
        """messages.create arguments: system apart, one tool, the tool forced."""
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": budget.answer_cap(),
            "messages": [
                {"role": m.role, "content": m.content} for m in messages if m.role != "system"
            ],
            "tools": [
                {
                    "name": schema_name,
                    "description": f"Give the answer as the {schema_name} object.",
                    "input_schema": schema,
                }
            ],
            "tool_choice": {"type": "tool", "name": schema_name},
        }
        system = "\n\n".join(m.content for m in messages if m.role == "system")
        if system:
            body["system"] = system
        return body

    def send(self, body: dict[str, Any], timeout: float) -> Answer:
        """One messages.create call, read as an Answer."""
        raw_response = self._sdk.messages.with_raw_response.create(**body, timeout=timeout)
        http = raw_response.http_response
        try:
            message: Any = raw_response.parse()
            answer = self._read(message, body["tool_choice"]["name"])
        except Exception as error:  # noqa: BLE001 - any shape that is not a message
            raise unreadable(http.text, error, "a message") from error
        raw, data, problem, tokens_in, tokens_out = answer
        return Answer(
            raw=raw,
            data=data,
            problem=problem,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            response_body=json_body(http.text),
            request_headers=dict(http.request.headers),
        )

    def _read(
        self, message: Any, name: str
    ) -> tuple[str, dict[str, Any] | None, str | None, int, int]:
        """(raw, data, problem, tokens in, tokens out) of a message, data from the tool's input."""
        usage = message.usage
        tokens_in = sum(
            int(getattr(usage, field, 0) or 0)
            for field in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
        )
        tokens_out = int(getattr(usage, "output_tokens", 0) or 0)
        data: dict[str, Any] | None = None
        problem: str | None = None
        uses = [b for b in message.content if b.type == "tool_use" and b.name == name]
        if uses and isinstance(uses[0].input, dict):
            data = dict(uses[0].input)
            raw = json.dumps(data, ensure_ascii=False)
            if message.stop_reason == "max_tokens":
                data, problem = None, "the answer was cut off at the token limit"
        else:
            raw = "".join(getattr(b, "text", "") or "" for b in message.content)
            if uses:
                raw = json.dumps(uses[0].input, ensure_ascii=False)
                problem = f"the tool input was a {type(uses[0].input).__name__}, not an object"
            else:
                problem = f"the model answered in text, not with the {name} tool"
        return raw, data, problem, tokens_in, tokens_out

    def failure(self, error: Exception) -> Failure | None:
        """What an anthropic SDK exception means for the loop."""
        anthropic = self._anthropic
        if isinstance(error, anthropic.APITimeoutError):
            return Failure("timeout", "no answer in time")
        if isinstance(error, anthropic.APIConnectionError):
            cause = error.__cause__ or error
            return Failure("retry", f"{type(cause).__name__}: {cause}".rstrip(": "))
        if isinstance(error, anthropic.APIStatusError):
            response = error.response
            return Failure(
                status_kind(response.status_code),
                _server_message(error.body) or response.reason_phrase,
                status=response.status_code,
                retry_after_s=retry_after(response.headers),
                response_body=json_body(response.text),
                request_headers=dict(response.request.headers),
            )
        return None

    def downgrade(self) -> bool:
        """Tool use is the only structured mode here: nothing plainer to fall back to."""
        return False


def _server_message(body: object) -> str | None:
    """The ``error.message`` of an Anthropic error body."""
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
    if isinstance(body, str):
        return body[:500]
    return None
