"""The ``facts`` tool: statement line items (ingestion/facts.py) by filing or company, metric
words and period, so the model picks a row instead of reading a page.

:func:`find_facts` is the lookup the tool, ``docnav facts`` and ``GET /v1/facts`` share.
Metric words go through the finance synonym map ("capex" also looks for "purchases of
property, plant and equipment"); a row scores by how many of a term's words its label holds,
whole terms and the primary statements first. Pages are 1-based in everything shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel, Field

from docnav.ingestion.facts_labels import block_heading, heading_label
from docnav.ingestion.store import CorpusStore
from docnav.retrieval.synonyms import load_groups
from docnav.tools.access import ToolError, find_document, read_page, select_documents
from docnav.tools.base import PageRead, Tool, ToolContext, ToolResult
from docnav.types import Document, display_page

__all__ = ["FactRow", "Facts", "find_facts", "format_rows"]

_WORD = re.compile(r"[a-z0-9&%]+")
_STOP = frozenset("a an and the of in for to from on by at as with its".split())
_PRIMARY = {"income": 0.15, "balance": 0.15, "cashflow": 0.15, "equity": 0.05, "segment": 0.05}
_SCALE_WORDS = (("billion", 1e9), ("million", 1e6), ("thousand", 1e3))
_STATEMENT_NAMES = {
    "income": "income statement",
    "balance": "balance sheet",
    "cashflow": "cash flow statement",
    "equity": "equity statement",
    "segment": "segment note",
    "note": "note",
    "other": "table",
}


class FactRow(BaseModel):
    """One line item of one table: its values per period (as printed, in ``scale``)."""

    doc_id: str
    page: int  # 1-based, as shown to people
    section: str
    statement: str
    label: str
    heading: str | None = None  # the block heading the row sits under: "Cost of revenue"
    values: dict[str, float]  # period (or column head) -> value in the printed scale
    unit: str | None
    scale: str | None  # as printed: "(Millions)"
    scale_factor: float = 1.0  # values x scale_factor = full value
    source: str
    concept: str | None = None
    score: float = 0.0


def _words(text: str) -> list[str]:
    out = []
    for w in _WORD.findall(text.lower()):
        if w in _STOP:
            continue
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]  # "expenditures" = "expenditure"
        out.append(w)
    return out


def metric_terms(metric: str) -> list[tuple[list[str], float]]:
    """The metric's own words (weight 1) and each synonym group term it fires (0.9)."""
    own = _words(metric)
    terms: list[tuple[list[str], float]] = [(own, 1.0)] if own else []
    text = " ".join(own)
    for g in load_groups():
        group = [_words(t) for t in g.terms]
        if any(t and re.search(rf"\b{re.escape(' '.join(t))}\b", text) for t in group):
            terms += [(t, 0.9) for t in group if t and t != own]
    return terms


def _score(label_words: list[str], terms: list[tuple[list[str], float]]) -> float:
    have = set(label_words)
    joined = " ".join(label_words)
    best = 0.0
    for t, weight in terms:
        hit = sum(1 for w in t if w in have) / len(t)
        if hit < 0.6:
            continue
        whole = 0.4 if re.search(rf"(?:^| ){re.escape(' '.join(t))}(?: |$)", joined) else 0.0
        extra = max(0, len(have) - len(set(t)))
        best = max(best, weight * (hit + whole) - 0.03 * extra)
    return best


def _factor(scale: str | None) -> float:
    s = (scale or "").lower()
    for word, f in _SCALE_WORDS:
        if word in s:
            return f
    return 1.0


def _period_ok(period: str | None, column: str, want: str | None, year: int | None) -> bool:
    p = period or ""
    if want:
        w = want.strip().upper().replace("FY ", "FY")
        if p.upper() != w and not (w.isdigit() and w in p):
            return False
    if year is not None and str(year) not in p and (p or str(year) not in column):
        return False
    return True


def find_facts(
    store: CorpusStore,
    *,
    doc: str | None = None,
    company: str | None = None,
    metric: str | None = None,
    period: str | None = None,
    year: int | None = None,
    statement: str | None = None,
    limit: int = 10,
) -> list[FactRow]:
    """Candidate rows, best first (see the module docstring)."""
    docs: Iterable[Document] = select_documents(store, doc=doc, company=company)
    terms = metric_terms(metric) if metric else []
    rows: dict[tuple, FactRow] = {}
    for d in docs:
        for f in store.facts(d.doc_id):
            if statement and f.statement != statement:
                continue
            if not _period_ok(f.period, f.column, period, year):
                continue
            score = _score(_words(f.norm_label), terms) if terms else 1.0
            if score <= 0:
                continue
            score += _PRIMARY.get(f.statement, 0.0)
            if year is not None and d.meta.fiscal_year == year:
                score += 0.05  # the filing of that year before the later ones that repeat it
            name = f.period or f.column or "?"
            key = (f.doc_id, f.page, f.label, f.norm_label, f.source, f.concept, 0)
            while key in rows and name in rows[key].values:
                key = (*key[:-1], key[-1] + 1)  # the same label again below: another row
            row = rows.get(key)
            if row is None:
                factor = _factor(f.scale)
                row = rows[key] = FactRow(
                    doc_id=f.doc_id,
                    page=display_page(f.page),
                    section=f.section,
                    statement=f.statement,
                    label=f.label,
                    heading=block_heading(f),
                    values={},
                    unit=f.unit,
                    scale=f.scale,
                    scale_factor=factor,
                    source=f.source,
                    concept=f.concept,
                    score=round(score, 3),
                )
            row.values[name] = round(f.value / row.scale_factor, 6)
    ranked = sorted(rows.values(), key=lambda r: (-r.score, r.doc_id, r.page))
    return ranked[:limit]


def _num(v: float) -> str:
    return (
        f"{v:,.0f}" if v == int(v) and abs(v) >= 1 else f"{v:,.4g}" if abs(v) < 1 else f"{v:,.2f}"
    )


def _unit_text(r: FactRow) -> str:
    scale = next((w for w, f in _SCALE_WORDS if f == r.scale_factor), "")
    unit = r.unit or "number"
    return f"{unit} {scale}s".strip() if scale and unit != "USD/share" else unit


def format_rows(rows: list[FactRow]) -> list[str]:
    """One line per row: where it is, the label, and its values per period."""
    out = []
    for r in rows:
        vals = "; ".join(f"{p} = {_num(v)}" for p, v in r.values.items())
        where = f"{r.doc_id} p. {r.page} | {_STATEMENT_NAMES.get(r.statement, r.statement)}"
        src = f" | xbrl {r.concept}" if r.source == "xbrl" and r.concept else ""
        label = heading_label(r.heading, r.label)
        out.append(f"[{where}{src}] {label}: {vals} ({_unit_text(r)})")
    return out


class Facts(Tool):
    """Look up line items of the financial statements and Notes (income statement, balance
    sheet, cash flow statement, segment and other Note tables), extracted at ingestion.
    Give a metric in words ("capital expenditure", "total inventories", "net revenue"),
    synonyms are searched too; narrow by doc_id or company and by year or period ("FY2019",
    "Q3 2024", "2019-12-31"). Returns candidate rows with their values per period, the unit
    and scale as printed, and the page to cite. Pick the row that matches the question, and
    read the page when unsure."""

    name = "facts"

    class Args(BaseModel):
        metric: str = Field(description='Line item in words, e.g. "capital expenditure".')
        doc_id: str | None = Field(default=None, description="A doc id from list_documents.")
        company: str | None = Field(default=None, description="Part of the company name.")
        year: int | None = Field(default=None, description="Fiscal year of the value, e.g. 2019.")
        period: str | None = Field(
            default=None, description='Exact period: "FY2019", "Q3 2024" or "2019-12-31".'
        )

    def run(self, ctx: ToolContext, args: Args) -> ToolResult:
        if not (args.doc_id or args.company):
            raise ToolError("give doc_id or company (call list_documents to see them)")
        if args.doc_id:
            find_document(ctx.store, args.doc_id)  # a clear message for a wrong id
        rows = find_facts(
            ctx.store,
            doc=args.doc_id,
            company=args.company,
            metric=args.metric,
            period=args.period,
            year=args.year,
            limit=8,
        )
        if not rows:
            return ToolResult(
                text=f"No statement line item matches {args.metric!r} with those filters; try "
                "other words for the line item, drop the year/period, or use search.",
                summary="facts: 0",
            )
        lines = format_rows(rows)
        text = "Candidate line items (values as printed, in the unit shown):\n" + "\n".join(lines)
        text = text[: ctx.max_chars]
        reads = []
        for doc_id, page in dict.fromkeys((r.doc_id, r.page - 1) for r in rows[:4]):
            try:
                d = find_document(ctx.store, doc_id)
                reads.append(PageRead(doc_id=doc_id, page=page, text=read_page(ctx.store, d, page)))
            except ToolError:
                continue
        return ToolResult(text=text, reads=reads, summary=f"facts: {len(rows)} rows")
