"""Corpus store: atomic versions, removal, crash leftovers, lookups (no PDFs needed)."""

from __future__ import annotations

from datetime import date

import pytest

from docnav.errors import AmbiguousRefError, IngestError, NotFoundError
from docnav.ingestion.store import CorpusStore, section_paths, slugify
from docnav.types import Chunk, Document, DocumentMeta, Section


def _doc(name: str, h: str, source: str | None = None, **meta) -> Document:
    return Document(
        doc_id="",
        name=name,
        source_path=source or f"/src/{name}.txt",
        file_type="text",
        content_hash=h,
        n_pages=2,
        meta=DocumentMeta(**meta),
    )


SECTIONS = [
    Section(id="s0000", title="PART II", kind="part", label="Part II", page_start=0, page_end=1),
    Section(
        id="s0001",
        title="Item 8. Financial Statements",
        kind="item",
        label="Item 8",
        level=1,
        parent="s0000",
        page_start=0,
        page_end=1,
    ),
    Section(
        id="s0002",
        title="Note 12 — Leases",
        kind="note",
        label="Note 12",
        level=2,
        parent="s0001",
        page_start=1,
        page_end=1,
    ),
]


def _chunks(doc_id: str) -> list[Chunk]:
    return [
        Chunk(
            id=f"{doc_id}:00000",
            doc_id=doc_id,
            ordinal=0,
            type="text",
            section_id="s0002",
            section_path="x",
            page_start=1,
            page_end=1,
            text="lease text",
        )
    ]


def test_section_paths():
    assert (
        section_paths(SECTIONS)["s0002"]
        == "PART II > Item 8. Financial Statements > Note 12 — Leases"
    )


def test_put_get_filter_remove(tmp_path):
    store = CorpusStore(tmp_path)
    with store.write_lock():
        a, sa = store.put(
            _doc(
                "Acme 10-K 2021",
                "a" * 64,
                company="Acme Corp",
                form="10-K",
                fiscal_year=2021,
                period_end=date(2021, 12, 31),
            ),
            ["p0", "p1"],
            SECTIONS,
            _chunks,
        )
        b, _ = store.put(
            _doc("Beta", "b" * 64, company="Beta Inc", form="10-Q", fiscal_year=2022),
            ["p0", "p1"],
            SECTIONS,
            _chunks,
        )
    assert sa == "added" and a.doc_id == slugify("Acme 10-K 2021") == "Acme-10-K-2021"
    assert [d.doc_id for d in store.list_documents(form="10K")] == [a.doc_id]
    assert [d.doc_id for d in store.list_documents(company="beta")] == [b.doc_id]
    assert [d.doc_id for d in store.list_documents(year=2021)] == [a.doc_id]
    assert store.get_document("Acme-10").doc_id == a.doc_id  # unique prefix
    assert store.page_text(a.doc_id, 1) == "p1"
    assert store.chunks(a.doc_id)[0].text == "lease text"
    assert store.find_by_hash("b" * 64).doc_id == b.doc_id
    with store.write_lock():
        store.remove(a.doc_id)
    with pytest.raises(NotFoundError):
        store.get_document(a.doc_id)
    assert len(list(store.docs_dir.iterdir())) == 1


def test_same_name_other_source_gets_own_id(tmp_path):
    store = CorpusStore(tmp_path)
    with store.write_lock():
        a, _ = store.put(_doc("10k", "a" * 64, "/x/10k.pdf"), ["p"], [], _chunks)
        b, _ = store.put(_doc("10k", "b" * 64, "/y/10k.pdf"), ["p"], [], _chunks)
    assert (a.doc_id, b.doc_id) == ("10k", "10k-2")


def test_crash_leftovers_are_swept(tmp_path):
    store = CorpusStore(tmp_path)
    with store.write_lock():
        a, _ = store.put(_doc("A", "a" * 64), ["p"], [], _chunks)
    (store.docs_dir / ".tmp-deadbeef" / "pages").mkdir(parents=True)  # a writer died mid-way
    (store.docs_dir / "A@000000000000").mkdir()  # a version the catalog never pointed to
    with store.write_lock():
        assert store.sweep() == 2
    assert [p.name for p in store.docs_dir.iterdir()] == [store.doc_dir(a.doc_id).name]
    assert store.page_text(a.doc_id, 0) == "p"


def test_failed_write_keeps_old_version(tmp_path):
    store = CorpusStore(tmp_path)
    with store.write_lock():
        a, _ = store.put(_doc("A", "a" * 64), ["old"], [], _chunks)

    def boom(doc_id: str):
        raise RuntimeError("chunker crashed")

    with store.write_lock(), pytest.raises(RuntimeError):
        store.put(_doc("A", "c" * 64), ["new"], [], boom)
    assert store.page_text(a.doc_id, 0) == "old"
    assert store.get_document(a.doc_id).content_hash == "a" * 64


def test_text_and_markdown_ingest_and_leftovers_swept(tmp_path):
    from docnav.ingestion import ingest_paths

    src = tmp_path / "src"
    src.mkdir()
    (src / "memo.md").write_text(
        "# Overview\n\nRevenue was $45.2 million, see Note 2.\n\n## Leases\n\nLease cost 1,200.\n"
    )
    (src / "plain.txt").write_text("page one text\fpage two text\fpage three text\n")
    store = CorpusStore(tmp_path / "store")
    (store.docs_dir / ".tmp-crashed").mkdir()
    report = ingest_paths(store, [src])
    assert [f.status for f in report.files] == ["added", "added"]
    assert not (store.docs_dir / ".tmp-crashed").exists()
    memo = store.get_document("memo")
    assert memo.file_type == "text"
    titles = [s.title for s in store.sections(memo.doc_id)]
    assert titles == ["Overview", "Leases"]
    chunks = store.chunks(memo.doc_id)
    assert chunks[0].section_path == "Overview"
    assert any(n.canonical == "usd:45200000" for c in chunks for n in c.numbers)
    assert [r.label for c in chunks for r in c.refs] == ["Note 2"]
    plain = store.get_document("plain")
    assert plain.n_pages == 3 and store.page_text(plain.doc_id, 2).startswith("page three")


def test_references_match_literally_and_ambiguity_is_refused(tmp_path):
    """'%' and '_' are not wildcards; a name or prefix matching several docs is refused."""
    store = CorpusStore(tmp_path)
    with store.write_lock():
        mmm, _ = store.put(_doc("3M 10-K", "a" * 64), ["p"], [], _chunks)
        store.put(_doc("escape", "b" * 64), ["p"], [], _chunks)
        store.put(_doc("annual report", "c" * 64, "/x/a.pdf"), ["p"], [], _chunks)
        store.put(_doc("annual report", "d" * 64, "/y/a.pdf"), ["p"], [], _chunks)
    assert mmm.doc_id == "3M-10-K"
    for ref in ("3_", "%scape", "_", "%", "3M-10-_"):
        with pytest.raises(NotFoundError):
            store.get_document(ref)
    assert store.get_document("3M").doc_id == "3M-10-K"  # a real, unique prefix
    with pytest.raises(AmbiguousRefError, match=r"annual-report, annual-report-2"):
        store.get_document("annual report")  # two documents carry this name
    assert store.get_document("annual-report").name == "annual report"  # an exact id wins
    with pytest.raises(AmbiguousRefError):
        store.get_document("annual")  # a prefix of both ids
    assert store.list_documents(company="%") == []  # literal, not "anything"
    assert [d.doc_id for d in store.list_documents(company="SCAP")] == ["escape"]


def test_versions_of_one_filing_kept_unless_replace(tmp_path):
    store = CorpusStore(tmp_path)
    meta = dict(company="Acme Corp", form="10-K", fiscal_year=2021, period_end=date(2021, 12, 31))
    with store.write_lock():
        a, sa = store.put(_doc("acme", "a" * 64, "/x/acme.pdf", **meta), ["v1"], [], _chunks)
        b, sb = store.put(_doc("acme", "b" * 64, "/y/acme.pdf", **meta), ["v2"], [], _chunks)
        assert (sa, sb) == ("added", "added") and a.doc_id != b.doc_id
        assert [d.doc_id for d in store.same_filing(b)] == [a.doc_id]
        with pytest.raises(IngestError, match="2 stored documents"):  # which one? refused
            store.put(_doc("acme", "c" * 64, **meta), ["v3"], [], _chunks, replace=True)
        store.remove(b.doc_id)
        c, sc = store.put(
            _doc("acme-v3", "c" * 64, "/z/other.pdf", **{**meta, "company": "ACME CORPORATION"}),
            ["v3"],
            [],
            _chunks,
            replace=True,
        )
    assert sc == "replaced" and c.doc_id == a.doc_id
    assert store.page_text(a.doc_id, 0) == "v3" and len(store.list_documents()) == 1


def test_a_schema_1_store_is_migrated(tmp_path):
    """Stores written before document identity gain it on open, rows intact."""
    import sqlite3

    store = CorpusStore(tmp_path)
    meta = dict(company="Acme Corp", form="10-K", fiscal_year=2021)
    with store.write_lock():
        a, _ = store.put(_doc("acme", "a" * 64, **meta), ["p"], [], _chunks)
    db = sqlite3.connect(tmp_path / "catalog.sqlite")
    db.execute("DROP INDEX documents_identity")
    db.execute("ALTER TABLE documents DROP COLUMN identity")
    db.execute("PRAGMA user_version=0")
    db.commit()
    db.close()
    store = CorpusStore(tmp_path)
    with store.write_lock():
        b, sb = store.put(_doc("acme", "b" * 64, "/new/acme.pdf", **meta), ["q"], [], _chunks)
    assert sb == "added" and [d.doc_id for d in store.same_filing(b)] == [a.doc_id]
    db = sqlite3.connect(tmp_path / "catalog.sqlite")
    assert db.execute("PRAGMA user_version").fetchone()[0] == 2
    assert (
        db.execute("SELECT identity FROM documents WHERE doc_id='acme'").fetchone()[0]
        == "acme|10K|2021"
    )
