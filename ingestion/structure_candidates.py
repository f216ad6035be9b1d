"""Candidates phase: one pass over all lines collecting possible headings by their start
(Item, Part, Note, notes header, Exhibit) and per-page counts that betray index pages.

Only the first character is tested on most lines, so the pass stays cheap; the phases
that follow judge each candidate in context.
"""

from __future__ import annotations

import re

from docnav.ingestion.structure_exhibits import EXHIBIT_INDEX_RE, EXHIBIT_LINE, EXHIBIT_RE
from docnav.ingestion.structure_forms import ITEM_RE, PART_RE, ROMAN
from docnav.ingestion.structure_model import Candidates, PageLines
from docnav.ingestion.structure_notes import (
    NOTE_NUM,
    NOTE_PAREN,
    NOTE_WORD,
    NOTES_HEADER,
    STYLE_NOTE,
    STYLE_NUMBER,
    STYLE_PAREN,
)
from docnav.ingestion.structure_text import BARE_NUM, TRAILING_PAGENO

__all__ = ["scan_candidates"]

_INDEX_LINE = re.compile(r"^[A-Za-z(\d].*[A-Za-z)’'.]\s+\d{1,3}$")


def scan_candidates(lines: PageLines) -> Candidates:
    cands = Candidates(n_pages=lines.n_pages)
    for i, s in enumerate(lines.texts):
        p = lines.page_of[i]
        c = s[0]
        if s[-1].isdigit() and _INDEX_LINE.match(s):
            cands.idx_lines[p] += 1
        if c in "Ii":
            _item_or_exhibit_index(cands, i, s, p)
        elif c in "Pp":
            _part(cands, i, s, p)
        elif c in "Nn":
            _note_or_notes_header(cands, i, s)
        elif c in "Ee":
            _exhibit(cands, i, s, p)
        elif c.isdigit():
            if len(s) <= 3 and BARE_NUM.match(s):
                cands.toc_nums[p] += 1
            elif len(s) <= 110:
                m = NOTE_NUM.match(s)
                if m:
                    cands.notes.append((i, int(m.group(1)), m.group(2), STYLE_NUMBER))
                elif EXHIBIT_LINE.match(s):
                    cands.exlines[p] += 1
        elif c == "(":
            if len(s) <= 110 and s[1:2].isdigit():
                m = NOTE_PAREN.match(s)
                if m:
                    cands.notes.append((i, int(m.group(1)), m.group(2), STYLE_PAREN))
        elif c.isupper() and len(s) < 120 and "otes" in s and " to " in s.lower():
            if NOTES_HEADER.match(s):
                cands.notes_headers.append(i)
    return cands


def _item_or_exhibit_index(cands: Candidates, i: int, s: str, p: int) -> None:
    m = ITEM_RE.match(s)
    if m:
        cands.toc_total[p] += 1
        if TRAILING_PAGENO.search(s):
            cands.toc_items[p] += 1
        cands.items.append((i, m.group(1).upper(), m.group(2), s))
    elif EXHIBIT_INDEX_RE.match(s):  # "Index to Exhibits"
        cands.exhibit_index.append(i)


def _part(cands: Candidates, i: int, s: str, p: int) -> None:
    if s[:4].lower() != "part":
        return
    m = PART_RE.match(s)
    if m:
        cands.parts.append((i, ROMAN[m.group(1).lower().replace(" ", "")], m.group(2)))
        if TRAILING_PAGENO.search(s):
            cands.toc_items[p] += 1


def _note_or_notes_header(cands: Candidates, i: int, s: str) -> None:
    if s[:4].lower() == "note":
        if s[:5].lower() == "notes":
            if NOTES_HEADER.match(s):
                cands.notes_headers.append(i)
        else:
            m = NOTE_WORD.match(s)
            if m:
                cands.notes.append((i, int(m.group(1)), m.group(2), STYLE_NOTE))
    elif len(s) < 120 and "otes" in s and NOTES_HEADER.match(s):
        cands.notes_headers.append(i)


def _exhibit(cands: Candidates, i: int, s: str, p: int) -> None:
    if s[:2].lower() != "ex":
        return
    if EXHIBIT_INDEX_RE.match(s):
        cands.exhibit_index.append(i)
        return
    m = EXHIBIT_RE.match(s)
    if m and len(s) <= 60:
        cands.exhibits.append((i, m.group(1), m.group(2)))
    if EXHIBIT_LINE.match(s):
        cands.exlines[p] += 1
