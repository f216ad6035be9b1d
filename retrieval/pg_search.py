"""Search inside PostgreSQL: full-text keyword ranking and pgvector (HNSW) nearest
neighbours over the chunks of a :class:`~docnav.ingestion.store_pg.PgCorpusStore`, with
metadata filters applied inside each query, and reciprocal-rank fusion of the two.

Filters mean exactly what they mean to :class:`~docnav.retrieval.index.CorpusIndex`: the
documents that pass are decided from the catalog with the same rules (lenient company
names and former names, fiscal-year labels of January-March year ends), and the query is
restricted to them with ``doc_id = ANY(...)``. The vector query keeps pgvector's HNSW index
and asks for iterative index scans, so a selective filter still returns ``k`` rows.

Embeddings live in one table per embedding model (``chunk_emb_<key>``), rows keyed by the
chunk and deleted with it, so a replaced filing is embedded again and nothing else is.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable

import numpy as np
from pydantic import BaseModel, Field

from docnav.ingestion.metadata import company_matches
from docnav.ingestion.store_pg import PgCorpusStore
from docnav.retrieval.dense import DEFAULT_MODEL, embed
from docnav.retrieval.fusion import rrf
from docnav.retrieval.index import _dense_text, doc_passes
from docnav.retrieval.query import SearchFilters
from docnav.retrieval.tokenize import chunk_tokens, query_tokens
from docnav.types import Chunk, Document

Key = tuple[str, int]  # (doc_id, chunk ordinal)

# bm25s's defaults, as docnav's Bm25Index builds it (retrieval/bm25.py)
BM25_K1, BM25_B = 1.5, 0.75
BM25_LOCK = 0x626D3235  # "bm25": one postings writer at a time
EMPTY = "\u2205"  # an empty chunk's one token, as Bm25Index.build indexes it
# postings of docnav's tokens: rows keyed by the chunk and deleted with it
BM25_SCHEMA = """
CREATE TABLE IF NOT EXISTS bm25_docs (
    doc_id TEXT NOT NULL, ordinal INTEGER NOT NULL, len INTEGER NOT NULL,
    PRIMARY KEY (doc_id, ordinal),
    FOREIGN KEY (doc_id, ordinal) REFERENCES chunks(doc_id, ordinal) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS bm25_terms (
    term TEXT NOT NULL, doc_id TEXT NOT NULL, ordinal INTEGER NOT NULL, tf INTEGER NOT NULL,
    FOREIGN KEY (doc_id, ordinal) REFERENCES bm25_docs(doc_id, ordinal) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS bm25_terms_term ON bm25_terms (term) INCLUDE (doc_id, ordinal, tf);
CREATE INDEX IF NOT EXISTS bm25_terms_chunk ON bm25_terms (doc_id, ordinal);
"""


class PgHit(BaseModel):
    chunk_id: str
    doc_id: str
    ordinal: int
    page_start: int  # 0-based
    page_end: int
    section_path: str
    chunk_type: str
    text: str
    score: float
    scores: dict[str, float] = Field(default_factory=dict)


def _write_postings(db, chunks: list[Chunk]) -> None:
    """Each chunk's length and (term, tf) rows, by COPY (millions of rows for a large store)."""
    with db.cursor() as cur:
        with cur.copy("COPY bm25_docs (doc_id, ordinal, len) FROM STDIN") as cp:
            toks = [chunk_tokens(c) or [EMPTY] for c in chunks]
            for c, t in zip(chunks, toks, strict=True):
                cp.write_row((c.doc_id, c.ordinal, len(t)))
        with cur.copy("COPY bm25_terms (term, doc_id, ordinal, tf) FROM STDIN") as cp:
            for c, t in zip(chunks, toks, strict=True):
                for term, tf in Counter(t).items():
                    cp.write_row((term, c.doc_id, c.ordinal, tf))


def _vec(v: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in np.asarray(v, dtype=np.float32)) + "]"


class PgSearch:
    """Keyword, vector and hybrid search over a PostgreSQL store."""

    def __init__(
        self,
        store: PgCorpusStore,
        embedding_model: str = DEFAULT_MODEL,
        dim: int | None = None,
        ef_search: int = 128,
    ) -> None:
        self.store = store
        self.embedding_model = embedding_model
        self.ef_search = ef_search
        key = hashlib.sha256(embedding_model.encode()).hexdigest()[:8]
        self.table = f"chunk_emb_{key}"
        self._dim = dim
        self._catalog: tuple[frozenset, list[Document]] | None = None
        self.last_ms: dict[str, float] = {}

    # -- embeddings -------------------------------------------------------------------
    @property
    def dim(self) -> int:
        if self._dim is None:
            from docnav.retrieval.dense import load_encoder

            self._dim = load_encoder(self.embedding_model).get_embedding_dimension()
        return self._dim

    def ensure_table(self) -> None:
        with self.store._connect() as db:
            # one creator at a time (a stable key: Python's hash() differs per process)
            db.execute("SELECT pg_advisory_xact_lock(%s)", (int(self.table[-8:], 16),))
            db.execute(
                f"CREATE TABLE IF NOT EXISTS {self.table} ("
                "doc_id TEXT NOT NULL, ordinal INTEGER NOT NULL, "
                f"embedding vector({int(self.dim)}) NOT NULL, PRIMARY KEY (doc_id, ordinal), "
                "FOREIGN KEY (doc_id, ordinal) REFERENCES chunks(doc_id, ordinal) ON DELETE CASCADE)"
            )
            # cosine distance on normalised rows; m/ef_construction: pgvector's defaults
            db.execute(
                f"CREATE INDEX IF NOT EXISTS {self.table}_hnsw ON {self.table} "
                "USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
            )

    def missing(self, limit: int = 10_000) -> list[tuple[Chunk, Document]]:
        """Chunks without an embedding for this model, with their documents."""
        with self.store._connect() as db:
            rows = db.execute(
                f"SELECT c.record, d.record FROM chunks c JOIN documents d USING (doc_id) "
                f"LEFT JOIN {self.table} e USING (doc_id, ordinal) WHERE e.doc_id IS NULL "
                "ORDER BY c.doc_id, c.ordinal LIMIT %s",
                (limit,),
            ).fetchall()
        return [(Chunk.model_validate(c), Document.model_validate(d)) for c, d in rows]

    def write_embeddings(self, keys: list[Key], matrix: np.ndarray) -> int:
        """Insert rows; a row already there (another worker, a rerun) is left as it is."""
        with self.store._connect() as db, db.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {self.table} (doc_id, ordinal, embedding) VALUES (%s, %s, %s::vector) "
                "ON CONFLICT DO NOTHING",
                [(d, o, _vec(v)) for (d, o), v in zip(keys, matrix, strict=True)],
            )
        return len(keys)

    def embed_missing(
        self, batch: int = 512, on_progress: Callable[[str, int, int], None] | None = None
    ) -> int:
        """Embed every chunk that has no embedding yet (new or replaced filings only)."""
        self.ensure_table()
        done = 0
        while todo := self.missing(batch):
            texts = [_dense_text(c, d) for c, d in todo]
            matrix = embed(texts, self.embedding_model)
            self.write_embeddings([(c.doc_id, c.ordinal) for c, _ in todo], matrix)
            done += len(todo)
            if on_progress:
                on_progress("embed", done, done)
        return done

    # -- BM25 in the database -------------------------------------------------------------
    def ensure_bm25_schema(self) -> None:
        with self.store._connect() as db:
            db.execute("SELECT pg_advisory_xact_lock(%s)", (BM25_LOCK,))
            db.execute(BM25_SCHEMA)

    def ensure_bm25(self, batch: int = 2000, on_progress=None) -> int:
        """Postings for every chunk that has none yet (new or replaced filings only), with
        docnav's own tokens (:func:`chunk_tokens`, as the bm25s index is built). A replaced
        filing's postings go with its chunks (``ON DELETE CASCADE``)."""
        self.ensure_bm25_schema()
        done = 0
        while True:
            with self.store._connect() as db:
                # one writer at a time: two would tokenise and insert the same chunks
                db.execute("SELECT pg_advisory_xact_lock(%s)", (BM25_LOCK,))
                rows = db.execute(
                    "SELECT c.record FROM chunks c LEFT JOIN bm25_docs b USING (doc_id, ordinal) "
                    "WHERE b.doc_id IS NULL ORDER BY c.doc_id, c.ordinal LIMIT %s",
                    (batch,),
                ).fetchall()
                if not rows:
                    return done
                _write_postings(db, [Chunk.model_validate(r) for (r,) in rows])
            done += len(rows)
            if on_progress:
                on_progress("bm25", done, done)

    def bm25_scores(
        self,
        tokens: list[str],
        weights: list[float] | None = None,
        allowed: list[str] | None = None,
        k: int | None = None,
        _arrays: bool = False,
    ) -> list:
        """BM25 as bm25s scores it (``method="lucene"``: idf = ln(1 + (N - df + 0.5) /
        (df + 0.5)), tf / (tf + k1 (1 - b + b len / avgdl)), N and avgdl over every chunk),
        each query token weighted (a repeated token counts each time, as in bm25s); only
        chunks of ``allowed`` filings are scored. Chunks sharing no token are left out;
        ``k``: the top k only (score desc, then doc_id, ordinal)."""
        w = [1.0] * len(tokens) if weights is None else weights
        pairs = [(t, float(x)) for t, x in zip(tokens, w, strict=True) if x > 0]
        if not pairs:
            return []
        where, args = "", []
        if allowed is not None:
            where, args = " WHERE t.doc_id = ANY(%s)", [allowed]
        top = " ORDER BY score DESC, t.doc_id, t.ordinal LIMIT %s" if k is not None else ""
        sql = (
            "WITH q AS (SELECT term, sum(w) AS w FROM unnest(%s::text[], %s::float8[]) "
            "AS q(term, w) GROUP BY term), "
            "st AS (SELECT count(*)::float8 AS n, avg(len)::float8 AS avgdl FROM bm25_docs), "
            "df AS (SELECT t.term, q.w, ln(1 + (st.n - count(*) + 0.5) / (count(*) + 0.5)) AS idf "
            "FROM bm25_terms t JOIN q USING (term), st GROUP BY t.term, q.w, st.n) "
            "SELECT t.doc_id, t.ordinal, sum(df.w * df.idf * t.tf / "
            "(t.tf + %s * (1 - %s + %s * d.len / st.avgdl))) AS score "
            "FROM bm25_terms t JOIN df USING (term) JOIN bm25_docs d USING (doc_id, ordinal), st"
            f"{where} GROUP BY t.doc_id, t.ordinal{top}"
        )
        if _arrays:
            sql = f"SELECT array_agg(doc_id), array_agg(ordinal), array_agg(score) FROM ({sql}) s"
        k1, b = BM25_K1, BM25_B
        params = [[t for t, _ in pairs], [x for _, x in pairs], k1, b, b, *args]
        if k is not None:
            params.append(k)
        with self.store._connect() as db:
            rows = db.execute(sql, params).fetchall()
        if _arrays:
            return [] if rows[0][0] is None else rows[0]
        return [((d, o), float(s)) for d, o, s in rows]

    def bm25_arrays(
        self, tokens: list[str], weights: list[float] | None = None
    ) -> tuple[list[str], np.ndarray, np.ndarray]:
        """:meth:`bm25_scores` of every chunk sharing a token, as (doc_ids, ordinals, scores)
        arrays in one row (thousands of chunks: one row each would cost more than the SQL)."""
        got = self.bm25_scores(tokens, weights, _arrays=True)
        if not got:
            return [], np.zeros(0, dtype=np.int64), np.zeros(0)
        docs, ords, scores = got
        return docs, np.asarray(ords, dtype=np.int64), np.asarray(scores, dtype=np.float64)

    def bm25(self, query: str, k: int = 10, filters: SearchFilters | None = None) -> list[PgHit]:
        """Top ``k`` chunks by BM25 over docnav's query tokens, filters inside the query."""
        t = time.perf_counter()
        allowed = self._allowed(filters)
        if allowed == []:
            return []
        if filters is not None and filters.section_prefix:
            raise ValueError("bm25: a section_prefix filter is CorpusIndex's (use PgIndex)")
        ranked = self.bm25_scores(query_tokens(query), allowed=allowed, k=k)
        self.last_ms["bm25"] = (time.perf_counter() - t) * 1000
        return self._hits([r for r in ranked if r[1] > 0], "bm25")

    # -- filters ----------------------------------------------------------------------
    def _allowed(self, f: SearchFilters | None) -> list[str] | None:
        if f is None or f.is_empty():
            return None
        versions = frozenset(self.store.versions().items())
        if self._catalog is None or self._catalog[0] != versions:
            self._catalog = (versions, self.store.list_documents())
        docs = self._catalog[1]
        aliases = {
            d.meta.company: d.meta.former_names
            for d in docs
            if d.meta.company and d.meta.former_names
        }
        return [
            d.doc_id for d in docs if doc_passes(d, f, lambda c, n: company_matches(c, n, aliases))
        ]

    @staticmethod
    def _where(allowed: list[str] | None, f: SearchFilters | None, alias: str) -> tuple[str, list]:
        sql, args = "", []
        if allowed is not None:
            sql += f" AND {alias}.doc_id = ANY(%s)"
            args.append(allowed)
        if f is not None and f.section_prefix:
            sql += " AND starts_with(lower(c.section_path), %s)"
            args.append(f.section_prefix.lower())
        return sql, args

    # -- search -------------------------------------------------------------------------
    def keyword(self, query: str, k: int = 10, filters: SearchFilters | None = None) -> list[PgHit]:
        """PostgreSQL full-text ranking: any query word may match (OR of the stemmed
        lexemes), ranked by ts_rank with length normalisation; section-path words weigh
        above body words."""
        t = time.perf_counter()
        allowed = self._allowed(filters)
        if allowed == []:
            return []
        where, args = self._where(allowed, filters, "c")
        sql = (
            "WITH q AS (SELECT NULLIF(replace(plainto_tsquery('english', %s)::text, ' & ', ' | '), '')"
            "::tsquery AS q) "
            "SELECT c.doc_id, c.ordinal, ts_rank('{0.1, 0.2, 0.6, 1.0}', c.tsv, q.q, 1) AS score "
            f"FROM chunks c, q WHERE q.q IS NOT NULL AND c.tsv @@ q.q{where} "
            "ORDER BY score DESC, c.doc_id, c.ordinal LIMIT %s"
        )
        with self.store._connect() as db:
            rows = db.execute(sql, [query, *args, k]).fetchall()
        self.last_ms["keyword"] = (time.perf_counter() - t) * 1000
        return self._hits([((d, o), float(s)) for d, o, s in rows], "keyword")

    def vector(
        self, query: str | np.ndarray, k: int = 10, filters: SearchFilters | None = None
    ) -> list[PgHit]:
        """Cosine nearest neighbours through the HNSW index, filters inside the query."""
        t = time.perf_counter()
        allowed = self._allowed(filters)
        if allowed == []:
            return []
        q = embed([query], self.embedding_model)[0] if isinstance(query, str) else query
        where, args = self._where(allowed, filters, "e")
        join = (
            " JOIN chunks c USING (doc_id, ordinal)" if filters and filters.section_prefix else ""
        )
        ranked = self._nearest(_vec(q), k, where, args, join)
        self.last_ms["vector"] = (time.perf_counter() - t) * 1000
        return self._hits(ranked, "vector")

    def hybrid(
        self, query: str, k: int = 10, filters: SearchFilters | None = None, depth: int = 50
    ) -> list[PgHit]:
        """Reciprocal-rank fusion of the keyword and vector lists (``depth`` each)."""
        kw = self.keyword(query, depth, filters)
        vec = self.vector(query, depth, filters)
        lists = {
            "keyword": [((h.doc_id, h.ordinal), h.score) for h in kw],
            "vector": [((h.doc_id, h.ordinal), h.score) for h in vec],
        }
        by_key = {(h.doc_id, h.ordinal): h for h in [*vec, *kw]}
        out = []
        for key, score in rrf(lists)[:k]:
            h = by_key[key]
            scores = {name: s for name, ranked in lists.items() for kk, s in ranked if kk == key}
            out.append(h.model_copy(update={"score": score, "scores": {**scores, "fused": score}}))
        return out

    def nearest(
        self, q: np.ndarray, k: int, allowed: list[str] | None = None, exact: bool = False
    ) -> list[tuple[Key, float]]:
        """Cosine nearest chunks of ``allowed`` filings (None: all) through the HNSW index,
        or ``exact``: every candidate's distance (DenseIndex's choice below its ANN
        threshold)."""
        if allowed is None:
            return self._nearest(_vec(q), k, "", [], "", exact)
        return self._nearest(_vec(q), k, " AND e.doc_id = ANY(%s)", [allowed], "", exact)

    def _nearest(
        self, vec: str, k: int, where: str, args: list, join: str, exact: bool = False
    ) -> list:
        with self.store._connect() as db:
            if exact:
                db.execute("SET LOCAL enable_indexscan = off")
            db.execute(f"SET LOCAL hnsw.ef_search = {int(max(self.ef_search, k))}")
            # keep walking the graph until k rows pass the filter (pgvector >= 0.8)
            db.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
            rows = db.execute(
                "SELECT doc_id, ordinal, dist FROM ("
                f"SELECT e.doc_id, e.ordinal, e.embedding <=> %s::vector AS dist FROM {self.table} e"
                f"{join} WHERE TRUE{where} ORDER BY e.embedding <=> %s::vector LIMIT %s"
                ") s ORDER BY dist, doc_id, ordinal",
                [vec, *args, vec, k],
            ).fetchall()
        return [((d, o), 1.0 - float(dist)) for d, o, dist in rows]

    def embeddings(self, keys: list[Key]) -> np.ndarray:
        """The rows of ``keys`` in that order (a chunk without one: zeros)."""
        out = np.zeros((len(keys), self.dim), dtype=np.float32)
        if not keys:
            return out
        with self.store._connect() as db:
            # pgvector's binary form (int16 dim, int16 0, float32 big-endian each): ~70x
            # faster to read than the text or real[] form
            rows = (
                db.cursor(binary=True)
                .execute(
                    f"SELECT k.i, e.embedding FROM {self.table} e JOIN "
                    "unnest(%s::text[], %s::int[]) WITH ORDINALITY AS k(d, o, i) "
                    "ON e.doc_id = k.d AND e.ordinal = k.o",
                    ([d for d, _ in keys], [o for _, o in keys]),
                )
                .fetchall()
            )
        for i, v in rows:
            out[i - 1] = np.frombuffer(v, ">f4", offset=4)
        return out

    def _hits(self, ranked: list[tuple[Key, float]], name: str) -> list[PgHit]:
        if not ranked:
            return []
        with self.store._connect() as db:
            rows = db.execute(
                "SELECT c.doc_id, c.ordinal, c.chunk_id, c.page_start, c.page_end, c.section_path, "
                "c.chunk_type, c.text FROM chunks c JOIN unnest(%s::text[], %s::int[]) AS k(d, o) "
                "ON c.doc_id = k.d AND c.ordinal = k.o",
                ([d for (d, _), _ in ranked], [o for (_, o), _ in ranked]),
            ).fetchall()
        info = {(r[0], r[1]): r[2:] for r in rows}
        return [
            PgHit(
                chunk_id=i[0],
                doc_id=key[0],
                ordinal=key[1],
                page_start=i[1],
                page_end=i[2],
                section_path=i[3],
                chunk_type=i[4],
                text=i[5],
                score=s,
                scores={name: s},
            )
            for key, s in ranked
            if (i := info.get(key)) is not None
        ]
