"""Blocks phase: the lines of each section, page by page, -> content blocks in reading
order: paragraphs, and tables as atomic blocks.

Tables are runs of number-dominated lines, extended upwards over their caption, scale and
column-header lines; a table block never crosses a page or a section boundary (one block per
page for a table continued over pages). Furniture lines are dropped, every other line ends
up in exactly one block.
"""

from __future__ import annotations

import re

from docnav.ingestion.structure_model import PageLines
from docnav.ingestion.structure_text import BARE_NUM
from docnav.types import Block

__all__ = ["build_blocks"]

_NUM_TOKEN = re.compile(
    r"^[(\[]?[-+]?[$€£¥]?[(]?[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?[)\]]?[%x]?[)\]]?\*?,?$|"
    r"^\(?[$€£]?\.\d+\)?%?$"
)
_FILLER_TOKEN = frozenset(
    [
        "$",
        "%",
        "—",
        "–",
        "-",
        "--",
        "—%",
        "-%",
        "nm",
        "n/m",
        "n/a",
        "na",
        "*",
        "€",
        "£",
        ")",
        "(",
        "bps",
        "pts",
        "x",
    ]
)
_YEAR = re.compile(r"^\(?(?:fiscal|fy)?'?(?:19|20)\d\d\)?[,:]?$", re.IGNORECASE)
_PERIOD_WORDS = re.compile(
    r"\b(?:months?\s+ended|weeks?\s+ended|years?\s+ended|quarters?\s+ended|year\s+to\s+date|fiscal\s+(?:year|\d{4})|"
    r"as\s+of|q[1-4]|first\s+quarter|second\s+quarter|third\s+quarter|fourth\s+quarter|"
    r"january|february|march|april|may|june|july|august|september|october|november|december)\b",
    re.IGNORECASE,
)
_SCALE_RE = re.compile(
    r"(?:\bin\s+|\(\s*|\$\s*|amounts\s+|dollars\s+)(?:\w+\s+){0,2}?(thousands|millions|billions)\b|^\(?\s*(thousands|millions|billions)\b",
    re.IGNORECASE,
)
_SCALE_VAL = {"thousands": 1e3, "millions": 1e6, "billions": 1e9}
_BULLET = re.compile(r"^(?:[•●◦▪■□✓➢\-–—*]|\(\w{1,3}\)|[a-z]\.|\d{1,2}\.)\s")
_SENT_END = (".", "?", "!", ".”", '."', ":", ";")


def build_blocks(lines: PageLines, section_ids: list[str], starts: list[int]) -> list[Block]:
    """Blocks in reading order. ``starts[k]``: first line of section ``section_ids[k]``
    (nondecreasing); a line belongs to the last section started at or before it (the
    innermost, since sections nest in order), lines before the first to none."""
    segments: list[tuple[int, int, str | None]] = []  # (first line, end line, section id)
    if not section_ids:
        segments.append((0, lines.n_lines, None))
    else:
        if starts[0] > 0:
            segments.append((0, starts[0], None))
        bounds = starts + [lines.n_lines]
        for k, sid in enumerate(section_ids):
            if bounds[k + 1] > bounds[k]:
                segments.append((bounds[k], bounds[k + 1], sid))
    blocks: list[Block] = []
    for a, b, sid in segments:
        i = a
        while i < b:  # page by page
            p = lines.page_of[i]
            e = min(b, lines.page_first[p + 1])
            rows = [lines.texts[j] for j in range(i, e) if lines.keep[j]]
            _segment_blocks(rows, p, lines.page_width[p], sid, blocks)
            i = e
    _scale_across_page_breaks(blocks)
    return blocks


def _trailing_numbers(tokens: list[str]) -> tuple[int, int]:
    """(numbers, tokens) in the trailing run of numeric / filler tokens."""
    n = k = 0
    for t in reversed(tokens):
        tl = t.lower()
        if _NUM_TOKEN.match(t):
            n += 1
        elif tl in _FILLER_TOKEN or tl.strip("$()") in _FILLER_TOKEN:
            if tl in ("—", "–", "-", "--", "nm", "n/m", "n/a", "—%", "-%"):
                n += 1  # a dash stands for zero
        else:
            break
        k += 1
    return n, k


def _scale_across_page_breaks(blocks: list[Block]) -> None:
    """A table at the top of a page with no scale of its own takes the scale of a scale line
    ending the page before ("(in millions)" printed above a page break), or of the same
    section's table it continues."""
    for k in range(1, len(blocks)):
        b, prev = blocks[k], blocks[k - 1]
        if b.type != "table" or b.scale is not None or prev.page_end != b.page_start - 1:
            continue
        if prev.section_id != b.section_id:
            continue
        if prev.type == "table":
            b.scale = prev.scale
        else:
            tail = prev.text[-120:]
            mm = _SCALE_RE.search(tail)
            if mm and len(tail.split(". ")[-1]) < 120:
                b.scale = _SCALE_VAL[(mm.group(1) or mm.group(2)).lower()]


def _is_header_line(s: str) -> bool:
    toks = s.split()
    if not toks:
        return False
    yrs = sum(1 for t in toks if _YEAR.match(t))
    if yrs and yrs >= len(toks) - 1:
        return True
    if yrs >= 2 and _trailing_numbers(toks)[0] == yrs:
        return True  # "(Millions, except per share amounts) 2018 2017 2016"
    if yrs and _PERIOD_WORDS.search(s):
        return True
    if _PERIOD_WORDS.search(s) and len(s) < 90 and not s.endswith("."):
        return True
    return False


def _segment_blocks(
    rows: list[str], page: int, width: int, sid: str | None, out: list[Block]
) -> None:
    """Blocks of one page's kept lines of one section, appended to ``out``."""
    if not rows:
        return
    strong, weak = _classify_rows(rows)
    pos = 0
    for ts, te in _find_tables(rows, strong, weak, width):
        if ts > pos:
            _text_blocks(rows[pos:ts], page, width, sid, out)
        out.append(_table_block(rows, ts, te, strong, page, sid, out))
        pos = te
    if pos < len(rows):
        _text_blocks(rows[pos:], page, width, sid, out)


def _classify_rows(rows: list[str]) -> tuple[list[bool], list[bool]]:
    """(strong, weak): a strong row ends in two or more numbers (or is numbers only); a
    weak one ends in one number or is a column head of years."""
    n = len(rows)
    strong = [False] * n
    weak = [False] * n
    for k, s in enumerate(rows):
        toks = s.split()
        nn, kk = _trailing_numbers(toks)
        if nn >= 2 or (nn >= 1 and kk == len(toks) and len(toks) >= 1 and not BARE_NUM.match(s)):
            strong[k] = True
        elif (
            nn == 1
            and len(toks) - kk <= 12
            and not s.endswith(".")
            or _YEAR.match(toks[-1])
            and len(toks) <= 6
            and _is_header_line(s)
        ):
            weak[k] = True
    return strong, weak


def _find_tables(
    rows: list[str], strong: list[bool], weak: list[bool], width: int
) -> list[tuple[int, int]]:
    """Row ranges [start, end) of the tables: runs from a strong row over strong and weak
    rows and gaps of up to three short lines, with two strong rows (or one and a weak one)."""
    n = len(rows)
    short = 0.62 * width
    tables: list[tuple[int, int]] = []
    k = 0
    while k < n:
        if not strong[k]:
            k += 1
            continue
        start = k
        end = k + 1  # exclusive
        gap = 0
        nstrong = 1
        j = k + 1
        while j < n:
            if strong[j] or weak[j]:
                nstrong += strong[j]
                end = j + 1
                gap = 0
            else:
                s = rows[j]
                if gap >= 3 or (len(s) >= short and s.endswith(_SENT_END)) or len(s) > 1.1 * width:
                    break
                gap += 1
            j += 1
        if nstrong >= 2 or (end - start >= 2 and nstrong >= 1 and any(weak[start:end])):
            floor = tables[-1][1] if tables else 0
            tables.append((_extend_up(rows, start, floor, short), end))
            k = end
        else:
            k = max(k + 1, j)
    return tables


def _extend_up(rows: list[str], start: int, floor: int, short: float) -> int:
    """The table's first row after taking in up to four caption / scale / header lines
    above ``start``, not reaching below ``floor`` (the end of the table before)."""
    c = start
    up = 0
    while c > 0 and up < 4:
        s = rows[c - 1]
        if (c - 1) < floor:
            break
        if len(s) < short and not s.endswith(_SENT_END[:4]) and not s.endswith((";", ",")):
            c -= 1
            up += 1
            continue
        if s.endswith(",") and _is_header_line(s):
            # "Years Ended December 31," is a column head, and the scale line above
            # it belongs to the table too
            c -= 1
            up += 1
            continue
        if _SCALE_RE.search(s) and len(s) < 90:
            c -= 1
            up += 1
            continue
        break
    return c


def _table_block(
    rows: list[str],
    ts: int,
    te: int,
    strong: list[bool],
    page: int,
    sid: str | None,
    out: list[Block],
) -> Block:
    """The table block of rows [ts, te): caption, column headers and scale from the lines
    above its first data row (the caption may be the text block before, ending in ":")."""
    first_row = next((q for q in range(ts, te) if strong[q] and not _is_header_line(rows[q])), te)
    pre = rows[ts:first_row]
    headers = [s for s in pre if _is_header_line(s)]
    caption_lines = []
    for s in pre:
        if s in headers or _SCALE_RE.search(s):
            break
        caption_lines.append(s)
    caption = " ".join(caption_lines) or None
    if caption is None and out and out[-1].type == "text" and out[-1].text.endswith(":"):
        cap = out[-1].text
        caption = cap[cap.rfind(". ") + 2 :] if ". " in cap else cap
        caption = caption[-300:]
    scale = None
    for s in pre + rows[first_row : first_row + 2]:
        mm = _SCALE_RE.search(s)
        if mm:
            scale = _SCALE_VAL[(mm.group(1) or mm.group(2)).lower()]
            break
    return Block(
        type="table",
        text="\n".join(rows[ts:te]),
        page_start=page,
        page_end=page,
        section_id=sid,
        caption=caption,
        headers=headers,
        scale=scale,
    )


def _text_blocks(
    lines: list[str], page: int, width: int, sid: str | None, out: list[Block]
) -> None:
    short = 0.72 * width
    cur: list[str] = []
    prev = ""
    for s in lines:
        if cur and (len(prev) < short or _BULLET.match(s)):
            out.append(
                Block(type="text", text=_join(cur), page_start=page, page_end=page, section_id=sid)
            )
            cur = []
        cur.append(s)
        prev = s
    if cur:
        out.append(
            Block(type="text", text=_join(cur), page_start=page, page_end=page, section_id=sid)
        )


def _join(parts: list[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    out = parts[0]
    for s in parts[1:]:
        if (
            out.endswith("-")
            and not out.endswith(" -")
            and out[-2:-1].isalpha()
            and s[:1].islower()
        ):
            out = out + s
        else:
            out = out + " " + s
    return out
