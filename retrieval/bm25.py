"""BM25 over chunk tokens: bm25s is the engine; rank-bm25 sits behind the same interface
as the baseline that benchmarks and parity tests compare against.

Scores differ between BM25 variants only in the idf term. ``method="lucene"`` (the default)
never gives a negative idf; ``method="robertson"`` is the classic Okapi formula and matches
rank-bm25's ``BM25Okapi`` for terms that occur in fewer than half the chunks (Okapi then
floors idf at epsilon x mean idf, bm25s at 0), up to a constant factor: bm25s leaves out the
(k1 + 1) numerator, which changes no ranking.
"""

from __future__ import annotations

import json
from pathlib import Path

import bm25s
import numpy as np
from rank_bm25 import BM25Okapi

Hit = tuple[int, float]  # (row in the indexed corpus, score)


class Bm25Index:
    """bm25s index over pre-tokenized documents (see :mod:`docnav.retrieval.tokenize`)."""

    def __init__(self, k1: float = 1.5, b: float = 0.75, method: str = "lucene") -> None:
        self.params = {"k1": k1, "b": b, "method": method}
        self._bm25 = bm25s.BM25(k1=k1, b=b, method=method)
        self.n_docs = 0

    @classmethod
    def build(cls, corpus_tokens: list[list[str]], **params) -> Bm25Index:
        index = cls(**params)
        # an empty document gets a placeholder token so row numbers stay aligned
        index._bm25.index([t or ["\u2205"] for t in corpus_tokens], show_progress=False)
        index.n_docs = len(corpus_tokens)
        return index

    def search(
        self,
        query_tokens: list[str],
        k: int = 10,
        mask: np.ndarray | None = None,
        weights: list[float] | None = None,
    ) -> list[Hit]:
        """Top ``k`` rows by score; ``mask`` (bool per row) restricts the candidates *before*
        ranking, so a metadata filter never costs recall. ``weights`` (one per query token)
        scale each token's contribution, e.g. synonyms below the words the user wrote."""
        scores = self.scores(query_tokens, weights)
        return [] if scores is None else _top(scores, k, mask)

    def scores(
        self, query_tokens: list[str], weights: list[float] | None = None
    ) -> np.ndarray | None:
        """The score of every row (None when no query token is in the vocabulary)."""
        if self.n_docs == 0:
            return None
        vocab = self._bm25.vocab_dict
        if weights is None:
            weights = [1.0] * len(query_tokens)
        by_weight: dict[float, list[str]] = {}
        for t, w in zip(query_tokens, weights, strict=True):
            if t in vocab and w > 0:
                by_weight.setdefault(w, []).append(t)
        if not by_weight:
            return None
        scores = None
        for w, toks in by_weight.items():
            s = np.asarray(self._bm25.get_scores(toks), dtype=np.float64)
            scores = w * s if scores is None else scores + w * s
        return scores

    def save(self, folder: str | Path) -> None:
        folder = Path(folder)
        self._bm25.save(str(folder))
        (folder / "docnav_bm25.json").write_text(json.dumps({**self.params, "n_docs": self.n_docs}))

    @classmethod
    def load(cls, folder: str | Path) -> Bm25Index:
        folder = Path(folder)
        meta = json.loads((folder / "docnav_bm25.json").read_text())
        index = cls(k1=meta["k1"], b=meta["b"], method=meta["method"])
        index._bm25 = bm25s.BM25.load(str(folder))
        index.n_docs = meta["n_docs"]
        return index


class RankBm25Index:
    """rank-bm25's ``BM25Okapi`` behind the same interface: the baseline, not the engine."""

    def __init__(self, k1: float = 1.5, b: float = 0.75) -> None:
        self.params = {"k1": k1, "b": b}
        self._bm25: BM25Okapi | None = None
        self.n_docs = 0

    @classmethod
    def build(
        cls, corpus_tokens: list[list[str]], k1: float = 1.5, b: float = 0.75
    ) -> RankBm25Index:
        index = cls(k1=k1, b=b)
        index._bm25 = BM25Okapi([t or ["\u2205"] for t in corpus_tokens], k1=k1, b=b)
        index.n_docs = len(corpus_tokens)
        return index

    def search(
        self, query_tokens: list[str], k: int = 10, mask: np.ndarray | None = None
    ) -> list[Hit]:
        if self._bm25 is None or not query_tokens:
            return []
        scores = np.asarray(self._bm25.get_scores(query_tokens), dtype=np.float64)
        return _top(scores, k, mask)


def _top(scores: np.ndarray, k: int, mask: np.ndarray | None) -> list[Hit]:
    scores = np.asarray(scores, dtype=np.float64)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    k = min(k, int(np.isfinite(scores).sum()) if mask is not None else len(scores))
    if k <= 0:
        return []
    idx = np.argpartition(-scores, k - 1)[:k]
    idx = idx[np.lexsort((idx, -scores[idx]))]  # score desc, then row asc: deterministic ties
    return [(int(i), float(scores[i])) for i in idx if scores[i] > 0]  # no shared term: no hit
