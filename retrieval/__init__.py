"""Retrieval: the filing tokenizer, BM25 (bm25s engine, rank-bm25 baseline), dense and hybrid
search over the store (``docnav.retrieval.index.CorpusIndex``), query understanding
(companies, fiscal years and forms read from the question as filters or boosts),
finance-synonym expansion and a reranker hook. Import from the modules themselves.
"""
