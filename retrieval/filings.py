"""Which filing of the company's year answers a question, as a preference per candidate filing
(page routing ``filing`` and its refinements ``fullyear`` and ``undated``).

- ``filing``: 1 for the first form the question points at (:func:`route.read_route`), 0.5 for
  a later one, 0 for the rest.
- ``fullyear``: a figure of the year is read from a filing that covers the whole year. Under an
  annual intent an earnings release of the fourth quarter / full year ranks next to the 10-K
  (0.5, where the 10-K is missing or late it is the year's report), and a quarter's release
  counts less than a full-year one where releases are preferred (non-GAAP measures).
- ``undated``: a question that names no year asks about the present, so the latest filing of
  the company (by fiscal year, then period end or filing date) is preferred (``recency``).

Nothing here knows a company or a benchmark question: only forms, periods and dates.
"""

from __future__ import annotations

from datetime import date

from docnav.retrieval.route import Route
from docnav.types import Document

ANNUAL_INTENTS = ("annual", "nongaap")


def _norm(form: str | None) -> str:
    return (form or "").replace("-", "").upper()


def covers_year(d: Document) -> bool:
    """A 10-K, or a release of the fourth quarter or the full year."""
    period = (d.meta.fiscal_period or "").upper()
    return _norm(d.meta.form) == "10K" or period.startswith(("FY", "Q4"))


def form_preference(d: Document, routing: Route, full_year: bool) -> float:
    """How well the filing's kind fits what the question points at (0..1)."""
    wanted = [_norm(f) for f in routing.forms]
    form = _norm(d.meta.form)
    pref = 1.0 if wanted and form == wanted[0] else 0.5 if form in wanted else 0.0
    if full_year and form == "EARNINGS" and routing.intent in (*ANNUAL_INTENTS, "q4"):
        pref = max(pref, 0.5) if covers_year(d) else pref * 0.5
    return pref


def _when(d: Document) -> tuple[int, date]:
    return d.meta.fiscal_year or 0, d.meta.period_end or d.meta.filing_date or date.min


def recency(docs: dict[int, Document], pref: dict[int, float]) -> dict[int, float]:
    """1 for the latest filing among those of the best-fitting kind (``pref``), else 0."""
    if not docs:
        return {}
    best = max(pref.get(d, 0.0) for d in docs)
    pool = [d for d in docs if pref.get(d, 0.0) == best]
    latest = max(pool, key=lambda d: (_when(docs[d]), -d))
    return {latest: 1.0}
