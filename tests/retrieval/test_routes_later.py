"""Routes ``topics``, ``companies`` and ``present`` (issue 21): the topic's sections in places
11-13, other companies in the diversity places when the question names none, and the latest
filing of any form for a question that names no year and looks ahead. Units, and the small
synthetic corpus (HTML, BM25 only)."""

from __future__ import annotations

import datetime as dt

import pytest

from docnav.engine import Engine
from docnav.retrieval.pages import TOPIC_PLACES, PageCandidate, order_pages
from docnav.retrieval.route import read_route, section_matches
from docnav.retrieval.tokenize import query_tokens
from docnav.settings import Settings
from docnav.synth import SynthConfig, generate

BASE = "statements,filing,diverse,fullyear,nongaap,undated,comparatives"


def _cand(d: int, p: int, s: float) -> PageCandidate:
    c = PageCandidate(d, p)
    c.score = s
    return c


def test_topic_pages_follow_the_first_ten_and_never_enter_them():
    cands = [_cand(0, p, 30 - p) for p in range(25)]
    topical = [cands[3], cands[22], cands[24], cands[20], cands[21]]  # best first
    plain = order_pages(cands, [0], diverse=False)
    out = order_pages(cands, [0], diverse=False, topical=topical)
    assert out[:10] == plain[:10]
    # the one already among the first ten is skipped; TOPIC_PLACES of the rest, in their order
    assert [c.page for c in out[10 : 10 + TOPIC_PLACES]] == [22, 24, 20][:TOPIC_PLACES]
    assert len(out) == len(cands) and len({id(c) for c in out}) == len(cands)
    # after the later filings' pages (route comparatives) when both are asked for
    cands += [_cand(1, 0, 0.1), _cand(1, 1, 0.05)]
    both = order_pages(cands, [0], diverse=False, later=[1], topical=topical)
    assert [(c.doc_row, c.page) for c in both[10:13]] == [(1, 0), (1, 1), (0, 22)]


def test_with_no_company_named_the_diversity_places_go_to_other_companies():
    # filings 0, 1 and 2 are company A's; 3 and 4 are companies B and C
    cands = [_cand(0, p, 30 - p) for p in range(12)] + [_cand(1, 0, 17.5)]
    cands += [_cand(2, 0, 5), _cand(3, 0, 4), _cand(4, 0, 3)]
    order = [0, 1, 2, 4, 3]  # the filing order prefers C's filing to B's
    by_filing = order_pages(cands, order, diverse=True)
    assert [c.doc_row for c in by_filing[8:10]] == [1, 2]
    group = {0: "A", 1: "A", 2: "A", 3: "B", 4: "C"}
    by_company = order_pages(cands, order, diverse=True, group=group)
    # company A's other filing gives way; B and C come in the order of their best pages
    assert [c.doc_row for c in by_company[8:10]] == [3, 4]
    assert by_company[:8] == by_filing[:8]


def test_a_question_looking_ahead_with_no_year_asks_the_present():
    q = "How much does the company expect to pay for the separation in the future?"
    r = read_route(q, query_tokens(q), [], [], present=True)
    assert r.intent == "present" and r.forms == []
    assert any("latest of any form" in a for a in r.describe())
    # off unless asked (the caller passes present only when the question names no year)
    assert read_route(q, query_tokens(q), [], [], present=False).forms == ["10-K"]
    plain = "What industry does the company operate in?"
    assert read_route(plain, query_tokens(plain), [], [], present=True).intent == "annual"
    # a named quarter or form still decides first
    assert read_route(q, query_tokens(q), ["Q2 2023"], [], present=True).intent == "quarter"
    assert read_route(q, query_tokens(q), [], ["10-K"], present=True).intent == "form"


def test_item_titles_with_a_dash_are_the_business_section():
    assert section_matches("Item 1. - Business", ["business"])
    assert section_matches("ITEM 1. BUSINESS", ["business"])
    assert not section_matches("Item 1A. - Risk Factors", ["business"])


@pytest.fixture(scope="module")
def synth_engine(tmp_path_factory) -> Engine:
    root = tmp_path_factory.mktemp("routes")
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
    e.index.ensure(dense=False)
    return e


KW = dict(mode="bm25", k=20, understand="filter", unit="page")


def test_topics_keeps_the_first_ten_and_adds_the_topic_section_after(synth_engine):
    idx = synth_engine.index
    name = next(d.meta.company for d in idx.docs.values() if d.meta.company)
    q = f"What were {name}'s restructuring charges in fiscal 2024?"
    plain = idx.search(q, route=BASE, **KW)
    topics = idx.search(q, route=BASE + ",topics", **KW)
    assert [(p.doc_id, p.page) for p in topics.pages[:10]] == [
        (p.doc_id, p.page) for p in plain.pages[:10]
    ]
    assert topics.route is not None and topics.route.sections == ["restructuring"]
    chunks = {c.id: c for c in idx.chunks}
    after = [chunks[i].section_path.lower() for p in topics.pages[10:20] for i in p.chunk_ids[:1]]
    first = [chunks[i].section_path.lower() for p in topics.pages[:10] for i in p.chunk_ids[:1]]
    assert any("restructuring" in s for s in first + after)


def test_companies_applies_only_when_no_company_is_named(synth_engine):
    idx = synth_engine.index
    q = "What were total revenues in fiscal 2024?"
    r = idx.search(q, route=BASE + ",companies", **KW)
    assert any("no company named" in a for a in r.applied)
    names = {idx.docs[p.doc_id].meta.company for p in r.pages[:10]}
    assert len(names) == 2
    name = next(d.meta.company for d in idx.docs.values() if d.meta.company)
    named = f"What were {name}'s total revenues in fiscal 2024?"
    with_route = idx.search(named, route=BASE + ",companies", **KW)
    without = idx.search(named, route=BASE, **KW)
    assert not any("no company named" in a for a in with_route.applied)
    assert [p.page for p in with_route.pages] == [p.page for p in without.pages]


def test_present_puts_the_latest_filing_of_any_form_first(synth_engine):
    idx = synth_engine.index
    name = next(d.meta.company for d in idx.docs.values() if d.meta.company)
    q = f"What does {name} expect to pay for its restructuring in the future?"
    r = idx.search(q, route=BASE + ",present", **KW)
    assert r.route is not None and r.route.intent == "present"

    def when(m) -> tuple:
        return m.fiscal_year or 0, m.period_end or m.filing_date or dt.date.min

    mine = [d.meta for d in idx.docs.values() if d.meta.company == name]
    assert when(idx.docs[r.pages[0].doc_id].meta) == max(when(m) for m in mine)
    dated = f"What did {name} expect to pay for its restructuring in fiscal 2023?"
    assert idx.search(dated, route=BASE + ",present", **KW).route.intent != "present"
