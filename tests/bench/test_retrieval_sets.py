"""bench/retrieval_sets: a row measured again keeps its earlier figures beside the new ones
(before / after on the same question sets), and the unseen question set is well formed."""

from __future__ import annotations

import json
from pathlib import Path

from docnav.bench.retrieval_sets import merge, to_markdown

UNSEEN = Path(__file__).parents[2] / "bench" / "data" / "retrieval_unseen.jsonl"
FIG = {
    "page_recall@1": 0.5,
    "page_recall@5": 0.8,
    "page_recall@10": 1.0,
    "page_recall@20": 1.0,
    "right_filing_in_top10": 1.0,
}


def _run(commit: str, r1: float) -> dict:
    row = {"figures": {**FIG, "page_recall@1": r1}, "page_rank": {"q1": 1}}
    return {
        "command": f"run at {commit}",
        "measured_at_commit": commit,
        "sets": {"unseen": {"questions": 1, "path": "u.jsonl", "rows": {"a": row}}},
    }


def test_a_row_measured_again_keeps_the_earlier_figures():
    first = merge(None, _run("1111111aaaa", 0.25))
    both = merge(first, _run("2222222bbbb", 0.75))
    rows = both["sets"]["unseen"]["rows"]
    assert rows["a"]["figures"]["page_recall@1"] == 0.75 and rows["a"]["commit"] == "2222222bbbb"
    assert rows["a [1111111]"]["figures"]["page_recall@1"] == 0.25
    md = to_markdown(both)
    assert "| a [1111111] | 25.0 |" in md and "| a | 75.0 |" in md
    assert both["runs"] == ["run at 1111111aaaa", "run at 2222222bbbb"]


def test_the_unseen_set_names_filings_no_dev_question_asks_about():
    dev = Path(__file__).parents[3] / "shared" / "financebench" / "questions.jsonl"
    qs = [json.loads(x) for x in UNSEEN.read_text().splitlines() if x.strip()]
    assert len(qs) >= 15
    for q in qs:
        assert q["evidence"] and all(e["doc_name"] == q["doc_name"] for e in q["evidence"])
        assert all(isinstance(e["evidence_page_num"], int) for e in q["evidence"])
    if dev.exists():
        asked = {json.loads(x)["doc_name"] for x in dev.read_text().splitlines() if x.strip()}
        assert not asked & {q["doc_name"] for q in qs}
