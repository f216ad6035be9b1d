"""`docnav bench grep-scale`: grep time against corpus size, all page files vs the
catalog-narrowed filings (bench/grep_scale.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from docnav.cli.common import console, fail
from docnav.errors import DocnavError

app = typer.Typer()


@app.command("grep-scale")
def bench_grep_scale(
    home: Annotated[
        list[Path],
        typer.Option(
            help="An ingested docnav home (repeat per corpus size), e.g. after `docnav synth "
            "--formats html -o C` and `docnav ingest C/html --home H --no-embed`."
        ),
    ],
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("results/grep-scale"),
    reps: Annotated[int, typer.Option(min=1, help="Timed runs per query (p50).")] = 5,
) -> None:
    """rg over every filing's page files vs over the filings a company / form / year filter
    leaves, p50 per query for a fixed query list, at each corpus size given."""
    from docnav.bench.grep_scale import run_grep_scale_bench

    missing = [h for h in home if not (h.expanduser() / "store").is_dir()]
    if missing:
        fail(DocnavError(f"no store under {', '.join(map(str, missing))} (docnav ingest --home)"))
    try:
        run_grep_scale_bench(home, out, reps=reps, console=console)
    except (DocnavError, ValueError, RuntimeError) as exc:
        fail(DocnavError(str(exc)))
    console.print(f"results in {out}/ (report.md, results.json, grep_scale.png)")
