"""The Items and Notes phases of structure detection, each on its own: page text made here
goes through the lines and candidates phases, and the phase under test gets the rest of
its input (the heads found before it, the financial statements' lines) by hand."""

from __future__ import annotations

from docnav.ingestion.structure_candidates import scan_candidates
from docnav.ingestion.structure_items import (
    financial_statements_item,
    find_items,
    heaviest_chain,
)
from docnav.ingestion.structure_lines import read_lines
from docnav.ingestion.structure_model import Candidates, Head, PageLines
from docnav.ingestion.structure_notes import (
    STYLE_NOTE,
    STYLE_NUMBER,
    best_note_chain,
    find_notes,
    note_candidates,
)
from docnav.ingestion.structure_toc import toc_pages

PROSE = (
    "The Company designs, manufactures and sells widgets to customers in many countries and "
    "reports its results in one segment, as described in the paragraphs that follow here."
)


def _phase_input(*pages: list[str]) -> tuple[PageLines, Candidates, list[bool]]:
    lines = read_lines(["\n".join(p) for p in pages])
    cands = scan_candidates(lines)
    return lines, cands, toc_pages(lines, cands)


def _line(lines: PageLines, text: str) -> int:
    return lines.texts.index(text)


# --------------------------------------------------------------------------------------
# Items


def _ten_k() -> list[list[str]]:
    toc = [
        "TABLE OF CONTENTS",
        "PART I",
        "Item 1. Business 3",
        "Item 1A. Risk Factors 5",
        "Item 7. Management's Discussion and Analysis 9",
        "Item 8. Financial Statements and Supplementary Data 12",
    ]
    return [
        ["UNITED STATES SECURITIES AND EXCHANGE COMMISSION", "FORM 10-K", "Widget Corp."],
        toc,
        ["PART I", "Item 1. Business", PROSE, "Item 1A. Risk Factors", PROSE],
        [
            "PART II",
            "Item 7. Management's Discussion and Analysis",
            "Our results are discussed below; for the risks that affect them, see",
            "Item 1A. Risk Factors of this report, which also describes the other risks.",
            PROSE,
        ],
        ["ITEM 8.", "FINANCIAL STATEMENTS AND SUPPLEMENTARY DATA", PROSE],
        ["Item 9A. Controls and Procedures", PROSE],
    ]


def test_items_skip_the_table_of_contents_and_follow_the_form_order() -> None:
    lines, cands, toc = _phase_input(*_ten_k())
    assert toc[1] and not any(toc[2:])
    heads = find_items(lines, cands, toc, is_q=False)
    assert [h.label for h in heads] == [
        "Part I",
        "Item 1",
        "Item 1A",
        "Part II",
        "Item 7",
        "Item 8",
        "Item 9A",
    ]
    assert all(lines.page_of[h.line] >= 2 for h in heads)  # none from the TOC page


def test_items_reject_a_cross_reference_wrapped_in_prose() -> None:
    lines, cands, toc = _phase_input(*_ten_k())
    heads = find_items(lines, cands, toc, is_q=False)
    mention = _line(
        lines, "Item 1A. Risk Factors of this report, which also describes the other risks."
    )
    assert mention in [c[0] for c in cands.items]  # a candidate by its start ...
    assert mention not in [h.line for h in heads]  # ... but no heading


def test_item_title_from_the_next_line_and_parts_of_items() -> None:
    lines, cands, toc = _phase_input(*_ten_k())
    by_label = {h.label: h for h in find_items(lines, cands, toc, is_q=False)}
    assert by_label["Item 8"].title == "ITEM 8. FINANCIAL STATEMENTS AND SUPPLEMENTARY DATA"
    assert by_label["Item 7"].extra["part"] == 2 and by_label["Item 1A"].extra["part"] == 1


def test_financial_statements_item_ends_at_the_next_item() -> None:
    lines, cands, toc = _phase_input(*_ten_k())
    heads = find_items(lines, cands, toc, is_q=False)
    start, end = financial_statements_item(heads, lines.n_lines, is_q=False)
    assert lines.texts[start] == "ITEM 8."
    assert lines.texts[end] == "Item 9A. Controls and Procedures"


def test_ten_q_item_numbers_belong_to_their_part() -> None:
    pages = [
        ["PART I. FINANCIAL INFORMATION", "Item 1. Financial Statements", PROSE],
        ["Item 2. Management's Discussion and Analysis", PROSE],
        ["PART II. OTHER INFORMATION", "Item 1. Legal Proceedings", PROSE],
        ["Item 1A. Risk Factors", PROSE, "Item 6. Exhibits", PROSE],
    ]
    lines, cands, toc = _phase_input(*pages)
    heads = find_items(lines, cands, toc, is_q=True)
    got = [(h.label, h.extra.get("part")) for h in heads]
    assert got == [
        ("Part I", 1),
        ("Item 1", 1),
        ("Item 2", 1),
        ("Part II", 2),
        ("Item 1", 2),
        ("Item 1A", 2),
        ("Item 6", 2),
    ]
    start, _ = financial_statements_item(heads, lines.n_lines, is_q=True)
    assert lines.texts[start] == "Item 1. Financial Statements"


def test_eight_k_items_are_ranked_by_number() -> None:
    pages = [
        ["FORM 8-K", "Item 2.02 Results of Operations and Financial Condition", PROSE],
        ["Item 9.01 Financial Statements and Exhibits", PROSE],
    ]
    lines, cands, toc = _phase_input(*pages)
    assert [h.label for h in find_items(lines, cands, toc, is_q=False)] == [
        "Item 2.02",
        "Item 9.01",
    ]


def test_heaviest_chain_drops_an_option_out_of_order() -> None:
    def opt(line: int, rank: int, w: float) -> tuple[int, int, float, Head]:
        return (line, rank, w, Head(line, "item", "", f"r{rank}", 1))

    # rank 5 on line 20 is out of order between 1 (line 10) and 3, 4 (lines 30, 40)
    chosen = heaviest_chain([opt(10, 1, 3.0), opt(20, 5, 1.0), opt(30, 3, 3.0), opt(40, 4, 1.0)])
    assert [h.label for h in chosen] == ["r1", "r3", "r4"]
    assert heaviest_chain([]) == []


# --------------------------------------------------------------------------------------
# Notes


def _notes_pages() -> list[list[str]]:
    return [
        ["Item 7. Management's Discussion and Analysis", "1. Revenue grew", PROSE],
        ["Item 8. Financial Statements", "Consolidated Balance Sheets", "Total assets 1,000 900"],
        [
            "Notes to Consolidated Financial Statements",
            "1. Summary of Significant Accounting Policies",
            PROSE,
            "2. Revenue Recognition",
            PROSE,
        ],
        ["3. Leases", PROSE, "5. Income Taxes", PROSE],
        ["Item 9. Changes in and Disagreements with Accountants", PROSE],
    ]


def _heads_before_notes(lines: PageLines) -> tuple[list[Head], tuple[int, int]]:
    item = [_line(lines, t) for t in lines.texts if t.startswith("Item ")]
    heads = [Head(i, "item", lines.texts[i], lines.texts[i][:6], 1) for i in item]
    return heads, (item[1], item[2])  # Item 8's lines


def test_notes_are_found_inside_the_financial_statements_item_only() -> None:
    lines, cands, toc = _phase_input(*_notes_pages())
    heads, fin = _heads_before_notes(lines)
    found = find_notes(lines, cands, toc, heads, heads, fin)
    assert found.area_start == _line(lines, "Notes to Consolidated Financial Statements")
    # "1. Revenue grew" in Item 7 is outside the area; Note 4 is missing (a gap is allowed)
    assert [h.label for h in found.notes] == ["Note 1", "Note 2", "Note 3", "Note 5"]
    assert found.notes[2].title == "3. Leases"
    # the header is a section of its own, before the notes
    assert [h.kind for h in found.heads] == ["other", "note", "note", "note", "note"]
    assert found.heads[0].extra == {"notes_header": True}
    assert found.fin == fin


def test_notes_on_f_pages_after_the_last_item_get_a_financial_statements_section() -> None:
    pages = [
        ["Item 8. Financial Statements", "See the financial statements on the F-pages."],
        ["Item 15. Exhibits and Financial Statement Schedules", PROSE],
        ["Report of Independent Registered Public Accounting Firm", PROSE],
        ["Notes to Consolidated Financial Statements", "Note 1 Organization", PROSE],
        ["Note 2 Revenue", PROSE],
    ]
    lines, cands, toc = _phase_input(*pages)
    items = [Head(_line(lines, t), "item", t, t[:7], 1) for t in (pages[0][0], pages[1][0])]
    fin = (items[0].line, items[1].line)
    found = find_notes(lines, cands, toc, items, items, fin)
    report = _line(lines, pages[2][0])
    assert found.heads[0].line == report and found.heads[0].extra == {"fs": True}
    assert found.fin == (report, lines.n_lines)
    assert [h.label for h in found.notes] == ["Note 1", "Note 2"]


def test_without_a_notes_header_only_explicit_note_headings_count() -> None:
    pages = [
        ["Item 8. Financial Statements", "1. Basis of Presentation", PROSE, "2. Revenue", PROSE],
        ["Note 1 Organization", PROSE, "Note 2 Leases", PROSE],
    ]
    lines, cands, toc = _phase_input(*pages)
    item = Head(0, "item", pages[0][0], "Item 8", 1)
    found = find_notes(lines, cands, toc, [item], [item], (0, lines.n_lines))
    assert found.area_start == 0
    assert [lines.texts[h.line] for h in found.notes] == ["Note 1 Organization", "Note 2 Leases"]
    assert found.heads == found.notes  # no header section


def test_no_notes_area_without_header_or_financial_statements() -> None:
    lines, cands, toc = _phase_input(["1. Revenue", PROSE, "2. Costs", PROSE])
    found = find_notes(lines, cands, toc, [], [], None)
    assert found.area_start is None and found.heads == [] and found.fin is None


def test_note_candidates_reject_prose_shapes() -> None:
    page = [
        "Notes to Financial Statements",
        "1. the amounts below are unaudited",  # lower-case: a list item in prose
        "2. Revenue Recognition",
        "Revenue for the year was recorded in accordance with the policies described in Note",
        "3. Leases",  # a wrapped cross-reference: the line before runs on into it
        "4. Goodwill and Intangible Assets (continued)",  # a continuation header
    ]
    lines, cands, toc = _phase_input(page)
    got = note_candidates(lines, cands, toc, 0, lines.n_lines, explicit_only=False)
    assert [(c[1], c[2]) for c in got] == [(2, STYLE_NUMBER)]


def test_best_chain_prefers_a_rising_sequence_and_explicit_notes() -> None:
    def c(line: int, num: int, style: int) -> tuple[int, int, int, str]:
        return (line, num, style, f"{num}. Title")

    # bare numbers 1, 2, 3 beat a lone bare "7." and a lone bare "12."
    sc, chain = best_note_chain(
        [
            c(1, 7, STYLE_NUMBER),
            c(2, 1, STYLE_NUMBER),
            c(3, 2, STYLE_NUMBER),
            c(4, 12, STYLE_NUMBER),
            c(5, 3, STYLE_NUMBER),
        ]
    )
    assert [h.label for h in chain] == ["Note 1", "Note 2", "Note 3"] and sc == 3.0
    # one bare "1." is no chain; one explicit "Note 1" is (with the explicit-style bonus)
    assert best_note_chain([c(1, 1, STYLE_NUMBER)]) == (0.0, [])
    sc, chain = best_note_chain([c(1, 1, STYLE_NOTE)])
    assert sc == 1.5 and [h.label for h in chain] == ["Note 1"]
