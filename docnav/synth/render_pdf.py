"""Layout pages -> PDF with fpdf2 (pure Python; core Helvetica in Windows-1252, so no font
is embedded and a filing renders in milliseconds). One layout page is one PDF page: the
layout budget keeps every page inside the margins, and overflow is an error, not a new page."""

from __future__ import annotations

from fpdf import FPDF

from docnav.synth.doc import Element, Heading, Para, Table

_LH = 4.2  # line height, mm
_BOTTOM = 279.4 - 12  # lowest baseline allowed (Letter height minus the footer band)


class _Pdf(FPDF):
    pass


def render_pdf(pages: list[list[Element]], title: str) -> bytes:
    pdf = _Pdf(format="letter", unit="mm")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_auto_page_break(False)
    pdf.set_margins(19, 16, 19)
    pdf.set_title(title)
    pdf.set_creator("docnav synth")
    # fixed dates keep the bytes identical for a seed (fpdf2 stamps the clock otherwise)
    from datetime import UTC, datetime

    pdf.set_creation_date(datetime(2000, 1, 1, tzinfo=UTC))
    for i, page in enumerate(pages):
        pdf.add_page()
        for el in page:
            _element(pdf, el)
        if pdf.get_y() > _BOTTOM - 6:
            raise ValueError(f"{title}: page {i + 1} overflows its PDF page")
        if i > 0:
            pdf.set_font("Helvetica", "", 8)
            pdf.set_y(_BOTTOM)
            pdf.cell(0, _LH, str(i + 1), align="C")
    return bytes(pdf.output())


_WIDTHS: dict[tuple[str, str, float], float] = {}


def _width(pdf: FPDF, word: str, style: str, size: float) -> float:
    key = (word, style, size)
    w = _WIDTHS.get(key)
    if w is None:
        if len(_WIDTHS) > 200_000:
            _WIDTHS.clear()
        w = _WIDTHS[key] = pdf.get_string_width(word)
    return w


def _wrapped(pdf: FPDF, text: str, style: str, size: float, h: float, align: str = "L") -> None:
    """Greedy word wrap with cached word widths, one ``cell`` per line: fpdf2's multi_cell
    measures character by character and was 90% of the PDF time (profiled)."""
    pdf.set_font("Helvetica", style, size)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    space = _width(pdf, " ", style, size)
    line: list[str] = []
    used = 0.0
    for word in text.split(" "):
        w = _width(pdf, word, style, size)
        if line and used + space + w > width:
            pdf.cell(width, h, " ".join(line), align=align, new_x="LMARGIN", new_y="NEXT")
            line, used = [], 0.0
        used += (space if line else 0.0) + w
        line.append(word)
    pdf.cell(width, h, " ".join(line), align=align, new_x="LMARGIN", new_y="NEXT")


def _element(pdf: FPDF, el: Element) -> None:
    if isinstance(el, Heading):
        _wrapped(pdf, el.text, "B", 9.5, _LH + 0.6, "C" if el.level == 0 else "L")
        pdf.ln(0.8)
    elif isinstance(el, Para):
        _wrapped(pdf, el.text, "", 9, _LH)
        pdf.ln(1.2)
    else:
        _table(pdf, el)


def _table(pdf: FPDF, t: Table) -> None:
    width = pdf.w - pdf.l_margin - pdf.r_margin
    ncols = len(t.header) or max((len(r.values) for r in t.rows), default=0)
    col = min(26.0, (width * 0.5) / max(ncols, 1))
    label_w = width - col * ncols
    pdf.set_font("Helvetica", "", 8.5)
    if t.header_label:
        pdf.cell(width, _LH, t.header_label, align="R", new_x="LMARGIN", new_y="NEXT")
    if t.header:
        pdf.set_font("Helvetica", "B", 8.5)
        pdf.cell(label_w, _LH, "")
        for h in t.header:
            pdf.cell(col, _LH, h, align="R")
        pdf.ln(_LH)
    for i, row in enumerate(t.rows):
        pdf.set_font("Helvetica", "B" if row.bold else "", 8.5)
        label = row.label
        while label and pdf.get_string_width(label) > label_w - 2:
            label = label[:-1]  # tables are laid out so labels fit; never wrap a row
        if label != row.label:
            raise ValueError(f"table label too wide: {row.label!r}")
        pdf.cell(label_w, _LH, row.label)
        for v in row.values:
            text = f"$ {v}" if i in t.dollar_rows and v else v
            pdf.cell(col, _LH, text, align="R")
        pdf.ln(_LH)
    pdf.ln(1.5)
