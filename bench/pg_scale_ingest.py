"""Ingest throughput for `docnav bench pg-scale`: parse + chunk + commit of a synthetic
corpus into PostgreSQL, process pool vs local Ray (no embedding: that cost is measured
apart, per chunk, on real FinanceBench chunk texts), and the scaling model for N workers
from the per-task costs (:func:`docnav.bench.ray_ingest.scaling_model`).

Order: pool, Ray cold (workers import docnav), Ray warm, pool again (a change in the
machine's load shows as a difference between the two pool runs).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from docnav.bench.ray_ingest import (
    _check,
    fresh_schema,
    measure_stages,
    ray_overheads,
    scaling_model,
    synth_corpus,
)


def pool_run(files: list[Path], url: str, workers: int) -> dict:
    from docnav.ingestion.pipeline import ingest_paths
    from docnav.ingestion.store_pg import PgCorpusStore

    with fresh_schema(url) as u, tempfile.TemporaryDirectory() as tmp:
        store = PgCorpusStore(tmp, u)
        t = time.perf_counter()
        report = ingest_paths(store, files, workers=workers)
        secs = time.perf_counter() - t
        chunks = sum(d.n_chunks for d in store.list_documents())
        store.close()
    _check(report, len(files))
    return {"seconds": round(secs, 2), "chunks": chunks}


def ray_run(files: list[Path], url: str) -> dict:
    from docnav.ray_ingest import ingest_with_ray

    with fresh_schema(url) as u, tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        report = ingest_with_ray(files, tmp, u, embedding_model=None)
        secs = time.perf_counter() - t
    _check(report, len(files))
    return {"seconds": round(secs, 2)}


def embed_throughput(home: Path, texts: int, threads: tuple[int, ...]) -> dict:
    """ms per chunk embedding real chunk texts (first ``texts`` chunks of the home)."""
    import torch

    from docnav.bench.ray_ingest import MODEL
    from docnav.retrieval.dense import embed

    sample: list[str] = []
    for d in sorted((home / "store" / "docs").iterdir()):
        if len(sample) >= texts:
            break
        chunks = d / "chunks.jsonl"
        if chunks.exists():
            import json

            sample += [json.loads(x)["text"] for x in chunks.read_text().splitlines()]
    sample = sample[:texts]
    embed(["warm up"], MODEL)
    keep, out = torch.get_num_threads(), {}
    for n in threads:
        torch.set_num_threads(n)
        t = time.perf_counter()
        embed(sample, MODEL)
        secs = time.perf_counter() - t
        out[str(n)] = {"ms_per_chunk": round(1000 * secs / len(sample), 2), "chunks": len(sample)}
    torch.set_num_threads(keep)
    return out


def run_ingest(
    url: str,
    corpus: Path,
    companies: int,
    workers: int,
    stage_files: int,
    home: Path,
    embed_texts: int = 256,
    say=print,
) -> dict:
    import ray

    t0 = time.perf_counter()
    files = synth_corpus(corpus.expanduser(), companies)
    say(f"ingest: {len(files)} synthetic filings; process pool ...")
    pool = [pool_run(files, url, workers)]
    say("ingest: local Ray ...")
    overhead = ray_overheads(workers)
    cold = ray_run(files, url)
    warm = ray_run(files, url)
    ray.shutdown()
    pool.append(pool_run(files, url, workers))
    say("ingest: per-task costs and embedding throughput ...")
    stages = measure_stages(files[:stage_files], url)
    emb = embed_throughput(home, embed_texts, (1, workers))
    cold_extra = max(0.0, cold["seconds"] - warm["seconds"])
    model = scaling_model(stages, overhead, cold_extra, len(files))
    # the corpus: every S&P 500 10-K, 10-Q and 8-K over ten years, ~50k filings
    sp500 = scaling_model(stages, overhead, cold_extra, 50_000)
    # what the two timed runs did: no embedding (its share is the embed_throughput figure)
    bare = [r | {"embed": 0.0, "embed_write": 0.0} for r in stages]
    no_embed = scaling_model(bare, overhead, cold_extra, len(files))
    return {
        "corpus": str(corpus),
        "files": len(files),
        "chunks": pool[0]["chunks"],
        "workers": workers,
        "pool": pool,
        "ray_overhead": overhead,
        "ray_cold": cold,
        "ray_warm": warm,
        "stage_files": len(stages),
        "stages": stages,
        "embed_throughput": emb,
        "model": model,
        "model_50k_filings": sp500["predicted_s"],
        "model_no_embed": no_embed,
        "ray_version": ray.__version__,
        "seconds": round(time.perf_counter() - t0, 1),
    }
