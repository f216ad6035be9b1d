"""The facts tool, its lookup (shared by `docnav facts` and GET /v1/facts), on a self-made
store and on the real 10-Q of the tool test store, each on the file store and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from docnav.ingestion.store import CorpusStore
from docnav.tools import Facts, ToolContext, default_tools
from docnav.tools.facts import find_facts, format_rows, metric_terms
from docnav.types import Document, DocumentMeta, Fact


def _fact(
    label: str, period: str, value: float, page: int = 3, statement: str = "cashflow"
) -> Fact:
    from docnav.ingestion.facts_labels import normalise_label

    return Fact(
        doc_id="",
        page=page,
        section="Item 8 > Cash Flows",
        statement=statement,
        label=label,
        norm_label=normalise_label(label),
        period=period,
        column=period[-4:],
        value=value,
        unit="USD",
        scale="(in millions)",
    )


@pytest.fixture
def small_store(store_backend: str, tmp_path: Path) -> Iterator[CorpusStore]:
    """One self-made 10-K with facts, on each backend (conftest's ``store_backend``)."""
    if store_backend == "file":
        yield _acme(CorpusStore(tmp_path / "store"))
        return
    from docnav.ingestion.backend import open_store
    from tests.tools.conftest import pg_schema

    with pg_schema() as url:
        store = open_store(tmp_path / "store", url)
        yield _acme(store)
        store.close()


def _acme(store: CorpusStore) -> CorpusStore:
    doc = Document(
        doc_id="",
        name="ACME_2019_10K",
        source_path="/x/ACME_2019_10K.pdf",
        file_type="pdf",
        content_hash="a" * 64,
        n_pages=5,
        meta=DocumentMeta(
            company="Acme Corp", form="10-K", fiscal_year=2019, fiscal_period="FY2019"
        ),
    )
    facts = [
        _fact("Purchases of property and equipment", "FY2019", -1.577e9),
        _fact("Purchases of property and equipment", "FY2018", -1.373e9),
        _fact("Proceeds from sale of property and equipment", "FY2019", 2.62e8),
        _fact("Net sales", "FY2019", 3.2765e10, page=1, statement="income"),
    ]
    with store.write_lock():
        store.put(doc, ["p1", "p2", "p3", "cash flows page", "p5"], [], lambda _: [], facts=facts)
    return store


def test_capex_finds_the_purchases_row_through_synonyms(small_store: CorpusStore):
    assert any("purchase" in t for t, _ in metric_terms("capex"))
    rows = find_facts(small_store, company="acme", metric="capex", year=2019)
    assert rows[0].label == "Purchases of property and equipment"
    assert rows[0].values == {"FY2019": -1577.0}  # in the printed scale
    assert rows[0].page == 4  # 1-based
    line = format_rows(rows[:1])[0]
    assert "p. 4" in line and "FY2019 = -1,577" in line and "USD millions" in line


def test_periods_together_and_filters(small_store: CorpusStore):
    (row, *_) = find_facts(small_store, doc="ACME_2019_10K", metric="capital expenditures")
    assert row.values == {"FY2019": -1577.0, "FY2018": -1373.0}
    assert find_facts(small_store, doc="ACME_2019_10K", metric="net sales", period="FY2018") == []
    assert find_facts(small_store, doc="ACME_2019_10K", metric="revenue")[0].label == "Net sales"


def test_tool_contract(small_store: CorpusStore):
    assert "facts" in {t.name for t in default_tools()}
    ctx = ToolContext(store=small_store)
    r = Facts()(ctx, {"metric": "capex", "company": "Acme"})
    assert r.ok and "Purchases of property and equipment" in r.text
    assert [(x.doc_id, x.page) for x in r.reads][:1] == [("ACME_2019_10K", 3)]
    assert Facts()(ctx, {"metric": "capex"}).ok is False  # no doc or company
    bad = Facts()(ctx, {"metric": "capex", "doc_id": "NOPE"})
    assert not bad.ok and "list_documents" in bad.text
    none = Facts()(ctx, {"metric": "goodwill impairment", "doc_id": "ACME_2019_10K"})
    assert none.ok and "No statement line item" in none.text


@pytest.mark.shared
def test_real_10q_capex_and_revenue(ctx):
    r = Facts()(ctx, {"metric": "capex", "doc_id": "BESTBUY_2024Q2_10Q"})
    assert r.ok and "Additions to property and equipment: 6M 2024 = -395" in r.text, r.text
    rows = find_facts(ctx.store, doc="BESTBUY_2024Q2_10Q", metric="revenue", period="Q2 2024")
    assert rows[0].label == "Revenue" and rows[0].values == {"Q2 2024": 9583.0}


@pytest.mark.shared
def test_cli_and_rest_page_numbers_are_1_based(ctx):
    rows = find_facts(ctx.store, doc="BESTBUY_2024Q2_10Q", metric="total assets")
    page = rows[0].page
    assert "Total assets" in ctx.store.page_text("BESTBUY_2024Q2_10Q", page - 1)
