"""Writing the store: `docnav ingest` and `docnav remove`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from docnav.cli.common import HomeOpt, JsonOpt, console, err, fail, open_engine, settings_for
from docnav.errors import DocnavError
from docnav.types import FileResult, IngestReport

if TYPE_CHECKING:
    from docnav.engine import Engine

app = typer.Typer()


@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files, folders (recursive) or globs.")],
    home: HomeOpt = None,
    sidecar: Annotated[
        Path | None,
        typer.Option(help="documents.jsonl with hints (doc_name, company, doc_type, doc_period)."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", "-j", help="Worker processes.")
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Re-ingest files whose content is unchanged.")
    ] = False,
    form: Annotated[
        str | None, typer.Option(help="Form hint when the content does not say.")
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            help="A new version of a stored filing (same company, form and period) replaces "
            "it; without this both are kept."
        ),
    ] = False,
    no_embed: Annotated[
        bool,
        typer.Option(
            "--no-embed",
            help="Defer the embeddings (the first dense search or `docnav index rebuild` builds them).",
        ),
    ] = False,
    ray: Annotated[
        bool,
        typer.Option(
            "--ray",
            help="Parse, chunk and embed each file as Ray tasks into the PostgreSQL store "
            "(DOCNAV_DATABASE_URL): a local Ray, or the cluster named right after the flag "
            "(--ray auto, --ray ray://head:10001). One line per finished file.",
        ),
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Ingest filings: PDF, EDGAR HTML/iXBRL, .txt/.md, then build the search indexes and
    embeddings (progress on stderr; --no-embed defers the embeddings). The same bytes again are skipped
    (content hash); a different file never replaces a stored one because of its name or
    path; another version of a stored filing is kept beside it unless --replace (atomic).
    Exit code 1 if any file failed."""
    if ray:
        return _ingest_ray(paths, home, sidecar, force, form, replace, no_embed, json_out)
    engine = open_engine(home)
    interactive = console.is_terminal and not json_out
    progress = Progress(
        SpinnerColumn(),
        TextColumn("[bold]ingest"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[pages]} pages · {task.fields[rate]} pages/s"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not interactive,
        transient=False,
    )
    state = {"pages": 0, "task": None}

    def on_start(n: int) -> None:
        state["task"] = progress.add_task("ingest", total=n, pages=0, rate="0")

    def on_result(r: FileResult) -> None:
        if r.status in ("added", "replaced"):
            state["pages"] += r.pages
        elapsed = progress.tasks[0].elapsed if progress.tasks else 0
        rate = f"{state['pages'] / elapsed:.0f}" if elapsed else "0"
        progress.update(state["task"], advance=1, pages=state["pages"], rate=rate)
        # each failure once, as it happens, on a terminal or not (the summary does not repeat
        # it); escaped, so a "[...]" in a file name is shown, not read as markup
        if r.status == "failed":
            progress.console.print(f"[red]failed[/red] {escape(r.path)}: {escape(r.error or '')}")
        elif r.note:
            progress.console.print(f"[yellow]note[/yellow] {escape(r.path)}: {escape(r.note)}")

    try:
        with progress:
            report = engine.ingest(
                paths,
                sidecar=sidecar,
                workers=workers,
                force=force,
                form_hint=form,
                on_start=on_start,
                on_result=on_result,
                replace=replace,
                embed=False,  # built below, with their own progress
            )
    except DocnavError as exc:
        fail(exc)
    _print_report(report, engine.store.root, json_out)
    if engine.settings.ingest.embed and not no_embed:
        _build_indexes(engine)
    if report.failed:
        raise typer.Exit(code=1)


def _print_report(report: IngestReport, root: Path, json_out: bool) -> None:
    if json_out:
        print(report.model_dump_json(indent=2))
        return
    counts: dict[str, int] = {}
    for f in report.files:
        counts[f.status] = counts.get(f.status, 0) + 1
    summary = ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "no files"
    new_pages = sum(f.pages for f in report.files if f.status in ("added", "replaced"))
    console.print(
        f"{len(report.files)} files: {summary}; {new_pages} pages ingested in {report.seconds:.1f}s "
        f"-> {root}",
        soft_wrap=True,
    )


def _ingest_ray(
    paths: list[str],
    home: Path | None,
    sidecar: Path | None,
    force: bool,
    form: str | None,
    replace: bool,
    no_embed: bool,
    json_out: bool,
) -> None:
    """`docnav ingest --ray [ADDRESS] PATHS`: no in-process index is built (search reads
    PostgreSQL); a file's line comes when it is committed and embedded."""
    from docnav.ingestion import load_sidecar
    from docnav.ray_ingest import ingest_options, ingest_with_ray, is_ray_address

    address = next((p for p in paths if is_ray_address(p)), None)
    paths = [p for p in paths if p != address]
    s = settings_for(home)

    def line(r: FileResult) -> None:
        what = (
            escape(r.error or "") if r.status == "failed" else f"{r.pages} pages, {r.chunks} chunks"
        )
        err.print(f"{r.status:9} {escape(r.path)} ({what})", highlight=False)

    try:
        if not paths:
            raise DocnavError("no files named (the word after --ray is its address)")
        report = ingest_with_ray(
            paths,
            s.store_dir,
            s.database_url,
            ingest_options(s.ingest, form),
            address=address,
            embedding_model=None if no_embed or not s.ingest.embed else s.retrieval.embedding_model,
            force=force,
            replace=replace,
            sidecar=load_sidecar(sidecar) if sidecar else None,
            on_result=line,
        )
    except (DocnavError, ConnectionError) as exc:  # ConnectionError: no Ray cluster there
        fail(exc)
    _print_report(report, Path(s.store_dir), json_out)
    if report.failed:
        raise typer.Exit(code=1)


def _build_indexes(engine: Engine) -> None:
    """BM25 and the embeddings of the filings without them: bars on a terminal, one line
    per stage otherwise (stderr)."""
    from docnav.progress import StageProgress

    model = engine.settings.retrieval.embedding_model
    try:
        with StageProgress(err, labels={"embed": f"chunks ({model})"}) as stages:
            engine.build_indexes(on_progress=stages.on_progress)
    except DocnavError as exc:
        fail(exc)


@app.command()
def remove(
    doc: Annotated[str, typer.Argument(help="doc_id or name.")],
    home: HomeOpt = None,
) -> None:
    """Remove a filing and its files from the store."""
    engine = open_engine(home)
    try:
        d = engine.remove(doc)
    except DocnavError as exc:
        fail(exc)
    console.print(f"removed {d.doc_id} ({d.source_path})")
