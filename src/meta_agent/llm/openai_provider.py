"""Any OpenAI-compatible chat-completions server (OpenAI, Azure, Ollama, vLLM, llama.cpp, LM Studio).

Structured output first asks for ``response_format={"type": "json_schema", ...}`` (``strict``
when the schema allows it: every object closed and every property required, as OpenAI's strict
mode demands). A server that answers that request with HTTP 400 is asked again, at once and for
the rest of this client's life, with one forced function call whose parameters are the schema:
the mode older and smaller servers support. Every request caps the answer's length
(``max_tokens``; ``max_completion_tokens`` from the first 400 of a server that wants that name,
as OpenAI's reasoning models do). The ``openai`` SDK is imported when a client is made.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from meta_agent.errors import ConfigError
from meta_agent.llm.base import Budget, ChatMessage
from meta_agent.llm.calling import (
    Answer,
    Failure,
    LoopClient,
    call_loop,
    estimate_tokens,
    json_body,
    retry_after,
    status_kind,
    unreadable,
)

Mode = Literal["json_schema", "tool"]
DEFAULT_BASE_URL = "https://api.openai.com/v1"


class OpenAIClient(LoopClient):
    """One model behind an OpenAI-compatible server; see the module docstring for the modes."""

    provider = "openai"

    def __init__(
        self,
        *,
        model: str,
        api_key: str | None,
        base_url: str | None = None,
        timeout_seconds: float = 60.0,
        max_retries: int = 3,
        prices: Mapping[str, Mapping[str, float]] | None = None,
        mode: Mode = "json_schema",
        sleep: Callable[[float], None] | None = None,
        backoff_first_seconds: float | None = None,
    ) -> None:
        try:
            import openai
        except ImportError:
            raise ConfigError(
                "The openai provider needs the openai package: pip install 'meta-agent[llm]'."
            ) from None
        self._openai = openai
        self.model = model
        self.mode: Mode = mode
        self.cap_field = "max_tokens"  # or max_completion_tokens, for servers that want it
        self._refused_field: str | None = None  # what the last 400 objected to, for downgrade()
        self.endpoint = (base_url or DEFAULT_BASE_URL).rstrip("/") + "/chat/completions"
        # Local servers take any key; the SDK insists on one, so a placeholder goes when none is set.
        self._sdk = openai.OpenAI(
            api_key=api_key or "not-needed",
            base_url=base_url or DEFAULT_BASE_URL,
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
        """chat.completions arguments for the current mode."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            self.cap_field: budget.answer_cap(),
        }
        if self.mode == "json_schema":
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": schema_name, "schema": schema, "strict": is_strict(schema)},
            }
        else:
            body["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": schema_name,
                        "description": f"Give the answer as the {schema_name} object.",
                        "parameters": schema,
                    },
                }
            ]
            body["tool_choice"] = {"type": "function", "function": {"name": schema_name}}
        return body

    def send(self, body: dict[str, Any], timeout: float) -> Answer:
        """One chat.completions call, read as an Answer."""
        raw_response = self._sdk.chat.completions.with_raw_response.create(**body, timeout=timeout)
        http = raw_response.http_response
        try:
            completion: Any = raw_response.parse()
            if completion.choices is None:
                raise ValueError("no choices")
            raw, problem = self._answer_text(completion)
            usage = completion.usage
        except Exception as error:  # noqa: BLE001 - any shape that is not a chat completion
            raise unreadable(http.text, error, "a chat completion") from error
        estimated = usage is None
        if estimated:
            tokens_in = estimate_tokens(json.dumps(body))
            tokens_out = estimate_tokens(raw)
        else:
            tokens_in = int(getattr(usage, "prompt_tokens", 0) or 0)
            tokens_out = int(getattr(usage, "completion_tokens", 0) or 0)
        return Answer(
            raw=raw,
            data=None,
            problem=problem,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            response_body=json_body(http.text),
            request_headers=dict(http.request.headers),
            tokens_estimated=estimated,
        )

    def _answer_text(self, completion: Any) -> tuple[str, str | None]:
        if not completion.choices:
            return "", "the answer had no choices"
        choice = completion.choices[0]
        message = choice.message
        if getattr(message, "refusal", None):
            return str(message.refusal), f"the model refused: {message.refusal}"
        cut = (
            "the answer was cut off at the token limit"
            if choice.finish_reason == "length"
            else None
        )
        if self.mode == "tool":
            calls = message.tool_calls or []
            if not calls:
                return (
                    message.content or "",
                    cut or "the model answered in text, not with the tool call",
                )
            return calls[0].function.arguments or "", cut
        return message.content or "", cut

    def failure(self, error: Exception) -> Failure | None:
        """What an openai SDK exception means for the loop."""
        openai = self._openai
        if isinstance(error, openai.APITimeoutError):
            return Failure("timeout", "no answer in time")
        if isinstance(error, openai.APIConnectionError):
            cause = error.__cause__ or error
            return Failure("retry", f"{type(cause).__name__}: {cause}".rstrip(": "))
        if isinstance(error, openai.APIStatusError):
            response = error.response
            kind = status_kind(response.status_code)
            message = _server_message(error.body) or response.reason_phrase
            self._refused_field = None
            if kind == "refused" and response.status_code == 400:
                if "max_completion_tokens" in message and self.cap_field == "max_tokens":
                    self._refused_field, kind = "max_tokens", "unsupported_format"
                elif self.mode == "json_schema":
                    self._refused_field, kind = "response_format", "unsupported_format"
            return Failure(
                kind,
                message,
                status=response.status_code,
                retry_after_s=retry_after(response.headers),
                response_body=json_body(response.text),
                request_headers=dict(response.request.headers),
            )
        return None

    def downgrade(self) -> bool:
        """After a 400: name the answer cap max_completion_tokens, or, when response_format was
        refused, use a forced tool call, from now on."""
        refused, self._refused_field = self._refused_field, None
        if refused == "max_tokens":
            self.cap_field = "max_completion_tokens"
            return True
        if refused == "response_format" and self.mode == "json_schema":
            self.mode = "tool"
            return True
        return False


def is_strict(schema: Any) -> bool:
    """True when OpenAI's strict mode accepts the schema: objects closed, properties required."""
    if isinstance(schema, dict):
        if schema.get("type") == "object" or "properties" in schema:
            properties = schema.get("properties", {})
            if schema.get("additionalProperties") is not False:
                return False
            if set(schema.get("required", [])) != set(properties):
                return False
        return all(is_strict(value) for value in schema.values())
    if isinstance(schema, list):
        return all(is_strict(value) for value in schema)
    return True


def _server_message(body: object) -> str | None:
    """The ``error.message`` of an OpenAI-style error body (the SDK gives us the inner dict)."""
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
    if isinstance(body, str):
        return body[:500]
    return json.dumps(body)[:500] if body is not None else None
