"""The `docnav bench` sub-app. Imported only when `docnav bench ...` runs (docnav/cli/main.py
loads it lazily), so the product commands never import the benchmark package."""

from __future__ import annotations

import typer

from docnav.cli import bench_answers, bench_grep_scale, bench_infra, bench_scale

app = typer.Typer(name="bench", help="Benchmarks; results go under results/.", no_args_is_help=True)
app.add_typer(bench_infra.app)  # no name: their commands join this group
app.add_typer(bench_answers.app)
app.add_typer(bench_grep_scale.app)
app.add_typer(bench_scale.app)
