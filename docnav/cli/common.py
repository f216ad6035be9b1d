"""What every command module shares: the consoles, the common options, opening the Engine and
failing with one clear line and the right exit code. Imports nothing heavy (no engine, no
model): each command imports what it needs when it runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from docnav.errors import AmbiguousRefError, LLMUnavailableError
from docnav.settings import Settings

if TYPE_CHECKING:
    from docnav.engine import Engine

console = Console()
err = Console(stderr=True, soft_wrap=True)  # one-line errors stay one line

# sysexits' EX_UNAVAILABLE: `docnav ask` found the LLM backend down, timed out or refusing
# (no answer was produced); 1 stays every other error
EXIT_LLM_UNAVAILABLE = 69

HomeOpt = Annotated[
    Path | None,
    typer.Option(
        "--home", help="docnav data root (default $DOCNAV_HOME or ~/.docnav).", show_default=False
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]


def settings_for(home: Path | None) -> Settings:
    """Settings enter here, at the edge: the environment, with --home over DOCNAV_HOME."""
    return Settings(home=home) if home else Settings()


def open_engine(home: Path | None) -> Engine:
    from docnav.engine import Engine

    return Engine(settings_for(home))


def fail(exc: Exception) -> NoReturn:
    # a reference matching several filings names them all ("ambiguous: 'x' matches ...")
    kind = "ambiguous: " if isinstance(exc, AmbiguousRefError) else ""
    err.print(f"[red]error:[/red] {kind}{escape(str(exc))}")
    raise typer.Exit(code=1)


def fail_llm(exc: LLMUnavailableError) -> NoReturn:
    # the local user configured the backend: its own text (URL included) helps them fix it
    detail = f" ({exc.detail})" if exc.detail else ""
    err.print(f"[red]error:[/red] {escape(str(exc) + detail)}")
    raise typer.Exit(code=EXIT_LLM_UNAVAILABLE)


def split_csv(s: str | None) -> list[str] | None:
    return [x.strip() for x in s.split(",") if x.strip()] if s else None


def stage_bars(unit: str) -> tuple[Progress, Callable[[str, int, int], None]]:
    """Transient bars on stderr, one per engine stage ("embed", "bm25", ...), and the
    ``on_progress(stage, done, total)`` callback the engine reports to."""
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not err.is_terminal,
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def on_progress(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(f"{stage} {unit}", total=total)
        progress.update(tasks[stage], completed=done)

    return progress, on_progress
