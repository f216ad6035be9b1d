"""The line-item retriever (issue 21 item 2): BM25 over statement-fact row labels and their
finance synonyms, as pages; and as one more input to page fusion on a real store (FinanceBench
earnings releases ingested with facts)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docnav.retrieval.index import CorpusIndex
from docnav.retrieval.line_items import LineItemIndex
from docnav.retrieval.tokenize import query_tokens


def _lines(*rows: tuple[int, str]) -> list[str]:
    out = []
    for page, label in rows:
        for period in ("FY2023", "FY2022"):  # two periods of one row: one entry
            out.append(
                json.dumps(
                    {
                        "page": page,
                        "label": label,
                        "norm_label": label.lower(),
                        "period": period,
                        "value": 1.0,
                    }
                )
            )
    return out


@pytest.fixture(scope="module")
def items() -> LineItemIndex:
    a = _lines(
        (40, "Purchases of property, plant and equipment"),
        (38, "Net sales"),
        (38, "Cost of sales"),
        (52, "Inventories"),
    )
    b = _lines((7, "Purchases of property and equipment"), (5, "Total revenues"))
    return LineItemIndex.from_files([(0, lambda: a), (1, lambda: b), (2, lambda: [])])


def test_one_entry_per_page_and_label(items):
    assert items.n == 6


def test_synonyms_meet_the_label(items):
    # "capex" is in no label: the synonym group carries it
    assert items.search(query_tokens("How much capex in FY2023?"), {0, 1}) == [(0, 40), (1, 7)]
    assert items.search(query_tokens("What were revenues?"), {0, 1})[:2] in (
        [(1, 5), (0, 38)],
        [(0, 38), (1, 5)],
    )


def test_restricted_to_the_given_filings_and_words_only(items):
    assert items.search(query_tokens("capital expenditures"), {1}) == [(1, 7)]
    assert items.search(query_tokens("inventories"), set()) == []
    assert items.search(query_tokens("1,234 5.5%"), {0, 1}) == []  # numbers name no row
    assert LineItemIndex.from_files([]).search(query_tokens("capex"), {0}) == []


def test_line_items_join_page_fusion_on_a_real_store(small_store, tmp_path: Path):
    idx = CorpusIndex(small_store, tmp_path / "indexes")
    idx.ensure(dense=False)
    doc_id = next(d for d in idx.docs if small_store.facts(d))
    fact = next(f for f in small_store.facts(doc_id) if len(f.label.split()) >= 3)
    company = idx.docs[doc_id].meta.company
    q = f"{company}: what was {fact.label.lower()}?"
    with_items = idx.search(
        q,
        mode="bm25",
        k=10,
        understand="filter",
        unit="page",
        route="statements,filing,items",
        features=True,
    )
    hit = [p for p in with_items.pages if (p.doc_id, p.page) == (doc_id, fact.page)]
    assert hit and hit[0].features["items"] > 0, [(p.doc_id, p.page) for p in with_items.pages]
    without = idx.search(
        q,
        mode="bm25",
        k=10,
        understand="filter",
        unit="page",
        route="statements,filing",
        features=True,
    )
    assert all(p.features["items"] == 0 for p in without.pages)
    # understanding off: no routing, no line items (the plain page ranking)
    off = idx.search(
        q,
        mode="bm25",
        k=10,
        understand="off",
        unit="page",
        route="statements,filing,items",
        features=True,
    )
    assert off.route is None and all(p.features["items"] == 0 for p in off.pages)
