"""bench/answer_cost.py over a committed guided run: the split of each run's prompt tokens is
exact, the guards are named, and a first look splits into its sections."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docnav.bench.answer_cost import _calls_once, run_cost, split_sections, trace_cost

RUN = Path(__file__).resolve().parents[2] / "results/answers-dev60-guided3/answers.jsonl"


@pytest.mark.skipif(not RUN.exists(), reason="the committed guided run is not in this checkout")
def test_the_split_of_a_runs_prompt_tokens_is_exact() -> None:
    run = run_cost(RUN, fixed=2303)
    assert run["questions"] >= 50
    for row in run["rows"]:
        assert row["check"] == 0
        assert sum(row["parts"].values()) == row["tokens_in"] == sum(row["prompts"])
        assert row["parts"]["system + tools"] == 2303 * row["calls"]
        assert 1 <= _calls_once(row) <= row["calls"]
    assert run["guard_fired"]["repeat"] > 0


def test_a_guard_is_named_from_its_note() -> None:
    trace = {
        "steps": [
            {"kind": "model", "tokens_in": 100, "tokens_out": 10, "tool": "facts"},
            {"kind": "error", "tool": "facts", "summary": "repeated facts: all evidence read"},
            {"kind": "model", "tokens_in": 150, "tokens_out": 20, "tool": "final_answer"},
            {
                "kind": "note",
                "tool": "final_answer",
                "summary": "a one-value answer that is not the best statement row: sent back once",
            },
            {"kind": "model", "tokens_in": 230, "tokens_out": 20, "tool": "final_answer"},
        ]
    }
    row = trace_cost(trace, fixed=60)
    assert row is not None and row["check"] == 0 and row["calls"] == 3
    assert row["guards"] == ["repeat", "best"]
    assert row["parts"]["guard: repeat"] == 40 * 2  # 150 - 100 - 10, resent twice
    assert row["parts"]["guard: best"] == 60
    assert _calls_once(row) == 2  # a repeat with all evidence read: the answer next
    assert json.dumps(row)


def test_first_look_sections() -> None:
    text = (
        "Top 2 passages retrieval found for the question:\n\n[1] A p. 3 | x\nrev 10\n\n"
        "[2] A p. 4 | y\ncost 5\n\nStatement line items that may hold the values (...):\n"
        "F1 | Revenue | FY2022 | 10\n\nOutline of A (9 pages):\nFinancial statements: ...\n\n"
        'The question needs the Income Statement: read_pages(doc="A", start=3, end=3)'
    )
    secs = split_sections(text)
    assert set(secs) == {"hits", "facts", "outline", "pointer"}
    assert "[2] A p. 4" in secs["hits"] and "F1 |" in secs["facts"]
