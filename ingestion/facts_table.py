"""Visual lines of one page -> tables of rows and columns (labels, value cells, column heads).

The method, in the order it runs:

1. Each line's trailing run of number-like words (``1,234``, ``(370)``, ``—``, ``12.5%``;
   ``$`` and a lone ``)`` or ``%`` are glued to their number) are the line's candidate cells.
   A cell counts as *clear* when a wide gap separates it from the text before it: numbers
   inside a label ("December 31, 2017", "allowances of $95 and $103") sit one space away.
2. Lines are cut into table regions at prose (long lines of words without cells) and where a
   new column-head line follows value rows.
3. In a region, the clear cells' horizontal extents that overlap form the columns (values in
   one column overlap, values of different columns never do). Every cell of a row is then
   placed in the column it overlaps; a cell that overlaps none goes back to the label.
4. Column heads are the head lines above the first value row, cut into phrases; a phrase
   that spans the centres of several columns ("Three Months Ended") heads each of them, any
   other heads the column whose zone holds its centre.
5. A row with no label takes the label line just above it (a wrapped label); a label that
   continues in lower case is joined to the line above. A line of values with no label under
   a block heading whose values are the sums of the block's rows is the block's total.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from docnav.ingestion.facts_layout import Line, Word

__all__ = ["Cell", "Row", "Table", "find_tables", "inherit_heads", "parse_cell"]

_NUM = re.compile(
    r"^[(\[]?[-\u2212\u2013]?\$?\(?[-\u2212]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?\)?%?\)?[*]?$"
)
_HAS_DIGIT = re.compile(r"\d")
_DASHES = frozenset(["—", "–", "-", "--", "——", "$—", "$-", "$–", "—%", "-%", "nm", "n/m", "NM"])
_GLUE_RIGHT = frozenset(["$", "(", "$(", "US$"])  # glued to the number after them
_GLUE_LEFT = frozenset([")", "%", ")%", "%)", "*"])  # glued to the number before them
_LEADER = re.compile(r"^(?:\.\s?){2,}$|^[._…]{2,}$")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_PLAIN_YEAR = re.compile(r"^\(?(?:19|20)\d\d\)?[,:]?$")
# words of a period head without a year ("Three Months Ended", "December 31,")
_STRONG_PERIOD = re.compile(
    r"\b(?:months?\s+ended|weeks?\s+ended|years?\s+ended|quarters?\s+ended|fiscal|as\s+of|"
    r"january|february|march|april|june|july|august|september|october|november|december)\b",
    re.IGNORECASE,
)
_UNFINISHED = re.compile(
    r"(?:\b(?:and|or|of|the|to|in|for|from|on|by|with|net|less)|[,\u2014\u2013-])$", re.IGNORECASE
)
_NOT_A_ROW = re.compile(r"^(?:see|the)\b.*\bnotes?\b|^page\b", re.IGNORECASE)
_PERIOD_WORDS = re.compile(
    r"\b(?:months?|weeks?|years?|quarters?|fiscal|ended|ending|as\s+of|"
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|q[1-4]|fy)\b",
    re.IGNORECASE,
)


@dataclass
class Cell:
    text: str
    x0: float
    x1: float
    clear: bool = False  # separated from the text before it by a wide gap
    column: int = -1


@dataclass
class Row:
    label: str
    cells: list[Cell]
    top: float
    heading: str = ""  # the nearest label-only line above within the table ("Current assets:")


@dataclass
class Table:
    rows: list[Row] = field(default_factory=list)
    columns: list[tuple[float, float]] = field(default_factory=list)  # x extent per column
    heads: list[str] = field(default_factory=list)  # column head text per column
    preamble: list[str] = field(default_factory=list)  # lines above the first row (captions)
    top: float = 0.0
    first_line: int = 0  # index of its first line on the page (preamble included)


def parse_cell(text: str) -> tuple[float, str | None] | None:
    """(value as printed, "%" or None) of one cell; dashes are 0; None when not a number.
    Parentheses or a leading minus make it negative; "$" and "*" are dropped."""
    t = text.replace("\u2212", "-").replace("$", "").replace("*", "").replace(" ", "")
    if t in _DASHES or t.strip("()") in _DASHES:
        return 0.0, None
    pct = "%" in t
    t = t.replace("%", "")
    neg = t.startswith("(") or t.startswith("-") or t.startswith("–")
    digits = t.strip("()-–[]")
    if not digits or not _HAS_DIGIT.search(digits):
        return None
    try:
        value = float(digits.replace(",", ""))
    except ValueError:
        return None
    return (-value if neg else value), ("%" if pct else None)


def _kind(w: Word) -> str:
    t = w.text
    if t in _GLUE_RIGHT:
        return "glue_r"
    if t in _GLUE_LEFT:
        return "glue_l"
    if t in _DASHES:
        return "num"
    if _HAS_DIGIT.search(t) and _NUM.match(t):
        return "num"
    return "text"


def _line_cells(line: Line) -> tuple[list[Word], list[Cell]]:
    """(label words, candidate cells) of one line: the trailing run of number-like words."""
    words = [w for w in line.words if not _LEADER.match(w.text)]
    kinds = [_kind(w) for w in words]
    k = len(words)
    while k > 0 and kinds[k - 1] != "text":
        k -= 1
    label, tail, tail_kinds = words[:k], words[k:], kinds[k:]
    cells: list[Cell] = []
    pending: Word | None = None  # a "$" or "(" waiting for its number
    for w, kd in zip(tail, tail_kinds, strict=True):
        if kd == "glue_r":
            pending = (
                w
                if pending is None
                else Word(pending.text + w.text, pending.x0, w.x1, w.top, w.bottom)
            )
            continue
        if kd == "glue_l":
            if cells and w.x0 - cells[-1].x1 < 2.5 * max(w.height, 1.0):
                cells[-1].text += w.text
                cells[-1].x1 = w.x1
            continue
        text = (pending.text if pending and pending.text != "$" else "") + w.text
        if pending and "$" in pending.text and "$" not in text:
            text = "$" + text
        # "$" is often printed at the left edge of the column, far from the number: only the
        # number's own extent places the cell
        x0 = pending.x0 if pending and pending.text != "$" else w.x0
        cells.append(Cell(text, x0, w.x1))
        pending = None
    if not cells:
        return words, []
    if (
        not label
        and _PLAIN_YEAR.match(cells[0].text)
        and len(cells) > 1
        and not all(_PLAIN_YEAR.match(c.text) for c in cells)
    ):
        # "2019 $ 1,234" (a maturity schedule): the year is the row's label
        first = cells.pop(0)
        label = [Word(first.text, first.x0, first.x1, line.top, line.bottom)]
    if all(_PLAIN_YEAR.match(c.text) for c in cells):
        return words, []  # "(Millions) 2018 2017 2016": a column-head line, not values
    h = max((w.height for w in line.words), default=8.0)
    prev_x1 = label[-1].x1 if label else None
    for c in cells:
        c.clear = prev_x1 is None or c.x0 - prev_x1 > 1.2 * h
        prev_x1 = c.x1
    return label, cells


def _is_head_line(line: Line) -> bool:
    """A column-head line: years, dates or period words, and little else. Without a year,
    every phrase of it must name a period ("Three Months Ended   Six Months Ended")."""
    text = line.text
    words = text.split()
    if len(words) > 24 or text.rstrip().endswith("."):
        return False
    if _YEAR.search(text):
        return len(words) <= 16
    phrases = _phrases(line)
    return all(len(p[0].split()) <= 8 and _STRONG_PERIOD.search(p[0]) for p in phrases)


def _phrases(line: Line) -> list[tuple[str, float, float]]:
    """A line cut into phrases at wide gaps: [(text, x0, x1)]."""
    out: list[list[Word]] = []
    for w in line.words:
        if out and w.x0 - out[-1][-1].x1 < 1.0 * max(w.height, 1.0):
            out[-1].append(w)
        else:
            out.append([w])
    return [(" ".join(w.text for w in ph), ph[0].x0, ph[-1].x1) for ph in out]


def _columns(cells: list[Cell]) -> list[tuple[float, float]]:
    """Overlapping extents of clear cells -> column extents, left to right."""
    spans = sorted((c.x0, c.x1) for c in cells if c.clear)
    cols: list[list[float]] = []
    for x0, x1 in spans:
        if cols and x0 <= cols[-1][1] - 0.5:
            cols[-1][1] = max(cols[-1][1], x1)
        else:
            cols.append([x0, x1])
    return [(a, b) for a, b in cols]


def _place(cell: Cell, cols: list[tuple[float, float]]) -> int:
    best, best_ov = -1, 0.0
    for i, (a, b) in enumerate(cols):
        ov = min(b, cell.x1) - max(a, cell.x0)
        if ov > best_ov:
            best, best_ov = i, ov
    return best


def _assign_heads(heads: list[Line], cols: list[tuple[float, float]]) -> list[str]:
    """Column head text per column, built from the head lines top to bottom."""
    out = [[] for _ in cols]
    bounds = [(cols[i][1] + cols[i + 1][0]) / 2 for i in range(len(cols) - 1)]
    for line in heads:
        for text, x0, x1 in _phrases(line):
            if not (_YEAR.search(text) or _PERIOD_WORDS.search(text)):
                continue
            # a phrase spans the columns whose zones (cut midway between columns) hold a
            # quarter of it or more: "Six Months Ended" centred over two columns
            edges = [-1e9, *bounds, 1e9]
            wd = max(x1 - x0, 1.0)
            covered = [
                i
                for i in range(len(cols))
                if min(x1, edges[i + 1]) - max(x0, edges[i]) >= 0.25 * wd
                and x0 - 2 <= cols[i][1]
                and x1 + 2 >= cols[i][0] - 0.5 * (cols[i][1] - cols[i][0])
            ]
            if len(covered) >= 2:
                for i in covered:
                    out[i].append(text)
                continue
            if x1 < cols[0][0] - 40:  # a caption at the left ("(Millions) 2018 ..."), not a head
                continue
            mid = (x0 + x1) / 2
            i = sum(1 for b in bounds if mid > b)
            out[i].append(text)
    return [" ".join(parts) for parts in out]


def inherit_heads(table: Table, before: Table) -> None:
    """A table printed without column heads (continued below a wrapped line, or on the next
    page) takes the heads of the table before it, column by overlapping column."""
    heads = []
    for a, b in table.columns:
        best, ov = "", 0.0
        for (c, d), h in zip(before.columns, before.heads, strict=False):
            o = min(b, d) - max(a, c)
            if o > ov:
                best, ov = h, o
        heads.append(best)
    if any(heads):
        table.heads = heads
        # the caption above the first part ("As of June 30,") says what the heads mean
        table.preamble = before.preamble + [s for s in table.preamble if s not in before.preamble]


def _is_prose(line: Line, width: float) -> bool:
    text = line.text
    return len(text.split()) >= 9 and (line.x1 - line.x0) > 0.55 * width and not _is_head_line(line)


_TOTAL = re.compile(r"^total\b", re.IGNORECASE)
_WORDS = re.compile(r"[a-z]+")


def _closes(label: str, heading: str) -> bool:
    """The block's own total ("Total current assets" under "Current assets"), not a subtotal
    inside it ("Total cash, cash equivalents, and short-term investments")."""
    words = set(_WORDS.findall(label.lower()))
    return bool(_TOTAL.match(label)) and set(_WORDS.findall(heading.lower())) <= words


def _block_total(rows: list[Row], heading: str, cells: list[Cell]) -> str:
    """ "Total <heading>" for a line of values printed with no label under a block's rows
    ("Revenues" / Casino, Rooms, ... / 12,899,672) when each of its values is the sum of the
    block's rows in that column; else "" (the line is not a row)."""
    block = []
    for r in reversed(rows):
        if r.heading != heading:
            break
        block.append(r)
    if len(block) < 2 or not cells:
        return ""
    for c in cells:
        value = parse_cell(c.text)
        parts = [parse_cell(x.text) for r in block for x in r.cells if x.column == c.column]
        if value is None or len(parts) < 2 or any(p is None for p in parts):
            return ""
        total = sum(p[0] for p in parts if p is not None)
        if abs(total - value[0]) > max(1.0, 0.0005 * abs(value[0])) * len(parts):
            return ""
    return f"Total {heading}"


def _preamble_heading(pre: list[Line], first_words: list[Word]) -> tuple[str, float]:
    """(heading, its x0) from the table's last preamble line when that line is a
    block heading of the first rows ("Revenue:" above "Product  $ 61,502"): label words only,
    short, not a column head or scale line, and ending in ":" or printed left of the first
    row's label. Else no heading."""
    if not pre or not first_words:
        return "", 0.0
    line = pre[-1]
    text = line.text.strip()
    colon = text.endswith(":")
    if (
        len(text.split()) > 8
        or _HAS_DIGIT.search(text)
        or _is_head_line(line)
        or text.startswith("(")
        or not (colon or line.x0 + 3.0 < first_words[0].x0)
    ):
        return "", 0.0
    return text.rstrip(":").strip(), line.x0


def find_tables(lines: list[Line], width: float) -> list[Table]:
    """Tables of one page (see the module docstring)."""
    parsed = [_line_cells(ln) for ln in lines]
    n = len(lines)
    # 2. regions: runs of lines holding clear cells, cut at prose and at new head lines
    regions: list[tuple[int, int]] = []
    start = None
    last_val = None
    for i in range(n):
        has = any(c.clear for c in parsed[i][1])
        if has:
            if start is None:
                start = i
            elif last_val is not None and any(
                _is_head_line(lines[j]) and not parsed[j][1] for j in range(last_val + 1, i)
            ):
                regions.append((start, last_val + 1))
                start = i
            last_val = i
        elif start is not None and (
            (
                _is_prose(lines[i], width)
                and (
                    lines[i].text.rstrip().endswith(".")
                    or (i + 1 < n and _is_prose(lines[i + 1], width))
                )
            )
            or i - (last_val or i) > 4
        ):
            regions.append((start, last_val + 1))
            start = last_val = None
    if start is not None and last_val is not None:
        regions.append((start, last_val + 1))

    tables: list[Table] = []
    prev_end = 0
    for a, b in regions:
        cells = [c for i in range(a, b) for c in parsed[i][1]]
        cols = _columns(cells)
        # a column only one row of a longer table uses is a stray number (a page number, a
        # footnote amount), not a column
        rows_with = [0] * len(cols)
        n_rows = sum(1 for i in range(a, b) if parsed[i][1])
        for i in range(a, b):
            for k in {_place(c, cols) for c in parsed[i][1] if c.clear}:
                if k >= 0:
                    rows_with[k] += 1
        if n_rows >= 4 and any(x > 1 for x in rows_with):
            cols = [c for c, x in zip(cols, rows_with, strict=True) if x > 1]
        if not cols:
            prev_end = b
            continue
        # preamble: the lines above the first value row, back to prose or the previous table
        p = a
        while p > prev_end and a - p < 8 and not _is_prose(lines[p - 1], width):
            p -= 1
        pre = lines[p:a]
        head_lines = [ln for ln in pre if _is_head_line(ln)]
        table = Table(
            columns=cols,
            heads=_assign_heads(head_lines, cols),
            preamble=[ln.text for ln in pre],
            top=lines[a].top,
            first_line=p,
        )
        heading, heading_x0 = _preamble_heading(pre, parsed[a][0] or lines[a].words)
        pending: list[tuple[str, float]] = []  # label-only lines just above the current row
        last_label_bottom = -1e9
        for i in range(a, b):
            label_words, row_cells = parsed[i]
            placed: list[Cell] = []
            back: list[Word] = []
            for c in row_cells:
                c.column = _place(c, cols)
                if c.column < 0 or (placed and placed[-1].column >= c.column):
                    back.append(Word(c.text, c.x0, c.x1, 0, 0))
                else:
                    placed.append(c)
            label = " ".join([w.text for w in label_words] + [w.text for w in back]).strip()
            label = label.rstrip(":").strip()
            if not placed:
                if _is_head_line(lines[i]) and not label_words:
                    continue
                if label:
                    h = max(lines[i].words[0].height, 1.0)
                    if (
                        pending
                        and lines[i].top - last_label_bottom < 1.6 * h
                        and (label[:1].islower() or _UNFINISHED.search(pending[-1][0]))
                    ):
                        pending[-1] = (pending[-1][0] + " " + label, pending[-1][1])
                    else:
                        pending.append((label, lines[i].x0))
                    last_label_bottom = lines[i].bottom
                continue
            x0 = label_words[0].x0 if label_words else lines[i].x0
            near = pending and lines[i].top - last_label_bottom < 1.6 * max(
                lines[i].words[0].height, 1.0
            )
            if not label and near:
                label, x0 = pending.pop()
            elif (
                near
                and not pending[-1][0].endswith(":")
                and (label[:1].islower() or _UNFINISHED.search(pending[-1][0]))
            ):
                prev, x0 = pending.pop()
                label = prev + " " + label
            if pending:
                heading, heading_x0 = pending[-1]
                pending = []
            elif heading and x0 <= heading_x0 + 1.0:
                heading = ""  # back at the heading's indent: its list has ended
            if not label and heading:
                label = _block_total(table.rows, heading, placed)
            if not label or _NOT_A_ROW.match(label):
                continue
            table.rows.append(Row(label=label, cells=placed, top=lines[i].top, heading=heading))
            if heading and _closes(label, heading):
                # "Total cost of revenue" closes its block: "Gross profit" below is not in it
                heading = ""
        if table.rows:
            if not any(table.heads) and tables:
                inherit_heads(table, tables[-1])
            tables.append(table)
        prev_end = b
    return tables
