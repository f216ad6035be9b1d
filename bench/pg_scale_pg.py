"""The PostgreSQL side of `docnav bench pg-scale`: bulk-load a grown corpus into the
schema docnav's PostgreSQL backend creates (PgCorpusStore + PgSearch), then time its
searches.

Loading: the store and search classes create their tables and indexes as the product does;
the secondary indexes (full-text GIN, pgvector HNSW and whatever else they define) are
read from the catalog, dropped, the rows COPYed in (chunks as text, embeddings as binary
COPY), and the indexes created again from their own definitions (HNSW with this run's
m / ef_construction): building an index once is how a bulk load is done, and row-by-row
index maintenance at a million rows would not fit the session. Foreign-key triggers are off
during the COPY (``session_replication_role = replica``): the rows are consistent by
construction, and a million RI checks measure nothing about search.
"""

from __future__ import annotations

import re
import struct
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from docnav.bench.pg_scale_corpus import Base, filings_of, replica_doc, row_text
from docnav.ingestion.store_pg import DOCUMENT_COLUMNS, PgCorpusStore, document_row
from docnav.retrieval.fusion import rrf
from docnav.retrieval.pg_search import PgSearch
from docnav.retrieval.query import SearchFilters


class PgLoad:
    """One size's corpus in a fresh schema: the load, the searches and the sizes."""

    def __init__(self, url: str, base: Base, n: int, seed: int, pages: Path) -> None:
        self.url, self.base, self.n, self.seed = url, base, n, seed
        self.store = PgCorpusStore(pages, url, pool_size=4)
        self.search = PgSearch(self.store, dim=int(base.emb.shape[1]))
        self.search.ensure_table()
        self.names = {d.doc_id: i for i, d in enumerate(base.docs)}

    def close(self) -> None:
        self.store.close()

    # -- loading ------------------------------------------------------------------------
    def _indexes(self, tables: tuple[str, ...]) -> list[tuple[str, str]]:
        """(name, definition) of the tables' indexes that back no constraint."""
        with self.store._connect() as db:
            return db.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                (list(tables),),
            ).fetchall()

    def load(
        self, emb: np.ndarray, m: int, ef_construction: int, mem: str, hnsw: bool = True
    ) -> dict:
        """COPY documents, chunks and embeddings; build the indexes (the HNSW one only with
        ``hnsw``); seconds of each."""
        defs = self._indexes(("chunks", self.search.table))
        with self.store._connect() as db:
            for name, _ in defs:
                db.execute(f'DROP INDEX "{name}"')
        out: dict = {"indexes": {}}
        t = time.perf_counter()
        filings = filings_of(self.base, self.n)
        self._copy_documents(filings)
        out["documents_copy_s"] = round(time.perf_counter() - t, 2)
        out["documents"] = len(filings)
        t = time.perf_counter()
        self._copy_chunks()
        out["chunks_copy_s"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        self._copy_embeddings(emb)
        out["embeddings_copy_s"] = round(time.perf_counter() - t, 2)
        for name, sql in defs:
            if " USING hnsw " in sql and not hnsw:
                out["indexes"][name] = {"build_s": None, "sql": "(not built at this size)"}
                continue
            if " USING hnsw " in sql:
                sql = re.sub(
                    r"WITH \(.*\)", f"WITH (m = {m}, ef_construction = {ef_construction})", sql
                )
            t = time.perf_counter()
            with self.store._connect() as db:
                db.execute(f"SET LOCAL maintenance_work_mem = '{mem}'")
                db.execute("SET LOCAL max_parallel_maintenance_workers = 1")
                db.execute(sql)
            out["indexes"][name] = {"build_s": round(time.perf_counter() - t, 2), "sql": sql}
        t = time.perf_counter()
        with self.store._connect() as db:
            db.execute("ANALYZE")
        out["analyze_s"] = round(time.perf_counter() - t, 2)
        return out

    def _copy_documents(self, filings: list[tuple[int, int]]) -> None:
        with self.store._connect() as db, db.cursor() as cur:
            with cur.copy(f"COPY documents ({DOCUMENT_COLUMNS}) FROM STDIN") as cp:
                for f, r in filings:
                    d = replica_doc(self.base, f, r)
                    cp.write_row(
                        document_row(d, f"{self.base.dirs[f]}~{r}", f"{d.content_hash}~{r}")
                    )

    def _copy_chunks(self, streams: int = 2) -> None:
        """``streams`` COPYs at once (one connection each): the server's tsvector work is
        the bulk of it, and one backend uses one core."""
        from concurrent.futures import ThreadPoolExecutor

        step = -(-self.n // streams)
        parts = [(lo, min(self.n, lo + step)) for lo in range(0, self.n, step)]
        with ThreadPoolExecutor(len(parts)) as ex:
            for f in [ex.submit(self._copy_chunk_rows, lo, hi) for lo, hi in parts]:
                f.result()

    def _copy_chunk_rows(self, lo: int, hi: int) -> None:
        b = self.base
        cols = "doc_id, ordinal, chunk_id, chunk_type, section_path, page_start, page_end, text, record"
        with self.store._connect() as db, db.cursor() as cur:
            db.execute("SET LOCAL session_replication_role = replica")
            with cur.copy(f"COPY chunks ({cols}) FROM STDIN") as cp:
                for i in range(lo, hi):
                    j, r = i % b.m, i // b.m
                    d = b.docs[int(b.doc_of[j])].doc_id
                    doc_id = d if r == 0 else f"{d}~r{r}"
                    cp.write_row(
                        (
                            doc_id,
                            int(b.ordinal[j]),
                            f"{doc_id}#{int(b.ordinal[j])}",
                            b.ctype[j],
                            b.section[j],
                            int(b.page_start[j]),
                            int(b.page_end[j]),
                            row_text(b, i, self.seed).replace("\x00", ""),
                            # the real chunk's record: its text is the unperturbed one
                            b.records[j].replace("\\u0000", ""),
                        )
                    )

    def _copy_embeddings(self, emb: np.ndarray) -> None:
        """Binary COPY: pgvector's wire format (int16 dim, int16 0, float32 big-endian)."""
        b, dim = self.base, emb.shape[1]
        vec_head = struct.pack(">ihh", 4 + 4 * dim, dim, 0)
        with self.store._connect() as db, db.cursor() as cur:
            db.execute("SET LOCAL session_replication_role = replica")
            sql = (
                f"COPY {self.search.table} (doc_id, ordinal, embedding) FROM STDIN (FORMAT BINARY)"
            )
            with cur.copy(sql) as cp:
                cp.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0))
                for lo in range(0, self.n, 20_000):
                    big = emb[lo : lo + 20_000].astype(">f4")
                    parts = []
                    for k, i in enumerate(range(lo, min(self.n, lo + 20_000))):
                        j, r = i % b.m, i // b.m
                        d = b.docs[int(b.doc_of[j])].doc_id
                        key = (d if r == 0 else f"{d}~r{r}").encode()
                        parts.append(
                            struct.pack(">hi", 3, len(key))
                            + key
                            + struct.pack(">ii", 4, int(b.ordinal[j]))
                            + vec_head
                            + big[k].tobytes()
                        )
                    cp.write(b"".join(parts))
                cp.write(struct.pack(">h", -1))

    def load_bm25(self) -> dict:
        """Postings for PgSearch.bm25 (what PgIndex ranks keywords with): each row's length
        and (term, tf) rows from the very tokens bm25s indexed, by COPY, then their indexes."""
        from collections import Counter

        from docnav.bench.pg_scale_corpus import row_tokens

        self.search.ensure_bm25_schema()
        defs = self._indexes(("bm25_terms", "bm25_docs"))
        with self.store._connect() as db:
            for name, _ in defs:
                db.execute(f'DROP INDEX "{name}"')
        b, out = self.base, {"indexes": {}}
        t = time.perf_counter()
        lens: list[tuple[str, int, int]] = []
        with self.store._connect() as db, db.cursor() as cur:
            db.execute("SET LOCAL session_replication_role = replica")
            # one COPY at a time on a connection: terms first, the lengths after
            with cur.copy("COPY bm25_terms (term, doc_id, ordinal, tf) FROM STDIN") as cp:
                for i in range(self.n):
                    j, r = i % b.m, i // b.m
                    d = b.docs[int(b.doc_of[j])].doc_id
                    doc_id, o = (d if r == 0 else f"{d}~r{r}"), int(b.ordinal[j])
                    toks = row_tokens(b, i, self.seed) or ["\u2205"]
                    lens.append((doc_id, o, len(toks)))
                    for term, tf in Counter(toks).items():
                        cp.write_row((term, doc_id, o, tf))
            with cur.copy("COPY bm25_docs (doc_id, ordinal, len) FROM STDIN") as cp:
                for row in lens:
                    cp.write_row(row)
        out["copy_s"] = round(time.perf_counter() - t, 2)
        for name, sql in defs:
            t = time.perf_counter()
            with self.store._connect() as db:
                db.execute("SET LOCAL maintenance_work_mem = '1GB'")
                db.execute(sql)
            out["indexes"][name] = {"build_s": round(time.perf_counter() - t, 2), "sql": sql}
        with self.store._connect() as db:
            db.execute("ANALYZE bm25_terms")
            db.execute("ANALYZE bm25_docs")
            out["postings"] = db.execute("SELECT count(*) FROM bm25_terms").fetchone()[0]
        return out

    # -- searches -----------------------------------------------------------------------
    def keyword(self, text: str, k: int, f: SearchFilters | None = None) -> list[tuple[str, int]]:
        return [(h.doc_id, h.ordinal) for h in self.search.keyword(text, k, f)]

    def bm25(self, text: str, k: int, f: SearchFilters | None = None) -> list[tuple[str, int]]:
        return [(h.doc_id, h.ordinal) for h in self.search.bm25(text, k, f)]

    def vector(self, v: np.ndarray, k: int, f: SearchFilters | None = None) -> list:
        return [(h.doc_id, h.ordinal) for h in self.search.vector(v, k, f)]

    def hybrid(
        self, text: str, v: np.ndarray, f: SearchFilters | None = None, bm25: bool = False
    ) -> list:
        """PgSearch.hybrid's fusion with the query vector given (embedded once up front);
        ``bm25``: keywords ranked by the BM25 postings instead of full text."""
        depth = 50
        kw = (self.search.bm25 if bm25 else self.search.keyword)(text, depth, f)
        vec = self.search.vector(v, depth, f)
        lists = {
            "keyword": [((h.doc_id, h.ordinal), h.score) for h in kw],
            "vector": [((h.doc_id, h.ordinal), h.score) for h in vec],
        }
        return [key for key, _ in rrf(lists)[:10]]

    def row(self, key: tuple[str, int]) -> int | None:
        """The corpus row of a hit (doc_id, ordinal), for recall against the exact scan."""
        doc_id, ordinal = key
        base_id, _, r = doc_id.partition("~r")
        f = self.names.get(base_id)
        if f is None:
            return None
        j = self._first_row(f, ordinal)
        return None if j is None else int(r or 0) * self.base.m + j

    def _first_row(self, f: int, ordinal: int) -> int | None:
        if not hasattr(self, "_rows"):
            b = self.base
            self._rows = {(int(b.doc_of[j]), int(b.ordinal[j])): j for j in range(b.m)}
        return self._rows.get((f, ordinal))

    # -- sizes and memory ---------------------------------------------------------------
    def sizes(self) -> dict:
        """MiB on disk: each table (heap + TOAST) and each of its indexes."""
        out = {}
        with self.store._connect() as db:
            for t in ("documents", "chunks", self.search.table):
                out[f"table {t}"] = db.execute("SELECT pg_table_size(%s)", (t,)).fetchone()[0]
                for (name,) in db.execute(
                    "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
                    "AND tablename = %s",
                    (t,),
                ).fetchall():
                    out[f"index {name}"] = db.execute(
                        "SELECT pg_relation_size(%s)", (name,)
                    ).fetchone()[0]
        return {k: round(v / 2**20, 1) for k, v in out.items()}

    def server_pss_mb(self) -> float | None:
        """Proportional set size of the server's processes (shared buffers counted once),
        MiB; None when /proc does not show them (another machine, another user)."""
        with self.store._connect() as db:
            data = db.execute("SHOW data_directory").fetchone()[0]
        try:
            pid = int((Path(data) / "postmaster.pid").read_text().split()[0])
            pids = [pid] + [
                int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _ppid(p) == pid
            ]
            return round(sum(_pss_kb(p) for p in pids) / 1024, 1)
        except (OSError, ValueError):
            return None


def _ppid(p: Path) -> int | None:
    try:
        for line in (p / "status").read_text().splitlines():
            if line.startswith("PPid:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _pss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def pages_dir(workdir: Path) -> Path:
    """Where the PostgreSQL store keeps page files (none are written by this bench)."""
    workdir.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="pg-scale-pages-", dir=workdir))


Timed = Callable[[int], object]
