"""Shared types: the contract between ingestion, retrieval, tools, agent and serving.

Page numbers are **0-based everywhere in data** (``page``, ``page_start``, ``page_end``,
inclusive) and shown **1-based to people** (CLI, citations, API ``page_label``). Use
:func:`display_page` when printing.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

FileType = Literal["pdf", "html", "text"]
SectionKind = Literal["cover", "part", "item", "note", "statement", "exhibit", "other"]
ChunkType = Literal["text", "table"]
RefKind = Literal["note", "item", "exhibit", "part"]
MetaSource = Literal["content", "filename", "sidecar", "xbrl"]
StatementKind = Literal["income", "balance", "cashflow", "equity", "segment", "note", "other"]
FactSource = Literal["pdf", "xbrl", "html"]


def display_page(page: int) -> int:
    """0-based stored page index -> 1-based page number shown to people."""
    return page + 1


class NumberMention(BaseModel):
    """A number as written plus its canonical value.

    ``value`` is the full-scale value: "(1,234)" in a table headed "in millions" gives
    ``value=-1.234e9, scale=1e6, unit="USD"``; "2.5%" gives ``value=2.5, unit="%"``.
    ``canonical`` is a stable string form used for indexing and number-aware grep.
    """

    text: str
    value: float
    unit: str | None = None  # "USD", "%", "shares", "bps", or None for a bare number
    scale: float = 1.0  # multiplier applied to the written digits (1e3, 1e6, 1e9)
    canonical: str
    start: int | None = None  # char offset in the chunk text, when known


class CrossRef(BaseModel):
    """A reference made in the text, e.g. "See Note 12" -> label "Note 12"."""

    text: str
    kind: RefKind
    label: str  # canonical target label: "Note 12", "Item 7", "Exhibit 10.1", "Part II"
    target_section: str | None = None  # Section.id within the same document, when resolved


class Section(BaseModel):
    """A node of a filing's outline."""

    id: str  # stable within the document: "s0000", "s0001", ...
    title: str  # as shown: "Note 12 — Leases", "Item 7. Management's Discussion ..."
    kind: SectionKind
    label: str | None = None  # canonical key: "Part II", "Item 7", "Note 12", "Exhibit 99.1",
    # "Balance Sheet", "Income Statement", "Cash Flow Statement"
    level: int = 0  # 0 = top (Part or free-standing), 1 = Item, 2 = Note/statement ...
    parent: str | None = None  # parent Section.id
    page_start: int
    page_end: int  # inclusive, 0-based

    @property
    def page_label(self) -> str:
        a, b = display_page(self.page_start), display_page(self.page_end)
        return f"p. {a}" if a == b else f"pp. {a}-{b}"


class Block(BaseModel):
    """A unit of content in reading order, produced by structure detection."""

    type: Literal["text", "table"]
    text: str
    page_start: int
    page_end: int
    section_id: str | None = None  # innermost Section containing it; None = outside any
    caption: str | None = None  # tables: title line(s) above the table
    headers: list[str] = Field(default_factory=list)  # tables: column header lines (years)
    scale: float | None = None  # tables: 1e3 for "in thousands", 1e6 "in millions", ...


class Fact(BaseModel):
    """One value of one line item of a financial-statement (or Note) table, for one period.

    ``value`` is canonical: the sign comes from parentheses / a minus, and the table's
    scale is applied ("(1,234)" in a table "in millions" -> ``-1.234e9``). ``page`` is
    0-based like every page in data; show it with :func:`display_page`.
    """

    doc_id: str
    page: int  # 0-based
    section: str = ""  # section path: "Part II > Item 8 > Consolidated Balance Sheets"
    statement: StatementKind = "other"
    label: str  # row label as printed: "Purchases of property, plant and equipment"
    norm_label: str  # lower-case, punctuation-free form used for matching
    period: str | None = None  # "FY2019", "Q3 2024", or an as-of date "2019-12-31"
    column: str = ""  # the column head as printed: "2019", "December 31, 2019"
    value: float
    unit: str | None = None  # "USD", "shares", "%", "USD/share", or None for a bare number
    scale: str | None = None  # as printed: "in millions", "in thousands, except per share"
    source: FactSource = "pdf"
    concept: str | None = None  # XBRL concept, "us-gaap:PaymentsToAcquirePropertyPlantAndEquipment"


class StructuredDoc(BaseModel):
    """Output of structure detection: the outline plus content blocks in reading order."""

    sections: list[Section]
    blocks: list[Block]


class Chunk(BaseModel):
    id: str  # f"{doc_id}:{ordinal:05d}"
    doc_id: str
    ordinal: int
    type: ChunkType
    section_id: str | None
    section_path: str  # "Part II > Item 8 > Note 12 — Leases"; "(unknown)" when outside any
    page_start: int
    page_end: int
    text: str
    refs: list[CrossRef] = Field(default_factory=list)
    numbers: list[NumberMention] = Field(default_factory=list)
    # document metadata copied onto every chunk so retrieval can filter without a join
    company: str | None = None
    ticker: str | None = None
    form: str | None = None
    fiscal_year: int | None = None
    fiscal_period: str | None = None


class DocumentMeta(BaseModel):
    """What we know about one filing. Unknown fields stay None: never guessed silently."""

    company: str | None = None
    ticker: str | None = None
    cik: str | None = None
    form: str | None = None  # "10-K", "10-Q", "8-K", "EARNINGS" (earnings release)
    fiscal_year: int | None = None
    fiscal_period: str | None = None  # "FY2018", "Q3 2024"
    period_end: date | None = None
    filing_date: date | None = None
    former_names: list[str] = Field(default_factory=list)  # "formerly known as", from the text
    sources: dict[str, MetaSource] = Field(default_factory=dict)  # field -> where it came from


class Document(BaseModel):
    """A catalog entry."""

    doc_id: str
    name: str  # source file stem, e.g. "3M_2018_10K"
    source_path: str
    file_type: FileType
    content_hash: str  # sha256 of the source bytes
    n_pages: int
    n_chunks: int = 0
    n_sections: int = 0
    n_tables: int = 0
    n_refs: int = 0
    n_refs_resolved: int = 0
    meta: DocumentMeta = Field(default_factory=DocumentMeta)
    warnings: list[str] = Field(default_factory=list)  # what ingestion could not do fully
    ingested_at: str | None = None  # ISO timestamp
    docnav_version: str | None = None


class FileResult(BaseModel):
    """Outcome of ingesting one file."""

    path: str
    status: Literal["added", "replaced", "unchanged", "failed"]
    doc_id: str | None = None
    pages: int = 0
    chunks: int = 0
    seconds: float = 0.0
    error: str | None = None
    note: str | None = None  # e.g. another version of the same filing is kept beside it


class IngestReport(BaseModel):
    files: list[FileResult]
    seconds: float

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]

    @property
    def pages(self) -> int:
        return sum(f.pages for f in self.files if f.status != "failed")


# -- answers: what every answer mode returns, whatever produced it -----------------------
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
