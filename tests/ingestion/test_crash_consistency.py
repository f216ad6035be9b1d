"""Crash consistency: `docnav ingest` and `docnav index rebuild` SIGKILLed at exact points
(around the catalog commit, the BM25 swap) and at timed points; after each kill the store and
the index status agree and nothing is half-visible, and a rerun gives the reference result.

The small case runs here; `docnav bench crash` is the larger run (results/crash)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from docnav.bench.crash import (
    check_home,
    event_points,
    pick,
    run_cli,
    run_crash_bench,
)

# two short synthetic filings: a 10-K (17 pages) and an 8-K (2 pages)
FILES = ("DUNGATE_2023_10K.pdf", "YARROGATE_2023Q4_8K.pdf")


@pytest.fixture(scope="module")
def synth_pdfs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    from docnav.synth import SynthConfig, generate, small_config

    out = tmp_path_factory.mktemp("synth")
    cfg = SynthConfig.model_validate({**small_config(0).model_dump(), "formats": ["pdf"]})
    generate(cfg, out)
    return [next(out.rglob(name)) for name in FILES]


def _ingested(synth_pdfs: list[Path], tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    r = run_cli(["ingest", *map(str, synth_pdfs), "-j", "1"], home, tmp_path / "t")
    assert r.rc == 0, r.stderr_tail
    return home


def test_checker_sees_half_written_documents(synth_pdfs, tmp_path):
    """The checker is not vacuous: a catalog row whose folder lost a page, whose chunks
    were cut, or whose folder is gone is reported; an unreferenced folder is a leftover."""
    home = _ingested(synth_pdfs, tmp_path)
    ok = check_home(home)
    assert ok.problems == [] and ok.documents == 2 and ok.leftovers == [] and ok.searched
    docs = sorted((home / "store" / "docs").iterdir())
    tenk = next(d for d in docs if d.name.startswith("DUNGATE"))
    eightk = next(d for d in docs if d.name.startswith("YARROGATE"))
    (tenk / "pages" / "page-0003.txt").unlink()
    lines = (eightk / "chunks.jsonl").read_text().splitlines(keepends=True)
    (eightk / "chunks.jsonl").write_text("".join(lines[:-1]))
    bad = check_home(home)
    assert any("page files" in p for p in bad.problems), bad.problems
    assert any("chunks on disk" in p for p in bad.problems), bad.problems
    shutil.copytree(tenk, tenk.with_name(".tmp-leftover"))
    shutil.rmtree(tenk)
    gone = check_home(home, search=False)
    assert any("meta.json is unreadable" in p for p in gone.problems), gone.problems
    assert gone.leftovers == ["docs/.tmp-leftover"]


def test_event_kill_lands_exactly(synth_pdfs, tmp_path):
    """A kill just before the first document's COMMIT leaves nothing in the catalog; just
    after it, exactly that document, complete (the hook is exact, not timing luck)."""
    trace = tmp_path / "trace"
    ref = tmp_path / "ref"
    ref.mkdir()
    args = ["ingest", *map(str, synth_pdfs), "-j", "1"]
    assert run_cli(args, ref, trace).rc == 0
    from docnav.bench.crash import read_trace

    points = event_points(read_trace(trace))
    commit = next(p for p in points if p.why == "at the catalog COMMIT")
    for at, want in ((int(commit.at), 0), (int(commit.at) + 1, 1)):
        home = tmp_path / f"h{at}"
        home.mkdir()
        run = run_cli(args, home, trace, kill_at=at)
        assert run.killed and run.rc == -9 and run.events == at, run
        ck = check_home(home, search=False)
        assert ck.problems == [] and ck.documents == want, ck
    assert len(pick(points, 3)) == 3


@pytest.mark.slow
def test_crash_consistency_small(synth_pdfs, tmp_path):
    """The bench on a small case: ingest (3 exact kills around the commits + 1 timed),
    forced re-ingest (1 exact: between the catalog switch and the old version's deletion)
    and a BM25 rebuild (1 exact: between the old BM25's removal and the new one's rename)."""
    log: list[str] = []
    r = run_crash_bench(
        synth_pdfs,
        tmp_path / "work",
        tmp_path / "out",
        rebuild_full=False,
        log=log.append,
        budgets={"ingest": (3, 1), "reingest": (1, 0), "rebuild": (1, 0)},
    )
    assert r["failed"] == 0, "\n".join(log)
    by = {s["name"]: s for s in r["scenarios"]}
    assert set(by) == {"ingest", "reingest", "rebuild"}
    whys = {k["kill"]["why"] for s in r["scenarios"] for k in s["kills"]}
    for must in (
        "at the catalog COMMIT",
        "just after the catalog COMMIT",
        "catalog switched, old version folder not yet deleted",
        "old BM25 removed, new one not yet renamed in",
    ):
        assert must in whys, (must, whys)
    # kills before the first commit leave no document, later ones whole documents only
    seen = {k["after_kill"]["documents"] for k in by["ingest"]["kills"]}
    assert 0 in seen and seen & {1, 2}, log
    assert all(k["rerun"]["rc"] == 0 for s in r["scenarios"] for k in s["kills"])
    assert (tmp_path / "out" / "report.md").read_text().count("| yes |") == r["kills"]
