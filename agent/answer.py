"""What every answer mode returns: the same structured answer, whatever produced it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

AnswerMode = Literal["closed-book", "rag", "long-context", "oracle", "agent"]


class Citation(BaseModel):
    doc_id: str
    doc_name: str
    page: int  # 1-based, as printed in the filing viewer
    section_path: str = ""
    quote: str  # verbatim snippet from text the model was shown
    verified: bool = False  # the quote was found in a page the model actually read


class NumberValue(BaseModel):
    value: float
    unit: str | None = None  # "USD", "%", "shares", ...
    text: str = ""  # as the model wrote it


class Step(BaseModel):
    """One step of the trace, also what is streamed: a model turn or a tool execution."""

    index: int
    kind: Literal["model", "tool", "answer", "error", "note"]
    tool: str | None = None
    arguments: dict[str, Any] = Field(default_factory=dict)
    summary: str = ""  # tool result summary / partial answer / error text
    tokens_in: int = 0
    tokens_out: int = 0
    seconds: float = 0.0


class Trace(BaseModel):
    steps: list[Step] = Field(default_factory=list)
    llm_calls: int = 0
    tool_calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    seconds: float = 0.0
    pages_read: list[tuple[str, int]] = Field(default_factory=list)  # (doc_id, 1-based page)
    budget_exhausted: bool = False


class Answer(BaseModel):
    question: str
    mode: AnswerMode
    model: str = ""
    answer: str
    number: NumberValue | None = None
    citations: list[Citation] = Field(default_factory=list)
    confidence: Literal["high", "medium", "low"] = "low"
    not_found: bool = False  # "not found in the filings"
    notes: list[str] = Field(default_factory=list)  # truncation, budget, filters applied ...
    thread_id: str | None = None
    trace: Trace = Field(default_factory=Trace)
