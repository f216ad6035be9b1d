"""Fixtures for real-model agent tests: the embedded GGUF models and a shared small LLM.

The assembled .gguf files are cached across test runs (not per test home): assembling the 0.5B
model copies 490 MB. Without the ``local`` extra the real-model tests skip with the install
command; under CI (``CI`` set) they fail instead, so a CI that forgot the extra is not green.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SMALL_MODEL = "qwen2.5-coder-0.5b"


def _need_local(what: str, exc: Exception) -> None:
    msg = f"{what} unavailable ({exc}); install with: pip install -e '.[local]'"
    if os.environ.get("CI"):
        pytest.fail(msg)
    pytest.skip(msg)


@pytest.fixture(scope="session")
def gguf_cache() -> Path:
    """Where assembled GGUF files are kept between test runs."""
    path = Path(os.environ.get("DOCNAV_TEST_MODELS", "~/.cache/docnav-test/models")).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def small_gguf(gguf_cache: Path) -> Path:
    """The 0.5B Qwen2.5-Coder GGUF, assembled from its PyPI parts."""
    from docnav.agent.llm.gguf import ModelNotAvailable, resolve_model_path

    try:
        return resolve_model_path(SMALL_MODEL, gguf_cache)
    except ModelNotAvailable as e:
        _need_local("the 0.5B model", e)
        raise


@pytest.fixture(scope="session")
def small_llm(small_gguf: Path):
    """A LlamaCppChatModel on the 0.5B model (loaded once per test session)."""
    from docnav.agent.llm import LLMError
    from docnav.agent.llm.llama_cpp import LlamaCppChatModel, import_llama_cpp

    try:
        import_llama_cpp()
    except LLMError as e:
        _need_local("llama-cpp-python", e)
    return LlamaCppChatModel(small_gguf, name=SMALL_MODEL, n_ctx=4096, n_batch=256)
