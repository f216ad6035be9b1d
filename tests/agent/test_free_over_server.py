"""The free policy, meant for server models, end to end against an OpenAI-compatible server:
llama.cpp's server (0.5B GGUF) standing in for vLLM. What is checked is the machinery a
deployment relies on (auto picks free for a server backend, tool calls cross HTTP, run against
the store and come back as an answer with a trace), not the 0.5B model's correctness."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from docnav.engine import Engine
from docnav.settings import Settings


@pytest.mark.slow
def test_free_agent_over_an_openai_compatible_server(
    llama_server: str, tmp_path: Path, fb_pdfs: Path
) -> None:
    src = tmp_path / "in" / "BESTBUY_2024Q2_10Q.pdf"
    src.parent.mkdir()
    shutil.copyfile(fb_pdfs / "BESTBUY_2024Q2_10Q.pdf", src)
    eng = Engine(
        Settings(
            home=tmp_path / "home",
            llm_backend="openai",
            llm_base_url=llama_server,
            agent_policy="auto",
            agent_max_steps=2,
            llm_max_new_tokens=200,
            tool_max_chars=1500,
            llm_timeout_s=900,
        )
    )
    eng.ingest([src])
    assert eng.agent_policy == "free"
    ans = eng.ask("What was Best Buy's revenue in the second quarter of fiscal 2024?", mode="agent")
    assert "agent policy: guided" not in ans.notes
    assert ans.trace.llm_calls >= 1 and ans.trace.tokens_in > 0
    assert any(s.kind == "model" for s in ans.trace.steps)
    assert ans.answer
    # a follow-up in the same thread resends the first turn (its final_answer call included):
    # the server must accept the chat (it refused an unanswered tool call before)
    more = eng.ask("And in the first quarter?", mode="agent", thread_id=ans.thread_id)
    assert more.answer and more.thread_id == ans.thread_id
    assert more.trace.llm_calls >= 1
