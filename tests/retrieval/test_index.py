"""The corpus index on real filings: BM25, dense (the real MiniLM model) and hybrid search,
filters before ranking, incremental embeddings."""

from __future__ import annotations

import pytest

from docnav.ingestion import CorpusStore, ingest_paths
from docnav.retrieval.index import CorpusIndex, SearchFilters

pytestmark = [pytest.mark.shared, pytest.mark.slow]


@pytest.fixture(scope="module")
def built(tmp_path_factory, fb_pdfs):
    root = tmp_path_factory.mktemp("idx")
    store = CorpusStore(root / "store")
    files = [fb_pdfs / "AMCOR_2023Q4_EARNINGS.pdf", fb_pdfs / "BESTBUY_2024Q2_10Q.pdf"]
    ingest_paths(store, files)
    index = CorpusIndex(store, root / "indexes")
    index.ensure(dense=True)
    return store, index


def test_bm25_dense_hybrid_find_the_right_filing(built):
    _, index = built
    for mode in ("bm25", "dense", "hybrid"):
        hits = index.search("Best Buy comparable sales decline by category", mode=mode, k=5)
        assert hits and hits[0].doc_name == "BESTBUY_2024Q2_10Q", mode
        assert all(h.page_start <= h.page_end for h in hits)
    hybrid = index.search("Amcor adjusted EBIT guidance", mode="hybrid", k=3)
    assert hybrid[0].doc_name == "AMCOR_2023Q4_EARNINGS"
    assert "fused" in hybrid[0].scores and hybrid[0].ranks


def test_filters_apply_before_ranking(built):
    _, index = built
    hits = index.search("net sales", mode="hybrid", k=20, filters=SearchFilters(form="10-Q"))
    assert hits and {h.doc_name for h in hits} == {"BESTBUY_2024Q2_10Q"}
    hits = index.search("net sales", mode="bm25", k=20, filters=SearchFilters(company="Amcor"))
    assert {h.doc_name for h in hits} == {"AMCOR_2023Q4_EARNINGS"}
    assert (
        index.search("net sales", mode="bm25", filters=SearchFilters(year_min=1990, year_max=1991))
        == []
    )
    weighted = index.search("net sales", mode="hybrid", k=5, fusion="weighted")
    assert len(weighted) == 5


def test_embeddings_are_incremental(built):
    store, index = built
    folder = next(index.folder.glob("dense-*"))
    before = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.npy")}
    assert len(before) == 2
    with store.write_lock():
        store.remove("AMCOR_2023Q4_EARNINGS")
    index.ensure(dense=True)
    after = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.npy")}
    assert len(after) == 1 and all(
        before[n] == t for n, t in after.items()
    )  # kept, not re-embedded
    assert {h.doc_name for h in index.search("sales", mode="dense", k=5)} == {"BESTBUY_2024Q2_10Q"}


def test_forced_reingest_reembeds(built, fb_pdfs):
    store, index = built
    folder = next(index.folder.glob("dense-*"))
    (before,) = [p.name for p in folder.glob("*.npy")]
    ingest_paths(
        store, [fb_pdfs / "BESTBUY_2024Q2_10Q.pdf"], force=True
    )  # same bytes, chunks rewritten
    index.ensure(dense=True)
    (after,) = [p.name for p in folder.glob("*.npy")]
    assert after != before and index.dense.n_docs == len(index.chunks)
