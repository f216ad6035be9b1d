"""Fusing ranked lists from several retrievers."""

from __future__ import annotations

Ranked = list[tuple[int, float]]  # (row, score), best first


def rrf(lists: dict[str, Ranked], k: int = 60) -> Ranked:
    """Reciprocal-rank fusion: sum over retrievers of 1 / (k + rank), rank from 1."""
    fused: dict[int, float] = {}
    for ranked in lists.values():
        for rank, (row, _) in enumerate(ranked, start=1):
            fused[row] = fused.get(row, 0.0) + 1.0 / (k + rank)
    return sorted(fused.items(), key=lambda x: (-x[1], x[0]))


def weighted(lists: dict[str, Ranked], weights: dict[str, float]) -> Ranked:
    """Weighted sum of min-max normalised scores (a retriever that misses a row adds 0)."""
    fused: dict[int, float] = {}
    for name, ranked in lists.items():
        if not ranked:
            continue
        scores = [s for _, s in ranked]
        lo, hi = min(scores), max(scores)
        span = hi - lo
        w = weights.get(name, 1.0)
        for row, s in ranked:
            norm = (s - lo) / span if span > 0 else 1.0
            fused[row] = fused.get(row, 0.0) + w * norm
    return sorted(fused.items(), key=lambda x: (-x[1], x[0]))
