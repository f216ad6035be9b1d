"""Row labels -> normalised labels; sections -> statement kinds; rows -> units."""

from __future__ import annotations

import re

from docnav.types import Fact, Section, StatementKind

__all__ = [
    "block_heading",
    "heading_label",
    "normalise_label",
    "row_unit",
    "shown_label",
    "statement_kind",
]

_FOOTNOTE = re.compile(r"\s*\((?:\d{1,2}|[a-z]|\*+)\)|\*+|\s\d\)$")
_NON_WORD = re.compile(r"[^a-z0-9%&]+")
_SPLIT_TAIL = re.compile(r"\b([a-z]{3,}) ([b-z])\b")  # pdfium's "Shee t" -> "Sheet"
# labels that only make sense under their heading: "Basic" under "Earnings per share:"
_GENERIC = re.compile(
    r"^(?:basic|diluted|total|other|net|less|plus|current|noncurrent|non-current)\b"
)


def normalise_label(label: str, heading: str = "") -> str:
    """Lower case, footnote markers and punctuation dropped; a row under a block heading gets
    the heading in front so it can be found by the heading's words ("earnings per share
    basic", "cost of revenue product"), unless its label already has the heading's words
    ("Total current assets" under "Current assets")."""

    def norm(s: str) -> str:
        s = _FOOTNOTE.sub(" ", s.lower().replace("’", "'"))
        s = s.replace("'", "")
        return " ".join(_NON_WORD.sub(" ", _SPLIT_TAIL.sub(r"\1\2", s)).split())

    out = norm(label)
    h = norm(heading) if heading else ""
    if h and not set(h.split()) <= set(out.split()):
        if (
            _GENERIC.match(out)
            or len(out.split()) <= 1
            or _PER_SHARE.search(heading)
            or _BLOCK_HEADING.match(heading.strip())
        ):
            out = f"{h} {out}"
    return out


# a heading that names a block of rows ("Cost of revenue", "Current liabilities"), not a
# wrapped label line carrying numbers or a sentence: every row under it is of that block, so
# "Product" under "Cost of revenue" is "cost of revenue product", not the revenue row
_BLOCK_HEADING = re.compile(r"^(?!.*\d)(?!.*\.$)\S+(?:\s+\S+){0,7}$")


_SEGMENT_NOTE = re.compile(r"segment|geographic|disaggregat|business\s+information", re.IGNORECASE)
_KIND_OF_LABEL: dict[str, StatementKind] = {
    "Income Statement": "income",
    "Comprehensive Income": "income",
    "Balance Sheet": "balance",
    "Cash Flow Statement": "cashflow",
    "Equity Statement": "equity",
}


def statement_kind(section: Section | None, chain: list[Section]) -> StatementKind:
    """The Fact statement kind of a table in ``section`` (``chain``: the section and its
    ancestors, innermost first)."""
    for s in chain:
        if s.kind == "statement":
            return _KIND_OF_LABEL.get(s.label or "", "other")
        if s.kind == "note":
            return "segment" if _SEGMENT_NOTE.search(s.title) else "note"
    return "other"


_PER_SHARE = re.compile(
    r"\bper\s+(?:[\w’']+\s+){0,3}(?:shares?|units?|ads)\b|\beps\b|\bearnings\s+per\b|\bdividends?\s+(?:declared|paid)\s+per\b",
    re.IGNORECASE,
)
_SHARE_COUNT = re.compile(
    r"\b(?:weighted[\s-]+average|number\s+of|average)\b.*\bshares?\b|\bshares?\b.*\b(?:outstanding|used\s+in|issued)\b"
    r"|^(?:basic|diluted)\s+shares?$|\bshares\b.*\b(?:basic|diluted)\b",
    re.IGNORECASE,
)


_PARENS = re.compile(r"\([^)]*\)")
_YEARS = re.compile(r"\(in\s+years\)|\bterm\s+in\s+years\b|\bin\s+years\s*$", re.IGNORECASE)
_STOCK_AMOUNT = re.compile(r"\bpar\s+value\b|\bstock\b.*\bauthorized\b", re.IGNORECASE)


def row_unit(label: str, heading: str, cell_unit: str | None, money: bool) -> str | None:
    """ "%", "years", "USD/share", "shares", "USD", or None for a bare number."""
    if cell_unit == "%":
        return "%"
    if _YEARS.search(label) or _YEARS.search(heading):  # "Weighted average remaining lease
        return "years"  # term (in years)": 5.5 years, not $5.5 million
    label = _PARENS.sub(" ", label)  # "Dividends declared ($4.44 per share)" is an amount
    if _PER_SHARE.search(label) or (_PER_SHARE.search(heading) and not _SHARE_COUNT.search(label)):
        return "USD/share" if money else None
    if (_SHARE_COUNT.search(label) and not _STOCK_AMOUNT.search(label)) or (
        re.match(r"^(?:basic|diluted)\b", label, re.IGNORECASE)
        and re.search(r"\bshares\b", heading, re.IGNORECASE)
    ):
        return "shares"
    return "USD" if money else None


def block_heading(f: Fact) -> str | None:
    """The block heading a PDF row sits under, as its normalised label carries it ("Cost of
    revenue" for a "Product" row under "Cost of revenue:"); None for a row without one."""
    own = normalise_label(f.label)
    norm = f.norm_label or ""
    if f.source != "pdf" or not own or norm == own or not norm.endswith(" " + own):
        return None
    head = norm[: -len(own)].strip()
    return f"{head[:1].upper()}{head[1:]}" or None


def heading_label(heading: str | None, label: str) -> str:
    """How a row is shown to people and the model: "Cost of revenue - Product"."""
    return f"{heading} - {label}" if heading else label


def shown_label(f: Fact) -> str:
    """The printed label with the block heading it sits under, so two "Product" rows of one
    statement read apart; the printed label alone otherwise."""
    return heading_label(block_heading(f), f.label)
