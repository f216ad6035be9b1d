"""In-process vLLM (extra ``gpu``): the same ChatModel on a GPU box without a server.

``vllm.LLM.chat`` renders the model's chat template with the tools and generates; tool calls are
parsed from the text (hermes ``<tool_call>`` blocks: Qwen2.5/Qwen3, Hermes) with the same lenient
parser as the embedded backend. vllm is imported lazily: it is never installed on CPU machines.
Not run in this repository's CI (no GPU); only the missing-vllm error path is tested.
"""

from __future__ import annotations

import time
from typing import Any

from docnav.agent.llm.base import (
    ChatMessage,
    ChatResponse,
    ContextOverflow,
    LLMError,
    ToolChoice,
    ToolSpec,
    Usage,
    is_context_overflow,
)
from docnav.agent.llm.openai_http import to_openai_messages
from docnav.agent.llm.parsing import parse_arguments, split_hermes, strip_thinking

INSTALL_HINT = "pip install -e '.[gpu]'  (needs an NVIDIA GPU with CUDA)"


def import_vllm() -> Any:
    try:
        import vllm
    except ImportError as e:
        raise LLMError(
            f"the in-process vLLM backend needs vllm ({e}); install it with: {INSTALL_HINT}, "
            "or run `vllm serve` and use DOCNAV_LLM_BACKEND=openai"
        ) from None
    return vllm


class VllmChatModel:
    def __init__(
        self,
        model: str,
        *,
        max_model_len: int = 16384,
        tensor_parallel_size: int = 1,
        gpu_memory_utilization: float = 0.9,
        seed: int = 0,
    ) -> None:
        vllm = import_vllm()
        self._vllm = vllm
        self.name = model
        self.context_window = max_model_len
        self.llm = vllm.LLM(
            model=model,
            max_model_len=max_model_len,
            tensor_parallel_size=tensor_parallel_size,
            gpu_memory_utilization=gpu_memory_utilization,
            enable_prefix_caching=True,  # the system prompt + tools prefix repeats every step
            seed=seed,
        )
        self.tokenizer = self.llm.get_tokenizer()

    def chat(
        self,
        messages: list[ChatMessage],
        tools: list[ToolSpec] | None = None,
        *,
        max_tokens: int = 512,
        temperature: float = 0.0,
        tool_choice: ToolChoice = "auto",  # a tool's name is treated as "required" here
    ) -> ChatResponse:
        use_tools = bool(tools) and tool_choice != "none"
        params = self._vllm.SamplingParams(max_tokens=max_tokens, temperature=temperature)
        msgs = to_openai_messages(messages)
        for m in msgs:  # chat templates (Qwen) index arguments as a mapping
            for c in m.get("tool_calls") or []:
                c["function"]["arguments"] = parse_arguments(c["function"]["arguments"])[0]
        t0 = time.perf_counter()
        try:
            outs = self.llm.chat(
                msgs,
                sampling_params=params,
                tools=[t.openai() for t in tools] if use_tools else None,
                use_tqdm=False,
            )
        except Exception as e:  # vllm raises many kinds; the loop only needs LLMError
            kind = ContextOverflow if is_context_overflow(str(e)) else LLMError
            raise kind(f"vLLM generation failed: {e}") from e
        seconds = time.perf_counter() - t0
        out = outs[0]
        completion = out.outputs[0]
        text = completion.text
        if use_tools:
            content, calls = split_hermes(text, {t.name for t in tools or []})
        else:
            content, calls = strip_thinking(text), []
        cached = getattr(out, "num_cached_tokens", None) or 0
        return ChatResponse(
            message=ChatMessage(role="assistant", content=content, tool_calls=calls),
            usage=Usage(
                prompt_tokens=len(out.prompt_token_ids or []),
                completion_tokens=len(completion.token_ids),
                cached_tokens=cached,
            ),
            finish_reason="tool_calls" if calls else completion.finish_reason,
            seconds=seconds,
            model=self.name,
        )

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False))
