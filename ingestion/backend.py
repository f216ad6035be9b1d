"""Which corpus store backs docnav: the embedded file store (default) or PostgreSQL
(``DOCNAV_DATABASE_URL``). Both answer the same interface, :class:`StoreBackend`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol, runtime_checkable

from docnav.ingestion.store import CorpusStore
from docnav.types import Chunk, Document, Fact, Section


@runtime_checkable
class StoreBackend(Protocol):
    """What ingestion, retrieval, the tools and the server use of a store. Page numbers are
    0-based; page texts are files under ``root`` for either backend (rg reads them)."""

    root: Path
    docs_dir: Path

    def write_lock(self) -> AbstractContextManager[None]: ...
    def find_by_hash(self, content_hash: str) -> Document | None: ...
    def list_documents(
        self,
        company: str | None = None,
        form: str | None = None,
        year: int | None = None,
        ticker: str | None = None,
    ) -> list[Document]: ...
    def get_document(self, ref: str) -> Document: ...
    def same_filing(self, doc: Document) -> list[Document]: ...
    def doc_dir(self, doc_id: str) -> Path: ...
    def versions(self) -> dict[str, str]: ...
    def sections(self, doc_id: str) -> list[Section]: ...
    def chunks(self, doc_id: str) -> list[Chunk]: ...
    def facts(self, doc_id: str) -> list[Fact]: ...
    def iter_all_chunks(self) -> Iterator[Chunk]: ...
    def page_path(self, doc_id: str, page: int) -> Path: ...
    def page_text(self, doc_id: str, page: int) -> str: ...
    def put(
        self,
        doc: Document,
        pages: list[str],
        sections: list[Section],
        chunks_for: Callable[[str], list[Chunk]],
        replace: bool = False,
        facts: list[Fact] | None = None,
    ) -> tuple[Document, str]: ...
    def remove(self, ref: str) -> Document: ...
    def sweep(self) -> int: ...


def open_store(
    store_dir: str | Path, database_url: str | None = None, lock_timeout_s: float = 600.0
) -> StoreBackend:
    """The file store under ``store_dir``, or, with a ``postgresql://`` URL, the PostgreSQL
    store whose page files live under ``store_dir``."""
    if not database_url:
        return CorpusStore(store_dir, lock_timeout_s)
    if not database_url.startswith(("postgresql://", "postgres://")):
        from docnav.errors import DocnavError

        raise DocnavError(
            f"DOCNAV_DATABASE_URL must be a postgresql:// URL, got {database_url.split(':')[0]}://..."
        )
    from docnav.ingestion.store_pg import PgCorpusStore

    return PgCorpusStore(store_dir, database_url, lock_timeout_s)
