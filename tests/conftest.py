"""Shared fixtures. ../shared (FinanceBench PDFs, EDGAR HTML) sits beside the repo in CI;
tests that need it skip with a clear message where it is absent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FINANCEBENCH = SHARED / "financebench"
EDGAR = SHARED / "edgar"
SAMPLES = REPO / "docnav" / "data" / "samples"


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(
            f"{path} is absent: put the project's shared/ folder beside the repo to run this"
        )
    return path


@pytest.fixture(scope="session")
def fb_pdfs() -> Path:
    return _need(FINANCEBENCH / "pdfs")


@pytest.fixture(scope="session")
def edgar_dir() -> Path:
    return _need(EDGAR)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh DOCNAV_HOME for one test."""
    h = tmp_path / "home"
    monkeypatch.setenv("DOCNAV_HOME", str(h))
    from docnav.settings import get_settings

    get_settings.cache_clear()
    yield h
    get_settings.cache_clear()


@pytest.fixture
def small_pdfs(fb_pdfs: Path, tmp_path: Path) -> list[Path]:
    """Copies of two real filings (a short 10-Q and an 8-K) under neutral names."""
    out = []
    for name, new in (
        ("AMCOR_2023Q4_EARNINGS.pdf", "earnings.pdf"),
        ("BESTBUY_2024Q2_10Q.pdf", "quarterly.pdf"),
    ):
        dst = tmp_path / "in" / new
        dst.parent.mkdir(exist_ok=True)
        shutil.copyfile(fb_pdfs / name, dst)
        out.append(dst)
    return out
