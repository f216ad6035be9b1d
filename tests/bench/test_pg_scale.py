"""`docnav bench pg-scale` end to end on a tiny case: two real filings ingested and
embedded into a docnav home, grown to a size below and one above their chunk count (so
replicas are made), loaded into both backends (the full run is results/pg-scale)."""

from __future__ import annotations

import json
import os
import uuid
from urllib.parse import quote

import numpy as np
import pytest
from typer.testing import CliRunner

from docnav.bench.pg_scale import Opts, run_pg_scale_bench
from docnav.bench.pg_scale_corpus import load_base, row_text, row_tokens
from docnav.cli import app
from docnav.ingestion import CorpusStore, ingest_paths
from docnav.retrieval.index import CorpusIndex

pytestmark = [pytest.mark.shared, pytest.mark.slow]

DOCS = ("AMCOR_2023Q4_EARNINGS", "BESTBUY_2024Q2_10Q")


def _database_url() -> str:
    url = os.environ.get("DOCNAV_TEST_DATABASE_URL")
    if not url:
        msg = "DOCNAV_TEST_DATABASE_URL is not set: `source .ci/start-postgres` starts one"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI runs the PostgreSQL tests and {msg}")
        pytest.skip(msg)
    return url


@pytest.fixture
def home(fb_pdfs, tmp_path):
    store = CorpusStore(tmp_path / "home" / "store")
    ingest_paths(store, [fb_pdfs / f"{d}.pdf" for d in DOCS])
    CorpusIndex(store, tmp_path / "home" / "indexes").ensure(dense=True)
    return tmp_path / "home"


def test_replicas_drop_the_same_words_from_text_and_tokens(home):
    base = load_base(home)
    assert len(base.docs) == 2 and base.emb.shape == (base.m, 384)
    i = base.m + 3  # replica 1 of row 3
    kept = row_text(base, i, 0).split()
    assert len(kept) < len(base.words[3]) and set(kept) <= set(base.words[3])
    assert row_text(base, 3, 0).split() == base.words[3]  # replica 0 is the real chunk
    assert len(row_tokens(base, i, 0)) < len(row_tokens(base, 3, 0))
    assert row_tokens(base, i, 0) == row_tokens(base, i, 0)  # deterministic per row


def test_bench_pg_scale_tiny(home, fb_pdfs, tmp_path):
    import psycopg

    base_url = _database_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base_url, autocommit=True) as db:
        db.execute(f"CREATE SCHEMA {schema}")
    url = f"{base_url}?options={quote(f'-csearch_path={schema},public')}"
    m = load_base(home).m
    sizes = (m // 2, 3 * m)
    out = tmp_path / "out"
    opts = Opts(workdir=tmp_path / "work", budget_s=1.0, maintenance_mem="64MB")
    try:
        r = run_pg_scale_bench(
            home, fb_pdfs.parent / "questions.jsonl", url, out, sizes, opts, command="t"
        )
    finally:
        with psycopg.connect(base_url, autocommit=True) as db:
            db.execute(f"DROP SCHEMA {schema} CASCADE")
    assert {p.name for p in out.iterdir()} == {"results.json", "report.md", "pg_scale.png"}
    assert json.loads((out / "results.json").read_text())["sizes"].keys() == {str(s) for s in sizes}
    assert r["corpus"]["real_chunks"] == m and r["corpus"]["with_filter"] > 0
    for s in sizes:
        row = r["sizes"][str(s)]
        f, p = row["file"], row["postgres"]
        if s > m:
            assert row["filings"] == 6  # two filings, three replicas
        for side, keys in (
            (f, ("keyword", "vector_exact", "vector_hnsw", "hybrid", "hybrid_filtered")),
            (p, ("keyword", "keyword_bm25", "vector_hnsw", "hybrid", "hybrid_filtered")),
        ):
            for k in keys:
                assert 0 < side[k]["p50_ms"] <= side[k]["p95_ms"] and side[k]["queries"] >= 1
        assert f["vector_hnsw"]["recall@10"] >= 0.8 and p["vector_hnsw"]["recall@10"] >= 0.8
        assert p["sizes_mib"]["table chunks"] > 0 and "index chunks_tsv" in p["sizes_mib"]
        assert p["load"]["bm25_postings"]["postings"] > s  # many terms a chunk
    big = r["sizes"][str(3 * m)]
    # each question's filter keeps one filing of the three replicas
    assert 0 < big["file"]["hybrid_filtered"]["rows_kept_mean"] < m
    report = (out / "report.md").read_text()
    assert "`t`" in report and "PG BM25 postings" in report
    assert np.isfinite(big["postgres"]["load"]["chunks_copy_s"])


def test_bench_pg_scale_needs_a_database(tmp_path):
    r = CliRunner().invoke(
        app,
        ["bench", "pg-scale", "--home", str(tmp_path), "--out", str(tmp_path / "o")],
        env={"DOCNAV_DATABASE_URL": ""},
    )
    assert r.exit_code == 1 and "set DOCNAV_DATABASE_URL" in r.output
    assert not (tmp_path / "o").exists()
