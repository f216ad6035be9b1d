"""`docnav bench ingest-scale`: ingestion at corpus scale on a synthetic corpus
(`docnav synth --scale`, 10,000 filings, ~100k+ chunks), against bare parsing of the same
files measured in the same run, with metadata accuracy checked against the generator's truth
and the cost of an unchanged re-ingest.

Files are copied under random names (no sidecar), as in `docnav bench ingest`, so metadata
comes from content alone (synthetic file names would give the answer away).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from docnav.bench import git_commit, machine_info
from docnav.bench.ingest import copy_random_names, dir_size
from docnav.errors import DocnavError
from docnav.ingestion import CorpusStore, IngestOptions, ingest_paths, read_pdf_pages
from docnav.ingestion.metadata import company_matches, normalize_form

BASELINES = {
    "html": {
        "lxml": "bare lxml parse + text_content, 1 process",
        "edgartools": "edgartools parse_html + sections alone, 1 process",
    },
    "pdf": {"pypdfium2": "bare pypdfium2 text extraction, 1 process"},
}


def _baseline_one(path: Path, kind: str, form: str | None) -> int:
    """The cheapest parse of one file (lxml, pypdfium2), or what edgartools alone does with
    it (a document with Item sections): what ingestion is measured against."""
    if kind == "pypdfium2":
        return len(read_pdf_pages(path))
    if kind == "lxml":
        import lxml.html

        return len(lxml.html.fromstring(path.read_bytes()).text_content())
    from edgar.documents import ParserConfig, parse_html

    text = path.read_text(encoding="utf-8", errors="replace")
    return len(parse_html(text, config=ParserConfig(form=form)).sections)


def _baseline(
    files: list[Path], kind: str, forms: dict[Path, str | None], tick: Callable[[], None]
) -> float:
    try:
        _baseline_one(files[0], kind, forms[files[0]])  # imports outside the clock
    except Exception:  # noqa: BLE001 - baseline timing only
        pass
    t0 = time.perf_counter()
    for f in files:
        try:
            _baseline_one(f, kind, forms[f])
        except Exception:  # noqa: BLE001 - baseline timing only
            pass
        tick()
    return time.perf_counter() - t0


def _progress(console: Console) -> Progress:
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


def _ingest(
    files: list[Path], workers: int, root: Path, tick: Callable[[], None], check: bool = True
) -> tuple[float, int]:
    store = CorpusStore(root)
    t0 = time.perf_counter()
    opts = IngestOptions(edgartools_check=check)
    report = ingest_paths(store, files, opts, workers=workers, on_result=lambda _r: tick())
    return time.perf_counter() - t0, len(report.failed)


def _metadata(store: CorpusStore, name_of: dict[str, str], truth: dict[str, dict]) -> dict:
    rows = []
    for d in store.list_documents():
        name = name_of[Path(d.source_path).stem]
        t = truth.get(name)
        if t is None:
            continue
        m = d.meta
        ok = {
            "company": bool(m.company) and company_matches(m.company, t["company"]),
            "form": m.form == normalize_form(t["doc_type"]),
            "fiscal_year": m.fiscal_year == int(t["doc_period"]),
        }
        rows.append((name, ok, m.company, m.form, m.fiscal_year))
    n = len(rows) or 1
    acc = {k: round(sum(r[1][k] for r in rows) / n, 4) for k in ("company", "form", "fiscal_year")}
    acc["all_three"] = round(sum(all(r[1].values()) for r in rows) / n, 4)
    bad = [
        {"doc_name": r[0], "company": r[2], "form": r[3], "fiscal_year": r[4]}
        for r in rows
        if not all(r[1].values())
    ]
    return {"filings": len(rows), "accuracy": acc, "mismatches": bad[:50], "n_mismatches": len(bad)}


def run_ingest_scale_bench(
    corpus: Path,
    out: Path,
    fmt: str = "html",
    processes: tuple[int, ...] = (1, 2),
    limit: int | None = None,
    keep_store: Path | None = None,
    console: Console | None = None,
) -> dict:
    """Bare parse (1 process), full ingestion at each process count into a fresh store, an
    unchanged re-ingest of the last store, its chunk count and size, metadata accuracy."""
    console = console or Console()
    if fmt not in BASELINES:
        raise DocnavError(f"--format takes html or pdf, not {fmt!r}")
    folder = corpus / fmt
    truth_file = corpus / "documents.jsonl"
    if not folder.is_dir() or not truth_file.is_file():
        raise DocnavError(
            f"{corpus} is not a docnav synth corpus with {fmt} filings (expected {folder} and "
            f"{truth_file}); make one with: docnav synth --scale --formats {fmt} -o {corpus}"
        )
    if keep_store is not None and keep_store.exists():
        raise DocnavError(f"--keep-store {keep_store} exists; give a new folder")
    truth = {
        d["doc_name"]: d
        for d in (json.loads(x) for x in truth_file.read_text().splitlines() if x.strip())
    }
    originals = sorted(p for p in folder.iterdir() if p.is_file())[:limit]
    if not originals:
        raise DocnavError(f"no files in {folder}")
    work = Path(tempfile.mkdtemp(prefix="docnav-bench-scale-files-"))
    roots: list[Path] = []
    try:
        files, name_of = copy_random_names(originals, work)
        n = len(files)
        forms = {
            f: normalize_form(truth[name_of[f.stem]]["doc_type"])
            if name_of[f.stem] in truth
            else None
            for f in files
        }
        console.print(
            f"[bold]bench ingest-scale[/bold]: {n} {fmt.upper()} filings from {corpus} "
            "(copied under random names, no sidecar)"
        )
        t_start = time.perf_counter()
        runs: list[dict] = []
        baselines: dict[str, dict] = {}
        plan = [(p, True) for p in processes]
        if fmt == "html":  # the same, without edgartools' second opinion on Items
            plan.append((processes[-1], False))
        with _progress(console) as prog:
            for kind, what in BASELINES[fmt].items():
                task = prog.add_task(what, total=n)
                secs = _baseline(files, kind, forms, lambda t=task: prog.advance(t))
                prog.remove_task(task)
                baselines[kind] = {"what": what, "seconds": round(max(secs, 1e-3), 3)}
                console.print(f"{what}: {secs:.1f}s")
            for p, check in plan:
                root = Path(tempfile.mkdtemp(prefix=f"docnav-bench-scale-{p}p-"))
                roots.append(root)
                what = f"full ingestion, {p} process(es)" + (
                    "" if check else ", no edgartools check"
                )
                task = prog.add_task(what, total=n)
                secs, failed = _ingest(files, p, root, lambda t=task: prog.advance(t), check)
                prog.remove_task(task)
                runs.append(
                    {
                        "what": what,
                        "processes": p,
                        "edgartools_check": check,
                        "seconds": round(secs, 2),
                        "failed": failed,
                    }
                )
                console.print(f"{what}: {secs:.1f}s")
            task = prog.add_task("re-ingest, nothing changed", total=n)
            again_s, _ = _ingest(files, plan[-1][0], roots[-1], lambda: prog.advance(task))
            prog.remove_task(task)
        console.print(f"re-ingest of unchanged files: {again_s:.1f}s")
        store = CorpusStore(roots[-1])
        docs = store.list_documents()
        pages = sum(d.n_pages for d in docs)
        chunks = sum(d.n_chunks for d in docs)
        for r in runs:
            r["ratios"] = {k: round(r["seconds"] / b["seconds"], 3) for k, b in baselines.items()}
            r["files_per_s"] = round(n / r["seconds"], 1)
            r["pages_per_s"] = round(pages / r["seconds"], 1)
            r["chunks_per_s"] = round(chunks / r["seconds"], 1)
        result = {
            "command": " ".join(
                ["docnav bench ingest-scale", f"--corpus {corpus}", f"--format {fmt}"]
                + [f"--processes {','.join(str(p) for p in processes)}"]
                + ([f"--limit {limit}"] if limit else [])
                + [f"--out {out}"]
            ),
            "measured_at_commit": git_commit(),
            "machine": machine_info(),
            "load_average_at_start_of_write": [round(x, 2) for x in os.getloadavg()],
            "corpus": str(corpus),
            "format": fmt,
            "files": n,
            "filings_in_store": len(docs),
            "pages": pages,
            "chunks": chunks,
            "tables": sum(d.n_tables for d in docs),
            "cross_refs": sum(d.n_refs for d in docs),
            "cross_refs_resolved": sum(d.n_refs_resolved for d in docs),
            "baselines": baselines,
            "runs": runs,
            "reingest_unchanged_s": round(again_s, 2),
            "store_bytes": dir_size(roots[-1]),
            # ru_maxrss is KiB on Linux; children: the largest ingestion worker process
            "peak_rss_mib": {
                "main": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "largest_worker": round(
                    resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
                ),
            },
            "metadata": _metadata(store, name_of, truth),
            "total_s": round(time.perf_counter() - t_start, 1),
        }
        if keep_store is not None:
            keep_store.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(roots.pop()), keep_store)
            console.print(f"kept the last store at {keep_store}")
    finally:  # temporary copies and stores go, whether the run ends or fails
        for root in roots:
            shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    _write(result, out)
    console.print(f"results -> {out}/results.json, report.md, ingest_scale.png")
    return result


def _write(result: dict, out: Path) -> None:
    from docnav.extras import pyplot

    plt = pyplot()  # a clear error naming the bench extra when matplotlib is absent

    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(result, indent=2, default=str))
    base = result["baselines"]
    runs = result["runs"]
    labels = [k for k in base] + [
        f"ingest {r['processes']}p" + ("" if r["edgartools_check"] else "\nno edgartools")
        for r in runs
    ]
    labels.append("re-ingest\nunchanged")
    vals = [b["seconds"] for b in base.values()] + [r["seconds"] for r in runs]
    vals.append(result["reingest_unchanged_s"])
    colors = ["#999"] * len(base) + ["#1f77b4"] * len(runs) + ["#2ca02c"]
    fig, ax = plt.subplots(figsize=(1.3 * len(vals) + 2, 4))
    bars = ax.bar(labels, vals, color=colors)
    for bar, v in zip(bars, vals, strict=True):
        ax.text(bar.get_x() + bar.get_width() / 2, v, f"{v:.0f}s", ha="center", va="bottom")
    ax.set_ylabel("seconds (lower is better)")
    ax.set_ylim(0, max(vals) * 1.2)
    ax.set_title(
        f"{result['files']:,} synthetic {result['format'].upper()} filings, "
        f"{result['chunks']:,} chunks"
    )
    plt.setp(ax.get_xticklabels(), fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "ingest_scale.png", dpi=110)
    plt.close(fig)

    md, acc = result["metadata"], result["metadata"]["accuracy"]
    n = result["files"]
    L = [
        "# Ingestion at scale (synthetic corpus)",
        "",
        f"Command: `{result['command']}` (repo root), after `docnav synth --scale --formats "
        f"{result['format']} -o {result['corpus']}`; commit {result['measured_at_commit']}; "
        f"{result['machine']['platform']}, {result['machine']['cpus']} CPUs, Python "
        f"{result['machine']['python']}. Total run {result['total_s']} s. Load average when the "
        f"report was written: {result['load_average_at_start_of_write']}.",
        "",
        f"{n:,} filings copied under random names (no sidecar): {result['pages']:,} pages, "
        f"**{result['chunks']:,} chunks**, {result['tables']:,} tables, "
        f"{result['cross_refs']:,} cross-references ({result['cross_refs_resolved']:,} resolved "
        "within the filing).",
        "",
        "## Speed (same run; ratios against each baseline on the same files)",
        "",
        "| run | seconds | filings/s | pages/s | chunks/s | "
        + " | ".join(f"vs {k}" for k in base)
        + " |",
        "| --- | ---: | ---: | ---: | ---: | " + " | ".join("---:" for _ in base) + " |",
    ]
    for b in base.values():
        ratios = " | ".join(f"{b['seconds'] / o['seconds']:.2f}x" for o in base.values())
        L.append(
            f"| {b['what']} | {b['seconds']} | {n / b['seconds']:.1f} | "
            f"{result['pages'] / b['seconds']:.1f} | | {ratios} |"
        )
    for r in runs:
        ratios = " | ".join(f"{r['ratios'][k]:.2f}x" for k in base)
        L.append(
            f"| {r['what']} | {r['seconds']} | {r['files_per_s']} | {r['pages_per_s']} | "
            f"{r['chunks_per_s']} | {ratios} |"
        )
    again = result["reingest_unchanged_s"]
    ratios = " | ".join(f"{again / b['seconds']:.2f}x" for b in base.values())
    L += [
        f"| re-ingest, nothing changed ({runs[-1]['processes']} process(es)) | {again} | "
        f"{n / max(again, 1e-9):.1f} | | | {ratios} |",
        "",
        f"Failed files: {', '.join(str(r['failed']) for r in runs)} (per run). Store size: "
        f"{result['store_bytes'] / 1e6:.1f} MB. Peak RSS of the benchmark process over the "
        f"whole run: {result['peak_rss_mib']['main']} MiB (workers are forked from it, so "
        f"their peak, {result['peak_rss_mib']['largest_worker']} MiB, counts pages they share "
        "with it).",
        "",
        "The bare parse is a floor, not a competitor: it reads the file and nothing else (no "
        "pages, Items, Notes, tables, numbers, cross-references, metadata or store writes). "
        "The edgartools baseline is what the library alone costs to parse the same filings into "
        "Item sections; docnav's HTML ingestion runs it as a second opinion on 10-K/10-Q Items "
        "(warnings only), and `DOCNAV_INGEST_EDGARTOOLS_CHECK=false` turns that off.",
        "",
        "## Metadata from content alone, against the generator's truth",
        "",
        f"| field | accuracy over {md['filings']:,} filings |",
        "| --- | ---: |",
        f"| company | {100 * acc['company']:.2f}% |",
        f"| form | {100 * acc['form']:.2f}% |",
        f"| fiscal year | {100 * acc['fiscal_year']:.2f}% |",
        f"| all three | {100 * acc['all_three']:.2f}% |",
        "",
    ]
    if md["mismatches"]:
        L += [
            f"Mismatches ({md['n_mismatches']}; first 50):",
            "",
            "| doc | company | form | year |",
        ]
        L.append("| --- | --- | --- | --- |")
        for m in md["mismatches"]:
            L.append(f"| {m['doc_name']} | {m['company']} | {m['form']} | {m['fiscal_year']} |")
        L.append("")
    L.append("![ingestion at scale](ingest_scale.png)")
    (out / "report.md").write_text("\n".join(L) + "\n")
