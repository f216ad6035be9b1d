"""The agent end to end with a real model (the 0.5B GGUF on llama.cpp): a real question over a
real filing, with real tool calls executed. Slow; runs in CI on this one small case.

A 0.5B model is too weak for the answer to be checked for correctness here; what is checked
is the machinery: the model's tool calls parse, run against the store, the pages read are
recorded, and the answer comes back structured, with citations checked against those pages.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from docnav.engine import Engine
from docnav.settings import Settings


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, fb_pdfs: Path, small_llm) -> Engine:
    src = tmp_path_factory.mktemp("in") / "BESTBUY_2024Q2_10Q.pdf"
    shutil.copyfile(fb_pdfs / "BESTBUY_2024Q2_10Q.pdf", src)
    home = tmp_path_factory.mktemp("home")
    eng = Engine(Settings(home=home, agent_max_steps=4, llm_max_new_tokens=256))
    eng.ingest([src])
    eng.chat_model = small_llm
    return eng


@pytest.mark.slow
def test_agent_makes_real_tool_calls_and_answers(engine: Engine) -> None:
    steps = []
    ans = engine.ask(
        "What was Best Buy's revenue in the second quarter of fiscal 2024?",
        mode="agent",
        on_step=steps.append,
    )
    tools_run = [s for s in ans.trace.steps if s.kind == "tool"]
    assert tools_run, f"no tool ran: {[(s.kind, s.tool, s.summary) for s in ans.trace.steps]}"
    assert ans.trace.llm_calls >= 2 and ans.trace.tokens_in > 0 and ans.trace.tokens_out > 0
    assert steps == ans.trace.steps  # everything streamed was recorded, in order
    assert ans.answer
    for c in ans.citations:  # a verified citation points at a page the agent read
        if c.verified:
            assert (c.doc_id, c.page) in ans.trace.pages_read


@pytest.mark.slow
def test_rag_mode_answers_from_retrieved_pages(engine: Engine) -> None:
    ans = engine.ask(
        "What was Best Buy's revenue in the second quarter of fiscal 2024?", mode="rag"
    )
    assert ans.mode == "rag" and ans.trace.llm_calls == 1
    assert ans.trace.pages_read, "rag mode must record the retrieved pages"
    assert ans.answer
