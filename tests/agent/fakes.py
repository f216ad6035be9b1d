"""A scripted chat model, for unit tests of the loop's logic only (never benchmarks/demos)."""

from __future__ import annotations

from collections.abc import Callable
from itertools import count

from docnav.agent.llm.base import ChatMessage, ChatResponse, ToolCall, ToolSpec, Usage

Turn = ChatMessage | Callable[[list[ChatMessage]], ChatMessage] | Exception


def call(name: str, parse_error: str | None = None, **arguments) -> ChatMessage:
    return ChatMessage(
        role="assistant",
        tool_calls=[
            ToolCall(id=f"c{next(_ids)}", name=name, arguments=arguments, parse_error=parse_error)
        ],
    )


_ids = count()


class ScriptedChatModel:
    """Replays ``turns`` in order; records every request it was given."""

    name = "scripted"
    context_window = 32768

    def __init__(self, turns: list[Turn]) -> None:
        self.turns = list(turns)
        self.requests: list[tuple[list[ChatMessage], list[ToolSpec] | None, str]] = []

    def chat(self, messages, tools=None, *, max_tokens=512, temperature=0.0, tool_choice="auto"):
        self.requests.append((list(messages), tools, tool_choice))
        if not self.turns:
            raise AssertionError("the script ran out of turns")
        turn = self.turns.pop(0)
        if isinstance(turn, Exception):
            raise turn
        msg = turn(messages) if callable(turn) else turn
        n_in = sum(len(m.content) for m in messages) // 4
        return ChatResponse(message=msg, usage=Usage(prompt_tokens=n_in, completion_tokens=20))

    def count_tokens(self, text: str) -> int:
        return len(text) // 4
