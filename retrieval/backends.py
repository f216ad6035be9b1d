"""Which index answers a search: the in-process :class:`CorpusIndex` (bm25s and numpy/HNSW
files under the home), or, when ``DOCNAV_DATABASE_URL`` puts the store in PostgreSQL,
:class:`PgIndex`, whose candidate retrievers run inside the database.

``PgIndex`` *is* a ``CorpusIndex``: query understanding, filters and the latest-year boost,
synonym expansion, fusion, the reranker, page ranking and statement/filing routing are
CorpusIndex's own code. Only the retrievers below them differ:

* keyword: BM25 scored in SQL over postings of docnav's tokens (``PgSearch.bm25_scores``,
  bm25s's formula, so the same chunks rank the same);
* dense: pgvector's HNSW index (filters inside the query), and the chunk vectors the page
  ranker reads fetched by row from the database;
* line items: the facts files of each filing's version folder, as on the file store.

What stays in the process is the chunk list (records, no vectors and no postings) that the
shared ranking indexes by row: for the 35-filing dev store 11.5k chunks.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from docnav.ingestion.backend import StoreBackend
from docnav.retrieval.index import CorpusIndex, IndexStatus
from docnav.retrieval.pg_search import Key, PgSearch
from docnav.settings import RetrievalSettings, Settings


def open_index(settings: Settings, store: StoreBackend) -> CorpusIndex:
    """PostgreSQL's own retrievers for a PostgreSQL store, else the in-process index."""
    folder = settings.home_dir / "indexes"
    if settings.database_url and getattr(store, "backend", None) == "postgres":
        return PgIndex(store, settings.retrieval, folder)
    return CorpusIndex(store, folder, settings.retrieval)  # type: ignore[arg-type]


class PgIndex(CorpusIndex):
    """CorpusIndex over a PostgreSQL store, its keyword and vector retrievers in the database.
    ``folder`` holds only the line-item cache (as on the file store)."""

    def __init__(
        self,
        store,
        settings: RetrievalSettings | None = None,
        folder: str | Path | None = None,
    ) -> None:
        if folder is None:  # only the line-item cache lives here: a private temporary folder
            folder = Path(tempfile.mkdtemp(prefix="docnav-pg-index-"))
        super().__init__(store, folder, settings)
        self.pg = PgSearch(store, self.embedding_model)
        self._row_of: dict[Key, int] = {}

    def _load_chunks(self) -> None:
        super()._load_chunks()
        self._row_of = {(c.doc_id, c.ordinal): i for i, c in enumerate(self.chunks)}
        # a filing's chunks are rows first..first+n-1 in ordinal order 0..n-1 (the store
        # lists them so): then a row is first[doc] + ordinal, found without a dict per chunk
        self._first = {}
        for i, c in enumerate(self.chunks):
            self._first.setdefault(c.doc_id, i)
        self._dense_rows = all(
            i - self._first[c.doc_id] == c.ordinal for i, c in enumerate(self.chunks)
        )

    def _rows(self, docs: list[str], ords: np.ndarray) -> np.ndarray:
        """Rows of (doc_id, ordinal) pairs."""
        if self._dense_rows:
            first = self._first
            return np.fromiter((first[d] for d in docs), np.int64, len(docs)) + ords
        return np.fromiter(
            (self._row_of[(d, int(o))] for d, o in zip(docs, ords, strict=True)),
            np.int64,
            len(docs),
        )

    # -- the retrievers: what CorpusIndex builds as files, here in the database ------------
    def _bm25(self, fp: str) -> _PgBm25:
        self.pg.ensure_bm25()  # postings of new or replaced filings only
        return _PgBm25(self)

    def _dense(self, on_progress: Callable[[str, int, int], None] | None) -> _PgDense:
        self.pg.embed_missing(on_progress=on_progress)  # new or replaced filings only
        return _PgDense(self)

    # -- maintenance ------------------------------------------------------------------------
    def status(self) -> IndexStatus:
        """What is in the database; reads only, builds nothing."""
        with self._lock:
            self._load_chunks()
            self._fingerprint = None  # the next ensure() re-checks everything
        self.pg.ensure_table()
        self.pg.ensure_bm25_schema()
        rows = self.store._rows(
            "SELECT c.doc_id, count(*), count(e.doc_id), count(b.doc_id) FROM chunks c "
            f"LEFT JOIN {self.pg.table} e USING (doc_id, ordinal) "
            "LEFT JOIN bm25_docs b USING (doc_id, ordinal) GROUP BY c.doc_id"
        )
        embedded = sum(1 for _, n, e, _ in rows if n == e)
        postings = all(n == b for _, n, _, b in rows)
        return IndexStatus(
            folder="postgresql",
            documents=len(self.docs),
            chunks=len(self.chunks),
            bm25="ok" if postings else "stale",
            embedding_model=self.embedding_model,
            dense_embedded=embedded,
            dense_missing=len(self.docs) - embedded,
        )

    def rebuild(
        self,
        dense: bool = True,
        full: bool = False,
        on_progress: Callable[[str, int, int], None] | None = None,
    ) -> IndexStatus:
        """Postings again from the chunks; ``full`` also drops every vector of this model.
        Then builds what is missing."""
        self.pg.ensure_table()
        self.pg.ensure_bm25_schema()
        with self.store._connect() as db:
            db.execute("TRUNCATE bm25_docs CASCADE")
            if full:
                db.execute(f"TRUNCATE {self.pg.table}")
        with self._lock:
            self._fingerprint = None
            self.bm25 = self.dense = None
            self.ensure(dense=dense, on_progress=on_progress)
        return self.status()


class _PgBm25:
    """Bm25Index's ``scores`` answered by the database: every row's score (0: no shared
    token), None when no query token occurs in the store, as bm25s answers."""

    def __init__(self, index: PgIndex) -> None:
        self.index = index
        self.n_docs = len(index.chunks)

    def scores(self, tokens: list[str], weights: list[float] | None = None) -> np.ndarray | None:
        docs, ords, scores = self.index.pg.bm25_arrays(tokens, weights)
        if not docs:
            return None
        out = np.zeros(len(self.index.chunks), dtype=np.float64)
        out[self.index._rows(docs, ords)] = scores
        return out


class _PgDense:
    """DenseIndex's ``search_vector`` and ``matrix[rows]`` answered by pgvector."""

    def __init__(self, index: PgIndex) -> None:
        self.index = index
        self.matrix = _PgRows(index)

    def search_vector(
        self, q: np.ndarray, k: int, mask: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        index = self.index
        exact = len(index.chunks) < index.settings.ann_threshold  # as DenseIndex decides
        if mask is None:
            got = index.pg.nearest(q, k, exact=exact)
            return [(index._row_of[key], s) for key, s in got if key in index._row_of]
        rows = np.flatnonzero(mask)
        if not len(rows):
            return []
        docs = np.unique(index._doc_row[rows])
        whole = int(np.isin(index._doc_row, docs).sum()) == len(rows)
        if not whole:
            # a chunk-level filter (section prefix): the passing rows scanned exactly
            cos = self.matrix[rows] @ np.asarray(q, dtype=np.float32)
            order = np.lexsort((rows, -cos))[:k]
            return [(int(rows[i]), float(cos[i])) for i in order]
        names = list(index.docs)
        exact = exact or len(rows) < index.settings.ann_threshold
        got = index.pg.nearest(q, k, [names[d] for d in docs], exact)
        return [(index._row_of[key], s) for key, s in got if key in index._row_of]


class _PgRows:
    """``matrix[rows]``: the embeddings of those chunk rows, read from the database."""

    def __init__(self, index: PgIndex) -> None:
        self.index = index

    def __getitem__(self, rows) -> np.ndarray:
        chunks = self.index.chunks
        keys = [(chunks[r].doc_id, chunks[r].ordinal) for r in np.asarray(rows).tolist()]
        return self.index.pg.embeddings(keys)
