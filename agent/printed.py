"""A metric the filing prints as a row beats a textbook computation of it (issue 19).

A company's "adjusted EBITDA", "free cash flow" or "non-GAAP operating income" is its own
measure, printed in its earnings release or an MD&A table with its own adjustments; computing
operating income + D&A from the statements gives another number. So when the question names
such a metric, the row whose label has all of the metric's words, of the asked period, wins
over a computed value. A qualifier the question asks ("adjusted", "non-GAAP", "organic",
"core") must be in the row's label, and one it does not ask must not be: GAAP operating income
is not adjusted operating income, and the reverse.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from docnav.agent import facts_view
from docnav.agent.question import FORMULAS, QuestionRead
from docnav.retrieval.tokenize import tokenize
from docnav.types import Fact

__all__ = ["Metric", "asked_metric", "company_facts", "printed_row"]

QUALIFIERS = ("adjusted", "non-gaap", "organic", "core")
_QUALIFIER = re.compile(r"\b(adjusted|non[-\s]?gaap|organic|core)\b", re.I)
_QUAL_TOKENS = {t for q in QUALIFIERS for t in tokenize(q)} - {"gaap"}
# words a printed label may have beyond the metric's own without naming another measure
_EXTRA_OK = set(tokenize("total consolidated net non gaap percentage percent loss measure"))
# a company's own measure the vocabulary does not know: the qualifier and the words after it
# up to the period or the verb ("core operating earnings before depreciation in fiscal 2024")
_OWN_MEASURE = re.compile(
    _QUALIFIER.pattern + r"\s+((?:(?!(?:in|for|during|of|at|on|was|were|is)\b)[\w&-]+\s*){1,6})",
    re.I,
)
_PER_SHARE = re.compile(r"\beps\b|per\s+share", re.I)
_QUARTER = re.compile(r"\bq[1-4]\b|\bquarter", re.I)
GROWTH = "(new - old) / old * 100"


@dataclass(frozen=True)
class Metric:
    text: str  # as the question words it: "adjusted EBITDA"
    words: frozenset[str]  # its tokens, qualifier included
    qualified: bool  # the question asks a qualifier
    kind: str  # "amount", "pct" (a margin, a rate: printed as %) or "x" (a plain ratio)


def _kind(formula: str) -> str:
    if "/" not in formula:
        return "amount"
    return "pct" if "* 100" in formula else "x"


def _phrases(question: str, qr: QuestionRead) -> list[tuple[str, str]]:
    """(metric phrase as found in the question, its kind) candidates: the named textbook
    formula's words, then the line items (longest first)."""
    out: list[tuple[str, str]] = []
    for rx, formula in FORMULAS:
        if formula == GROWTH:
            continue
        m = rx.search(question)
        if m:
            out.append((m.group(0), _kind(formula)))
            break
    for item in sorted(qr.items, key=len, reverse=True):
        m = re.search(rf"(?<![\w&]){re.escape(item)}", question, re.I)
        if m:
            out.append((m.group(0), "amount"))
    return out


def asked_metric(question: str, qr: QuestionRead) -> Metric | None:
    """The metric the question names, with a qualifier printed just before it ("adjusted
    EBITDA", "non-GAAP operating income"), or a qualified measure of the company's own
    ("core operating earnings before depreciation"); None when it names none. "organic
    sales growth" is the printed growth rate."""
    found = []
    for phrase, kind in _phrases(question, qr):
        at = question.lower().find(phrase.lower())
        before = question[max(0, at - 40) : at]
        # the qualifier within two words before the metric: "adjusted diluted EPS"
        q = re.search(_QUALIFIER.pattern + r"\s+(?:[\w&-]+\s+){0,2}$", before, re.I)
        text = f"{q.group(0)}{phrase}" if q else phrase
        if re.search(re.escape(phrase) + r"\s+growth\b", question, re.I):
            text, kind = f"{text} growth", "pct"
        found.append((q is not None, text.strip(), kind))
    own = _OWN_MEASURE.search(question)
    if own and not any(qualified for qualified, _, _ in found):
        found.insert(0, (True, f"{own.group(1)} {own.group(2)}".strip(), "amount"))
    for qualified, text, kind in sorted(found, key=lambda x: not x[0]):
        words = frozenset(tokenize(text))
        if words:
            return Metric(text, words, qualified, kind)
    return None


def _row_words(f: Fact) -> set[str]:
    return set(tokenize(f.norm_label or f.label))


def _fits(f: Fact, m: Metric) -> bool:
    words = _row_words(f)
    if not m.words <= words:
        return False
    extra = words - m.words
    # another qualifier ("Adjusted EBITDA" when EBITDA is asked) or another measure's words
    if extra & _QUAL_TOKENS or len(extra - _EXTRA_OK) > 0:
        return False
    if m.kind != "amount":
        return f.unit == ("%" if m.kind == "pct" else None)
    per_share = bool(_PER_SHARE.search(m.text))
    return f.unit not in ("%", "shares") and (f.unit == "USD/share") == per_share


def printed_row(
    facts: list[Fact], m: Metric, year: int, question: str = "", more: list[Fact] | None = None
) -> Fact | None:
    """The row printing metric ``m`` for fiscal ``year`` among the chosen filing's ``facts``
    and the company's other filings' (``more``): the fiscal year's own column before a
    quarter's (unless the question asks a quarter: then that quarter's), fewest extra words,
    then for an amount the largest (the company's total, not a segment's part printed under
    the same label in a per-segment table), the chosen filing, the earlier page. A segment's
    row under its block heading ("adjusted ebit flexibles") has extra words that rule it
    out."""
    q = _QUARTER.search(question)
    want_q = bool(q)
    quarter = q.group(0).upper() if q and re.fullmatch(r"q[1-4]", q.group(0), re.I) else ""
    scored = []
    for own, pool in ((1, facts), (0, more or [])):
        unsure = _after_periodless(pool)
        for i, f in enumerate(pool):
            if not facts_view.in_period(f, {str(year)}) or not _fits(f, m) or i in unsure:
                continue
            period = f.period or ""
            annual = period.upper().startswith("FY") or bool(
                re.fullmatch(r"\d{4}-\d\d-\d\d", period)
            )
            # an amount's total is the largest; a per-share figure or a rate is not a sum
            size = abs(f.value) if m.kind == "amount" and f.unit != "USD/share" else 0.0
            extra = -len(_row_words(f) - m.words)
            that_q = bool(quarter) and period.upper().startswith(quarter)
            scored.append(((annual != want_q, that_q, extra, size, own, -f.page), f))
    scored.sort(key=lambda x: x[0], reverse=True)
    return scored[0][1] if scored else None


def _after_periodless(pool: list[Fact]) -> set[int]:
    """Indexes of values printed right of a value of no period in the same row: a table whose
    first columns are not periods (Domestic / International / Total) tags a segment's value
    with a year. A "% change" column right of the periods is harmless. A row's values are
    consecutive in the facts, left to right."""
    out: set[int] = set()
    key, seen_none = None, False
    for i, f in enumerate(pool):
        if (f.doc_id, f.page, f.label) != key:
            key, seen_none = (f.doc_id, f.page, f.label), False
        if f.period is None:
            seen_none = True
        elif seen_none:
            out.add(i)
    return out


_SUFFIX = re.compile(
    r"[.,]|\b(?:inc|incorporated|corp|corporation|co|company|plc|ltd|limited|llc|the)\b", re.I
)


def _core_name(company: str | None) -> str:
    """ "Amcor plc" and "Amcor" are one company: the name without its legal form."""
    return " ".join(_SUFFIX.sub(" ", company or "").lower().split())


def company_facts(store: Any, doc: Any) -> Callable[[], list[Fact]]:
    """The facts of the company's other filings (its earnings release 8-K often prints the
    metric its 10-K does not), read only when called. Same company: the same ticker, or the
    same name without its legal form."""

    def load() -> list[Fact]:
        meta = doc.meta if doc is not None else None
        core = _core_name(meta.company if meta else None)
        if not core:
            return []
        out: list[Fact] = []
        for d in store.list_documents(company=core):
            same = _core_name(d.meta.company) == core or (
                bool(meta.ticker) and d.meta.ticker == meta.ticker
            )
            if d.doc_id != doc.doc_id and same:
                out += facts_view.facts_of(store, d.doc_id)
        return out

    return load
