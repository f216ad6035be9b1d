"""Rows under a block heading carry it (issue 19): "Product" under "Cost of revenue:" is the
cost row, "Product" under "Revenue:" the revenue row. Checked on real FinanceBench PDFs (page
numbers 0-based, as the facts store them) and on self-made lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from docnav.ingestion.facts_labels import normalise_label
from docnav.ingestion.facts_layout import Line, Word, group_lines, pdf_page_lines
from docnav.ingestion.facts_table import Row, find_tables

PDFS = Path("/work/shared/financebench/pdfs")


def _rows(doc: str, page: int) -> list[Row]:
    path = PDFS / f"{doc}.pdf"
    if not path.exists():
        pytest.skip(f"{path} not here")
    lines, width = pdf_page_lines(str(path), [page])[page]
    return [r for t in find_tables(lines, width) for r in t.rows]


def _find(rows: list[Row], label: str, first_cell: str) -> Row:
    return next(r for r in rows if r.label == label and r.cells[0].text == first_cell)


def test_product_rows_of_revenue_and_cost_of_revenue_differ() -> None:
    rows = _rows("MICROSOFT_2016_10K", 51)  # income statements, printed page 52
    revenue = _find(rows, "Product", "$61,502")
    cost = _find(rows, "Product", "17,880")
    # "Revenue:" is the last line above the first value row: it heads the first block too
    assert revenue.heading == "Revenue"
    assert cost.heading == "Cost of revenue"
    assert normalise_label(revenue.label, revenue.heading) == "revenue product"
    assert normalise_label(cost.label, cost.heading) == "cost of revenue product"
    service = _find(rows, "Service and other", "14,900")
    assert normalise_label(service.label, service.heading) == "cost of revenue service and other"
    # the block's own total closes it: gross margin is not a cost of revenue
    assert _find(rows, "Gross margin", "52,540").heading == ""
    total = _find(rows, "Total cost of revenue", "32,780")
    assert normalise_label(total.label, total.heading) == "total cost of revenue"


def test_block_total_ends_heading_but_a_subtotal_inside_does_not() -> None:
    rows = _rows("MICROSOFT_2016_10K", 53)  # balance sheets
    assert _find(rows, "Cash and cash equivalents", "$6,510").heading == "Current assets"
    # "Total cash, cash equivalents, and short-term investments" is inside current assets
    assert _find(rows, "Inventories", "2,251").heading == "Current assets"
    assert _find(rows, "Goodwill", "17,872").heading == ""
    assert _find(rows, "Other", "5,949").heading == "Current liabilities"


def test_cost_rows_of_a_revenue_split_and_the_operating_income_after_the_block() -> None:
    rows = _rows("BLOCK_2021_10K", 83)  # consolidated statements of operations
    assert _find(rows, "Hardware revenue", "145,679").heading == "Revenue"
    hw = _find(rows, "Hardware costs", "221,185")
    assert normalise_label(hw.label, hw.heading) == "cost of revenue hardware costs"
    assert _find(rows, "Gross profit", "4,419,823").heading == ""
    assert _find(rows, "Operating income (loss)", "161,112").heading == ""


def test_segment_category_rows_carry_their_segment() -> None:
    rows = _rows("BESTBUY_2023_10K", 62)  # revenue by product category, per segment
    dom = _find(rows, "Services", "2,149")
    intl = _find(rows, "Services", "183")
    assert (dom.heading, intl.heading) == ("Domestic", "International")
    assert normalise_label(dom.label, dom.heading) == "domestic services"


def _line(y: float, x: float, *words: str, nums: tuple[str, ...] = ()) -> list[Word]:
    out, pos = [], x
    for w in words:
        out.append(Word(w, pos, pos + 6 * len(w), y, y + 8))
        pos += 6 * len(w) + 6
    for i, n in enumerate(nums):
        out.append(Word(n, 300 + 100 * i, 300 + 100 * i + 6 * len(n), y, y + 8))
    return out


def _page(*rows: list[Word]) -> list[Line]:
    return group_lines([w for r in rows for w in r])


def test_heading_line_needs_colon_or_indented_rows() -> None:
    # a title line above rows at its own indent, with no colon, heads nothing
    lines = _page(
        _line(10, 20, "2019", "2018"),
        _line(22, 20, "Selected", "data"),
        _line(34, 20, "Revenue", nums=("100", "90")),
        _line(46, 20, "Costs", nums=("60", "50")),
    )
    assert [r.heading for t in find_tables(lines, 600) for r in t.rows] == ["", ""]
    lines = _page(
        _line(10, 20, "2019", "2018"),
        _line(22, 20, "Net", "sales:"),
        _line(34, 30, "Americas", nums=("100", "90")),
        _line(46, 30, "Europe", nums=("60", "50")),
        _line(58, 40, "Total", "net", "sales", nums=("160", "140")),
        _line(70, 40, "Operating", "income", nums=("16", "14")),
    )
    rows = [r for t in find_tables(lines, 600) for r in t.rows]
    assert [r.heading for r in rows] == ["Net sales", "Net sales", "Net sales", ""]


def test_wrapped_label_with_numbers_is_not_a_block_heading() -> None:
    heading = "Shares outstanding - December 31, 2021: 571,845,478"
    assert normalise_label("Additional paid-in capital", heading) == "additional paid in capital"
    assert normalise_label("Basic", "Earnings per share") == "earnings per share basic"


def test_a_lease_term_in_years_is_not_scaled_as_money() -> None:
    from docnav.ingestion.facts import scale_of, table_facts

    path = PDFS / "BESTBUY_2023_10K.pdf"
    if not path.exists():
        pytest.skip(f"{path} not here")
    lines, width = pdf_page_lines(str(path), [54])[54]
    facts = [
        f
        for t in find_tables(lines, width)
        for f in table_facts(
            t, doc_id="B", page=54, section="", statement="note", scale=scale_of("($ in millions)")
        )
    ]
    term = [f for f in facts if f.label == "Finance leases" and f.unit == "years"]
    assert term and term[0].value == 5.5 and term[0].scale is None


def test_an_unlabelled_sum_line_under_a_block_is_its_total() -> None:
    rows = _rows("MGMRESORTS_2020_10K", 64)  # statements of operations, printed page 65
    total = _find(rows, "Total Revenues", "5,162,082")  # printed with no label
    assert normalise_label(total.label, total.heading) == "total revenues"
    assert _find(rows, "Casino", "$2,871,720").heading == "Revenues"
    assert _find(rows, "Total Expenses", "5,847,454")
    # the block's total closes it: operating income is under no heading
    assert _find(rows, "Operating income (loss)", "(642,434)").heading == ""


def test_an_unlabelled_line_that_is_not_the_sum_is_no_row() -> None:
    lines = group_lines(
        _line(10, 10, "Revenue:")
        + _line(22, 20, "Product", nums=("100",))
        + _line(34, 20, "Service", nums=("50",))
        + _line(46, 20, nums=("999",))
    )
    rows = [r for t in find_tables(lines, 600) for r in t.rows]
    assert [r.label for r in rows] == ["Product", "Service"]
    sums = group_lines(
        _line(10, 10, "Revenue:")
        + _line(22, 20, "Product", nums=("100",))
        + _line(34, 20, "Service", nums=("50",))
        + _line(46, 20, nums=("150",))
    )
    assert [r.label for r in find_tables(sums, 600)[0].rows][-1] == "Total Revenue"
