"""The project's question JSONL format: round trip, clear errors, FinanceBench loading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docnav.questions import (
    Evidence,
    Question,
    QuestionFileError,
    formula_value,
    load_financebench,
    load_questions,
    save_questions,
)

REPO = Path(__file__).resolve().parents[2]
FB = REPO.parent / "shared" / "financebench" / "questions.jsonl"


def test_round_trip_keeps_fields_and_writes_both_page_numberings(tmp_path):
    q = Question(
        id="q1",
        question="Total?",
        answer="$5.1 billion",
        answer_value=5.1e9,
        answer_unit="USD",
        evidence=[
            Evidence(doc_name="A_2024_10K", page=12, value=3e9),
            Evidence(doc_name="A_2024_10K", page=40, value=2.1e9),
        ],
        failure_mode="fragmentation",
        formula="e0 + e1",
    )
    p = save_questions([q], tmp_path / "q.jsonl")
    row = json.loads(p.read_text().splitlines()[0])
    assert row["evidence"][0]["page"] == 12 and row["evidence"][0]["page_index"] == 11
    back = load_questions(p)
    assert back == [q]
    assert formula_value(back[0]) == pytest.approx(5.1e9)


def test_formula_rejects_anything_but_arithmetic():
    q = Question(
        id="x",
        question="?",
        answer="1",
        evidence=[Evidence(doc_name="d", page=1, value=2.0)],
        formula="__import__('os').getcwd()",
    )
    assert formula_value(q) is None
    q.formula = "abs(-e0) * 3 - 1"
    assert formula_value(q) == 5.0


def test_bad_lines_name_file_and_line(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"id": "a", "question": "?", "answer": "1"}\n\n{"id": "b", "question": "?"}\n')
    with pytest.raises(QuestionFileError, match=r"bad.jsonl:3: answer"):
        load_questions(p)
    with pytest.raises(QuestionFileError, match="cannot read"):
        load_questions(tmp_path / "missing.jsonl")
    p.write_text(
        '{"id": "a", "question": "?", "answer": "1", "evidence": [{"doc_name": "d", "page": 0}]}\n'
    )
    with pytest.raises(QuestionFileError, match="page"):
        load_questions(p)


@pytest.mark.shared
def test_financebench_loads_with_one_based_pages():
    if not FB.exists():
        pytest.skip(f"{FB} is absent: put the project's shared/ folder beside the repo")
    qs = load_financebench(FB)
    raw = [json.loads(x) for x in FB.read_text().splitlines() if x.strip()]
    assert len(qs) == len(raw) == 60
    for q, r in zip(qs, raw, strict=True):
        assert q.id == r["financebench_id"] and q.answer == str(r["answer"])
        assert r["doc_name"] in q.doc_names
        assert [e.page_index for e in q.evidence] == [e["evidence_page_num"] for e in r["evidence"]]


def test_one_loader_reads_both_formats_into_the_one_model(tmp_path):
    fb = {
        "financebench_id": "financebench_id_1",
        "company": "Acme",
        "doc_name": "ACME_2022_10K",
        "question_type": "metrics-generated",
        "question_reasoning": "Numerical reasoning",
        "question": "Capex?",
        "answer": "$1.5 billion",
        "evidence": [{"evidence_text": "Capex 1.5", "evidence_page_num": 59}],
    }
    p = tmp_path / "fb.jsonl"
    p.write_text(json.dumps(fb) + "\n")
    (q,) = load_questions(p)
    assert (q.id, q.source, q.question_reasoning) == (
        "financebench_id_1",
        "financebench",
        "Numerical reasoning",
    )
    assert q.doc_name == "ACME_2022_10K" and q.evidence_pages() == {("ACME_2022_10K", 60)}
    # docnav's format: doc_names default to the evidence's filings
    own = tmp_path / "own.jsonl"
    own.write_text(
        json.dumps(
            {
                "id": "a",
                "question": "?",
                "answer": "1",
                "evidence": [{"doc_name": "B_2024_10K", "page": 3}],
            }
        )
        + "\n"
    )
    assert load_questions(own)[0].doc_name == "B_2024_10K"
    dup = tmp_path / "dup.jsonl"
    dup.write_text(own.read_text() * 2)
    with pytest.raises(QuestionFileError, match="'a' appears twice"):
        load_questions(dup)
