"""The embedded CPU backend: llama.cpp in-process through llama-cpp-python (extra ``local``).

The chat is rendered with the GGUF's own chat template (Qwen2.5: tools listed in the system
turn, calls written as ``<tool_call>{"name", "arguments"}</tool_call>``). With tools, the output
is constrained by a grammar: either free text that does not start with ``<``, or one
``<tool_call>`` block whose JSON is generated from a JSON schema (tool name + that tool's
argument schema), so a small model cannot invent a tool or malformed JSON. Parsing stays lenient
for what the grammar cannot rule out (a call cut off by max_tokens).

llama.cpp keeps the KV cache of the last prompt and re-evaluates only the tokens after the
longest common prefix, so the steps of one question (same system prompt and tools, a growing
history) pay only for what is new. One Llama per (model, settings) per process: loading costs
seconds, and calls are serialised by a lock since a Llama is not thread-safe.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import threading
import time
from pathlib import Path
from typing import Any

from docnav.agent.llm.base import (
    ChatMessage,
    ChatResponse,
    ContextOverflow,
    LLMError,
    ToolChoice,
    ToolSpec,
    Usage,
)
from docnav.agent.llm.parsing import split_hermes, strip_thinking

INSTALL_HINT = "pip install -e '.[local]'"

# Qwen2.5's template, used only when a GGUF carries none (any chatml model then works).
FALLBACK_TEMPLATE = """{%- if tools %}<|im_start|>system
{% if messages[0].role == 'system' %}{{ messages[0].content }}{% else %}You are a helpful assistant.{% endif %}

# Tools

You may call one or more functions to assist with the user query.

You are provided with function signatures within <tools></tools> XML tags:
<tools>{% for tool in tools %}
{{ tool | tojson }}{% endfor %}
</tools>

For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:
<tool_call>
{"name": <function-name>, "arguments": <args-json-object>}
</tool_call><|im_end|>
{% elif messages[0].role == 'system' %}<|im_start|>system
{{ messages[0].content }}<|im_end|>
{% endif %}{% for message in messages %}{% if message.role == 'user' or (message.role == 'system' and not loop.first) or (message.role == 'assistant' and not message.tool_calls) %}<|im_start|>{{ message.role }}
{{ message.content }}<|im_end|>
{% elif message.role == 'assistant' %}<|im_start|>assistant{% if message.content %}
{{ message.content }}{% endif %}{% for tool_call in message.tool_calls %}
<tool_call>
{"name": "{{ tool_call.function.name }}", "arguments": {{ tool_call.function.arguments | tojson }}}
</tool_call>{% endfor %}<|im_end|>
{% elif message.role == 'tool' %}{% if loop.index0 == 0 or messages[loop.index0 - 1].role != 'tool' %}<|im_start|>user{% endif %}
<tool_response>
{{ message.content }}
</tool_response>{% if loop.last or messages[loop.index0 + 1].role != 'tool' %}<|im_end|>
{% endif %}{% endif %}{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant
{% endif %}"""

_LOAD_LOCK = threading.Lock()
_INSTANCES: dict[tuple[Any, ...], tuple[Any, threading.Lock]] = {}


@atexit.register
def close_loaded() -> None:
    """Free the loaded models while llama_cpp's bindings still exist: left to the
    interpreter's teardown, ``Llama.__del__`` finds them gone and prints a TypeError at exit."""
    with _LOAD_LOCK:
        while _INSTANCES:
            llm, _ = _INSTANCES.popitem()[1]
            with contextlib.suppress(Exception):
                llm.close()


def import_llama_cpp() -> Any:
    # llama.cpp's OpenMP threads spin while waiting; on a CPU shared with other work that
    # starves them (measured: 2 threads, loaded 2-core box, 0.6 -> 5 tok/s generation with
    # PASSIVE). Read by the OpenMP runtime when llama.cpp loads, so set before the import.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import llama_cpp
    except ImportError as e:
        raise LLMError(
            f"the embedded backend needs llama-cpp-python ({e}); install it with: {INSTALL_HINT}"
        ) from None
    from docnav.agent.llm.llama_cpu import without_extra_buffers

    without_extra_buffers(llama_cpp)
    return llama_cpp


def load_llama(
    model_path: Path,
    *,
    n_ctx: int,
    n_batch: int,
    n_threads: int | None,
    flash_attn: bool,
    seed: int = 0,
) -> tuple[Any, threading.Lock]:
    """The process's Llama for these settings (loaded once) and the lock that serialises it."""
    key = (str(model_path), n_ctx, n_batch, n_threads, flash_attn, seed)
    with _LOAD_LOCK:
        if key not in _INSTANCES:
            llama_cpp = import_llama_cpp()
            threads = n_threads or os.cpu_count() or 1
            try:
                llm = llama_cpp.Llama(
                    model_path=str(model_path),
                    n_ctx=n_ctx,
                    n_batch=n_batch,
                    n_ubatch=n_batch,
                    n_threads=threads,
                    n_threads_batch=threads,
                    flash_attn=flash_attn,
                    seed=seed,
                    verbose=False,
                )
            except (ValueError, RuntimeError) as e:
                raise LLMError(f"llama.cpp could not load {model_path}: {e}") from e
            _INSTANCES[key] = (llm, threading.Lock())
        return _INSTANCES[key]


def call_schema(tools: list[ToolSpec]) -> dict[str, Any]:
    """JSON schema of one call: ``{"name": <one tool>, "arguments": <that tool's schema>}``."""
    variants = []
    for t in tools:
        params = dict(t.parameters) if t.parameters else {"type": "object"}
        params.setdefault("type", "object")
        variants.append(
            {
                "type": "object",
                "properties": {"name": {"const": t.name}, "arguments": params},
                "required": ["name", "arguments"],
            }
        )
    return variants[0] if len(variants) == 1 else {"oneOf": variants}


def tool_grammar_gbnf(tools: list[ToolSpec], required: bool) -> str:
    """GBNF: ``<tool_call>`` blocks of schema-valid JSON, or (unless required) free text."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    try:
        call_rules = json_schema_to_gbnf(json.dumps(call_schema(tools)))
    except Exception:  # an argument schema the converter does not support: keep the name enum
        loose = [
            ToolSpec(name=t.name, description="", parameters={"type": "object"}) for t in tools
        ]
        call_rules = json_schema_to_gbnf(json.dumps(call_schema(loose)))
    call_rules = re.sub(r"^root\s*::=", "call ::=", call_rules, count=1, flags=re.M)
    block = r'"<tool_call>\n" call "\n</tool_call>"'
    # one call per turn: the agent runs one tool at a time, and a small model left free to
    # go on repeats the same call until max_tokens (seen with the 1.5B: ten identical calls)
    head = f"calls ::= {block}\n"
    # free text may not open with "<" or "{": a bare JSON call (small models write those) is
    # steered into a proper <tool_call> block
    root = "root ::= calls\n" if required else "root ::= calls | text\ntext ::= [^<{] [^\\x00]*\n"
    return root + head + call_rules


def _template_messages(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for m in messages:
        d: dict[str, Any] = {"role": m.role, "content": m.content}
        if m.role == "assistant" and m.tool_calls:
            d["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {
                        "name": c.name,
                        "arguments": c.raw_arguments
                        if c.parse_error and c.raw_arguments is not None
                        else c.arguments,
                    },
                }
                for c in m.tool_calls
            ]
        if m.role == "tool" and m.name:
            d["name"] = m.name
        out.append(d)
    return out


class LlamaCppChatModel:
    """ChatModel on a GGUF file run by llama.cpp on the CPU."""

    def __init__(
        self,
        model_path: str | Path,
        *,
        name: str | None = None,
        n_ctx: int = 16384,
        n_batch: int = 512,
        n_threads: int | None = None,
        flash_attn: bool = False,
        grammar: bool = True,
        seed: int = 0,
    ) -> None:
        self.model_path = Path(model_path)
        self.llm, self._lock = load_llama(
            self.model_path,
            n_ctx=n_ctx,
            n_batch=n_batch,
            n_threads=n_threads,
            flash_attn=flash_attn,
            seed=seed,
        )
        self.name = name or self.model_path.stem
        self.context_window = n_ctx
        self.use_grammar = grammar
        self.seed = seed
        self._grammars: dict[tuple[str, bool], Any] = {}
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        meta = self.llm.metadata or {}
        template = meta.get("tokenizer.chat_template") or FALLBACK_TEMPLATE
        eos = self.llm.detokenize([self.llm.token_eos()], special=True).decode("utf-8", "replace")
        bos_id = self.llm.token_bos()
        bos = (
            self.llm.detokenize([bos_id], special=True).decode("utf-8", "replace")
            if bos_id >= 0
            else ""
        )
        self._formatter = Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)
        self._stop = sorted({eos, "<|im_end|>", "<|endoftext|>"} - {""})

    # --- prompt ---------------------------------------------------------------------------
    def render(self, messages: list[ChatMessage], tools: list[ToolSpec] | None = None) -> str:
        """The prompt text the model sees (chat template, generation prompt appended)."""
        try:
            return self._formatter(
                messages=_template_messages(messages),
                tools=[t.openai() for t in tools] if tools else None,
            ).prompt
        except Exception as e:  # jinja errors from a template that rejects the history
            raise LLMError(f"the chat template could not render the messages: {e}") from e

    def tokenize(self, text: str) -> list[int]:
        return self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def count_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def _grammar(self, tools: list[ToolSpec], required: bool) -> Any:
        from llama_cpp import LlamaGrammar

        sig = (json.dumps([t.model_dump() for t in tools], sort_keys=True), required)
        if sig not in self._grammars:
            self._grammars[sig] = LlamaGrammar.from_string(
                tool_grammar_gbnf(tools, required), verbose=False
            )
        return self._grammars[sig]

    def cached_prefix(self, tokens: list[int]) -> int:
        """Tokens at the start of ``tokens`` whose KV state llama.cpp already holds."""
        held = list(self.llm.input_ids[: self.llm.n_tokens])
        n = 0
        for a, b in zip(held, tokens, strict=False):
            if a != b:
                break
            n += 1
        return n

    # --- chat -----------------------------------------------------------------------------
    def chat(
        self,
        messages: list[ChatMessage],
        tools: list[ToolSpec] | None = None,
        *,
        max_tokens: int = 512,
        temperature: float = 0.0,
        tool_choice: ToolChoice = "auto",
    ) -> ChatResponse:
        use_tools = bool(tools) and tool_choice != "none"
        prompt = self.render(messages, tools if use_tools else None)
        tokens = self.tokenize(prompt)
        if len(tokens) + max_tokens > self.context_window:
            raise ContextOverflow(
                f"prompt of {len(tokens)} tokens + {max_tokens} to generate exceeds the "
                f"context window of {self.context_window} (set DOCNAV_LLM_CTX or read less)"
            )
        grammar = None
        if use_tools and self.use_grammar:
            # a named tool narrows the grammar, not the prompt: the KV cache stays valid
            named = [t for t in tools or [] if t.name == tool_choice]
            grammar = (
                self._grammar(named, True)
                if named
                else self._grammar(tools or [], tool_choice == "required")
            )
        with self._lock:
            cached = self.cached_prefix(tokens)
            t0 = time.perf_counter()
            perf0 = self._perf()
            try:
                out = self.llm.create_completion(
                    tokens,
                    max_tokens=max_tokens,
                    temperature=temperature,
                    top_p=1.0,
                    top_k=0 if temperature > 0 else 1,
                    min_p=0.0,
                    repeat_penalty=1.0,
                    seed=self.seed,
                    stop=self._stop,
                    grammar=grammar,
                )
            except (RuntimeError, ValueError) as e:
                raise LLMError(f"llama.cpp generation failed: {e}") from e
            seconds = time.perf_counter() - t0
            perf = self._perf(perf0)
        choice = out["choices"][0]
        text = choice["text"]
        completion_tokens = int(out["usage"]["completion_tokens"])
        if use_tools:
            content, calls = split_hermes(text, {t.name for t in tools or []})
        else:
            content, calls = strip_thinking(text), []
        timings: dict[str, float] = {"prompt_tokens_evaluated": float(len(tokens) - cached)}
        timings.update(perf)
        return ChatResponse(
            message=ChatMessage(role="assistant", content=content, tool_calls=calls),
            usage=Usage(
                prompt_tokens=len(tokens),
                completion_tokens=completion_tokens,
                cached_tokens=cached,
            ),
            finish_reason="tool_calls" if calls else choice.get("finish_reason"),
            seconds=seconds,
            model=self.name,
            timings=timings,
        )

    def _perf(self, before: dict[str, float] | None = None) -> dict[str, float]:
        """llama.cpp's own counters: prompt-eval and generation time and tokens (deltas)."""
        try:
            import llama_cpp

            llama_cpp.llama_synchronize(self.llm._ctx.ctx)  # counters update on sync
            p = llama_cpp.llama_perf_context(self.llm._ctx.ctx)
            now = {
                "prompt_eval_s": p.t_p_eval_ms / 1000,
                "prompt_eval_tokens": float(p.n_p_eval),
                "gen_s": p.t_eval_ms / 1000,
                "gen_tokens": float(p.n_eval),
            }
        except Exception:
            return {}
        if before is None or not before:
            return now
        d = {k: now[k] - before.get(k, 0.0) for k in now}
        if d["prompt_eval_s"] > 0:
            d["prompt_tok_s"] = d["prompt_eval_tokens"] / d["prompt_eval_s"]
        if d["gen_s"] > 0:
            d["gen_tok_s"] = d["gen_tokens"] / d["gen_s"]
        return d
