"""The corpus store's contract, run on each backend (file store and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest

from docnav.errors import AmbiguousRefError, IngestError, NotFoundError, StoreLockedError
from docnav.ingestion import ingest_paths
from docnav.ingestion.backend import StoreBackend
from docnav.types import Chunk, Document, DocumentMeta, Fact, Section

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


def test_put_get_filter_remove(tmp_path, open_backend):
    store = open_backend(tmp_path)
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
            facts=[
                Fact(
                    doc_id="",
                    label="Revenue",
                    norm_label="revenue",
                    period="FY2021",
                    value=5.0,
                    page=1,
                )
            ],
        )
        b, _ = store.put(
            _doc("Beta", "b" * 64, company="Beta Inc", form="10-Q", fiscal_year=2022),
            ["p0", "p1"],
            SECTIONS,
            _chunks,
        )
    assert sa == "added" and a.doc_id == "Acme-10-K-2021"
    assert [d.doc_id for d in store.list_documents(form="10K")] == [a.doc_id]
    assert [d.doc_id for d in store.list_documents(company="beta")] == [b.doc_id]
    assert [d.doc_id for d in store.list_documents(year=2021)] == [a.doc_id]
    assert [d.doc_id for d in store.list_documents()] == [a.doc_id, b.doc_id]
    assert store.get_document("Acme-10").doc_id == a.doc_id
    assert store.get_document(a.doc_id).meta.period_end == date(2021, 12, 31)
    assert store.page_text(a.doc_id, 1) == "p1"
    with pytest.raises(NotFoundError, match="there is no page 3"):
        store.page_text(a.doc_id, 2)
    assert store.chunks(a.doc_id)[0].text == "lease text"
    assert [s.id for s in store.sections(a.doc_id)] == ["s0000", "s0001", "s0002"]
    assert store.sections(a.doc_id)[2].parent == "s0001"
    assert [(f.doc_id, f.label) for f in store.facts(a.doc_id)] == [(a.doc_id, "Revenue")]
    assert store.facts(b.doc_id) == []
    assert store.find_by_hash("b" * 64).doc_id == b.doc_id
    assert set(store.versions()) == {a.doc_id, b.doc_id}
    assert (store.doc_dir(a.doc_id) / "chunks.jsonl").exists()  # the tools read the folder
    with store.write_lock():
        store.remove(a.doc_id)
    with pytest.raises(NotFoundError):
        store.get_document(a.doc_id)
    with pytest.raises(NotFoundError):
        store.chunks(a.doc_id)
    assert len(list(store.docs_dir.iterdir())) == 1


def test_same_name_other_source_gets_own_id(tmp_path, open_backend):
    store = open_backend(tmp_path)
    with store.write_lock():
        a, _ = store.put(_doc("10k", "a" * 64, "/x/10k.pdf"), ["p"], [], _chunks)
        b, _ = store.put(_doc("10k", "b" * 64, "/y/10k.pdf"), ["p"], [], _chunks)
        c, _ = store.put(_doc("10k", "c" * 64, "/z/10k.pdf"), ["p"], [], _chunks)
    assert (a.doc_id, b.doc_id, c.doc_id) == ("10k", "10k-2", "10k-3")


def test_crash_leftovers_are_swept(tmp_path, open_backend):
    store = open_backend(tmp_path)
    with store.write_lock():
        a, _ = store.put(_doc("A", "a" * 64), ["p"], [], _chunks)
    (store.docs_dir / ".tmp-deadbeef" / "pages").mkdir(parents=True)
    (store.docs_dir / "A@000000000000").mkdir()
    with store.write_lock():
        assert store.sweep() == 2
    assert [p.name for p in store.docs_dir.iterdir()] == [store.doc_dir(a.doc_id).name]


def test_failed_write_keeps_old_version(tmp_path, open_backend):
    store = open_backend(tmp_path)
    with store.write_lock():
        a, _ = store.put(_doc("A", "a" * 64), ["old"], [], _chunks)

    def boom(doc_id: str):
        raise RuntimeError("chunker crashed")

    with store.write_lock(), pytest.raises(RuntimeError):
        store.put(_doc("A", "c" * 64), ["new"], [], boom)
    assert store.page_text(a.doc_id, 0) == "old"
    assert store.get_document(a.doc_id).content_hash == "a" * 64


def test_forced_reput_gets_a_new_version(tmp_path, open_backend):
    store = open_backend(tmp_path)
    with store.write_lock():
        a, _ = store.put(_doc("A", "a" * 64), ["p"], [], _chunks)
        v1 = store.versions()[a.doc_id]
        b, status = store.put(_doc("A", "a" * 64), ["p"], [], _chunks)
    assert (b.doc_id, status) == (a.doc_id, "replaced")
    assert store.versions()[a.doc_id] != v1 and len(list(store.docs_dir.iterdir())) == 1


def test_references_match_literally_and_ambiguity_is_refused(tmp_path, open_backend):
    store = open_backend(tmp_path)
    with store.write_lock():
        store.put(_doc("3M 10-K", "a" * 64), ["p"], [], _chunks)
        store.put(_doc("escape", "b" * 64), ["p"], [], _chunks)
        store.put(_doc("annual report", "c" * 64, "/x/a.pdf"), ["p"], [], _chunks)
        store.put(_doc("annual report", "d" * 64, "/y/a.pdf"), ["p"], [], _chunks)
    for ref in ("3_", "%scape", "_", "%", "3M-10-_"):
        with pytest.raises(NotFoundError):
            store.get_document(ref)
    assert store.get_document("3M").doc_id == "3M-10-K"
    with pytest.raises(AmbiguousRefError, match=r"annual-report, annual-report-2"):
        store.get_document("annual report")
    assert store.get_document("annual-report").name == "annual report"
    with pytest.raises(AmbiguousRefError):
        store.get_document("annual")
    assert store.list_documents(company="%") == []
    assert [d.doc_id for d in store.list_documents(company="SCAP")] == ["escape"]


def test_versions_of_one_filing_kept_unless_replace(tmp_path, open_backend):
    store = open_backend(tmp_path)
    meta = dict(company="Acme Corp", form="10-K", fiscal_year=2021, period_end=date(2021, 12, 31))
    with store.write_lock():
        a, _ = store.put(_doc("acme", "a" * 64, "/x/acme.pdf", **meta), ["v1"], [], _chunks)
        b, _ = store.put(_doc("acme", "b" * 64, "/y/acme.pdf", **meta), ["v2"], [], _chunks)
        assert a.doc_id != b.doc_id and [d.doc_id for d in store.same_filing(b)] == [a.doc_id]
        with pytest.raises(IngestError, match="2 stored documents"):
            store.put(_doc("acme", "c" * 64, **meta), ["v3"], [], _chunks, replace=True)
        store.remove(b.doc_id)
        c, sc = store.put(
            _doc("acme-v3", "c" * 64, "/z/other.pdf", **meta), ["v3"], [], _chunks, replace=True
        )
    assert sc == "replaced" and c.doc_id == a.doc_id
    assert store.page_text(a.doc_id, 0) == "v3" and len(store.list_documents()) == 1


def test_write_lock_excludes_a_second_handle(tmp_path, open_backend):
    """Two handles on one store (two processes, or two machines on PostgreSQL) never write
    at once: the second waits, and gives up with StoreLockedError after its timeout."""
    first = open_backend(tmp_path)
    second = open_backend(tmp_path, lock_timeout_s=0.5)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with first.write_lock():
            held.set()
            release.wait(60)  # a guard against a hang only: the test releases it

    t = threading.Thread(target=hold)
    t.start()
    held.wait(10)
    t0 = time.monotonic()
    with pytest.raises(StoreLockedError):
        with second.write_lock():
            pass
    # it waited for the lock, then gave up on its own while the first handle still held it
    # (no upper bound on the wall clock: a busy machine only makes the wait longer)
    assert time.monotonic() - t0 > 0.3
    assert t.is_alive() and not release.is_set()
    release.set()
    t.join()
    with second.write_lock():  # free again
        pass


def test_text_and_markdown_ingest(tmp_path, open_backend):
    src = tmp_path / "src"
    src.mkdir()
    (src / "memo.md").write_text(
        "# Overview\n\nRevenue was $45.2 million, see Note 2.\n\n## Leases\n\nLease cost 1,200.\n"
    )
    (src / "plain.txt").write_text("page one text\fpage two text\fpage three text\n")
    store = open_backend(tmp_path / "store")
    (store.docs_dir / ".tmp-crashed").mkdir()
    report = ingest_paths(store, [src])
    assert [f.status for f in report.files] == ["added", "added"]
    assert not (store.docs_dir / ".tmp-crashed").exists()
    memo = store.get_document("memo")
    assert [s.title for s in store.sections(memo.doc_id)] == ["Overview", "Leases"]
    chunks = store.chunks(memo.doc_id)
    assert any(n.canonical == "usd:45200000" for c in chunks for n in c.numbers)
    assert [r.label for c in chunks for r in c.refs] == ["Note 2"]
    again = ingest_paths(store, [src])  # same bytes: nothing rewritten
    assert [f.status for f in again.files] == ["unchanged", "unchanged"]


def test_the_protocol_is_met(tmp_path, open_backend):
    assert isinstance(open_backend(tmp_path), StoreBackend)


def test_the_setting_selects_the_backend(tmp_path, backend, request):
    from docnav.engine import Engine
    from docnav.settings import Settings

    url = request.getfixturevalue("pg_url") if backend == "postgres" else None
    engine = Engine(Settings(home=tmp_path / "home", database_url=url))
    assert type(engine.store).__name__ == ("PgCorpusStore" if url else "CorpusStore")
    (tmp_path / "memo.md").write_text("# Overview\n\nRevenue was $45.2 million.\n")
    ingest_paths(engine.store, [tmp_path / "memo.md"])
    assert [d.name for d in engine.documents()] == ["memo"]
    assert engine.page_text("memo", 1).startswith("# Overview")
    # and search ranks inside the same backend (PostgreSQL: full text + pgvector)
    assert type(engine.index).__name__ == ("PgIndex" if url else "CorpusIndex")
    if url:
        engine.store.close()


def test_a_bad_database_url_is_a_clear_error(tmp_path):
    from docnav.errors import DocnavError
    from docnav.ingestion.backend import open_store

    with pytest.raises(DocnavError, match="postgresql://"):
        open_store(tmp_path, "mysql://x@y/z")


def test_a_store_is_copied_to_the_other_backend(tmp_path, open_backend):
    from docnav.ingestion.backend import open_store
    from docnav.ingestion.migrate import copy_store

    src = open_store(tmp_path / "src")  # always the file store
    with src.write_lock():
        a, _ = src.put(
            _doc("A", "a" * 64, company="Acme"),
            ["p0", "p1"],
            SECTIONS,
            _chunks,
            facts=[Fact(doc_id="", label="Revenue", norm_label="revenue", value=1.0, page=0)],
        )
    dst = open_backend(tmp_path / "dst")
    assert copy_store(src, dst) == {a.doc_id: a.doc_id}
    assert copy_store(src, dst) == {a.doc_id: a.doc_id}  # a rerun rewrites, adds nothing
    assert [d.doc_id for d in dst.list_documents()] == [a.doc_id]
    assert dst.chunks(a.doc_id) == src.chunks(a.doc_id)
    assert dst.sections(a.doc_id) == src.sections(a.doc_id)
    assert dst.facts(a.doc_id) == src.facts(a.doc_id)
    assert dst.page_text(a.doc_id, 1) == "p1"
