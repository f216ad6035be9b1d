"""Cover phase: the text before the first heading is the cover (an SEC cover page), or,
for a press release or other document, a preamble titled by its first line; table of
contents pages between it and the first heading become a section of their own."""

from __future__ import annotations

import re

from docnav.ingestion.structure_model import Head, PageLines

__all__ = ["cover_heads"]

_SEC_COVER = re.compile(
    r"securities\s+and\s+exchange\s+commission|form\s+10-?[kq]|form\s+8-?k|commission\s+file\s+number",
    re.IGNORECASE,
)


def cover_heads(lines: PageLines, toc_page: list[bool], first_line: int) -> list[Head]:
    """Heads for the lines before ``first_line`` (the first heading found), in order."""
    n_lines, n_pages, pf = lines.n_lines, lines.n_pages, lines.page_first
    if not (n_lines and lines.page_of[0] == 0 and first_line > 0):
        return []
    cover_end_page = lines.page_of[first_line] if first_line < n_lines else n_pages - 1
    toc_first = next((p for p in range(n_pages) if toc_page[p]), None)
    if toc_first is not None and toc_first <= cover_end_page:
        cover_end_page = max(0, toc_first - 1) if toc_first > 0 else 0
    if _SEC_COVER.search(" ".join(lines.texts[pf[0] : pf[1]][:60])):
        heads = [Head(0, "cover", "Cover", "Cover", 0, extra={"cover_end": cover_end_page})]
    else:  # a press release or other document: its first line is its title
        heads = [Head(0, "other", lines.texts[0][:160], None, 0, extra={"preamble": True})]
    # text after the cover but before the first heading (TOC pages): an "other" section
    if (
        toc_first is not None
        and first_line < n_lines
        and pf[toc_first] < first_line
        and toc_first > 0
    ):
        toc = Head(pf[toc_first], "other", "Table of Contents", None, 0, extra={"preamble": True})
        heads.append(toc)
    return heads
