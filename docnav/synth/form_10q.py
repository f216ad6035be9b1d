"""The 10-Q: cover, condensed statements and notes (Part I, Item 1), MD&A and the short
Items of Part II. The steps draw from the filing's seeded RNG in page order, so they run in
this order (the output is pinned by tests/synth)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from docnav.synth.companies import Company
from docnav.synth.doc import Layout, Para, Row, Table
from docnav.synth.filings import Filing, cover, dei, scale_line
from docnav.synth.financials import (
    Annual,
    CompanyBooks,
    Quarter,
    fiscal_year_end,
    fy_end_words,
    long_date,
    quarter_end,
)
from docnav.synth.text import money_words, pct_change, table_num, up_down

_ORD = {1: "first", 2: "second", 3: "third", 4: "fourth"}
_Q_WORDS = {1: "three", 2: "six", 3: "nine"}


@dataclass
class TenQ:
    """What every step of one 10-Q reads."""

    rng: random.Random
    books: CompanyBooks
    f: Filing
    q: int

    @property
    def c(self) -> Company:
        return self.f.company

    @property
    def lay(self) -> Layout:
        return self.f.layout

    @property
    def fy(self) -> int:
        return self.f.fiscal_year

    @property
    def qe(self) -> date:
        return self.f.period_end

    @property
    def qe1(self) -> date:
        return quarter_end(self.c, self.fy - 1, self.q)

    @property
    def cur(self) -> Quarter:
        return self.books.quarters[(self.fy, self.q)]

    @property
    def prv(self) -> Quarter:
        return self.books.quarters[(self.fy - 1, self.q)]

    @property
    def a(self) -> Annual:
        return self.books.years[self.fy]

    @property
    def prev(self) -> Annual:
        return self.books.years[self.fy - 1]

    @property
    def ytd(self) -> list[Quarter]:
        return [self.books.quarters[(self.fy, i)] for i in range(1, self.q + 1)]

    @property
    def ytd1(self) -> list[Quarter]:
        return [self.books.quarters[(self.fy - 1, i)] for i in range(1, self.q + 1)]


def build_10q(rng: random.Random, books: CompanyBooks, fy: int, q: int) -> Filing:
    c = books.company
    qe = quarter_end(c, fy, q)
    lay = Layout()
    doc_name = f"{c.doc_prefix}_{fy}Q{q}_10Q"
    f = Filing(doc_name, "10-Q", c, fy, f"Q{q} {fy}", qe, lay, dei(c, "10-Q", fy, f"Q{q}", qe))
    f.notes = {"basis": 1, "revenue": 2, "debt": 3, "contingencies": 4, "subsequent": 5}
    cover(lay, c, "10-Q", f"For the quarterly period ended {long_date(qe)}", "QUARTERLY")
    lay.new_page()
    lay.heading("PART I \u2014 FINANCIAL INFORMATION")
    lay.heading("Item 1. Financial Statements")
    k = TenQ(rng, books, f, q)
    for step in (_income_statement, _balance_sheet, _notes, _mdna, _part_2):
        step(k)
    return f


def _income_statement(k: TenQ) -> None:
    c, cur, prv, qe, qe1, q, lay, ytd, ytd1 = (
        k.c,
        k.cur,
        k.prv,
        k.qe,
        k.qe1,
        k.q,
        k.lay,
        k.ytd,
        k.ytd1,
    )
    lay.new_page()
    lay.add(Para(c.name))
    lay.heading("CONDENSED CONSOLIDATED STATEMENTS OF OPERATIONS (Unaudited)", 2)

    def cols(attr: str) -> list[str]:
        vals = [getattr(cur, attr), getattr(prv, attr)]
        if q > 1:
            vals += [sum(getattr(x, attr) for x in ytd), sum(getattr(x, attr) for x in ytd1)]
        return [table_num(v, c.unit) for v in vals]

    md = long_date(qe)[:-6]  # "December 31"
    label = f"Three Months Ended {md}," + (
        f" / {_Q_WORDS[q].capitalize()} Months Ended {md}," if q > 1 else ""
    )
    # the period line above the scale line: docnav's table detector scans at most a few short
    # lines up for the caption and stops at a long one, so "(in thousands)" must sit next to
    # the column heads (a weakness on real 10-Qs too; reported to the ingestion owner)
    lay.add(Para(label), keep_lines=9)
    lay.add(scale_line(c, ", except per share amounts"), keep_lines=8)
    t = Table(
        rows=[
            Row("Net revenue", cols("revenue")),
            Row("Cost of revenue", cols("cost")),
            Row("Gross profit", cols("gross"), True),
            Row("Operating expenses", cols("opex")),
            Row("Operating income", cols("operating_income"), True),
            Row("Net income", cols("net_income"), True),
        ],
        header=[str(qe.year), str(qe1.year)] * (2 if q > 1 else 1),
        dollar_rows={0, 5},
    )
    lay.table(t)
    lay.mark("q_income", table_num(cur.revenue, c.unit))


def _balance_sheet(k: TenQ) -> None:
    c, a, prev, qe, fy, q, lay = k.c, k.a, k.prev, k.qe, k.fy, k.q, k.lay
    lay.new_page()
    lay.add(Para(c.name))
    lay.heading("CONDENSED CONSOLIDATED BALANCE SHEETS (Unaudited)", 2)
    lay.add(scale_line(c), keep_lines=8)
    w = q / 4

    def mid(attr: str) -> int:  # noqa: E306 - quarter-end balance between two year ends
        return round((getattr(prev, attr) * (1 - w) + getattr(a, attr) * w) / c.unit) * c.unit

    cash, recv, inv = mid("cash"), mid("receivables"), mid("inventory")
    other_assets = mid("total_assets") - cash - recv - inv
    tl = mid("total_liabilities")
    eq = cash + recv + inv + other_assets - tl
    lay.table(
        Table(
            rows=[
                Row(
                    "Cash and cash equivalents",
                    [table_num(cash, c.unit), table_num(prev.cash, c.unit)],
                ),
                Row(
                    "Accounts receivable, net",
                    [table_num(recv, c.unit), table_num(prev.receivables, c.unit)],
                ),
                Row("Inventories", [table_num(inv, c.unit), table_num(prev.inventory, c.unit)]),
                Row(
                    "Other assets",
                    [
                        table_num(other_assets, c.unit),
                        table_num(
                            prev.total_assets - prev.cash - prev.receivables - prev.inventory,
                            c.unit,
                        ),
                    ],
                ),
                Row(
                    "Total assets",
                    [
                        table_num(cash + recv + inv + other_assets, c.unit),
                        table_num(prev.total_assets, c.unit),
                    ],
                    True,
                ),
                Row(
                    "Total liabilities",
                    [table_num(tl, c.unit), table_num(prev.total_liabilities, c.unit)],
                    True,
                ),
                Row(
                    "Total stockholders' equity",
                    [table_num(eq, c.unit), table_num(prev.equity, c.unit)],
                    True,
                ),
                Row(
                    "Total liabilities and stockholders' equity",
                    [
                        table_num(tl + eq, c.unit),
                        table_num(prev.total_liabilities + prev.equity, c.unit),
                    ],
                    True,
                ),
            ],
            header=[
                long_date(qe)[:-6] + f", {qe.year}",
                fy_end_words(c) + f", {fiscal_year_end(c, fy - 1).year}",
            ],
            dollar_rows={0, 4, 5, 7},
        )
    )


def _notes(k: TenQ) -> None:
    c, cur, qe, fy, lay, f, rng = k.c, k.cur, k.qe, k.fy, k.lay, k.f, k.rng
    lay.new_page()
    lay.heading("NOTES TO CONDENSED CONSOLIDATED FINANCIAL STATEMENTS (Unaudited)", 2)
    lay.heading("Note 1 \u2014 Basis of Presentation", 2)
    lay.para(
        f"The accompanying unaudited condensed consolidated financial statements of {c.name} have been prepared in accordance with the rules of the Securities and Exchange Commission for interim reporting and should be read with the consolidated financial statements in our Annual Report on Form 10-K for fiscal {fy - 1}."
    )
    lay.heading("Note 2 \u2014 Revenue", 2)
    lay.para(
        f"Net revenue for the three months ended {long_date(qe)} was {money_words(cur.revenue)}, of which approximately {rng.randrange(45, 75)}% came from the {c.segments[0]} segment."
    )
    lay.heading("Note 3 \u2014 Debt", 2)
    lay.para(
        f"There were no material changes to our debt arrangements during the quarter. See Note {f.notes['contingencies']} for guarantees."
    )
    f.refs.append((f"Note {f.notes['contingencies']}", lay.page))
    lay.heading("Note 4 \u2014 Commitments and Contingencies", 2)
    lay.para(
        "We are involved in legal proceedings arising in the ordinary course of business. We do not believe these matters will have a material adverse effect on our financial position."
    )
    lay.heading("Note 5 \u2014 Subsequent Events", 2)
    lay.para(
        "We have evaluated subsequent events through the date of this report and identified none requiring disclosure."
    )


def _mdna(k: TenQ) -> None:
    c, cur, prv, qe, qe1, fy, q, lay, rng, ytd, ytd1 = (
        k.c,
        k.cur,
        k.prv,
        k.qe,
        k.qe1,
        k.fy,
        k.q,
        k.lay,
        k.rng,
        k.ytd,
        k.ytd1,
    )
    lay.new_page()
    lay.heading(
        "Item 2. Management's Discussion and Analysis of Financial Condition and Results of Operations"
    )
    qw = f"{_ORD[q]} quarter of fiscal {fy}"
    rv = money_words(cur.revenue)
    lay.para(
        f"Net revenue for the {qw} was {rv}, {up_down(cur.revenue, prv.revenue)} {pct_change(cur.revenue, prv.revenue)} from {money_words(prv.revenue)} in the {_ORD[q]} quarter of fiscal {fy - 1}, "
        + rng.choice(
            [
                "reflecting higher volumes.",
                "as pricing offset lower unit demand.",
                f"driven by the {c.segments[0]} segment.",
            ]
        ),
        anchor="q_revenue_words",
        snippet=rv,
    )
    lay.para(
        f"Operating income for the {qw} was {money_words(cur.operating_income)} compared with {money_words(prv.operating_income)} a year earlier. Net income was {money_words(cur.net_income)}, or ${cur.eps:.2f} per diluted share."
    )
    if q > 1:
        y0, y1 = sum(x.revenue for x in ytd), sum(x.revenue for x in ytd1)
        lay.para(
            f"For the {_Q_WORDS[q]} months ended {long_date(qe)}, net revenue was {money_words(y0)} compared with "
            f"{money_words(y1)} for the {_Q_WORDS[q]} months ended {long_date(qe1)}, and operating income was "
            f"{money_words(sum(x.operating_income for x in ytd))}."
        )
    lay.heading("Item 3. Quantitative and Qualitative Disclosures About Market Risk")
    lay.para(
        f"There have been no material changes to our market risk since our Annual Report on Form 10-K for fiscal {fy - 1}."
    )
    lay.heading("Item 4. Controls and Procedures")
    lay.para(f"Our disclosure controls and procedures were effective as of {long_date(qe)}.")


def _part_2(k: TenQ) -> None:
    c, qe, fy, lay, f = k.c, k.qe, k.fy, k.lay, k.f
    lay.new_page()
    lay.heading("PART II \u2014 OTHER INFORMATION")
    lay.heading("Item 1. Legal Proceedings")
    lay.para(
        f"See Note {f.notes['contingencies']} to the condensed consolidated financial statements."
    )
    lay.heading("Item 1A. Risk Factors")
    lay.para(
        f"There have been no material changes to the risk factors disclosed in our Annual Report on Form 10-K for fiscal {fy - 1}."
    )
    lay.heading("Item 2. Unregistered Sales of Equity Securities and Use of Proceeds")
    lay.para("None.")
    lay.heading("Item 3. Defaults Upon Senior Securities")
    lay.para("None.")
    lay.heading("Item 4. Mine Safety Disclosures")
    lay.para("Not applicable.")
    lay.heading("Item 5. Other Information")
    lay.para("None.")
    lay.heading("Item 6. Exhibits")
    lay.add(Para("31.1 Certification of Chief Executive Officer"))
    lay.heading("SIGNATURES", 2)
    lay.para(
        f"Pursuant to the requirements of the Securities Exchange Act of 1934, the registrant has duly caused this report to be signed on its behalf by the undersigned, thereunto duly authorized. Date: {long_date(qe + timedelta(days=38))} {c.name}"
    )
