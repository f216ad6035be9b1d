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

from docnav.errors import AmbiguousRefError
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
    with pytest.raises(
        Exception, match=f"has pages 1-{q.n_pages}; there is no page {q.n_pages + 1}"
    ):
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


def test_different_filing_at_same_path_never_replaces(small_pdfs, fb_pdfs, tmp_path):
    """Identity is content + metadata, never the path: a different filing copied over the
    same file is a second document, and the first stays whole (issue 20, case 1)."""
    store = CorpusStore(tmp_path / "store")
    target = small_pdfs[0]
    ingest_paths(store, [target])
    (old,) = store.list_documents()
    old_dir = store.doc_dir(old.doc_id)
    shutil.copyfile(fb_pdfs / "AMCOR_2023Q2_10Q.pdf", target)  # same path, another filing
    report = ingest_paths(store, [target])
    assert report.files[0].status == "added" and report.files[0].note is None
    docs = {d.doc_id: d for d in store.list_documents()}
    assert len(docs) == 2 and old.doc_id in docs and old_dir.exists()
    assert docs[old.doc_id].content_hash == old.content_hash
    assert {d.meta.form for d in docs.values()} == {"EARNINGS", "10-Q"}
    # replace=True does not change that: a different filing is not a version of this one
    shutil.copyfile(fb_pdfs / "BESTBUY_2023_10K.pdf", target)
    assert ingest_paths(store, [target], replace=True).files[0].status == "added"
    assert len(store.list_documents()) == 3


def test_same_name_in_two_folders_are_two_documents(fb_pdfs, tmp_path):
    """The CLI case of the data-loss report: a/10k.pdf and b/10k.pdf, different filings."""
    for folder, src in (("a", "AMCOR_2023Q4_EARNINGS.pdf"), ("b", "BESTBUY_2024Q2_10Q.pdf")):
        (tmp_path / folder).mkdir()
        shutil.copyfile(fb_pdfs / src, tmp_path / folder / "10k.pdf")
    store = CorpusStore(tmp_path / "store")
    ingest_paths(store, [tmp_path / "a" / "10k.pdf"])
    report = ingest_paths(store, [tmp_path / "b" / "10k.pdf"])
    assert report.files[0].status == "added"
    docs = {d.doc_id: d for d in store.list_documents()}
    assert sorted(docs) == ["10k", "10k-2"]
    assert {d.meta.form for d in docs.values()} == {"EARNINGS", "10-Q"}
    with pytest.raises(AmbiguousRefError, match="10k, 10k-2"):
        store.get_document("10")  # a prefix of both: refused, never a guess


def test_new_version_is_kept_beside_unless_replace(small_pdfs, tmp_path):
    """Same filing (same company/form/period), new bytes: both kept with a note; with
    replace=True the stored version is replaced in place and says so."""
    store = CorpusStore(tmp_path / "store")
    src = small_pdfs[1]
    ingest_paths(store, [src])
    (first,) = store.list_documents()
    v2 = tmp_path / "v2" / "quarterly-amended.pdf"
    v2.parent.mkdir()
    v2.write_bytes(src.read_bytes() + b"\n% amended\n")  # still the same filing to a reader
    r = ingest_paths(store, [v2]).files[0]
    assert r.status == "added" and first.doc_id in (r.note or "") and "--replace" in r.note
    assert len(store.list_documents()) == 2
    with store.write_lock():
        store.remove(r.doc_id)
    r = ingest_paths(store, [v2], replace=True).files[0]
    assert r.status == "replaced" and r.doc_id == first.doc_id
    (now,) = store.list_documents()
    assert now.content_hash != first.content_hash and now.source_path == str(v2)


def test_links_out_of_an_ingested_folder_are_refused(small_pdfs, tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copyfile(small_pdfs[0], folder / "inside.pdf")
    (folder / "outside.pdf").symlink_to(small_pdfs[1])  # leads out of the folder
    (folder / "linked-dir").symlink_to(small_pdfs[1].parent, target_is_directory=True)
    files, failed = expand_paths([folder])
    assert files == [(folder / "inside.pdf").resolve()]
    assert (
        len(failed) == 1 and "outside" in failed[0].error and failed[0].path.endswith("outside.pdf")
    )
    files, failed = expand_paths([str(folder / "*.pdf")])  # a glob: its folder is the root
    assert files == [(folder / "inside.pdf").resolve()] and len(failed) == 1
    assert expand_paths([folder / "outside.pdf"])[0] == [small_pdfs[1].resolve()]  # named: taken


def test_too_big_file_is_refused_before_reading(tmp_path, monkeypatch):
    big = tmp_path / "big.pdf"
    with big.open("wb") as fh:  # sparse: 3 GB on paper, nothing on disk
        fh.truncate(3 * 1024**3)
    import docnav.ingestion.pipeline as pipeline

    def no_read(*a, **k):
        raise AssertionError("the file was opened before its size was checked")

    monkeypatch.setattr(pipeline, "sha256_file", no_read)
    monkeypatch.setattr(Path, "read_bytes", no_read)
    report = ingest_paths(CorpusStore(tmp_path / "store"), [big], IngestOptions(max_file_mb=200))
    (r,) = report.files
    assert r.status == "failed" and "over the limit of 200 MB" in r.error


def test_concurrent_ingest_is_safe(small_pdfs, tmp_path):
    """Three real `docnav ingest` processes on the same files and store at once."""
    home = tmp_path / "home"
    docnav = Path(sys.executable).with_name("docnav")
    env = {**os.environ, "DOCNAV_HOME": str(home)}
    procs = [
        subprocess.Popen(
            [str(docnav), "ingest", *map(str, small_pdfs)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
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
