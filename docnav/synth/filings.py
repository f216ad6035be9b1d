"""Filings as layouts: the :class:`Filing` record and the parts every form shares (cover
page, table of contents, statement tables, cover facts). The forms are built in
:mod:`~docnav.synth.form_10k` (with :mod:`~docnav.synth.notes_10k`),
:mod:`~docnav.synth.form_10q` and :mod:`~docnav.synth.form_8k`.

Each builder returns a :class:`Filing` whose ``anchors`` say on which page (0-based) each
planted fact was written and with which literal text; :mod:`docnav.synth.plant` turns them
into questions. Prose is drawn from template pools with the corpus' seeded RNG."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from docnav.synth.companies import Company
from docnav.synth.doc import Layout, Para, Row, Table
from docnav.synth.financials import long_date
from docnav.synth.text import table_num


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


def cover(lay: Layout, c: Company, form: str, period_line: str, report_kind: str) -> None:
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


def toc(lay: Layout, entries: list[tuple[str, str]]) -> None:
    lay.new_page()
    lay.heading("TABLE OF CONTENTS", 0)
    page = 3
    for label, title in entries:
        if label.startswith("PART"):
            lay.add(Para(f"{label}"))
            continue
        lay.add(Para(f"{label}. {title} {page}"))
        page += 2


def years_table(
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


def scale_line(c: Company, extra: str = "") -> Para:
    return Para(f"(in {c.scale_word}{extra})")


def dei(c: Company, form: str, fy: int, fp: str, end: date) -> dict[str, str]:
    return {
        "DocumentType": form,
        "DocumentFiscalYearFocus": str(fy),
        "DocumentFiscalPeriodFocus": fp,
        "DocumentPeriodEndDate": long_date(end),
        "EntityRegistrantName": c.name,
        "EntityCentralIndexKey": c.cik,
        "TradingSymbol": c.ticker,
    }
