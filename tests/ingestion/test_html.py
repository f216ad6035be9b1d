"""EDGAR HTML / inline XBRL: a filing made by the test, then the real EDGAR files."""

from __future__ import annotations

import pytest

from docnav.ingestion.html import looks_like_html, parse_html_filing
from docnav.ingestion.pipeline import sniff_type

BREAK = '<hr style="page-break-after:always"/>'


def _filler(n: int) -> str:
    return "".join(
        f"<p>The Company designs and sells widgets in many markets around the world, paragraph {i}.</p>"
        for i in range(n)
    )


def make_filing() -> bytes:
    cover = (
        '<div style="display:none"><ix:header><ix:hidden>'
        '<ix:nonNumeric name="dei:AmendmentFlag">false</ix:nonNumeric></ix:hidden></ix:header></div>'
        "<p>UNITED STATES SECURITIES AND EXCHANGE COMMISSION</p>"
        '<p>FORM <ix:nonNumeric name="dei:DocumentType" contextRef="c">10-K</ix:nonNumeric></p>'
        '<p>For the fiscal year ended <ix:nonNumeric name="dei:DocumentPeriodEndDate" contextRef="c">'
        "December 31, 2023</ix:nonNumeric></p>"
        '<p><ix:nonNumeric name="dei:EntityRegistrantName" contextRef="c">Widget Works, Inc.</ix:nonNumeric></p>'
        '<p>Trading Symbol <ix:nonNumeric name="dei:TradingSymbol" contextRef="c">WDGT</ix:nonNumeric></p>'
        '<p style="display:none"><ix:nonNumeric name="dei:EntityCentralIndexKey" contextRef="c">'
        "0000123456</ix:nonNumeric>"
        '<ix:nonNumeric name="dei:DocumentFiscalYearFocus" contextRef="c">2023</ix:nonNumeric>'
        '<ix:nonNumeric name="dei:DocumentFiscalPeriodFocus" contextRef="c">FY</ix:nonNumeric></p>'
    )
    part1 = "<p><b>PART I</b></p><p><b>Item 1. Business</b></p>" + _filler(6)
    risk = "<p><b>Item 1A. Risk Factors</b></p>" + _filler(6)
    part2 = (
        "<p><b>PART II</b></p><p><b>Item 7. Management's Discussion and Analysis of Financial Condition "
        "and Results of Operations</b></p>"
        + _filler(4)
        + "<p>Our leases are described in Note 2.</p>"
    )
    statement = (
        "<p><b>Item 8. Financial Statements and Supplementary Data</b></p>"
        '<p style="page-break-before:always"><b>CONSOLIDATED STATEMENTS OF OPERATIONS</b></p>'
        "<p>(In millions, except per share amounts)</p>"
        "<table>"
        "<tr><td></td><td>2023</td><td>2022</td><td>2021</td></tr>"
        "<tr><td>Net sales</td><td>$</td><td>1,200</td><td>$</td><td>1,100</td><td>$</td><td>1,000</td></tr>"
        "<tr><td>Cost of sales</td><td>(700</td><td>)</td><td>(650</td><td>)</td><td>(600</td><td>)</td></tr>"
        "<tr><td>Operating income</td><td>500</td><td>450</td><td>400</td></tr>"
        "<tr><td>Net income</td><td>$</td><td>380</td><td>$</td><td>340</td><td>$</td><td>300</td></tr>"
        "</table>"
    )
    notes = (
        '<p style="page-break-before:always"><b>NOTES TO CONSOLIDATED FINANCIAL STATEMENTS</b></p>'
        "<p><b>Note 1 — Summary of Significant Accounting Policies</b></p>"
        + _filler(3)
        + "<p>See Note 2 for lease obligations.</p>"
        + "<p><b>Note 2 — Leases</b></p>"
        + _filler(3)
    )
    body = BREAK.join([cover, part1, risk, part2, statement + notes])
    return f"<html><head><title>10-K</title></head><body>{body}</body></html>".encode()


@pytest.fixture(scope="module")
def filing():
    return parse_html_filing(make_filing())


def test_sniffing():
    data = make_filing()
    assert looks_like_html(data) and sniff_type(data, ".htm") == "html"
    assert not looks_like_html(b"%PDF-1.7 ...")


def test_pages_split_at_css_page_breaks(filing):
    assert len(filing.pages) == 7
    assert "FORM 10-K" in filing.pages[0]
    assert filing.pages[5].startswith("CONSOLIDATED STATEMENTS OF OPERATIONS")
    assert (
        "AmendmentFlag" not in filing.pages[0] and "false" not in filing.pages[0]
    )  # hidden header


def test_meta_from_inline_xbrl(filing):
    m = filing.meta
    assert (m.company, m.ticker, m.cik, m.form, m.fiscal_year, m.fiscal_period) == (
        "Widget Works, Inc.",
        "WDGT",
        "0000123456",
        "10-K",
        2023,
        "FY2023",
    )
    assert str(m.period_end) == "2023-12-31"
    assert set(m.sources.values()) == {"xbrl"}
    assert filing.xbrl_fact_count >= 8


def test_sections_with_pages(filing):
    by_label = {s.label: s for s in filing.structure.sections if s.label}
    for label, page in (
        ("Part I", 1),
        ("Item 1", 1),
        ("Item 1A", 2),
        ("Part II", 3),
        ("Item 7", 3),
        ("Item 8", 4),
    ):
        assert by_label[label].page_start == page, label
    assert by_label["Note 1"].page_start == 6 and by_label["Note 2"].page_start == 6
    assert by_label["Note 1"].parent == by_label["Item 8"].id
    assert by_label["Income Statement"].page_start == 5


def test_table_is_one_block_with_rows_and_headers(filing):
    tables = [b for b in filing.structure.blocks if b.type == "table"]
    assert len(tables) == 1
    t = tables[0]
    assert t.scale == 1e6
    for row in (
        "Net sales $ 1,200 $ 1,100 $ 1,000",
        "Cost of sales (700) (650) (600)",
        "Net income",
    ):
        assert row in t.text
    assert any("2023" in h and "2021" in h for h in t.headers) or "2023 2022 2021" in t.text


@pytest.mark.shared
def test_real_apple_10k(edgar_dir):
    f = parse_html_filing((edgar_dir / "aapl-10-k-2024-11-01.html").read_bytes())
    m = f.meta
    assert (m.company, m.ticker, m.cik, m.form, m.fiscal_period) == (
        "Apple Inc.",
        "AAPL",
        "0000320193",
        "10-K",
        "FY2024",
    )
    items = [s for s in f.structure.sections if s.kind == "item"]
    labels = [s.label for s in items]
    for want in (
        "Item 1",
        "Item 1A",
        "Item 1C",
        "Item 5",
        "Item 7",
        "Item 7A",
        "Item 8",
        "Item 9A",
        "Item 15",
        "Item 16",
    ):
        assert want in labels
    starts = [s.page_start for s in items]
    assert starts == sorted(starts) and starts[0] > 0  # in order, the cover is not an Item
    assert sum(s.kind == "note" for s in f.structure.sections) >= 10
    assert sum(b.type == "table" for b in f.structure.blocks) >= 30
    assert f.warnings == []  # edgartools finds no Item that the page rules missed


@pytest.mark.shared
def test_real_coca_cola_10q(edgar_dir):
    f = parse_html_filing((edgar_dir / "ko-10-q-2025-07-24.html").read_bytes())
    assert (f.meta.form, f.meta.fiscal_period, f.meta.ticker) == ("10-Q", "Q2 2025", "KO")
    by_id = {s.id: s for s in f.structure.sections}
    pairs = {
        (by_id[s.parent].label if s.parent else None, s.label)
        for s in f.structure.sections
        if s.kind == "item"
    }
    assert {
        ("Part I", "Item 1"),
        ("Part I", "Item 2"),
        ("Part II", "Item 1A"),
        ("Part II", "Item 6"),
    } <= pairs
