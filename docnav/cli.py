"""The `docnav` command line. Every command drives the same Engine as the API."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.tree import Tree

from docnav import __version__
from docnav.bench import FB_DOCUMENTS, FB_PAPER, FB_PDFS, FB_QUESTIONS
from docnav.errors import DocnavError, LLMUnavailableError
from docnav.settings import Settings
from docnav.types import FileResult, display_page

app = typer.Typer(
    name="docnav",
    help=(
        "docnav: agentic research over SEC filings (10-K, 10-Q, 8-K, earnings releases).\n\n"
        "Ingest filings into a corpus store (structure-preserving: Items, Notes, whole tables, "
        "cross-references, numbers in canonical form, company/form/period metadata), then list "
        "and read them. Pages are stored 0-based and shown 1-based."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
bench_app = typer.Typer(help="Benchmarks; results go under results/.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")
index_app = typer.Typer(
    help="Search indexes (BM25, embeddings): status and rebuild.", no_args_is_help=True
)
app.add_typer(index_app, name="index")

console = Console()
err = Console(stderr=True, soft_wrap=True)  # one-line errors stay one line


def _stage_bars(unit: str) -> tuple[Progress, Callable[[str, int, int], None]]:
    """Transient bars on stderr, one per engine stage ("embed", "bm25", ...), and the
    ``on_progress(stage, done, total)`` callback the engine reports to."""
    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=err, disable=not err.is_terminal, transient=True,
    )  # fmt: skip
    tasks: dict[str, TaskID] = {}

    def on_progress(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(f"{stage} {unit}", total=total)
        progress.update(tasks[stage], completed=done)

    return progress, on_progress


HomeOpt = Annotated[
    Path | None,
    typer.Option(
        "--home", help="docnav data root (default $DOCNAV_HOME or ~/.docnav).", show_default=False
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]


def _engine(home: Path | None):
    from docnav.engine import Engine

    settings = Settings(home=home) if home else Settings()
    return Engine(settings)


# sysexits' EX_UNAVAILABLE: `docnav ask` found the LLM backend down, timed out or refusing
# (no answer was produced); 1 stays every other error
EXIT_LLM_UNAVAILABLE = 69


def _fail(exc: Exception) -> None:
    err.print(f"[red]error:[/red] {exc}")
    raise typer.Exit(code=1)


def _fail_llm(exc: LLMUnavailableError) -> None:
    # the local user configured the backend: its own text (URL included) helps them fix it
    detail = f" ({exc.detail})" if exc.detail else ""
    err.print(f"[red]error:[/red] {escape(str(exc) + detail)}")
    raise typer.Exit(code=EXIT_LLM_UNAVAILABLE)


def _version(value: bool) -> None:
    if value:
        console.print(f"docnav {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """docnav command line."""


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
    json_out: JsonOpt = False,
) -> None:
    """Ingest filings: PDF, EDGAR HTML/iXBRL, .txt/.md. The same bytes again are skipped
    (content hash); a different file never replaces a stored one because of its name or
    path; another version of a stored filing is kept beside it unless --replace (atomic).
    Exit code 1 if any file failed."""
    engine = _engine(home)
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
            )
    except DocnavError as exc:
        _fail(exc)
    if json_out:
        print(report.model_dump_json(indent=2))
    else:
        counts: dict[str, int] = {}
        for f in report.files:
            counts[f.status] = counts.get(f.status, 0) + 1
        summary = ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "no files"
        new_pages = sum(f.pages for f in report.files if f.status in ("added", "replaced"))
        console.print(
            f"{len(report.files)} files: {summary}; {new_pages} pages ingested in {report.seconds:.1f}s "
            f"-> {engine.store.root}",
            soft_wrap=True,
        )
    if report.failed:
        raise typer.Exit(code=1)


@app.command()
def documents(
    home: HomeOpt = None,
    company: Annotated[str | None, typer.Option(help="Company name contains.")] = None,
    ticker: Annotated[str | None, typer.Option(help="Ticker symbol.")] = None,
    form: Annotated[str | None, typer.Option(help="10-K, 10-Q, 8-K, EARNINGS.")] = None,
    year: Annotated[int | None, typer.Option(help="Fiscal year.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """List the catalog of ingested filings, with filters."""
    engine = _engine(home)
    docs = engine.documents(company=company, form=form, year=year, ticker=ticker)
    if json_out:
        print(json.dumps([d.model_dump(mode="json") for d in docs], indent=2))
        return
    table = Table(title=f"{len(docs)} documents in {engine.store.root}")
    table.add_column("doc_id", overflow="fold", min_width=12)  # never elided: it is typed back
    table.add_column("company", overflow="fold", max_width=22)
    for col in ("ticker", "form", "period", "pages", "chunks"):
        table.add_column(col, no_wrap=True)
    for d in docs:
        m = d.meta
        table.add_row(
            d.doc_id,
            m.company or "?",
            m.ticker or "",
            m.form or "?",
            m.fiscal_period or "?",
            str(d.n_pages),
            str(d.n_chunks),
        )
    console.print(table)


@app.command()
def outline(
    doc: Annotated[str, typer.Argument(help="doc_id or name (see `docnav documents`).")],
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Print a filing's section tree with page ranges (pages shown 1-based)."""
    engine = _engine(home)
    try:
        d = engine.document(doc)
        entries = engine.outline(doc)
    except DocnavError as exc:
        _fail(exc)
    if json_out:
        print(json.dumps([e.model_dump() for e in entries], indent=2))
        return
    m = d.meta
    root = Tree(
        f"[bold]{d.doc_id}[/bold] — {m.company or '?'} {m.form or '?'} {m.fiscal_period or ''} "
        f"({d.n_pages} pages; pages shown 1-based)"
    )
    nodes = {}
    for e in entries:
        parent = nodes.get(e.parent, root)
        nodes[e.id] = parent.add(f"{e.title}  [dim]{e.page_label}[/dim]")
    if not entries:
        root.add("[dim](no sections detected)[/dim]")
    console.print(root)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for, in words and numbers.")],
    home: HomeOpt = None,
    company: Annotated[
        str | None, typer.Option(help="Company (lenient match, former names too).")
    ] = None,
    ticker: Annotated[str | None, typer.Option(help="Ticker symbol.")] = None,
    form: Annotated[str | None, typer.Option(help="10-K, 10-Q, 8-K, EARNINGS.")] = None,
    year: Annotated[int | None, typer.Option(help="Fiscal year.")] = None,
    year_min: Annotated[int | None, typer.Option(help="Fiscal year from.")] = None,
    year_max: Annotated[int | None, typer.Option(help="Fiscal year to.")] = None,
    section: Annotated[
        str | None, typer.Option(help="Section path prefix, e.g. 'Part II > Item 8'.")
    ] = None,
    mode: Annotated[str, typer.Option(help="bm25 | dense | hybrid | hybrid+rerank")] = "hybrid",
    fusion: Annotated[str, typer.Option(help="rrf | weighted (hybrid only)")] = "rrf",
    k: Annotated[int, typer.Option("-k", "--k", help="Number of hits.")] = 10,
    understand: Annotated[
        str | None,
        typer.Option(
            help="filter | boost | off: companies/years/forms read from the question "
            "(default $DOCNAV_SEARCH_UNDERSTAND or filter)."
        ),
    ] = None,  # fmt: skip
    no_understand: Annotated[
        bool, typer.Option("--no-understand", help="Do not read filters from the question.")
    ] = False,
    no_expand: Annotated[
        bool, typer.Option("--no-expand", help="No finance-synonym query expansion.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Search the store (BM25, dense, hybrid, hybrid+rerank). Companies, fiscal years and forms
    named in the query become filters (shown; explicit options win), finance synonyms expand
    the BM25 query. The first dense search embeds the corpus (progress shown)."""
    from docnav.retrieval.index import SearchFilters

    if mode not in ("bm25", "dense", "hybrid", "hybrid+rerank") or fusion not in (
        "rrf",
        "weighted",
    ):
        _fail(ValueError(f"unknown mode {mode!r} or fusion {fusion!r}"))
    if understand not in (None, "filter", "boost", "off"):
        _fail(ValueError(f"unknown --understand {understand!r}: filter, boost or off"))
    if not 1 <= k <= 200:
        _fail(ValueError("-k must be between 1 and 200"))
    if year is not None and (year_min is not None or year_max is not None):
        _fail(ValueError("give --year or --year-min/--year-max, not both"))
    engine = _engine(home)
    if mode == "hybrid+rerank" and engine.reranker() is None:
        _fail(ValueError(
            "mode hybrid+rerank needs a reranker and none is configured: set "
            "DOCNAV_RERANKER_MODEL to a CrossEncoder name or local path (see README, "
            "'Reranking'), or use --mode hybrid"
        ))  # fmt: skip
    lo, hi = (year, year) if year is not None else (year_min, year_max)
    filters = SearchFilters(company=company, ticker=ticker, form=form, year_min=lo, year_max=hi,
                            section_prefix=section)  # fmt: skip
    progress, on_progress = _stage_bars(f"chunks ({engine.settings.embedding_model})")
    try:
        with progress:
            res = engine.search(
                query, mode=mode, k=k, filters=filters, fusion=fusion, on_progress=on_progress,
                understand="off" if no_understand else understand, expand=False if no_expand else None,
            )  # fmt: skip
    except DocnavError as exc:
        _fail(exc)
    if json_out:
        print(res.model_dump_json(indent=2))
        return
    for line in res.applied:
        err.print(f"[dim]applied:[/dim] {line}", markup=True, highlight=False)
    if not res.hits:
        console.print("no hits")
    for i, h in enumerate(res.hits, 1):
        pages = (
            f"p. {display_page(h.page_start)}"
            if h.page_start == h.page_end
            else (f"pp. {display_page(h.page_start)}-{display_page(h.page_end)}")
        )
        if h.page is not None and h.page_start != h.page_end:  # unit "page": the ranked page
            pages = f"p. {display_page(h.page)} (chunk {pages})"
        scores = " ".join(f"{n}={v:.3f}" for n, v in h.scores.items())
        console.print(
            f"[bold]{i}. {h.doc_id}[/bold] {pages} [dim]{h.chunk_type}[/dim]  {scores}",
            soft_wrap=True,
        )
        console.print(f"   [cyan]{h.section_path}[/cyan]", soft_wrap=True)
        snippet = " ".join(h.text.split())[:240]
        console.print(f"   {snippet}", markup=False, highlight=False, soft_wrap=True)


@app.command()
def page(
    doc: Annotated[str, typer.Argument(help="doc_id or name.")],
    number: Annotated[int, typer.Argument(help="Page number, 1-based as printed in citations.")],
    home: HomeOpt = None,
) -> None:
    """Print the text of one page (1-based page number)."""
    engine = _engine(home)
    try:
        console.print(engine.page_text(doc, number - 1), markup=False, highlight=False)
    except DocnavError as exc:
        _fail(exc)


@app.command()
def facts(
    doc: Annotated[str | None, typer.Argument(help="doc_id or name (or use --company).")] = None,
    company: Annotated[str | None, typer.Option(help="Company name contains.")] = None,
    metric: Annotated[str | None, typer.Option(help='Line item in words: "capex".')] = None,
    year: Annotated[int | None, typer.Option(help="Fiscal year of the value.")] = None,
    period: Annotated[str | None, typer.Option(help='"FY2019", "Q3 2024", "2019-12-31".')] = None,
    limit: Annotated[int, typer.Option("-k", "--limit", help="Rows to show.")] = 10,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Statement line items (label, values per period, unit, scale, 1-based page)."""
    from docnav.tools.access import ToolError
    from docnav.tools.facts import find_facts, format_rows

    if not (doc or company):
        _fail(ValueError("give a DOC or --company"))
    engine = _engine(home)
    try:
        rows = find_facts(
            engine.store, doc=doc, company=company, metric=metric, year=year, period=period,
            limit=limit,
        )  # fmt: skip
    except (DocnavError, ToolError) as exc:
        _fail(exc)
    if json_out:
        print(json.dumps([r.model_dump() for r in rows], indent=2))
        return
    for line in format_rows(rows) or ["no matching line items"]:
        console.print(line, markup=False, highlight=False)


@app.command()
def remove(
    doc: Annotated[str, typer.Argument(help="doc_id or name.")],
    home: HomeOpt = None,
) -> None:
    """Remove a filing and its files from the store."""
    engine = _engine(home)
    try:
        d = engine.remove(doc)
    except DocnavError as exc:
        _fail(exc)
    console.print(f"removed {d.doc_id} ({d.source_path})")


@bench_app.command("ingest")
def bench_ingest(
    pdfs: Annotated[Path, typer.Option(help="Folder of PDFs.")] = FB_PDFS,
    questions: Annotated[
        Path, typer.Option(help="FinanceBench questions.jsonl (evidence pages).")
    ] = FB_QUESTIONS,
    documents_jsonl: Annotated[
        Path, typer.Option("--documents", help="documents.jsonl (truth for metadata).")
    ] = FB_DOCUMENTS,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("results/ingest"),
    limit: Annotated[int | None, typer.Option(help="Only the first N PDFs (smoke runs).")] = None,
) -> None:
    """Ingestion speed (1 and 2 processes vs bare pypdfium2 extraction) and structure quality."""
    from docnav.bench.ingest import run_ingest_bench

    try:
        run_ingest_bench(pdfs, questions, documents_jsonl, out, limit=limit, console=console)
    except DocnavError as exc:
        _fail(exc)


@bench_app.command("ingest-scale")
def bench_ingest_scale(
    corpus: Annotated[
        Path, typer.Option(help="A docnav synth corpus (docnav synth --scale -o PATH).")
    ] = Path("~/.docnav/synth-scale"),
    fmt: Annotated[
        str, typer.Option("--format", help="html or pdf filings of the corpus.")
    ] = "html",
    processes: Annotated[str, typer.Option(help="Process counts, comma-separated.")] = "1,2",
    limit: Annotated[int | None, typer.Option(help="Only the first N filings.")] = None,
    keep_store: Annotated[
        Path | None, typer.Option(help="Keep the last run's store here (files under random names).")
    ] = None,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("results/ingest-scale"),
) -> None:
    """Ingestion at corpus scale on a synthetic corpus: bare parse vs full ingestion (1 and 2
    processes), an unchanged re-ingest, chunks, store size, metadata accuracy vs the truth."""
    from docnav.bench.ingest_scale import run_ingest_scale_bench

    try:
        procs = tuple(int(x) for x in processes.split(",") if x.strip())
        if not procs or min(procs) < 1:
            raise DocnavError("--processes takes counts >= 1, e.g. 1,2")
        run_ingest_scale_bench(
            corpus.expanduser(), out, fmt=fmt, processes=procs, limit=limit,
            keep_store=keep_store.expanduser() if keep_store else None, console=console,
        )  # fmt: skip
    except ValueError:
        _fail(DocnavError(f"--processes takes counts like 1,2, not {processes!r}"))
    except DocnavError as exc:
        _fail(exc)


@bench_app.command("retrieval")
def bench_retrieval(
    pdfs: Annotated[Path, typer.Option(help="Folder of FinanceBench PDFs.")] = FB_PDFS,
    questions: Annotated[
        Path, typer.Option(help="questions.jsonl (evidence pages).")
    ] = FB_QUESTIONS,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("results/retrieval"),
    bench_home: Annotated[
        Path, typer.Option("--bench-home", help="Store and indexes for the benchmark.")
    ] = Path("~/.docnav/bench-financebench"),
    reranker: Annotated[
        str | None,
        typer.Option(
            "--reranker",
            help="Adds the +rerank row: bi-encoder | cross-encoder:<path> | llm:listwise | "
            "llm:pointwise (the LLM ones use the configured chat model).",
        ),
    ] = None,
    rows: Annotated[
        str | None,
        typer.Option(help="Only these rows: comma-separated labels, 'bm25' (every BM25-only row: "
                     "no embeddings needed) or 'pages' (every page row)."),
    ] = None,  # fmt: skip
    previous: Annotated[
        Path | None,
        typer.Option(help="A results.json whose rows this run does not measure are carried over "
                     "(marked with their commit)."),
    ] = None,  # fmt: skip
    planted: Annotated[
        Path | None,
        typer.Option(help="A `docnav synth` folder: adds its planted questions' recall."),
    ] = None,
    planted_home: Annotated[
        Path | None, typer.Option(help="Store for the planted set (default: beside --bench-home).")
    ] = None,
    partial_dense: Annotated[
        bool,
        typer.Option(help="Embed nothing: use the embeddings on disk (single-store rows and "
                     "shared-store BM25 rows only)."),
    ] = False,  # fmt: skip
) -> None:
    """Evidence-page recall@1/5/10/20 and MRR of bm25, dense and hybrid on FinanceBench
    (shared and single store, LLM-free; chunk and page recall), and bm25s against rank-bm25 in
    one run. The first run ingests and embeds the 128 filings (about 15 minutes on 2 idle CPU
    cores; hours on a loaded one)."""
    from docnav.bench.retrieval import pick_configs, run_retrieval_bench

    try:
        rr = None
        if reranker:
            rr = _engine(bench_home.expanduser()).make_reranker(reranker)
        run_retrieval_bench(
            pdfs, questions, out, bench_home.expanduser(), console=console,
            command="docnav " + " ".join(sys.argv[1:]), reranker=rr, configs=pick_configs(rows),
            previous=previous, planted=planted,
            planted_home=planted_home.expanduser() if planted_home else None,
            partial_dense=partial_dense,
        )  # fmt: skip
    except (DocnavError, ValueError) as exc:
        _fail(exc)


@bench_app.command("rerank")
def bench_rerank(
    rerankers: Annotated[
        str,
        typer.Option(
            "--rerankers",
            help="Comma-separated: llm:listwise, llm:pointwise, bi-encoder, cross-encoder:<path>.",
        ),
    ] = "llm:listwise,llm:pointwise",
    questions: Annotated[
        Path, typer.Option(help="questions.jsonl (evidence pages).")
    ] = FB_QUESTIONS,
    limit: Annotated[int | None, typer.Option(help="First N questions.")] = None,
    depth: Annotated[int, typer.Option(help="Candidates each reranker reorders.")] = 20,
    out: Annotated[Path, typer.Option(help="Output folder (resumed).")] = Path(
        "results/rerank"
    ),
    bench_home: Annotated[
        Path, typer.Option("--bench-home", help="An ingested FinanceBench store.")
    ] = Path("~/.docnav/bench-financebench"),
) -> None:
    """Evidence-page recall of each reranker against no reranking, on the same hybrid+filters
    candidates over the shared store; resumable (LLM rerankers take minutes per question on
    a CPU). The LLM rerankers use the configured chat model (DOCNAV_LLM_*)."""
    from docnav.bench.rerank import run_rerank_bench

    try:
        run_rerank_bench(
            _engine(bench_home.expanduser()), questions, out,
            [s.strip() for s in rerankers.split(",") if s.strip()], limit=limit, depth=depth,
            console=console, command="docnav " + " ".join(sys.argv[1:]),
        )  # fmt: skip
    except DocnavError as exc:
        _fail(exc)


@bench_app.command("grep")
def bench_grep(
    store: Annotated[
        Path | None,
        typer.Option(help="An ingested store to read (read-only); default: ingest --pdfs."),
    ] = None,
    pdfs: Annotated[Path, typer.Option(help="PDFs to ingest when no --store.")] = FB_PDFS,
    bench_home: Annotated[
        Path, typer.Option("--bench-home", help="Where --pdfs are ingested.")
    ] = Path("~/.docnav/bench-financebench"),
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("results/grep"),
    reps: Annotated[int, typer.Option(help="Timed runs per pattern (p50).")] = 5,
    limit_docs: Annotated[int, typer.Option(help="Only the first N filings (smoke runs).")] = 0,
) -> None:
    """grep engines in one run: rg --json (ripgrep wheel) vs pyripgrep vs a Python re scan,
    same hits as the scan and p50 time per pattern, over store pages, one big file and edge
    cases."""
    from docnav.bench.grep import run_grep_bench
    from docnav.settings import Settings

    store_given = store is not None
    if store is None:
        from docnav.engine import Engine

        engine = Engine(Settings(home=bench_home.expanduser()))
        report = engine.ingest([pdfs], workers=2)
        if report.failed:
            _fail(DocnavError(f"{len(report.failed)} filings failed to ingest"))
        store = engine.store.root
    try:
        run_grep_bench(
            store.expanduser(),
            out,
            reps=reps,
            console=console,
            limit_docs=limit_docs,
            store_given=store_given,
        )
    except (DocnavError, RuntimeError) as exc:
        _fail(exc)


@index_app.command("status")
def index_status(home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """What is built, stale, missing or unreadable (builds nothing)."""
    engine = _engine(home)
    try:
        st = engine.index_status()
    except DocnavError as exc:
        _fail(exc)
    if json_out:
        print(st.model_dump_json(indent=2))
        return
    console.print(
        f"{st.documents} documents, {st.chunks} chunks in {st.folder}\n"
        f"bm25: {st.bm25}\n"
        f"embeddings ({st.embedding_model}): {st.dense_embedded} documents embedded, "
        f"{st.dense_missing} to embed, {len(st.dense_corrupt)} unreadable",
        soft_wrap=True,
    )
    if st.bm25 == "corrupt" or st.dense_corrupt:
        err.print("run `docnav index rebuild` to fix the unreadable parts")


@index_app.command("rebuild")
def index_rebuild(
    home: HomeOpt = None,
    bm25_only: Annotated[
        bool, typer.Option("--bm25-only", help="Rebuild BM25 only; embed nothing now.")
    ] = False,
    full: Annotated[
        bool, typer.Option("--full", help="Also re-embed every document (slow).")
    ] = False,
) -> None:
    """Rebuild the search indexes from the store: BM25 always, unreadable embedding files
    dropped and re-embedded (every document with --full)."""
    engine = _engine(home)
    progress, on_progress = _stage_bars("chunks")
    try:
        with progress:
            st = engine.rebuild_index(dense=not bm25_only, full=full, on_progress=on_progress)
    except DocnavError as exc:
        _fail(exc)
    console.print(
        f"rebuilt: {st.documents} documents, {st.chunks} chunks; bm25 {st.bm25}; "
        f"{st.dense_embedded} documents embedded",
        soft_wrap=True,
    )


@app.command()
def serve(
    home: HomeOpt = None,
    host: Annotated[
        str, typer.Option(help="Interface to bind; anything but loopback needs API keys.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes.")] = 1,
) -> None:
    """Run the REST API (OpenAPI at /docs) over the same store and indexes as the CLI.
    Keys: DOCNAV_API_KEYS (comma-separated) or DOCNAV_API_KEY_FILE; without one the
    service binds 127.0.0.1 only."""
    from docnav.serving.server import check_bind
    from docnav.serving.server import serve as run_server

    settings = Settings(home=home) if home else Settings()
    try:
        err.print(check_bind(settings, host))
        run_server(settings, host=host, port=port, workers=workers)
    except DocnavError as exc:
        _fail(exc)


@app.command()
def mcp(
    home: HomeOpt = None,
    http: Annotated[
        bool, typer.Option("--http", help="Streamable HTTP at /mcp instead of stdio.")
    ] = False,
    host: Annotated[
        str, typer.Option(help="--http: interface to bind; anything but loopback needs API keys.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="--http: TCP port.")] = 8001,
    no_ask: Annotated[
        bool, typer.Option("--no-ask", help="Offer the reading tools only, not ask (no LLM).")
    ] = False,
) -> None:
    """MCP server (Model Context Protocol) with docnav's read-only tools: list_documents,
    outline, read_section, read_pages, search, grep (facts where built) and ask. stdio by
    default (an MCP client starts `docnav mcp`); --http serves streamable HTTP at
    http://HOST:PORT/mcp with the REST API's key rules. Pages are 1-based."""
    from docnav.mcp_server import serve as serve_mcp
    from docnav.serving.server import check_bind

    engine = _engine(home)
    try:
        if http:
            err.print(check_bind(engine.settings, host) + f"; MCP at http://{host}:{port}/mcp")
        serve_mcp(engine, "http" if http else "stdio", host=host, port=port, ask=not no_ask)
    except DocnavError as exc:
        _fail(exc)


@bench_app.command("crash")
def bench_crash(
    pdfs: Annotated[
        Path, typer.Option(help="FinanceBench PDFs: three short ones join three synthetic filings.")
    ] = FB_PDFS,
    events: Annotated[int, typer.Option(help="Exact (hooked) kills per scenario.")] = 12,
    timed: Annotated[int, typer.Option(help="Timed kills per scenario.")] = 5,
    work: Annotated[Path, typer.Option(help="Scratch folder.")] = Path("/tmp/docnav-crash"),
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("results/crash"),
) -> None:
    """kill -9 `docnav ingest`, `ingest --force` and `index rebuild --full` at many points;
    after each kill check the store and indexes, then rerun and compare (exit 1 on a failure)."""
    from docnav.bench.crash import default_files, run_crash_bench

    cmd = (
        "docnav bench crash"
        + (f" --events {events}" if events != 12 else "")
        + (f" --timed {timed}" if timed != 5 else "")
    )
    files = default_files(work, pdfs)
    # a --full rebuild embeds everything (a minute here): fewer kills there
    budgets = {"rebuild": (min(events, 6), min(timed, 4))}
    r = run_crash_bench(files, work, out, event_budget=events, timed=timed, budgets=budgets,
                        command=cmd, log=console.print)  # fmt: skip
    console.print(f"{r['kills']} kills, {r['failed']} failed -> {out}/report.md")
    if r["failed"]:
        raise typer.Exit(code=1)


@bench_app.command("soak")
def bench_soak(
    bench_home: Annotated[
        Path, typer.Option("--bench-home", help="Store the server serves (made once, cached).")
    ] = Path("~/.docnav/bench-soak"),
    models: Annotated[
        Path | None,
        typer.Option(help="Where the 0.5B GGUF is joined from its parts (default DOCNAV_HOME/models)."),
    ] = None,
    clients: Annotated[int, typer.Option(help="Concurrent clients (8-32).")] = 16,
    seconds: Annotated[float, typer.Option(help="Traffic duration.")] = 180.0,
    max_requests: Annotated[int, typer.Option(help="Upper bound on requests.")] = 20000,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("results/soak"),
) -> None:
    """Soak `docnav serve` on 127.0.0.1 with mixed search / documents / ask / upload traffic
    while its llama.cpp LLM server is killed and restarted; exit 1 unless it passes."""
    from docnav.bench.soak import run_soak

    cmd = f"docnav bench soak --clients {clients} --seconds {seconds:g}"
    models_dir = models.expanduser() if models else Settings().home_dir / "models"
    try:
        r = run_soak(bench_home.expanduser(), out, models_dir, clients=clients, duration_s=seconds,
                     max_requests=max_requests, command=cmd, console=console)  # fmt: skip
    except (DocnavError, RuntimeError) as exc:
        _fail(exc)
    console.print(f"{'PASS' if r['passed'] else 'FAIL'} -> {out}/report.md")
    if not r["passed"]:
        raise typer.Exit(code=1)


@bench_app.command("fuzz")
def bench_fuzz(
    seconds: Annotated[int, typer.Option(help="Fuzzing time.")] = 600,
    seed: Annotated[int, typer.Option(help="libFuzzer seed.")] = 1,
    work: Annotated[Path, typer.Option(help="Scratch folder.")] = Path("/tmp/docnav-fuzz"),
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("results/fuzz"),
) -> None:
    """atheris on parse_file (PDF / HTML / text) for a bounded time; exit 1 on a finding."""
    from docnav.bench.fuzz import run_fuzz

    r = run_fuzz(seconds, work, out, seed=seed, command=f"docnav bench fuzz --seconds {seconds}")
    n = r["number_of_executed_units"]
    console.print(f"{n} inputs, {len(r['findings'])} findings -> {out}/report.md")
    if r["findings"] or r["native_crashes"]:
        raise typer.Exit(code=1)


@bench_app.command("load")
def bench_load(
    bench_home: Annotated[
        Path, typer.Option("--bench-home", help="Store the server serves (ingested once, cached).")
    ] = Path("~/.docnav/bench-load"),
    pdfs: Annotated[Path, typer.Option(help="FinanceBench PDFs to ingest into it.")] = FB_PDFS,
    questions: Annotated[
        Path, typer.Option(help="questions.jsonl (search queries).")
    ] = FB_QUESTIONS,
    limit: Annotated[int, typer.Option(help="Filings in the store.")] = 20,
    requests: Annotated[int, typer.Option(help="Search requests per concurrency level.")] = 600,
    time_cap: Annotated[float, typer.Option(help="Seconds per level at most.")] = 60.0,
    ask: Annotated[
        str, typer.Option(help="stub (fixed-latency stand-in) | real (the configured LLM).")
    ] = "stub",
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("results/load"),
) -> None:
    """Bounded load test of `docnav serve` on 127.0.0.1: /v1/search at 1, 8 and 32 clients
    (throughput, p50/p95/p99, errors, server RSS) and /v1/ask past its concurrency limit
    (queueing, then 503 + Retry-After)."""
    from docnav.bench.load import run_load_bench

    if ask not in ("stub", "real"):
        _fail(ValueError("--ask is stub or real"))
    try:
        run_load_bench(bench_home.expanduser(), pdfs, questions, out, limit=limit,
                       requests=requests, time_cap_s=time_cap, ask=ask, console=console)  # fmt: skip
    except (DocnavError, RuntimeError) as exc:
        _fail(exc)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    mode: Annotated[
        str,
        typer.Option(
            "--mode",
            "-m",
            help="agent (navigates with tools) | rag (retrieve then answer) | long-context "
            "(whole filing in the prompt) | oracle (the given --pages) | closed-book (no documents).",
        ),
    ] = "agent",
    doc: Annotated[
        str | None, typer.Option("--doc", help="Scope to one filing (name or id).")
    ] = None,
    company: Annotated[str | None, typer.Option("--company", help="Filter by company.")] = None,
    form: Annotated[str | None, typer.Option("--form", help="Filter by form (10-K, ...).")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Filter by fiscal year.")] = None,
    pages: Annotated[
        str | None, typer.Option("--pages", help="oracle: evidence pages, 1-based, e.g. 12,13.")
    ] = None,
    thread: Annotated[
        str | None, typer.Option("--thread", help="agent: continue this conversation thread.")
    ] = None,
    question_first: Annotated[
        bool, typer.Option("--question-first", help="Put the question before the context.")
    ] = False,
    policy: Annotated[
        str | None,
        typer.Option(
            "--policy",
            help="agent: guided (retrieval first, guards, arithmetic in code) | free "
            "(default: DOCNAV_AGENT_POLICY, auto = guided for the local model).",
        ),
    ] = None,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Answer a question with numbers and page citations, streaming each step.

    The default LLM is the embedded CPU model (llama.cpp, extra `local`); point docnav at a
    vLLM or other OpenAI-compatible server with DOCNAV_LLM_BACKEND=openai and
    DOCNAV_LLM_BASE_URL=http://host:8000/v1. Exit code 69 when the LLM backend is down,
    times out or refuses (there is no answer then), 1 for other errors."""
    from docnav.agent.llm.base import LLMError
    from docnav.render import print_answer, print_step
    from docnav.retrieval.index import SearchFilters

    modes = ("agent", "rag", "long-context", "oracle", "closed-book")
    if mode not in modes:
        _fail(DocnavError(f"unknown mode {mode!r}; choose one of {', '.join(modes)}"))
    if policy not in (None, "guided", "free"):
        _fail(DocnavError(f"unknown agent policy {policy!r}; choose guided or free"))
    try:
        page_list = [int(p) for p in pages.split(",")] if pages else None
    except ValueError:
        _fail(DocnavError(f"--pages takes 1-based page numbers separated by commas, not {pages!r}"))
    filters = None
    if company or form or year:
        filters = SearchFilters(company=company, form=form, year_min=year, year_max=year)
    eng = _engine(home)
    on_step = None if json_out else (lambda s: print_step(console, s))
    try:
        if not json_out:
            console.print(f"[dim]loading {eng.settings.llm_backend} model ...[/dim]")
        _ = eng.chat_model
        ans = eng.ask(
            question,
            mode=mode,  # type: ignore[arg-type]
            doc=doc,
            filters=filters,
            pages=page_list,
            thread_id=thread,
            question_first=question_first,
            on_step=on_step,
            policy=policy,  # type: ignore[arg-type]
        )
    except LLMUnavailableError as e:
        _fail_llm(e)
    except (DocnavError, LLMError) as e:
        _fail(e)
    if json_out:
        sys.stdout.write(ans.model_dump_json(indent=2) + "\n")
    else:
        print_answer(console, ans)


@bench_app.command("retrieval-speed")
def bench_retrieval_speed(
    store: Annotated[
        Path, typer.Option(help="An ingested store to take real chunks from (read only).")
    ] = Path("~/.docnav/bench-financebench/store"),
    embeddings: Annotated[
        Path | None,
        typer.Option(
            help="Real embeddings: an index folder of per-filing .npy (<home>/indexes/dense-*), "
            "or a .npz of texts + matrix (written there by a run that had to embed a sample)."
        ),
    ] = None,
    questions: Annotated[Path, typer.Option(help="questions.jsonl (the queries).")] = FB_QUESTIONS,
    sizes: Annotated[
        str, typer.Option(help="Corpus sizes, comma-separated.")
    ] = "1000,10000,100000",
    queries: Annotated[int, typer.Option(help="Queries per measurement.")] = 100,
    threads: Annotated[int, typer.Option(help="Threads for index builds.")] = 2,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path(
        "results/retrieval-speed"
    ),
) -> None:
    """Build time, query p50/p95 and memory at 1k/10k/100k chunks: bm25s vs rank-bm25, dense
    exact vs HNSW, hybrid end to end with and without filters."""
    from docnav.bench.retrieval_speed import run_retrieval_speed_bench

    store = store.expanduser()
    if not (store / "catalog.sqlite").exists():
        _fail(DocnavError(f"no ingested store at {store}; run `docnav bench retrieval` first"))
    try:
        size_list = tuple(int(s) for s in sizes.split(",") if s.strip())
    except ValueError:
        _fail(DocnavError(f"--sizes must be integers separated by commas, not {sizes!r}"))
    try:
        run_retrieval_speed_bench(
            store,
            questions,
            out,
            embeddings=embeddings.expanduser() if embeddings else None,
            sizes=size_list,
            queries=queries,
            threads=threads,
            console=console,
        )
    except DocnavError as exc:
        _fail(exc)


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
        _fail(DocnavError("--small and --scale are two presets; pick one"))
    try:
        fmts = [f.strip() for f in formats.split(",") if f.strip()]
        if small or scale:
            preset = small_config(seed) if small else scale_config(seed)
            cfg = SynthConfig.model_validate({**preset.model_dump(), "formats": fmts})
        else:
            a, _, b = years.partition("-")
            cfg = SynthConfig(
                companies=companies, first_year=int(a), last_year=int(b or a), seed=seed,
                formats=fmts,
                quarters=[int(q) for q in quarters.split(",") if q.strip()],
                earnings=earnings, quarterly_companies=quarterly_companies,
            )  # fmt: skip
    except ValueError as exc:  # ValidationError is a ValueError
        msg = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        _fail(DocnavError(f"bad synth options: {msg}"))
    if not cfg.formats:
        _fail(DocnavError("--formats needs html, pdf or both"))
    progress = Progress(
        SpinnerColumn(), TextColumn("[bold]synth"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} filings/s"), TimeElapsedColumn(), TimeRemainingColumn(),
        console=err, disable=not err.is_terminal or json_out,
    )  # fmt: skip
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
        _fail(DocnavError(f"synth failed: {exc}"))
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


# -- answer benchmark (issue 6): bench answers / report / compare / checkers -------------------


def _split(s: str | None) -> list[str] | None:
    return [x.strip() for x in s.split(",") if x.strip()] if s else None


@bench_app.command("answers")
def bench_answers(
    questions: Annotated[
        Path | None,
        typer.Option(
            help="Question JSONL: FinanceBench or docnav's format (default ../shared/financebench/questions.jsonl)."
        ),
    ] = None,
    modes: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated: closed-book, rag, rag-single, long-context, "
            "long-context-qfirst, oracle, oracle-qfirst, agent, agent-single (the free policy), "
            "agent-guided (the guided policy) (default closed-book,rag,agent)."
        ),
    ] = None,
    ids: Annotated[str | None, typer.Option(help="Comma-separated question ids.")] = None,
    company: Annotated[str | None, typer.Option(help="Only this company's questions.")] = None,
    question_type: Annotated[str | None, typer.Option(help="Only this question type.")] = None,
    failure_mode: Annotated[
        str | None, typer.Option(help="Only this planted failure mode (docnav synth sets).")
    ] = None,
    order: Annotated[
        str | None,
        typer.Option(help="file (default) or round-robin over failure modes, before --limit."),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="First N selected questions.")] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Run folder, resumed when it exists (default results/answers)."),
    ] = None,
    bench_home: Annotated[
        Path | None,
        typer.Option(
            "--bench-home",
            help="Store with the filings, ingested from --pdfs if empty (default ~/.docnav/bench-financebench).",
        ),
    ] = None,
    pdfs: Annotated[Path | None, typer.Option(help="PDFs to ingest into an empty store.")] = None,
    config: Annotated[
        Path | None, typer.Option(help="Run config (YAML or JSON, same keys); flags win.")
    ] = None,
    backend: Annotated[
        str | None, typer.Option(help="Answering LLM backend: local | openai | vllm.")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Answering model name or .gguf path.")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible server URL.")] = None,
    judge_backend: Annotated[
        str | None,
        typer.Option(help="same (the answering model) | none | local | openai | vllm."),
    ] = None,
    judge_model: Annotated[str | None, typer.Option(help="Judge model name.")] = None,
    judge_base_url: Annotated[str | None, typer.Option(help="Judge server URL.")] = None,
    rag_k: Annotated[int | None, typer.Option(help="Chunks given to rag modes.")] = None,
    rag_mode: Annotated[str | None, typer.Option(help="bm25 | dense | hybrid.")] = None,
    timeout_s: Annotated[
        float | None, typer.Option(help="Per-question time limit, seconds (default 900).")
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option(help="Questions at once (HTTP backends only).")
    ] = None,
    tolerance: Annotated[
        float | None, typer.Option(help="Numeric tolerance, relative (0.01 = ±1%).")
    ] = None,
    retry_timeouts: Annotated[
        bool, typer.Option("--retry-timeouts", help="Rerun questions that timed out.")
    ] = False,
    guided_off: Annotated[
        str | None,
        typer.Option(
            "--guided-off",
            help="agent-guided ablation: pieces switched off, comma-separated: first, facts, "
            "repeat, notfound, tools, plan, calc (a new --out per ablation).",
        ),
    ] = None,
) -> None:
    """Answer a question set in several modes and grade it (numeric verifier, refusal
    detector, LLM judge); resumable: rerun the same command to go on where it stopped. Writes
    answers.jsonl, results.json, report.md and plots to --out."""
    from docnav.agent.llm.base import LLMError
    from docnav.bench.answers import RunConfig, load_config, run_answers
    from docnav.bench.answers_report import write_report

    try:
        data = load_config(config) if config else {}
        flags = {
            "questions": questions, "modes": _split(modes), "ids": _split(ids),
            "company": company, "question_type": question_type, "failure_mode": failure_mode,
            "order": order, "limit": limit, "out": out,
            "bench_home": bench_home, "pdfs": pdfs, "judge": judge_backend,
            "judge_model": judge_model, "judge_base_url": judge_base_url, "rag_k": rag_k,
            "rag_mode": rag_mode, "timeout_s": timeout_s, "concurrency": concurrency,
            "tolerance": tolerance, "guided_off": guided_off,
        }  # fmt: skip
        data.update({k: v for k, v in flags.items() if v is not None})
        llm = dict(data.get("llm") or {})
        llm.update(
            {k: v for k, v in (("backend", backend), ("model", model), ("base_url", base_url)) if v}
        )
        data["llm"] = llm
        data["retry_timeouts"] = retry_timeouts or data.get("retry_timeouts", False)
        data["command"] = "docnav " + " ".join(sys.argv[1:])
        cfg = RunConfig.model_validate(data)
        run_answers(cfg, console=console)
        s = Settings()
        res = write_report(
            cfg.out, s.bench_price_in_per_mtok, s.bench_price_out_per_mtok, cfg.paper_results
        )
    except (DocnavError, LLMError) as exc:
        _fail(exc)
    except KeyboardInterrupt:
        err.print("stopped; rerun the same command to go on where it stopped")
        raise typer.Exit(130) from None
    for v in res["variants"]:
        m = res["metrics"][v]
        acc = "–" if m["accuracy"] is None else f"{100 * m['accuracy']:.1f}%"
        console.print(f"{v}: {acc} correct of {m['n']}, outcomes {m['outcomes']}")
    console.print(f"report: {cfg.out / 'report.md'}")


@bench_app.command("report")
def bench_report(
    run: Annotated[Path, typer.Argument(help="A run folder of `docnav bench answers`.")],
    paper_results: Annotated[
        Path, typer.Option(help="The paper's labelled outputs, for side-by-side figures.")
    ] = FB_PAPER,
) -> None:
    """Rewrite report.md, results.json and the plots of a run from its answers.jsonl."""
    from docnav.bench.answers_report import write_report

    s = Settings()
    try:
        write_report(run, s.bench_price_in_per_mtok, s.bench_price_out_per_mtok, paper_results)
    except DocnavError as exc:
        _fail(exc)
    console.print(f"report: {run / 'report.md'}")


@bench_app.command("compare")
def bench_compare(
    run_a: Annotated[Path, typer.Argument(help="First run folder.")],
    run_b: Annotated[Path, typer.Argument(help="Second run folder.")],
    json_out: JsonOpt = False,
) -> None:
    """Diff two answer-benchmark runs: per mode accuracy, refusals, evidence recall, latency,
    tokens on the questions both ran, and the questions whose outcome flipped."""
    from docnav.bench.compare import compare_runs, render_comparison

    s = Settings()
    try:
        cmp = compare_runs(run_a, run_b, s.bench_price_in_per_mtok, s.bench_price_out_per_mtok)
    except DocnavError as exc:
        _fail(exc)
    if json_out:
        print(json.dumps(cmp, indent=2))
    else:
        console.print(render_comparison(cmp), markup=False)


@bench_app.command("checkers")
def bench_checkers(
    paper_results: Annotated[Path, typer.Option(help="The paper's labelled outputs.")] = FB_PAPER,
    questions: Annotated[Path, typer.Option(help="FinanceBench questions.jsonl.")] = FB_QUESTIONS,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("results/checkers"),
    judge_backend: Annotated[
        str, typer.Option(help="none (numeric + refusal only) | local | openai | vllm.")
    ] = "none",
    judge_model: Annotated[str | None, typer.Option(help="Judge model name.")] = None,
    judge_base_url: Annotated[str | None, typer.Option(help="Judge server URL.")] = None,
    n: Annotated[int, typer.Option("--n", help="Judge sample size (labelled rows).")] = 40,
    seed: Annotated[int, typer.Option(help="Seed of the judge sample.")] = 0,
    max_minutes: Annotated[
        float | None, typer.Option(help="Start no new judge call after this long.")
    ] = None,
) -> None:
    """Validate the checkers against the paper's human labels: the numeric verifier and the
    refusal detector on every labelled row, the LLM judge on a seeded sample (resumable)."""
    from docnav.agent.llm import make_chat_model
    from docnav.agent.llm.base import LLMError
    from docnav.bench.answers import ModelSpec
    from docnav.bench.answers_validate import run_checker_validation

    s = Settings()
    try:
        judge = None
        if judge_backend != "none":
            spec = ModelSpec(backend=judge_backend, model=judge_model, base_url=judge_base_url)
            judge = make_chat_model(spec.settings(s))
        res = run_checker_validation(
            out, paper_results, questions, judge, judge_backend, n=n, seed=seed,
            tol=s.bench_numeric_tolerance, loose=s.bench_numeric_loose_tolerance,
            deadline_s=None if max_minutes is None else 60 * max_minutes,
            command="docnav " + " ".join(sys.argv[1:]),
        )  # fmt: skip
    except (DocnavError, LLMError) as exc:
        _fail(exc)
    for k, v in res["numeric"]["policies"].items():
        console.print(f"numeric {k}: {100 * v['agreement']:.1f}% agreement with human labels")
    console.print(f"refusals: {100 * res['refusals']['agreement']:.1f}% agreement")
    if res.get("judge"):
        console.print(f"judge: {res['judge']}")
    console.print(f"report: {out / 'report.md'}")


@bench_app.command("llm")
def bench_llm(
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("results/llm"),
    prompt_tokens: Annotated[int, typer.Option(help="Prompt length, tokens.")] = 2000,
    gen_tokens: Annotated[int, typer.Option(help="Tokens generated per setting.")] = 32,
    n_prompts: Annotated[int, typer.Option(help="Tool-use prompts per model and mode.")] = 6,
    only: Annotated[
        str | None, typer.Option(help="Comma-separated substrings of setting labels, e.g. 0.5B.")
    ] = None,
    calls: Annotated[bool, typer.Option(help="Also count malformed tool calls.")] = True,
) -> None:
    """Embedded llama.cpp speed: prompt and generation tokens/s per setting (threads, batch,
    flash attention, OpenMP wait policy), prefix-cache reuse, and malformed tool calls with and
    without the grammar, for the 0.5B and 1.5B models."""
    from docnav.agent.llm.base import LLMError
    from docnav.bench.llm import run_llm_bench
    from docnav.settings import get_settings

    try:
        run_llm_bench(
            out, get_settings().models_dir, prompt_tokens=prompt_tokens, gen_tokens=gen_tokens,
            n_prompts=n_prompts, only=only, calls=calls, console=console,
            command="docnav " + " ".join(sys.argv[1:]),
        )  # fmt: skip
    except (DocnavError, LLMError) as exc:
        _fail(exc)
    console.print(f"report: {out / 'report.md'}")


@bench_app.command("grade")
def bench_grade(
    run: Annotated[Path, typer.Argument(help="A run folder of `docnav bench answers`.")],
    judge_backend: Annotated[
        str, typer.Option(help="none | local | openai | vllm: judges sentence answers.")
    ] = "none",
    judge_model: Annotated[str | None, typer.Option(help="Judge model name.")] = None,
    judge_base_url: Annotated[str | None, typer.Option(help="Judge server URL.")] = None,
    rejudge: Annotated[
        bool, typer.Option("--rejudge", help="Judge again rows the judge already decided.")
    ] = False,
    paper_results: Annotated[
        Path, typer.Option(help="The paper's labelled outputs, for the report.")
    ] = FB_PAPER,
) -> None:
    """Grade a run again without answering: numeric verifier and refusal detector on every
    row, the judge where no judge verdict exists (e.g. a run made with --judge-backend none);
    then rewrite the report."""
    from docnav.agent.llm import make_chat_model
    from docnav.agent.llm.base import LLMError
    from docnav.bench.answers import ModelSpec, regrade
    from docnav.bench.answers_report import write_report
    from docnav.bench.judge import Grader

    s = Settings()
    try:
        judge = None
        if judge_backend != "none":
            spec = ModelSpec(backend=judge_backend, model=judge_model, base_url=judge_base_url)
            judge = make_chat_model(spec.settings(s))
        grader = Grader(judge, s.bench_numeric_tolerance, s.bench_numeric_loose_tolerance)
        counts = regrade(run, grader, rejudge=rejudge)
        write_report(run, s.bench_price_in_per_mtok, s.bench_price_out_per_mtok, paper_results)
    except (DocnavError, LLMError) as exc:
        _fail(exc)
    console.print(f"{counts}; report: {run / 'report.md'}")


# -- demo (issue 8): RAG vs agent side by side on the synthetic corpus --------------------------


@app.command()
def demo(
    home: HomeOpt = None,
    questions: Annotated[
        str,
        typer.Option(
            help="How many planted questions (picked round-robin over the failure modes), or a "
            "question file (docnav JSONL or FinanceBench) to ask instead.",
        ),
    ] = "2",
    modes: Annotated[str, typer.Option(help="Comma-separated: rag, agent.")] = "rag,agent",
    corpus: Annotated[
        Path | None,
        typer.Option(
            help="Your own filings (file or folder) instead of the synthetic corpus; "
            "needs --questions FILE."
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            help="LLM model: qwen2.5-coder-1.5b (default), qwen2.5-coder-0.5b, a .gguf "
            "path, or the server's model name with DOCNAV_LLM_BACKEND=openai."
        ),
    ] = None,
    fast: Annotated[
        bool, typer.Option("--fast", help="The 0.5B embedded model: faster, less often right.")
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option("--limit", "-n", help="With a question file: ask the first N picked."),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """The main job in one command: build (or reuse) a small synthetic SEC corpus with planted
    RAG failure cases, ingest it, answer a few of its questions in rag and agent mode with the
    embedded CPU model, and show side by side the answers, citations (whose quote was found on a
    page read), steps, tokens, time and which were right (numeric checker vs the gold answer)."""
    from docnav.demo import FAST_MODEL, DemoOptions, print_demo, run_demo
    from docnav.render import print_step

    if fast and model:
        _fail(DocnavError("--fast picks the 0.5B model; give --fast or --model, not both"))
    qfile: Path | None = None
    n = limit or 2
    if questions.strip().isdigit():
        n = int(questions)
        if not 1 <= n <= 50:
            _fail(
                DocnavError(f"--questions takes a count from 1 to 50 or a question file, not {n}")
            )
    else:
        qfile = Path(questions).expanduser()
    try:
        opts = DemoOptions(
            questions=n, modes=_split(modes) or [], corpus=corpus, questions_file=qfile,
            model=FAST_MODEL if fast else model,
        )  # fmt: skip
    except ValueError as exc:  # pydantic's ValidationError: --questions out of range
        _fail(DocnavError(f"bad demo options: {exc}"))
    settings = Settings(home=home) if home else Settings()
    show = None if json_out else err
    on_step = None if json_out else (lambda _q, _m, s: print_step(err, s))
    try:
        res = run_demo(settings, opts, console=show, on_step=on_step)
    except DocnavError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        err.print("stopped")
        raise typer.Exit(130) from None
    if json_out:
        print(res.model_dump_json(indent=2))
    else:
        print_demo(console, res)
