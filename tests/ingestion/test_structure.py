"""Structure detection: Items/Parts, Notes, statements, tables, blocks.

Real-filing tests read FinanceBench PDFs from ../shared (skipped when absent); synthetic
tests build page text themselves.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest

from docnav.ingestion.pdf import read_pdf_pages
from docnav.ingestion.structure import detect_structure
from docnav.types import StructuredDoc

FB_PDFS = Path(__file__).resolve().parents[2].parent / "shared" / "financebench" / "pdfs"


@lru_cache(maxsize=4)
def _pages(name: str) -> tuple[str, ...]:
    """Page text exactly as the pipeline gives it to detect_structure."""
    path = FB_PDFS / f"{name}.pdf"
    if not path.exists():
        pytest.skip(
            f"{path} is absent: put the project's shared/ folder beside the repo to run this"
        )
    return tuple(read_pdf_pages(path))


@lru_cache(maxsize=4)
def _doc(name: str, form: str) -> StructuredDoc:
    return detect_structure(list(_pages(name)), form)


def _by_label(doc: StructuredDoc, kind: str) -> dict[str, object]:
    return {s.label: s for s in doc.sections if s.kind == kind}


def _check_invariants(doc: StructuredDoc, n_pages: int) -> None:
    ids = [s.id for s in doc.sections]
    assert ids == [f"s{i:04d}" for i in range(len(ids))]
    secs = {s.id: s for s in doc.sections}
    for s in doc.sections:
        assert 0 <= s.page_start <= s.page_end < n_pages
        if s.parent is not None:
            p = secs[s.parent]
            assert p.level < s.level
            assert p.page_start <= s.page_start and s.page_end <= p.page_end
    last = 0
    for b in doc.blocks:
        assert b.page_start >= last  # reading order
        last = b.page_start
        assert b.page_start <= b.page_end
        if b.section_id is not None:
            s = secs[b.section_id]
            assert s.page_start <= b.page_start and b.page_end <= s.page_end


# ------------------------------------------------------------------------------------
# real filings


@pytest.mark.shared
def test_3m_2018_items_parts_and_toc() -> None:
    pages = _pages("3M_2018_10K")
    doc = _doc("3M_2018_10K", "10-K")
    _check_invariants(doc, len(pages))
    items = _by_label(doc, "item")
    expected = {
        "Item 1": 3,
        "Item 1A": 9,
        "Item 7": 14,
        "Item 7A": 50,
        "Item 8": 51,
        "Item 9": 127,
        "Item 15": 130,
    }
    for label, page in expected.items():
        assert label in items, label
        assert items[label].page_start == page, (label, items[label].page_start)
    assert len(items) >= 20
    # the table of contents (pages 1-2) is not taken as headings
    assert all(s.page_start >= 3 for s in doc.sections if s.kind in ("item", "part", "note"))
    # items in canonical order, under their Parts
    order = [s.label for s in doc.sections if s.kind == "item"]
    assert (
        order.index("Item 1")
        < order.index("Item 1A")
        < order.index("Item 7")
        < order.index("Item 8")
    )
    parts = _by_label(doc, "part")
    assert {"Part I", "Part II"} <= set(parts)
    assert items["Item 7"].parent == parts["Part II"].id
    assert items["Item 7"].page_end == 50
    assert doc.sections[0].kind == "cover" and doc.sections[0].page_start == 0


@pytest.mark.shared
def test_3m_2018_notes() -> None:
    doc = _doc("3M_2018_10K", "10-K")
    notes = [s for s in doc.sections if s.kind == "note"]
    assert [s.label for s in notes] == [f"Note {i}" for i in range(1, 21)]
    item8 = _by_label(doc, "item")["Item 8"]
    assert all(s.parent == item8.id and s.level == 2 for s in notes)
    by = {s.label: s for s in notes}
    assert by["Note 1"].page_start == 60
    assert by["Note 12"].page_start == 87 and "Long-Term Debt" in by["Note 12"].title
    assert by["Note 12"].page_end == 89
    assert by["Note 20"].page_end <= item8.page_end


@pytest.mark.shared
def test_3m_2018_statements() -> None:
    doc = _doc("3M_2018_10K", "10-K")
    st = [s for s in doc.sections if s.kind == "statement"]
    assert [s.label for s in st] == [
        "Income Statement",
        "Comprehensive Income",
        "Balance Sheet",
        "Equity Statement",
        "Cash Flow Statement",
    ]
    by = {s.label: s for s in st}
    assert by["Income Statement"].page_start == 55
    assert by["Balance Sheet"].page_start == 57
    assert by["Cash Flow Statement"].page_start == 59
    item8 = _by_label(doc, "item")["Item 8"]
    assert all(s.parent == item8.id for s in st)


@pytest.mark.shared
def test_3m_2018_tables_are_atomic() -> None:
    doc = _doc("3M_2018_10K", "10-K")
    cf = _by_label(doc, "statement")["Cash Flow Statement"]
    tables = [b for b in doc.blocks if b.type == "table" and b.page_start == 59]
    assert len(tables) == 1
    t = tables[0]
    assert t.section_id == cf.id
    # the whole statement in one block, rows intact
    assert "Net income including noncontrolling interest $ 5,363 $ 4,869 $ 5,058" in t.text
    assert "Purchases of property, plant and equipment (PP&E) (1,577) (1,373) (1,420)" in t.text
    assert "Cash and cash equivalents at end of period $ 2,853 $ 3,053 $ 2,398" in t.text
    assert t.scale == 1e6
    assert any("2018" in h and "2017" in h for h in t.headers)
    assert t.caption and "Cash Flows" in t.caption
    n_tables = sum(b.type == "table" for b in doc.blocks)
    assert n_tables >= 60
    # no block spans two sections: one page per block, one section per block
    assert all(b.page_start == b.page_end for b in doc.blocks)


@pytest.mark.shared
def test_3m_2018_blocks_cover_text_and_drop_furniture() -> None:
    pages = _pages("3M_2018_10K")
    doc = _doc("3M_2018_10K", "10-K")
    src = sum(len(re.sub(r"\s", "", p)) for p in pages)
    got = sum(len(re.sub(r"\s", "", b.text)) for b in doc.blocks)
    furniture = sum(len("TableofContents") + 3 for _ in pages)
    assert src - furniture <= got <= src
    assert not any(b.text == "Table of Contents" for b in doc.blocks)
    assert all(b.section_id is not None for b in doc.blocks)
    # pages inside an Item: everything between Item 1 and the exhibits
    secs = {s.id: s for s in doc.sections}

    def in_item(sid: str | None) -> bool:
        while sid:
            if secs[sid].kind == "item":
                return True
            sid = secs[sid].parent
        return False

    pages_in_item = {b.page_start for b in doc.blocks if in_item(b.section_id)}
    assert len(pages_in_item) >= 125


@pytest.mark.shared
def test_pfizer_10q_parts_items_notes() -> None:
    pages = _pages("Pfizer_2023Q2_10Q")
    doc = _doc("Pfizer_2023Q2_10Q", "10-Q")
    _check_invariants(doc, len(pages))
    parts = _by_label(doc, "part")
    assert set(parts) == {"Part I", "Part II"}
    items = [(s.label, s.parent) for s in doc.sections if s.kind == "item"]
    p1 = [lab for lab, par in items if par == parts["Part I"].id]
    p2 = [lab for lab, par in items if par == parts["Part II"].id]
    assert p1 == ["Item 1", "Item 2", "Item 3", "Item 4"]
    assert p2[:3] == ["Item 1", "Item 1A", "Item 2"] and p2[-1] == "Item 6"
    notes = [s for s in doc.sections if s.kind == "note"]
    assert [s.label for s in notes] == [f"Note {i}" for i in range(1, 14)]
    fin = next(s for s in doc.sections if s.kind == "item" and s.label == "Item 1")
    assert all(s.parent == fin.id for s in notes)
    assert {s.label for s in doc.sections if s.kind == "statement"} == {
        "Income Statement",
        "Comprehensive Income",
        "Balance Sheet",
        "Equity Statement",
        "Cash Flow Statement",
    }


# ------------------------------------------------------------------------------------
# synthetic cases


_COVER = (
    "UNITED STATES\r\nSECURITIES AND EXCHANGE COMMISSION\r\nWashington, D.C. 20549\r\n"
    "FORM 10-K\r\nACME CORP\r\n"
)
_TOC = "\r\n".join(
    ["Table of Contents", "PART I"]
    + [
        f"Item {k}. {t} {p}"
        for k, t, p in [
            ("1", "Business", 3),
            ("1A", "Risk Factors", 4),
            ("2", "Properties", 5),
            ("7", "Management's Discussion and Analysis", 5),
            ("7A", "Quantitative and Qualitative Disclosures", 6),
            ("8", "Financial Statements and Supplementary Data", 6),
            ("9", "Changes in and Disagreements", 7),
        ]
    ]
    + ["2"]
)
_FILL = (
    "The Company designs, manufactures and sells widgets to customers around the world and\r\n"
    "reports its results in a single segment that is reviewed by the chief operating decision\r\n"
    "maker on a regular basis.\r\n"
)


def _tenk() -> list[str]:
    return [
        _COVER,
        _TOC,
        "Table of Contents\r\nPART I\r\nItem 1. Business\r\n"
        + _FILL
        + "Results are discussed in Part II, Item 7 of this report and in the financial statements in\r\n"
        "Item 8 of this report, which are incorporated herein by reference for all purposes here.\r\n"
        + "3",
        "Item 1A. Risk Factors\r\n"
        + _FILL
        + "Our exposure to interest rates is described in Part II of this Annual Report, see\r\n"
        "Item 7A, “Quantitative and Qualitative Disclosures About Market Risk”, for further discussion.\r\n"
        + "4",
        "Item 2. Properties\r\n"
        + _FILL
        + "PART II\r\nITEM 7. MANAGEMENT'S DISCUSSION AND ANALYSIS\r\n"
        + _FILL
        + "5",
        "Item 7A. Quantitative and Qualitative Disclosures About Market Risk\r\n"
        + _FILL
        + "Item 8. Financial Statements and Supplementary Data\r\n"
        + _FILL
        + "6",
        "ACME Corp\r\nConsolidated Balance Sheets\r\n(in thousands)\r\nDecember 31, 2023 December 31, 2022\r\n"
        "Cash and cash equivalents $ 1,234 $ 1,100\r\nAccounts receivable 567 (12)\r\nInventories — 300\r\n"
        "Total assets $ 1,801 $ 1,388\r\n7",
        "Notes to Consolidated Financial Statements\r\nNote 1 — Summary of Significant Accounting Policies\r\n"
        + _FILL
        + "The Company considers the following:\r\n1. The estimates described above.\r\n"
        "2. Another item of a list inside the note.\r\n"
        "Note 2 — Leases\r\n" + _FILL + "Note 3 — Income Taxes\r\n" + _FILL + "8",
        "Item 9. Changes in and Disagreements with Accountants on Accounting and Financial Disclosure\r\n"
        "None.\r\n9",
    ]


def test_synthetic_10k_items_and_toc() -> None:
    doc = detect_structure(_tenk(), "10-K")
    _check_invariants(doc, 9)
    items = [(s.label, s.page_start) for s in doc.sections if s.kind == "item"]
    assert items == [
        ("Item 1", 2),
        ("Item 1A", 3),
        ("Item 2", 4),
        ("Item 7", 4),
        ("Item 7A", 5),
        ("Item 8", 5),
        ("Item 9", 8),
    ]
    # nothing taken from the TOC page, prose cross-references are not headings
    assert not any(s.page_start == 1 and s.kind in ("item", "part") for s in doc.sections)
    assert sum(1 for s in doc.sections if s.label == "Item 7A") == 1
    assert doc.sections[0].kind == "cover" and doc.sections[0].page_end == 0
    parts = _by_label(doc, "part")
    assert set(parts) == {"Part I", "Part II"}
    by = _by_label(doc, "item")
    assert by["Item 7"].parent == parts["Part II"].id and by["Item 1A"].parent == parts["Part I"].id
    assert by["Item 1"].page_end == 2 and by["Item 8"].page_end == 7


def test_synthetic_notes_statement_and_table() -> None:
    doc = detect_structure(_tenk(), "10-K")
    item8 = _by_label(doc, "item")["Item 8"]
    notes = [s for s in doc.sections if s.kind == "note"]
    assert [s.label for s in notes] == [
        "Note 1",
        "Note 2",
        "Note 3",
    ]  # list items "1." "2." ignored
    assert notes[1].title == "Note 2 — Leases"
    assert all(s.parent == item8.id and s.level == 2 for s in notes)
    bs = _by_label(doc, "statement")["Balance Sheet"]
    assert bs.page_start == 6 and bs.parent == item8.id
    tables = [b for b in doc.blocks if b.type == "table"]
    assert len(tables) == 1
    t = tables[0]
    assert t.section_id == bs.id and t.scale == 1e3
    assert t.headers == ["December 31, 2023 December 31, 2022"]
    assert t.caption == "Consolidated Balance Sheets"
    assert t.text.splitlines()[-1] == "Total assets $ 1,801 $ 1,388"
    assert "Inventories — 300" in t.text


def test_synthetic_furniture_dropped_and_text_kept() -> None:
    pages = _tenk()
    doc = detect_structure(pages, "10-K")
    texts = [b.text for b in doc.blocks]
    assert "Table of Contents" not in texts
    assert not any(re.fullmatch(r"\d{1,3}", t) for t in texts)
    # wrapped lines of one paragraph are joined
    assert any(
        t.startswith("The Company designs") and t.endswith("on a regular basis.") for t in texts
    )
    src = sum(len(re.sub(r"\s", "", p)) for p in pages)
    got = sum(len(re.sub(r"\s", "", b.text)) for b in doc.blocks)
    dropped = 2 * len("TableofContents") + sum(len(p.rsplit("\n", 1)[-1]) for p in pages[1:])
    assert got >= src - dropped - 1


def test_synthetic_10q_parts_and_items() -> None:
    pages = [
        "UNITED STATES\r\nSECURITIES AND EXCHANGE COMMISSION\r\nFORM 10-Q\r\nQUARTERLY REPORT\r\n",
        "PART I. FINANCIAL INFORMATION\r\nItem 1. Financial Statements\r\n" + _FILL,
        "Item 2. Management's Discussion and Analysis of Financial Condition and Results of Operations\r\n"
        + _FILL
        + "Item 3. Quantitative and Qualitative Disclosures About Market Risk\r\n"
        + _FILL
        + "Item 4. Controls and Procedures\r\n"
        + _FILL,
        "PART II. OTHER INFORMATION\r\nItem 1. Legal Proceedings\r\n"
        + _FILL
        + "Item 1A. Risk Factors\r\n"
        + _FILL
        + "Item 6. Exhibits\r\n"
        + _FILL,
    ]
    doc = detect_structure(pages)  # form guessed from the cover
    _check_invariants(doc, 4)
    parts = _by_label(doc, "part")
    assert [s.label for s in doc.sections if s.kind == "part"] == ["Part I", "Part II"]
    items = [(s.label, s.parent) for s in doc.sections if s.kind == "item"]
    assert items == [
        ("Item 1", parts["Part I"].id),
        ("Item 2", parts["Part I"].id),
        ("Item 3", parts["Part I"].id),
        ("Item 4", parts["Part I"].id),
        ("Item 1", parts["Part II"].id),
        ("Item 1A", parts["Part II"].id),
        ("Item 6", parts["Part II"].id),
    ]
    assert parts["Part I"].page_end == 2 and parts["Part II"].page_start == 3


def test_synthetic_8k_and_exhibit() -> None:
    pages = [
        "UNITED STATES\r\nSECURITIES AND EXCHANGE COMMISSION\r\nFORM 8-K\r\nCURRENT REPORT\r\n"
        "Item 2.02. Results of Operations and Financial Condition.\r\n"
        + _FILL
        + "Item 9.01. Financial Statements and Exhibits.\r\n(d) Exhibits\r\n",
        "Exhibit 99.1\r\nACME Reports Fourth Quarter Results\r\n" + _FILL,
    ]
    doc = detect_structure(pages, "8-K")
    assert [(s.kind, s.label) for s in doc.sections] == [
        ("cover", "Cover"),
        ("item", "Item 2.02"),
        ("item", "Item 9.01"),
        ("exhibit", "Exhibit 99.1"),
    ]
    ex = doc.sections[-1]
    assert ex.page_start == 1 and ex.level == 0
    assert doc.sections[0].page_end == 0


def test_crlf_and_bare_lf_and_empty_input() -> None:
    # pdfium ends visual lines with CRLF; a bare LF only separates text runs of one line
    doc = detect_structure(
        ["PART\nI\r\nItem\n1.\nBUSINESS\r\nText of the business section.\r\n"], "10-K"
    )
    assert [(s.kind, s.label) for s in doc.sections if s.kind in ("part", "item")] == [
        ("part", "Part I"),
        ("item", "Item 1"),
    ]
    assert detect_structure([], None).sections == []
    assert detect_structure(["", "  "], None).blocks == []


@pytest.mark.shared
def test_item_heading_atop_an_index_page() -> None:
    # Walmart FY2020 opens Item 8 with an index to the statements (a page of titles and
    # page numbers); the heading on its first line is still Item 8, and the statements sit under it
    doc = _doc("WALMART_2020_10K", "10-K")
    items = _by_label(doc, "item")
    assert items["Item 8"].page_start == 46
    income = next(s for s in doc.sections if s.label == "Income Statement")
    assert income.parent == items["Item 8"].id


def test_split_word_titles_are_repaired() -> None:
    from docnav.ingestion.structure import repair_split_words

    assert repair_split_words("Item 1. Busines s.") == "Item 1. Business."
    assert (
        repair_split_words("Consolidated Statement of Incom e")
        == "Consolidated Statement of Income"
    )
    assert repair_split_words("Acquisition of a Business") == "Acquisition of a Business"
    assert repair_split_words("Item 15. Schedule II") == "Item 15. Schedule II"


def test_runin_note_headings_are_split_off() -> None:
    from docnav.ingestion.structure import _split_runin_headings as split

    assert split("compensation. 13. Contingencies and Commitments We are involved in suits") == [
        "compensation.",
        "13. Contingencies and Commitments",
        "We are involved in suits",
    ]
    assert split("1. Summary of Significant Accounting Policies Unless the context") == [
        "1. Summary of Significant Accounting Policies",
        "Unless the context",
    ]
    # a numbered sentence is not a heading
    assert split("1. The registrant's other certifying officer and I have") == [
        "1. The registrant's other certifying officer and I have"
    ]


@pytest.mark.shared
def test_best_buy_runin_notes_found() -> None:
    # Best Buy FY2021's pages come out of pdfium as flowed text: note headings run into
    # their first sentence, mid-line after the previous note's last sentence or table row
    doc = _doc("BESTBUY_2021_10K", "10-K")
    notes = {s.label: s for s in doc.sections if s.kind == "note"}
    assert list(notes) == [f"Note {i}" for i in range(1, 15)]
    assert notes["Note 13"].title == "13. Contingencies and Commitments"
    assert notes["Note 7"].title == "7. Leases" and notes["Note 7"].page_start == 57
    assert notes["Note 1"].page_start == 45
    # "... presented. Item 7. Management's Discussion ..." mid-line is still Item 7
    items = _by_label(doc, "item")
    assert items["Item 7"].page_start == 22


@pytest.mark.shared
def test_notes_and_statements_in_annual_report_exhibit() -> None:
    # Verizon FY2016 files its statements and notes in Exhibit 13; Item 15's exhibit list
    # also has a "Notes to Consolidated Financial Statements" line, which must not win
    doc = _doc("VERIZON_2016_10K", "10-K")
    ex13 = next(s for s in doc.sections if s.label == "Exhibit 13")
    notes = [s for s in doc.sections if s.kind == "note"]
    assert [s.label for s in notes] == [f"Note {i}" for i in range(1, 17)]
    assert all(s.parent == ex13.id for s in notes)
    assert notes[0].page_start == 78 and notes[5].title == "Note 6 Debt"
    st = {s.label: s for s in doc.sections if s.kind == "statement"}
    assert st["Income Statement"].page_start == 73 and st["Balance Sheet"].page_start == 75
    assert all(s.parent == ex13.id for s in st.values())


@pytest.mark.shared
def test_notes_header_with_split_word() -> None:
    # Corning FY2017: "Notes to Consolidated Fi nancial Statements" (pdfium split a word),
    # statements and notes on F-pages after the last Item
    doc = _doc("CORNING_2017_10K", "10-K")
    notes = {s.label: s for s in doc.sections if s.kind == "note"}
    assert len(notes) >= 15 and notes["Note 1"].page_start == 83
    assert _by_label(doc, "statement")["Income Statement"].page_start == 78


@pytest.mark.shared
def test_notes_area_after_financial_statements_item() -> None:
    # MGM FY2017: the main notes come before a subsidiary's statements in an exhibit; the
    # area with the longer chain (the registrant's 20 notes) wins
    doc = _doc("MGMRESORTS_2017_10K", "10-K")
    notes = [s.label for s in doc.sections if s.kind == "note"]
    assert notes == [f"Note {i}" for i in range(1, 21)]


def test_runin_headings_mid_line_variants() -> None:
    from docnav.ingestion.structure import _split_runin_headings as split

    # after a table row's last dash, and a title followed by a sentence opener
    assert split("Total $ - $ - 7. Leases Supplemental balance sheet information") == [
        "Total $ - $ -",
        "7. Leases",
        "Supplemental balance sheet information",
    ]
    assert split("maturities. 8. Debt Short-Term Debt U.S. Revolving Facility On April 17, we") == [
        "maturities.",
        "8. Debt Short-Term Debt U.S. Revolving Facility",
        "On April 17, we",
    ]
    # a title at the end of the line is taken whole
    assert split("remains as of January 30. 3. Acquisitions BioSensics, LLC") == [
        "remains as of January 30.",
        "3. Acquisitions BioSensics, LLC",
    ]
    # an Item heading after a sentence end, with its canonical title, starts a line
    assert split(
        "(5) Includes outlet centers. Item 7. Management's Discussion and Analysis of"
    ) == [
        "(5) Includes outlet centers.",
        "Item 7. Management's Discussion and Analysis of",
    ]
    # a cross-reference to an Item is not split off
    line = "as discussed in Item 7. Management's Discussion and Analysis of results"
    assert split(line) == [line]
    line = "The results are described below. Item 7 of this report covers the rest."
    assert split(line) == [line]


def _exhibit13_10k() -> list[str]:
    pages = _tenk()[:8]
    pages[5] = (
        "Item 8. Financial Statements and Supplementary Data\nThe information required by "
        "this item is incorporated by reference to the Annual Report (Exhibit 13).\n6"
    )
    pages[6] = (
        "Item 15. Exhibits and Financial Statement Schedules\n"
        "Consolidated Balance Sheets *\nNotes to Consolidated Financial Statements *\n"
        "* Incorporated herein by reference to the Annual Report to Shareholders.\n7"
    )
    pages[7] = "EXHIBIT 13\nACME Corp Annual Report\n" + _FILL.replace("\r\n", "\n") + "8"
    pages.append(
        "Consolidated Balance Sheets ACME Corp\n(in thousands)\nDecember 31, 2023 December 31, 2022\n"
        "Cash and cash equivalents $ 1,234 $ 1,100\nTotal assets $ 1,801 $ 1,388\n9"
    )
    pages.append(
        "Notes to Consolidated Financial Statements ACME Corp\nNote 1\nBasis of Presentation\n"
        + _FILL.replace("\r\n", "\n")
        + "Note 2\nDebt\n"
        + _FILL.replace("\r\n", "\n")
        + "Note 3\nTaxes\n"
        + _FILL.replace("\r\n", "\n")
        + "10"
    )
    return pages


def test_synthetic_notes_in_exhibit_13() -> None:
    pages = _exhibit13_10k()
    doc = detect_structure(pages, "10-K")
    _check_invariants(doc, len(pages))
    ex = _by_label(doc, "exhibit")["Exhibit 13"]
    notes = [s for s in doc.sections if s.kind == "note"]
    assert [s.label for s in notes] == ["Note 1", "Note 2", "Note 3"]
    assert notes[0].title == "Note 1 Basis of Presentation"
    assert all(s.parent == ex.id and s.page_start == 9 for s in notes)
    bs = _by_label(doc, "statement")["Balance Sheet"]
    assert bs.page_start == 8 and bs.parent == ex.id


def test_synthetic_notes_header_split_word_and_runin_notes() -> None:
    pages = _tenk()[:6] + [
        "Notes to Consolidated Fi nancial Statements\n1. Summary of Significant Accounting "
        "Policies Unless the context otherwise requires, we use the terms below. The Company "
        "designs widgets. 2. Leases We lease stores. Total $ - $ - 3. Income Taxes The "
        "provision for income taxes is below.\n8",
        "Item 9. Changes in and Disagreements with Accountants on Accounting and Financial "
        "Disclosure\nNone.\n9",
    ]
    doc = detect_structure(pages, "10-K")
    notes = [s for s in doc.sections if s.kind == "note"]
    assert [(s.label, s.title) for s in notes] == [
        ("Note 1", "1. Summary of Significant Accounting Policies"),
        ("Note 2", "2. Leases"),
        ("Note 3", "3. Income Taxes"),
    ]
    # the prose stays content
    texts = [b.text for b in doc.blocks]
    assert any(t.startswith("Unless the context otherwise requires") for t in texts)
    assert any(t.startswith("The provision for income taxes") for t in texts)


def test_statement_titles_must_look_like_headings() -> None:
    body = "Net sales $ 1,234 $ 1,100\nCost of sales 567 500\nNet earnings $ 100 $ 90\n"
    pages = [
        "ACME Reports Fourth Quarter Results\n" + _FILL.replace("\r\n", "\n"),
        "CONDENSED CONSOLIDATED STATEMENTS OF EARNINGS\n(in millions)\nQ4 2023 Q4 2022\n" + body,
        "balance sheets.\nThe company discussed its balance sheet strength with analysts and\n"
        "investors during the call held after the release of the results today.\n",
    ]
    doc = detect_structure(pages, "EARNINGS")
    st = [(s.label, s.page_start) for s in doc.sections if s.kind == "statement"]
    assert st == [("Income Statement", 1)]
    assert doc.sections[0].kind == "other" and doc.sections[0].page_start == 0
