"""PDF -> text per page with pypdfium2 (page index 0-based)."""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2 as pdfium

from docnav.errors import IngestError

# pdfium ends each visual line with \r\n; a bare \n only separates text runs on the
# same visual line ("PART\nI\r\nItem\n1.\nBUSINESS" is two lines), so it becomes a space.
_BARE_LF = re.compile(r"(?<!\r)\n")


def normalise_pdf_text(text: str) -> str:
    """pypdfium2 page text -> one visual line per "\\n"."""
    text = _BARE_LF.sub(" ", text).replace("\r\n", "\n").replace("\r", "\n")
    # pdfium marks line-end hyphenation with U+FFFE / U+0002
    return text.replace("\ufffe", "-").replace("\x02", "-")


# Pages with fewer visible characters than this count as having no text.
_MIN_CHARS_PER_DOC = 20


def read_pdf_pages(path: str | Path, max_pages: int | None = None) -> list[str]:
    """Return the text of every page, in order. Raises IngestError with a one-line reason."""
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            raise IngestError("encrypted PDF (password required); decrypt it first") from exc
        raise IngestError(f"corrupt or truncated PDF ({msg.rstrip('.')})") from exc
    try:
        n = len(pdf)
        if n == 0:
            raise IngestError("PDF has no pages")
        if max_pages is not None and n > max_pages:
            raise IngestError(
                f"PDF has {n} pages, over the limit of {max_pages} (DOCNAV_MAX_PAGES)"
            )
        pages: list[str] = []
        for i in range(n):
            try:
                page = pdf[i]
                textpage = page.get_textpage()
                text = textpage.get_text_range()
                textpage.close()
                page.close()
            except pdfium.PdfiumError as exc:
                raise IngestError(f"corrupt PDF: page {i + 1} cannot be read ({exc})") from exc
            pages.append(normalise_pdf_text(text))
    finally:
        pdf.close()
    if sum(len(p.strip()) for p in pages) < _MIN_CHARS_PER_DOC:
        raise IngestError("no text layer; OCR is not included (scanned or image-only PDF)")
    return pages
