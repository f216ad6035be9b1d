"""EDGAR HTML / inline-XBRL filings -> pages, structure and cover metadata.

Pages are cut where the filing's CSS asks for a page break (``page-break-before/after``),
as EDGAR renders them, so a citation can name a page. Tables become one line per row
with their cells in order, like a PDF's text layer, so the same structure detector
(Items, Notes, statements, atomic tables) serves PDF and HTML with page numbers;
edgartools' section detector checks the Items, and any it finds that the text rules did
not place on a page is reported as a warning on the document. Cover metadata comes from the
inline-XBRL ``dei:`` facts when present (source "xbrl").
"""

from __future__ import annotations

import re
from datetime import date

import lxml.html
from lxml import etree
from pydantic import BaseModel

from docnav.errors import IngestError
from docnav.ingestion.structure import detect_structure
from docnav.types import DocumentMeta, StructuredDoc

_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "tr",
    "li",
    "ul",
    "ol",
    "table",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "header",
    "footer",
    "hr",
    "center",
    "blockquote",
    "pre",
    "dl",
    "dt",
    "dd",
}
_SKIP_TAGS = {"script", "style", "head", "title", "ix:header", "noscript"}
_BREAK_BEFORE = re.compile(r"(?:page-)?break-before\s*:\s*(?:always|page)", re.IGNORECASE)
_BREAK_AFTER = re.compile(r"(?:page-)?break-after\s*:\s*(?:always|page)", re.IGNORECASE)
_HIDDEN = re.compile(r"display\s*:\s*none", re.IGNORECASE)
_WS = re.compile(r"[ \t\r\f\v\u00a0\u2009\u200b]+")
_PAGE_CHARS_NO_BREAKS = 4000
_HTML_SNIFF = re.compile(
    rb"<(?:!doctype\s+html|html|xhtml|body|div|p|table|ix:header|document)\b", re.IGNORECASE
)


class HtmlFiling(BaseModel):
    pages: list[str]
    structure: StructuredDoc
    meta: DocumentMeta
    xbrl_fact_count: int = 0
    warnings: list[str] = []


def looks_like_html(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return bool(_HTML_SNIFF.search(head[:4096])) and not head.startswith(b"%PDF")


class _Renderer:
    """Walks the DOM once, emitting text lines and page breaks."""

    def __init__(self) -> None:
        self.pages: list[list[str]] = [[]]
        self.line: list[str] = []

    def newline(self) -> None:
        text = _WS.sub(" ", "".join(self.line)).strip()
        if text:
            self.pages[-1].append(text)
        self.line = []

    def page_break(self) -> None:
        self.newline()
        if self.pages[-1]:
            self.pages.append([])

    def text(self, s: str | None) -> None:
        if s:
            self.line.append(s.replace("\n", " "))

    def walk(self, el: etree._Element) -> None:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if not tag or tag in _SKIP_TAGS:
            self.text(el.tail) if tag else None
            return
        style = el.get("style") or ""
        if _HIDDEN.search(style):
            self.text(el.tail)
            return
        if _BREAK_BEFORE.search(style):
            self.page_break()
        if tag == "tr":
            self.newline()
            cells = []
            for cell in el:
                if isinstance(cell.tag, str) and cell.tag.lower() in ("td", "th"):
                    t = _WS.sub(" ", cell.text_content()).strip()
                    if t:
                        cells.append(t)
            self.text(" ".join(_join_cells(cells)))
            self.newline()
        else:
            block = tag in _BLOCK_TAGS
            if block:
                self.newline()
            self.text(el.text)
            for child in el:
                self.walk(child)
            if block:
                self.newline()
        if _BREAK_AFTER.search(style):
            self.page_break()
        self.text(el.tail)


def _join_cells(cells: list[str]) -> list[str]:
    """EDGAR splits "$", the amount and ")" / "%" into cells: glue them back."""
    out: list[str] = []
    for c in cells:
        if out and c in (")", "%", ")%"):
            out[-1] += c
        else:
            out.append(c)
    return out


def _split_long(lines: list[str]) -> list[list[str]]:
    pages, cur, size = [], [], 0
    for line in lines:
        if cur and size + len(line) > _PAGE_CHARS_NO_BREAKS:
            pages.append(cur)
            cur, size = [], 0
        cur.append(line)
        size += len(line) + 1
    if cur:
        pages.append(cur)
    return pages


_DEI = re.compile(r"dei:(\w+)")


def _dei_facts(root: etree._Element) -> tuple[dict[str, str], int]:
    facts: dict[str, str] = {}
    count = 0
    for el in root.iter():
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if tag in ("ix:nonnumeric", "ix:nonfraction"):
            count += 1
            m = _DEI.fullmatch(el.get("name") or "")
            if m and m.group(1) not in facts:
                facts[m.group(1)] = _WS.sub(" ", el.text_content()).strip()
    return facts, count


_FORMS = {
    "10-K": "10-K",
    "10-K/A": "10-K",
    "10-Q": "10-Q",
    "10-Q/A": "10-Q",
    "8-K": "8-K",
    "8-K/A": "8-K",
}


def _parse_date(s: str) -> date | None:
    from datetime import datetime

    for fmt in ("%B %d, %Y", "%b %d, %Y", "%Y-%m-%d", "%m/%d/%Y", "%B %d %Y"):
        try:
            return datetime.strptime(s.replace("\u00a0", " ").strip(), fmt).date()
        except ValueError:
            continue
    return None


def _meta_from_dei(f: dict[str, str]) -> DocumentMeta:
    meta = DocumentMeta()
    src = {}
    if f.get("EntityRegistrantName"):
        meta.company, src["company"] = f["EntityRegistrantName"], "xbrl"
    if f.get("TradingSymbol"):
        meta.ticker, src["ticker"] = f["TradingSymbol"].split()[0].upper(), "xbrl"
    if f.get("EntityCentralIndexKey"):
        meta.cik, src["cik"] = f["EntityCentralIndexKey"], "xbrl"
    form = _FORMS.get((f.get("DocumentType") or "").upper())
    if form:
        meta.form, src["form"] = form, "xbrl"
    fy = f.get("DocumentFiscalYearFocus")
    if fy and fy.isdigit():
        meta.fiscal_year, src["fiscal_year"] = int(fy), "xbrl"
        fp = (f.get("DocumentFiscalPeriodFocus") or "").upper()
        if fp == "FY":
            meta.fiscal_period = f"FY{fy}"
        elif fp in ("Q1", "Q2", "Q3", "Q4"):
            meta.fiscal_period = f"{fp} {fy}"
        if meta.fiscal_period:
            src["fiscal_period"] = "xbrl"
    pe = _parse_date(f.get("DocumentPeriodEndDate") or "")
    if pe:
        meta.period_end, src["period_end"] = pe, "xbrl"
    meta.sources = src  # type: ignore[assignment]
    return meta


_CHARSET = re.compile(rb"""(?:charset|encoding)\s*=\s*["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)


def _parser(data: bytes) -> lxml.html.HTMLParser:
    try:
        return lxml.html.HTMLParser(encoding=_encoding(data))
    except LookupError:  # a declared charset Python knows and libxml2 does not ("utf-")
        return lxml.html.HTMLParser(encoding=_undeclared_encoding(data))


def _encoding(data: bytes) -> str:
    """Declared charset, else UTF-8 when the bytes decode as UTF-8, else Windows-1252."""
    m = _CHARSET.search(data[:4096])
    if m:
        name = m.group(1).decode("ascii").lower()
        try:
            "".encode(name)
            return name
        except LookupError:
            pass
    return _undeclared_encoding(data)


def _undeclared_encoding(data: bytes) -> str:
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


_COVER_FORM = re.compile(r"\bFORM\s+(10-K|10-Q|8-K)\b", re.IGNORECASE)


def parse_html_filing(
    data: bytes, form_hint: str | None = None, edgartools_check: bool = True
) -> HtmlFiling:
    try:
        parser = _parser(data)
        root = lxml.html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise IngestError(f"unreadable HTML ({exc})") from exc
    facts, n_facts = _dei_facts(root)
    meta = _meta_from_dei(facts)
    r = _Renderer()
    body = root.find("body")
    r.walk(body if body is not None else root)
    r.newline()
    page_lines = [p for p in r.pages if p]
    if not page_lines:
        raise IngestError("HTML holds no text")
    if len(page_lines) == 1:
        page_lines = _split_long(page_lines[0])
    pages = ["\n".join(p) for p in page_lines]
    form = meta.form
    if form is None:
        m = _COVER_FORM.search("\n".join(pages[:2]))
        form = m.group(1).upper() if m else form_hint
    structure = detect_structure(pages, form=form)
    check = edgartools_check and form in ("10-K", "10-Q")
    warnings = edgartools_item_check(data, form, structure) if check else []
    return HtmlFiling(
        pages=pages, structure=structure, meta=meta, xbrl_fact_count=n_facts, warnings=warnings
    )


def edgartools_item_check(data: bytes, form: str, structure: StructuredDoc) -> list[str]:
    """Second opinion on Items from edgartools' section detector: a warning for each Item it
    finds that the page-text rules did not place on a page (the outline keeps only Items
    whose pages are known, so citations stay page-accurate)."""
    from edgar.documents import ParserConfig, parse_html

    try:
        doc = parse_html(data.decode("utf-8", errors="replace"), config=ParserConfig(form=form))
        found = {str(s.item).upper() for s in doc.sections.values() if getattr(s, "item", None)}
    except Exception as exc:  # noqa: BLE001 - a second opinion must not break ingestion
        return [f"edgartools could not check Items ({type(exc).__name__})"]
    have = {s.label for s in structure.sections if s.kind == "item"}
    missing = sorted({f"Item {i}" for i in found} - have, key=_item_order)
    return [f"edgartools finds {m}, which was not located on a page" for m in missing]


def _item_order(label: str) -> tuple[int, str]:
    num = label.split()[-1]
    digits = "".join(ch for ch in num if ch.isdigit())
    return (int(digits) if digits else 0, num)
