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
from functools import lru_cache

import numpy as np

from docnav.retrieval.bm25 import Bm25Index
from docnav.retrieval.synonyms import load_groups
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
    def from_files(
        cls, lines_of: Iterable[tuple[int, Callable[[], Iterable[str]]]]
    ) -> LineItemIndex:
        return cls(cls.entries_from_files(lines_of))

    @staticmethod
    def entries_from_files(
        lines_of: Iterable[tuple[int, Callable[[], Iterable[str]]]],
    ) -> list[tuple[int, int, str]]:
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
        return entries

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


@lru_cache(maxsize=1)
def _term_groups() -> tuple[dict[tuple[str, ...], list[int]], list[list[str]], int]:
    """Synonym term (as tokens) -> its groups; each group's tokens; the longest term."""
    terms: dict[tuple[str, ...], list[int]] = {}
    group_tokens: list[list[str]] = []
    for gi, g in enumerate(load_groups()):
        toks: list[str] = []
        for t in g.terms:
            tt = tuple(tokenize(t))
            if tt:
                terms.setdefault(tt, []).append(gi)
                toks += [x for x in tt if x not in toks]
        group_tokens.append(toks)
    return terms, group_tokens, max((len(t) for t in terms), default=0)


@lru_cache(maxsize=65536)  # labels repeat across filings ("Total", "Net sales")
def _label_tokens(label: str) -> list[str]:
    """The label's words plus the names of the synonym groups whose terms it holds (a label
    is short: the synonyms carry the words questions use). The same groups as
    :func:`~docnav.retrieval.synonyms.expand`, found by n-gram lookup: there are 10^5 labels."""
    toks = tokenize(label)
    terms, group_tokens, longest = _term_groups()
    fired: list[int] = []
    for i in range(len(toks)):
        for n in range(1, min(longest, len(toks) - i) + 1):
            for gi in terms.get(tuple(toks[i : i + n]), ()):
                if gi not in fired:
                    fired.append(gi)
    have = set(toks)
    extra = [t for gi in fired for t in group_tokens[gi] if not (t in have or have.add(t))]
    return toks + extra
