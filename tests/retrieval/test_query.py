"""Query understanding: periods, forms, companies and tickers read against a real catalog,
calendar dates mapped to fiscal years through the filings' own period ends, explicit filters
winning, and the filter falling back to a boost when it leaves nothing."""

from __future__ import annotations

from datetime import date

import pytest

from docnav.retrieval.index import CorpusIndex
from docnav.retrieval.query import SearchFilters, analyze_query, fiscal_year_of_date, merge_filters
from docnav.types import Document, DocumentMeta


@pytest.mark.parametrize(
    ("query", "lo", "hi"),
    [
        ("What is the FY2018 capital expenditure amount?", 2018, 2018),
        ("revenue in fiscal 2022", 2022, 2022),
        ("fiscal year 2021 net income", 2021, 2021),
        ("FY22 gross margin", 2022, 2022),
        ("FY 2023 adjusted EBITDA", 2023, 2023),
        ("net sales in Q3 2024", 2024, 2024),
        ("Q2 of FY2024 store count", 2024, 2024),
        ("revenue in the third quarter of 2024", 2024, 2024),
        ("cash as of December 31, 2021", 2021, 2021),  # no catalog: the calendar year
        ("any one-off events in 2019?", 2019, 2019),
        ("quick ratio between FY2019 and FY2021", 2019, 2021),
        ("debt in 2022 vs 2021", 2021, 2022),
        ("the FY2015 - FY2017 3 year average net margin", 2015, 2017),
        ("Did Pfizer grow its PPNE between FY20 and FY21?", 2020, 2021),
        ("revenue growth since 2019", 2019, None),
        # a later year the question looks forward to lies inside the marked year's filing
        ("As of FY 2021, how much did the company expect to pay retirees in 2024?", 2021, 2021),
        ("In its FY2019 10-K, how much long-term debt matures in 2020?", 2019, 2019),
        ("revenue in FY2022 vs 2023", 2022, 2023),  # a comparison, not a future date
        ("how much will be paid in 2024?", 2024, 2024),  # no marked year: the year named
    ],
)
def test_periods(query, lo, hi):
    a = analyze_query(query, [])
    assert (a.year_min, a.year_max) == (lo, hi)
    assert (a.filters.year_min, a.filters.year_max) == (lo, hi)
    assert a.applied  # the user sees what was read


def test_amounts_are_not_years_and_quarters_are_kept():
    for q in ("a $2019 million charge", "2,019 stores", "2019.5 units", "grew 2020%"):
        assert analyze_query(q, []).years == [], q
    a = analyze_query("Pfizer revenues by region in Q22023 and Q2'2023", [])
    assert a.quarters == ["Q2 2023"] and a.years == [2023]
    assert analyze_query("what happened in the second quarter of fiscal 2023", []).quarters == [
        "Q2 2023"
    ]


@pytest.mark.parametrize(
    ("query", "forms"),
    [
        ("major acquisitions mentioned in this 10K report", ["10-K"]),
        ("risk factors in the annual report", ["10-K"]),
        ("the 10-Q for Q2", ["10-Q"]),
        ("in its quarterly report", ["10-Q"]),
        ("the key agenda of the 8-K filing", ["8-K"]),
        ("guidance in the earnings release", ["EARNINGS"]),
        ("quarterly dividend per share", []),  # "quarterly" alone names no form
    ],
)
def test_forms(query, forms):
    a = analyze_query(query, [])
    assert a.forms == forms
    assert a.filters.forms == (forms or None)


def test_companies_and_tickers_from_a_real_catalog(small_store):
    docs = small_store.list_documents()
    names = {d.meta.company for d in docs}
    best_buy = next(n for n in names if n and n.startswith("Best Buy"))
    ulta = next(n for n in names if n and n.startswith("Ulta"))
    amcor = {n for n in names if n and n.lower().startswith("amcor")}
    assert analyze_query("Best Buy comparable sales in FY2024", docs).companies == [best_buy]
    assert analyze_query("What was the key agenda of the AMCOR's 8k filing?", docs).companies
    assert set(analyze_query("What was the key agenda of the AMCOR's 8k?", docs).companies) <= amcor
    assert analyze_query("Did Ulta's inventory grow?", docs).companies == [ulta]  # short form
    assert analyze_query("BESTBUY store count", docs).companies == [best_buy]  # no spaces
    # common words are not names
    assert analyze_query("Which product category performed the best?", docs).companies == []
    assert analyze_query("ulta-low prices", docs).companies == []
    ticker = next(d.meta.ticker for d in docs if d.meta.company == best_buy and d.meta.ticker)
    a = analyze_query(f"{ticker} revenue", docs)
    assert a.tickers == [ticker] and a.companies == [best_buy]
    assert (
        analyze_query(f"{ticker.lower()} revenue", docs).tickers == []
    )  # tickers are written in caps
    assert "company: " + best_buy in analyze_query("Best Buy revenue", docs).applied


def test_dates_map_to_fiscal_years_by_the_filings_own_period_ends(small_store):
    docs = small_store.list_documents()
    ulta = [d for d in docs if (d.meta.company or "").startswith("Ulta")]
    q4 = next(d for d in ulta if (d.meta.fiscal_period or "").startswith("Q4"))
    # the period end of a filing in the store maps to that filing's own fiscal year label
    pe = q4.meta.period_end
    a = analyze_query(f"Ulta Beauty inventories as of {pe:%B} {pe.day}, {pe.year}", docs)
    assert a.years == [q4.meta.fiscal_year]
    # a date with no filing of its own: the company's year end and label offset decide
    offset = q4.meta.fiscal_year - pe.year  # Ulta labels a year by the year it starts in
    assert (
        fiscal_year_of_date(date(pe.year - 1, pe.month, pe.day + 1), ulta) == pe.year - 1 + offset
    )
    assert fiscal_year_of_date(date(pe.year - 1, 6, 30), ulta) == pe.year + offset
    # a filing date reads as a calendar year (an 8-K's year), not a fiscal period
    a = analyze_query("Amcor 8-K dated July 1, 2022", docs)
    assert a.years == [2022]
    assert a.filters.doc_ids == ["AMCOR_2022_8K_dated-2022-07-01"]


def _doc(name: str, **meta: object) -> Document:
    """A one-page catalog entry with the given metadata."""
    return Document(
        doc_id=name,
        name=name,
        source_path=name,
        file_type="pdf",
        content_hash=name,
        n_pages=1,
        meta=DocumentMeta(**meta),  # type: ignore[arg-type]
    )


def test_a_former_name_is_the_same_company_to_plan_for():
    docs = [
        _doc("B21", company="Block, Inc.", former_names=["Square"], fiscal_year=2021),
        _doc("B16", company="Square, Inc.", fiscal_year=2016),
        _doc("O16", company="Other Corp", fiscal_year=2016),
    ]
    a = analyze_query("What is Block's (formerly known as Square) FY2016 revenue?", docs)
    assert set(a.companies) == {"Block, Inc.", "Square, Inc."}  # both names find filings
    assert a.former == ["Square, Inc."] and a.distinct_companies() == ["Block, Inc."]
    two = analyze_query("Compare Square and Other Corp in FY2016", docs)
    assert len(two.distinct_companies()) == 2  # "Square" alone also names Block, Inc.


def test_a_filing_date_names_the_filing_of_that_date():
    def eight_k(name: str, filed: date) -> Document:
        return _doc(name, company="X Corp", form="8-K", fiscal_year=filed.year, filing_date=filed)

    docs = [eight_k("april", date(2022, 4, 26)), eight_k("july", date(2022, 7, 1))]
    for q in (
        "What was the key agenda of X Corp's 8k filing dated 1st July 2022?",
        "X Corp 8-K filed on 2022-07-01",
        "X Corp 8-K dated June 28, 2022",  # a report date a few days before the filing's
    ):
        a = analyze_query(q, docs)
        assert a.filters.doc_ids == ["july"], q
        assert any("filed on the date named" in x for x in a.applied)
    # no filing within a week of the date, or no company named: no filing is picked
    assert analyze_query("X Corp 8-K dated March 1, 2022", docs).filters.doc_ids is None
    assert analyze_query("the 8-K dated July 1, 2022", docs).filters.doc_ids is None
    # an explicit filter wins whole
    implied = analyze_query("X Corp 8-K dated July 1, 2022", docs).filters
    merged, notes = merge_filters(SearchFilters(form="10-K"), implied)
    assert merged.doc_ids is None and notes
    assert merge_filters(None, implied)[0].doc_ids == ["july"]


def test_fiscal_year_of_date_without_documents_of_that_date():
    def doc(name: str, fy: int, end: date) -> Document:
        return _doc(name, company="X", fiscal_year=fy, fiscal_period=f"FY{fy}", period_end=end)

    june = [doc("a", 2021, date(2021, 6, 30)), doc("b", 2022, date(2022, 6, 30))]
    assert fiscal_year_of_date(date(2022, 12, 31), june) == 2023  # FY ends in June
    assert fiscal_year_of_date(date(2020, 3, 31), june) == 2020
    december = [doc("c", 2020, date(2020, 12, 31))]
    assert fiscal_year_of_date(date(2023, 12, 31), december) == 2023
    assert fiscal_year_of_date(date(2023, 12, 31), []) == 2023


def test_explicit_filters_win():
    implied = analyze_query("Best Buy 10-K revenue in FY2019", []).filters
    assert implied.year_min == 2019 and implied.forms == ["10-K"]
    merged, notes = merge_filters(SearchFilters(year_min=2020, year_max=2020, form="10-Q"), implied)
    assert (merged.year_min, merged.year_max, merged.form, merged.forms) == (
        2020,
        2020,
        "10-Q",
        None,
    )
    assert len(notes) == 2 and all("explicit" in n for n in notes)
    merged, notes = merge_filters(None, implied)
    assert merged.year_min == 2019 and merged.forms == ["10-K"] and notes == []


@pytest.mark.shared
def test_filters_from_the_question_and_fallback_to_boost(small_store, tmp_path):
    index = CorpusIndex(small_store, tmp_path / "indexes")
    res = index.search("Best Buy comparable sales FY2024", mode="bm25", k=20, understand="filter")
    assert res.understand == "filter" and res.hits
    assert {h.doc_name for h in res.hits} == {"BESTBUY_2024Q2_EARNINGS"}
    assert any("fiscal year 2024" in a for a in res.applied)
    # a year the store does not hold: nothing would pass, so the filters only boost
    res = index.search("Best Buy comparable sales FY1999", mode="bm25", k=5, understand="filter")
    assert res.understand == "boost" and res.hits
    assert any("no chunk" in a for a in res.applied)
    assert all(h.company and h.company.startswith("Best Buy") for h in res.hits)  # boosted first
    # explicit filters still apply when the question's fall back
    res = index.search(
        "comparable sales FY1999",
        mode="bm25",
        k=5,
        understand="filter",
        filters=SearchFilters(company="Ulta Beauty"),
    )
    assert res.hits and {h.doc_name[:4] for h in res.hits} == {"ULTA"}
    # off: nothing read
    res = index.search("Best Buy comparable sales FY2024", mode="bm25", k=20, understand="off")
    assert res.analysis is None and len({h.doc_name for h in res.hits}) > 1
