"""Reading the store: documents, outline, search, page, facts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from docnav.cli.common import HomeOpt, JsonOpt, console, err, fail, open_engine, stage_bars
from docnav.cli.output import FormatOpt, pick_format, print_json, print_text, print_tsv
from docnav.errors import DocnavError

if TYPE_CHECKING:
    from docnav.public import PublicHit

app = typer.Typer()


@app.command()
def documents(
    home: HomeOpt = None,
    company: Annotated[str | None, typer.Option(help="Company name contains.")] = None,
    ticker: Annotated[
        str | None,
        typer.Option(help="Ticker symbol (a filing without one has its company's other filings')."),
    ] = None,
    form: Annotated[str | None, typer.Option(help="10-K, 10-Q, 8-K, EARNINGS.")] = None,
    year: Annotated[int | None, typer.Option(help="Fiscal year.")] = None,
    fmt: FormatOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """List the catalog of ingested filings, with filters."""
    how = pick_format(fmt, json_out)
    engine = open_engine(home)
    # a filing printed without a ticker carries its company's: --ticker finds it too
    docs = engine.documents(company=company, form=form, year=year, ticker=ticker)
    if how == "json":
        print_json([d.model_dump(mode="json") for d in docs])
        return
    cols = ("doc_id", "company", "ticker", "form", "period", "pages", "chunks")
    rows = [
        (
            d.doc_id,
            d.meta.company or "?",
            d.meta.ticker or "",
            d.meta.form or "?",
            d.meta.fiscal_period or "?",
            d.n_pages,
            d.n_chunks,
        )
        for d in docs
    ]
    if how == "tsv":
        print_tsv(cols, rows)
        return
    table = Table(title=f"{len(docs)} documents in {engine.store.root}")
    table.add_column("doc_id", no_wrap=True)  # never folded or elided: it is typed back
    table.add_column("company", overflow="fold", max_width=22)
    for col in cols[2:]:
        table.add_column(col, no_wrap=True)
    for r in rows:
        table.add_row(*(str(v) for v in r))
    console.print(table)


@app.command()
def outline(
    doc: Annotated[str, typer.Argument(help="doc_id or name (see `docnav documents`).")],
    home: HomeOpt = None,
    fmt: FormatOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Print a filing's section tree with page ranges (pages 1-based, in JSON and TSV too:
    page_start is the page `docnav page DOC N` prints)."""
    how = pick_format(fmt, json_out)
    engine = open_engine(home)
    try:
        d = engine.document(doc)
        entries = engine.outline(doc)
    except DocnavError as exc:
        fail(exc)
    if how == "json":
        print_json([e.model_dump(mode="json") for e in entries])  # pages 1-based already
        return
    if how == "tsv":
        cols = ("id", "parent", "level", "kind", "label", "title", "page_start", "page_end")
        rows = (
            (
                e.id,
                e.parent,
                e.level,
                e.kind,
                e.label,
                e.title,
                e.page_start,
                e.page_end,
            )
            for e in entries
        )
        print_tsv(cols, rows)
        return
    m = d.meta
    root = Tree(
        f"[bold]{d.doc_id}[/bold] — {m.company or '?'} {m.form or '?'} {m.fiscal_period or ''} "
        f"({d.n_pages} pages; pages shown 1-based)"
    )
    nodes = {}
    for e in entries:
        parent = nodes.get(e.parent, root)
        nodes[e.id] = parent.add(f"{escape(e.title)}  [dim]{e.page_label}[/dim]")
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
    ticker: Annotated[
        str | None,
        typer.Option(help="Ticker symbol (a filing without one has its company's other filings')."),
    ] = None,
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
    ] = None,
    no_understand: Annotated[
        bool, typer.Option("--no-understand", help="Do not read filters from the question.")
    ] = False,
    no_expand: Annotated[
        bool, typer.Option("--no-expand", help="No finance-synonym query expansion.")
    ] = False,
    fmt: FormatOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Search the store (BM25, dense, hybrid, hybrid+rerank). Companies, fiscal years and forms
    named in the query become filters (shown; explicit options win), finance synonyms expand
    the BM25 query. The first dense search embeds the corpus (progress shown). Pages 1-based
    in every format."""
    from docnav.retrieval.index import SearchFilters

    how = pick_format(fmt, json_out)
    if mode not in ("bm25", "dense", "hybrid", "hybrid+rerank") or fusion not in (
        "rrf",
        "weighted",
    ):
        fail(ValueError(f"unknown mode {mode!r} or fusion {fusion!r}"))
    if understand not in (None, "filter", "boost", "off"):
        fail(ValueError(f"unknown --understand {understand!r}: filter, boost or off"))
    if not 1 <= k <= 200:
        fail(ValueError("-k must be between 1 and 200"))
    if year is not None and (year_min is not None or year_max is not None):
        fail(ValueError("give --year or --year-min/--year-max, not both"))
    engine = open_engine(home)
    if mode == "hybrid+rerank" and engine.reranker() is None:
        fail(
            ValueError(
                "mode hybrid+rerank needs a reranker and none is configured: set "
                "DOCNAV_RERANKER_MODEL to a CrossEncoder name or local path, or use --mode hybrid"
            )
        )
    lo, hi = (year, year) if year is not None else (year_min, year_max)
    filters = SearchFilters(
        company=company,
        form=form,
        year_min=lo,
        year_max=hi,
        section_prefix=section,
        ticker=ticker,  # the engine adds the filings that share their company's ticker
    )
    progress, on_progress = stage_bars(f"chunks ({engine.settings.embedding_model})")
    try:
        with progress:
            res = engine.search(
                query,
                mode=mode,
                k=k,
                filters=filters,
                fusion=fusion,
                on_progress=on_progress,
                understand="off" if no_understand else understand,
                expand=False if no_expand else None,
            )
    except DocnavError as exc:
        fail(exc)
    for line in res.applied:
        err.print(f"[dim]applied:[/dim] {escape(line)}", highlight=False)
    if how == "json":
        print_json(res.model_dump(mode="json"))  # pages 1-based already
    elif how == "tsv":
        _hits_tsv(res.hits)
    else:
        _hits_table(res.hits)


def _hits_table(hits: list[PublicHit]) -> None:
    if not hits:
        console.print("no hits")
    for i, h in enumerate(hits, 1):
        scores = " ".join(f"{n}={v:.3f}" for n, v in h.scores.items())
        console.print(
            f"[bold]{i}. {h.doc_id}[/bold] {h.page_label} [dim]{h.chunk_type}[/dim]  {scores}",
            soft_wrap=True,
        )
        console.print(f"   [cyan]{escape(h.section_path)}[/cyan]", soft_wrap=True)
        snippet = " ".join(h.text.split())[:240]
        console.print(f"   {snippet}", markup=False, highlight=False, soft_wrap=True)


def _hits_tsv(hits: list[PublicHit]) -> None:
    cols = (
        "rank",
        "doc_id",
        "page",
        "page_start",
        "page_end",
        "chunk_type",
        "score",
        "section_path",
        "text",
    )
    print_tsv(
        cols,
        (
            (
                i,
                h.doc_id,
                h.page,
                h.page_start,
                h.page_end,
                h.chunk_type,
                f"{h.score:.4f}",
                h.section_path,
                h.text[:240],
            )
            for i, h in enumerate(hits, 1)
        ),
    )


@app.command()
def page(
    doc: Annotated[str, typer.Argument(help="doc_id or name.")],
    number: Annotated[int, typer.Argument(help="Page number, 1-based as printed in citations.")],
    home: HomeOpt = None,
) -> None:
    """Print the text of one page (1-based page number) exactly as stored: never re-wrapped,
    so table rows stay one line each."""
    engine = open_engine(home)
    try:
        text = engine.page_text(doc, number)
    except DocnavError as exc:
        fail(exc)
    print_text(text)


@app.command()
def facts(
    doc: Annotated[str | None, typer.Argument(help="doc_id or name (or use --company).")] = None,
    company: Annotated[str | None, typer.Option(help="Company name contains.")] = None,
    metric: Annotated[str | None, typer.Option(help='Line item in words: "capex".')] = None,
    year: Annotated[int | None, typer.Option(help="Fiscal year of the value.")] = None,
    period: Annotated[str | None, typer.Option(help='"FY2019", "Q3 2024", "2019-12-31".')] = None,
    limit: Annotated[int, typer.Option("-k", "--limit", help="Rows to show.")] = 10,
    rebuild: Annotated[
        bool,
        typer.Option(
            "--rebuild",
            help="Rebuild the stored facts of DOC (or every filing) that are missing or from an "
            "older extractor, in place (embeddings kept). Exit code 1 if any failed.",
        ),
    ] = False,
    force: Annotated[bool, typer.Option(help="With --rebuild: rebuild current ones too.")] = False,
    home: HomeOpt = None,
    fmt: FormatOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Statement line items (label, values per period, unit, scale, 1-based page); with
    --rebuild, rebuild the stored facts instead."""
    from docnav.tools.access import ToolError
    from docnav.tools.facts import format_rows

    if rebuild:
        from docnav.cli.facts_rebuild import rebuild as rebuild_facts

        return rebuild_facts(doc, force, home, json_out)
    if force:
        fail(ValueError("--force goes with --rebuild"))
    how = pick_format(fmt, json_out)
    if not (doc or company):
        fail(ValueError("give a DOC or --company"))
    engine = open_engine(home)
    try:
        rows = engine.facts(
            doc, company=company, metric=metric, year=year, period=period, limit=limit
        )
    except (DocnavError, ToolError) as exc:
        fail(exc)
    if how == "json":
        print_json([r.model_dump(mode="json") for r in rows])  # FactRow.page is 1-based
        return
    if how == "tsv":
        cols = ("doc_id", "page", "statement", "label", "period", "value", "unit", "scale")
        print_tsv(
            cols,
            (
                (r.doc_id, r.page, r.statement, r.label, p, v, r.unit, r.scale)
                for r in rows
                for p, v in r.values.items()
            ),
        )
        return
    for line in format_rows(rows) or ["no matching line items"]:
        console.print(line, markup=False, highlight=False)
