"""The embedded backend on the real 0.5B GGUF: tool calls under the grammar, lenient parsing of
cut-off calls, prefix-cache reuse across the steps of one question."""

from __future__ import annotations

import pytest

from docnav.agent.llm import ChatMessage, ChatModel, ToolCall, ToolSpec
from docnav.agent.llm.llama_cpp import call_schema, tool_grammar_gbnf

pytestmark = pytest.mark.slow

TOOLS = [
    ToolSpec(
        name="calculator",
        description="Evaluate an arithmetic expression such as '1234 * 5678'.",
        parameters={
            "type": "object",
            "properties": {"expression": {"type": "string"}},
            "required": ["expression"],
        },
    ),
    ToolSpec(
        name="read_pages",
        description="Read pages start..end of a document.",
        parameters={
            "type": "object",
            "properties": {
                "doc": {"type": "string"},
                "start": {"type": "integer"},
                "end": {"type": "integer"},
            },
            "required": ["doc", "start"],
        },
    ),
]
SYSTEM = ChatMessage(role="system", content="You are a financial research assistant. Use tools.")


def test_grammar_has_a_branch_per_tool() -> None:
    schema = call_schema(TOOLS)
    assert [v["properties"]["name"]["const"] for v in schema["oneOf"]] == [
        "calculator",
        "read_pages",
    ]
    g = tool_grammar_gbnf(TOOLS, required=False)
    assert g.startswith("root ::= calls | text") and '"<tool_call>\\n" call' in g
    assert tool_grammar_gbnf(TOOLS, required=True).startswith("root ::= calls\n")


def test_is_a_chat_model(small_llm) -> None:
    assert isinstance(small_llm, ChatModel)
    assert small_llm.count_tokens("Net revenue was $1,234 million.") > 3


def test_real_tool_call_under_the_grammar(small_llm) -> None:
    msgs = [SYSTEM, ChatMessage(role="user", content="What is 1234 * 5678? Use the calculator.")]
    r = small_llm.chat(msgs, TOOLS, max_tokens=60)
    assert r.finish_reason == "tool_calls", r.message.content
    (call,) = r.message.tool_calls
    assert call.name == "calculator" and call.parse_error is None
    assert "1234" in call.arguments["expression"]


def test_required_call_matches_the_schema(small_llm) -> None:
    """Asked for prose, forced to call: the grammar yields a valid call with integer pages."""
    msgs = [
        SYSTEM,
        ChatMessage(role="user", content="Say hello, then read page 3 of doc 10k-2023."),
    ]
    r = small_llm.chat(msgs, TOOLS[1:], max_tokens=60, tool_choice="required")
    (call,) = r.message.tool_calls[:1]
    assert call.name == "read_pages" and call.parse_error is None
    assert isinstance(call.arguments["doc"], str) and isinstance(call.arguments["start"], int)


def test_named_tool_choice_allows_only_that_tool(small_llm) -> None:
    """The question asks for the calculator; naming read_pages makes the grammar produce
    read_pages, with the full tool list still in the prompt."""
    msgs = [SYSTEM, ChatMessage(role="user", content="What is 1234 * 5678? Use the calculator.")]
    r = small_llm.chat(msgs, TOOLS, max_tokens=60, tool_choice="read_pages")
    (call,) = r.message.tool_calls[:1]
    assert call.name == "read_pages" and call.parse_error is None
    assert '"calculator"' in small_llm.render(msgs, TOOLS)


def test_cut_off_call_is_parsed_leniently(small_llm) -> None:
    """max_tokens ends the call mid-JSON: repaired or reported, never an exception."""
    msgs = [SYSTEM, ChatMessage(role="user", content="Read pages 3 to 5 of doc 10k-2023.")]
    r = small_llm.chat(msgs, TOOLS, max_tokens=14, tool_choice="required")
    assert r.finish_reason in ("tool_calls", "length")
    assert r.message.tool_calls, r.message.content
    call = r.message.tool_calls[0]
    assert call.parse_error or call.name == "read_pages"


def test_prefix_cache_reused_across_steps(small_llm) -> None:
    q = [SYSTEM, ChatMessage(role="user", content="What is 1234 * 5678? Use the calculator.")]
    first = small_llm.chat(q, TOOLS, max_tokens=40)
    step = ChatMessage(
        role="assistant",
        tool_calls=[ToolCall(id="c1", name="calculator", arguments={"expression": "1234 * 5678"})],
    )
    result = ChatMessage(role="tool", tool_call_id="c1", name="calculator", content="7006652")
    second = small_llm.chat([*q, step, result], TOOLS, max_tokens=30)
    # the second prompt starts with the first (system + tools + question): only the rest is evaluated
    assert second.usage.prompt_tokens > first.usage.prompt_tokens
    assert second.usage.cached_tokens >= first.usage.prompt_tokens - 1
    evaluated = second.timings["prompt_tokens_evaluated"]
    assert evaluated == second.usage.prompt_tokens - second.usage.cached_tokens
    assert evaluated < second.usage.prompt_tokens / 3
    if "prompt_eval_tokens" in second.timings:  # llama.cpp's own counter agrees
        assert second.timings["prompt_eval_tokens"] <= evaluated + 1


def test_prompt_over_the_window_is_a_context_overflow(small_llm) -> None:
    # the agent loop recovers from ContextOverflow (drops older reads); other LLMErrors end a run
    from docnav.agent.llm import ContextOverflow

    long = "Revenue 1,234,567 8,901,234 5,678,901. " * 800  # number-dense, like a statement
    with pytest.raises(ContextOverflow, match="exceeds the context window of 4096"):
        small_llm.chat([ChatMessage(role="user", content=long)], max_tokens=16)


def test_loaded_models_are_freed_before_interpreter_teardown(monkeypatch) -> None:
    """Registered with atexit: each cached model is closed once and the cache emptied, so no
    ``Llama.__del__`` runs after llama_cpp's bindings are gone."""
    import threading

    from docnav.agent.llm import llama_cpp as mod

    class Model:
        closed = 0

        def close(self) -> None:
            Model.closed += 1

    class Broken:
        def close(self) -> None:
            raise RuntimeError("already freed")

    cache = {("a",): (Model(), threading.Lock()), ("b",): (Broken(), threading.Lock())}
    monkeypatch.setattr(mod, "_INSTANCES", cache)
    mod.close_loaded()
    assert Model.closed == 1 and cache == {}
