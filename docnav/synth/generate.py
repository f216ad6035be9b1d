"""Corpus generation: plan the filings, build and render them (optionally in worker
processes), plant the questions, write everything under one folder.

Output, for ``--out DIR``::

    DIR/html/<DOC>.html     EDGAR-style HTML (inline-XBRL cover facts, CSS page breaks)
    DIR/pdf/<DOC>.pdf       the same pages as PDF
    DIR/questions.jsonl     planted questions (docnav.questions format)
    DIR/documents.jsonl     one line per filing (FinanceBench-style fields + ticker, CIK)
    DIR/manifest.json       the config that made it and counts

Deterministic: every filing draws from its own ``random.Random`` seeded by (seed, doc
name), the books of a company by (seed, company index); nothing reads the clock, so a seed
gives the same bytes whatever the worker count."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from docnav.questions import save_questions
from docnav.synth.companies import Company, make_companies
from docnav.synth.filings import Filing
from docnav.synth.financials import CompanyBooks, build_books, long_date
from docnav.synth.form_8k import build_8k
from docnav.synth.form_10k import build_10k
from docnav.synth.form_10q import build_10q
from docnav.synth.plant import plant_questions
from docnav.synth.render_html import render_html
from docnav.synth.render_pdf import render_pdf

Format = Literal["html", "pdf"]
GENERATOR_VERSION = 1


class SynthConfig(BaseModel):
    companies: int = Field(default=3, ge=1, le=100_000)
    first_year: int = Field(default=2023, ge=1990, le=2100)
    last_year: int = Field(default=2024, ge=1990, le=2100)
    seed: int = 0
    formats: list[Format] = Field(default_factory=lambda: ["html", "pdf"])
    quarters: list[int] = Field(default_factory=lambda: [1, 2, 3])  # 10-Qs filed per year
    earnings: bool = True  # an 8-K earnings release after each fiscal year
    quarterly_companies: int | None = None  # how many companies file 10-Qs / 8-Ks (None: all)

    @field_validator("quarters")
    @classmethod
    def _quarters(cls, v: list[int]) -> list[int]:
        if any(q not in (1, 2, 3) for q in v):
            raise ValueError("10-Q quarters are 1, 2 or 3 (the fourth quarter is in the 10-K)")
        return sorted(set(v))

    @field_validator("last_year")
    @classmethod
    def _years(cls, v: int, info) -> int:
        if v < info.data.get("first_year", v):
            raise ValueError("last year is before first year")
        return v


def small_config(seed: int = 0) -> SynthConfig:
    """The demo/test preset: 3 companies x 2 fiscal years: six 10-Ks, plus two 10-Qs and
    two 8-Ks of the first company (10 filings)."""
    return SynthConfig(
        companies=3, first_year=2023, last_year=2024, seed=seed, quarters=[2], quarterly_companies=1
    )


def scale_config(seed: int = 0) -> SynthConfig:
    """The benchmark preset: 400 companies x fiscal 2020-2024, each year a 10-K, three 10-Qs
    and an 8-K: 10,000 filings."""
    return SynthConfig(companies=400, first_year=2020, last_year=2024, seed=seed)


class FilingSpec(BaseModel):
    company: int
    form: Literal["10-K", "10-Q", "8-K"]
    fiscal_year: int
    quarter: int | None = None


class CorpusManifest(BaseModel):
    out: str
    config: SynthConfig
    generator_version: int = GENERATOR_VERSION
    filings: int
    pages: int
    questions: int
    by_form: dict[str, int]
    by_failure_mode: dict[str, int]


def plan(cfg: SynthConfig) -> list[FilingSpec]:
    specs = []
    nq = cfg.companies if cfg.quarterly_companies is None else cfg.quarterly_companies
    for i in range(cfg.companies):
        for fy in range(cfg.first_year, cfg.last_year + 1):
            if i < nq:
                specs += [
                    FilingSpec(company=i, form="10-Q", fiscal_year=fy, quarter=q)
                    for q in cfg.quarters
                ]
            specs.append(FilingSpec(company=i, form="10-K", fiscal_year=fy))
            if i < nq and cfg.earnings:
                specs.append(FilingSpec(company=i, form="8-K", fiscal_year=fy))
    return specs


@lru_cache(maxsize=4)
def _companies(seed: int, n: int) -> list[Company]:
    return make_companies(random.Random(f"{seed}:companies"), n)


@lru_cache(maxsize=256)
def _books(seed: int, n: int, i: int, first: int, last: int) -> CompanyBooks:
    return build_books(random.Random(f"{seed}:books:{i}"), _companies(seed, n)[i], first, last)


def build_filing(cfg: SynthConfig, spec: FilingSpec) -> tuple[Filing, CompanyBooks]:
    books = _books(cfg.seed, cfg.companies, spec.company, cfg.first_year, cfg.last_year)
    c = books.company
    key = f"{spec.form}:{spec.fiscal_year}:{spec.quarter}"
    rng = random.Random(f"{cfg.seed}:{c.ticker}:{key}")
    if spec.form == "10-K":
        return build_10k(rng, books, spec.fiscal_year), books
    if spec.form == "10-Q":
        return build_10q(rng, books, spec.fiscal_year, spec.quarter or 1), books
    return build_8k(rng, books, spec.fiscal_year), books


def _title(f: Filing) -> str:
    return f"{f.company.name} Form {f.form} {f.fiscal_period}"


def _write_one(args: tuple[SynthConfig, FilingSpec, str]) -> tuple[Filing, int]:
    cfg, spec, out = args
    f, _ = build_filing(cfg, spec)
    root = Path(out)
    if "html" in cfg.formats:
        (root / "html" / f"{f.doc_name}.html").write_bytes(
            render_html(f.layout.pages, _title(f), f.dei)
        )
    if "pdf" in cfg.formats:
        (root / "pdf" / f"{f.doc_name}.pdf").write_bytes(render_pdf(f.layout.pages, _title(f)))
    # only the anchors are needed from here on: keeps memory flat and worker results small
    f.n_pages = len(f.layout.pages)
    f.layout.pages = []
    return f, f.n_pages


def generate(
    cfg: SynthConfig,
    out: str | Path,
    workers: int = 1,
    on_start: Callable[[int], None] | None = None,
    on_filing: Callable[[Filing], None] | None = None,
) -> CorpusManifest:
    """Write the corpus for ``cfg`` under ``out`` and return its manifest."""
    root = Path(out).expanduser().resolve()
    for fmt in cfg.formats:
        (root / fmt).mkdir(parents=True, exist_ok=True)
    specs = plan(cfg)
    if on_start:
        on_start(len(specs))
    jobs = [(cfg, s, str(root)) for s in specs]
    filings: dict[str, Filing] = {}
    pages = 0
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = pool.map(
                _write_one, jobs, chunksize=max(1, min(32, len(jobs) // (4 * workers)))
            )
            for f, n in results:
                filings[f.doc_name] = f
                pages += n
                if on_filing:
                    on_filing(f)
    else:
        for job in jobs:
            f, n = _write_one(job)
            filings[f.doc_name] = f
            pages += n
            if on_filing:
                on_filing(f)
    books = {}
    for i in range(cfg.companies):
        b = _books(cfg.seed, cfg.companies, i, cfg.first_year, cfg.last_year)
        books[b.company.ticker] = b
    questions = plant_questions(filings, books)
    save_questions(questions, root / "questions.jsonl")
    with (root / "documents.jsonl").open("w", encoding="utf-8") as fh:
        for f in filings.values():
            fh.write(json.dumps(_doc_row(f)) + "\n")
    by_form: dict[str, int] = {}
    for f in filings.values():
        by_form[f.form] = by_form.get(f.form, 0) + 1
    by_mode: dict[str, int] = {}
    for q in questions:
        by_mode[q.failure_mode or "none"] = by_mode.get(q.failure_mode or "none", 0) + 1
    man = CorpusManifest(
        out=str(root),
        config=cfg,
        filings=len(filings),
        pages=pages,
        questions=len(questions),
        by_form=by_form,
        by_failure_mode=by_mode,
    )
    (root / "manifest.json").write_text(
        man.model_copy(update={"out": "."}).model_dump_json(indent=2) + "\n", encoding="utf-8"
    )
    return man


def _doc_row(f: Filing) -> dict:
    c = f.company
    return {
        "doc_name": f.doc_name,
        "company": c.name,
        "ticker": c.ticker,
        "cik": c.cik,
        "doc_type": {"10-K": "10k", "10-Q": "10q", "8-K": "8k"}[f.form],
        "doc_period": f.fiscal_year,
        "fiscal_period": f.fiscal_period,
        "period_end": f.period_end.isoformat(),
        "fiscal_year_end": long_date(f.period_end),
        "pages": f.n_pages,
    }
