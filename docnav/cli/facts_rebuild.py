"""`docnav facts --rebuild`: statement facts rebuilt in an existing file store, in place.

Facts written by an older extractor (or none at all) are rebuilt from the stored pages and
the source file, without re-ingesting: chunks, version folders and embeddings stay valid.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from docnav.cli.common import console, err, fail, settings_for
from docnav.errors import DocnavError
from docnav.ingestion.facts_backfill import (
    BackfillItem,
    BackfillReport,
    backfill_facts,
    stale_facts,
)
from docnav.ingestion.store import CorpusStore

_COLOURS = {"added": "green", "rebuilt": "green", "present": "dim", "skipped": "yellow"}


def open_file_store(home: Path | None) -> CorpusStore:
    """The file store under ``home``; a clear error for a PostgreSQL store or a folder that
    holds no store (opening one would create an empty store there)."""
    s = settings_for(home)
    if s.database_url:
        raise DocnavError(
            "the PostgreSQL store keeps facts in its database: re-ingest the filings "
            "(docnav ingest --force) to rebuild them"
        )
    if not (Path(s.store_dir) / "catalog.sqlite").is_file():
        raise DocnavError(
            f"no docnav store at {s.store_dir} (give the --home of an ingested store)"
        )
    return CorpusStore(s.store_dir)


def rebuild(doc: str | None, force: bool, home: Path | None, json_out: bool) -> None:
    """Rebuild stale or missing facts (all with ``force``); exit code 1 if any failed."""
    try:
        store = open_file_store(home)
    except DocnavError as exc:
        fail(exc)
    progress = Progress(
        TextColumn("[bold]facts"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not err.is_terminal,
        transient=False,
    )
    task = progress.add_task("facts", total=None)

    def on_progress(item: BackfillItem, done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)
        colour = _COLOURS.get(item.status, "red")
        why = f": {escape(item.reason)}" if item.reason else ""
        n = f" ({item.facts} facts)" if item.status in ("added", "rebuilt") else ""
        # one line per filing, on a terminal or not (a log of a long run shows where it is)
        progress.console.print(
            f"[{colour}]{item.status:8}[/{colour}] {done}/{total} {escape(item.doc_id)}{n}{why}",
            highlight=False,
        )

    try:
        with progress:
            report = backfill_facts(store, [doc] if doc else None, force, on_progress)
    except (DocnavError, ValueError) as exc:
        fail(exc)
    _summary(report, store.root, json_out)
    if not report.ok:
        raise typer.Exit(code=1)


def _summary(report: BackfillReport, root: Path, json_out: bool) -> None:
    if json_out:
        print(report.model_dump_json(indent=2))
        return
    statuses = ("added", "rebuilt", "present", "skipped", "failed")
    counts = ", ".join(f"{report.count(s)} {s}" for s in statuses)
    console.print(f"{len(report.items)} filings: {counts} -> {root}", soft_wrap=True)
    for i in report.items:
        if i.status in ("skipped", "failed"):
            console.print(f"{i.status} {i.doc_id}: {i.reason}", markup=False, highlight=False)


def stale_facts_line(store: object, home: Path) -> tuple[int | None, str | None]:
    """How many filings' facts are missing or older than the extractor, and the line that
    says so with the command that fixes it (None, None for the PostgreSQL store, whose facts
    a re-ingest rebuilds)."""
    if type(store) is not CorpusStore:
        return None, None
    n = len(stale_facts(store))
    if not n:
        return 0, "facts: current for every filing"
    return n, f"facts: {n} filings stale or missing: run `docnav facts --rebuild --home {home}`"
