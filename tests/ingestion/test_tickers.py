"""Tickers shared across a company's filings (ingestion/tickers.py): by CIK, else by the
normalized company name, only when the company's filings carry exactly one ticker."""

from __future__ import annotations

from docnav.ingestion.tickers import filter_ticker, shared_tickers, with_shared_tickers
from docnav.types import Document, DocumentMeta


def doc(doc_id: str, **meta: str | None) -> Document:
    return Document(
        doc_id=doc_id,
        name=doc_id,
        source_path=f"/x/{doc_id}",
        file_type="pdf",
        content_hash=doc_id,
        n_pages=1,
        meta=DocumentMeta(**meta),
    )


def test_an_empty_ticker_takes_the_one_its_company_carries() -> None:
    docs = [
        doc("mmm-10q", company="3M Company", ticker="MMM", cik="0000066740"),
        doc("mmm-10k", company="3M CO", cik="66740"),  # same CIK, other spelling
        doc("mmm-8k", company="3M Company"),  # no CIK: the normalized name
        doc("aapl", company="Apple Inc.", ticker="AAPL"),
        doc("acme", company="Acme Corp"),  # nothing to share
    ]
    got = {d.doc_id: d.meta.ticker for d in with_shared_tickers(docs)}
    assert got == {
        "mmm-10q": "MMM",
        "mmm-10k": "MMM",
        "mmm-8k": "MMM",
        "aapl": "AAPL",
        "acme": None,
    }
    assert docs[1].meta.ticker is None  # the inputs are not changed
    assert [d.doc_id for d in filter_ticker(docs, "mmm")] == ["mmm-10q", "mmm-10k", "mmm-8k"]


def test_a_filtered_list_shares_from_the_whole_catalog() -> None:
    catalog = [doc("mmm-10q", company="3M Company", ticker="MMM"), doc("mmm-10k", company="3M")]
    tenks = [catalog[1]]
    assert filter_ticker(tenks, "MMM") == []  # alone, the 10-K has no ticker to share
    assert [d.doc_id for d in filter_ticker(tenks, "MMM", catalog)] == ["mmm-10k"]


def test_two_tickers_for_one_company_share_nothing() -> None:
    docs = [
        doc("a", company="Alphabet Inc.", ticker="GOOGL"),
        doc("b", company="Alphabet Inc.", ticker="GOOG"),
        doc("c", company="Alphabet Inc."),
    ]
    assert "name:alphabet" not in shared_tickers(docs)
    assert with_shared_tickers(docs)[2].meta.ticker is None


def test_the_engine_lists_a_company_by_ticker_for_every_caller(tmp_path, monkeypatch) -> None:
    # Engine.documents serves the CLI, REST and MCP alike: a 10-K printed without a ticker
    # is found by its company's ticker there too, also when another filter narrows the list
    from docnav.engine import Engine
    from docnav.settings import Settings

    docs = [
        doc("mmm-10q", company="3M Company", ticker="MMM", form="10-Q"),
        doc("mmm-10k", company="3M Company", form="10-K"),
        doc("aapl", company="Apple Inc.", ticker="AAPL", form="10-K"),
    ]

    class Store:
        def list_documents(self, company=None, form=None, year=None, ticker=None):
            return [d for d in docs if form is None or d.meta.form == form]

    monkeypatch.setattr(Engine, "store", property(lambda self: Store()))
    eng = Engine(Settings(home=tmp_path))
    assert [d.doc_id for d in eng.documents(ticker="mmm")] == ["mmm-10q", "mmm-10k"]
    assert [d.doc_id for d in eng.documents(ticker="MMM", form="10-K")] == ["mmm-10k"]
    assert {d.doc_id: d.meta.ticker for d in eng.documents()}["mmm-10k"] == "MMM"
