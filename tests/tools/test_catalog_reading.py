"""list_documents, glob, outline, read_section, read_pages, follow_reference on a real store."""

from __future__ import annotations

import pytest

from docnav.tools import default_tools
from tests.tools.conftest import call

pytestmark = pytest.mark.shared

TEN_Q = "BESTBUY_2024Q2_10Q"


def test_every_tool_has_a_description_and_a_schema():
    names = [t.name for t in default_tools()]
    assert names == [
        "list_documents",
        "outline",
        "read_section",
        "read_pages",
        "follow_reference",
        "search",
        "grep",
        "glob",
        "facts",
        "calculator",
    ]
    for t in default_tools():
        assert len(t.description()) > 80, t.name
        assert t.name.isidentifier()
        schema = t.parameters()
        assert schema["type"] == "object" and "properties" in schema


def test_list_documents_and_filters(ctx):
    r = call(ctx, "list_documents")
    assert r.ok and TEN_Q in r.text and "AMCOR_2023Q4_EARNINGS" in r.text
    assert "10-Q" in r.text and "30 pages" in r.text
    only = call(ctx, "list_documents", form="10q")
    assert TEN_Q in only.text and "AMCOR" not in only.text
    none = call(ctx, "list_documents", company="Nonexistent Corp")
    assert none.ok and "No filing matches" in none.text
    bad = call(ctx, "list_documents", year="twenty")
    assert not bad.ok and "year" in bad.text


def test_glob_matches_names_only(ctx):
    r = call(ctx, "glob", pattern="*10q*")
    assert TEN_Q in r.text and "AMCOR" not in r.text and "file BESTBUY_2024Q2_10Q.pdf" in r.text
    for pat in ("/etc/*", "../*", "*/../../*", "/*"):
        out = call(ctx, "glob", pattern=pat)
        assert "No filing name matches" in out.text, pat
    assert str(ctx.store.root) not in call(ctx, "glob", pattern="*").text


def test_outline_is_one_based(ctx):
    r = call(ctx, "outline", doc=TEN_Q)
    sections = ctx.store.sections(TEN_Q)
    note6 = next(s for s in sections if s.label == "Note 6")
    assert f"{note6.id} [Note 6]" in r.text
    assert f"p. {note6.page_start + 1}" in r.text
    assert "1-based" in r.text


@pytest.mark.parametrize("query", ["Note 6", "note 6.", "s0015", "Debt"])
def test_read_section_by_label_id_or_title(ctx, query):
    r = call(ctx, "read_section", doc=TEN_Q, section=query)
    assert r.ok, r.text
    assert "6. Debt" in r.text and "Total long-term debt" in r.text
    assert r.reads and all(rd.doc_id == TEN_Q for rd in r.reads)
    # what was recorded as read is exactly what the model was shown
    for rd in r.reads:
        assert rd.text.strip()[:200] in r.text


def test_ambiguous_label_names_the_alternatives(ctx):
    r = call(ctx, "read_section", doc=TEN_Q, section="Item 2")
    assert r.ok and "also matches" in r.text and "Management" in r.text


def test_unknown_section_and_doc_are_actionable(ctx):
    r = call(ctx, "read_section", doc=TEN_Q, section="Note 99")
    assert not r.ok and "outline" in r.text
    r = call(ctx, "outline", doc="BESTBUY_2024")
    assert r.ok  # unique prefix
    r = call(ctx, "outline", doc="BESTBY_2024Q2_10Q")
    assert not r.ok and "did you mean" in r.text and TEN_Q in r.text


def test_read_pages_cursor_reads_a_whole_document_exactly_once(ctx):
    doc = ctx.store.get_document(TEN_Q)
    full = "".join(ctx.store.page_text(TEN_Q, p) for p in range(doc.n_pages))
    seen: dict[int, str] = {}
    cursor, calls = None, 0
    while True:
        args = {"doc": TEN_Q, "start": 1, "end": doc.n_pages}
        if cursor:
            args["cursor"] = cursor
        r = call(ctx, "read_pages", **args)
        assert r.ok, r.text
        assert len(r.text) <= ctx.max_chars
        for rd in r.reads:
            seen[rd.page] = seen.get(rd.page, "") + rd.text
        calls += 1
        if not r.truncated:
            break
        cursor = r.text.rsplit('cursor="', 1)[1].split('"')[0]
        assert calls < 200
    assert calls > 3  # 30 pages do not fit 6000 characters
    assert "".join(seen[p] for p in sorted(seen)) == full


def test_read_pages_bounds(ctx):
    r = call(ctx, "read_pages", doc=TEN_Q, start=31)
    assert not r.ok and "1-30" in r.text
    assert not call(ctx, "read_pages", doc=TEN_Q, start=0).ok
    assert not call(ctx, "read_pages", doc=TEN_Q, start=5, end=3).ok
    bad = call(ctx, "read_pages", doc=TEN_Q, start=1, end=2, cursor="p9:0")
    assert not bad.ok and "outside" in bad.text
    assert not call(ctx, "read_pages", doc=TEN_Q, start=1, cursor="../../x").ok
    r = call(ctx, "read_pages", doc=TEN_Q, start=4)
    assert r.ok and "--- page 4 of 30 ---" in r.text and [x.page for x in r.reads] == [3]


def test_long_section_continues_with_a_cursor(ctx):
    r = call(ctx, "read_section", doc=TEN_Q, section="s0021")  # MD&A, ten pages
    assert r.truncated and 'cursor="' in r.text
    cursor = r.text.rsplit('cursor="', 1)[1].split('"')[0]
    nxt = call(ctx, "read_section", doc=TEN_Q, section="s0021", cursor=cursor)
    assert nxt.ok and nxt.reads[0].page >= r.reads[-1].page
    assert nxt.reads[0].text not in r.text


def test_follow_reference(ctx):
    r = call(ctx, "follow_reference", doc=TEN_Q, ref="see Note 3")
    assert r.ok and "Goodwill" in r.text and "followed" in r.summary
    # a 10-Q has an Item 2 in Part I (MD&A) and in Part II: the Part named decides
    r = call(ctx, "follow_reference", doc=TEN_Q, ref="Part II, Item 2")
    assert r.ok and "Unregistered Sales" in r.text
    r = call(ctx, "follow_reference", doc=TEN_Q, ref="Item 2")
    assert r.ok and "Management" in r.text.split("\n", 1)[0]
    r = call(ctx, "follow_reference", doc=TEN_Q, ref="Exhibit 10.1")
    assert not r.ok and "not a section" in r.text and "grep" in r.text
