"""The reranker benchmark on a small real store: wiring, the shared ceiling, resumption.

The chat model here is a stand-in that answers every ranking request with the same text,
so the expected recall is known exactly; the measured run uses the real model
(`docnav bench rerank`)."""

from __future__ import annotations

import json
import shutil

import pytest

from docnav.agent.llm.base import ChatMessage, ChatResponse, Usage
from docnav.bench.rerank import BASELINE, run_rerank_bench
from docnav.engine import Engine
from docnav.settings import Settings

pytestmark = [pytest.mark.shared, pytest.mark.slow]

DOCS = ("AMCOR_2023Q4_EARNINGS", "BESTBUY_2024Q2_10Q", "ULTABEAUTY_2023Q4_EARNINGS")


class SameAnswer:
    """Answers every prompt with ``text``; counts the calls."""

    name = "same-answer"
    context_window = 32768

    def __init__(self, text: str) -> None:
        self.text = text
        self.calls = 0

    def chat(self, messages, tools=None, *, max_tokens=512, temperature=0.0, tool_choice="auto"):
        self.calls += 1
        return ChatResponse(message=ChatMessage(role="assistant", content=self.text), usage=Usage())


@pytest.fixture(scope="module")
def small_store(fb_pdfs, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rerank")
    pdfs = tmp / "pdfs"
    pdfs.mkdir()
    for d in DOCS:
        shutil.copyfile(fb_pdfs / f"{d}.pdf", pdfs / f"{d}.pdf")
    engine = Engine(Settings(home=tmp / "home"))
    assert not engine.ingest([pdfs]).failed
    qs = [
        json.loads(x)
        for x in (fb_pdfs.parent / "questions.jsonl").read_text().splitlines()
        if x.strip()
    ]
    qfile = tmp / "q.jsonl"
    qfile.write_text("\n".join(json.dumps(q) for q in qs if q["doc_name"] in DOCS))
    return engine, qfile


def test_unusable_answers_keep_the_baseline_order_and_resume(small_store, tmp_path):
    engine, qfile = small_store
    model = SameAnswer("I cannot rank these passages.")
    engine.chat_model = model
    out = tmp_path / "out"
    specs = ["llm:listwise", "llm:pointwise"]
    res = run_rerank_bench(engine, qfile, out, specs, depth=10)
    n = res["questions"]
    assert n >= 3 and n == res["questions_planned"]
    base = res["table"][BASELINE]
    for s in specs:
        row = res["table"][s]
        # nothing parsed: the input order decides, so recall equals no reranking exactly
        assert {k: row[k] for k in base if k.startswith(("recall", "mrr"))} == {
            k: base[k] for k in base if k.startswith(("recall", "mrr"))
        }
        assert row["fallback_share"] == 1.0
        assert res["rank_moves_vs_none"][s] == {"better": 0, "worse": 0}
    assert res["table"]["llm:listwise"]["llm_calls_mean"] == 1.0  # 10 candidates, one window
    assert res["table"]["llm:pointwise"]["llm_calls_mean"] == 10.0  # one call per candidate
    assert base["recall@10"] <= res["ceiling_recall_at_depth"]
    assert model.calls == 11 * n
    rows = (out / "rows.jsonl").read_text().splitlines()
    assert len(rows) == 3 * n

    # a rerun does nothing; a lost line is redone, once
    (out / "rows.jsonl").write_text("\n".join(rows[:-1]) + "\n")
    again = run_rerank_bench(engine, qfile, out, specs, depth=10)
    assert len((out / "rows.jsonl").read_text().splitlines()) == 3 * n
    assert again["table"] == res["table"]
    assert "| llm:listwise |" in (out / "report.md").read_text()
    assert (out / "rerank.png").stat().st_size > 5_000


def test_a_model_that_reverses_the_order_moves_ranks(small_store, tmp_path):
    engine, qfile = small_store
    engine.chat_model = SameAnswer(", ".join(str(i) for i in range(10, 0, -1)))
    res = run_rerank_bench(engine, qfile, tmp_path / "out", ["llm:listwise"], depth=10)
    moved = res["rank_moves_vs_none"]["llm:listwise"]
    assert res["table"]["llm:listwise"]["fallback_share"] == 0.0
    # the model's order is used: found questions change rank (the gold page at the top now
    # sits at the bottom of the ten, unless another gold page was also among them)
    found = [r for r in res["per_question"] if r["reranker"] == BASELINE and r["rank"]]
    assert found and moved["better"] + moved["worse"] >= 1
    assert moved["worse"] >= 1
