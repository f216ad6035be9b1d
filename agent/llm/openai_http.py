"""Any OpenAI-compatible chat server (vLLM's ``vllm serve``, llama.cpp's server, …) over HTTP.

Messages and tools pass through in OpenAI's shape. Retries are the SDK's own (``max_retries``):
connection errors, timeouts, 408, 409, 429 and 5xx are retried with exponential backoff that
honours Retry-After; other 4xx fail at once. What is left after the last attempt becomes an
``LLMError`` saying how the backend failed.
"""

from __future__ import annotations

import json
import time
from typing import Any

from docnav.agent.llm.base import (
    ChatMessage,
    ChatResponse,
    ContextOverflow,
    LLMError,
    ToolCall,
    ToolChoice,
    ToolSpec,
    Usage,
    is_context_overflow,
)
from docnav.agent.llm.parsing import new_call_id, parse_arguments, split_hermes, strip_thinking

# the statuses the SDK retries (openai._base_client.BaseClient._should_retry)
SDK_RETRIED = {408, 409, 429}


def to_openai_messages(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    """The chat as OpenAI's schema wants it: every tool call answered by a tool message. A
    thread's earlier turn ends in a final_answer call that nothing replied to; servers
    (OpenAI's API, llama.cpp's) refuse a follow-up that carries it unanswered, so it gets a
    short reply here."""
    out: list[dict[str, Any]] = []
    for i, m in enumerate(messages):
        if m.role == "assistant" and m.tool_calls:
            out.append(
                {
                    "role": "assistant",
                    "content": m.content or "",
                    "tool_calls": [
                        {
                            "id": c.id,
                            "type": "function",
                            "function": {
                                "name": c.name,
                                "arguments": c.raw_arguments
                                if c.parse_error and c.raw_arguments is not None
                                else json.dumps(c.arguments, ensure_ascii=False),
                            },
                        }
                        for c in m.tool_calls
                    ],
                }
            )
            answered = {x.tool_call_id for x in messages[i + 1 :] if x.role == "tool"}
            out += [
                {"role": "tool", "tool_call_id": c.id, "content": "(delivered)"}
                for c in m.tool_calls
                if c.id not in answered
            ]
        elif m.role == "tool":
            out.append({"role": "tool", "tool_call_id": m.tool_call_id or "", "content": m.content})
        else:
            out.append({"role": m.role, "content": m.content})
    return out


class OpenAIChatModel:
    """ChatModel over an OpenAI-compatible ``/v1/chat/completions`` endpoint."""

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        *,
        api_key: str | None = None,
        timeout_s: float = 300.0,
        max_retries: int = 3,
        context_window: int = 16384,
    ) -> None:
        from openai import OpenAI

        self.base_url = base_url.rstrip("/")
        self.client = OpenAI(
            base_url=self.base_url,
            api_key=api_key or "EMPTY",  # vLLM without --api-key accepts anything
            timeout=timeout_s,
            max_retries=max(0, max_retries),
        )
        self.max_retries = max(0, max_retries)
        self.context_window = context_window
        self._model = model
        self.name = model or "openai"
        self._required_refused = False  # the server refused tool_choice "required" once

    @property
    def model(self) -> str:
        """The configured model, else the server's first one (vLLM serves one)."""
        if self._model is None:
            models = self._call(lambda: self.client.models.list())
            if not models.data:
                raise LLMError(f"the LLM server at {self.base_url} lists no models")
            self._model = models.data[0].id
            self.name = self._model
        return self._model

    def _create(self, kwargs: dict[str, Any]) -> Any:
        """One chat completion. A server that refuses tool_choice "required" (llama.cpp's
        server asserts "auto" and answers 500) is asked again with "auto", and from then on
        always with "auto": the loop's lenient parsing takes a reply without a tool call."""
        if kwargs.get("tool_choice") == "required" and self._required_refused:
            kwargs = {**kwargs, "tool_choice": "auto"}
        try:
            return self._call(lambda: self.client.chat.completions.create(**kwargs))
        except ContextOverflow:
            raise
        except LLMError as e:
            if kwargs.get("tool_choice") != "required" or e.kind != "refused":
                raise
            resp = self._call(
                lambda: self.client.chat.completions.create(**{**kwargs, "tool_choice": "auto"})
            )
            self._required_refused = True
            return resp

    def _call(self, fn: Any) -> Any:
        """One SDK call (the SDK retries); its final failure as an LLMError of the right kind."""
        import openai

        try:
            return fn()
        except openai.APITimeoutError as e:
            err = LLMError(
                f"LLM server at {self.base_url} did not answer within {self.client.timeout}s",
                retryable=True,
                kind="timeout",
            )
            cause: Exception = e
        except openai.APIConnectionError as e:
            reason = e.__cause__ or e
            err = LLMError(
                f"cannot reach LLM server at {self.base_url}: {_short(reason)}", retryable=True
            )
            cause = e
        except openai.APIStatusError as e:
            retryable = e.status_code in SDK_RETRIED or e.status_code >= 500
            kind = (
                ContextOverflow
                if e.status_code == 400 and is_context_overflow(str(e.message))
                else LLMError
            )
            err = kind(
                f"LLM server at {self.base_url} answered {e.status_code}: {_short(e.message)}",
                retryable=retryable,
                kind="refused",
            )
            cause = e
        except openai.OpenAIError as e:
            raise LLMError(f"LLM request failed: {_short(e)}") from e
        if err.retryable and self.max_retries:
            err.args = (f"{err.args[0]} (after {self.max_retries + 1} attempts)",)
        raise err from cause

    def chat(
        self,
        messages: list[ChatMessage],
        tools: list[ToolSpec] | None = None,
        *,
        max_tokens: int = 512,
        temperature: float = 0.0,
        tool_choice: ToolChoice = "auto",
    ) -> ChatResponse:
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": to_openai_messages(messages),
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        if tools:
            kwargs["tools"] = [t.openai() for t in tools]
            kwargs["tool_choice"] = tool_choice
            named = tool_choice if tool_choice not in ("auto", "required", "none") else None
            if tool_choice == "required" and len(tools) == 1:
                # the same request, named: servers without "required" (llama.cpp's) support it
                named = tools[0].name
            if named:
                kwargs["tool_choice"] = {"type": "function", "function": {"name": named}}
        t0 = time.perf_counter()
        resp = self._create(kwargs)
        seconds = time.perf_counter() - t0
        if not resp.choices:
            raise LLMError(f"LLM server at {self.base_url} returned no choices", kind="refused")
        choice = resp.choices[0]
        msg = choice.message
        names = {t.name for t in tools} if tools else None
        calls: list[ToolCall] = []
        for tc in msg.tool_calls or []:
            fn = getattr(tc, "function", None)
            if fn is None:
                continue
            raw = fn.arguments
            args, err = parse_arguments(raw)
            if err is None and names is not None and fn.name not in names:
                err = f"unknown tool {fn.name!r}; available: {', '.join(sorted(names))}"
            calls.append(
                ToolCall(
                    id=tc.id or new_call_id(),
                    name=fn.name or "",
                    arguments=args,
                    raw_arguments=raw if isinstance(raw, str) else None,
                    parse_error=err,
                )
            )
        content = strip_thinking(msg.content or "")
        if not calls and tools and tool_choice != "none":
            # a server without a tool parser leaves hermes blocks in the text
            content, calls = split_hermes(content, names)
        usage = Usage()
        if resp.usage is not None:
            details = getattr(resp.usage, "prompt_tokens_details", None)
            usage = Usage(
                prompt_tokens=resp.usage.prompt_tokens or 0,
                completion_tokens=resp.usage.completion_tokens or 0,
                cached_tokens=(getattr(details, "cached_tokens", None) or 0) if details else 0,
            )
        return ChatResponse(
            message=ChatMessage(role="assistant", content=content, tool_calls=calls),
            usage=usage,
            finish_reason=choice.finish_reason,
            seconds=seconds,
            model=resp.model or self.model,
        )

    def count_tokens(self, text: str) -> int:
        # No tokenizer client-side; 3 characters a token over-counts filings' text a little,
        # which keeps budgets safe.
        return len(text) // 3 + 1


def _short(x: object, limit: int = 300) -> str:
    s = str(x).strip().replace("\n", " ")
    if "Connection refused" in s or "ConnectionRefused" in type(x).__name__:
        return "connection refused"
    return s[:limit]
