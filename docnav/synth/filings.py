"""Filings as layouts: 10-K, 10-Q and an 8-K earnings release for one company and period.

Each builder returns a :class:`Filing` whose ``anchors`` say on which page (0-based) each
planted fact was written and with which literal text; :mod:`docnav.synth.plant` turns them
into questions. Prose is drawn from template pools with the corpus' seeded RNG."""

from __future__ import annotations

import random
from calendar import month_name
from dataclasses import dataclass, field
from datetime import date, timedelta

from docnav.synth.companies import Company
from docnav.synth.doc import Layout, Para, Row, Table
from docnav.synth.financials import (
    Annual,
    CompanyBooks,
    add_months,
    fiscal_year_end,
    fy_end_words,
    long_date,
    quarter_end,
)
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

_ORD = {1: "first", 2: "second", 3: "third", 4: "fourth"}
_Q_WORDS = {1: "three", 2: "six", 3: "nine"}


@dataclass
class Filing:
    doc_name: str  # file stem, FinanceBench style: NORTHWIND_2024_10K
    form: str  # "10-K", "10-Q", "8-K"
    company: Company
    fiscal_year: int
    fiscal_period: str  # "FY2024", "Q2 2024"
    period_end: date
    layout: Layout
    dei: dict[str, str]
    notes: dict[str, int] = field(default_factory=dict)  # note key -> number
    n_pages: int = 0  # set when rendered (the pages are dropped then; anchors stay)
    refs: list[tuple[str, int]] = field(
        default_factory=list
    )  # (label, page) of planted "See Note N"

    @property
    def anchors(self):
        return self.layout.anchors


def _cover(lay: Layout, c: Company, form: str, period_line: str, report_kind: str) -> None:
    lay.heading("UNITED STATES", 0)
    lay.add(Para("SECURITIES AND EXCHANGE COMMISSION"))
    lay.add(Para("Washington, D.C. 20549"))
    lay.heading(f"FORM {form}", 0)
    if form == "8-K":
        lay.add(
            Para(
                "CURRENT REPORT Pursuant to Section 13 or 15(d) of the Securities Exchange Act of 1934"
            )
        )
        lay.add(Para(period_line))
    else:
        lay.add(Para("(Mark One)"))
        lay.add(
            Para(
                f"[X] {report_kind} REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934"
            )
        )
        lay.add(Para(period_line))
        lay.add(Para("or"))
        lay.add(
            Para(
                "[ ] TRANSITION REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934"
            )
        )
    lay.add(Para(f"Commission File Number: {c.file_number}"))
    lay.add(Para(c.name))
    lay.add(Para("(Exact name of registrant as specified in its charter)"))
    lay.add(Para(f"{c.state} {c.ein}"))
    lay.add(
        Para(
            "(State or other jurisdiction of incorporation or organization) (I.R.S. Employer Identification No.)"
        )
    )
    lay.add(Para(f"{100 + int(c.cik[-3:])} {c.short} Way, {c.city}, {c.region} {c.zip}"))
    lay.add(Para("(Address of principal executive offices) (Zip Code)"))
    lay.add(Para(f"Central Index Key: {c.cik}"))
    lay.add(Para("Securities registered pursuant to Section 12(b) of the Act:"))
    lay.add(Para("Title of each class Trading Symbol(s) Name of each exchange on which registered"))
    lay.add(Para(f"Common Stock, $0.001 par value per share {c.ticker} {c.exchange}"))
    if form != "8-K":
        lay.add(
            Para(
                "Indicate by check mark whether the registrant (1) has filed all reports required to be filed by Section 13 or 15(d) of the Securities Exchange Act of 1934 during the preceding 12 months, and (2) has been subject to such filing requirements for the past 90 days. Yes [X] No [ ]"
            )
        )
        lay.add(
            Para(
                "Indicate by check mark whether the registrant is a large accelerated filer, an accelerated filer, a non-accelerated filer, a smaller reporting company, or an emerging growth company. Large accelerated filer [X]"
            )
        )


def _toc(lay: Layout, entries: list[tuple[str, str]]) -> None:
    lay.new_page()
    lay.heading("TABLE OF CONTENTS", 0)
    page = 3
    for label, title in entries:
        if label.startswith("PART"):
            lay.add(Para(f"{label}"))
            continue
        lay.add(Para(f"{label}. {title} {page}"))
        page += 2


def _years_table(
    c: Company,
    rows: list[tuple[str, list[int], bool]],
    years: list[int],
    label: str,
    dollar_first: bool = True,
) -> Table:
    t = Table(
        rows=[Row(lab, [table_num(v, c.unit) for v in vals], bold) for lab, vals, bold in rows],
        header=[str(y) for y in years],
        header_label=label,
    )
    if dollar_first and rows:
        t.dollar_rows = {0} | {i for i, (_, _, b) in enumerate(rows) if b and i == len(rows) - 1}
    return t


def _scale_line(c: Company, extra: str = "") -> Para:
    return Para(f"(in {c.scale_word}{extra})")


# ----------------------------------------------------------------------------------------
# 10-K


def build_10k(rng: random.Random, books: CompanyBooks, fy: int) -> Filing:
    c = books.company
    a, p1, p2 = books.years[fy], books.years[fy - 1], books.years[fy - 2]
    fye = fiscal_year_end(c, fy)
    lay = Layout()
    doc_name = f"{c.doc_prefix}_{fy}_10K"
    f = Filing(doc_name, "10-K", c, fy, f"FY{fy}", fye, lay, _dei(c, "10-K", fy, "FY", fye))
    ng_name, ng_abbr = NON_GAAP_NAMES[int(c.cik) % len(NON_GAAP_NAMES)]
    fyw = fy_end_words(c)
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
    f.notes = {k: i for i, k in enumerate(note_keys, 1)}
    n = f.notes

    _cover(lay, c, "10-K", f"For the fiscal year ended {long_date(fye)}", "ANNUAL")
    items = [
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
    _toc(lay, items)

    # ---- Part I
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

    # ---- Part II
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

    # MD&A
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
    # vocabulary: the filing's own name for its non-GAAP measure
    lay.heading("Non-GAAP Financial Measures", 2)
    lay.para(
        f'We use {ng_name} ("{ng_abbr}") to evaluate operating performance. {ng_abbr} is operating income excluding depreciation and amortization, '
        f"restructuring charges and litigation charges. {ng_abbr} is not a measure under generally accepted accounting principles and should not be considered in isolation."
    )
    lay.add(_scale_line(c), keep_lines=8)
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

    # ---- Item 8
    lay.new_page()
    lay.heading("Item 8. Financial Statements and Supplementary Data")
    lay.heading("Report of Independent Registered Public Accounting Firm", 2)
    lay.para(
        f"To the Stockholders and the Board of Directors of {c.name}: We have audited the accompanying consolidated balance sheets of {c.name} as of {long_date(fye)} and {long_date(fiscal_year_end(c, fy - 1))}, and the related consolidated statements of operations and cash flows for each of the three years in the period ended {long_date(fye)}, and the related notes. In our opinion, the financial statements present fairly, in all material respects, the financial position of the Company."
    )
    yrs3 = [fy, fy - 1, fy - 2]
    yl = f"Years Ended {fyw}"  # no trailing comma: see the 10-Q period line

    lay.new_page()
    lay.add(Para(c.name))
    lay.heading("CONSOLIDATED STATEMENTS OF OPERATIONS", 2)
    lay.add(_scale_line(c, ", except per share amounts"), keep_lines=8)
    ys = [a, p1, p2]
    inc = _years_table(
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

    lay.new_page()
    lay.add(Para(c.name))
    lay.heading("CONSOLIDATED BALANCE SHEETS", 2)
    lay.add(_scale_line(c), keep_lines=8)
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

    lay.new_page()
    lay.add(Para(c.name))
    lay.heading("CONSOLIDATED STATEMENTS OF CASH FLOWS", 2)
    lay.add(_scale_line(c), keep_lines=8)
    cf = _years_table(
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

    # ---- Notes
    lay.new_page()
    lay.heading("NOTES TO CONSOLIDATED FINANCIAL STATEMENTS", 2)
    for key in note_keys:
        _note_10k(rng, lay, f, key, a, p1, ctx)

    # ---- rest of Part II, Parts III and IV
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
    return f


def _note_10k(
    rng: random.Random, lay: Layout, f: Filing, key: str, a: Annual, p1: Annual, ctx: dict
) -> None:
    c, n, fy = f.company, f.notes, f.fiscal_year
    fye = long_date(f.period_end)
    num = n[key]

    def head(title: str) -> None:
        lay.heading(f"Note {num} \u2014 {title}", 2)

    if key == "policies":
        head("Summary of Significant Accounting Policies")
        lay.para(
            f"Basis of presentation. The consolidated financial statements include the accounts of {c.name} and its wholly owned subsidiaries. Our fiscal year ends on {fy_end_words(c)}."
        )
        lay.para(
            "Use of estimates. The preparation of financial statements requires management to make estimates and assumptions that affect the reported amounts of assets, liabilities, revenue and expenses."
        )
        lay.para(
            f"Discontinued operations. The results of the business we agreed to sell are presented as discontinued operations; see Note {n['discontinued']}."
        )
    elif key == "revenue":
        head("Revenue")
        lay.para(
            "We recognize revenue when control of promised goods or services transfers to customers. The following table presents revenue by segment:"
        )
        lay.add(_scale_line(c), keep_lines=8)
        lay.table(
            Table(
                rows=[
                    Row(
                        c.segments[0],
                        [
                            table_num(a.segment_revenue[0], c.unit),
                            table_num(p1.segment_revenue[0], c.unit),
                        ],
                    ),
                    Row(
                        c.segments[1],
                        [
                            table_num(a.segment_revenue[1], c.unit),
                            table_num(p1.segment_revenue[1], c.unit),
                        ],
                    ),
                    Row(
                        "Total net revenue",
                        [table_num(a.revenue, c.unit), table_num(p1.revenue, c.unit)],
                        True,
                    ),
                ],
                header=[str(fy), str(fy - 1)],
                dollar_rows={0, 2},
            )
        )
    elif key == "acquisitions":
        head("Acquisitions")
        lay.para(
            f"During fiscal {fy}, we acquired a privately held {ctx['industry_l']} business for total consideration of {money_words(-a.acquisitions or c.unit * 100)}, most of which was allocated to goodwill and intangible assets."
        )
    elif key == "inventories":
        head("Inventories")
        lay.add(_scale_line(c), keep_lines=8)
        raw = round(a.inventory * 0.4 / c.unit) * c.unit
        lay.table(
            Table(
                rows=[
                    Row("Raw materials", [table_num(raw, c.unit)]),
                    Row("Finished goods", [table_num(a.inventory - raw, c.unit)]),
                    Row("Total inventories", [table_num(a.inventory, c.unit)], True),
                ],
                header=[str(fy)],
                dollar_rows={0, 2},
            )
        )
    elif key == "ppe":
        head("Property, Plant and Equipment")
        lay.para(
            f"Property, plant and equipment, net was {money_words(a.ppe)} at {fye}. Depreciation expense is recorded on a straight-line basis over the estimated useful lives of the assets."
        )
    elif key == "goodwill":
        head("Goodwill and Intangible Assets")
        lay.para(
            f"Goodwill was {money_words(a.goodwill)} at {fye}. We test goodwill for impairment annually in the fourth quarter; no impairment was recorded in fiscal {fy}."
        )
    elif key == "debt":
        head("Debt")
        lay.para(
            f"Total debt was {money_words(a.long_term_debt + a.debt_current)} at {fye}, of which {money_words(a.debt_current)} is due within one year. Our revolving credit facility matures in {fy + 4}."
        )
    elif key == "leases":
        head("Leases")
        lay.para(
            f"We lease offices, warehouses and equipment under operating leases. Operating lease cost was {money_words(a.lease_expense)} in fiscal {fy}. Lease liabilities of continuing operations were as follows:"
        )
        lay.add(_scale_line(c), keep_lines=8)
        lay.table(
            Table(
                rows=[
                    Row(
                        "Current operating lease liabilities", [table_num(a.lease_current, c.unit)]
                    ),
                    Row(
                        "Noncurrent operating lease liabilities",
                        [table_num(a.lease_noncurrent, c.unit)],
                    ),
                    Row(
                        "Total operating lease liabilities",
                        [table_num(a.lease_total, c.unit)],
                        True,
                    ),
                ],
                header=[str(fy)],
                dollar_rows={0, 2},
            )
        )
        lay.mark("lease_total", table_num(a.lease_total, c.unit))
        lay.para(
            f"The amounts above exclude the leases of our discontinued operations, which are presented within liabilities of discontinued operations. See Note {n['discontinued']}."
        )
        f.refs.append((f"Note {n['discontinued']}", lay.page))
    elif key == "restructuring":
        head("Restructuring")
        lay.para(
            "Restructuring charges consist of severance and facility exit costs. Charges by fiscal year were as follows:"
        )
        lay.add(_scale_line(c), keep_lines=8)
        lay.table(
            Table(
                rows=[
                    Row(
                        "Severance and benefits",
                        [
                            table_num(round(a.restructuring * 0.6 / c.unit) * c.unit, c.unit),
                            table_num(round(p1.restructuring * 0.6 / c.unit) * c.unit, c.unit),
                        ],
                    ),
                    Row(
                        "Facility exit costs",
                        [
                            table_num(
                                a.restructuring - round(a.restructuring * 0.6 / c.unit) * c.unit,
                                c.unit,
                            ),
                            table_num(
                                p1.restructuring - round(p1.restructuring * 0.6 / c.unit) * c.unit,
                                c.unit,
                            ),
                        ],
                    ),
                    Row(
                        "Total restructuring charges",
                        [table_num(a.restructuring, c.unit), table_num(p1.restructuring, c.unit)],
                        True,
                    ),
                ],
                header=[str(fy), str(fy - 1)],
                dollar_rows={0, 2},
            )
        )
        lay.mark("restructuring_table", table_num(p1.restructuring, c.unit))
    elif key == "taxes":
        head("Income Taxes")
        rate = a.tax / a.pretax * 100 if a.pretax else 0.0
        lay.para(
            f"The provision for income taxes was {money_words(a.tax)} in fiscal {fy}, an effective tax rate of {rate:.1f}%. The effective rate differs from the U.S. federal statutory rate of 21% primarily because of state taxes and foreign earnings taxed at different rates."
        )
    elif key == "discontinued":
        # the causal chain must cross pages: the Leases note points here with "See Note N"
        if lay.anchors.get("lease_total") and lay.anchors["lease_total"].page == lay.page:
            lay.new_page()
        head("Discontinued Operations")
        # a month inside fiscal year fy (two to four months before its end)
        ty, tm = add_months(fy, c.fye_month, -rng.randrange(2, 5))
        when = f"{month_name[tm]} {ty}"
        sd, st = money_words(a.disc_lease), money_words(a.terminated_lease)
        biz = rng.choice(["consumer", "field service", "wholesale", "specialty coatings"])
        lay.para(
            rng.choice(
                [
                    f"In fiscal {fy - 1}, we agreed to sell our legacy {biz} business, which is presented as discontinued operations. "
                    f"At {fye}, lease liabilities of the discontinued operations were {sd}.",
                    f"Our former {biz} business is reported as discontinued operations following our decision in fiscal {fy - 1} to exit it. "
                    f"Its operating lease liabilities, which are classified within liabilities of discontinued operations, totaled {sd} at {fye}.",
                ]
            ),
            anchor="disc_lease",
            snippet=sd,
        )
        lay.para(
            rng.choice(
                [
                    f"In {when}, we terminated leases of the discontinued operations with remaining obligations of {st}; these obligations were released on termination and are included in the amount above.",
                    f"During {when}, we exited several facilities of the discontinued business and terminated the related leases, releasing remaining lease obligations of {st}, which are included in the lease liabilities stated above.",
                ]
            ),
            anchor="terminated_lease",
            snippet=st,
        )
    elif key == "contingencies":
        head("Commitments and Contingencies")
        sn = money_words(a.lit_note)
        lay.para(
            f"Purchase obligations. We had non-cancelable purchase commitments of {money_words(round(a.cost * 0.05 / c.unit) * c.unit)} at {fye}."
        )
        who = rng.choice(
            ["Orrin Technologies", "Calder Systems", "Tesserine Labs", "Pemberly Holdings"]
        )
        lay.para(
            rng.choice(
                [
                    f"Legal matters. We are a defendant in a patent infringement action brought by {who}. "
                    f"We recorded a liability of {sn} related to this action as of {fye}. The matter described in Part I, Item 3 is not included in this amount.",
                    f"Legal matters. {who} has alleged that certain of our products infringe its patents. "
                    f"Our accrued liabilities include {sn} for this claim at {fye}; this amount does not include the matter described in Part I, Item 3.",
                    f"Legal matters. In an arbitration with {who}, a former distributor, we recognized a loss contingency of {sn} as of {fye}. "
                    f"Matters described under Legal Proceedings in Part I, Item 3 are accrued separately.",
                ]
            ),
            anchor="lit_note",
            snippet=sn,
        )
        lay.para(f"For a matter settled after the balance sheet date, see Note {n['subsequent']}.")
        f.refs.append((f"Note {n['subsequent']}", lay.page))
    elif key == "segments":
        head("Segment Information")
        lay.para(
            f"We report two segments, {c.segments[0]} and {c.segments[1]}. Segment revenue is presented in Note {n['revenue']}."
        )
    elif key == "subsequent":
        # fragmentation: the third piece on another page than the contingencies note
        if lay.anchors.get("lit_note") and lay.anchors["lit_note"].page == lay.page:
            lay.new_page()
        head("Subsequent Events")
        ss = money_words(a.lit_subsequent)
        d = f.period_end + timedelta(days=rng.randrange(20, 45))
        lay.para(
            rng.choice(
                [
                    f"On {long_date(d)}, we agreed to settle a previously undisclosed product liability claim for {ss}, payable in the first quarter of fiscal {fy + 1}. ",
                    f"After the end of the fiscal year, on {long_date(d)}, we reached an agreement to resolve a customer warranty dispute for a payment of {ss}. ",
                    f"On {long_date(d)}, a court approved our settlement of a wage-and-hour class action for {ss}, which we expect to pay during fiscal {fy + 1}. ",
                ]
            )
            + "We have evaluated subsequent events through the date these financial statements were issued.",
            anchor="lit_subsequent",
            snippet=ss,
        )


# ----------------------------------------------------------------------------------------
# 10-Q


def build_10q(rng: random.Random, books: CompanyBooks, fy: int, q: int) -> Filing:
    c = books.company
    cur, prv = books.quarters[(fy, q)], books.quarters[(fy - 1, q)]
    a = books.years[fy]
    prev = books.years[fy - 1]
    qe = quarter_end(c, fy, q)
    qe1 = quarter_end(c, fy - 1, q)
    lay = Layout()
    doc_name = f"{c.doc_prefix}_{fy}Q{q}_10Q"
    f = Filing(doc_name, "10-Q", c, fy, f"Q{q} {fy}", qe, lay, _dei(c, "10-Q", fy, f"Q{q}", qe))
    f.notes = {"basis": 1, "revenue": 2, "debt": 3, "contingencies": 4, "subsequent": 5}
    _cover(lay, c, "10-Q", f"For the quarterly period ended {long_date(qe)}", "QUARTERLY")
    lay.new_page()
    lay.heading("PART I \u2014 FINANCIAL INFORMATION")
    lay.heading("Item 1. Financial Statements")
    lay.new_page()
    lay.add(Para(c.name))
    lay.heading("CONDENSED CONSOLIDATED STATEMENTS OF OPERATIONS (Unaudited)", 2)
    ytd = [books.quarters[(fy, k)] for k in range(1, q + 1)]
    ytd1 = [books.quarters[(fy - 1, k)] for k in range(1, q + 1)]

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
    lay.add(_scale_line(c, ", except per share amounts"), keep_lines=8)
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
    lay.new_page()
    lay.add(Para(c.name))
    lay.heading("CONDENSED CONSOLIDATED BALANCE SHEETS (Unaudited)", 2)
    lay.add(_scale_line(c), keep_lines=8)
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
    return f


# ----------------------------------------------------------------------------------------
# 8-K earnings release


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
    _cover(
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
    lay.add(_scale_line(c, ", except per share amounts"), keep_lines=8)
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


def _dei(c: Company, form: str, fy: int, fp: str, end: date) -> dict[str, str]:
    return {
        "DocumentType": form,
        "DocumentFiscalYearFocus": str(fy),
        "DocumentFiscalPeriodFocus": fp,
        "DocumentPeriodEndDate": long_date(end),
        "EntityRegistrantName": c.name,
        "EntityCentralIndexKey": c.cik,
        "TradingSymbol": c.ticker,
    }
