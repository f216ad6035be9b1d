"""Chat models behind one protocol: OpenAI-compatible HTTP (vLLM), llama.cpp on the CPU, vLLM
in-process. ``make_chat_model(settings)`` picks one from ``DOCNAV_LLM_*``."""

from __future__ import annotations

from docnav.agent.llm.base import (
    ChatMessage,
    ChatModel,
    ChatResponse,
    ContextOverflow,
    LLMError,
    ToolCall,
    ToolSpec,
    Usage,
)
from docnav.agent.llm.gguf import MODELS, ModelNotAvailable, resolve_model_path
from docnav.settings import Settings, get_settings

BACKENDS = ("local", "openai", "vllm")


def make_chat_model(settings: Settings | None = None) -> ChatModel:
    """The configured backend; a clear LLMError for a bad setting or a missing install."""
    s = settings or get_settings()
    backend = s.llm_backend.strip().lower()
    if backend == "local":
        from docnav.agent.llm.llama_cpp import LlamaCppChatModel, import_llama_cpp

        import_llama_cpp()  # fail on a missing install before assembling 1 GB of weights
        path = resolve_model_path(s.llm_model, s.models_dir)
        return LlamaCppChatModel(
            path,
            name=s.llm_model if s.llm_model in MODELS else None,
            n_ctx=s.llm_ctx,
            n_batch=s.llm_batch,
            n_threads=s.llm_threads,
            flash_attn=s.llm_flash_attn,
            grammar=s.llm_grammar,
            seed=s.llm_seed,
        )
    if backend == "openai":
        from docnav.agent.llm.openai_http import OpenAIChatModel

        if not s.llm_base_url:
            raise LLMError(
                "DOCNAV_LLM_BACKEND=openai needs DOCNAV_LLM_BASE_URL, e.g. http://localhost:8000/v1"
            )
        return OpenAIChatModel(
            s.llm_base_url,
            s.llm_model,
            api_key=s.llm_api_key,
            timeout_s=s.llm_timeout_s,
            max_retries=s.llm_max_retries,
            context_window=s.llm_ctx,
        )
    if backend == "vllm":
        from docnav.agent.llm.vllm_inproc import VllmChatModel

        if not s.llm_model:
            raise LLMError("DOCNAV_LLM_BACKEND=vllm needs DOCNAV_LLM_MODEL (a HF name or path)")
        return VllmChatModel(
            s.llm_model,
            max_model_len=s.llm_ctx,
            tensor_parallel_size=s.llm_tensor_parallel_size,
            gpu_memory_utilization=s.llm_gpu_memory_utilization,
            seed=s.llm_seed,
        )
    raise LLMError(
        f"unknown DOCNAV_LLM_BACKEND {s.llm_backend!r}: use one of {', '.join(BACKENDS)}"
    )


__all__ = [
    "BACKENDS",
    "MODELS",
    "ChatMessage",
    "ChatModel",
    "ChatResponse",
    "ContextOverflow",
    "LLMError",
    "ModelNotAvailable",
    "ToolCall",
    "ToolSpec",
    "Usage",
    "make_chat_model",
    "resolve_model_path",
]
