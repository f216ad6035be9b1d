"""PostgreSQL as the engine's search backend: ``open_index`` picks :class:`PgIndex` for a
PostgreSQL store, and the planted questions of a synthetic corpus find their evidence
pages on it as on the in-process index: PgIndex ranks with CorpusIndex's own code over BM25
and pgvector in the database, so the page lists are the same (float rounding aside)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from docnav.ingestion.backend import open_store
from docnav.ingestion.pipeline import ingest_paths
from docnav.questions import load_questions
from docnav.retrieval.backends import PgIndex, open_index
from docnav.retrieval.index import CorpusIndex, SearchFilters
from docnav.settings import Settings
from docnav.synth import generate
from docnav.synth.generate import SynthConfig

from .conftest import fresh_schema

pytestmark = pytest.mark.slow  # ingests a corpus twice, embeds it once: 563 s at load ~7, nice 19

SEARCH = {"mode": "hybrid", "k": 10, "understand": "filter", "unit": "page"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Five synthetic EDGAR HTML filings (a 10-Q, three 10-Ks, an 8-K) and their questions."""
    cfg = SynthConfig(
        companies=3,
        first_year=2024,
        last_year=2024,
        formats=["html"],
        quarters=[2],
        quarterly_companies=1,
    )
    out = tmp_path_factory.mktemp("synth")
    generate(cfg, out)
    return out


@pytest.fixture(scope="module")
def indexes(corpus: Path, tmp_path_factory):
    """The in-process index over a file store and PgIndex over a PostgreSQL store of the same
    files; PostgreSQL gets the file index's vectors for all filings but one, which
    ``ensure`` embeds (both paths run, one model load)."""
    root = tmp_path_factory.mktemp("both")
    file_store = open_store(root / "file")
    ingest_paths(file_store, [corpus / "html"])
    file_index = CorpusIndex(file_store, root / "indexes")
    file_index.ensure(dense=True)
    with fresh_schema() as url:
        pg_store = open_store(root / "pg", url)
        ingest_paths(pg_store, [corpus / "html"])
        pg_index = open_index(Settings(home=root / "home", database_url=url), pg_store)
        assert isinstance(pg_index, PgIndex)
        last = file_index.chunks[-1].doc_id
        rows = [i for i, c in enumerate(file_index.chunks) if c.doc_id != last]
        pg_index.pg.ensure_table()
        pg_index.pg.write_embeddings(
            [(file_index.chunks[i].doc_id, file_index.chunks[i].ordinal) for i in rows],
            np.asarray(file_index.dense.matrix[rows], dtype=np.float32),
        )
        assert pg_index.status().dense_missing == 1
        pg_index.ensure(dense=True)
        status = pg_index.status()
        assert (status.documents, status.dense_missing, status.chunks) == (
            5,
            0,
            len(file_index.chunks),
        )
        yield file_index, pg_index
        pg_store.close()


def test_open_index_keeps_the_file_index_without_a_database(tmp_path):
    store = open_store(tmp_path / "store")
    assert isinstance(open_index(Settings(home=tmp_path, database_url=None), store), CorpusIndex)


def _top_pages(index, question: str) -> list[tuple[str, int]]:
    return [(p.doc_name, p.page) for p in index.search(question, **SEARCH).pages]


def test_the_same_questions_find_the_same_pages(indexes, corpus):
    file_index, pg_index = indexes
    questions = [q for q in load_questions(corpus / "questions.jsonl") if q.evidence]
    found = {"file": 0, "pg": 0}
    overlap = []
    for q in questions:
        want = {(e.doc_name, e.page_index) for e in q.evidence}
        a, b = _top_pages(file_index, q.question), _top_pages(pg_index, q.question)
        found["file"] += bool(want & set(a))
        found["pg"] += bool(want & set(b))
        overlap.append(len(set(a) & set(b)) / max(1, len(a)))
    n = len(questions)
    print(
        f"{n} questions: evidence in top 10 pages {found}; mean top-10 overlap "
        f"{np.mean(overlap):.2f}"
    )
    assert n >= 20
    assert abs(found["file"] - found["pg"]) <= 1  # one question's near-tie at most
    assert np.mean(overlap) >= 0.9


def test_pg_index_answers_like_corpus_index(indexes):
    """The result's shape: chunks and pages, filters, the question's company as a filter."""
    file_index, pg_index = indexes
    doc = next(iter(pg_index.docs.values()))
    company = doc.meta.company
    res = pg_index.search(f"{company} total revenue", **SEARCH)
    assert res.unit == "page" and res.pages and len(res.hits) <= 10
    assert res.understand == "filter" and any("filter" in a for a in res.applied)
    assert {h.company for h in res.hits} == {company}
    for mode in ("bm25", "dense", "hybrid"):
        r = pg_index.search(
            "net income", mode=mode, k=5, filters=SearchFilters(doc_ids=[doc.doc_id])
        )
        assert len(r.hits) == 5 and {h.doc_id for h in r.hits} == {doc.doc_id}, mode
        assert r.hits[0].ranks and r.hits[0].score == max(h.score for h in r.hits), mode
    assert len(pg_index.chunks) == len(file_index.chunks)
    # routing and synonyms are CorpusIndex's own code on PostgreSQL too
    kw = {"route": "statements", "expand": True, "unit": "page", "understand": "filter"}
    a, b = (i.search("net income statement of operations", **kw) for i in indexes)
    assert a.applied == b.applied and any("synonym" in x for x in b.applied)
    assert [(p.doc_name, p.page) for p in a.pages] == [(p.doc_name, p.page) for p in b.pages]
    with pytest.raises(Exception, match="empty query"):
        pg_index.search("   ")


def test_engine_search_through_pg_index(pg_url, tmp_path):
    """What Engine does with its index (ingest + build, search with the settings' defaults,
    status, rebuild) works on PgIndex; the engine is pointed at it by hand here, as
    ``Engine.index`` will be by ``open_index``."""
    from docnav.engine import Engine

    src = tmp_path / "src"
    src.mkdir()
    for i, what in enumerate(("revenue grew on cloud demand", "a new credit facility")):
        (src / f"memo{i}.md").write_text(f"# Memo {i}\n\nIn fiscal 2024 {what}.\n")
    engine = Engine(Settings(home=tmp_path / "home", database_url=pg_url))
    engine._index = open_index(engine.settings, engine.store)
    engine.ingest([src], embed=True)  # builds what search needs: a vector per chunk, in pgvector
    assert engine.index_status().dense_missing == 0
    res = engine.search("credit facility")  # the settings' defaults, routing included
    assert res.unit == engine.settings.retrieval.unit and len(res.hits) == 2
    assert engine.search("credit facility", mode="bm25").hits[0].doc_name == "memo1"
    assert engine.search("cloud revenue", mode="bm25").hits[0].doc_name == "memo0"
    assert engine.rebuild_index(full=True).dense_embedded == 2
