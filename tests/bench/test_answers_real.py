"""A tiny end-to-end answer benchmark with the real 0.5B model (llama.cpp) on a real filing:
closed-book on a numeric and a sentence question, single-store RAG on the numeric one, graded
(the sentence answer judged by the same real model), reported. Slow; runs in CI on this one small case.

A 0.5B model's answers are not checked for correctness: what is checked is that the whole
pipeline runs on real parts and that every row is graded by a named checker."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from docnav.bench.answers import RunConfig, read_rows, run_answers
from docnav.bench.answers_report import write_report
from docnav.engine import Engine
from docnav.settings import Settings

SMALL_MODEL = "qwen2.5-coder-0.5b"


@pytest.mark.slow
def test_tiny_bench_run_with_the_real_small_model(fb_pdfs: Path, tmp_path: Path, small_llm) -> None:
    src = tmp_path / "in"
    src.mkdir()
    shutil.copyfile(fb_pdfs / "BESTBUY_2024Q2_10Q.pdf", src / "BESTBUY_2024Q2_10Q.pdf")
    home = tmp_path / "home"
    eng = Engine(Settings(home=home, rag_mode="bm25", rag_k=2, llm_max_new_tokens=96))
    eng.ingest([src])
    eng.chat_model = small_llm
    qfile = tmp_path / "q.jsonl"
    qfile.write_text(
        json.dumps(
            {
                "id": "bby-rev",
                "question": "What was Best Buy's total revenue for the three months ended "
                "July 29, 2023, in USD millions?",
                "answer": "$9,583 million",
                "doc_names": ["BESTBUY_2024Q2_10Q"],
                "evidence": [{"doc_name": "BESTBUY_2024Q2_10Q", "page": 4}],
            }
        )
        + "\n"
        + json.dumps(
            {
                "id": "bby-why",
                "question": "Why did Best Buy's domestic comparable sales decline in Q2 FY2024?",
                "answer": "Lower demand in appliances, home theater, computing and mobile phones.",
                "doc_names": ["BESTBUY_2024Q2_10Q"],
            }
        )
        + "\n"
    )
    # closed-book on both (numeric verifier; the real model judging the sentence answer), then
    # rag-single on the numeric one into the same run folder (a resumed run with another mode)
    cfg = RunConfig(
        questions=qfile,
        modes=["closed-book"],
        out=tmp_path / "run",
        judge="same",
        timeout_s=600,
        paper_results=None,
    )
    run_answers(cfg, engine=eng, judge=small_llm)
    cfg2 = cfg.model_copy(update={"modes": ["rag-single"], "ids": ["bby-rev"]})
    run_answers(cfg2, engine=eng, judge=small_llm)
    rows, bad = read_rows(cfg.out / "answers.jsonl")
    assert bad == 0 and len(rows) == 3
    for r in rows:
        assert r["status"] == "ok", r.get("error")
        assert r["answer"]["trace"]["llm_calls"] >= 1 and r["answer"]["trace"]["tokens_in"] > 0
        v = r["verdict"]
        # every row names its checker; a 0.5B judge may fail to give a verdict ("error")
        expected = {"numeric", "refusal"} if r["id"] == "bby-rev" else {"judge", "refusal"}
        assert v["checker"] in expected, v
    rag = [r for r in rows if r["variant"] == "rag-single"]
    assert len(rag) == 1 and rag[0]["pages_read"]  # retrieved pages, by filing name
    assert all(doc == "BESTBUY_2024Q2_10Q" for doc, _ in rag[0]["pages_read"])
    res = write_report(cfg.out)
    assert set(res["variants"]) == {"closed-book", "rag-single"}
    assert (cfg.out / "report.md").is_file() and (cfg.out / "accuracy_by_mode.png").is_file()
