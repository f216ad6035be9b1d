"""Page text in parts: whole pages while they fit the size cap, then a cut at a line end and a
cursor ("p12:3400" = 1-based page 12 from character 3400) to go on from there. Cutting at
line ends keeps table rows whole; reading with the cursor until none comes back covers every
character of the range exactly once."""

from __future__ import annotations

import re

from docnav.ingestion.store import CorpusStore
from docnav.tools.access import ToolError, read_page
from docnav.tools.base import PageRead
from docnav.types import Document

_CURSOR = re.compile(r"p(\d+):(\d+)")
MIN_CHARS = 400


def parse_cursor(cursor: str, first: int, last: int) -> tuple[int, int]:
    """ "p12:3400" -> (11, 3400) (0-based page), checked against the range being read."""
    m = _CURSOR.fullmatch(cursor.strip())
    if not m:
        raise ToolError(f"bad cursor {cursor!r}: pass back the cursor a previous call returned")
    page = int(m.group(1)) - 1
    if not first <= page <= last:
        raise ToolError(
            f"cursor {cursor!r} points at page {page + 1}, outside pages {first + 1}-{last + 1}"
        )
    return page, int(m.group(2))


def make_cursor(page: int, offset: int) -> str:
    return f"p{page + 1}:{offset}"


def render_pages(
    store: CorpusStore,
    doc: Document,
    first: int,
    last: int,
    max_chars: int,
    start: tuple[int, int] | None = None,
) -> tuple[str, list[PageRead], str | None]:
    """Text of 0-based pages ``first..last`` from ``start`` (page, offset) within ``max_chars``.

    Returns (text, reads, next cursor or None when the range is done)."""
    page, offset = start if start else (first, 0)
    budget = max(max_chars, MIN_CHARS)
    parts: list[str] = []
    reads: list[PageRead] = []
    while page <= last:
        text = read_page(store, doc, page)
        if offset > len(text):
            raise ToolError(f"cursor offset {offset} is past the end of page {page + 1}")
        body = text[offset:]
        more = f", from character {offset}" if offset else ""
        header = f"--- page {page + 1} of {doc.n_pages}{more} ---\n"
        if len(header) + len(body) <= budget:
            parts.append(header + body.rstrip("\n") + "\n")
            reads.append(PageRead(doc_id=doc.doc_id, page=page, text=body))
            budget -= len(header) + len(body)
            page, offset = page + 1, 0
            continue
        room = budget - len(header)
        if room < MIN_CHARS // 2 and parts:
            break  # too little room left for a useful piece: start here next time
        room = max(room, MIN_CHARS // 2)
        cut = body.rfind("\n", 0, room) + 1
        if cut < room // 2:  # one very long line: cut inside it
            cut = room
        piece = body[:cut]
        parts.append(header + piece.rstrip("\n") + "\n")
        reads.append(PageRead(doc_id=doc.doc_id, page=page, text=piece))
        offset += cut
        break
    cursor = make_cursor(page, offset) if page <= last else None
    return "".join(parts), reads, cursor
