"""Confined, read-only access to the corpus store for the tools.

Documents are looked up in the catalog (SQL parameters, never path joins of model text); file
paths come only from the catalog's version folder and fixed page-file names. Every file is
opened with ``O_NOFOLLOW`` after checking that its resolved path is itself (no symlinked
component) and lies under the store's ``docs`` folder, so a planted symlink cannot lead out.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

from docnav.errors import AmbiguousRefError, NotFoundError
from docnav.ingestion.store import CorpusStore
from docnav.types import Document

PAGE_FILE = re.compile(r"page-(\d{4,})\.txt")


class ToolError(Exception):
    """A message for the model: what went wrong and what to do instead."""


def find_document(store: CorpusStore, ref: str) -> Document:
    """Catalog lookup by doc id, name or unique id prefix; a miss suggests close names."""
    ref = (ref or "").strip()
    if not ref:
        raise ToolError("no document given; call list_documents to see the doc ids")
    try:
        return store.get_document(ref)
    except AmbiguousRefError as exc:
        raise ToolError(f"{exc} (call list_documents)") from exc
    except NotFoundError:
        pass
    docs = store.list_documents()
    low = ref.lower()
    # a case-insensitive exact name/id, then a unique substring
    exact = [d for d in docs if low in (d.doc_id.lower(), d.name.lower())]
    if len(exact) == 1:
        return exact[0]
    sub = [d for d in docs if low in d.doc_id.lower() or low in d.name.lower()]
    if len(sub) == 1:
        return sub[0]
    names = [d.doc_id for d in docs]
    close = difflib.get_close_matches(ref, names, n=5, cutoff=0.5) or [d.doc_id for d in sub[:5]]
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise ToolError(f"no document {ref!r} in the corpus{hint} (call list_documents)")


def select_documents(
    store: CorpusStore,
    doc: str | None = None,
    company: str | None = None,
    form: str | None = None,
    year: int | None = None,
) -> list[Document]:
    """The documents a corpus-wide tool covers: one document, or the catalog filtered."""
    if doc:
        return [find_document(store, doc)]
    return store.list_documents(company=company, form=form, year=year)


def _docs_root(store: CorpusStore) -> Path:
    return store.docs_dir.resolve()


def pages_dir(store: CorpusStore, doc: Document) -> Path:
    """The document's page folder, refused when it resolves anywhere but itself in the store."""
    path = store.doc_dir(doc.doc_id) / "pages"
    root = _docs_root(store)
    real = path.resolve()
    if real != path or not real.is_relative_to(root):
        raise ToolError(f"{doc.doc_id}: its page folder is not a plain folder inside the store")
    return path


def read_page(store: CorpusStore, doc: Document, page: int) -> str:
    """Text of 0-based page ``page``; refuses symlinks and anything outside the store."""
    if not 0 <= page < doc.n_pages:
        raise ToolError(f"{doc.doc_id} has pages 1-{doc.n_pages}; page {page + 1} does not exist")
    path = pages_dir(store, doc) / f"page-{page:04d}.txt"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise ToolError(f"{doc.doc_id} page {page + 1}: no text stored") from None
    except OSError as e:  # ELOOP: a symlink was planted there
        raise ToolError(f"{doc.doc_id} page {page + 1}: not a regular file in the store") from e
    with os.fdopen(fd, "rb") as fh:
        data = fh.read()
    return data.decode("utf-8", errors="replace")


def page_of(path: Path) -> int | None:
    """0-based page index from a page file name, or None for any other file."""
    m = PAGE_FILE.fullmatch(path.name)
    return int(m.group(1)) if m else None
