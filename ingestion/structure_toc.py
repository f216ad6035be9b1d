"""Table-of-contents phase: which pages are an index (a TOC, an index to the financial
statements), so their Item and Note lines are not taken for headings."""

from __future__ import annotations

from docnav.ingestion.structure_model import Candidates, PageLines

__all__ = ["toc_pages"]


def toc_pages(lines: PageLines, cands: Candidates) -> list[bool]:
    n_pages = lines.n_pages
    toc_page = [False] * n_pages
    for p in range(n_pages):
        if cands.toc_items[p] >= 3 or (cands.toc_total[p] >= 4 and cands.toc_nums[p] >= 3):
            toc_page[p] = True
        elif cands.toc_total[p] >= 5 and p < max(6, n_pages // 10):
            # many Item lines close together near the front: an index without numbers
            span = lines.page_first[p + 1] - lines.page_first[p]
            if span and cands.toc_total[p] / span >= 0.25:
                toc_page[p] = True
    # index pages (a list of titles with page numbers: TOC, index to financial statements)
    for p in range(n_pages):
        span = lines.page_first[p + 1] - lines.page_first[p]
        if cands.idx_lines[p] >= 6 and cands.idx_lines[p] >= 0.3 * span:
            toc_page[p] = True
    return toc_page
