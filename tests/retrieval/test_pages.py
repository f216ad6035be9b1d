"""Pages as the ranked unit, statement and filing routing, and the page rankers (issue 21),
on the small synthetic corpus (HTML, BM25 only: no embedding model needed) and in units."""

from __future__ import annotations

import pytest

from docnav.engine import Engine
from docnav.errors import InvalidQueryError
from docnav.retrieval.bm25 import Bm25Index
from docnav.retrieval.filings import form_preference, recency
from docnav.retrieval.pages import FEATURES, PageCandidate, load_ranker, order_pages
from docnav.retrieval.route import read_route, section_statement
from docnav.retrieval.tokenize import query_tokens
from docnav.settings import Settings
from docnav.synth import SynthConfig, generate


def _route(q: str, quarters=(), forms=()):
    return read_route(q, query_tokens(q), list(quarters), list(forms))


def test_statements_named_or_implied_by_a_line_item():
    r = _route("What is capex? Answer relying on the cash flow statement.")
    assert r.named == ["cashflow"] and r.items == []
    r = _route("Using the balance sheet and the statement of income, what is DPO?")
    assert set(r.named) == {"balance", "income"}
    r = _route("What were net sales and inventories at year end?")
    assert set(r.items) == {"income", "balance"} and r.named == []
    assert "inventory" in r.item_groups
    assert _route("What were total assets at the end of fiscal 2021?").items == ["balance"]
    # a non-GAAP measure is not printed in a statement: no routing through its parts
    assert _route("What was adjusted EBITDA for fiscal 2023?").statements == []
    assert _route("What industry does the company operate in?").statements == []


def test_which_filing_of_the_year_the_question_points_at():
    assert _route("What was FY2022 revenue?").forms == ["10-K"]
    assert _route("What was revenue in Q2 of FY2024?", quarters=["Q2 2024"]).forms[0] == "10-Q"
    assert _route("What was net revenue for the fourth quarter of fiscal 2021?").intent == "q4"
    assert _route("What was the key agenda of the meeting announced?").forms == ["8-K"]
    assert _route("Any 10-Q item?", forms=["10-Q"]).intent == "form"


def test_statement_sections_map_to_kinds():
    assert section_statement("Cash Flow Statement", "whatever") == "cashflow"
    assert section_statement(None, "CONSOLIDATED STATEMENTS OF OPERATIONS") == "income"
    assert section_statement(None, "Consolidated Statements of Comprehensive Income") == (
        "comprehensive"
    )
    assert section_statement(None, "Statement of Financial Position") == "balance"


def _cand(d, p, s, routed=False):
    c = PageCandidate(d, p)
    c.score, c.routed = s, routed
    return c


def test_order_routed_first_and_diversity_keeps_runner_up_filings():
    cands = [_cand(0, p, 10 - p) for p in range(12)] + [_cand(1, 0, 0.5), _cand(2, 3, 0.2)]
    cands.append(_cand(0, 40, -5, routed=True))
    plain = order_pages(cands, [0, 1, 2], diverse=False)
    assert plain[0].page == 40 and {c.doc_row for c in plain[:10]} == {0}
    div = order_pages(cands, [0, 1, 2], diverse=True)
    assert div[0].page == 40
    assert [c.doc_row for c in div[8:10]] == [1, 2]
    assert len(div) == len(cands) and len({id(c) for c in div}) == len(cands)


def test_rankers_score_features():
    x = dict.fromkeys(FEATURES, 0.0)
    x["rrf"] = 1.0
    assert load_ranker("rrf").score(x) == pytest.approx(1.0)
    learned = load_ranker("learned")
    assert set(learned.weights) <= set(FEATURES)
    assert isinstance(learned.score(x), float)


def test_bm25_scores_match_search():
    idx = Bm25Index.build([["cash", "flow"], ["balance", "sheet"], ["cash", "cash"]])
    s = idx.scores(["cash"])
    assert s is not None and s[1] == 0 and s[2] > s[0] > 0
    assert [r for r, _ in idx.search(["cash"], 3)] == [2, 0]
    assert idx.scores(["nothing"]) is None


@pytest.fixture(scope="module")
def synth_engine(tmp_path_factory) -> Engine:
    root = tmp_path_factory.mktemp("pages")
    cfg = SynthConfig(
        companies=2,
        first_year=2023,
        last_year=2024,
        seed=3,
        formats=["html"],
        quarters=[2],
        quarterly_companies=1,
    )
    generate(cfg, root / "corpus")
    e = Engine(Settings(home=root / "home", ingest_edgartools_check=False))
    assert not e.ingest([root / "corpus" / "html"]).failed
    return e


def test_pages_are_unique_and_each_shows_one_chunk(synth_engine):
    idx = synth_engine.index
    name = next(iter(idx.docs.values())).meta.company if idx.docs else None
    idx.ensure(dense=False)
    name = next(d.meta.company for d in idx.docs.values() if d.meta.company)
    r = idx.search(
        f"What was {name}'s net income for fiscal 2023?",
        mode="bm25",
        k=8,
        understand="filter",
        unit="page",
    )
    assert r.unit == "page" and 0 < len(r.pages) <= 8
    keys = [(p.doc_id, p.page) for p in r.pages]
    assert len(set(keys)) == len(keys)
    assert len({h.chunk_id for h in r.hits}) == len(r.hits) <= len(r.pages)
    for h in r.hits:
        assert h.page is not None and h.page_start <= h.page <= h.page_end
    chunk = idx.search(f"What was {name}'s net income for fiscal 2023?", mode="bm25", k=8)
    assert chunk.unit == "chunk" and chunk.pages == [] and all(h.page is None for h in chunk.hits)


def test_a_named_statement_puts_its_pages_of_the_chosen_filing_first(synth_engine):
    idx = synth_engine.index
    idx.ensure(dense=False)
    name = next(d.meta.company for d in idx.docs.values() if d.meta.company)
    q = f"How much did {name} spend on capex in fiscal 2024? Use the cash flow statement."
    r = idx.search(
        q,
        mode="bm25",
        k=10,
        understand="filter",
        unit="page",
        route="statements,filing,diverse",
        features=True,
    )
    assert r.route is not None and r.route.named == ["cashflow"]
    first = r.pages[0]
    assert first.routed and "cashflow" in first.statements
    assert idx.docs[first.doc_id].meta.form == "10-K"
    assert first.features is not None and first.features["stmt_named"] == 1.0
    assert any("statement named: cashflow" in a for a in r.applied)
    with pytest.raises(InvalidQueryError):
        idx.search(q, mode="bm25", unit="page", route="nonsense")


def test_engine_search_ranks_pages_by_default_and_chunks_on_request(synth_engine):
    name = next(d.meta.company for d in synth_engine.documents() if d.meta.company)
    q = f"What were {name}'s total assets at the end of fiscal 2024?"
    r = synth_engine.search(q, mode="bm25", k=5)
    assert r.unit == "page" and r.pages and r.route is not None
    assert r.route.items == ["balance"]
    assert len(r.hits) == 5  # k chunks, drawn from the ranked pages
    c = synth_engine.search(q, mode="bm25", k=5, unit="chunk")
    assert c.unit == "chunk" and not c.pages and len(c.hits) == 5


def test_bench_rows_can_be_picked():
    from docnav.bench.retrieval import CONFIGS, pick_configs

    assert pick_configs(None) is None
    bm25 = pick_configs("bm25")
    assert bm25 and all(c.mode == "bm25" for c in bm25)
    pages = pick_configs("pages")
    assert pages and all(c.unit == "page" for c in pages)
    assert [c.label for c in pick_configs("hybrid+filters")] == ["hybrid+filters"]
    assert len({c.label for c in CONFIGS}) == len(CONFIGS)
    with pytest.raises(ValueError):
        pick_configs("no such row")


def test_non_gaap_measures_point_at_the_earnings_release():
    def nongaap(q: str):
        return read_route(q, query_tokens(q), [], [], nongaap=True)

    r = nongaap("What was adjusted EBITDA for FY 2023?")
    assert r.intent == "nongaap" and r.forms[0] == "EARNINGS" and r.statements == []
    r = nongaap("Real change in sales in FY2023 if we exclude the impact of FX movements?")
    assert r.intent == "nongaap"
    assert nongaap("What was FY2022 revenue?").intent == "annual"
    assert _route("What was adjusted EBITDA for FY 2023?").intent == "annual"  # off by default


def _doc(d, form: str, period: str, year: int):
    meta = d.meta.model_copy(update={"form": form, "fiscal_period": period, "fiscal_year": year})
    return d.model_copy(update={"meta": meta})


def test_full_year_filings_and_the_latest_one_are_preferred(synth_engine):
    base = synth_engine.documents()[0]
    tenk, q4, q1 = (
        _doc(base, "10-K", "FY2023", 2023),
        _doc(base, "EARNINGS", "Q4 2023", 2023),
        _doc(base, "EARNINGS", "Q1 2023", 2023),
    )
    annual = _route("What was FY2023 revenue?")
    assert [form_preference(d, annual, True) for d in (tenk, q4, q1)] == [1.0, 0.5, 0.0]
    assert form_preference(q4, annual, False) == 0.0
    adj = read_route("Adjusted EBITDA in FY2023?", [], [], [], nongaap=True)
    assert [form_preference(d, adj, True) for d in (q4, q1, tenk)] == [1.0, 0.5, 0.5]
    older = _doc(base, "10-K", "FY2022", 2022)
    assert recency({0: older, 1: tenk, 2: q4}, {0: 1.0, 1: 1.0, 2: 0.5}) == {1: 1.0}


def test_a_question_naming_no_year_reads_the_latest_filing(synth_engine):
    idx = synth_engine.index
    idx.ensure(dense=False)
    name = next(d.meta.company for d in idx.docs.values() if d.meta.company)
    q = f"What does {name} say about its competition?"
    kw = dict(mode="bm25", k=10, understand="filter", unit="page")
    r = idx.search(q, route="statements,filing,diverse,undated", **kw)
    first = idx.docs[r.pages[0].doc_id].meta
    latest = max(
        d.meta.fiscal_year or 0
        for d in idx.docs.values()
        if d.meta.company == name and d.meta.form == "10-K"
    )
    assert first.form == "10-K" and first.fiscal_year == latest
    deep = idx.search(q, route="statements,filing,diverse,undated,deep", **kw)
    assert deep.pages and len({(p.doc_id, p.page) for p in deep.pages}) == len(deep.pages)


def test_section_topics_from_question_words_and_section_titles():
    from docnav.retrieval.route import section_matches, section_topics

    assert section_topics("Has the company increased its debt on balance sheet?") == ["debt"]
    assert "segments" in section_topics("Which segment dragged down growth?")
    assert section_topics("What was the effective tax rate in FY2022?") == ["taxes"]
    assert section_topics("What was FY2022 revenue?") == []
    assert section_matches("Note 7. Debt", ["debt"])
    assert section_matches("NOTE 19. Business Segments and Geographic Information", ["segments"])
    assert not section_matches("Note 7. Debt", ["segments"])
    # read only when the route asks for it
    q = "What restructuring charges were recorded?"
    assert _route(q).sections == []
    assert read_route(q, query_tokens(q), [], [], sections=True).sections == ["restructuring"]


def test_a_topic_ranks_its_section_of_the_chosen_filing(synth_engine):
    idx = synth_engine.index
    idx.ensure(dense=False)
    name = next(d.meta.company for d in idx.docs.values() if d.meta.company)
    q = f"What were {name}'s restructuring charges in fiscal 2024?"
    kw = dict(mode="bm25", k=10, understand="filter", unit="page", features=True)
    r = idx.search(q, route="statements,filing,diverse,sections", **kw)
    assert r.route is not None and r.route.sections == ["restructuring"]
    assert any("sections: restructuring" in a for a in r.applied)
    top = [p for p in r.pages if p.features and p.features["section"] == 1.0]
    assert top, "no page of the Restructuring note among the top 10"
    chunks = {c.id: c for c in idx.chunks}
    assert "restructuring" in chunks[top[0].chunk_ids[0]].section_path.lower()
    plain = idx.search(q, route="statements,filing,diverse", **kw)
    assert all(p.features and p.features["section"] == 0.0 for p in plain.pages)


def test_spread_and_later_filings_open_places_eleven_on():
    cands = [_cand(0, p, 30 - p) for p in range(25)] + [_cand(1, 0, 0.5), _cand(2, 3, 0.2)]
    cands += [_cand(3, 1, 0.1), _cand(3, 2, 0.05), _cand(3, 5, 0.01)]
    plain = order_pages(cands, [0, 1, 2, 3], diverse=False)
    assert {c.doc_row for c in plain[:20]} == {0}
    spread = order_pages(cands, [0, 1, 2, 3], diverse=False, spread=True)
    assert [c.doc_row for c in spread[10:13]] == [1, 2, 3] and spread[:10] == plain[:10]
    later = order_pages(cands, [0, 1, 2], diverse=False, later=[3])
    assert [(c.doc_row, c.page) for c in later[10:12]] == [(3, 1), (3, 2)]
    for out in (spread, later):
        assert len(out) == len(cands) and len({id(c) for c in out}) == len(cands)


def test_comparatives_bring_the_next_years_10k_after_the_named_years(synth_engine):
    idx = synth_engine.index
    idx.ensure(dense=False)
    tenks = [d.meta for d in idx.docs.values() if d.meta.form == "10-K" and d.meta.fiscal_year]
    name, year = next(
        (m.company, m.fiscal_year)
        for m in tenks
        if any(o.company == m.company and o.fiscal_year == m.fiscal_year + 1 for o in tenks)
    )
    q = f"What was {name}'s total revenue in FY{year}?"
    kw = dict(mode="bm25", k=20, understand="filter", unit="page")
    base = "statements,filing,diverse"
    plain = idx.search(q, route=base, **kw)
    comp = idx.search(q, route=base + ",comparatives", **kw)
    years = [idx.docs[p.doc_id].meta.fiscal_year for p in comp.pages]
    assert {idx.docs[p.doc_id].meta.fiscal_year for p in plain.pages} == {year}
    assert years[0] == year and year + 1 in years
    assert any(a.startswith("comparative columns of later 10-Ks") for a in comp.applied)
    assert [p.page for p in comp.pages[:8]] == [p.page for p in plain.pages[:8]]
    metas = [idx.docs[p.doc_id].meta for p in comp.pages]
    later = [m for m in metas if m.fiscal_year != year]
    assert later and all(
        m.form == "10-K" and year < (m.fiscal_year or 0) <= year + 2 for m in later
    )
    quarter = f"What was {name}'s total revenue in Q2 FY{year}?"
    assert (
        idx.search(quarter, route=base + ",comparatives", **kw).pages
        == idx.search(quarter, route=base, **kw).pages
    )
