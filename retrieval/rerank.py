"""Rerankers: reorder the fused candidates of a search by a stronger (slower) model.

The contract is tiny so the index can call any of them: ``score(query, texts)`` returns one
relevance score per text, higher is better.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Reranker(Protocol):
    name: str

    def score(self, query: str, texts: list[str]) -> list[float]: ...
