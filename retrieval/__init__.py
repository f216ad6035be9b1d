"""Retrieval: the filing tokenizer, BM25 (bm25s engine, rank-bm25 baseline), dense and hybrid
search over the store (:class:`CorpusIndex`), query understanding (companies, fiscal years and
forms read from the question as filters or boosts), finance-synonym expansion and a reranker
hook.
"""

from docnav.retrieval.bm25 import Bm25Index, RankBm25Index
from docnav.retrieval.index import CorpusIndex, IndexStatus, SearchHit, SearchResult
from docnav.retrieval.query import QueryAnalysis, SearchFilters, analyze_query, fiscal_year_of_date
from docnav.retrieval.synonyms import Expansion, expand
from docnav.retrieval.tokenize import chunk_tokens, number_tokens, query_tokens, tokenize

__all__ = [
    "Bm25Index",
    "CorpusIndex",
    "Expansion",
    "IndexStatus",
    "QueryAnalysis",
    "RankBm25Index",
    "SearchFilters",
    "SearchHit",
    "SearchResult",
    "analyze_query",
    "chunk_tokens",
    "expand",
    "fiscal_year_of_date",
    "number_tokens",
    "query_tokens",
    "tokenize",
]
