"""Cross-reference extraction and resolution."""

from __future__ import annotations

import pytest

from docnav.ingestion.xrefs import find_refs, resolution_stats, resolve_refs
from docnav.types import Section


def labels(text: str, **kw) -> list[str]:
    return [r.label for r in find_refs(text, **kw)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("See Note 12 for details.", ["Note 12"]),
        ("refer to Note 3.", ["Note 3"]),
        ("the fair value (Note 9) of", ["Note 9"]),
        ("as described in Leases (Note 9)", ["Note 9"]),
        ("refer to Notes 4 and 5", ["Note 4", "Note 5"]),
        ("see Notes 4, 5 and 7", ["Note 4", "Note 5", "Note 7"]),
        ("Notes 2 through 4", ["Note 2", "Note 3", "Note 4"]),
        ("see NOTE 6 for a breakout", ["Note 6"]),
        ("as described in Note 12 \u2014 Leases, we lease", ["Note 12"]),
        ("refer to Item 7 of this report", ["Item 7"]),
        ("refer to Item 7A", ["Item 7A"]),
        ("see item 7a", ["Item 7A"]),
        ("see Items 7 and 7A", ["Item 7", "Item 7A"]),
        ("see Part II, Item 7A of this report", ["Part II", "Item 7A"]),
        ("in Item 7 of Part II", ["Part II", "Item 7"]),
        ("Part II, Item 1A of this report", ["Part II", "Item 1A"]),
        ("under Item 1A of this report", ["Item 1A"]),
        ("filed as Exhibit 10.1 and Exhibit 99.1", ["Exhibit 10.1", "Exhibit 99.1"]),
        ("filed as Exhibits 31.1 and 31.2", ["Exhibit 31.1", "Exhibit 31.2"]),
        ("included as Exhibit 4(a) hereto", ["Exhibit 4(a)"]),
        ("see Part II of this report", ["Part II"]),
        ("set forth in Part III of this Annual Report", ["Part III"]),
        ("see 'Critical Accounting Estimates' in Item 7", ["Item 7"]),
        ("see \u201cCritical Accounting Estimates\u201d in Part II, Item 7", ["Part II", "Item 7"]),
        ("as discussed in \u201cRisk Factors\u201d below", ["Item 1A"]),
        ("reported under Item 2.02 of Form 8-K", ["Item 2.02"]),
        ("Item 1A, \u201cRisk Factors\u201d, see Part I", ["Item 1A", "Part I"]),
    ],
)
def test_forms_of_reference(text, expected):
    assert labels(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "1.500% Notes due 2026 and notes payable",
        "the 4.5% Notes 2025",
        "Notes to Consolidated Financial Statements",
        "Item 99 of nothing",
        "Note 75 is out of range",
        "in part I think so",
        "Schedule II",
        "see Note12",
    ],
)
def test_not_references(text):
    assert labels(text) == []


def test_ref_fields():
    (r,) = find_refs("Refer to Note 16 for further details.")
    assert (r.kind, r.label, r.text, r.target_section) == ("note", "Note 16", "Note 16", None)
    kinds = {r.label: r.kind for r in find_refs("see Part II, Item 7 and Exhibit 99.1")}
    assert kinds == {"Part II": "part", "Item 7": "item", "Exhibit 99.1": "exhibit"}


@pytest.mark.parametrize(
    "text",
    [
        "Note 12 \u2014 Leases\nThe company leases",
        "NOTE 12. LEASES\nThe company leases",
        "  NOTE 3 ACQUISITIONS AND DIVESTITURES\ntext",
        "Note 1 - Summary of Significant Accounting Policies",
        "Table of Contents\nItem 1A. Risk Factors 8\nItem 7. Management\u2019s Discussion 25",
        "PART II \u2014 OTHER INFORMATION",
        "PART II\nItem 8\nNOTE 4 \u2014 INVESTMENTS",
        "Item 2.02 Results of Operations and Financial Condition.",
        "text.\nNote 12\nmore text",
    ],
)
def test_headings_are_not_references(text):
    assert labels(text) == []
    assert labels(text, skip_headings=False) != []


def test_wrapped_prose_at_line_start_is_still_a_reference():
    assert labels("for more, see\nNote 12 for details") == ["Note 12"]
    assert labels("as described in\nNote 3 Acquisitions, we bought") == ["Note 3"]
    assert labels("results\nNotes 4 and 5 describe") == ["Note 4", "Note 5"]
    # an exhibit named at the start of a line (an 8-K exhibit list) is kept
    assert labels("(d) Exhibits\nExhibit 99.1 Press release dated May 1") == ["Exhibit 99.1"]


def test_dedup_and_self_exclusion():
    assert labels("Note 3 ... see Note 3 again, and Note 4", exclude_labels={"Note 4"}) == [
        "Note 3"
    ]
    refs = find_refs("see Note 3, then Note 3 and Notes 3 and 4")
    assert [r.label for r in refs] == ["Note 3", "Note 4"]
    assert refs[0].text == "Note 3"  # first mention
    assert labels("see Part II, Item 7", exclude_labels={"Part II"}) == ["Item 7"]
    assert labels("", exclude_labels={"Note 1"}) == []


SECTIONS = [
    Section(id="s0", title="PART I", kind="part", label="Part I", page_start=0, page_end=5),
    Section(
        id="s1",
        title="Item 2. MD&A",
        kind="item",
        label="Item 2",
        level=1,
        parent="s0",
        page_start=1,
        page_end=3,
    ),
    Section(
        id="s4",
        title="Note 12 \u2014 Leases",
        kind="note",
        label="Note 12",
        level=2,
        parent="s1",
        page_start=2,
        page_end=2,
    ),
    Section(id="s2", title="PART II", kind="part", label="Part II", page_start=6, page_end=9),
    Section(
        id="s3",
        title="Item 2. Unregistered Sales",
        kind="item",
        label="Item 2",
        level=1,
        parent="s2",
        page_start=7,
        page_end=7,
    ),
    Section(
        id="s5",
        title="Exhibit 99.1",
        kind="exhibit",
        label="Exhibit 99.1",
        level=0,
        page_start=10,
        page_end=11,
    ),
]


def test_resolution_prefers_named_part_then_first():
    refs = resolve_refs(
        find_refs("see Part II, Item 2 and Note 12 and Exhibit 10.1 and Exhibit 99.1"), SECTIONS
    )
    by = {r.label: r.target_section for r in refs}
    assert by == {
        "Part II": "s2",
        "Item 2": "s3",
        "Note 12": "s4",
        "Exhibit 10.1": None,
        "Exhibit 99.1": "s5",
    }
    assert resolution_stats(refs) == (5, 4)
    assert resolve_refs(find_refs("see Item 2 of Part I"), SECTIONS)[-1].target_section == "s1"
    assert resolve_refs(find_refs("see Item 2 of Part II"), SECTIONS)[-1].target_section == "s3"
    # no Part named: the first in document order
    assert resolve_refs(find_refs("see Item 2"), SECTIONS)[0].target_section == "s1"


def test_resolution_leaves_unknown_targets_and_keeps_input():
    refs = find_refs("see Note 40 and Item 9B")
    out = resolve_refs(refs, SECTIONS)
    assert [r.target_section for r in out] == [None, None]
    assert resolution_stats(out) == (2, 0)
    assert resolution_stats([]) == (0, 0)
    assert resolve_refs([], SECTIONS) == []
    assert all(r.target_section is None for r in refs)  # inputs are not mutated


@pytest.mark.shared
def test_real_10k_page(fb_pdfs):
    from docnav.ingestion.pdf import read_pdf_pages

    path = fb_pdfs / "3M_2018_10K.pdf"
    if not path.exists():
        pytest.skip(f"{path} is absent from the shared FinanceBench folder")
    pages = read_pdf_pages(path)
    # MD&A page: "Refer to Note 16", "in Note 14)", "refer to Note 3)", "See Note 6"
    assert {"Note 16", "Note 14", "Note 3", "Note 6"} <= set(labels(pages[29]))
    # "see Item 1, Business Segments", "as discussed in Note 1, 3M adopted ..."
    assert {"Item 1", "Note 1", "Note 5", "Note 14", "Note 18"} <= set(labels(pages[31]))
    # table of contents (pages 2-3): lines such as "Note 3. Acquisitions and Divestitures 73"
    # are headings, not references; the prose "Pursuant to Part IV, Item 16, ..." is one
    assert "Note 3. Acquisitions" in pages[2]
    assert labels(pages[2]) == []
    assert len(labels(pages[2], skip_headings=False)) >= 20
    assert labels(pages[1])[:2] == ["Part IV", "Item 16"]
    assert len(labels(pages[1])) <= 3
