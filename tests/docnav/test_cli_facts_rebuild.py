"""`docnav facts --rebuild` end to end through the real CLI on a real ingested PDF: stale
facts rebuilt with a line per filing and a summary, --force, a failing filing gives exit
code 1, a home without a store is a clear error, and the query use is unchanged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from docnav.cli.main import app
from docnav.ingestion.facts_version import FACTS_META, FACTS_VERSION, facts_version_of
from docnav.ingestion.pipeline import IngestOptions, ingest_paths
from docnav.ingestion.store import CorpusStore


def _run(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.output


def _home(tmp_path: Path, fb_pdfs: Path) -> tuple[Path, CorpusStore, str]:
    home = tmp_path / "home"
    src = tmp_path / "e.pdf"
    shutil.copyfile(fb_pdfs / "AMCOR_2023Q4_EARNINGS.pdf", src)
    store = CorpusStore(home / "store")
    rep = ingest_paths(store, [src], IngestOptions(edgartools_check=False))
    return home, store, rep.files[0].doc_id


def test_rebuild_stale_then_force(fb_pdfs: Path, tmp_path: Path) -> None:
    home, store, doc_id = _home(tmp_path, fb_pdfs)
    (store.doc_dir(doc_id) / FACTS_META).unlink()  # facts from before versions
    code, out = _run("index", "status", "--home", str(home))
    assert code == 0 and "facts: 1 filings stale or missing" in out, out
    assert "docnav facts --rebuild" in out

    code, out = _run("facts", "--rebuild", "--home", str(home))
    assert code == 0, out
    assert f"rebuilt  1/1 {doc_id}" in out
    assert "1 filings: 0 added, 1 rebuilt, 0 present, 0 skipped, 0 failed" in out
    assert facts_version_of(store.doc_dir(doc_id)) == FACTS_VERSION
    code, out = _run("index", "status", "--json", "--home", str(home))
    assert code == 0 and json.loads(out)["facts_stale"] == 0, out

    code, out = _run("facts", "--rebuild", doc_id, "--home", str(home))
    assert code == 0 and "1 present" in out, out
    code, out = _run("facts", "--rebuild", "--force", "--home", str(home))
    assert code == 0 and "1 rebuilt" in out, out

    # the query use is unchanged
    code, out = _run("facts", doc_id, "--metric", "net sales", "--json", "--home", str(home))
    assert code == 0 and '"page"' in out, out


def test_a_failing_filing_exits_1_with_its_reason(fb_pdfs: Path, tmp_path: Path) -> None:
    home, store, doc_id = _home(tmp_path, fb_pdfs)
    store.page_path(doc_id, 0).unlink()  # a damaged store: the stored pages cannot be read
    code, out = _run("facts", "--rebuild", "--force", "--home", str(home))
    assert code == 1, out
    assert "1 failed" in out and f"failed {doc_id}: FileNotFoundError" in out


def test_not_a_store_and_bad_flags(tmp_path: Path) -> None:
    code, out = _run("facts", "--rebuild", "--home", str(tmp_path / "empty"))
    assert code == 1 and "no docnav store at" in out, out
    assert not (tmp_path / "empty").exists()  # nothing created there
    code, out = _run("facts", "--rebuild", "nope", "--home", str(tmp_path / "empty"))
    assert code == 1
    code, out = _run("facts", "x", "--force", "--home", str(tmp_path))
    assert code == 1 and "--force goes with --rebuild" in out, out
