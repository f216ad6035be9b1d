"""Approximate nearest neighbours for large embedding matrices: faiss HNSW, inner product.

faiss-cpu was chosen over hnswlib by measurement (see the commit that added it and
results/retrieval-speed): both reach the same recall at the same efSearch, faiss ships
a manylinux wheel for Python 3.11 while hnswlib 0.8.0 is a source package that needs a C++
compiler to install, and faiss filters natively during graph search (``IDSelectorBitmap``),
which a metadata mask needs.
"""

from __future__ import annotations

import numpy as np

from docnav.errors import DocnavError


def _faiss():
    try:
        import faiss
    except ImportError as exc:  # pragma: no cover - faiss-cpu is a dependency
        raise DocnavError("the ANN index needs faiss-cpu: pip install faiss-cpu") from exc
    return faiss


class HnswIndex:
    """HNSW graph over L2-normalised float32 rows; scores are inner products (= cosine)."""

    def __init__(self, index, ef_search: int = 128) -> None:
        self.index = index
        self.ef_search = ef_search

    @property
    def n(self) -> int:
        return int(self.index.ntotal)

    @classmethod
    def build(
        cls,
        matrix: np.ndarray,
        m: int = 32,
        ef_construction: int = 80,
        ef_search: int = 128,
        threads: int | None = None,
        batch: int = 20_000,
    ) -> HnswIndex:
        faiss = _faiss()
        if threads:
            faiss.omp_set_num_threads(threads)
        index = faiss.IndexHNSWFlat(int(matrix.shape[1]), m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = ef_construction
        for start in range(0, matrix.shape[0], batch):  # upcast a slice at a time, not all
            index.add(np.ascontiguousarray(matrix[start : start + batch], dtype=np.float32))
        return cls(index, ef_search)

    def search(
        self, q: np.ndarray, k: int, mask: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Top ``k`` (row, score); with ``mask`` only masked rows are visited as results
        (faiss filters during the graph walk), so fewer than ``k`` may come back."""
        faiss = _faiss()
        k = min(k, self.n)
        if k <= 0:
            return []
        ef = max(self.ef_search, k)
        bits = None
        if mask is None:
            params = faiss.SearchParametersHNSW(efSearch=ef)
        else:
            bits = np.packbits(np.asarray(mask, dtype=bool), bitorder="little")
            sel = faiss.IDSelectorBitmap(self.n, faiss.swig_ptr(bits))
            params = faiss.SearchParametersHNSW(sel=sel, efSearch=ef)
        scores, ids = self.index.search(
            np.ascontiguousarray(q, dtype=np.float32).reshape(1, -1), k, params=params
        )
        del bits  # kept alive until the search above returned
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
