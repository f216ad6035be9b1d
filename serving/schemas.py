"""Request and response models of the REST API (what /openapi.json describes)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer, model_validator

from docnav.public import PublicHit, PublicOutlineEntry
from docnav.retrieval.index import SearchFilters
from docnav.serving.redact import file_name, public_text
from docnav.types import AnswerMode, Document, FileResult


class _Strict(BaseModel):
    # unknown fields are a client mistake worth a 422, not something to ignore silently
    model_config = ConfigDict(extra="forbid")


class FiltersIn(_Strict):
    """Metadata filters, applied before ranking."""

    company: str | None = Field(default=None, max_length=200)
    ticker: str | None = Field(default=None, max_length=20)
    form: str | None = Field(default=None, max_length=20)
    year_min: int | None = Field(default=None, ge=1900, le=2200)
    year_max: int | None = Field(default=None, ge=1900, le=2200)
    section_prefix: str | None = Field(default=None, max_length=500)
    doc_ids: list[str] | None = Field(default=None, max_length=500)

    def to_filters(self) -> SearchFilters:
        return SearchFilters(**self.model_dump())


class AskOptions(_Strict):
    """Model options passed to the agent when set (the engine says which it supports)."""

    max_steps: int | None = Field(default=None, ge=1, le=100)
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    max_tokens: int | None = Field(default=None, ge=1, le=32768)


class AskRequest(_Strict):
    question: str = Field(min_length=1, description="The question, in words.")
    mode: AnswerMode = "agent"
    doc: str | None = Field(default=None, max_length=200, description="Restrict to one filing.")
    filters: FiltersIn | None = None
    thread_id: str | None = Field(
        default=None, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$", description="Follow-up thread."
    )
    pages: list[int] | None = Field(
        default=None, max_length=50, description="oracle mode: evidence pages, 1-based."
    )
    stream: bool = Field(default=False, description="Stream steps as server-sent events.")
    options: AskOptions | None = None


class SearchRequest(_Strict):
    query: str = Field(min_length=1)
    mode: Literal["bm25", "dense", "hybrid", "hybrid+rerank"] = "hybrid"
    k: int = Field(default=10, ge=1, description="Hits to return (at most the server's max_k).")
    fusion: Literal["rrf", "weighted"] = "rrf"
    filters: FiltersIn | None = None


class SearchResponse(BaseModel):
    query: str
    mode: str
    k: int
    hits: list[PublicHit]  # pages 1-based, as Engine.search returns them
    analysis: dict[str, Any] | None = None  # how the query was read, when the engine says
    applied: list[str] = Field(default_factory=list)  # filters/expansions applied, in words
    timings: dict[str, float] = Field(default_factory=dict)  # ms per retrieval stage
    seconds: float


class PublicDocument(Document):
    """A catalog entry as clients see it: ``source_path`` is the file name only (where the
    server keeps its files is not the client's business)."""

    @model_validator(mode="before")
    @classmethod
    def _from_document(cls, data: Any) -> Any:
        # the engine returns Documents; they become PublicDocuments field for field
        if isinstance(data, Document) and not isinstance(data, PublicDocument):
            return data.model_dump()
        return data

    @field_serializer("source_path", when_used="json")
    def _source_name(self, v: str) -> str:
        return file_name(v)

    @field_serializer("warnings", when_used="json")
    def _public_warnings(self, v: list[str]) -> list[str]:
        return [public_text(w) for w in v]


class DocumentDetail(BaseModel):
    document: PublicDocument
    outline: list[PublicOutlineEntry]


class PageOut(BaseModel):
    doc_id: str
    page: int = Field(description="1-based, as citations print it.")
    n_pages: int
    text: str


class SectionOut(BaseModel):
    doc_id: str
    section: PublicOutlineEntry
    pages: list[PageOut]
    truncated: bool = False  # more pages than the server returns at once


JobStatus = Literal["queued", "running", "succeeded", "partial", "failed"]


class JobOut(BaseModel):
    id: str
    status: JobStatus
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None
    inputs: list[str] = Field(description="Files the job ingests (file names).")
    files_total: int = 0
    files_done: int = 0
    pages: int = 0
    errors: int = 0
    results: list[FileResult] = Field(default_factory=list)
    attempts: int = 0
    notes: list[str] = Field(default_factory=list)
    error: str | None = None

    # stored with full server paths (the runner needs them); clients see file names
    @field_serializer("inputs", when_used="json")
    def _input_names(self, v: list[str]) -> list[str]:
        return [file_name(p) for p in v]

    @field_serializer("results", when_used="json")
    def _public_results(self, v: list[FileResult]) -> list[FileResult]:
        return [r.model_copy(update=_public_result(r)) for r in v]

    @field_serializer("notes", when_used="json")
    def _public_notes(self, v: list[str]) -> list[str]:
        return [public_text(n) for n in v]

    @field_serializer("error", when_used="json")
    def _public_error(self, v: str | None) -> str | None:
        return public_text(v) if v else v


def _public_result(r: FileResult) -> dict[str, str]:
    update = {"path": file_name(r.path)}
    for field in ("error", "note"):  # free text may quote a server path
        text = getattr(r, field, None)
        if text:
            update[field] = public_text(text)
    return update


NEXT = "Pass as cursor for the next page; null on the last page."


class JobList(BaseModel):
    jobs: list[JobOut]
    next_cursor: str | None = Field(default=None, description=NEXT)


class DocumentList(BaseModel):
    documents: list[PublicDocument]
    next_cursor: str | None = Field(default=None, description=NEXT)


class ConversationOut(BaseModel):
    thread_id: str
    messages: list[dict[str, Any]]


class Check(BaseModel):
    ok: bool | None  # None: not checkable in this build
    detail: str = ""


class ReadyOut(BaseModel):
    ready: bool
    checks: dict[str, Check]


class HealthOut(BaseModel):
    status: Literal["ok"] = "ok"
    version: str


class ErrorDetail(BaseModel):
    loc: list[str]  # where: ["body", "query"]
    msg: str
    type: str


class ErrorBody(BaseModel):
    code: str
    message: str
    request_id: str | None = None
    details: list[ErrorDetail] | None = None  # validation errors (code "validation") only


class ErrorOut(BaseModel):
    error: ErrorBody
