"""The grep benchmark end to end on a small real store (the full run is `docnav bench grep`)."""

from __future__ import annotations

import json

import pytest

from docnav.bench.grep import run_grep_bench
from docnav.ingestion import CorpusStore, ingest_paths

pytestmark = [pytest.mark.shared, pytest.mark.slow]


def test_bench_grep_small(fb_pdfs, tmp_path):
    store = CorpusStore(tmp_path / "store")
    ingest_paths(store, [fb_pdfs / "AMCOR_2023Q4_EARNINGS.pdf", fb_pdfs / "BESTBUY_2024Q2_10Q.pdf"])
    out = tmp_path / "out"
    result = run_grep_bench(store.root, out, reps=1)
    assert {p.name for p in out.iterdir()} == {"report.md", "results.json", "grep.png"}
    assert json.loads((out / "results.json").read_text())["corpus"]["filings"] == 2
    rows = result["rows"]
    by = {(r["corpus"], r["pattern_name"]): r["engines"] for r in rows}
    for (corpus, _), engines in by.items():
        if corpus != "edge cases":
            assert engines["rg"]["same"], engines["rg"]  # rg == the Python scan on real pages
            assert engines["rg"]["p50_s"] > 0
    ctx_row = by[("store pages", "context lines (2)")]
    assert ctx_row["python"]["reference_context_lines"] > 0
    assert not ctx_row["pyripgrep"]["context_ok"]  # the binding returns no context lines
    # the symlink to a file outside is followed by nobody; the 8 MB line is found once
    huge = by[("edge cases", "huge line")]
    assert all(e["matches"] == 1 for e in huge.values()), huge
    assert result["summary"]["python"]["patterns_same_as_python"] == len(rows)
