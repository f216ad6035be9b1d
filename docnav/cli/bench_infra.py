"""Infrastructure benchmarks: ingestion, retrieval quality and speed, reranking, grep, crash,
soak, fuzz and load. Loaded only when `docnav bench` runs (see docnav/cli/bench.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from docnav.bench import FB_DOCUMENTS, FB_PDFS, FB_QUESTIONS
from docnav.cli.common import console, fail, open_engine
from docnav.errors import DocnavError
from docnav.settings import Settings

app = typer.Typer()


@app.command("ingest")
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
        fail(exc)


@app.command("ingest-scale")
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
            corpus.expanduser(),
            out,
            fmt=fmt,
            processes=procs,
            limit=limit,
            keep_store=keep_store.expanduser() if keep_store else None,
            console=console,
        )
    except ValueError:
        fail(DocnavError(f"--processes takes counts like 1,2, not {processes!r}"))
    except DocnavError as exc:
        fail(exc)


@app.command("retrieval")
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
        typer.Option(
            help="Only these rows: comma-separated labels, 'bm25' (every BM25-only row: "
            "no embeddings needed) or 'pages' (every page row)."
        ),
    ] = None,
    previous: Annotated[
        Path | None,
        typer.Option(
            help="A results.json whose rows this run does not measure are carried over "
            "(marked with their commit)."
        ),
    ] = None,
    planted: Annotated[
        Path | None,
        typer.Option(help="A `docnav synth` folder: adds its planted questions' recall."),
    ] = None,
    planted_home: Annotated[
        Path | None, typer.Option(help="Store for the planted set (default: beside --bench-home).")
    ] = None,
    partial_dense: Annotated[
        bool,
        typer.Option(
            help="Embed nothing: use the embeddings on disk (single-store rows and "
            "shared-store BM25 rows only)."
        ),
    ] = False,
) -> None:
    """Evidence-page recall@1/5/10/20 and MRR of bm25, dense and hybrid on FinanceBench
    (shared and single store, LLM-free; chunk and page recall), and bm25s against rank-bm25 in
    one run. The first run ingests and embeds the 128 filings (about 15 minutes on 2 idle CPU
    cores; hours on a loaded one)."""
    from docnav.bench.retrieval import pick_configs, run_retrieval_bench

    try:
        rr = None
        if reranker:
            rr = open_engine(bench_home.expanduser()).make_reranker(reranker)
        run_retrieval_bench(
            pdfs,
            questions,
            out,
            bench_home.expanduser(),
            console=console,
            command="docnav " + " ".join(sys.argv[1:]),
            reranker=rr,
            configs=pick_configs(rows),
            previous=previous,
            planted=planted,
            planted_home=planted_home.expanduser() if planted_home else None,
            partial_dense=partial_dense,
        )
    except (DocnavError, ValueError) as exc:
        fail(exc)


@app.command("rerank")
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
    out: Annotated[Path, typer.Option(help="Output folder (resumed).")] = Path("results/rerank"),
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
            open_engine(bench_home.expanduser()),
            questions,
            out,
            [s.strip() for s in rerankers.split(",") if s.strip()],
            limit=limit,
            depth=depth,
            console=console,
            command="docnav " + " ".join(sys.argv[1:]),
        )
    except DocnavError as exc:
        fail(exc)


@app.command("grep")
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

    store_given = store is not None
    if store is None:
        from docnav.engine import Engine

        engine = Engine(Settings(home=bench_home.expanduser()))
        report = engine.ingest([pdfs], workers=2)
        if report.failed:
            fail(DocnavError(f"{len(report.failed)} filings failed to ingest"))
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
        fail(exc)


@app.command("crash")
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
    r = run_crash_bench(
        files,
        work,
        out,
        event_budget=events,
        timed=timed,
        budgets=budgets,
        command=cmd,
        log=console.print,
    )
    console.print(f"{r['kills']} kills, {r['failed']} failed -> {out}/report.md")
    if r["failed"]:
        raise typer.Exit(code=1)


@app.command("soak")
def bench_soak(
    bench_home: Annotated[
        Path, typer.Option("--bench-home", help="Store the server serves (made once, cached).")
    ] = Path("~/.docnav/bench-soak"),
    models: Annotated[
        Path | None,
        typer.Option(
            help="Where the 0.5B GGUF is joined from its parts (default DOCNAV_HOME/models)."
        ),
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
        r = run_soak(
            bench_home.expanduser(),
            out,
            models_dir,
            clients=clients,
            duration_s=seconds,
            max_requests=max_requests,
            command=cmd,
            console=console,
        )
    except (DocnavError, RuntimeError) as exc:
        fail(exc)
    console.print(f"{'PASS' if r['passed'] else 'FAIL'} -> {out}/report.md")
    if not r["passed"]:
        raise typer.Exit(code=1)


@app.command("fuzz")
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


@app.command("load")
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
        fail(ValueError("--ask is stub or real"))
    try:
        run_load_bench(
            bench_home.expanduser(),
            pdfs,
            questions,
            out,
            limit=limit,
            requests=requests,
            time_cap_s=time_cap,
            ask=ask,
            console=console,
        )
    except (DocnavError, RuntimeError) as exc:
        fail(exc)


@app.command("retrieval-speed")
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
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("results/retrieval-speed"),
) -> None:
    """Build time, query p50/p95 and memory at 1k/10k/100k chunks: bm25s vs rank-bm25, dense
    exact vs HNSW, hybrid end to end with and without filters."""
    from docnav.bench.retrieval_speed import run_retrieval_speed_bench

    store = store.expanduser()
    if not (store / "catalog.sqlite").exists():
        fail(DocnavError(f"no ingested store at {store}; run `docnav bench retrieval` first"))
    try:
        size_list = tuple(int(s) for s in sizes.split(",") if s.strip())
    except ValueError:
        fail(DocnavError(f"--sizes must be integers separated by commas, not {sizes!r}"))
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
        fail(exc)
