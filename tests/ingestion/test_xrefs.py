"""Cross-reference extraction and resolution."""

from __future__ import annotations

from docnav.ingestion.xrefs import find_refs, resolution_stats, resolve_refs
from docnav.types import Section


def labels(text: str, **kw) -> list[str]:
    return [r.label for r in find_refs(text, **kw)]


def test_forms_of_reference():
    assert labels("See Note 12 for details.") == ["Note 12"]
    assert labels("as described in Leases (Note 9)") == ["Note 9"]
    assert labels("refer to Notes 4 and 5") == ["Note 4", "Note 5"]
    assert labels("Notes 2 through 4") == ["Note 2", "Note 3", "Note 4"]
    assert labels("refer to Item 7A") == ["Item 7A"]
    assert labels("Part II, Item 1A of this report") == ["Part II", "Item 1A"]
    assert labels("filed as Exhibit 10.1 and Exhibit 99.1") == ["Exhibit 10.1", "Exhibit 99.1"]
    assert labels("Item 2.02 Results of Operations") == ["Item 2.02"]
    assert labels("see 'Critical Accounting Estimates' in Item 7") == ["Item 7"]


def test_not_references():
    assert labels("1.500% Notes due 2026 and notes payable") == []
    assert labels("Item 99 of nothing") == []


def test_dedup_and_self_exclusion():
    assert labels("Note 3 ... see Note 3 again, and Note 4", exclude_labels={"Note 4"}) == [
        "Note 3"
    ]


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
        id="s4",
        title="Note 12 — Leases",
        kind="note",
        label="Note 12",
        level=2,
        parent="s1",
        page_start=2,
        page_end=2,
    ),
]


def test_resolution_prefers_named_part_then_first():
    refs = resolve_refs(
        find_refs("see Part II, Item 2 and Note 12 and Item 2 and Exhibit 10.1"), SECTIONS
    )
    by = {(r.label, r.text): r.target_section for r in refs}
    assert by[("Item 2", "Part II, Item 2")] == "s3"
    assert by[("Note 12", "Note 12")] == "s4"
    assert by[("Exhibit 10.1", "Exhibit 10.1")] is None
    assert resolution_stats(refs) == (4, 3)
    plain = resolve_refs(find_refs("Item 2"), SECTIONS)
    assert plain[0].target_section == "s1"
