"""A filing's identity: who filed which form for which period, read from its content.

Identity decides what a re-ingest may replace. It never comes from a file name: two
different filings uploaded as ``10k.pdf`` are two documents. Content hash decides
"the same bytes again" (unchanged); identity decides "another version of the same
filing" (replaced only when the user asks). A filing whose content does not say its
company, form and period has no identity and is only ever matched by its hash."""

from __future__ import annotations

import re

from docnav.types import DocumentMeta

_WORDS = re.compile(r"[a-z0-9]+")
# legal-form words differ between a cover page and a sidecar ("3M CO" vs "3M Company")
_LEGAL = {
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "ltd",
    "limited",
    "plc",
    "llc",
    "lp",
    "sa",
    "nv",
    "ag",
    "the",
}
# one period holds many of these, so the filing date tells them apart
_EVENT_FORMS = {"8K", "EARNINGS"}


def _company_key(company: str | None) -> str:
    words = _WORDS.findall((company or "").lower())
    return " ".join(w for w in words if w not in _LEGAL)


def filing_identity(meta: DocumentMeta) -> str | None:
    """``"company|FORM|period"`` when the content names all three, else None."""
    company = _company_key(meta.company)
    form = re.sub(r"[^A-Z0-9]", "", (meta.form or "").upper())
    if meta.period_end:
        period = meta.period_end.isoformat()
    else:
        period = meta.fiscal_period or (str(meta.fiscal_year) if meta.fiscal_year else "")
    if not (company and form and period):
        return None
    if form in _EVENT_FORMS:
        if not meta.filing_date:
            return None  # an 8-K without its date could be any of the period's 8-Ks
        period = f"{period}@{meta.filing_date.isoformat()}"
    return f"{company}|{form}|{period}"
