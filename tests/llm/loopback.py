"""A real HTTP server on 127.0.0.1 that speaks the OpenAI and Anthropic wire protocols.

No model service is reachable from here, so the providers (and the planner above them) are tested
against this server through the real SDKs, over a real socket. It answers

- ``POST /v1/chat/completions`` as an OpenAI-compatible server, and
- ``POST /v1/messages`` as Anthropic's messages API,

each time with the next response from a queue the test scripts beforehand::

    def test_something(llm_server):
        llm_server.answer({"steps": []})                 # structured output, in the request's mode
        llm_server.text('{"steps": [')                   # what the model "wrote": malformed JSON
        llm_server.status(429, headers={"Retry-After": "0"})
        llm_server.status(500)                           # also 401, 400, ... with an error body
        llm_server.delay(2.0)                            # answer only after 2 s (timeouts)
        llm_server.delay(0.1, then=Reply.answer({...}))  # a slow but good answer
        llm_server.close()                               # drop the connection, no response
        llm_server.raw("<html>proxy error</html>")       # a body that is no answer at all
        settings = llm_settings(llm_server, "anthropic", llm_max_retries=1)  # this module's
        client = make_client(settings)
        ...
        request = llm_server.requests[0]                 # path, headers (lower-case), body (parsed)

``answer(obj)`` fits the request: for OpenAI, ``response_format`` json_schema gets ``obj`` as the
message content and a request with ``tools`` gets a call of its (first) function with ``obj`` as
arguments; for Anthropic, a ``tool_use`` block of the forced tool with ``obj`` as input. ``text``
puts its string where the JSON would go (OpenAI content or tool arguments; an Anthropic text block
instead of the tool call). Every answer reports ``usage`` (``tokens_in``/``tokens_out``, default
100/20; ``usage=False`` leaves it out of an OpenAI answer). ``reject_json_schema = True`` makes the server answer 400 to any ``response_format``
json_schema request, as servers without structured output do. An empty queue answers 500 with
"loopback: nothing scripted", so a test that sends more than it scripted fails loudly.
"""

from __future__ import annotations

import json
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

from meta_agent.config import Settings

KEY = "sk-loopback-SECRET-0123456789"  # the key tests configure; it must appear only in a header
MODEL = "loopback-model"

Kind = Literal["answer", "text", "status", "delay", "close", "raw"]


@dataclass(frozen=True)
class Reply:
    """One scripted response."""

    kind: Kind
    data: Any = None  # answer: the object; text: the string
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    then: Reply | None = None  # delay: what comes after the wait (default: a 200 with {})
    tokens_in: int = 100
    tokens_out: int = 20
    usage: bool = True  # False: an OpenAI answer without "usage", as some local servers send
    message: str | None = None  # status: the error message in the body; raw: the body itself
    cut: bool = False  # answer: stopped at the request's token cap (finish/stop reason says so)

    @staticmethod
    def answer(
        data: dict[str, Any],
        *,
        tokens_in: int = 100,
        tokens_out: int = 20,
        usage: bool = True,
        cut: bool = False,
    ) -> Reply:
        return Reply(
            "answer", data, tokens_in=tokens_in, tokens_out=tokens_out, usage=usage, cut=cut
        )

    @staticmethod
    def text(text: str, *, tokens_in: int = 100, tokens_out: int = 20) -> Reply:
        return Reply("text", text, tokens_in=tokens_in, tokens_out=tokens_out)

    @staticmethod
    def raw(body: str, *, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
        return Reply("raw", status=status, headers=headers or {}, message=body)

    @staticmethod
    def error(
        status: int, *, headers: dict[str, str] | None = None, message: str | None = None
    ) -> Reply:
        return Reply("status", status=status, headers=headers or {}, message=message)


@dataclass(frozen=True)
class Received:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    raw_body: bytes
    body: Any  # parsed JSON, or None when the body was not JSON


class LoopbackLLM:
    """The server, its script and what it received; start() and stop() it (the fixture does)."""

    def __init__(self) -> None:
        self.script: deque[Reply] = deque()
        self.requests: list[Received] = []
        self.reject_json_schema = False
        self.reject_max_tokens = False  # as OpenAI's reasoning models: max_completion_tokens only
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        # A short poll: shutdown() waits for it, once per test.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (OpenAI clients add ``/v1``; Anthropic's SDK adds it)."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> LoopbackLLM:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    # --- scripting ------------------------------------------------------------------------------

    def push(self, *replies: Reply) -> None:
        with self._lock:
            self.script.extend(replies)

    def answer(
        self,
        data: dict[str, Any],
        *,
        tokens_in: int = 100,
        tokens_out: int = 20,
        usage: bool = True,
    ) -> None:
        self.push(Reply.answer(data, tokens_in=tokens_in, tokens_out=tokens_out, usage=usage))

    def text(self, text: str, *, tokens_in: int = 100, tokens_out: int = 20) -> None:
        self.push(Reply.text(text, tokens_in=tokens_in, tokens_out=tokens_out))

    def status(
        self, status: int, *, headers: dict[str, str] | None = None, message: str | None = None
    ) -> None:
        self.push(Reply.error(status, headers=headers, message=message))

    def raw(self, body: str, *, status: int = 200, headers: dict[str, str] | None = None) -> None:
        """A response body sent as it is (not a chat completion, not a message)."""
        self.push(Reply.raw(body, status=status, headers=headers))

    def delay(self, seconds: float, then: Reply | None = None) -> None:
        self.push(Reply("delay", seconds=seconds, then=then))

    def close(self) -> None:
        self.push(Reply("close"))

    # --- serving --------------------------------------------------------------------------------

    def _next(self) -> Reply | None:
        with self._lock:
            return self.script.popleft() if self.script else None

    def _record(self, received: Received) -> None:
        with self._lock:
            self.requests.append(received)


def llm_settings(server: LoopbackLLM | str, provider: str = "openai", **overrides: Any) -> Settings:
    """Settings whose LLM is the loopback server (or a URL): model, key, base URL, planner llm.

    Retries default to 2 and the timeout to 5 s so a failing test ends quickly; pass overrides.
    """
    root = server.url if isinstance(server, LoopbackLLM) else server
    values: dict[str, Any] = {
        "planner": "llm",
        "llm_provider": provider,
        "llm_base_url": root + "/v1" if provider == "openai" else root,
        "llm_model": MODEL,
        "llm_api_key": KEY,
        "llm_timeout_seconds": 5.0,
        "llm_max_retries": 2,
    }
    values.update(overrides)
    return Settings(**values)


def closed_port_url() -> str:
    """The URL of a loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _handler(server: LoopbackLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
            pass  # pytest would show the server's access log as noise

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            server._record(
                Received(
                    "POST",
                    self.path,
                    {name.lower(): value for name, value in self.headers.items()},
                    raw,
                    body,
                )
            )
            protocol = _protocol(self.path)
            if protocol is None:
                self._send(404, {"error": {"message": f"loopback: no route {self.path}"}})
                return
            if protocol == "openai" and server.reject_json_schema and _wants_json_schema(body):
                # Refused before any model ran: the script is not consumed.
                reply = Reply.error(400, message="response_format json_schema is not supported")
            elif protocol == "openai" and server.reject_max_tokens and "max_tokens" in body:
                reply = Reply.error(
                    400,
                    message="Unsupported parameter: 'max_tokens' is not supported with this "
                    "model. Use 'max_completion_tokens' instead.",
                )
            else:
                reply = server._next() or Reply.error(500, message="loopback: nothing scripted")
            while reply.kind == "delay":
                if server._stopping.wait(reply.seconds):
                    return
                reply = reply.then or Reply.answer({})
            if reply.kind == "close":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if reply.kind == "status":
                self._send(reply.status, _error_body(protocol, reply), reply.headers)
                return
            if reply.kind == "raw":
                self._send_bytes(reply.status, (reply.message or "").encode(), reply.headers)
                return
            builder = _openai_answer if protocol == "openai" else _anthropic_answer
            self._send(200, builder(body or {}, reply))

        def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            self._send_bytes(status, json.dumps(payload).encode(), headers)

        def _send_bytes(self, status: int, data: bytes, headers: dict[str, str] | None) -> None:
            try:
                self.send_response(status)
                if not any(name.lower() == "content-type" for name in headers or {}):
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout): nothing to answer

    return Handler


def _protocol(path: str) -> Literal["openai", "anthropic"] | None:
    route = path.split("?", 1)[0].rstrip("/")
    if route.endswith("/chat/completions"):
        return "openai"
    if route.endswith("/v1/messages"):
        return "anthropic"
    return None


def _wants_json_schema(body: Any) -> bool:
    if not isinstance(body, dict):
        return False
    response_format = body.get("response_format")
    return isinstance(response_format, dict) and response_format.get("type") == "json_schema"


def _openai_answer(request: dict[str, Any], reply: Reply) -> dict[str, Any]:
    text = json.dumps(reply.data) if reply.kind == "answer" else str(reply.data)
    tools = request.get("tools") or []
    message: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None}
    finish = "stop"
    if tools and not _wants_json_schema(request):
        message["content"] = None
        message["tool_calls"] = [
            {
                "id": "call_loopback",
                "type": "function",
                "function": {"name": tools[0]["function"]["name"], "arguments": text},
            }
        ]
        finish = "tool_calls"
    if reply.cut:
        finish = "length"
    answer: dict[str, Any] = {
        "id": "chatcmpl-loopback",
        "object": "chat.completion",
        "created": 0,
        "model": request.get("model", MODEL),
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
    }
    if reply.usage:
        answer["usage"] = {
            "prompt_tokens": reply.tokens_in,
            "completion_tokens": reply.tokens_out,
            "total_tokens": reply.tokens_in + reply.tokens_out,
        }
    return answer


def _anthropic_answer(request: dict[str, Any], reply: Reply) -> dict[str, Any]:
    tools = request.get("tools") or []
    content: list[dict[str, Any]]
    if reply.kind == "answer" and tools:
        name = (request.get("tool_choice") or {}).get("name") or tools[0]["name"]
        content = [{"type": "tool_use", "id": "toolu_loopback", "name": name, "input": reply.data}]
        stop = "tool_use"
    else:
        text = json.dumps(reply.data) if reply.kind == "answer" else str(reply.data)
        content = [{"type": "text", "text": text}]
        stop = "end_turn"
    if reply.cut:
        stop = "max_tokens"
    return {
        "id": "msg_loopback",
        "type": "message",
        "role": "assistant",
        "model": request.get("model", MODEL),
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": reply.tokens_in, "output_tokens": reply.tokens_out},
    }


_ANTHROPIC_ERRORS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    529: "overloaded_error",
}


def _error_body(protocol: str, reply: Reply) -> dict[str, Any]:
    message = reply.message or f"loopback: scripted HTTP {reply.status}"
    if protocol == "anthropic":
        kind = _ANTHROPIC_ERRORS.get(reply.status, "api_error")
        return {"type": "error", "error": {"type": kind, "message": message}}
    return {"error": {"message": message, "type": "loopback_error", "param": None, "code": None}}
