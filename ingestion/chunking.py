"""Blocks -> chunks. Chunks never cross a section boundary; a table is one chunk."""

from __future__ import annotations

import re

from docnav.ingestion.numbers import extract_numbers
from docnav.ingestion.store import section_paths
from docnav.ingestion.xrefs import find_refs, resolve_refs
from docnav.types import Block, Chunk, DocumentMeta, StructuredDoc

UNKNOWN_SECTION = "(unknown)"
_SENTENCE_END = re.compile(r"(?<=[.;:!?])\s+")


def _split_long(text: str, limit: int) -> list[str]:
    """Split one oversize paragraph at sentence ends, falling back to whitespace."""
    if len(text) <= limit:
        return [text]
    out, cur = [], ""
    for sent in _SENTENCE_END.split(text):
        while len(sent) > limit:  # a "sentence" longer than a chunk: cut at a space
            cut = sent.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            if cur:
                out.append(cur)
                cur = ""
            out.append(sent[:cut])
            sent = sent[cut:].lstrip()
        if cur and len(cur) + 1 + len(sent) > limit:
            out.append(cur)
            cur = sent
        else:
            cur = f"{cur} {sent}" if cur else sent
    if cur:
        out.append(cur)
    return out


class _Piece:
    __slots__ = ("page_end", "page_start", "text")

    def __init__(self, text: str, page_start: int, page_end: int) -> None:
        self.text, self.page_start, self.page_end = text, page_start, page_end


def _group_text(pieces: list[_Piece], limit: int, overlap: int) -> list[list[_Piece]]:
    """Greedy packing of paragraphs into chunks of about ``limit`` chars, with overlap:
    the next chunk repeats trailing paragraphs of the previous one up to ``overlap`` chars."""
    groups: list[list[_Piece]] = []
    cur: list[_Piece] = []
    size = 0
    for p in pieces:
        if cur and size + len(p.text) + 1 > limit:
            groups.append(cur)
            tail: list[_Piece] = []
            tsize = 0
            for q in reversed(cur):
                if tsize + len(q.text) > overlap:
                    break
                tail.insert(0, q)
                tsize += len(q.text) + 1
            cur, size = tail, tsize
        cur.append(p)
        size += len(p.text) + 1
    if cur:
        groups.append(cur)
    return groups


def make_chunks(
    doc_id: str,
    structure: StructuredDoc,
    meta: DocumentMeta,
    chunk_chars: int = 2400,
    overlap_chars: int = 200,
) -> list[Chunk]:
    sections = structure.sections
    paths = section_paths(sections)
    labels = {s.id: s.label for s in sections}
    common = dict(
        doc_id=doc_id,
        company=meta.company,
        ticker=meta.ticker,
        form=meta.form,
        fiscal_year=meta.fiscal_year,
        fiscal_period=meta.fiscal_period,
    )
    chunks: list[Chunk] = []

    def emit(
        kind: str, section_id: str | None, text: str, p0: int, p1: int, scale: float | None
    ) -> None:
        own = labels.get(section_id) if section_id else None
        refs = find_refs(text, exclude_labels={own} if own else None)  # resolved once, below
        numbers = extract_numbers(text, scale=scale, unit="USD" if scale else None)
        chunks.append(
            Chunk(
                id=f"{doc_id}:{len(chunks):05d}",
                ordinal=len(chunks),
                type=kind,  # type: ignore[arg-type]
                section_id=section_id,
                section_path=paths.get(section_id, UNKNOWN_SECTION)
                if section_id
                else UNKNOWN_SECTION,
                page_start=p0,
                page_end=p1,
                text=text,
                refs=refs,
                numbers=numbers,
                **common,
            )
        )

    pending: list[_Piece] = []
    pending_section: str | None = None

    def flush() -> None:
        nonlocal pending
        if pending:
            for group in _group_text(pending, chunk_chars, overlap_chars):
                emit(
                    "text",
                    pending_section,
                    "\n".join(p.text for p in group),
                    min(p.page_start for p in group),
                    max(p.page_end for p in group),
                    None,
                )
        pending = []

    for block in structure.blocks:
        if block.type == "table":
            flush()
            emit(
                "table",
                block.section_id,
                _table_text(block),
                block.page_start,
                block.page_end,
                block.scale,
            )
            continue
        text = block.text.strip()
        if not text:
            continue
        if block.section_id != pending_section:
            flush()
            pending_section = block.section_id
        for part in _split_long(text, chunk_chars):
            pending.append(_Piece(part, block.page_start, block.page_end))
    flush()
    # resolve every chunk's refs in one pass (one label index for the whole filing)
    flat = resolve_refs([r for c in chunks for r in c.refs], sections)
    i = 0
    for c in chunks:
        n = len(c.refs)
        c.refs, i = flat[i : i + n], i + n
    return chunks


def _table_text(block: Block) -> str:
    caption = (block.caption or "").strip()
    body = block.text.strip("\n")
    if caption and not body.startswith(caption):
        return f"{caption}\n{body}"
    return body


def table_count(chunks: list[Chunk]) -> int:
    return sum(1 for c in chunks if c.type == "table")
