"""Planted questions: each one is built from where the filings wrote the facts (their
anchors), so its evidence pages and gold answer are known exactly, and each targets one way
chunk-and-embed RAG fails on filings (see DESIGN.md)."""

from __future__ import annotations

from docnav.questions import Evidence, Question
from docnav.synth.companies import Company
from docnav.synth.filings import Filing
from docnav.synth.financials import CompanyBooks
from docnav.synth.text import money_words, table_num

_ORD = {1: "first", 2: "second", 3: "third", 4: "fourth"}


def amount_text(v: int, unit: int) -> str:
    """Gold answer wording: "$45.2 million" when exact at one decimal, else the table form
    with its scale ("$45,213 thousand")."""
    if v % (100 * unit) == 0:
        return ("-" if v < 0 else "") + money_words(v)
    word = "thousand" if unit == 1_000 else "million"
    return f"{'-' if v < 0 else ''}${abs(v) // unit:,} {word}"


def _ev(f: Filing, key: str, value: int | None = None, text: str | None = None) -> Evidence:
    a = f.anchors[key]
    return Evidence(doc_name=f.doc_name, page=a.page + 1, text=text or a.text, value=value)


def _q(
    qid: str,
    c: Company,
    question: str,
    value: int,
    ev: list[Evidence],
    mode: str,
    qtype: str,
    formula: str,
    justification: str,
    answer: str | None = None,
) -> Question:
    return Question(
        id=qid,
        question=question,
        answer=answer or amount_text(value, c.unit),
        answer_value=float(value),
        answer_unit="USD",
        company=c.name,
        doc_names=list(dict.fromkeys(e.doc_name for e in ev)),
        evidence=ev,
        failure_mode=mode,
        question_type=qtype,
        formula=formula,  # type: ignore[arg-type]
        justification=justification,
        source="synth",
    )


def plant_questions(filings: dict[str, Filing], books: dict[str, CompanyBooks]) -> list[Question]:
    """Questions for every filing in ``filings`` (keyed by doc name); ``books`` by ticker."""
    out: list[Question] = []
    tenk = {(f.company.ticker, f.fiscal_year): f for f in filings.values() if f.form == "10-K"}
    tenq = {
        (f.company.ticker, f.fiscal_year, int(f.fiscal_period[1])): f
        for f in filings.values()
        if f.form == "10-Q"
    }
    for f in filings.values():
        b = books[f.company.ticker]
        if f.form == "10-K":
            out += _tenk_questions(f, b) + _tenk_across_years(f, b, tenk)
        elif f.form == "10-Q":
            out += _tenq_questions(f, b, tenq)
        elif f.form == "8-K":
            out += _eightk_questions(f, b)
    return out + _pair_questions(tenk, books)


def _prefix(f: Filing) -> str:
    return f"synth-{f.company.ticker}-{f.fiscal_period.replace(' ', '')}"


def _tenk_questions(f: Filing, b: CompanyBooks) -> list[Question]:
    """What one 10-K answers alone: fragmentation, number forms, causal chain, vocabulary."""
    c, fy, u, pre = f.company, f.fiscal_year, f.company.unit, _prefix(f)
    a, p1 = b.years[fy], b.years[fy - 1]
    out: list[Question] = []
    out.append(
        _q(
            f"{pre}-fragmentation",
            c,
            f"What is the total litigation exposure disclosed in {c.name}'s fiscal {fy} Form 10-K, counting every legal matter including any settled after year end?",
            a.litigation_total,
            [
                _ev(f, "lit_item3", a.lit_item3),
                _ev(f, "lit_note", a.lit_note),
                _ev(f, "lit_subsequent", a.lit_subsequent),
            ],
            "fragmentation",
            "calculation",
            "e0 + e1 + e2",
            f"Item 3 accrual {money_words(a.lit_item3)} + Note {f.notes['contingencies']} liability {money_words(a.lit_note)} + Note {f.notes['subsequent']} settlement {money_words(a.lit_subsequent)}.",
        )
    )
    out.append(
        _q(
            f"{pre}-number-forms",
            c,
            f"{c.short} reported restructuring charges of {money_words(a.restructuring)} for fiscal {fy}. What were its restructuring charges for fiscal {fy - 1}?",
            p1.restructuring,
            [
                _ev(f, "restructuring_table", p1.restructuring),
                _ev(f, "income_statement", p1.restructuring, table_num(p1.restructuring, u)),
            ],
            "number_forms",
            "extraction",
            "e0",
            f"The Restructuring note table (in {c.scale_word}) shows {table_num(a.restructuring, u)} for fiscal {fy} (the {money_words(a.restructuring)} in MD&A) and {table_num(p1.restructuring, u)} for fiscal {fy - 1}.",
        )
    )
    out.append(
        _q(
            f"{pre}-causal-chain",
            c,
            f"What were {c.short}'s total lease obligations at the end of fiscal {fy}, including leases of discontinued operations and excluding leases terminated during the year?",
            a.lease_obligations_adjusted,
            [
                _ev(f, "lease_total", a.lease_total),
                _ev(f, "disc_lease", a.disc_lease),
                _ev(f, "terminated_lease", a.terminated_lease),
            ],
            "causal_chain",
            "calculation",
            "e0 + e1 - e2",
            f"Note {f.notes['leases']} (Leases) total operating lease liabilities {money_words(a.lease_total)}, which exclude discontinued operations (see Note {f.notes['discontinued']}): + {money_words(a.disc_lease)} discontinued - {money_words(a.terminated_lease)} terminated.",
        )
    )
    out.append(
        _q(
            f"{pre}-vocabulary-ebitda",
            c,
            f"What was {c.short}'s adjusted EBITDA for fiscal {fy}?",
            a.non_gaap,
            [_ev(f, "non_gaap", a.non_gaap)],
            "vocabulary",
            "extraction",
            "e0",
            "The filing calls its EBITDA-like non-GAAP measure by its own name: operating income before depreciation, amortization, restructuring and litigation charges.",
        )
    )
    out.append(
        _q(
            f"{pre}-vocabulary-capex",
            c,
            f"How much did {c.short} spend on capex in fiscal {fy}?",
            a.capex,
            [_ev(f, "capex", -a.capex)],
            "vocabulary",
            "extraction",
            "-e0",
            "Capital expenditures appear as 'Purchases of property, plant and equipment' in the cash flow statement.",
        )
    )
    return out


def _tenk_across_years(
    f: Filing, b: CompanyBooks, tenk: dict[tuple[str, int], Filing]
) -> list[Question]:
    """Prior-year figures, found in this 10-K and (when filed) the one before it."""
    c, fy, u, pre = f.company, f.fiscal_year, f.company.unit, _prefix(f)
    a, p1 = b.years[fy], b.years[fy - 1]
    out: list[Question] = []
    ev = [_ev(f, "income_statement", p1.net_income, table_num(p1.net_income, u))]
    prev = tenk.get((c.ticker, fy - 1))
    if prev is not None:
        ev.insert(0, _ev(prev, "income_statement", p1.net_income, table_num(p1.net_income, u)))
    out.append(
        _q(
            f"{pre}-temporal-net-income",
            c,
            f"What was {c.short}'s net income for fiscal {fy - 1}?",
            p1.net_income,
            ev,
            "temporal",
            "extraction",
            "e0",
            f"Fiscal {fy - 1} net income; the fiscal {fy} 10-K shows it as the prior-year column next to fiscal {fy}'s {table_num(a.net_income, u)}.",
        )
    )
    if prev is not None:
        p2 = b.years[fy - 2]
        d = a.total_assets - p2.total_assets
        out.append(
            _q(
                f"{pre}-multi-doc-assets",
                c,
                f"By how much did {c.short}'s total assets change from the end of fiscal {fy - 2} to the end of fiscal {fy}?",
                d,
                [
                    _ev(f, "balance_sheet", a.total_assets),
                    _ev(
                        prev,
                        "balance_sheet",
                        p2.total_assets,
                        table_num(p2.total_assets, u),
                    ),
                ],
                "multi_document",
                "comparison",
                "e0 - e1",
                f"Total assets {table_num(a.total_assets, u)} at the end of fiscal {fy} (fiscal {fy} 10-K) minus {table_num(p2.total_assets, u)} at the end of fiscal {fy - 2} (fiscal {fy - 1} 10-K), in {c.scale_word}.",
                answer=("an increase of " if d >= 0 else "a decrease of ") + amount_text(abs(d), u),
            )
        )
    return out


def _tenq_questions(
    f: Filing, b: CompanyBooks, tenq: dict[tuple[str, int, int], Filing]
) -> list[Question]:
    """A quarter of the prior fiscal year, next to this quarter's figure."""
    c, fy, u, pre = f.company, f.fiscal_year, f.company.unit, _prefix(f)
    out: list[Question] = []
    q = int(f.fiscal_period[1])
    pq = b.quarters[(fy - 1, q)]
    ev = [_ev(f, "q_income", pq.revenue, table_num(pq.revenue, u))]
    older = tenq.get((c.ticker, fy - 1, q))
    if older is not None:
        ev.insert(0, _ev(older, "q_income", pq.revenue, table_num(pq.revenue, u)))
    out.append(
        _q(
            f"{pre}-temporal-quarter",
            c,
            f"What was {c.short}'s net revenue for the {_ORD[q]} quarter of fiscal {fy - 1}?",
            pq.revenue,
            ev,
            "temporal",
            "extraction",
            "e0",
            f"The {_ORD[q]} quarter of fiscal {fy - 1}, not fiscal {fy} ({table_num(b.quarters[(fy, q)].revenue, u)}).",
        )
    )
    return out


def _eightk_questions(f: Filing, b: CompanyBooks) -> list[Question]:
    """Fourth-quarter revenue, which only the earnings release states."""
    c, fy, u, pre = f.company, f.fiscal_year, f.company.unit, _prefix(f)
    a = b.years[fy]
    out: list[Question] = []
    q4 = b.quarters[(fy, 4)]
    out.append(
        _q(
            f"{pre}-temporal-q4",
            c,
            f"What was {c.short}'s net revenue for the fourth quarter of fiscal {fy}?",
            q4.revenue,
            [_ev(f, "q4_table", q4.revenue)],
            "temporal",
            "extraction",
            "e0",
            f"Fourth-quarter revenue is only in the earnings release; the 10-K reports the full year ({table_num(a.revenue, u)}).",
        )
    )
    return out


def _pair_questions(
    tenk: dict[tuple[str, int], Filing], books: dict[str, CompanyBooks]
) -> list[Question]:
    """Two companies, same (latest) fiscal year: which had the higher revenue."""
    out: list[Question] = []
    years = sorted({fy for _, fy in tenk})
    tickers = list(dict.fromkeys(t for t, _ in tenk))
    for fy in years[-1:]:
        have = [t for t in tickers if (t, fy) in tenk]
        for t1, t2 in zip(have[::2], have[1::2], strict=False):
            f1, f2 = tenk[(t1, fy)], tenk[(t2, fy)]
            r1, r2 = books[t1].years[fy].revenue, books[t2].years[fy].revenue
            hi = f1 if r1 >= r2 else f2
            c1, c2 = f1.company, f2.company
            d = abs(r1 - r2)
            out.append(
                Question(
                    id=f"synth-{t1}-{t2}-FY{fy}-multi-doc-revenue",
                    question=f"Which company had the higher net revenue in fiscal {fy}, {c1.short} or {c2.short}, and by how much?",
                    answer=f"{hi.company.short}, by {money_words(d) if d % 100_000 == 0 else f'${d:,}'}",
                    answer_value=float(d),
                    answer_unit="USD",
                    company=None,
                    doc_names=[f1.doc_name, f2.doc_name],
                    evidence=[_ev(f1, "income_statement", r1), _ev(f2, "income_statement", r2)],
                    failure_mode="multi_document",
                    question_type="comparison",
                    formula="abs(e0 - e1)",
                    justification=f"{c1.short} {amount_text(r1, c1.unit)} vs {c2.short} {amount_text(r2, c2.unit)} (fiscal years end {c1.fye_month}/{c2.fye_month}).",
                    source="synth",
                )
            )
    return out
