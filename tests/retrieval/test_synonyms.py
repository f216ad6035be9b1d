"""The finance synonym map: a well-formed data file shipped with the package, groups firing on
any of their written forms, expansion adding only what the query lacks."""

from __future__ import annotations

import json

from docnav.retrieval.synonyms import DATA, expand, load_groups
from docnav.retrieval.tokenize import query_tokens, tokenize


def test_data_file_is_well_formed_and_general():
    raw = json.loads(DATA.read_text())
    groups = load_groups()
    assert len(groups) >= 40 and len({g.name for g in groups}) == len(groups)
    assert len(raw["groups"]) == len(groups)
    for g in groups:
        assert len(g.terms) >= 2 and all(t.strip() for t in g.terms), g.name
        assert all(tokenize(t) for t in g.terms), g.name  # every term yields filing tokens
    names = {g.name for g in groups}
    for must in (
        "capital expenditures",
        "revenue",
        "cost of goods sold",
        "adjusted EBITDA",
        "depreciation and amortization",
        "free cash flow",
        "net income",
        "earnings per share",
        "selling, general and administrative",
        "working capital",
        "inventory turnover",
    ):
        assert must in names, must


def test_groups_fire_on_any_written_form():
    for q in (
        "FY2018 capex for 3M",
        "capital expenditures in 2018",
        "Capital Expenditure amount",
        "purchases of property, plant and equipment",
    ):
        assert "capital expenditures" in expand(tokenize(q)).groups, q
    assert "cost of goods sold" in expand(tokenize("What is the FY2016 COGS?")).groups
    assert "revenue" in expand(tokenize("net sales growth")).groups
    e = expand(tokenize("Adjusted EBITDA for FY 2023"))
    assert (
        "adjusted EBITDA" in e.groups and "special" in e.tokens
    )  # operating income before special items
    assert expand(tokenize("zebra crossing")).groups == []


def test_expansion_adds_only_missing_tokens_in_order():
    q = query_tokens("What is the FY2018 capital expenditure amount for 3M?")
    e = expand(q)
    assert not set(e.tokens) & set(q)
    assert len(e.tokens) == len(set(e.tokens))
    assert {"capex", "purchas", "properti", "plant", "equip"} <= set(e.tokens)
    assert "purchases of property, plant and equipment" in e.phrases
    assert "capital expenditure" not in e.phrases  # already in the query
