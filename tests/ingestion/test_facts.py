"""Statement facts: table rebuilding from positions, periods, scales, units, and real filings
(FinanceBench PDFs, EDGAR iXBRL) end to end through the store."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from docnav.ingestion.facts import pdf_facts, scale_of
from docnav.ingestion.facts_labels import normalise_label, row_unit
from docnav.ingestion.facts_layout import Line, Word, group_lines
from docnav.ingestion.facts_periods import period_from_dates, period_of
from docnav.ingestion.facts_table import find_tables, parse_cell
from docnav.ingestion.numbers import number_regex, parse_number
from docnav.ingestion.structure import detect_structure

# ----------------------------------------------------------------- self-made cases


def _line(y: float, *cells: tuple[str, float]) -> list[Word]:
    """Words at x positions (each word ~6 pt per character, 8 pt high)."""
    return [Word(t, x, x + 6 * len(t), y, y + 8) for t, x in cells]


def _table_lines() -> list[Line]:
    words = (
        _line(10, ("(in", 20), ("millions)", 44), ("2019", 300), ("2018", 400))
        + _line(22, ("Revenue", 20), ("$", 280), ("1,234", 300), ("$", 380), ("1,100", 400))
        + _line(34, ("Restructuring", 20), ("—", 424))  # 2019 blank: the dash is 2018's
        + _line(46, ("Proceeds", 20), ("from", 74), ("sale", 104), ("of", 134), ("assets,", 152))
        + _line(55, ("net", 30), ("of", 52), ("tax", 68), ("(45)", 300), ("12", 412))
        + _line(
            67,
            ("Accounts", 20),
            ("receivable", 74),
            ("of", 140),
            ("$95", 156),
            ("80", 312),
            ("70", 412),
        )
    )
    return group_lines(words)


def test_rows_and_columns_from_positions():
    (t,) = find_tables(_table_lines(), width=600)
    assert t.heads == ["2019", "2018"]
    rows = {r.label: {c.column: c.text for c in r.cells} for r in t.rows}
    assert rows["Revenue"] == {0: "$1,234", 1: "$1,100"}
    assert rows["Restructuring"] == {1: "—"}  # placed by position, not by order
    # a wrapped label joined; a number inside a label stays in the label
    assert rows["Proceeds from sale of assets, net of tax"] == {0: "(45)", 1: "12"}
    assert rows["Accounts receivable of $95"] == {0: "80", 1: "70"}


def test_parse_cell_signs_dashes_percent():
    assert parse_cell("(1,577)") == (-1577.0, None)
    assert parse_cell("$(26)") == (-26.0, None)
    assert parse_cell("—") == (0.0, None)
    assert parse_cell("12.5%") == (12.5, "%")
    assert parse_cell("-3.2") == (-3.2, None)
    assert parse_cell("abc") is None


@pytest.mark.parametrize(
    ("head", "caption", "kind", "want"),
    [
        ("2018", "Years ended December 31", "income", "FY2018"),
        ("2018", "At December 31", "balance", "2018-12-31"),
        ("December 31, 2017", "", "balance", "2017-12-31"),
        ("Fiscal 2019", "", "income", "FY2019"),
        ("Three Months Ended September 30, 2024", "", "income", "Q3 2024"),
        ("Nine Months Ended September 30, 2024", "", "cashflow", "9M 2024"),
        ("2019 vs. 2018", "", "income", None),
        ("% Change", "", "income", None),
    ],
)
def test_period_of(head, caption, kind, want):
    assert period_of(head, caption, kind) == want


def test_period_uses_the_filings_fiscal_calendar():
    # Amcor's fiscal Q2 2023 ends 2022-12-31: the column is Q2 2023, its year-ago Q2 2022
    end = date(2022, 12, 31)
    head = "Three Months Ended December 31, 2022"
    assert period_of(head, "", "income", "Q2 2023", end) == "Q2 2023"
    assert period_of(head.replace("2022", "2021"), "", "income", "Q2 2023", end) == "Q2 2022"
    assert period_from_dates(date(2022, 10, 1), end, doc_period="Q2 2023", doc_period_end=end) == (
        "Q2 2023"
    )
    assert period_from_dates(None, end, instant=True) == "2022-12-31"
    assert period_from_dates(date(2023, 10, 1), date(2024, 9, 28)) == "FY2024"


def test_scale_line_as_printed():
    sc = scale_of("(Dollars in millions, except per share amount) 2018 2017")
    assert sc.factor == 1e6 and sc.text == "(Dollars in millions, except per share amount)"
    sc = scale_of("($ in millions, except per share amounts; shares in thousands)")
    assert sc.factor == 1e6 and sc.shares_factor == 1e3
    assert scale_of("Net sales 1,234 1,100") is None


def test_units_and_labels():
    assert row_unit("Diluted", "Earnings per share:", None, True) == "USD/share"
    assert row_unit("Basic", "Weighted-average shares outstanding:", None, True) == "shares"
    assert row_unit("Dividends declared ($4.44 per share)", "", None, True) == "USD"
    assert row_unit("Common stock, $.01 par value, shares issued", "", None, True) == "USD"
    assert row_unit("Gross margin", "", "%", True) == "%"
    assert normalise_label("Balance Shee t (1)") == "balance sheet"
    assert normalise_label("Diluted", "Earnings per share:") == "earnings per share diluted"


def test_number_regex_without_float_noise():
    n = parse_number("$32.8 billion")
    assert n.value == 32_800_000_000.0
    rx = number_regex("$32.8 billion")
    for text in ("32,800,000,000", "$32.8 billion", "32,800 ", "32.8 "):
        assert re.search(rx, text), text


def test_scale_line_above_a_period_head_ending_in_a_comma():
    page = (
        "Some prose paragraph that is long enough to be a sentence of a normal filing here.\n"
        "Selected data\n(in millions)\nYears Ended December 31,\n2019 2018\n"
        "Revenue $ 1,234 $ 1,100\nCost of sales 800 700\nGross profit 434 400\n"
    )
    tables = [b for b in detect_structure([page]).blocks if b.type == "table"]
    assert [t.scale for t in tables] == [1e6]


def test_scale_line_separated_by_a_page_break():
    pages = [
        "Intro paragraph of the note which is long enough to be prose and ends with a period.\n"
        "The table below shows revenue by segment (in millions)\n",
        "Revenue 1,234 1,100\nCost of sales 800 700\nGross profit 434 400\n",
    ]
    tables = [b for b in detect_structure(pages).blocks if b.type == "table"]
    assert [(t.page_start, t.scale) for t in tables] == [(1, 1e6)]


# ----------------------------------------------------------------- real filings


def _pdf_facts(pdf: Path):
    from docnav.ingestion.metadata import extract_metadata
    from docnav.ingestion.pdf import read_pdf_pages

    pages = read_pdf_pages(pdf)
    meta = extract_metadata(pages, file_name=pdf.name)
    st = detect_structure(pages, form=meta.form)
    return pdf_facts(str(pdf), pages, st, meta), st


def _one(facts, label: str, period: str):
    hits = [f for f in facts if f.label == label and f.period == period]
    assert hits, f"no {label!r} {period}"
    return hits[0]


@pytest.mark.shared
def test_3m_2018_statements(fb_pdfs: Path):
    facts, st = _pdf_facts(fb_pdfs / "3M_2018_10K.pdf")
    capex = _one(facts, "Purchases of property, plant and equipment (PP&E)", "FY2018")
    assert capex.value == -1_577_000_000 and capex.statement == "cashflow"
    assert capex.page == 59 and capex.unit == "USD" and capex.scale == "(Millions)"
    assert _one(facts, "Total assets", "2018-12-31").value == 36_500_000_000
    eps = [f for f in facts if f.norm_label.endswith("diluted") and f.period == "FY2018"]
    assert any(f.value == 8.89 and f.unit == "USD/share" for f in eps)
    stmt_pages = {
        p for s in st.sections if s.kind == "statement" for p in range(s.page_start, s.page_end + 1)
    }
    with_facts = {f.page for f in facts if f.page in stmt_pages}
    assert len(with_facts) >= 3


@pytest.mark.shared
def test_fiscal_dates_and_quarters(fb_pdfs: Path):
    facts, _ = _pdf_facts(fb_pdfs / "BESTBUY_2019_10K.pdf")
    assert _one(facts, "Merchandise inventories", "2019-02-02").value == 5_409_000_000
    facts, _ = _pdf_facts(fb_pdfs / "AMCOR_2023Q2_10Q.pdf")
    sales = [f for f in facts if f.label == "Net sales" and f.statement == "income"]
    assert {f.period: f.value for f in sales} == {
        "Q2 2023": 3_642_000_000,
        "Q2 2022": 3_507_000_000,
        "6M 2023": 7_354_000_000,
        "6M 2022": 6_927_000_000,
    }


@pytest.mark.shared
def test_xbrl_facts_from_edgar(edgar_dir: Path):
    from docnav.ingestion.facts_xbrl import xbrl_facts
    from docnav.ingestion.html import parse_html_filing

    data = (edgar_dir / "ko-10-q-2025-07-24.html").read_bytes()
    f = parse_html_filing(data, edgartools_check=False)
    facts = xbrl_facts(data, f.pages, f.structure, f.meta)
    rev = {
        x.period: x.value for x in facts if x.concept == "us-gaap:Revenues" and "[" not in x.label
    }
    assert rev["Q2 2025"] == 12_535_000_000 and rev["6M 2024"] == 23_663_000_000
    assert all(x.source == "xbrl" and 0 <= x.page < len(f.pages) for x in facts)


@pytest.mark.shared
def test_facts_stored_with_the_version_and_kept_on_reingest(fb_pdfs: Path, tmp_path: Path):
    from docnav.ingestion import CorpusStore, ingest_paths

    store = CorpusStore(tmp_path / "store")
    pdf = fb_pdfs / "BESTBUY_2024Q2_10Q.pdf"
    ingest_paths(store, [pdf])
    (doc,) = store.list_documents()
    first = store.facts(doc.doc_id)
    assert first and all(f.doc_id == doc.doc_id for f in first)
    assert (store.doc_dir(doc.doc_id) / "facts.jsonl").exists()
    old_dir = store.doc_dir(doc.doc_id)
    ingest_paths(store, [pdf], force=True)
    assert store.doc_dir(doc.doc_id) != old_dir and not old_dir.exists()
    assert store.facts(doc.doc_id) == first
