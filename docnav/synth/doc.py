"""A filing as pages of simple elements (headings, paragraphs, tables), laid out once and
rendered to both HTML and PDF, so both formats have the same pages and the same text.

The layout budget is counted in PDF text lines (Letter, 9 pt Helvetica); a page never holds
more than fits, so one layout page is exactly one PDF page and one HTML page (HTML pages are
cut by CSS page breaks, as EDGAR's are). Anchors record on which page a planted fact landed."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

LINE_CHARS = 105  # characters per wrapped PDF line (9 pt Helvetica over 178 mm, measured ~115)
PAGE_LINES = 52  # text lines a PDF page holds with margins (about 57 fit)


@dataclass
class Heading:
    text: str
    level: int = 1  # 0: centred title, 1: Part/Item, 2: Note / sub-heading


@dataclass
class Para:
    text: str
    center: bool = False


@dataclass
class Row:
    label: str
    values: list[str]
    bold: bool = False


@dataclass
class Table:
    rows: list[Row]
    header: list[str] = field(default_factory=list)  # column heads ("2024", "2023")
    header_label: str = ""  # text above the column heads ("Years Ended June 30,")
    dollar_rows: set[int] = field(default_factory=set)  # rows whose values get a "$" cell


Element = Heading | Para | Table


def _lines(el: Element) -> float:
    if isinstance(el, Heading):
        return 1.6
    if isinstance(el, Para):
        return math.ceil(max(1, len(el.text)) / LINE_CHARS) + 0.5
    return len(el.rows) + (1 if el.header else 0) + (1 if el.header_label else 0) + 0.8


@dataclass
class Anchor:
    page: int  # 0-based
    text: str  # the literal snippet on that page


class Layout:
    """Pages of elements. ``add`` starts a new page when the element does not fit."""

    def __init__(self) -> None:
        self.pages: list[list[Element]] = [[]]
        self.used = 0.0
        self.anchors: dict[str, Anchor] = {}

    @property
    def page(self) -> int:
        return len(self.pages) - 1

    def new_page(self) -> None:
        if self.pages[-1]:
            self.pages.append([])
            self.used = 0.0

    def add(self, el: Element, keep_lines: float = 0.0) -> None:
        """Append ``el``; ``keep_lines`` more lines must fit after it (a heading keeps with
        the start of its text)."""
        n = _lines(el)
        if n > PAGE_LINES:
            raise ValueError(f"element too long for one page ({n:.0f} lines)")
        if self.used + n + keep_lines > PAGE_LINES:
            self.new_page()
        self.pages[-1].append(el)
        self.used += n

    def heading(self, text: str, level: int = 1) -> None:
        self.add(Heading(text, level), keep_lines=4)

    def para(self, text: str, anchor: str | None = None, snippet: str | None = None) -> None:
        self.add(Para(text))
        if anchor:
            self.mark(anchor, snippet or text)

    def table(self, t: Table) -> None:
        self.add(t)

    def mark(self, key: str, snippet: str) -> None:
        self.anchors[key] = Anchor(page=self.page, text=snippet)


def page_text(elements: list[Element]) -> str:
    """The text of one page, one line per paragraph / table row (what both renderers show;
    PDF wraps paragraphs further)."""
    out: list[str] = []
    for el in elements:
        if isinstance(el, Heading):
            out.append(el.text)
        elif isinstance(el, Para):
            out.append(el.text)
        else:
            out.extend(table_lines(el))
    return "\n".join(out)


def table_lines(t: Table) -> list[str]:
    out = []
    if t.header_label:
        out.append(t.header_label)
    if t.header:
        out.append(" ".join(t.header))
    for i, row in enumerate(t.rows):
        cells = [row.label] + [
            f"$ {v}" if i in t.dollar_rows and v else v for v in row.values if v != ""
        ]
        out.append(" ".join(c for c in cells if c))
    return out
