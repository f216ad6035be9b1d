"""The one section lookup the tools and the REST API share: its rules in order, and a clear miss."""

from __future__ import annotations

import pytest

from docnav.ingestion.section_lookup import SectionNotFound, find_section
from docnav.ingestion.store import section_paths
from docnav.types import Section

SECTIONS = [
    Section(id="s0000", title="PART II", kind="part", label="Part II", page_start=10, page_end=40),
    Section(
        id="s0001",
        title="Item 8. Financial Statements",
        kind="item",
        label="Item 8",
        level=1,
        parent="s0000",
        page_start=20,
        page_end=40,
    ),
    Section(
        id="s0002",
        title="Note 12 — Leases",
        kind="note",
        label="Note 12",
        level=2,
        parent="s0001",
        page_start=33,
        page_end=34,
    ),
    Section(
        id="s0003",
        title="Note 13 — Lease commitments",
        kind="note",
        label="Note 13",
        level=2,
        parent="s0001",
        page_start=35,
        page_end=35,
    ),
]
PATHS = section_paths(SECTIONS)


@pytest.mark.parametrize(
    ("query", "want"),
    [
        ("s0002", "s0002"),  # id
        ("Part II > Item 8. Financial Statements", "s0001"),  # full path
        ("note 12", "s0002"),  # label, any case
        ("Note 12 — Leases, continued", "s0002"),  # a reference naming the label
        ("item 8. financial statements", "s0001"),  # title
        ("Note 13 — Lease commitments", "s0003"),
        ("financial statements", "s0001"),  # title words
    ],
)
def test_rules(query: str, want: str) -> None:
    assert find_section(SECTIONS, query, PATHS)[0].id == want


def test_title_words_matching_several_give_the_first_and_the_others() -> None:
    first, others = find_section(SECTIONS, "lease", PATHS)
    assert first.id == "s0002" and [s.id for s in others] == ["s0003"]


def test_a_miss_names_the_labels_there_are() -> None:
    with pytest.raises(SectionNotFound, match="no section 'Note 99'.*Note 12") as e:
        find_section(SECTIONS, "Note 99", PATHS)
    assert "Item 8" in e.value.labels
