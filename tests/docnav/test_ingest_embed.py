"""Embeddings at ingestion (issue 24 item 4): ``Engine.ingest`` builds BM25 and the
embeddings by default, reporting its stages, so the first dense search embeds nothing;
``embed=False`` (``DOCNAV_INGEST_EMBED=false``, ``docnav ingest --no-embed``) defers them.
A real EDGAR 8-K (Buckle, a few chunks) and the real MiniLM model."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from docnav.engine import Engine
from docnav.progress import StageProgress
from docnav.settings import Settings

SAMPLE = Path(__file__).resolve().parents[2] / "docnav" / "data" / "samples" / "BuckleInc.8-K.html"


@pytest.fixture(autouse=True)
def embed_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCNAV_INGEST_EMBED", raising=False)  # tests/conftest.py defers it


@pytest.fixture
def filing(tmp_path: Path) -> Path:
    dst = tmp_path / "in" / SAMPLE.name
    dst.parent.mkdir()
    shutil.copyfile(SAMPLE, dst)
    return dst


def test_ingest_builds_embeddings_and_reports_stages(filing: Path, tmp_path: Path) -> None:
    engine = Engine(Settings(home=tmp_path / "home"))
    seen: list[tuple[str, int, int]] = []
    engine.ingest([filing], on_progress=lambda *a: seen.append(a))
    st = engine.index_status()
    assert st.bm25 == "ok" and st.dense_embedded == 1 and st.dense_missing == 0
    stages = {s for s, _, _ in seen}
    assert stages == {"bm25", "embed"}
    assert ("embed", st.chunks, st.chunks) in seen  # finished, every chunk embedded
    # a fresh engine (another process) searches densely without embedding anything
    again: list[tuple[str, int, int]] = []
    Engine(Settings(home=tmp_path / "home")).search(
        "dividend", mode="dense", on_progress=lambda *a: again.append(a)
    )
    assert not [a for a in again if a[0] == "embed"]


def test_no_embed_defers(filing: Path, tmp_path: Path) -> None:
    engine = Engine(Settings(home=tmp_path / "home"))
    engine.ingest([filing], embed=False)
    assert engine.index_status().dense_missing == 1
    off = Engine(Settings(home=tmp_path / "home2", ingest_embed=False))
    off.ingest([filing])
    assert off.index_status().dense_missing == 1


def test_unchanged_ingest_embeds_what_was_deferred(filing: Path, tmp_path: Path) -> None:
    engine = Engine(Settings(home=tmp_path / "home"))
    engine.ingest([filing], embed=False)
    report = engine.ingest([filing])  # same bytes: nothing added, the embeddings still built
    assert [f.status for f in report.files] == ["unchanged"]
    assert engine.index_status().dense_missing == 0


def test_stage_progress_off_a_terminal_prints_one_line_per_stage() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=100)
    with StageProgress(console, labels={"embed": "chunks (MiniLM)"}) as p:
        for done in (0, 10, 20):
            p.on_progress("bm25", done, 20)
        for done in (0, 5, 10, 20, 20):
            p.on_progress("embed", done, 20)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("bm25: 20 chunks in ") and lines[1].startswith(
        "embed: 20 chunks (MiniLM) in "
    )
    assert "\x1b" not in out.getvalue()  # no bar redraws in a log


def test_stage_progress_on_a_terminal_draws_bars_not_lines() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    with StageProgress(console) as p:
        p.on_progress("embed", 0, 3)
        p.on_progress("embed", 3, 3)
    assert "embed: 3 chunks in" not in out.getvalue()


def test_stage_time_counts_from_the_previous_stage_end() -> None:
    # the embedder reports only after its first batch: the stage's time still covers it
    ticks = iter([0.0, 0.0, 1.0, 31.0])  # made, entered, bm25 ends, embed ends
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=100)
    with StageProgress(console, clock=lambda: next(ticks)) as p:
        p.on_progress("bm25", 5, 5)
        p.on_progress("embed", 5, 5)  # its first and last report
    assert out.getvalue().splitlines() == ["bm25: 5 chunks in 1.0s", "embed: 5 chunks in 30.0s"]
