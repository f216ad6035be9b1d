"""The load benchmark end to end on a small case (the full run is `docnav bench load`)."""

from __future__ import annotations

import json
import shutil

import pytest

from docnav.bench.load import run_load_bench

pytestmark = [pytest.mark.shared, pytest.mark.slow]


def test_bench_load_small(fb_pdfs, tmp_path):
    pdfs = tmp_path / "pdfs"
    pdfs.mkdir()
    for d in ("AMCOR_2023Q4_EARNINGS", "BESTBUY_2024Q2_10Q"):
        shutil.copyfile(fb_pdfs / f"{d}.pdf", pdfs / f"{d}.pdf")
    out = tmp_path / "out"
    r = run_load_bench(
        tmp_path / "home",
        pdfs,
        fb_pdfs.parent / "questions.jsonl",
        out,
        limit=2,
        requests=30,
        time_cap_s=30,
    )
    assert r["store"]["documents"] == 2
    for lv in r["search"]["levels"]:
        assert lv["errors"] == 0 and lv["requests"] == 30, lv
        assert lv["p50_ms"] <= lv["p95_ms"] <= lv["p99_ms"]
    # 8 questions at once on 2 slots with a 1.5 s stand-in and a 2 s wait: 2 run at once,
    # 2 wait for the freed slots, the other 4 get 503 with Retry-After
    outcomes = r["ask"]["outcomes"]
    assert set(outcomes) == {"200", "503"}, r["ask"]["requests"]
    assert 2 <= outcomes["200"] <= 4 and outcomes["503"] >= 4, r["ask"]["requests"]
    assert all(b["retry_after"] == "5" for b in r["ask"]["requests"] if b["status"] == 503)
    assert json.loads((out / "results.json").read_text())["command"].startswith("docnav bench load")
    assert (out / "load.png").stat().st_size > 10_000 and "stub" in (out / "report.md").read_text()
