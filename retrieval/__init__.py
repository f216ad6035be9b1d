"""Retrieval: the filing tokenizer and BM25 (bm25s engine, rank-bm25 baseline).

Dense, hybrid fusion, filters and reranking land with issue 4.
"""

from docnav.retrieval.bm25 import Bm25Index, RankBm25Index
from docnav.retrieval.tokenize import chunk_tokens, number_tokens, query_tokens, tokenize

__all__ = [
    "Bm25Index",
    "RankBm25Index",
    "chunk_tokens",
    "number_tokens",
    "query_tokens",
    "tokenize",
]
