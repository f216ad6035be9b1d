"""Reading the store: documents, outline, search, page, facts."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table
from rich.tree import Tree

from docnav.cli.common import HomeOpt, JsonOpt, console, err, fail, open_engine, stage_bars
from docnav.errors import DocnavError
from docnav.types import display_page

app = typer.Typer()


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
    engine = open_engine(home)
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
    engine = open_engine(home)
    try:
        d = engine.document(doc)
        entries = engine.outline(doc)
    except DocnavError as exc:
        fail(exc)
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
        fail(ValueError(f"unknown mode {mode!r} or fusion {fusion!r}"))
    if understand not in (None, "filter", "boost", "off"):
        fail(ValueError(f"unknown --understand {understand!r}: filter, boost or off"))
    if not 1 <= k <= 200:
        fail(ValueError("-k must be between 1 and 200"))
    if year is not None and (year_min is not None or year_max is not None):
        fail(ValueError("give --year or --year-min/--year-max, not both"))
    engine = open_engine(home)
    if mode == "hybrid+rerank" and engine.reranker() is None:
        fail(ValueError(
            "mode hybrid+rerank needs a reranker and none is configured: set "
            "DOCNAV_RERANKER_MODEL to a CrossEncoder name or local path (see README, "
            "'Reranking'), or use --mode hybrid"
        ))  # fmt: skip
    lo, hi = (year, year) if year is not None else (year_min, year_max)
    filters = SearchFilters(company=company, ticker=ticker, form=form, year_min=lo, year_max=hi,
                            section_prefix=section)  # fmt: skip
    progress, on_progress = stage_bars(f"chunks ({engine.settings.embedding_model})")
    try:
        with progress:
            res = engine.search(
                query, mode=mode, k=k, filters=filters, fusion=fusion, on_progress=on_progress,
                understand="off" if no_understand else understand, expand=False if no_expand else None,
            )  # fmt: skip
    except DocnavError as exc:
        fail(exc)
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
    engine = open_engine(home)
    try:
        console.print(engine.page_text(doc, number - 1), markup=False, highlight=False)
    except DocnavError as exc:
        fail(exc)


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
        fail(ValueError("give a DOC or --company"))
    engine = open_engine(home)
    try:
        rows = find_facts(
            engine.store, doc=doc, company=company, metric=metric, year=year, period=period,
            limit=limit,
        )  # fmt: skip
    except (DocnavError, ToolError) as exc:
        fail(exc)
    if json_out:
        print(json.dumps([r.model_dump() for r in rows], indent=2))
        return
    for line in format_rows(rows) or ["no matching line items"]:
        console.print(line, markup=False, highlight=False)
