"""Statement facts for filings stored before facts existed, without re-ingesting them.

A version stored before ``facts.jsonl`` existed has no facts. Re-ingesting would rewrite its
chunks, change its version folder and so throw away its embeddings (minutes per filing on a
CPU). Facts depend only on the source file and the page texts, which the store keeps: this
reads the stored pages, detects the structure again (the blocks that say where tables lie are
not stored) and rebuilds the facts from the source file, then writes ``facts.jsonl`` into the
same version folder. Chunks, sections, pages and the version name stay as they are, so the
indexes and embeddings stay valid.

The source must still be where it was ingested from and hold the same bytes (its SHA-256 is
checked), or the pages read from it could differ from the stored ones; such filings are
reported as skipped, never guessed at.

``like``: another store that already holds facts for the same bytes (same content hash, so the
same pages) lends them instead of parsing the PDF again (seconds instead of minutes per filing
on a busy CPU); they are the facts that store's ingestion computed, lent only when that
store's extractor version is the current one.

Versions: ``facts_meta.json`` beside ``facts.jsonl`` names the extractor version that wrote
them (:mod:`docnav.ingestion.facts_version`); a missing meta reads as the first version.
Without ``force`` a filing whose facts are older than :data:`FACTS_VERSION` is rebuilt
("rebuilt"), one without facts gets them ("added"), current ones are left ("present").

PostgreSQL store: its facts live in the database rows ingestion wrote; there is no backfill
there (this raises): re-ingest the filings (``docnav ingest --force``), which recomputes
their facts with the current extractor along with the chunks and embeddings.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from docnav.errors import DocnavError
from docnav.ingestion.facts import pdf_facts
from docnav.ingestion.facts_version import FACTS_VERSION, facts_version_of, write_facts_meta
from docnav.ingestion.facts_xbrl import xbrl_facts
from docnav.ingestion.html import parse_html_filing
from docnav.ingestion.store import CorpusStore
from docnav.ingestion.structure import detect_structure
from docnav.types import Document, Fact

__all__ = ["BackfillItem", "BackfillReport", "backfill_facts", "has_facts", "stale_facts"]

# added: none were stored; rebuilt: older (or, with force, any) replaced; present: current
Status = Literal["added", "rebuilt", "present", "skipped", "failed"]


class BackfillItem(BaseModel):
    doc_id: str
    status: Status
    facts: int = 0
    reason: str | None = None  # why skipped or failed
    source: str | None = None  # added: "parsed" from the source file, or the lending store


class BackfillReport(BaseModel):
    items: list[BackfillItem] = Field(default_factory=list)

    def count(self, status: Status) -> int:
        return sum(1 for i in self.items if i.status == status)

    @property
    def ok(self) -> bool:
        return self.count("failed") == 0


def has_facts(store: CorpusStore, doc_id: str) -> bool:
    """Whether the current version has a facts file (possibly empty: a filing without
    statements stored after facts existed)."""
    return (store.doc_dir(doc_id) / "facts.jsonl").exists()


def stale_facts(store: CorpusStore) -> list[str]:
    """doc_ids whose current version has no facts or facts from an older extractor."""
    out = []
    for d in store.list_documents():
        v = facts_version_of(store.doc_dir(d.doc_id))
        if v is None or v < FACTS_VERSION:
            out.append(d.doc_id)
    return out


def backfill_facts(
    store: CorpusStore,
    doc_ids: list[str] | None = None,
    force: bool = False,
    on_progress: Callable[[BackfillItem, int, int], None] | None = None,
    like: CorpusStore | None = None,
) -> BackfillReport:
    """Write facts for every filing (or ``doc_ids``) whose version has none or has them from
    an older extractor version; ``force`` rebuilds them for all. ``on_progress(item, done, total)`` after each filing. The file
    store only (the PostgreSQL store keeps facts in its database: re-ingest there)."""
    if type(store) is not CorpusStore:
        raise DocnavError(f"facts backfill works on the file store, not {type(store).__name__}")
    docs = store.list_documents()
    if doc_ids is not None:
        want = set(doc_ids)
        docs = [d for d in docs if d.doc_id in want or d.name in want]
        missing = want - {d.doc_id for d in docs} - {d.name for d in docs}
        if missing:
            raise ValueError(f"not in the store: {', '.join(sorted(missing))}")
    report = BackfillReport()
    for n, d in enumerate(docs, 1):
        item = _one(store, d, force, like)
        report.items.append(item)
        if on_progress:
            on_progress(item, n, len(docs))
    return report


def _one(store: CorpusStore, doc: Document, force: bool, like: CorpusStore | None) -> BackfillItem:
    had = facts_version_of(store.doc_dir(doc.doc_id))
    if not force and had is not None and had >= FACTS_VERSION:
        return BackfillItem(doc_id=doc.doc_id, status="present")
    done: Status = "added" if had is None else "rebuilt"
    twin = like.find_by_hash(doc.content_hash) if like is not None else None
    if twin is not None and facts_version_of(like.doc_dir(twin.doc_id)) == FACTS_VERSION:
        facts = like.facts(twin.doc_id)
        if not _write(store, doc.doc_id, store.doc_dir(doc.doc_id), facts):
            return BackfillItem(doc_id=doc.doc_id, status="skipped", reason="re-ingested meanwhile")
        return BackfillItem(doc_id=doc.doc_id, status=done, facts=len(facts), source=str(like.root))
    if doc.file_type not in ("pdf", "html"):
        return BackfillItem(
            doc_id=doc.doc_id, status="skipped", reason="no statement tables in plain text"
        )
    src = Path(doc.source_path)
    if not src.is_file():
        return BackfillItem(doc_id=doc.doc_id, status="skipped", reason=f"source {src} is gone")
    data = src.read_bytes()
    if hashlib.sha256(data).hexdigest() != doc.content_hash:
        return BackfillItem(
            doc_id=doc.doc_id,
            status="skipped",
            reason=f"source {src} changed since ingestion (re-ingest it instead)",
        )
    folder = store.doc_dir(doc.doc_id)
    try:
        facts = _facts_of(store, doc, src, data)
    except Exception as exc:  # noqa: BLE001 - one filing's parser failure is reported, not fatal
        return BackfillItem(
            doc_id=doc.doc_id, status="failed", reason=f"{type(exc).__name__}: {exc}"
        )
    if not _write(store, doc.doc_id, folder, facts):
        return BackfillItem(doc_id=doc.doc_id, status="skipped", reason="re-ingested meanwhile")
    return BackfillItem(doc_id=doc.doc_id, status=done, facts=len(facts), source="parsed")


def _facts_of(store: CorpusStore, doc: Document, src: Path, data: bytes) -> list[Fact]:
    form = doc.meta.form
    if doc.file_type == "html":
        filing = parse_html_filing(data, form_hint=form, edgartools_check=False)
        return xbrl_facts(
            data, filing.pages, filing.structure, doc.meta, doc_id=doc.doc_id, form=form
        )
    pages = [store.page_path(doc.doc_id, i).read_text(encoding="utf-8") for i in range(doc.n_pages)]
    structure = detect_structure(pages, form=form)
    return pdf_facts(str(src), pages, structure, doc.meta, doc_id=doc.doc_id)


def _write(store: CorpusStore, doc_id: str, folder: Path, facts: list[Fact]) -> bool:
    """Atomically, under the store's write lock, into ``folder`` if the catalog still points
    at it (a re-ingest meanwhile wrote a new version with its own facts: that one wins)."""
    with store.write_lock():
        if store.doc_dir(doc_id) != folder:
            return False
        tmp = folder / f".facts.{uuid.uuid4().hex[:8]}.tmp"
        with tmp.open("w", encoding="utf-8") as fh:
            for f in facts:
                fh.write(f.model_copy(update={"doc_id": doc_id}).model_dump_json())
                fh.write("\n")
        os.replace(tmp, folder / "facts.jsonl")
        write_facts_meta(folder)  # after the facts: a crash between leaves them read as older
    return True
