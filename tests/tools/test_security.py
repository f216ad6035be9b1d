"""Confinement: no path traversal, no symlink escape, no argument injection into rg, and
filing text that says "ignore previous instructions" is returned as data, nothing more."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from docnav.tools import BACKENDS, GrepOptions, ToolContext, rg_binary
from docnav.tools.access import pages_dir
from docnav.tools.grep_backends import rg_args
from tests.tools.conftest import INJECTION, call

pytestmark = pytest.mark.shared

TEN_Q = "BESTBUY_2024Q2_10Q"
SECRET = "TOP-SECRET-OUTSIDE-THE-STORE"

TRAVERSALS = [
    "../../etc/passwd",
    "/etc/passwd",
    "..",
    "docs/../../../etc/passwd",
    f"{TEN_Q}/../../../../etc/passwd",
    "%",
    "",
]


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    f = tmp_path / "outside" / "secret.txt"
    f.parent.mkdir()
    f.write_text(f"{SECRET}\nrevenue {SECRET}\n")
    return f


@pytest.mark.parametrize("doc", TRAVERSALS)
def test_doc_arguments_are_catalog_lookups_not_paths(ctx, doc):
    for tool, extra in (
        ("outline", {}),
        ("read_pages", {"start": 1}),
        ("read_section", {"section": "Note 1"}),
        ("follow_reference", {"ref": "Note 1"}),
        ("grep", {"pattern": "root"}),
    ):
        if tool == "grep" and not doc:
            continue  # grep without a doc searches the whole corpus
        r = call(ctx, tool, doc=doc, **extra)
        assert not r.ok, (tool, doc, r.text[:200])
        assert "root:x:0:0" not in r.text


@pytest.mark.parametrize("section", ["../../etc/passwd", "/etc/passwd", "s0000/../../x"])
def test_section_and_pattern_text_never_become_paths(ctx, section):
    r = call(ctx, "read_section", doc=TEN_Q, section=section)
    assert not r.ok and "root:x:0:0" not in r.text
    g = call(ctx, "grep", pattern="/etc/passwd")
    assert g.ok and "root:x:0:0" not in g.text


def test_symlinked_page_is_not_followed(store_copy, secret):
    ctx = ToolContext(store=store_copy)
    page = store_copy.page_path(TEN_Q, 3)
    page.unlink()
    page.symlink_to(secret)
    r = call(ctx, "read_pages", doc=TEN_Q, start=4)
    assert not r.ok and SECRET not in r.text and "not a regular file" in r.text
    for backend in BACKENDS:
        ctx.grep_backend = backend
        g = call(ctx, "grep", pattern=SECRET)
        assert g.ok and "no matches" in g.text and not g.reads, backend
        g = call(ctx, "grep", pattern="revenue", doc=TEN_Q, max_matches=200)
        assert SECRET not in g.text, backend


def test_symlinked_page_folder_is_refused(store_copy, secret):
    ctx = ToolContext(store=store_copy)
    folder = store_copy.doc_dir(TEN_Q) / "pages"
    folder.rename(folder.with_name("pages-moved"))
    outside = secret.parent / "pages"
    outside.mkdir()
    (outside / "page-0000.txt").write_text(SECRET)
    folder.symlink_to(outside, target_is_directory=True)
    r = call(ctx, "read_pages", doc=TEN_Q, start=1)
    assert not r.ok and SECRET not in r.text
    g = call(ctx, "grep", pattern=SECRET)
    assert not g.ok and "not a plain folder" in g.text and not g.reads


def test_planted_ignore_file_does_not_hide_pages(store_copy):
    ctx = ToolContext(store=store_copy)
    (store_copy.doc_dir(TEN_Q) / "pages" / ".ignore").write_text("*\n")
    (store_copy.root / ".gitignore").write_text("*\n")
    r = call(ctx, "grep", pattern="Total long-term debt", doc=TEN_Q)
    assert r.ok and "Total long-term debt" in r.text


def test_only_page_files_are_searched(store_copy, secret):
    ctx = ToolContext(store=store_copy)
    # chunks.jsonl and meta.json sit beside pages/; a stray file inside pages/ is not a page
    (store_copy.doc_dir(TEN_Q) / "pages" / "notes.txt").write_text(SECRET)
    for backend in BACKENDS:
        ctx.grep_backend = backend
        assert "no matches" in call(ctx, "grep", pattern=SECRET).text, backend
        r = call(ctx, "grep", pattern='"section_path":', fixed_strings=True)  # chunks.jsonl
        assert "no matches" in r.text, backend


@pytest.mark.parametrize("pattern", ["--pre=sh", "-f/etc/passwd", "--files", "-L"])
def test_patterns_cannot_become_rg_options(ctx, pattern):
    args = rg_args(pattern, [Path("/x")], GrepOptions())
    i = args.index("--regexp")
    assert args[i + 1] == pattern and args[i + 2] == "--"
    r = call(ctx, "grep", pattern=pattern)
    assert "root:x:0:0" not in r.text
    assert r.ok or "invalid regex" in r.text


def test_rg_comes_from_the_wheel_and_runs_hardened():
    exe = rg_binary()
    assert exe is not None and str(exe).startswith(sys.prefix)  # the venv, never /usr/bin/rg
    args = rg_args("x", [Path("/x")], GrepOptions(fixed_strings=True, ignore_case=True))
    for flag in ("--json", "--no-config", "--no-ignore", "--no-follow", "--fixed-strings"):
        assert flag in args
    assert any(a.startswith("--max-filesize=") for a in args)
    assert any(a.startswith("--max-columns=") for a in args)


def test_injection_text_is_returned_as_data(ctx):
    r = call(ctx, "grep", pattern="ignore previous instructions")
    assert r.ok and INJECTION in r.text
    doc = next(d for d in ctx.store.list_documents() if d.name == "NOTICE_2024_8K")
    page = call(ctx, "read_pages", doc=doc.doc_id, start=1)
    assert page.ok and INJECTION in page.text and "root:x:0:0" not in page.text
    # the next call behaves exactly as before: nothing was executed or remembered
    assert call(ctx, "list_documents").text == call(ctx, "list_documents").text
    assert [x.page for x in page.reads] == [0]


def test_tools_never_write(ctx):
    before = {
        p: p.stat().st_mtime_ns
        for p in ctx.store.root.rglob("*")
        if p.is_file() and not p.name.startswith("catalog.sqlite")
    }
    for tool, args in (
        ("list_documents", {}),
        ("outline", {"doc": TEN_Q}),
        ("read_pages", {"doc": TEN_Q, "start": 1, "end": 30}),
        ("grep", {"pattern": "debt"}),
        ("glob", {"pattern": "*"}),
        ("follow_reference", {"doc": TEN_Q, "ref": "Note 3"}),
    ):
        call(ctx, tool, **args)
    after = {p: p.stat().st_mtime_ns for p in before}
    assert before == after
    assert not any(
        p not in before
        for p in ctx.store.root.rglob("*")
        if p.is_file() and not p.name.startswith("catalog.sqlite")
    )


def test_pages_dir_resolves_inside_the_store(ctx):
    for d in ctx.store.list_documents():
        p = pages_dir(ctx.store, d)
        assert p.resolve().is_relative_to(ctx.store.docs_dir) and not p.is_symlink()
        assert os.path.realpath(p) == str(p)
