"""The corpus store: plain files under one root plus an SQLite catalog.

Layout (page files are named by their **0-based** page index)::

    <root>/catalog.sqlite          documents + sections (WAL; readers never block)
    <root>/.lock                   write lock (filelock) held only while committing
    <root>/docs/<doc_id>@<hash12>/ one version of one filing
        meta.json                  the Document record
        sections.json              the outline
        chunks.jsonl               one Chunk per line
        facts.jsonl                one statement Fact per line (line item x period)
        facts_meta.json            the extractor version that wrote facts.jsonl
        pages/page-0000.txt        text of page index 0 (shown to people as page 1)

A version directory is written under a temporary name and renamed into place, then
one SQLite transaction points the catalog at it; the old version is deleted after.
A crash at any point leaves either the old or the new version in the catalog, never
a half-written one; unreferenced directories are swept on the next write.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from docnav.errors import AmbiguousRefError, IngestError, NotFoundError, StoreLockedError
from docnav.ingestion.facts_version import write_facts_meta
from docnav.ingestion.identity import filing_identity
from docnav.types import Chunk, Document, Fact, Section

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
    fiscal_year INTEGER, fiscal_period TEXT, period_end TEXT, filing_date TEXT,
    record TEXT NOT NULL,
    identity TEXT  -- filing_identity(): company|form|period; NULL when the content does not say
);
CREATE INDEX IF NOT EXISTS documents_hash ON documents(content_hash);
CREATE INDEX IF NOT EXISTS documents_source ON documents(source_path);
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
"""
# schema 2: documents.identity (a store written before it is migrated on open)
SCHEMA_VERSION = 2

_DOC_COLUMNS = (
    "doc_id, name, source_path, file_type, content_hash, dir, n_pages, company, ticker, cik, "
    "form, fiscal_year, fiscal_period, period_end, filing_date, record, identity"
)
_SLUG = re.compile(r"[^A-Za-z0-9_.-]+")


def slugify(name: str) -> str:
    slug = _SLUG.sub("-", name).strip("-.")[:80]
    return slug or "doc"


def _migrate(db: sqlite3.Connection) -> None:
    """Bring a store written by an older docnav up to SCHEMA_VERSION, in place."""
    cols = {r[1] for r in db.execute("PRAGMA table_info(documents)")}
    if "identity" not in cols:  # schema 1 keyed re-ingests by source path
        try:
            db.execute("ALTER TABLE documents ADD COLUMN identity TEXT")
        except sqlite3.OperationalError as exc:  # another process migrated it just now
            if "duplicate column" not in str(exc):
                raise
        rows = db.execute("SELECT doc_id, record FROM documents").fetchall()
        for r in rows:
            meta = Document.model_validate_json(r["record"]).meta
            db.execute(
                "UPDATE documents SET identity=? WHERE doc_id=?",
                (filing_identity(meta), r["doc_id"]),
            )
    db.execute("CREATE INDEX IF NOT EXISTS documents_identity ON documents(identity)")
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")


def section_paths(sections: list[Section]) -> dict[str, str]:
    """Section id -> "Part II > Item 8 > Note 12 — Leases"."""
    by_id = {s.id: s for s in sections}
    out: dict[str, str] = {}
    for s in sections:
        parts, cur, seen = [], s, set()
        while cur is not None and cur.id not in seen:
            seen.add(cur.id)
            parts.append(cur.title)
            cur = by_id.get(cur.parent) if cur.parent else None
        out[s.id] = " > ".join(reversed(parts))
    return out


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class CorpusStore:
    """Read and write the corpus store. Safe across processes: writers take a file lock."""

    def __init__(self, root: str | Path, lock_timeout_s: float = 600.0) -> None:
        self.root = Path(root).expanduser().resolve()
        self.docs_dir = self.root / "docs"
        self.docs_dir.mkdir(parents=True, exist_ok=True)
        self._lock = FileLock(str(self.root / ".lock"))
        self._lock_timeout = lock_timeout_s
        with self._connect() as db:
            db.executescript(SCHEMA)
            _migrate(db)

    # -- connections and locking -------------------------------------------------
    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.root / "catalog.sqlite", timeout=60)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise
        finally:
            db.close()

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        try:
            with self._lock.acquire(timeout=self._lock_timeout):
                yield
        except Timeout as exc:
            raise StoreLockedError(
                f"another docnav process holds {self.root / '.lock'} for over {self._lock_timeout:.0f}s"
            ) from exc

    # -- reads ----------------------------------------------------------------------
    def find_by_hash(self, content_hash: str) -> Document | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT record FROM documents WHERE content_hash=? LIMIT 1", (content_hash,)
            ).fetchone()
        return Document.model_validate_json(row["record"]) if row else None

    def list_documents(
        self,
        company: str | None = None,
        form: str | None = None,
        year: int | None = None,
        ticker: str | None = None,
    ) -> list[Document]:
        sql, args = "SELECT record FROM documents WHERE 1=1", []
        if company:
            # instr, not LIKE: '%' and '_' in user text are literal characters
            sql += " AND (instr(lower(company), lower(?)) OR instr(lower(name), lower(?)))"
            args += [company, company]
        if ticker:
            sql += " AND upper(ticker)=upper(?)"
            args.append(ticker)
        if form:
            sql += " AND upper(replace(form,'-',''))=upper(replace(?,'-',''))"
            args.append(form)
        if year is not None:
            sql += " AND fiscal_year=?"
            args.append(year)
        sql += " ORDER BY company, fiscal_year, name"
        with self._connect() as db:
            rows = db.execute(sql, args).fetchall()
        return [Document.model_validate_json(r["record"]) for r in rows]

    def get_document(self, ref: str) -> Document:
        """Look a document up by doc_id, then name, then doc_id prefix, all matched literally.
        A name or prefix that matches several documents is refused (AmbiguousRefError)."""
        queries = (
            ("doc_id=?", (ref,)),
            ("name=?", (ref,)),
            ("substr(doc_id, 1, ?)=?", (len(ref), ref)),  # a prefix without LIKE's wildcards
        )
        with self._connect() as db:
            for where, args in queries:
                rows = db.execute(
                    f"SELECT doc_id, record FROM documents WHERE {where} ORDER BY doc_id LIMIT 6",
                    args,
                ).fetchall()
                if len(rows) == 1:
                    return Document.model_validate_json(rows[0]["record"])
                if rows:
                    ids = ", ".join(r["doc_id"] for r in rows[:5]) + (
                        ", ..." if len(rows) > 5 else ""
                    )
                    raise AmbiguousRefError(
                        f"{ref!r} matches more than one document ({ids}); give a full doc_id"
                    )
        raise NotFoundError(f"no document {ref!r} in the store (see `docnav documents`)")

    def same_filing(self, doc: Document) -> list[Document]:
        """Other stored versions of ``doc``'s filing: same identity, another doc_id."""
        ident = filing_identity(doc.meta)
        if ident is None:
            return []
        with self._connect() as db:
            rows = db.execute(
                "SELECT record FROM documents WHERE identity=? AND doc_id<>? ORDER BY doc_id",
                (ident, doc.doc_id),
            ).fetchall()
        return [Document.model_validate_json(r["record"]) for r in rows]

    def doc_dir(self, doc_id: str) -> Path:
        with self._connect() as db:
            row = db.execute("SELECT dir FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no document {doc_id!r} in the store")
        return self.docs_dir / row["dir"]

    def versions(self) -> dict[str, str]:
        """doc_id -> its current version folder name (changes whenever its files are rewritten)."""
        with self._connect() as db:
            return {r["doc_id"]: r["dir"] for r in db.execute("SELECT doc_id, dir FROM documents")}

    def sections(self, doc_id: str) -> list[Section]:
        data = json.loads((self.doc_dir(doc_id) / "sections.json").read_text(encoding="utf-8"))
        return [Section.model_validate(s) for s in data]

    def chunks(self, doc_id: str) -> list[Chunk]:
        path = self.doc_dir(doc_id) / "chunks.jsonl"
        with path.open(encoding="utf-8") as fh:
            return [Chunk.model_validate_json(line) for line in fh if line.strip()]

    def facts(self, doc_id: str) -> list[Fact]:
        """The statement facts of a document's current version ([] for a version stored
        before facts existed)."""
        path = self.doc_dir(doc_id) / "facts.jsonl"
        if not path.exists():
            return []
        with path.open(encoding="utf-8") as fh:
            return [Fact.model_validate_json(line) for line in fh if line.strip()]

    def iter_all_chunks(self) -> Iterator[Chunk]:
        for doc in self.list_documents():
            yield from self.chunks(doc.doc_id)

    def page_path(self, doc_id: str, page: int) -> Path:
        return self.doc_dir(doc_id) / "pages" / f"page-{page:04d}.txt"

    def page_text(self, doc_id: str, page: int) -> str:
        """Text of page index ``page`` (0-based)."""
        doc = self.get_document(doc_id)
        if not 0 <= page < doc.n_pages:
            # said in the 1-based numbers people and citations use
            raise NotFoundError(
                f"{doc.name} has pages 1-{doc.n_pages}; there is no page {page + 1}"
            )
        return self.page_path(doc.doc_id, page).read_text(encoding="utf-8")

    # -- writes ---------------------------------------------------------------------
    def _new_doc_id(self, db: sqlite3.Connection, name: str) -> str:
        base = slugify(name)
        doc_id, n = base, 1
        while db.execute("SELECT 1 FROM documents WHERE doc_id=?", (doc_id,)).fetchone():
            n += 1
            doc_id = f"{base}-{n}"
        return doc_id

    def put(
        self,
        doc: Document,
        pages: list[str],
        sections: list[Section],
        chunks_for: callable[[str], list[Chunk]],
        replace: bool = False,
        facts: list[Fact] | None = None,
    ) -> tuple[Document, str]:
        """Add the document, or rewrite one in place. Returns (doc, "added" | "replaced").

        A document is never replaced because of its file name or path. It is rewritten in
        place when the same bytes are put again (a forced re-ingest) and, only with
        ``replace``, when it is another version of one stored filing (same company, form
        and period: :func:`filing_identity`; a filing without identity: same source path).
        ``chunks_for(doc_id)`` builds the chunks once the doc_id is known. Call under
        :meth:`write_lock`.
        """
        with self._connect() as db:
            row = db.execute(
                "SELECT doc_id, dir FROM documents WHERE content_hash=? ORDER BY doc_id LIMIT 1",
                (doc.content_hash,),
            ).fetchone()
            if row is None and replace:
                row = self._replaceable(db, doc)
            doc_id = row["doc_id"] if row else self._new_doc_id(db, doc.name)
        old_dir = row["dir"] if row else None
        doc = doc.model_copy(update={"doc_id": doc_id})
        chunks = chunks_for(doc_id)
        doc.n_chunks = len(chunks)
        doc.n_sections = len(sections)

        dirname = f"{doc_id}@{doc.content_hash[:12]}"
        if dirname == old_dir:  # same content re-put (forced): write to a fresh name
            dirname = f"{doc_id}@{doc.content_hash[:12]}-{uuid.uuid4().hex[:6]}"
        tmp = self.docs_dir / f".tmp-{uuid.uuid4().hex}"
        (tmp / "pages").mkdir(parents=True)
        for i, text in enumerate(pages):
            (tmp / "pages" / f"page-{i:04d}.txt").write_text(text, encoding="utf-8")
        (tmp / "sections.json").write_text(
            json.dumps([s.model_dump() for s in sections], ensure_ascii=False), encoding="utf-8"
        )
        with (tmp / "chunks.jsonl").open("w", encoding="utf-8") as fh:
            for c in chunks:
                fh.write(c.model_dump_json())
                fh.write("\n")
        with (tmp / "facts.jsonl").open("w", encoding="utf-8") as fh:
            for f in facts or []:  # statement line items, with the version like the chunks
                fh.write(f.model_copy(update={"doc_id": doc_id}).model_dump_json())
                fh.write("\n")
        write_facts_meta(tmp)  # a later extractor sees these facts as its own or older
        (tmp / "meta.json").write_text(doc.model_dump_json(indent=2), encoding="utf-8")
        final = self.docs_dir / dirname
        os.replace(tmp, final)

        paths = section_paths(sections)
        m = doc.meta
        with self._connect() as db:
            db.execute("DELETE FROM sections WHERE doc_id=?", (doc_id,))
            db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))
            db.execute(
                f"INSERT INTO documents ({_DOC_COLUMNS}) VALUES ({','.join('?' * 17)})",
                (
                    doc_id,
                    doc.name,
                    doc.source_path,
                    doc.file_type,
                    doc.content_hash,
                    dirname,
                    doc.n_pages,
                    m.company,
                    m.ticker,
                    m.cik,
                    m.form,
                    m.fiscal_year,
                    m.fiscal_period,
                    m.period_end.isoformat() if m.period_end else None,
                    m.filing_date.isoformat() if m.filing_date else None,
                    doc.model_dump_json(),
                    filing_identity(doc.meta),
                ),
            )
            db.executemany(
                "INSERT INTO sections VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        doc_id,
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
                    for i, s in enumerate(sections)
                ],
            )
        if old_dir and old_dir != dirname:
            shutil.rmtree(self.docs_dir / old_dir, ignore_errors=True)
        return doc, ("replaced" if row else "added")

    @staticmethod
    def _replaceable(db: sqlite3.Connection, doc: Document) -> sqlite3.Row | None:
        """The one stored version ``doc`` may replace, if any; several is an error."""
        ident = filing_identity(doc.meta)
        if ident is not None:
            where, arg = "identity=?", ident
        else:
            where, arg = "identity IS NULL AND source_path=?", doc.source_path
        rows = db.execute(
            f"SELECT doc_id, dir FROM documents WHERE {where} ORDER BY doc_id", (arg,)
        ).fetchall()
        if len(rows) > 1:
            ids = ", ".join(r["doc_id"] for r in rows)
            raise IngestError(
                f"--replace: {len(rows)} stored documents are versions of this filing ({ids}); "
                "remove the ones to drop with `docnav remove DOC` first"
            )
        return rows[0] if rows else None

    def remove(self, ref: str) -> Document:
        """Remove a document (catalog rows first, then its files). Call under write_lock."""
        doc = self.get_document(ref)
        with self._connect() as db:
            row = db.execute("SELECT dir FROM documents WHERE doc_id=?", (doc.doc_id,)).fetchone()
            db.execute("DELETE FROM sections WHERE doc_id=?", (doc.doc_id,))
            db.execute("DELETE FROM documents WHERE doc_id=?", (doc.doc_id,))
        if row:
            shutil.rmtree(self.docs_dir / row["dir"], ignore_errors=True)
        return doc

    def sweep(self) -> int:
        """Delete version directories the catalog does not point to (crash leftovers)."""
        with self._connect() as db:
            live = {r["dir"] for r in db.execute("SELECT dir FROM documents")}
        n = 0
        for p in self.docs_dir.iterdir():
            if p.name not in live:
                shutil.rmtree(p, ignore_errors=True)
                n += 1
        return n
