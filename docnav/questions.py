"""The project's question model and its one loader: one JSON object a line (JSONL), used by
the synthetic corpus (``docnav synth``), the demo and the benchmark harness; FinanceBench's
``questions.jsonl`` loads into the same model (:func:`load_questions` tells them apart), so
nothing downstream sees where a question came from.

Evidence pages are **1-based** in the file (``page``, as people count); ``page_index`` is the
0-based index into docnav's stored pages (written too, for convenience; ignored on load)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, computed_field, model_validator

from docnav.errors import DocnavError

__all__ = [
    "FAILURE_MODES",
    "Evidence",
    "Question",
    "QuestionFileError",
    "load_financebench",
    "load_questions",
    "round_robin",
    "save_questions",
]

FailureMode = Literal[
    "fragmentation", "number_forms", "causal_chain", "vocabulary", "temporal", "multi_document"
]
FAILURE_MODES: tuple[str, ...] = FailureMode.__args__  # type: ignore[attr-defined]
Q = TypeVar("Q")


class QuestionFileError(DocnavError):
    """A question file that cannot be read; the message names the file and line."""


class Evidence(BaseModel):
    model_config = ConfigDict(extra="ignore")

    doc_name: str  # file stem of the filing, e.g. "NORTHWIND_2024_10K"
    page: int = Field(ge=1)  # 1-based page number
    text: str | None = None  # a literal snippet on that page (FinanceBench: evidence_text)
    value: float | None = None  # full-scale value the snippet states, when it is an amount

    @computed_field  # type: ignore[prop-decorator]
    @property
    def page_index(self) -> int:
        """0-based index into docnav's stored pages."""
        return self.page - 1


class Question(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    question: str
    answer: (
        str  # the gold answer as a person writes it: "$45.2 million", "Northwind, by $1.2 billion"
    )
    answer_value: float | None = None  # numeric gold answer at full scale (45200000.0)
    answer_unit: str | None = None  # "USD", "%", "shares", ...
    company: str | None = None
    doc_names: list[str] = Field(default_factory=list)  # filings the answer needs
    evidence: list[Evidence] = Field(default_factory=list)
    failure_mode: FailureMode | None = None  # which RAG failure the question is built to expose
    question_type: str | None = None  # "extraction", "calculation", "comparison", or FinanceBench's
    formula: str | None = None  # how evidence values give answer_value: "e0 + e1 - e2"
    justification: str | None = None
    question_reasoning: str | None = None  # FinanceBench's reasoning type
    source: str | None = None  # "synth", "financebench"

    @model_validator(mode="after")
    def _doc_names_from_evidence(self) -> Question:
        # a file that names no filings still says which ones through its evidence
        if not self.doc_names and self.evidence:
            self.doc_names = list(dict.fromkeys(e.doc_name for e in self.evidence))
        return self

    @property
    def doc_name(self) -> str | None:
        """The filing the answer comes from (single-store and oracle runs): the first named."""
        return self.doc_names[0] if self.doc_names else None

    def evidence_pages(self) -> set[tuple[str, int]]:
        """(doc_name, 1-based page) of every evidence page."""
        return {(e.doc_name, e.page) for e in self.evidence}


def load_questions(path: str | Path) -> list[Question]:
    """Questions from a docnav or a FinanceBench JSONL file (told apart by the first line's
    ``financebench_id``; blank lines skipped). Raises QuestionFileError naming the line on bad
    JSON or a missing field, and on an id that appears twice."""
    p = Path(path)
    lines = _read_lines(p)
    qs = load_financebench(p) if _is_financebench(lines) else _load_docnav(p, lines)
    seen: set[str] = set()
    for q in qs:
        if q.id in seen:
            raise QuestionFileError(f"{p}: question id {q.id!r} appears twice")
        seen.add(q.id)
    return qs


def _is_financebench(lines: list[str]) -> bool:
    first = next((line for line in lines if line.strip()), "")
    try:
        row = json.loads(first)
    except json.JSONDecodeError:
        return False  # the docnav reader names the line
    return isinstance(row, dict) and "financebench_id" in row


def _read_lines(p: Path) -> list[str]:
    try:
        return p.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise QuestionFileError(f"cannot read {p}: {exc.strerror or exc}") from exc


def _load_docnav(p: Path, lines: list[str]) -> list[Question]:
    out = []
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            out.append(Question.model_validate_json(line))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"]) or "line"
            raise QuestionFileError(f"{p}:{i}: {where}: {first['msg']}") from exc
    return out


def save_questions(questions: Iterable[Question], path: str | Path) -> Path:
    """Write questions as JSONL (one object a line, UTF-8, keys in model order)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("w", encoding="utf-8") as fh:
        for q in questions:
            fh.write(q.model_dump_json(exclude_none=True) + "\n")
    return p


def load_financebench(path: str | Path) -> list[Question]:
    """FinanceBench's ``questions.jsonl`` in the project's format. Its ``evidence_page_num``
    is 0-based, so ``page`` = ``evidence_page_num`` + 1."""
    p = Path(path)
    out = []
    for i, line in enumerate(_read_lines(p), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            ev = [
                Evidence(
                    doc_name=e.get("doc_name") or row["doc_name"],
                    page=int(e["evidence_page_num"]) + 1,
                    text=e.get("evidence_text") or None,
                )
                for e in row.get("evidence") or []
            ]
            docs = list(dict.fromkeys([row["doc_name"], *(e.doc_name for e in ev)]))
            out.append(
                Question(
                    id=str(row["financebench_id"]),
                    question=row["question"],
                    answer=str(row["answer"]),
                    company=row.get("company"),
                    doc_names=docs,
                    evidence=ev,
                    question_type=row.get("question_type"),
                    question_reasoning=row.get("question_reasoning") or None,
                    justification=row.get("justification") or None,
                    source="financebench",
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise QuestionFileError(f"{p}:{i}: not a FinanceBench question ({exc})") from exc
    return out


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


def formula_value(q: Question) -> float | None:
    """``q.formula`` evaluated over its evidence values (e0, e1, ...); None without a formula
    or when an evidence value is missing. Only numbers, e-names, + - * / and abs() are allowed."""
    import ast

    if not q.formula:
        return None
    env = {f"e{i}": e.value for i, e in enumerate(q.evidence)}
    tree = ast.parse(q.formula, mode="eval")

    def ev(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        if isinstance(node, ast.Name) and node.id in env:
            v = env[node.id]
            if v is None:
                raise ValueError(f"evidence {node.id} has no value")
            return float(v)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -ev(node.operand)
        if isinstance(node, ast.BinOp) and isinstance(
            node.op, ast.Add | ast.Sub | ast.Mult | ast.Div
        ):
            a, b = ev(node.left), ev(node.right)
            return {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b}.get(
                type(node.op), a / b if b else float("nan")
            )
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "abs"
            and len(node.args) == 1
        ):
            return abs(ev(node.args[0]))
        raise ValueError(f"unsupported formula element {ast.dump(node)[:40]}")

    try:
        return ev(tree)
    except ValueError:
        return None
