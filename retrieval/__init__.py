"""Retrieval: the filing tokenizer (BM25, dense, hybrid and reranking land with issue 4)."""

from docnav.retrieval.tokenize import chunk_tokens, number_tokens, query_tokens, tokenize

__all__ = ["chunk_tokens", "number_tokens", "query_tokens", "tokenize"]
