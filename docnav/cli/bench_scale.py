"""Scale-out benchmarks (issue 23): `docnav bench ray-ingest` and `docnav bench pg-scale`.
Loaded only when `docnav bench` runs (see docnav/cli/bench.py)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer

from docnav.cli.common import console, fail, settings_for
from docnav.errors import DocnavError

app = typer.Typer()


@app.command("ray-ingest")
def bench_ray_ingest(
    corpus: Annotated[
        Path,
        typer.Option(help="A docnav synth corpus folder; generated there when it has no html/."),
    ] = Path("~/.docnav/synth-ray"),
    companies: Annotated[
        int,
        typer.Option(
            help="Companies of a generated corpus (two 10-Ks each; two also file a 10-Q and an 8-K a year)."
        ),
    ] = 8,
    workers: Annotated[
        int, typer.Option(help="Process-pool workers and local Ray CPUs.", min=1)
    ] = 2,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("results/ray-ingest"),
) -> None:
    """Ingestion with embeddings into PostgreSQL (DOCNAV_DATABASE_URL): local Ray vs the
    process pool on one synthetic corpus in one run, Ray's start-up and per-task overhead,
    per-file stage costs and the scaling model for N workers built from them."""
    from docnav.bench.ray_ingest import run_ray_ingest_bench

    url = settings_for(None).database_url
    try:
        if not url:
            raise DocnavError("the benchmark writes to PostgreSQL: set DOCNAV_DATABASE_URL")
        run_ray_ingest_bench(
            corpus,
            url,
            out,
            companies=companies,
            workers=workers,
            console=console,
            command="docnav " + shlex.join(sys.argv[1:]),
        )
    except DocnavError as exc:
        fail(exc)
    console.print(f"wrote {out}/results.json, report.md and ray_ingest.png")


@app.command("pg-scale")
def bench_pg_scale(
    home: Annotated[
        Path, typer.Option(help="An embedded docnav home (store/ + indexes/dense-*), read only.")
    ] = Path("/work/fbhome"),
    questions: Annotated[Path, typer.Option(help="Questions JSONL (the queries).")] = Path(
        "../shared/financebench/questions.jsonl"
    ),
    sizes: Annotated[str, typer.Option(help="Corpus sizes in chunks, comma-separated.")] = (
        "100000,1000000"
    ),
    workdir: Annotated[
        Path, typer.Option(help="Scratch folder for the file-store indexes.")
    ] = Path("/work/pgscale"),
    budget_s: Annotated[
        float, typer.Option(help="Seconds per engine and size for queries (at least 5 run).")
    ] = 60.0,
    hnsw_m: Annotated[int, typer.Option(help="pgvector HNSW m.")] = 16,
    hnsw_ef_construction: Annotated[int, typer.Option(help="pgvector HNSW ef_construction.")] = 64,
    faiss_m: Annotated[int, typer.Option(help="faiss HNSW M (docnav's default 32).")] = 32,
    faiss_ef_construction: Annotated[
        int, typer.Option(help="faiss HNSW efConstruction (docnav's default 80).")
    ] = 80,
    maintenance_mem: Annotated[
        str, typer.Option(help="PostgreSQL maintenance_work_mem for the index builds.")
    ] = "4GB",
    big_ef_construction: Annotated[
        int,
        typer.Option(help="ef_construction of both HNSW builds from --big-from on (0: as above)."),
    ] = 0,
    big_from: Annotated[
        int, typer.Option(help="Size from which --big-ef-construction applies.")
    ] = (500_000),
    pg_bm25_max: Annotated[
        int, typer.Option(help="Largest size given PostgreSQL BM25 postings (PgIndex's keywords).")
    ] = 100_000,
    hnsw_max: Annotated[
        int, typer.Option(help="Largest size given HNSW graphs (above: exact vector scans).")
    ] = 10**9,
    threads: Annotated[int, typer.Option(help="Threads for index builds.", min=1)] = 2,
    ingest_companies: Annotated[
        int,
        typer.Option(help="Companies of the ingest corpus (two 10-Ks each); 0 skips ingest."),
    ] = 0,
    ingest_corpus: Annotated[
        Path, typer.Option(help="Synthetic corpus folder (generated when empty).")
    ] = Path("/work/pgscale/synth"),
    stage_files: Annotated[int, typer.Option(help="Filings timed stage by stage.")] = 8,
    workers: Annotated[int, typer.Option(help="Pool workers and local Ray CPUs.", min=1)] = 2,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("results/pg-scale"),
) -> None:
    """The file store (bm25s + dense) against PostgreSQL (full text + pgvector) at 100k and
    >= 1M chunks of replicated FinanceBench chunks, in one run against DOCNAV_DATABASE_URL:
    load/build seconds, sizes, keyword / vector / hybrid / filtered p50 and p95, HNSW
    recall; with --ingest-companies, ingest throughput (pool vs local Ray) and the scaling
    model. Results merge into OUT/results.json."""
    from docnav.bench.pg_scale import Opts, run_pg_scale_bench

    url = settings_for(None).database_url
    try:
        if not url:
            raise DocnavError("the benchmark loads PostgreSQL: set DOCNAV_DATABASE_URL")
        try:
            ns = tuple(int(x) for x in sizes.split(",") if x.strip())
        except ValueError as exc:
            raise DocnavError(f"--sizes wants comma-separated integers, not {sizes!r}") from exc
        opts = Opts(
            workdir=workdir,
            budget_s=budget_s,
            threads=threads,
            hnsw_m=hnsw_m,
            hnsw_ef_construction=hnsw_ef_construction,
            faiss_m=faiss_m,
            faiss_ef_construction=faiss_ef_construction,
            maintenance_mem=maintenance_mem,
            pg_bm25_max=pg_bm25_max,
            big_from=big_from,
            big_ef_construction=big_ef_construction,
            hnsw_max=hnsw_max,
        )
        ingest = None
        if ingest_companies:
            ingest = {
                "corpus": ingest_corpus,
                "companies": ingest_companies,
                "workers": workers,
                "stage_files": stage_files,
                "home": home,
            }
        run_pg_scale_bench(
            home,
            questions,
            url,
            out,
            ns,
            opts,
            ingest=ingest,
            console=console,
            command="docnav " + shlex.join(sys.argv[1:]),
        )
    except DocnavError as exc:
        fail(exc)
    console.print(f"wrote {out}/results.json, report.md and pg_scale.png")
