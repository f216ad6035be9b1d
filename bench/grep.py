"""`docnav bench grep`: the grep tool's three engines in one run, on the same files.

* rg: the ripgrep 14.1.0 binary from the ``ripgrep`` wheel, ``--json``, as the tool calls it
  (``--sort=path``; also timed unsorted/multi-threaded as "rg (parallel)");
* pyripgrep: the ``ripgrep-python`` native binding;
* python: a pure-Python ``re`` scan (the reference for correctness).

Corpora: every page file of an ingested store (FinanceBench: 128 filings), the same text as
one big file, and a small edge-case folder (a latin-1 line, an 8 MB single line, CRLF lines,
a symlink to a file outside). Correctness: the set of (file, line, match/context) each engine
reports against the Python scan. Speed: p50 wall time per pattern over ``reps`` runs.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from rich.console import Console

from docnav.bench import git_commit, machine_info, machine_line
from docnav.ingestion.numbers import number_regex
from docnav.tools.grep_backends import (
    GrepOptions,
    GrepOutput,
    grep_pyripgrep,
    grep_python,
    grep_rg,
    rg_binary,
)

# (name, pattern, ignore_case, context lines, fixed strings)
PATTERNS: list[tuple[str, str, bool, int, bool]] = [
    ("literal (fixed string)", "goodwill", False, 0, True),
    ("case-insensitive", "goodwill", True, 0, False),
    ("word boundary", r"\bEBITDA\b", False, 0, False),
    ("alternation", r"net (income|loss) attributable", True, 0, False),
    ("whitespace class", r"Item\s+7A", True, 0, False),
    ("context lines (2)", "cybersecurity", True, 2, False),
    ("unicode (curly apostrophe)", "company\u2019s", True, 0, False),
    ("amounts (many hits)", r"\$\s?\d+(\.\d+)? (million|billion)", False, 0, False),
    ("number-aware $1.5 billion", number_regex("$1.5 billion") or "", True, 0, False),
    ("number-aware 2.5%", number_regex("2.5%") or "", True, 1, False),
]
EDGE_PATTERNS: list[tuple[str, str, bool, int, bool]] = [
    ("latin-1 line: word", "revenue", True, 0, False),
    ("latin-1 line: byte under .", r"Caf. revenue", False, 0, False),
    ("huge line", r"\bEBITDA\b", False, 0, False),
    ("CRLF line end", r"Revenue$", False, 0, False),
    ("context across hits", "rose", True, 1, False),
]
ENGINES = ("rg", "rg (parallel)", "pyripgrep", "python")


def _run(engine: str, pattern: str, paths: list[Path], opts: GrepOptions) -> GrepOutput:
    if engine == "rg":
        return grep_rg(pattern, paths, opts)
    if engine == "rg (parallel)":
        return grep_rg(pattern, paths, opts, sort=False)
    if engine == "pyripgrep":
        return grep_pyripgrep(pattern, paths, opts)
    return grep_python(pattern, paths, opts)


def _key(out: GrepOutput, root: Path) -> set[tuple[str, int, bool]]:
    return {(os.path.relpath(x.path, root), x.line_number, x.is_match) for x in out.lines}


def store_pages(store: Path) -> list[Path]:
    """Page folders of the store's live versions, read without opening the catalog for
    writing (the store may belong to another process)."""
    return sorted(p / "pages" for p in (store / "docs").iterdir() if not p.name.startswith("."))


def build_edge(folder: Path) -> Path:
    d = folder / "edge" / "pages"
    d.mkdir(parents=True)
    (d / "page-0000.txt").write_bytes(
        "Caf\u00e9 revenue rose 2.5 percent\nplain revenue line\n".encode("latin-1")
    )
    mid = "x" * 4_000_000
    (d / "page-0001.txt").write_text(f"{mid} EBITDA {mid} EBITDA\nshort line\n")
    (d / "page-0002.txt").write_bytes(b"Revenue\r\nCost rose\r\nRevenue rose\r\nmargin\r\n")
    outside = folder / "outside.txt"
    outside.write_text("EBITDA revenue rose (outside the corpus)\n")
    (d / "page-0003.txt").symlink_to(outside)
    return d


def build_big(pages: list[Path], folder: Path) -> Path:
    big = folder / "big" / "all-pages.txt"
    big.parent.mkdir(parents=True)
    with big.open("wb") as out:
        for p in pages:
            for f in sorted(p.glob("page-*.txt")):
                out.write(f.read_bytes())
                out.write(b"\n")
    return big


def _compare(
    engine: str, out: GrepOutput, ref: GrepOutput, root: Path, context: int
) -> dict[str, object]:
    got, want = _key(out, root), _key(ref, root)
    gm = {k[:2] for k in got if k[2]}
    wm = {k[:2] for k in want if k[2]}
    gc = {k[:2] for k in got if not k[2]}
    wc = {k[:2] for k in want if not k[2]}
    return {
        "matches": len(gm),
        "reference_matches": len(wm),
        "missing": len(wm - gm),
        "extra": len(gm - wm),
        "context_ok": gc == wc,
        "context_lines": len(gc),
        "reference_context_lines": len(wc),
        "same": gm == wm and (context == 0 or gc == wc),
        "examples_missing": sorted(wm - gm)[:3],
        "examples_extra": sorted(gm - wm)[:3],
    }


def _bench_corpus(
    name: str,
    paths: list[Path],
    root: Path,
    patterns: list[tuple[str, str, bool, int, bool]],
    reps: int,
    console: Console,
) -> list[dict]:
    rows = []
    for label, pattern, icase, ctx, fixed in patterns:
        opts = GrepOptions(
            ignore_case=icase,
            fixed_strings=fixed,
            context=ctx,
            max_matches=10**9,
            timeout_s=600,
            max_filesize=2**31,
        )
        ref = _run("python", pattern, paths, opts)
        row: dict = {
            "corpus": name,
            "pattern_name": label,
            "pattern": pattern,
            "ignore_case": icase,
            "context": ctx,
            "fixed_strings": fixed,
            "engines": {},
        }
        for engine in ENGINES:
            times, out = [], None
            for _ in range(reps):
                t0 = time.perf_counter()
                try:
                    out = _run(engine, pattern, paths, opts)
                except Exception as e:  # noqa: BLE001 - recorded as a failure of that engine
                    out = None
                    row["engines"][engine] = {"error": f"{type(e).__name__}: {e}"[:300]}
                    break
                times.append(time.perf_counter() - t0)
            if out is None:
                continue
            res = _compare(engine, out, ref, root, ctx)
            res["p50_s"] = statistics.median(times)
            res["times_s"] = times
            row["engines"][engine] = res
        py = row["engines"]["python"]["p50_s"]
        for r in row["engines"].values():
            if "p50_s" in r:
                r["speedup_vs_python"] = py / r["p50_s"] if r["p50_s"] else None
        rows.append(row)
        console.print(
            f"[{name}] {label}: "
            + ", ".join(
                f"{e} {r['p50_s'] * 1000:.0f} ms{'' if r['same'] else ' (DIFFERS)'}"
                if "p50_s" in r
                else f"{e} error"
                for e, r in row["engines"].items()
            )
        )
    return rows


def run_grep_bench(
    store: Path,
    out: Path,
    reps: int = 5,
    console: Console | None = None,
    limit_docs: int = 0,
    store_given: bool = True,
) -> dict:
    """``store_given``: the store came from ``--store`` (recorded in the command line)."""
    console = console or Console()
    if rg_binary() is None:
        raise RuntimeError("the ripgrep wheel's rg binary is missing: pip install ripgrep==14.1.0")
    pages = store_pages(store)
    if limit_docs:
        pages = pages[:limit_docs]
    n_files = sum(1 for p in pages for _ in p.glob("page-*.txt"))
    n_bytes = sum(f.stat().st_size for p in pages for f in p.glob("page-*.txt"))
    console.print(f"{len(pages)} filings, {n_files} page files, {n_bytes / 1e6:.1f} MB")
    with tempfile.TemporaryDirectory(prefix="docnav-grep-bench-") as tmp:
        tmpd = Path(tmp)
        big = build_big(pages, tmpd)
        edge = build_edge(tmpd)
        rows = _bench_corpus("store pages", pages, store, PATTERNS, reps, console)
        big_mb = big.stat().st_size / 1e6
        rows += _bench_corpus(
            "one big file", [big], big.parent, PATTERNS, max(1, reps // 2), console
        )
        rows += _bench_corpus("edge cases", [edge], edge, EDGE_PATTERNS, 1, console)
    summary = _summary(rows)
    result = {
        "command": "docnav bench grep"
        + (f" --store {store}" if store_given else "")
        + (f" --reps {reps}" if reps != 5 else "")
        + (f" --limit-docs {limit_docs}" if limit_docs else ""),
        "commit": git_commit(),
        "machine": machine_info(),
        "rg": str(rg_binary()),
        "corpus": {
            "filings": len(pages),
            "page_files": n_files,
            "mb": n_bytes / 1e6,
            "big_file_mb": big_mb,
        },
        "reps": reps,
        "rows": rows,
        "summary": summary,
    }
    _write(result, out)
    return result


def _summary(rows: list[dict]) -> dict:
    out: dict = {}
    for engine in ENGINES:
        mine = [r["engines"].get(engine, {}) for r in rows]
        timed = [
            (r, m)
            for r, m in zip(rows, mine, strict=True)
            if "p50_s" in m and r["corpus"] != "edge cases"
        ]
        ratios = [m["speedup_vs_python"] for _, m in timed if m.get("speedup_vs_python")]
        vs_rg = {}
        for corpus in ("store pages", "one big file"):
            r_ = [
                m["p50_s"] / r["engines"]["rg"]["p50_s"]
                for r, m in timed
                if r["corpus"] == corpus and "p50_s" in r["engines"].get("rg", {})
            ]
            vs_rg[corpus] = statistics.median(r_) if r_ else None
        out[engine] = {
            "patterns_same_as_python": sum(1 for m in mine if m.get("same")),
            "patterns": len(rows),
            "errors": sum(1 for m in mine if "error" in m),
            "median_speedup_vs_python": statistics.median(ratios) if ratios else None,
            "median_time_vs_rg": vs_rg,  # per corpus; > 1 = slower than rg
            "total_p50_s": sum(m["p50_s"] for _, m in timed),
        }
    return out


def _write(result: dict, out: Path) -> None:
    from docnav.extras import pyplot

    plt = pyplot()  # a clear error naming the bench extra when matplotlib is absent

    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(result, indent=2, default=str))
    timed = [r for r in result["rows"] if r["corpus"] != "edge cases"]
    fig, ax = plt.subplots(figsize=(11, 5.5))
    width = 0.2
    for i, engine in enumerate(ENGINES):
        ys = [r["engines"].get(engine, {}).get("p50_s", float("nan")) * 1000 for r in timed]
        ax.bar([x + i * width for x in range(len(timed))], ys, width, label=engine)
    ax.set_xticks([x + 1.5 * width for x in range(len(timed))])
    ax.set_xticklabels(
        [f"{r['pattern_name']}\n[{r['corpus']}]" for r in timed], rotation=75, fontsize=7
    )
    ax.set_yscale("log")
    ax.set_ylabel("p50 wall time per pattern (ms, log)")
    ax.set_title("grep engines on FinanceBench page files (lower is better)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "grep.png", dpi=110)
    plt.close(fig)

    c = result["corpus"]
    lines = [
        "# grep engines: rg (ripgrep wheel) vs pyripgrep vs Python `re`",
        "",
        f"Command: `{result['command']}` (repo root; store read-only). Commit "
        f"{result['commit']}, {machine_line(result['machine'])}. rg: "
        f"{result['rg']}. Corpus: {c['filings']} filings, {c['page_files']} page files, "
        f"{c['mb']:.1f} MB; the same text as one {c['big_file_mb']:.1f} MB file; an edge-case "
        f"folder. p50 over {result['reps']} runs (the big file: half as many), on a shared "
        "2-core machine: ratios within one run are the figures to read.",
        "",
        "## Summary",
        "",
        "| engine | patterns with the same hits as Python | errors | median speed-up vs Python "
        "| median time vs rg: pages / big file | sum of p50 (s) |",
        "|---|---|---|---|---|---|",
    ]
    for e, s in result["summary"].items():
        sp = s["median_speedup_vs_python"]
        sp_s = f"{sp:.1f}x" if sp else "-"
        vr = " / ".join(
            f"{v:.2f}" if v else "-"
            for v in (s["median_time_vs_rg"].get(c) for c in ("store pages", "one big file"))
        )
        lines.append(
            f"| {e} | {s['patterns_same_as_python']}/{s['patterns']} | {s['errors']} | {sp_s} "
            f"| {vr} | {s['total_p50_s']:.2f} |"
        )
    lines += ["", "## Where an engine differs from the Python scan", ""]
    for r in result["rows"]:
        for e, m in r["engines"].items():
            if "error" in m or m["same"]:
                continue
            what = []
            if m["missing"] or m["extra"]:
                what.append(
                    f"{m['missing']} hit lines missing, {m['extra']} extra "
                    f"(e.g. {m['examples_missing'][:2] or m['examples_extra'][:2]})"
                )
            if not m["context_ok"]:
                what.append(f"context lines {m['context_lines']} of {m['reference_context_lines']}")
            lines.append(
                f"- {r['corpus']} / {r['pattern_name']} (`{r['pattern'][:60]}`): {e}: "
                + "; ".join(what)
            )
    lines += [
        "",
        "## Per pattern",
        "",
        "| corpus | pattern | engine | p50 ms | x vs Python | hit lines (Python) | missing | extra | context ok |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        for e, m in r["engines"].items():
            if "error" in m:
                lines.append(
                    f"| {r['corpus']} | {r['pattern_name']} | {e} | error: {m['error'][:80]} | | | | | |"
                )
                continue
            lines.append(
                f"| {r['corpus']} | {r['pattern_name']} | {e} | {m['p50_s'] * 1000:.1f} | "
                f"{m.get('speedup_vs_python') or 0:.1f} | {m['matches']} ({m['reference_matches']}) "
                f"| {m['missing']} | {m['extra']} | "
                f"{'yes' if m['context_ok'] else 'no'} ({m['context_lines']}/{m['reference_context_lines']}) |"
            )
    (out / "report.md").write_text("\n".join(lines) + "\n")
