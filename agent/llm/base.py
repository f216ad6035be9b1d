"""The chat-model contract every backend implements (one class per backend, smolagents-style).

Messages and tool specs are plain pydantic models in OpenAI's chat shape, so the HTTP
backend passes them through unchanged and the embedded backends render them with the
model's own chat template. Backends never execute tools: they return tool calls.
"""

from __future__ import annotations

import re
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from docnav.errors import DocnavError, LLMFailureKind, LLMUnavailableError

# "auto" | "required" (some tool) | "none" | a tool's name (exactly that tool, as OpenAI's
# named tool_choice): the agent names final_answer when its budget runs out
ToolChoice = str


class ToolSpec(BaseModel):
    """A tool as the model sees it: name, description (the tool's docstring), JSON schema."""

    name: str
    description: str
    parameters: dict[str, Any]  # JSON schema of the arguments object

    def openai(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }


class ToolCall(BaseModel):
    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    # set when the model's call could not be parsed into ``arguments``; the loop shows it to
    # the model once so it can correct itself
    parse_error: str | None = None
    # the arguments as the model wrote them, when that was a string that needed repair or
    # failed to parse (kept so the history shows the model its own call)
    raw_arguments: str | None = None


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant", "tool"]
    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)  # assistant only
    tool_call_id: str | None = None  # tool only
    name: str | None = None  # tool only: the tool's name


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0  # prompt tokens served from a prefix/KV cache, when known


class ChatResponse(BaseModel):
    message: ChatMessage  # role "assistant"
    usage: Usage = Field(default_factory=Usage)
    finish_reason: str | None = None
    seconds: float = 0.0
    model: str = ""
    # backend-specific timings when known, e.g. llama.cpp's prompt_eval_s, prompt_tok_s,
    # gen_s, gen_tok_s (prompt tokens evaluated exclude the cached prefix)
    timings: dict[str, float] = Field(default_factory=dict)


class LLMError(DocnavError):
    """The backend failed (server down, timeout, bad response): a DocnavError, so callers
    catch one type. ``retryable`` for 429/5xx;
    ``kind`` says how, for callers that turn it into an error for people (see ``unavailable``):
    down (unreachable, not loaded), timeout, refused (the server answered with an error)."""

    def __init__(
        self, message: str, retryable: bool = False, kind: LLMFailureKind = "down"
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.kind: LLMFailureKind = kind


class ContextOverflow(LLMError):
    """The prompt plus the tokens to generate do not fit the model's context window."""

    def __init__(self, message: str, retryable: bool = False, kind: LLMFailureKind = "refused"):
        super().__init__(message, retryable, kind)


def unavailable(e: LLMError) -> LLMUnavailableError:
    """The error callers raise when the backend failed: a message safe for any client, the
    backend's full text (URL included) kept as ``detail`` for the log."""
    return LLMUnavailableError(e.kind, str(e))


# how servers word it: vLLM and OpenAI ("maximum context length is", context_length_exceeded),
# llama.cpp's server ("exceeds the available context size"), vLLM in-process ("maximum model
# length", max_model_len)
_OVERFLOW = re.compile(
    r"context length|context_length_exceeded|context size|context window|"
    r"maximum model length|max_model_len",
    re.I,
)


def is_context_overflow(message: str) -> bool:
    """Whether a backend's error text says the prompt did not fit the context window."""
    return bool(_OVERFLOW.search(message or ""))


@runtime_checkable
class ChatModel(Protocol):
    """What the agent loop, the answer modes, the LLM reranker and the judge call."""

    name: str
    context_window: int  # tokens the model accepts (prompt + completion)

    def chat(
        self,
        messages: list[ChatMessage],
        tools: list[ToolSpec] | None = None,
        *,
        max_tokens: int = 512,
        temperature: float = 0.0,
        tool_choice: ToolChoice = "auto",
    ) -> ChatResponse: ...

    def count_tokens(self, text: str) -> int: ...
