"""End-to-end ingestion into a real store: real PDFs, real HTML, bad input, idempotence,
replacement, concurrency."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from docnav.ingestion import CorpusStore, IngestOptions, ingest_paths, parse_file
from docnav.ingestion.pipeline import expand_paths

pytestmark = pytest.mark.shared


def _snapshot(root: Path) -> dict[str, str]:
    """Hash of every file in the store except the lock and SQLite's WAL side files."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.name not in (".lock",) and not p.name.startswith("catalog.sqlite-"):
            out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _catalog(store: CorpusStore) -> list[tuple]:
    return sorted((d.doc_id, d.content_hash, d.n_chunks) for d in store.list_documents())


def test_real_pdfs_end_to_end(small_pdfs, tmp_path):
    store = CorpusStore(tmp_path / "store")
    report = ingest_paths(store, [small_pdfs[0].parent])
    assert [f.status for f in report.files] == ["added", "added"], report
    docs = {d.name: d for d in store.list_documents()}
    q = docs["quarterly"]
    assert (
        q.meta.form == "10-Q" and q.meta.fiscal_year == 2024 and q.meta.fiscal_period == "Q2 2024"
    )
    assert q.n_pages > 20 and q.n_chunks > 20 and q.n_tables > 5
    # pages stored one file each, 0-based file names
    assert store.page_path(q.doc_id, 0).name == "page-0000.txt"
    assert "10-Q" in store.page_text(q.doc_id, 0).upper()
    with pytest.raises(Exception, match="out of range"):
        store.page_text(q.doc_id, q.n_pages)
    chunks = store.chunks(q.doc_id)
    assert all(c.doc_id == q.doc_id and c.id.startswith(q.doc_id + ":") for c in chunks)
    assert all(c.form == "10-Q" and c.fiscal_year == 2024 for c in chunks)
    known = [c for c in chunks if c.section_path != "(unknown)"]
    assert len(known) / len(chunks) > 0.9
    assert any(
        c.section_path.upper().startswith("PART I ") and "Item 2" in c.section_path for c in chunks
    )
    assert any(c.numbers for c in chunks if c.type == "table")
    # a chunk never leaves its section's pages
    secs = {x.id: x for x in store.sections(q.doc_id)}
    for c in chunks:
        if c.section_id:
            sec = secs[c.section_id]
            assert sec.page_start <= c.page_start <= c.page_end <= sec.page_end, c.id
    # catalog sections mirror sections.json
    assert len(store.sections(q.doc_id)) == q.n_sections > 5


def test_reingest_unchanged_is_a_noop(small_pdfs, tmp_path):
    store = CorpusStore(tmp_path / "store")
    ingest_paths(store, small_pdfs)
    before = _snapshot(store.root)
    report = ingest_paths(store, small_pdfs)
    assert {f.status for f in report.files} == {"unchanged"}
    assert _snapshot(store.root) == before


def test_changed_file_replaces_old_version(small_pdfs, fb_pdfs, tmp_path):
    store = CorpusStore(tmp_path / "store")
    target = small_pdfs[0]
    ingest_paths(store, [target])
    (old,) = store.list_documents()
    old_dir = store.doc_dir(old.doc_id)
    shutil.copyfile(fb_pdfs / "AMCOR_2023Q2_10Q.pdf", target)  # same path, new content
    report = ingest_paths(store, [target])
    assert report.files[0].status == "replaced"
    (new,) = store.list_documents()
    assert new.doc_id == old.doc_id and new.content_hash != old.content_hash
    assert not old_dir.exists() and store.doc_dir(new.doc_id).exists()
    assert new.meta.form == "10-Q"
    assert [p.name for p in store.docs_dir.iterdir()] == [store.doc_dir(new.doc_id).name]


def test_concurrent_ingest_is_safe(small_pdfs, tmp_path):
    """Three real `docnav ingest` processes on the same files and store at once."""
    home = tmp_path / "home"
    docnav = Path(sys.executable).with_name("docnav")
    env = {**os.environ, "DOCNAV_HOME": str(home)}
    procs = [
        subprocess.Popen([str(docnav), "ingest", *map(str, small_pdfs)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]  # fmt: skip
    for p in procs:
        out, errs = p.communicate(timeout=240)
        assert p.returncode == 0, errs
        assert "failed" not in out
    store = CorpusStore(home / "store")
    docs = store.list_documents()
    assert len(docs) == 2  # one entry per file, whoever won
    live = {store.doc_dir(d.doc_id).name for d in docs}
    assert {p.name for p in store.docs_dir.iterdir()} == live  # no temp or orphan folders left
    for d in docs:
        assert len(list((store.doc_dir(d.doc_id) / "pages").iterdir())) == d.n_pages
        assert len(store.chunks(d.doc_id)) == d.n_chunks


@pytest.fixture
def bad_files(fb_pdfs, tmp_path) -> dict[str, Path]:
    src = (fb_pdfs / "BESTBUY_2024Q2_10Q.pdf").read_bytes()
    d = tmp_path / "bad"
    d.mkdir()
    files = {}
    files["truncated"] = d / "truncated.pdf"
    files["truncated"].write_bytes(src[: len(src) // 2])
    corrupt = bytearray(src)
    corrupt[-4096:] = b"\0" * 4096  # kills the xref table and trailer
    files["corrupt"] = d / "corrupt.pdf"
    files["corrupt"].write_bytes(bytes(corrupt))
    w = pypdf.PdfWriter()
    w.add_blank_page(612, 792)
    w.encrypt("secret")
    files["encrypted"] = d / "encrypted.pdf"
    with files["encrypted"].open("wb") as fh:
        w.write(fh)
    w = pypdf.PdfWriter()
    w.add_blank_page(612, 792)
    files["no_text"] = d / "scan.pdf"
    with files["no_text"].open("wb") as fh:
        w.write(fh)
    files["empty"] = d / "empty.pdf"
    files["empty"].write_bytes(b"")
    files["unknown"] = d / "sheet.xlsx"
    files["unknown"].write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)
    files["not_pdf"] = d / "fake.pdf"
    files["not_pdf"].write_text("this is not a pdf at all")
    return files


EXPECTED = {
    "truncated": "corrupt or truncated PDF",
    "corrupt": "corrupt or truncated PDF",
    "encrypted": "encrypted PDF",
    "no_text": "no text layer; OCR is not included",
    "empty": "empty file",
    "unknown": "unknown file type",
    "not_pdf": "corrupt PDF",
}


def test_bad_input_is_reported_and_store_untouched(bad_files, small_pdfs, tmp_path):
    store = CorpusStore(tmp_path / "store")
    ingest_paths(store, [small_pdfs[0]])
    before, catalog = _snapshot(store.root), _catalog(store)
    report = ingest_paths(store, list(bad_files.values()) + [tmp_path / "missing.pdf"])
    by_path = {Path(f.path).name: f for f in report.files}
    for key, path in bad_files.items():
        r = by_path[path.name]
        assert r.status == "failed" and EXPECTED[key] in r.error, (key, r.error)
        assert "\n" not in r.error
    assert by_path["missing.pdf"].error == "no such file or folder"
    assert _catalog(store) == catalog
    assert _snapshot(store.root) == before


def test_bad_files_do_not_stop_good_ones(bad_files, small_pdfs, tmp_path):
    store = CorpusStore(tmp_path / "store")
    report = ingest_paths(
        store, [bad_files["truncated"], small_pdfs[1], bad_files["encrypted"]], workers=2
    )
    assert sorted(f.status for f in report.files) == ["added", "failed", "failed"]
    assert len(store.list_documents()) == 1


def test_oversize_file_refused(small_pdfs):
    with pytest.raises(Exception, match="over the limit"):
        parse_file(small_pdfs[0], IngestOptions(max_file_mb=0.01))


def test_expand_paths_folders_and_globs(small_pdfs, tmp_path):
    (tmp_path / "in" / "notes.bin").write_bytes(b"\0\1")
    files, missing = expand_paths([tmp_path / "in"])
    assert sorted(f.name for f in files) == ["earnings.pdf", "quarterly.pdf"]  # .bin not picked up
    files, missing = expand_paths([str(tmp_path / "in" / "*.pdf"), str(tmp_path / "none*.pdf")])
    assert len(files) == 2 and missing[0].error == "glob matched no files"
