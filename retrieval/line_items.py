"""The line-item retriever: BM25 over the row labels of the statement facts (ingestion's
``facts.jsonl``), each label indexed with the finance synonyms of the group it belongs to, so
"capex" meets "Purchases of property, plant and equipment". One entry per (filing, page,
label); its hits are pages, one more ranked input to page fusion (:mod:`.pages`).

Facts are read once per index load (a backfill written later is seen at the next load).
Filings without facts simply add nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

import numpy as np

from docnav.retrieval.bm25 import Bm25Index
from docnav.retrieval.synonyms import expand as expand_tokens
from docnav.retrieval.tokenize import tokenize

__all__ = ["LineItemIndex"]


class LineItemIndex:
    """Row labels of every filing's facts; ``doc_rows[i]``/``pages[i]`` locate entry ``i``."""

    def __init__(self, entries: list[tuple[int, int, str]]) -> None:
        self.doc_rows = np.array([d for d, _, _ in entries], dtype=np.int32)
        self.pages = np.array([p for _, p, _ in entries], dtype=np.int32)
        self.labels = [label for _, _, label in entries]
        self.n = len(entries)
        # bm25s cannot index nothing (a store without facts)
        self.bm25 = Bm25Index.build([_label_tokens(x) for x in self.labels]) if entries else None

    @classmethod
    def from_files(cls, lines_of: Iterable[tuple[int, Callable[[], Iterable[str]]]]) -> LineItemIndex:
        """``lines_of``: (filing row, a callable giving its facts.jsonl lines). A label is kept
        once per page (the periods of one row are one entry)."""
        seen: set[tuple[int, int, str]] = set()
        entries: list[tuple[int, int, str]] = []
        for doc_row, lines in lines_of:
            for line in lines():
                if not line.strip():
                    continue
                f = json.loads(line)
                key = (doc_row, int(f["page"]), f.get("norm_label") or f["label"].lower())
                if key not in seen:
                    seen.add(key)
                    entries.append((doc_row, int(f["page"]), f["label"]))
        return cls(entries)

    def search(self, qtoks: list[str], doc_rows: set[int], top: int = 20) -> list[tuple[int, int]]:
        """Pages (filing row, page) of the best-matching labels within ``doc_rows``, best
        first, each page once."""
        if self.bm25 is None or not doc_rows:
            return []
        words = [t for t in qtoks if ":" not in t]  # number-value tokens never name a row
        scores = self.bm25.scores(words) if words else None
        if scores is None:
            return []
        mask = np.isin(self.doc_rows, np.fromiter(doc_rows, dtype=np.int32)) & (scores > 0)
        idx = np.flatnonzero(mask)  # a few filings' labels: sorting them is cheap
        idx = idx[np.lexsort((idx, -scores[idx]))]  # score desc, then entry: deterministic
        out: list[tuple[int, int]] = []
        for i in idx:
            key = (int(self.doc_rows[i]), int(self.pages[i]))
            if key not in out:
                out.append(key)
                if len(out) == top:
                    break
        return out


def _label_tokens(label: str) -> list[str]:
    """The label's words plus its synonym group's other names (a label is short: the
    synonyms carry the words questions use)."""
    toks = tokenize(label)
    return toks + expand_tokens(toks).tokens
