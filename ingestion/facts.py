"""Statement facts at ingestion: every financial-statement and Note table becomes line-item
:class:`~docnav.types.Fact` s (label, period, canonical value, unit, scale, page, section).

* PDF: the pages of the statements found by structure detection and the Note pages holding
  tables are read again from pypdfium2's character boxes and rebuilt into rows and columns
  (facts_layout.py, facts_table.py; pdfplumber was measured against it, see
  results/facts/).
* EDGAR iXBRL: the filing's tagged XBRL facts (facts_xbrl.py).

The table's scale comes from the nearest scale line above it on the page ("(Dollars in
millions, except per share amounts)"), else from the last lines of the page before (a scale
line the page break separated from its table), else from the same statement's earlier page,
else (Notes) from the statements' own scale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from docnav.ingestion.facts_labels import normalise_label, row_unit, statement_kind
from docnav.ingestion.facts_layout import pdf_page_lines
from docnav.ingestion.facts_periods import period_of
from docnav.ingestion.facts_table import Table, find_tables, inherit_heads, parse_cell
from docnav.ingestion.numbers import _SCALE_RX
from docnav.types import DocumentMeta, Fact, Section, StatementKind, StructuredDoc

__all__ = ["fact_pages", "pdf_facts", "scale_of", "table_facts"]

_SCALE_VALUE = {"thousands": 1e3, "000": 1e3, "millions": 1e6, "billions": 1e9}
_SHARES_SCALE = re.compile(
    r"\bshares?\b[^;,)]*?\b(?:in\s+)?(thousands|millions|billions)\b", re.IGNORECASE
)
_MONEY = re.compile(r"\$|\bdollars?\b|\busd\b", re.IGNORECASE)


@dataclass(frozen=True)
class Scale:
    factor: float
    text: str  # as printed: "(Dollars in millions, except per share amount)"
    shares_factor: float | None = None  # "shares in thousands"

    @property
    def money(self) -> bool:
        return (
            not re.search(r"\bshares\b", self.text, re.IGNORECASE)
            or bool(_MONEY.search(self.text))
            or (self.shares_factor is not None)
        )


def scale_of(text: str) -> Scale | None:
    """The scale a line states, with the phrase as printed, or None."""
    m = _SCALE_RX.search(text)
    if not m:
        return None
    word = next(g for g in m.groups() if g).lower()
    # the phrase: the parenthesis around the match, else the line itself (cut short)
    lo, hi = text.rfind("(", 0, m.start() + 1), text.find(")", m.end())
    phrase = (
        text[lo : hi + 1] if lo >= 0 and hi >= 0 and "(" not in text[lo + 1 : m.start()] else text
    )
    phrase = phrase.strip()[:120]
    sm = _SHARES_SCALE.search(phrase)
    shares = _SCALE_VALUE[sm.group(1).lower()] if sm else None
    return Scale(_SCALE_VALUE[word], phrase, shares)


_TITLE_KINDS: dict[str, StatementKind] = {
    "balancesheet": "balance",
    "financialposition": "balance",
    "financialcondition": "balance",
    "cashflow": "cashflow",
    "equitystatement": "equity",
    "changesinequity": "equity",
    "stockholdersequity": "equity",
    "shareholdersequity": "equity",
    "comprehensiveincome": "income",
    "statementsofincome": "income",
    "statementofincome": "income",
    "statementsofoperations": "income",
    "statementofoperations": "income",
    "incomestatement": "income",
    "statementsofearnings": "income",
}
_SQUEEZE = re.compile(r"[^a-z]+")


def _title_kind(top: list[str]) -> StatementKind | None:
    """The statement a page's title names ("STOCKHOLDERS' EQUITY STATEMENTS"), if any: the
    first title-like line among the page's top lines that names one."""
    for s in top:
        if len(s) > 90 or any(ch.isdigit() for ch in s):
            continue
        sq = _SQUEEZE.sub("", s.lower().replace("’", "").replace("'", ""))
        for key, kind in _TITLE_KINDS.items():
            if key in sq:
                return kind
    return None


def _scale_in(lines: list[str]) -> Scale | None:
    for s in reversed(lines):
        sc = scale_of(s)
        if sc is not None:
            return sc
    return None


def table_facts(
    table: Table,
    *,
    doc_id: str,
    page: int,
    section: str,
    statement: StatementKind,
    scale: Scale | None,
    meta: DocumentMeta | None = None,
) -> list[Fact]:
    """One Fact per (row, value column with a period or a head)."""
    caption = " ".join(table.preamble)
    money = (
        scale.money
        if scale is not None
        else any("$" in c.text for r in table.rows for c in r.cells)
    )
    periods = [
        period_of(
            h,
            caption,
            statement,
            meta.fiscal_period if meta else None,
            meta.period_end if meta else None,
        )
        for h in table.heads
    ]
    out: list[Fact] = []
    for row in table.rows:
        for cell in row.cells:
            parsed = parse_cell(cell.text)
            if parsed is None:
                continue
            raw, cell_unit = parsed
            unit = row_unit(row.label, row.heading, cell_unit, money)
            factor = 1.0
            if unit in ("USD", None) and scale is not None:
                factor = scale.factor
            elif unit == "shares" and scale is not None:
                factor = scale.shares_factor or scale.factor
            if unit is None and scale is None:
                factor = 1.0
            out.append(
                Fact(
                    doc_id=doc_id,
                    page=page,
                    section=section,
                    statement=statement,
                    label=row.label,
                    norm_label=normalise_label(row.label, row.heading),
                    period=periods[cell.column] if 0 <= cell.column < len(periods) else None,
                    column=table.heads[cell.column] if 0 <= cell.column < len(table.heads) else "",
                    value=_scaled(raw, factor),
                    unit=unit,
                    scale=scale.text if scale is not None and factor != 1.0 else None,
                    source="pdf",
                )
            )
    return out


def _scaled(raw: float, factor: float) -> float:
    """raw x factor without float noise: 32.8 x 1e9 is 32800000000, not 32799999999.999996."""
    return float(round(raw * factor, 6)) if factor == 1.0 else float(f"{raw * factor:.12g}")


def _chain(sec_id: str | None, by_id: dict[str, Section]) -> list[Section]:
    out: list[Section] = []
    seen: set[str] = set()
    while sec_id and sec_id in by_id and sec_id not in seen:
        seen.add(sec_id)
        out.append(by_id[sec_id])
        sec_id = by_id[sec_id].parent
    return out


# MD&A: where a company prints its own measures (adjusted EBITDA, free cash flow) in tables
_MDA = re.compile(r"management.{0,3}s\s+discussion", re.IGNORECASE)


def fact_pages(structure: StructuredDoc) -> dict[int, list[str]]:
    """0-based page -> the section ids of its statement, Note or MD&A tables: every page of a
    statement section, and the Note and MD&A pages on which structure detection found a
    table."""
    by_id = {s.id: s for s in structure.sections}
    pages: dict[int, list[str]] = {}
    for s in structure.sections:
        if s.kind == "statement":
            for p in range(s.page_start, s.page_end + 1):
                pages.setdefault(p, [])
                if s.id not in pages[p]:
                    pages[p].append(s.id)
    for b in structure.blocks:
        if b.type != "table" or not b.section_id:
            continue
        chain = _chain(b.section_id, by_id)
        if any(s.kind in ("note", "statement") or _MDA.search(s.title) for s in chain):
            ids = pages.setdefault(b.page_start, [])
            if b.section_id not in ids:
                ids.append(b.section_id)
    if not pages:
        # no statements or Notes found (an earnings release, an 8-K exhibit): every table
        for b in structure.blocks:
            if b.type == "table":
                ids = pages.setdefault(b.page_start, [])
                if b.section_id and b.section_id not in ids:
                    ids.append(b.section_id)
    return dict(sorted(pages.items()))


def _section_for(
    table: Table, page: int, candidates: list[str], structure: StructuredDoc
) -> str | None:
    """The section of a table on a page shared by several sections: the one whose structure
    table block holds its first row label."""
    if len(candidates) == 1:
        return candidates[0]
    first = table.rows[0].label[:40] if table.rows else ""
    for b in structure.blocks:
        if (
            b.type == "table"
            and b.page_start == page
            and b.section_id in candidates
            and first in b.text
        ):
            return b.section_id
    return candidates[-1] if candidates else None


def pdf_facts(
    path: str,
    pages: list[str],
    structure: StructuredDoc,
    meta: DocumentMeta | None = None,
    doc_id: str = "",
) -> list[Fact]:
    """Facts of one PDF filing (see the module docstring). ``pages``: the page texts
    ingestion already read (for the scale line at the foot of the page before)."""
    from docnav.ingestion.store import section_paths

    todo = fact_pages(structure)
    if not todo:
        return []
    by_id = {s.id: s for s in structure.sections}
    paths = section_paths(structure.sections)
    layout = pdf_page_lines(path, list(todo))
    section_scale: dict[str, Scale] = {}
    last_table: dict[str | None, Table] = {}
    facts: list[Fact] = []
    pending_notes: list[tuple[Table, int, str, StatementKind, str]] = []
    for p, sec_ids in todo.items():
        if p not in layout:
            continue
        lines, width = layout[p]
        texts = [ln.text for ln in lines]
        for table in find_tables(lines, width):
            sid = _section_for(table, p, sec_ids, structure)
            if not any(table.heads) and sid in last_table:
                inherit_heads(table, last_table[sid])  # a statement continued on this page
            last_table[sid] = table
            chain = _chain(sid, by_id)
            kind = statement_kind(by_id.get(sid) if sid else None, chain)
            if kind in _TITLE_KINDS.values():
                kind = _title_kind(texts[:8]) or kind  # a statement page the outline merged
            top = next((s for s in chain if s.kind in ("statement", "note")), None)
            scale = _scale_in(texts[: table.first_line + len(table.preamble) + 1])
            if scale is None and p > 0:
                tail = [s for s in pages[p - 1].splitlines() if s.strip()][-4:]
                scale = _scale_in(tail)
            if scale is None and top is not None:
                scale = section_scale.get(top.id)
            if scale is not None and top is not None:
                section_scale.setdefault(top.id, scale)
                if top.kind == "statement":
                    section_scale["statements"] = section_scale.get("statements", scale)
            section = paths.get(sid, "") if sid else ""
            if scale is None and top is not None and top.kind == "note":
                pending_notes.append((table, p, section, kind, sid or ""))
                continue
            facts += table_facts(
                table,
                doc_id=doc_id,
                page=p,
                section=section,
                statement=kind,
                scale=scale,
                meta=meta,
            )
    # Note tables that print no scale use the statements' scale (a Note says "in millions"
    # once, in its first paragraph, or relies on the statements' heading)
    default = section_scale.get("statements")
    for table, p, section, kind, _ in pending_notes:
        facts += table_facts(
            table, doc_id=doc_id, page=p, section=section, statement=kind, scale=default, meta=meta
        )
    # page order, the MD&A's tables after the statements and Notes: a statement row the MD&A
    # repeats ("Purchases of PP&E" in its cash-flow summary) is found first where it is printed
    # as a statement line
    facts.sort(key=lambda f: (f.statement == "other" and bool(_MDA.search(f.section)), f.page))
    return facts
