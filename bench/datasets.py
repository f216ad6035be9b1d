"""Question sets for `docnav bench answers`: FinanceBench and docnav's own JSONL format.

FinanceBench (../shared/financebench/questions.jsonl): one object a line with
``financebench_id``, ``company``, ``doc_name``, ``question_type``, ``question_reasoning``,
``question``, ``answer`` and ``evidence`` (``doc_name`` + **0-based** ``evidence_page_num``).

docnav's own format (:mod:`docnav.questions`, one JSON object a line), for users' questions::

    {"id": "q1", "question": "What was 3M's FY2018 capex?", "answer": "$1,577 million",
     "answer_value": 1577000000, "answer_unit": "USD", "doc_names": ["3M_2018_10K"],
     "evidence": [{"doc_name": "3M_2018_10K", "page": 60}], "question_type": "extraction"}

Only ``id``, ``question`` and ``answer`` are required; ``evidence`` pages are **1-based** (as
a PDF viewer shows them). Both formats load into the same :class:`BenchQuestion`, so the
harness never sees where a question came from.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, Field

from docnav.errors import DocnavError
from docnav.questions import FAILURE_MODES, Question, load_financebench
from docnav.questions import load_questions as load_question_file

Q = TypeVar("Q")


class EvidencePage(BaseModel):
    doc_name: str
    page: int = Field(ge=1)  # 1-based


class BenchQuestion(BaseModel):
    id: str
    question: str
    answer: str
    answer_value: float | None = None  # numeric gold at full scale, when the file gives one
    answer_unit: str | None = None
    company: str | None = None
    doc_name: str | None = None  # the filing the answer comes from (single-store, oracle)
    doc_names: list[str] = Field(default_factory=list)
    question_type: str | None = None
    question_reasoning: str | None = None
    failure_mode: str | None = None
    evidence: list[EvidencePage] = Field(default_factory=list)
    source: str = "jsonl"  # "financebench" | "synth" | "jsonl"

    def evidence_pages(self) -> set[tuple[str, int]]:
        return {(e.doc_name, e.page) for e in self.evidence}


class PaperRow(BaseModel):
    """One labelled output of the FinanceBench paper (``paper_results/*.jsonl``)."""

    financebench_id: str
    model_name: str
    eval_mode: str
    question: str = ""
    gold_answer: str
    model_answer: str
    label: str  # "Correct Answer" | "Incorrect Answer" | "Refusal"


def _read_jsonl(path: Path) -> Iterable[tuple[int, dict]]:
    if not path.is_file():
        raise DocnavError(f"file not found: {path}")
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise DocnavError(f"{path}:{n}: not JSON ({e.msg})") from None
        if not isinstance(obj, dict):
            raise DocnavError(f"{path}:{n}: expected a JSON object")
        yield n, obj


def _from_question(q: Question, reasoning: str | None = None) -> BenchQuestion:
    names = list(q.doc_names) or list(dict.fromkeys(e.doc_name for e in q.evidence))
    return BenchQuestion(
        id=q.id,
        question=q.question,
        answer=q.answer,
        answer_value=q.answer_value,
        answer_unit=q.answer_unit,
        company=q.company,
        doc_name=names[0] if names else None,
        doc_names=names,
        question_type=q.question_type,
        question_reasoning=reasoning,
        failure_mode=q.failure_mode,
        evidence=[EvidencePage(doc_name=e.doc_name, page=e.page) for e in q.evidence],
        source=q.source or "jsonl",
    )


def load_questions(path: str | Path) -> list[BenchQuestion]:
    """Questions from a FinanceBench or docnav JSONL file (told apart by the first line's
    keys), read by :mod:`docnav.questions`; a clear error naming the line for a bad one."""
    path = Path(path)
    first = next(iter(_read_jsonl(path)), None)
    if first is None:
        raise DocnavError(f"{path}: no questions")
    if "financebench_id" in first[1]:
        # docnav.questions keeps no reasoning type; FinanceBench has one per question
        reasoning = {
            str(o["financebench_id"]): o.get("question_reasoning") for _, o in _read_jsonl(path)
        }
        qs = [_from_question(q, reasoning.get(q.id)) for q in load_financebench(path)]
    else:
        qs = [_from_question(q) for q in load_question_file(path)]
    seen: set[str] = set()
    for q in qs:
        if q.id in seen:
            raise DocnavError(f"{path}: question id {q.id!r} appears twice")
        seen.add(q.id)
    return qs


def round_robin(questions: Sequence[Q]) -> list[Q]:
    """Questions taken round-robin over their failure modes (in :data:`FAILURE_MODES` order,
    file order within a mode), so the first N of a planted set cover every mode; questions
    without a failure mode keep file order after them. A fixed rule, not a pick."""
    by_mode: dict[str | None, list[Q]] = {}
    for q in questions:
        by_mode.setdefault(getattr(q, "failure_mode", None), []).append(q)
    order = [m for m in FAILURE_MODES if m in by_mode] + [
        m for m in by_mode if m not in FAILURE_MODES
    ]
    out: list[Q] = []
    queues = [list(by_mode[m]) for m in order]
    while any(queues):
        for queue in queues:
            if queue:
                out.append(queue.pop(0))
    return out


def select(
    questions: list[BenchQuestion],
    ids: Iterable[str] | None = None,
    company: str | None = None,
    question_type: str | None = None,
    limit: int | None = None,
    failure_mode: str | None = None,
    order: str = "file",
) -> list[BenchQuestion]:
    """Filter by ids (in file order), company, question type and failure mode
    (case-insensitive), order (``file`` or ``round-robin`` over failure modes), then keep the
    first ``limit``. Unknown ids are an error, so a typo never shrinks a run silently."""
    out = questions
    if ids:
        wanted = {i.strip() for i in ids if i.strip()}
        known = {q.id for q in questions}
        # FinanceBench ids may be given without the prefix: 03029 for financebench_id_03029
        wanted = {
            i if i in known or f"financebench_id_{i}" not in known else f"financebench_id_{i}"
            for i in wanted
        }
        missing = sorted(wanted - known)
        if missing:
            raise DocnavError(f"unknown question ids: {', '.join(missing[:10])}")
        out = [q for q in out if q.id in wanted]
    if company:
        c = company.lower()
        out = [q for q in out if q.company and c in q.company.lower()]
    if question_type:
        t = question_type.lower()
        out = [q for q in out if q.question_type and q.question_type.lower() == t]
    if failure_mode:
        f = failure_mode.lower().replace("-", "_")
        out = [q for q in out if q.failure_mode and q.failure_mode.lower() == f]
    if order == "round-robin":
        out = round_robin(out)
    elif order != "file":
        raise DocnavError(f"unknown question order {order!r}; choose file or round-robin")
    if limit is not None:
        out = out[: max(limit, 0)]
    return out


def load_paper_results(folder: str | Path) -> list[PaperRow]:
    """Every labelled row of the paper's result files (one file per model × mode)."""
    folder = Path(folder)
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise DocnavError(f"no paper result files (*.jsonl) in {folder}")
    rows = []
    for f in files:
        for _, obj in _read_jsonl(f):
            obj = dict(obj)
            obj["gold_answer"] = str(obj.get("gold_answer", ""))
            obj["model_answer"] = str(obj.get("model_answer") or "")
            rows.append(PaperRow.model_validate(obj))
    return rows


def load_documents(path: str | Path) -> dict[str, dict]:
    """FinanceBench's documents sidecar by doc_name (company, doc_type, doc_period)."""
    return {obj["doc_name"]: obj for _, obj in _read_jsonl(Path(path)) if "doc_name" in obj}
