"""Settings: grouped by concern, every historical DOCNAV_* name still read, and an Engine built
with non-default settings uses them in every layer (nothing below it reads the environment)."""

from __future__ import annotations

import typing
from pathlib import Path

import numpy as np
import pytest

from docnav.errors import DocnavError
from docnav.settings import FLAT_NAMES, GROUPS, Settings

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "docnav" / "data" / "samples" / "BuckleInc.8-K.html"

# the 67 flat names of the settings before they were grouped (DOCNAV_HOME besides)
OLD_NAMES = """max_file_mb max_pages chunk_chars chunk_overlap_chars ingest_workers
ingest_edgartools_check lock_timeout_s embedding_model reranker_model embedding_dtype
ann_threshold ann_ef_search reranker rerank_depth llm_backend llm_base_url llm_model
llm_api_key llm_timeout_s llm_max_retries llm_ctx llm_threads llm_batch llm_flash_attn
llm_grammar llm_seed llm_gpu_memory_utilization llm_tensor_parallel_size api_keys api_key_file
ingest_roots upload_max_mb upload_max_files max_question_chars max_k ask_concurrency
ask_queue_wait_s retry_after_s ask_timeout_s search_timeout_s cors_origins log_json
serve_warm_dense grep_backend grep_timeout_s grep_max_matches grep_max_filesize_mb
tool_max_chars agent_max_steps agent_max_tokens agent_max_seconds llm_max_new_tokens
agent_policy agent_guided_off rag_k rag_mode search_understand search_expand
search_expand_weight search_max_query_chars search_unit search_route search_page_ranker
bench_numeric_tolerance bench_numeric_loose_tolerance bench_price_in_per_mtok
bench_price_out_per_mtok""".split()


def _other_value(annotation: typing.Any, default: typing.Any) -> tuple[str, typing.Any]:
    """An environment string for a value that differs from ``default``, and that value."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) is typing.Literal:
        other = next(a for a in typing.get_args(annotation) if a != default)
        return str(other), other
    kind = args[0] if args else annotation
    if kind is bool:
        return ("false", False) if default else ("true", True)
    if kind is int:
        return str((default or 0) + 3), (default or 0) + 3
    if kind is float:
        return str((default or 0.0) + 0.5), (default or 0.0) + 0.5
    if kind is Path:
        return "/tmp/docnav-elsewhere", Path("/tmp/docnav-elsewhere")
    return "something-else", "something-else"


def test_every_old_flat_name_is_still_read_from_the_environment(monkeypatch):
    assert set(OLD_NAMES) <= set(FLAT_NAMES), set(OLD_NAMES) - set(FLAT_NAMES)
    expected = {}
    for name, (group, field) in FLAT_NAMES.items():
        info = GROUPS[group].model_fields[field]
        raw, value = _other_value(info.annotation, info.default)
        monkeypatch.setenv("DOCNAV_" + name.upper(), raw)
        expected[(group, field)] = value
    monkeypatch.setenv("DOCNAV_HOME", "/tmp/docnav-env-home")
    s = Settings()
    assert s.home == Path("/tmp/docnav-env-home")
    for (group, field), value in expected.items():
        assert getattr(getattr(s, group), field) == value, (group, field)
        assert getattr(GROUPS[group](), field) != value, (group, field)  # really not the default


def test_arguments_win_over_the_environment_and_flat_or_grouped_spellings_agree(monkeypatch):
    monkeypatch.setenv("DOCNAV_LLM_BACKEND", "openai")
    monkeypatch.setenv("DOCNAV_LLM_MODEL", "from-env")
    s = Settings(llm_backend="vllm")
    assert (s.llm.backend, s.llm.model) == ("vllm", "from-env")
    assert Settings(llm={"backend": "vllm"}).llm == s.llm
    assert s.llm_backend == "vllm"  # the old flat attribute still reads
    copy = s.replace(rag_k=3, llm={"model": "other"})
    assert (copy.agent.rag_k, copy.llm.model, copy.llm.backend) == (3, "other", "vllm")
    assert s.agent.rag_k == 8  # replace made a copy


def test_bad_values_are_clear_errors():
    with pytest.raises(ValueError, match="ann_threshold"):
        Settings(ann_threshold="many")
    with pytest.raises(ValueError, match="unit"):
        Settings(retrieval={"unit": "word"})
    with pytest.raises(ValueError, match="no_such"):
        Settings(llm={"no_such": 1})


@pytest.mark.slow
def test_engine_with_non_default_settings_uses_them_in_every_layer(tmp_path):
    from docnav.engine import Engine

    s = Settings(
        home=tmp_path / "home",
        lock_timeout_s=7.0,
        embedding_dtype="float32",
        ann_threshold=1,
        ann_ef_search=33,
        tool_max_chars=777,
        grep_max_matches=5,
        agent_max_steps=3,
        agent_max_tokens=9999,
        agent_max_seconds=12.0,
        llm_max_new_tokens=99,
        llm_backend="openai",
        llm_base_url="http://127.0.0.1:9/v1",
        llm_timeout_s=4.0,
        llm_max_retries=0,
        llm_ctx=4096,
        max_question_chars=20,
    )
    eng = Engine(s)
    # ingestion: the store's lock wait
    assert eng.store._lock_timeout == 7.0
    # retrieval: the embedding dtype on disk, the ANN threshold and efSearch of the dense index
    assert not eng.ingest([SAMPLE]).failed
    eng.index.ensure(dense=True)
    assert eng.index.dense.ann_threshold == 1 and eng.index.dense.ef_search == 33
    assert eng.index.dense.uses_ann
    npys = list((s.home_dir / "indexes").glob("dense-*/*.npy"))
    assert npys and all(np.load(p, mmap_mode="r").dtype == np.float32 for p in npys)
    # tools
    ctx = eng.tool_context()
    assert (ctx.max_chars, ctx.grep_max_matches) == (777, 5)
    # llm
    m = eng.chat_model
    assert (m.context_window, m.max_retries, m.client.timeout) == (4096, 0, 4.0)
    # agent: the budget of the configured policy's runner (auto + openai = free)
    b = eng.runner.budget
    assert (b.max_steps, b.max_tokens, b.max_seconds, b.max_new_tokens) == (3, 9999, 12.0, 99)
    assert eng.runner.ctx.max_chars == 777
    # answering: the question limit
    with pytest.raises(DocnavError, match="limit 20"):
        eng.ask("a question longer than twenty characters", mode="rag")


def test_engine_ingest_limits_come_from_its_settings(tmp_path):
    from docnav.engine import Engine

    eng = Engine(Settings(home=tmp_path / "home", max_file_mb=0.001))
    rep = eng.ingest([SAMPLE])
    assert len(rep.failed) == 1 and "MB" in (rep.failed[0].error or "")
    assert "DOCNAV_MAX_FILE_MB" in rep.failed[0].error
