"""Statements phase: the primary financial statements ("Balance Sheet", "Income Statement",
...) as page-top titles between the start of the financial statements and their notes.

A statement continued over the next page is one section; the label is canonical, the
title is the line as printed.
"""

from __future__ import annotations

import re

from docnav.ingestion.structure_model import Head, PageLines
from docnav.ingestion.structure_text import TRAILING_PAGENO, is_title_like, squeeze

__all__ = ["STMT_PATTERNS", "find_statements", "statement_label", "statements_range"]

STMT_PATTERNS = [
    (
        "Comprehensive Income",
        re.compile(r"statements?of(?:consolidated)?comprehensive(?:income|loss|earnings)"),
    ),
    (
        "Income Statement",
        re.compile(
            r"(?:statements?of(?:consolidated)?(?:netincome|income|operations|earnings|loss)|incomestatements?)"
        ),
    ),
    (
        "Balance Sheet",
        re.compile(
            r"(?:balancesheets?|statements?of(?:consolidated)?financial(?:position|condition))"
        ),
    ),
    (
        "Cash Flow Statement",
        re.compile(r"(?:statements?of(?:consolidated)?cashflows?|cashflows?statements?)"),
    ),
    (
        "Equity Statement",
        re.compile(
            r"statements?of(?:consolidated)?(?:changesin)?[a-z]{0,30}?(?:equity|deficit|investment)"
        ),
    ),
]
_STMT_PREFIX = re.compile(
    r"^(?:condensed|consolidated|combined|unaudited|interim|the|parent|company|and|registrant)*$"
)
_STMT_BAD = re.compile(
    r"\b(?:notes?\s+to|see|accompanying|included|refer|audited|our|these)\b", re.IGNORECASE
)


def statements_range(
    lines: PageLines,
    heads: list[Head],
    has_items: bool,
    fin: tuple[int, int] | None,
    area_start: int | None,
    has_notes: bool,
) -> tuple[int, int]:
    """Lines [lo, hi) where statement titles are looked for. ``heads``: all found so far."""
    if has_items and area_start is not None and has_notes:
        if not (fin is not None and fin[0] <= area_start < fin[1]):
            # notes outside the financial statements item (an annual-report exhibit): the
            # statements are the pages just before the notes, inside the same exhibit
            floor = lines.page_first[max(0, lines.page_of[area_start] - 20)]
            lo = max(
                [h.line for h in heads if h.level_hint <= 1 and h.line <= area_start] + [floor]
            )
            return lo, area_start
    if fin is not None:
        inside = area_start is not None and fin[0] <= area_start < fin[1]
        return fin[0], (area_start if inside else fin[1])
    return 0, (area_start if area_start is not None else lines.n_lines)


def find_statements(lines: PageLines, toc_page: list[bool], st_lo: int, st_hi: int) -> list[Head]:
    """One heading per statement: a title among the first six kept lines of a page."""
    n_lines = lines.n_lines
    p0 = lines.page_of[st_lo] if st_lo < n_lines else lines.n_pages
    p1 = lines.page_of[st_hi - 1] if 0 < st_hi <= n_lines else -1
    heads: list[Head] = []
    last_label, last_page = None, -5
    for p in range(p0, p1 + 1):
        if toc_page[p]:
            continue
        found = _page_statement_title(lines, p, st_lo, st_hi)
        if found is None:
            continue
        j, label = found
        if label == last_label and p - last_page <= 1:
            last_page = p
            continue  # continuation of the same statement
        heads.append(Head(j, "statement", lines.texts[j][:160], label, 2))
        last_label, last_page = label, p
    return heads


def _page_statement_title(
    lines: PageLines, p: int, st_lo: int, st_hi: int
) -> tuple[int, str] | None:
    """(line, label) of the statement title atop page ``p`` within [st_lo, st_hi)."""
    j, k = lines.page_first[p], 0
    hi = lines.page_first[p + 1]
    while j < hi and k < 6:
        if not lines.keep[j]:
            j += 1
            continue
        k += 1
        if st_lo <= j < st_hi:
            label = statement_label(lines.texts[j])
            if label is not None:
                return j, label
        j += 1
    return None


def statement_label(s: str) -> str | None:
    """The statement a title line names ("Consolidated Balance Sheets" -> "Balance Sheet"),
    None when the line is no statement title."""
    # "tat"/"hee": a cheap test for "statement"/"sheet" before any regex
    if (
        len(s) > 110
        or TRAILING_PAGENO.search(s)
        or not ("tat" in s or "TAT" in s or "hee" in s or "HEE" in s)
    ):
        return None
    if _STMT_BAD.search(s) or not _heading_shape(s):
        return None
    sq = squeeze(s)
    for label, rx in STMT_PATTERNS:
        mm = rx.search(sq)
        if mm and _STMT_PREFIX.match(sq[: mm.start()]):
            return label
    return None


def _heading_shape(s: str) -> bool:
    """A statement title looks like a heading: capitalised words ("Consolidated Balance
    Sheets", "CONDENSED CONSOLIDATED STATEMENTS OF EARNINGS"), not the end of a sentence
    ("... balance sheets.")."""
    if not s[:1].isupper() or s.endswith((".", ",", ";")):
        return False
    return is_title_like(s[:60]) or s[:40].upper() == s[:40]
