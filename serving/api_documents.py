"""Documents: list, read what a citation points at, upload or name files to ingest, remove."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import anyio
from fastapi import APIRouter, File, Form, Query, UploadFile

from docnav.ingestion.section_lookup import SectionNotFound, find_section
from docnav.serving.errors import ApiError
from docnav.serving.paging import Cursor, Limit, decode_cursor, encode_cursor
from docnav.serving.schemas import (
    DocumentDetail,
    DocumentList,
    ErrorOut,
    JobOut,
    PageOut,
    PublicDocument,
    SectionOut,
)
from docnav.serving.service import Service, Svc
from docnav.serving.uploads import confine, save_upload
from docnav.types import Document

router = APIRouter(prefix="/v1", tags=["documents"])
MAX_SECTION_PAGES = 30
_ERR = {404: {"model": ErrorOut}}


@router.get("/documents", response_model=DocumentList, responses={422: {"model": ErrorOut}})
async def list_documents(
    svc: Svc,
    company: Annotated[str | None, Query(max_length=200)] = None,
    form: Annotated[str | None, Query(max_length=20)] = None,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
    ticker: Annotated[str | None, Query(max_length=20)] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> DocumentList:
    """The catalog by doc_id, a page at a time (``next_cursor`` for the next), with optional
    filters."""
    after = decode_cursor(cursor, (str,))
    docs = await anyio.to_thread.run_sync(
        lambda: svc.engine.documents(company=company, form=form, year=year, ticker=ticker)
    )
    rest = sorted((d for d in docs if after is None or d.doc_id > after[0]), key=_doc_id)
    page = rest[:limit]
    more = len(rest) > limit
    return DocumentList(
        documents=page, next_cursor=encode_cursor([page[-1].doc_id]) if more else None
    )


def _doc_id(d: Document) -> str:
    return d.doc_id


@router.get("/documents/{doc_id}", response_model=DocumentDetail, responses=_ERR)
async def get_document(doc_id: str, svc: Svc) -> DocumentDetail:
    """Metadata and outline (sections with their paths and 1-based page ranges:
    ``page_start`` is the n of ``GET .../pages/{n}``)."""

    def read() -> DocumentDetail:
        return DocumentDetail(
            document=svc.engine.document(doc_id),
            outline=svc.engine.outline(doc_id),  # pages 1-based
        )

    return await anyio.to_thread.run_sync(read)


def _page(svc: Service, doc: Document, n: int) -> PageOut:
    return PageOut(
        doc_id=doc.doc_id, page=n, n_pages=doc.n_pages, text=svc.engine.page_text(doc.doc_id, n)
    )


@router.get("/documents/{doc_id}/pages/{n}", response_model=PageOut, responses=_ERR)
async def get_page(doc_id: str, n: int, svc: Svc) -> PageOut:
    """Text of page ``n``, 1-based as citations print it."""

    def read() -> PageOut:  # a page outside 1..n_pages: the engine's NotFoundError, a 404
        return _page(svc, svc.engine.document(doc_id), n)

    return await anyio.to_thread.run_sync(read)


@router.get(
    "/documents/{doc_id}/sections/{section:path}", response_model=SectionOut, responses=_ERR
)
async def get_section(doc_id: str, section: str, svc: Svc) -> SectionOut:
    """The pages of one section: by id, path ("Part II > Item 8"), label ("Note 12") or title."""

    def read() -> SectionOut:
        doc = svc.engine.document(doc_id)
        entries = svc.engine.outline(doc_id)
        try:  # the tools' rule (docnav.ingestion.section_lookup), so both find the same section
            entry, _ = find_section(entries, section, {e.id: e.path for e in entries})
        except SectionNotFound:
            raise ApiError(
                404, "not_found", f"{doc.name} has no section {section!r}; see its outline"
            ) from None
        last = min(entry.page_end, entry.page_start + MAX_SECTION_PAGES - 1)  # 1-based
        pages = [_page(svc, doc, p) for p in range(entry.page_start, last + 1)]
        return SectionOut(
            doc_id=doc.doc_id,
            section=entry,
            pages=pages,
            truncated=last < entry.page_end,
        )

    return await anyio.to_thread.run_sync(read)


@router.delete("/documents/{doc_id}", response_model=PublicDocument, responses=_ERR)
async def delete_document(doc_id: str, svc: Svc) -> Document:
    """Remove a filing; its index entries go with the next index refresh (fingerprint)."""

    def remove() -> Document:
        with svc.indexed() as engine:
            return engine.remove(doc_id)

    return await anyio.to_thread.run_sync(remove)


@router.post(
    "/documents",
    status_code=202,
    response_model=JobOut,
    responses={
        403: {"model": ErrorOut},
        413: {"model": ErrorOut},
        415: {"model": ErrorOut},
        422: {"model": ErrorOut},
    },
)
async def ingest_documents(
    svc: Svc,
    files: Annotated[
        list[UploadFile] | None, File(description="PDF, EDGAR HTML or text files.")
    ] = None,
    path: Annotated[
        list[str] | None,
        Form(description="Server-side file or folder under an allowed ingest root."),
    ] = None,
    force: Annotated[bool, Form(description="Re-ingest unchanged files.")] = False,
    form: Annotated[
        str | None, Form(max_length=20, description="Form hint (10-K, 10-Q ...).")
    ] = None,
    replace: Annotated[
        bool,
        Form(
            description="A new version of a stored filing (same company, form and period) "
            "replaces it; without this both are kept. A file name never decides."
        ),
    ] = False,
) -> JobOut:
    """Upload files (multipart ``files``) and/or name server-side ``path``s; starts an
    ingestion job. Poll ``GET /v1/jobs/{id}``."""
    files = [f for f in files or [] if f.filename or f.size]
    paths = [p for p in path or [] if p.strip()]
    if not files and not paths:
        raise ApiError(422, "nothing_to_ingest", "send files (multipart 'files') or a 'path'")
    s = svc.settings
    if len(files) > s.upload_max_files:
        raise ApiError(413, "too_many_files", f"at most {s.upload_max_files} files per request")
    inputs: list[str] = []
    for p in paths:
        inputs += [str(f) for f in await anyio.to_thread.run_sync(confine, p, svc.roots)]
    created: list[Path] = []
    try:
        for up in files:
            saved, existed = await anyio.to_thread.run_sync(
                save_upload, up.file, up.filename, svc.upload_dir, int(s.upload_max_mb * 1e6)
            )
            inputs.append(str(saved))
            if not existed:
                created.append(saved)
    except BaseException:
        for p in created:  # a refused request leaves no new files behind
            p.unlink(missing_ok=True)
        raise
    job = await anyio.to_thread.run_sync(
        lambda: svc.jobs.create(inputs, force=force, form_hint=form, replace=replace)
    )
    svc.runner.wake()
    return job
