"""The 10-K: cover, Parts I-IV, the three primary statements and the Notes, built in the
order a reader meets them. Every step draws from the filing's one seeded RNG in the order
the pages are written, so the steps must run in this order (the output is pinned by
tests/synth)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from docnav.synth.companies import Company
from docnav.synth.doc import Layout, Para, Row, Table
from docnav.synth.filings import Filing, cover, dei, scale_line, toc, years_table
from docnav.synth.financials import Annual, CompanyBooks, fiscal_year_end, fy_end_words, long_date
from docnav.synth.notes_10k import write_note
from docnav.synth.text import (
    BUSINESS,
    CRITICAL_ESTIMATES,
    MDA_OVERVIEW,
    NON_GAAP_NAMES,
    OUTLOOK,
    RISKS,
    SEGMENT_DRIVERS,
    money_words,
    pct_change,
    table_num,
    up_down,
)

ITEMS = [
    ("PART I", ""),
    ("Item 1", "Business"),
    ("Item 1A", "Risk Factors"),
    ("Item 1B", "Unresolved Staff Comments"),
    ("Item 1C", "Cybersecurity"),
    ("Item 2", "Properties"),
    ("Item 3", "Legal Proceedings"),
    ("Item 4", "Mine Safety Disclosures"),
    ("PART II", ""),
    (
        "Item 5",
        "Market for Registrant's Common Equity, Related Stockholder Matters and Issuer Purchases of Equity Securities",
    ),
    ("Item 6", "[Reserved]"),
    (
        "Item 7",
        "Management's Discussion and Analysis of Financial Condition and Results of Operations",
    ),
    ("Item 7A", "Quantitative and Qualitative Disclosures About Market Risk"),
    ("Item 8", "Financial Statements and Supplementary Data"),
    (
        "Item 9",
        "Changes in and Disagreements with Accountants on Accounting and Financial Disclosure",
    ),
    ("Item 9A", "Controls and Procedures"),
    ("Item 9B", "Other Information"),
    ("PART III", ""),
    ("Item 10", "Directors, Executive Officers and Corporate Governance"),
    ("Item 11", "Executive Compensation"),
    (
        "Item 12",
        "Security Ownership of Certain Beneficial Owners and Management and Related Stockholder Matters",
    ),
    ("Item 13", "Certain Relationships and Related Transactions, and Director Independence"),
    ("Item 14", "Principal Accountant Fees and Services"),
    ("PART IV", ""),
    ("Item 15", "Exhibits and Financial Statement Schedules"),
    ("Item 16", "Form 10-K Summary"),
]


@dataclass
class TenK:
    """What every step of one 10-K reads: the filing being written, its RNG, the books and
    the template fields of the prose pools."""

    rng: random.Random
    books: CompanyBooks
    f: Filing
    ctx: dict

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
    def fye(self) -> date:
        return self.f.period_end

    @property
    def n(self) -> dict[str, int]:
        return self.f.notes

    @property
    def a(self) -> Annual:
        return self.books.years[self.fy]

    @property
    def p1(self) -> Annual:
        return self.books.years[self.fy - 1]

    @property
    def ys(self) -> list[Annual]:
        """The three fiscal years of the statements, newest first."""
        return [self.books.years[self.fy - i] for i in range(3)]


def build_10k(rng: random.Random, books: CompanyBooks, fy: int) -> Filing:
    k = _start(rng, books, fy)
    note_keys = _note_keys(rng)
    k.f.notes = {key: i for i, key in enumerate(note_keys, 1)}
    cover(k.lay, k.c, "10-K", f"For the fiscal year ended {long_date(k.fye)}", "ANNUAL")
    toc(k.lay, ITEMS)
    parts = (_part_1, _item_3_4, _item_5_6, _mdna, _non_gaap, _liquidity, _item_8)
    statements = (_income_statement, _balance_sheet, _cash_flows)
    for step in parts + statements:
        step(k)
    k.lay.new_page()
    k.lay.heading("NOTES TO CONSOLIDATED FINANCIAL STATEMENTS", 2)
    for key in note_keys:
        write_note(k, key)
    _parts_3_4(k)
    return k.f


def _start(rng: random.Random, books: CompanyBooks, fy: int) -> TenK:
    c = books.company
    fye = fiscal_year_end(c, fy)
    lay = Layout()
    doc_name = f"{c.doc_prefix}_{fy}_10K"
    f = Filing(doc_name, "10-K", c, fy, f"FY{fy}", fye, lay, dei(c, "10-K", fy, "FY", fye))
    ctx = {
        "name": c.name,
        "short": c.short,
        "industry_l": c.industry.lower(),
        "fy": fy,
        "seg0": c.segments[0],
        "seg1": c.segments[1],
        "fye": long_date(fye),
        "employees": rng.randrange(800, 40_000),
        "intl": rng.randrange(15, 60),
        "strong": rng.choice(["third", "fourth"]),
        "tone": rng.choice(["progress", "transition", "solid execution", "mixed results"]),
        "seg_move": rng.choice(["improved", "softened", "remained steady", "strengthened"]),
    }
    return TenK(rng, books, f, ctx)


def _note_keys(rng: random.Random) -> list[str]:
    # notes: optional ones make numbering differ between companies
    note_keys = ["policies", "revenue"]
    for key, p in (("acquisitions", 0.5), ("inventories", 0.6)):
        if rng.random() < p:
            note_keys.append(key)
    note_keys += ["ppe"]
    if rng.random() < 0.6:
        note_keys.append("goodwill")
    note_keys += ["leases", "debt", "restructuring", "taxes", "contingencies"]
    if rng.random() < 0.5:
        note_keys.append("segments")
    note_keys += ["discontinued", "subsequent"]
    return note_keys


def _part_1(k: TenK) -> None:
    c, fy, fye, lay, f, n, rng, ctx = k.c, k.fy, k.fye, k.lay, k.f, k.n, k.rng, k.ctx
    lay.new_page()
    lay.add(
        Para(
            f"This Annual Report on Form 10-K contains forward-looking statements that involve risks and uncertainties. "
            f"Unless otherwise stated, references to fiscal {fy} are to {c.short}'s fiscal year ended {long_date(fye)}. "
            f'Factors that could cause actual results to differ are discussed in Part I, Item 1A of this Form 10-K under the heading "Risk Factors."'
        )
    )
    lay.heading("PART I")
    lay.heading("Item 1. Business")
    for tmpl in rng.sample(BUSINESS, k=rng.randrange(5, len(BUSINESS) + 1)):
        lay.para(tmpl.format(**ctx))
    lay.heading("Item 1A. Risk Factors")
    for title, body in rng.sample(RISKS, k=rng.randrange(8, len(RISKS) + 1)):
        lay.add(Para(title))
        lay.para(
            body
            + " "
            + rng.choice(
                [
                    "Any of these events could materially harm our business.",
                    "These risks could adversely affect our financial condition and results of operations.",
                    "As a result, the market price of our common stock could decline.",
                ]
            )
        )
    lay.heading("Item 1B. Unresolved Staff Comments")
    lay.para("None.")
    lay.heading("Item 1C. Cybersecurity")
    lay.para(
        "We maintain a cybersecurity risk management program overseen by the Audit Committee of our Board of Directors. Our Chief Information Security Officer reports to the committee at least quarterly."
    )
    lay.heading("Item 2. Properties")
    lay.para(
        f"Our corporate headquarters are located in {c.city}, {c.region}. We lease most of our manufacturing, distribution and office facilities; see Note {n['leases']} to the consolidated financial statements."
    )
    f.refs.append((f"Note {n['leases']}", lay.page))


def _item_3_4(k: TenK) -> None:
    a, fy, fye, lay, f, n, rng = k.a, k.fy, k.fye, k.lay, k.f, k.n, k.rng
    # fragmentation, piece 1: Item 3 (on a page of its own: a page of five short Items
    # reads as a table of contents)
    lay.new_page()
    lay.heading("Item 3. Legal Proceedings")
    plaintiff = rng.choice(
        [
            "Harlow Distribution LLC",
            "the State of Nevaro",
            "a class of former customers",
            "Meridian Supply Partners",
        ]
    )
    s3 = money_words(a.lit_item3)
    month = rng.choice(["March", "April", "May", "August"])
    lay.para(
        rng.choice(
            [
                f"In {month} {fy - 1}, {plaintiff} filed a complaint against the Company alleging breach of contract and seeking damages. "
                f"As of {long_date(fye)}, the Company had accrued {s3} for this matter, which represents its best estimate of the probable loss.",
                f"The Company is defending a lawsuit filed by {plaintiff} in {month} {fy - 1} that alleges the Company failed to deliver products as agreed. "
                f"The Company has recorded an accrual of {s3} for this matter as of {long_date(fye)}.",
                f"{plaintiff[0].upper() + plaintiff[1:]} commenced an action against us in {month} {fy - 1} asserting claims for unpaid amounts and related damages. "
                f"We believe a loss is probable and have accrued {s3}, our best estimate, at {long_date(fye)}.",
            ]
        ),
        anchor="lit_item3",
        snippet=s3,
    )
    lay.para(
        f"For other legal matters, see Note {n['contingencies']}, Commitments and Contingencies, to the consolidated financial statements."
    )
    f.refs.append((f"Note {n['contingencies']}", lay.page))
    lay.heading("Item 4. Mine Safety Disclosures")
    lay.para("Not applicable.")


def _item_5_6(k: TenK) -> None:
    c, fye, lay, rng = k.c, k.fye, k.lay, k.rng
    lay.new_page()
    lay.heading("PART II")
    lay.heading(
        "Item 5. Market for Registrant's Common Equity, Related Stockholder Matters and Issuer Purchases of Equity Securities"
    )
    lay.para(
        f'Our common stock is traded on {c.exchange} under the symbol "{c.ticker}." As of {long_date(fye + timedelta(days=40))}, there were approximately {rng.randrange(300, 4000):,} holders of record of our common stock.'
    )
    lay.heading("Item 6. [Reserved]")
    lay.para("Not applicable.")


def _mdna(k: TenK) -> None:
    """Item 7 up to the operating result."""
    c, a, p1, fy, lay, f, n, rng, ctx = k.c, k.a, k.p1, k.fy, k.lay, k.f, k.n, k.rng, k.ctx
    lay.new_page()
    lay.heading(
        "Item 7. Management's Discussion and Analysis of Financial Condition and Results of Operations"
    )
    lay.heading("Overview", 2)
    for tmpl in MDA_OVERVIEW:
        lay.para(tmpl.format(**ctx))
    lay.heading("Results of Operations", 2)
    lay.para(
        f"Net revenue {up_down(a.revenue, p1.revenue)} {pct_change(a.revenue, p1.revenue)} to {money_words(a.revenue)} in fiscal {fy} "
        f"from {money_words(p1.revenue)} in fiscal {fy - 1}, "
        + rng.choice(
            [
                "driven by higher volumes in our {seg0} segment.",
                "reflecting pricing actions and changes in product mix.",
                "as growth in {seg1} offset softer demand elsewhere.",
            ]
        ).format(**ctx)
    )
    lay.heading("Segment Results", 2)
    for k, seg in enumerate(c.segments):
        v, v1 = a.segment_revenue[k], p1.segment_revenue[k]
        lay.para(
            f"{seg} revenue {up_down(v, v1)} {pct_change(v, v1)} to {money_words(v)} in fiscal {fy} from {money_words(v1)} in fiscal {fy - 1}, "
            f"{rng.choice(SEGMENT_DRIVERS)}."
        )
    gm, gm1 = a.gross / a.revenue * 100, p1.gross / p1.revenue * 100
    lay.para(
        f"Gross margin was {gm:.1f}% of net revenue in fiscal {fy}, compared with {gm1:.1f}% in fiscal {fy - 1}."
    )
    lay.para(
        f"Research and development expense was {money_words(a.rd)}, and selling, general and administrative expense was {money_words(a.sga)} in fiscal {fy}."
    )
    # number forms: prose states the current year in words, the table in the Note gives both years
    sr = money_words(a.restructuring)
    lay.para(
        f"Restructuring charges were {sr} in fiscal {fy}, primarily severance and facility exit costs under our {rng.choice(['Simplify', 'Focus', 'Streamline', 'Horizon'])} program. "
        f"See Note {n['restructuring']} for further information.",
        anchor="restructuring_words",
        snippet=sr,
    )
    f.refs.append((f"Note {n['restructuring']}", lay.page))
    lay.para(
        f"Operating income was {money_words(a.operating_income)} in fiscal {fy} compared with {money_words(p1.operating_income)} in fiscal {fy - 1}. Net income was {money_words(a.net_income)}, or ${a.eps:.2f} per diluted share."
    )


def _non_gaap(k: TenK) -> None:
    c, a, p1, fy, lay = k.c, k.a, k.p1, k.fy, k.lay
    ng_name, ng_abbr = NON_GAAP_NAMES[int(c.cik) % len(NON_GAAP_NAMES)]
    # vocabulary: the filing's own name for its non-GAAP measure
    lay.heading("Non-GAAP Financial Measures", 2)
    lay.para(
        f'We use {ng_name} ("{ng_abbr}") to evaluate operating performance. {ng_abbr} is operating income excluding depreciation and amortization, '
        f"restructuring charges and litigation charges. {ng_abbr} is not a measure under generally accepted accounting principles and should not be considered in isolation."
    )
    lay.add(scale_line(c), keep_lines=8)
    ng = Table(
        rows=[
            Row(
                "Operating income",
                [table_num(a.operating_income, c.unit), table_num(p1.operating_income, c.unit)],
            ),
            Row(
                "Depreciation and amortization", [table_num(a.da, c.unit), table_num(p1.da, c.unit)]
            ),
            Row(
                "Restructuring charges",
                [table_num(a.restructuring, c.unit), table_num(p1.restructuring, c.unit)],
            ),
            Row(
                "Litigation charges",
                [table_num(a.litigation_charge, c.unit), table_num(p1.litigation_charge, c.unit)],
            ),
            Row(
                ng_name, [table_num(a.non_gaap, c.unit), table_num(p1.non_gaap, c.unit)], bold=True
            ),
        ],
        header=[f"Fiscal {fy}", f"Fiscal {fy - 1}"],
        dollar_rows={0, 4},
    )
    lay.table(ng)
    lay.mark("non_gaap", table_num(a.non_gaap, c.unit))


def _liquidity(k: TenK) -> None:
    c, a, fy, fye, lay, f, n, rng = k.c, k.a, k.fy, k.fye, k.lay, k.f, k.n, k.rng
    lay.heading("Liquidity and Capital Resources", 2)
    lay.para(
        f"Cash and cash equivalents were {money_words(a.cash)} at {long_date(fye)}. Net cash provided by operating activities was {money_words(a.cfo)} in fiscal {fy}. "
        f"We invested {money_words(a.capex)} in property, plant and equipment and returned {money_words(-a.dividends)} to shareholders through dividends. "
        f"Our lease obligations are described in Note {n['leases']} and our debt in Note {n['debt']}."
    )
    f.refs.append((f"Note {n['leases']}", lay.page))
    lay.heading("Critical Accounting Estimates", 2)
    for text in rng.sample(CRITICAL_ESTIMATES, k=rng.randrange(3, len(CRITICAL_ESTIMATES) + 1)):
        lay.para(text)
    lay.para(rng.choice(OUTLOOK))
    lay.heading("Item 7A. Quantitative and Qualitative Disclosures About Market Risk")
    lay.para(
        f"We are exposed to interest rate risk on our variable-rate borrowings and to foreign currency risk. A hypothetical 100 basis point increase in interest rates would increase annual interest expense by approximately {money_words(max(c.unit * 100, (a.long_term_debt // 200) // (c.unit * 100) * c.unit * 100))}."
    )


def _item_8(k: TenK) -> None:
    c, fy, fye, lay = k.c, k.fy, k.fye, k.lay
    lay.new_page()
    lay.heading("Item 8. Financial Statements and Supplementary Data")
    lay.heading("Report of Independent Registered Public Accounting Firm", 2)
    lay.para(
        f"To the Stockholders and the Board of Directors of {c.name}: We have audited the accompanying consolidated balance sheets of {c.name} as of {long_date(fye)} and {long_date(fiscal_year_end(c, fy - 1))}, and the related consolidated statements of operations and cash flows for each of the three years in the period ended {long_date(fye)}, and the related notes. In our opinion, the financial statements present fairly, in all material respects, the financial position of the Company."
    )


def _income_statement(k: TenK) -> None:
    c, a, fy, lay = k.c, k.a, k.fy, k.lay
    ys, yrs3 = k.ys, [fy, fy - 1, fy - 2]
    yl = f"Years Ended {fy_end_words(c)}"  # no trailing comma: see the 10-Q period line
    lay.new_page()
    lay.add(Para(c.name))
    lay.heading("CONSOLIDATED STATEMENTS OF OPERATIONS", 2)
    lay.add(scale_line(c, ", except per share amounts"), keep_lines=8)
    inc = years_table(
        c,
        [
            ("Net revenue", [y.revenue for y in ys], False),
            ("Cost of revenue", [y.cost for y in ys], False),
            ("Gross profit", [y.gross for y in ys], True),
            ("Research and development", [y.rd for y in ys], False),
            ("Selling, general and administrative", [y.sga for y in ys], False),
            ("Restructuring charges", [y.restructuring for y in ys], False),
            ("Litigation charges", [y.litigation_charge for y in ys], False),
            ("Operating income", [y.operating_income for y in ys], True),
            ("Interest expense", [-y.interest for y in ys], False),
            ("Other income (expense), net", [y.other for y in ys], False),
            ("Income before income taxes", [y.pretax for y in ys], True),
            ("Provision for income taxes", [y.tax for y in ys], False),
            ("Net income", [y.net_income for y in ys], True),
        ],
        yrs3,
        yl,
    )
    inc.dollar_rows = {0, 12}
    inc.rows.append(Row("Diluted earnings per share", [f"{y.eps:.2f}" for y in ys]))
    inc.dollar_rows.add(13)
    inc.rows.append(Row("Diluted shares outstanding (in thousands)", [f"{y.shares:,}" for y in ys]))
    lay.table(inc)
    lay.add(Para("See accompanying Notes to Consolidated Financial Statements."))
    lay.mark("income_statement", table_num(a.revenue, c.unit))


def _balance_sheet(k: TenK) -> None:
    c, a, p1, fy, fye, lay = k.c, k.a, k.p1, k.fy, k.fye, k.lay
    fyw = fy_end_words(c)
    lay.new_page()
    lay.add(Para(c.name))
    lay.heading("CONSOLIDATED BALANCE SHEETS", 2)
    lay.add(scale_line(c), keep_lines=8)
    bs = Table(header=[long_date(fye), long_date(fiscal_year_end(c, fy - 1))], rows=[])
    bs.header = [str(fy), str(fy - 1)]
    bs.header_label = f"As of {fyw}"
    for lab, attr, bold in [
        ("Cash and cash equivalents", "cash", False),
        ("Accounts receivable, net", "receivables", False),
        ("Inventories", "inventory", False),
        ("Other current assets", "other_current", False),
        ("Total current assets", "current_assets", True),
        ("Property, plant and equipment, net", "ppe", False),
        ("Operating lease right-of-use assets", "rou", False),
        ("Goodwill", "goodwill", False),
        ("Other assets", "other_assets", False),
        ("Total assets", "total_assets", True),
        ("Accounts payable", "payables", False),
        ("Accrued liabilities", "accrued", False),
        ("Current operating lease liabilities", "lease_current", False),
        ("Current portion of long-term debt", "debt_current", False),
        ("Total current liabilities", "current_liabilities", True),
        ("Long-term debt", "long_term_debt", False),
        ("Noncurrent operating lease liabilities", "lease_noncurrent", False),
        ("Other liabilities", "other_liabilities", False),
        ("Total liabilities", "total_liabilities", True),
        ("Common stock and additional paid-in capital", "paid_in", False),
        ("Retained earnings", "retained", False),
        ("Total stockholders' equity", "equity", True),
    ]:
        bs.rows.append(
            Row(
                lab,
                [table_num(getattr(a, attr), c.unit), table_num(getattr(p1, attr), c.unit)],
                bold,
            )
        )
    bs.rows.append(
        Row(
            "Total liabilities and stockholders' equity",
            [
                table_num(a.total_liabilities + a.equity, c.unit),
                table_num(p1.total_liabilities + p1.equity, c.unit),
            ],
            True,
        )
    )
    bs.dollar_rows = {0, 9, 10, len(bs.rows) - 1}
    lay.table(bs)
    lay.mark("balance_sheet", table_num(a.total_assets, c.unit))


def _cash_flows(k: TenK) -> None:
    c, a, fy, lay = k.c, k.a, k.fy, k.lay
    ys, yrs3 = k.ys, [fy, fy - 1, fy - 2]
    yl = f"Years Ended {fy_end_words(c)}"  # no trailing comma: see the 10-Q period line
    books = k.books
    lay.new_page()
    lay.add(Para(c.name))
    lay.heading("CONSOLIDATED STATEMENTS OF CASH FLOWS", 2)
    lay.add(scale_line(c), keep_lines=8)
    cf = years_table(
        c,
        [
            ("Net income", [y.net_income for y in ys], False),
            ("Depreciation and amortization", [y.da for y in ys], False),
            ("Stock-based compensation", [y.sbc for y in ys], False),
            ("Accounts receivable", [y.d_receivables for y in ys], False),
            ("Inventories", [y.d_inventory for y in ys], False),
            ("Accounts payable", [y.d_payables for y in ys], False),
            ("Other operating activities", [y.other_operating for y in ys], False),
            ("Net cash provided by operating activities", [y.cfo for y in ys], True),
            ("Purchases of property, plant and equipment", [-y.capex for y in ys], False),
            ("Acquisitions, net of cash acquired", [y.acquisitions for y in ys], False),
            ("Net cash used in investing activities", [y.cfi for y in ys], True),
            ("Net borrowings (repayments) of debt", [y.debt_net for y in ys], False),
            ("Dividends paid", [y.dividends for y in ys], False),
            ("Common stock issued (repurchased), net", [y.buybacks for y in ys], False),
            ("Net cash provided by (used in) financing activities", [y.cff for y in ys], True),
            (
                "Net change in cash and cash equivalents",
                [y.cash - books.years[y.year - 1].cash for y in ys],
                True,
            ),
        ],
        yrs3,
        yl,
    )
    cf.dollar_rows = {0, 15}
    lay.table(cf)
    lay.mark("capex", table_num(-a.capex, c.unit))


def _parts_3_4(k: TenK) -> None:
    c, fy, fye, lay, rng = k.c, k.fy, k.fye, k.lay, k.rng
    items = ITEMS
    lay.new_page()
    lay.heading(
        "Item 9. Changes in and Disagreements with Accountants on Accounting and Financial Disclosure"
    )
    lay.para("None.")
    lay.heading("Item 9A. Controls and Procedures")
    lay.para(
        f"Our management, with the participation of our Chief Executive Officer and Chief Financial Officer, evaluated the effectiveness of our disclosure controls and procedures as of {long_date(fye)} and concluded that they were effective."
    )
    lay.heading("Item 9B. Other Information")
    lay.para("None.")
    lay.heading("PART III")
    for label, title in items[18:23]:
        lay.heading(f"{label}. {title}")
        lay.para(
            f"The information required by this Item is incorporated by reference to our definitive Proxy Statement for the {fy + 1} Annual Meeting of Stockholders."
        )
    lay.heading("PART IV")
    lay.heading("Item 15. Exhibits and Financial Statement Schedules")
    lay.para(
        "The consolidated financial statements are included in Part II, Item 8 of this Annual Report. Financial statement schedules are omitted because they are not applicable."
    )
    lay.add(Para("3.1 Amended and Restated Certificate of Incorporation"))
    lay.add(Para("10.1 Credit Agreement"))
    lay.add(Para("31.1 Certification of Chief Executive Officer"))
    lay.heading("Item 16. Form 10-K Summary")
    lay.para("None.")
    lay.heading("SIGNATURES", 2)
    lay.para(
        f"Pursuant to the requirements of Section 13 or 15(d) of the Securities Exchange Act of 1934, the registrant has duly caused this report to be signed on its behalf by the undersigned, thereunto duly authorized. "
        f"Date: {long_date(fye + timedelta(days=55))} {c.name} By: /s/ {rng.choice(['Jordan Avery', 'Morgan Ellis', 'Casey Lindqvist', 'Riley Okafor'])}, Chief Executive Officer"
    )
