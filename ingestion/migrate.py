"""Copy a corpus store into another backend (the file store into PostgreSQL, or back)
without parsing a file again: pages, outline, chunks and facts move as they are."""

from __future__ import annotations

from collections.abc import Callable

from docnav.ingestion.backend import StoreBackend
from docnav.types import Document


def copy_store(
    src: StoreBackend, dst: StoreBackend, on_doc: Callable[[Document, str], None] | None = None
) -> dict[str, str]:
    """Every document of ``src`` into ``dst`` (a document already there with the same bytes
    is rewritten, so a rerun after a crash finishes the copy). Returns src doc_id -> dst
    doc_id; ids stay the same unless ``dst`` already holds another document of that name."""
    ids: dict[str, str] = {}
    for doc in src.list_documents():
        pages = [src.page_text(doc.doc_id, i) for i in range(doc.n_pages)]
        chunks = src.chunks(doc.doc_id)

        def chunks_for(doc_id: str, chunks=chunks) -> list:
            return [
                c.model_copy(update={"doc_id": doc_id, "id": f"{doc_id}:{c.ordinal:05d}"})
                for c in chunks
            ]

        with dst.write_lock():
            new, status = dst.put(
                doc, pages, src.sections(doc.doc_id), chunks_for, facts=src.facts(doc.doc_id)
            )
        ids[doc.doc_id] = new.doc_id
        if on_doc:
            on_doc(new, status)
    return ids
