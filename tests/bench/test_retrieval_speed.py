"""The retrieval speed benchmark end to end on a tiny case (the full run is
`docnav bench retrieval-speed`)."""

from __future__ import annotations

import json

import pytest

from docnav.bench.retrieval_speed import run_retrieval_speed_bench
from docnav.ingestion import CorpusStore, ingest_paths

pytestmark = [pytest.mark.shared, pytest.mark.slow]

DOCS = ("AMCOR_2023Q4_EARNINGS", "BESTBUY_2024Q2_10Q")


def test_bench_retrieval_speed_tiny(fb_pdfs, tmp_path):
    store = CorpusStore(tmp_path / "store")
    ingest_paths(store, [fb_pdfs / f"{d}.pdf" for d in DOCS])
    qs = [
        json.loads(x)
        for x in (fb_pdfs.parent / "questions.jsonl").read_text().splitlines()
        if x.strip()
    ]
    mine = [q for q in qs if q["doc_name"] in DOCS]
    qfile = tmp_path / "q.jsonl"
    qfile.write_text("\n".join(json.dumps(q) for q in mine))
    n_real = len(list(store.iter_all_chunks()))
    out = tmp_path / "out"
    # one size below the real chunk count (a subset) and one above it (replicas)
    sizes = (n_real // 2, 3 * n_real)
    result = run_retrieval_speed_bench(
        tmp_path / "store",
        qfile,
        out,
        sizes=sizes,
        embed_sample=10_000,
        queries=4,
        rank_bm25_budget_s=1.0,
    )
    assert {p.name for p in out.iterdir()} == {"results.json", "report.md", "latency.png"}
    assert json.loads((out / "results.json").read_text())["sizes"].keys() == {str(s) for s in sizes}
    assert result["real_chunks"] == n_real
    assert result["float16"]["top10_overlap_mean"] >= 0.9
    for s in sizes:
        row = result["sizes"][str(s)]
        assert row["chunks"] == s
        for key in (
            "bm25s",
            "rank_bm25",
            "dense_exact",
            "dense_hnsw",
            "hybrid",
            "hybrid_filtered",
            "hybrid_filtered_e2e",
        ):
            assert 0 < row[key]["p50_ms"] <= row[key]["p95_ms"]
        assert row["bm25_speedup_p50"] > 1  # bm25s beats rank-bm25 even at this size
        assert row["dense_hnsw"]["recall@10"] >= 0.8
    report = (out / "report.md").read_text()
    assert "docnav bench retrieval-speed" in report and "Float16 storage" in report
