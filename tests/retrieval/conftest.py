"""A small real store shared by the retrieval tests: two Best Buy earnings releases a fiscal
year apart (alike in content, so only a year filter tells them apart), two Ulta Beauty
releases (a fiscal year that ends in January) and an Amcor 8-K."""

from __future__ import annotations

from pathlib import Path

import pytest

from docnav.ingestion import CorpusStore, ingest_paths

SMALL = (
    "BESTBUY_2023Q4_EARNINGS",
    "BESTBUY_2024Q2_EARNINGS",
    "ULTABEAUTY_2023Q4_EARNINGS",
    "ULTABEAUTY_2024Q1_EARNINGS",
    "AMCOR_2022_8K_dated-2022-07-01",
)


@pytest.fixture(scope="session")
def small_store(tmp_path_factory, fb_pdfs: Path) -> CorpusStore:
    """Ingested once per session; tests must not change it (indexes go in their own folders)."""
    store = CorpusStore(tmp_path_factory.mktemp("small") / "store")
    report = ingest_paths(store, [fb_pdfs / f"{n}.pdf" for n in SMALL])
    assert not report.failed, report.failed
    return store
