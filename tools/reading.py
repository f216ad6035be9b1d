"""Reading a filing: ``outline``, ``read_section``, ``read_pages``, ``follow_reference``.

Pages are 1-based in everything the model sees and sends; data stays 0-based inside."""

from __future__ import annotations

from pydantic import BaseModel, Field

from docnav.ingestion.section_lookup import SectionNotFound, norm
from docnav.ingestion.section_lookup import find_section as lookup_section
from docnav.ingestion.store import section_paths
from docnav.ingestion.xrefs import find_refs, resolve_refs
from docnav.tools.access import ToolError, find_document, read_page
from docnav.tools.base import Tool, ToolContext, ToolResult
from docnav.tools.paging import parse_cursor, render_pages
from docnav.types import Document, Section


def _depths(sections: list[Section]) -> dict[str, int]:
    by_id = {s.id: s for s in sections}
    out: dict[str, int] = {}
    for s in sections:
        d, cur, seen = 0, s, set()
        while cur.parent and cur.parent in by_id and cur.id not in seen:
            seen.add(cur.id)
            cur = by_id[cur.parent]
            d += 1
        out[s.id] = d
    return out


def find_section(sections: list[Section], query: str) -> tuple[Section, list[Section]]:
    """The shared section lookup (docnav.ingestion.section_lookup) with paths; a miss is a
    ToolError the model can act on. Returns (the first match, the other matches)."""
    if not norm(query):
        raise ToolError("no section given; call outline to see the section ids")
    try:
        return lookup_section(sections, query, section_paths(sections))
    except SectionNotFound as e:
        raise ToolError(
            f"no section {query!r} in this filing; call outline for ids and titles"
            + (f" (labels here: {e.labels})" if e.labels else "")
        ) from None


def _title_offset(text: str, title: str) -> int:
    """Where the section's heading starts on its first page (0 when not found)."""
    key = norm(title)[:30]
    if len(key) < 4:
        return 0
    pos = 0
    for line in text.splitlines(keepends=True):
        if key in norm(line) or (len(norm(line)) >= 8 and key.startswith(norm(line))):
            return pos
        pos += len(line)
    return 0


def _section_header(doc: Document, s: Section, path: str) -> str:
    return (
        f"{doc.doc_id} — section {s.id} {path} ({s.page_label} of {doc.n_pages}; "
        "page numbers are 1-based)\n"
    )


def read_section_text(
    ctx: ToolContext, doc: Document, s: Section, path: str, cursor: str | None, tool: str
) -> ToolResult:
    if cursor:
        start = parse_cursor(cursor, s.page_start, s.page_end)
    else:
        first_text = read_page(ctx.store, doc, s.page_start)
        start = (s.page_start, _title_offset(first_text, s.title))
    header = _section_header(doc, s, path)
    body, reads, nxt = render_pages(
        ctx.store, doc, s.page_start, s.page_end, ctx.max_chars - len(header) - 200, start
    )
    text = header + body
    if nxt:
        text += (
            f'\n[section continues: call {tool}(doc="{doc.doc_id}", section="{s.id}", '
            f'cursor="{nxt}") for the next part]'
        )
    else:
        text += "\n[end of section]"
    pages = sorted({r.page + 1 for r in reads})
    span = f"p. {pages[0]}" if len(pages) == 1 else f"pp. {pages[0]}-{pages[-1]}"
    return ToolResult(
        text=text,
        reads=reads,
        truncated=nxt is not None,
        summary=f"read {s.label or s.title[:40]} ({span}) of {doc.doc_id}",
    )


class Outline(Tool):
    """Show a filing's table of contents: every section (Part, Item, Note, financial
    statement, exhibit) with its id, label and 1-based page range. Use the id or label with
    read_section, or the pages with read_pages."""

    name = "outline"

    class Args(BaseModel):
        doc: str = Field(description="Doc id from list_documents.")

    def run(self, ctx: ToolContext, args: Args) -> ToolResult:
        doc = find_document(ctx.store, args.doc)
        sections = ctx.store.sections(doc.doc_id)
        if not sections:
            return ToolResult(
                text=f"{doc.doc_id} has no detected sections; read it with read_pages "
                f"(pages 1-{doc.n_pages}) or grep it.",
                summary=f"outline of {doc.doc_id}: none",
            )
        depth = _depths(sections)
        lines = [f"{doc.doc_id}: {len(sections)} sections, {doc.n_pages} pages (1-based)"]
        used = len(lines[0])
        for i, s in enumerate(sections):
            label = f"[{s.label}] " if s.label and s.label not in s.title else ""
            line = f"{'  ' * depth[s.id]}{s.id} {label}{s.title} — {s.page_label}"
            if used + len(line) > ctx.max_chars - 100:
                lines.append(f"... {len(sections) - i} more sections not shown")
                return ToolResult(text="\n".join(lines), truncated=True, summary="outline (cut)")
            lines.append(line)
            used += len(line) + 1
        return ToolResult(text="\n".join(lines), summary=f"outline of {doc.doc_id}")


class ReadSection(Tool):
    """Read a section of a filing in full (tables intact). `section` is a section id from
    outline ("s0012"), a label ("Note 12", "Item 7", "Item 1A") or part of a title
    ("Leases"). Long sections come in parts: pass the returned cursor to get the next part."""

    name = "read_section"

    class Args(BaseModel):
        doc: str = Field(description="Doc id from list_documents.")
        section: str = Field(description='Section id, label ("Note 12", "Item 7") or title words.')
        cursor: str | None = Field(default=None, description="Cursor from the previous part.")

    def run(self, ctx: ToolContext, args: Args) -> ToolResult:
        doc = find_document(ctx.store, args.doc)
        sections = ctx.store.sections(doc.doc_id)
        s, others = find_section(sections, args.section)
        paths = section_paths(sections)
        res = read_section_text(ctx, doc, s, paths[s.id], args.cursor, self.name)
        if others and not args.cursor:
            alt = "; ".join(f"{o.id} {paths[o.id]} ({o.page_label})" for o in others[:5])
            res.text = f"[{args.section!r} also matches: {alt} — pass an id to read one]\n" + (
                res.text
            )
        return res


class ReadPages(Tool):
    """Read pages of a filing in full, 1-based and inclusive (start=45, end=47). Long ranges
    come in parts within the size limit: pass the returned cursor to continue. A whole
    filing can be read this way, part by part."""

    name = "read_pages"

    class Args(BaseModel):
        doc: str = Field(description="Doc id from list_documents.")
        start: int = Field(ge=1, description="First page, 1-based.")
        end: int | None = Field(default=None, ge=1, description="Last page (default: start).")
        cursor: str | None = Field(default=None, description="Cursor from the previous part.")

    def run(self, ctx: ToolContext, args: Args) -> ToolResult:
        doc = find_document(ctx.store, args.doc)
        end = args.end or args.start
        if args.start > doc.n_pages:
            raise ToolError(f"{doc.doc_id} has pages 1-{doc.n_pages}; page {args.start} is past it")
        if end < args.start:
            raise ToolError(f"end ({end}) is before start ({args.start})")
        end = min(end, doc.n_pages)
        first, last = args.start - 1, end - 1
        start = parse_cursor(args.cursor, first, last) if args.cursor else None
        head = f"{doc.doc_id} pages {args.start}-{end} of {doc.n_pages} (1-based)\n"
        body, reads, nxt = render_pages(
            ctx.store, doc, first, last, ctx.max_chars - len(head) - 200, start
        )
        text = head + body
        if nxt:
            text += (
                f'\n[more: call read_pages(doc="{doc.doc_id}", start={args.start}, end={end}, '
                f'cursor="{nxt}") to continue]'
            )
        pages = [r.page + 1 for r in reads]
        return ToolResult(
            text=text,
            reads=reads,
            truncated=nxt is not None,
            summary=f"read pp. {pages[0]}-{pages[-1]} of {doc.doc_id}" if pages else "read nothing",
        )


class FollowReference(Tool):
    """Follow a cross-reference inside a filing, e.g. "Note 12", "see Item 7A", "Part II,
    Item 1A", "Exhibit 10.1": finds the section it points to and returns its first part
    (with a cursor when there is more)."""

    name = "follow_reference"

    class Args(BaseModel):
        doc: str = Field(description="Doc id from list_documents.")
        ref: str = Field(description='The reference as written, e.g. "Note 12".')

    def run(self, ctx: ToolContext, args: Args) -> ToolResult:
        doc = find_document(ctx.store, args.doc)
        sections = ctx.store.sections(doc.doc_id)
        paths = section_paths(sections)
        by_id = {s.id: s for s in sections}
        refs = resolve_refs(find_refs(args.ref, skip_headings=False), sections)
        # a "Part II, Item 1A" ref yields the Part and the Item: the most specific one wins
        refs.sort(key=lambda r: r.kind == "part")
        target = next((by_id[r.target_section] for r in refs if r.target_section), None)
        if target is None:
            try:
                target, _ = find_section(sections, args.ref)
            except ToolError:
                return ToolResult(text=self._not_found(ctx, doc, args.ref, refs), ok=False)
        res = read_section_text(ctx, doc, target, paths[target.id], None, "read_section")
        res.summary = f"followed {args.ref!r} -> {res.summary}"
        return res

    @staticmethod
    def _not_found(ctx: ToolContext, doc: Document, ref: str, refs: list) -> str:
        labels = {r.label for r in refs} or {ref.strip()}
        pages = sorted(
            {
                p + 1
                for c in ctx.store.chunks(doc.doc_id)
                if any(r.label in labels for r in c.refs)
                for p in range(c.page_start, c.page_end + 1)
            }
        )
        where = f" It is mentioned on page(s) {', '.join(map(str, pages[:15]))}." if pages else ""
        return (
            f"{', '.join(sorted(labels))} is not a section of {doc.doc_id} (exhibits filed "
            f"separately are only here if ingested as their own documents).{where} Try grep, "
            "outline, or list_documents / glob for a separate filing."
        )
