"""Scale-out benchmarks (issue 23): `docnav bench ray-ingest`. Loaded only when `docnav
bench` runs (see docnav/cli/bench.py)."""

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
