"""The search tool over the real corpus index (BM25 here; hybrid with the real MiniLM model
in the slow test), on each backend (``index`` in conftest: CorpusIndex or PgIndex)."""

from __future__ import annotations

import pytest

from docnav.tools import ToolContext
from tests.tools.conftest import call

pytestmark = pytest.mark.shared


def _check_reads(ctx: ToolContext, r) -> None:
    """Every recorded read is text of the page it names (whitespace collapsed), and most of
    what was shown is recorded."""
    assert r.reads
    for rd in r.reads:
        page = " ".join(ctx.store.page_text(rd.doc_id, rd.page).split())
        assert " ".join(rd.text.split()) in page
    recorded = sum(len(rd.text.split()) for rd in r.reads)
    shown = len(r.text.split())
    assert recorded > 0.6 * shown


def test_search_returns_located_passages(ctx, index):
    ctx.index = index
    r = call(ctx, "search", query="long-term debt revolving credit facility", mode="bm25", k=3)
    assert r.ok, r.text
    assert "BESTBUY_2024Q2_10Q" in r.text and ("pp." in r.text or "p. " in r.text)
    assert "Item 1. Financial Statements" in r.text  # the section path
    _check_reads(ctx, r)


def test_search_filters(ctx, index):
    ctx.index = index
    r = call(ctx, "search", query="net sales", mode="bm25", company="Amcor", k=5)
    assert r.ok and "AMCOR" in r.text and "BESTBUY" not in r.text
    r = call(ctx, "search", query="net sales", mode="bm25", doc="BESTBUY_2024Q2_10Q")
    assert "AMCOR" not in r.text
    r = call(ctx, "search", query="net sales", mode="bm25", year=1990)
    assert r.ok and "No passage found" in r.text


def test_search_without_index_says_so(ctx):
    ctx.index = None
    r = call(ctx, "search", query="debt")
    assert not r.ok and "grep" in r.text


@pytest.mark.slow
def test_hybrid_search_with_the_real_model(ctx, index):
    ctx.index = index
    r = call(ctx, "search", query="How much did Best Buy's revenue decline?", k=3)
    assert r.ok and "BESTBUY_2024Q2_10Q" in r.text
    _check_reads(ctx, r)
