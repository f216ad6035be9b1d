"""The real `docnav` console script, run as a user would, on the samples shipped in the repo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "docnav" / "data" / "samples"
DOCNAV = Path(sys.executable).with_name("docnav")


def run(*args: str, home: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "DOCNAV_HOME": str(home)}
    proc = subprocess.run(
        [str(DOCNAV), *args], capture_output=True, text=True, env=env, timeout=300
    )
    if check:
        assert proc.returncode == 0, proc.stderr + proc.stdout
    return proc


def test_help_explains_every_command(tmp_path):
    out = run("--help", home=tmp_path).stdout
    for cmd in ("ingest", "documents", "outline", "search", "page", "remove", "bench", "index"):
        assert cmd in out
    assert "0-based" in out and "1-based" in out
    assert "Benchmarks" in out
    assert "Ingestion speed" in run("bench", "ingest", "--help", home=tmp_path).stdout


@pytest.mark.slow
def test_ingest_list_outline_page_remove(tmp_path):
    home = tmp_path / "home"
    first = run("ingest", str(SAMPLES), home=home)
    assert "3 added" in first.stdout
    again = run("ingest", str(SAMPLES), home=home)
    assert "3 unchanged" in again.stdout

    docs = json.loads(run("documents", "--json", home=home).stdout)
    apple = next(d for d in docs if d["name"] == "aapl-10-k-2024-11-01")
    assert apple["meta"]["form"] == "10-K" and apple["meta"]["ticker"] == "AAPL"
    assert apple["meta"]["fiscal_year"] == 2024
    assert len(json.loads(run("documents", "--json", "--form", "8-K", home=home).stdout)) >= 1

    tree = run("outline", apple["doc_id"], "--format", "table", home=home).stdout
    for item in ("Item 1A", "Item 7", "Item 8"):
        assert item in tree
    assert "pages shown 1-based" in tree

    outline = json.loads(run("outline", apple["doc_id"], "--json", home=home).stdout)
    item7 = next(s for s in outline if s["label"] == "Item 7")
    page = run("page", apple["doc_id"], str(item7["page_start"]), home=home).stdout  # 1-based
    assert "Management" in page

    bad = run("page", apple["doc_id"], "100000", home=home, check=False)
    assert bad.returncode == 1 and "there is no page 100000" in bad.stderr  # 1-based, as asked

    hits = json.loads(
        run(
            "search", "share repurchase program", "--mode", "bm25", "-k", "3", "--json", home=home
        ).stdout
    )["hits"]
    assert hits[0]["doc_id"] == apple["doc_id"] and "Item" in hits[0]["section_path"]
    assert "bm25" in hits[0]["scores"]
    only_8k = json.loads(
        run(
            "search",
            "financial results press release",
            "--mode",
            "bm25",
            "--form",
            "8-K",
            "--json",
            home=home,
        ).stdout
    )["hits"]
    assert only_8k and {h["form"] for h in only_8k} == {"8-K"}
    bad = run("search", "x", "--mode", "nope", home=home, check=False)
    assert bad.returncode == 1 and "unknown mode" in bad.stderr

    run("remove", apple["doc_id"], home=home)
    assert len(json.loads(run("documents", "--json", home=home).stdout)) == 2
    missing = run("outline", apple["doc_id"], home=home, check=False)
    assert missing.returncode == 1 and "no document" in missing.stderr


def test_ingest_exit_code_and_summary_on_bad_file(tmp_path):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7\n garbage")
    proc = run("ingest", str(bad), str(tmp_path / "nope.pdf"), home=tmp_path / "home", check=False)
    assert proc.returncode == 1
    assert "broken.pdf: corrupt or truncated PDF" in proc.stderr
    assert "nope.pdf: no such file or folder" in proc.stderr
    assert "2 failed" in proc.stdout


@pytest.mark.slow
def test_search_shows_what_the_query_applied_and_index_commands(tmp_path):
    home = tmp_path / "home"
    run("ingest", str(SAMPLES), home=home)
    docs = json.loads(run("documents", "--json", home=home).stdout)
    apple = next(d for d in docs if d["name"] == "aapl-10-k-2024-11-01")
    res = json.loads(
        run(
            "search",
            "Apple share repurchases in fiscal 2024",
            "--mode",
            "bm25",
            "--json",
            home=home,
        ).stdout
    )
    assert res["hits"] and {h["doc_id"] for h in res["hits"]} == {apple["doc_id"]}
    assert res["analysis"]["year_min"] == 2024 and res["analysis"]["companies"]
    assert res["understand"] == "filter" and res["filters"]["year_min"] == 2024
    plain = run(
        "search", "Apple capex in fiscal 2024", "--mode", "bm25", "--format", "table", home=home
    )
    assert "applied: filter fiscal year 2024" in plain.stderr
    assert "synonyms: capital expenditures" in plain.stderr
    off = json.loads(
        run(
            "search",
            "Apple capex in fiscal 2024",
            "--mode",
            "bm25",
            "--no-understand",
            "--no-expand",
            "--json",
            home=home,
        ).stdout
    )
    assert off["analysis"] is None and off["expansion"] is None and off["applied"] == []
    explicit = json.loads(
        run(
            "search",
            "share repurchases in fiscal 2024",
            "--mode",
            "bm25",
            "--year",
            "1999",
            "--json",
            home=home,
        ).stdout
    )
    assert explicit["hits"] == [] and explicit["filters"]["year_min"] == 1999
    for bad in (("",), ("x", "--year", "2020", "--year-min", "2019"), ("x", "--understand", "?")):
        proc = run("search", *bad, "--mode", "bm25", home=home, check=False)
        assert proc.returncode == 1 and "error:" in proc.stderr and "Traceback" not in proc.stderr
    rerank = run("search", "x", "--mode", "hybrid+rerank", home=home, check=False)
    assert rerank.returncode == 1 and "DOCNAV_RERANKER_MODEL" in rerank.stderr

    status = json.loads(run("index", "status", "--json", home=home).stdout)
    assert status["bm25"] == "ok" and status["documents"] == 3
    bm25 = home / "indexes" / "bm25"
    (bm25 / "vocab.index.json").write_text("{not json")
    broken = run("search", "share repurchases", "--mode", "bm25", home=home, check=False)
    assert broken.returncode == 1 and "docnav index rebuild" in broken.stderr
    assert "Traceback" not in broken.stderr
    assert "corrupt" in run("index", "status", home=home).stdout
    out = run("index", "rebuild", "--bm25-only", home=home).stdout
    assert "bm25 ok" in out
    again = run("search", "share repurchases", "--mode", "bm25", "--format", "table", home=home)
    assert again.stdout.startswith("1.")
