"""The retrieval benchmark end to end on a small case (the full run is `docnav bench retrieval`)."""

from __future__ import annotations

import json
import shutil

import pytest

from docnav.bench.retrieval import CONFIGS, run_retrieval_bench

pytestmark = [pytest.mark.shared, pytest.mark.slow]

DOCS = ("AMCOR_2023Q4_EARNINGS", "BESTBUY_2024Q2_10Q", "ULTABEAUTY_2023Q4_EARNINGS")


def test_bench_retrieval_small(fb_pdfs, tmp_path):
    pdfs = tmp_path / "pdfs"
    pdfs.mkdir()
    for d in DOCS:
        shutil.copyfile(fb_pdfs / f"{d}.pdf", pdfs / f"{d}.pdf")
    qs = [
        json.loads(x)
        for x in (fb_pdfs.parent / "questions.jsonl").read_text().splitlines()
        if x.strip()
    ]
    mine = [q for q in qs if q["doc_name"] in DOCS]
    assert len(mine) >= 3
    qfile = tmp_path / "q.jsonl"
    qfile.write_text("\n".join(json.dumps(q) for q in mine))
    out = tmp_path / "out"
    result = run_retrieval_bench(pdfs, qfile, out, tmp_path / "home")
    table = result["recall"]
    labels = [c.label for c in CONFIGS if not c.rerank]  # no reranker given: no +rerank rows
    assert set(table) == {f"{c} / {s} store" for c in labels for s in ("shared", "single")}
    # the question's company and year (Ulta FY2023, Best Buy Q2 FY2024, Amcor FY2023) keep the
    # top hits inside the right company's filings: filters never lower shared-store recall here
    for k in ("recall@5", "recall@10"):
        assert table["hybrid+filters / shared store"][k] >= table["hybrid (rrf) / shared store"][k]
    assert (
        table["hybrid+filters / shared store"]["wrong_fiscal_year_top5"]
        <= table["hybrid (rrf) / shared store"]["wrong_fiscal_year_top5"]
    )
    for row in table.values():
        assert row["recall@1"] <= row["recall@5"] <= row["recall@10"] <= row["recall@20"] <= 1
    # with three filings, the evidence is found by every retriever within 20 hits for most questions
    assert table["hybrid (rrf) / single store"]["recall@20"] >= 0.5
    assert result["bm25_engines"]["top10_overlap"] > 0.5
    assert (out / "recall.png").stat().st_size > 10_000
    report = (out / "report.md").read_text()
    assert "bm25s against rank-bm25" in report and "hybrid+filters" in report
