"""The corpus store on PostgreSQL: the same interface as :class:`CorpusStore`, for a corpus
that outgrows one machine (selected by ``DOCNAV_DATABASE_URL``; extra ``scale``).

What lives where:

* PostgreSQL: the catalog (``documents``), outlines (``sections``), chunks (with a
  full-text ``tsvector`` for keyword search in the database) and statement facts; chunk
  embeddings live beside them (:mod:`docnav.retrieval.pg_search`, pgvector HNSW).
* Files under ``root`` (a shared volume for several machines): one version folder per
  filing, laid out exactly as the file store lays it out (``pages/page-0000.txt``, and the
  chunks/sections/facts the tools read), so ``rg`` and the reading tools work unchanged.

A version folder is written under a temporary name and renamed into place, then one
transaction points the catalog at it and replaces its rows; a crash leaves the old or the
new version, never half of one. The write lock is a PostgreSQL advisory lock, so writers on
different machines exclude each other like processes on one machine do with the file lock.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from docnav.errors import AmbiguousRefError, IngestError, NotFoundError, StoreLockedError
from docnav.ingestion.identity import filing_identity
from docnav.ingestion.store import section_paths, slugify
from docnav.types import Chunk, Document, Fact, Section

# one advisory lock key for the whole store (any 64-bit number unlikely to clash)
LOCK_KEY = 0x646F636E6176  # "docnav"

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    source_path TEXT NOT NULL,
    file_type TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    dir TEXT NOT NULL,
    n_pages INTEGER NOT NULL,
    company TEXT, ticker TEXT, cik TEXT, form TEXT,
    fiscal_year INTEGER, fiscal_period TEXT, period_end DATE, filing_date DATE,
    record JSONB NOT NULL,
    identity TEXT
);
CREATE INDEX IF NOT EXISTS documents_hash ON documents(content_hash);
CREATE INDEX IF NOT EXISTS documents_source ON documents(source_path);
CREATE INDEX IF NOT EXISTS documents_identity ON documents(identity);
CREATE TABLE IF NOT EXISTS sections (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    label TEXT,
    level INTEGER NOT NULL,
    parent TEXT,
    page_start INTEGER NOT NULL,
    page_end INTEGER NOT NULL,
    path TEXT NOT NULL,
    PRIMARY KEY (doc_id, id)
);
CREATE TABLE IF NOT EXISTS chunks (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    chunk_id TEXT NOT NULL,
    chunk_type TEXT NOT NULL,
    section_path TEXT NOT NULL,
    page_start INTEGER NOT NULL,
    page_end INTEGER NOT NULL,
    text TEXT NOT NULL,
    record JSONB NOT NULL,
    -- keyword search in the database: section path weighs above the body (as in BM25's tokens)
    tsv TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('english', section_path), 'B') ||
        setweight(to_tsvector('english', text), 'D')
    ) STORED,
    PRIMARY KEY (doc_id, ordinal)
);
CREATE INDEX IF NOT EXISTS chunks_tsv ON chunks USING GIN (tsv);
CREATE TABLE IF NOT EXISTS facts (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    record JSONB NOT NULL,
    PRIMARY KEY (doc_id, ordinal)
);
"""


def _psycopg():
    try:
        import psycopg
        from psycopg_pool import ConnectionPool
    except ImportError as exc:  # the base install has no PostgreSQL client
        raise IngestError(
            "DOCNAV_DATABASE_URL needs the PostgreSQL client: pip install 'docnav[scale]'"
        ) from exc
    return psycopg, ConnectionPool


def write_version_folder(
    folder: Path,
    doc: Document,
    pages: list[str],
    sections: list[Section],
    chunks: list[Chunk],
    facts: list[Fact],
) -> None:
    """The file store's version-folder layout (pages, outline, chunks, facts, meta), which
    the grep and reading tools read directly."""
    (folder / "pages").mkdir(parents=True)
    for i, text in enumerate(pages):
        (folder / "pages" / f"page-{i:04d}.txt").write_text(text, encoding="utf-8")
    (folder / "sections.json").write_text(
        json.dumps([s.model_dump() for s in sections], ensure_ascii=False), encoding="utf-8"
    )
    with (folder / "chunks.jsonl").open("w", encoding="utf-8") as fh:
        fh.writelines(c.model_dump_json() + "\n" for c in chunks)
    with (folder / "facts.jsonl").open("w", encoding="utf-8") as fh:
        fh.writelines(f.model_dump_json() + "\n" for f in facts)
    (folder / "meta.json").write_text(doc.model_dump_json(indent=2), encoding="utf-8")


DOCUMENT_COLUMNS = (
    "doc_id, name, source_path, file_type, content_hash, dir, n_pages, company, ticker, cik, "
    "form, fiscal_year, fiscal_period, period_end, filing_date, record, identity"
)


def document_row(doc: Document, dirname: str, content_hash: str | None = None) -> tuple:
    """One ``documents`` row in ``DOCUMENT_COLUMNS`` order (the insert and bulk COPY share it)."""
    m = doc.meta
    return (
        doc.doc_id,
        doc.name,
        doc.source_path,
        doc.file_type,
        content_hash if content_hash is not None else doc.content_hash,
        dirname,
        doc.n_pages,
        m.company,
        m.ticker,
        m.cik,
        m.form,
        m.fiscal_year,
        m.fiscal_period,
        m.period_end,
        m.filing_date,
        doc.model_dump_json(),
        filing_identity(m),
    )


class PgCorpusStore:
    """Read and write the corpus store in PostgreSQL (+ page files under ``root``).
    Safe across processes and machines: writers take an advisory lock."""

    backend = "postgres"

    def __init__(
        self,
        root: str | Path,
        database_url: str,
        lock_timeout_s: float = 600.0,
        pool_size: int = 8,
    ) -> None:
        psycopg, ConnectionPool = _psycopg()
        self.root = Path(root).expanduser().resolve()
        self.docs_dir = self.root / "docs"
        self.docs_dir.mkdir(parents=True, exist_ok=True)
        self.database_url = database_url
        self._lock_timeout = lock_timeout_s
        self._lock_depth = 0
        self._lock_conn = None
        try:
            self.pool = ConnectionPool(
                database_url,
                min_size=1,
                max_size=pool_size,
                open=True,
                timeout=30,
                kwargs={"autocommit": False},
            )
            self.pool.wait(timeout=30)
        except Exception as exc:
            raise IngestError(
                f"cannot connect to PostgreSQL ({type(exc).__name__}: {exc})"
            ) from exc
        with self._connect() as db:
            # two processes creating the schema at once would race on CREATE ... IF NOT EXISTS
            db.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY + 1,))
            db.execute(SCHEMA)

    def close(self) -> None:
        self.pool.close()

    # -- connections and locking -------------------------------------------------
    @contextmanager
    def _connect(self) -> Iterator:
        with self.pool.connection() as db:  # commits on success, rolls back on error
            yield db

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """Re-entrant in one thread of one process (the pipeline nests commits in a run)."""
        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        conn = self.pool.getconn()
        try:
            conn.autocommit = True
            conn.execute(f"SET lock_timeout = '{int(self._lock_timeout * 1000)}ms'")
            try:
                conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
            except Exception as exc:
                raise StoreLockedError(
                    f"another docnav process holds the store's database lock for over "
                    f"{self._lock_timeout:.0f}s"
                ) from exc
            conn.execute("SET lock_timeout = 0")
            self._lock_depth = 1
            try:
                yield
            finally:
                self._lock_depth = 0
                conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
        finally:
            conn.autocommit = False
            self.pool.putconn(conn)

    def _rows(self, sql: str, args: tuple | list = ()) -> list[tuple]:
        with self._connect() as db:
            return db.execute(sql, args).fetchall()

    # -- reads ----------------------------------------------------------------------
    def find_by_hash(self, content_hash: str) -> Document | None:
        rows = self._rows(
            "SELECT record FROM documents WHERE content_hash=%s ORDER BY doc_id LIMIT 1",
            (content_hash,),
        )
        return Document.model_validate(rows[0][0]) if rows else None

    def list_documents(
        self,
        company: str | None = None,
        form: str | None = None,
        year: int | None = None,
        ticker: str | None = None,
    ) -> list[Document]:
        sql, args = "SELECT record FROM documents WHERE TRUE", []
        if company:
            # strpos, not LIKE: '%' and '_' in user text are literal characters
            sql += (
                " AND (strpos(lower(company), lower(%s)) > 0 OR strpos(lower(name), lower(%s)) > 0)"
            )
            args += [company, company]
        if ticker:
            sql += " AND upper(ticker)=upper(%s)"
            args.append(ticker)
        if form:
            sql += " AND upper(replace(form,'-',''))=upper(replace(%s,'-',''))"
            args.append(form)
        if year is not None:
            sql += " AND fiscal_year=%s"
            args.append(year)
        # COLLATE "C" and NULLS FIRST: the order SQLite gives the file store
        sql += (
            ' ORDER BY company COLLATE "C" NULLS FIRST, fiscal_year NULLS FIRST, name COLLATE "C"'
        )
        return [Document.model_validate(r[0]) for r in self._rows(sql, args)]

    def get_document(self, ref: str) -> Document:
        """By doc_id, then name, then doc_id prefix, all literal; several matches is refused."""
        queries = (
            ("doc_id=%s", (ref,)),
            ("name=%s", (ref,)),
            ("left(doc_id, %s)=%s", (len(ref), ref)),
        )
        for where, args in queries:
            rows = self._rows(
                f'SELECT doc_id, record FROM documents WHERE {where} ORDER BY doc_id COLLATE "C" LIMIT 6',
                args,
            )
            if len(rows) == 1:
                return Document.model_validate(rows[0][1])
            if rows:
                ids = ", ".join(r[0] for r in rows[:5]) + (", ..." if len(rows) > 5 else "")
                raise AmbiguousRefError(
                    f"{ref!r} matches more than one document ({ids}); give a full doc_id"
                )
        raise NotFoundError(f"no document {ref!r} in the store (see `docnav documents`)")

    def same_filing(self, doc: Document) -> list[Document]:
        ident = filing_identity(doc.meta)
        if ident is None:
            return []
        rows = self._rows(
            'SELECT record FROM documents WHERE identity=%s AND doc_id<>%s ORDER BY doc_id COLLATE "C"',
            (ident, doc.doc_id),
        )
        return [Document.model_validate(r[0]) for r in rows]

    def doc_dir(self, doc_id: str) -> Path:
        rows = self._rows("SELECT dir FROM documents WHERE doc_id=%s", (doc_id,))
        if not rows:
            raise NotFoundError(f"no document {doc_id!r} in the store")
        return self.docs_dir / rows[0][0]

    def versions(self) -> dict[str, str]:
        return dict(self._rows("SELECT doc_id, dir FROM documents"))

    def sections(self, doc_id: str) -> list[Section]:
        rows = self._rows(
            "SELECT id, title, kind, label, level, parent, page_start, page_end FROM sections "
            "WHERE doc_id=%s ORDER BY ordinal",
            (doc_id,),
        )
        if not rows:
            self.doc_dir(doc_id)  # NotFoundError for an unknown document
        keys = ("id", "title", "kind", "label", "level", "parent", "page_start", "page_end")
        return [Section(**dict(zip(keys, r, strict=True))) for r in rows]

    def chunks(self, doc_id: str) -> list[Chunk]:
        rows = self._rows("SELECT record FROM chunks WHERE doc_id=%s ORDER BY ordinal", (doc_id,))
        if not rows:
            self.doc_dir(doc_id)
        return [Chunk.model_validate(r[0]) for r in rows]

    def facts(self, doc_id: str) -> list[Fact]:
        rows = self._rows("SELECT record FROM facts WHERE doc_id=%s ORDER BY ordinal", (doc_id,))
        return [Fact.model_validate(r[0]) for r in rows]

    def iter_all_chunks(self) -> Iterator[Chunk]:
        for doc in self.list_documents():
            yield from self.chunks(doc.doc_id)

    def page_path(self, doc_id: str, page: int) -> Path:
        return self.doc_dir(doc_id) / "pages" / f"page-{page:04d}.txt"

    def page_text(self, doc_id: str, page: int) -> str:
        """Text of page index ``page`` (0-based)."""
        doc = self.get_document(doc_id)
        if not 0 <= page < doc.n_pages:
            raise NotFoundError(
                f"{doc.name} has pages 1-{doc.n_pages}; there is no page {page + 1}"
            )
        return self.page_path(doc.doc_id, page).read_text(encoding="utf-8")

    # -- writes ---------------------------------------------------------------------
    def _new_doc_id(self, db, name: str) -> str:
        base = slugify(name)
        taken = {
            r[0]
            for r in db.execute(
                "SELECT doc_id FROM documents WHERE doc_id=%s OR doc_id LIKE %s",
                (base, base.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "-%"),
            )
        }
        doc_id, n = base, 1
        while doc_id in taken:
            n += 1
            doc_id = f"{base}-{n}"
        return doc_id

    def put(
        self,
        doc: Document,
        pages: list[str],
        sections: list[Section],
        chunks_for: Callable[[str], list[Chunk]],
        replace: bool = False,
        facts: list[Fact] | None = None,
    ) -> tuple[Document, str]:
        """Add the document or rewrite one in place; the rules of :meth:`CorpusStore.put`
        (same bytes: rewritten; another version of a stored filing: only with ``replace``).
        Call under :meth:`write_lock`."""
        with self._connect() as db:
            row = db.execute(
                'SELECT doc_id, dir FROM documents WHERE content_hash=%s ORDER BY doc_id COLLATE "C" LIMIT 1',
                (doc.content_hash,),
            ).fetchone()
            if row is None and replace:
                row = self._replaceable(db, doc)
            doc_id = row[0] if row else self._new_doc_id(db, doc.name)
        old_dir = row[1] if row else None
        doc = doc.model_copy(update={"doc_id": doc_id})
        chunks = chunks_for(doc_id)
        doc.n_chunks, doc.n_sections = len(chunks), len(sections)
        facts = [f.model_copy(update={"doc_id": doc_id}) for f in facts or []]

        dirname = f"{doc_id}@{doc.content_hash[:12]}"
        if dirname == old_dir:  # same content re-put (forced): a fresh name, fresh embeddings
            dirname = f"{dirname}-{uuid.uuid4().hex[:6]}"
        tmp = self.docs_dir / f".tmp-{uuid.uuid4().hex}"
        write_version_folder(tmp, doc, pages, sections, chunks, facts)
        os.replace(tmp, self.docs_dir / dirname)
        with self._connect() as db:
            db.execute("DELETE FROM documents WHERE doc_id=%s", (doc_id,))  # cascades
            self._insert(db, doc, dirname, sections, chunks, facts)
        if old_dir and old_dir != dirname:
            shutil.rmtree(self.docs_dir / old_dir, ignore_errors=True)
        return doc, ("replaced" if row else "added")

    @staticmethod
    def _insert(
        db,
        doc: Document,
        dirname: str,
        sections: list[Section],
        chunks: list[Chunk],
        facts: list[Fact],
    ) -> None:
        db.execute(
            f"INSERT INTO documents ({DOCUMENT_COLUMNS}) VALUES "
            "(%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s::jsonb,%s)",
            document_row(doc, dirname),
        )
        paths = section_paths(sections)
        with db.cursor() as cur:
            with cur.copy(
                "COPY sections (doc_id, id, ordinal, title, kind, label, level, parent, "
                "page_start, page_end, path) FROM STDIN"
            ) as cp:
                for i, s in enumerate(sections):
                    cp.write_row(
                        (
                            doc.doc_id,
                            s.id,
                            i,
                            s.title,
                            s.kind,
                            s.label,
                            s.level,
                            s.parent,
                            s.page_start,
                            s.page_end,
                            paths[s.id],
                        )
                    )
            # COPY: ~10x fewer round trips than row inserts for a 1,000-chunk filing
            with cur.copy(
                "COPY chunks (doc_id, ordinal, chunk_id, chunk_type, section_path, page_start, "
                "page_end, text, record) FROM STDIN"
            ) as cp:
                for c in chunks:
                    cp.write_row(
                        (
                            doc.doc_id,
                            c.ordinal,
                            c.id,
                            c.type,
                            c.section_path,
                            c.page_start,
                            c.page_end,
                            _clean(c.text),
                            _clean(c.model_dump_json()),
                        )
                    )
            with cur.copy("COPY facts (doc_id, ordinal, record) FROM STDIN") as cp:
                for i, f in enumerate(facts):
                    cp.write_row((doc.doc_id, i, _clean(f.model_dump_json())))

    @staticmethod
    def _replaceable(db, doc: Document) -> tuple | None:
        """The one stored version ``doc`` may replace, if any; several is an error."""
        ident = filing_identity(doc.meta)
        if ident is not None:
            where, arg = "identity=%s", ident
        else:
            where, arg = "identity IS NULL AND source_path=%s", doc.source_path
        rows = db.execute(
            f'SELECT doc_id, dir FROM documents WHERE {where} ORDER BY doc_id COLLATE "C"', (arg,)
        ).fetchall()
        if len(rows) > 1:
            ids = ", ".join(r[0] for r in rows)
            raise IngestError(
                f"--replace: {len(rows)} stored documents are versions of this filing ({ids}); "
                "remove the ones to drop with `docnav remove DOC` first"
            )
        return rows[0] if rows else None

    def remove(self, ref: str) -> Document:
        """Remove a document (rows first, then its files). Call under write_lock."""
        doc = self.get_document(ref)
        with self._connect() as db:
            row = db.execute(
                "DELETE FROM documents WHERE doc_id=%s RETURNING dir", (doc.doc_id,)
            ).fetchone()
        if row:
            shutil.rmtree(self.docs_dir / row[0], ignore_errors=True)
        return doc

    def sweep(self) -> int:
        """Delete version folders the catalog does not point to (crash leftovers)."""
        live = {r[0] for r in self._rows("SELECT dir FROM documents")}
        n = 0
        for p in self.docs_dir.iterdir():
            if p.name not in live:
                shutil.rmtree(p, ignore_errors=True)
                n += 1
        return n


def _clean(text: str) -> str:
    # PostgreSQL text cannot hold NUL; a PDF's text layer sometimes does (JSON escapes it as \u0000)
    return text.replace("\x00", "").replace("\\u0000", "")
