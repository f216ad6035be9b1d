"""Which filings are in the corpus: ``list_documents`` (the catalog) and ``glob`` (names)."""

from __future__ import annotations

import fnmatch
from pathlib import PurePath

from pydantic import BaseModel, Field

from docnav.tools.base import Tool, ToolContext, ToolResult
from docnav.types import Document


def describe(d: Document) -> str:
    m = d.meta
    period = m.fiscal_period or (f"FY{m.fiscal_year}" if m.fiscal_year else "period unknown")
    end = f", period end {m.period_end.isoformat()}" if m.period_end else ""
    return (
        f"{d.doc_id} | {m.company or 'company unknown'} | {m.form or 'form unknown'} | "
        f"{period}{end} | {d.n_pages} pages"
    )


def _bounded(lines: list[str], head: str, max_chars: int, more_hint: str) -> tuple[str, bool]:
    out, used = [head], len(head)
    for i, line in enumerate(lines):
        if used + len(line) + 1 > max_chars - 120:
            out.append(f"... {len(lines) - i} more not shown; {more_hint}")
            return "\n".join(out), True
        out.append(line)
        used += len(line) + 1
    return "\n".join(out), False


class ListDocuments(Tool):
    """List the filings in the corpus: doc id, company, form (10-K, 10-Q, 8-K, EARNINGS),
    fiscal period and page count. Call this first to pick the right filing and fiscal period;
    every other tool takes the doc id shown here. Filters are optional: company (part of the
    name, case-insensitive), form, fiscal year."""

    name = "list_documents"

    class Args(BaseModel):
        company: str | None = Field(default=None, description="Part of the company name.")
        form: str | None = Field(default=None, description="10-K, 10-Q, 8-K or EARNINGS.")
        year: int | None = Field(default=None, description="Fiscal year, e.g. 2018.")

    def run(self, ctx: ToolContext, args: Args) -> ToolResult:
        docs = ctx.store.list_documents(company=args.company, form=args.form, year=args.year)
        if not docs:
            total = len(ctx.store.list_documents())
            return ToolResult(
                text=f"No filing matches those filters ({total} in the corpus); "
                "try fewer filters or another spelling of the company.",
                summary="no documents",
            )
        head = f"{len(docs)} filing(s): doc_id | company | form | fiscal period | pages"
        text, cut = _bounded(
            [describe(d) for d in docs], head, ctx.max_chars, "add company/form/year filters"
        )
        return ToolResult(text=text, truncated=cut, summary=f"{len(docs)} documents")


class Glob(Tool):
    """Find filings by name with a shell-style pattern over doc ids and source file names,
    e.g. "*3M*2018*" or "*10Q*". Matches names in the corpus catalog only (not file system
    paths); case-insensitive."""

    name = "glob"

    class Args(BaseModel):
        pattern: str = Field(description='Shell pattern, e.g. "*AMCOR*" or "*_2022_10K".')

    def run(self, ctx: ToolContext, args: Args) -> ToolResult:
        pat = args.pattern.strip().lower()
        hits = []
        for d in ctx.store.list_documents():
            names = {d.doc_id, d.name, PurePath(d.source_path).name}  # never a folder path
            if any(fnmatch.fnmatchcase(n.lower(), pat) for n in names):
                hits.append(d)
        if not hits:
            return ToolResult(
                text=f"No filing name matches {args.pattern!r}; use * wildcards "
                '(e.g. "*3M*") or call list_documents.',
                summary="glob: 0",
            )
        lines = [f"{describe(d)} | file {PurePath(d.source_path).name}" for d in hits]
        text, cut = _bounded(
            lines, f"{len(hits)} filing(s) match {args.pattern!r}:", ctx.max_chars, "narrow it"
        )
        return ToolResult(text=text, truncated=cut, summary=f"glob: {len(hits)}")
