"""Document metadata from content: synthetic covers, precedence, and the FinanceBench dev set."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from docnav.ingestion.metadata import (
    company_matches,
    extract_metadata,
    former_names,
    load_sidecar,
    normalize_form,
)
from docnav.types import DocumentMeta

FINANCEBENCH = Path(__file__).resolve().parents[2].parent / "shared" / "financebench"

TENK_CALENDAR = """UNITED STATES
SECURITIES AND EXCHANGE COMMISSION
Washington, D.C. 20549
FORM 10-K
☒ ANNUAL REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934
For the fiscal year ended December 31, 2018
Commission file number 1-3285
ACME WIDGETS CORPORATION
(Exact name of registrant as specified in its charter)
Delaware 41-0417775
Securities registered pursuant to Section 12(b) of the Act:
Title of each class Trading Symbol(s) Name of each exchange on which registered
Common Stock, Par Value $.01 Per Share ACME New York Stock Exchange
Central Index Key: 0000066740
Indicate by check mark if the registrant is a well-known seasoned issuer. Yes ☒ No ☐
"""

SIGNATURES = """SIGNATURES
Pursuant to the requirements of Section 13 or 15(d) of the Securities Exchange Act of 1934,
the registrant has duly caused this report to be signed on its behalf by the undersigned,
thereunto duly authorized.
ACME WIDGETS CORPORATION
By: /s/ Jane Doe
Date: February 7, 2019
"""

TENK_JANUARY = """UNITED STATES
SECURITIES AND EXCHANGE COMMISSION
Washington, D.C. 20549
FORM 10-K
☒ Annual report pursuant to section 13 or 15(d) of the Securities Exchange Act of 1934
For the fiscal year ended January 30, 2021
Commission file number 001-6991.
SHOPMART STORES, INC.
(Exact name of registrant as specified in its charter)
Indicate by check mark if the registrant is a well-known seasoned issuer. Yes ☒ No ☐
"""

TENQ = """UNITED STATES
SECURITIES AND EXCHANGE COMMISSION
Washington, D.C. 20549
FORM 10-Q
☒ QUARTERLY REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934
For the quarterly period ended December 31, 2023
Commission File Number 001-38932
Packaging Group plc
(Exact name of Registrant as specified in its charter)
Title of each class Trading symbol(s) Name of each exchange on which registered
Ordinary Shares, par value $0.01 per share PKG New York Stock Exchange
"""
TENQ_STATEMENTS = """Condensed Consolidated Statements of Income (Unaudited)
Three Months Ended December 31, Six Months Ended December 31,
($ in millions) 2023 2022 2023 2022
Net sales 3,000 3,100 6,000 6,200
"""

EIGHTK = """UNITED STATES
SECURITIES AND EXCHANGE COMMISSION
Washington, D.C. 20549
FORM 8-K
CURRENT REPORT
Pursuant to Section 13 or 15(d) of the Securities Exchange Act of 1934
Date of Report (Date of earliest event reported): April 24, 2023
GADGET HOUSE CO., INC.
(Exact name of registrant as specified in its charter)
Minnesota 1-9595 41-0907483
Title of each class Trading symbol Name of exchange on which registered
Common Stock, $0.10 par value per share GHC New York Stock Exchange
Item 5.02 Departure of Directors or Certain Officers.
"""

RELEASE = """Gadget House Reports Fourth Quarter and Fiscal 2023 Results
Comparable Sales Declined 9.3%
MINNEAPOLIS, March 2, 2023 -- Gadget House Co., Inc. (NYSE: GHC) today announced results for
the 13-week fourth quarter ended January 28, 2023 ("Q4 FY23"), as compared to the prior year.
The company's Annual Report on Form 10-K filed with the Securities and Exchange Commission ...
"""


def test_10k_calendar_year():
    m = extract_metadata([TENK_CALENDAR, "Item 1. Business", SIGNATURES])
    assert m.form == "10-K"
    assert company_matches(m.company, "Acme Widgets")
    assert m.company == "Acme Widgets Corporation"
    assert m.ticker == "ACME"
    assert m.cik == "0000066740"
    assert m.fiscal_year == 2018 and m.fiscal_period == "FY2018"
    assert m.period_end == date(2018, 12, 31)
    assert m.filing_date == date(2019, 2, 7)
    assert all(
        m.sources[k] == "content"
        for k in ("company", "form", "fiscal_year", "period_end", "ticker")
    )


def test_commission_file_number_is_not_a_cik():
    m = extract_metadata([TENK_CALENDAR.replace("Central Index Key: 0000066740\n", "")])
    assert m.cik is None and "cik" not in m.sources


def test_10k_fiscal_year_ending_january():
    # no label on the cover: the year of the period end
    m = extract_metadata([TENK_JANUARY])
    assert m.fiscal_year == 2021 and m.period_end == date(2021, 1, 30)
    assert m.company == "Shopmart Stores, Inc."
    # the filing's own label wins when tied to the period end (retail "previous year" convention)
    body = 'Our fiscal year ended January 30, 2021 ("fiscal 2020") included 52 weeks.'
    m = extract_metadata([TENK_JANUARY, body])
    assert m.fiscal_year == 2020 and m.fiscal_period == "FY2020"
    # a 52/53-week year closing in the first days of January belongs to the previous year
    m = extract_metadata([TENK_JANUARY.replace("January 30, 2021", "January 2, 2021")])
    assert m.fiscal_year == 2020


def test_10q_fiscal_year_and_quarter():
    m = extract_metadata([TENQ, TENQ_STATEMENTS])
    assert m.form == "10-Q"
    assert m.company == "Packaging Group plc" and m.ticker == "PKG"
    assert m.period_end == date(2023, 12, 31)
    # six months ended December -> Q2 of a fiscal year ending June 2024
    assert m.fiscal_period == "Q2 2024" and m.fiscal_year == 2024


def test_8k():
    m = extract_metadata([EIGHTK])
    assert m.form == "8-K"
    assert m.company == "Gadget House Co., Inc." and m.ticker == "GHC"
    assert m.filing_date == date(2023, 4, 24)
    assert m.fiscal_year == 2023 and m.fiscal_period is None


def test_bare_earnings_release():
    m = extract_metadata([RELEASE])
    assert m.form == "EARNINGS"
    assert m.company == "Gadget House Co., Inc." and m.ticker == "GHC"
    assert m.fiscal_period == "Q4 2023" and m.fiscal_year == 2023
    assert m.period_end == date(2023, 1, 28)
    assert m.filing_date == date(2023, 3, 2)


def test_missing_fields_stay_none():
    m = extract_metadata(["Minutes of the garden club meeting.", "Nothing about filings here."])
    for f in (
        "company",
        "ticker",
        "cik",
        "form",
        "fiscal_year",
        "fiscal_period",
        "period_end",
        "filing_date",
    ):
        assert getattr(m, f) is None
    assert m.sources == {}
    assert extract_metadata([]).sources == {}


def test_filename_is_only_a_fallback():
    m = extract_metadata(["no cover here"], file_name="ACME_2019Q3_10Q.pdf")
    assert (m.form, m.fiscal_year, m.fiscal_period) == ("10-Q", 2019, "Q3 2019")
    assert m.sources["form"] == m.sources["fiscal_year"] == "filename"
    assert m.company == "ACME" and m.sources["company"] == "filename"
    # content beats a misleading file name
    m = extract_metadata([TENK_CALENDAR], file_name="OTHER_2021_8K.pdf")
    assert (m.form, m.fiscal_year) == ("10-K", 2018)
    assert m.sources["form"] == "content" and company_matches(m.company, "Acme Widgets")


def test_sidecar_fills_gaps():
    sc = {
        "doc_name": "GADGET_2023Q2_10Q",
        "company": "Gadget House",
        "doc_type": "10q",
        "doc_period": 2024,
    }
    m = extract_metadata(["no cover here"], file_name="x.pdf", sidecar=sc)
    assert (m.company, m.form, m.fiscal_year, m.fiscal_period) == (
        "Gadget House",
        "10-Q",
        2024,
        "Q2 2023",
    )
    assert {m.sources[k] for k in ("company", "form", "fiscal_year")} == {"sidecar"}
    # content first: the sidecar only fills what content leaves empty
    m = extract_metadata(
        [EIGHTK], sidecar={"company": "Other", "doc_type": "10k", "doc_period": 1999}
    )
    assert m.form == "8-K" and m.fiscal_year == 2023 and m.sources["form"] == "content"


def test_hints_take_precedence_and_keep_their_source():
    hints = DocumentMeta(
        fiscal_year=2020, fiscal_period="FY2020", cik="0000320193", sources={"fiscal_year": "xbrl"}
    )
    m = extract_metadata([TENK_CALENDAR], hints=hints)
    assert m.fiscal_year == 2020 and m.sources["fiscal_year"] == "xbrl"
    assert m.cik == "0000320193" and m.sources["cik"] == "xbrl"  # defaults to "xbrl"
    assert m.period_end == date(2018, 12, 31) and m.sources["period_end"] == "content"


def test_normalize_form():
    assert normalize_form("10k") == "10-K"
    assert normalize_form("10k_annualreport") == "10-K"
    assert normalize_form("10-Q/A") == "10-Q"
    assert normalize_form("8k") == "8-K"
    assert normalize_form("Earnings") == "EARNINGS"
    assert normalize_form("") is None and normalize_form("brochure") is None


def test_company_matches():
    assert company_matches("3M Company", "3M")
    assert company_matches("PFIZER INC.", "Pfizer")
    assert company_matches("Best Buy Co., Inc.", "Best Buy")
    assert company_matches("BESTBUY", "Best Buy Co., Inc.")
    assert company_matches("Costco Wholesale Corporation", "Costco")
    assert company_matches("Wal-Mart Stores, Inc.", "Walmart")
    assert company_matches("The Procter & Gamble Company", "procter and gamble")
    assert company_matches("Amcor plc", "AMCOR")
    assert not company_matches("Corning Incorporated", "Costco")
    assert not company_matches("Square, Inc.", "Block")
    assert not company_matches(None, "Block")
    # former names only through an explicit alias table, e.g. built from the filings' own text
    aliases = {
        "Block, Inc.": former_names(
            ["On December 1, 2021, we changed our name from Square to Block."]
        )
    }
    assert aliases["Block, Inc."] == ["Square"]
    assert company_matches("Square, Inc.", "Block", aliases)


def test_load_sidecar(tmp_path: Path):
    p = tmp_path / "documents.jsonl"
    rows = [
        {"doc_name": "A_2019_10K", "company": "A", "doc_type": "10k", "doc_period": 2019},
        {"doc_name": "B"},
    ]
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    sc = load_sidecar(p)
    assert set(sc) == {"A_2019_10K", "B"} and sc["A_2019_10K"]["doc_period"] == 2019


# ---------------------------------------------------------------------------------------------
# FinanceBench dev set: content alone (no file name, no sidecar)

_PAGES = 8  # cover pages read per PDF (enough for the cover and the first statements)


@pytest.mark.shared
def test_financebench_from_content_alone():
    if not (FINANCEBENCH / "pdfs").is_dir():
        pytest.skip(
            f"{FINANCEBENCH} is absent: put the project's shared/ folder beside the repo to run this"
        )
    import pypdfium2 as pdfium

    from docnav.ingestion.pdf import normalise_pdf_text

    truth = load_sidecar(FINANCEBENCH / "documents.jsonl")
    metas: dict[str, DocumentMeta] = {}
    pages_of: dict[str, list[str]] = {}
    for pdf_path in sorted((FINANCEBENCH / "pdfs").glob("*.pdf")):
        pdf = pdfium.PdfDocument(str(pdf_path))
        try:
            n = len(pdf)
            idx = list(range(min(_PAGES, n)))
            # the signature page sits near the end of short filings; take a few tail pages too
            idx += [i for i in range(max(_PAGES, n - 3), n)]
            pages = []
            for i in idx:
                tp = pdf[i].get_textpage()
                pages.append(normalise_pdf_text(tp.get_text_range()))  # as read_pdf_pages does
                tp.close()
        finally:
            pdf.close()
        metas[pdf_path.stem] = extract_metadata(pages)  # no file name, no sidecar
        pages_of[pdf_path.stem] = pages
    assert len(metas) == 128

    # former names stated in the filings themselves ("we changed our name from Square to Block")
    aliases: dict[str, list[str]] = {}
    for stem, m in metas.items():
        if m.company:
            aliases.setdefault(m.company, []).extend(former_names(pages_of[stem], m.company))

    def right(stem: str, m: DocumentMeta, use_aliases: bool) -> tuple[bool, bool, bool]:
        t = truth[stem]
        return (
            company_matches(m.company, t["company"], aliases if use_aliases else None),
            m.form == normalize_form(t["doc_type"]),
            m.fiscal_year == int(t["doc_period"]),
        )

    results = {stem: right(stem, m, True) for stem, m in metas.items()}
    n = len(results)
    company = sum(r[0] for r in results.values()) / n
    form = sum(r[1] for r in results.values()) / n
    year = sum(r[2] for r in results.values()) / n
    overall = sum(all(r) for r in results.values()) / n
    misses = [
        f"{s}: {metas[s].company} {metas[s].form} {metas[s].fiscal_year}"
        for s, r in results.items()
        if not all(r)
    ]
    # measured with these pages: company 98.4% (Foot Locker 10-Ks: logo cover, signature page not
    # read here), form 100%, fiscal year 96.1% (Ulta/Foot Locker label a fiscal year by its start,
    # FinanceBench by its end), overall 94.5%; 89.8% without the former-name aliases (Square -> Block)
    assert company >= 0.97, misses
    assert form >= 0.97, misses
    assert year >= 0.93, misses
    assert overall >= 0.93, misses
    no_alias = sum(all(right(s, m, False)) for s, m in metas.items()) / n
    assert no_alias >= 0.88, misses
    # speed is measured by `docnav bench ingest`, not asserted here (machines are noisy)
