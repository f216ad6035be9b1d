"""grep on a real store: locations, number-awareness, bad regexes, bounds, and the three
engines agreeing on the same hits."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from docnav.tools import BACKENDS, GrepOptions, ToolContext, run_backend
from docnav.tools.access import pages_dir
from docnav.tools.grep import number_pattern
from docnav.tools.grep_backends import grep_python, grep_rg
from tests.tools.conftest import call

pytestmark = pytest.mark.shared

TEN_Q = "BESTBUY_2024Q2_10Q"


def _all_pages(ctx: ToolContext) -> list[Path]:
    return [pages_dir(ctx.store, d) for d in ctx.store.list_documents()]


def test_grep_reports_doc_page_line_and_context(ctx):
    r = call(ctx, "grep", pattern=r"Total long-term debt", doc=TEN_Q, context_lines=1)
    assert r.ok, r.text
    doc = ctx.store.get_document(TEN_Q)
    idx = next(
        p for p in range(doc.n_pages) if "Total long-term debt" in ctx.store.page_text(TEN_Q, p)
    )
    assert f"== {TEN_Q}\np. {idx + 1}\n" in r.text
    page = ctx.store.page_text(TEN_Q, idx).split("\n")
    n = next(i for i, line in enumerate(page) if "Total long-term debt" in line) + 1
    assert f"  {n}: Total long-term debt" in r.text
    assert f"  {n - 1}- " in r.text  # a context line, marked '-'
    # reads hold exactly the lines shown, on the 0-based page they came from
    assert {rd.page for rd in r.reads} == {idx}
    assert all(line in page for line in r.reads[0].text.split("\n"))


def test_filters_narrow_the_files(ctx):
    assert "AMCOR" not in call(ctx, "grep", pattern="net sales", form="10-Q").text
    assert TEN_Q not in call(ctx, "grep", pattern="net sales", company="Amcor").text
    none = call(ctx, "grep", pattern="net sales", year=1990)
    assert none.ok and "No filing matches" in none.text


@pytest.mark.parametrize("pattern", ["a(", "[unclosed", "(?<=x)y", "*"])
def test_bad_regex_is_an_actionable_error(ctx, pattern):
    r = call(ctx, "grep", pattern=pattern)
    assert not r.ok and "invalid regex" in r.text and "fixed_strings" in r.text


def test_fixed_strings_searches_literally(ctx):
    r = call(ctx, "grep", pattern="$ (67)", fixed_strings=True, doc=TEN_Q)
    assert r.ok and "Domestic $ 1,450 $ (67)" in r.text


def test_number_aware_finds_other_written_forms(ctx):
    # the 10-Q prints revenue as "9,583" in a table "in millions"
    for pat in ("9,583,000,000", "$9.583 billion", "$9,583 million"):
        r = call(ctx, "grep", pattern=pat, context_lines=0)
        assert r.ok and "Revenue $ 9,583" in r.text, pat
        assert "[same amount]" in r.text and "number-aware" in r.text
    # and the other way round: a table-scale pattern finds prose "$45.2 million"
    r = call(ctx, "grep", pattern="45,200,000", context_lines=0)
    assert "Revenue was $45.2 million" in r.text and "[same amount]" in r.text
    off = call(ctx, "grep", pattern="45,200,000", number_aware=False)
    assert "no matches" in off.text


def test_rounded_amounts_find_the_table_figure(ctx):
    # "$9.6 billion" is how the MD&A rounds revenue that the statements print as 9,583
    r = call(ctx, "grep", pattern="$9.6 billion", doc=TEN_Q, context_lines=0)
    assert r.ok and "round to '$9.6 billion'" in r.text
    near = r.text.split("round to", 1)[1]
    assert "~ Revenue $ 9,583" in near and "9,583,000,000" in near
    page = next(p for p in range(30) if "Revenue $ 9,583" in ctx.store.page_text(TEN_Q, p))
    assert any(rd.page == page and "Revenue $ 9,583" in rd.text for rd in r.reads)
    # an exact pattern (no rounding) lists no near amounts
    assert "round to" not in call(ctx, "grep", pattern="9,583,000,000").text


def test_number_pattern_detection():
    assert number_pattern("45.2 million") is not None
    assert number_pattern("(1,234)") is not None
    assert number_pattern("2.5%") is not None
    assert number_pattern(r"45\.2") is not None
    assert number_pattern("revenue 45.2") is None
    assert number_pattern("Note 12") is None
    assert number_pattern(r"\d+") is None
    # float noise never reaches the pattern: 32.8e9 is 32799999999.999996 as a float
    rx = number_pattern("$32.8 billion")[0]
    assert "799" not in rx and "32,?800" in rx
    assert number_pattern("2.5%")[0] == number_pattern("2.50 percent")[0]


def test_output_and_match_bounds(ctx):
    ctx.max_chars = 1500
    r = call(ctx, "grep", pattern="the", max_matches=200, context_lines=2)
    assert r.ok and r.truncated and len(r.text) <= 1500 + 300
    assert "more matches not shown" in r.text
    r = call(ctx, "grep", pattern="the", max_matches=3, context_lines=0)
    assert r.text.count("\n  ") == 3


def test_timeouts_are_reported(ctx, tmp_path):
    paths = _all_pages(ctx)
    out = grep_python("the", paths, GrepOptions(timeout_s=0.0))
    assert out.timed_out
    # rg blocks on a FIFO nobody writes to, so the deadline always passes first (a big file
    # and a 1 ms deadline raced: rg sometimes finished first)
    stuck = tmp_path / "page-0000.txt"
    os.mkfifo(stuck)
    out = grep_rg("zzz+q", [stuck], GrepOptions(timeout_s=0.2))
    assert out.timed_out and out.matches == 0


@pytest.mark.parametrize(
    "pattern,icase,context",
    [
        ("goodwill", True, 0),
        (r"\bEBIT\b", False, 1),
        (r"net (sales|earnings)", True, 2),
        (r"\$\s?\d{1,3}(,\d{3})+", False, 0),
        ("comparable sales", True, 1),
    ],
)
def test_backends_agree(ctx, pattern, icase, context):
    paths = _all_pages(ctx)
    opts = GrepOptions(ignore_case=icase, context=context, max_matches=10**6)
    outs = {b: run_backend(b, pattern, paths, opts) for b in BACKENDS}
    key = {b: {(x.path, x.line_number, x.is_match) for x in o.lines} for b, o in outs.items()}
    assert outs["python"].matches > 0
    assert key["rg"] == key["python"]
    spans = {b: [x.spans for x in o.lines if x.is_match] for b, o in outs.items()}
    assert spans["rg"] == spans["python"]
    # the binding returns no context lines; its hit lines are the same
    assert {k for k in key["pyripgrep"] if k[2]} == {k for k in key["python"] if k[2]}


def test_unfiltered_grep_is_refused_on_a_large_catalog(ctx):
    """issue 23 item 3: on a catalog past the limit a grep must be narrowed by the catalog
    first (a corpus-wide scan grows with the corpus and stops fitting one command line)."""
    n = len(ctx.store.list_documents())
    small = ToolContext(store=ctx.store, grep_max_unfiltered_docs=n - 1)
    r = call(small, "grep", pattern="net sales")
    assert not r.ok and f"all {n} filings" in r.text and "company" in r.text
    assert call(small, "grep", pattern="net sales", doc=TEN_Q).ok  # narrowed: runs
    assert call(small, "grep", pattern="net sales", form="10-Q").ok
    assert call(ToolContext(store=ctx.store, grep_max_unfiltered_docs=0), "grep", pattern="x").ok
