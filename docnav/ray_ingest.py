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
import re
import time
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

from docnav.errors import DocnavError, IngestError
from docnav.ingestion.pipeline import IngestOptions, _triage, commit, expand_paths, parse_file
from docnav.settings import IngestSettings
from docnav.types import FileResult, IngestReport

# what `--ray ADDRESS` can name: a cluster to join ("auto"), a fresh local Ray ("local"), a
# Ray client URL (ray://head:10001) or a GCS address (head:6379)
_ADDRESS = re.compile(r"^(auto|local|[a-z]+://\S+|[\w.-]+:\d+)$")


def is_ray_address(arg: str) -> bool:
    """True for a Ray address that is not also a path on disk (``docnav ingest --ray auto
    filings/``: the word after ``--ray`` is its address, not a file)."""
    return bool(_ADDRESS.match(arg)) and not Path(arg).exists()


def ingest_options(s: IngestSettings, form_hint: str | None = None) -> IngestOptions:
    """The parse options the settings give (the ones Engine.ingest uses)."""
    return IngestOptions(
        max_file_mb=s.max_file_mb,
        max_pages=s.max_pages,
        chunk_chars=s.chunk_chars,
        overlap_chars=s.chunk_overlap_chars,
        form_hint=form_hint,
        edgartools_check=s.edgartools_check,
    )


@lru_cache(maxsize=4)
def _store(store_dir: str, database_url: str):
    """One store (connection pool) per Ray worker process, reused by its tasks."""
    from docnav.ingestion.store_pg import PgCorpusStore

    return PgCorpusStore(store_dir, database_url, pool_size=2)


def _commit_once_more(store, parsed, replace: bool) -> FileResult:
    """A worker killed between writing a version folder and its rows leaves the folder
    behind under the name the retry wants: sweep such leftovers (under the write lock, so
    no other writer's folder is in flight) and commit again."""
    with store.write_lock():
        store.sweep()
        return commit(store, parsed, replace=replace)


def ingest_file(
    path: str,
    store_dir: str,
    database_url: str,
    opts: IngestOptions,
    force: bool = False,
    replace: bool = False,
    sidecar: dict | None = None,
) -> FileResult:
    """One file into the store (the body of a Ray task; a plain function for tests).
    ``sidecar``: this file's hints (doc_name, company, ...), as ``docnav ingest --sidecar``."""
    store = _store(store_dir, database_url)
    t = time.perf_counter()
    if (r := _triage(store, Path(path), opts, force)) is not None:
        return r
    try:
        parsed = parse_file(Path(path), opts, sidecar)
        try:
            r = commit(store, parsed, replace=replace)
        except OSError:
            r = _commit_once_more(store, parsed, replace)
    except IngestError as exc:
        r = FileResult(path=path, status="failed", error=str(exc))
    r.seconds = time.perf_counter() - t
    return r


def embed_document(
    doc_id: str, store_dir: str, database_url: str, model: str, device: str = "cpu"
) -> int:
    """Embed the chunks of one filing that have no vector yet; returns how many.
    ``device`` "cuda" on a GPU worker (the task was given a GPU)."""
    from docnav.retrieval.dense import embed
    from docnav.retrieval.index import _dense_text
    from docnav.retrieval.pg_search import PgSearch

    store = _store(store_dir, database_url)
    search = PgSearch(store, model)
    done: set[int] = set()
    if store._rows("SELECT to_regclass(%s)", (search.table,))[0][0] is not None:
        sql = f"SELECT ordinal FROM {search.table} WHERE doc_id=%s"
        done = {o for (o,) in store._rows(sql, (doc_id,))}
    todo = [c for c in store.chunks(doc_id) if c.ordinal not in done]
    if not todo:  # a rerun: nothing to do, and no model to load
        return 0
    search.ensure_table()
    doc = store.get_document(doc_id)
    texts = [_dense_text(c, doc) for c in todo]
    matrix = embed(texts, model) if device == "cpu" else _embed_on(device, texts, model)
    search.write_embeddings([(c.doc_id, c.ordinal) for c in todo], matrix)
    return len(todo)


def _embed_on(device: str, texts: list[str], model: str):
    """``retrieval.dense.embed``'s normalised rows, from an encoder on ``device``."""
    from docnav.retrieval.dense import load_encoder

    encoder = load_encoder(model, device=device)
    return encoder.encode(texts, batch_size=256, normalize_embeddings=True, convert_to_numpy=True)


def start_ray(address: str | None = None, num_cpus: int | None = None) -> None:
    """Connect to the cluster at ``address`` or start a local Ray (``num_cpus`` for a local
    one only); a second call in one process is a no-op."""
    try:
        import ray
    except ImportError as exc:
        raise DocnavError("--ray needs Ray: pip install 'docnav[ray]'") from exc
    if ray.is_initialized():
        return
    local = address in (None, "", "local")
    ray.init(
        address=None if local else address,
        num_cpus=num_cpus if local else None,
        include_dashboard=False,
        log_to_driver=False,
    )


def _failed(path: str, exc: Exception) -> FileResult:
    """A task that failed after its retries (a worker killed every time, a parser crash)."""
    return FileResult(path=path, status="failed", error=f"{type(exc).__name__}: {exc}"[:500])


def ingest_with_ray(
    inputs: Iterable[str | os.PathLike],
    store_dir: str | Path,
    database_url: str | None,
    opts: IngestOptions | None = None,
    address: str | None = None,
    embedding_model: str | None = None,
    gpus: float = 0.0,
    force: bool = False,
    replace: bool = False,
    max_retries: int = 3,
    num_cpus: int | None = None,
    sidecar: dict[str, dict] | None = None,
    on_result: Callable[[FileResult], None] | None = None,
) -> IngestReport:
    """Ingest (and, with ``embedding_model``, embed) every file as Ray tasks. ``on_result``
    is called once per file when it is finished: committed and, if asked, embedded."""
    if not database_url:
        raise DocnavError("--ray writes to the PostgreSQL store: set DOCNAV_DATABASE_URL")
    start_ray(address, num_cpus)
    import ray

    opts = opts or IngestOptions()
    t0 = time.perf_counter()
    files, results = expand_paths(inputs)
    for r in results:  # refused before any task (not found, not a filing's type)
        if on_result:
            on_result(r)
    root = str(Path(store_dir).expanduser().resolve())
    store = _store(root, database_url)
    with store.write_lock():  # crash leftovers, once, with no writer in flight
        store.sweep()
    parse = ray.remote(max_retries=max_retries, retry_exceptions=False)(ingest_file)
    emb = ray.remote(max_retries=max_retries, num_gpus=gpus)(embed_document)
    hints = sidecar or {}
    pending = {
        parse.remote(str(f), root, database_url, opts, force, replace, hints.get(f.stem)): str(f)
        for f in files
    }
    device = "cuda" if gpus > 0 else "cpu"
    parsed_of: dict = {}  # embedding task -> the file's parse result

    def finish(r: FileResult) -> None:
        results.append(r)
        if on_result:
            on_result(r)

    while pending:
        (ref,), _ = ray.wait(list(pending), num_returns=1)
        path = pending.pop(ref)
        try:
            out = ray.get(ref)
        except Exception as exc:  # noqa: BLE001 - reported per file, the others go on
            r = _failed(path, exc)
            if ref in parsed_of:  # committed, not embedded: a rerun embeds what is missing
                r = parsed_of.pop(ref).model_copy(
                    update={"status": "failed", "error": f"embedding failed: {r.error}"}
                )
            finish(r)
            continue
        if ref in parsed_of:  # an embedding task: its file is done
            finish(parsed_of.pop(ref))
        # "unchanged" too: a run that died before embedding a filing left it to this one
        elif embedding_model and out.status != "failed" and out.doc_id:
            e = emb.remote(out.doc_id, root, database_url, embedding_model, device)
            pending[e], parsed_of[e] = out.path, out
        else:
            finish(out)
    return IngestReport(files=results, seconds=time.perf_counter() - t0)
