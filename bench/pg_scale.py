"""`docnav bench pg-scale`: the file store's engines (bm25s + the dense index) against
PostgreSQL (full text + pgvector HNSW) at 100k and >= 1M chunks in one run, plus ingest
throughput (process pool vs local Ray) and a scaling model for N workers.

Corpora: :mod:`docnav.bench.pg_scale_corpus` (real FinanceBench chunks replicated with
perturbation). Queries: the FinanceBench questions, tokenized and embedded once up front;
both backends get the same query vectors, so the engines are compared, not the encoder.
Per size: build / load seconds, sizes on disk, memory, keyword / vector / hybrid p50 and
p95 and a hybrid query with a company + fiscal-year filter inside it, and HNSW recall@10
against the exact scan (faiss in the file store, pgvector in PostgreSQL). A slow engine is
given a time budget: it answers as many of the questions as fit (at least 5), and the
report says how many.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from rich.console import Console

from docnav.bench import git_commit, machine_info
from docnav.bench.pg_scale_corpus import (
    Base,
    filings_of,
    grow_embeddings,
    load_base,
    replica_company,
    replica_doc,
    row_tokens,
)
from docnav.bench.ray_ingest import fresh_schema
from docnav.bench.retrieval_speed import built, rss_mb
from docnav.ingestion.metadata import company_matches
from docnav.questions import load_questions
from docnav.retrieval.bm25 import Bm25Index
from docnav.retrieval.dense import DenseIndex, embed, scan, top_k
from docnav.retrieval.fusion import rrf
from docnav.retrieval.index import doc_passes
from docnav.retrieval.query import SearchFilters
from docnav.retrieval.tokenize import query_tokens
from docnav.types import Document

DEPTH = 50  # candidates per retriever before fusion, as the search does
SEED = 0


@dataclass
class Opts:
    """Knobs of one run (the CLI's options)."""

    workdir: Path
    budget_s: float = 60.0  # per engine and size: queries stop once it is spent (>= 5 run)
    threads: int = 2
    hnsw_m: int = 16  # pgvector's default (PgSearch's index)
    hnsw_ef_construction: int = 64
    faiss_m: int = 32  # docnav's HnswIndex defaults
    faiss_ef_construction: int = 80
    maintenance_mem: str = "4GB"
    pg_bm25_max: int = 100_000  # BM25 postings (~120 rows a chunk) loaded up to this size
    # from this size on, both HNSW builds use big_ef_construction (0: the same as below):
    # a shorter build, for a million rows on 2 cores inside one session
    big_from: int = 500_000
    big_ef_construction: int = 0
    hnsw_max: int = 10**9  # larger sizes build no HNSW: vector search is an exact scan there

    def for_size(self, n: int) -> Opts:
        if not self.big_ef_construction or n < self.big_from:
            return self
        e = self.big_ef_construction
        return replace(self, hnsw_ef_construction=e, faiss_ef_construction=e)


@dataclass
class Queries:
    text: list[str]
    tokens: list[list[str]]
    vectors: np.ndarray
    targets: list[tuple[int, int] | None]  # (real filing, fiscal year) the question is about


def load_queries(path: Path, base: Base) -> Queries:
    qs = load_questions(path)
    names = {d.name: i for i, d in enumerate(base.docs)}
    targets = []
    for q in qs:
        f = names.get(q.doc_name or "")
        y = base.docs[f].meta.fiscal_year if f is not None else None
        targets.append((f, y) if f is not None and y is not None else None)
    text = [q.question for q in qs]
    return Queries(text, [query_tokens(t) for t in text], embed(text), targets)


def timed_queries(fn: Callable[[int], object], n: int, budget_s: float) -> dict:
    """p50 / p95 over as many of ``n`` queries as fit ``budget_s`` (at least 5)."""
    lat: list[float] = []
    start = time.perf_counter()
    for i in range(n):
        if i >= 5 and time.perf_counter() - start > budget_s:
            break
        t = time.perf_counter()
        fn(i)
        lat.append(1000 * (time.perf_counter() - t))
    lat.sort()
    return {
        "p50_ms": round(statistics.median(lat), 2),
        "p95_ms": round(float(np.percentile(lat, 95)), 2),
        "queries": len(lat),
    }


class Filters:
    """The company + fiscal-year filter of each question at one size: question ``i`` asks
    about replica ``i % R`` of its filing (each replica is another company), so the filter
    keeps one filing's worth of rows however large the corpus."""

    def __init__(self, base: Base, n: int, q: Queries) -> None:
        self.base = base
        self.filings = filings_of(base, n)
        have = set(self.filings)
        reps = max(r for _, r in self.filings) + 1
        self.by_query: list[SearchFilters | None] = []
        for i, t in enumerate(q.targets):
            if t is None:
                self.by_query.append(None)
                continue
            f, year = t
            r = i % reps if (f, i % reps) in have else 0
            company = replica_company(base.docs[f].meta.company, r)
            self.by_query.append(SearchFilters(company=company, year_min=year, year_max=year))
        self.docs = [replica_doc(base, f, r) for f, r in self.filings]
        self.F = len(base.docs)
        rows = np.arange(n)
        self.row_doc = (rows // base.m) * self.F + base.doc_of[rows % base.m]

    def mask(self, f: SearchFilters) -> np.ndarray:
        """Rows of the filings that pass (the same document rules PgSearch applies)."""
        keep = np.zeros(self.F * (max(r for _, r in self.filings) + 1), dtype=bool)
        for (fi, r), d in zip(self.filings, self.docs, strict=True):
            if _passes(d, f):
                keep[r * self.F + fi] = True
        return keep[self.row_doc]


def _passes(d: Document, f: SearchFilters) -> bool:
    """The filing-level filter rule both backends share (docnav's lenient company names)."""
    return doc_passes(d, f, company_matches)


# -- the file store ---------------------------------------------------------------------------


def file_store(
    base: Base, n: int, emb: np.ndarray, q: Queries, flt: Filters, opts: Opts, say
) -> tuple[dict, list[set[int]]]:
    """bm25s + the dense index (exact and faiss HNSW) over the grown corpus; returns the
    figures and the exact top 10 of every query (the truth for HNSW recall)."""
    from docnav.settings import Settings

    out: dict = {}
    folder = Path(tempfile.mkdtemp(prefix="file-", dir=opts.workdir))
    t = time.perf_counter()
    tokens = [row_tokens(base, i, SEED) for i in range(n)]
    out["tokens_s"] = round(time.perf_counter() - t, 1)
    bm, out["bm25s"] = built(lambda: Bm25Index.build(tokens))
    tokens.clear()  # bm25s keeps its own arrays
    gc.collect()
    bm.save(folder / "bm25")
    out["bm25s"]["disk_mb"] = _mb(*(folder / "bm25").iterdir())
    say(f"  file store: bm25s built in {out['bm25s']['build_s']} s")
    exact = DenseIndex(emb, ann_threshold=10**12)
    DenseIndex(emb).save(folder / "dense.npy", "float16")
    out["dense_exact"] = {"disk_mb": _mb(folder / "dense.npy"), "build_s": 0.0}
    truth = [{r for r, _ in top_k(scan(emb, v), 10)} for v in q.vectors]
    deployed = Settings().retrieval.ann_threshold
    ann = None
    if n <= opts.hnsw_max:
        ann, out["dense_hnsw"] = _faiss(emb, opts, folder)
        say(f"  file store: faiss HNSW built in {out['dense_hnsw']['build_s']} s")
    else:  # no graph at this size: the dense index scans exactly, as below its threshold
        deployed = 10**12
    dense = DenseIndex(emb, ann_threshold=deployed)
    dense.ann = ann
    nq, b = len(q.text), opts.budget_s

    def hybrid(i: int, f: SearchFilters | None = None) -> list:
        mask = flt.mask(f) if f else None
        lists = {
            "bm25": bm.search(q.tokens[i], DEPTH, mask),
            "dense": dense.search_vector(q.vectors[i], DEPTH, mask),
        }
        return rrf(lists)[:10]

    out["keyword"] = timed_queries(lambda i: bm.search(q.tokens[i], 10), nq, b)
    out["vector_exact"] = timed_queries(lambda i: exact.search_vector(q.vectors[i], 10), nq, b)
    if ann is not None:
        out["vector_hnsw"] = timed_queries(lambda i: ann.search(q.vectors[i], 10), nq, b)
        out["vector_hnsw"]["recall@10"] = _recall([ann.search(v, 10) for v in q.vectors], truth)
    out["hybrid"] = timed_queries(hybrid, nq, b) | {"dense_path": dense.last_path}
    fq = [i for i, f in enumerate(flt.by_query) if f]
    if fq:  # questions about a filing of this corpus
        hf = timed_queries(lambda k: hybrid(fq[k], flt.by_query[fq[k]]), len(fq), b)
        hf["dense_path"] = dense.last_path
        hf["rows_kept_mean"] = round(
            float(np.mean([flt.mask(flt.by_query[i]).sum() for i in fq[:10]])), 1
        )
        out["hybrid_filtered"] = hf
    out["rss_mb"] = round(rss_mb(), 1)
    _rm(folder)
    return out, truth


def _faiss(emb: np.ndarray, opts: Opts, folder: Path) -> tuple:
    import faiss

    from docnav.retrieval.ann import HnswIndex

    ann, info = built(
        lambda: HnswIndex.build(emb, opts.faiss_m, opts.faiss_ef_construction, threads=opts.threads)
    )
    info |= {"m": opts.faiss_m, "ef_construction": opts.faiss_ef_construction}
    faiss.write_index(ann.index, str(folder / "hnsw.faiss"))
    info["disk_mb"] = _mb(folder / "hnsw.faiss")
    return ann, info


def _recall(found: list[list[tuple[int, float]]], truth: list[set[int]]) -> float:
    return round(
        float(
            np.mean([len(t & {r for r, _ in f}) / 10 for f, t in zip(found, truth, strict=True)])
        ),
        4,
    )


def _mb(*paths: Path) -> float:
    return round(sum(p.stat().st_size for p in paths if p.is_file()) / 2**20, 1)


def _rm(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


# -- PostgreSQL -------------------------------------------------------------------------------


def postgres(
    url: str,
    base: Base,
    n: int,
    emb: np.ndarray,
    q: Queries,
    flt: Filters,
    truth: list[set[int]],
    opts: Opts,
    say,
) -> dict:
    from docnav.bench.pg_scale_pg import PgLoad, pages_dir

    pages = pages_dir(opts.workdir)
    with fresh_schema(url) as schema_url:
        pg = PgLoad(schema_url, base, n, SEED, pages)
        try:
            hnsw = n <= opts.hnsw_max
            m, efc, mem = opts.hnsw_m, opts.hnsw_ef_construction, opts.maintenance_mem
            out = {"load": pg.load(emb, m, efc, mem, hnsw)}
            say(f"  PostgreSQL: loaded {out['load']}")
            if n <= opts.pg_bm25_max:
                out["load"]["bm25_postings"] = pg.load_bm25()
                say(f"  PostgreSQL: BM25 postings {out['load']['bm25_postings']}")
            out["sizes_mib"] = pg.sizes()
            out |= _pg_queries(pg, q, flt, truth, opts, "bm25_postings" in out["load"], hnsw)
            out["server_pss_mb"] = pg.server_pss_mb()
        finally:
            pg.close()
    _rm(pages)
    return out


def _pg_queries(
    pg, q: Queries, flt: Filters, truth: list[set[int]], opts: Opts, bm25: bool, hnsw: bool
) -> dict:
    """Without the HNSW index PgSearch.vector's query is an exact (sequential) scan."""
    nq, b, out = len(q.text), opts.budget_s, {}
    key = "vector_hnsw" if hnsw else "vector_exact"
    out[key] = timed_queries(lambda i: pg.vector(q.vectors[i], 10), nq, b)
    if hnsw:
        found = [[(pg.row(k), 0.0) for k in pg.vector(v, 10)] for v in q.vectors]
        out[key]["recall@10"] = _recall(found, truth)
        out[key]["ef_search"] = pg.search.ef_search
    out["keyword"] = timed_queries(lambda i: pg.keyword(q.text[i], 10), nq, b)
    out["hybrid"] = timed_queries(lambda i: pg.hybrid(q.text[i], q.vectors[i]), nq, b)
    fq = [i for i, f in enumerate(flt.by_query) if f]
    if fq:
        out["hybrid_filtered"] = timed_queries(
            lambda k: pg.hybrid(q.text[fq[k]], q.vectors[fq[k]], flt.by_query[fq[k]]), len(fq), b
        )
    if bm25:
        out["keyword_bm25"] = timed_queries(lambda i: pg.bm25(q.text[i], 10), nq, b)
        out["hybrid_bm25"] = timed_queries(
            lambda i: pg.hybrid(q.text[i], q.vectors[i], bm25=True), nq, b
        )
        if fq:
            out["hybrid_filtered_bm25"] = timed_queries(
                lambda k: pg.hybrid(q.text[fq[k]], q.vectors[fq[k]], flt.by_query[fq[k]], True),
                len(fq),
                b,
            )
    return out


# -- the run ----------------------------------------------------------------------------------


def one_size(url: str, base: Base, n: int, q: Queries, opts: Opts, say) -> dict:
    say(f"[bold]{n:,} chunks[/bold]")
    opts = opts.for_size(n)
    t0 = time.perf_counter()
    emb = grow_embeddings(base, n, SEED)
    flt = Filters(base, n, q)
    row: dict = {"chunks": n, "filings": len(flt.filings), "load_before": _load()}
    row["file"], truth = file_store(base, n, emb, q, flt, opts, say)
    gc.collect()
    row["postgres"] = postgres(url, base, n, emb, q, flt, truth, opts, say)
    row["seconds"] = round(time.perf_counter() - t0, 1)
    row["load_after"] = _load()
    return row


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def server_info(url: str) -> dict:
    import psycopg

    with psycopg.connect(url) as db:
        get = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "version": get("SHOW server_version"),
            "pgvector": get("SELECT extversion FROM pg_extension WHERE extname = 'vector'"),
            "shared_buffers": get("SHOW shared_buffers"),
            "work_mem": get("SHOW work_mem"),
            "fsync": get("SHOW fsync"),
            "max_parallel_workers_per_gather": get("SHOW max_parallel_workers_per_gather"),
        }


def run_pg_scale_bench(
    home: Path,
    questions: Path,
    url: str,
    out: Path,
    sizes: tuple[int, ...],
    opts: Opts,
    ingest: dict | None = None,
    console: Console | None = None,
    command: str = "",
) -> dict:
    """Every size in ``sizes`` (and, with ``ingest`` = the ingest stage's arguments, the
    ingest throughput), results merged into ``out/results.json`` after each step."""
    from docnav.bench.pg_scale_report import write_results

    say = (console or Console(stderr=True)).print
    opts.workdir.mkdir(parents=True, exist_ok=True)
    path = out / "results.json"
    result = json.loads(path.read_text()) if path.exists() else {}
    result.setdefault("runs", []).append(
        {
            "command": command,
            "measured_at_commit": git_commit(),
            "machine": machine_info(),
            "server": server_info(url),
            "load_at_start": _load(),
            "options": {k: str(v) for k, v in vars(opts).items()},
        }
    )
    result.setdefault("sizes", {})
    if ingest is not None:
        from docnav.bench.pg_scale_ingest import run_ingest

        result["ingest"] = run_ingest(url, say=say, **ingest)
        write_results(result, out)
    if sizes:
        import torch

        torch.set_num_threads(opts.threads)
        t = time.perf_counter()
        base = load_base(home)
        q = load_queries(questions, base)
        result["corpus"] = {
            "home": str(home),
            "real_chunks": base.m,
            "real_filings": len(base.docs),
            "embeddings": base.model_folder,
            "questions": str(questions),
            "queries": len(q.text),
            "with_filter": sum(t is not None for t in q.targets),
            "prepare_s": round(time.perf_counter() - t, 1),
        }
        for n in sizes:
            result["sizes"][str(n)] = one_size(url, base, n, q, opts, say)
            write_results(result, out)
    result["runs"][-1]["load_at_end"] = _load()
    write_results(result, out)
    return result
