"""The same real corpus on both backends: identical contents, identical CorpusIndex
rankings, and search inside PostgreSQL (full-text keyword, pgvector HNSW with filters in
the query) checked against the in-process indexes."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from docnav.ingestion.backend import open_store
from docnav.ingestion.pipeline import IngestOptions, commit, parse_file
from docnav.retrieval.index import CorpusIndex, SearchFilters

from .conftest import fresh_schema

SMALL = (
    "BESTBUY_2023Q4_EARNINGS",
    "BESTBUY_2024Q2_EARNINGS",
    "ULTABEAUTY_2023Q4_EARNINGS",
    "ULTABEAUTY_2024Q1_EARNINGS",
    "AMCOR_2022_8K_dated-2022-07-01",
)
QUESTIONS = (
    "Best Buy comparable sales decline",
    "Ulta Beauty net sales increase fiscal 2023",
    "Amcor acquisition announcement",
    "diluted earnings per share",
    "share repurchases and dividends",
)


@pytest.fixture(scope="module")
def stores(tmp_path_factory, fb_pdfs: Path):
    """The five filings parsed once and committed to a file store and a PostgreSQL store."""
    parsed = [parse_file(fb_pdfs / f"{n}.pdf", IngestOptions()) for n in SMALL]
    with fresh_schema() as url:
        root = tmp_path_factory.mktemp("backends")
        file_store = open_store(root / "file")
        pg_store = open_store(root / "pg", url)
        for store in (file_store, pg_store):
            for p in parsed:
                assert commit(store, p).status == "added"
        yield file_store, pg_store
        pg_store.close()


def test_both_backends_hold_the_same_corpus(stores):
    file_store, pg_store = stores
    docs = file_store.list_documents()
    drop = {"ingested_at"}  # stamped at each commit
    assert [d.model_dump(exclude=drop) for d in pg_store.list_documents()] == [
        d.model_dump(exclude=drop) for d in docs
    ]
    assert [d.doc_id for d in pg_store.list_documents(company="ulta", year=2023)] == [
        d.doc_id for d in file_store.list_documents(company="ulta", year=2023)
    ]
    for d in docs:
        assert pg_store.chunks(d.doc_id) == file_store.chunks(d.doc_id)
        assert pg_store.sections(d.doc_id) == file_store.sections(d.doc_id)
        assert pg_store.facts(d.doc_id) == file_store.facts(d.doc_id)
        assert pg_store.page_text(d.doc_id, 0) == file_store.page_text(d.doc_id, 0)


@pytest.fixture(scope="module")
def file_index(stores, tmp_path_factory) -> CorpusIndex:
    """The file store's index, embedded once for the module (a loaded CPU embeds slowly)."""
    index = CorpusIndex(stores[0], tmp_path_factory.mktemp("index-file"))
    index.ensure(dense=True)
    return index


def test_corpus_index_ranks_alike_on_either_backend(stores, file_index, tmp_path):
    pg_index = CorpusIndex(stores[1], tmp_path / "pg")
    # embedding files are keyed by version folder, named alike on both backends: reuse them
    shutil.copytree(file_index._dense_folder(), pg_index._dense_folder())
    for q in QUESTIONS:
        for mode in ("bm25", "hybrid"):
            ra, rb = file_index.search(q, mode=mode, k=10), pg_index.search(q, mode=mode, k=10)
            assert [h.chunk_id for h in ra.hits] == [h.chunk_id for h in rb.hits], (q, mode)


@pytest.fixture(scope="module")
def pg_search(stores, file_index):
    """PgSearch with the file index's embeddings written for all filings but one, which
    embed_missing embeds (so both the bulk write and the embedding path run)."""
    from docnav.retrieval.pg_search import PgSearch

    search = PgSearch(stores[1], dim=file_index.dense.matrix.shape[1])
    search.ensure_table()
    last = file_index.chunks[-1].doc_id
    rows = [i for i, c in enumerate(file_index.chunks) if c.doc_id != last]
    keys = [(file_index.chunks[i].doc_id, file_index.chunks[i].ordinal) for i in rows]
    search.write_embeddings(keys, np.asarray(file_index.dense.matrix[rows], dtype=np.float32))
    assert search.write_embeddings(keys[:3], np.zeros((3, search.dim))) == 3  # kept as they were
    n_last = sum(c.doc_id == last for c in file_index.chunks)
    assert search.embed_missing() == n_last
    assert search.embed_missing() == 0  # embedded once: a rerun adds nothing
    return search


def test_vector_search_matches_exact_search(pg_search, file_index):
    """pgvector's HNSW top 10 against an exact numpy scan of the same embeddings."""
    for q in QUESTIONS:
        want = [file_index.chunks[r].id for r, _ in file_index.dense.search(q, 10)]
        got = [h.chunk_id for h in pg_search.vector(q, 10)]
        assert len(set(got) & set(want)) >= 9, q  # float16 rounding may swap a near tie
        assert got[0] == want[0], q


def test_filters_apply_inside_each_query(stores, pg_search):
    file_store, _ = stores
    ulta = {d.doc_id for d in file_store.list_documents(company="Ulta")}
    f = SearchFilters(company="Ulta Beauty")
    for hits in (
        pg_search.vector("net sales", 20, f),
        pg_search.keyword("net sales", 20, f),
        pg_search.hybrid("net sales", 20, f),
    ):
        assert hits and {h.doc_id for h in hits} <= ulta
    # a selective filter still fills k from the HNSW walk (iterative scan)
    one = sorted(ulta)[0]
    n = len(file_store.chunks(one))
    hits = pg_search.vector("net sales", 10, SearchFilters(doc_ids=[one]))
    assert len(hits) == min(10, n) and {h.doc_id for h in hits} == {one}
    # fiscal years the CorpusIndex way: Ulta's January year ends answer to both labels
    years = pg_search.vector(
        "net sales", 50, SearchFilters(company="Ulta", year_min=2023, year_max=2023)
    )
    assert years and {h.doc_id for h in years} <= ulta
    assert pg_search.keyword("net sales", 10, SearchFilters(company="no such company")) == []
    prefixed = pg_search.keyword("sales", 10, SearchFilters(section_prefix="(unknown)"))
    assert all(h.section_path.lower().startswith("(unknown)") for h in prefixed)


def test_keyword_search_in_the_database(pg_search):
    hits = pg_search.keyword("Amcor acquisition Bemis", 5)
    assert hits and hits[0].doc_id.upper().startswith("AMCOR")
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert pg_search.keyword("the of and", 5) == []  # stop words only: no query
    assert pg_search.keyword("", 5) == []


def test_a_replaced_filing_is_embedded_again(stores, pg_search):
    _, pg_store = stores
    doc = pg_store.list_documents(company="Amcor")[0]
    before = len(pg_store.chunks(doc.doc_id))
    with pg_store.write_lock():
        pg_store.put(
            doc,
            [pg_store.page_text(doc.doc_id, i) for i in range(doc.n_pages)],
            pg_store.sections(doc.doc_id),
            lambda _id: pg_store.chunks(doc.doc_id),
        )
    assert len(pg_search.missing()) == before  # the old rows went with the old chunks
    assert pg_search.embed_missing() == before
    assert np.isfinite(pg_search.vector("Amcor", 1)[0].score)
