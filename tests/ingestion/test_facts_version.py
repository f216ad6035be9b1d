"""Facts versions: ingestion records the extractor version beside facts.jsonl; a backfill
without force rebuilds facts from an older extractor (or with no recorded version: stores
made before versions existed) and leaves current ones. Real FinanceBench PDF."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from docnav.ingestion.facts_backfill import backfill_facts, stale_facts
from docnav.ingestion.facts_version import FACTS_META, FACTS_VERSION, facts_version_of
from docnav.ingestion.pipeline import IngestOptions, ingest_paths
from docnav.ingestion.store import CorpusStore


def _ingested(tmp_path: Path, fb_pdfs: Path) -> tuple[CorpusStore, str]:
    src = tmp_path / "e.pdf"
    shutil.copyfile(fb_pdfs / "AMCOR_2023Q4_EARNINGS.pdf", src)
    store = CorpusStore(tmp_path / "s")
    rep = ingest_paths(store, [src], IngestOptions(edgartools_check=False))
    (doc_id,) = [r.doc_id for r in rep.files]
    return store, doc_id


def test_ingest_records_the_version_and_backfill_rebuilds_older(
    fb_pdfs: Path, tmp_path: Path
) -> None:
    store, doc_id = _ingested(tmp_path, fb_pdfs)
    folder = store.doc_dir(doc_id)
    assert facts_version_of(folder) == FACTS_VERSION
    assert stale_facts(store) == []
    assert backfill_facts(store).items[0].status == "present"
    current = (folder / "facts.jsonl").read_bytes()

    # a store from before versions: no meta; its facts read as the first version
    (folder / FACTS_META).unlink()
    (folder / "facts.jsonl").write_text("", encoding="utf-8")
    assert facts_version_of(folder) == 1 and stale_facts(store) == [doc_id]
    item = backfill_facts(store).items[0]
    assert item.status == "rebuilt" and item.facts > 20 and item.source == "parsed", item
    assert (folder / "facts.jsonl").read_bytes() == current
    assert facts_version_of(folder) == FACTS_VERSION and stale_facts(store) == []

    # an older recorded version is rebuilt the same way; the version folder stays
    (folder / FACTS_META).write_text(json.dumps({"version": FACTS_VERSION - 1}), "utf-8")
    version = store.versions()[doc_id]
    assert backfill_facts(store).items[0].status == "rebuilt"
    assert store.versions()[doc_id] == version
    assert backfill_facts(store).items[0].status == "present"


def test_a_lender_with_older_facts_is_not_used(fb_pdfs: Path, tmp_path: Path) -> None:
    store, doc_id = _ingested(tmp_path, fb_pdfs)
    (store.doc_dir(doc_id) / FACTS_META).unlink()
    lender = CorpusStore(tmp_path / "lender")
    ingest_paths(lender, [tmp_path / "e.pdf"], IngestOptions(edgartools_check=False))
    (lent,) = lender.list_documents()
    (lender.doc_dir(lent.doc_id) / FACTS_META).unlink()  # the lender's facts are old too
    item = backfill_facts(store, like=lender).items[0]
    assert item.status == "rebuilt" and item.source == "parsed"
