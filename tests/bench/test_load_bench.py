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
    # 8 questions at once on 2 slots with a 1.5 s stand-in and a 2 s wait: the 2 free slots
    # answer, the stand-in's calls (counted by the server, not timed) are exactly the 200s and
    # never more than 2 at once; the others wait, and those that find no slot get 503 with
    # Retry-After
    reqs = r["ask"]["requests"]
    outcomes = r["ask"]["outcomes"]
    assert set(outcomes) == {"200", "503"} and sum(outcomes.values()) == 8, reqs
    answered = [b["stub"] for b in reqs if b["status"] == 200]
    assert len(answered) >= 2, reqs
    assert sorted(s["call"] for s in answered) == list(range(1, len(answered) + 1)), reqs
    assert max(s["running"] for s in answered) <= 2, reqs
    assert all(b["retry_after"] == "5" for b in reqs if b["status"] == 503)
    assert json.loads((out / "results.json").read_text())["command"].startswith("docnav bench load")
    assert (out / "load.png").stat().st_size > 10_000 and "stub" in (out / "report.md").read_text()
