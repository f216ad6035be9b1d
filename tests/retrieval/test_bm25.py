"""BM25: the bm25s engine, the rank-bm25 baseline, parity between them, filters, persistence."""

from __future__ import annotations

import numpy as np
import pytest

from docnav.retrieval.bm25 import Bm25Index, RankBm25Index
from docnav.retrieval.tokenize import chunk_tokens, query_tokens, tokenize

DOCS = [
    "Net sales increased 5% to $32.8 billion in 2018",
    "Long-term debt and short-term borrowings, see Note 12",
    "Pension and postretirement benefit plans",
    "Operating lease cost was $45.2 million",
    "",
    "Purchases of property, plant and equipment (capex) were $1,577 million",
]
CORPUS = [tokenize(d) for d in DOCS]


@pytest.mark.parametrize("cls", [Bm25Index, RankBm25Index])
def test_ranks_the_matching_chunk_first(cls):
    index = cls.build(CORPUS)
    assert index.search(tokenize("lease cost"), k=3)[0][0] == 3
    assert index.search(tokenize("capex purchases"), k=1)[0][0] == 5
    assert index.search(tokenize("zebra"), k=3) == []
    assert all(score > 0 for _, score in index.search(tokenize("debt"), k=10))


@pytest.mark.parametrize("cls", [Bm25Index, RankBm25Index])
def test_mask_filters_before_ranking(cls):
    index = cls.build(CORPUS)
    mask = np.zeros(len(DOCS), dtype=bool)
    mask[[1, 2]] = True
    hits = index.search(tokenize("lease cost debt benefit"), k=5, mask=mask)
    assert {row for row, _ in hits} == {1, 2}


def test_save_load_roundtrip(tmp_path):
    index = Bm25Index.build(CORPUS)
    index.save(tmp_path / "bm25")
    again = Bm25Index.load(tmp_path / "bm25")
    q = tokenize("pension benefit")
    assert again.search(q, k=3) == index.search(q, k=3)
    assert again.n_docs == len(DOCS)


@pytest.mark.shared
def test_parity_with_rank_bm25_on_a_real_10k(fb_pdfs):
    from docnav.ingestion import IngestOptions, parse_file

    chunks = parse_file(fb_pdfs / "3M_2018_10K.pdf", IngestOptions()).chunks
    corpus = [chunk_tokens(c) for c in chunks]
    ours = Bm25Index.build(corpus, method="robertson")
    base = RankBm25Index.build(corpus)
    df: dict[str, int] = {}
    for toks in corpus:
        for t in set(toks):
            df[t] = df.get(t, 0) + 1
    queries = [
        "net sales by business segment",
        "long-term debt maturities",
        "pension plan assets",
        "restructuring actions charges",
        "respirator mask litigation",
        "capital expenditures 1,577",
    ]
    compared = 0
    for q in queries:
        toks = [
            t for t in query_tokens(q) if 0 < df.get(t, 0) < len(corpus) / 2
        ]  # Okapi floors the rest
        if not toks:
            continue
        a, b = ours.search(toks, k=10), base.search(toks, k=10)
        assert [r for r, _ in a] == [r for r, _ in b], q
        # bm25s leaves out Okapi's constant (k1 + 1) numerator: same ranking, scores x 2.5
        np.testing.assert_allclose([2.5 * s for _, s in a], [s for _, s in b], rtol=1e-5)
        compared += 1
    assert compared == len(queries)
