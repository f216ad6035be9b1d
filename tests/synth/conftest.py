"""The small synthetic corpus, generated and ingested once per test session (HTML and PDF
into separate stores)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docnav.engine import Engine
from docnav.questions import load_questions
from docnav.settings import Settings
from docnav.synth import generate, small_config


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "small"
    generate(small_config(seed=7), out)
    return out


@pytest.fixture(scope="session")
def doc_rows(corpus: Path) -> dict[str, dict]:
    rows = [json.loads(x) for x in (corpus / "documents.jsonl").read_text().splitlines()]
    return {r["doc_name"]: r for r in rows}


@pytest.fixture(scope="session")
def questions(corpus: Path):
    return load_questions(corpus / "questions.jsonl")


def _ingest(corpus: Path, fmt: str, home: Path) -> Engine:
    e = Engine(Settings(home=home))
    report = e.ingest([corpus / fmt])
    assert not report.failed, report.failed
    return e


@pytest.fixture(scope="session")
def html_engine(corpus: Path, tmp_path_factory) -> Engine:
    return _ingest(corpus, "html", tmp_path_factory.mktemp("home_html"))


@pytest.fixture(scope="session")
def pdf_engine(corpus: Path, tmp_path_factory) -> Engine:
    return _ingest(corpus, "pdf", tmp_path_factory.mktemp("home_pdf"))


@pytest.fixture(scope="session", params=["html", "pdf"])
def engine(request, html_engine, pdf_engine) -> Engine:
    return html_engine if request.param == "html" else pdf_engine
