"""Exhibits phase: exhibits filed after the last Item ("Exhibit 99.1" atop a page) and the
exhibit index."""

from __future__ import annotations

import re

from docnav.ingestion.structure_model import Candidates, Head, PageLines

__all__ = ["EXHIBIT_INDEX_RE", "EXHIBIT_LINE", "EXHIBIT_RE", "find_exhibits"]

EXHIBIT_RE = re.compile(r"^(?:exhibit|ex)[\s\-–.]*(\d{1,3}(?:\.\d{1,3})?)\s*(.*)$", re.IGNORECASE)
EXHIBIT_INDEX_RE = re.compile(
    r"^(?:exhibit\s+index|index\s+to\s+exhibits|exhibits?\s+index)\s*(?:\(?continued\)?)?$",
    re.IGNORECASE,
)
# a row of an exhibit list ("10.1 Credit Agreement ..."): many on a page make it the list
EXHIBIT_LINE = re.compile(r"^(?:exhibit\s+)?\d{1,3}\.\d{1,3}\*?\s")


def find_exhibits(
    lines: PageLines, cands: Candidates, toc_page: list[bool], items: list[Head]
) -> list[Head]:
    """Exhibit headings (one per exhibit), then the exhibit index heading if any."""
    last_item_line = items[-1].line if items else -1
    heads: list[Head] = []
    for i, num, rest in cands.exhibits:
        p = lines.page_of[i]
        if i < last_item_line or toc_page[p] or cands.exlines[p] >= 4:
            continue
        if not _among_first_kept_lines(lines, i, 3):  # atop its page
            continue
        if rest and (rest[:1].islower() or rest[:1] in ",;)" or len(rest) > 50):
            continue
        # one header per exhibit number run (the same exhibit repeated on each page)
        if heads and heads[-1].label == f"Exhibit {num}":
            continue
        heads.append(Head(i, "exhibit", lines.texts[i][:160], f"Exhibit {num}", 0))
    for i in cands.exhibit_index:
        if toc_page[lines.page_of[i]] or (i < last_item_line and not items):
            continue
        heads.append(Head(i, "exhibit", lines.texts[i], "Exhibit Index", 2))
        break
    return heads


def _among_first_kept_lines(lines: PageLines, i: int, n: int) -> bool:
    """Line ``i`` is near the top of its page: at most ``n`` kept lines before it."""
    j, k = lines.page_first[lines.page_of[i]], 0
    while j < i and k < n:
        if lines.keep[j]:
            k += 1
        j += 1
    return j == i
