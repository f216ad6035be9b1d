"""The filing tokenizer: numbers, forms, periods and names survive; values meet across forms."""

from __future__ import annotations

from docnav.ingestion.numbers import extract_numbers
from docnav.retrieval.tokenize import chunk_tokens, query_tokens, tokenize
from docnav.types import Chunk


def test_filing_tokens_survive():
    toks = tokenize("Net sales were $45.2 million in FY2018 (Form 10-K), up 2.5%; Q3 capex 1,577")
    for t in ("45.2", "fy2018", "10-k", "2.5%", "q3", "1577", "capex", "sale"):
        assert t in toks, t
    assert "in" not in toks and "the" not in tokenize("the year")  # stop-words dropped


def test_names_periods_and_possessives():
    assert tokenize("3M's capex and Walmart’s sales") == ["3m", "capex", "walmart", "sale"]
    assert tokenize("FY 18 and fy2023 and 8-K and 10-Q") == ["fy2018", "fy2023", "8-k", "10-q"]
    assert tokenize("Revenues", stem=False) == ["revenues"]


def test_number_values_meet_across_written_forms():
    chunk = Chunk(
        id="d:00000",
        doc_id="d",
        ordinal=0,
        type="table",
        section_id=None,
        section_path="Item 8",
        page_start=0,
        page_end=0,
        text="Lease cost 45,200",
        numbers=extract_numbers("45,200", scale=1e3, unit="USD"),
    )
    ct = chunk_tokens(chunk)
    assert "n:45200000" in ct and "usd:45200000" in ct and "item" in ct
    for q in ("lease cost of $45.2 million?", "lease cost 45,200,000"):
        assert "n:45200000" in query_tokens(q), q
    assert not any(
        t.startswith("n:") for t in query_tokens("revenue in 2018 and FY 18")
    )  # years are periods
