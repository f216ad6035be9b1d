"""Questions whose values sit in different filings: a change between two fiscal years (the
earlier one often printed only in an older 10-K; also as a percent, a compound annual rate or
a margin's change in points), a range's average, and a comparison of two companies.

The single-filing first look reads one filing's rows, so it answers "by how much did total
assets change from fiscal 2022 to fiscal 2024?" with the 2024 value alone. Here the question is
planned as sub-lookups, one per (company, fiscal year): each is taken from the filing that
prints that year (the company's latest 10-K up to the newest year the question names whose
statement has a column for it: a year-end balance is the comparative column of the next
10-K), with the same row chooser as the single-filing look (``suggest.best_row`` /
``suggest.per_year``), and the change, percent change or difference is computed in code.

A two-year question both of whose rows are in one filing stays with the single-filing look
when that look computes something for it (a growth rate, a direction).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from docnav.agent import arith, decide, facts_view, suggest
from docnav.agent.question import QuestionRead
from docnav.retrieval.query import QueryAnalysis
from docnav.tools.base import PageRead
from docnav.types import Document, Fact

Kind = Literal["change", "percent", "cagr", "difference", "direction", "average"]

_CAGR = re.compile(r"\bcagr\b|compound(?:ed)?\s+annual(?:\s+growth)?(?:\s+rate)?", re.I)
_PERCENT = re.compile(
    r"\bpercent(?:age)?\b|%|\bgrowth\s+rate\b|\brate\s+of\s+(?:growth|change)", re.I
)
_POINTS = re.compile(r"\b(?:percentage\s+)?points?\b|\bbasis\s+points?\b|\bbps\b", re.I)
# not "how much": "how much did X spend from 2019 to 2021" asks a total, not a change
_CHANGE = re.compile(
    r"\bchang\w*|\bgr[eo]w\w*|\bincreas\w*|\bdecreas\w*|\bdeclin\w*|\bris(?:e|en)\b|\brose\b|"
    r"\bfell\b|\bdrop\w*|\bdifference\b",
    re.I,
)
_COMPARE = re.compile(
    r"\bhigher\b|\blower\b|\bmore\b|\bless\b|\blarger\b|\bsmaller\b|\bbigger\b|\bgreater\b|"
    r"\bcompar\w*|\bdifference\b|\bvs\.?\b|\bversus\b",
    re.I,
)
_LOWER = re.compile(r"\b(?:lower|less|smaller|fewer)\b", re.I)
# words of a company name that never tell two companies apart
_NAME_FILLER = {"inc", "co", "corp", "corporation", "company", "the", "plc", "ltd", "llc", "and"}
_REF = re.compile(r"\bF\d+\b")


@dataclass
class Lookup:
    """One sub-lookup: a metric of one company in one fiscal year, from one filing."""

    company: str
    year: int
    doc: Document
    expr: str  # over the rows' references ("F2", or a ratio over several)
    rows: dict[str, Fact]
    value: float  # in the rows' shown scale


@dataclass
class Across:
    kind: Kind
    metric: str
    lookups: list[Lookup]
    refs: dict[str, Fact] = field(default_factory=dict)  # "F1" -> row, in the order shown
    expr: str = ""
    value: float = 0.0
    unit: str = ""
    decision: dict[str, Any] | None = None
    lines: list[str] = field(default_factory=list)


def kind_of(qr: QuestionRead, analysis: QueryAnalysis, question: str) -> Kind | None:
    """What the question asks across filings, or None for a one-filing question."""
    if qr.qualitative or not (qr.items or _metric_formula(qr)):
        return None
    companies, years = analysis.distinct_companies(), analysis.years
    if qr.average:  # a range's mean (a ratio over average balances is one year's: not here)
        ratio_of_averages = "average" in (qr.formula or "").lower()
        one = len(companies) < 2 and len(years) >= 2 and not ratio_of_averages
        return "average" if one else None
    if len(companies) > 2:
        return None  # "which of A, B and C": more than one difference
    if len(companies) == 2:
        # each company's growth compared is a question of four values: not planned here
        if len(years) > 1 or qr.formula == suggest.GROWTH or not _COMPARE.search(question):
            return None
        return "difference"
    if len(years) < 2:
        return None
    if (qr.up or qr.down) and (qr.yes_no or (qr.up and qr.down)):
        return "direction"  # as the single-filing look decides it (decide.trend)
    if _CAGR.search(question):
        return "cagr"
    if _metric_formula(qr) and _POINTS.search(question):
        return "change"  # a margin's change in points is the difference of the two margins
    # "the change in X" keeps its sign and its unit; a percent or a growth rate is relative
    if _PERCENT.search(question) or re.search(r"\bgrowth\b", question, re.I):
        return "percent"
    return "change" if _CHANGE.search(question) else None


def _metric_formula(qr: QuestionRead) -> str | None:
    """A textbook ratio the question names (compared across years or companies as a value)."""
    if qr.formula and not qr.formula_defined and qr.formula != suggest.GROWTH:
        return qr.formula
    return None


def plan(
    question: str,
    qr: QuestionRead,
    analysis: QueryAnalysis,
    store: Any,
    chosen: Document | None,
) -> Across | None:
    """The sub-lookups and their result, or None when the question is not one across filings
    (or a sub-lookup finds no row: the single-filing look then stays)."""
    kind = kind_of(qr, analysis, question)
    if kind is None:
        return None
    metric = _metric_formula(qr) or _as_asked(qr.items[0], question)
    asked = facts_view.asked_words(question)
    if kind == "difference":
        pairs = _company_pairs(store, analysis, question)
        if pairs is None:
            return None
        year = analysis.years[0] if analysis.years else _common_year(store, pairs)
        wanted = [(c, year, year) for c in pairs]
    else:
        company = analysis.companies[0] if analysis.companies else _company(chosen)
        if not company:
            return None
        old, new = min(analysis.years), max(analysis.years)
        wanted = [(company, old, new), (company, new, new)]
        if kind == "average":  # every year of the range, as the single-filing look does
            wanted = [(company, y, new) for y in range(old, new + 1)][:6]
    is_formula = _metric_formula(qr) is not None
    found = [_lookup(store, metric, is_formula, c, y, a, asked) for c, y, a in wanted]
    if any(x is None for x in found):
        return None
    lookups = [x for x in found if x is not None]
    one_filing = len({x.doc.doc_id for x in lookups}) == 1
    if one_filing and (qr.formula == suggest.GROWTH or kind in ("direction", "average")):
        return None  # the single-filing look computes this one as it always has
    return _result(kind, metric, lookups, qr, question)


def _as_asked(item: str, question: str) -> str:
    """The item as the question writes it: the vocabulary's stem ("inventor") completed to
    the question's word ("inventories"), which the row labels share."""
    m = re.search(rf"(?<![\w&]){re.escape(item)}[\w-]*", question, re.I)
    return m.group(0).lower() if m else item


def _company(doc: Document | None) -> str | None:
    return doc.meta.company if doc is not None else None


def _company_pairs(store: Any, analysis: QueryAnalysis, question: str) -> list[str] | None:
    """The two companies in the order the question names them; None when the catalog names
    are one company under two names (a former name matches the same filings)."""
    names = analysis.companies[:2]
    docs = [{d.doc_id for d in store.list_documents(company=c)} for c in names]
    if not all(docs) or docs[0] & docs[1]:
        return None
    low = question.lower()

    def first_mention(c: str) -> int:
        hits = [low.find(w.lower()) for w in short_name(c, question).split()]
        return min([h for h in hits if h >= 0], default=len(low))

    return sorted(names, key=first_mention)


def _common_year(store: Any, companies: list[str]) -> int:
    """The latest fiscal year every company has a 10-K for (a question naming no year)."""
    years = [
        {d.meta.fiscal_year for d in store.list_documents(company=c, form="10-K")}
        for c in companies
    ]
    common = set.intersection(*years) - {None}
    return max(common) if common else 0  # type: ignore[type-var]


def filings_for(store: Any, company: str, year: int, anchor: int) -> list[Document]:
    """The company's 10-Ks that may print fiscal ``year``, in the order to try: the latest up
    to ``anchor`` (the newest year the question names) first, so both years of a change come
    from one filing where one prints both, then later ones (the anchor's own 10-K missing)."""
    docs = [d for d in store.list_documents(company=company, form="10-K") if d.meta.fiscal_year]
    upto = [d for d in docs if year <= d.meta.fiscal_year <= anchor]  # type: ignore[operator]
    after = [d for d in docs if anchor < d.meta.fiscal_year <= year + 2]  # type: ignore[operator]
    upto.sort(key=lambda d: (d.meta.fiscal_year, d.name), reverse=True)
    after.sort(key=lambda d: (d.meta.fiscal_year, d.name))
    return upto + after


def _lookup(
    store: Any,
    metric: str,
    is_formula: bool,
    company: str,
    year: int,
    anchor: int,
    asked: set[str],
) -> Lookup | None:
    """The metric in ``year`` from the first filing that prints it (its references local
    to this lookup, renamed when the rows are shown)."""
    for doc in filings_for(store, company, year, anchor):
        facts = facts_view.facts_of(store, doc.doc_id)
        got = (
            suggest.per_year(facts, metric, is_formula, [year], asked, _namer()) if facts else None
        )
        if got:
            _, expr, rows, value = got[0]
            return Lookup(company, year, doc, expr, rows, value)
    return None


def _metric_name(kind: Kind, metric: str, lookups: list[Lookup], question: str) -> str:
    """A ratio by its formula; one company's item as its row prints it ("Net revenue"), two
    companies' (whose labels name each company) as the question words it."""
    first = lookups[0].rows
    if len(first) != 1:
        return metric
    if kind != "difference":
        return next(iter(first.values())).label
    words = re.search(
        rf"\b(?:(?:net|total|gross|operating)\s+)?{re.escape(metric)}\w*", question, re.I
    )
    return words.group(0) if words else metric


def _namer() -> Any:
    """A ``ref_of`` naming one lookup's rows F1, F2 ... (renamed when all are shown)."""
    local: dict[int, str] = {}

    def ref_of(f: Fact) -> str:
        return local.setdefault(id(f), f"F{len(local) + 1}")

    return ref_of


def _renamed(expr: str, names: dict[str, str]) -> str:
    return _REF.sub(lambda m: names[m.group(0)], expr)  # all at once: F1<->F2 swap safely


def _result(
    kind: Kind, metric: str, lookups: list[Lookup], qr: QuestionRead, question: str
) -> Across | None:
    shown = _metric_name(kind, metric, lookups, question)
    out = Across(kind, shown, lookups)
    for lk in lookups:  # one numbering over all filings: F1, F2 ... as the calculator reads
        names = {t: _name(out, f) for t, f in lk.rows.items()}
        lk.expr = _renamed(lk.expr, names)
        lk.rows = {names[t]: f for t, f in lk.rows.items()}
    terms, mult, out.unit = _scaled(lookups)
    if kind == "difference":
        entries = [
            (short_name(x.company, question), x.year, x.rows, x.value * m)
            for x, m in zip(lookups, mult, strict=True)
        ]
        lower = bool(_LOWER.search(question))
        out.decision = decide.higher(shown, entries, out.unit, lower, qr.yes_no)
        hi, lo = out.decision["order"]
        out.expr = f"{terms[hi]} - {terms[lo]}"  # "by how much higher (or lower)": positive
        if _PERCENT.search(question):  # "by what percent higher": relative to the other one
            base = terms[lo] if not lower else terms[hi]
            out.expr, out.unit = f"round(({out.expr}) / abs({base}) * 100, 1)", "%"
    elif kind == "average":
        out.expr = f"({' + '.join(terms)}) / {len(terms)}"
    elif kind == "cagr":  # the yearly rate that compounds the old value into the new one
        n = lookups[1].year - lookups[0].year
        out.expr = f"round((({terms[1]}) / ({terms[0]})) ** (1 / {n}) * 100 - 100, 1)"
    elif kind == "percent":
        out.expr = f"round(({terms[1]} - {terms[0]}) / abs({terms[0]}) * 100, 1)"
    else:
        out.expr = f"{terms[1]} - {terms[0]}"  # a change keeps its sign
    got = suggest.evaluate(out.expr, out.refs)
    if got is None:
        return None
    out.value = got[0]
    if kind == "direction":
        years = [(x.year, x.expr, x.rows, x.value) for x in lookups]
        out.decision = decide.trend(qr, question, shown, years)
    out.lines = _lines(out)
    return out


def _name(out: Across, f: Fact) -> str:
    for ref, g in out.refs.items():
        if g is f:
            return ref
    ref = f"F{len(out.refs) + 1}"
    out.refs[ref] = f
    return ref


def _scaled(lookups: list[Lookup]) -> tuple[list[str], list[float], str]:
    """Each lookup's expression in one scale (two filings may print thousands and millions):
    the finest of them; also each one's multiplier to it and its unit text. A ratio has no
    scale."""
    scales = []
    for lk in lookups:
        single = re.fullmatch(r"F\d+", lk.expr)
        f = next(iter(lk.rows.values()))
        scales.append(facts_view.shown_scale(f) if single else (1.0, ""))
    finest = min(s[0] for s in scales)
    unit = next(s[1] for s in scales if s[0] == finest)
    terms, mult = [], []
    for lk, (div, _) in zip(lookups, scales, strict=True):
        term = lk.expr if re.fullmatch(r"F\d+", lk.expr) else f"({lk.expr})"
        mult.append(div / finest)
        terms.append(term if div == finest else f"{term} * {round(div / finest)}")
    return terms, mult, unit


def short_name(company: str, question: str) -> str:
    """The company as the question calls it: the catalog name's words the question uses
    ("Best Buy" of "Best Buy Co., Inc."), else its first word."""
    words = [w for w in re.findall(r"[\w&'-]+", company) if w.lower() not in _NAME_FILLER]
    low = question.lower()
    used = [w for w in words if re.search(rf"(?<!\w){re.escape(w.lower())}", low)]
    return " ".join(used) or (words[0] if words else company)


def _lines(out: Across) -> list[str]:
    lines = ["Plan (each value looked up in code, from the filing that prints that year):"]
    for ref, f in out.refs.items():
        lines.append(facts_view.render([(ref, f)], f.doc_id))
    v, unit = arith.shown(out.value), out.unit
    if not unit and re.search(r"\*\s*100\s*$", out.metric):  # a margin's values are percents
        unit = "percentage points"
    if out.kind in ("percent", "cagr"):
        yearly = " a year, compounded" if out.kind == "cagr" else ""
        said = f"{v}%{yearly} ({'an increase' if out.value > 0 else 'a decrease'})"
    elif out.kind == "average":
        said = f"the average of {len(out.lookups)} years, {v} {unit}"
    elif out.kind == "difference" and out.decision:
        said = f"{out.decision['name']} {out.decision['side']} by {v}{'' if unit == '%' else ' '}{unit}"
    else:
        word = "an increase" if out.value > 0 else "a decrease" if out.value < 0 else "no change"
        said = f"{word} of {arith.shown(abs(out.value))} {unit}"
    years = sorted({lk.year for lk in out.lookups})
    span = f"FY{years[0]} to FY{years[-1]}" if len(years) > 1 else f"FY{years[0]}"
    lines.append(
        f"Computed in code ({out.metric}, {span}): {out.expr} = {v}, that is {said.strip()}. "
        "If these rows are the right ones, answer with this value and cite each row's page; "
        "otherwise call calculator with the right rows."
    )
    if out.decision:
        lines.append(decide.decision_line(out.decision))
    return lines


def shown_refs(ac: Across) -> dict[str, dict[str, Any]]:
    """The rows as the first look's references ("F1" -> value as shown, doc, 0-based page)."""
    out = {}
    for ref, f in ac.refs.items():
        v, text = facts_view.fmt_value(f)
        out[ref] = {
            "value": v,
            "doc": f.doc_id,
            "page": f.page,
            "label": f.label,
            "period": f.period or f.column,
            "shown": text,
        }
    return out


def page_reads(ac: Across) -> list[PageRead]:
    """Each row shown counts as read on its page (its label is then a citable quote)."""
    return [
        PageRead(doc_id=f.doc_id, page=f.page, text=f"{f.label} {facts_view.fmt_value(f)[1]}")
        for f in ac.refs.values()
    ]


def suggested(ac: Across) -> dict[str, Any]:
    """The computed value in the shape of the first look's suggestion (and a calculation)."""
    return {"expr": ac.expr, "value": ac.value, "refs": list(ac.refs), "across": True}


def row_pages(ac: Across) -> list[tuple[str, int]]:
    """The pages (1-based) of the rows shown, once each: the pages to read first."""
    return list(dict.fromkeys((f.doc_id, f.page + 1) for f in ac.refs.values()))
