"""Ingestion as Ray tasks, for corpora that one machine parses and embeds too slowly.

Each file is one task: hash, parse, chunk and commit to the PostgreSQL store (page files
on the shared ``store_dir``); each filing added is then one embedding task that writes its
chunks' vectors to pgvector. Local Ray when ``address`` is None, else any Ray cluster
(``ray://host:10001`` or ``auto``); embedding tasks ask for a GPU when ``gpus`` > 0.

Idempotent per file version: a task first looks the file's content hash up in the catalog
(found: "unchanged", nothing written), a commit replaces rows in one transaction, and
embeddings are inserted with ON CONFLICT DO NOTHING. So Ray's retry of a task whose worker
was killed, or a rerun of the whole ingestion, loses and duplicates nothing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

from docnav.errors import DocnavError, IngestError
from docnav.ingestion.pipeline import IngestOptions, _triage, commit, expand_paths, parse_file
from docnav.types import FileResult, IngestReport


@lru_cache(maxsize=4)
def _store(store_dir: str, database_url: str):
    """One store (connection pool) per Ray worker process, reused by its tasks."""
    from docnav.ingestion.store_pg import PgCorpusStore

    return PgCorpusStore(store_dir, database_url, pool_size=2)


def ingest_file(
    path: str,
    store_dir: str,
    database_url: str,
    opts: IngestOptions,
    force: bool = False,
    replace: bool = False,
) -> FileResult:
    """One file into the store (the body of a Ray task; a plain function for tests)."""
    store = _store(store_dir, database_url)
    t = time.perf_counter()
    if (r := _triage(store, Path(path), opts, force)) is not None:
        return r
    try:
        r = commit(store, parse_file(Path(path), opts), replace=replace)
    except IngestError as exc:
        r = FileResult(path=path, status="failed", error=str(exc))
    r.seconds = time.perf_counter() - t
    return r


def embed_document(doc_id: str, store_dir: str, database_url: str, model: str) -> int:
    """Embed the chunks of one filing that have no vector yet; returns how many."""
    from docnav.retrieval.dense import embed
    from docnav.retrieval.index import _dense_text
    from docnav.retrieval.pg_search import PgSearch

    store = _store(store_dir, database_url)
    search = PgSearch(store, model)
    search.ensure_table()
    doc = store.get_document(doc_id)
    done = {
        o for (o,) in store._rows(f"SELECT ordinal FROM {search.table} WHERE doc_id=%s", (doc_id,))
    }
    todo = [c for c in store.chunks(doc_id) if c.ordinal not in done]
    if todo:
        matrix = embed([_dense_text(c, doc) for c in todo], model)
        search.write_embeddings([(c.doc_id, c.ordinal) for c in todo], matrix)
    return len(todo)


def ingest_with_ray(
    inputs: Iterable[str | os.PathLike],
    store_dir: str | Path,
    database_url: str,
    opts: IngestOptions | None = None,
    address: str | None = None,
    embedding_model: str | None = None,
    gpus: float = 0.0,
    force: bool = False,
    replace: bool = False,
    max_retries: int = 3,
    on_result: Callable[[FileResult], None] | None = None,
) -> IngestReport:
    """Ingest (and, with ``embedding_model``, embed) every file as Ray tasks."""
    try:
        import ray
    except ImportError as exc:
        raise DocnavError("--ray needs Ray: pip install 'docnav[ray]'") from exc
    if not database_url:
        raise DocnavError("--ray writes to the PostgreSQL store: set DOCNAV_DATABASE_URL")
    opts = opts or IngestOptions()
    t0 = time.perf_counter()
    files, results = expand_paths(inputs)
    ray.init(
        address=address, ignore_reinit_error=True, include_dashboard=False, log_to_driver=False
    )
    root = str(Path(store_dir).expanduser().resolve())
    _store(root, database_url).sweep()  # crash leftovers, once, before any task writes
    parse = ray.remote(max_retries=max_retries, retry_exceptions=False)(ingest_file)
    emb = ray.remote(max_retries=max_retries, num_gpus=gpus)(embed_document)
    pending = {parse.remote(str(f), root, database_url, opts, force, replace) for f in files}
    embeds = []
    while pending:
        ready, rest = ray.wait(list(pending), num_returns=1)
        pending = set(rest)
        r: FileResult = ray.get(ready[0])
        results.append(r)
        if on_result:
            on_result(r)
        # "unchanged" too: a run that died before embedding a filing left it to this one
        if embedding_model and r.status != "failed" and r.doc_id:
            embeds.append(emb.remote(r.doc_id, root, database_url, embedding_model))
    ray.get(embeds)
    return IngestReport(files=results, seconds=time.perf_counter() - t0)
