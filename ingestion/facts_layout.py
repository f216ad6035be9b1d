"""PDF page -> words with boxes -> visual lines, from pypdfium2's per-character boxes.

Statement tables are rebuilt from positions (facts_table.py) because the page text loses
what matters there: which column a value sits in when a cell is blank, and which label a
wrapped row's numbers belong to. Coordinates are PDF points with ``top`` measured from the
top of the page (so lines sort downwards).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pypdfium2 as pdfium

from docnav.ingestion.pdf import normalise_pdf_text

__all__ = ["Line", "Word", "group_lines", "page_lines", "pdf_page_lines"]


@dataclass(slots=True)
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass(slots=True)
class Line:
    words: list[Word] = field(default_factory=list)

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def _words_from_chars(chars: list[tuple[str, float, float, float, float]]) -> list[Word]:
    """Characters in pdfium's text order -> words: a word ends at whitespace, at a jump to
    another line, at a step backwards, or at a gap wider than ~0.3 of the glyph height (tables
    often place each character as its own text object, with no space between cells)."""
    words: list[Word] = []
    cur: list[tuple[str, float, float, float, float]] = []

    def flush() -> None:
        if cur:
            words.append(
                Word(
                    "".join(c[0] for c in cur),
                    min(c[1] for c in cur),
                    max(c[2] for c in cur),
                    min(c[3] for c in cur),
                    max(c[4] for c in cur),
                )
            )
            cur.clear()

    for ch in chars:
        if ch[0].isspace():
            flush()
            continue
        if cur:
            p = cur[-1]
            h = max(p[4] - p[3], ch[4] - ch[3], 1.0)
            yc_p, yc_c = (p[3] + p[4]) / 2, (ch[3] + ch[4]) / 2
            if abs(yc_c - yc_p) > 0.4 * h or ch[1] < p[1] - 1.0 or ch[1] - p[2] > 0.3 * h:
                flush()
        cur.append(ch)
    flush()
    return words


def group_lines(words: list[Word]) -> list[Line]:
    """Words -> visual lines (top to bottom), words left to right within a line. A word joins
    the current line when its vertical centre is within 0.45 of a glyph height of the line's
    first word: superscripts and "$" signs in a smaller font stay on their row."""
    if not words:
        return []
    ws = sorted(words, key=lambda w: ((w.top + w.bottom) / 2, w.x0))
    lines: list[list[Word]] = []
    anchor = None
    for w in ws:
        yc = (w.top + w.bottom) / 2
        if anchor is not None and abs(yc - anchor[0]) <= 0.45 * max(anchor[1], 1.0):
            lines[-1].append(w)
        else:
            lines.append([w])
            anchor = (yc, w.height)
    return [Line(sorted(ln, key=lambda w: w.x0)) for ln in lines]


def page_lines(page: pdfium.PdfPage) -> tuple[list[Line], float]:
    """(lines, page width) of one pypdfium2 page."""
    width, height = page.get_size()
    tp = page.get_textpage()
    try:
        n = tp.count_chars()
        text = tp.get_text_range() if n else ""
        chars: list[tuple[str, float, float, float, float]] = []
        # get_text_range yields one character per char index (pdfium's generated spaces and
        # line ends included), so text[i] is the glyph of box i
        aligned = len(text) == n
        for i in range(n):
            ch = text[i] if aligned else tp.get_text_range(i, 1)
            if ch.isspace() or not ch:
                chars.append((" ", 0, 0, 0, 0))
                continue
            left, bottom, right, top = tp.get_charbox(i, loose=True)
            chars.append((ch, left, right, height - top, height - bottom))
    finally:
        tp.close()
    words = _words_from_chars(chars)
    for w in words:  # pdfium's hyphenation marks, as the page text does
        w.text = normalise_pdf_text(w.text)
    return group_lines(words), float(width)


def pdf_page_lines(path: str, pages: list[int]) -> dict[int, tuple[list[Line], float]]:
    """Lines of the given 0-based pages of one PDF (pages that fail to load are left out)."""
    out: dict[int, tuple[list[Line], float]] = {}
    pdf = pdfium.PdfDocument(str(path))
    try:
        n = len(pdf)
        for p in pages:
            if not 0 <= p < n:
                continue
            try:
                page = pdf[p]
            except pdfium.PdfiumError:
                continue
            try:
                out[p] = page_lines(page)
            finally:
                page.close()
    finally:
        pdf.close()
    return out
