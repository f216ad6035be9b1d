"""`docnav synth`: a synthetic SEC-style corpus with planted questions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from docnav.cli.common import JsonOpt, console, err, fail
from docnav.errors import DocnavError

app = typer.Typer()


@app.command()
def synth(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")],
    companies: Annotated[int, typer.Option(help="Fictional companies.")] = 3,
    years: Annotated[
        str, typer.Option(help="Fiscal years, 'FIRST-LAST' or one year (e.g. 2022-2024).")
    ] = "2023-2024",
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same bytes.")] = 0,
    formats: Annotated[str, typer.Option(help="html, pdf or html,pdf.")] = "html,pdf",
    quarters: Annotated[
        str, typer.Option(help="10-Q quarters filed each year ('1,2,3'; '' for none).")
    ] = "1,2,3",
    earnings: Annotated[bool, typer.Option(help="An 8-K earnings release per year.")] = True,
    quarterly_companies: Annotated[
        int | None, typer.Option(help="Only the first N companies file 10-Qs and 8-Ks.")
    ] = None,
    small: Annotated[
        bool, typer.Option("--small", help="Demo preset: 3 companies x 2 years, 10 filings.")
    ] = False,
    scale: Annotated[
        bool,
        typer.Option(
            "--scale", help="Benchmark preset: 400 companies x 5 years (2020-2024), 10,000 filings."
        ),
    ] = False,
    workers: Annotated[int, typer.Option("--workers", "-j", help="Worker processes.")] = 1,
    json_out: JsonOpt = False,
) -> None:
    """Generate a synthetic SEC-style corpus (10-K, 10-Q, 8-K as EDGAR-style HTML and PDF)
    with planted questions (questions.jsonl: gold answers, 1-based evidence pages, the RAG
    failure mode each tests). Deterministic for a seed."""
    import time

    from pydantic import ValidationError

    from docnav.synth import SynthConfig, generate, scale_config, small_config

    if small and scale:
        fail(DocnavError("--small and --scale are two presets; pick one"))
    try:
        fmts = [f.strip() for f in formats.split(",") if f.strip()]
        if small or scale:
            preset = small_config(seed) if small else scale_config(seed)
            cfg = SynthConfig.model_validate({**preset.model_dump(), "formats": fmts})
        else:
            a, _, b = years.partition("-")
            cfg = SynthConfig(
                companies=companies,
                first_year=int(a),
                last_year=int(b or a),
                seed=seed,
                formats=fmts,
                quarters=[int(q) for q in quarters.split(",") if q.strip()],
                earnings=earnings,
                quarterly_companies=quarterly_companies,
            )
    except ValueError as exc:  # ValidationError is a ValueError
        msg = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        fail(DocnavError(f"bad synth options: {msg}"))
    if not cfg.formats:
        fail(DocnavError("--formats needs html, pdf or both"))
    progress = Progress(
        SpinnerColumn(),
        TextColumn("[bold]synth"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} filings/s"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not err.is_terminal or json_out,
    )
    t0 = time.perf_counter()
    state: dict = {"done": 0}

    def on_start(n: int) -> None:
        state["task"] = progress.add_task("synth", total=n, rate="-")

    def on_filing(_f) -> None:
        state["done"] += 1
        rate = state["done"] / max(time.perf_counter() - t0, 1e-9)
        progress.update(state["task"], advance=1, rate=f"{rate:.1f}")

    try:
        with progress:
            man = generate(cfg, out, workers=workers, on_start=on_start, on_filing=on_filing)
    except (OSError, ValueError) as exc:
        fail(DocnavError(f"synth failed: {exc}"))
    secs = time.perf_counter() - t0
    if json_out:
        print(json.dumps({**man.model_dump(), "seconds": round(secs, 3)}, indent=2))
        return
    forms = ", ".join(f"{n} {k}" for k, n in sorted(man.by_form.items()))
    modes = ", ".join(f"{k} {n}" for k, n in sorted(man.by_failure_mode.items()))
    console.print(
        f"{man.filings} filings ({forms}), {man.pages} pages, {'+'.join(cfg.formats)} "
        f"in {secs:.1f}s ({man.filings / secs:.1f} filings/s) -> {man.out}"
    )
    console.print(
        f"{man.questions} planted questions -> {Path(man.out) / 'questions.jsonl'} ({modes})"
    )
    console.print(f"next: docnav ingest {Path(man.out) / cfg.formats[0]}")
