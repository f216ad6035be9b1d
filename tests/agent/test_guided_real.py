"""The guided agent end to end with a real model (the 0.5B GGUF on llama.cpp) over the tiny
synthetic 10-K: the engine's hybrid search makes the first look, the model's tool calls run,
and the answer comes back structured. Slow; one small case.

As in test_agent_real, a 0.5B model is too weak for correctness to be checked here; the
machinery is: the first observation is built from real retrieval, the pages it showed count as
read, every model call parses, and citations are checked against what was shown.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from docnav.engine import Engine
from docnav.settings import Settings

from .synthetic import FILING


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, small_llm) -> Engine:
    src = tmp_path_factory.mktemp("in") / "ACME_2022_10K.txt"
    src.write_text(FILING, encoding="utf-8")
    home: Path = tmp_path_factory.mktemp("home")
    eng = Engine(
        Settings(home=home, agent_max_steps=4, llm_max_new_tokens=256, agent_policy="guided")
    )
    eng.ingest([src])
    eng.chat_model = small_llm
    return eng


@pytest.mark.slow
def test_guided_agent_starts_from_retrieval_and_answers(engine: Engine) -> None:
    steps = []
    ans = engine.ask(
        "What were ACME's net sales in FY2022? Use the income statement.",
        mode="agent",
        on_step=steps.append,
    )
    assert steps == ans.trace.steps
    first = ans.trace.steps[0]
    assert first.tool == "first_look" and "filing ACME_2022_10K" in first.summary
    assert ("ACME_2022_10K", 4) in ans.trace.pages_read  # the income statement, from a hit
    assert ans.trace.llm_calls >= 1 and ans.trace.tokens_in > 0
    assert "agent policy: guided" in ans.notes
    assert ans.answer
    for c in ans.citations:
        if c.verified:
            assert (c.doc_id, c.page) in ans.trace.pages_read
