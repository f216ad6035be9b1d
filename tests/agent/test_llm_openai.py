"""OpenAIChatModel against real local servers: llama.cpp's OpenAI-compatible server with the 0.5B
model (the protocol vLLM speaks), and tiny HTTP stubs on 127.0.0.1 for retries, timeouts and
what servers without a tool parser send back."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from docnav.agent.llm import ChatMessage, ContextOverflow, LLMError, ToolSpec
from docnav.agent.llm.base import ToolCall
from docnav.agent.llm.openai_http import OpenAIChatModel

CALC = ToolSpec(
    name="calculator",
    description="Evaluate an arithmetic expression such as '1234 * 5678'.",
    parameters={
        "type": "object",
        "properties": {"expression": {"type": "string"}},
        "required": ["expression"],
    },
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _completion(message: dict, finish: str = "stop") -> dict:
    return {
        "id": "cmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "stub",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": 11,
            "completion_tokens": 5,
            "total_tokens": 16,
            "prompt_tokens_details": {"cached_tokens": 8},
        },
    }


class Stub:
    """An HTTP server whose POST answers come from a list of (status, body, delay_s, headers)."""

    def __init__(self, replies: list[tuple[int, dict, float, dict]]) -> None:
        self.replies = list(replies)
        self.requests: list[dict] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                n = int(self.headers.get("content-length", 0))
                stub.requests.append(json.loads(self.rfile.read(n)))
                status, body, delay, headers = stub.replies.pop(0)
                time.sleep(delay)
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and left

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub() -> Iterator[Callable[[list], Stub]]:
    made: list[Stub] = []

    def make(replies: list) -> Stub:
        s = Stub(replies)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def _ask(model: OpenAIChatModel, **kw):
    return model.chat([ChatMessage(role="user", content="What is 2*3?")], [CALC], **kw)


ERR = {"error": {"message": "overloaded", "type": "server_error"}}


def test_retries_5xx_then_succeeds(stub) -> None:
    call = {
        "id": "c1",
        "type": "function",
        "function": {"name": "calculator", "arguments": "{'expression': '2*3',}"},
    }
    s = stub(
        [
            (503, ERR, 0, {}),
            (502, ERR, 0, {}),
            (
                200,
                _completion(
                    {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls"
                ),
                0,
                {},
            ),
        ]
    )
    m = OpenAIChatModel(s.url, "stub", max_retries=3)
    r = _ask(m)
    assert len(s.requests) == 3
    assert r.message.tool_calls[0].name == "calculator"
    assert r.message.tool_calls[0].arguments == {"expression": "2*3"}  # repaired Python-ish JSON
    assert r.message.tool_calls[0].parse_error is None
    assert (r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.cached_tokens) == (11, 5, 8)
    sent = s.requests[-1]
    assert sent["tools"][0]["function"]["name"] == "calculator" and sent["tool_choice"] == "auto"


def test_retries_are_bounded_and_4xx_not_retried(stub) -> None:
    s = stub([(500, ERR, 0, {})] * 3)
    with pytest.raises(LLMError, match=r"answered 500.*after 3 attempts") as e:
        _ask(OpenAIChatModel(s.url, "stub", max_retries=2))
    assert e.value.retryable and len(s.requests) == 3
    assert e.value.kind == "refused"  # the server answered, with an error
    s2 = stub([(400, {"error": {"message": "context length exceeded"}}, 0, {})] * 3)
    with pytest.raises(LLMError, match="answered 400: .*context length") as e:
        _ask(OpenAIChatModel(s2.url, "stub", max_retries=2))
    assert not e.value.retryable and len(s2.requests) == 1
    assert isinstance(e.value, ContextOverflow)  # the agent loop drops older reads and answers
    s3 = stub([(400, {"error": {"message": "Invalid value for 'tool_choice'"}}, 0, {})])
    with pytest.raises(LLMError) as e:
        _ask(OpenAIChatModel(s3.url, "stub", max_retries=2))
    assert not isinstance(e.value, ContextOverflow)


def test_429_honours_retry_after(stub, monkeypatch) -> None:
    """The SDK's retry waits what Retry-After says (its own first backoff is at most 0.5 s):
    its sleeps are recorded, not slept, so the test reads the wait asked for, not a clock."""
    import openai._base_client as sdk

    slept: list[float] = []

    class Clock:  # the SDK module's ``time``: real except for sleep
        sleep = slept.append

        def __getattr__(self, name: str):
            return getattr(time, name)

    monkeypatch.setattr(sdk, "time", Clock())
    ok = _completion({"role": "assistant", "content": "6"})
    s = stub([(429, ERR, 0, {"retry-after": "7"}), (200, ok, 0, {})])
    r = _ask(OpenAIChatModel(s.url, "stub", max_retries=1))
    assert r.message.content == "6" and len(s.requests) == 2
    assert slept == [7.0]


def test_server_down_is_a_clear_error() -> None:
    url = f"http://127.0.0.1:{_free_port()}/v1"  # nothing listens there
    with pytest.raises(LLMError) as e:
        _ask(OpenAIChatModel(url, "any", max_retries=1))
    assert f"cannot reach LLM server at {url}: connection refused" in str(e.value)
    assert e.value.kind == "down" and "after 2 attempts" in str(e.value)


def test_dropped_connections_are_retried_a_bounded_number_of_times() -> None:
    """A server that accepts and hangs up: max_retries=2 is three connections, then "down"."""
    accepted: list[int] = []
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)

    def serve() -> None:
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            conn.recv(65536)
            accepted.append(1)
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{srv.getsockname()[1]}/v1"
        with pytest.raises(LLMError) as e:
            _ask(OpenAIChatModel(url, "any", max_retries=2))
    finally:
        srv.close()
    assert e.value.kind == "down" and e.value.retryable
    assert len(accepted) == 3, accepted


def test_slow_server_times_out(stub) -> None:
    late = (200, _completion({"role": "assistant", "content": "late"}), 3.0, {})
    s = stub([late])
    with pytest.raises(LLMError, match="did not answer within") as e:
        _ask(OpenAIChatModel(s.url, "stub", timeout_s=0.5, max_retries=0))
    assert e.value.kind == "timeout" and len(s.requests) == 1
    s2 = stub([late, late])  # a timeout is retried like a dropped connection
    with pytest.raises(LLMError, match="did not answer within.*after 2 attempts"):
        _ask(OpenAIChatModel(s2.url, "stub", timeout_s=0.5, max_retries=1))
    assert len(s2.requests) == 2


def test_a_named_tool_choice_is_sent_as_openai_names_it(stub) -> None:
    msg = {"role": "assistant", "content": "6"}
    s = stub([(200, _completion(msg), 0, {})] * 2)
    _ask(OpenAIChatModel(s.url, "stub"), tool_choice="calculator")
    named = {"type": "function", "function": {"name": "calculator"}}
    assert s.requests[-1]["tool_choice"] == named
    _ask(OpenAIChatModel(s.url, "stub"), tool_choice="required")  # one tool: named too
    assert s.requests[-1]["tool_choice"] == named


def test_hermes_text_from_a_server_without_tool_parser(stub) -> None:
    text = '<think>use the tool</think><tool_call>\n{"name": "calculator", "arguments": {"expression": "2*3"}}\n</tool_call>'
    s = stub([(200, _completion({"role": "assistant", "content": text}), 0, {})])
    r = _ask(OpenAIChatModel(s.url, "stub"))
    assert r.message.content == ""
    assert [(c.name, c.arguments) for c in r.message.tool_calls] == [
        ("calculator", {"expression": "2*3"})
    ]


def test_history_is_sent_in_openai_shape(stub) -> None:
    from docnav.agent.llm import ToolCall

    s = stub([(200, _completion({"role": "assistant", "content": "6"}), 0, {})])
    m = OpenAIChatModel(s.url, "stub")
    msgs = [
        ChatMessage(role="system", content="sys"),
        ChatMessage(role="user", content="q"),
        ChatMessage(
            role="assistant",
            tool_calls=[ToolCall(id="c1", name="calculator", arguments={"expression": "2*3"})],
        ),
        ChatMessage(role="tool", tool_call_id="c1", name="calculator", content="6"),
    ]
    m.chat(msgs, [CALC])
    sent = s.requests[0]["messages"]
    assert sent[2]["tool_calls"][0]["function"] == {
        "name": "calculator",
        "arguments": '{"expression": "2*3"}',
    }
    assert sent[3] == {"role": "tool", "tool_call_id": "c1", "content": "6"}


@pytest.mark.slow
def test_real_tool_call_through_llama_cpp_server(llama_server: str) -> None:
    m = OpenAIChatModel(llama_server, timeout_s=600, max_retries=0)
    assert m.model.endswith(".gguf")  # the server's only model, discovered
    msgs = [
        ChatMessage(role="system", content="You are a calculator assistant."),
        ChatMessage(role="user", content="What is 1234 * 5678? Use the calculator."),
    ]
    r = m.chat(msgs, [CALC], max_tokens=40, tool_choice="required")
    assert r.finish_reason == "tool_calls"
    (call,) = r.message.tool_calls
    assert call.name == "calculator" and call.parse_error is None
    assert "1234" in call.arguments["expression"] and "5678" in call.arguments["expression"]
    assert r.usage.prompt_tokens > 0 and r.usage.completion_tokens > 0


def test_a_server_refusing_tool_choice_required_is_asked_with_auto(stub) -> None:
    """llama.cpp's server asserts tool_choice == "auto" and answers 500 to "required" (the
    agent's choice with several tools): docnav asks again with "auto" and keeps to it."""
    SEARCH = CALC.model_copy(update={"name": "search"})
    text = {"role": "assistant", "content": "6"}
    s = stub([(500, ERR, 0, {}), (200, _completion(text), 0, {}), (200, _completion(text), 0, {})])
    m = OpenAIChatModel(s.url, model="stub", max_retries=0)
    for _ in range(2):
        r = m.chat(
            [ChatMessage(role="user", content="2*3?")], [CALC, SEARCH], tool_choice="required"
        )
        assert r.message.content == "6"
    assert [q["tool_choice"] for q in s.requests] == ["required", "auto", "auto"]


def test_a_follow_up_carries_no_unanswered_tool_call() -> None:
    """A thread's earlier turn ends in a final_answer call nothing replied to: the follow-up
    sent to the server answers it, so servers that check the pairing accept the chat."""
    from docnav.agent.llm.openai_http import to_openai_messages

    final = ToolCall(id="c1", name="final_answer", arguments={"answer": "42"})
    search = ToolCall(id="c0", name="search", arguments={"query": "revenue"})
    msgs = [
        ChatMessage(role="user", content="What was revenue?"),
        ChatMessage(role="assistant", content="", tool_calls=[search]),
        ChatMessage(role="tool", content="hits", tool_call_id="c0"),
        ChatMessage(role="assistant", content="", tool_calls=[final]),
        ChatMessage(role="user", content="And the year before?"),
    ]
    out = to_openai_messages(msgs)
    assert [m["role"] for m in out] == ["user", "assistant", "tool", "assistant", "tool", "user"]
    assert out[4] == {"role": "tool", "tool_call_id": "c1", "content": "(delivered)"}
    assert out[1]["content"] == "" and out[2]["tool_call_id"] == "c0"
