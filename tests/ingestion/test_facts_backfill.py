"""Facts backfill: a version stored without facts gets the same facts an ingest with facts
writes, in the same version folder (chunks and version name untouched); a source that
changed or vanished is skipped with a reason. Real FinanceBench PDF and EDGAR iXBRL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from docnav.ingestion.facts_backfill import backfill_facts, has_facts
from docnav.ingestion.pipeline import IngestOptions, ingest_paths
from docnav.ingestion.store import CorpusStore


def _stored_without_facts(tmp_path: Path, src: Path) -> tuple[CorpusStore, str]:
    """Ingested, then its facts file removed: what a store from before facts looks like."""
    store = CorpusStore(tmp_path / "old")
    rep = ingest_paths(store, [src], IngestOptions(facts=False, edgartools_check=False))
    (doc_id,) = [r.doc_id for r in rep.files]
    (store.doc_dir(doc_id) / "facts.jsonl").unlink()
    return store, doc_id


def _facts_by_ingest(tmp_path: Path, src: Path) -> list[dict]:
    store = CorpusStore(tmp_path / "new")
    rep = ingest_paths(store, [src], IngestOptions(edgartools_check=False))
    (doc_id,) = [r.doc_id for r in rep.files]
    return [f.model_dump() for f in store.facts(doc_id)]


@pytest.mark.parametrize("name", ["AMCOR_2023Q4_EARNINGS.pdf"])
def test_pdf_backfill_equals_ingest(fb_pdfs: Path, tmp_path: Path, name: str) -> None:
    src = tmp_path / name
    shutil.copyfile(fb_pdfs / name, src)
    store, doc_id = _stored_without_facts(tmp_path, src)
    version = store.versions()[doc_id]
    chunks = (store.doc_dir(doc_id) / "chunks.jsonl").read_bytes()
    assert not has_facts(store, doc_id) and store.facts(doc_id) == []

    rep = backfill_facts(store)
    (item,) = rep.items
    assert item.status == "added" and item.facts > 20, item
    assert [f.model_dump() for f in store.facts(doc_id)] == _facts_by_ingest(tmp_path, src)
    # the version (and so its embeddings) is untouched
    assert store.versions()[doc_id] == version
    assert (store.doc_dir(doc_id) / "chunks.jsonl").read_bytes() == chunks
    # a second run finds them present; force rebuilds the same
    assert backfill_facts(store).items[0].status == "present"
    again = backfill_facts(store, [doc_id], force=True).items[0]
    assert again.status == "rebuilt" and again.facts == item.facts


def test_html_ixbrl_backfill_equals_ingest(edgar_dir: Path, tmp_path: Path) -> None:
    src = tmp_path / "ko-10-q.html"
    shutil.copyfile(edgar_dir / "ko-10-q-2025-07-24.html", src)
    store, doc_id = _stored_without_facts(tmp_path, src)
    item = backfill_facts(store).items[0]
    assert item.status == "added" and item.facts > 50, item
    assert [f.model_dump() for f in store.facts(doc_id)] == _facts_by_ingest(tmp_path, src)


def test_changed_or_missing_source_is_skipped(fb_pdfs: Path, tmp_path: Path) -> None:
    src = tmp_path / "e.pdf"
    shutil.copyfile(fb_pdfs / "AMCOR_2023Q4_EARNINGS.pdf", src)
    store, doc_id = _stored_without_facts(tmp_path, src)
    src.write_bytes(src.read_bytes() + b"\n%changed")
    item = backfill_facts(store).items[0]
    assert item.status == "skipped" and "changed" in (item.reason or "")
    src.unlink()
    item = backfill_facts(store).items[0]
    assert item.status == "skipped" and "gone" in (item.reason or "")
    assert not has_facts(store, doc_id)
    rep = backfill_facts(store)
    assert rep.ok and rep.count("skipped") == 1
    with pytest.raises(ValueError, match="not in the store"):
        backfill_facts(store, ["nope"])


def test_a_store_with_the_same_bytes_lends_its_facts(fb_pdfs: Path, tmp_path: Path) -> None:
    src = tmp_path / "e.pdf"
    shutil.copyfile(fb_pdfs / "AMCOR_2023Q4_EARNINGS.pdf", src)
    store, doc_id = _stored_without_facts(tmp_path, src)
    lender = CorpusStore(tmp_path / "lender")
    ingest_paths(lender, [src], IngestOptions(edgartools_check=False))
    src.unlink()  # not needed: the facts come from the lender
    item = backfill_facts(store, like=lender).items[0]
    assert item.status == "added" and item.source == str(lender.root)
    (lent,) = lender.list_documents()
    assert [f.model_dump() for f in store.facts(doc_id)] == [
        f.model_copy(update={"doc_id": doc_id}).model_dump() for f in lender.facts(lent.doc_id)
    ]
