"""Notes phase: the notes area and the Note headings in it.

Notes are searched only in the notes area: from a "Notes to ... Financial Statements"
header inside the financial statements item, else in whichever area a notes header opens
that holds the best chain of note headings (statements on F-pages after the Items, or in
an annual-report exhibit), else (no header) in the whole item with "Note 3"-style headings
only. The headings must form an increasing sequence 1, 2, 3, ... of one style.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from docnav.ingestion.structure_model import Candidates, Head, PageLines
from docnav.ingestion.structure_text import (
    CONT_END,
    CONTINUED,
    TRAILING_PAGENO,
    is_title_like,
    spaced,
)

__all__ = [
    "NOTES_HEADER",
    "NOTE_NUM",
    "NOTE_PAREN",
    "NOTE_WORD",
    "STYLE_NOTE",
    "STYLE_NUMBER",
    "STYLE_PAREN",
    "NoteCandidate",
    "NotesFound",
    "best_note_chain",
    "find_notes",
    "note_candidates",
]

NOTES_HEADER = re.compile(
    r"^notes?\s+to\s+(?:the\s+)?"
    rf"(?:(?:condensed|{spaced('consolidated')}|combined|interim|unaudited)\s+){{0,3}}"
    rf"{spaced('financial')}\s+{spaced('statements')}\b\s*(.*)$",
    re.IGNORECASE,
)
# the three heading styles; a chain never mixes them
STYLE_NOTE, STYLE_NUMBER, STYLE_PAREN = 0, 1, 2  # "Note 3 Leases", "3. Leases", "(3) Leases"
NOTE_WORD = re.compile(r"^note\s*(\d{1,2})(?![\d,]|\.\d)\s*[.:\-–—]?\s*(.*)$", re.IGNORECASE)
NOTE_NUM = re.compile(r"^(\d{1,2})\s*[.:\-–—]\s+(\S.*)$")
NOTE_PAREN = re.compile(r"^\((\d{1,2})\)\s+(\S.*)$")
# a missed heading or two (a run-in heading pdfium wrapped) must not end the chain, so gaps
# of up to 4 are allowed with a rising penalty
_GAPS = ((1, 0.0), (2, 0.5), (3, 1.0), (4, 1.5))
_FS_START = re.compile(
    r"^(?:report\s+of\s+independent\s+registered|index\s+to\s+(?:the\s+)?(?:consolidated\s+)?financial\s+statements|"
    r"(?:consolidated\s+)?financial\s+statements(?:\s+and\s+supplementary\s+data)?$)",
    re.IGNORECASE,
)
_HEADER_REST_OK = ("(unaudited", "(continued", "(in ", "(dollar", "(amount", "(table")
_LOWER_OPENERS = ("and ", "to ", "for ", "of ", "in ", "as ", "on ", "at ")

NoteCandidate = tuple[int, int, int, str]  # (line, number, style, heading text)


@dataclass
class NotesFound:
    area_start: int | None  # first line of the notes area (its header), None: no notes area
    heads: list[Head] = field(default_factory=list)  # in order: F-pages section, header, notes
    notes: list[Head] = field(default_factory=list)  # the Note headings alone
    fin: tuple[int, int] | None = None  # the financial statements' lines, F-pages included


def find_notes(
    lines: PageLines,
    cands: Candidates,
    toc_page: list[bool],
    heads: list[Head],
    items: list[Head],
    fin: tuple[int, int] | None,
) -> NotesFound:
    """``heads``: Items, Parts and exhibits found so far; ``fin``: the financial statements
    item's lines."""
    hdr_ok = _notes_headers(lines, cands, toc_page)
    inside = [i for i in hdr_ok if fin is not None and fin[0] <= i < fin[1]]
    if inside:
        area = (inside[0], fin[1])
        _, notes = best_note_chain(note_candidates(lines, cands, toc_page, *area, False))
        return NotesFound(area[0], _with_header(lines, area[0], notes), notes, fin)
    if hdr_ok:
        return _notes_elsewhere(lines, cands, toc_page, heads, items, fin, hdr_ok)
    if fin is not None:  # no header: the whole item, "Note 3" headings only
        _, notes = best_note_chain(note_candidates(lines, cands, toc_page, *fin, True))
        return NotesFound(fin[0], list(notes), notes, fin)
    return NotesFound(None, fin=fin)


def _with_header(lines: PageLines, area_start: int, notes: list[Head]) -> list[Head]:
    """The notes header as a section of its own when no Note starts on it."""
    if notes and area_start >= notes[0].line:
        return list(notes)
    title = lines.texts[area_start][:160]
    return [Head(area_start, "other", title, None, 2, extra={"notes_header": True}), *notes]


def _notes_headers(lines: PageLines, cands: Candidates, toc_page: list[bool]) -> list[int]:
    """Notes header candidates that are headings, not mentions ("... notes to the
    consolidated financial statements included in ...") or index lines."""
    ok: list[int] = []
    for i in cands.notes_headers:
        if toc_page[lines.page_of[i]]:
            continue
        mm = NOTES_HEADER.match(lines.texts[i])
        rest = mm.group(1) if mm else ""
        if rest and (TRAILING_PAGENO.search(lines.texts[i]) and len(rest) < 12):
            continue
        if rest and (rest[:1].islower() or rest[:1] in ",;" or "note" in rest.lower()[:12]):
            if not CONTINUED.match(rest.strip("–—- ")):
                if not rest.lower().startswith(_HEADER_REST_OK):
                    continue
        if len(lines.texts[i]) > 110:
            continue
        ok.append(i)
    return ok


def _notes_elsewhere(
    lines: PageLines,
    cands: Candidates,
    toc_page: list[bool],
    heads: list[Head],
    items: list[Head],
    fin: tuple[int, int] | None,
    hdr_ok: list[int],
) -> NotesFound:
    """No notes header inside the financial statements item: the statements are on F-pages
    after the Items, in an annual-report exhibit (Exhibit 13), or the document has no Items
    at all. Every distinct area opened by a notes header is tried and the one with the best
    chain of note headings wins (the first one on a tie)."""

    cand = [i for i in hdr_ok if fin is None or i >= fin[0]] or hdr_ok
    best: tuple[float, int, list[Head]] | None = None
    seen_end: set[int] = set()
    for i in cand:
        end = _enclosing_end(heads, i, lines.n_lines)
        if end in seen_end:
            continue
        seen_end.add(end)
        sc, hs = best_note_chain(note_candidates(lines, cands, toc_page, i, end, False))
        if best is None or sc > best[0]:
            best = (sc, i, hs)
    assert best is not None
    _, area_start, notes = best
    last_item_line = items[-1].line if items else -1
    first_ex = min(
        (h.line for h in heads if h.kind == "exhibit" and h.line > last_item_line),
        default=lines.n_lines,
    )
    out: list[Head] = []
    if items and last_item_line < area_start < first_ex:
        # financial statements placed after the last Item (F-pages): a free-standing section
        fs_line = _fs_section_start(lines, toc_page, last_item_line, area_start)
        out.append(Head(fs_line, "other", lines.texts[fs_line][:160], None, 0, extra={"fs": True}))
        fin = (fs_line, _enclosing_end(heads, fs_line, lines.n_lines))
    return NotesFound(area_start, out + _with_header(lines, area_start, notes), notes, fin)


def _enclosing_end(heads: list[Head], line: int, n_lines: int) -> int:
    """The next Item/Part/exhibit after ``line`` (``n_lines`` when none)."""
    return min((h.line for h in heads if h.line > line and h.level_hint <= 1), default=n_lines)


def _fs_section_start(
    lines: PageLines, toc_page: list[bool], last_item_line: int, area_start: int
) -> int:
    """Where F-pages start: the first page-top "Report of Independent Registered ..." or
    "Financial Statements" line after the last Item, else the notes header."""
    for p in range(lines.page_of[last_item_line] + 1, lines.page_of[area_start] + 1):
        j, k = lines.page_first[p], 0
        while j < lines.page_first[p + 1] and k < 3:
            if lines.keep[j]:
                k += 1
                if _FS_START.match(lines.texts[j]) and not toc_page[p]:
                    if j != area_start:
                        return j
                    break
            j += 1
    return area_start


def note_candidates(
    lines: PageLines,
    cands: Candidates,
    toc_page: list[bool],
    lo: int,
    hi: int,
    explicit_only: bool,
) -> list[NoteCandidate]:
    """Note heading candidates in lines [lo, hi) whose title looks like a heading."""
    out: list[NoteCandidate] = []
    for i, num, title, style in cands.notes:
        if not (lo <= i < hi) or toc_page[lines.page_of[i]]:
            continue
        if explicit_only and style != STYLE_NOTE:
            continue
        found = _note_title(lines, i, title.strip(), style)
        if found is None:
            continue
        t, head_text = found
        prev = lines.prev_line(i)
        width = lines.page_width[lines.page_of[i]]
        if prev is not None and len(prev) >= 0.6 * width and CONT_END.search(prev):
            if not (t.upper() == t):
                continue  # prose running on into a number, unless the title is in capitals
        out.append((i, num, style, head_text[:120]))
    return out


def _note_title(lines: PageLines, i: int, t: str, style: int) -> tuple[str, str] | None:
    """(title, heading text) of the candidate on line ``i``, None when it is no heading."""
    head_text = lines.texts[i]
    if style == STYLE_NOTE and not t:
        nl = lines.next_line(i)
        if nl and len(nl) < 100 and is_title_like(nl):
            t = nl
            head_text = f"{lines.texts[i]} {nl}"  # "Note 1" / "Basis of Presentation"
        elif CONTINUED.search(lines.texts[i]):
            return None
    if not t or t[:1].islower() or t[:1] in ",;)(":
        if not (style == STYLE_NOTE and t[:1] == "("):
            return None
    if style == STYLE_NOTE:
        if t.lower().startswith(_LOWER_OPENERS):
            return None
        tl = t[:80]
        w0 = tl.split()[0] if tl.split() else ""
        if not (
            is_title_like(tl)
            or (len(w0) >= 3 and w0.isupper())
            or is_title_like(tl.split(".")[0])
            or is_title_like(tl.split(":")[0])
        ):
            return None
        if CONTINUED.search(t[:60]):
            return None
    else:
        # a title wrapped after "," goes on; one ending a sentence is prose
        if len(t) > 90 or not is_title_like(t) or t.endswith((".", ";")) and not t.endswith("etc."):
            return None
        if CONTINUED.search(t):
            return None
    return t, head_text


def best_note_chain(cands: list[NoteCandidate]) -> tuple[float, list[Head]]:
    """The best chain n -> n+1 (gaps allowed at a cost) of one style, and its score; the
    explicit "Note 3" style gets a bonus. A single heading counts only in that style."""
    bestc: list[tuple[float, list[NoteCandidate]]] = []
    for style in (STYLE_NOTE, STYLE_NUMBER, STYLE_PAREN):
        cs = [c for c in cands if c[2] == style]
        if cs:
            sc, chain = _chain_of_style(cs)
            bestc.append((sc + (0.5 if style == STYLE_NOTE else 0.0), chain))
    if not bestc:
        return 0.0, []
    sc, chain = max(bestc, key=lambda x: x[0])
    if not (len(chain) >= 2 or (chain and chain[0][2] == STYLE_NOTE)):
        return 0.0, []
    return sc, [Head(i, "note", t, f"Note {num}", 2) for i, num, _style, t in chain]


def _chain_of_style(cs: list[NoteCandidate]) -> tuple[float, list[NoteCandidate]]:
    """Longest-chain dynamic programme over candidates of one style, in line order."""
    score: list[float] = []
    back: list[int] = []
    last_by_num: dict[int, int] = {}  # number -> its best-scoring candidate so far
    for a, (_i, num, _, _) in enumerate(cs):
        sc, bk = 1.0 if num <= 2 else 0.0, -1  # a chain starts at Note 1 or 2
        for d, pen in _GAPS:
            b = last_by_num.get(num - d)
            if b is not None and score[b] > 0 and score[b] + 1 - pen > sc:
                sc, bk = score[b] + 1 - pen, b
        score.append(sc)
        back.append(bk)
        if sc > 0 and (num not in last_by_num or sc >= score[last_by_num[num]]):
            last_by_num[num] = a
    a = max(range(len(cs)), key=lambda k: (score[k], -k))
    chain = []
    while a >= 0:
        chain.append(a)
        a = back[a]
    chain.reverse()
    return score[chain[-1]], [cs[k] for k in chain]
