"""Dense index: float16 storage and memory maps, HNSW against exact search on real MiniLM
embeddings of a real filing's chunks, masks (filters) honoured on every search path."""

from __future__ import annotations

import numpy as np
import pytest

from docnav.errors import DocnavError
from docnav.retrieval.dense import DenseIndex, embed

QUERIES = [
    "comparable sales decline by category",
    "cash and cash equivalents at the end of the period",
    "share repurchases and dividends paid",
    "risk factors about supply chain and inventory",
    "income tax rate for the quarter",
    "goodwill and intangible assets impairment",
]


@pytest.fixture(scope="module")
def real(tmp_path_factory, fb_pdfs):
    """MiniLM embeddings of every chunk of a real 10-Q, plus embedded queries."""
    from docnav.ingestion import CorpusStore, ingest_paths

    root = tmp_path_factory.mktemp("dense")
    store = CorpusStore(root / "store")
    ingest_paths(store, [fb_pdfs / "BESTBUY_2024Q2_10Q.pdf"])
    texts = [c.text for c in store.iter_all_chunks()]
    assert len(texts) > 50
    return embed(texts), embed(QUERIES)


def replicate(m: np.ndarray, n: int, sigma: float, seed: int = 0) -> np.ndarray:
    """``n`` rows made from real ones plus small noise, renormalised (as the speed bench)."""
    rng = np.random.default_rng(seed)
    out = np.resize(m, (n, m.shape[1])).astype(np.float32)
    out += rng.normal(0, sigma, out.shape).astype(np.float32)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def ids(hits):
    return [r for r, _ in hits]


@pytest.mark.slow
@pytest.mark.shared
def test_float16_round_trip_is_memory_mapped_and_keeps_top10(real, tmp_path):
    matrix, queries = real
    DenseIndex(matrix).save(tmp_path / "e16.npy", dtype="float16")
    DenseIndex(matrix).save(tmp_path / "e32.npy", dtype="float32")
    assert (tmp_path / "e16.npy").stat().st_size < 0.55 * (tmp_path / "e32.npy").stat().st_size
    d16 = DenseIndex.load(tmp_path / "e16.npy", ann_threshold=10**9)
    d32 = DenseIndex.load(tmp_path / "e32.npy", ann_threshold=10**9)
    assert isinstance(d16.matrix, np.memmap) and d16.matrix.dtype == np.float16
    assert np.abs(np.asarray(d16.matrix, dtype=np.float32) - matrix).max() < 1e-3
    overlap = [
        len(set(ids(d16.search_vector(q, 10))) & set(ids(d32.search_vector(q, 10)))) / 10
        for q in queries
    ]
    assert np.mean(overlap) >= 0.9
    # the default dtype is the setting's (float16)
    DenseIndex(matrix).save(tmp_path / "default.npy")
    assert DenseIndex.load(tmp_path / "default.npy").matrix.dtype == np.float16


@pytest.mark.slow
@pytest.mark.shared
def test_hnsw_recall_against_exact(real):
    matrix, queries = real
    big = replicate(matrix, 6000, sigma=0.02)
    exact = DenseIndex(big, ann_threshold=10**9)
    ann = DenseIndex(big, ann_threshold=1000)
    assert ann.uses_ann and not exact.uses_ann
    recalls = []
    for q in queries:
        truth = set(ids(exact.search_vector(q, 10)))
        got = ann.search_vector(q, 10)
        assert ann.last_path == "ann" and len(got) == 10
        recalls.append(len(truth & set(ids(got))) / 10)
    assert np.mean(recalls) >= 0.9
    # scores are cosines of the same vectors
    r, s = ann.search_vector(queries[0], 1)[0]
    assert s == pytest.approx(float(big[r] @ queries[0]), abs=1e-4)


@pytest.mark.slow
@pytest.mark.shared
def test_masked_search_returns_only_masked_rows_on_every_path(real):
    matrix, queries = real
    big = replicate(matrix, 6000, sigma=0.02, seed=1)
    rng = np.random.default_rng(2)
    exact = DenseIndex(big, ann_threshold=10**9)
    ann = DenseIndex(big, ann_threshold=1000)
    cases = {
        "exact-masked": rng.random(6000) < 0.1,  # 600 rows: below the threshold
        "ann-filtered": rng.random(6000) < 0.6,  # 3600 rows: HNSW filters while walking
    }
    for path, mask in cases.items():
        for q in queries:
            got = ann.search_vector(q, 10, mask)
            assert ann.last_path == path
            assert len(got) == 10 and all(mask[r] for r in ids(got))
            truth = exact.search_vector(q, 10, mask)
            assert exact.last_path == "exact-masked"
            assert len(set(ids(got)) & set(ids(truth))) >= 8
    tiny = np.zeros(6000, dtype=bool)
    tiny[[5, 77, 4000]] = True
    assert sorted(ids(ann.search_vector(queries[0], 10, tiny))) == [5, 77, 4000]
    assert ann.search_vector(queries[0], 10, np.zeros(6000, dtype=bool)) == []


def test_unreadable_embedding_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "broken.npy"
    bad.write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(DocnavError, match="docnav index rebuild"):
        DenseIndex.load(bad)
    np.save(tmp_path / "ints.npy", np.arange(10))
    with pytest.raises(DocnavError, match="not a float matrix"):
        DenseIndex.load(tmp_path / "ints.npy")
