"""Structure detection over per-page plain text of SEC filings.

:func:`detect_structure` turns the page texts produced by pypdfium2 into an outline
(:class:`~docnav.types.Section`: Parts, Items, Notes, financial statements, exhibits, the
cover) and content :class:`~docnav.types.Block` s (paragraphs and atomic tables) in
reading order. Everything is heuristic and line based, linear in the number of lines.

It runs in phases, each a module of its own over one page/line model
(:mod:`~docnav.ingestion.structure_model`):

* lines (``structure_lines``): cleaned lines, page furniture marked, run-in headings split;
* candidates (``structure_candidates``): one scan for lines that may be headings;
* table of contents (``structure_toc``): index pages, whose lines are no headings;
* Items and Parts (``structure_items``): prose cross-references are rejected by their
  shape, and the surviving candidates are filtered to the heaviest chain that follows the
  canonical order of the form (10-K, 10-Q, 8-K; ``structure_forms``);
* exhibits (``structure_exhibits``): page-top exhibit headings after the last Item;
* Notes (``structure_notes``): searched only in the notes area (after a "Notes to ...
  Financial Statements" header), they must form an increasing sequence 1, 2, 3, ...;
* statements (``structure_statements``): "Balance Sheet", "Income Statement", ... are
  page-top titles inside the financial statements item (or anywhere, without Items);
* cover (``structure_cover``), then sections (``structure_sections``): the nested outline;
* blocks (``structure_blocks``): tables are runs of number-dominated lines; a table block is
  atomic and never crosses a page or a section boundary.

Pages are 0-based. Page furniture (a "Table of Contents" link at the top of a page, a
bare page number at the bottom) is dropped; all other text ends up in exactly one block.
"""

from __future__ import annotations

from docnav.ingestion.structure_blocks import build_blocks
from docnav.ingestion.structure_candidates import scan_candidates
from docnav.ingestion.structure_cover import cover_heads
from docnav.ingestion.structure_exhibits import find_exhibits
from docnav.ingestion.structure_items import financial_statements_item, find_items
from docnav.ingestion.structure_lines import guess_form, read_lines
from docnav.ingestion.structure_lines import (  # noqa: F401  (tests import it from here)
    split_runin_headings as _split_runin_headings,
)
from docnav.ingestion.structure_model import Head
from docnav.ingestion.structure_notes import find_notes
from docnav.ingestion.structure_sections import build_sections
from docnav.ingestion.structure_statements import find_statements, statements_range
from docnav.ingestion.structure_text import repair_split_words
from docnav.ingestion.structure_toc import toc_pages
from docnav.types import StructuredDoc

__all__ = ["detect_structure", "repair_split_words"]


def detect_structure(pages: list[str], form: str | None = None) -> StructuredDoc:
    """Detect the outline and the content blocks of a filing from its per-page text.

    ``pages``: plain text per page (pypdfium2 ``get_text_range()``; ``\\r\\n`` or ``\\n``).
    ``form``: "10-K", "10-Q", "8-K", "EARNINGS" or None (then guessed from the cover).
    """
    lines = read_lines(pages)
    form_u = guess_form(lines, form)
    is_q = "10-Q" in form_u or "10Q" in form_u
    cands = scan_candidates(lines)
    toc_page = toc_pages(lines, cands)

    heads: list[Head] = find_items(lines, cands, toc_page, is_q)
    items = [h for h in heads if h.kind == "item"]
    fin = financial_statements_item(heads, lines.n_lines, is_q)
    heads += find_exhibits(lines, cands, toc_page, items)
    notes = find_notes(lines, cands, toc_page, heads, items, fin)
    heads += notes.heads
    st_lo, st_hi = statements_range(
        lines, heads, bool(items), notes.fin, notes.area_start, bool(notes.notes)
    )
    heads += find_statements(lines, toc_page, st_lo, st_hi)

    heads.sort(key=lambda h: (h.line, h.level_hint))
    first_line = heads[0].line if heads else lines.n_lines
    heads[0:0] = cover_heads(lines, toc_page, first_line)
    heads.sort(key=lambda h: (h.line, h.level_hint))

    sections = build_sections(lines, heads)
    blocks = build_blocks(lines, [s.id for s in sections], [h.line for h in heads])
    return StructuredDoc(sections=sections, blocks=blocks)
