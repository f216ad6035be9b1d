"""The ``search`` tool: the hybrid retriever (BM25 + dense, filters before ranking) as a tool."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from docnav.retrieval.index import SearchFilters
from docnav.tools.access import ToolError, find_document, read_page
from docnav.tools.base import PageRead, Tool, ToolContext, ToolResult


def _prefix_on_page(words: list[str], i: int, page: str) -> int:
    """Largest j such that words[i:j] (space-joined) occurs in ``page`` (whitespace-collapsed).
    Containment of a prefix is monotone in its length, so a binary search finds it."""
    lo, hi = i, len(words)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if " ".join(words[i:mid]) in page:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _page_reads(ctx: ToolContext, hit, shown: str) -> list[PageRead]:
    """Credit the shown snippet to the pages that hold it. Chunk text joins wrapped lines and
    may run over a page break, so the snippet is matched word by word (whitespace collapsed)
    against each page of the hit in turn; words found on no page are not recorded."""
    doc = find_document(ctx.store, hit.doc_id)
    words, i, reads = shown.split(), 0, []
    for p in range(hit.page_start, hit.page_end + 1):
        if i >= len(words):
            break
        try:
            page = " ".join(read_page(ctx.store, doc, p).split())
        except ToolError:
            continue
        j = _prefix_on_page(words, i, page)
        if j == i and p == hit.page_start:
            continue  # the chunk's first words may sit on the next page
        if j > i:
            reads.append(PageRead(doc_id=hit.doc_id, page=p, text=" ".join(words[i:j])))
            i = j
    return reads


class Search(Tool):
    """Search the filings by meaning and keywords (hybrid BM25 + embeddings) and get the best
    passages with document, 1-based pages, section path and a snippet. Filter by company,
    form, fiscal year or one doc. Use it to find where something is discussed; then read the
    section or pages around a hit for the full context."""

    name = "search"

    class Args(BaseModel):
        query: str = Field(min_length=1, max_length=1000, description="What to look for.")
        company: str | None = Field(default=None, description="Only this company's filings.")
        form: str | None = Field(default=None, description="Only this form, e.g. 10-K.")
        year: int | None = Field(default=None, description="Only this fiscal year.")
        doc: str | None = Field(default=None, description="Only this doc id.")
        k: int = Field(default=5, ge=1, le=20, description="Number of passages.")
        mode: Literal["hybrid", "bm25", "dense"] = Field(default="hybrid")

    def run(self, ctx: ToolContext, args: Args) -> ToolResult:
        if ctx.index is None:
            raise ToolError("search is not available here (no index); use grep instead")
        doc_ids = [find_document(ctx.store, args.doc).doc_id] if args.doc else None
        filters = SearchFilters(
            company=args.company,
            form=args.form,
            year_min=args.year,
            year_max=args.year,
            doc_ids=doc_ids,
        )
        res = ctx.index.search(args.query, mode=args.mode, k=args.k, filters=filters)
        hits = res.hits
        if not hits:
            return ToolResult(
                text=f"No passage found for {args.query!r} with those filters; loosen them "
                "or try grep for exact words.",
                summary="search: 0",
            )
        per_hit = max(300, (ctx.max_chars - 200) // len(hits) - 160)
        lines = [f"{len(hits)} passage(s) for {args.query!r} (pages are 1-based):"]
        if res.applied:  # what the retriever did to the query
            lines[0] += f"\n(search applied: {'; '.join(map(str, res.applied))[:300]})"
        reads: list[PageRead] = []
        for i, h in enumerate(hits, 1):
            a, b = h.page_start + 1, h.page_end + 1
            pages = f"p. {a}" if a == b else f"pp. {a}-{b}"
            snippet = h.text if len(h.text) <= per_hit else h.text[:per_hit]
            more = " …" if len(h.text) > per_hit else ""
            lines.append(
                f"[{i}] {h.doc_id} {pages} | {h.section_path} | {h.chunk_type}\n"
                f"{snippet.strip()}{more}"
            )
            reads += _page_reads(ctx, h, snippet)
        return ToolResult(
            text="\n\n".join(lines), reads=reads, summary=f"search {args.query!r}: {len(hits)}"
        )
