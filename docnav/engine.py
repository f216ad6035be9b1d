"""The engine: one object that the CLI, the REST API and notebooks all drive."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from docnav.ingestion import (
    CorpusStore,
    IngestOptions,
    ingest_paths,
    load_sidecar,
    section_paths,
)
from docnav.retrieval.index import (
    CorpusIndex,
    IndexStatus,
    Mode,
    SearchFilters,
    SearchResult,
    Understand,
)
from docnav.retrieval.rerank import Reranker
from docnav.settings import Settings, get_settings
from docnav.types import Document, FileResult, IngestReport, Section


class OutlineEntry(Section):
    path: str


class Engine:
    """Entry point to docnav: ``Engine().ingest([...])``, ``.documents()``, ``.outline(doc)``."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self._store: CorpusStore | None = None
        self._index: CorpusIndex | None = None

    @property
    def index(self) -> CorpusIndex:
        if self._index is None:
            self._index = CorpusIndex(
                self.store, self.settings.home_dir / "indexes", self.settings.embedding_model
            )
        return self._index

    def search(
        self,
        query: str,
        mode: Mode = "hybrid",
        k: int = 10,
        filters: SearchFilters | None = None,
        fusion: str = "rrf",
        on_progress: Callable[[str, int, int], None] | None = None,
        understand: Understand | None = None,
        expand: bool | None = None,
        reranker: Reranker | None = None,
    ) -> SearchResult:
        """Search every chunk in the store; filters narrow the candidates before ranking.
        ``understand``/``expand`` default to the settings (query understanding as filters and
        synonym expansion on); mode "hybrid+rerank" uses ``reranker`` or :meth:`reranker`."""
        s = self.settings
        if reranker is None and mode == "hybrid+rerank":
            reranker = self.reranker()
        self.index.ensure(dense=mode != "bm25", on_progress=on_progress)
        return self.index.search(
            query, mode=mode, k=k, filters=filters, fusion=fusion,  # type: ignore[arg-type]
            understand=s.search_understand if understand is None else understand,
            expand=s.search_expand if expand is None else expand,
            expand_weight=s.search_expand_weight, reranker=reranker,
            rerank_depth=s.rerank_depth, max_query_chars=s.search_max_query_chars,
        )  # fmt: skip

    def reranker(self) -> Reranker | None:
        """The configured reranker, or None (set one with ``engine.set_reranker``)."""
        return getattr(self, "_reranker", None)

    def set_reranker(self, reranker: Reranker | None) -> None:
        self._reranker = reranker

    def index_status(self) -> IndexStatus:
        return self.index.status()

    def rebuild_index(
        self,
        dense: bool = True,
        full: bool = False,
        on_progress: Callable[[str, int, int], None] | None = None,
    ) -> IndexStatus:
        """Rebuild the search indexes from the store (fixes an IndexCorruptError)."""
        with self.store.write_lock():
            return self.index.rebuild(dense=dense, full=full, on_progress=on_progress)

    @property
    def store(self) -> CorpusStore:
        if self._store is None:
            self._store = CorpusStore(self.settings.store_dir, self.settings.lock_timeout_s)
        return self._store

    # -- ingestion ------------------------------------------------------------------
    def ingest(
        self,
        paths: Iterable[str | os.PathLike],
        sidecar: str | Path | None = None,
        workers: int | None = None,
        force: bool = False,
        form_hint: str | None = None,
        on_start: Callable[[int], None] | None = None,
        on_result: Callable[[FileResult], None] | None = None,
    ) -> IngestReport:
        s = self.settings
        opts = IngestOptions(
            max_file_mb=s.max_file_mb,
            max_pages=s.max_pages,
            chunk_chars=s.chunk_chars,
            overlap_chars=s.chunk_overlap_chars,
            form_hint=form_hint,
        )
        return ingest_paths(
            self.store,
            paths,
            opts=opts,
            sidecar=load_sidecar(sidecar) if sidecar else None,
            workers=workers or s.ingest_workers,
            force=force,
            on_start=on_start,
            on_result=on_result,
        )

    def remove(self, doc: str) -> Document:
        with self.store.write_lock():
            return self.store.remove(doc)

    # -- reading ----------------------------------------------------------------------
    def documents(
        self,
        company: str | None = None,
        form: str | None = None,
        year: int | None = None,
        ticker: str | None = None,
    ) -> list[Document]:
        return self.store.list_documents(company=company, form=form, year=year, ticker=ticker)

    def document(self, doc: str) -> Document:
        return self.store.get_document(doc)

    def outline(self, doc: str) -> list[OutlineEntry]:
        d = self.store.get_document(doc)
        sections = self.store.sections(d.doc_id)
        paths = section_paths(sections)
        return [OutlineEntry(**s.model_dump(), path=paths[s.id]) for s in sections]

    def page_text(self, doc: str, page: int) -> str:
        """Text of page index ``page`` (0-based)."""
        return self.store.page_text(self.store.get_document(doc).doc_id, page)
