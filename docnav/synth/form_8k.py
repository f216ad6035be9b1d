"""The 8-K earnings release after a fiscal year: cover, Items 2.02 and 9.01, and the press
release (Exhibit 99.1) with its fourth-quarter and full-year table."""

from __future__ import annotations

import random
from datetime import timedelta

from docnav.synth.doc import Layout, Para, Row, Table
from docnav.synth.filings import Filing, cover, scale_line
from docnav.synth.financials import CompanyBooks, fiscal_year_end, long_date
from docnav.synth.text import money_words, pct_change, table_num, up_down


def build_8k(rng: random.Random, books: CompanyBooks, fy: int) -> Filing:
    c = books.company
    a, p1 = books.years[fy], books.years[fy - 1]
    q4, q4p = books.quarters[(fy, 4)], books.quarters[(fy - 1, 4)]
    fye = fiscal_year_end(c, fy)
    report = fye + timedelta(days=rng.randrange(25, 45))
    lay = Layout()
    doc_name = f"{c.doc_prefix}_{fy}Q4_8K"
    # no DocumentPeriodEndDate (EDGAR puts the report date there): the period then comes
    # from the release text ("ended June 30, 2024"), the same for HTML and PDF
    dei = {
        "DocumentType": "8-K",
        "EntityRegistrantName": c.name,
        "EntityCentralIndexKey": c.cik,
        "TradingSymbol": c.ticker,
    }
    f = Filing(doc_name, "8-K", c, fy, f"Q4 {fy}", fye, lay, dei)
    cover(
        lay, c, "8-K", f"Date of Report (Date of earliest event reported): {long_date(report)}", ""
    )
    lay.new_page()
    lay.heading("Item 2.02 Results of Operations and Financial Condition")
    lay.para(
        f"On {long_date(report)}, {c.name} issued a press release announcing its results for the fourth quarter and fiscal year {fy}, ended {long_date(fye)}. A copy of the press release is furnished as Exhibit 99.1."
    )
    lay.heading("Item 9.01 Financial Statements and Exhibits")
    lay.add(Para("Exhibit 99.1 Press release dated " + long_date(report)))
    lay.new_page()
    lay.add(Para("Exhibit 99.1"))
    lay.heading(f"{c.short} Reports Fourth Quarter and Fiscal {fy} Results", 0)
    rq = money_words(q4.revenue)
    lay.para(
        f"{c.city}, {c.region} -- {long_date(report)} -- {c.name} ({c.exchange.split()[0] if 'Nasdaq' not in c.exchange else 'NASDAQ'}: {c.ticker}) today reported results for its fourth quarter and fiscal year ended {long_date(fye)}. "
        f"Fourth-quarter net revenue was {rq}, {up_down(q4.revenue, q4p.revenue)} {pct_change(q4.revenue, q4p.revenue)} from the prior-year quarter.",
        anchor="q4_revenue_words",
        snippet=rq,
    )
    lay.para(
        f"Fiscal {fy} net revenue was {money_words(a.revenue)} compared with {money_words(p1.revenue)} in fiscal {fy - 1}. Net income for the year was {money_words(a.net_income)}, or ${a.eps:.2f} per diluted share."
    )
    lay.para(
        f'"{rng.choice(["We closed the year with momentum", "Our teams delivered in a demanding environment", "We made meaningful progress on our priorities"])}," said the Chief Executive Officer.'
    )
    lay.add(scale_line(c, ", except per share amounts"), keep_lines=8)
    lay.table(
        Table(
            rows=[
                Row(
                    "Net revenue",
                    [
                        table_num(q4.revenue, c.unit),
                        table_num(q4p.revenue, c.unit),
                        table_num(a.revenue, c.unit),
                        table_num(p1.revenue, c.unit),
                    ],
                ),
                Row(
                    "Operating income",
                    [
                        table_num(q4.operating_income, c.unit),
                        table_num(q4p.operating_income, c.unit),
                        table_num(a.operating_income, c.unit),
                        table_num(p1.operating_income, c.unit),
                    ],
                ),
                Row(
                    "Net income",
                    [
                        table_num(q4.net_income, c.unit),
                        table_num(q4p.net_income, c.unit),
                        table_num(a.net_income, c.unit),
                        table_num(p1.net_income, c.unit),
                    ],
                    True,
                ),
            ],
            header=[f"Q4 {fy}", f"Q4 {fy - 1}", f"FY {fy}", f"FY {fy - 1}"],
            dollar_rows={0, 2},
        )
    )
    lay.mark("q4_table", table_num(q4.revenue, c.unit))
    return f
