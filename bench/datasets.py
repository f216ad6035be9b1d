"""Question selection for `docnav bench answers` (ids, company, type, failure mode, order,
limit), and the FinanceBench paper's labelled results and documents sidecar.

Questions themselves (FinanceBench's ``questions.jsonl`` or docnav's own JSONL) are one model
with one loader: :class:`docnav.questions.Question`, :func:`docnav.questions.load_questions`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel

from docnav.errors import DocnavError
from docnav.questions import Question, round_robin


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


def select(
    questions: list[Question],
    ids: Iterable[str] | None = None,
    company: str | None = None,
    question_type: str | None = None,
    limit: int | None = None,
    failure_mode: str | None = None,
    order: str = "file",
) -> list[Question]:
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
