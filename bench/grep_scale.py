"""`docnav bench grep-scale`: grep time against corpus size, with and without the catalog
narrowing (company / form / year) that the grep tool applies when the agent passes filters.

Each corpus is an ingested store (the file store; PostgreSQL keeps page texts as the same
files). For every query of a fixed list the grep tool's own engine (``rg`` from the ripgrep
wheel, ``--json --sort=path``, the page folders as arguments) is timed:

* **all**: over every filing's page folder, as ``grep`` runs when no filter is given;
* **narrowed**: the catalog query for the query's filters, then rg over those filings only
  (the catalog time is included and also reported alone).

Both with the tool's defaults (stop at 30 matches, 1 context line) and complete (every
match, no context), since a stop at 30 matches hides how much text an unfiltered scan reads.
The filters name companies picked from each store's own catalog (spread over its sorted
company list), so every narrowed set is one company's filings whatever the corpus size.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from docnav.bench import git_commit, machine_info, machine_line
from docnav.ingestion.backend import open_store
from docnav.tools.access import pages_dir
from docnav.tools.grep import number_pattern
from docnav.tools.grep_backends import GrepOptions, grep_rg, rg_binary

# (label, pattern, fixed strings, filters: which of company / form / year the query names)
QUERIES: list[tuple[str, str, bool, dict[str, Any]]] = [
    ("goodwill (literal)", "goodwill", True, {"form": "10-K", "year": 2024}),
    ("net income|loss", r"net (income|loss)", False, {"year": 2023}),
    ("liquidity (word)", r"\bliquidity\b", False, {}),
    ("Item 7A", r"Item\s+7A", False, {"form": "10-K"}),
    (
        "revenue rose/fell",
        r"revenues? (increased|decreased)",
        False,
        {"form": "10-Q", "year": 2024},
    ),
    ("cybersecurity", "cybersecurity", False, {}),
    ("amounts in millions", r"\$\s?\d+(\.\d+)? (million|billion)", False, {"year": 2024}),
    ("number-aware $1.2 million", "$1.2 million", False, {"year": 2023}),
]
MODES = {
    "tool": {"max_matches": 30, "context": 1},  # the grep tool's defaults
    "complete": {"max_matches": 10**9, "context": 0},
}


def _opts(mode: str, fixed: bool) -> GrepOptions:
    m = MODES[mode]
    return GrepOptions(
        ignore_case=True,
        fixed_strings=fixed,
        context=m["context"],
        max_matches=m["max_matches"],
        timeout_s=600,
    )


def _pattern(pattern: str, fixed: bool) -> str:
    """The regex the tool runs: a number pattern becomes its number-aware regex."""
    num = None if fixed else number_pattern(pattern)
    return num[0] if num else pattern


def _timed(fn, reps: int) -> tuple[list[float], Any]:
    times, out = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return times, out


def _companies(docs: list) -> list[str]:
    names = sorted({d.meta.company for d in docs if d.meta.company})
    if not names:
        raise ValueError("the store's catalog names no companies")
    step = max(1, len(names) // len(QUERIES))
    return [names[(i * step) % len(names)] for i in range(len(QUERIES))]


def bench_store(home: Path, reps: int, console: Console) -> dict:
    """Every query on one ingested store (``home``: a docnav home folder)."""
    store = open_store(home / "store")
    docs = store.list_documents()
    all_dirs = [pages_dir(store, d) for d in docs]
    files = [f for p in all_dirs for f in p.glob("page-*.txt")]
    corpus = {
        "home": str(home),
        "filings": len(docs),
        "page_files": len(files),
        "mb": sum(f.stat().st_size for f in files) / 1e6,
        # the unfiltered tool passes every page folder to rg: argv grows with the corpus
        "argv_bytes_all": sum(len(str(p)) + 1 for p in all_dirs),
    }
    rows = [
        _bench_query(store, all_dirs, q, company, reps, console)
        for q, company in zip(QUERIES, _companies(docs), strict=True)
    ]
    summary = {
        f"{mode}_{side}_p50_s": statistics.median(r[mode][f"{side}_p50_s"] for r in rows)
        for mode in MODES
        for side in ("all", "narrowed")
    }
    summary["catalog_p50_s"] = statistics.median(r["catalog_p50_s"] for r in rows)
    summary["narrowed_filings_median"] = statistics.median(r["narrowed_filings"] for r in rows)
    if hasattr(store, "close"):
        store.close()
    return {"corpus": corpus, "rows": rows, "summary": summary}


def _bench_query(
    store: Any,
    all_dirs: list[Path],
    query: tuple[str, str, bool, dict[str, Any]],
    company: str,
    reps: int,
    console: Console,
) -> dict[str, Any]:
    """One query on one store: the catalog narrowing alone, then rg over all vs narrowed."""
    label, pattern, fixed, filt = query
    rx = _pattern(pattern, fixed)
    where = {"company": company, **filt}

    def narrow() -> list[Path]:
        return [pages_dir(store, d) for d in store.list_documents(**where)]

    cat_times, dirs = _timed(narrow, reps)
    row: dict[str, Any] = {
        "query": label,
        "pattern": rx,
        "filters": where,
        "narrowed_filings": len(dirs),
        "catalog_p50_s": statistics.median(cat_times),
    }
    for mode in MODES:
        opts = _opts(mode, fixed)
        t_all, out_all = _timed(lambda o=opts: grep_rg(rx, all_dirs, o), reps)
        t_nar, out_nar = _timed(lambda o=opts: grep_rg(rx, narrow(), o), reps)
        row[mode] = {
            "all_p50_s": statistics.median(t_all),
            "narrowed_p50_s": statistics.median(t_nar),
            "all_matches": out_all.matches,
            "narrowed_matches": out_nar.matches,
            "all_times_s": t_all,
            "narrowed_times_s": t_nar,
        }
    console.print(
        f"[{len(all_dirs)} filings] {label}: complete all "
        f"{row['complete']['all_p50_s'] * 1e3:.1f} ms vs narrowed "
        f"{row['complete']['narrowed_p50_s'] * 1e3:.1f} ms ({len(dirs)} filings)"
    )
    return row


def run_grep_scale_bench(
    homes: list[Path], out: Path, reps: int = 5, console: Console | None = None
) -> dict:
    """Bench every store in ``homes`` (smallest first) and write results.json, report.md and
    grep_scale.png under ``out``."""
    console = console or Console()
    if rg_binary() is None:
        raise RuntimeError("the ripgrep wheel's rg binary is missing: pip install ripgrep==14.1.0")
    runs = [bench_store(h.expanduser(), reps, console) for h in homes]
    runs.sort(key=lambda r: r["corpus"]["filings"])
    result = {
        "command": "docnav bench grep-scale "
        + " ".join(f"--home {h}" for h in homes)
        + (f" --reps {reps}" if reps != 5 else "")
        + f" --out {out}",
        "commit": git_commit(),
        "machine": machine_info(),
        "load_avg": os.getloadavg(),
        "arg_max": os.sysconf("SC_ARG_MAX"),
        "rg": str(rg_binary()),
        "reps": reps,
        "queries": [{"query": q[0], "pattern": q[1], "filters": q[3]} for q in QUERIES],
        "runs": runs,
        "fit": _fit(runs),
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(result, indent=2, default=str))
    _plot(result, out)
    from docnav.bench.grep_scale_report import write_report

    write_report(result, out, machine_line(result["machine"]))
    return result


def _fit(runs: list[dict]) -> dict:
    """Least-squares line of the complete all-filings p50 against page MB (for the report's
    extrapolation; stated there as an extrapolation, not a measurement)."""
    xs = [r["corpus"]["mb"] for r in runs]
    ys = [r["summary"]["complete_all_p50_s"] for r in runs]
    if len(runs) < 2:
        return {}
    slope, intercept = statistics.linear_regression(xs, ys)
    per_filing_mb = sum(xs) / sum(r["corpus"]["filings"] for r in runs)
    per_filing_argv = sum(r["corpus"]["argv_bytes_all"] for r in runs) / sum(
        r["corpus"]["filings"] for r in runs
    )
    return {
        "s_per_mb": slope,
        "intercept_s": intercept,
        "mb_per_filing": per_filing_mb,
        "argv_bytes_per_filing": per_filing_argv,
    }


def _plot(result: dict, out: Path) -> None:
    from docnav.extras import pyplot

    plt = pyplot()
    runs = result["runs"]
    xs = [r["corpus"]["filings"] for r in runs]
    fig, ax = plt.subplots(figsize=(8, 5))
    for mode, style in (("complete", "-"), ("tool", "--")):
        for side, marker in (("all", "o"), ("narrowed", "s")):
            ys = [r["summary"][f"{mode}_{side}_p50_s"] * 1000 for r in runs]
            ax.plot(xs, ys, style, marker=marker, label=f"{side} filings, {mode}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(xs)
    ax.set_xticklabels([str(x) for x in xs])
    ax.set_xlabel("filings in the corpus (synthetic; log)")
    ax.set_ylabel("p50 per query over the query list (ms, log)")
    ax.set_title("grep (rg) over all page files vs the catalog-narrowed filings")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "grep_scale.png", dpi=110)
    plt.close(fig)
