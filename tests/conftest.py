"""Shared fixtures. ../shared (FinanceBench PDFs, EDGAR HTML) sits beside the repo in CI;
tests that need it skip with a clear message where it is absent."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Ingestion embeds by default (DOCNAV_INGEST_EMBED); tests that ingest to read, grep or BM25
# would each pay for embeddings they never use (minutes on a busy 2-core box), so they defer
# them as before, and the first dense search builds them. Tests of ingest-time embedding
# (tests/docnav/test_ingest_embed.py, the README's commands) set it back on.
os.environ.setdefault("DOCNAV_INGEST_EMBED", "false")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FINANCEBENCH = SHARED / "financebench"
EDGAR = SHARED / "edgar"
SAMPLES = REPO / "docnav" / "data" / "samples"


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(
            f"{path} is absent: put the project's shared/ folder beside the repo to run this"
        )
    return path


@pytest.fixture(scope="session")
def fb_pdfs() -> Path:
    return _need(FINANCEBENCH / "pdfs")


@pytest.fixture(scope="session")
def edgar_dir() -> Path:
    return _need(EDGAR)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh DOCNAV_HOME for one test."""
    h = tmp_path / "home"
    monkeypatch.setenv("DOCNAV_HOME", str(h))
    from docnav.settings import get_settings

    get_settings.cache_clear()
    yield h
    get_settings.cache_clear()


@pytest.fixture
def small_pdfs(fb_pdfs: Path, tmp_path: Path) -> list[Path]:
    """Copies of two real filings (a short 10-Q and an 8-K) under neutral names."""
    out = []
    for name, new in (
        ("AMCOR_2023Q4_EARNINGS.pdf", "earnings.pdf"),
        ("BESTBUY_2024Q2_10Q.pdf", "quarterly.pdf"),
    ):
        dst = tmp_path / "in" / new
        dst.parent.mkdir(exist_ok=True)
        shutil.copyfile(fb_pdfs / name, dst)
        out.append(dst)
    return out


# -- the embedded 0.5B model for real-model tests (any package's tests may use these) -------
# The assembled .gguf files are cached across test runs (not per test home): assembling the
# 0.5B model copies 490 MB. Without the ``local`` extra the real-model tests skip with the
# install command; under CI (``CI`` set) they fail instead, so a CI that forgot the extra is
# not green.

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
def small_llm(small_gguf: Path, llama_cpp_installed: None):
    """A LlamaCppChatModel on the 0.5B model (loaded once per test session)."""
    from docnav.agent.llm.llama_cpp import LlamaCppChatModel

    return LlamaCppChatModel(small_gguf, name=SMALL_MODEL, n_ctx=4096, n_batch=256)


@pytest.fixture(scope="session")
def llama_cpp_installed() -> None:
    """llama-cpp-python importable (the ``local`` extra), else skip (fail in CI)."""
    from docnav.agent.llm import LLMError
    from docnav.agent.llm.llama_cpp import import_llama_cpp

    try:
        import_llama_cpp()
    except LLMError as e:
        _need_local("llama-cpp-python", e)
