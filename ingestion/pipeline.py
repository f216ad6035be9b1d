"""Files -> parsed documents -> corpus store. Parsing runs in worker processes; commits
happen in the calling process under the store's write lock, one file at a time, so a
failure in one file never touches what is already stored."""

from __future__ import annotations

import ctypes
import glob
import hashlib
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field

from docnav import __version__
from docnav.errors import IngestError
from docnav.ingestion.chunking import make_chunks
from docnav.ingestion.facts import pdf_facts
from docnav.ingestion.facts_xbrl import xbrl_facts
from docnav.ingestion.html import looks_like_html, parse_html_filing
from docnav.ingestion.metadata import extract_metadata, former_names
from docnav.ingestion.pdf import read_pdf_pages
from docnav.ingestion.store import CorpusStore
from docnav.ingestion.structure import detect_structure
from docnav.ingestion.text import decode_text, markdown_structure, split_pages
from docnav.types import (
    Chunk,
    Document,
    DocumentMeta,
    Fact,
    FileResult,
    FileType,
    IngestReport,
    Section,
    StructuredDoc,
)

PDF_SUFFIXES = {".pdf"}
HTML_SUFFIXES = {".htm", ".html", ".xhtml", ".xml"}
TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
SUPPORTED_SUFFIXES = PDF_SUFFIXES | HTML_SUFFIXES | TEXT_SUFFIXES
_GLOB_CHARS = set("*?[")
_FILING_KINDS = {"part", "item", "note", "statement"}


class IngestOptions(BaseModel):
    max_file_mb: float = 200.0
    max_pages: int = 5000
    chunk_chars: int = 2400
    overlap_chars: int = 200
    form_hint: str | None = None
    # edgartools' second opinion on HTML Items only adds warnings, and costs ~40% of HTML
    # ingestion time (results/ingest-scale): bulk loads may turn it off
    edgartools_check: bool = True
    facts: bool = True  # statement facts (PDF tables from character boxes, iXBRL facts)


class Parsed(BaseModel):
    """A parsed file, ready to commit (chunk ids are filled in at commit time)."""

    document: Document
    pages: list[str]
    sections: list[Section]
    chunks: list[Chunk]
    facts: list[Fact] = Field(default_factory=list)  # statement line items (ingestion/facts.py)


def expand_paths(inputs: Iterable[str | os.PathLike]) -> tuple[list[Path], list[FileResult]]:
    """Files, folders (recursive, supported suffixes only) and globs -> files, plus
    failures for inputs that match nothing and for links that lead out of the folder
    (or the glob's folder) they were found in. A file named directly is taken as named."""
    files: list[Path] = []
    failed: list[FileResult] = []
    seen: set[Path] = set()

    def add(p: Path, root: Path | None = None) -> None:
        rp = p.resolve()
        if root is not None and not rp.is_relative_to(root):
            failed.append(
                FileResult(
                    path=str(p),
                    status="failed",
                    error=f"a link to {rp.name} outside {root}; refused (name the file itself to ingest it)",
                )
            )
        elif rp not in seen:
            seen.add(rp)
            files.append(rp)

    for raw in inputs:
        s = str(raw)
        p = Path(s).expanduser()
        if p.is_dir():
            root = p.resolve()
            for f in _walk(root):
                add(f, root)
        elif p.is_file():
            add(p)
        elif _GLOB_CHARS & set(s):
            matches = sorted(glob.glob(os.path.expanduser(s), recursive=True))
            if not matches:
                failed.append(FileResult(path=s, status="failed", error="glob matched no files"))
            base = Path(_glob_base(os.path.expanduser(s))).resolve()
            for m in matches:
                if Path(m).is_file():
                    add(Path(m), base)
        else:
            failed.append(FileResult(path=s, status="failed", error="no such file or folder"))
    return files, failed


def _walk(root: Path) -> Iterator[Path]:
    """Supported, non-hidden files under ``root``; linked folders are not entered."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fn in sorted(filenames):
            f = Path(dirpath) / fn
            if not fn.startswith(".") and f.suffix.lower() in SUPPORTED_SUFFIXES and f.is_file():
                yield f


def _glob_base(pattern: str) -> str:
    """The folder part of a glob before its first wildcard: links may not leave it."""
    cut = min((pattern.index(c) for c in _GLOB_CHARS if c in pattern), default=len(pattern))
    return os.path.dirname(pattern[:cut]) or "."


def sniff_type(data: bytes, suffix: str) -> FileType:
    """Decide the type by content; the suffix only breaks ties for text."""
    head = data[:2048].lstrip()
    if head.startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return "pdf"
    if suffix in PDF_SUFFIXES:
        raise IngestError("corrupt PDF (no %PDF- header)")
    if looks_like_html(data):
        return "html"
    if suffix in TEXT_SUFFIXES:
        return "text"
    shown = suffix or "no extension"
    raise IngestError(
        f"unknown file type ({shown}); docnav reads PDF, EDGAR HTML/iXBRL, .txt and .md"
    )


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def parse_file(path: Path, opts: IngestOptions, sidecar: dict | None = None) -> Parsed:
    """Read one file into pages, structure, metadata and chunks. Pure: touches no store."""
    if error := _size_error(path, opts):
        raise IngestError(error)
    data = path.read_bytes()
    file_type = sniff_type(data, path.suffix.lower())
    hints = None
    warnings: list[str] = []
    if file_type == "pdf":
        pages = read_pdf_pages(path, max_pages=opts.max_pages)
        meta = extract_metadata(pages, file_name=path.name, sidecar=sidecar)
        structure = detect_structure(pages, form=meta.form or opts.form_hint)
    elif file_type == "html":
        filing = parse_html_filing(
            data, form_hint=opts.form_hint, edgartools_check=opts.edgartools_check
        )
        pages, structure, hints = filing.pages, filing.structure, filing.meta
        warnings = filing.warnings
        meta = extract_metadata(pages, file_name=path.name, sidecar=sidecar, hints=hints)
    else:
        pages = split_pages(decode_text(data))
        if not any(p.strip() for p in pages):
            raise IngestError("file holds no text")
        meta = extract_metadata(pages, file_name=path.name, sidecar=sidecar)
        structure = detect_structure(pages, form=meta.form or opts.form_hint)
        if not any(sec.kind in _FILING_KINDS for sec in structure.sections):
            # not laid out as a filing: Markdown headings, when present, are the outline
            structure = markdown_structure(pages) or structure
    if len(pages) > opts.max_pages:
        raise IngestError(
            f"{len(pages)} pages, over the limit of {opts.max_pages} (DOCNAV_MAX_PAGES)"
        )
    meta.former_names = former_names(pages, meta.company)
    facts = _facts(path, data, file_type, pages, structure, meta, opts, warnings)
    chunks = make_chunks("", structure, meta, opts.chunk_chars, opts.overlap_chars)
    refs = [r for c in chunks for r in c.refs]
    doc = Document(
        doc_id="",
        name=path.stem,
        source_path=str(path),
        file_type=file_type,
        content_hash=hashlib.sha256(data).hexdigest(),
        n_pages=len(pages),
        n_chunks=len(chunks),
        n_sections=len(structure.sections),
        n_tables=sum(1 for c in chunks if c.type == "table"),
        n_refs=len(refs),
        n_refs_resolved=sum(1 for r in refs if r.target_section),
        meta=meta,
        warnings=warnings,
        docnav_version=__version__,
    )
    return Parsed(
        document=doc, pages=pages, sections=structure.sections, chunks=chunks, facts=facts
    )


def _facts(
    path: Path,
    data: bytes,
    file_type: FileType,
    pages: list[str],
    structure: StructuredDoc,
    meta: DocumentMeta,
    opts: IngestOptions,
    warnings: list[str],
) -> list[Fact]:
    """Statement facts; a failure here costs the facts, never the filing (a warning says so)."""
    if not opts.facts or file_type == "text":
        return []
    try:
        if file_type == "pdf":
            return pdf_facts(str(path), pages, structure, meta)
        return xbrl_facts(data, pages, structure, meta, form=meta.form or opts.form_hint)
    except Exception as exc:  # noqa: BLE001 - facts are an extra; the pages and chunks stand
        warnings.append(f"statement facts not extracted ({type(exc).__name__}: {exc})")
        return []


def _parse_job(
    args: tuple[str, IngestOptions, dict | None],
) -> tuple[str, Parsed | None, str | None, float]:
    path, opts, sidecar = args
    t0 = time.perf_counter()
    try:
        return path, parse_file(Path(path), opts, sidecar), None, time.perf_counter() - t0
    except IngestError as exc:
        return path, None, str(exc), time.perf_counter() - t0
    except Exception as exc:  # a parser bug must not stop the batch; report it plainly
        return (
            path,
            None,
            f"unexpected error: {type(exc).__name__}: {exc}",
            time.perf_counter() - t0,
        )


def commit(store: CorpusStore, parsed: Parsed, replace: bool = False) -> FileResult:
    """Store one parsed file under the write lock; the result says what happened to it."""

    def with_ids(doc_id: str) -> list[Chunk]:
        return [
            c.model_copy(update={"doc_id": doc_id, "id": f"{doc_id}:{c.ordinal:05d}"})
            for c in parsed.chunks
        ]

    doc = parsed.document.model_copy(
        update={"ingested_at": datetime.now(UTC).isoformat(timespec="seconds")}
    )
    with store.write_lock():
        doc, status = store.put(
            doc, parsed.pages, parsed.sections, with_ids, replace=replace, facts=parsed.facts
        )
        others = store.same_filing(doc)
    note = None
    if others:  # kept side by side: say so, and how to replace instead
        ids = ", ".join(d.doc_id for d in others)
        note = (
            f"another version of this filing (same company, form and period) is stored as {ids}; "
            "both are kept (ingest with --replace to replace it)"
        )
    return FileResult(
        path=doc.source_path,
        status=status,
        doc_id=doc.doc_id,
        pages=doc.n_pages,
        chunks=doc.n_chunks,
        note=note,
    )


def _triage(store: CorpusStore, f: Path, opts: IngestOptions, force: bool) -> FileResult | None:
    """What needs no parsing: a file refused by its size, unreadable, or already stored
    byte for byte. None: parse it."""
    try:
        if error := _size_error(f, opts):
            return FileResult(path=str(f), status="failed", error=error)
        h = sha256_file(f)
    except OSError as exc:
        return FileResult(path=str(f), status="failed", error=f"cannot read: {exc.strerror or exc}")
    existing = None if force else store.find_by_hash(h)
    if existing is None:
        return None
    return FileResult(
        path=str(f),
        status="unchanged",
        doc_id=existing.doc_id,
        pages=existing.n_pages,
        chunks=existing.n_chunks,
    )


def _die_with_parent(parent_pid: int) -> None:
    """Pool initializer: a worker must not outlive a parent killed with SIGKILL (it would
    wait on its task pipe forever)."""
    if sys.platform.startswith("linux"):
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def _size_error(path: Path, opts: IngestOptions) -> str | None:
    """Refuse by the file system's size before any byte is read."""
    size = path.stat().st_size
    if size == 0:
        return "empty file"
    if size > opts.max_file_mb * 1024 * 1024:
        return f"file is {size / 1048576:.1f} MB, over the limit of {opts.max_file_mb:g} MB (DOCNAV_MAX_FILE_MB)"
    return None


def ingest_paths(
    store: CorpusStore,
    inputs: Iterable[str | os.PathLike],
    opts: IngestOptions | None = None,
    sidecar: dict[str, dict] | None = None,
    workers: int = 1,
    force: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[FileResult], None] | None = None,
    replace: bool = False,
) -> IngestReport:
    """Ingest every file; never raises for a bad file (it is reported as failed).
    ``replace``: a new version of a stored filing replaces it instead of standing beside it."""
    opts = opts or IngestOptions()
    t0 = time.perf_counter()
    files, results = expand_paths(inputs)
    with store.write_lock():  # once per run: a scan per commit would be quadratic in the store
        store.sweep()
    if on_start:
        on_start(len(files) + len(results))
    for r in results:
        if on_result:
            on_result(r)

    todo: list[Path] = []
    for f in files:
        r = _triage(store, f, opts, force)
        if r is None:
            todo.append(f)
            continue
        results.append(r)
        if on_result:
            on_result(r)

    jobs = [(str(f), opts, (sidecar or {}).get(f.stem)) for f in todo]
    if workers > 1 and len(jobs) > 1:
        pool = ProcessPoolExecutor(
            max_workers=workers, initializer=_die_with_parent, initargs=(os.getpid(),)
        )
        outcomes = pool.map(_parse_job, jobs, chunksize=1)
    else:
        pool = None
        outcomes = map(_parse_job, jobs)
    try:
        for path, parsed, error, secs in outcomes:
            if parsed is None:
                r = FileResult(path=path, status="failed", error=error, seconds=secs)
            else:
                try:
                    r = commit(store, parsed, replace=replace)
                    r.seconds = secs
                except IngestError as exc:
                    r = FileResult(path=path, status="failed", error=str(exc), seconds=secs)
                except OSError as exc:
                    r = FileResult(
                        path=path, status="failed", error=f"store write failed: {exc}", seconds=secs
                    )
            results.append(r)
            if on_result:
                on_result(r)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return IngestReport(files=results, seconds=time.perf_counter() - t0)
