"""Layout pages -> EDGAR-style HTML: inline-XBRL cover facts in a hidden ``ix:header``, one
``<hr style="page-break-after:always">`` between pages, "$" in a cell of its own (as EDGAR's
tables have it) and a page number at the foot of each page."""

from __future__ import annotations

from html import escape

from docnav.synth.doc import Element, Heading, Para, Table

_HEAD = """<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:ix="http://www.xbrl.org/2013/inlineXBRL" xmlns:dei="http://xbrl.sec.gov/dei/2023">
<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"/><title>{title}</title></head>
<body style="font-family:'Times New Roman';font-size:10pt">
"""


def render_html(pages: list[list[Element]], title: str, dei: dict[str, str]) -> bytes:
    parts = [_HEAD.format(title=escape(title))]
    if dei:
        facts = "".join(
            f'<ix:nonNumeric contextRef="c-1" name="dei:{k}" id="f-{i}">{escape(v)}</ix:nonNumeric>'
            for i, (k, v) in enumerate(dei.items(), 1)
        )
        parts.append(
            f'<div style="display:none"><ix:header><ix:hidden>{facts}</ix:hidden></ix:header></div>\n'
        )
    for i, page in enumerate(pages):
        parts.append("<div>\n")
        for el in page:
            parts.append(_element(el))
        if i > 0:
            parts.append(f'<p style="text-align:center">{i + 1}</p>\n')
        parts.append("</div>\n")
        if i < len(pages) - 1:
            parts.append('<hr style="page-break-after:always"/>\n')
    parts.append("</body>\n</html>\n")
    return "".join(parts).encode("utf-8")


def _element(el: Element) -> str:
    if isinstance(el, Heading):
        style = "font-weight:bold" + (";text-align:center" if el.level == 0 else "")
        return f'<p style="{style}">{escape(el.text)}</p>\n'
    if isinstance(el, Para):
        return f"<p>{escape(el.text)}</p>\n"
    return _table(el)


def _table(t: Table) -> str:
    ncols = len(t.header) or max((len(r.values) for r in t.rows), default=0)
    out = ['<table style="border-collapse:collapse;width:100%">\n']
    if t.header_label:
        out.append(
            f'<tr><td colspan="{2 * ncols + 1}" style="text-align:right">{escape(t.header_label)}</td></tr>\n'
        )
    if t.header:
        cells = "".join(
            f'<td colspan="2" style="text-align:right;font-weight:bold">{escape(h)}</td>'
            for h in t.header
        )
        out.append(f"<tr><td></td>{cells}</tr>\n")
    for i, row in enumerate(t.rows):
        bold = ";font-weight:bold" if row.bold else ""
        cells = [f'<td style="width:50%{bold}">{escape(row.label)}</td>']
        for v in row.values:
            dollar = "$" if i in t.dollar_rows and v else ""
            cells.append(f'<td>{dollar}</td><td style="text-align:right{bold}">{escape(v)}</td>')
        out.append("<tr>" + "".join(cells) + "</tr>\n")
    out.append("</table>\n")
    return "".join(out)
