"""Issue 19: a fact under a block heading is matched by the heading's words, and a metric the
filing prints as a row beats a textbook computation of it (agent/printed.py, agent/suggest.py).

Real parts: a FinanceBench income statement page (rows rebuilt from the PDF), a generated
10-K (seed 5: neither the development seed 1 nor the measured seed 0) whose MD&A prints the
company's own non-GAAP measure; hand-made rows only for the ranking rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from docnav.agent import facts_view, printed
from docnav.agent.question import read_question
from docnav.agent.suggest import suggest
from docnav.ingestion.facts import pdf_facts, scale_of, table_facts
from docnav.ingestion.facts_layout import pdf_page_lines
from docnav.ingestion.facts_table import find_tables
from docnav.ingestion.metadata import extract_metadata
from docnav.ingestion.pdf import read_pdf_pages
from docnav.ingestion.structure import detect_structure
from docnav.synth import generate
from docnav.synth.generate import SynthConfig
from docnav.synth.text import NON_GAAP_NAMES
from docnav.types import Fact

MSFT = Path("/work/shared/financebench/pdfs/MICROSOFT_2016_10K.pdf")


def refs() -> tuple[list[tuple[str, Fact]], Any]:
    named: list[tuple[str, Fact]] = []

    def ref_of(f: Fact) -> str:
        for r, g in named:
            if g is f:
                return r
        named.append((f"F{len(named) + 1}", f))
        return named[-1][0]

    return named, ref_of


def ask(facts: list[Fact], question: str, years: list[int], **kw: Any) -> Any:
    qr = read_question(question)
    _, ref_of = refs()
    return suggest(
        facts, qr.items, qr.formula, qr.formula_defined, years, ref_of, question, qr, **kw
    )


# -- a row under its block heading, on a real income statement ------------------------------


@pytest.fixture(scope="module")
def msft_income() -> list[Fact]:
    if not MSFT.exists():
        pytest.skip(f"{MSFT} not here")
    lines, width = pdf_page_lines(str(MSFT), [51])[51]
    scale = scale_of("(In millions, except per share amounts)")
    return [
        f
        for t in find_tables(lines, width)
        for f in table_facts(
            t, doc_id="MICROSOFT_2016_10K", page=51, section="", statement="income", scale=scale
        )
    ]


def test_product_cost_of_revenue_is_not_the_product_revenue_row(msft_income: list[Fact]) -> None:
    cost = ask(msft_income, "What was product cost of revenue in FY2016?", [2016]).best
    assert (cost["label"], cost["value"]) == ("Product", 17_880)
    rev = ask(msft_income, "What was product revenue in FY2016?", [2016]).best
    assert (rev["label"], rev["value"]) == ("Product", 61_502)
    svc = ask(msft_income, "What was the service and other cost of revenue in FY2015?", [2015])
    assert svc.best["value"] == 11_628


def test_rows_show_their_block_heading(msft_income: list[Fact]) -> None:
    shown = {facts_view.shown_label(f) for f in msft_income}
    assert {"Revenue - Product", "Cost of revenue - Product", "Total revenue"} <= shown
    rows = facts_view.candidates(
        msft_income, ["cost of revenue"], [2016], question="product cost of revenue FY2016"
    )
    text = facts_view.render([("F1", rows[0])], "MICROSOFT_2016_10K")
    assert text.startswith("F1 | Cost of revenue - Product | FY2016 | 17,880 USD millions")


# -- a printed measure in a generated 10-K's MD&A ---------------------------------------------


@pytest.fixture(scope="module")
def synth_10k(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Fact], str]:
    root = tmp_path_factory.mktemp("printed")
    cfg = SynthConfig(
        companies=1,
        first_year=2024,
        last_year=2024,
        seed=5,
        formats=["pdf"],
        quarters=[],
        earnings=False,
        quarterly_companies=0,
    )
    generate(cfg, root)
    pdf = next((root / "pdf").glob("*_10K.pdf"))
    pages = read_pdf_pages(pdf)
    meta = extract_metadata(pages, file_name=pdf.name)
    st = detect_structure(pages, form=meta.form)
    return pdf_facts(str(pdf), pages, st, meta, doc_id=pdf.stem), pdf.stem


def test_the_printed_own_measure_is_the_answer(synth_10k: tuple[list[Fact], str]) -> None:
    facts, _ = synth_10k
    names = {n for n, _ in NON_GAAP_NAMES}
    row = next(f for f in facts if f.label in names and f.period == "FY2024")
    assert row.statement == "other" and "Discussion" in row.section  # from the MD&A table
    got = ask(facts, f"What was the company's {row.label.lower()} in fiscal 2024?", [2024])
    assert got.best is not None and got.best["value"] == facts_view.fmt_value(row)[0]
    assert got.calc is None  # the company's own figure, nothing computed


def test_textbook_ebitda_when_no_row_prints_it(synth_10k: tuple[list[Fact], str]) -> None:
    facts, _ = synth_10k
    got = ask(facts, "What was the company's EBITDA in fiscal 2024?", [2024])
    assert got.calc is not None and got.best is None
    oi = next(f for f in facts if f.statement == "income" and f.label == "Operating income")
    assert got.calc["value"] > facts_view.fmt_value(oi)[0]  # operating income + D&A


# -- the ranking rules, on hand-made rows -----------------------------------------------------


def row(label: str, value: float, period: str | None = "FY2023", **kw: Any) -> Fact:
    base = dict(doc_id="ACME_2023Q4_EARNINGS", page=3, statement="other", unit="USD")
    base.update(kw)
    return Fact(
        label=label,
        norm_label=kw.pop("norm", label.lower()),
        period=period,
        value=value,
        scale="in millions",
        **{k: v for k, v in base.items() if k != "norm"},
    )


STATEMENTS = [
    row("Operating income", 900e6, doc_id="ACME_2023_10K", statement="income", page=40),
    row("Depreciation and amortization", 300e6, doc_id="ACME_2023_10K", statement="cashflow"),
]


def test_asked_qualifier_must_be_in_the_label_and_an_unasked_one_must_not() -> None:
    facts = STATEMENTS + [row("Adjusted EBITDA", 1_350e6), row("EBITDA", 1_150e6)]
    assert ask(facts, "What was adjusted EBITDA in FY2023?", [2023]).best["value"] == 1_350
    plain = ask(facts, "What was EBITDA in FY2023?", [2023])
    assert plain.best["value"] == 1_150 and plain.calc is None


def test_qualified_metric_nowhere_printed_is_not_computed_from_gaap_rows() -> None:
    got = ask(STATEMENTS, "What was adjusted EBITDA in FY2023?", [2023])
    assert got.calc is None and got.best is None
    assert "do not compute it from GAAP rows" in got.lines[0]
    # the plain metric is still computed as a textbook value
    assert ask(STATEMENTS, "What was EBITDA in FY2023?", [2023]).calc["value"] == 1_200


def test_the_company_s_other_filing_prints_it() -> None:
    release = [row("Adjusted operating income", 1_010e6)]
    got = ask(
        STATEMENTS,
        "What was adjusted operating income in FY2023?",
        [2023],
        more_facts=lambda: release,
    )
    assert got.best["value"] == 1_010 and got.best["doc"] == "ACME_2023Q4_EARNINGS"


def test_total_beats_a_segment_part_and_a_segment_row_under_its_heading() -> None:
    facts = [
        row("Adjusted EBIT", 400e6, page=2),  # a per-segment table, its name in the caption
        row("Adjusted EBIT", 1_600e6, page=9),
        row("Flexibles", 1_200e6, norm="adjusted ebit flexibles", statement="segment"),
    ]
    assert ask(facts, "What was adjusted EBIT in FY2023?", [2023]).best["value"] == 1_600


def test_a_year_column_right_of_a_period_less_column_is_not_trusted() -> None:
    facts = [  # Domestic | International | Total, the middle one tagged with the year
        row("Non-GAAP operating income", 1_860e6, period=None),
        row("Non-GAAP operating income", 168e6),
        row("Non-GAAP operating income", 2_028e6, period=None),
    ]
    got = ask(facts, "What was non-GAAP operating income in FY2023?", [2023])
    assert got.best is None


def test_the_asked_quarter_and_a_margin_as_a_percentage() -> None:
    facts = [
        row("Adjusted diluted EPS", 1.9, period="6M 2023", unit="USD/share"),
        row("Adjusted diluted EPS", 0.67, period="Q2 2023", unit="USD/share"),
        row("Adjusted operating margin", 812e6),
        row("Adjusted operating margin", 14.2, unit="%"),
    ]
    eps = ask(facts, "What was adjusted diluted EPS in Q2 2023?", [2023])
    assert eps.best["value"] == 0.67
    margin = ask(facts, "What was the adjusted operating margin in FY2023?", [2023])
    assert margin.best["value"] == 14.2


def test_metric_reading() -> None:
    def m(q: str) -> printed.Metric | None:
        return printed.asked_metric(q, read_question(q))

    assert m("What was adjusted diluted EPS in FY2023?").text == "adjusted diluted EPS"
    own = m("What was core operating earnings before depreciation in fiscal 2024?")
    assert own.qualified and own.text == "core operating earnings before depreciation"
    assert m("What was organic sales growth in FY2022?").kind == "pct"
    assert not m("What was free cash flow in FY2022?").qualified


def test_a_note_row_named_like_the_company_is_not_asked() -> None:
    facts = [
        row("Revenue", 46_298e6, statement="income", page=40),
        row("Best Buy", 938e6, page=26),  # an MD&A table's row named after the company
        row("Services", 2_149e6, norm="domestic services", statement="segment", page=63),
    ]
    q = "What was Best Buy's Domestic services revenue in FY2023?"
    assert ask(facts, q, [2023]).best["value"] == 2_149
