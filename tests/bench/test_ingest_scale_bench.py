"""The ingestion-at-scale benchmark end to end on a small synthetic corpus (the committed run
is `docnav bench ingest-scale --limit 4000` on `docnav synth --scale`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from docnav.bench.ingest_scale import run_ingest_scale_bench
from docnav.cli import app
from docnav.ingestion import CorpusStore
from docnav.synth import generate, small_config

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "small"
    generate(small_config(seed=3), out)
    return out


def test_ingest_scale_small(corpus: Path, tmp_path: Path) -> None:
    out, keep = tmp_path / "out", tmp_path / "kept"
    res = run_ingest_scale_bench(corpus, out, processes=(1, 2), limit=6, keep_store=keep)
    assert res["files"] == 6 and res["filings_in_store"] == 6 and res["chunks"] > 50
    assert [r["processes"] for r in res["runs"]] == [1, 2, 2]
    assert [r["edgartools_check"] for r in res["runs"]] == [True, True, False]
    assert all(r["failed"] == 0 and r["ratios"]["edgartools"] > 0 for r in res["runs"])
    # files are renamed at random, so metadata comes from content, checked against the truth
    assert res["metadata"]["filings"] == 6
    assert res["metadata"]["accuracy"]["all_three"] == 1.0, res["metadata"]["mismatches"]
    assert json.loads((out / "results.json").read_text())["chunks"] == res["chunks"]
    md = (out / "report.md").read_text()
    assert "no edgartools check" in md and "| all three | 100.00% |" in md
    assert (out / "ingest_scale.png").stat().st_size > 5000
    # the kept store is whole and readable
    assert sum(d.n_chunks for d in CorpusStore(keep).list_documents()) == res["chunks"]


def test_ingest_scale_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "empty" / "html").mkdir(parents=True)
    (tmp_path / "empty" / "documents.jsonl").write_text("")
    r = CliRunner().invoke(app, ["bench", "ingest-scale", "--corpus", str(tmp_path / "empty")])
    assert r.exit_code == 1 and "no files in" in r.output
    r = CliRunner().invoke(app, ["bench", "ingest-scale", "--corpus", str(tmp_path / "none")])
    assert r.exit_code == 1 and "docnav synth --scale" in r.output
    r = CliRunner().invoke(
        app, ["bench", "ingest-scale", "--corpus", str(tmp_path), "--processes", "x"]
    )
    assert r.exit_code == 1 and "--processes" in r.output
