"""The ingestion benchmark end to end on a small case (the full run is `docnav bench ingest`)."""

from __future__ import annotations

import json

import pytest

from docnav.bench.ingest import run_ingest_bench

pytestmark = [pytest.mark.shared, pytest.mark.slow]


def test_bench_ingest_small(fb_pdfs, tmp_path):
    fb = fb_pdfs.parent
    out = tmp_path / "out"
    result = run_ingest_bench(fb_pdfs, fb / "questions.jsonl", fb / "documents.jsonl", out, limit=4)
    assert result["files"] == 4 and result["pages"] > 100
    saved = json.loads((out / "results.json").read_text())
    assert saved["speed"]["ratio_1p_vs_bare"] > 0
    assert saved["metadata"]["filings"] == 4
    assert (out / "ingest.png").stat().st_size > 10_000
    report = (out / "report.md").read_text()
    assert "full ingestion, 2 processes" in report and "Metadata from content alone" in report
    # the first 4 files are 3M 10-Ks: structure must be found in them
    assert saved["structure"]["notes_per_10k_min"] >= 10
    assert (
        saved["structure"]["share_pages_in_item_10k_10q"] > 0.65
    )  # exhibits after Item 16 are outside Items
