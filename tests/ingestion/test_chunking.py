"""Chunking: sections are hard boundaries, tables are atomic, long sections overlap."""

from __future__ import annotations

from docnav.ingestion.chunking import make_chunks
from docnav.types import Block, DocumentMeta, Section, StructuredDoc

SECTIONS = [
    Section(id="s0000", title="PART II", kind="part", label="Part II", page_start=0, page_end=3),
    Section(
        id="s0001",
        title="Item 7. MD&A",
        kind="item",
        label="Item 7",
        level=1,
        parent="s0000",
        page_start=0,
        page_end=1,
    ),
    Section(
        id="s0002",
        title="Item 8. Financial Statements",
        kind="item",
        label="Item 8",
        level=1,
        parent="s0000",
        page_start=2,
        page_end=3,
    ),
    Section(
        id="s0003",
        title="Note 12 — Leases",
        kind="note",
        label="Note 12",
        level=2,
        parent="s0002",
        page_start=3,
        page_end=3,
    ),
]


def para(i: int) -> str:
    return f"Paragraph {i} of the discussion, which talks about revenue and margins at length. " * 3


def doc() -> StructuredDoc:
    blocks = [
        Block(type="text", text=para(i), page_start=i // 10, page_end=i // 10, section_id="s0001")
        for i in range(20)
    ]
    table = "\n".join(
        ["(In millions) 2023 2022"] + [f"Line {i} $ {1000 + i:,} $ {900 + i:,}" for i in range(120)]
    )
    blocks.append(
        Block(
            type="table",
            text=table,
            page_start=2,
            page_end=2,
            section_id="s0002",
            caption="Consolidated Statements of Operations",
            scale=1e6,
        )
    )
    blocks.append(
        Block(
            type="text",
            text="Lease cost was $45.2 million. See Note 12 and Item 7.",
            page_start=3,
            page_end=3,
            section_id="s0003",
        )
    )
    return StructuredDoc(sections=SECTIONS, blocks=blocks)


def test_sections_are_boundaries_and_overlap_is_small():
    chunks = make_chunks(
        "d", doc(), DocumentMeta(form="10-K", fiscal_year=2023), chunk_chars=1200, overlap_chars=300
    )
    mdna = [c for c in chunks if c.section_id == "s0001"]
    assert len(mdna) > 3
    assert all(len(c.text) <= 1200 for c in mdna)
    for a, b in zip(mdna, mdna[1:], strict=False):
        last_para = a.text.split("\n")[-1]
        assert b.text.startswith(last_para)  # the overlap repeats the tail paragraph
    assert {c.section_path for c in chunks} == {
        "PART II > Item 7. MD&A",
        "PART II > Item 8. Financial Statements",
        "PART II > Item 8. Financial Statements > Note 12 — Leases",
    }
    assert all(c.form == "10-K" and c.fiscal_year == 2023 for c in chunks)


def test_table_is_one_chunk_with_caption_and_scaled_numbers():
    chunks = make_chunks("d", doc(), DocumentMeta(), chunk_chars=1200)
    (table,) = [c for c in chunks if c.type == "table"]
    assert len(table.text) > 1200  # atomic even past the size target
    assert table.text.startswith("Consolidated Statements of Operations\n(In millions) 2023 2022")
    assert "Line 119" in table.text
    assert "usd:1000000000" in {n.canonical for n in table.numbers}


def test_refs_resolved_and_self_reference_dropped():
    chunks = make_chunks("d", doc(), DocumentMeta())
    note = next(c for c in chunks if c.section_id == "s0003")
    assert [(r.label, r.target_section) for r in note.refs] == [
        ("Item 7", "s0001")
    ]  # "Note 12" is itself
    assert [n.canonical for n in note.numbers] == ["usd:45200000"]
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
