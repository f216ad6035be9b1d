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
from docnav.settings import Settings

BACKENDS = ("local", "openai", "vllm")


def make_chat_model(settings: Settings) -> ChatModel:
    """The backend ``settings.llm`` names; a clear LLMError for a bad setting or a missing
    install. (``settings`` whole: the local backend keeps its weights under the home.)"""
    s = settings.llm
    backend = s.backend.strip().lower()
    if backend == "local":
        from docnav.agent.llm.llama_cpp import LlamaCppChatModel, import_llama_cpp

        import_llama_cpp()  # fail on a missing install before assembling 1 GB of weights
        path = resolve_model_path(s.model, settings.models_dir, also=[settings.home_models_dir])
        return LlamaCppChatModel(
            path,
            name=s.model if s.model in MODELS else None,
            n_ctx=s.ctx,
            n_batch=s.batch,
            n_threads=s.threads,
            flash_attn=s.flash_attn,
            grammar=s.grammar,
            seed=s.seed,
        )
    if backend == "openai":
        from docnav.agent.llm.openai_http import OpenAIChatModel

        if not s.base_url:
            raise LLMError(
                "DOCNAV_LLM_BACKEND=openai needs DOCNAV_LLM_BASE_URL, e.g. http://localhost:8000/v1"
            )
        return OpenAIChatModel(
            s.base_url,
            s.model,
            api_key=s.api_key,
            timeout_s=s.timeout_s,
            max_retries=s.max_retries,
            context_window=s.ctx,
        )
    if backend == "vllm":
        from docnav.agent.llm.vllm_inproc import VllmChatModel

        if not s.model:
            raise LLMError("DOCNAV_LLM_BACKEND=vllm needs DOCNAV_LLM_MODEL (a HF name or path)")
        return VllmChatModel(
            s.model,
            max_model_len=s.ctx,
            tensor_parallel_size=s.tensor_parallel_size,
            gpu_memory_utilization=s.gpu_memory_utilization,
            seed=s.seed,
        )
    raise LLMError(f"unknown DOCNAV_LLM_BACKEND {s.backend!r}: use one of {', '.join(BACKENDS)}")


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
